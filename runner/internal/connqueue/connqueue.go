// Package connqueue is a net.Listener whose connections the program hands
// in: an http.Server serves connections another part has accepted and
// looked at first (the interception proxy's tunnels, the metering proxy's
// requests that its own server leaves to net/http).
package connqueue

import (
	"io"
	"net"
	"sync"
)

// Queue is a net.Listener fed by Push.
type Queue struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

// New returns a Queue that reports addr as its address.
func New(addr net.Addr) *Queue {
	return &Queue{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

// Push hands c to the server accepting from q; false once q is closed (c
// is then the caller's to close).
func (q *Queue) Push(c net.Conn) bool {
	select {
	case q.ch <- c:
		return true
	case <-q.done:
		return false
	}
}

// Accept waits for the next connection pushed.
func (q *Queue) Accept() (net.Conn, error) {
	select {
	case c := <-q.ch:
		return c, nil
	case <-q.done:
		return nil, net.ErrClosed
	}
}

// Close ends Accept and Push; the connections already handed in are left.
func (q *Queue) Close() error {
	q.once.Do(func() { close(q.done) })
	return nil
}

// Addr is the address given to New.
func (q *Queue) Addr() net.Addr { return q.addr }

// WithReader returns c with its reads taken from r: a reader over c that
// holds bytes already read from it (a peeked TLS record, a request head
// that was looked at before the connection was handed on).
func WithReader(c net.Conn, r io.Reader) net.Conn { return &readerConn{Conn: c, r: r} }

type readerConn struct {
	net.Conn
	r io.Reader
}

func (c *readerConn) Read(b []byte) (int, error) { return c.r.Read(b) }
