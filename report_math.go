// report_math.go holds part 1 of report.html: the course's derivation of the output layer's
// δ = ∂L/∂a = σ(a) − y, typeset line by line in MathML (which browsers lay out themselves: no
// script, no font to fetch), each line then shown with this run's numbers for one test image.
//
// Every number comes from the functions training uses, run here on one image: forward
// (network.go) gives a, ŷ = σ(a) and L; deltas (backprop.go) gives δ = σ(a) − y by outputDelta;
// outputFactors gives the two factors of the derivation, ∂L/∂ŷ_k and ∂ŷ_k/∂a_k, by
// sigmoidPrimeFromSigma, and their product, as -explain prints them (explain.go). The page only
// prints them. In the exercise these are the learner's functions.

package main

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// outputFactors computes the course's derivation of the output δ factor by factor, for each
// output unit k of one image with output ŷ (yhat) and true digit label:
//
//	dlDyhat[k] = ∂L/∂ŷ_k = (ŷ_k − y_k)/(ŷ_k(1 − ŷ_k)),  dyhatDa[k] = ∂ŷ_k/∂a_k = ŷ_k(1 − ŷ_k),
//
// and product[k], their product, which is δ_k = ŷ_k − y_k. Where ŷ_k has rounded to exactly 0
// or 1 the first factor divides by 0 (0/0 or ±1/0) and is NaN here, and so is the product: this
// is why outputDelta computes σ(a) − y directly.
func outputFactors(yhat []float64, label byte) (dlDyhat, dyhatDa, product []float64) {
	for k, s := range yhat {
		y := oneHot(k, label)            // network.go
		dyda := sigmoidPrimeFromSigma(s) // ∂ŷ/∂a = ŷ(1 − ŷ), as the course writes it
		dl := math.NaN()                 // ∂L/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)): 0/0 or 1/0 once ŷ is exactly 0 or 1
		if dyda != 0 {
			dl = (s - y) / dyda
		}
		dlDyhat, dyhatDa, product = append(dlDyhat, dl), append(dyhatDa, dyda), append(product, dl*dyda)
	}
	return dlDyhat, dyhatDa, product
}

// derivation is one test image's numbers for the lines of the derivation.
type derivation struct {
	Index, Label, Pred int
	Pixels             []byte      // the image, drawn as the network's input (report_net.go)
	Loss               float64     // L of the image, from forward
	Units              []derivUnit // one per output unit k
	Shown              []derivUnit // the lines' two units: the true digit's, then the largest wrong ŷ_k
}

// derivUnit is output unit k's line of the derivation.
type derivUnit struct {
	K, Y                             int
	A, Yhat                          float64 // a_k and ŷ_k = σ(a_k)
	DlDyhat, DyhatDa, Product, Delta float64 // the two factors, their product, and δ_k from outputDelta
	Rounded                          bool    // ŷ_k is exactly 0 or 1: the first factor is not a number
}

// derivationOf runs test image i of d through net: forward, then δ of every layer, from the
// output down (the output's by outputDelta), then the factors of the derivation.
func derivationOf(net *Network, d Dataset, i int) *derivation {
	p := net.imagePass(d.image(i), d.Labels[i])
	net.forward(p)
	net.deltas(p)
	out := len(net.Layers) - 1
	yhat := p.S[out].row(0)
	dl, dyda, product := outputFactors(yhat, d.Labels[i])
	dv := &derivation{Index: i, Label: int(d.Labels[i]), Pred: predict(yhat), Pixels: d.image(i), Loss: p.Loss[0]}
	wrong := -1
	for k := range yhat {
		u := derivUnit{K: k, A: p.A[out].row(0)[k], Yhat: yhat[k], DlDyhat: dl[k], DyhatDa: dyda[k],
			Product: product[k], Delta: p.Delta[out].row(0)[k], Rounded: math.IsNaN(dl[k])}
		if k == dv.Label {
			u.Y = 1
		} else if wrong < 0 || yhat[k] > yhat[wrong] {
			wrong = k
		}
		dv.Units = append(dv.Units, u)
	}
	dv.Shown = []derivUnit{dv.Units[dv.Label]}
	if wrong >= 0 {
		dv.Shown = append(dv.Shown, dv.Units[wrong])
	}
	return dv
}

// Agree says how the product of the two factors compares with σ(a_k) − y_k, as one phrase.
func (u derivUnit) Agree() string {
	switch diff := math.Abs(u.Product - u.Delta); {
	case u.Rounded:
		return "not computed"
	case diff == 0:
		return "the same number, to the last bit"
	default:
		return fmt.Sprintf("equal but for rounding: they differ by %.1e", diff)
	}
}

