// checkpaths.go checks, before any work, every flag that names a file or a folder (checkPaths),
// so that a run does not train for minutes and then find that it cannot read the image to
// classify or write the network it trained. Each check makes nothing it does not remove: a file
// written and removed at once, the way writeFileAtomic (files.go) writes all, finds out whether a
// folder takes files.

package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// saveProbe is the file checkSavable writes and removes beside -save path.
func saveProbe(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+writeProbe)
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
