// report.go writes what a run leaves in its -out folder, every file through writeFileAtomic and
// rewritten after every epoch so that it is useful while a long run goes on:
//
//	history.csv    one row per epoch: losses, accuracies, seconds
//	loss.svg       training and evaluation loss against epoch
//	accuracy.svg   training and evaluation accuracy against epoch
//	weights.png    each first-layer unit's 784 incoming weights as a 28×28 tile
//	report.html    one self-contained page with all of the above, and, once the run is over, the
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
// row of report.html. main.go fills one in after each epoch and prints it.
// Its JSON names (the lab's, lab.go) are those of history.csv's columns.
type epochStats struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"`
	TrainAcc  float64 `json:"train_acc"`
	EvalLoss  float64 `json:"eval_loss"`
	EvalAcc   float64 `json:"eval_acc"`
	Seconds   float64 `json:"seconds"`
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
}

// runNote is what report.html says about the run as a whole, besides its numbers.
type runNote struct {
	Epochs      int       // the epochs the run is to train (-epochs)
	Written     time.Time // when the page is written
	Interrupted int       // the epoch in which Ctrl-C or SIGTERM stopped the run, if it did
	Diverged    string    // why training stopped, if it diverged: "training diverged in epoch 3: …"
}

// When is the time the page was written, as a reader anywhere reads it.
func (n runNote) When() string { return n.Written.Format("2006-01-02 15:04:05 MST") }

// reportData is everything report.html shows.
type reportData struct {
	Settings [][2]string
	Hist     []epochStats
	LossSVG  template.HTML
	AccSVG   template.HTML
	Weights  template.HTML
	Units    int
	Test     *testResult
	Course   float64
	Note     runNote
}

// charts draws the two charts of a history.
func charts(hist []epochStats) (lossSVG, accSVG []byte) {
	var tl, el, ta, ea []float64
	for _, s := range hist {
		tl, el = append(tl, s.TrainLoss), append(el, s.EvalLoss)
		ta, ea = append(ta, s.TrainAcc), append(ea, s.EvalAcc)
	}
	var lb, ab bytes.Buffer
	lineChart(&lb, "Loss L, mean over images", "loss", []series{{"training", "#1f77b4", tl}, {"evaluation", "#d62728", el}}, false)
	lineChart(&ab, "Accuracy", "accuracy", []series{{"training", "#1f77b4", ta}, {"evaluation", "#d62728", ea}}, true)
	return lb.Bytes(), ab.Bytes()
}

// reportFiles are the names of the files a run writes in its -out folder, in the order
// writeReport writes them (report.html last, so that it never shows charts older than itself).
func reportFiles() []string {
	return []string{"history.csv", "loss.svg", "accuracy.svg", "weights.png", "report.html"}
}

// writeReport writes the five files of the -out folder (reportFiles). test is nil until the run
// is over.
func writeReport(dir string, settings [][2]string, hist []epochStats, net *Network, test *testResult, note runNote) error {
	lossSVG, accSVG := charts(hist)
	weightsPNG := pngBytes(weightTiles(net.Layers[0].W, 2)) // 2 pixels a weight; the page shows it larger
	writes := map[string]func(io.Writer) error{
		"history.csv":  func(w io.Writer) error { return writeHistory(w, hist) },
		"loss.svg":     func(w io.Writer) error { _, err := w.Write(lossSVG); return err },
		"accuracy.svg": func(w io.Writer) error { _, err := w.Write(accSVG); return err },
		"weights.png":  func(w io.Writer) error { _, err := w.Write(weightsPNG); return err },
		"report.html": func(w io.Writer) error {
			return reportPage.Execute(w, reportData{Settings: settings, Hist: hist,
				LossSVG: template.HTML(lossSVG), AccSVG: template.HTML(accSVG),
				Weights: imgTag(weightsPNG, "first-layer weights as 28×28 tiles", 0),
				Units:   net.Sizes[1], Test: test, Course: courseAccuracy, Note: note})
		},
	}
	for _, name := range reportFiles() {
		if err := writeFileAtomic(filepath.Join(dir, name), writes[name]); err != nil {
			return err
		}
	}
	return nil
}

// writeStoppedReport rewrites report.html alone for a run whose training diverged after hist, the
// epochs that went well: their charts, and the weights.png the last of them wrote, since the
// network's weights are no longer finite. The other files stay those of the last good epoch.
func writeStoppedReport(dir string, settings [][2]string, hist []epochStats, units int, note runNote) error {
	weightsPNG, err := os.ReadFile(filepath.Join(dir, "weights.png"))
	if err != nil {
		return fmt.Errorf("cannot read %s: %v", filepath.Join(dir, "weights.png"), unwrapPathError(err))
	}
	lossSVG, accSVG := charts(hist)
	return writeFileAtomic(filepath.Join(dir, "report.html"), func(w io.Writer) error {
		return reportPage.Execute(w, reportData{Settings: settings, Hist: hist,
			LossSVG: template.HTML(lossSVG), AccSVG: template.HTML(accSVG),
			Weights: imgTag(weightsPNG, "first-layer weights as 28×28 tiles", 0),
			Units:   units, Course: courseAccuracy, Note: note})
	})
}

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":      func(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) },
	"f4":       func(v float64) string { return fmt.Sprintf("%.4f", v) },
	"shade":    shade,
	"digitAcc": func(c confusion, d int) float64 { return c.digitAcc(d) },
	"digits": func() []int {
		return []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	},
	"last": func(h []epochStats) epochStats { return h[len(h)-1] },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>MNIST backpropagation: run report</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; } td, th { padding: 3px 8px; text-align: right; }
