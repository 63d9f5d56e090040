// hardening_test.go tries the program as an attacker or a careless user would: flags and files
// that imply more memory than a machine has, drawings that cost far more to decode than to
// send, Ctrl-C while a request is held open, two Ctrl-Cs in a row, a -save that cannot be
// written, and the requests net/http would answer in plain text. Each case must end in one
// clear line or the right status, without allocating what it refuses (the memory cases check
// the program's own estimate, never by allocating gigabytes).

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMemoryRefusedBeforeAllocating: flags and a -load file whose network would need more than
// maxMemory are refused with one line naming the size, before anything of that size exists.
func TestMemoryRefusedBeforeAllocating(t *testing.T) {
	data := tinyDataDir(t)
	for _, args := range [][]string{
		{"-hidden", "65536,65536"},
		{"-hidden", "65536", "-batch", "50000"},
		{"-hidden", "8192", "-workers", "256", "-batch", "20000"},
	} {
		status, stdout, stderr := runProgram(append([]string{"-data", data, "-download=false", "-out", t.TempDir(), "-epochs", "1"}, args...)...)
		if status != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "-hidden") || !strings.Contains(stderr, "GB of memory") || stdout != "" {
			t.Errorf("%v: status %d, stderr %q, stdout %q; want 2 and one line naming -hidden and the size", args, status, stderr, stdout)
		}
	}

	// A small file that claims huge layers: sizes 784-1-65536-65536-10 with empty rows.
	var b strings.Builder
	b.WriteString(`{"format": "` + modelFormat + `", "sizes": [784, 1, 65536, 65536, 10], "layers": [`)
	layer := func(rows int, row string) {
		b.WriteString(`{"w": [`)
		for j := range rows {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString(row)
		}
		b.WriteString(`], "b": [`)
		b.WriteString(strings.TrimSuffix(strings.Repeat("0,", rows), ","))
		b.WriteString(`]}`)
	}
	layer(1, "["+strings.TrimSuffix(strings.Repeat("0,", imageSize), ",")+"]")
	b.WriteString(",")
	layer(65536, "[0]")
	b.WriteString(",")
	layer(65536, "[]")
	b.WriteString(",")
	layer(10, "[]")
	b.WriteString("]}")
	crafted := filepath.Join(t.TempDir(), "huge.json")
	os.WriteFile(crafted, []byte(b.String()), 0o644)
	for _, args := range [][]string{
		{"-load", crafted, "-data", data, "-download=false", "-out", t.TempDir(), "-epochs", "1"},
		{"-serve", "127.0.0.1:0", "-load", crafted, "-data", filepath.Join(t.TempDir(), "none"), "-download=false", "-out", t.TempDir()},
	} {
		status, _, stderr := runProgram(args...)
		if status != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "-load "+crafted) || !strings.Contains(stderr, "layer 3: unit 0 has 0 weights") {
			t.Errorf("%v: status %d, stderr %q", args[:2], status, stderr)
		}
	}
	if err := checkMemory("-load x", []int{784, 1, 65536, 65536, 10}, 1, 1, 0); err == nil || !strings.Contains(err.Error(), "-load x") {
		t.Errorf("the shapes of the crafted file: %v, want a refusal", err)
	}
}

// TestMemoryEstimateCoversAllocation: memoryNeed is not below what building a network, its
// trainer and one copy of it really allocates, and not more than twice that, so that the bound
// means what it says.
func TestMemoryEstimateCoversAllocation(t *testing.T) {
	for _, tc := range []struct {
		sizes          []int
		batch, workers int
	}{{[]int{784, 300, 10}, 10, 2}, {[]int{784, 100, 30, 10}, 500, 1}, {[]int{784, 64, 10}, 1, 4}} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		net := newNetwork(tc.sizes, 1)
		tr := newTrainer(net, SGD{Eta: 0.1, N: 1000}, tc.batch, tc.workers, 1000)
		c := net.clone()
		runtime.ReadMemStats(&after)
		got := float64(after.TotalAlloc - before.TotalAlloc)
		need := memoryNeed(tc.sizes, tc.batch, tc.workers)
		if need < got || need > 2*got {
			t.Errorf("%v, batch %d, %d workers: estimate %.0f bytes, allocated %.0f", tc.sizes, tc.batch, tc.workers, need, got)
		}
		tr.close()
		runtime.KeepAlive(c)
	}
}

// TestWorkersBeyondTheCPUs: more workers than CPUs only wait for each other; they are capped
// at one per CPU with a note, and the run is the same.
func TestWorkersBeyondTheCPUs(t *testing.T) {
	n := runtime.NumCPU()
	status, stdout, stderr := runProgram("-data", tinyDataDir(t), "-download=false", "-out", t.TempDir(), "-epochs", "1", "-workers", fmt.Sprint(4*n))
	if status != 0 || !strings.Contains(stderr, fmt.Sprintf("note: -workers %d on %d CPUs: using %d", 4*n, n, n)) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("status %d, stderr %q", status, stderr)
	}
	if !strings.Contains(stdout, fmt.Sprintf(", %d workers\n", n)) {
		t.Errorf("stdout %q does not show %d workers", stdout, n)
	}
}

