// plot.go draws what training did, with the standard library only: the loss and accuracy
// curves as SVG line charts, and the first layer's weights as a PNG of 28×28 tiles.

package main

import (
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strings"
)

// series is one curve of a chart: a name for the legend, a colour, and one value per epoch. So
// that the curves can be told apart in black and white too, each also has a dash pattern (""
// for a solid line) and a marker, "circle" or "square", drawn at some of its points.
type series struct {
	Name   string
	Color  string
	Values []float64
	Dash   string
	Marker string
}

// lineChart writes an SVG chart of the series against epoch 1, 2, ..., with axes, tick labels,
// a legend and a title. Each series is one <path> with one point per epoch, and its markers
// another. The legend goes in the top right corner, or the bottom right one for curves that
// rise (accuracy), where it would hide them. mark, if not 0, is an epoch marked by a dotted
// vertical line with the words markLabel: the epoch of the best evaluation accuracy.
func lineChart(w io.Writer, title, ylabel string, curves []series, legendBelow bool, mark int, markLabel string) error {
	const width, height = 640, 400
	const left, right, top, bottom = 64, 20, 48, 48
	plotW, plotH := float64(width-left-right), float64(height-top-bottom)

	epochs := 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range curves {
		epochs = max(epochs, len(s.Values))
		for _, v := range s.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if lo > hi { // nothing to draw yet
		lo, hi = 0, 1
	}
	yTicks := niceTicks(lo, hi, 6)
	lo, hi = math.Min(lo, yTicks[0]), math.Max(hi, yTicks[len(yTicks)-1])
	if hi == lo {
		lo, hi = lo-1, hi+1
	}
	xMax := float64(max(epochs, 2))
	xTicks := niceTicks(1, xMax, 8)
	x := func(epoch float64) float64 { return left + float64((epoch-1)/(xMax-1)*plotW) }
	y := func(v float64) float64 { return top + float64((hi-v)/(hi-lo)*plotH) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="16" text-anchor="middle">%s</text>`+"\n", width/2, html.EscapeString(title))
	for _, v := range yTicks {
		if v < lo || v > hi {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e4e4e4"/>`, left, width-right, y(v), y(v))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" dy="4">%s</text>`+"\n", left-6, y(v), tickLabel(v, yTicks))
	}
	for _, e := range xTicks {
		if e < 1 || e > xMax || e != math.Trunc(e) {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#e4e4e4"/>`, x(e), x(e), top, height-bottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%g</text>`+"\n", x(e), height-bottom+16, e)
	}
	fmt.Fprintf(&b, `<path d="M%d %d V%d H%d" fill="none" stroke="black"/>`+"\n", left, top, height-bottom, width-right)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">epoch</text>`+"\n", left+int(plotW)/2, height-10)
	fmt.Fprintf(&b, `<text transform="translate(16 %d) rotate(-90)" text-anchor="middle">%s</text>`+"\n", top+int(plotH)/2, html.EscapeString(ylabel))
	if mark >= 1 && mark <= epochs {
		fmt.Fprintf(&b, `<line class="mark" x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#333" stroke-width="1" stroke-dasharray="2 3"/>`, x(float64(mark)), x(float64(mark)), top, height-bottom)
		anchor, dx := "end", -4
		if x(float64(mark)) < left+plotW/2 {
			anchor, dx = "start", 4
		}
		fmt.Fprintf(&b, `<text class="mark" x="%.1f" y="%d" dx="%d" text-anchor="%s" font-size="11">%s</text>`+"\n", x(float64(mark)), top-6, dx, anchor, html.EscapeString(markLabel))
	}
	every := max(1, (epochs+9)/10) // markers at about ten points of each curve, the last always
	for i, s := range curves {
		var d strings.Builder
		for e, v := range s.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				v = hi // a diverged value is drawn at the top edge, not left out
			}
			cmd := "L"
			if e == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f %.1f ", cmd, x(float64(e+1)), y(v))
		}
		dash := ""
		if s.Dash != "" {
			dash = ` stroke-dasharray="` + s.Dash + `"`
		}
		fmt.Fprintf(&b, `<path class="series" data-name="%s" d="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", html.EscapeString(s.Name), strings.TrimSpace(d.String()), s.Color, dash)
		var marks strings.Builder
		for e, v := range s.Values {
			if (e+1)%every == 0 || e == len(s.Values)-1 {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					v = hi
				}
				marks.WriteString(markerPath(s.Marker, x(float64(e+1)), y(v)))
			}
		}
		fmt.Fprintf(&b, `<path class="marks" d="%s" fill="white" stroke="%s" stroke-width="1.5"/>`+"\n", marks.String(), s.Color)
		ly := top + 10 + 18*i
		if legendBelow {
			ly = height - bottom - 12 - 18*(len(curves)-1-i)
		}
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"%s/>`, width-right-156, width-right-126, ly, ly, s.Color, dash)
		fmt.Fprintf(&b, `<path d="%s" fill="white" stroke="%s" stroke-width="1.5"/>`, markerPath(s.Marker, float64(width-right-141), float64(ly)), s.Color)
		fmt.Fprintf(&b, `<text x="%d" y="%d" dy="4">%s</text>`+"\n", width-right-120, ly, html.EscapeString(s.Name))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// markerPath is the SVG path of a marker centred on x, y: a circle, or a square.
func markerPath(shape string, x, y float64) string {
	const r = 3.5
	if shape == "square" {
		return fmt.Sprintf("M%.1f %.1fh%gv%gh%gZ", x-r, y-r, 2*r, 2*r, -2*r)
	}
	return fmt.Sprintf("M%.1f %.1fa%g %g 0 1 0 %g 0a%g %g 0 1 0 %g 0Z", x-r, y, r, r, 2*r, r, r, -2*r)
}

// niceTicks returns about n round tick values (steps of 1, 2 or 5 times a power of ten)
// covering lo..hi.
func niceTicks(lo, hi float64, n int) []float64 {
	if hi <= lo {
		return []float64{lo}
	}
	raw := (hi - lo) / float64(n)
	mag := powerOfTen(raw)
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []float64
	for v := float64(math.Floor(lo/step) * step); v <= hi+float64(step/2); v += step {
		ticks = append(ticks, math.Round(v/step)*step)
	}
	return ticks
}

// powerOfTen returns the largest power of ten not above x > 0, by counting rather than by
// logarithms, whose last bits differ between computers.
func powerOfTen(x float64) float64 {
	n, p := 0, 1.0
	for p > x && n > -300 { // 10^n as 1/10^(−n): each an exact whole number, one division
		n--
		p = 1 / math.Pow(10, float64(-n))
	}
	for p*10 <= x && n < 300 {
		n++
		p = math.Pow(10, float64(n))
	}
	return p
}

// tickLabel prints v with as many decimals as the tick step needs.
func tickLabel(v float64, ticks []float64) string {
	dec := 0
	if len(ticks) > 1 {
		step := ticks[1] - ticks[0]
		for s := step; s < 1-1e-9 && dec < 17; dec++ { // the decimals that make the step a whole number
			s *= 10
		}
	}
	return fmt.Sprintf("%.*f", dec, v)
}

// weightTiles draws the incoming weights of each first-layer unit as a 28×28 tile, in a grid of
// tiles with a 2-pixel gap, each pixel scaled up by zoom. Colours diverge from white at zero:
// red for positive weights, blue for negative, full strength at the largest |w| of the unit (a
// few large weights at the edge of the digits would otherwise wash out every other tile).
// A palette of 255 shades keeps the picture small and fast to write after every epoch.
func weightTiles(W Matrix, zoom int) *image.Paletted {
	units := W.Rows
	cols := int(math.Ceil(math.Sqrt(float64(units))))
	rows := (units + cols - 1) / cols
	tile := imageCols*zoom + 2
	palette := color.Palette{color.RGBA{0xff, 0xff, 0xff, 0xff}} // index 0: the background
	for i := 0; i < 255; i++ {
		palette = append(palette, diverging(float64(i-127)/127))
	}
	img := image.NewPaletted(image.Rect(0, 0, cols*tile+2, rows*tile+2), palette)
	for j := 0; j < units; j++ {
		var top float64
		for _, v := range W.row(j) {
			top = math.Max(top, math.Abs(v))
		}
		if top == 0 || math.IsNaN(top) || math.IsInf(top, 0) {
			top = 1
		}
		x0, y0 := 2+(j%cols)*tile, 2+(j/cols)*tile
		for k, v := range W.row(j) {
			c := uint8(1 + 127 + math.Round(127*math.Max(-1, math.Min(1, v/top)))) // palette index of v
			if math.IsNaN(v) {
				c = 0
			}
			px, py := x0+(k%imageCols)*zoom, y0+(k/imageCols)*zoom
			for dy := 0; dy < zoom; dy++ {
				for dx := 0; dx < zoom; dx++ {
					img.SetColorIndex(px+dx, py+dy, c)
				}
			}
		}
	}
	return img
}

// diverging maps t in −1..1 to blue (−1), white (0) and red (+1).
func diverging(t float64) color.RGBA {
	if math.IsNaN(t) {
		return color.RGBA{0, 0, 0, 0xff}
	}
	t = math.Max(-1, math.Min(1, t))
	fade := func(full uint8, t float64) uint8 { return uint8(math.Round(255 - float64(t*(255-float64(full))))) }
	if t >= 0 {
		return color.RGBA{fade(0xb2, t), fade(0x18, t), fade(0x2b, t), 0xff}
	}
	return color.RGBA{fade(0x21, -t), fade(0x66, -t), fade(0xac, -t), 0xff}
}

// writePNG encodes img as PNG, favouring speed over size: it is rewritten after every epoch.
func writePNG(w io.Writer, img image.Image) error {
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, img)
}
