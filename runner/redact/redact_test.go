package redact

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	t.Setenv("MY_SERVICE_TOKEN", "tok-0123456789abcdef")
	t.Setenv("KEYBOARD", "us") // secret-looking name, value too short to scrub
	AddValue("CUSTOM_PASSWORD", "hunter2hunter2")
	AddValue("HOME_DIR", "/home/someone") // not a secret name
	for in, want := range map[string]string{
		"db at postgres://bench:pw-s3cret@db:5432/x ok":                             "db at postgres://bench:REDACTED@db:5432/x ok",
		`"http://admin:hunter@127.0.0.1:1/v1"`:                                      `"http://admin:REDACTED@127.0.0.1:1/v1"`,
		"postgres://bench@db:5432/x":                                                "postgres://bench@db:5432/x",
		"http://127.0.0.1:8080/v1 and a@b.c":                                        "http://127.0.0.1:8080/v1 and a@b.c",
		`GET https://h/v1beta/models/m:generateContent?key=AIzaFAKE&alt=sse failed`: `GET https://h/v1beta/models/m:generateContent?key=REDACTED&alt=sse failed`,
		"http://h/p?alt=sse&key=abc":                                                "http://h/p?alt=sse&key=REDACTED",
		"monkey=1":                                                                  "monkey=1",
		"Authorization: Bearer abc.def-ghi":                                         "Authorization: REDACTED",
		"got 401 (bearer xyz123) back":                                              "got 401 (bearer REDACTED) back",
		`{"x-api-key": "ant-123456", "n": 1}`:                                       `{"x-api-key": "REDACTED", "n": 1}`,
		"x-goog-api-key: goog-abcdef":                                               "x-goog-api-key: REDACTED",
		"key sk-proj-ABCDEFGHIJKLMNOPQRSTUV used":                                   "key REDACTED used",
		"AIzaSyA-1234567890abcdefghijklmnopqrstuv":                                  "REDACTED",
		"token tok-0123456789abcdef expired":                                        "token REDACTED expired",
		"login hunter2hunter2":                                                      "login REDACTED",
		"keyboard us, home /home/someone":                                           "keyboard us, home /home/someone",
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
	t.Parallel()
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
	t.Parallel()
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

// Form bodies: a urlencoded body may start with its key, and a multipart
// part named like a key carries its value on the line after its headers.
func TestFormFields(t *testing.T) {
	t.Parallel()
	mp := "--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n" +
		"--XyZ\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\nFORMKEY55555555\r\n" +
		"--XyZ\r\nContent-Disposition: form-data; name=key\r\nContent-Type: text/plain\r\n\r\nFORMKEY66666666\r\n" +
		"--XyZ\r\nContent-Disposition: form-data; name=\"keywords\"\r\n\r\nbike, rides\r\n--XyZ--\r\n"
	want := strings.NewReplacer("FORMKEY55555555", "REDACTED", "FORMKEY66666666", "REDACTED").Replace(mp)
	for in, want := range map[string]string{
		"key=FORMKEY77777777&model=m":          "key=REDACTED&model=m",
		"model=m&token=FORMKEY88888888":        "model=m&token=REDACTED",
		"api_key=FORMKEY99999999&max_tokens=3": "api_key=REDACTED&max_tokens=3",
		mp:                                     want,
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
		if got := StringAt(in, nil); got != want {
			t.Errorf("StringAt(%q) = %q, want %q", in, got, want)
		}
	}
}

// StringAt finds a secret split between two reads, masks it as String
// does, and moves each read's end to the same place in the result.
func TestStringAt(t *testing.T) {
	t.Setenv("MY_SERVICE_TOKEN", "tok-0123456789abcdef")
	s := `data: {"k":"tok-0123456789abcdef","n":1}` + "\n\n" + `data: {"api_key":"sk-proj-ABCDEFGHIJKLMNOPQRSTUV"}` + "\n\n"
	for _, in := range []string{s, "plain text", "Authorization: Bearer abc.def-ghi", `{"x-api-key": "ant-123456", "n": 1}`} {
		if got, want := StringAt(in, nil), String(in); got != want {
			t.Errorf("StringAt(%q) = %q, String %q", in, got, want)
		}
	}
	// Every way of cutting s in two: the pieces joined are String(s), and
	// each piece, masked, holds no part of a secret.
	want := String(s)
	for cut := 1; cut < len(s); cut++ {
		cuts := []int{cut}
		got := StringAt(s, cuts)
		if got != want {
			t.Fatalf("cut at %d: %q, want %q", cut, got, want)
		}
		if cuts[0] < 0 || cuts[0] > len(got) {
			t.Fatalf("cut at %d moved to %d, outside %q", cut, cuts[0], got)
		}
		a, b := got[:cuts[0]], got[cuts[0]:]
		for _, piece := range []string{a, b} {
			for _, frag := range []string{"tok-0123", "456789abcdef", "ABCDEFGHIJ", "KLMNOPQRSTUV"} {
				if strings.Contains(piece, frag) {
					t.Fatalf("cut at %d: piece %q holds %q", cut, piece, frag)
				}
			}
		}
		// The cut is not moved later than where its bytes were (a mask
		// goes after the cut, never before it).
		if len(a) > cut {
			t.Fatalf("cut at %d moved later, to %d", cut, cuts[0])
		}
	}
}

// JSON scrubs every string of a JSON text, keys too, and the result stays
// valid JSON where scrubbing the raw text would eat an escape (?key=abc\\\"
// would become ?key=REDACTED" and end the string early).
func TestJSON(t *testing.T) {
	AddValue("WORKLOAD_API_KEY", "wl-secret-0123456789")
	for _, c := range []struct{ in, want string }{
		{`{"phases":[{"name":"wl-secret-0123456789","s":1}]}`, `{"phases":[{"name":"REDACTED","s":1}]}`},
		{`{"metrics":{"wl-secret-0123456789":1}}`, `{"metrics":{"REDACTED":1}}`},
		{`{"error":"GET /x?key=abc\\\"","n":2}`, `{"error":"GET /x?key=REDACTED\"","n":2}`},
		{`{"w":["x-api-key: sk-ant-0123456789abcdefghij\n"]}`, `{"w":["x-api-key: REDACTED\n"]}`},
		{`{"plain":"nothing here","n":1}`, `{"plain":"nothing here","n":1}`},
	} {
		got := string(JSON([]byte(c.in)))
		if got != c.want {
			t.Errorf("JSON(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("JSON(%s) is not valid JSON: %s", c.in, got)
		}
	}
}

// The one-pass filter before the triggers' searches misses none of them,
// wherever it stands in the text.
func TestTrigramFilterMissesNoTrigger(t *testing.T) {
	for _, tr := range triggers {
		for _, pad := range []string{"", "x", "logs/run_12/", strings.Repeat("a", 61)} {
			for _, s := range []string{pad + tr, tr + pad, pad + tr + pad} {
				if !mayHoldPattern(s) || !mayHold([]byte(s)) {
					t.Errorf("%q holds the trigger %q, not seen", s, tr)
				}
			}
		}
	}
}
