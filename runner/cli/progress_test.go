package cli

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
)

// screen is a small terminal: it applies what the live block writes (text,
// \r, \n, cursor up, erase down, cursor hide/show) to a grid of cols
// columns, wrapping a line that reaches the last column as a terminal does.
type screen struct {
	cols     int
	rows     [][]rune
	row, col int
	hidden   bool
}

func (s *screen) put(r rune) {
	for len(s.rows) <= s.row {
		s.rows = append(s.rows, nil)
	}
	if s.cols > 0 && s.col >= s.cols { // autowrap
		s.row, s.col = s.row+1, 0
		s.put(r)
		return
	}
	line := s.rows[s.row]
	for len(line) <= s.col {
		line = append(line, ' ')
	}
	line[s.col] = r
	s.rows[s.row] = line
	s.col++
}

func (s *screen) write(out string) {
	r := []rune(out)
	for i := 0; i < len(r); i++ {
		switch c := r[i]; {
		case c == '\r':
			s.col = 0
		case c == '\n':
			s.row, s.col = s.row+1, 0
		case c == 0x1b && i+1 < len(r) && r[i+1] == '[':
			j := i + 2
			for j < len(r) && (r[j] >= '0' && r[j] <= '9' || r[j] == '?') {
				j++
			}
			arg, cmd := string(r[i+2:j]), r[j]
			switch {
			case cmd == 'A':
				n, _ := strconv.Atoi(arg)
				s.row = max(s.row-max(n, 1), 0)
			case cmd == 'J': // erase from the cursor to the end of the screen
				if s.row < len(s.rows) {
					if s.col < len(s.rows[s.row]) {
						s.rows[s.row] = s.rows[s.row][:s.col]
					}
					s.rows = s.rows[:s.row+1]
				}
			case arg == "?25" && cmd == 'l':
				s.hidden = true
			case arg == "?25" && cmd == 'h':
				s.hidden = false
			}
			i = j
		default:
			s.put(c)
		}
	}
}

