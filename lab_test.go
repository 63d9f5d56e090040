// lab_test.go tests the lab (lab.go) through its HTTP interface, as the page and scripts use it:
// every endpoint; every kind of bad request, each answered with a 4xx and one line of JSON while
// the server goes on; the numbers of the passes against the Go functions and against what
// -explain prints; training in the lab against training on the command line, bit for bit;
// many clients at once while training runs (run it with -race); an event stream that a client
// drops; the lab without data; and the program itself serving, then stopping on Ctrl-C.
// The page in a real browser is tested in lab_browser_test.go.

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startLab opens a lab with the given flags and serves it on a test server, as `go run . -serve`
// does, until the test ends. The lab closes first: its event streams end, and the server, which
// waits for them, can close.
func startLab(t testing.TB, args ...string) (*lab, *httptest.Server) {
	t.Helper()
	c, err := parseFlags(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	l, err := openLab(c, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(l.handler(true))
	t.Cleanup(func() { l.close(); srv.Close() })
	return l, srv
}

// labData writes a tiny data set of nTrain training and nTest test images and returns its folder.
func labData(t *testing.T, nTrain, nTest int) string {
	dir := t.TempDir()
	writeSet(t, dir, nTrain, nTest, false)
	return dir
}

// request sends a request to the lab and returns the status and body.
func request(t *testing.T, method, url, ctype string, body []byte, header map[string]string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}

// post sends v as JSON and decodes a 200 answer into out (if not nil); it returns the status.
func post(t *testing.T, srv *httptest.Server, path string, v any, out any) int {
	t.Helper()
	b, _ := json.Marshal(v)
	status, body := request(t, "POST", srv.URL+path, "application/json", b, nil)
	if status == 200 && out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s: %v in %.200s", path, err, body)
		}
	}
	return status
}

// getState returns the lab's state.
func getState(t *testing.T, srv *httptest.Server) labState {
	t.Helper()
	status, body := request(t, "GET", srv.URL+"/api/state", "", nil, nil)
	var s labState
	if status != 200 || json.Unmarshal(body, &s) != nil {
		t.Fatalf("GET /api/state: %d %.200s", status, body)
	}
	return s
}

// waitFor polls the state until ok says yes, for at most 60 s.
func waitFor(t *testing.T, srv *httptest.Server, what string, ok func(labState) bool) labState {
	t.Helper()
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if s := getState(t, srv); ok(s) {
			return s
		}
	}
	t.Fatalf("timed out waiting for %s", what)
	return labState{}
}

// pngOf encodes a grey picture, dark ink on white, with a bar of ink where ink says.
func pngOf(t *testing.T, w, h int, ink func(x, y int) bool) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Pix[y*w+x] = 255
			if ink(x, y) {
				img.Pix[y*w+x] = 0
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// aSeven is a drawing of a 7, roughly: a bar across the top and a stroke down.
func aSeven(t *testing.T) []byte {
	return pngOf(t, 200, 200, func(x, y int) bool {
		return (y > 30 && y < 50 && x > 50 && x < 150) || (x > 120-(y-40)/3 && x < 140-(y-40)/3 && y >= 40 && y < 180)
	})
}

// TestLabPassesAreTheGoFunctions: /api/forward, /api/backward and /api/draw answer with exactly
// the numbers of forward, backward, SGD.step and mnistForm on the lab's network, bit for bit.
func TestLabPassesAreTheGoFunctions(t *testing.T) {
	l, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir(), "-hidden", "6,5", "-batch", "7")
	if post(t, srv, "/api/train", map[string]string{"action": "epoch"}, nil) != 200 {
		t.Fatal("train")
	}
	waitFor(t, srv, "an epoch", func(s labState) bool { return s.Epoch == 1 && !s.Training })
	net := l.net.clone()
	sgd := l.sgd() // between epochs: η of the next one
	if sgd.Eta != 0.5*0.97 {
		t.Errorf("η after epoch 1: %v, want that of epoch 2, 0.5·0.97", sgd.Eta)
	}

	var res passResponse
	if status := post(t, srv, "/api/backward", map[string]any{"test": 3, "unit": 4}, &res); status != 200 {
		t.Fatalf("backward: %d", status)
	}
	p := net.imagePass(l.data.Test.image(3), l.data.Test.Labels[3])
	g := net.newGrads()
	net.forward(p)
	net.backward(p, g)
	for k := range net.Layers {
		if !sameBits(res.Layers[k].A, p.A[k].row(0)) || !sameBits(res.Layers[k].S, p.S[k].row(0)) || !sameBits(res.Delta[k], p.Delta[k].row(0)) {
			t.Errorf("layer %d: a, σ(a) or δ differ from forward and backward", k+1)
		}
	}
	if *res.Loss != p.Loss[0] || *res.Label != int(l.data.Test.Labels[3]) || *res.Test != 3 || res.Epoch != 1 {
		t.Errorf("loss %v label %v test %v epoch %d; want %v %d 3 1", *res.Loss, *res.Label, *res.Test, res.Epoch, p.Loss[0], l.data.Test.Labels[3])
	}
	if !sameBits(res.Unit.Grad, g.W[0].row(4)) || !sameBits(res.Unit.W, net.Layers[0].W.row(4)) || *res.Unit.Delta != p.Delta[0].row(0)[4] {
		t.Error("the unit's weights, gradient or δ differ from the network's and backward's")
	}
	if math.Abs(res.Unit.WX+res.Unit.B-res.Unit.A) > 1e-12*(1+math.Abs(res.Unit.A)) || res.Unit.A != p.A[0].row(0)[4] {
		t.Errorf("unit 4: Σ x·w + b = %v + %v, a = %v", res.Unit.WX, res.Unit.B, res.Unit.A)
	}
	after := net.clone()
	sgd.update(after, g, 1)
	q := after.imagePass(l.data.Test.image(3), l.data.Test.Labels[3])
	after.forward(q)
	if res.Step.LossAfter != q.Loss[0] || res.Step.Eta != sgd.Eta || !sameBits(res.Step.YhatAfter, q.S[2].row(0)) {
		t.Errorf("step: L after %v, want %v", res.Step.LossAfter, q.Loss[0])
	}
	if !reflect.DeepEqual(l.net, net) {
		t.Error("the step changed the lab's network; it must be taken on a copy")
	}

	// A drawing: the pixels are mnistForm's, and the forward pass is that of those pixels.
	drawing := aSeven(t)
	status, body := request(t, "POST", srv.URL+"/api/draw?unit=1", "image/png", drawing, nil)
	var dres passResponse
	if status != 200 || json.Unmarshal(body, &dres) != nil {
		t.Fatalf("draw: %d %.200s", status, body)
	}
	img, _ := png.Decode(bytes.NewReader(drawing))
	pixels, err := mnistForm(img)
	if err != nil {
		t.Fatal(err)
	}
	dp := net.imagePass(pixels, 0)
	net.forward(dp)
	if !sameBits(dres.Pixels, dp.X.row(0)) || !sameBits(dres.Yhat, dp.S[2].row(0)) || dres.Label != nil || dres.Unit == nil {
		t.Error("draw: pixels or ŷ differ from mnistForm and forward, or a label or no unit")
	}
	// The same pixels sent back as numbers give the same pass: they survive JSON exactly.
	var fres passResponse
	post(t, srv, "/api/forward", map[string]any{"pixels": dres.Pixels}, &fres)
	if !sameBits(fres.Yhat, dres.Yhat) {
		t.Error("forward of the drawing's pixels differs from the drawing's")
	}
}

