package metertest

import (
	"bufio"
	"io"
	"net/http"
	"testing"
	"time"
)

// FullDuplex is an upstream that answers as it reads: after the first five
// bytes of the body it sends an event, then reads the rest and sends a
// second one that quotes it.
func FullDuplex(t testing.TB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).EnableFullDuplex()
		first := make([]byte, 5)
		if _, err := io.ReadFull(r.Body, first); err != nil {
			t.Errorf("upstream: %v", err)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: got "+string(first)+"\n\n")
		w.(http.Flusher).Flush()
		rest, _ := io.ReadAll(r.Body)
		io.WriteString(w, "data: then "+string(rest)+"\n\n")
	}
}

// CheckFullDuplex posts to url, through c, a body still being sent while
// its answer streams from a FullDuplex upstream (as an upload that reports
// progress does): the client sends the rest of the body only once it has
// the first event. A proxy whose server reads out the body when the
// answer's head is written hangs here, or cuts the stream.
func CheckFullDuplex(t testing.TB, c *http.Client, url string) {
	t.Helper()
	body, send := io.Pipe()
	req, _ := http.NewRequest("POST", url, body)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := c.Do(req)
		if err != nil {
			t.Error(err)
			send.CloseWithError(err)
			return
		}
		defer resp.Body.Close()
		br := bufio.NewReader(resp.Body)
		if line, err := br.ReadString('\n'); line != "data: got first\n" {
			t.Errorf("first line %q, %v", line, err)
		}
		send.Write([]byte("last"))
		send.Close()
		if rest, err := io.ReadAll(br); string(rest) != "\ndata: then last\n\n" || err != nil {
			t.Errorf("rest %q, %v", rest, err)
		}
	}()
	send.Write([]byte("first"))
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		send.CloseWithError(io.ErrUnexpectedEOF)
		t.Fatal("no answer while the body was still being sent")
	}
}
