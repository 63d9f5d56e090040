// explain.go prints one example's forward and backward pass with its real numbers, in the order
// of the course notes: a and σ(a) of each layer, the loss L, δ = σ(a) − y at the output unit by
// unit, δ of the hidden layers as (Wᵀδ) ⊙ σ(a)(1 − σ(a)), the gradients, and what one SGD step
// does to this example's loss. It trains a copy of the network on a mini-batch of one with the
// course's trainBatch (forward, backward, update: network.go, backprop.go), and only prints what
// that leaves in the Pass and Grads.

package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// example is one image's forward and backward pass, and one SGD step on it, as -explain prints
// them and the lab (lab.go) shows them: every number is computed by the functions training
// uses, on a mini-batch of one.
type example struct {
	p    *Pass       // forward pass: a, σ(a), ŷ and L; then δ of every layer
	g    *Grads      // ∂L/∂W and ∂L/∂b of this example
	back [][]float64 // back[l] = W_{l+1}ᵀ δ_{l+1}, the first factor of δ_l; nil for the output layer
	// dsigma[l] = σ(a_l)(1 − σ(a_l)) = ∂σ(a_l)/∂a_l, the second factor of δ_l, as hiddenDelta
	// multiplies by it; nil for the output layer.
	dsigma [][]float64
	// The course's derivation of the output δ, factor by factor, for each output unit k:
	// dlDyhat[k] = ∂L/∂ŷ_k = (ŷ_k − y_k)/(ŷ_k(1 − ŷ_k)) and dyhatDa[k] = ∂ŷ_k/∂a_k = ŷ_k(1 − ŷ_k),
	// whose product is δ_k = ŷ_k − y_k. Where ŷ_k has rounded to exactly 0 or 1 the first factor
	// divides by 0 (0/0 or ±1/0) and is NaN here: this is why outputDelta computes σ(a) − y
	// directly. product[k] is their product, NaN there too.
	dlDyhat, dyhatDa, product []float64
	sgd                       SGD // the step's η, λ and n
	// after is the forward pass of the same input through a copy of the network that took one
	// SGD step on this example alone: the network itself is left as it was.
	after *Pass
}

// runExample trains a copy of net on the one input held in p (imagePass or inputPass, pass.go): p
// keeps the passes of net as it is, and the copy, one SGD step later, gives after.
func runExample(net *Network, sgd SGD, p *Pass) *example {
	ex := &example{p: p, g: net.newGrads(), sgd: sgd, back: make([][]float64, len(net.Layers)),
		dsigma: make([][]float64, len(net.Layers))}
	after := net.clone()
	after.trainBatch(p, ex.g, sgd) // forward and backward on net's weights, then the step on the copy
	for l := 0; l < len(net.Layers)-1; l++ {
		// W_{l+1}ᵀ δ_{l+1}, by the same product hiddenDelta uses, to show the two factors of δ_l.
		back := newMatrix(1, net.Sizes[l+1])
		productPQ(back, p.Delta[l+1], net.Layers[l+1].W)
		ex.back[l] = back.Data
		ex.dsigma[l] = make([]float64, net.Sizes[l+1])
		for j, s := range p.S[l].row(0) {
			ex.dsigma[l][j] = sigmoidPrimeFromSigma(s) // σ(a)(1 − σ(a)), as hiddenDelta multiplies by it
		}
	}
	out := len(net.Layers) - 1
	ex.dlDyhat, ex.dyhatDa, ex.product = outputFactors(p.S[out].row(0), p.Labels[0]) // report_math.go
	ex.after = after.inputPass(p.X.row(0), p.Labels[0])
	after.forward(ex.after)
	return ex
}