// The MathML pieces of the derivation: ŷ_k, y_k, a_k, σ(a_k), fractions.
const (
	mlYhatK  = `<msub><mover accent="true"><mi>y</mi><mo>^</mo></mover><mi>k</mi></msub>`
	mlYK     = `<msub><mi>y</mi><mi>k</mi></msub>`
	mlAK     = `<msub><mi>a</mi><mi>k</mi></msub>`
	mlSigmaK = `<mi>σ</mi><mo stretchy="false">(</mo>` + mlAK + `<mo stretchy="false">)</mo>`
)

func mlFrac(num, den string) string {
	return "<mfrac><mrow>" + num + "</mrow><mrow>" + den + "</mrow></mfrac>"
}

func mlParen(x string) string { return `<mo>(</mo>` + x + `<mo>)</mo>` }

func mlD(of, by string) string { return mlFrac("<mi>∂</mi>"+of, "<mi>∂</mi>"+by) }

// mathLines are the lines of the derivation in MathML, in the order of the notes.
func mathLines() []template.HTML {
	one := func(x string) string { return `<mn>1</mn><mo>−</mo>` + x }
	lines := []string{
		// L and σ
		`<mi>L</mi><mo stretchy="false">(</mo><mi>y</mi><mo>,</mo><mover accent="true"><mi>y</mi><mo>^</mo></mover><mo stretchy="false">)</mo><mo>=</mo><mo>−</mo><munder><mo>∑</mo><mi>k</mi></munder><mo>[</mo>` +
			mlParen(one(mlYK)) + `<mi>ln</mi><mo>` + "\u2061" + `</mo>` + mlParen(one(mlYhatK)) + `<mo>+</mo>` + mlYK + `<mi>ln</mi><mo>` + "\u2061" + `</mo>` + mlYhatK + `<mo>]</mo>` +
			`</math><math display="block">` + mlYhatK + `<mo>=</mo>` + mlSigmaK + `<mo>=</mo>` + mlFrac(`<mn>1</mn>`, `<mn>1</mn><mo>+</mo><msup><mi>e</mi><mrow><mo>−</mo>`+mlAK+`</mrow></msup>`),
		// ∂L/∂σ(a)
		mlD(`<mi>L</mi>`, mlSigmaK) + `<mo>=</mo><mo>−</mo>` + mlFrac(mlYK, mlYhatK) + `<mo>+</mo>` + mlFrac(one(mlYK), one(mlYhatK)) +
			`<mo>=</mo>` + mlFrac(mlSigmaK+`<mo>−</mo>`+mlYK, mlSigmaK+mlParen(one(mlSigmaK))),
		// ∂σ(a)/∂a
		mlD(mlSigmaK, mlAK) + `<mo>=</mo>` + mlFrac(`<msup><mi>e</mi><mrow><mo>−</mo>`+mlAK+`</mrow></msup>`, `<msup><mrow>`+mlParen(`<mn>1</mn><mo>+</mo><msup><mi>e</mi><mrow><mo>−</mo>`+mlAK+`</mrow></msup>`)+`</mrow><mn>2</mn></msup>`) +
			`<mo>=</mo>` + mlSigmaK + mlParen(one(mlSigmaK)),
		// the product
		mlD(`<mi>L</mi>`, mlAK) + `<mo>=</mo>` + mlD(`<mi>L</mi>`, mlSigmaK) + `<mo>·</mo>` + mlD(mlSigmaK, mlAK) + `<mo>=</mo>` +
			mlFrac(mlSigmaK+`<mo>−</mo>`+mlYK, mlSigmaK+mlParen(one(mlSigmaK))) + `<mo>·</mo>` + mlSigmaK + mlParen(one(mlSigmaK)),
		// the result
		`<mo>=</mo>` + mlSigmaK + `<mo>−</mo>` + mlYK + `<mspace width="1.5em"/><mtext>so</mtext><mspace width="1em"/>` +
			`<msub><mo>∇</mo><mi>a</mi></msub><mi>L</mi><mo stretchy="false">(</mo><mi>σ</mi><mo stretchy="false">(</mo><mi>a</mi><mo stretchy="false">)</mo><mo stretchy="false">)</mo><mo>=</mo><mi>σ</mi><mo stretchy="false">(</mo><mi>a</mi><mo stretchy="false">)</mo><mo>−</mo><mi>y</mi><mo>=</mo><mi>δ</mi>`,
	}
	out := make([]template.HTML, len(lines))
	for i, l := range lines {
		out[i] = template.HTML(`<math display="block">` + l + `</math>`)
	}
	return out
}

