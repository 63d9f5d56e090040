// helpers_test.go holds the small tools that tests in several files use: made-up data sets,
// in memory and as IDX files, bit-for-bit comparison of float64 slices, and running the built
// program's lab and waiting for its exit, and opening a page in the browser tests' Chromium.

package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// blocksData makes a small, separable data set of 28×28 images: digit k is a bright 6×6 block
// at a place of its own, with some noise.
func blocksData(n int, seed uint64) Dataset {
	rng := rand.New(rand.NewPCG(seed, 9))
	d := Dataset{Images: make([]byte, n*imageSize), Labels: make([]byte, n)}
	for i := 0; i < n; i++ {
		k := i % numDigits
		d.Labels[i] = byte(k)
		img := d.image(i)
		row, col := 2+(k/5)*12, 1+(k%5)*5
		for r := row; r < row+6; r++ {
			for c := col; c < col+5; c++ {
				img[r*imageCols+c] = byte(150 + rng.IntN(106))
			}
		}
		for j := 0; j < 20; j++ {
			img[rng.IntN(imageSize)] = byte(rng.IntN(256))
		}
	}
	return d
}

// blocksDataDir writes the four files of a learnable made-up data set (blocksData: 700
// training images, 100 test images) into a new folder and returns it.
func blocksDataDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	train, test := blocksData(700, 11), blocksData(100, 12)
	for _, f := range []struct {
		name string
		data []byte
	}{
		{trainImagesName, idxBytes(3, []uint32{uint32(train.Len()), 28, 28}, train.Images)},
		{trainLabelsName, idxBytes(1, []uint32{uint32(train.Len())}, train.Labels)},
		{testImagesName, idxBytes(3, []uint32{uint32(test.Len()), 28, 28}, test.Images)},
		{testLabelsName, idxBytes(1, []uint32{uint32(test.Len())}, test.Labels)},
	} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// readData reads the four files of the data set in dir, or fails the test.
func readData(tb testing.TB, dir string) *MNIST {
	tb.Helper()
	paths, missing := findFiles(dir)
	if len(missing) > 0 {
		tb.Fatalf("%s lacks %v", dir, missing)
	}
	m, err := loadMNIST(paths)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// storedRun trains the program for three epochs of a 784-9-10 network on blocksDataDir's data,
// at settings that take every path of the arithmetic (a last mini-batch shorter than the
// others, η shrinking, L2 regularization), and returns its standard output, its -out folder and its
// -save file. TestStoredRun pins its numbers; TestPlainTrainingIsTheProgram trains the same.
func storedRun(t *testing.T) (dataDir, stdout, out, save string) {
	t.Helper()
	dataDir = blocksDataDir(t)
	out, save = t.TempDir(), filepath.Join(t.TempDir(), "net.json")
	status, stdout, stderr := runProgram("-data", dataDir, "-download=false", "-out", out, "-save", save,
		"-epochs", "3", "-batch", "7", "-lr", "0.3", "-decay", "0.1", "-lambda", "4", "-seed", "5", "-hidden", "9")
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	return dataDir, stdout, out, save
}

// storedSettings are storedRun's flags as trainPlain takes them.
var storedSettings = trainSettings{hidden: []int{9}, epochs: 3, batch: 7, lr: 0.3, etaDecay: 0.1, lambda: 4, seed: 5}

// sameBits reports whether two slices hold the same float64 values bit for bit.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// idxBytes builds an IDX file: magic for the rank, the sizes, then the payload.
func idxBytes(rank int, sizes []uint32, payload []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, idxMagic(rank))
	for _, s := range sizes {
		binary.Write(&b, binary.BigEndian, s)
	}
	b.Write(payload)
	return b.Bytes()
}

func gzipBytes(data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// tinySet returns n images of 28×28 with pixel values from their index, and their labels.
func tinySet(n int) (images, labels []byte) {
	images = make([]byte, n*imageSize)
	for i := range images {
		images[i] = byte(i * 7)
	}
	labels = make([]byte, n)
	for i := range labels {
		labels[i] = byte(i % numDigits)
	}
	return images, labels
}

// writeSet writes the four files of a tiny data set into dir, gzip-compressed or not.
func writeSet(t testing.TB, dir string, nTrain, nTest int, compress bool) {
	t.Helper()
	write := func(name string, data []byte) {
		if compress {
			name, data = name+".gz", gzipBytes(data)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, set := range []struct {
		images, labels string
		n              int
	}{{trainImagesName, trainLabelsName, nTrain}, {testImagesName, testLabelsName, nTest}} {
		img, lab := tinySet(set.n)
		write(set.images, idxBytes(3, []uint32{uint32(set.n), 28, 28}, img))
		write(set.labels, idxBytes(1, []uint32{uint32(set.n)}, lab))
	}
}

// startBinaryLab runs the built program's lab on addr with the given flags and returns it, its
// address and its standard error once it has printed its first line, which must be
// `lab: http://HOST:PORT/`.
func startBinaryLab(t *testing.T, bin, addr string, args ...string) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-serve", addr}, args...)...)
	pipe, _ := cmd.StdoutPipe()
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(pipe)
	if !sc.Scan() {
		cmd.Process.Kill()
		t.Fatalf("no line from -serve %s; stderr %q", addr, stderr.String())
	}
	url, ok := strings.CutPrefix(sc.Text(), "lab: ")
	if !ok || !strings.HasPrefix(url, "http://") || !strings.HasSuffix(url, "/") {
		cmd.Process.Kill()
		t.Fatalf("first line %q, want lab: http://HOST:PORT/", sc.Text())
	}
	go io.Copy(io.Discard, pipe)
	return cmd, url, stderr
}

// waitExit waits at most limit for the program to end and returns its exit status, 130 for a
// process ended by SIGINT itself (which a shell shows as 130 too).
func waitExit(t *testing.T, cmd *exec.Cmd, limit time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("still running %v after the signal", limit)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGINT {
		return 130
	}
	return cmd.ProcessState.ExitCode()
}

// blankPage opens a blank page in the browser b (startBrowser, lab_browser_test.go) and returns
// the id of the session that drives it, with the domains the browser tests read enabled: the
// runtime, the log, the page and the network.
func blankPage(ctx context.Context, t *testing.T, b *cdpClient) string {
	t.Helper()
	var r struct {
		TargetID  string `json:"targetId"`
		SessionID string `json:"sessionId"`
	}
	if err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &r); err != nil {
		t.Fatal(err)
	}
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": r.TargetID, "flatten": true}, &r); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"Runtime.enable", "Log.enable", "Page.enable", "Network.enable"} {
		if err := b.call(ctx, r.SessionID, m, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	return r.SessionID
}

// pageStayedHome fails the test for every error the page in browser b reported, and for every
// URL it requested that is not in the folder home (a URL ending in /), not exactly also (when
// not ""), and not a data:, blob: or about: one: a page of this program asks no other host. It
// returns how many URLs the page requested.
func pageStayedHome(t *testing.T, b *cdpClient, home, also string) int {
	t.Helper()
	b.mu.Lock()
	problems, urls := b.problems, b.urls
	b.mu.Unlock()
	for _, p := range problems {
		t.Errorf("page error: %s", p)
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, home) && (also == "" || u != also) &&
			!strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") && !strings.HasPrefix(u, "about:") {
			t.Errorf("the page requested %s, outside %s", u, home)
		}
	}
	return len(urls)
}
