package bench

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/spec"
)

// What each template sees is decided here once, for the runs and for the
// trial render that checks every template before anything runs.

// environMap is an environment as the map templates read as .env.
func environMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// cellEnv is the .env of a cell's templates: the environment, plus the
// provider's requires.env variables as empty when unset. Such a cell is
// skipped unless this is a dry run, which needs no key; either way its
// templates render.
func cellEnv(env map[string]string, c *plan.Cell) map[string]string {
	var missing []string
	for _, v := range c.Provider.Requires.Env {
		if _, ok := env[v]; !ok {
			missing = append(missing, v)
		}
	}
	if len(missing) == 0 {
		return env
	}
	m := make(map[string]string, len(env)+len(missing))
	for k, v := range env {
		m[k] = v
	}
	for _, v := range missing {
		m[v] = ""
	}
	return m
}

// templateData is the data of the benchmark-wide commands (c nil: setup and
// cleanup) or of a cell's run (with run: its index, folder and warmup flag).
func templateData(s *spec.Spec, c *plan.Cell, run map[string]any, tmp, dir string, started time.Time, env map[string]string) map[string]any {
	d := map[string]any{
		"spec":    map[string]any{"name": s.Name, "title": s.Title, "description": s.Description},
		"vars":    nonNilVars(s),
		"tmp":     tmp,
		"started": started,
		"env":     env,
		"dir":     dir,
	}
	if c != nil {
		d["env"] = cellEnv(env, c)
		// api as a plain string: sprig's functions take no named string type.
		d["provider"] = map[string]any{"name": c.Provider.Name, "label": c.Provider.Label, "api": string(c.Provider.API), "base_url": c.Provider.BaseURL}
		d["model"] = c.Model
		m := c.MatrixMap()
		if m == nil {
			m = map[string]string{}
		}
		d["matrix"] = m
	}
	if run != nil {
		d["run"] = run
	}
	return d
}

// OutputDir renders the spec's output folder for a benchmark started then.
func OutputDir(s *spec.Spec, started time.Time) (string, error) {
	return s.Output.Render(outputData(s, started))
}

// outputData is what the output folder's template sees.
func outputData(s *spec.Spec, started time.Time) map[string]any {
	return map[string]any{
		"spec":    map[string]any{"name": s.Name, "title": s.Title, "description": s.Description},
		"vars":    nonNilVars(s),
		"started": started,
	}
}

func nonNilVars(s *spec.Spec) map[string]string {
	if s.Vars == nil {
		return map[string]string{}
	}
	return s.Vars
}

// TrialRender renders every template of the spec once with the data it will
// see (setup and cleanup without a cell, the rest for each cell with a
// placeholder run), so a misspelt name or an unset variable is reported
// before anything runs. Each distinct error is reported once.
func TrialRender(s *spec.Spec, cells []plan.Cell) error {
	var errs []string
	seen := map[string]bool{}
	add := func(err error) {
		if err != nil && !seen[err.Error()] {
			seen[err.Error()] = true
			errs = append(errs, err.Error())
		}
	}
	try := func(t *spec.Template, data map[string]any) {
		_, err := t.Render(data)
		add(err)
		if err == nil { // and the names in branches this render did not take
			add(t.CheckNames(data))
		}
	}
	env := environMap(os.Environ())
	started := time.Now()
	try(&s.Output, outputData(s, started))
	wide := templateData(s, nil, nil, "TMP", "OUT", started, env)
	for _, cmds := range []spec.Commands{s.Setup, s.Cleanup} {
		for i := range cmds {
			try(&cmds[i], wide)
		}
	}
	run := map[string]any{"index": 1, "dir": "RUN_DIR", "warmup": false}
	for i := range cells {
		c := &cells[i]
		data := templateData(s, c, run, "TMP", "OUT", started, env)
		try(&s.Command, data)
		for j := range s.Prepare {
			try(&s.Prepare[j], data)
		}
		for _, vars := range []map[string]spec.Template{s.Env, c.Provider.Env} {
			for k := range vars {
				t := vars[k]
				try(&t, data)
			}
		}
		for j := range s.Artifacts {
			try(&s.Artifacts[j].Path, data)
		}
		if jd := s.Judge; jd != nil {
			arts := map[string][]string{}
			for _, a := range s.Artifacts {
				arts[a.Name] = []string{"ARTIFACT"}
			}
			data := judgeData(data, "RUN_LOG", arts)
			try(&jd.Command, data)
			for k := range jd.Env {
				t := jd.Env[k]
				try(&t, data)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}
