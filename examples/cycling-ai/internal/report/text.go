package report

import (
	"regexp"
	"strings"
)

// Block is one piece of LLM text prepared for the templates. The text stays
// plain: html/template escapes it, so nothing the model writes becomes markup.
type Block struct {
	Kind  string   // "h" heading, "p" paragraph, "ul" list, "pre" preformatted (tables, code)
	Text  string   // for h, p and pre
	Items []string // for ul
}

var (
	listItem = regexp.MustCompile(`^\s*(?:[-*+]|\d+[.)])\s+`)
	emphasis = regexp.MustCompile(`\*\*([^*]+)\*\*|__([^_]+)__`)
)

// Blocks splits Markdown-ish model output into headings, paragraphs, lists
// and preformatted blocks. It understands just enough Markdown to keep the
// reports readable; everything else is shown as text.
func Blocks(text string) []Block {
	var out []Block
	var para []string
	var list []string
	var pre []string
	inFence := false
	flush := func() {
		if len(para) > 0 {
			out = append(out, Block{Kind: "p", Text: strings.Join(para, " ")})
			para = nil
		}
		if len(list) > 0 {
			out = append(out, Block{Kind: "ul", Items: list})
			list = nil
		}
		if len(pre) > 0 {
			out = append(out, Block{Kind: "pre", Text: strings.Join(pre, "\n")})
			pre = nil
		}
	}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			flush()
			inFence = !inFence
			continue
		}
		if inFence {
			pre = append(pre, line)
			continue
		}
		switch {
		case trimmed == "":
			flush()
		case strings.HasPrefix(trimmed, "|"):
			if len(pre) == 0 {
				flush()
			}
			pre = append(pre, trimmed)
		case strings.HasPrefix(trimmed, "#"):
			flush()
			out = append(out, Block{Kind: "h", Text: plain(strings.TrimLeft(trimmed, "# "))})
		case listItem.MatchString(line):
			if len(list) == 0 {
				flush()
			}
			list = append(list, plain(listItem.ReplaceAllString(line, "")))
		default:
			if len(list) > 0 || len(pre) > 0 {
				flush()
			}
			para = append(para, plain(trimmed))
		}
	}
	flush()
	return out
}

// plain drops Markdown emphasis markers.
func plain(s string) string {
	return emphasis.ReplaceAllString(s, "$1$2")
}
