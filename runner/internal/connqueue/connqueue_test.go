package connqueue

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
)

// A pushed connection is accepted as it was handed in, its reads starting
// with the bytes already taken; once closed, the queue refuses both ways.
func TestHandOverAndClose(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	q := New(a.LocalAddr())
	go func() {
		if !q.Push(WithReader(a, io.MultiReader(strings.NewReader("head "), a))) {
			t.Error("push refused on an open queue")
		}
	}()
	c, err := q.Accept()
	if err != nil {
		t.Fatal(err)
	}
	go func() { b.Write([]byte("body")); b.Close() }()
	got, _ := io.ReadAll(c)
	if string(got) != "head body" {
		t.Errorf("read %q, want %q", got, "head body")
	}
	q.Close()
	if _, err := q.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
	}
	if q.Push(a) {
		t.Error("Push after Close accepted")
	}
}