// explain prints the passes of net on one image with the given label. sgd is the step to show
// (its η, λ and n); title names the image.
func explain(w io.Writer, net *Network, sgd SGD, pixels []byte, label byte, title string) {
	ex := runExample(net, sgd, net.imagePass(pixels, label))
	p, g := ex.p, ex.g
	out := len(net.Layers) - 1

	fmt.Fprintf(w, "%s, a %d: network %s\n", title, label, joinInts(net.Sizes, "-"))
	lit := 0
	for _, v := range pixels {
		if v != 0 {
			lit++
		}
	}
	fmt.Fprintf(w, "input x: 784 pixels scaled to 0..1, %d of them lit (not 0)\n", lit)

	fmt.Fprintln(w, "\nforward pass (network.go: layerForward, then loss)")
	for l := range net.Layers {
		name := fmt.Sprintf("layer %d, hidden", l+1)
		input := "x"
		if l > 0 {
			input = fmt.Sprintf("σ(a%d)", l)
		}
		if l == out {
			name = fmt.Sprintf("layer %d, output", l+1)
		}
		fmt.Fprintf(w, "  %s (%d units): a%d = W%d·%s + b%d\n", name, net.Sizes[l+1], l+1, l+1, input, l+1)
		fmt.Fprintf(w, "    a%d    = %s\n", l+1, summary(p.A[l].row(0), "%.4f"))
		fmt.Fprintf(w, "    σ(a%d) = %s\n", l+1, summary(p.S[l].row(0), "%.4f"))
	}
	yhat := p.S[out].row(0)
	fmt.Fprintf(w, "  ŷ = σ(a%d); y is one-hot for the label %d; the network answers %d\n", out+1, label, predict(yhat))
	fmt.Fprintf(w, "  L = −Σ_k [(1 − y_k) ln(1 − ŷ_k) + y_k ln ŷ_k] = %.6f\n", p.Loss[0])

	fmt.Fprintln(w, "\nbackward pass (backprop.go)")
	fmt.Fprintf(w, "  output layer: δ%d = ∂L/∂a = ∂L/∂σ(a)·∂σ(a)/∂a = σ(a) − y   (outputDelta)\n", out+1)
	for k, d := range p.Delta[out].row(0) {
		fmt.Fprintf(w, "    k=%d: %.6f − %.0f = %+.6f\n", k, yhat[k], oneHot(k, label), d)
	}
	fmt.Fprintln(w, "  the same, factor by factor: ∂L/∂ŷ_k = (ŷ_k − y_k)/(ŷ_k(1 − ŷ_k)) times ∂ŷ_k/∂a_k = ŷ_k(1 − ŷ_k)")
	for k := range yhat {
		fmt.Fprintf(w, "    k=%d: %s\n", k, derivationLine(ex.dlDyhat[k], ex.dyhatDa[k], ex.product[k]))
	}
	for l := out - 1; l >= 0; l-- {
		back := ex.back[l]
		fmt.Fprintf(w, "  layer %d: δ%d = (W%dᵀ δ%d) ⊙ σ(a%d)(1 − σ(a%d))   (hiddenDelta)\n", l+1, l+1, l+2, l+2, l+1, l+1)
		shown := min(5, net.Sizes[l+1])
		for j := 0; j < shown; j++ {
			fmt.Fprintf(w, "    j=%d: %+.4e × %.4e = %+.4e\n", j, back[j], ex.dsigma[l][j], p.Delta[l].row(0)[j])
		}
		if shown < net.Sizes[l+1] {
			fmt.Fprintf(w, "    ... %d more units; all of δ%d: %s\n", net.Sizes[l+1]-shown, l+1, summary(p.Delta[l].row(0), "%.2e"))
		}
	}
	fmt.Fprintln(w, "  gradients: ∂L/∂W = δ·xᵀ, ∂L/∂b = δ   (layerGradients)")
	for l := range net.Layers {
		fmt.Fprintf(w, "    layer %d: ∂L/∂W%d is %d×%d, ‖∂L/∂W%d‖ = %.6f; ∂L/∂b%d has %d values, ‖∂L/∂b%d‖ = %.6f\n",
			l+1, l+1, g.W[l].Rows, g.W[l].Cols, l+1, norm(g.W[l].Data), l+1, len(g.B[l]), l+1, norm(g.B[l]))
	}

	q := ex.after // one step on a copy, so that the network itself is left as it was
	fmt.Fprintf(w, "\none SGD step on this example alone: W ← (1 − ηλ/n)·W − η·∂L/∂W, b ← b − η·∂L/∂b   (SGD.step)\n")
	fmt.Fprintf(w, "  with η = %g, λ = %g, n = %d: L goes from %.6f to %.6f (%+.6f)\n",
		sgd.Eta, sgd.Lambda, sgd.N, p.Loss[0], q.Loss[0], q.Loss[0]-p.Loss[0])
}

// derivationLine prints one output unit's two factors and their product, or says why the first
// factor cannot be computed.
func derivationLine(dl, dyda, product float64) string {
	if math.IsNaN(dl) {
		return "ŷ_k has rounded to exactly 0 or 1, so ŷ_k(1 − ŷ_k) = 0 and ∂L/∂ŷ_k divides by 0: not a number; " +
			"this is why outputDelta computes σ(a) − y directly"
	}
	return fmt.Sprintf("%+.6e × %.6e = %+.6f", dl, dyda, product)
}

// summary prints a vector in full when it is short, else its first values and its range, each
// number in the given format.
func summary(v []float64, format string) string {
	const shown = 6
	parts := make([]string, 0, len(v))
	for i, x := range v {
		if i == shown && len(v) > 10 {
			lo, hi := v[0], v[0]
			for _, y := range v {
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
			return fmt.Sprintf("[%s ... ] (%d values from "+format+" to "+format+")", strings.Join(parts, " "), len(v), lo, hi)
		}
		parts = append(parts, fmt.Sprintf(format, x))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// norm is the Euclidean norm √Σv².
func norm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += float64(x * x)
	}
	return math.Sqrt(s)
}
