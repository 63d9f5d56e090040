// report.go writes what a run leaves in its -out folder, every file through writeFileAtomic and
// rewritten after every epoch so that it is useful while a long run goes on:
//
//	history.csv    one row per epoch: losses, accuracies, seconds
//	loss.svg       training and evaluation loss against epoch
//	accuracy.svg   training and evaluation accuracy against epoch
//	weights.png    each first-layer unit's 784 incoming weights as a 28×28 tile
//	report.html    one self-contained page with all four of these, and, once the run is over, the
//	               test results: accuracy, confusion matrix, per-digit accuracy, mistakes
//
// report.html says when it was written and how far the run was, so that the page of a run that
// was killed (which can write nothing more) does not seem to be still going; a run that stopped
// early says why: interrupted, or diverged (then only report.html is rewritten, with the charts
// and weights of the last good epoch).
//
// It also prints the confusion matrix to the terminal.

package main

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// courseAccuracy is the test accuracy the course's own run reached.
const courseAccuracy = 0.9054

// epochStats is one epoch's line of the report: a row of history.csv, a point of each chart, a
// row of report.html. session.endEpoch (session.go) fills one in after each epoch and prints it.
// Its JSON names (the lab's GET /api/state, lab_state.go) are those of history.csv's columns.
type epochStats struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"`
	TrainAcc  float64 `json:"train_acc"`
	EvalLoss  float64 `json:"eval_loss"`
	EvalAcc   float64 `json:"eval_acc"`
	Seconds   float64 `json:"seconds"`
}

// epochText is the line a run prints after each epoch, the program's (session.endEpoch) and the
// course's loop's (trainPlain) alike: the epoch of epochs, the losses and accuracies, timing
// (the time since training began and the time left, or ""), and the seconds of the training
// pass alone.
func epochText(epochs int, s epochStats, timing string) string {
	return fmt.Sprintf("epoch %*d/%d  train loss %s acc %.4f  eval loss %s acc %.4f  %s%.3fs",
		len(strconv.Itoa(epochs)), s.Epoch, epochs, lossString(s.TrainLoss), s.TrainAcc, lossString(s.EvalLoss), s.EvalAcc, timing, s.Seconds)
}

// lossString prints a loss with four decimals, or in exponent form once it is so large that
// training is running away (and would print hundreds of digits).
func lossString(v float64) string {
	if math.Abs(v) < 1e6 {
		return fmt.Sprintf("%.4f", v)
	}
	return fmt.Sprintf("%.3e", v)
}

var historyHeader = []string{"epoch", "train_loss", "train_acc", "eval_loss", "eval_acc", "seconds"}

// writeHistory writes one CSV row per epoch, numbers in the shortest form that reads back exactly.
func writeHistory(w io.Writer, hist []epochStats) error {
	cw := csv.NewWriter(w)
	cw.Write(historyHeader)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, s := range hist {
		cw.Write([]string{strconv.Itoa(s.Epoch), f(s.TrainLoss), f(s.TrainAcc), f(s.EvalLoss), f(s.EvalAcc), f(s.Seconds)})
	}
	cw.Flush()
	return cw.Error()
}

// readHistory reads what writeHistory wrote.
func readHistory(r io.Reader) ([]epochStats, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != strings.Join(historyHeader, ",") {
		return nil, fmt.Errorf("history: header is not %s", strings.Join(historyHeader, ","))
	}
	var hist []epochStats
	for i, row := range rows[1:] {
		var v [6]float64
		for j := range v {
			if v[j], err = strconv.ParseFloat(row[j], 64); err != nil {
				return nil, fmt.Errorf("history: row %d: %v", i+2, err)
			}
		}
		hist = append(hist, epochStats{int(v[0]), v[1], v[2], v[3], v[4], v[5]})
	}
	return hist, nil
}

// confusion counts, for each true digit (row) and predicted digit (column), the images of a data
// set: the test images in the report and the terminal, the evaluation images in the lab.
type confusion [numDigits][numDigits]int