func (s *screen) lines() []string {
	var out []string
	for _, l := range s.rows {
		if t := strings.TrimRight(string(l), " "); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// liveProgress is a live block of cols columns on a fake clock.
func liveProgress(b *strings.Builder, cols int, planned map[string]int, cells ...string) (*progress, *time.Time) {
	p := newProgress(b, false, false)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return clock }
	p.started = clock
	p.live, p.width = true, func() int { return cols }
	p.planned = planned
	p.plan(cells)
	return p, &clock
}

// Ctrl-C in the middle of a run: the terminal echoes "^C" where the cursor
// is, the runner prints its message; the screen then holds the message and
// one clean block — no piece of an earlier frame, no "^C" — and the cursor
// is shown again at the end.
func TestProgressCtrlCLeavesACleanScreen(t *testing.T) {
	var b strings.Builder
	p, _ := liveProgress(&b, 80, map[string]int{"openai-gpt-4o": 2, "anthropic-claude": 2}, "openai-gpt-4o", "anthropic-claude")
	p.Start(4)
	p.RunStarted("openai-gpt-4o", 1, false)
	p.RunPhase("openai-gpt-4o", "analyze")
	p.RunStarted("anthropic-claude", 1, false)
	p.RunPhase("anthropic-claude", "report")
	p.RunDone(&record.Run{Cell: "anthropic-claude", Index: 1, Status: record.StatusOK, WallSeconds: 1})
	b.WriteString("^C") // the terminal's echo, at the cursor
	say(&b, "runner: interrupt: stopping runs")
	p.RunDone(&record.Run{Cell: "openai-gpt-4o", Index: 1, Status: record.StatusInterrupted, WallSeconds: 1})
	p.Finish()

	s := &screen{cols: 80}
	s.write(b.String())
	got := s.lines()
	if len(got) != 4 || got[0] != "runner: interrupt: stopping runs" ||
		!strings.HasPrefix(got[1], "openai-gpt-4o ") || !strings.HasPrefix(got[2], "anthropic-claude ") ||
		!strings.HasPrefix(got[3], "2/4 runs") {
		t.Errorf("screen after Ctrl-C:\n%s", strings.Join(got, "\n"))
	}
	if !strings.Contains(got[1], "stopped, 1 interrupted") || strings.Contains(got[1], "failed") || strings.Contains(got[3], "left") {
		t.Errorf("the interrupted run: %q", got[1])
	}
	if s.hidden {
		t.Error("the cursor is still hidden after the run")
	}
	if console.p != nil {
		t.Error("the finished block still takes the signal handler's messages")
	}
}

// The running run shows its open phase; the total line, once a run has
// finished, the time left at the pace so far.
func TestProgressShowsPhaseAndETA(t *testing.T) {
	var b strings.Builder
	p, clock := liveProgress(&b, 100, map[string]int{"a": 4}, "a")
	p.Start(4)
	p.RunStarted("a", 1, false)
	*clock = clock.Add(10 * time.Second)
	p.RunDone(&record.Run{Cell: "a", Index: 1, Status: record.StatusOK, WallSeconds: 10})
	p.RunStarted("a", 2, false)
	p.RunPhase("a", "analyze")
	f := p.frame(100)
	p.Finish()
	if !strings.HasSuffix(f[0], "1/4 run 2: analyze") {
		t.Errorf("cell line: %q", f[0])
	}
	if f[1] != "1/4 runs, 10s elapsed, about 30s left" {
		t.Errorf("total line: %q", f[1])
	}
	p.RunDone(&record.Run{Cell: "a", Index: 2, Status: record.StatusOK, WallSeconds: 10})
	if f := p.frame(100); !strings.HasSuffix(f[0], "2/4 cooling down") {
		t.Errorf("between runs the phase is gone: %q", f[0])
	}
}

// At 40 columns no line wraps: the bar shrinks, then long names are cut in
// the middle, and every line keeps its counts and status.
func TestProgressFitsNarrowTerminal(t *testing.T) {
	cells := []string{"anthropic-claude-sonnet-4-5-temperature-0.7", "openai-gpt-4o-mini-temperature-0.2", "x"}
	for _, cols := range []int{40, 60, 30, 20} {
		t.Run(fmt.Sprint(cols), func(t *testing.T) {
			var b strings.Builder
			p, _ := liveProgress(&b, cols, map[string]int{cells[0]: 12, cells[1]: 12, cells[2]: 12}, cells...)
			p.Start(36)
			p.RunStarted(cells[0], 3, false)
			p.RunPhase(cells[0], "analyze")
			f := p.frame(cols)
			p.Finish()
			for _, l := range f {
				if n := len([]rune(l)); n >= cols {
					t.Errorf("%d runes in %d columns: %q", n, cols, l)
				}
			}
			if cols >= 30 {
				for i := range cells {
					if !strings.Contains(f[i], " 0/12 ") {
						t.Errorf("the counts were cut: %q", f[i])
					}
				}
				if !strings.Contains(f[0], "…") || !strings.HasSuffix(f[0], "run 3: analyze") {
					t.Errorf("long name not cut before the status: %q", f[0])
				}
			}
			s := &screen{cols: cols}
			s.write(b.String())
			if got := s.lines(); len(got) != len(cells)+1 {
				t.Errorf("%d screen lines for a block of %d (wrapped):\n%s", len(got), len(cells)+1, strings.Join(got, "\n"))
			}
		})
	}
}

// Not a terminal (CI logs, a pipe): one plain line per finished run, no
// escape sequences, nothing for phases.
func TestProgressPlainIsLineBased(t *testing.T) {
	var b strings.Builder
	p := newProgress(&b, false, false)
	p.planned = map[string]int{"a": 2}
	p.plan([]string{"a"})
	p.Start(2)
	p.RunStarted("a", 1, false)
	p.RunPhase("a", "analyze")
	p.RunDone(&record.Run{Cell: "a", Index: 1, Status: record.StatusOK, WallSeconds: 1.5})
	p.Finish()
	if got := b.String(); got != "[1/2] a run 1: ok 1.50s\n" {
		t.Errorf("plain output: %q", got)
	}
}
