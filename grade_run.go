// grade_run.go builds a student's harness and runs it, for -grade (grade.go): the folders, the
// environment, the go build, and one run of one step under its limits (the limits themselves
// and the namespaces are grade_sandbox_linux.go's).
//
// The folders, all in one temporary folder of the grader's (removed at the end):
//
//	gocache/      the GOCACHE of this grading's builds, new for every grading
//	build/NNN/    student NNN's module: the exercise as -exercise writes it, with the student's
//	              network.go, backprop.go and matrix.go, and the harness's main.go
//	bin/NNN       the harness built from it
//	run/NNN/      the folder the harness runs in, and its HOME and TMPDIR
//
// Every build is done before any student's code runs, and no build follows: whatever a
// student's process writes into the cache (it runs with the teacher's rights and could find it)
// is never read. The cache is shared by the sixty builds, so the standard library is compiled
// once (the first build, alone, fills it), and each later build compiles the student's package
// and links. The builds use -trimpath, no cgo (CGO_ENABLED=0: no C compiler runs the student's
// code), GOTOOLCHAIN=local, GOPROXY=off and GOFLAGS=-mod=mod with no network fetch: the module
// has no requirement, and an import outside the standard library fails to build.

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// gradeRunner is one grading's folders and limits.
type gradeRunner struct {
	root       string
	goCmd      string
	stepLimit  time.Duration // wall-clock time of one step
	memMB      int           // data limit of one step, MB
	warn       io.Writer     // where the fallback without namespaces is said, once
	mu         sync.Mutex
	namespaces bool // still used: the kernel has not refused them
	warned     bool
}

// newGradeRunner makes the grading's temporary folder.
func newGradeRunner(warn io.Writer, stepLimit time.Duration, memMB int) (*gradeRunner, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return nil, errors.New("-grade: needs the go command on PATH, to build each student's code")
	}
	root, err := os.MkdirTemp("", "mnist-grade-")
	if err != nil {
		return nil, fmt.Errorf("-grade: cannot make a temporary folder: %v", unwrapPathError(err))
	}
	for _, d := range []string{"gocache", "build", "bin", "run", "home"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o700); err != nil {
			os.RemoveAll(root)
			return nil, fmt.Errorf("-grade: cannot make a temporary folder: %v", unwrapPathError(err))
		}
	}
	return &gradeRunner{root: root, goCmd: goCmd, stepLimit: stepLimit, memMB: memMB, warn: warn, namespaces: sandboxNamespaces}, nil
}

// lockFolders makes every student's run folder, then takes the write permission away from the
// grader's folders, once every build is done: a student's code may remove what is in its own
// run folder, not the folder itself, nor another student's, the harnesses or the cache (where
// it runs without capabilities: in a user namespace, or as an ordinary user).
func (g *gradeRunner) lockFolders(students []*gradeStudent) {
	for _, s := range students {
		os.MkdirAll(filepath.Join(g.root, "run", s.id), 0o700)
	}
	for _, d := range []string{"run", "bin", "build", "gocache", "home", ""} {
		os.Chmod(filepath.Join(g.root, d), 0o500)
	}
}

// remove removes the grading's temporary folder, whatever a student's code made unwritable in
// it.
func (g *gradeRunner) remove() {
	filepath.WalkDir(g.root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	os.RemoveAll(g.root)
}

// build writes student id's module (files) and builds its harness; it returns the harness's
// path, or the compiler's first lines when the code does not build.
func (g *gradeRunner) build(ctx context.Context, id string, files map[string][]byte) (bin, compileErr string, err error) {
	dir := filepath.Join(g.root, "build", id)
	if err := writeTree(dir, files); err != nil {
		return "", "", err
	}
	bin = filepath.Join(g.root, "bin", id)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, g.goCmd, "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(g.root, "home"), "GOCACHE=" + filepath.Join(g.root, "gocache"),
		"GOPATH=" + filepath.Join(g.root, "home", "go"), "GOTMPDIR=", "TMPDIR=" + filepath.Join(g.root, "home"),
		"CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off", "GOENV=off", "GOTELEMETRY=off",
	}
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return "", "", fmt.Errorf("go build did not finish in 2 minutes")
	}
	if err != nil {
		var lines []string
		for line := range strings.Lines(string(out)) {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") && len(lines) < 3 {
				lines = append(lines, strings.TrimPrefix(line, "./"))
			}
		}
		if len(lines) == 0 {
			lines = []string{err.Error()}
		}
		return "", strings.Join(lines, "; "), nil
	}
	return bin, "", nil
}

