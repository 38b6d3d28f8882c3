package sim

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"regexp"
)

// judgeRE finds a prompt that asks for a score from 1 to 10 ("rate ... on a
// scale of 1 to 10", "Score: <1-10>"): an LLM-as-judge call.
var judgeRE = regexp.MustCompile(`(?is)\b(score|rate|rating|grade)\b.{0,120}?\b1\s*(?:to|-|–|/)\s*10\b`)

// judgeReasons are the simulator's canned reasons, one drawn per answer.
var judgeReasons = []string{
	"covers what the rubric asks, with a few thin sections",
	"accurate and complete, though the plan could be more specific",
	"clear structure; some figures are stated without context",
	"mostly complete; the recommendations are generic in places",
	"well organised and consistent across the reports",
}

// judgeAnswer is the text answer to a judge prompt: "Score: N/10" and a
// one-line reason. N (5 to 9) is derived from the request alone, so the
// same request always gets the same score (also when only its numbers
// differ, such as a time stamp), and different outputs judged get
// different ones.
func judgeAnswer(model string, body []byte) (string, bool) {
	if !judgeRE.Match(body) {
		return "", false
	}
	h := fnv.New64a()
	h.Write([]byte(model))
	h.Write([]byte{0})
	// Digits are left out: a report judged again an hour later differs in
	// its time stamp only, and must get the same score.
	h.Write(bytes.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, body))
	v := h.Sum64()
	score := 5 + v%5
	reason := judgeReasons[(v/5)%uint64(len(judgeReasons))]
	return fmt.Sprintf("Score: %d/10\nReason: %s (simulated judge)", score, reason), true
}
