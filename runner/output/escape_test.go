package output

import "testing"

func TestMarkdownText(t *testing.T) {
	for in, want := range map[string]string{
		"claude-3-5-sonnet-20241022": "claude-3-5-sonnet-20241022",
		"gpt_4 and _x_":              `gpt_4 and \_x\_`,
		"a|b\r\nc":                   `a\|b c`,
		"<img src=x onerror=y>":      "&lt;img src=x onerror=y&gt;",
		"[click](http://x) *bold*":   `\[click\](http://x) \*bold\*`,
		"AT&T &lt;":                  "AT&T &amp;lt;",
		"`rm -rf`":                   "\\`rm -rf\\`",
	} {
		if got := MarkdownText(in); got != want {
			t.Errorf("MarkdownText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownCode(t *testing.T) {
	for in, want := range map[string]string{
		"total.time.mean < 300": "`total.time.mean < 300`",
		"a | b":                 "`a \\| b`",
		"x `y` z":               "``x `y` z``",
		"`edge":                 "`` `edge ``",
	} {
		if got := MarkdownCode(in); got != want {
			t.Errorf("MarkdownCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1":              "'=1+1",
		"+cmd":              "'+cmd",
		"-x":                "'-x",
		"@SUM(A1)":          "'@SUM(A1)",
		"\tx":               "'\tx",
		"\rx":               "'\rx",
		"-3.5":              "-3.5",
		"+2e10":             "+2e10",
		"-0":                "-0",
		"-inf":              "'-inf",
		"plain text = fine": "plain text = fine",
		"":                  "",
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}
