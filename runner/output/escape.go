package output

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text from workloads and specs (a failed run's last output line, phase,
// metric and model names) reaches the report and the CSV. There it must stay
// text: a pipe must not split a table row, a newline must not end it, HTML
// and links must not render, and a spreadsheet must not run it as a formula.

// MarkdownText escapes s for inline Markdown, in a table cell or in running
// text: line breaks become spaces; pipes, backslashes, backticks, emphasis and
// link brackets are backslash-escaped; < > and an & that could start an
// entity become entities.
func MarkdownText(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	prev := ' '
	for i, r := range s {
		switch r {
		case '\r', '\n', '\u2028', '\u2029':
			if prev != ' ' {
				b.WriteByte(' ')
			}
			prev = ' '
			continue
		case '|', '\\', '`', '*', '[', ']', '~':
			b.WriteByte('\\')
		case '_':
			// Only a word-boundary underscore can start emphasis; model
			// names such as gpt_4 stay as written.
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if !isWord(prev) || !isWord(next) {
				b.WriteByte('\\')
			}
		case '<':
			b.WriteString("&lt;")
			prev = r
			continue
		case '>':
			b.WriteString("&gt;")
			prev = r
			continue
		case '&':
			// Only what could read as an entity (&lt; &#60;) is escaped.
			if entity.MatchString(s[i+1:]) {
				b.WriteString("&amp;")
				prev = r
				continue
			}
		}
		if unicode.IsControl(r) {
			r = ' '
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

var entity = regexp.MustCompile(`^#?[A-Za-z0-9]{1,32};`)

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// MarkdownCode shows s as inline code that cannot end early: the fence is
// longer than any run of backticks inside, and pipes are escaped (a GFM table
// splits on them even inside code).
func MarkdownCode(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	s = strings.ReplaceAll(s, "|", `\|`)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// plainNumber is a plain decimal number as a spreadsheet reads one.
var plainNumber = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$`)

// CSVCell makes a cell inert for spreadsheets: one that starts with = + - @,
// a tab or a carriage return would be read as a formula (CSV injection), so
// it gets a leading apostrophe, unless it is a number (-3.5 stays a number).
func CSVCell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) || plainNumber.MatchString(s) {
		return s
	}
	return "'" + s
}
