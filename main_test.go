// main_test.go runs the whole program, as run(args), against a corpus of bad input: each case
// must end with one line on standard error that names the file or flag and the problem, the
// right exit status (2 for a bad flag, 1 for a data or file problem), and no half-written file.
// It also runs the built program to interrupt it with SIGINT.

package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runProgram runs the program's run function and returns its exit status and output.
func runProgram(args ...string) (status int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	status = run(args, &out, &errOut)
	return status, out.String(), errOut.String()
}

// tinyDataDir writes a good tiny data set and returns its folder.
func tinyDataDir(t *testing.T) string {
	dir := t.TempDir()
	writeSet(t, dir, 60, 20, true)
	return dir
}

// noTempFiles fails if any file in dir (or below it) looks like an unfinished write.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && strings.Contains(filepath.Base(path), ".tmp") {
			t.Errorf("half-written file left behind: %s", path)
		}
		return nil
	})
}

func TestBadFlags(t *testing.T) {
	data := tinyDataDir(t)
	cases := []struct {
		args []string
		flag string // the flag the error must name
	}{
		{[]string{"-epochs", "-1"}, "-epochs"},
		{[]string{"-hidden", "0"}, "-hidden"},
		{[]string{"-hidden", "20,x"}, "-hidden"},
		{[]string{"-hidden", ""}, "-hidden"},
		{[]string{"-hidden", "20,,10"}, "-hidden"},
		{[]string{"-batch", "0"}, "-batch"},
		{[]string{"-batch", "100000"}, "-batch"}, // more than the training images
		{[]string{"-lr", "0"}, "-lr"},
		{[]string{"-lr", "-0.5"}, "-lr"},
		{[]string{"-lr", "NaN"}, "-lr"},
		{[]string{"-lr", "Inf"}, "-lr"},
		{[]string{"-lr", "fast"}, "-lr"},
		{[]string{"-decay", "1"}, "-decay"},
		{[]string{"-lambda", "-1"}, "-lambda"},
		{[]string{"-workers", "-1"}, "-workers"},
		{[]string{"-workers", "100000"}, "-workers"},
		{[]string{"-epochs", "ten"}, "-epochs"},
		{[]string{"-nosuchflag"}, "-nosuchflag"},
		{[]string{"stray"}, "stray"},
		{[]string{"-serve", "8080"}, "-serve"},
		{[]string{"-serve", "localhost:0", "-predict", "x.png"}, "-serve"},
		{[]string{"-serve", "localhost:0", "-batch", "100000"}, "-batch"}, // refused before it listens
		{[]string{"-title", strings.Repeat("x", maxTitle+1)}, "-title"},
		{[]string{"-author", "A.\nStudent"}, "-author"},
		{[]string{"-out", ""}, "-out"},
	}
	for _, c := range cases {
		out := t.TempDir()
		args := append([]string{"-data", data, "-download=false", "-out", out, "-epochs", "1"}, c.args...)
		status, _, stderr := runProgram(args...)
		if status != 2 {
			t.Errorf("%v: exit status %d, want 2 (stderr %q)", c.args, status, stderr)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.flag) {
			t.Errorf("%v: stderr %q, want one line naming %s", c.args, stderr, c.flag)
		}
		if entries, _ := os.ReadDir(out); len(entries) > 0 {
			t.Errorf("%v: a bad flag still wrote %d files", c.args, len(entries))
		}
	}
}