// TestLabMatchesExplain: the numbers the lab shows are those -explain prints for the same image
// and network, printed the same way.
func TestLabMatchesExplain(t *testing.T) {
	l, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir(), "-batch", "5")
	post(t, srv, "/api/train", map[string]string{"action": "epoch"}, nil)
	waitFor(t, srv, "an epoch", func(s labState) bool { return s.Epoch == 1 && !s.Training })
	var res passResponse
	post(t, srv, "/api/backward", map[string]any{"test": 7}, &res)
	var b strings.Builder
	explain(&b, l.net, l.sgd(), l.data.Test.image(7), l.data.Test.Labels[7], "test image 7")
	printed := b.String()
	var want []string
	want = append(want, fmt.Sprintf("L = −Σ_k [(1 − y_k) ln(1 − ŷ_k) + y_k ln ŷ_k] = %.6f", *res.Loss))
	for k, d := range res.Delta[1] {
		y := 0
		if k == *res.Label {
			y = 1
		}
		want = append(want, fmt.Sprintf("k=%d: %.6f − %d = %+.6f", k, res.Yhat[k], y, d))
	}
	for j := 0; j < 5; j++ {
		want = append(want, fmt.Sprintf("j=%d: %+.4e × %.4e = %+.4e", j, res.Back[0][j], res.DSigma[0][j], res.Delta[0][j]))
	}
	for k := range numDigits { // the derivation's two factors, as the lab answers them
		d := res.Derivation
		want = append(want, fmt.Sprintf("k=%d: %s", k, derivationLine(*d.DlDyhat[k], d.DyhatDa[k], *d.Product[k])))
	}
	want = append(want, fmt.Sprintf("with η = %g, λ = %g, n = %d: L goes from %.6f to %.6f", res.Step.Eta, res.Step.Lambda, res.Step.N, *res.Loss, res.Step.LossAfter))
	for _, line := range want {
		if !strings.Contains(printed, line) {
			t.Errorf("-explain does not print %q:\n%s", line, printed)
		}
	}
}

// TestLabTrainsAsTheCommandLine: two epochs in the lab, taken as a few single mini-batches, the
// rest of the epoch, and a start that stops at -epochs, give the weights and history of
// `-epochs 2`, bit for bit; reset goes back to the starting network.
func TestLabTrainsAsTheCommandLine(t *testing.T) {
	data := labData(t, 130, 20) // 108 training images: batches of 7 end with a short one
	flags := []string{"-data", data, "-download=false", "-epochs", "2", "-batch", "7", "-hidden", "8", "-seed", "3"}
	cliOut, labOut := t.TempDir(), t.TempDir()
	cliNet, labNet := filepath.Join(cliOut, "net.json"), filepath.Join(labOut, "net.json")
	if status, _, stderr := runProgram(append(flags, "-out", cliOut, "-save", cliNet)...); status != 0 {
		t.Fatalf("command line: %d %s", status, stderr)
	}

	l, srv := startLab(t, append(flags, "-out", labOut, "-save", labNet)...)
	start := l.net.clone()
	for _, action := range []string{"batch", "batch", "batch", "epoch"} {
		if status := post(t, srv, "/api/train", map[string]string{"action": action}, nil); status != 200 {
			t.Fatalf("%s: %d", action, status)
		}
	}
	waitFor(t, srv, "epoch 1", func(s labState) bool { return s.Epoch == 1 && !s.Training })
	post(t, srv, "/api/train", map[string]string{"action": "start"}, nil)
	s := waitFor(t, srv, "epoch 2", func(s labState) bool { return s.Epoch == 2 && !s.Training })
	if !strings.Contains(s.Message, "-epochs") {
		t.Errorf("message at the limit: %q", s.Message)
	}
	if status := post(t, srv, "/api/train", map[string]string{"action": "start"}, nil); status != http.StatusConflict {
		t.Errorf("start beyond -epochs: %d, want 409", status)
	}
	if err := l.close(); err != nil {
		t.Fatal(err)
	}
	a, err := loadModel(cliNet)
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadModel(labNet)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Layers, b.Layers) {
		t.Error("the lab's weights after 2 epochs differ from the command line's")
	}
	histories := [2][]epochStats{}
	for i, dir := range []string{cliOut, labOut} {
		f, err := os.Open(filepath.Join(dir, "history.csv"))
		if err != nil {
			t.Fatal(err)
		}
		h, err := readHistory(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for e := range h {
			h[e].Seconds = 0
		}
		histories[i] = h
	}
	if !reflect.DeepEqual(histories[0], histories[1]) || len(histories[0]) != 2 {
		t.Errorf("histories differ:\n%v\n%v", histories[0], histories[1])
	}

	// Reset, on a lab of its own (this one is closed): back to epoch 0 and the first network.
	l2, srv2 := startLab(t, append(flags, "-out", t.TempDir())...)
	post(t, srv2, "/api/train", map[string]string{"action": "epoch"}, nil)
	waitFor(t, srv2, "epoch 1", func(s labState) bool { return s.Epoch == 1 && !s.Training })
	var st labState
	post(t, srv2, "/api/train", map[string]string{"action": "reset"}, &st)
	l2.mu.RLock()
	same := reflect.DeepEqual(l2.net.Layers, start.Layers)
	l2.mu.RUnlock()
	if st.Epoch != 0 || len(st.History) != 0 || !same {
		t.Errorf("after reset: epoch %d, %d history rows, network as at the start: %v", st.Epoch, len(st.History), same)
	}
}

