// static_browser_test.go tests the lab as a static web site (static.go): it writes the site
// with `-static`, serves the folder with net/http's FileServer, a server that knows nothing of
// the lab, and opens it in headless Chromium, driven over the DevTools pipe as
// lab_browser_test.go does (cdpClient), under a sub-path and with two of the MNIST files sent
// with Content-Encoding: gzip, as some hosts send .gz files. The page must become ready; its
// answers to /api/forward and /api/backward must be the bytes the native lab's handler gives; one epoch
// trained in the browser must give the weights of `go run . -epochs 1`, bit for bit; a request
// made during training is answered, and how fast is logged (no timing is asserted: the machine
// may be busy); and the page must log no error.
//
// It skips without Chromium, without MNIST_DIR, and in -short (it builds lab.wasm, a minute).

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStaticLabInBrowser builds the site, trains one epoch in Chromium, and compares it with the
// native program: see the file's comment.
func TestStaticLabInBrowser(t *testing.T) {
	chromium := findChromium()
	switch {
	case chromium == "":
		t.Skip("no Chromium: none of chromium, chromium-browser, google-chrome on PATH nor /usr/bin/chromium; skipping the browser test of the static lab")
	case os.Getenv("MNIST_DIR") == "":
		t.Skip("MNIST_DIR is not set: skipping the browser test of the static lab (it trains on the real MNIST files)")
	case testing.Short():
		t.Skip("-short: skipping the browser test of the static lab (it builds lab.wasm)")
	}
	mnist := os.Getenv("MNIST_DIR")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	// The site, as `go run . -static DIR` writes it.
	site := filepath.Join(t.TempDir(), "site")
	began := time.Now()
	var out, errs strings.Builder
	if status := run([]string{"-static", site, "-data", mnist, "-download=false"}, &out, &errs); status != 0 {
		t.Fatalf("-static %s: status %d: %s%s", site, status, out.String(), errs.String())
	}
	var total int64
	filepath.Walk(site, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			total += info.Size()
		}
		return nil
	})
	wasm, err := os.Stat(filepath.Join(site, "lab.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("site written in %.1f s: %.1f MB in all, lab.wasm %.1f MB", time.Since(began).Seconds(), float64(total)/1e6, float64(wasm.Size())/1e6)
	for _, name := range []string{"index.html", "static-shim.js", "static-worker.js", "go/wasm_exec.js", "go/LICENSE", "README.txt",
		"data/train-images-idx3-ubyte.gz", "data/t10k-labels-idx1-ubyte.gz"} {
		if _, err := os.Stat(filepath.Join(site, name)); err != nil {
			t.Errorf("the site lacks %s: %v", name, err)
		}
	}
	// Under a sub-path, as on GitHub Pages: the page's addresses are relative. The training
	// files are sent as some hosts send .gz files, with Content-Encoding: gzip, which the
	// browser unpacks before the lab sees them; the test files as they are.
	mux := http.NewServeMux()
	files := http.StripPrefix("/course/lab", http.FileServer(http.Dir(site)))
	mux.Handle("/course/lab/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/course/lab/data/train-") {
			w.Header().Set("Content-Encoding", "gzip")
		}
		files.ServeHTTP(w, r)
	}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	page := srv.URL + "/course/lab/"

	// The native lab, for its answers' bytes, and the native run of one epoch.
	_, native := startLab(t, "-data", mnist, "-download=false", "-out", t.TempDir(), "-workers", "1")
	saved := filepath.Join(t.TempDir(), "net.json")
	var nativeOut strings.Builder
	if status := run([]string{"-data", mnist, "-download=false", "-epochs", "1", "-workers", "1", "-out", t.TempDir(), "-save", saved}, &nativeOut, &errs); status != 0 {
		t.Fatalf("go run . -epochs 1: status %d: %s", status, errs.String())
	}
	nativeEpoch := "?" // the seconds of training, the last field of the epoch's line
	for _, line := range strings.Split(nativeOut.String(), "\n") {
		if f := strings.Fields(line); strings.HasPrefix(line, "epoch 1/1") && len(f) > 0 {
			nativeEpoch = f[len(f)-1]
		}
	}

	b := startBrowser(t, chromium)
	s := blankPage(ctx, t, b) // helpers_test.go
	if err := b.call(ctx, s, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": 1280, "height": 960, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		t.Fatal(err)
	}
	opened := time.Now()
	if err := b.call(ctx, s, "Page.navigate", map[string]any{"url": page}, nil); err != nil {
		t.Fatal(err)
	}
	var failed string
	if err := pollFor(ctx, 90*time.Second, func() (bool, error) {
		var ready any
		b.eval(ctx, s, `document.body && document.body.dataset.ready === "1" && window.labStatic.ready`, &ready)
		b.eval(ctx, s, `window.labStatic ? window.labStatic.failed : ""`, &failed)
		return ready == true || failed != "", nil
	}); err != nil || failed != "" {
		t.Fatalf("the static lab never became ready: %v %s", err, failed)
	}
	var ready float64
	b.eval(ctx, s, `window.labStatic.pageSeconds`, &ready)
	t.Logf("the page is ready %.1f s after it was opened (the worker says %.1f s)", time.Since(opened).Seconds(), ready)

	// The same bytes as the native handler's, for the passes on a test image.
	for _, q := range []struct{ path, body string }{
		{"/api/forward", `{"test": 7, "unit": 3}`},
		{"/api/backward", `{"test": 7, "label": 9, "unit": 3}`},
	} {
		var inPage string
		js := fmt.Sprintf(`fetch(%q, {method: "POST", headers: {"Content-Type": "application/json"}, body: %q}).then(r => r.text())`, q.path, q.body)
		if err := b.eval(ctx, s, js, &inPage); err != nil {
			t.Fatal(err)
		}
		status, want := request(t, "POST", native.URL+q.path, "application/json", []byte(q.body), nil)
		if status != 200 || inPage != string(want) {
			t.Errorf("POST %s %s: the page's answer (%d bytes) differs from the native handler's (status %d, %d bytes):\npage:   %.300s\nnative: %.300s",
				q.path, q.body, len(inPage), status, len(want), inPage, want)
		}
	}

	// One epoch, with requests sent meanwhile: each one's time from the page's fetch to its
	// answer is logged, never asserted.
	var times []float64
	js := `(async () => {
		const post = (b) => fetch("/api/train", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(b)}).then(r => r.json());
		const t0 = performance.now();
		await post({action: "epoch"});
		const times = [];
		for (;;) {
			await new Promise(r => setTimeout(r, 40));
			const t = performance.now();
			const s = await fetch("/api/state").then(r => r.json());
			if (s.training) times.push(performance.now() - t);
			if (s.history.length >= 1) return JSON.stringify({times, wall: (performance.now() - t0) / 1000, secs: s.history[0].seconds});
			if (performance.now() - t0 > 120000) return JSON.stringify({times, wall: -1});
		}
	})()`
	var epoch struct {
		Times []float64
		Wall  float64
		Secs  float64
	}
	if err := b.eval(ctx, s, js, &epoch); err != nil {
		t.Fatal(err)
	}
	if epoch.Wall < 0 {
		t.Fatalf("one epoch in the browser did not end within 2 minutes")
	}
	times = epoch.Times
	slices.Sort(times)
	if len(times) == 0 {
		t.Logf("no request was answered while the epoch was under way")
	} else {
		t.Logf("during the epoch %d requests of GET /api/state were answered in %.1f ms (median), %.1f ms (slowest); under 50 ms: %d of them",
			len(times), times[len(times)/2], times[len(times)-1], countBelow(times, 50))
	}
	t.Logf("one epoch: %.2f s of training in the browser (%.2f s from the click to its end); go run . -epochs 1 -workers 1: %s of training", epoch.Secs, epoch.Wall, nativeEpoch)

	// The weights after the epoch, as the page's Save gives them, equal the native run's.
	var inPage string
	if err := b.eval(ctx, s, `fetch("/static/save").then(r => r.text())`, &inPage); err != nil {
		t.Fatal(err)
	}
	var page1, native1 savedModel
	nb, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(inPage), &page1); err != nil {
		t.Fatalf("the page's Save gives no network: %v: %.200s", err, inPage)
	}
	json.Unmarshal(nb, &native1)
	pb, _ := json.Marshal(page1.Layers)
	wb, _ := json.Marshal(native1.Layers)
	if string(pb) != string(wb) {
		t.Errorf("after one epoch the browser's weights differ from those of go run . -epochs 1")
	}
	for _, k := range []string{"test_accuracy", "test_loss", "eval_accuracy", "eval_loss", "epochs_trained"} {
		if fmt.Sprint(page1.Results[k]) != fmt.Sprint(native1.Results[k]) {
			t.Errorf("results.%s: the browser's Save says %v, go run . -epochs 1 -save %v", k, page1.Results[k], native1.Results[k])
		}
	}

	var heap struct {
		Metrics []struct {
			Name  string
			Value float64
		}
	}
	if b.call(ctx, s, "Performance.enable", nil, nil) == nil && b.call(ctx, s, "Performance.getMetrics", nil, &heap) == nil {
		for _, m := range heap.Metrics {
			if m.Name == "JSHeapTotalSize" {
				t.Logf("the page's JavaScript heap: %.0f MB (lab.wasm's memory is the worker's, not counted here)", m.Value/1e6)
			}
		}
	}
	if path := os.Getenv("STATIC_SCREENSHOT"); path != "" {
		staticScreenshot(ctx, t, b, s, path)
	}

	pageStayedHome(t, b, page, "") // helpers_test.go
}

