package meter

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A run's window closes at EndRun: a call still in flight past the wait, or
// one that arrives before the next run begins (from a process the run left
// behind), is late — kept, marked, and never added to the next run.
func TestLateCallsAreNotTheNextRuns(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), `"slow"`) {
			<-release
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"x","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}`)
	}))
	defer up.Close()
	old := EndRunWait
	EndRunWait = 50 * time.Millisecond
	defer func() { EndRunWait = old }()
	p := startProxy(t, up.URL)
	url := p.URL("openai") + "/v1/chat/completions"
	call := func(model string) {
		resp, err := http.Post(url, "application/json", strings.NewReader(`{"model":"`+model+`","messages":[]}`))
		if err != nil {
			t.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	p.BeginRun(time.Now(), nil)
	slowDone := make(chan struct{})
	go func() { call("slow"); close(slowDone) }()
	call("fast")
	first := p.EndRun().Calls // the slow call is still waiting upstream
	if len(first) != 1 || first[0].Model != "fast" {
		t.Fatalf("first run's calls %+v, want the fast one", first)
	}
	call("between") // after the run ended, before the next begins
	close(release)
	<-slowDone

	p.BeginRun(time.Now(), nil)
	call("fast")
	second := p.EndRun().Calls
	if len(second) != 1 || second[0].Model != "fast" || second[0].Total() != 15 {
		t.Errorf("second run's calls %+v, want only its own fast call", second)
	}
	late := p.LateCalls().Calls
	models := map[string]bool{}
	for _, c := range late {
		models[c.Model] = true
		if !c.Late || c.Total() != 15 {
			t.Errorf("late call %+v: want marked late, with its tokens", c)
		}
	}
	if len(late) != 2 || !models["slow"] || !models["between"] {
		t.Errorf("late calls %+v, want the slow and the between call", late)
	}
	if again := p.LateCalls().Calls; len(again) != 0 {
		t.Errorf("late calls handed out twice: %+v", again)
	}
}
