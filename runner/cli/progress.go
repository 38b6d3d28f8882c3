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
	width   func() int     // the terminal's columns (0: unknown, nothing is cut)
	planned map[string]int // measured runs per cell
	begun   bool           // Start was called: the live block may be drawn
	hidden  bool           // the cursor is hidden while the block is live
	stopped bool           // a run was interrupted: no new run starts
	stop    chan struct{}  // ends the ticker that keeps the clock moving
	started time.Time      // the command began (elapsed time)
	runsAt  time.Time      // the first run began (the ETA's rate)
	now     func() time.Time
}

type cellState struct {
	done, failed int
	interrupted  int // stopped by Ctrl-C: not a failure of the workload
	running      string
	phase        string // the running run's open phase, from its events
	lastSecs     float64
}

func newProgress(w io.Writer, quiet, plain bool) *progress {
	p := &progress{w: w, quiet: quiet, state: map[string]*cellState{}, now: time.Now}
	p.started = p.now()
	if f, ok := w.(*os.File); ok && !plain && !quiet && isTerminal(f) {
		p.live = true
		p.width = func() int {
			cols, _, err := term.GetSize(int(f.Fd()))
			if err != nil {
				return 0
			}
			return cols
		}
	}
	return p
}

// isTerminal uses golang.org/x/term, which knows each OS's ioctl (Linux's
// TCGETS does not exist on macOS).
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// console is the live block on screen, if any: the signal handler writes
// its messages through it, so that they do not tear the block.
var console struct {
	sync.Mutex
	p *progress
}

// say prints a message from outside the benchmark (the signal handler):
// above the live block when one is on screen, else on its own line (after
// the "^C" the terminal echoed).
func say(w io.Writer, msg string) {
	console.Lock()
	p := console.p
	console.Unlock()
	if p != nil && p.above(msg) {
		return
	}
	fmt.Fprintf(w, "\n%s\n", msg)
}

// restoreConsole gives the cursor back before the runner quits without
// finishing (a third Ctrl-C).
func restoreConsole() {
	console.Lock()
	p := console.p
	console.Unlock()
	if p != nil {
		p.mu.Lock()
		p.showCursor()
		p.mu.Unlock()
	}
}

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
	p.total, p.begun, p.runsAt = total, true, p.now()
	if !p.live {
		return
	}
	console.Lock()
	console.p = p
	console.Unlock()
	fmt.Fprint(p.w, "\x1b[?25l") // no cursor blinking over the bars
	p.hidden = true
	p.redraw()
	p.stop = make(chan struct{})
	go func(stop chan struct{}) { // the elapsed time moves even while a run is quiet
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.mu.Lock()
				if p.begun {
					p.redraw()
				}
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
	st := p.cell(cell)
	st.running, st.phase = what, ""
	if p.live && p.begun {
		p.redraw()
	}
}

// RunPhase only records the phase: it is called from the run's output
// readers, which must not wait on the terminal; the ticker draws it.
func (p *progress) RunPhase(cell, phase string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if st := p.cell(cell); st.running != "" {
		st.phase = phase
	}
}

