// mnist_test.go checks the IDX reader on small files it writes itself, broken in each way the
// reader must catch; the downloader against a local HTTP server; and, when MNIST_DIR names a
// folder with the real files, one epoch of training on real MNIST.

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadBack: a tiny data set written by the test reads back exactly, compressed or not.
func TestReadBack(t *testing.T) {
	for _, compress := range []bool{true, false} {
		dir := t.TempDir()
		writeSet(t, dir, 12, 5, compress)
		paths, missing := findFiles(dir)
		if len(missing) > 0 {
			t.Fatalf("missing %v", missing)
		}
		m, err := loadMNIST(paths)
		if err != nil {
			t.Fatal(err)
		}
		img, lab := tinySet(12)
		if !bytes.Equal(m.Train.Images, img[:10*imageSize]) || !bytes.Equal(m.Train.Labels, lab[:10]) {
			t.Errorf("compress=%v: training images or labels differ from what was written", compress)
		}
		if !bytes.Equal(m.Eval.Images, img[10*imageSize:]) || !bytes.Equal(m.Eval.Labels, lab[10:]) {
			t.Errorf("compress=%v: evaluation split is not the last sixth", compress)
		}
		timg, tlab := tinySet(5)
		if !bytes.Equal(m.Test.Images, timg) || !bytes.Equal(m.Test.Labels, tlab) {
			t.Errorf("compress=%v: test set differs from what was written", compress)
		}
	}
}

