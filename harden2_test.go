// harden2_test.go holds the second round of hardening (issue 26): the lab's budget as a whole
// (admission with 503 and Retry-After, never a silent drop; readers on a snapshot that training
// does not wait for; answers bounded before they are computed), what a picture or a data file
// costs worked out before it is decoded, and JSON read strictly: one value, exact field names at
// every depth, arrays bounded while they are read. Storms are small and bounded, on loopback.

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestStrictJSON: trailing data, field names in another case at any depth, and arrays past their
// bound are refused, by the lab and by -load; well-formed requests still pass.
func TestStrictJSON(t *testing.T) {
	_, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir())
	for _, tc := range []struct {
		path, body string
		status     int
		says       string
	}{
		{"/api/forward", `{"test":0}]`, 400, "after it"},
		{"/api/forward", `{"test":0}}`, 400, "after it"},
		{"/api/forward", `{"test":0} x`, 400, "malformed JSON"},
		{"/api/forward", `{"TEST":0}`, 400, "TEST"},
		{"/api/gradcheck", `{"test":0,"checks":[{"LAYER":2,"UNIT":9,"INPUT":-1}]}`, 400, "checks[0].LAYER"},
		{"/api/gradcheck", `{"test":0,"checks":[{"layer":2,"unit":9,"input":-1,"Unit":3}]}`, 400, "Unit"},
		{"/api/gradcheck", `{"test":0,"checks":[` + strings.Repeat(`{},`, 5000) + `{}]}`, 400, "more than 784 entries"},
		{"/api/forward", `{"pixels":[` + strings.Repeat(`0,`, 100000) + `0]}`, 400, "more than 784 entries"},
		{"/api/train", `{"action":"pause"} {}`, 400, "after it"},
		{"/api/train", `{"action":"pace","pace":"1"}`, 400, `\"pace\" is a string, not a number`},
		{"/api/forward", `{"test":0}`, 200, ""},
		{"/api/forward", "{\"test\":0}\n\t ", 200, ""},
		{"/api/gradcheck", `{"test":0,"checks":[{"layer":2,"unit":9,"input":-1}]}`, 200, ""},
	} {
		status, body := request(t, "POST", srv.URL+tc.path, "application/json", []byte(tc.body), nil)
		if status != tc.status || !strings.Contains(string(body), tc.says) || bytes.Count(body, []byte("\n")) != 1 {
			t.Errorf("%s %.60s: %d %.200s, want %d saying %q", tc.path, tc.body, status, body, tc.status, tc.says)
		}
	}

	// -load: "Sizes" for "sizes" is refused; a field of no name the format has (the lab's
	// "epoch" in GET /api/network) is still taken.
	dir := t.TempDir()
	good := filepath.Join(dir, "net.json")
	if err := saveModel(good, newNetwork([]int{imageSize, 3, numDigits}, 1), nil, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(good)
	for name, mangle := range map[string]func(string) string{
		"Sizes":        func(s string) string { return strings.Replace(s, `"sizes"`, `"Sizes"`, 1) },
		"layers[0].W":  func(s string) string { return strings.Replace(s, `"w"`, `"W"`, 1) },
		"trailing":     func(s string) string { return s + "]" },
		"second value": func(s string) string { return s + "{}" },
	} {
		bad := filepath.Join(dir, "bad.json")
		os.WriteFile(bad, []byte(mangle(string(b))), 0o644)
		if _, err := loadModel(bad); err == nil {
			t.Errorf("-load with %s: loaded", name)
		} else if name != "trailing" && name != "second value" && !strings.Contains(err.Error(), name) {
			t.Errorf("-load with %s: %v, want it named", name, err)
		}
	}
	extra := filepath.Join(dir, "extra.json")
	os.WriteFile(extra, []byte(strings.Replace(string(b), `"sizes"`, `"epoch": 3, "sizes"`, 1)), 0o644)
	if _, err := loadModel(extra); err != nil {
		t.Errorf("-load with an extra field: %v", err)
	}
}