func (p *progress) RunDone(r *record.Run) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.cell(r.Cell)
	st.running, st.phase = "", ""
	if !r.Warmup {
		p.done++
		st.done++
		switch {
		case r.Status == record.StatusInterrupted:
			st.interrupted++
			p.stopped = true
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

// above prints msg above the live block; false if no block is drawn.
func (p *progress) above(msg string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.live || !p.begun {
		return false
	}
	p.clear()
	fmt.Fprintln(p.w, msg)
	p.redraw()
	return true
}

// Finish leaves the final state of the bars on screen and the cursor back.
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
	p.showCursor()
	p.drawn = 0
	p.begun = false
	console.Lock()
	if console.p == p {
		console.p = nil
	}
	console.Unlock()
}

func (p *progress) showCursor() {
	if p.hidden {
		fmt.Fprint(p.w, "\x1b[?25h")
		p.hidden = false
	}
}

func (p *progress) clear() {
	if p.drawn > 0 {
		// \r first: the cursor may sit after a "^C" the terminal echoed, and
		// erasing down from mid-line would keep the start of the top line.
		fmt.Fprintf(p.w, "\r\x1b[%dA\x1b[J", p.drawn)
		p.drawn = 0
	}
}

func (p *progress) redraw() {
	p.clear()
	cols := 0
	if p.width != nil {
		cols = p.width()
	}
	lines := p.frame(cols)
	for _, l := range lines {
		fmt.Fprintln(p.w, l)
	}
	p.drawn = len(lines)
}

// Bar and name widths: the name column takes the longest cell name up to
// nameMax; on a narrow terminal the bar shrinks first, then the names are
// cut in the middle, then the bar goes, so the counts and the status stay.
const (
	barMax, barMin   = 24, 8
	nameMax, nameMin = 40, 10
)

// frame is the live block for a terminal of cols columns (0: no limit):
// one line per cell and a total line. No line reaches the last column, so
// none wraps and the redraw's line arithmetic holds.
func (p *progress) frame(cols int) []string {
	nameW, countW := 0, 0
	for _, id := range p.cells {
		nameW = max(nameW, len([]rune(id)))
		n := max(p.planned[id], p.state[id].done)
		countW = max(countW, len(fmt.Sprintf("%d/%d", n, n)))
	}
	nameW = min(nameW, nameMax)
	var lines []string
	for _, id := range p.cells {
		st := p.state[id]
		n := max(p.planned[id], st.done)
		lines = append(lines, cellLine(cols-1, id, nameW, countW, st.done, n, p.status(st, n)))
	}
	return append(lines, p.totalLine(cols-1))
}

func (p *progress) status(st *cellState, n int) string {
	status := st.running
	switch {
	case status != "" && st.phase != "":
		status += ": " + st.phase
	case status == "" && st.done >= n:
		status = "done"
	case status == "" && p.stopped:
		status = "stopped"
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
	return status
}

// cellLine lays out "name bar done/n status" in avail columns (<= 0: any).
func cellLine(avail int, name string, nameW, countW, done, n int, status string) string {
	barW := barMax
	counts := fmt.Sprintf("%*s", countW, fmt.Sprintf("%d/%d", done, n))
	if avail > 0 {
		over := nameW + 1 + barW + 1 + countW + 1 + len([]rune(status)) - avail
		take := func(w *int, floor int) {
			if over > 0 && *w > floor {
				d := min(over, *w-floor)
				*w -= d
				over -= d
			}
		}
		take(&barW, barMin)
		take(&nameW, nameMin)
		if over > 0 { // the bar goes, with its space
			over -= barW + 1
			barW = 0
			over = max(over, 0)
		}
		take(&nameW, 4)
	}
	var b strings.Builder
	b.WriteString(pad(cutMiddle(name, nameW), nameW))
	if barW > 0 {
		filled := 0
		if n > 0 {
			filled = min(done, n) * barW / n
		}
		b.WriteString(" " + strings.Repeat("█", filled) + strings.Repeat("░", barW-filled))
	}
	b.WriteString(" " + counts + " " + status)
	return cutEnd(b.String(), avail)
}

// totalLine: runs done, elapsed time and, from the pace of the runs done
// so far, the time left. Parts drop from the end of the line that does not fit.
func (p *progress) totalLine(avail int) string {
	now := p.now()
	head := fmt.Sprintf("%d/%d runs", p.done, p.total)
	elapsed := fmt.Sprintf("%s elapsed", now.Sub(p.started).Round(time.Second))
	eta := ""
	if p.done > 0 && p.done < p.total && !p.runsAt.IsZero() && !p.stopped {
		per := now.Sub(p.runsAt) / time.Duration(p.done)
		eta = fmt.Sprintf("about %s left", (per * time.Duration(p.total-p.done)).Round(time.Second))
	}
	for _, parts := range [][]string{{head, elapsed, eta}, {head, eta}, {head}} {
		var keep []string
		for _, s := range parts {
			if s != "" {
				keep = append(keep, s)
			}
		}
		line := strings.Join(keep, ", ")
		if avail <= 0 || len([]rune(line)) <= avail {
			return line
		}
	}
	return cutEnd(head, avail)
}

// cutMiddle shortens s to w runes, keeping both ends (cell names often
// differ only at the end: a model's version, a matrix value).
func cutMiddle(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	if w <= 1 {
		return string(r[:max(w, 0)])
	}
	head := (w - 1) / 2
	tail := w - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

func cutEnd(s string, w int) string {
	if r := []rune(s); w > 0 && len(r) > w {
		return string(r[:w])
	}
	return s
}

func pad(s string, w int) string {
	if n := len([]rune(s)); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}