// TestBrokenFiles: each broken variant of a file is refused with an error that names the file
// and says what is wrong.
func TestBrokenFiles(t *testing.T) {
	img, lab := tinySet(3)
	goodImages := idxBytes(3, []uint32{3, 28, 28}, img)
	goodLabels := idxBytes(1, []uint32{3}, lab)
	gz := gzipBytes(goodImages)
	// Two gzip members, as `cat a.gz b.gz` makes: the first holds the header and part of the
	// payload, the second the rest. gunzip would read them as one file; MNIST files are one member.
	firstMember, secondMember := gzipBytes(goodImages[:1000]), gzipBytes(goodImages[1000:])
	cases := []struct {
		name           string
		images, labels []byte
		imagesName     string // default: name.gz, gzip-compressed by the test
		want           string
	}{
		{"wrong magic (labels given as images)", goodLabels, goodLabels, "", "wrong magic number 0x00000801"},
		{"wrong rank", idxBytes(2, []uint32{3, 784}, img), goodLabels, "", "wrong magic number 0x00000802"},
		{"not 28×28", idxBytes(3, []uint32{3, 32, 32}, make([]byte, 3*32*32)), goodLabels, "", "images are 32×32, want 28×28"},
		{"truncated payload", goodImages[:len(goodImages)-100], goodLabels, "", "payload is truncated"},
		{"extra bytes", append(append([]byte{}, goodImages...), 1, 2, 3), goodLabels, "", "extra bytes after"},
		{"label 10", goodImages, idxBytes(1, []uint32{3}, []byte{1, 10, 2}), "", "label 10 of item 1 is not a digit"},
		{"label 255", goodImages, idxBytes(1, []uint32{3}, []byte{1, 2, 255}), "", "label 255 of item 2"},
		{"count mismatch", goodImages, idxBytes(1, []uint32{2}, lab[:2]), "", "2 labels for the 3 images"},
		{"2³¹ images, short payload", idxBytes(3, []uint32{1 << 31, 28, 28}, img), goodLabels, "", "header announces [2147483648 28 28] items, more than the file can hold"},
		{"2²⁰ images, short payload", idxBytes(3, []uint32{1 << 20, 28, 28}, img), goodLabels, "", "header announces [1048576 28 28] items, more than the file can hold"},
		{"20 images, 3 there", idxBytes(3, []uint32{20, 28, 28}, img), goodLabels, "", "payload is truncated: 2352 of the 15680 bytes"},
		{"2³¹ images, raw file", idxBytes(3, []uint32{1 << 31, 28, 28}, img), goodLabels, trainImagesName, "more than the file can hold"},
		{"empty file", []byte{}, goodLabels, "", "file ends before its 4-byte header"},
		{"not gzip but named .gz", goodImages, goodLabels, trainImagesName + ".gz", "not gzip data"},
		{"gzip truncated in the middle", gz[:len(gz)/2], goodLabels, trainImagesName + ".gz", "unexpected end of file"},
		{"8 bytes after the gzip data", append(append([]byte{}, gz...), "garbage!"...), goodLabels, trainImagesName + ".gz",
			"8 bytes follow the gzip data, which should end the file"},
		{"the whole gzip file twice", append(append([]byte{}, gz...), gz...), goodLabels, trainImagesName + ".gz",
			fmt.Sprintf("%d bytes follow the gzip data: a second gzip member", len(gz))},
		{"payload split into two gzip members", append(append([]byte{}, firstMember...), secondMember...), goodLabels, trainImagesName + ".gz",
			fmt.Sprintf("payload is truncated: 984 of the 2352 bytes the header announces (%d bytes follow the gzip data: a second gzip member", len(secondMember))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSet(t, dir, 12, 3, true) // a good test set; each case then replaces the training pair
			os.Remove(filepath.Join(dir, trainImagesName+".gz"))
			os.Remove(filepath.Join(dir, trainLabelsName+".gz"))
			imagesName, images := c.imagesName, c.images
			if imagesName == "" {
				imagesName, images = trainImagesName+".gz", gzipBytes(c.images)
			}
			os.WriteFile(filepath.Join(dir, imagesName), images, 0o644)
			os.WriteFile(filepath.Join(dir, trainLabelsName), c.labels, 0o644)
			paths, missing := findFiles(dir)
			if len(missing) > 0 {
				t.Fatalf("missing %v", missing)
			}
			_, err := loadMNIST(paths)
			if err == nil {
				t.Fatalf("no error; want one containing %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q; want it to contain %q", err, c.want)
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// TestTooFewImages: a set left without images is refused, with an error that names the file
// that is short and says how many images it needs; a training file of 6 (5 to train, 1 to
// evaluate) and a test file of 1 are enough.
func TestTooFewImages(t *testing.T) {
	cases := []struct {
		nTrain, nTest int
		file          string // the file the error must name ("" for no error)
		want          string
	}{
		{12, 0, testImagesName, "the header announces 0 images; the test set needs at least 1"},
		{0, 3, trainImagesName, "the header announces 0 images; training and evaluation need at least 6"},
		{1, 3, trainImagesName, "the header announces 1 image; training and evaluation need at least 6"},
		{5, 3, trainImagesName, "the header announces 5 images; training and evaluation need at least 6"},
		{6, 1, "", ""},
	}
	for _, c := range cases {
		dir := t.TempDir()
		writeSet(t, dir, c.nTrain, c.nTest, true)
		paths, _ := findFiles(dir)
		m, err := loadMNIST(paths)
		switch {
		case c.file == "" && err != nil:
			t.Errorf("%d training, %d test images: %v", c.nTrain, c.nTest, err)
		case c.file == "" && (m.Train.Len() != 5 || m.Eval.Len() != 1 || m.Test.Len() != 1):
			t.Errorf("%d training, %d test images: split %d/%d/%d, want 5/1/1", c.nTrain, c.nTest, m.Train.Len(), m.Eval.Len(), m.Test.Len())
		case c.file != "" && err == nil:
			t.Errorf("%d training, %d test images: no error; want one naming %s", c.nTrain, c.nTest, c.file)
		case c.file != "" && !strings.HasPrefix(err.Error(), paths[c.file]+": "+c.want):
			t.Errorf("%d training, %d test images: error %q; want it to start %q", c.nTrain, c.nTest, err, paths[c.file]+": "+c.want)
		case c.file != "":
			// The whole program says the same, as one line, with exit status 1.
			status, _, stderr := runProgram("-data", dir, "-download=false", "-out", t.TempDir(), "-epochs", "1")
			if status != 1 || stderr != "mnist: "+err.Error()+"\n" {
				t.Errorf("%d training, %d test images: the program exits %d with %q; want 1 with the error of loadMNIST", c.nTrain, c.nTest, status, stderr)
			}
		}
	}
}

// serveFiles starts a local server: /good/NAME serves body, /bad/NAME a different body,
// /missing/ answers 404 and /hang/ never answers before the client gives up.
func serveFiles(t *testing.T, name string, body []byte) *httptest.Server {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/good/"+name:
			w.Write(body)
		case r.URL.Path == "/bad/"+name:
			w.Write(append([]byte("tampered"), body...))
		case strings.HasPrefix(r.URL.Path, "/hang/"):
			select {
			case <-stop:
			case <-r.Context().Done():
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	return srv
}

// TestDownload: a good file is saved; a wrong checksum, a 404 and a server that hangs are each
// passed over for the next mirror; when all fail the error says in a few words why for each,
// on one line, and nothing is left behind.
func TestDownload(t *testing.T) {
	name := trainLabelsName + ".gz"
	body := gzipBytes(idxBytes(1, []uint32{2}, []byte{3, 4}))
	sum := sha256.Sum256(body)
	srv := serveFiles(t, name, body)
	newD := func(mirrors ...string) *downloader {
		var log bytes.Buffer
		return &downloader{client: &http.Client{Timeout: 300 * time.Millisecond}, mirrors: mirrors,
			sums: map[string]string{name: hex.EncodeToString(sum[:])}, log: &log}
	}
	entries := func(dir string) []string {
		var names []string
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			names = append(names, e.Name())
		}
		return names
	}

	dir := t.TempDir()
	d := newD(srv.URL+"/missing/", srv.URL+"/hang/", srv.URL+"/bad/", srv.URL+"/good/")
	if err := d.fetch(dir, name); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, name))
	if !bytes.Equal(got, body) {
		t.Errorf("saved file differs from the served one")
	}
	if es := entries(dir); len(es) != 1 {
		t.Errorf("folder holds %v, want only %s", es, name)
	}

	dir = t.TempDir()
	err := newD(srv.URL+"/bad/", srv.URL+"/missing/", srv.URL+"/hang/").fetch(dir, name)
	if err == nil {
		t.Fatal("fetch from bad mirrors succeeded")
	}
	for _, want := range []string{"mirror 1: the mirror served another file (SHA-256 is", "mirror 2: the mirror answered 404 Not Found", "mirror 3: the mirror did not answer in time"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "127.0.0.1") || strings.Contains(err.Error(), "http") {
		t.Errorf("error %q names an address", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is more than one line: %q", err)
	}
	if es := entries(dir); len(es) != 0 {
		t.Errorf("failed downloads left %v behind", es)
	}
}

// realMNIST loads the real data set from the folder MNIST_DIR names, or skips the test (what
// says which) when MNIST_DIR is not set.
func realMNIST(tb testing.TB, what string) *MNIST {
	tb.Helper()
	dir := os.Getenv("MNIST_DIR")
	if dir == "" {
		tb.Skipf("MNIST_DIR is not set: skipping %s (set it to a folder with the four MNIST files)", what)
	}
	return readData(tb, dir)
}

// TestRealMNIST trains one epoch on the real data set and requires ≥ 0.90 test accuracy.
func TestRealMNIST(t *testing.T) {
	m := realMNIST(t, "one epoch of training on real MNIST")
	if m.Train.Len() != 50000 || m.Eval.Len() != 10000 || m.Test.Len() != 10000 {
		t.Fatalf("split %d/%d/%d, want 50000/10000/10000", m.Train.Len(), m.Eval.Len(), m.Test.Len())
	}
	net := newNetwork([]int{imageSize, 20, numDigits}, 1)
	tr := newTrainer(net, SGD{Eta: defaultLR, Lambda: defaultLambda, N: m.Train.Len()}, defaultBatch, 2, m.Train.Len())
	defer tr.close()
	tr.epoch(m.Train, sequence(m.Train.Len()))
	s := tr.evaluate(m.Test, nil)
	t.Logf("one epoch: test accuracy %.4f, loss %.4f", s.Acc(), s.Loss)
	if s.Acc() < 0.90 {
		t.Errorf("test accuracy after one epoch %.4f, want ≥ 0.90", s.Acc())
	}
}
