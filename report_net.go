// report_net.go holds part 2 of report.html: the network drawn as SVG from its real sizes (any
// -hidden list), with each layer's width and parameter count, and the hyperparameters as a table
// that says which are the course's and which go beyond the notes, each with its flag. It also
// holds reportRun, what the page says about the run as a whole: its title block, its settings
// and whose functions trained it.

package main

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"
)

// reportRun is what report.html says about the run as a whole, the same on every rewrite.
type reportRun struct {
	Title, Author string
	Started       time.Time     // when the run began: the date of the title block
	Settings      trainSettings // the training flags (settings.go)
	Data          string        // where the images came from, and how many of each set
	Loaded        string        // the -load file the run started from, if any
	Trainer       template.HTML // whose functions trained it, one sentence
}

// Date is the date and time the run began, as a reader anywhere reads it.
func (r *reportRun) Date() string { return r.Started.Format("2 January 2006, 15:04 MST") }

// hyperRow is one row of the hyperparameters' table.
type hyperRow struct {
	Name, Value, Flag string
	Course            bool // one of the course's hyperparameters; false: beyond the notes
}

// hyperRows lists the hyperparameters of a network of the given sizes trained with s: first
// the course's (layers, widths, epochs, B, η), then those beyond the notes (η's decay, λ), then
// the seed.
func hyperRows(sizes []int, s trainSettings) []hyperRow {
	hidden := len(sizes) - 2
	layers := fmt.Sprintf("%d: the input, %d hidden, the output", len(sizes), hidden)
	return []hyperRow{
		{"layers", layers, "-hidden (how many sizes)", true},
		{"units per layer", joinInts(sizes, " − ") + " (sigmoid units)", "-hidden", true},
		{"epochs", strconv.Itoa(s.epochs), "-epochs", true},
		{"mini-batch size B", strconv.Itoa(s.batch), "-batch", true},
		{"learning rate η", fmt.Sprintf("%g", s.lr), "-lr", true},
		{"η's decay", fmt.Sprintf("%g%% an epoch: η_e = η·(1 − %g)^(e−1)", 100*s.etaDecay, s.etaDecay), "-decay", false},
		{"L2 regularization λ", fmt.Sprintf("%g: W ← (1 − ηλ/n)·W before each step", s.lambda), "-lambda", false},
		{"seed", strconv.FormatUint(s.seed, 10) + " (initial weights, shuffling)", "-seed", false},
	}
}

// layerParams is the number of weights and biases of the layer from sizes[l-1] to sizes[l].
func layerParams(sizes []int, l int) int { return sizes[l-1]*sizes[l] + sizes[l] }

// thousands writes n with commas between groups of three digits: 15,910.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// maxDrawnUnits is the most units a layer is drawn with one circle each; a wider layer is drawn
// with its first and last units and an ellipsis between, saying how many are left out.
const maxDrawnUnits = 32

