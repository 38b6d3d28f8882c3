package bench

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/runner-bench/runner/runner/execute"
	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// judgeData is the template data of a run's judge: the run's own, with
// .run.log (the run's log) and .artifacts (artifact name to the files it
// matched after the run).
func judgeData(data map[string]any, logPath string, artifacts map[string][]string) map[string]any {
	d := maps.Clone(data)
	run := map[string]any{}
	if r, ok := data["run"].(map[string]any); ok {
		run = maps.Clone(r)
	}
	run["log"] = logPath
	d["run"] = run
	d["artifacts"] = artifacts
	return d
}

// artifactFiles lists what each artifact matched after the run: the files
// of a glob, sorted, or the folder or file it names.
func artifactFiles(s *spec.Spec, data map[string]any) (map[string][]string, error) {
	out := make(map[string][]string, len(s.Artifacts))
	for _, a := range s.Artifacts {
		p, err := a.Path.Render(data)
		if err != nil {
			return nil, err
		}
		var files []string
		if spec.IsGlob(p) {
			files, _ = filepath.Glob(p) // a bad pattern matches nothing, as when the run measured it
			sort.Strings(files)
		} else if _, err := os.Stat(p); err == nil {
			files = []string{p}
		}
		if files == nil {
			files = []string{}
		}
		out[a.Name] = files
	}
	return out, nil
}

var envNameUnsafe = regexp.MustCompile(`[^A-Z0-9_]+`)

// artifactEnvName is the variable that lists an artifact's files to the judge.
func artifactEnvName(name string) string {
	return "RUNNER_ARTIFACT_" + envNameUnsafe.ReplaceAllString(strings.ToUpper(name), "_")
}

// judge runs the spec's judge on a finished, successful measured run. Its
// LLM calls go through the cell's proxy in a window of their own, so they
// are the judge's and never the run's. Whatever happens to it, the run's
// record stands; the judge's outcome says why there is no score.
func (b *benchmark) judge(ctx context.Context, p plan.Pair, proxy Proxy, fl runFiles, run *record.Run) *record.Judge {
	c := p.Cell
	j := &record.Judge{Status: record.StatusFailed, ExitCode: -1}
	logRel := strings.TrimSuffix(fl.logRel, ".log") + ".judge.log"
	runLog := ""
	if run.Log != "" {
		runLog = filepath.Join(b.Dir, run.Log)
	}
	data := b.data(c, map[string]any{"index": p.Index, "dir": fl.dir, "warmup": false})
	files, err := artifactFiles(b.Spec, data)
	if err != nil {
		j.Error = err.Error()
		return j
	}
	data = judgeData(data, runLog, files)
	cmd, err := b.Spec.Judge.Command.Render(data)
	if err != nil {
		j.Error = err.Error()
		return j
	}
	env, err := b.env(c, func(t *spec.Template) (string, error) { return t.Render(data) }, fl.dir, p)
	if err != nil {
		j.Error = err.Error()
		return j
	}
	if proxy != nil {
		env = appendProxyEnv(env, proxy.Env())
	}
	env = append(env, "RUNNER_RUN_DIR="+fl.dir, "RUNNER_RUN_LOG="+runLog, "RUNNER_JUDGE=1")
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		env = append(env, artifactEnvName(name)+"="+strings.Join(files[name], string(os.PathListSeparator)))
	}
	keys := make([]string, 0, len(b.Spec.Judge.Env))
	for k := range b.Spec.Judge.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t := b.Spec.Judge.Env[k]
		v, err := t.Render(data)
		if err != nil {
			j.Error = err.Error()
			return j
		}
		env = append(env, k+"="+v)
	}
	// The judge's warnings (a malformed score event, say) explain a missing
	// score in the run's record, not only on the console.
	var (
		warned   sync.Mutex
		warnings []string
	)
	job := execute.Job{
		Command: cmd, Env: env, Timeout: b.Spec.Judge.Timeout.D(),
		LogPath:    filepath.Join(b.Dir, logRel),
		EventsPath: strings.TrimSuffix(filepath.Join(b.Dir, logRel), ".log") + ".events.jsonl",
		AppendLog:  b.Resuming, StaleEvents: b.Resuming,
		Warn: func(msg string) {
			warned.Lock()
			warnings = append(warnings, msg)
			warned.Unlock()
			b.Progress.Note(fmt.Sprintf("%s %s judge: %s", c.ID, fl.name, msg))
		},
	}
	if proxy != nil {
		proxy.BeginRun(time.Now(), nil)
	}
	m := execute.Run(ctx, job)
	if proxy != nil {
		j.Calls = proxy.EndRun().Calls // a judge makes a few calls: all kept
	}
	j.ExitCode, j.WallSeconds, j.Usage = m.ExitCode, m.WallSeconds, m.Usage
	if m.Log != "" {
		j.Log = logRel
	}
	j.Status, j.Error = m.Status, m.Error
	if !m.OK() {
		if j.Error == "" {
			j.Error = fmt.Sprintf("exit code %d", m.ExitCode)
		}
		b.Progress.Note(fmt.Sprintf("%s %s: the judge gave no score (%s); the run is kept", c.ID, fl.name, j.Error))
		return j
	}
	score, ok := m.Metrics[spec.JudgeMetric]
	switch {
	case !ok:
		j.Status, j.Error = record.JudgeNoScore, fmt.Sprintf("the judge printed no %q metric event", spec.JudgeMetric)
		if len(warnings) > 0 {
			j.Error += " (" + strings.Join(warnings, "; ") + ")"
		}
	case score < 1 || score > 10:
		j.Status, j.Error = record.JudgeNoScore, fmt.Sprintf("the judge's score %g is outside 1 to 10", score)
	default:
		j.Status, j.Score, j.Reason = record.JudgeOK, &score, m.MetricReasons[spec.JudgeMetric]
	}
	if j.Score == nil {
		b.Progress.Note(fmt.Sprintf("%s %s: %s; the run is kept without a score", c.ID, fl.name, j.Error))
	}
	return j
}
