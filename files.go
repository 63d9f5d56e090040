// files.go holds the one way this program writes a file: to a temporary file in the same folder,
// renamed into place only once it is complete. A reader (a browser refreshing report.html, the
// next run looking for data) sees the old file or the new one, never half of one, and an
// interrupted or failed write leaves nothing behind. It also checks, before a run trains, that
// the -out folder can take such files.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// checkWritable fails early, before any training, if files cannot be written in dir: it makes
// the folder and writes (and removes) an empty file there the way writeFileAtomic writes all.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-out %s: cannot create the folder: %v", dir, unwrapPathError(err))
	}
	probe := filepath.Join(dir, ".write-test")
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
	probe := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".write-test")
	if err := writeFileAtomic(probe, func(io.Writer) error { return nil }); err != nil {
		return fmt.Errorf("-save %s: cannot write there: %v", path, errors.Unwrap(err)) // "permission denied"
	}
	os.Remove(probe)
	return nil
}

// special says whether path is there but is not a regular file: a folder, a device, or a named
// pipe (FIFO). Opening a named pipe waits until something writes to it, which may be never, so
// a program that only checked after opening would hang there; os.Stat does not open the file
// and returns at once. A path that is not there is not special: opening it says so.
func special(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.Mode().IsRegular()
}

// removeTempFiles removes what writeFileAtomic leaves in dir when the program is killed in the
// middle of a write (kill -9, a power cut): called when a run starts.
func removeTempFiles(dir string) {
	names, _ := filepath.Glob(filepath.Join(dir, ".*.tmp*"))
	for _, name := range names {
		os.Remove(name)
	}
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
