package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// maxExpandedNodes bounds what aliases may expand a spec to: a few aliases
// nested in each other ("billion laughs") would otherwise make a 1 KB file
// walk like a gigabyte one.
const maxExpandedNodes = 1_000_000

// readDocument parses src as exactly one YAML document whose root is a
// mapping, and checks what the YAML library lets through: control characters
// and invalid UTF-8 (binary input), a second document, and duplicate keys in
// any mapping (the library keeps the last one silently). Every error has a
// position.
func readDocument(path string, src []byte) (*yaml.Node, Errors) {
	if e := checkText(path, src); e != nil {
		return nil, Errors{e}
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: path, Msg: "empty spec"}}
		}
		return nil, Errors{yamlError(path, err)}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, Errors{yamlError(path, err)}
	default:
		return nil, Errors{{File: path, Line: next.Line, Col: next.Column,
			Msg: "a second YAML document (after ---): a spec is one document; split it into two files"}}
	}
	if len(doc.Content) == 0 {
		return nil, Errors{{File: path, Msg: "empty spec"}}
	}
	root := doc.Content[0]
	if root.Kind == yaml.AliasNode || root.Kind != yaml.MappingNode {
		return nil, Errors{{File: path, Line: root.Line, Col: root.Column,
			Msg: fmt.Sprintf("the spec must be a mapping of fields (name: ..., command: ...), got %s", kindName(root))}}
	}
	var errs Errors
	checkDuplicates(path, root, &errs)
	if len(errs) > 0 {
		return nil, errs
	}
	return root, nil
}

// checkText finds the first byte YAML does not allow in a document: C0
// control characters other than tab, newline and carriage return, DEL, and
// bytes that are not UTF-8.
func checkText(path string, src []byte) *Error {
	line, col := 1, 1
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		bad := ""
		switch {
		case r == utf8.RuneError && size <= 1:
			bad = fmt.Sprintf("byte 0x%02x is not UTF-8 text", src[i])
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f:
			bad = fmt.Sprintf("control character U+%04X is not allowed", r)
		}
		if bad != "" {
			if r == 0 || r == utf8.RuneError {
				bad += " (is this a binary file?)"
			}
			return &Error{File: path, Line: line, Col: col, Msg: bad}
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return nil
}

// checkDuplicates reports every key written twice in one mapping, naming
// both places. It does not follow aliases: their targets are checked where
// they are written.
func checkDuplicates(path string, n *yaml.Node, errs *Errors) {
	if n.Kind == yaml.MappingNode {
		first := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				continue
			}
			if prev, ok := first[k.Value]; ok {
				*errs = append(*errs, &Error{File: path, Line: k.Line, Col: k.Column,
					Msg: fmt.Sprintf("%q is a duplicate key; it is already set at line %d, column %d", k.Value, prev.Line, prev.Column)})
				continue
			}
			first[k.Value] = k
		}
	}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		for _, c := range n.Content {
			checkDuplicates(path, c, errs)
		}
	}
}

// resolveAliases replaces every alias in the tree under root by the node it
// names and applies merge keys (`<<: *defaults`, or a list of them: keys
// written in the mapping win, then earlier sources over later ones), so that
// decoding sees plain values wherever an anchor's value fits. Shared values
// stay shared; their expanded size is bounded by maxExpandedNodes.
func resolveAliases(path string, root *yaml.Node) *Error {
	r := &resolver{path: path, state: map[*yaml.Node]uint8{}}
	if err := r.resolve(root); err != nil {
		return err
	}
	if total := r.size(root, map[*yaml.Node]int{}); total > maxExpandedNodes {
		return &Error{File: path, Line: root.Line, Col: root.Column,
			Msg: fmt.Sprintf("aliases expand the spec to more than %d values", maxExpandedNodes)}
	}
	return nil
}

type resolver struct {
	path  string
	state map[*yaml.Node]uint8 // 1: being resolved, 2: done
}

func (r *resolver) target(n *yaml.Node) (*yaml.Node, *Error) {
	if n.Kind != yaml.AliasNode {
		return n, nil
	}
	if n.Alias == nil {
		return nil, &Error{File: r.path, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf("alias *%s names no anchor", n.Value)}
	}
	if r.state[n.Alias] == 1 {
		return nil, &Error{File: r.path, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf("alias *%s is inside the value it names", n.Value)}
	}
	return n.Alias, nil
}

