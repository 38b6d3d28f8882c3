package redact

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	t.Setenv("MY_SERVICE_TOKEN", "tok-0123456789abcdef")
	t.Setenv("KEYBOARD", "us") // secret-looking name, value too short to scrub
	AddValue("CUSTOM_PASSWORD", "hunter2hunter2")
	AddValue("HOME_DIR", "/home/someone") // not a secret name
	for in, want := range map[string]string{
		`GET https://h/v1beta/models/m:generateContent?key=AIzaFAKE&alt=sse failed`: `GET https://h/v1beta/models/m:generateContent?key=REDACTED&alt=sse failed`,
		"http://h/p?alt=sse&key=abc":               "http://h/p?alt=sse&key=REDACTED",
		"monkey=1":                                 "monkey=1",
		"Authorization: Bearer abc.def-ghi":        "Authorization: REDACTED",
		"got 401 (bearer xyz123) back":             "got 401 (bearer REDACTED) back",
		`{"x-api-key": "ant-123456", "n": 1}`:      `{"x-api-key": "REDACTED", "n": 1}`,
		"x-goog-api-key: goog-abcdef":              "x-goog-api-key: REDACTED",
		"key sk-proj-ABCDEFGHIJKLMNOPQRSTUV used":  "key REDACTED used",
		"AIzaSyA-1234567890abcdefghijklmnopqrstuv": "REDACTED",
		"token tok-0123456789abcdef expired":       "token REDACTED expired",
		"login hunter2hunter2":                     "login REDACTED",
		"keyboard us, home /home/someone":          "keyboard us, home /home/someone",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
		if got := string(Bytes([]byte(in))); got != want {
			t.Errorf("Bytes(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSecretName(t *testing.T) {
	for _, n := range []string{"ANTHROPIC_API_KEY", "openai_api_key", "GITHUB_TOKEN", "db_password", "ClientSecret"} {
		if !SecretName(n) {
			t.Errorf("%s should look secret", n)
		}
	}
	for _, n := range []string{"csv", "model", "HOME", "PATH"} {
		if SecretName(n) {
			t.Errorf("%s should not look secret", n)
		}
	}
}

func BenchmarkBytesPlainLine(b *testing.B) {
	line := []byte(strings.Repeat("an ordinary log line with words ", 4) + "\n")
	for b.Loop() {
		Bytes(line)
	}
}

// A key sent in a request body's field (some APIs take one there) or as a
// name=value pair is masked whatever the field's spelling; fields that only
// look alike are left.
func TestSecretFields(t *testing.T) {
	for in, want := range map[string]string{
		`{"api_key":"BODYKEY7777777"}`:                      `{"api_key":"REDACTED"}`,
		`{"apiKey": "BODYKEY7777777", "n": 1}`:              `{"apiKey": "REDACTED", "n": 1}`,
		`{"API_KEY":"BODYKEY7777777"}`:                      `{"API_KEY":"REDACTED"}`,
		`{"apikey":"BODYKEY7777777"}`:                       `{"apikey":"REDACTED"}`,
		`{"access_token":"at-1234567890"}`:                  `{"access_token":"REDACTED"}`,
		`{"accessToken":"at-1234567890"}`:                   `{"accessToken":"REDACTED"}`,
		`{"refresh_token":"rt-1234567890"}`:                 `{"refresh_token":"REDACTED"}`,
		`{"client_secret":"cs-1234567890"}`:                 `{"client_secret":"REDACTED"}`,
		`{"password":"hunter3hunter3"}`:                     `{"password":"REDACTED"}`,
		"MY_API_KEY=plainvalue123 python3 wf.py":            "MY_API_KEY=REDACTED python3 wf.py",
		`{"max_tokens":100,"api_key_env":"OPENAI_API_KEY"}`: `{"max_tokens":100,"api_key_env":"OPENAI_API_KEY"}`,
		"requires OPENAI_API_KEY, not set":                  "requires OPENAI_API_KEY, not set",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
		if got := string(Bytes([]byte(in))); got != want {
			t.Errorf("Bytes(%q) = %q, want %q", in, got, want)
		}
	}
}