// TestLabBadRequests: each bad request gets a 4xx and one line of JSON naming the problem, and
// the server goes on answering.
func TestLabBadRequests(t *testing.T) {
	_, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir())
	pixels := func(n int, v float64) string {
		s := strings.Repeat(fmt.Sprint(v)+",", n)
		return "[" + strings.TrimSuffix(s, ",") + "]"
	}
	huge := pngOf(t, 3000, 3000, func(x, y int) bool { return x == y })
	cases := []struct {
		name, method, path, ctype string
		body                      []byte
		status                    int
		says                      string // a part of the error
	}{
		{"malformed JSON", "POST", "/api/forward", "application/json", []byte(`{"test": `), 400, "malformed JSON"},
		{"two values", "POST", "/api/forward", "application/json", []byte(`{"test": 1} {}`), 400, "more than one"},
		{"unknown field", "POST", "/api/forward", "application/json", []byte(`{"tset": 1}`), 400, "tset"},
		{"783 pixels", "POST", "/api/forward", "application/json", []byte(`{"pixels": ` + pixels(783, 0.5) + `}`), 400, "783"},
		{"pixel above 1", "POST", "/api/forward", "application/json", []byte(`{"pixels": ` + pixels(784, 1.5) + `}`), 400, "outside 0..1"},
		{"pixel below 0", "POST", "/api/forward", "application/json", []byte(`{"pixels": ` + pixels(784, -0.1) + `}`), 400, "outside 0..1"},
		{"pixel not a number", "POST", "/api/forward", "application/json", []byte(`{"pixels": ["x"]}`), 400, "malformed JSON"},
		{"label 10", "POST", "/api/backward", "application/json", []byte(`{"test": 1, "label": 10}`), 400, "label"},
		{"label -1", "POST", "/api/backward", "application/json", []byte(`{"test": 1, "label": -1}`), 400, "label"},
		{"no label with pixels", "POST", "/api/backward", "application/json", []byte(`{"pixels": ` + pixels(784, 0.5) + `}`), 400, "label"},
		{"test out of range", "POST", "/api/forward", "application/json", []byte(`{"test": 20}`), 400, "20 test images"},
		{"test negative", "POST", "/api/forward", "application/json", []byte(`{"test": -1}`), 400, "test"},
		{"pixels and test", "POST", "/api/forward", "application/json", []byte(`{"test": 1, "pixels": ` + pixels(784, 0) + `}`), 400, "not both"},
		{"neither", "POST", "/api/forward", "application/json", []byte(`{}`), 400, "pixels"},
		{"unit out of range", "POST", "/api/forward", "application/json", []byte(`{"test": 1, "unit": 20}`), 400, "unit"},
		{"body over 1 MB", "POST", "/api/forward", "application/json", bytes.Repeat([]byte(" "), maxBody+1), 413, "over"},
		{"drawing over 1 MB", "POST", "/api/draw", "image/png", bytes.Repeat([]byte("x"), maxBody+10), 413, "over"},
		{"not an image", "POST", "/api/draw", "image/png", []byte("hello"), 400, "not a PNG or JPEG"},
		{"blank drawing", "POST", "/api/draw", "image/png", pngOf(t, 50, 50, func(x, y int) bool { return false }), 400, "no digit"},
		{"drawing too large", "POST", "/api/draw", "image/png", huge, 400, "at most"},
		{"bad unit query", "POST", "/api/draw?unit=x", "image/png", aSeven(t), 400, "unit"},
		{"unknown action", "POST", "/api/train", "application/json", []byte(`{"action": "fly"}`), 400, "fly"},
		{"bad mistake query", "GET", "/api/mistake?after=x", "", nil, 400, "after"},
		{"wrong method", "GET", "/api/forward", "", nil, 405, "use POST"},
		{"wrong method for state", "POST", "/api/state", "application/json", []byte(`{}`), 405, "use GET"},
		{"unknown API", "GET", "/api/nope", "", nil, 404, "/api/nope"},
		{"unknown page", "GET", "/nope.html", "", nil, 404, "/nope.html"},
	}
	for _, tc := range cases {
		status, body := request(t, tc.method, srv.URL+tc.path, tc.ctype, tc.body, nil)
		var e struct{ Error string }
		if err := json.Unmarshal(body, &e); err != nil || status != tc.status || !strings.Contains(e.Error, tc.says) ||
			bytes.Count(body, []byte("\n")) != 1 {
			t.Errorf("%s: %d %q, want %d and one line of JSON saying %q", tc.name, status, body, tc.status, tc.says)
		}
	}
	if s := getState(t, srv); s.Epoch != 0 || !s.Data {
		t.Errorf("state after the bad requests: %+v", s.labProgress)
	}
}

// TestLabRefusesOtherOrigins: a page from another site cannot change or read the network, and a
// request naming another host (DNS rebinding) is refused.
func TestLabRefusesOtherOrigins(t *testing.T) {
	_, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir())
	evil := map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
	for _, tc := range []struct {
		method, path string
		header       map[string]string
	}{
		{"POST", "/api/train", evil},
		{"POST", "/api/train", map[string]string{"Origin": "http://evil.example"}},                              // an older browser: Origin only
		{"POST", "/api/train", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}}, // a form
		{"GET", "/api/network", evil},
		{"GET", "/api/weights.png", map[string]string{"Sec-Fetch-Site": "same-site"}}, // another port of localhost
		{"GET", "/api/state", map[string]string{"Host": "evil.example"}},
		{"POST", "/api/train", map[string]string{"Host": "evil.example:80"}},
	} {
		status, body := request(t, tc.method, srv.URL+tc.path, "application/json", []byte(`{"action": "epoch"}`), tc.header)
		if status != http.StatusForbidden || !strings.Contains(string(body), "refused") {
			t.Errorf("%s %s with %v: %d %s, want 403", tc.method, tc.path, tc.header, status, body)
		}
	}
	if s := getState(t, srv); s.Epoch != 0 || s.Training {
		t.Error("a refused request started training")
	}
	link := map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"} // a link from elsewhere
	if status, _ := request(t, "GET", srv.URL+"/", "", nil, link); status != 200 {
		t.Errorf("a link from another site to the page: %d, want 200", status)
	}
	same := map[string]string{"Origin": srv.URL, "Sec-Fetch-Site": "same-origin"}
	if status, body := request(t, "POST", srv.URL+"/api/forward", "application/json", []byte(`{"test": 0}`), same); status != 200 {
		t.Errorf("the page's own request: %d %s", status, body)
	}
}

// TestLabEndpoints: the page, the pictures, the network, the next mistake.
func TestLabEndpoints(t *testing.T) {
	l, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir())
	for path, ctype := range map[string]string{"/": "text/html", "/lab.js": "text/javascript", "/lab-answer.js": "text/javascript",
		"/lab-net.js": "text/javascript", "/lab-train.js": "text/javascript", "/lab.css": "text/css",
		"/api/weights.png": "image/png", "/api/loss.svg": "image/svg+xml", "/api/accuracy.svg": "image/svg+xml"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), ctype) || len(b) == 0 {
			t.Errorf("GET %s: %d %s, %d bytes", path, res.StatusCode, res.Header.Get("Content-Type"), len(b))
		}
		if path == "/" && !bytes.Contains(b, []byte(`id="draw"`)) {
			t.Error("the page has no canvas id=draw")
		}
		if path == "/api/weights.png" {
			if img, err := png.Decode(bytes.NewReader(b)); err != nil || img.Bounds().Dx() != 5*58+2 {
				t.Errorf("weights.png: %v, %v", err, img.Bounds())
			}
		}
	}

	status, body := request(t, "GET", srv.URL+"/api/network", "", nil, nil)
	path := filepath.Join(t.TempDir(), "net.json")
	os.WriteFile(path, body, 0o644)
	net, err := loadModel(path)
	if status != 200 || err != nil || !reflect.DeepEqual(net.Layers, l.net.Layers) {
		t.Errorf("GET /api/network: %d, %v, or not the lab's network", status, err)
	}
	var extra struct {
		Epoch    *int
		Training *bool
	}
	if json.Unmarshal(body, &extra); extra.Epoch == nil || extra.Training == nil {
		t.Error("GET /api/network has no epoch or training")
	}

	var m struct{ Test int }
	status, body = request(t, "GET", srv.URL+"/api/mistake?after=5", "", nil, nil)
	if json.Unmarshal(body, &m); status != 200 {
		t.Fatalf("mistake: %d %s", status, body)
	}
	var res passResponse
	post(t, srv, "/api/forward", map[string]any{"test": m.Test}, &res)
	if res.Prediction == *res.Label {
		t.Errorf("test image %d, the next mistake, is predicted right", m.Test)
	}
	for i := 6; i < m.Test; i++ {
		post(t, srv, "/api/forward", map[string]any{"test": i}, &res)
		if res.Prediction != *res.Label {
			t.Errorf("test image %d comes before the mistake %d and is wrong too", i, m.Test)
		}
	}
}