// harnessOutcome is how one run of the harness ended.
type harnessOutcome struct {
	answer  gradeAnswer
	verdict string // "" when the harness answered; else notFinished, tooMuchMem or crashed
	detail  string
}

// learnerLine finds, in a panic's trace, the first line in the student's files.
var learnerLine = regexp.MustCompile(`(network|backprop|matrix)\.go:\d+`)

// run runs student id's harness on one request, in the student's own run folder, under the
// limits, and returns its answer or how it ended.
func (g *gradeRunner) run(ctx context.Context, id, bin string, req []byte, nonce string) harnessOutcome {
	dir := filepath.Join(g.root, "run", id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return harnessOutcome{verdict: crashed, detail: "its folder cannot be made: " + unwrapPathError(err).Error()}
	}
	var stdout, stderr boundedBuffer
	stdout.max, stderr.max = 16<<20, 64<<10
	start := func(namespaces bool) (*exec.Cmd, error) {
		cmd := exec.Command(bin)
		cmd.Dir = dir
		cmd.Env = []string{"HOME=" + dir, "TMPDIR=" + dir, "GOMAXPROCS=2", "GOTRACEBACK=single"}
		cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(req), &stdout, &stderr
		cmd.SysProcAttr = sandboxAttr(namespaces)
		return cmd, cmd.Start()
	}
	g.mu.Lock()
	namespaces := g.namespaces
	g.mu.Unlock()
	cmd, err := start(namespaces)
	if err != nil && namespaces {
		g.mu.Lock()
		g.namespaces = false
		if !g.warned {
			g.warned = true
			fmt.Fprintf(g.warn, "mnist: -grade: warning: this kernel refuses a user and network namespace (%v): the students' code runs with the network, as a plain child process\n", err)
		}
		g.mu.Unlock()
		cmd, err = start(false)
	}
	if err != nil {
		return harnessOutcome{verdict: crashed, detail: "the harness does not start: " + err.Error()}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(g.stepLimit)
	defer timer.Stop()
	select {
	case err = <-done:
	case <-timer.C:
		killGroup(cmd)
		<-done
		return harnessOutcome{verdict: notFinished, detail: fmt.Sprintf("did not finish in %.0f s: killed", g.stepLimit.Seconds())}
	case <-ctx.Done():
		killGroup(cmd)
		<-done
		return harnessOutcome{verdict: notFinished, detail: "the grading was interrupted"}
	}
	killGroup(cmd) // any process it started
	errText := stderr.String()
	if strings.Contains(errText, "out of memory") || strings.Contains(errText, "cannot allocate memory") || strings.Contains(errText, "runtime: mmap") {
		return harnessOutcome{verdict: tooMuchMem, detail: fmt.Sprintf("used more than %d MB: stopped", g.memMB)}
	}
	if strings.Contains(errText, "SIGSEGV: segmentation violation") && !strings.Contains(errText, "panic: ") && sandboxNamespaces {
		// The runtime's own crash, not a nil pointer of the code (that is a "panic: runtime
		// error"): seen when the memory limit refuses the runtime a mapping it did not check.
		return harnessOutcome{verdict: tooMuchMem, detail: fmt.Sprintf("used more than %d MB: the Go runtime crashed at the limit", g.memMB)}
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			switch ws.Signal() {
			case syscall.Signal(0x18): // SIGXCPU on Linux
				return harnessOutcome{verdict: notFinished, detail: "used its CPU seconds: killed"}
			case syscall.Signal(0x19): // SIGXFSZ on Linux
				return harnessOutcome{verdict: crashed, detail: "wrote a file larger than 64 MB: stopped"}
			}
		}
	}
	a, aerr := findAnswer(stdout.Bytes(), nonce)
	if aerr == nil && err == nil {
		return harnessOutcome{answer: a}
	}
	what := "gave no answer"
	if err != nil {
		what = "crashed (" + err.Error() + ")"
	}
	first := ""
	for line := range strings.Lines(errText) {
		if strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") {
			first = ""
			what = strings.TrimSpace(line)
			break
		}
		if first == "" && strings.TrimSpace(line) != "" {
			first = strings.TrimSpace(line)
		}
	}
	if first != "" {
		what += ": " + first
	}
	if m := learnerLine.FindString(errText); m != "" {
		what += ", at " + m
	}
	return harnessOutcome{verdict: crashed, detail: what}
}

// boundedBuffer keeps the first max bytes written to it and drops the rest, so that a student's
// code that prints without end costs no memory.
type boundedBuffer struct {
	bytes.Buffer
	max int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
