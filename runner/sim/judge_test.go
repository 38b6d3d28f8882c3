package sim

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// A judge prompt gets a score a judge can parse, the same one every time
// for the same request, in every API's answer.
func TestJudgePromptGetsAScore(t *testing.T) {
	srv := newServer(t, Config{Seed: 1})
	prompt := func(report string) string {
		return `Rate the reports below against the rubric. Answer with a score from 1 to 10 as "Score: N/10", then "Reason: ...".\n\n` + report
	}
	scoreRE := regexp.MustCompile(`Score: ([0-9]+)/10\nReason: \S`)
	score := func(url, body string) string {
		t.Helper()
		_, got := post(t, url, body)
		var text string
		var oa struct {
			Choices []struct{ Message struct{ Content string } }
		}
		var an struct{ Content []struct{ Text string } }
		if json.Unmarshal([]byte(got), &oa); len(oa.Choices) > 0 {
			text = oa.Choices[0].Message.Content
		} else if json.Unmarshal([]byte(got), &an); len(an.Content) > 0 {
			text = an.Content[0].Text
		}
		m := scoreRE.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("answer %q holds no score", got)
		}
		return m[1]
	}
	body := func(p string) string {
		b, _ := json.Marshal(map[string]any{"model": "judge", "max_tokens": 200, "messages": []map[string]string{{"role": "user", "content": p}}})
		return string(b)
	}
	a := score(srv.URL+"/v1/chat/completions", body(prompt("report A")))
	if again := score(srv.URL+"/v1/chat/completions", body(prompt("report A"))); again != a {
		t.Errorf("same request scored %s then %s", a, again)
	}
	if stamped := score(srv.URL+"/v1/chat/completions", body(prompt("report A, generated 2026-12-02 10:15"))); stamped != score(srv.URL+"/v1/chat/completions", body(prompt("report A, generated 2027-01-09 23:59"))) {
		t.Error("the same report stamped at another time got another score")
	}
	seen := map[string]bool{a: true}
	for _, r := range []string{"report B", "report C", "report D", "report E", "report F"} {
		s := score(srv.URL+"/v1/messages", body(prompt(r)))
		if s < "5" || s > "9" || len(s) != 1 {
			t.Errorf("score %s outside the plausible 5 to 9", s)
		}
		seen[s] = true
	}
	if len(seen) < 2 {
		t.Errorf("six different reports all scored %v: the score says nothing of the request", seen)
	}
	// An ordinary prompt still gets ordinary text.
	_, got := post(t, srv.URL+"/v1/chat/completions", body("summarise the week"))
	if strings.Contains(got, "Score:") {
		t.Errorf("a prompt that asks for no score got one: %s", got)
	}
}