func confusionOf(labels, pred []byte) confusion {
	var c confusion
	for i, y := range labels {
		c[y][pred[i]]++
	}
	return c
}

// digitAcc is the fraction of images of digit d predicted right.
func (c confusion) digitAcc(d int) float64 {
	n := 0
	for _, v := range c[d] {
		n += v
	}
	if n == 0 {
		return math.NaN()
	}
	return float64(c[d][d]) / float64(n)
}

// print writes the matrix as text, rows the true digits, columns the predictions.
func (c *confusion) print(w io.Writer) {
	fmt.Fprintln(w, "confusion matrix on the test set (rows: true digit, columns: predicted digit)")
	fmt.Fprint(w, "     ")
	for d := 0; d < numDigits; d++ {
		fmt.Fprintf(w, "%6d", d)
	}
	fmt.Fprintln(w, "   right")
	for y := 0; y < numDigits; y++ {
		fmt.Fprintf(w, "%5d", y)
		for p := 0; p < numDigits; p++ {
			fmt.Fprintf(w, "%6d", c[y][p])
		}
		fmt.Fprintf(w, "  %6.4f\n", c.digitAcc(y))
	}
}

// mistake is one misclassified test image for the gallery.
type mistake struct {
	Index       int
	Label, Pred int
	Confidence  float64 // ŷ of the predicted digit
	Image       template.HTML
}

// findMistakes returns up to n misclassified test images, in order, with the network's ŷ for
// its wrong answer.
func findMistakes(net *Network, d Dataset, pred []byte, n int) []mistake {
	var out []mistake
	p := net.newPass(1)
	for i := 0; i < d.Len() && len(out) < n; i++ {
		if pred[i] == d.Labels[i] {
			continue
		}
		p.setImage(0, d.image(i), d.Labels[i])
		net.forward(p)
		out = append(out, mistake{Index: i, Label: int(d.Labels[i]), Pred: int(pred[i]),
			Confidence: p.S[len(p.S)-1].Data[pred[i]],
			Image:      imgTag(pngBytes(digitImage(d.image(i), 2)), fmt.Sprintf("test image %d", i), 56)})
	}
	return out
}

// digitImage draws 784 pixels as a dark digit on a light ground, each pixel zoom×zoom.
func digitImage(pixels []byte, zoom int) image.Image {
	img := image.NewGray(image.Rect(0, 0, imageCols*zoom, imageRows*zoom))
	for k, v := range pixels {
		for dy := 0; dy < zoom; dy++ {
			for dx := 0; dx < zoom; dx++ {
				img.SetGray((k%imageCols)*zoom+dx, (k/imageCols)*zoom+dy, color.Gray{Y: 255 - v})
			}
		}
	}
	return img
}

// pngBytes encodes img as PNG.
func pngBytes(img image.Image) []byte {
	var b bytes.Buffer
	writePNG(&b, img)
	return b.Bytes()
}

// imgTag is an <img> element holding a PNG as a data: URL, so that the page needs no other
// file. Base64 and the fixed alt texts need no escaping, and html/template's escaping of a
// long URL costs more than the rest of the page, so the element is built here.
func imgTag(png []byte, alt string, size int) template.HTML {
	dims := ""
	if size > 0 {
		dims = fmt.Sprintf(` width="%d" height="%d"`, size, size)
	}
	return template.HTML(`<img src="data:image/png;base64,` + base64.StdEncoding.EncodeToString(png) +
		`"` + dims + ` alt="` + template.HTMLEscapeString(alt) + `">`)
}

// testResult is what the end of a run adds to the report.
type testResult struct {
	Score       Score
	Confusion   confusion
	Mistakes    []mistake
	Interrupted bool
	Example     *derivation // the derivation's numbers, for one test image (report_math.go)
}