// TestAdmission: with every turn taken and the queue full, a request is answered at once with
// 503, one line of JSON and Retry-After; one that waits longer than queueWait is answered so too;
// the state answers meanwhile; once the turns are free the request goes through.
func TestAdmission(t *testing.T) {
	l, _ := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir())
	a := newAdmission(2, 8) // the lab's are readersAtOnce() and queueLen
	release := make(chan struct{})
	var started sync.WaitGroup
	blocked := l.admitted(a, func(w http.ResponseWriter, r *http.Request) { started.Done(); <-release })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/state" {
			jsonHandler(l.getState)(w, r)
			return
		}
		blocked(w, r)
	}))
	defer srv.Close()
	var wg sync.WaitGroup
	started.Add(cap(a.slots))
	statuses := make(chan int, cap(a.slots)+cap(a.queue))
	for range cap(a.slots) + cap(a.queue) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := http.Get(srv.URL + "/x")
			if err != nil {
				statuses <- -1
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	started.Wait() // every turn is taken
	for len(a.queue) < cap(a.queue) {
		time.Sleep(time.Millisecond)
	}
	t0 := time.Now()
	res, err := http.Get(srv.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var e struct{ Error string }
	if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || json.Unmarshal(body, &e) != nil || !strings.Contains(e.Error, "busy") {
		t.Errorf("past the queue: %d, Retry-After %q, %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if time.Since(t0) > queueWait {
		t.Errorf("past the queue: refused after %v, not at once", time.Since(t0))
	}
	if status, body := request(t, "GET", srv.URL+"/api/state", "", nil, nil); status != 200 {
		t.Errorf("state while every turn is taken: %d %s", status, body)
	}
	// The queued requests wait queueWait at most, then are refused with a line too.
	for range cap(a.queue) {
		if s := <-statuses; s != 503 {
			t.Errorf("a request that waited past queueWait: status %d, want 503", s)
		}
	}
	close(release)
	wg.Wait()
	for range cap(a.slots) {
		if s := <-statuses; s != 200 {
			t.Errorf("a request that had its turn: status %d", s)
		}
	}
	started.Add(1)
	if res, err := http.Get(srv.URL + "/x"); err != nil || res.StatusCode != 200 {
		t.Errorf("after the storm: %v %v", res, err)
	}
}

// TestLabStormAnswersEveryRequest: many clients posting what costs the most to decode (a
// megabyte of gradient checks, 1024² drawings) are each answered, 400 or 503 with a line and
// never dropped, and the state answers meanwhile. Bounded: 30 clients (200 without -short), a
// few requests each.
func TestLabStormAnswersEveryRequest(t *testing.T) {
	_, srv := startLab(t, "-data", labData(t, 600, 50), "-download=false", "-out", t.TempDir(), "-epochs", "1000")
	post(t, srv, "/api/train", map[string]string{"action": "start"}, nil)
	defer post(t, srv, "/api/train", map[string]string{"action": "pause"}, nil)
	checks := []byte(`{"test":0,"checks":[` + strings.Repeat(`{},`, 340000) + `{}]}`)
	drawing := pngOf(t, 1024, 1024, func(x, y int) bool { return x > 400 && x < 600 })
	clients := 200
	if testing.Short() {
		clients = 30 // the -short suite runs under qemu too
	}
	var wg sync.WaitGroup
	problems := make(chan string, 4*clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 30 * time.Second}
			for i := range 3 {
				path, ctype, body := "/api/gradcheck", "application/json", checks
				if (c+i)%2 == 1 {
					path, ctype, body = "/api/draw", "image/png", drawing
				}
				res, err := client.Post(srv.URL+path, ctype, bytes.NewReader(body))
				if err != nil {
					problems <- fmt.Sprintf("%s: no answer: %v", path, err)
					continue
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				var e struct{ Error string }
				switch {
				case res.StatusCode == 200 && path == "/api/draw":
				case res.StatusCode == 503 && res.Header.Get("Retry-After") == "" && json.Unmarshal(b, &e) == nil:
					problems <- "503 without Retry-After"
				case res.StatusCode != 200 && (json.Unmarshal(b, &e) != nil || e.Error == ""):
					problems <- fmt.Sprintf("%s: %d without a line of JSON: %.100s", path, res.StatusCode, b)
				case path == "/api/gradcheck" && res.StatusCode != 400 && res.StatusCode != 503:
					problems <- fmt.Sprintf("%s: %d %.100s", path, res.StatusCode, b)
				}
			}
		}()
	}
	for range 5 { // the state answers during the storm
		if status, _ := request(t, "GET", srv.URL+"/api/state", "", nil, nil); status != 200 {
			t.Errorf("state during the storm: %d", status)
		}
	}
	wg.Wait()
	close(problems)
	for p := range problems {
		t.Error(p)
	}
}

// TestReadersDoNotHoldTraining: a request's view of the network is a copy that the runner does
// not wait for: while a view is held, a mini-batch is trained, and the view is unchanged.
func TestReadersDoNotHoldTraining(t *testing.T) {
	l, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir())
	v, done := l.view()
	before := append([]float64(nil), v.net.Layers[0].W.Data...)
	finished := make(chan int, 1)
	go func() { finished <- post(t, srv, "/api/train", map[string]string{"action": "batch"}, nil) }()
	select {
	case s := <-finished:
		if s != 200 {
			t.Fatalf("a mini-batch: %d", s)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the runner waited for a reader's view")
	}
	if !sameBits(before, v.net.Layers[0].W.Data) {
		t.Error("the view changed under its reader")
	}
	done()
	w, done2 := l.view()
	defer done2()
	if sameBits(before, w.net.Layers[0].W.Data) {
		t.Error("a view taken after the mini-batch does not show it")
	}
}

// TestAnswersBounded: the sizes of an answer are worked out before it is computed; the course's
// network is far within the bound, 2048-2048 is refused with a line.
func TestAnswersBounded(t *testing.T) {
	if n := answerNumbers([]int{784, 20, 10}, true); n > 10000 {
		t.Errorf("the course's network: %d numbers", n)
	}
	if err := checkAnswer([]int{784, 2048, 2048, 10}, false); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("784-2048-2048-10: %v", err)
	}
	if err := checkNetworkAnswer([]int{784, 2048, 2048, 10}); err == nil {
		t.Error("GET /api/network of 784-2048-2048-10: taken")
	}
	if err := checkTiles(65536); err == nil {
		t.Error("weights.png of 65,536 units: taken")
	}
	if err := checkTiles(2048); err != nil {
		t.Errorf("weights.png of 2,048 units: %v", err)
	}
}