// TestBadData runs the program on each kind of broken data folder.
func TestBadData(t *testing.T) {
	img, lab := tinySet(60)
	goodImages := idxBytes(3, []uint32{60, 28, 28}, img)
	gz := gzipBytes(goodImages)
	second := gzipBytes([]byte{1}) // a second gzip member after a whole labels file
	cases := []struct {
		name string
		file string // the file the case writes, replacing the good one ("" for none)
		data []byte
		want string // in the error, after the file's name
	}{
		{"missing single file", trainLabelsName + ".gz", nil, "no file " + trainLabelsName},
		{"empty file", trainImagesName + ".gz", []byte{}, "not gzip data"},
		{"empty raw file", trainImagesName, []byte{}, "file ends before its 4-byte header"},
		{"not gzip but named .gz", trainImagesName + ".gz", goodImages, "not gzip data"},
		{"gzip truncated in the middle", trainImagesName + ".gz", gz[:len(gz)/2], "unexpected end of file"},
		{"gzip with a damaged checksum", trainImagesName + ".gz", append(append([]byte{}, gz[:len(gz)-8]...), 0, 0, 0, 0, 0, 0, 0, 0), "checksum"},
		{"labels given as images", trainImagesName + ".gz", gzipBytes(idxBytes(1, []uint32{60}, lab)), "wrong magic number"},
		{"wrong image size", trainImagesName + ".gz", gzipBytes(idxBytes(3, []uint32{60, 28, 27}, img[:60*28*27])), "images are 28×27"},
		{"2³¹ images, short payload", trainImagesName + ".gz", gzipBytes(idxBytes(3, []uint32{1 << 31, 28, 28}, img)), "header announces"},
		{"counts disagree", trainLabelsName + ".gz", gzipBytes(idxBytes(1, []uint32{59}, lab[:59])), "59 labels for the 60 images"},
		{"label 10", trainLabelsName + ".gz", gzipBytes(idxBytes(1, []uint32{60}, append([]byte{10}, lab[1:]...))), "label 10"},
		{"label 255", trainLabelsName + ".gz", gzipBytes(idxBytes(1, []uint32{60}, append([]byte{255}, lab[1:]...))), "label 255"},
		{"extra bytes after the payload", trainImagesName + ".gz", gzipBytes(append(append([]byte{}, goodImages...), 0)), "extra bytes"},
		{"bytes after the gzip data", testLabelsName + ".gz", append(gzipBytes(idxBytes(1, []uint32{20}, lab[:20])), "garbage!"...),
			testLabelsName + ".gz: 8 bytes follow the gzip data"},
		{"two gzip members", testLabelsName + ".gz", append(gzipBytes(idxBytes(1, []uint32{20}, lab[:20])), second...),
			testLabelsName + ".gz: " + strconv.Itoa(len(second)) + " bytes follow the gzip data: a second gzip member"},
		{"a folder where a file should be", trainImagesName + ".gz", nil, "is a directory or special file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := tinyDataDir(t)
			out := filepath.Join(t.TempDir(), "out")
			path := filepath.Join(dir, c.file)
			os.Remove(path)
			os.Remove(strings.TrimSuffix(path, ".gz") + ".gz") // a raw file is read only when there is no .gz
			switch {
			case c.name == "a folder where a file should be":
				os.Mkdir(path, 0o755)
			case c.data != nil:
				os.WriteFile(path, c.data, 0o644)
			}
			status, _, stderr := runProgram("-data", dir, "-download=false", "-out", out, "-epochs", "1")
			if status != 1 {
				t.Errorf("exit status %d, want 1 (stderr %q)", status, stderr)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, dir) {
				t.Errorf("stderr %q, want one line naming a file in %s and saying %q", stderr, dir, c.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("bad data still created the -out folder")
			}
			noTempFiles(t, dir)
		})
	}
}

func TestMissingDataFolder(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")
	status, _, stderr := runProgram("-data", missing, "-download=false", "-out", t.TempDir())
	if status != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, missing) || !strings.Contains(stderr, "does not exist") {
		t.Errorf("status %d, stderr %q: want 1 and one line naming %s", status, stderr, missing)
	}
}

// TestDownloadThroughRun: a missing file is fetched from -mirror; one that fails its checksum,
// or a mirror that answers 404, ends the run with one line and leaves nothing behind.
func TestDownloadThroughRun(t *testing.T) {
	src := tinyDataDir(t)
	served := map[string][]byte{}
	for _, name := range []string{trainImagesName, trainLabelsName, testImagesName, testLabelsName} {
		b, err := os.ReadFile(filepath.Join(src, name+".gz"))
		if err != nil {
			t.Fatal(err)
		}
		served[name+".gz"] = b
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := served[strings.TrimPrefix(r.URL.Path, "/m/")]; ok {
			w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()

	// The served files are not the published MNIST files, so their checksums do not match: one
	// line for each file, then how to go on (downloadLines, newcomer_test.go).
	dir := t.TempDir()
	status, _, stderr := runProgram("-data", dir, "-mirror", srv.URL+"/m/", "-out", t.TempDir(), "-epochs", "1")
	if status != 1 {
		t.Errorf("checksum mismatch: status %d, stderr %q", status, stderr)
	}
	downloadLines(t, stderr, dir, []string{"the mirror served another file (SHA-256 is"})
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a download that failed its checksum left %d files", len(entries))
	}
	status, _, stderr = runProgram("-data", dir, "-mirror", srv.URL+"/nothing-here/", "-out", t.TempDir(), "-epochs", "1")
	if status != 1 {
		t.Errorf("404: status %d, stderr %q", status, stderr)
	}
	downloadLines(t, stderr, dir, []string{"the mirror answered 404 Not Found"})

	// With the right checksum (the downloader's list, as carried for the real files), it works.
	d := newDownloader(&bytes.Buffer{})
	d.mirrors = []string{srv.URL + "/m/"}
	d.sums = map[string]string{}
	for name, b := range served {
		sum := sha256.Sum256(b)
		d.sums[name] = hex.EncodeToString(sum[:])
	}
	paths, err := ensureData(dir, true, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadMNIST(paths); err != nil {
		t.Errorf("downloaded files do not load: %v", err)
	}
}

// TestOutNotWritable: an -out that is a file, or lies below one, is refused before training.
func TestOutNotWritable(t *testing.T) {
	data := tinyDataDir(t)
	file := filepath.Join(t.TempDir(), "afile")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, out := range []string{file, filepath.Join(file, "sub")} {
		status, stdout, stderr := runProgram("-data", data, "-download=false", "-out", out, "-epochs", "1")
		if status != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "-out "+out) {
			t.Errorf("-out %s: status %d, stderr %q", out, status, stderr)
		}
		if strings.Contains(stdout, "epoch") {
			t.Errorf("-out %s: trained before finding out it cannot write", out)
		}
	}
}

// TestRunOnTinyData: a good run on a tiny data set ends with the test accuracy line and the
// five files.
func TestRunOnTinyData(t *testing.T) {
	out := t.TempDir()
	status, stdout, stderr := runProgram("-data", tinyDataDir(t), "-download=false", "-out", out, "-epochs", "2", "-batch", "7")
	if status != 0 || stderr != "" {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "test accuracy: ") || !strings.HasSuffix(last, "/20)") {
		t.Errorf("last line %q", last)
	}
	if !strings.Contains(stdout, "epoch 1/2  train loss ") {
		t.Errorf("no epoch line in %q", stdout)
	}
	for _, name := range []string{"history.csv", "loss.svg", "accuracy.svg", "weights.png", "report.html"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("%s not written: %v", name, err)
		}
	}
}

