package spec

import (
	"bytes"
	"sort"
	"strings"

	"github.com/runner-bench/runner/runner/redact"
	"gopkg.in/yaml.v3"
)

// RedactSource returns src (a spec's text, as s.Source) with the values of
// secret-looking vars (their names contain KEY, TOKEN, SECRET or PASSWORD,
// as redact.SecretName says; --set values are in vars by then) and of
// secret-looking env: entries that are literals (not templates: a value that
// reads {{ .env.X }} names the secret without holding it) replaced by
// REDACTED, for the copy of the spec kept in an output folder. The rest of
// the text is kept as written; a value written across lines makes it
// re-encode the document.
func RedactSource(path string, src []byte) ([]byte, error) {
	root, errs := readDocument(path, src)
	if errs != nil {
		return nil, errs
	}
	var secrets []*yaml.Node
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
			secrets = append(secrets, v)
		}
	}
	collect(mappingValue(root, "vars"), false)
	collect(mappingValue(root, "env"), true)
	if ps := mappingValue(root, "providers"); ps != nil && ps.Kind == yaml.SequenceNode {
		for _, p := range ps.Content {
			collect(mappingValue(p, "env"), true)
		}
	}
	if len(secrets) == 0 {
		return src, nil
	}
	type span struct{ start, end int }
	var spans []span
	for _, n := range secrets {
		start, end, ok := scalarSpan(src, n)
		if !ok {
			return reencode(root, secrets)
		}
		spans = append(spans, span{start, end})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start > spans[j].start })
	out := append([]byte(nil), src...)
	for _, sp := range spans { // from the end, so earlier offsets hold
		out = append(out[:sp.start], append([]byte(redact.Mask), out[sp.end:]...)...)
	}
	return out, nil
}

func reencode(root *yaml.Node, secrets []*yaml.Node) ([]byte, error) {
	for _, n := range secrets {
		n.Value, n.Style, n.Tag = redact.Mask, 0, "!!str"
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}
