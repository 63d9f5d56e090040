// network.go holds the network itself and its forward pass: the stack of sigmoid layers, their
// initialisation from a seed, a = W·x + b and σ(a) for every layer, the course's loss L, and
// prediction and accuracy. The backward pass that uses what is kept here is in backprop.go.
//
// Notation, as in the course notes and everywhere in this program:
//
//	a     pre-activation of a layer, a = W·x + b, where x is the layer's input
//	σ(a)  activation, σ(a) = 1/(1 + e^(−a)); the input of the next layer
//	ŷ     the network's output, σ(a) of the last layer, one value per digit
//	δ     ∂L/∂a of a layer (backprop.go)
//	η     the learning rate (backprop.go)
//
// Shapes: a mini-batch of B samples is a B×n matrix, one sample per row (matrix.go); a layer
// with n inputs and m units has W of shape m×n and b of length m. In the code the notes' b is
// the field B of a Layer (beside W), and the notes' B, the size of a mini-batch, is always
// spelled out: batchSize, or the number of rows of a Pass.
//
// These functions are the course's math and nothing else: plain loops, in the order of the
// notes. Training runs the same arithmetic faster: each function here has a twin named with
// Fast after it (layerForward and layerForwardFast, forward and forwardFast in fast_passes.go),
// on the blocked products of fast_matrix.go, with the dark pixels skipped (fast_lit.go) and the
// work shared between cores (train.go); fast_test.go proves the twins equal bit for bit.

package main

import (
	"math"
	"math/rand/v2"
)

// Layer is one fully connected sigmoid layer: σ(W·x + b).
type Layer struct {
	W Matrix    // m×n: W[j][i] is the weight from input i to unit j
	B []float64 // m: b, the bias of each unit (not the notes' B, the batch size)
}

// Network is the layer stack. Sizes lists the width of every layer, input first:
// 784, 20, 10 for the course's network.
type Network struct {
	Sizes  []int
	Layers []Layer
}

// newNetwork builds a network of the given sizes with weights drawn from N(0, 1/n), n being the
// unit's number of inputs, and biases from N(0, 1), as in Nielsen's network2.py. Scaling by
// 1/√n keeps each a = W·x + b near the middle of the sigmoid at the start, where its slope, and
// so learning, is largest. The same seed gives the same network, bit for bit.
func newNetwork(sizes []int, seed uint64) *Network {
	normal := normals{rng: rand.New(rand.NewPCG(seed, weightStream))} // N(0, 1), exp.go
	net := &Network{Sizes: append([]int(nil), sizes...)}
	for l := 1; l < len(sizes); l++ {
		n, m := sizes[l-1], sizes[l]
		layer := Layer{W: newMatrix(m, n), B: make([]float64, m)}
		scale := 1 / math.Sqrt(float64(n))
		for i := range layer.W.Data {
			layer.W.Data[i] = normal.next() * scale
		}
		for j := range layer.B {
			layer.B[j] = normal.next()
		}
		net.Layers = append(net.Layers, layer)
	}
	return net
}

// weightStream is the second word of the initial weights' generator: a fixed stream id, "mnist".
const weightStream = 0x6d6e697374

// sigmoid is σ(a) = 1/(1 + e^(−a)), with the program's own e^x (exp.go), which gives the same
// bits on every computer. At a = −1000, e^(−a) is +Inf and σ is exactly 0; at
// a = +1000 it is exactly 1: never NaN.
func sigmoid(a float64) float64 {
	return 1 / (1 + exp(-a))
}

// sigmoidPrimeFromSigma is the sigmoid's derivative, σ′(a) = ∂σ(a)/∂a = σ(a)(1 − σ(a)), the
// local derivative the backward pass multiplies by (hiddenDelta, runExample in explain.go),
// computed from s = σ(a), not from a, as its name says: the forward pass has kept σ(a), and the
// derivative written in it needs no second e^(−a). So sigmoidPrimeFromSigma(0.5) = σ′(0) = ¼.
func sigmoidPrimeFromSigma(s float64) float64 {
	return s * (1 - s)
}

// layerForward computes one layer's forward pass for every sample of a mini-batch x (one
// sample per row, B×n), into a and σ(a) (B×m):
//
//	a = W·x + b
//	σ(a)
//
// With one sample per row, W·x for every sample at once is the product x·Wᵀ (matrix.go).
func layerForward(layer Layer, x, a, s Matrix) {
	productPQt(a, x, layer.W) // W·x, a row per sample
	for r := 0; r < a.Rows; r++ {
		ar, sr := a.row(r), s.row(r)
		for j, b := range layer.B {
			ar[j] += b             // a = W·x + b
			sr[j] = sigmoid(ar[j]) // σ(a)
		}
	}
}