// TestSaveCheckedBeforeTraining: a -save that cannot be written is found out before the first
// epoch, with one line that names it and not a temporary file; so is a -data that is a file.
func TestSaveCheckedBeforeTraining(t *testing.T) {
	data := tinyDataDir(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "afile")
	os.WriteFile(file, []byte("x"), 0o644)
	for save, want := range map[string]string{
		filepath.Join(file, "net.json"): "cannot write there",
		dir:                             "is a folder",
		filepath.Join(dir, "no", "such", "a.json"): "cannot write there",
	} {
		status, stdout, stderr := runProgram("-data", data, "-download=false", "-out", t.TempDir(), "-epochs", "3", "-save", save)
		if status != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "-save "+save+": "+want) || strings.Contains(stderr, ".tmp") {
			t.Errorf("-save %s: status %d, stderr %q", save, status, stderr)
		}
		if strings.Contains(stdout, "epoch") {
			t.Errorf("-save %s: trained before finding out it cannot save", save)
		}
	}
	noTempFiles(t, dir)
	status, _, stderr := runProgram("-data", file, "-download=false", "-out", t.TempDir(), "-epochs", "1")
	if status != 1 || !strings.Contains(stderr, "-data "+file+": is a file, not a folder") {
		t.Errorf("-data naming a file: status %d, stderr %q", status, stderr)
	}
}

// TestCtrlCStopsTrainingFirst: with a request held open (headers sent, body never), Ctrl-C
// stops training at once, and the server then waits for that request at most 2 s; the network
// saved is the one of the moment of Ctrl-C, not of 2 s of training later.
func TestCtrlCStopsTrainingFirst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the program")
	}
	bin := buildProgram(t)
	saved := filepath.Join(t.TempDir(), "net.json")
	cmd, url, stderr := startBinaryLab(t, bin, "127.0.0.1:0", "-data", labData(t, 300, 20), "-download=false", "-out", t.TempDir(),
		"-save", saved, "-batch", "1", "-epochs", "100000")
	if res, err := http.Post(url+"api/train", "application/json", strings.NewReader(`{"action": "start"}`)); err != nil || res.StatusCode != 200 {
		t.Fatalf("start: %v", err)
	}
	conn, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/forward HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n")
	time.Sleep(300 * time.Millisecond)
	var s labState
	if err := getFromLab(t.Context(), url+"api/state", &s); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGINT)
	if status := waitExit(t, cmd, 10*time.Second); status != 0 {
		t.Fatalf("exit status %d after Ctrl-C, want 0; stderr %q", status, stderr.String())
	}
	var m savedModel
	b, _ := os.ReadFile(saved)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("-save: %v", err)
	}
	if e := m.Results["epochs_trained"].(float64); int(e) > s.Epoch+1 {
		t.Errorf("at Ctrl-C the lab had trained %d epochs; it saved a network of %v: it went on training while the server shut down", s.Epoch, e)
	}
}

// TestTwoInterrupts: a second Ctrl-C quits at once with status 130 whenever it comes, even
// while -save is being written (a 784-2048-10 network takes a while), and no temporary file
// is left beside -save.
func TestTwoInterrupts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the program")
	}
	bin := buildProgram(t)
	dir := t.TempDir()
	// Two signals sent at the very same moment may reach the program as one (the kernel does not
	// queue a signal already pending), so the gaps start at 20 ms, as a person's fastest.
	for _, gap := range []time.Duration{20 * time.Millisecond, 80 * time.Millisecond, 200 * time.Millisecond} {
		cmd, _, stderr := startBinaryLab(t, bin, "127.0.0.1:0", "-data", filepath.Join(dir, "none"), "-download=false", "-out", filepath.Join(dir, "out"),
			"-hidden", "2048", "-save", filepath.Join(dir, "net.json"))
		cmd.Process.Signal(syscall.SIGINT)
		time.Sleep(gap)
		cmd.Process.Signal(syscall.SIGINT)
		if status := waitExit(t, cmd, 20*time.Second); status != 130 {
			t.Errorf("two signals %v apart: exit status %d, want 130; stderr %q", gap, status, stderr.String())
		}
		noTempFiles(t, dir)
	}
}