// TestLabManyClientsWhileTraining: twenty clients at once while training runs all get right
// answers, each from a network between two mini-batches (go test -race checks the rest). A
// client told 503 (the lab busy: on a slow or emulated machine the queue fills) waits as
// Retry-After says, a little, and asks again; every request must be answered in the end.
func TestLabManyClientsWhileTraining(t *testing.T) {
	_, srv := startLab(t, "-data", labData(t, 1200, 50), "-download=false", "-out", t.TempDir(), "-epochs", "1000", "-batch", "5")
	post(t, srv, "/api/train", map[string]string{"action": "start"}, nil)
	drawing := aSeven(t)
	var wg sync.WaitGroup
	errs := make(chan string, 1000)
	for c := 0; c < 20; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			client := &http.Client{Timeout: 30 * time.Second}
			for i := 0; i < 15; i++ {
				var path, ctype string
				var body []byte
				switch (c + i) % 4 {
				case 0:
					path, ctype, body = "/api/backward", "application/json", []byte(fmt.Sprintf(`{"test": %d, "unit": %d}`, i, c))
				case 1:
					path, ctype, body = "/api/draw?unit=3", "image/png", drawing
				case 2:
					path, ctype, body = "/api/forward", "application/json", []byte(fmt.Sprintf(`{"test": %d, "unit": 7}`, c))
				default:
					path = "/api/state"
				}
				method := "POST"
				if body == nil {
					method = "GET"
				}
				var res *http.Response
				var err error
				var b []byte
				for try := 0; try < 200; try++ { // at most some 10 s of 503s
					req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
					req.Header.Set("Content-Type", ctype)
					if res, err = client.Do(req); err != nil {
						break
					}
					b, _ = io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusServiceUnavailable {
						break
					}
					if res.Header.Get("Retry-After") == "" {
						errs <- path + ": 503 without Retry-After"
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				if err != nil {
					errs <- err.Error()
					continue
				}
				if res.StatusCode != 200 {
					errs <- fmt.Sprintf("%s: %d %.100s", path, res.StatusCode, b)
					continue
				}
				if body == nil {
					continue
				}
				var p passResponse
				if err := json.Unmarshal(b, &p); err != nil {
					errs <- err.Error()
					continue
				}
				// One network throughout: a_j as the forward pass computed it is Σ x·w + b with the
				// weights and bias the answer shows, and δ = ŷ − y at the output.
				u := p.Unit
				if u.A != p.Layers[0].A[u.J] || u.S != sigmoid(u.A) || math.Abs(u.WX+u.B-u.A) > 1e-9*(1+math.Abs(u.A)) {
					errs <- fmt.Sprintf("%s: unit %d: %v + %v ≠ a = %v: a torn network", path, u.J, u.WX, u.B, u.A)
				}
				if p.Delta != nil {
					for k, d := range p.Delta[1] {
						y := 0.0
						if k == *p.Label {
							y = 1
						}
						if d != p.Yhat[k]-y {
							errs <- fmt.Sprintf("δ_%d = %v, ŷ − y = %v", k, d, p.Yhat[k]-y)
						}
					}
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	var s labState
	post(t, srv, "/api/train", map[string]string{"action": "pause"}, &s)
	if s.Epoch == 0 && s.BatchDone == 0 {
		t.Error("no training happened while the clients asked")
	}
}

// TestLabEventStream: a stream gets the state at once, progress and epoch events while training
// runs, and ends on the server's side when its client goes away. The epoch is paced (the "pace"
// action, first thing) so that it lasts long enough for several progress events on any
// machine; without a pace, on an AMD EPYC with 2 CPUs, 6,000 images took over 30 s under the
// race detector with the machine busy, and 1,500 took 0.18 s without it with the machine quiet.
func TestLabEventStream(t *testing.T) {
	// 600 mini-batches of one image at a pace of 500 a second: an epoch of at least 1.2 s, so
	// that progress events (one each 100 ms) come however fast the machine is, and short enough
	// under the race detector on a busy one.
	l, srv := startLab(t, "-data", labData(t, 600, 20), "-download=false", "-out", t.TempDir(), "-epochs", "3", "-batch", "1", "-hidden", "200")
	if status := post(t, srv, "/api/train", map[string]any{"action": "pace", "pace": 500}, nil); status != 200 {
		t.Fatalf("pace: %d", status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	seen := map[string]int{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	started := false
	var epoch epochStats
	for sc.Scan() && !(seen["epoch"] >= 1 && seen["state"] >= 2) {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "event: "); ok {
			seen[name]++
			if !sc.Scan() {
				break
			}
			data, _ := strings.CutPrefix(sc.Text(), "data: ")
			if name == "epoch" && json.Unmarshal([]byte(data), &epoch) != nil {
				t.Errorf("epoch event %q", data)
			}
		}
		if seen["state"] == 1 && !started {
			started = true
			post(t, srv, "/api/train", map[string]string{"action": "start"}, nil)
		}
	}
	if seen["state"] < 2 || seen["progress"] < 1 || seen["epoch"] != 1 || epoch.Epoch != 1 || epoch.EvalAcc < 0 {
		t.Errorf("events seen: %v, epoch %+v", seen, epoch)
	}
	if n := l.streams.Load(); n != 1 {
		t.Errorf("%d streams open, want 1", n)
	}
	cancel() // the client goes away
	res.Body.Close()
	for end := time.Now().Add(5 * time.Second); l.streams.Load() != 0 && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := l.streams.Load(); n != 0 {
		t.Errorf("%d streams still open after the client went", n)
	}
	if s := getState(t, srv); s.Version == 0 {
		t.Error("the server stopped answering")
	}
}

// TestLabWithoutData: with no data set but a saved network, the passes on drawings work, and
// training and test images say why they are off.
func TestLabWithoutData(t *testing.T) {
	saved := filepath.Join(t.TempDir(), "net.json")
	if err := saveModel(saved, newNetwork([]int{784, 12, 10}, 5), nil, nil); err != nil {
		t.Fatal(err)
	}
	_, srv := startLab(t, "-data", filepath.Join(t.TempDir(), "none"), "-download=false", "-load", saved, "-out", t.TempDir())
	s := getState(t, srv)
	if s.Data || !strings.Contains(s.DataProblem, "none") || !reflect.DeepEqual(s.Sizes, []int{784, 12, 10}) {
		t.Errorf("state: data %v, problem %q, sizes %v", s.Data, s.DataProblem, s.Sizes)
	}
	var res passResponse
	status, body := request(t, "POST", srv.URL+"/api/draw", "image/png", aSeven(t), nil)
	if status != 200 || json.Unmarshal(body, &res) != nil || len(res.Yhat) != 10 {
		t.Errorf("draw without data: %d %.200s", status, body)
	}
	if status := post(t, srv, "/api/backward", map[string]any{"pixels": res.Pixels, "label": 7}, &res); status != 200 || res.Step == nil {
		t.Errorf("backward without data: %d", status)
	}
	var gc gradcheckResponse
	if status := post(t, srv, "/api/gradcheck", map[string]any{"pixels": res.Pixels, "label": 7}, &gc); status != 200 || len(gc.Checks) != 6 {
		t.Errorf("gradcheck without data: %d, %d checks", status, len(gc.Checks))
	}
	for path, v := range map[string]any{"/api/train": map[string]string{"action": "start"}, "/api/forward": map[string]int{"test": 0},
		"/api/backward": map[string]int{"eval": 0}} {
		b, _ := json.Marshal(v)
		status, body := request(t, "POST", srv.URL+path, "application/json", b, nil)
		if status != http.StatusConflict || !strings.Contains(string(body), "without the data set") {
			t.Errorf("%s without data: %d %s", path, status, body)
		}
	}
	if status, body := request(t, "GET", srv.URL+"/api/confusion?true=1&pred=2", "", nil, nil); status != http.StatusConflict || !strings.Contains(string(body), "without the data set") {
		t.Errorf("confusion without data: %d %s", status, body)
	}
}

// TestServeAndInterrupt runs the program as a learner does: it prints the lab's address, serves
// the page, and stops on Ctrl-C with exit status 0, having written -save. Given an address that
// is not loopback, it warns.
func TestServeAndInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the program")
	}
	bin := buildProgram(t)
	data, out := labData(t, 600, 20), t.TempDir()
	saved := filepath.Join(out, "net.json")
	for _, addr := range []string{"127.0.0.1:0", "0.0.0.0:0"} {
		cmd, url, stderr := startBinaryLab(t, bin, addr, "-data", data, "-download=false", "-out", out, "-save", saved, "-batch", "1")
		if res, err := http.Get(url); err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %v", url, err)
		}
		if res, err := http.Post(url+"api/train", "application/json", strings.NewReader(`{"action": "start"}`)); err != nil || res.StatusCode != 200 {
			t.Fatalf("start: %v", err)
		}
		time.Sleep(300 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGINT)
		if status := waitExit(t, cmd, 5*time.Second); status != 0 {
			t.Errorf("-serve %s: exit status %d after Ctrl-C, want 0; stderr %q", addr, status, stderr.String())
		}
		if _, err := loadModel(saved); err != nil {
			t.Errorf("-save after the lab: %v", err)
		}
		warned := strings.Contains(stderr.String(), "anyone who can reach it")
		if warned != (addr == "0.0.0.0:0") {
			t.Errorf("-serve %s: warned %v; stderr %q", addr, warned, stderr.String())
		}
		os.Remove(saved)
	}
	noTempFiles(t, out)
}

// benchLabLoad measures the latency of one kind of request while training runs and 20 clients
// ask at once, and reports its median and 99th percentile:
//
//	MNIST_DIR=../shared/mnist go test -run '^$' -bench Lab -benchtime 4000x
func benchLabLoad(b *testing.B, path, ctype string, body []byte) {
	data := os.Getenv("MNIST_DIR")
	if data == "" {
		dir := b.TempDir()
		writeSet(b, dir, 3000, 100, false)
		data = dir
	}
	_, srv := startLab(b, "-data", data, "-download=false", "-out", b.TempDir(), "-epochs", "1000")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 20}}
	send := func() time.Duration {
		t0 := time.Now()
		res, err := client.Post(srv.URL+path, ctype, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("%s: %d", path, res.StatusCode)
		}
		return time.Since(t0)
	}
	for i := 0; i < 20; i++ {
		send() // warm the connections
	}
	start, _ := json.Marshal(map[string]string{"action": "start"})
	client.Post(srv.URL+"/api/train", "application/json", bytes.NewReader(start))
	b.ResetTimer()
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	for w := 0; w < 20; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < b.N; i += 20 {
				lat[i] = send()
			}
		}(w)
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

func BenchmarkLabForward20Clients(b *testing.B) {
	benchLabLoad(b, "/api/forward", "application/json", []byte(`{"test": 0}`))
}

func BenchmarkLabBackward20Clients(b *testing.B) {
	benchLabLoad(b, "/api/backward", "application/json", []byte(`{"test": 0, "unit": 3}`))
}

func BenchmarkLabGradcheck20Clients(b *testing.B) {
	benchLabLoad(b, "/api/gradcheck", "application/json", []byte(`{"test": 0, "unit": 3}`))
}

func BenchmarkLabDraw20Clients(b *testing.B) {
	img := image.NewGray(image.Rect(0, 0, 280, 280)) // the page's canvas: a 7, dark on white
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 0; y < 280; y++ {
		for x := 0; x < 280; x++ {
			if (y > 40 && y < 62 && x > 60 && x < 220) || (y >= 50 && y < 250 && x > 180-(y-50)/3 && x < 202-(y-50)/3) {
				img.Pix[y*280+x] = 0
			}
		}
	}
	var png7 bytes.Buffer
	png.Encode(&png7, img)
	benchLabLoad(b, "/api/draw", "image/png", png7.Bytes())
}

// TestLabDivergence: an absurd learning rate makes the weights overflow in the first epoch; the
// lab pauses, says so, refuses the passes and further training until reset, and reset mends it.
func TestLabDivergence(t *testing.T) {
	_, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir(), "-lr", "1e308")
	post(t, srv, "/api/train", map[string]string{"action": "start"}, nil)
	s := waitFor(t, srv, "the divergence", func(s labState) bool { return !s.Training && s.Message != "" })
	if !strings.Contains(s.Message, "diverged in epoch 1") || s.Epoch != 0 {
		t.Errorf("message %q at epoch %d", s.Message, s.Epoch)
	}
	for path, v := range map[string]any{"/api/forward": map[string]int{"test": 0}, "/api/train": map[string]string{"action": "batch"}} {
		b, _ := json.Marshal(v)
		if status, body := request(t, "POST", srv.URL+path, "application/json", b, nil); status != http.StatusConflict || !strings.Contains(string(body), "reset") {
			t.Errorf("%s after divergence: %d %s", path, status, body)
		}
	}
	var res passResponse
	post(t, srv, "/api/train", map[string]string{"action": "reset"}, nil)
	if status := post(t, srv, "/api/forward", map[string]int{"test": 0}, &res); status != 200 || len(res.Yhat) != 10 {
		t.Errorf("forward after reset: %d", status)
	}
}