// countBelow counts the values under limit.
func countBelow(xs []float64, limit float64) int {
	n := 0
	for _, x := range xs {
		if x < limit {
			n++
		}
	}
	return n
}

// staticScreenshot shows test image 3 with its true digit picked, starts training at 50
// mini-batches a second, and after four seconds saves the top of the window (1280×960) at 0.7 of
// its size as a PNG at path: the picture of docs/lab.md. Then it pauses the training.
func staticScreenshot(ctx context.Context, t *testing.T, b *cdpClient, s, path string) {
	js := `(async () => {
		const wait = (ms) => new Promise(r => setTimeout(r, ms));
		document.getElementById("test-n").value = 3;
		document.getElementById("test-show").click();
		await wait(800);
		document.querySelectorAll("#labels button")[0].click();
		const pace = document.getElementById("pace");
		pace.value = "50";
		pace.dispatchEvent(new Event("change"));
		await wait(300);
		document.getElementById("train-start").click();
		await wait(4000);
		return "ok";
	})()`
	var ok string
	if err := b.eval(ctx, s, js, &ok); err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	var shot struct{ Data []byte } // base64 in the JSON
	if err := b.call(ctx, s, "Page.captureScreenshot", map[string]any{"format": "png",
		"clip": map[string]any{"x": 0, "y": 0, "width": 1280, "height": 960, "scale": 0.7}}, &shot); err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	if err := os.WriteFile(path, shot.Data, 0o644); err != nil {
		t.Error(err)
	}
	t.Logf("wrote %s (%d bytes)", path, len(shot.Data))
	b.eval(ctx, s, `fetch("/api/train", {method: "POST", headers: {"Content-Type": "application/json"}, body: '{"action": "pause"}'}).then(r => r.status)`, &ok)
}
