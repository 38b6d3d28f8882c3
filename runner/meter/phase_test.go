package meter

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
)

// An X-Runner-Phase header is taken when it names a declared phase; another
// name is kept aside and the call counts in the open phase.
func TestPhaseHeaderMustNameADeclaredPhase(t *testing.T) {
	up := kindsUpstream(t)
	p, err := Start(context.Background(), Upstreams{llmapi.OpenAI: up.URL}, Phases([]string{"Plan", "Write"}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.BeginRun(time.Now(), func() string { return "Plan" })
	for _, h := range []string{"Write", "Wirte", ""} {
		req, _ := http.NewRequest("POST", p.URL(llmapi.OpenAI)+"/v1/embeddings", strings.NewReader(`{"model":"e","input":"x"}`))
		if h != "" {
			req.Header.Set(PhaseHeader, h)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var got []string
	for _, c := range p.EndRun().Calls {
		got = append(got, c.Phase+"/"+c.UndeclaredPhase)
	}
	if strings.Join(got, " ") != "Write/ Plan/Wirte Plan/" {
		t.Errorf("phase/undeclared of the calls: %v", got)
	}
}