// Pass holds what the passes of one mini-batch of B samples compute: the input x and its labels,
// then for every layer a and σ(a) (the forward pass) and δ (the backward pass), and the loss of
// each sample. Layers are counted from 0 here, so A[0] is the first hidden layer's a; the
// printouts count from 1 (a1), as the course does. pass.go allocates it.
type Pass struct {
	X      Matrix    // B×784: the input images, pixels scaled to 0..1
	Labels []byte    // B: the digit of each image; y is its one-hot vector
	A      []Matrix  // A[l]: a of layer l, B×m
	S      []Matrix  // S[l]: σ(a) of layer l, B×m; S[len-1] is ŷ
	Delta  []Matrix  // Delta[l]: δ = ∂L/∂a of layer l, B×m (backprop.go)
	Loss   []float64 // B: the loss L of each sample
}

// forward runs the forward pass of the mini-batch in p, layer by layer: the input of layer 1 is
// the image x, the input of every later layer the σ(a) of the one before. It keeps a and σ(a)
// of every layer in p for the backward pass, and the loss L of each sample in p.Loss.
func (net *Network) forward(p *Pass) {
	x := p.X
	for l, layer := range net.Layers {
		layerForward(layer, x, p.A[l], p.S[l])
		x = p.S[l]
	}
	setLosses(p) // L of each sample
}

// setLosses sets the loss L of each sample of p, once its forward pass is done.
func setLosses(p *Pass) {
	out := p.A[len(p.A)-1]
	for r, label := range p.Labels {
		p.Loss[r] = loss(out.row(r), int(label))
	}
}

// oneHot is y_k, component k of the one-hot target y of a sample whose digit is label: 1 for the
// true digit, 0 for the nine others.
func oneHot(k int, label byte) float64 {
	if k == int(label) {
		return 1
	}
	return 0
}

// loss is the course's loss of one sample, summed over the output units with y one-hot:
//
//	L(y, ŷ) = −Σ_k [(1 − y_k) ln(1 − ŷ_k) + y_k ln ŷ_k]
//
// computed from a of the output layer rather than from ŷ = σ(a). The two are equal: since
// ln σ(a) = −softplus(−a) and ln(1 − σ(a)) = −softplus(a), with softplus(a) = ln(1 + e^a)
// and softplus(−a) = softplus(a) − a, each term is
//
//	−[(1 − y) ln(1 − σ(a)) + y ln σ(a)] = softplus(a) − y·a.
//
// The form in a stays finite where ŷ rounds to exactly 0 or 1 (ln 0 = −Inf): at a = 1000 with
// y = 0 it is 1000, not +Inf.
func loss(a []float64, label int) float64 {
	var L float64
	for k, ak := range a {
		L += softplus(ak)
		if k == label {
			L -= ak // y_k = 1 only for the true digit
		}
	}
	return L
}

// softplus is ln(1 + e^a), written as max(a, 0) + ln(1 + e^(−|a|)) so that e^x never overflows
// (exp and log1p: exp.go).
func softplus(a float64) float64 {
	return math.Max(a, 0) + log1p(exp(-math.Abs(a)))
}

// predict returns the digit the network picks for one sample: the output unit with the largest
// value, the first one on an exact tie. Training and evaluation pass it a of the output layer:
// σ is increasing, so the largest a is the largest ŷ, and a does not round two saturated
// outputs to the same 1.0. Given ŷ itself (as classify and -explain do) it picks the same unit
// unless two outputs have both rounded to 1.0, where the first of them wins.
func predict(a []float64) int {
	best := 0
	for k, v := range a {
		if v > a[best] {
			best = k
		}
	}
	return best
}

// lossAndHits adds up, in order over the samples of a batch whose forward pass is in p, the loss
// L and the number of samples predicted right.
func lossAndHits(p *Pass) (lossSum float64, hits int) {
	out := p.A[len(p.A)-1]
	for r, label := range p.Labels {
		lossSum += p.Loss[r]
		if predict(out.row(r)) == int(label) {
			hits++
		}
	}
	return lossSum, hits
}

// Score is the loss and accuracy of the network on a data set.
type Score struct {
	Loss float64 // mean over the images of L
	Hits int     // images predicted right
	N    int     // images
}

// Acc is the fraction of images predicted right.
func (s Score) Acc() float64 { return float64(s.Hits) / float64(s.N) }
