package plan

import (
	"strings"
	"testing"
)

func TestQualityKeyThatScoresNoCellIsAnError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, quality, want string
	}{
		{"typo of a model", `{ claud: 8 }`, `t.yaml:11:19: quality.claud: scores no cell; did you mean "claude"?`},
		{"glob of nothing", `{ "gpt-*": 8 }`, `quality.gpt-*: scores no cell; keys name a provider, a model or a cell ID`},
		{"shadowed", `{ anthropic: 8, claude: 7 }`, `quality.anthropic: scores no cell (every cell it matches is scored by a more specific key`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := load(t, matrixSpec+"quality: "+c.quality+"\n")
			_, err := Expand(s, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v\nwant it to contain %q", err, c.want)
			}
		})
	}
	for _, ok := range []string{`{ ollama: 6, claude: 8 }`, `{ "ollama_qwen*": 5, "*": 4 }`, `{ anthropic_claude_temperature-0.7: 9, anthropic: 8 }`} {
		s := load(t, matrixSpec+"quality: "+ok+"\n")
		if _, err := Expand(s, nil); err != nil {
			t.Errorf("quality %s: %v", ok, err)
		}
	}
}