// networkSVG draws the network of the given sizes: the 784 inputs as the 28×28 grid of an
// image (shaded with pixels, the image the derivation follows, when there is one), every unit
// of the other layers as a circle (up to maxDrawnUnits a layer), the connections, and under
// each layer its width and parameter count.
func networkSVG(sizes []int, pixels []byte) template.HTML {
	const width, top, plotH = 760, 20, 280
	height := top + plotH + 70
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="net" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12" role="img" aria-label="the network %s">`+"\n",
		width, height, width, height, joinInts(sizes, "-"))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)

	// The input grid: 28×28 cells.
	const cell = 6
	gx, gy := 20.0, float64(top)+float64(plotH-imageRows*cell)/2
	cols := len(sizes)
	colX := func(l int) float64 { // x of layer l ≥ 1
		first, last := 300.0, float64(width-90)
		if cols == 2 {
			return last
		}
		return first + float64(l-1)*(last-first)/float64(cols-2)
	}
	// Each layer's drawn units: their y, and the index of each (−1: the ellipsis).
	type unit struct {
		y float64
		k int
	}
	drawn := make([][]unit, cols)
	for l := 1; l < cols; l++ {
		n := sizes[l]
		idx := make([]int, 0, min(n, maxDrawnUnits))
		if n <= maxDrawnUnits {
			for k := 0; k < n; k++ {
				idx = append(idx, k)
			}
		} else {
			for k := 0; k < maxDrawnUnits-5; k++ {
				idx = append(idx, k)
			}
			idx = append(idx, -1)
			for k := n - 4; k < n; k++ {
				idx = append(idx, k)
			}
		}
		step := float64(plotH) / float64(len(idx))
		for i, k := range idx {
			drawn[l] = append(drawn[l], unit{float64(top) + float64(step*(float64(i)+0.5)), k})
		}
	}
	radius := func(l int) float64 {
		step := float64(plotH) / float64(len(drawn[l]))
		return min(9, 0.38*step)
	}

	// Connections: from 8 points down the grid's right edge to every unit of the first hidden
	// layer (each pixel feeds every unit), then every pair of units of two adjacent layers.
	b.WriteString(`<g stroke="#9aa" stroke-width="0.4" opacity="0.7">`)
	for i := 0; i < 8; i++ {
		y0 := gy + float64(float64(imageRows*cell)*(float64(i)+0.5)/8) // float64(…): a product and a sum rounded apart (x/8 is compiled as x·0.125)
		for _, u := range drawn[1] {
			if u.k >= 0 {
				fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, gx+imageCols*cell, y0, colX(1)-radius(1), u.y)
			}
		}
	}
	for l := 2; l < cols; l++ {
		for _, u := range drawn[l-1] {
			for _, v := range drawn[l] {
				if u.k >= 0 && v.k >= 0 {
					fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, colX(l-1)+radius(l-1), u.y, colX(l)-radius(l), v.y)
				}
			}
		}
	}
	b.WriteString("</g>\n")

	// The grid, shaded by the image's pixels when there is one.
	fmt.Fprintf(&b, `<g stroke="#bbb" stroke-width="0.3">`)
	for r := 0; r < imageRows; r++ {
		for c := 0; c < imageCols; c++ {
			fill := "#fff"
			if pixels != nil {
				v := 255 - int(pixels[r*imageCols+c])
				fill = fmt.Sprintf("rgb(%d,%d,%d)", v, v, v)
			}
			fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%d" height="%d" fill="%s"/>`, gx+float64(c*cell), gy+float64(r*cell), cell, cell, fill)
		}
	}
	b.WriteString("</g>\n")
	label := func(x float64, lines ...string) {
		for i, s := range lines {
			weight := ""
			if i == 0 {
				weight = ` font-weight="bold"`
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle"%s>%s</text>`+"\n", x, top+plotH+18+15*i, weight, template.HTMLEscapeString(s))
		}
	}
	label(gx+imageCols*cell/2, fmt.Sprintf("input x: %d", sizes[0]), fmt.Sprintf("%d×%d pixels, 0..1", imageRows, imageCols), "no parameters")

	// The units.
	for l := 1; l < cols; l++ {
		r := radius(l)
		for _, u := range drawn[l] {
			if u.k < 0 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" dy="4">⋮</text><text x="%.1f" y="%.1f" dy="4" font-size="10">%s more</text>`+"\n",
					colX(l), u.y, colX(l)+6, u.y, thousands(sizes[l]-maxDrawnUnits+1))
				continue
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="white" stroke="#333" stroke-width="1"/>`, colX(l), u.y, r)
			if l == cols-1 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dy="4">ŷ<tspan font-size="9" dy="3">%d</tspan></text>`, colX(l)+r+4, u.y, u.k)
			}
		}
		b.WriteString("\n")
		name := fmt.Sprintf("hidden %d: %s", l, thousands(sizes[l]))
		if len(sizes) == 3 && l == 1 {
			name = "hidden: " + thousands(sizes[l])
		}
		if l == cols-1 {
			name = "output ŷ: " + thousands(sizes[l])
		}
		label(colX(l), name, "σ units, a = W·x + b", fmt.Sprintf("%s parameters", thousands(layerParams(sizes, l))),
			fmt.Sprintf("(%s×%s W, %s b)", thousands(sizes[l]), thousands(sizes[l-1]), thousands(sizes[l])))
	}
	b.WriteString("</svg>\n")
	return template.HTML(b.String())
}

// totalParams is the number of weights and biases of a network of the given sizes.
func totalParams(sizes []int) int {
	n := 0
	for l := 1; l < len(sizes); l++ {
		n += layerParams(sizes, l)
	}
	return n
}
