// backprop.go holds the backward pass and the SGD step: the derivation of the course notes,
// one step per line, each line commented with the step it implements.
//
// The derivation, for one sample, with ŷ = σ(a) at the output and y one-hot:
//
//	L(y, ŷ)    = −Σ_k [(1 − y_k) ln(1 − ŷ_k) + y_k ln ŷ_k]
//	∂L/∂σ(a)   = (σ(a) − y) / (σ(a)(1 − σ(a)))
//	∂σ(a)/∂a   = σ(a)(1 − σ(a))
//	∂L/∂a      = ∂L/∂σ(a) · ∂σ(a)/∂a = σ(a) − y             = δ of the output layer
//
// Below the output, a_{l+1} = W_{l+1}·σ(a_l) + b_{l+1}, so the chain rule gives
//
//	δ_l        = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ(a_l)(1 − σ(a_l))
//
// and since a_l = W_l·x + b_l, where x is the layer's input (σ(a_{l−1}), or the image),
//
//	∂L/∂W_l    = δ_l · xᵀ
//	∂L/∂b_l    = δ_l
//
// Over a mini-batch of B samples the gradients are summed, and the step of stochastic gradient
// descent moves against their mean:
//
//	W ← W − (η/B)·Σ_batch ∂L/∂W        b ← b − (η/B)·Σ_batch ∂L/∂b
//
// with the optional L2 weight decay of Nielsen's network2.py, which first shrinks every weight
// (not the biases) by the factor 1 − ηλ/n, n being the size of the training set.
//
// Every function here works on a whole mini-batch at once, one sample per row (matrix.go).
// backward and update are the one-batch form, every step in order on the whole network, as
// -explain and the lab use them; the trainer (train.go) runs the very same functions, deltas,
// layerGradients and SGD.step, split between its workers: each takes a share of the samples
// (δ) or of the units (gradients, step), so the numbers are the same.
package main

// Grads holds ∂L/∂W and ∂L/∂b of every layer, each summed over a mini-batch.
type Grads struct {
	W []Matrix    // W[l] has the shape of layer l's W
	B [][]float64 // B[l] has the length of layer l's b
}

// newGrads allocates zero gradients shaped like net's layers.
func (net *Network) newGrads() *Grads {
	g := &Grads{}
	for _, layer := range net.Layers {
		g.W = append(g.W, newMatrix(layer.W.Rows, layer.W.Cols))
		g.B = append(g.B, make([]float64, len(layer.B)))
	}
	return g
}

// outputDelta sets δ of the output layer, for each sample and output unit k:
//
//	∂L/∂σ(a) = (σ(a) − y)/(σ(a)(1 − σ(a))),  ∂σ(a)/∂a = σ(a)(1 − σ(a)),
//	so ∂L/∂a = σ(a) − y: the factor σ(a)(1 − σ(a)) cancels.
//
// Computing σ(a) − y directly, rather than the product of the two derivatives, avoids 0/0 where
// σ(a) has rounded to exactly 0 or 1.
func outputDelta(delta, yhat Matrix, labels []byte) {
	for r, label := range labels {
		d, s := delta.row(r), yhat.row(r)
		for k := range d {
			y := 0.0 // y_k of the one-hot target ...
			if k == int(label) {
				y = 1 // ... 1 for the true digit
			}
			d[k] = s[k] - y // δ = ∂L/∂a = σ(a) − y
		}
	}
}

// hiddenDelta sets δ of hidden layer l from δ of the layer above it:
//
//	δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ(a_l)(1 − σ(a_l))
func (net *Network) hiddenDelta(p *Pass, l int) {
	delta := p.Delta[l]
	mulAB(delta, p.Delta[l+1], net.Layers[l+1].W) // ∂L/∂σ(a_l) = W_{l+1}ᵀ δ_{l+1}, a row per sample
	for i, s := range p.S[l].Data {
		delta.Data[i] *= sigmoidPrime(s) // ⊙ ∂σ(a_l)/∂a_l = σ(a_l)(1 − σ(a_l))
	}
}

