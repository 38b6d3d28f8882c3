package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/runner-bench/runner/runner/record"
)

// progress reports runs as they finish: live bars per cell on a terminal,
// one plain line per run otherwise (CI logs).
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	quiet   bool
	live    bool
	total   int
	done    int
	cells   []string
	state   map[string]*cellState
	drawn   int            // lines of the live block on screen
	term    *os.File       // the terminal, for its width
	planned map[string]int // measured runs per cell
	begun   bool           // Start was called: the live block may be drawn
	stop    chan struct{}  // ends the ticker that keeps the clock moving
	started time.Time
}

type cellState struct {
	done, failed int
	interrupted  int // stopped by Ctrl-C: not a failure of the workload
	running      string
	lastSecs     float64
}

func newProgress(w io.Writer, quiet, plain bool) *progress {
	p := &progress{w: w, quiet: quiet, state: map[string]*cellState{}, started: time.Now()}
	if f, ok := w.(*os.File); ok && !plain && !quiet && isTerminal(f) {
		p.live, p.term = true, f
	}
	return p
}

// isTerminal uses golang.org/x/term, which knows each OS's ioctl (Linux's
// TCGETS does not exist on macOS).
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// plan lists the cells in the order they will run, so the live block shows
// every one from the start.
func (p *progress) plan(ids []string) {
	for _, id := range ids {
		p.cell(id)
	}
}

func (p *progress) Start(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.begun = total, true
	if !p.live {
		return
	}
	p.redraw()
	p.stop = make(chan struct{})
	go func(stop chan struct{}) { // the elapsed time moves even while a run is quiet
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.mu.Lock()
				p.redraw()
				p.mu.Unlock()
			case <-stop:
				return
			}
		}
	}(p.stop)
}

func (p *progress) cell(id string) *cellState {
	st := p.state[id]
	if st == nil {
		st = &cellState{}
		p.state[id] = st
		p.cells = append(p.cells, id)
	}
	return st
}

func (p *progress) RunStarted(cell string, run int, warmup bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	what := fmt.Sprintf("run %d", run)
	if warmup {
		what = fmt.Sprintf("warmup %d", run)
	}
	p.cell(cell).running = what
	if p.live && p.begun {
		p.redraw()
	}
}

func (p *progress) RunDone(r *record.Run) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.cell(r.Cell)
	st.running = ""
	if !r.Warmup {
		p.done++
		st.done++
		switch {
		case r.Status == record.StatusInterrupted:
			st.interrupted++
		case !r.OK():
			st.failed++
		}
	}
	st.lastSecs = r.WallSeconds
	if p.quiet {
		return
	}
	if p.live {
		if p.begun {
			p.redraw()
		}
		return
	}
	kind := fmt.Sprintf("run %d", r.Index)
	if r.Warmup {
		kind = fmt.Sprintf("warmup %d", r.Index)
	}
	line := fmt.Sprintf("[%d/%d] %s %s: %s %.2fs", p.done, p.total, r.Cell, kind, r.Status, r.WallSeconds)
	if r.Error != "" && !r.OK() {
		line += " (" + r.Error + ")"
	}
	fmt.Fprintln(p.w, line)
}

func (p *progress) Note(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quiet {
		return
	}
	p.clear()
	fmt.Fprintln(p.w, msg)
	if p.live && p.begun {
		p.redraw()
	}
}

// Finish leaves the final state of the bars on screen.
func (p *progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		close(p.stop)
		p.stop = nil
	}
	if p.live && p.begun {
		p.redraw()
	}
	p.drawn = 0
	p.begun = false
}

func (p *progress) clear() {
	if p.drawn > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA\x1b[J", p.drawn)
		p.drawn = 0
	}
}

func (p *progress) redraw() {
	p.clear()
	var b strings.Builder
	for _, id := range p.cells {
		st := p.state[id]
		n := max(p.planned[id], st.done)
		const width = 24
		filled := 0
		if n > 0 {
			filled = st.done * width / n
		}
		bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
		status := st.running
		switch {
		case status == "" && st.done >= n:
			status = "done"
		case status == "" && st.done == 0:
			status = "waiting"
		case status == "":
			status = "cooling down"
		}
		if st.failed > 0 {
			status += fmt.Sprintf(", %d failed", st.failed)
		}
		if st.interrupted > 0 {
			status += fmt.Sprintf(", %d interrupted", st.interrupted)
		}
		b.WriteString(p.fit(fmt.Sprintf("%-40s %s %d/%d %s", id, bar, st.done, n, status)))
	}
	b.WriteString(p.fit(fmt.Sprintf("%d/%d runs, %s elapsed", p.done, p.total, time.Since(p.started).Round(time.Second))))
	fmt.Fprint(p.w, b.String())
	p.drawn = len(p.cells) + 1
}

// fit cuts a line to the terminal's width: a wrapped line would break the
// cursor arithmetic of the redraw.
func (p *progress) fit(line string) string {
	if p.term != nil {
		if cols, _, err := term.GetSize(int(p.term.Fd())); err == nil && cols > 1 {
			if r := []rune(line); len(r) >= cols {
				line = string(r[:cols-1])
			}
		}
	}
	return line + "\n"
}