// pngHeader is a PNG's signature and IHDR of the given size, depth and colour type, and a tRNS
// chunk if asked: enough for image.DecodeConfig, nothing of the pixels.
func pngHeader(w, h int, depth, colour byte, trns bool) []byte {
	chunk := func(kind string, data []byte) []byte {
		var b []byte
		b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
		b = append(append(b, kind...), data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(w)), uint32(h))
	b := append([]byte("\x89PNG\r\n\x1a\n"), chunk("IHDR", append(ihdr, depth, colour, 0, 0, 0))...)
	if trns {
		b = append(b, chunk("tRNS", []byte{0, 0})...)
	}
	return append(b, chunk("IDAT", nil)...)
}

// jpegHeader is a JPEG's start and frame header of the given size and components, baseline or
// progressive: enough for image.DecodeConfig.
func jpegHeader(w, h int, comps byte, progressive bool) []byte {
	marker := byte(0xc0)
	if progressive {
		marker = 0xc2
	}
	b := []byte{0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0} // and JFIF's APP0
	b = append(b, 0xff, marker)
	b = binary.BigEndian.AppendUint16(b, uint16(8+3*int(comps)))
	b = append(b, 8)
	b = binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, uint16(h)), uint16(w))
	b = append(b, comps)
	for c := range comps {
		b = append(b, c+1, 0x11, 0)
	}
	return b
}