// TestLabDerivationAndGradcheck: the derivation of /api/backward is runExample's, factor by
// factor, and its product is δ; /api/gradcheck gives the numbers of checkGradient, the suite's
// gradient check, on a copy of the network that it leaves as it was.
func TestLabDerivationAndGradcheck(t *testing.T) {
	l, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir(), "-hidden", "6,5", "-batch", "7")
	post(t, srv, "/api/train", map[string]string{"action": "epoch"}, nil)
	waitFor(t, srv, "an epoch", func(s labState) bool { return s.Epoch == 1 && !s.Training })
	net := l.net.clone()

	var res passResponse
	if status := post(t, srv, "/api/backward", map[string]any{"test": 3, "label": 5}, &res); status != 200 || res.Derivation == nil {
		t.Fatalf("backward: %d, derivation %v", status, res.Derivation)
	}
	if *res.ImageLabel != int(l.data.Test.Labels[3]) || *res.Label != 5 {
		t.Errorf("image_label %d, label %d; want the image's own label %d and the label asked for, 5", *res.ImageLabel, *res.Label, l.data.Test.Labels[3])
	}
	ex := runExample(net.clone(), l.sgd(), net.imagePass(l.data.Test.image(3), 5))
	d := res.Derivation
	for k := range numDigits {
		if d.DlDyhat[k] == nil || *d.DlDyhat[k] != ex.dlDyhat[k] || d.DyhatDa[k] != ex.dyhatDa[k] || *d.Product[k] != ex.product[k] {
			t.Errorf("k=%d: derivation %v × %v = %v, runExample's %v × %v = %v", k, d.DlDyhat[k], d.DyhatDa[k], d.Product[k], ex.dlDyhat[k], ex.dyhatDa[k], ex.product[k])
			continue
		}
		if delta := res.Delta[2][k]; math.Abs(*d.Product[k]-delta) > 1e-12 {
			t.Errorf("k=%d: ∂L/∂ŷ·∂ŷ/∂a = %v, δ = ŷ − y = %v", k, *d.Product[k], delta)
		}
	}
	if len(res.Edges) != 2 || res.Edges[0].Layer != 2 || len(res.Edges[1].BackTerms) != 10 {
		t.Fatalf("edges: %d layers", len(res.Edges))
	}
	for j := range 5 { // the terms w_kj·δ_k add up to (Wᵀδ)_j, the first factor of δ_j
		var sum float64
		for k := range 10 {
			sum += res.Edges[1].BackTerms[k][j]
		}
		if math.Abs(sum-res.Back[1][j]) > 1e-12 {
			t.Errorf("unit %d of layer 2: Σ_k w_kj·δ_k = %v, (Wᵀδ)_j = %v", j, sum, res.Back[1][j])
		}
	}

	// The gradient check, the server's pick and a pick of our own, against checkGradient.
	checkAgainst := func(body map[string]any, label byte, want int) {
		t.Helper()
		var gc gradcheckResponse
		if status := post(t, srv, "/api/gradcheck", body, &gc); status != 200 || len(gc.Checks) != want || gc.Eps != gradEps {
			t.Fatalf("gradcheck %v: %d, %d checks, ε %v", body, status, len(gc.Checks), gc.Eps)
		}
		c := net.clone()
		p := c.imagePass(l.data.Test.image(3), label)
		g := c.newGrads()
		c.forward(p)
		c.backward(p, g)
		for _, got := range gc.Checks {
			if w := checkGradient(c, p, g, got.Layer, got.Unit, got.Input, gradEps); got != w {
				t.Errorf("gradcheck %+v, checkGradient %+v", got, w)
			}
			if got.RelError > 1e-4 && math.Abs(got.Analytic) > 1e-8 {
				t.Errorf("layer %d unit %d input %d: relative error %g", got.Layer, got.Unit, got.Input, got.RelError)
			}
		}
	}
	checkAgainst(map[string]any{"test": 3, "unit": 2}, l.data.Test.Labels[3], 6)
	checkAgainst(map[string]any{"test": 3, "label": 7, "checks": []map[string]int{{"layer": 2, "unit": 4, "input": 5}, {"layer": 3, "unit": 9, "input": -1}}}, 7, 2)
	if !reflect.DeepEqual(l.net, net) {
		t.Error("the gradient check changed the lab's network")
	}

	for _, tc := range []struct {
		body, says string
	}{
		{`{"test": 1, "checks": [{"layer": 0, "unit": 0, "input": 0}]}`, "layer"},
		{`{"test": 1, "checks": [{"layer": 4, "unit": 0, "input": 0}]}`, "layer"},
		{`{"test": 1, "checks": [{"layer": 1, "unit": 6, "input": 0}]}`, "unit"},
		{`{"test": 1, "checks": [{"layer": 1, "unit": 0, "input": 784}]}`, "input"},
		{`{"test": 1, "checks": [{"layer": 2, "unit": 0, "input": -2}]}`, "input"},
		{`{"test": 1, "checks": [{"layer": 1, "unit": 0, "input": 0, "x": 1}]}`, "unknown field"},
		{`{"pixels": ` + strings.Repeat("[", 1) + strings.TrimSuffix(strings.Repeat("0.5,", 784), ",") + `]}`, "label"},
		{`{"test": 1, "checks": [` + strings.TrimSuffix(strings.Repeat(`{"layer": 1, "unit": 0, "input": 0},`, 65), ",") + `]}`, "at most"},
	} {
		status, body := request(t, "POST", srv.URL+"/api/gradcheck", "application/json", []byte(tc.body), nil)
		if status != 400 || !strings.Contains(string(body), tc.says) || bytes.Count(body, []byte("\n")) != 1 {
			t.Errorf("gradcheck %.60s: %d %s, want 400 saying %q", tc.body, status, body, tc.says)
		}
	}
	if status, body := request(t, "POST", srv.URL+"/api/backward", "application/json", []byte(`{"test": 1, "checks": []}`), nil); status != 400 || !strings.Contains(string(body), "gradcheck") {
		t.Errorf("checks sent to /api/backward: %d %s", status, body)
	}
}