// runNote is what report.html says about the run as it stands, besides its numbers.
type runNote struct {
	Epochs      int       // the epochs the run is to train (-epochs)
	Written     time.Time // when the page is written
	Interrupted int       // the epoch in which Ctrl-C or SIGTERM stopped the run, if it did
	Diverged    string    // why training stopped, if it diverged: "training diverged in epoch 3: …"
	Stopped     string    // why the lab's training stopped, if it was stopped: "the lab was stopped …"
}

// When is the time the page was written, as a reader anywhere reads it.
func (n runNote) When() string { return n.Written.Format("2006-01-02 15:04:05 MST") }

// reportData is everything report.html shows.
type reportData struct {
	Run     *reportRun
	Sizes   []int
	Hyper   []hyperRow
	Params  int
	Math    []template.HTML // the lines of the derivation (report_math.go)
	NetSVG  template.HTML   // the network drawn (report_net.go)
	Hist    []epochStats
	Best    *epochStats // the epoch of the best evaluation accuracy, nil before the first
	Trained float64     // seconds of training, all epochs
	LossSVG template.HTML
	AccSVG  template.HTML
	Weights template.HTML
	Units   int
	Test    *testResult
	Course  float64
	Note    runNote
}

// Took is the time from the run's start to this page, "" if the start is not known.
func (d reportData) Took() string {
	if d.Run.Started.IsZero() || d.Note.Written.Before(d.Run.Started) {
		return ""
	}
	return shortDuration(d.Note.Written.Sub(d.Run.Started))
}

// bestEpoch is the first epoch of the highest evaluation accuracy, or 0 for none.
func bestEpoch(hist []epochStats) int {
	best := 0
	for i, s := range hist {
		if best == 0 || s.EvalAcc > hist[best-1].EvalAcc {
			best = i + 1
		}
	}
	return best
}

// charts draws the two charts of a history, the curves told apart by colour, dashes and markers,
// and the epoch of the best evaluation accuracy marked on both.
func charts(hist []epochStats) (lossSVG, accSVG []byte) {
	var tl, el, ta, ea []float64
	for _, s := range hist {
		tl, el = append(tl, s.TrainLoss), append(el, s.EvalLoss)
		ta, ea = append(ta, s.TrainAcc), append(ea, s.EvalAcc)
	}
	best, label := bestEpoch(hist), ""
	if best > 0 {
		label = fmt.Sprintf("best evaluation accuracy %.4f, epoch %d", hist[best-1].EvalAcc, best)
	}
	var lb, ab bytes.Buffer
	lineChart(&lb, "Loss L, mean over images", "loss L", []series{{"training", "#1f77b4", tl, "", "circle"}, {"evaluation", "#d62728", el, "7 4", "square"}}, false, best, label)
	lineChart(&ab, "Accuracy", "accuracy (fraction right)", []series{{"training", "#1f77b4", ta, "", "circle"}, {"evaluation", "#d62728", ea, "7 4", "square"}}, true, best, label)
	return lb.Bytes(), ab.Bytes()
}

// reportFiles are the names of the files a run writes in its -out folder, in the order
// writeReport writes them (report.html last, so that it never shows charts older than itself).
func reportFiles() []string {
	return []string{"history.csv", "loss.svg", "accuracy.svg", "weights.png", "report.html"}
}

// writeReport writes the five files of the -out folder (reportFiles). run says what the page
// says about the run as a whole (nil: only the network's sizes); test is nil until the run is
// over.
func writeReport(dir string, run *reportRun, hist []epochStats, net *Network, test *testResult, note runNote) error {
	lossSVG, accSVG := charts(hist)
	weightsPNG := pngBytes(weightTiles(net.Layers[0].W, 2)) // 2 pixels a weight; the page shows it larger
	writes := map[string]func(io.Writer) error{
		"history.csv":  func(w io.Writer) error { return writeHistory(w, hist) },
		"loss.svg":     func(w io.Writer) error { _, err := w.Write(lossSVG); return err },
		"accuracy.svg": func(w io.Writer) error { _, err := w.Write(accSVG); return err },
		"weights.png":  func(w io.Writer) error { _, err := w.Write(weightsPNG); return err },
		"report.html": func(w io.Writer) error {
			return reportPage.Execute(w, pageData(run, net.Sizes, hist, lossSVG, accSVG, weightsPNG, test, note))
		},
	}
	for _, name := range reportFiles() {
		if err := writeFileAtomic(filepath.Join(dir, name), writes[name]); err != nil {
			return err
		}
	}
	return nil
}

