// fast_passes.go holds the passes as training runs them: the functions of network.go and
// backprop.go over a range of a layer's units, so that workers can share a layer (train.go),
// with the fast products of fast_matrix.go and, for the image layer, the lit-pixel products of
// fast_lit.go. Each computes exactly the numbers of its course function, bit for bit: the same
// sums taken in the same order, only the loops around them differ. fast_test.go proves it on
// random networks and batches, for every range of units. Nothing here is needed to follow the
// math: read network.go and backprop.go instead.

package main

// layerForwardFast computes units lo..hi-1 of layerForward(layer, x, a, s) (network.go); lit
// lists x's lit pixels for the image layer, and is nil above it.
func layerForwardFast(layer Layer, x Matrix, lit *litIndex, a, s Matrix, lo, hi int) {
	if lit != nil {
		productPQtLitFast(a, x, *lit, layer.W, lo, hi) // W·x, the dark pixels skipped
	} else {
		productPQtFast(a, x, layer.W, lo, hi) // W·x
	}
	for r := 0; r < a.Rows; r++ {
		ar, sr := a.row(r)[lo:hi], s.row(r)[lo:hi]
		for j, b := range layer.B[lo:hi] {
			ar[j] += b             // a = W·x + b
			sr[j] = sigmoid(ar[j]) // σ(a)
		}
	}
}

// forwardFast is net.forward on the batch b: every layer, every unit, and the loss of each
// sample. Evaluation runs it.
func forwardFast(net *Network, b batch) {
	p, lit := b.p, &b.lit
	x := p.X
	for l, layer := range net.Layers {
		layerForwardFast(layer, x, lit, p.A[l], p.S[l], 0, net.Sizes[l+1])
		x, lit = p.S[l], nil
	}
	setLosses(p)
}

// deltasFast is net.deltas (backprop.go) with the fast product for W_{l+1}ᵀ δ_{l+1}: δ of every
// layer for the samples of p.
func deltasFast(net *Network, p *Pass) {
	out := len(net.Layers) - 1
	outputDelta(p.Delta[out], p.S[out], p.Labels) // δ = σ(a) − y
	for l := out - 1; l >= 0; l-- {
		delta := p.Delta[l]
		productPQFast(delta, p.Delta[l+1], net.Layers[l+1].W) // W_{l+1}ᵀ δ_{l+1}
		for i, s := range p.S[l].Data {
			delta.Data[i] *= sigmoidPrimeFromSigma(s) // ⊙ σ(a_l)(1 − σ(a_l))
		}
	}
}

// layerGradientsFast computes units lo..hi-1 of layerGradients(gW, gb, delta, x) (backprop.go);
// lit as for layerForwardFast.
func layerGradientsFast(gW Matrix, gb []float64, delta, x Matrix, lit *litIndex, lo, hi int) {
	if lit != nil {
		productPtQLitFast(gW, delta, x, *lit, lo, hi) // Σ_batch δ·xᵀ, the dark pixels skipped
	} else {
		productPtQFast(gW, delta, x, lo, hi) // Σ_batch δ·xᵀ
	}
	gb = gb[lo:hi]
	clear(gb)
	for r := 0; r < delta.Rows; r++ {
		for j, d := range delta.row(r)[lo:hi] {
			gb[j] += d // Σ_batch δ
		}
	}
}

// shrinkAndStepFast takes units lo..hi-1 of SGD.update's work on one layer (backprop.go),
// o.shrinkWeights then o.step, in one pass over the weights instead of two: at B = 10 the update
// runs 5,000 times an epoch over every weight, and with two passes an epoch took 1.2 to 1.5
// times as long (measured on an AMD EPYC with 2 CPUs). Each weight gets the course's two roundings in
// the course's order, w ← float64((1 − ηλ/n)·w) − float64((η/B)·∂L/∂w), so the bits are the
// same (fast_test.go).
func (o SGD) shrinkAndStepFast(layer Layer, gW Matrix, gb []float64, batchSize, lo, hi int) {
	shrink := 1 - o.Eta*o.Lambda/float64(o.N) // as shrinkWeights has it
	rate := o.Eta / float64(batchSize)        // as step has it
	n := layer.W.Cols
	w, g := layer.W.Data[lo*n:hi*n], gW.Data[lo*n:hi*n]
	g = g[:len(w)] // equal lengths: no bounds check in the loop
	for i, wi := range w {
		w[i] = float64(shrink*wi) - float64(rate*g[i])
	}
	b, gbu := layer.B[lo:hi], gb[lo:hi]
	gbu = gbu[:len(b)]
	for j := range b {
		b[j] -= float64(rate * gbu[j])
	}
}
