// report_parts_test.go checks the course's four parts of report.html (report_math.go,
// report_net.go, report_page.go): they come in the course's order under a title block; the
// derivation's numbers are the functions' own, with the units whose ŷ rounded to exactly 0 or
// 1 said so; the network is drawn from its real sizes; the curves differ by more than colour,
// and the epoch of the best evaluation accuracy is marked.

package main

import (
	"bytes"
	"encoding/xml"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReportDerivation: a network whose output unit 3 has a = 50 or more (ŷ_3 exactly 1) and
// unit 4 a = −800 or less (ŷ_4 exactly 0) for every image.
func TestReportDerivation(t *testing.T) {
	net := newNetwork([]int{imageSize, 5, numDigits}, 1)
	out := net.Layers[len(net.Layers)-1]
	for k := 0; k < out.W.Cols; k++ {
		out.W.row(3)[k], out.W.row(4)[k] = 0, 0
	}
	out.B[3], out.B[4] = 50, -800
	d := blocksData(20, 3)
	i := 1 // a 1: neither 3 nor 4
	dv := derivationOf(net, d, i)
	if dv.Label != 1 || len(dv.Units) != numDigits || dv.Index != i {
		t.Fatalf("derivation of image %d: label %d, %d units", i, dv.Label, len(dv.Units))
	}
	if u := dv.Units[3]; !u.Rounded || u.Yhat != 1 || u.Delta != 1 || !math.IsNaN(u.Product) {
		t.Errorf("unit 3 (ŷ exactly 1, y = 0): %+v; want rounded, δ = 1, no product", u)
	}
	if u := dv.Units[4]; !u.Rounded || u.Yhat != 0 || u.Delta != 0 {
		t.Errorf("unit 4 (ŷ exactly 0, y = 0): %+v; want rounded, δ = 0", u)
	}
	for _, u := range dv.Units {
		if u.Rounded {
			continue
		}
		if u.Y != map[bool]int{true: 1, false: 0}[u.K == 1] {
			t.Errorf("unit %d: y = %d", u.K, u.Y)
		}
		// The cancellation holds to rounding: the product of the two factors is δ.
		if math.Abs(u.Product-u.Delta) > 1e-12 || u.DyhatDa <= 0 || u.DyhatDa > 0.25 {
			t.Errorf("unit %d: %+v: the product is not δ, or σ' is out of (0, 1/4]", u.K, u)
		}
	}
	// The lines show the true digit's unit and the largest wrong ŷ, which is unit 3's 1.
	if len(dv.Shown) != 2 || dv.Shown[0].K != 1 || dv.Shown[1].K != 3 {
		t.Errorf("the lines show units %+v, want 1 then 3", dv.Shown)
	}
	page := reportHTML(t, net, &testResult{Score: Score{Hits: 9, N: 10}, Example: dv}, nil)
	for _, want := range []string{"ŷ<sub>3</sub> has rounded to exactly 1", "not computed", "<math display=\"block\">", "test image 1, a 1"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if n := strings.Count(page, "<math"); n < len(mathLines())+6 {
		t.Errorf("report.html has %d MathML formulas, want the %d lines and their numbers", n, len(mathLines()))
	}
	if strings.Contains(page, "<script") {
		t.Error("report.html holds a script")
	}
}

// reportHTML writes the report of net with 12 epochs of a made-up history and returns its page.
func reportHTML(t *testing.T, net *Network, test *testResult, run *reportRun) string {
	t.Helper()
	dir := t.TempDir()
	if err := writeReport(dir, run, fakeHistory(12), net, test, runNote{Epochs: 12, Written: time.Now()}); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	return string(page)
}

// TestReportPartsInOrder: the title block, then the four parts, then the appendix.
func TestReportPartsInOrder(t *testing.T) {
	net := newNetwork([]int{imageSize, 20, numDigits}, 1)
	s := trainSettings{epochs: 12, batch: 10, lr: 0.5, etaDecay: 0.03, lambda: 5, seed: 1}
	run := &reportRun{Title: "Backprop <report>", Author: "A. Student", Started: time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC), Settings: s}
	page := reportHTML(t, net, &testResult{Score: Score{Hits: 9512, N: 10000}, Example: derivationOf(net, blocksData(10, 1), 0)}, run)
	last := -1
	for _, want := range []string{"<h1>Backprop &lt;report&gt;</h1>", "A. Student · run of 6 December 2026, 08:00 UTC",
		"1. The derivation", "2. The network: 784 − 20 − 10", "Hyperparameters", "3. Training curves", "4. Test accuracy",
		"0.9512 (9512/10000), against the course's 0.9054", "Appendix"} {
		i := strings.Index(page, want)
		if i < 0 {
			t.Errorf("report.html lacks %q", want)
			continue
		}
		if i < last {
			t.Errorf("%q is out of order", want)
		}
		last = i
	}
	for _, row := range []string{"<td>η&#39;s decay</td><td>3% an epoch", "<td class=\"flag\">-decay</td><td>beyond the notes</td>",
		"<td class=\"flag\">-lambda</td><td>beyond the notes</td>", "<td class=\"flag\">-batch</td><td>the course's</td>",
		"<td class=\"flag\">-lr</td><td>the course's</td>", "<td class=\"flag\">-epochs</td><td>the course's</td>"} {
		if !strings.Contains(page, row) {
			t.Errorf("the hyperparameters' table lacks %q", row)
		}
	}
}

// svgElements parses an SVG document and counts its elements by name, and gathers its texts.
func svgElements(t *testing.T, svg string) (map[string]int, string) {
	t.Helper()
	count := map[string]int{}
	var text strings.Builder
	for _, tok := range svgTokens(t, []byte(svg)) { // report_test.go
		switch el := tok.(type) {
		case xml.StartElement:
			count[el.Name.Local]++
		case xml.CharData:
			text.Write(el)
			text.WriteString(" ")
		}
	}
	return count, text.String()
}

// TestNetworkDrawing: the drawing follows the sizes: 784 input cells, one circle a unit up to
// maxDrawnUnits, then an ellipsis that counts the rest; each layer's parameters.
func TestNetworkDrawing(t *testing.T) {
	for _, c := range []struct {
		sizes   []int
		circles int
		texts   []string
	}{
		{[]int{784, 20, 10}, 30, []string{"input x: 784", "hidden: 20", "15,700 parameters", "output ŷ: 10", "210 parameters"}},
		{[]int{784, 100, 30, 10}, 27 + 4 + 30 + 10, []string{"hidden 1: 100", "69 more", "78,500 parameters", "hidden 2: 30", "3,030 parameters", "310 parameters"}},
		{[]int{784, 1, 10}, 11, []string{"785 parameters", "20 parameters"}},
	} {
		count, text := svgElements(t, string(networkSVG(c.sizes, nil)))
		if count["rect"] != 1+imageSize || count["circle"] != c.circles {
			t.Errorf("%v: %d cells and %d circles, want %d and %d", c.sizes, count["rect"]-1, count["circle"], imageSize, c.circles)
		}
		for _, want := range c.texts {
			if !strings.Contains(text, want) {
				t.Errorf("%v: the drawing lacks %q: %s", c.sizes, want, text)
			}
		}
	}
}

// TestChartsReadInGrey: the evaluation curve is dashed and the two have markers of two shapes,
// and the epoch of the best evaluation accuracy is marked on both charts.
func TestChartsReadInGrey(t *testing.T) {
	hist := fakeHistory(30)
	hist[17].EvalAcc = 0.999 // the best, epoch 18
	for _, svg := range func() [][]byte { l, a := charts(hist); return [][]byte{l, a} }() {
		if !bytes.Contains(svg, []byte(`data-name="evaluation"`)) || bytes.Count(svg, []byte(`stroke-dasharray="7 4"`)) != 2 {
			t.Errorf("the evaluation curve and its legend are not dashed")
		}
		if bytes.Count(svg, []byte(`class="marks"`)) != 2 || !bytes.Contains(svg, []byte("h7v7h-7Z")) || !bytes.Contains(svg, []byte("a3.5 3.5 0 1 0")) {
			t.Errorf("the curves lack their markers, squares and circles")
		}
		if !bytes.Contains(svg, []byte("best evaluation accuracy 0.9990, epoch 18")) || bytes.Count(svg, []byte(`<line class="mark"`)) != 1 {
			t.Errorf("the best epoch is not marked:\n%s", svg)
		}
		if !bytes.Contains(svg, []byte(">epoch</text>")) {
			t.Errorf("the chart has no axis label epoch")
		}
	}
}

// TestLabStopSaysStopped: the page an epoch of the lab writes says the run is under way; once
// the lab is stopped (Ctrl-C: close), it says the lab was stopped, after which epoch.
func TestLabStopSaysStopped(t *testing.T) {
	out := t.TempDir()
	l, srv := startLab(t, "-data", labData(t, 60, 10), "-download=false", "-epochs", "3", "-batch", "10", "-hidden", "4", "-out", out)
	post(t, srv, "/api/train", map[string]string{"action": "epoch"}, nil)
	waitFor(t, srv, "epoch 1", func(s labState) bool { return s.Epoch == 1 && !s.Training })
	page, _ := os.ReadFile(filepath.Join(out, "report.html"))
	if !bytes.Contains(page, []byte("under way")) {
		t.Fatalf("the lab's page after an epoch does not say the run is under way")
	}
	if err := l.close(); err != nil {
		t.Fatal(err)
	}
	page, _ = os.ReadFile(filepath.Join(out, "report.html"))
	if !bytes.Contains(page, []byte("The run was stopped: the lab was stopped (Ctrl-C or SIGTERM) after epoch 1.")) || bytes.Contains(page, []byte("under way")) {
		t.Errorf("the lab's page, once stopped, does not say so:\n%.2000s", page)
	}
}
