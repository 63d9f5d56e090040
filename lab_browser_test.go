// lab_browser_test.go opens the lab's page in a real browser, headless Chromium, and uses it as
// a learner would: it trains the network through the API, draws a 3 on the canvas with the mouse
// (Chromium turns the mouse into the pointer events the page listens to), and checks the digit
// the page then shows. It catches what the Go tests of the API cannot: a script error, a broken
// canvas or pointer handler, a page that sends the server something other than what it drew, or
// a request to another host.
//
// Chromium is driven without any library, over the DevTools protocol on a pipe
// (--remote-debugging-pipe): it reads commands from its file descriptor 3 and writes replies and
// events to its file descriptor 4, each message one JSON object ended by a NUL byte. cdpClient
// (this file) is the whole client: a writer, and a reader goroutine that hands replies to their callers
// by id and keeps the events the test looks at.
//
// The test is skipped without Chromium or without MNIST_DIR (a network that reads digits needs
// the real data), and every wait is bounded, so it never hangs.

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// browserTestTimeout bounds the whole test: loading MNIST, two epochs, Chromium and the drawing
// took about 10 s together on an AMD EPYC with 2 CPUs, busy with other work.
const browserTestTimeout = 60 * time.Second

// TestLabInBrowser draws a 3 on the page of a lab whose network has trained two epochs, in a
// window of 1280×800, and requires the page to show the prediction 3, the same prediction the
// server gives for the page's canvas, with the prediction and the network's picture in the
// window without scrolling; the accessibility tree to name the drawing canvas and the progress
// bar; a click on y = 3 to change the picture's edges (they carry δ back) and press its button;
// no script error, and no request to another host.
func TestLabInBrowser(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		t.Skip("no Chromium: none of chromium, chromium-browser, google-chrome on PATH nor /usr/bin/chromium; skipping the browser test of the lab")
	}
	if os.Getenv("MNIST_DIR") == "" {
		t.Skip("MNIST_DIR is not set: skipping the browser test of the lab (it trains on the real MNIST files to read a drawn digit)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), browserTestTimeout)
	defer cancel()
	began := time.Now()

	// The lab, in-process, as `go run . -serve` starts it (lab_test.go). Cleanups run last-in
	// first-out: the browser (registered after, by startBrowser) goes first, then the lab and its server.
	_, srv := startLab(t, "-data", os.Getenv("MNIST_DIR"), "-download=false", "-out", t.TempDir(), "-workers", "1")

	// Two epochs through the API, as the page's "One epoch" button does: an untrained network
	// reads nothing, and two epochs read a clear 3.
	for epoch := 1; epoch <= 2; epoch++ {
		if err := trainLabEpoch(ctx, srv.URL, epoch); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("lab: 2 epochs trained after %.1f s", time.Since(began).Seconds())

	b := startBrowser(t, chromium)
	s := blankPage(ctx, t, b) // helpers_test.go
	// A laptop's window: everything to play with must be on its first screen.
	if err := b.call(ctx, s, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.call(ctx, s, "Page.navigate", map[string]any{"url": srv.URL + "/"}, nil); err != nil {
		t.Fatal(err)
	}

	// The page sets body.dataset.ready once it has its first state from the server. Evaluating
	// during the navigation may fail (the old document goes away): that is "not yet".
	if err := pollFor(ctx, 20*time.Second, func() (bool, error) {
		var ready any
		b.eval(ctx, s, "document.body && document.body.dataset.ready", &ready)
		return ready == "1", nil
	}); err != nil {
		t.Fatalf("the page never set document.body.dataset.ready = \"1\": %v", err)
	}

	// The elements the page promises; a missing one is named rather than found by a TypeError.
	var missing []string
	if err := b.eval(ctx, s, `["draw", "clear", "prediction", "status"].filter(id => !document.getElementById(id))`, &missing); err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Fatalf("the page lacks the elements with id %v", missing)
	}
	var before string
	if err := b.eval(ctx, s, `document.getElementById('prediction').textContent`, &before); err != nil {
		t.Fatal(err)
	}
	if before != "" {
		t.Errorf("#prediction shows %q before anything was drawn; want it empty", before)
	}

	// The accessibility tree names the drawing canvas and the progress bar.
	checkAXNames(ctx, t, b, s)

	// Where the canvas is on the screen, in CSS pixels, without scrolling: the content box,
	// inside its border.
	var rect struct{ X, Y, Width, Height float64 }
	if err := b.eval(ctx, s, `(() => { const d = document.getElementById('draw'), r = d.getBoundingClientRect();
		return JSON.stringify({x: r.x + d.clientLeft, y: r.y + d.clientTop, width: d.clientWidth, height: d.clientHeight}); })()`, &rect); err != nil {
		t.Fatal(err)
	}
	if rect.Width < 100 || rect.Height < 100 || rect.Y+rect.Height > 800 {
		t.Fatalf("the canvas #draw is %g×%g CSS pixels at y = %g on a 1280×800 window; want about 280×280, inside the window", rect.Width, rect.Height, rect.Y)
	}

	// Draw the 3 as one stroke: press, move along the path, release.
	path := strokeOfThree()
	mouse := func(typ string, p [2]float64, buttons int) error {
		return b.call(ctx, s, "Input.dispatchMouseEvent", map[string]any{"type": typ,
			"x": rect.X + p[0]*rect.Width, "y": rect.Y + p[1]*rect.Height,
			"button": "left", "buttons": buttons, "clickCount": 1}, nil)
	}
	if err := mouse("mousePressed", path[0], 1); err != nil {
		t.Fatal(err)
	}
	for _, p := range path[1:] {
		if err := mouse("mouseMoved", p, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := mouse("mouseReleased", path[len(path)-1], 0); err != nil {
		t.Fatal(err)
	}

	// The page posts its canvas on release and shows the answer. Wait until it shows a digit
	// that is also what the server answers for the canvas as it is now: an earlier answer, for
	// part of the stroke, may still be on the screen for a moment.
	var shown string
	var server passResponse
	err := pollFor(ctx, 10*time.Second, func() (bool, error) {
		if err := b.eval(ctx, s, `document.getElementById('prediction').textContent`, &shown); err != nil {
			return false, err
		}
		if len(shown) != 1 || shown[0] < '0' || shown[0] > '9' {
			return false, nil
		}
		png, err := canvasPNG(ctx, b, s)
		if err != nil {
			return false, err
		}
		server = passResponse{}
		if err := postToLab(ctx, srv.URL+"/api/draw", "image/png", png, &server); err != nil {
			return false, err
		}
		return shown == fmt.Sprint(server.Prediction), nil
	})
	if err != nil {
		t.Errorf("the page shows prediction %q; the server's /api/draw of the page's canvas gives %d (%v)", shown, server.Prediction, err)
	}
	yhat := make([]string, len(server.Yhat))
	for k, v := range server.Yhat {
		yhat[k] = fmt.Sprintf("%d:%.3f", k, v)
	}
	t.Logf("drawn 3: page shows %q, server predicts %d, ŷ = %s", shown, server.Prediction, strings.Join(yhat, " "))
	if shown != "3" {
		t.Errorf("the page reads the drawn 3 as %q; what the network saw (the drawing in MNIST's form):\n%s", shown, asciiDigit(server.Pixels))
	}

	// The prediction and the network's picture are in the window, and nothing has scrolled.
	var seen struct {
		ScrollY    float64
		Prediction struct{ Top, Bottom, Left, Right float64 }
		Net        struct{ Top, Bottom, Left, Right float64 }
		Nodes      int
	}
	if err := b.eval(ctx, s, `JSON.stringify({scrollY: window.scrollY,
		prediction: document.getElementById('prediction').getBoundingClientRect(),
		net: document.getElementById('net').getBoundingClientRect(),
		nodes: document.querySelectorAll('#net .node').length})`, &seen); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]struct{ Top, Bottom, Left, Right float64 }{"#prediction": seen.Prediction, "the network #net": seen.Net} {
		if r.Top < 0 || r.Left < 0 || r.Bottom > 800 || r.Right > 1280 || r.Bottom <= r.Top {
			t.Errorf("%s is at %+v, not inside the 1280×800 window", name, r)
		}
	}
	if seen.ScrollY != 0 || seen.Nodes != 30 {
		t.Errorf("the page scrolled to %g; the network shows %d units, want 20 + 10", seen.ScrollY, seen.Nodes)
	}

	// Choosing y = 3, with the mouse, runs the backward pass: its button is pressed, and the
	// edges of the picture change from the weights to the signals w_kj·δ_k they carry back.
	const edgesJS = `[...document.querySelectorAll('#net path.edge')].map(p => p.getAttribute('stroke') + p.getAttribute('stroke-width') + p.getAttribute('d')).join(';')`
	var forwardEdges, backwardEdges string
	if err := b.eval(ctx, s, edgesJS, &forwardEdges); err != nil || forwardEdges == "" {
		t.Fatalf("no edges in the network's picture (%v)", err)
	}
	clickElement(ctx, t, b, s, `document.querySelectorAll('#labels button')[3]`)
	var pressed string
	if err := pollFor(ctx, 5*time.Second, func() (bool, error) {
		if err := b.eval(ctx, s, edgesJS, &backwardEdges); err != nil {
			return false, err
		}
		err := b.eval(ctx, s, `document.querySelectorAll('#labels button')[3].getAttribute('aria-pressed')`, &pressed)
		return backwardEdges != forwardEdges && pressed == "true", err
	}); err != nil {
		t.Errorf("after a click on y = 3 the edges did not change, or the button is not pressed (aria-pressed %q): %v", pressed, err)
	}
	var checks int
	if err := pollFor(ctx, 5*time.Second, func() (bool, error) {
		err := b.eval(ctx, s, `document.querySelectorAll('#gradcheck tr').length`, &checks)
		return checks > 1, err
	}); err != nil {
		t.Errorf("no gradient check shown after y was chosen: %v", err)
	}
	checkPageAfterY(ctx, t, b, s)

	// LAB_SCREENSHOT=docs/lab.png makes the README's picture of the lab: this drawing, its true
	// digit clicked and a hidden unit picked, so that every section has its numbers.
	if path := os.Getenv("LAB_SCREENSHOT"); path != "" {
		screenshot(ctx, t, b, s, path)
	}

	// Clear, clicked with the mouse, empties the prediction.
	clickElement(ctx, t, b, s, `document.getElementById('clear')`)
	if err := pollFor(ctx, 5*time.Second, func() (bool, error) {
		return b.eval(ctx, s, `document.getElementById('prediction').textContent`, &shown) == nil && shown == "", nil
	}); err != nil {
		t.Errorf("after a click on Clear, #prediction still shows %q; want it empty", shown)
	}

	// Start, clicked in the training bar, moves nothing on the page (the space is reserved), and
	// Pause, there too, stops it.
	const placesJS = `JSON.stringify(['test-n', 'labels', 'net', 'origin', 'progress'].map(id => Math.round(document.getElementById(id).getBoundingClientRect().top)))`
	var placesBefore, placesTraining string
	if err := b.eval(ctx, s, placesJS, &placesBefore); err != nil {
		t.Fatal(err)
	}
	clickElement(ctx, t, b, s, `document.getElementById('train-start')`)
	var training bool
	if err := pollFor(ctx, 5*time.Second, func() (bool, error) {
		err := b.eval(ctx, s, `document.body.classList.contains('training') && !document.getElementById('train-pause').disabled`, &training)
		return training, err
	}); err != nil {
		t.Errorf("after a click on Start the page does not show training under way: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := b.eval(ctx, s, placesJS, &placesTraining); err != nil {
		t.Fatal(err)
	}
	if placesTraining != placesBefore {
		t.Errorf("starting to train moved the page: the tops of #test-n, #labels, #net, #origin and #progress went from %s to %s", placesBefore, placesTraining)
	}
	clickElement(ctx, t, b, s, `document.getElementById('train-pause')`)
	if err := pollFor(ctx, 5*time.Second, func() (bool, error) {
		err := b.eval(ctx, s, `document.body.classList.contains('training')`, &training)
		return !training, err
	}); err != nil {
		t.Errorf("after a click on Pause the page still shows training under way: %v", err)
	}

	// Nothing went wrong in the page, and it asked no other host for anything.
	requests := pageStayedHome(t, b, srv.URL+"/", srv.URL) // helpers_test.go
	t.Logf("%d requests, all to the lab; %.1f s in all", requests, time.Since(began).Seconds())
}

// checkPageAfterY checks, once y is picked on a network trained two epochs here, what issue 24
// asked of the page: it says what the network is (never "untrained"); L and δ_k stand beside ŷ;
// the charts' text is drawn at its own size (the viewBox is the box); the confusion matrix is one
// tab stop; focusing a unit opens its sum beside it, in the window, and asks the server nothing;
// and the training's controls and progress stay in the window when the page is scrolled down.
func checkPageAfterY(ctx context.Context, t *testing.T, b *cdpClient, s string) {
	t.Helper()
	var page struct {
		Origin, NetInfo, Loss string
		Deltas                int
		Charts                []float64 // the scale of each chart: its box's width over its viewBox's
		ConfStops             int
	}
	if err := b.eval(ctx, s, `JSON.stringify({origin: document.getElementById('origin-text').textContent,
		netInfo: document.getElementById('net-info').textContent, loss: document.getElementById('loss-box').textContent,
		deltas: [...document.querySelectorAll('#outputs .dv')].filter(e => /^δ /.test(e.textContent)).length,
		charts: ['chart-batch', 'chart-loss', 'chart-acc'].map(id => { const c = document.getElementById(id); return c.clientWidth / c.viewBox.baseVal.width; }),
		confStops: [...document.querySelectorAll('#confusion button')].filter(e => e.tabIndex === 0).length})`, &page); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.Origin, "trained here 2 epochs") || strings.Contains(page.Origin+page.NetInfo, "untrained") {
		t.Errorf("after two epochs the page says %q and %q; want \"trained here 2 epochs\", never \"untrained\"", page.Origin, page.NetInfo)
	}
	if !strings.HasPrefix(page.Loss, "L = ") || page.Deltas != 10 {
		t.Errorf("after y: beside ŷ %q and %d values of δ; want L and 10", page.Loss, page.Deltas)
	}
	for i, k := range page.Charts {
		if math.Abs(k-1) > 0.01 {
			t.Errorf("chart %d is drawn at %.3f of its size; want 1 (12-pixel text at 12 pixels)", i, k)
		}
	}
	if page.ConfStops != 1 {
		t.Errorf("the confusion matrix has %d tab stops; want 1 (the arrow keys move within it)", page.ConfStops)
	}

	b.mu.Lock()
	before := len(b.urls)
	b.mu.Unlock()
	var panel struct {
		Hidden                  bool
		Top, Bottom, NodeBottom float64
	}
	if err := b.eval(ctx, s, `new Promise(r => { const n = document.querySelector('#net [data-node="0:2"]'); n.focus();
		setTimeout(() => { const p = document.getElementById('node-panel'), q = p.getBoundingClientRect();
		r(JSON.stringify({hidden: p.hidden, top: q.top, bottom: q.bottom, nodeBottom: n.querySelector(".fill").getBoundingClientRect().bottom})); }, 400); })`, &panel); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	after := b.urls[before:]
	b.mu.Unlock()
	if len(after) != 0 {
		t.Errorf("focusing a unit of the network requested %v; want nothing", after)
	}
	if panel.Hidden || panel.Top < panel.NodeBottom-1 || panel.Top > panel.NodeBottom+20 || panel.Bottom > 800 {
		t.Errorf("the sum of the focused unit: hidden %v, from y = %.0f to %.0f, the unit's bottom at %.0f; want it just under the unit, in the window",
			panel.Hidden, panel.Top, panel.Bottom, panel.NodeBottom)
	}

	var bar struct{ Start, Progress struct{ Top, Bottom float64 } }
	if err := b.eval(ctx, s, `new Promise(r => { window.scrollTo(0, document.body.scrollHeight); requestAnimationFrame(() => requestAnimationFrame(() => {
		const q = (id) => document.getElementById(id).getBoundingClientRect();
		r(JSON.stringify({start: q('train-start'), progress: q('progress')})); window.scrollTo(0, 0); })); })`, &bar); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]struct{ Top, Bottom float64 }{"Start": bar.Start, "the progress bar": bar.Progress} {
		if r.Top < 0 || r.Bottom > 800 || r.Bottom <= r.Top {
			t.Errorf("scrolled to the bottom, %s is at y = %.0f to %.0f, not in the window", name, r.Top, r.Bottom)
		}
	}
}

// clickElement clicks the middle of the element that expr evaluates to with the mouse, once it
// is scrolled into view.
func clickElement(ctx context.Context, t *testing.T, b *cdpClient, s, expr string) {
	t.Helper()
	var r struct{ X, Y, Width, Height float64 }
	if err := b.eval(ctx, s, `(() => { const e = `+expr+`; e.scrollIntoView({block: 'nearest'}); return JSON.stringify(e.getBoundingClientRect()); })()`, &r); err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct {
		typ     string
		buttons int
	}{{"mousePressed", 1}, {"mouseReleased", 0}} {
		if err := b.call(ctx, s, "Input.dispatchMouseEvent", map[string]any{"type": e.typ,
			"x": r.X + r.Width/2, "y": r.Y + r.Height/2, "button": "left", "buttons": e.buttons, "clickCount": 1}, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// checkAXNames requires the accessibility tree, as a screen reader gets it, to hold the drawing
// canvas as an image named "drawing canvas…" and a progress bar with a name.
func checkAXNames(ctx context.Context, t *testing.T, b *cdpClient, s string) {
	t.Helper()
	var tree struct {
		Nodes []struct {
			Role struct{ Value string } `json:"role"`
			Name struct{ Value string } `json:"name"`
		} `json:"nodes"`
	}
	if err := b.call(ctx, s, "Accessibility.getFullAXTree", nil, &tree); err != nil {
		t.Fatal(err)
	}
	var canvas, progress bool
	for _, n := range tree.Nodes {
		canvas = canvas || (n.Role.Value == "image" || n.Role.Value == "img") && strings.HasPrefix(n.Name.Value, "drawing canvas")
		progress = progress || n.Role.Value == "progressbar" && strings.TrimSpace(n.Name.Value) != ""
	}
	if !canvas || !progress {
		t.Errorf("accessibility tree (%d nodes): drawing canvas named %v, progress bar named %v", len(tree.Nodes), canvas, progress)
	}
}

// screenshot clicks the true digit 3 and the first hidden layer's unit 5, and saves the top of
// the page (the training bar, the drawing, the network, the answer, the unit's sum, its maps and
// the start of the backward pass) as a PNG at 0.6 of its size, to keep the file small.
func screenshot(ctx context.Context, t *testing.T, b *cdpClient, s, path string) {
	var ignored any
	if err := b.eval(ctx, s, `document.querySelectorAll('#labels button')[3].click();
		document.querySelector('#net [data-node="0:5"]').dispatchEvent(new MouseEvent('click')); window.scrollTo(0, 0); 1`, &ignored); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // the backward pass and the unit's maps arrive
	// The unit's sum opens over the picture, beside the unit: closed for the picture of the page,
	// so that the whole network shows (the unit stays picked, its maps below).
	if err := b.eval(ctx, s, `closeNodePanel(); 1`, &ignored); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	var shot struct{ Data string }
	if err := b.call(ctx, s, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": 1280, "height": 1560, "scale": 0.6}}, &shot); err != nil {
		t.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", path, len(png))
}

// strokeOfThree is the path of a hand-drawn 3, in fractions of the canvas's width and height,
// inside its middle 60 %: an upper bump from the top left round to the centre, and a lower,
// slightly larger bump from the centre round to the bottom left. 64 points, as a mouse moving
// at a steady speed would report them.
func strokeOfThree() [][2]float64 {
	var path [][2]float64
	arc := func(cx, cy, r, from, to float64, n int) {
		for i := range n {
			a := (from + (to-from)*float64(i)/float64(n-1)) * math.Pi / 180 // degrees, y downwards
			path = append(path, [2]float64{cx + r*math.Cos(a), cy + r*math.Sin(a)})
		}
	}
	arc(0.48, 0.35, 0.14, -150, 90, 30) // upper bump: top left, over the top, right, to the centre
	arc(0.48, 0.64, 0.15, -90, 150, 34) // lower bump: centre, right, bottom, to the bottom left
	return path
}

// asciiDigit draws 784 pixel values in 0..1 as 28 lines of text, for a failure message.
func asciiDigit(x []float64) string {
	if len(x) != 28*28 {
		return fmt.Sprintf("(%d pixels, not 784)", len(x))
	}
	var sb strings.Builder
	for i, v := range x {
		sb.WriteByte(" .:oO#"[min(5, int(v*6))])
		if i%28 == 27 {
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// canvasPNG returns the page's canvas #draw as the PNG the page itself sends (canvas.toBlob).
func canvasPNG(ctx context.Context, b *cdpClient, session string) ([]byte, error) {
	var b64 string
	err := b.eval(ctx, session, `new Promise(r => document.getElementById('draw').toBlob(b =>
		r(b.arrayBuffer().then(a => btoa(String.fromCharCode(...new Uint8Array(a)))))))`, &b64)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(b64)
}

// ---------------------------------------------------------------------------------------------
// The lab's API, from Go (which sends no Sec-Fetch-Site or Origin: the lab's guards let it in).

// trainLabEpoch asks the lab for one epoch and waits until it has finished `want` epochs.
func trainLabEpoch(ctx context.Context, base string, want int) error {
	if err := postToLab(ctx, base+"/api/train", "application/json", []byte(`{"action":"epoch"}`), nil); err != nil {
		return err
	}
	var st struct {
		Epoch    int    `json:"epoch"`
		Training bool   `json:"training"`
		Message  string `json:"message"`
	}
	err := pollFor(ctx, 30*time.Second, func() (bool, error) {
		if err := getFromLab(ctx, base+"/api/state", &st); err != nil {
			return false, err
		}
		return st.Epoch >= want && !st.Training, nil
	})
	if err != nil {
		return fmt.Errorf("epoch %d: the lab is at epoch %d, training %v, message %q: %v", want, st.Epoch, st.Training, st.Message, err)
	}
	return nil
}

// postToLab posts body and decodes the JSON answer into v (if not nil); a status other than 200
// is an error carrying the lab's message.
func postToLab(ctx context.Context, url, ctype string, body []byte, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ctype)
	return doLabRequest(req, v)
}

func getFromLab(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	return doLabRequest(req, v)
}

func doLabRequest(req *http.Request, v any) error {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, res.Status, bytes.TrimSpace(b))
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(b, v)
}

// pollFor calls check every 50 ms until it says done, returns an error, or limit (or ctx) ends.
func pollFor(ctx context.Context, limit time.Duration, check func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		done, err := check()
		if done || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up after %v", limit)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Chromium and the DevTools protocol.

// findChromium returns the path of a Chromium or Chrome, or "" if there is none.
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// cdpClient speaks the DevTools protocol to one Chromium over its pipes.
type cdpClient struct {
	w       *os.File   // Chromium's fd 3: commands
	writeMu sync.Mutex // one message at a time on the pipe

	mu       sync.Mutex
	next     int                     // the last id used
	pending  map[int]chan cdpMessage // callers waiting for the reply with their id
	problems []string                // script errors, console errors, error log entries
	urls     []string                // every URL the page requested
	gone     chan struct{}           // closed when the reader ends (Chromium closed its pipe)
}

// cdpMessage is a reply ("id") or an event ("method") from Chromium.
type cdpMessage struct {
	ID        int             `json:"id"`
	Method    string          `json:"method"`
	SessionID string          `json:"sessionId"`
	Params    json.RawMessage `json:"params"`
	Result    json.RawMessage `json:"result"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// startBrowser starts a headless Chromium with its DevTools on pipes and returns a client for
// it. A cleanup closes it: Browser.close, then a kill if it has not gone within 5 s.
func startBrowser(t *testing.T, chromium string) *cdpClient {
	t.Helper()
	profile, logDir := t.TempDir(), t.TempDir() // made before the t.Cleanup that closes the browser: removed after it
	cmdR, cmdW, err := os.Pipe()                // we write commands, Chromium reads them on fd 3
	if err != nil {
		t.Fatal(err)
	}
	evR, evW, err := os.Pipe() // Chromium writes on fd 4, we read
	if err != nil {
		t.Fatal(err)
	}
	// Chromium's own chatter goes to a file (a file, not a Go writer, so that Wait does not wait
	// for a copying goroutine held open by Chromium's children); shown if the test fails.
	logPath := filepath.Join(logDir, "chromium.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--no-first-run",
		"--disable-sync", "--user-data-dir="+profile, "--remote-debugging-pipe", "about:blank")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.ExtraFiles = []*os.File{cmdR, evW} // fds 3 and 4 in Chromium
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmdR.Close() // Chromium's ends: ours closed, the reader sees EOF when Chromium goes
	evW.Close()
	waited := make(chan struct{})
	go func() { cmd.Wait(); close(waited) }()

	b := &cdpClient{w: cmdW, pending: map[int]chan cdpMessage{}, gone: make(chan struct{})}
	go b.read(evR)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		b.call(ctx, "", "Browser.close", nil, nil) // its reply may not come: Chromium is going
		select {
		case <-waited:
		case <-ctx.Done():
			t.Logf("Chromium did not exit within 5 s of Browser.close: killing it")
			cmd.Process.Kill()
			<-waited
		}
		cmdW.Close()
		evR.Close()
		if t.Failed() {
			if log, err := os.ReadFile(logPath); err == nil {
				if log = withoutDBus(log); len(log) > 0 {
					t.Logf("Chromium's output:\n%s", lastBytes(log, 4000))
				}
			}
		}
	})
	return b
}

// withoutDBus drops the lines in which Chromium complains that it finds no D-Bus, as it does on
// every start in a container: they would bury anything that matters.
func withoutDBus(log []byte) []byte {
	var kept []byte
	for _, line := range bytes.SplitAfter(log, []byte("\n")) {
		if !bytes.Contains(line, []byte("dbus")) {
			kept = append(kept, line...)
		}
	}
	return kept
}

// lastBytes returns the last n bytes of b.
func lastBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// read takes Chromium's messages, NUL-separated, until the pipe closes: replies go to their
// callers, and the events the test checks are kept.
func (b *cdpClient) read(r io.Reader) {
	defer close(b.gone)
	br := bufio.NewReader(r)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch, ok := b.pending[m.ID]; ok {
				delete(b.pending, m.ID)
				ch <- m // buffered: never blocks
			}
		} else {
			b.event(m)
		}
		b.mu.Unlock()
	}
}

// event keeps what the test checks of an event; the caller holds b.mu.
func (b *cdpClient) event(m cdpMessage) {
	switch m.Method {
	case "Runtime.exceptionThrown":
		var p struct {
			Details struct {
				Text      string `json:"text"`
				URL       string `json:"url"`
				Line      int    `json:"lineNumber"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		json.Unmarshal(m.Params, &p)
		d := p.Details
		b.problems = append(b.problems, fmt.Sprintf("exception at %s:%d: %s %s", d.URL, d.Line+1, d.Text, d.Exception.Description))
	case "Runtime.consoleAPICalled":
		var p struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		json.Unmarshal(m.Params, &p)
		if p.Type == "error" {
			var parts []string
			for _, a := range p.Args {
				if a.Value != nil {
					parts = append(parts, fmt.Sprint(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			b.problems = append(b.problems, "console.error: "+strings.Join(parts, " "))
		}
	case "Log.entryAdded":
		var p struct {
			Entry struct {
				Level string `json:"level"`
				Text  string `json:"text"`
				URL   string `json:"url"`
			} `json:"entry"`
		}
		json.Unmarshal(m.Params, &p)
		if p.Entry.Level == "error" {
			b.problems = append(b.problems, fmt.Sprintf("log error: %s (%s)", p.Entry.Text, p.Entry.URL))
		}
	case "Network.requestWillBeSent":
		var p struct {
			Request struct {
				URL string `json:"url"`
			} `json:"request"`
		}
		json.Unmarshal(m.Params, &p)
		b.urls = append(b.urls, p.Request.URL)
	}
}

// call sends a command (to the browser when session is "", else to that page's session) and
// decodes its result into v (if not nil).
func (b *cdpClient) call(ctx context.Context, session, method string, params, v any) error {
	ch := make(chan cdpMessage, 1)
	b.mu.Lock()
	b.next++
	id := b.next
	b.pending[id] = ch
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
	}()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	out, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	b.writeMu.Lock()
	_, err = b.w.Write(append(out, 0))
	b.writeMu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: %v", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if v == nil {
			return nil
		}
		return json.Unmarshal(m.Result, v)
	case <-b.gone:
		return fmt.Errorf("%s: Chromium has closed its pipe", method)
	case <-ctx.Done():
		return fmt.Errorf("%s: no reply: %v", method, ctx.Err())
	}
}

// eval evaluates a JavaScript expression in the page, awaiting it if it is a promise, and
// decodes its value into v. A string holding JSON (JSON.stringify) is decoded as that JSON when
// v is not a string. An exception in the expression is an error.
func (b *cdpClient) eval(ctx context.Context, session, expr string, v any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := b.call(ctx, session, "Runtime.evaluate",
		map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &r)
	if err != nil {
		return err
	}
	if r.Exception != nil {
		return fmt.Errorf("evaluating %q: %s %s", expr, r.Exception.Text, r.Exception.Exception.Description)
	}
	if len(r.Result.Value) == 0 { // undefined
		return errors.New("evaluating " + expr + ": undefined")
	}
	if _, isString := v.(*string); !isString {
		var s string
		if json.Unmarshal(r.Result.Value, &s) == nil && (strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")) {
			return json.Unmarshal([]byte(s), v)
		}
	}
	return json.Unmarshal(r.Result.Value, v)
}
