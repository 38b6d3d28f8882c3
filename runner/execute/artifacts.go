package execute

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/runner-bench/runner/runner/record"
)

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
		size, files, err := measure(path)
		if err != nil {
			s.warn(fmt.Sprintf("artifact %q: %v", a.Name, err))
		}
		r.Artifacts[a.Name] = record.Artifact{MB: float64(size) / (1 << 20), Files: files}
	}
}

// measure returns the total size and count of the regular files at path: a
// glob, a folder (recursive) or a file. Nothing there is zero, not an error.
// Symbolic links are followed only where path itself names them.
func measure(path string) (size int64, files int, err error) {
	paths := []string{path}
	if strings.ContainsAny(path, `*?[\`) {
		if paths, err = filepath.Glob(path); err != nil {
			return 0, 0, err
		}
	}
	for _, p := range paths {
		fi, serr := os.Stat(p)
		if serr != nil {
			if !errors.Is(serr, fs.ErrNotExist) && err == nil {
				err = serr
			}
			continue
		}
		if !fi.IsDir() {
			if fi.Mode().IsRegular() {
				size += fi.Size()
				files++
			}
			continue
		}
		filepath.WalkDir(p, func(_ string, d fs.DirEntry, werr error) error {
			if werr != nil {
				if err == nil {
					err = werr
				}
				return nil // an unreadable folder is skipped (WalkDir does not enter it)
			}
			if d.Type().IsRegular() {
				if info, ierr := d.Info(); ierr == nil {
					size += info.Size()
					files++
				}
			}
			return nil
		})
	}
	return size, files, err
}
