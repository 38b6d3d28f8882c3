package execute

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/runner-bench/runner/runner/record"
)

// artifactLimit bounds the walk that measures one artifact: a glob such as
// "/" or "/etc/*" (or a template that renders to one) would otherwise stat
// the whole disk after every run. A walk cut short leaves a lower bound,
// marked partial, and a warning in the run's record.
var artifactLimit = struct {
	entries int           // files and folders visited
	time    time.Duration // spent walking
}{100_000, 10 * time.Second}

// artifacts measures the job's artifacts into r. A relative path is taken
// from the command's working directory. MB are 2^20 bytes, as for memory.
func (s *session) artifacts(r *record.Run) {
	if len(s.job.Artifacts) == 0 {
		return
	}
	r.Artifacts = make(map[string]record.Artifact, len(s.job.Artifacts))
	for _, a := range s.job.Artifacts {
		path := a.Path
		if !filepath.IsAbs(path) && s.job.Dir != "" {
			path = filepath.Join(s.job.Dir, path)
		}
		m := measure(path)
		if m.err != nil {
			s.warn(fmt.Sprintf("artifact %q: %v", a.Name, m.err))
		}
		if m.cut != "" {
			s.warn(fmt.Sprintf("artifact %q: measuring %s stopped after %s: its size is a lower bound (does the path reach outside the run's own files?)", a.Name, path, m.cut))
		}
		r.Artifacts[a.Name] = record.Artifact{MB: float64(m.size) / (1 << 20), Files: m.files, Partial: m.cut != ""}
	}
}

type measured struct {
	size  int64
	files int
	cut   string // why the walk stopped early, or ""
	err   error
}

// measure returns the total size and count of the regular files at path: a
// glob, a folder (recursive) or a file. Nothing there is zero, not an error.
// Symbolic links are followed only where path itself names them.
func measure(path string) (m measured) {
	paths := []string{path}
	if strings.ContainsAny(path, `*?[\`) {
		var err error
		if paths, err = filepath.Glob(path); err != nil {
			m.err = err
			return m
		}
	}
	deadline := time.Now().Add(artifactLimit.time)
	entries := 0
	// over counts one entry and says whether the walk must stop.
	over := func() bool {
		entries++
		switch {
		case entries > artifactLimit.entries:
			m.cut = fmt.Sprintf("%d files and folders", artifactLimit.entries)
		case entries%256 == 0 && time.Now().After(deadline):
			m.cut = artifactLimit.time.String()
		}
		return m.cut != ""
	}
	for _, p := range paths {
		if m.cut != "" {
			break
		}
		fi, serr := os.Stat(p)
		if serr != nil {
			if !errors.Is(serr, fs.ErrNotExist) && m.err == nil {
				m.err = serr
			}
			continue
		}
		if !fi.IsDir() {
			if !over() && fi.Mode().IsRegular() {
				m.size += fi.Size()
				m.files++
			}
			continue
		}
		filepath.WalkDir(p, func(_ string, d fs.DirEntry, werr error) error {
			if over() {
				return fs.SkipAll
			}
			if werr != nil {
				if m.err == nil {
					m.err = werr
				}
				return nil // an unreadable folder is skipped (WalkDir does not enter it)
			}
			if d.Type().IsRegular() {
				if info, ierr := d.Info(); ierr == nil {
					m.size += info.Size()
					m.files++
				}
			}
			return nil
		})
	}
	return m
}