// layerGradients sets the gradients of units lo..hi-1 of layer l, summed over the batch:
//
//	∂L/∂W_l = Σ_batch δ_l · xᵀ     (rows lo..hi-1 of an m×n matrix; x is the layer's input)
//	∂L/∂b_l = Σ_batch δ_l
func (net *Network) layerGradients(g *Grads, p *Pass, l, lo, hi int) {
	delta := p.Delta[l]
	if l == 0 {
		mulLitAtB(g.W[l], delta, p.X, p.Lit, lo, hi) // ∂L/∂W = Σ_batch δ·xᵀ, skipping pixels that are 0
	} else {
		mulAtB(g.W[l], delta, p.S[l-1], lo, hi) // ∂L/∂W = Σ_batch δ·xᵀ
	}
	gb := g.B[l][lo:hi]
	clear(gb)
	for r := 0; r < delta.Rows; r++ {
		for j, d := range delta.row(r)[lo:hi] {
			gb[j] += d // ∂L/∂b = Σ_batch δ
		}
	}
}

// deltas sets δ of every layer for each sample of p, whose forward pass is done, from the
// output down: the error flows backward through the layers.
func (net *Network) deltas(p *Pass) {
	out := len(net.Layers) - 1
	outputDelta(p.Delta[out], p.S[out], p.Labels) // δ = σ(a) − y at the output
	for l := out; l > 0; l-- {
		net.hiddenDelta(p, l-1) // δ_{l−1} = (W_lᵀ δ_l) ⊙ σ(a_{l−1})(1 − σ(a_{l−1}))
	}
}

// backward runs the backward pass of the batch whose forward pass is in p: δ of every layer,
// then the gradients of every layer, summed over the batch, into g.
func (net *Network) backward(p *Pass, g *Grads) {
	net.deltas(p)
	for l := range net.Layers {
		net.layerGradients(g, p, l, 0, net.Sizes[l+1]) // ∂L/∂W_l = Σ δ_l·xᵀ, ∂L/∂b_l = Σ δ_l
	}
}

// SGD holds the settings of one gradient-descent step.
type SGD struct {
	Eta    float64 // η, the learning rate
	Lambda float64 // λ, the L2 weight decay (0 for none)
	N      int     // n, the number of training images, which scales λ as in network2.py
}

// step updates units lo..hi-1 of layer l from gradients summed over a batch of B samples:
//
//	W ← (1 − ηλ/n)·W − (η/B)·Σ_batch ∂L/∂W
//	b ← b − (η/B)·Σ_batch ∂L/∂b
func (o SGD) step(net *Network, g *Grads, l, lo, hi, B int) {
	layer := &net.Layers[l]
	shrink := 1 - o.Eta*o.Lambda/float64(o.N) // 1 − ηλ/n; exactly 1 when λ = 0
	rate := o.Eta / float64(B)                // η/B: the step follows the mean gradient
	n := layer.W.Cols
	w, gw := layer.W.Data[lo*n:hi*n], g.W[l].Data[lo*n:hi*n]
	gw = gw[:len(w)]
	for i := range w {
		w[i] = float64(shrink*w[i]) - float64(rate*gw[i]) // W ← (1 − ηλ/n)·W − (η/B)·∂L/∂W
	}
	b, gb := layer.B[lo:hi], g.B[l][lo:hi]
	for j := range b {
		b[j] -= float64(rate * gb[j]) // b ← b − (η/B)·∂L/∂b
	}
}

// update takes the SGD step on every layer, after backward has filled g from a batch of B
// samples.
func (o SGD) update(net *Network, g *Grads, B int) {
	for l := range net.Layers {
		o.step(net, g, l, 0, net.Sizes[l+1], B)
	}
}