// TestLabDerivationSaturated: where ŷ_k is exactly 1 or 0, ∂L/∂ŷ_k is null (it divides by 0),
// and δ is still ŷ − y; -explain says why instead of printing a number.
func TestLabDerivationSaturated(t *testing.T) {
	net := newNetwork([]int{784, 4, 10}, 5)
	net.Layers[1].B[3], net.Layers[1].B[5] = 1000, -1000 // ŷ_3 = 1, ŷ_5 = 0 exactly
	saved := filepath.Join(t.TempDir(), "net.json")
	if err := saveModel(saved, net, nil, nil); err != nil {
		t.Fatal(err)
	}
	_, srv := startLab(t, "-data", filepath.Join(t.TempDir(), "none"), "-download=false", "-load", saved, "-out", t.TempDir())
	pixels := make([]float64, 784)
	pixels[300] = 1
	var res passResponse
	if status := post(t, srv, "/api/backward", map[string]any{"pixels": pixels, "label": 3}, &res); status != 200 {
		t.Fatalf("backward: %d", status)
	}
	d := res.Derivation
	if res.Yhat[3] != 1 || res.Yhat[5] != 0 || d.DlDyhat[3] != nil || d.DlDyhat[5] != nil || d.Product[3] != nil || d.DyhatDa[3] != 0 {
		t.Errorf("ŷ_3 = %v, ŷ_5 = %v: derivation %v %v %v", res.Yhat[3], res.Yhat[5], d.DlDyhat[3], d.DlDyhat[5], d.DyhatDa[3])
	}
	if d.DlDyhat[0] == nil || res.Delta[1][3] != 0 || res.Delta[1][5] != 0 {
		t.Errorf("unit 0's factor %v; δ_3 = %v, δ_5 = %v, want 0 and 0", d.DlDyhat[0], res.Delta[1][3], res.Delta[1][5])
	}
	var b strings.Builder
	explain(&b, net, SGD{Eta: 0.5, N: 50000}, make([]byte, 784), 3, "a blank image")
	if !strings.Contains(b.String(), "k=3: ŷ_k has rounded to exactly 0 or 1") || !strings.Contains(b.String(), "this is why outputDelta computes σ(a) − y directly") {
		t.Errorf("-explain at saturation:\n%s", b.String())
	}
}

