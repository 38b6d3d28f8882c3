package spec

import (
	"bytes"
	"sort"
	"strconv"
	"strings"

	"github.com/runner-bench/runner/runner/redact"
	"gopkg.in/yaml.v3"
)

// RedactSource returns src (a spec's text, as s.Source) with the values of
// secret-looking vars (their names contain KEY, TOKEN, SECRET or PASSWORD,
// as redact.SecretName says; --set values are in vars by then) and of
// secret-looking env: entries that are literals (not templates: a value that
// reads {{ .env.X }} names the secret without holding it) replaced by
// REDACTED, for the copy of the spec kept in an output folder. Any other
// value that holds a secret as redact.String finds one (a key written into
// a command, `--api-key sk-...`, a Bearer token, a key= parameter) is kept
// with that secret masked. The rest of the text is kept as written; a value
// written across lines makes it re-encode the document.
func RedactSource(path string, src []byte) ([]byte, error) {
	root, errs := readDocument(path, src)
	if errs != nil {
		return nil, errs
	}
	edits := map[*yaml.Node]string{} // node -> its value in the copy
	collect := func(m *yaml.Node, literalOnly bool) {
		if m == nil || m.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			if v.Kind != yaml.ScalarNode || !redact.SecretName(k.Value) || v.Value == "" || v.Value == redact.Mask {
				continue
			}
			if literalOnly && strings.Contains(v.Value, "{{") {
				continue
			}
			edits[v] = redact.Mask
		}
	}
	collect(mappingValue(root, "vars"), false)
	collect(mappingValue(root, "env"), true)
	if ps := mappingValue(root, "providers"); ps != nil && ps.Kind == yaml.SequenceNode {
		for _, p := range ps.Content {
			collect(mappingValue(p, "env"), true)
		}
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode {
			if _, done := edits[n]; !done {
				if v := redact.String(n.Value); v != n.Value {
					edits[n] = v
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	if len(edits) == 0 {
		return src, nil
	}
	type span struct {
		start, end int
		with       string
	}
	var spans []span
	for n, v := range edits {
		start, end, ok := scalarSpan(src, n)
		if !ok {
			return reencode(root, edits)
		}
		if v != redact.Mask {
			v = strconv.Quote(v) // YAML reads Go's double-quoted escapes
		}
		spans = append(spans, span{start, end, v})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start > spans[j].start })
	out := append([]byte(nil), src...)
	for _, sp := range spans { // from the end, so earlier offsets hold
		out = append(out[:sp.start], append([]byte(sp.with), out[sp.end:]...)...)
	}
	return out, nil
}

func reencode(root *yaml.Node, edits map[*yaml.Node]string) ([]byte, error) {
	for n, v := range edits {
		n.Value, n.Style, n.Tag = v, 0, "!!str"
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}
