//go:build unix

// fifo_test.go checks that a named pipe in place of a data file is refused at once. It is a file
// of its own because syscall.Mkfifo exists only on Unix systems.

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNamedPipe: a named pipe (FIFO) that nothing writes to, in place of t10k-labels, gets the
// one-line "not a data file" error of a folder, exit status 1, at once. Opening such a pipe
// waits for a writer, so the program runs in a goroutine: if it hangs, the test fails after a
// few seconds instead of hanging too.
func TestNamedPipe(t *testing.T) {
	dir := tinyDataDir(t)
	fifo := filepath.Join(dir, testLabelsName+".gz")
	os.Remove(fifo)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a named pipe in %s: %v", dir, err)
	}
	type result struct {
		status int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		status, _, stderr := runProgram("-data", dir, "-download=false", "-out", t.TempDir(), "-epochs", "1")
		done <- result{status, stderr}
	}()
	select {
	case r := <-done:
		if r.status != 1 {
			t.Errorf("exit status %d, want 1 (stderr %q)", r.status, r.stderr)
		}
		if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, fifo+": is a directory or special file, not a data file") {
			t.Errorf("stderr %q, want one line saying %s is not a data file", r.stderr, fifo)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("still waiting after 5 s on the named pipe %s", fifo)
		// Let the program go, so that it does not outlive the test in its temporary folder:
		// opening the pipe for reading and writing (which does not block on Linux) is a writer
		// for its open to wait for, and closing it ends the program's reads.
		if w, err := os.OpenFile(fifo, os.O_RDWR, 0); err == nil {
			w.Close()
		}
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
}

// TestNamedPipeForLoadAndPredict: a named pipe given to -load or -predict gets one line naming
// it, exit status 1, at once, like one in place of a data file.
func TestNamedPipeForLoadAndPredict(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a named pipe in %s: %v", dir, err)
	}
	saved := filepath.Join(dir, "net.json")
	if err := saveModel(saved, newNetwork([]int{784, 4, 10}, 1), nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-load", fifo, "-epochs", "0", "-predict", fifo},
		{"-load", saved, "-epochs", "0", "-predict", fifo},
	} {
		done := make(chan [2]string, 1)
		go func() {
			status, _, stderr := runProgram(args...)
			done <- [2]string{fmt.Sprint(status), stderr}
		}()
		select {
		case r := <-done:
			if r[0] != "1" || strings.Count(r[1], "\n") != 1 || !strings.Contains(r[1], fifo+": is a directory or special file") {
				t.Errorf("%v: status %s, stderr %q; want 1 and one line naming the pipe", args, r[0], r[1])
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%v: still waiting after 5 s on the named pipe", args)
			if w, err := os.OpenFile(fifo, os.O_RDWR, 0); err == nil {
				w.Close() // a writer for the open to find, so that the program does not outlive the test
			}
		}
	}
}