// TestLabConfusionCells: each cell of the confusion matrix lists the evaluation images that
// confusionOf counts there, for the predictions of the network after the epoch it names.
func TestLabConfusionCells(t *testing.T) {
	l, srv := startLab(t, "-data", labData(t, 300, 20), "-download=false", "-out", t.TempDir(), "-batch", "5")
	post(t, srv, "/api/train", map[string]string{"action": "epoch"}, nil)
	s := waitFor(t, srv, "an epoch", func(s labState) bool { return s.Epoch == 1 && !s.Training })
	net, eval := l.net.clone(), l.data.Eval
	pred := make([]byte, eval.Len())
	p := net.newPass(1)
	for i := range pred {
		p.setImage(0, eval.image(i), eval.Labels[i])
		net.forward(p)
		pred[i] = byte(predict(p.A[1].row(0)))
	}
	want := confusionOf(eval.Labels, pred)
	if *s.Confusion != want {
		t.Fatalf("the state's confusion matrix is not confusionOf the network's predictions")
	}
	for i := range numDigits {
		for j := range numDigits {
			var cell struct {
				Set                      string
				Epoch, True, Pred, Count int
				Tests                    []int
			}
			status, body := request(t, "GET", fmt.Sprintf("%s/api/confusion?true=%d&pred=%d", srv.URL, i, j), "", nil, nil)
			if status != 200 || json.Unmarshal(body, &cell) != nil {
				t.Fatalf("cell %d,%d: %d %s", i, j, status, body)
			}
			var images []int
			for n := range pred {
				if int(eval.Labels[n]) == i && int(pred[n]) == j {
					images = append(images, n)
				}
			}
			if cell.Set != "evaluation" || cell.Epoch != 1 || cell.Count != want[i][j] || len(cell.Tests) != min(100, len(images)) || !slices.Equal(cell.Tests, images[:len(cell.Tests)]) {
				t.Errorf("cell %d,%d: %s %d, %d images %v; want %d: %v", i, j, cell.Set, cell.Epoch, cell.Count, cell.Tests, want[i][j], images)
			}
		}
	}
	// An evaluation image, as a cell's images are shown: its own label and the network's pass.
	var res passResponse
	if status := post(t, srv, "/api/backward", map[string]any{"eval": 7}, &res); status != 200 || *res.ImageLabel != int(eval.Labels[7]) || res.Prediction != int(pred[7]) || *res.Eval != 7 {
		t.Errorf("eval 7: %d, label %v, prediction %d, want %d and %d", status, res.ImageLabel, res.Prediction, eval.Labels[7], pred[7])
	}
	for _, q := range []string{"true=10&pred=0", "true=1", "true=x&pred=1", "true=1&pred=-1"} {
		if status, body := request(t, "GET", srv.URL+"/api/confusion?"+q, "", nil, nil); status != 400 || bytes.Count(body, []byte("\n")) != 1 {
			t.Errorf("confusion?%s: %d %s, want 400", q, status, body)
		}
	}
	for _, body := range []string{`{"eval": 100000}`, `{"eval": 1, "test": 1}`} {
		if status, b := request(t, "POST", srv.URL+"/api/forward", "application/json", []byte(body), nil); status != 400 {
			t.Errorf("%s: %d %s, want 400", body, status, b)
		}
	}
}

// TestLabPaceAndBatchLosses: the pace is set and shown; the series of mini-batch losses holds
// each mini-batch's mean L, so that their mean is the epoch's running loss; at -epochs the
// state says done and training is refused.
func TestLabPaceAndBatchLosses(t *testing.T) {
	_, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir(), "-batch", "5", "-epochs", "1")
	var s labState
	for range 4 {
		post(t, srv, "/api/train", map[string]string{"action": "batch"}, &s)
	}
	if len(s.BatchLosses) != 4 || s.BatchFirst != 1 || s.RunningLoss == nil {
		t.Fatalf("after 4 mini-batches: %d losses from %d", len(s.BatchLosses), s.BatchFirst)
	}
	var mean float64
	for _, v := range s.BatchLosses {
		mean += *v / 4
	}
	if math.Abs(mean-*s.RunningLoss) > 1e-12 {
		t.Errorf("mean of the mini-batch losses %v, running loss %v", mean, *s.RunningLoss)
	}
	if post(t, srv, "/api/train", map[string]any{"action": "pace", "pace": 20}, &s) != 200 || s.Pace != 20 {
		t.Errorf("pace: %v", s.Pace)
	}
	post(t, srv, "/api/train", map[string]string{"action": "start"}, nil)
	s = waitFor(t, srv, "the end of -epochs", func(s labState) bool { return s.Epoch == 1 && !s.Training })
	if !s.Done || s.Pace != 20 || len(s.BatchLosses) != 10 {
		t.Errorf("at -epochs: done %v, pace %v, %d losses", s.Done, s.Pace, len(s.BatchLosses))
	}
	for _, action := range []string{"start", "batch", "epoch"} {
		if status := post(t, srv, "/api/train", map[string]string{"action": action}, nil); status != http.StatusConflict {
			t.Errorf("%s when done: %d, want 409", action, status)
		}
	}
	post(t, srv, "/api/train", map[string]string{"action": "reset"}, &s)
	if s.Done || len(s.BatchLosses) != 0 {
		t.Errorf("after reset: done %v, %d losses", s.Done, len(s.BatchLosses))
	}
	for _, body := range []string{`{"action": "pace"}`, `{"action": "pace", "pace": -1}`, `{"action": "pace", "pace": 5000}`,
		`{"action": "pace", "pace": 0.01}`, `{"action": "start", "pace": 2}`,
		`{"action": "pace", "pace": 1e-400}`, `{"action": "pace", "pace": 0.0000001e-320}`, `{"action": "pace", "pace": 1e400}`,
		`{"action": "pace", "pace": "1"}`, `{"action": "pace", "pace": [1]}`, `{"action": "pace", "pace": true}`} {
		if status, b := request(t, "POST", srv.URL+"/api/train", "application/json", []byte(body), nil); status != 400 || bytes.Count(b, []byte("\n")) != 1 {
			t.Errorf("%s: %d %s, want 400", body, status, b)
		}
	}
}

