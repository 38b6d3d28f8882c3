package intercept

import (
	"net/url"
	"strings"

	"github.com/runner-bench/runner/runner/llmapi"
)

// Routes sends each API's public host, and the host of each configured base
// URL (a provider's base_url, the spec's apis:), to the metering listener
// of that API; listener gives the root URL of an API's listener ("" for an
// API not metered).
func Routes(listener func(api llmapi.API) string, configured map[llmapi.API]string) []Route {
	var routes []Route
	for _, api := range llmapi.APIs {
		target := listener(api)
		if target == "" {
			continue
		}
		if api == llmapi.Ollama { // plain HTTP on a loopback port
			routes = append(routes,
				Route{Host: "127.0.0.1:11434", Target: target},
				Route{Host: "localhost:11434", Target: target})
		} else {
			u, _ := url.Parse(llmapi.DefaultBaseURLs[api])
			routes = append(routes, Route{Host: u.Hostname(), Target: target})
		}
		u, err := url.Parse(configured[api])
		if configured[api] == "" || err != nil || u.Host == "" {
			continue
		}
		rt := Route{Host: u.Host, Target: target, Prefix: strings.TrimSuffix(u.Path, "/")}
		if u.Port() == "" {
			rt.Host = u.Hostname() // any port: the client may name :443 or none
		}
		if rt.Prefix != "" && api == llmapi.OpenAI {
			rt.To = llmapi.OpenAIVersion // the listener maps its /v1/X to the base URL's X
		}
		routes = append(routes, rt)
	}
	return routes
}