// mathNum typesets a number computed in Go as MathML: six significant digits, in the form
// m × 10^e when it is very small or large; "not a number" for NaN.
func mathNum(v float64) template.HTML {
	switch {
	case math.IsNaN(v):
		return `<mtext>not a number</mtext>`
	case math.IsInf(v, 0):
		return `<mi>∞</mi>`
	}
	sign := ""
	if v < 0 {
		sign, v = `<mo>−</mo>`, -v
	}
	if v == 0 || (v >= 1e-3 && v < 1e5) {
		return template.HTML(`<mrow>` + sign + `<mn>` + strconv.FormatFloat(v, 'g', 6, 64) + `</mn></mrow>`)
	}
	m, e, _ := strings.Cut(strconv.FormatFloat(v, 'e', 5, 64), "e")
	exp, _ := strconv.Atoi(e)
	ex := strconv.Itoa(exp)
	if exp < 0 {
		ex = "−" + strconv.Itoa(-exp)
	}
	return template.HTML(`<mrow>` + sign + `<mn>` + m + `</mn><mo>×</mo><msup><mn>10</mn><mn>` + ex + `</mn></msup></mrow>`)
}

// htmlNum is mathNum for a table cell: m×10<sup>e</sup>.
func htmlNum(v float64) template.HTML {
	switch {
	case math.IsNaN(v):
		return "not a number"
	case v != 0 && (math.Abs(v) < 1e-3 || math.Abs(v) >= 1e5):
		m, e, _ := strings.Cut(strconv.FormatFloat(v, 'e', 5, 64), "e")
		exp, _ := strconv.Atoi(e)
		return template.HTML(strings.Replace(m, "-", "−", 1) + "×10<sup>" + strings.Replace(strconv.Itoa(exp), "-", "−", 1) + "</sup>")
	}
	return template.HTML(strings.Replace(strconv.FormatFloat(v, 'g', 6, 64), "-", "−", 1))
}

// mathInstance typesets one line of the derivation with unit u's numbers: line 0 is L, 1 the
// first factor, 2 the second, 3 their product, 4 σ(a_k) − y_k.
func mathInstance(dv *derivation, line int, u derivUnit) template.HTML {
	k := strconv.Itoa(u.K)
	yh := `<msub><mover accent="true"><mi>y</mi><mo>^</mo></mover><mn>` + k + `</mn></msub>`
	y := `<msub><mi>y</mi><mn>` + k + `</mn></msub>`
	a := `<msub><mi>a</mi><mn>` + k + `</mn></msub>`
	n := func(v float64) string { return string(mathNum(v)) }
	yv := `<mn>` + strconv.Itoa(u.Y) + `</mn>`
	var m string
	switch line {
	case 0:
		if u.K == dv.Shown[0].K {
			m = `<mi>L</mi><mo>=</mo>` + n(dv.Loss) + `<mspace width="1.5em"/>`
		}
		m += yh + `<mo>=</mo><mi>σ</mi><mo stretchy="false">(</mo>` + n(u.A) + `<mo stretchy="false">)</mo><mo>=</mo>` + n(u.Yhat) + `<mo>,</mo><mspace width="0.5em"/>` + y + `<mo>=</mo>` + yv
	case 1:
		if u.Rounded {
			return ""
		}
		m = mlD(`<mi>L</mi>`, yh) + `<mo>=</mo>` + mlFrac(n(u.Yhat)+`<mo>−</mo>`+yv, n(u.Yhat)+`<mo>·</mo>`+mlParen(`<mn>1</mn><mo>−</mo>`+n(u.Yhat))) + `<mo>=</mo>` + n(u.DlDyhat)
	case 2:
		m = mlD(yh, a) + `<mo>=</mo>` + n(u.Yhat) + `<mo>·</mo>` + mlParen(`<mn>1</mn><mo>−</mo>`+n(u.Yhat)) + `<mo>=</mo>` + n(u.DyhatDa)
	case 3:
		if u.Rounded {
			return ""
		}
		m = mlD(`<mi>L</mi>`, a) + `<mo>=</mo>` + n(u.DlDyhat) + `<mo>×</mo>` + n(u.DyhatDa) + `<mo>=</mo>` + n(u.Product)
	case 4:
		m = yh + `<mo>−</mo>` + y + `<mo>=</mo>` + n(u.Yhat) + `<mo>−</mo>` + yv + `<mo>=</mo>` + n(u.Delta)
	}
	return template.HTML(`<math display="block">` + m + `</math>`)
}