table.settings td { text-align: left; }
table.settings td + td { overflow-wrap: anywhere; } table.settings td:first-child { color: #555; padding-right: 2em; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; } .charts svg { flex: 1 1 480px; max-width: 100%; height: auto; border: 1px solid #eee; }
.big { font-size: 1.4em; } .note { color: #666; } .status { font-size: 1.1em; }
table.confusion td { width: 2.8em; border: 1px solid #eee; } table.confusion th { color: #555; }
.gallery { display: flex; flex-wrap: wrap; gap: 10px; } .gallery figure { margin: 0; text-align: center; font-size: .85em; }
.gallery img, .weights img { image-rendering: pixelated; border: 1px solid #ccc; }
.weights img { zoom: 1.5; }
</style>
</head>
<body>
<h1>MNIST, a sigmoid network trained by backpropagation</h1>
<p class="status">{{if .Note.Diverged}}<strong>The run stopped: {{.Note.Diverged}}.</strong> This page shows the epochs before it, and the weights after the last of them.{{else if .Test}}{{if .Test.Interrupted}}<strong>The run was interrupted</strong>{{if .Note.Interrupted}} in epoch {{.Note.Interrupted}} of {{.Note.Epochs}}{{end}} (Ctrl-C or SIGTERM); these are the results of the network as it stood.{{else}}The run is complete.{{end}}{{else}}The run was under way when this page was written: the page is rewritten after every epoch{{if .Hist}} (the last one's training took {{printf "%.2f" (last .Hist).Seconds}} s){{end}}, and gets the test results when the run ends. If no newer page comes, the run stopped without finishing (it was killed, say).{{end}}</p>
<p class="note">Written {{.Note.When}}{{if .Note.Epochs}}, after epoch {{len .Hist}} of {{.Note.Epochs}}{{end}}.</p>

<h2>Settings</h2>
<table class="settings">{{range .Settings}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td></tr>{{end}}</table>

<h2>Test accuracy</h2>
{{if .Test}}<p class="big">{{f4 .Test.Score.Acc}} ({{.Test.Score.Hits}}/{{.Test.Score.N}}), against the course's {{f4 .Course}}.</p>
<p>Test loss {{f4 .Test.Score.Loss}}.{{if .Hist}} Final evaluation accuracy {{f4 (last .Hist).EvalAcc}} after {{len .Hist}} epochs.{{end}}</p>
{{else if .Note.Diverged}}<p class="note">Not measured: the test set is touched only once, when a run ends, and this one stopped before.</p>{{else}}<p class="note">Not measured yet: the test set is touched only once, when the run ends.</p>{{end}}

<h2>Training curves</h2>
<div class="charts">{{.LossSVG}}{{.AccSVG}}</div>

{{if .Test}}
<h2>Confusion matrix on the test set</h2>
<p class="note">Rows: the true digit. Columns: the network's answer. Darker cells hold more images; the diagonal is right.</p>
<table class="confusion">
<tr><th></th>{{range digits}}<th>{{.}}</th>{{end}}<th>right</th></tr>
{{$c := .Test.Confusion}}{{range $y := digits}}<tr><th>{{$y}}</th>{{range $p := digits}}{{$n := index (index $c $y) $p}}<td style="{{shade $n $y $p}}">{{$n}}</td>{{end}}<td>{{pct (digitAcc $c $y)}}</td></tr>
{{end}}</table>
{{end}}

<h2>What the {{.Units}} hidden units learned</h2>
<p class="note">Each tile is one first-layer unit's 784 incoming weights, laid out as the 28×28 image they look at: red where a lit pixel raises the unit's a, blue where it lowers it, white near zero. Each tile is scaled to its own largest |w|.</p>
<div class="weights">{{.Weights}}</div>

{{if .Test}}{{if .Test.Mistakes}}
<h2>Misclassified test digits</h2>
<p class="note">The first {{len .Test.Mistakes}} test images the network gets wrong, with the true digit, its answer and its output ŷ for that answer.</p>
<div class="gallery">{{range .Test.Mistakes}}<figure>{{.Image}}<figcaption>#{{.Index}}: {{.Label}} → {{.Pred}}<br>ŷ = {{printf "%.2f" .Confidence}}</figcaption></figure>{{end}}</div>
{{end}}{{end}}
</body>
</html>
`))

// shade colours a confusion-matrix cell by its count: blue on the diagonal, red off it.
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
	return template.CSS(fmt.Sprintf("background: rgb(%d,%d,%d); color: %s", mix(r), mix(g), mix(b), text))
}
