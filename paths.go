// paths.go holds what a path named on the command line may be, checked before any work so that
// a run does not train for minutes and then find that it cannot read the image to classify or
// write the network it trained: a file to read (not a folder, a device or a named pipe, which
// opening would wait on), a file to write (-save: not a folder, not a file the run itself reads
// or writes, not where -out or -data will be made), a folder to write in (-out, -data), a new
// folder (-exercise: not a symbolic link, which would be replaced). Each check takes the paths it
// needs as plain arguments; checkPaths (main.go) reads the command line's config and calls them.
// Errors name the flag; a misuse of a flag is a usageError (status 2), a file that cannot be used
// an error (status 1).

package main

import (
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

// special says whether path is there but is not a regular file: a folder, a device, or a named
// pipe (FIFO). Opening a named pipe waits until something writes to it, which may be never, so
// a program that only checked after opening would hang there; os.Stat does not open the file
// and returns at once. A path that is not there is not special: opening it says so.
func special(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.Mode().IsRegular()
}

// checkReadable fails if path is not a regular file that can be opened for reading. A named
// pipe is refused before it is opened, which would wait for a writer (special).
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

// writeProbe is the file checkWritable writes and removes in -out to find whether it takes files.
const writeProbe = ".write-test"

// saveProbe is the file checkSavable writes and removes beside -save path.
func saveProbe(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+writeProbe)
}

// checkWritable fails early, before any training, if files cannot be written in dir (-out): it
// makes the folder and writes (and removes) an empty file there the way writeFileAtomic writes
// all.
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

// checkSaveApart fails if -save path is a file the run itself reads or writes, or where it will
// make a folder, which the saved network would overwrite or which would make the save fail at
// the end: one of the report files in the -out folder out (when reports: the run writes them),
// the -out folder or one above it, the -data folder data or one above it, one of the four MNIST
// files in it, or the -predict image predict. Paths are compared as the files they name (symbolic
// links followed where they exist); an empty out, data or predict is no path of the run's.
func checkSaveApart(path, out string, reports bool, data, predict string) error {
	save := samePath(path)
	var reportPaths, dataPaths []string
	if reports {
		for _, name := range reportFiles() {
			reportPaths = append(reportPaths, samePath(filepath.Join(out, name)))
		}
	}
	if data != "" {
		for _, name := range mnistNames() {
			dataPaths = append(dataPaths, samePath(filepath.Join(data, name)), samePath(filepath.Join(data, name+".gz")))
		}
	}
	switch {
	case slices.Contains(reportPaths, save):
		return &usageError{fmt.Sprintf("-save %s: is one of the report files this run writes in -out %s; name another file to save the network in", path, out)}
	case reports && within(save, samePath(out)):
		return &usageError{fmt.Sprintf("-save %s: the run makes -out %s there, a folder; name a file outside it, or another -out", path, out)}
	case data != "" && within(save, samePath(data)):
		return &usageError{fmt.Sprintf("-save %s: is where -data %s is; name a file outside it", path, data)}
	case slices.Contains(dataPaths, save):
		return &usageError{fmt.Sprintf("-save %s: is one of the MNIST files in -data %s; name another file to save the network in", path, data)}
	case predict != "" && samePath(predict) == save:
		return &usageError{fmt.Sprintf("-save %s: is the -predict image; name another file to save the network in", path)}
	}
	return nil
}

// samePath is path as the file it names, for comparing two paths: absolute and clean, with the
// symbolic links of its folder followed if the folder is there, and of the path itself if it is.
func samePath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = filepath.Clean(path)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return filepath.Join(dir, filepath.Base(abs))
	}
	return abs
}

// within says whether path is dir or a path inside it (both as samePath gives them).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// checkDataFolder fails if -data dir is a file, or is missing and download is false, or lacks
// files that a download could not write there.
func checkDataFolder(dir string, download bool) error {
	st, err := os.Stat(dir)
	switch {
	case err == nil && !st.IsDir():
		return fmt.Errorf("-data %s: is a file, not a folder; name the folder that holds the four MNIST files", dir)
	case err != nil && !download:
		return fmt.Errorf("data folder %s does not exist (and -download=false)", dir)
	case err != nil:
		return checkFolder("-data", dir)
	}
	if _, missing := findFiles(dir); len(missing) > 0 && download {
		return checkFolder("-data", dir)
	}
	return nil
}

// checkNewFolder fails unless dir is a new or empty folder in a place that takes files. A
// symbolic link is refused, even to an empty folder or to nothing: the folder is written beside
// it and renamed dir (writeTreeAtomic, exercise.go), which would replace the link and leave its
// target as it was.
func checkNewFolder(flagName, dir string) error {
	if st, err := os.Lstat(filepath.Clean(dir)); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		target, _ := os.Readlink(filepath.Clean(dir))
		return &usageError{fmt.Sprintf("%s %s: is a symbolic link (to %s); give the folder itself", flagName, dir, target)}
	}
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

// readyToWrite makes the -out folder out and checks it takes files (checkWritable), removes what
// a run killed while writing its reports left there, saying so on stderr (removeLeftovers,
// files.go), and checks -save again if there is one: when a run that writes reports starts, the
// command line's or the lab's.
func readyToWrite(out, save string, stderr io.Writer) error {
	if err := checkWritable(out); err != nil {
		return err
	}
	removeLeftovers(out, stderr)
	if save != "" {
		return checkSavable(save)
	}
	return nil
}

// shellWord is path as a word of a POSIX shell's command line, to print in a hint the user
// pastes: as it is when it holds only characters no shell reads specially, else in single
// quotes (each ' inside as '\”), and with ./ before a relative path that starts with -, which
// cd would take for an option.
func shellWord(path string) string {
	if strings.HasPrefix(path, "-") {
		path = "./" + path
	}
	plain := path != ""
	for _, r := range path {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+,:@%", r)) {
			plain = false
		}
	}
	if plain {
		return path
	}
	return "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
}