// writeStoppedReport rewrites report.html alone for a run that stopped after hist, the epochs
// that went well: one whose training diverged (note.Diverged), or the lab's, stopped
// (note.Stopped). It shows their charts, and the weights.png the last of them wrote, since the
// network's weights are no longer finite, or have moved since. The other files stay those of the
// last good epoch.
func writeStoppedReport(dir string, run *reportRun, hist []epochStats, sizes []int, note runNote) error {
	weightsPNG, err := os.ReadFile(filepath.Join(dir, "weights.png"))
	if err != nil {
		return fmt.Errorf("cannot read %s: %v", filepath.Join(dir, "weights.png"), unwrapPathError(err))
	}
	lossSVG, accSVG := charts(hist)
	return writeFileAtomic(filepath.Join(dir, "report.html"), func(w io.Writer) error {
		return reportPage.Execute(w, pageData(run, sizes, hist, lossSVG, accSVG, weightsPNG, nil, note))
	})
}

// pageData gathers what report.html shows.
func pageData(run *reportRun, sizes []int, hist []epochStats, lossSVG, accSVG, weightsPNG []byte, test *testResult, note runNote) reportData {
	if run == nil {
		run = &reportRun{Title: defaultTitle}
	}
	d := reportData{Run: run, Sizes: sizes, Hyper: hyperRows(sizes, run.Settings), Params: totalParams(sizes), Math: mathLines(),
		Hist: hist, LossSVG: template.HTML(lossSVG), AccSVG: template.HTML(accSVG),
		Weights: imgTag(weightsPNG, "first-layer weights as 28×28 tiles", 0),
		Units:   sizes[1], Test: test, Course: courseAccuracy, Note: note}
	var pixels []byte
	if test != nil && test.Example != nil {
		pixels = test.Example.Pixels
	}
	d.NetSVG = networkSVG(sizes, pixels)
	if b := bestEpoch(hist); b > 0 {
		d.Best = &hist[b-1]
	}
	for _, s := range hist {
		d.Trained += s.Seconds
	}
	return d
}

// shade colours a confusion-matrix cell by its count: blue on the diagonal, red off it. The
// diagonal's counts are bold, so that they read on a printer that drops the shading.
func shade(n, y, p int) template.CSS {
	if n == 0 {
		return ""
	}
	t := math.Min(1, log1p(float64(n))/log1p(1000))
	r, g, b := 0x21, 0x66, 0xac
	if y != p {
		r, g, b = 0xb2, 0x18, 0x2b
	}
	mix := func(c int) int { return int(255 - float64(t*float64(255-c))) }
	text := "#222"
	if t > 0.6 {
		text = "white"
	}
	bold := ""
	if y == p {
		bold = "; font-weight: bold"
	}
	return template.CSS(fmt.Sprintf("background: rgb(%d,%d,%d); color: %s%s", mix(r), mix(g), mix(b), text, bold))
}

// shortDuration writes a time as the epoch line gives it: "4.2s", "38s", "3m05s", "1h02m".
func shortDuration(d time.Duration) string {
	switch s := d.Seconds(); {
	case s < 9.95:
		return fmt.Sprintf("%.1fs", s)
	case s < 59.5:
		return fmt.Sprintf("%.0fs", s)
	case s < 3600:
		m := int(math.Round(s))
		return fmt.Sprintf("%dm%02ds", m/60, m%60)
	default:
		m := int(math.Round(s / 60))
		return fmt.Sprintf("%dh%02dm", m/60, m%60)
	}
}
