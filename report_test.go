// report_test.go checks the files of the -out folder: the charts are well-formed SVG with one
// path per series and one point per epoch, history.csv reads back exactly, weights.png decodes
// at the expected size, report.html holds what it was given, and the confusion matrix of a
// known set of predictions is exact.

package main

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fakeHistory(epochs int) []epochStats {
	hist := make([]epochStats, epochs)
	for i := range hist {
		e := float64(i + 1)
		hist[i] = epochStats{i + 1, 1 / e, 1 - 0.1/e, 1.1 / e, 1 - 0.12/e, 0.2 + 1e-3*e}
	}
	return hist
}

// svgTokens parses an SVG document and returns its XML tokens, failing the test if it does not
// parse.
func svgTokens(t *testing.T, svg []byte) []xml.Token {
	t.Helper()
	var toks []xml.Token
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return toks
		}
		if err != nil {
			t.Fatalf("SVG does not parse as XML: %v", err)
		}
		toks = append(toks, xml.CopyToken(tok))
	}
}

// svgPaths parses an SVG document and returns the d attribute of each series path.
func svgPaths(t *testing.T, svg []byte) map[string]string {
	t.Helper()
	paths := map[string]string{}
	for _, tok := range svgTokens(t, svg) {
		if el, ok := tok.(xml.StartElement); ok && el.Name.Local == "path" {
			var class, name, d string
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "class":
					class = a.Value
				case "data-name":
					name = a.Value
				case "d":
					d = a.Value
				}
			}
			if class == "series" {
				paths[name] = d
			}
		}
	}
	return paths
}

func TestChartsHaveOnePointPerEpoch(t *testing.T) {
	for _, epochs := range []int{1, 2, 100, 1000} {
		lossSVG, accSVG := charts(fakeHistory(epochs))
		for _, svg := range [][]byte{lossSVG, accSVG} {
			paths := svgPaths(t, svg)
			if len(paths) != 2 {
				t.Fatalf("%d epochs: %d series paths, want 2 (training, evaluation)", epochs, len(paths))
			}
			for name, d := range paths {
				if n := strings.Count(d, "M") + strings.Count(d, "L"); n != epochs {
					t.Errorf("%d epochs: series %q has %d points", epochs, name, n)
				}
			}
			for _, want := range []string{"epoch", "training", "evaluation"} {
				if !bytes.Contains(svg, []byte(want)) {
					t.Errorf("%d epochs: chart lacks %q", epochs, want)
				}
			}
		}
	}
}

func TestHistoryRoundTrip(t *testing.T) {
	hist := fakeHistory(7)
	hist[3].EvalLoss = math.Pi // a number with every digit used
	var b bytes.Buffer
	if err := writeHistory(&b, hist); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "epoch,train_loss,train_acc,eval_loss,eval_acc,seconds\n") {
		t.Errorf("header: %q", strings.SplitN(b.String(), "\n", 2)[0])
	}
	back, err := readHistory(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(hist) {
		t.Fatalf("%d rows back, want %d", len(back), len(hist))
	}
	for i := range hist {
		if back[i] != hist[i] {
			t.Errorf("row %d: %+v back, wrote %+v", i, back[i], hist[i])
		}
	}
}

func TestConfusionMatrix(t *testing.T) {
	labels := []byte{0, 0, 1, 2, 2, 2, 9}
	pred := []byte{0, 1, 1, 2, 7, 2, 4}
	c := confusionOf(labels, pred)
	want := map[[2]int]int{{0, 0}: 1, {0, 1}: 1, {1, 1}: 1, {2, 2}: 2, {2, 7}: 1, {9, 4}: 1}
	for y := 0; y < numDigits; y++ {
		for p := 0; p < numDigits; p++ {
			if c[y][p] != want[[2]int{y, p}] {
				t.Errorf("confusion[%d][%d] = %d, want %d", y, p, c[y][p], want[[2]int{y, p}])
			}
		}
	}
	if got := c.digitAcc(2); math.Abs(got-2.0/3) > 1e-15 {
		t.Errorf("accuracy of digit 2 = %g, want 2/3", got)
	}
	if !math.IsNaN(c.digitAcc(5)) {
		t.Errorf("accuracy of a digit with no images is %g, want NaN", c.digitAcc(5))
	}
	var b bytes.Buffer
	c.print(&b)
	if lines := strings.Split(strings.TrimSpace(b.String()), "\n"); len(lines) != 12 {
		t.Errorf("printed confusion matrix has %d lines, want 12", len(lines))
	}
}

// TestReportFiles writes the five files for a small network and checks each.
func TestReportFiles(t *testing.T) {
	dir := t.TempDir()
	net := newNetwork([]int{imageSize, 20, numDigits}, 1)
	d := blocksData(30, 5)
	pred := make([]byte, d.Len())
	for i := range pred {
		pred[i] = byte((int(d.Labels[i]) + i%3) % numDigits) // a third right
	}
	result := &testResult{Score: Score{Loss: 0.25, Hits: 9512, N: 10000}, Confusion: confusionOf(d.Labels, pred),
		Mistakes: findMistakes(net, d, pred, 5)}
	if len(result.Mistakes) != 5 {
		t.Fatalf("%d mistakes found, want 5", len(result.Mistakes))
	}
	hist := fakeHistory(12)
	if err := writeReport(dir, nil, hist, net, result, runNote{Epochs: 12, Written: time.Now()}); err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, name := range []string{"loss.svg", "accuracy.svg"} {
		if paths := svgPaths(t, read(name)); len(paths) != 2 {
			t.Errorf("%s: %d series", name, len(paths))
		}
	}
	back, err := readHistory(bytes.NewReader(read("history.csv")))
	if err != nil || len(back) != len(hist) {
		t.Errorf("history.csv: %d rows, %v", len(back), err)
	}
	img, err := png.Decode(bytes.NewReader(read("weights.png")))
	if err != nil {
		t.Fatalf("weights.png: %v", err)
	}
	// 20 units: a grid of 5×4 tiles of 28·2 pixels plus a 2-pixel gap, and a 2-pixel margin.
	if b := img.Bounds(); b.Dx() != 5*58+2 || b.Dy() != 4*58+2 {
		t.Errorf("weights.png is %dx%d, want %dx%d", b.Dx(), b.Dy(), 5*58+2, 4*58+2)
	}
	page := string(read("report.html"))
	for _, want := range []string{"<!DOCTYPE html>", "0.9512 (9512/10000)", "course's 0.9054", "Confusion matrix",
		"What the 20 hidden units learned", "Misclassified test digits", "data:image/png;base64,", "<svg", "</html>"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Count(page, "<svg") != 3 || strings.Count(page, "</svg>") != 3 {
		t.Errorf("report.html should hold the network's drawing and the two charts inline")
	}
	for _, bad := range []string{`src="http`, `href="http`, "<script"} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html refers to something outside itself: %q", bad)
		}
	}
	// Nothing but the five files: no temporary file left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 5 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("out folder holds %v, want the five files", names)
	}
}

// BenchmarkWriteReport measures the files written after every epoch, at 100 epochs of history.
func BenchmarkWriteReport(b *testing.B) {
	net := newNetwork([]int{imageSize, 20, numDigits}, 1)
	hist := fakeHistory(100)
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := writeReport(dir, nil, hist, net, nil, runNote{}); err != nil {
			b.Fatal(err)
		}
	}
}
