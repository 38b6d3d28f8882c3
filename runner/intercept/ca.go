package intercept

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// caValidity bounds how long a benchmark's CA (and every leaf it signs) is
// valid: long enough for any benchmark, short enough that a copy that
// escaped is soon worthless.
const caValidity = 7 * 24 * time.Hour

// systemRoots are the places where Unix systems keep their trusted roots as
// one PEM file (Debian/Ubuntu, Fedora/RHEL, openSUSE, Alpine/macOS).
var systemRoots = []string{
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/ca-bundle.pem",
	"/etc/ssl/cert.pem",
}

// CA is a benchmark's own certificate authority. Its private key exists only
// in this process's memory; the certificate (and a bundle of the system roots
// plus it) are files in the benchmark's scratch folder, removed by Close.
type CA struct {
	cert    *x509.Certificate
	certDER []byte
	key     *ecdsa.PrivateKey
	leafKey *ecdsa.PrivateKey

	// CertFile holds the CA certificate alone (PEM): for variables that add
	// to the system roots, as NODE_EXTRA_CA_CERTS does.
	CertFile string
	// BundleFile holds the system roots followed by the CA certificate: for
	// variables that replace the system roots (SSL_CERT_FILE,
	// REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE), so that hosts that are only
	// tunnelled still verify.
	BundleFile string
	// SystemRoots names the file the bundle's system roots came from; ""
	// when none was found and the bundle holds the CA alone.
	SystemRoots string

	mu     sync.Mutex
	leaves map[string]*tls.Certificate
}

// NewCA makes a fresh CA (ECDSA P-256) and writes its certificate and bundle
// into dir, which must exist.
func NewCA(dir string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("interception CA: %w", err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("interception CA: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "runner interception CA (one benchmark only)", Organization: []string{"runner"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("interception CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("interception CA: %w", err)
	}
	ca := &CA{cert: cert, certDER: der, key: key, leafKey: leafKey, leaves: map[string]*tls.Certificate{}}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	ca.CertFile = filepath.Join(dir, "runner-intercept-ca.pem")
	if err := os.WriteFile(ca.CertFile, certPEM, 0o644); err != nil {
		return nil, fmt.Errorf("interception CA: %w", err)
	}
	var bundle []byte
	roots := systemRoots
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		roots = append([]string{f}, roots...) // the roots this machine was told to use
	}
	for _, f := range roots {
		if b, err := os.ReadFile(f); err == nil && len(b) > 0 {
			ca.SystemRoots = f
			bundle = append(b, '\n')
			break
		}
	}
	bundle = append(bundle, certPEM...)
	ca.BundleFile = filepath.Join(dir, "runner-intercept-bundle.pem")
	if err := os.WriteFile(ca.BundleFile, bundle, 0o644); err != nil {
		os.Remove(ca.CertFile)
		return nil, fmt.Errorf("interception CA: %w", err)
	}
	return ca, nil
}

// Pool is a certificate pool holding the CA alone (for tests and clients
// built in this process).
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// Close removes the CA's files and forgets its keys.
func (ca *CA) Close() error {
	ca.mu.Lock()
	ca.key, ca.leafKey, ca.leaves = nil, nil, nil
	ca.mu.Unlock()
	return errors.Join(rmFile(ca.CertFile), rmFile(ca.BundleFile))
}

func rmFile(f string) error {
	if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// leaf returns a server certificate for host (a name or an IP address),
// signed by the CA; one per host, made on first use.
func (ca *CA) leaf(host string) (*tls.Certificate, error) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.key == nil {
		return nil, errors.New("interception CA closed")
	}
	if c := ca.leaves[host]; c != nil {
		return c, nil
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: host},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     ca.cert.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &ca.leafKey.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("certificate for %s: %w", host, err)
	}
	c := &tls.Certificate{Certificate: [][]byte{der, ca.certDER}, PrivateKey: ca.leafKey}
	ca.leaves[host] = c
	return c, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n.Add(n, big.NewInt(1))
}
