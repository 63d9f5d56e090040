// report_page.go is report.html's template: the course's report in its four parts and in its
// order (the derivation, the network and its hyperparameters, the curves, the test accuracy),
// under a title block, then the extras as an appendix (confusion matrix, weight tiles,
// mistakes). It is laid out for a screen of any width and for print, A4 or Letter: its print
// stylesheet keeps each heading on the page of what follows it (a heading and its first figure,
// table or line are one block that does not break), cuts no figure or table across pages,
// keeps the colours (print-color-adjust), and starts the appendix on a page of its own. The
// page holds only what Go computed: no script, no font, nothing fetched.

package main

import (
	"fmt"
	"html/template"
)

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":      func(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) },
	"f4":       func(v float64) string { return fmt.Sprintf("%.4f", v) },
	"pts":      func(v float64) string { return fmt.Sprintf("%+.2f", 100*v) },
	"shade":    shade,
	"digitAcc": func(c confusion, d int) float64 { return c.digitAcc(d) },
	"digits": func() []int {
		return []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	},
	"last":      func(h []epochStats) epochStats { return h[len(h)-1] },
	"inst":      mathInstance,
	"num":       htmlNum,
	"thousands": thousands,
	"secs":      func(v float64) string { return fmt.Sprintf("%.1f s", v) },
	"div":       func(a float64, n int) float64 { return a / float64(n) },
	"minus":     func(a, b float64) float64 { return a - b },
	"lineName": func(i int) template.HTML {
		return []template.HTML{"The loss of one image, summed over the 10 outputs, and the sigmoid.",
			"Its derivative in the output σ(a<sub>k</sub>): the two logarithms' derivatives, over one denominator.",
			"The derivative of σ, written in σ(a<sub>k</sub>) itself.",
			"The chain rule: ∂L/∂a<sub>k</sub> is the product of the two.",
			"The factor σ(a<sub>k</sub>)(1 − σ(a<sub>k</sub>)) cancels: δ of the output layer is σ(a) − y (outputDelta in backprop.go)."}[i]
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Run.Title}}: run report</title>
<style>
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.7em; margin: 0 0 .2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; padding-bottom: .2em; } h3 { margin: 1.2em 0 .4em; }
header.titleblock { border-bottom: 2px solid #222; padding-bottom: .6em; }
.byline { font-size: 1.1em; margin: .2em 0; }
table { border-collapse: collapse; } td, th { padding: 3px 8px; text-align: right; }
table.hyper td, table.hyper th { text-align: left; border-bottom: 1px solid #e4e4e4; vertical-align: top; }
table.hyper td.flag { font-family: ui-monospace, monospace; white-space: nowrap; }
table.units td, table.units th { border-bottom: 1px solid #e4e4e4; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; max-width: 100%; }
.line { margin: .8em 0 1em; padding-left: .8em; border-left: 3px solid #ccc; }
.line p { margin: .2em 0; } .formula { overflow-x: auto; overflow-y: hidden; font-size: 1.15em; }
.numbers { overflow-x: auto; overflow-y: hidden; color: #1a3d6b; }
.numbers math { margin: .3em 0; }
.rounded { color: #8a3b00; }
figure { margin: 1em 0; } figcaption { font-size: .9em; color: #444; }
svg { max-width: 100%; height: auto; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; } .charts figure { flex: 1 1 440px; margin: 0; } .charts svg { border: 1px solid #ddd; width: 100%; }
.big { font-size: 1.4em; } .note { color: #555; } .status { font-size: 1.05em; }
table.confusion td { width: 2.8em; border: 1px solid #ccc; } table.confusion th { color: #555; }
.gallery { display: flex; flex-wrap: wrap; gap: 10px; } .gallery figure { margin: 0; text-align: center; font-size: .85em; }
.gallery img, .weights img { image-rendering: pixelated; border: 1px solid #ccc; }
.weights img { width: min(100%, 450px); height: auto; }
@page { margin: 14mm 12mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h1 { font-size: 18pt; } h2 { font-size: 13pt; margin-top: 1.2em; } h3 { font-size: 11pt; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  .keep, figure, table, tr, .line, svg, img, math { break-inside: avoid; page-break-inside: avoid; }
  .charts figure { flex: 1 1 45%; }
  .appendix { break-before: page; page-break-before: always; }
  .scroll, .formula, .numbers { overflow: visible; }
  svg.net { width: 75%; display: block; margin: 0 auto; }
  .line { margin: .4em 0 .5em; } .formula { font-size: 1.05em; }
}
</style>
</head>
<body>
<header class="titleblock">
<h1>{{.Run.Title}}</h1>
{{if or .Run.Author (not .Run.Started.IsZero)}}<p class="byline">{{if .Run.Author}}{{.Run.Author}}{{if not .Run.Started.IsZero}} · {{end}}{{end}}{{if not .Run.Started.IsZero}}run of {{.Run.Date}}{{end}}</p>{{end}}
{{if .Run.Trainer}}<p>{{.Run.Trainer}}</p>{{end}}
<p class="status">{{if .Note.Diverged}}<strong>The run stopped: {{.Note.Diverged}}.</strong> This page shows the epochs before it, and the weights after the last of them.{{else if .Note.Stopped}}<strong>The run was stopped: {{.Note.Stopped}}.</strong> This page shows the epochs it finished, and the weights after the last of them; no test accuracy was measured.{{else if .Test}}{{if .Test.Interrupted}}<strong>The run was interrupted</strong>{{if .Note.Interrupted}} in epoch {{.Note.Interrupted}} of {{.Note.Epochs}}{{end}} (Ctrl-C or SIGTERM); these are the results of the network as it stood.{{else}}The run is complete.{{end}}{{else}}The run was under way when this page was written: the page is rewritten after every epoch{{if .Hist}} (the last one's training took {{printf "%.2f" (last .Hist).Seconds}} s){{end}}, and gets the test results when the run ends. If no newer page comes, the run stopped without finishing (it was killed, say).{{end}}</p>
<p class="note">Written {{.Note.When}}{{if .Note.Epochs}}, after epoch {{len .Hist}} of {{.Note.Epochs}}{{end}}.</p>
</header>

<section id="derivation">
<div class="keep">
<h2>1. The derivation: ∂L/∂a = σ(a) − y</h2>
<p>For one image, with y the one-hot target (y<sub>k</sub> = 1 for the true digit, else 0) and the output ŷ = σ(a), each line of the course's derivation of the output layer's δ = ∂L/∂a.
{{if .Test}}{{with .Test.Example}}Under each line, in blue, the same line with this run's numbers for test image {{.Index}}, a {{.Label}} (the network answers {{.Pred}}): for k = {{(index .Shown 0).K}}, the true digit{{if gt (len .Shown) 1}}, and k = {{(index .Shown 1).K}}, the largest wrong output{{end}}. They are computed by the functions training uses (forward, outputDelta, sigmoidPrimeFromSigma); this page only prints them.{{end}}{{else}}This run's numbers, for one test image, come with the test accuracy when the run ends: the test set is touched once.{{end}}</p>
</div>
{{range $i, $m := .Math}}<div class="line keep">
<p>{{lineName $i}}</p>
<div class="formula">{{$m}}</div>
{{if $.Test}}{{with $.Test.Example}}{{$ex := .}}<div class="numbers">{{range .Shown}}{{if and .Rounded (or (eq $i 1) (eq $i 3))}}<p class="rounded">k = {{.K}}: ŷ<sub>{{.K}}</sub> has rounded to exactly {{.Yhat}}, so ŷ<sub>{{.K}}</sub>(1 − ŷ<sub>{{.K}}</sub>) = 0 and ∂L/∂ŷ<sub>{{.K}}</sub> divides by 0: not a number. The product form is not computed here; σ(a) − y is, directly, which is why outputDelta computes it so.</p>{{else}}{{inst $ex $i .}}{{if eq $i 4}}<p>k = {{.K}}: the product of the two factors and σ(a<sub>{{.K}}</sub>) − y<sub>{{.K}}</sub> are {{.Agree}}.</p>{{end}}{{end}}{{end}}</div>{{end}}{{end}}
</div>
{{end}}
{{if .Test}}{{with .Test.Example}}<div class="keep">
<h3>Every output unit of test image {{.Index}}</h3>
<div class="scroll"><table class="units">
<tr><th>k</th><th>a<sub>k</sub></th><th>ŷ<sub>k</sub> = σ(a<sub>k</sub>)</th><th>y<sub>k</sub></th><th>∂L/∂ŷ<sub>k</sub></th><th>∂ŷ<sub>k</sub>/∂a<sub>k</sub></th><th>their product</th><th>σ(a<sub>k</sub>) − y<sub>k</sub></th></tr>
{{range .Units}}<tr><td>{{.K}}</td><td>{{num .A}}</td><td>{{num .Yhat}}</td><td>{{.Y}}</td>{{if .Rounded}}<td colspan="3" class="rounded">ŷ<sub>k</sub> is exactly {{.Yhat}}: 0/0 or 1/0, not computed</td>{{else}}<td>{{num .DlDyhat}}</td><td>{{num .DyhatDa}}</td><td>{{num .Product}}</td>{{end}}<td>{{num .Delta}}</td></tr>
{{end}}</table></div>
<p class="note">L of this image: {{num .Loss}}. Where ŷ<sub>k</sub> rounds to exactly 0 or 1 (|a<sub>k</sub>| above some 37, or −745), the two factors are 0/0 or ±1/0 and their product is not a number, while σ(a<sub>k</sub>) − y<sub>k</sub> stays exact: the reason outputDelta computes σ(a) − y directly.</p>
</div>{{end}}{{end}}
</section>

<section id="network">
<div class="keep">
<h2>2. The network: {{range $i, $n := .Sizes}}{{if $i}} − {{end}}{{$n}}{{end}}</h2>
<figure>{{.NetSVG}}
<figcaption>Every unit is a sigmoid unit: a = W·x + b, then σ(a), from the {{index .Sizes 0}} pixels of the image up to ŷ, one output unit a digit; each unit takes every unit of the layer below. {{thousands .Params}} parameters in all (weights and biases).{{if .Test}}{{with .Test.Example}} The input grid shows test image {{.Index}}.{{end}}{{end}}</figcaption></figure>
</div>
<div class="keep">
<h3>Hyperparameters</h3>
<p>The course's hyperparameters are the layers, the units of each, the epochs, the mini-batch size B and the learning rate η. Two go beyond the notes, the program's own additions: η's decay after each epoch (<code>-decay</code>) and the L2 regularization λ (<code>-lambda</code>); <code>-decay 0 -lambda 0</code> trains the notes' plain SGD.{{if .Run.Data}} Data: {{.Run.Data}}.{{end}}{{if .Run.Loaded}} The run started from the network saved in {{.Run.Loaded}}.{{end}}</p>
<table class="hyper">
<tr><th>hyperparameter</th><th>this run</th><th>flag</th><th></th></tr>
{{range .Hyper}}<tr><td>{{.Name}}</td><td>{{.Value}}</td><td class="flag">{{.Flag}}</td><td>{{if .Course}}the course's{{else if eq .Flag "-seed"}}the program's{{else}}beyond the notes{{end}}</td></tr>
{{end}}</table>
</div>
</section>

<section id="curves">
<div class="keep">
<h2>3. Training curves</h2>
<p class="note">Training: solid line, circles; evaluation (the last 10,000 training images, never trained on): dashed line, squares.{{with .Best}} The dotted line marks epoch {{.Epoch}}, of the best evaluation accuracy, {{f4 .EvalAcc}}.{{end}}</p>
<div class="charts"><figure>{{.LossSVG}}</figure><figure>{{.AccSVG}}</figure></div>
</div>
</section>

<section id="test">
<div class="keep">
<h2>4. Test accuracy</h2>
{{if .Test}}<p class="big">{{f4 .Test.Score.Acc}} ({{.Test.Score.Hits}}/{{.Test.Score.N}}), against the course's {{f4 .Course}} ({{pts (minus .Test.Score.Acc .Course)}} percentage points).</p>
{{else if or .Note.Diverged .Note.Stopped}}<p class="note">Not measured: the test set is touched only once, when a run ends, and this one stopped before.</p>{{else}}<p class="note">Not measured yet: the test set is touched only once, when the run ends.</p>{{end}}
<p>{{if .Test}}Test loss {{f4 .Test.Score.Loss}}. {{end}}{{if .Hist}}Final evaluation accuracy {{f4 (last .Hist).EvalAcc}} after {{len .Hist}} epochs. {{end}}{{if .Hist}}Training took {{secs .Trained}}, {{secs (div .Trained (len .Hist))}} an epoch{{if .Took}}; the run, from its start to this page, {{.Took}}{{end}}.{{end}}</p>
</div>
</section>

<section class="appendix">
<h2>Appendix: more on this run</h2>
{{if .Test}}<div class="keep">
<h3>Confusion matrix on the test set</h3>
<p class="note">Rows: the true digit. Columns: the network's answer. Darker cells hold more images; the diagonal, in bold, is right.</p>
<div class="scroll"><table class="confusion">
<tr><th></th>{{range digits}}<th>{{.}}</th>{{end}}<th>right</th></tr>
{{$c := .Test.Confusion}}{{range $y := digits}}<tr><th>{{$y}}</th>{{range $p := digits}}{{$n := index (index $c $y) $p}}<td style="{{shade $n $y $p}}">{{$n}}</td>{{end}}<td>{{pct (digitAcc $c $y)}}</td></tr>
{{end}}</table></div>
</div>
{{end}}
<div class="keep">
<h3>What the {{.Units}} hidden units learned</h3>
<p class="note">Each tile is one first-layer unit's 784 incoming weights, laid out as the 28×28 image they look at: red where a lit pixel raises the unit's a, blue where it lowers it, white near zero. Each tile is scaled to its own largest |w|.</p>
<div class="weights">{{.Weights}}</div>
</div>
{{if .Test}}{{if .Test.Mistakes}}<div class="keep">
<h3>Misclassified test digits</h3>
<p class="note">The first {{len .Test.Mistakes}} test images the network gets wrong, with the true digit, its answer and its output ŷ for that answer.</p>
<div class="gallery">{{range .Test.Mistakes}}<figure>{{.Image}}<figcaption>#{{.Index}}: {{.Label}} → {{.Pred}}<br>ŷ = {{printf "%.2f" .Confidence}}</figcaption></figure>{{end}}</div>
</div>{{end}}{{end}}
</section>
</body>
</html>
`))
