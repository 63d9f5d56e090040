// files.go holds the one way this program writes a file: to a temporary file in the same folder,
// renamed into place only once it is complete. A reader (a browser refreshing report.html, the
// next run looking for data) sees the old file or the new one, never half of one, and an
// interrupted or failed write leaves nothing behind; and the temporary files such a write leaves
// when the program is killed, removed by their exact form. What a path named on the command line
// may be is checked in paths.go. The exercise's module holds both files (exercise.go), for the
// learner's report.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// writeFileAtomic writes the file at path with what write puts in its writer. If write or any
// step of writing fails, the temporary file is removed and path is left as it was.
func writeFileAtomic(path string, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPathError(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPathError(err))
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPathError(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPathError(err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPathError(err))
	}
	return nil
}

// A temporary file of writeFileAtomic is named for the file it will become: ".NAME.tmp" and the
// decimal digits os.CreateTemp puts for the "*" of its pattern (".report.html.tmp2614093325"),
// beside NAME; writeTreeAtomic's folder for -exercise DIR is ".DIR.tmp" and digits, beside DIR
// (TestTempNamesExact pins both forms). When a run is killed in the middle of a write (kill -9, a
// power cut) that file stays; the next run removes it, and the signal catcher (signals.go)
// removes those of the phase it quits. Both remove a name of exactly that form for a file the run
// writes, nothing else: a user's ".notes.tmp", ".db.tmp.bak" or ".x.tmpl" in the same folder is
// theirs.

// isTempOf says whether name (a file name without its folder) is exactly a temporary file or
// folder made for base: "." + base + ".tmp" followed by one to ten decimal digits (a uint32).
func isTempOf(name, base string) bool {
	digits, ok := strings.CutPrefix(name, "."+base+".tmp")
	if !ok || len(digits) < 1 || len(digits) > 10 {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// removeTemps removes, for each path, the temporary files and folders of exactly the form
// isTempOf names that are beside it, and returns what it removed. Files that cannot be listed
// or removed are left alone: they are only a leftover.
func removeTemps(paths ...string) []string {
	var removed []string
	listed := map[string][]os.DirEntry{}
	for _, path := range paths {
		dir, base := filepath.Dir(filepath.Clean(path)), filepath.Base(filepath.Clean(path))
		entries, ok := listed[dir]
		if !ok {
			entries, _ = os.ReadDir(dir)
			listed[dir] = entries
		}
		for _, e := range entries {
			if isTempOf(e.Name(), base) {
				name := filepath.Join(dir, e.Name())
				if os.RemoveAll(name) == nil && !slices.Contains(removed, name) {
					removed = append(removed, name)
				}
			}
		}
	}
	return removed
}

// outFiles are the paths, in the -out folder dir, of the files a run writes there: the report's
// files (reportFiles, report.go) and checkWritable's probe (paths.go).
func outFiles(dir string) []string {
	var paths []string
	for _, name := range append(reportFiles(), writeProbe) {
		paths = append(paths, filepath.Join(dir, name))
	}
	return paths
}

// removeLeftovers removes the temporary files that a run killed while writing its reports left
// in the -out folder dir, and says so on w, naming them: called when a run that writes reports
// starts.
func removeLeftovers(dir string, w io.Writer) {
	removed := removeTemps(outFiles(dir)...)
	if len(removed) == 0 {
		return
	}
	what := "a temporary file"
	if len(removed) > 1 {
		what = fmt.Sprintf("%d temporary files", len(removed))
	}
	// No program name in front: the program and the exercise's main (named main) both say it.
	fmt.Fprintf(w, "removed %s that a run killed while writing left in %s: %s\n", what, dir, strings.Join(removed, ", "))
}

// unwrapPathError drops the operation and temporary path from an *os.PathError or *os.LinkError, so that a
// message names the file the user asked for and says only what went wrong ("permission denied").
func unwrapPathError(err error) error {
	var pe *os.PathError
	var le *os.LinkError // a rename: it names both the temporary file and the target
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}