func (r *resolver) resolve(n *yaml.Node) *Error {
	if r.state[n] != 0 {
		return nil
	}
	r.state[n] = 1
	for i, c := range n.Content {
		t, err := r.target(c)
		if err != nil {
			return err
		}
		n.Content[i] = t
		if err := r.resolve(t); err != nil {
			return err
		}
	}
	if n.Kind == yaml.MappingNode {
		if err := r.merge(n); err != nil {
			return err
		}
	}
	r.state[n] = 2
	return nil
}

// merge replaces the merge keys of the (resolved) mapping n by the keys they
// bring in, at the place of the merge key.
func (r *resolver) merge(n *yaml.Node) *Error {
	has := false
	own := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; isMergeKey(k) {
			has = true
		} else {
			own[k.Value] = true
		}
	}
	if !has {
		return nil
	}
	var out []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !isMergeKey(k) {
			out = append(out, k, v)
			continue
		}
		sources := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			sources = v.Content
		}
		for _, src := range sources {
			if src.Kind != yaml.MappingNode {
				return &Error{File: r.path, Line: src.Line, Col: src.Column,
					Msg: fmt.Sprintf("merge key <<: expected a mapping or a list of mappings (such as *defaults), got %s", kindName(src))}
			}
			for j := 0; j+1 < len(src.Content); j += 2 {
				if key := src.Content[j].Value; !own[key] {
					own[key] = true
					out = append(out, src.Content[j], src.Content[j+1])
				}
			}
		}
	}
	n.Content = out
	return nil
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge"
}

// size is the number of nodes the tree under n has once shared values are
// counted at every place they appear; it stops counting past the bound.
func (r *resolver) size(n *yaml.Node, memo map[*yaml.Node]int) int {
	if s, ok := memo[n]; ok {
		return s
	}
	s := 1
	for _, c := range n.Content {
		s += r.size(c, memo)
		if s > maxExpandedNodes {
			s = maxExpandedNodes + 1
			break
		}
	}
	memo[n] = s
	return s
}

// SourceWithReportTemplate returns the spec's source with report.template
// set to name, for the copy of the spec kept in an output folder next to a
// copy of the template. The rest of the text is kept as written; only a
// template written across lines makes it re-encode the document.
func (s *Spec) SourceWithReportTemplate(name string) ([]byte, error) {
	root, errs := readDocument(s.File, s.Source)
	if errs != nil {
		return nil, errs
	}
	report := mappingValue(root, "report")
	if report == nil {
		return nil, errors.New("the spec has no report section")
	}
	n := mappingValue(report, "template")
	if n == nil || n.Kind != yaml.ScalarNode {
		return nil, errors.New("the spec has no report.template")
	}
	if start, end, ok := scalarSpan(s.Source, n); ok {
		quoted, err := yaml.Marshal(name)
		if err != nil {
			return nil, err
		}
		out := append([]byte(nil), s.Source[:start]...)
		out = append(out, bytes.TrimSuffix(quoted, []byte("\n"))...)
		return append(out, s.Source[end:]...), nil
	}
	n.Value, n.Style, n.Tag = name, yaml.DoubleQuotedStyle, "!!str"
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// scalarSpan finds the bytes of a one-line plain or quoted scalar in src.
func scalarSpan(src []byte, n *yaml.Node) (start, end int, ok bool) {
	lines := bytes.SplitAfter(src, []byte("\n"))
	if n.Line < 1 || n.Line > len(lines) {
		return 0, 0, false
	}
	off := 0
	for _, l := range lines[:n.Line-1] {
		off += len(l)
	}
	line := lines[n.Line-1]
	col := 0 // n.Column counts characters from 1
	for i := 1; i < n.Column && col < len(line); i++ {
		_, size := utf8.DecodeRune(line[col:])
		col += size
	}
	rest := line[col:]
	switch n.Style {
	case 0:
		if !bytes.HasPrefix(rest, []byte(n.Value)) {
			return 0, 0, false
		}
		return off + col, off + col + len(n.Value), true
	case yaml.DoubleQuotedStyle:
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '\\':
				i++
			case '"':
				return off + col, off + col + i + 1, true
			case '\n':
				return 0, 0, false
			}
		}
	case yaml.SingleQuotedStyle:
		for i := 1; i < len(rest); i++ {
			if rest[i] == '\n' {
				return 0, 0, false
			}
			if rest[i] == '\'' {
				if i+1 < len(rest) && rest[i+1] == '\'' {
					i++
					continue
				}
				return off + col, off + col + i + 1, true
			}
		}
	}
	return 0, 0, false
}
