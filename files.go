// files.go holds the one way this program writes a file: to a temporary file in the same folder,
// renamed into place only once it is complete. A reader (a browser refreshing report.html, the
// next run looking for data) sees the old file or the new one, never half of one, and an
// interrupted or failed write leaves nothing behind. It also checks, before any work, every flag
// that names a file or a folder (checkPaths), so that a run does not train for minutes and then
// find that it cannot read the image to classify or write the network it trained.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
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

// saveProbe is the file checkSavable writes and removes beside -save path.
func saveProbe(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+writeProbe)
}

// writeProbe is the file checkWritable writes and removes in -out to find whether it takes files.
const writeProbe = ".write-test"

// checkWritable fails early, before any training, if files cannot be written in dir: it makes
// the folder and writes (and removes) an empty file there the way writeFileAtomic writes all.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-out %s: cannot create the folder: %v", dir, unwrapPathError(err))
	}
	probe := filepath.Join(dir, writeProbe)
	if err := writeFileAtomic(probe, func(io.Writer) error { return nil }); err != nil {
		return fmt.Errorf("-out %s: cannot write files there: %v", dir, errors.Unwrap(err)) // "permission denied"
	}
	os.Remove(probe)
	return nil
}

// checkSavable fails early, before any training, if the network could not be saved to path
// (-save): path is a folder or a special file, or its folder does not take new files. Like
// checkWritable it writes (and removes) an empty file beside path the way writeFileAtomic writes
// all, and leaves path itself alone: a network saved there earlier stays until the new one
// replaces it.
func checkSavable(path string) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("-save %s: is a folder or special file; name a file to save the network in", path)
	}
	probe := saveProbe(path)
	if err := writeFileAtomic(probe, func(io.Writer) error { return nil }); err != nil {
		return fmt.Errorf("-save %s: cannot write there: %v", path, errors.Unwrap(err)) // "permission denied"
	}
	os.Remove(probe)
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
// files (reportFiles, report.go) and checkWritable's probe.
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
	fmt.Fprintf(w, "mnist: removed %s that a run killed while writing left in %s: %s\n", what, dir, strings.Join(removed, ", "))
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

// checkPaths checks, before any work, every flag of c that names a file or a folder, as far as
// it can be checked without the work: -load and -predict are readable files (and the image a PNG
// or JPEG), -save can be written, -out can take files if the run writes any, -data is a folder
// or can be made, -exercise is a new or empty folder in a place that takes files. It creates
// nothing. Its errors name the flag; a misuse of a flag is a usageError (status 2), a file that
// cannot be used an error (status 1).
func checkPaths(c *config) error {
	if c.exercise != "" {
		return checkNewFolder("-exercise", c.exercise)
	}
	if c.grade != "" {
		if st, err := os.Stat(c.grade); err != nil {
			return fmt.Errorf("-grade %s: %v", c.grade, unwrapPathError(err))
		} else if !st.IsDir() {
			return &usageError{fmt.Sprintf("-grade %s: is a file; give the folder that holds one folder per student", c.grade)}
		}
		return nil
	}
	if c.load != "" {
		if err := checkReadable("-load", c.load, "a saved network"); err != nil {
			return err
		}
	}
	if c.predict != "" {
		if err := checkReadable("-predict", c.predict, "an image"); err != nil {
			return err
		}
		if err := checkImage(c.predict); err != nil {
			return err
		}
	}
	if c.save != "" {
		if err := checkSavable(c.save); err != nil {
			return err
		}
	}
	if c.serve != "" || c.epochs > 0 { // the runs that write reports
		if err := checkFolder("-out", c.out); err != nil {
			return err
		}
	}
	if c.serve == "" && !(c.load != "" && c.epochs == 0 && c.predict != "" && c.explain < 0) { // the runs that read the data
		return checkDataFolder(c)
	}
	return nil
}

// checkReadable fails if path is not a regular file that can be opened for reading. A named
// pipe is refused before it is opened, which would wait for a writer (see special).
func checkReadable(flagName, path, what string) error {
	if special(path) {
		return fmt.Errorf("%s %s: is a directory or special file, not %s", flagName, path, what)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s %s: %v", flagName, path, unwrapPathError(err))
	}
	return f.Close()
}

// checkImage fails if the -predict file is not a PNG or JPEG, or would take more memory to
// decode than allowed, reading only its header (readPicture, decodecost.go).
func checkImage(path string) error {
	_, err := readPicture(path)
	return err
}

// checkDataFolder fails if -data is a file, or is missing with -download=false, or lacks files
// that a download could not write there.
func checkDataFolder(c *config) error {
	st, err := os.Stat(c.data)
	switch {
	case err == nil && !st.IsDir():
		return fmt.Errorf("-data %s: is a file, not a folder; name the folder that holds the four MNIST files", c.data)
	case err != nil && !c.download:
		return fmt.Errorf("data folder %s does not exist (and -download=false)", c.data)
	case err != nil:
		return checkFolder("-data", c.data)
	}
	if _, missing := findFiles(c.data); len(missing) > 0 && c.download {
		return checkFolder("-data", c.data)
	}
	return nil
}

// checkNewFolder fails unless dir is a new or empty folder in a place that takes files.
func checkNewFolder(flagName, dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case err == nil && len(entries) > 0:
		return &usageError{fmt.Sprintf("%s %s: the folder is not empty; give a new or an empty one", flagName, dir)}
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		if st, serr := os.Stat(dir); serr == nil && !st.IsDir() {
			return &usageError{fmt.Sprintf("%s %s: is a file; give a new or an empty folder", flagName, dir)}
		}
		return fmt.Errorf("%s %s: %v", flagName, dir, unwrapPathError(err))
	}
	return checkFolder(flagName, dir)
}

// checkFolder fails if files could not be written in dir, without creating it: dir is there and
// is not a folder, or the nearest folder that is there (dir itself, or the one in which it would
// be made) does not take new files, which it finds out by making and removing an empty one.
func checkFolder(flagName, dir string) error {
	at := filepath.Clean(dir)
	for {
		st, err := os.Stat(at)
		if err == nil && st.IsDir() {
			break
		}
		switch {
		case err == nil && at == filepath.Clean(dir):
			return fmt.Errorf("%s %s: is a file, not a folder", flagName, dir)
		case err == nil:
			return fmt.Errorf("%s %s: cannot create the folder: %s is a file", flagName, dir, at)
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR): // ENOTDIR: a file on the way
			return fmt.Errorf("%s %s: %v", flagName, dir, unwrapPathError(err))
		}
		parent := filepath.Dir(at)
		if parent == at {
			return fmt.Errorf("%s %s: cannot create the folder: no folder above it exists", flagName, dir)
		}
		at = parent
	}
	f, err := os.CreateTemp(at, ".write-test*")
	if err != nil {
		if at != filepath.Clean(dir) {
			return fmt.Errorf("%s %s: cannot create the folder in %s: %v", flagName, dir, at, unwrapPathError(err))
		}
		return fmt.Errorf("%s %s: cannot write files there: %v", flagName, dir, unwrapPathError(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}