// TestDivergence: an absurd learning rate overflows the weights; the run stops with one line
// naming the epoch and suggesting a smaller rate, exit status 1.
func TestDivergence(t *testing.T) {
	out := t.TempDir()
	status, _, stderr := runProgram("-data", tinyDataDir(t), "-download=false", "-out", out, "-epochs", "3", "-lr", "1e308")
	if status != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "diverged in epoch 1") || !strings.Contains(stderr, "smaller learning rate") {
		t.Errorf("status %d, stderr %q", status, stderr)
	}
	noTempFiles(t, out)
}

// buildProgram builds the program once for the tests that run it as a process.
func buildProgram(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mnist")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// syncBuffer is a bytes.Buffer that the test may read while the program writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// longRun starts the built program on a long training run and returns it with its output. Its
// 3000 test images make the end of a run (evaluation, report) take long enough for a second
// signal to arrive during it.
func longRun(t *testing.T) (cmd *exec.Cmd, stdout *bufio.Scanner, stderr *syncBuffer, out string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the program")
	}
	bin := buildProgram(t)
	data, out := t.TempDir(), t.TempDir()
	writeSet(t, data, 3000, 3000, true)
	cmd = exec.Command(bin, "-data", data, "-download=false", "-out", out, "-epochs", "100000", "-batch", "1")
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr = &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(pipe), stderr, out
}

// exitStatus130 fails unless cmd ended with exit status 130.
func exitStatus130(t *testing.T, cmd *exec.Cmd, stderr *syncBuffer) {
	t.Helper()
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v, want status 130; stderr %q", err, stderr.String())
	}
}

// TestInterrupt sends SIGINT to a running program during its second epoch: it finishes the
// mini-batch, writes its files, prints the test accuracy marked as interrupted and exits 130.
func TestInterrupt(t *testing.T) {
	cmd, stdout, stderr, out := longRun(t)
	var lines []string
	for stdout.Scan() {
		lines = append(lines, stdout.Text())
		if strings.HasPrefix(stdout.Text(), "epoch      2/") {
			cmd.Process.Signal(syscall.SIGINT)
		}
	}
	exitStatus130(t, cmd, stderr)
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "test accuracy: ") || !strings.HasSuffix(last, ", interrupted") {
		t.Errorf("last line %q, want the test accuracy marked as interrupted", last)
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr %q does not say it was interrupted", stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	hist, err := readHistory(bytes.NewReader(b))
	if err != nil || len(hist) < 2 {
		t.Errorf("history.csv after the interruption: %d epochs, %v", len(hist), err)
	}
	page, _ := os.ReadFile(filepath.Join(out, "report.html"))
	if !bytes.Contains(page, []byte("The run was interrupted")) {
		t.Errorf("report.html does not say the run was interrupted")
	}
	noTempFiles(t, out)
}

// TestSecondInterruptQuits: a second SIGINT ends the program at once, still with status 130,
// and leaves no unfinished file. The second is sent once the program has said it got the first:
// two signals sent close together may arrive as one.
func TestSecondInterruptQuits(t *testing.T) {
	cmd, stdout, stderr, out := longRun(t)
	for stdout.Scan() {
		if strings.HasPrefix(stdout.Text(), "epoch") {
			cmd.Process.Signal(syscall.SIGINT)
			for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stderr.String(), "interrupted:"); {
				if time.Now().After(deadline) {
					t.Fatalf("no word of the first interrupt on stderr: %q", stderr.String())
				}
				time.Sleep(50 * time.Microsecond)
			}
			cmd.Process.Signal(syscall.SIGINT)
			break
		}
	}
	go func() {
		for stdout.Scan() {
		}
	}()
	exitStatus130(t, cmd, stderr)
	if !strings.Contains(stderr.String(), "interrupted twice") {
		t.Errorf("stderr %q does not say it quit", stderr.String())
	}
	noTempFiles(t, out)
}