// TestLabOrigin: the state says what the network is, so that the page never calls a trained one
// untrained: seeded (with its seed), or loaded from a named file with the epochs it had been
// trained when saved (null when the file does not say); epoch counts what is trained here.
func TestLabOrigin(t *testing.T) {
	_, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir(), "-batch", "5", "-seed", "7")
	s := getState(t, srv)
	if s.Origin.Kind != "seeded" || s.Origin.Seed == nil || *s.Origin.Seed != 7 || s.Origin.File != "" || s.Origin.SavedEpochs != nil || s.Epoch != 0 {
		t.Errorf("a seeded lab: origin %+v, epoch %d", s.Origin, s.Epoch)
	}

	dir := t.TempDir()
	net := newNetwork([]int{784, 12, 10}, 5)
	saved, unsaid := filepath.Join(dir, "trained.json"), filepath.Join(dir, "unsaid.json")
	if err := saveModel(saved, net, map[string]string{"epochs": "9"}, map[string]any{"epochs_trained": 2, "test_accuracy": 0.95}); err != nil {
		t.Fatal(err)
	}
	if err := saveModel(unsaid, net, nil, nil); err != nil {
		t.Fatal(err)
	}
	_, srv = startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir(), "-batch", "5", "-load", saved)
	s = getState(t, srv)
	if s.Origin.Kind != "loaded" || s.Origin.File != saved || s.Origin.SavedEpochs == nil || *s.Origin.SavedEpochs != 2 || s.Epoch != 0 {
		t.Errorf("a lab loaded from a file trained 2 epochs: origin %+v, epoch %d", s.Origin, s.Epoch)
	}
	post(t, srv, "/api/train", map[string]string{"action": "epoch"}, nil)
	s = waitFor(t, srv, "an epoch", func(s labState) bool { return s.Epoch == 1 && !s.Training })
	if s.Origin.Kind != "loaded" || *s.Origin.SavedEpochs != 2 {
		t.Errorf("after an epoch here: origin %+v", s.Origin)
	}
	// Without the data set too, and a file that does not say how long it was trained.
	_, srv = startLab(t, "-data", filepath.Join(t.TempDir(), "none"), "-download=false", "-load", unsaid, "-out", t.TempDir())
	s = getState(t, srv)
	if s.Data || s.Origin.Kind != "loaded" || s.Origin.File != unsaid || s.Origin.SavedEpochs != nil {
		t.Errorf("a lab without data, loaded from a file without results: data %v, origin %+v", s.Data, s.Origin)
	}
	var raw map[string]any
	_, body := request(t, "GET", srv.URL+"/api/state", "", nil, nil)
	if json.Unmarshal(body, &raw) != nil || raw["origin"].(map[string]any)["saved_epochs"] != nil {
		t.Errorf("saved_epochs should be JSON null when the file does not say: %.300s", body)
	}
	if _, has := raw["origin"].(map[string]any)["seed"]; has {
		t.Errorf("a loaded network has no seed of its own, but its origin names one: %.300s", body)
	}
}

// TestLabGreyDrawing: a drawing sent as the canvas's grey levels gives the numbers of the same
// drawing sent as a PNG, bit for bit, whether the PNG is grey or RGBA with R = G = B (as a
// canvas encodes it); with ?label=y it is the backward pass of /api/backward; and its size and
// length are checked before the body is used.
func TestLabGreyDrawing(t *testing.T) {
	_, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir())
	const w, h = 120, 90
	grey := make([]byte, w*h)
	rgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := byte(255)
			if d := math.Hypot(float64(x-60), float64(y-45)); d > 20 && d < 32 { // a ring, with grey edges
				v = byte(17 + 200*math.Abs(d-26)/6)
			}
			grey[y*w+x] = v
			rgba.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
		}
	}
	var pngRGBA bytes.Buffer
	if err := png.Encode(&pngRGBA, rgba); err != nil {
		t.Fatal(err)
	}
	answer := func(path, ctype string, body []byte) passResponse {
		t.Helper()
		status, b := request(t, "POST", srv.URL+path, ctype, body, nil)
		var res passResponse
		if status != 200 || json.Unmarshal(b, &res) != nil {
			t.Fatalf("%s %s: %d %.200s", path, ctype, status, b)
		}
		return res
	}
	fromGrey := answer(fmt.Sprintf("/api/draw?width=%d&height=%d&unit=2", w, h), "application/octet-stream", grey)
	fromPNG := answer("/api/draw?unit=2", "image/png", pngRGBA.Bytes())
	if !sameBits(fromGrey.Pixels, fromPNG.Pixels) || !sameBits(fromGrey.Yhat, fromPNG.Yhat) || fromGrey.Unit == nil || fromGrey.Loss != nil {
		t.Error("the grey levels and the RGBA PNG of the same drawing give different pixels or ŷ, or no unit, or a backward pass unasked")
	}
	var lit int
	for _, v := range fromGrey.Pixels {
		if v > 0 {
			lit++
		}
	}
	if lit < 50 {
		t.Errorf("the ring lights %d of the 784 pixels", lit)
	}
	back := answer(fmt.Sprintf("/api/draw?width=%d&height=%d&label=4", w, h), "application/octet-stream", grey)
	var want passResponse
	post(t, srv, "/api/backward", map[string]any{"pixels": fromGrey.Pixels, "label": 4}, &want)
	if back.Loss == nil || *back.Loss != *want.Loss || back.Label == nil || *back.Label != 4 || !sameBits(back.Delta[1], want.Delta[1]) || back.Step == nil {
		t.Error("draw with ?label=4 is not the backward pass of its pixels with y = 4")
	}
	for _, tc := range []struct {
		query string
		body  []byte
		says  string
	}{
		{"", grey, "width"},
		{"?width=120&height=x", grey, "width"},
		{"?width=120&height=90", grey[1:], "bytes"},
		{"?width=2000&height=2000", grey, "at most"},
		{"?width=120&height=90&label=x", grey, "label"},
		{"?width=120&height=90&label=12", grey, "label"},
		{"?width=120&height=90&unit=99", grey, "unit"},
		{"?width=10&height=10", make([]byte, 100), "no digit"},
	} {
		status, body := request(t, "POST", srv.URL+"/api/draw"+tc.query, "application/octet-stream", tc.body, nil)
		if status != 400 || !strings.Contains(string(body), tc.says) {
			t.Errorf("grey drawing %s (%d bytes): %d %s, want 400 saying %q", tc.query, len(tc.body), status, body, tc.says)
		}
	}
}

// TestLabGradcheckDistinctPixels: without "checks", the three pixels checked in the first layer
// have distinct brightness x_i, so that their rows, δ_j·x_i, differ.
func TestLabGradcheckDistinctPixels(t *testing.T) {
	_, srv := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir())
	for n := range 5 {
		var fw passResponse
		post(t, srv, "/api/forward", map[string]any{"test": n}, &fw)
		var gc gradcheckResponse
		if status := post(t, srv, "/api/gradcheck", map[string]any{"test": n}, &gc); status != 200 || len(gc.Checks) != 6 {
			t.Fatalf("gradcheck of test image %d: %d, %d checks", n, status, len(gc.Checks))
		}
		levels := map[float64]bool{}
		for _, c := range gc.Checks[:3] {
			levels[fw.Pixels[c.Input]] = true
		}
		distinct := map[float64]bool{}
		for _, v := range fw.Pixels {
			distinct[v] = true
		}
		if len(levels) != min(3, len(distinct)) {
			t.Errorf("test image %d: the pixels checked, %d, %d and %d, have %d distinct values of x", n,
				gc.Checks[0].Input, gc.Checks[1].Input, gc.Checks[2].Input, len(levels))
		}
	}
}