// TestDecodedSizeByRealFormats: the count follows what the decoders allocate: a 16-bit grey PNG
// with a transparent grey decodes to NRGBA64 (8 bytes a pixel), a progressive CMYK JPEG keeps
// 4 bytes of coefficients a pixel a component; the real decoder is measured against the count
// on a small image of each kind that Go can write.
func TestDecodedSizeByRealFormats(t *testing.T) {
	count := func(b []byte) float64 {
		cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return decodedBytes(b, cfg, format)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want float64
	}{
		{"16-bit grey", pngHeader(1024, 1024, 16, 0, false), 2 << 20},
		{"16-bit grey with tRNS", pngHeader(1024, 1024, 16, 0, true), 8 << 20},
		{"8-bit grey with tRNS", pngHeader(1024, 1024, 8, 0, true), 4 << 20},
		{"progressive CMYK", jpegHeader(1024, 1024, 4, true), 24 << 20},
		{"baseline CMYK", jpegHeader(1024, 1024, 4, false), 8 << 20},
		{"baseline grey", jpegHeader(1024, 1024, 1, false), 1 << 20},
	} {
		if got := count(tc.b); got != tc.want {
			t.Errorf("%s 1024×1024: counted %v bytes, want %v", tc.name, got, tc.want)
		}
	}
	// The lab refuses the progressive CMYK JPEG and the 16-bit grey PNG with tRNS, both within
	// maxDrawPixels, by what they would take decoded.
	_, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir())
	for name, b := range map[string][]byte{"progressive CMYK": jpegHeader(1024, 1024, 4, true), "grey16 tRNS": pngHeader(1024, 1024, 16, 0, true)} {
		if status, body := request(t, "POST", srv.URL+"/api/draw", "image/jpeg", b, nil); status != 400 || !strings.Contains(string(body), "to decode") {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	// The real decoder allocates no more than the count, for a PNG Go writes (8-bit grey).
	img := image.NewGray(image.Rect(0, 0, 300, 200))
	var buf bytes.Buffer
	png.Encode(&buf, img)
	var m0, m1 runtimeMem
	m0.read()
	image.Decode(bytes.NewReader(buf.Bytes()))
	m1.read()
	if got, limit := m1.total-m0.total, count(buf.Bytes()); float64(got) > limit+64<<10 { // and 64 kB for the decoder's buffers
		t.Errorf("decoding a 300×200 grey PNG allocated %d bytes, counted %v", got, limit)
	}
}

// TestFilesMeasuredBeforeDecoding: a small -predict file announcing 24000×24000 16-bit pixels
// and a small data file announcing 5,900,000 images are refused from their headers, with one
// line, before anything of that size is allocated.
func TestFilesMeasuredBeforeDecoding(t *testing.T) {
	dir := t.TempDir()
	pic := filepath.Join(dir, "huge.png")
	os.WriteFile(pic, pngHeader(24000, 24000, 16, 0, false), 0o644)
	var m0, m1 runtimeMem
	m0.read()
	_, err := readDigit(pic)
	m1.read()
	if err == nil || !strings.Contains(err.Error(), "-predict "+pic) || !strings.Contains(err.Error(), "to decode") {
		t.Errorf("-predict 24000×24000: %v", err)
	}
	if m1.total-m0.total > 16<<20 {
		t.Errorf("-predict 24000×24000: %d bytes allocated before refusing", m1.total-m0.total)
	}

	data := t.TempDir()
	writeSet(t, data, 60, 20, true)
	const n = 5900000
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(idxBytes(3, []uint32{n, 28, 28}, nil))
	noise := make([]byte, 4500000) // random bytes do not compress: a file large enough to hold 4.6 GB
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	zw.Write(noise)
	zw.Close()
	os.WriteFile(filepath.Join(data, testImagesName+".gz"), z.Bytes(), 0o644)
	m0.read()
	_, _, err = readFile(filepath.Join(data, testImagesName+".gz"), 3)
	m1.read()
	if err == nil || !strings.Contains(err.Error(), "5900000 items") || !strings.Contains(err.Error(), "memory") {
		t.Errorf("a data file announcing %d images: %v", n, err)
	}
	if m1.total-m0.total > 16<<20 {
		t.Errorf("a data file announcing %d images: %d bytes allocated before refusing", n, m1.total-m0.total)
	}
}

// runtimeMem reads the bytes allocated so far.
type runtimeMem struct{ total uint64 }

func (m *runtimeMem) read() {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.total = s.TotalAlloc
}

// TestSignalsAtAnyMoment: Ctrl-C at moments the first round missed. Each ends with status 130
// and one line on standard error (or 0 with nothing said, once the work has ended), promptly,
// and leaves no temporary file: during a slow download, during -exercise (also at random moments
// in its 50 ms), after the last epoch, twice in the lab under a storm of 40 clients, and in a
// long evaluation.
func TestSignalsAtAnyMoment(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the program")
	}
	bin := buildProgram(t)
	start := func(args ...string) (*exec.Cmd, *syncBuffer, *syncBuffer) {
		cmd := exec.Command(bin, args...)
		stdout, stderr := &syncBuffer{}, &syncBuffer{}
		cmd.Stdout, cmd.Stderr = stdout, stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, stdout, stderr
	}
	lines := func(s string) int { return strings.Count(s, "\n") }

	t.Run("download", func(t *testing.T) {
		// A mirror on loopback that sends a few bytes, then nothing: the download is under way.
		mirror := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "9912422")
			w.Write([]byte{0x1f, 0x8b})
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
		}))
		defer mirror.Close()
		data := filepath.Join(t.TempDir(), "data") // made by the download, and removed with it
		cmd, _, stderr := start("-data", data, "-mirror", mirror.URL, "-out", t.TempDir())
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if names, _ := filepath.Glob(filepath.Join(data, ".*.tmp*")); len(names) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no download under way; stderr %q", stderr.String())
			}
		}
		cmd.Process.Signal(syscall.SIGINT)
		if status := waitExit(t, cmd, 5*time.Second); status != 130 || lines(stderr.String()) != 1 || !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("status %d, stderr %q; want 130 and one line", status, stderr.String())
		}
		noTempFiles(t, filepath.Dir(data))
		if _, err := os.Stat(data); err == nil {
			t.Errorf("-data %s, made by the download, is left", data)
		}
	})

	t.Run("exercise", func(t *testing.T) {
		for i := range 12 {
			dir := filepath.Join(t.TempDir(), "ex")
			cmd, _, stderr := start("-exercise", dir)
			time.Sleep(time.Duration(i*7) * time.Millisecond) // 0 to 77 ms: before, during and after the writing
			cmd.Process.Signal(syscall.SIGINT)
			status := waitExit(t, cmd, 5*time.Second)
			entries, _ := os.ReadDir(dir)
			switch {
			case status != 0 && status != 130:
				t.Errorf("after %d ms: status %d, stderr %q", i*7, status, stderr.String())
			case status == 130 && lines(stderr.String()) != 1 && !(stderr.String() == "" && len(entries) == 0):
				// (nothing said and nothing written: the signal came before the program caught any)
				t.Errorf("after %d ms: status 130 with stderr %q, want one line", i*7, stderr.String())
			case len(entries) != 0 && len(entries) < 4:
				t.Errorf("after %d ms: status %d and a partial exercise of %d entries", i*7, status, len(entries))
			case status == 0 && len(entries) == 0:
				t.Errorf("after %d ms: status 0 and no exercise", i*7)
			}
			if _, err := os.Stat(filepath.Join(dir, "EXERCISE.md")); len(entries) > 0 && err != nil {
				t.Errorf("after %d ms: a folder without EXERCISE.md: %v", i*7, err)
			}
			if names, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp*")); len(names) > 0 {
				t.Errorf("after %d ms: left %v", i*7, names)
			}
		}
	})

	t.Run("after the last epoch", func(t *testing.T) {
		// Signals at moments around the end of a short run: 130 with one line, or 0 with none, and
		// never the notice of finishing a mini-batch that will not come.
		data := labData(t, 300, 100)
		for _, delay := range []time.Duration{50, 150, 250, 400, 600} {
			out := t.TempDir()
			saved := filepath.Join(t.TempDir(), "net.json")
			cmd, _, stderr := start("-data", data, "-download=false", "-out", out, "-epochs", "2", "-save", saved)
			time.Sleep(delay * time.Millisecond)
			cmd.Process.Signal(syscall.SIGINT)
			status := waitExit(t, cmd, 20*time.Second)
			e := stderr.String()
			switch {
			case status == 0 && e != "":
				t.Errorf("after %v: status 0 but stderr %q", delay*time.Millisecond, e)
			case status == 130 && lines(e) != 1:
				t.Errorf("after %v: status 130 with stderr %q, want one line", delay*time.Millisecond, e)
			case status != 0 && status != 130:
				t.Errorf("after %v: status %d, stderr %q", delay*time.Millisecond, status, e)
			}
			if b, err := os.ReadFile(saved); err == nil {
				var m savedModel
				if json.Unmarshal(b, &m) != nil || (status == 130) != (m.Results["interrupted"] == true) {
					t.Errorf("after %v: status %d, -save says interrupted %v", delay*time.Millisecond, status, m.Results["interrupted"])
				}
			}
			noTempFiles(t, out)
		}
	})

	t.Run("lab under a storm", func(t *testing.T) {
		// 40 clients posting /api/backward in a loop while the lab trains: the first signal's
		// notice comes, and a second quits with 130, each within the bound.
		cmd, url, stderr := startBinaryLab(t, bin, "127.0.0.1:0", "-data", labData(t, 600, 50), "-download=false", "-out", t.TempDir(), "-epochs", "1000")
		if res, err := http.Post(url+"api/train", "application/json", strings.NewReader(`{"action": "start"}`)); err != nil || res.StatusCode != 200 {
			t.Fatalf("start: %v", err)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: 5 * time.Second}
				for {
					select {
					case <-stop:
						return
					default:
					}
					if res, err := client.Post(url+"api/backward", "application/json", strings.NewReader(`{"test": 1}`)); err == nil {
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
					}
				}
			}()
		}
		defer func() { close(stop); wg.Wait() }()
		time.Sleep(time.Second)
		cmd.Process.Signal(syscall.SIGINT)
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(stderr.String(), "stopping the lab"); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no notice 5 s after the signal; stderr %q", stderr.String())
			}
		}
		cmd.Process.Signal(syscall.SIGINT)
		if status := waitExit(t, cmd, 5*time.Second); status != 130 && status != 0 {
			t.Errorf("two signals under a storm: status %d, stderr %q", status, stderr.String())
		} else if status == 0 && strings.Contains(stderr.String(), "twice") {
			t.Errorf("status 0 after saying it quits: %q", stderr.String())
		}
	})

	t.Run("long evaluation", func(t *testing.T) {
		// 3,000 test images through 784-2048-2048-10: seconds of evaluation, which the signal
		// stops between two pieces of 100 images.
		data := labData(t, 60, 3000)
		cmd, _, stderr := start("-data", data, "-download=false", "-out", t.TempDir(), "-hidden", "2048,2048", "-epochs", "0")
		time.Sleep(500 * time.Millisecond)
		t0 := time.Now()
		cmd.Process.Signal(syscall.SIGINT)
		status := waitExit(t, cmd, 30*time.Second)
		if status != 130 && status != 0 {
			t.Errorf("status %d, stderr %q", status, stderr.String())
		}
		if status == 130 && lines(stderr.String()) != 1 {
			t.Errorf("stderr %q, want one line", stderr.String())
		}
		t.Logf("exited %v after the signal, status %d", time.Since(t0), status)
	})
}

