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
// with the optional L2 regularization of Nielsen's network2.py, which first shrinks every weight
// (not the biases) by the factor 1 − ηλ/n, n being the size of the training set.
//
// Every function here works on a whole mini-batch at once, one sample per row (matrix.go), in
// plain loops in the order of the notes; trainBatch trains one mini-batch with them: forward,
// backward, update. Training runs the same arithmetic faster and shared between cores
// (fast_passes.go, train.go), proved equal to these functions bit for bit (fast_test.go).

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
			d[k] = s[k] - oneHot(k, label) // δ = ∂L/∂a = σ(a) − y
		}
	}
}

// hiddenDelta sets δ of a hidden layer from δ of the layer above it and that layer's W:
//
//	δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ(a_l)(1 − σ(a_l))
//
// With one sample per row, W_{l+1}ᵀ δ_{l+1} for every sample at once is δ_{l+1}·W_{l+1}.
func hiddenDelta(delta, wAbove, deltaAbove, s Matrix) {
	productPQ(delta, deltaAbove, wAbove) // ∂L/∂σ(a_l) = W_{l+1}ᵀ δ_{l+1}, a row per sample
	for i, si := range s.Data {
		delta.Data[i] *= sigmoidPrimeFromSigma(si) // ⊙ ∂σ(a_l)/∂a_l = σ(a_l)(1 − σ(a_l))
	}
}

// layerGradients sets the gradients of one layer, summed over the mini-batch, from its δ and
// its input x (the image, or σ(a) of the layer below):
//
//	∂L/∂W = Σ_batch δ·xᵀ     (m×n, as W)
//	∂L/∂b = Σ_batch δ
//
// Summed over the samples, δ·xᵀ is the product δᵀ·x of the batch's matrices.
func layerGradients(gW Matrix, gb []float64, delta, x Matrix) {
	productPtQ(gW, delta, x) // ∂L/∂W = Σ_batch δ·xᵀ
	for j := range gb {
		gb[j] = 0 // a new sum for every mini-batch
		for r := 0; r < delta.Rows; r++ {
			gb[j] += delta.at(r, j) // ∂L/∂b = Σ_batch δ
		}
	}
}

// deltas sets δ of every layer of the mini-batch whose forward pass is in p, from the output
// down: the error flows backward through the layers. (Its fast twin is deltasFast in
// fast_passes.go.)
func (net *Network) deltas(p *Pass) {
	out := len(net.Layers) - 1
	outputDelta(p.Delta[out], p.S[out], p.Labels) // δ = σ(a) − y at the output
	for l := out - 1; l >= 0; l-- {
		hiddenDelta(p.Delta[l], net.Layers[l+1].W, p.Delta[l+1], p.S[l]) // δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ'(a_l)
	}
}

// backward runs the backward pass of the mini-batch whose forward pass is in p: δ of every
// layer (deltas), then the gradients of every layer, summed over the batch, into g.
func (net *Network) backward(p *Pass, g *Grads) {
	net.deltas(p) // δ of every layer, from the output down
	x := p.X
	for l := range net.Layers {
		layerGradients(g.W[l], g.B[l], p.Delta[l], x) // ∂L/∂W_l = Σ δ_l·xᵀ, ∂L/∂b_l = Σ δ_l
		x = p.S[l]
	}
}

// SGD holds the settings of one gradient-descent step.
type SGD struct {
	Eta    float64 // η, the learning rate
	Lambda float64 // λ, of the L2 regularization (0 for none)
	N      int     // n, the number of training images, which scales λ as in network2.py
}

// step updates one layer from its gradients summed over a mini-batch of B = batchSize samples,
// against their mean:
//
//	W ← W − (η/B)·Σ_batch ∂L/∂W
//	b ← b − (η/B)·Σ_batch ∂L/∂b
//
// (Each product is rounded on its own, float64(…), so that no compiler fuses it with the
// subtraction: matrix.go says why.)
func (o SGD) step(layer Layer, gW Matrix, gb []float64, batchSize int) {
	rate := o.Eta / float64(batchSize) // η/B: the step follows the mean gradient
	for i := range layer.W.Data {
		layer.W.Data[i] -= float64(rate * gW.Data[i]) // W ← W − (η/B)·∂L/∂W
	}
	for j := range layer.B {
		layer.B[j] -= float64(rate * gb[j]) // b ← b − (η/B)·∂L/∂b
	}
}

// shrinkWeights shrinks a layer's weights, not its biases, before the step: the L2
// regularization of Nielsen's network2.py (often called L2 regularization; here "decay" is kept for
// η's, the -decay flag), which the course notes do not have. It is the gradient step of the
// penalty (λ/2n)·Σw² added to the loss, n the size of the training set:
//
//	W ← (1 − ηλ/n)·W
//
// With λ = 0 the factor is exactly 1 and nothing changes. shrinkWeights, then step, is the
// W ← (1 − ηλ/n)·W − (η/B)·Σ∂L/∂W of network2.py.
func (o SGD) shrinkWeights(layer Layer) {
	shrink := 1 - o.Eta*o.Lambda/float64(o.N) // 1 − ηλ/n
	for i, w := range layer.W.Data {
		layer.W.Data[i] = shrink * w // W ← (1 − ηλ/n)·W
	}
}

// update takes the SGD step on every layer, after backward has filled g from a mini-batch of
// B = batchSize samples: the L2 shrink of the weights, then the step. (Its fast twin, one layer
// over a range of units, is SGD.shrinkAndStepFast in fast_passes.go.)
func (o SGD) update(net *Network, g *Grads, batchSize int) {
	for l, layer := range net.Layers {
		o.shrinkWeights(layer)
		o.step(layer, g.W[l], g.B[l], batchSize)
	}
}

// trainBatch trains net on the mini-batch in p, in the order of the notes: the forward pass
// (a, σ(a) and L of every sample), the backward pass (δ of every layer, then the gradients
// summed over the batch, into g), and the SGD step. -explain, the lab's one step and the
// exercise train with it; the program's training takes the same steps in their fast forms
// (fast_passes.go), shared between cores by train.go.
func (net *Network) trainBatch(p *Pass, g *Grads, o SGD) {
	net.forward(p)                  // network.go
	net.backward(p, g)              // δ, ∂L/∂W, ∂L/∂b
	o.update(net, g, len(p.Labels)) // W ← (1 − ηλ/n)·W − (η/B)·Σ ∂L/∂W, b ← b − (η/B)·Σ ∂L/∂b
}
