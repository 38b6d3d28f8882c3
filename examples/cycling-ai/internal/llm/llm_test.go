package llm

import "testing"

func TestOllamaHost(t *testing.T) {
	cases := map[string]string{
		"":                         "http://127.0.0.1:11434",
		"127.0.0.1:4000":           "http://127.0.0.1:4000",
		"localhost":                "http://localhost:11434",
		"http://example.com":       "http://example.com:80",
		"https://example.com":      "https://example.com:443",
		"http://10.0.0.2:8080/x/":  "http://10.0.0.2:8080/x",
		"[::1]:5000":               "http://[::1]:5000",
		"  http://127.0.0.1:9 ":    "http://127.0.0.1:9",
		"ollama.internal:11434":    "http://ollama.internal:11434",
		"https://proxy.local:8443": "https://proxy.local:8443",
	}
	for in, want := range cases {
		u, err := OllamaHost(in)
		if err != nil {
			t.Errorf("OllamaHost(%q): %v", in, err)
			continue
		}
		if u.String() != want {
			t.Errorf("OllamaHost(%q) = %s, want %s", in, u, want)
		}
	}
	if _, err := OllamaHost("host:99999"); err == nil {
		t.Error("port 99999 accepted")
	}
}

func TestErrorMessage(t *testing.T) {
	cases := map[string]string{
		`{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`:      "Incorrect API key provided (invalid_request_error)",
		`{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`: "invalid x-api-key (authentication_error)",
		`{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}}`:      "API key not valid. (INVALID_ARGUMENT)",
		`{"error":"model 'llama9' not found"}`:                                                   "model 'llama9' not found",
		`upstream connect error`:                                                                 "upstream connect error",
		``:                                                                                       "(empty body)",
	}
	for body, want := range cases {
		if got := errorMessage([]byte(body)); got != want {
			t.Errorf("errorMessage(%s) = %q, want %q", body, got, want)
		}
	}
}