// TestServerRefusalsAreJSON: what the server refuses before a handler would (headers too large,
// a body that never comes), field names in another case, and huge values, are each one line of
// JSON that quotes at most a short prefix of what was sent.
func TestServerRefusalsAreJSON(t *testing.T) {
	l, _ := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir())
	srv := httptest.NewUnstartedServer(l.handler(true))
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()
	oneLine := func(what string, status int, body []byte, wantStatus int, want string) {
		t.Helper()
		var e struct{ Error string }
		if status != wantStatus || bytes.Count(body, []byte("\n")) != 1 || json.Unmarshal(body, &e) != nil || !strings.Contains(e.Error, want) || len(e.Error) > 200 {
			t.Errorf("%s: %d %.300q, want %d and one JSON line saying %q", what, status, body, wantStatus, want)
		}
	}
	status, body := request(t, "GET", srv.URL+"/api/state", "", nil, map[string]string{"X-Big": strings.Repeat("a", 100_000)})
	oneLine("100 kB of headers", status, body, http.StatusRequestHeaderFieldsTooLarge, "headers over")
	status, body = request(t, "POST", srv.URL+"/api/forward", "application/json", []byte(`{"Test": 0}`), nil)
	oneLine(`{"Test": 0}`, status, body, http.StatusBadRequest, `unknown field "Test"`)
	status, body = request(t, "POST", srv.URL+"/api/forward", "application/json", []byte(`{"test": 1`+strings.Repeat("0", 500_000)+`}`), nil)
	oneLine("a 500 kB number", status, body, http.StatusBadRequest, "malformed JSON")
	status, body = request(t, "POST", srv.URL+"/api/train", "application/json", []byte(`{"action": "`+strings.Repeat("x", 10_000)+`"}`), nil)
	oneLine("a 10 kB action", status, body, http.StatusBadRequest, `want "start"`)

	// A body announced and never sent: 408 once ReadTimeout passes, not a 400 naming sockets.
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/forward HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("slow body: %v", err)
	}
	body, _ = io.ReadAll(res.Body)
	oneLine("a slow body", res.StatusCode, body, http.StatusRequestTimeout, "did not arrive in time")
	if strings.Contains(string(body), "127.0.0.1:") {
		t.Errorf("slow body: the answer names socket addresses: %s", body)
	}
}

// TestHostileDrawings: a drawing is refused by what it would cost decoded, bytes and not only
// pixels: a small PNG of 16-bit RGBA pixels is refused however well it compresses; the same
// picture in 8-bit grey is taken.
func TestHostileDrawings(t *testing.T) {
	_, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir())
	encode := func(img image.Image) []byte {
		var b bytes.Buffer
		png.Encode(&b, img)
		return b.Bytes()
	}
	const side = 800 // 640,000 pixels: 5.1 MB as 16-bit RGBA, 0.64 MB as grey
	rgba := image.NewRGBA64(image.Rect(0, 0, side, side))
	grey := image.NewGray(image.Rect(0, 0, side, side))
	for y := range side {
		for x := range side {
			v := uint16(0xffff)
			if x > 300 && x < 500 && y > 100 && y < 700 {
				v = 0 // a stroke: a 1
			}
			rgba.SetRGBA64(x, y, color.RGBA64{v, v, v, 0xffff})
			grey.SetGray(x, y, color.Gray{uint8(v >> 8)})
		}
	}
	hostile := encode(rgba)
	if len(hostile) > maxBody {
		t.Fatalf("the hostile PNG is %d bytes, more than a body may be: the test would not test the decoder's bound", len(hostile))
	}
	status, body := request(t, "POST", srv.URL+"/api/draw", "image/png", hostile, nil)
	if status != 400 || !strings.Contains(string(body), "5.12 MB to decode") {
		t.Errorf("16-bit RGBA %d×%d (%d bytes sent): %d %s", side, side, len(hostile), status, body)
	}
	if status, body := request(t, "POST", srv.URL+"/api/draw", "image/png", encode(grey), nil); status != 200 {
		t.Errorf("8-bit grey %d×%d: %d %s", side, side, status, body)
	}
	for _, tc := range []struct {
		m    color.Model
		want int
	}{{color.GrayModel, 1}, {color.Gray16Model, 2}, {color.RGBAModel, 4}, {color.NRGBA64Model, 8}, {color.RGBA64Model, 8}, {color.Palette{color.Black}, 1}} {
		if got := bytesPerPixel(tc.m); got != tc.want {
			t.Errorf("bytesPerPixel(%T) = %d, want %d", tc.m, got, tc.want)
		}
	}
}

// TestAfterDivergence: once training has diverged, /api/mistake refuses as the passes do, and
// closing the lab with -save says in one line why the network was not saved.
func TestAfterDivergence(t *testing.T) {
	saved := filepath.Join(t.TempDir(), "net.json")
	l, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir(), "-lr", "1e308", "-save", saved)
	post(t, srv, "/api/train", map[string]string{"action": "start"}, nil)
	waitFor(t, srv, "the divergence", func(s labState) bool { return !s.Training && s.Message != "" })
	if status, body := request(t, "GET", srv.URL+"/api/mistake", "", nil, nil); status != http.StatusConflict || !strings.Contains(string(body), "diverged") {
		t.Errorf("/api/mistake after divergence: %d %s", status, body)
	}
	err := l.close()
	if err == nil || !strings.Contains(err.Error(), "-save "+saved+": not written: training diverged") || strings.Contains(err.Error(), "unsupported value") {
		t.Errorf("close after divergence: %v", err)
	}
	if _, err := os.Stat(saved); err == nil {
		t.Errorf("a diverged network was saved")
	}
}
