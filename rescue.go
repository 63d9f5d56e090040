// rescue.go is where a trained network goes when -save cannot take it (a full disk, a folder
// gone since the run began): hours of training are not to be lost for want of a file. The
// network is written, by the same saveModel, to the first of the -out folder and the system's
// temporary folder that takes it, and the error names -save, what went wrong, and where the
// network is now.

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// saveOrRescue writes the network with saveModel to path (-save) or, if that fails, to a rescue
// file named after it in out or in the temporary folder. The error says where it went.
func saveOrRescue(path, out string, net *Network, settings map[string]string, results map[string]any) error {
	err := saveModel(path, net, settings, results)
	if err == nil {
		return nil
	}
	cause := errors.Unwrap(err) // "no space left on device", without the path saveModel names
	if cause == nil {
		cause = err
	}
	var tried []string
	for _, dir := range []string{out, os.TempDir()} {
		if dir == "" {
			continue
		}
		rescue := filepath.Join(dir, filepath.Base(path)+".rescued")
		if abs, aerr := filepath.Abs(rescue); aerr == nil {
			rescue = abs
		}
		if saveModel(rescue, net, settings, results) == nil {
			return fmt.Errorf("-save %s: %v; the network is kept in %s instead: move it there once it can take it", path, cause, rescue)
		}
		tried = append(tried, dir)
	}
	return fmt.Errorf("-save %s: %v; nor could it be kept in %v: the trained network is lost", path, cause, tried)
}