// TestSaveRescued: a -save that cannot be written (its folder gone since the run began, as a
// full disk would) names the -save file, not a temporary one, and keeps the network in -out,
// where it loads.
func TestSaveRescued(t *testing.T) {
	out := t.TempDir()
	path := filepath.Join(t.TempDir(), "gone", "net.json")
	net := newNetwork([]int{imageSize, 4, numDigits}, 1)
	err := saveOrRescue(path, out, net, nil, nil)
	rescued := filepath.Join(out, "net.json.rescued")
	if err == nil || !strings.Contains(err.Error(), "-save "+path+": ") || strings.Contains(err.Error(), ".tmp") || !strings.Contains(err.Error(), rescued) {
		t.Errorf("error %v, want one naming -save %s and %s", err, path, rescued)
	}
	if back, err := loadModel(rescued); err != nil || !sameBits(back.Layers[0].W.Data, net.Layers[0].W.Data) {
		t.Errorf("the rescued network: %v", err)
	}
}

// TestDivergenceNamesLambda: a λ whose shrink factor 1 − ηλ/n is below −1 diverges, and the line
// says λ is the cause, not η; a large η is still blamed on -lr.
func TestDivergenceNamesLambda(t *testing.T) {
	data := tinyDataDir(t) // 50 training images: n = 50, so λ = 1000 at η = 0.5 gives 1 − 10 = −9
	status, _, stderr := runProgram("-data", data, "-download=false", "-out", t.TempDir(), "-lambda", "1000", "-batch", "1", "-epochs", "10")
	if status != 1 || !strings.Contains(stderr, "-lambda 1000") || !strings.Contains(stderr, "below 2n/η = 200") || strings.Contains(stderr, "learning rate") {
		t.Errorf("-lambda 1000: status %d, stderr %q", status, stderr)
	}
	status, _, stderr = runProgram("-data", data, "-download=false", "-out", t.TempDir(), "-lr", "1e308", "-epochs", "1")
	if status != 1 || !strings.Contains(stderr, "smaller learning rate than -lr 1e+308") {
		t.Errorf("-lr 1e308: status %d, stderr %q", status, stderr)
	}
}
