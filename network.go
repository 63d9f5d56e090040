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
// with n inputs and m units has W of shape m×n and b of length m.
package main

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Layer is one fully connected sigmoid layer: σ(W·x + b).
type Layer struct {
	W Matrix    // m×n: W[j][i] is the weight from input i to unit j
	B []float64 // m: the bias of each unit
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

// sigmoidPrime is the sigmoid's derivative, ∂σ(a)/∂a = σ(a)(1 − σ(a)), the local derivative the
// backward pass multiplies by (hiddenDelta, runExample). It takes s = σ(a), not a: the forward
// pass has kept σ(a), and the derivative written in it needs no second e^(−a).
func sigmoidPrime(s float64) float64 {
	return s * (1 - s)
}

// layerForward computes units lo..hi-1 of layer l for every sample of the batch:
//
//	a = W·x + b      (a row per sample: a = x·Wᵀ + b)
//	σ(a)
//
// Taking a range of units lets the training workers share the first layer (train.go).
func (net *Network) layerForward(p *Pass, l, lo, hi int) {
	layer := &net.Layers[l]
	a, s := p.A[l], p.S[l]
	if l == 0 {
		mulLitABt(a, p.X, p.Lit, layer.W, lo, hi) // a = x·Wᵀ, skipping the pixels that are 0
	} else {
		mulABt(a, p.S[l-1], layer.W, lo, hi) // a = x·Wᵀ
	}
	for r := 0; r < a.Rows; r++ {
		ar, sr := a.row(r)[lo:hi], s.row(r)[lo:hi]
		for j, b := range layer.B[lo:hi] {
			ar[j] += b             // + b
			sr[j] = sigmoid(ar[j]) // σ(a)
		}
	}
}

// forward runs the forward pass on the batch in p.X, layer by layer, keeping a and σ(a) of
// every layer in p for the backward pass, and the loss L of each sample in p.Loss.
func (net *Network) forward(p *Pass) {
	for l := range net.Layers {
		net.layerForward(p, l, 0, net.Sizes[l+1])
	}
	setLosses(p)
}

// setLosses sets p.Loss[r] to the loss L of each sample, once the forward pass is done.
func setLosses(p *Pass) {
	out := p.A[len(p.A)-1]
	for r, label := range p.Labels {
		p.Loss[r] = loss(out.row(r), int(label))
	}
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

// ---------------------------------------------------------------------------------------------
// The plumbing: the buffers a pass fills, how an image gets into them, and small tools on a
// network (copying it, checking its numbers). No formula of the course below this line.

// Pass holds everything the forward pass of one mini-batch computes and the backward pass
// reads, allocated once for the largest batch (see Matrix.rows). Layers are counted from 0 here,
// so A[0] is the first hidden layer's a; the printouts count from 1 (a1), as the course does.
type Pass struct {
	X      Matrix    // B×784: the input images, pixels scaled to 0..1
	Lit    litIndex  // the pixels of each image that are not 0 (matrix.go); X is 0 elsewhere
	Labels []byte    // B: the digit of each image; y is its one-hot vector
	A      []Matrix  // A[l]: a of layer l, B×m
	S      []Matrix  // S[l]: σ(a) of layer l, B×m; S[len-1] is ŷ
	Delta  []Matrix  // Delta[l]: δ = ∂L/∂a of layer l, B×m (backprop.go)
	Loss   []float64 // B: the loss L of each sample
}

// setInput puts image r of the batch in p: x = pixels (784 values in 0..1) and its label.
func (p *Pass) setInput(r int, pixels []float64, label byte) {
	copy(p.X.row(r), pixels)
	p.Lit.index(p.X, r)
	p.Labels[r] = label
}

// newPass allocates a Pass for mini-batches of up to batch samples.
func (net *Network) newPass(batch int) *Pass {
	p := &Pass{X: newMatrix(batch, net.Sizes[0]), Lit: newLitIndex(batch, net.Sizes[0]),
		Labels: make([]byte, batch), Loss: make([]float64, batch)}
	for _, m := range net.Sizes[1:] {
		p.A = append(p.A, newMatrix(batch, m))
		p.S = append(p.S, newMatrix(batch, m))
		p.Delta = append(p.Delta, newMatrix(batch, m))
	}
	return p
}

// rows returns a view of p for samples lo..hi-1 of its buffers.
func (p *Pass) rows(lo, hi int) *Pass {
	q := &Pass{X: p.X.rows(lo, hi), Lit: p.Lit.rows(lo, hi), Labels: p.Labels[lo:hi], Loss: p.Loss[lo:hi]}
	for l := range p.A {
		q.A = append(q.A, p.A[l].rows(lo, hi))
		q.S = append(q.S, p.S[l].rows(lo, hi))
		q.Delta = append(q.Delta, p.Delta[l].rows(lo, hi))
	}
	return q
}

// pixelValue[v] is v/255, the input value of a pixel of brightness v: a table lookup is several
// times faster than a division. It is filled once, when the program starts, and only read.
var pixelValue = func() (t [256]float64) {
	for v := range t {
		t[v] = float64(v) / 255
	}
	return t
}()

// loadBatch fills p with the images d[idx[0]], d[idx[1]], ..., pixels scaled from 0..255 to
// 0..1, and their labels. Images stay bytes in memory (47 MB instead of 376 MB as float64) and
// are scaled only here, a batch at a time.
//
// Only the lit pixels are written. A row of p.X is 0 outside the lit pixels that p.Lit lists
// for it (newPass starts all at 0, and setInput and loadBatch keep it so), so the row is ready
// for the next image once the previous image's lit pixels are set back to 0: about 300 stores
// instead of 784. The data set lists each image's lit pixels and their values already
// (mnist.go), so an image's 784 bytes are not even read.
func loadBatch(p *Pass, d Dataset, idx []int) {
	for r, i := range idx {
		x := p.X.row(r)
		old, _ := p.Lit.row(r)
		for _, k := range old {
			x[k] = 0 // the previous image's lit pixels
		}
		lit, val := p.Lit.Idx[r*imageSize:(r+1)*imageSize], p.Lit.Val[r*imageSize:(r+1)*imageSize]
		n := 0
		if ids, vs, ok := d.litPixels(i); ok {
			n = copy(lit, ids)
			for j, v := range vs[:n] {
				val[j] = pixelValue[v]
			}
		} else { // a data set made in memory: look at every pixel
			for k, v := range d.image(i) {
				lit[n], val[n] = uint16(k), pixelValue[v]
				if v != 0 {
					n++
				}
			}
		}
		for j, k := range lit[:n] {
			x[k] = val[j]
		}
		p.Lit.N[r] = n
		p.Labels[r] = d.Labels[i]
	}
}

// imagePass returns a pass holding one image (784 pixels) and its label, ready for forward.
func (net *Network) imagePass(pixels []byte, label byte) *Pass {
	p := net.newPass(1)
	loadBatch(p, Dataset{Images: pixels, Labels: []byte{label}}, []int{0})
	return p
}

// inputPass returns a pass holding one input x (784 values in 0..1) and its label, ready for
// forward: the lab's way in for a drawing, whose pixels come as numbers.
func (net *Network) inputPass(x []float64, label byte) *Pass {
	p := net.newPass(1)
	p.setInput(0, x, label)
	return p
}

// nonFinite returns the first weight or bias of the layer that is NaN or ±Inf, if there is one.
func (layer Layer) nonFinite() (float64, bool) {
	for _, vs := range [][]float64{layer.W.Data, layer.B} {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return v, true
			}
		}
	}
	return 0, false
}

// clone returns a copy of net that shares no memory with it.
func (net *Network) clone() *Network {
	c := &Network{Sizes: append([]int(nil), net.Sizes...)}
	for _, layer := range net.Layers {
		c.Layers = append(c.Layers, layer.clone())
	}
	return c
}

// clone returns a copy of the layer that shares no memory with it.
func (layer Layer) clone() Layer {
	c := Layer{W: newMatrix(layer.W.Rows, layer.W.Cols), B: make([]float64, len(layer.B))}
	copy(c.W.Data, layer.W.Data)
	copy(c.B, layer.B)
	return c
}

// copyInto copies net's weights and biases into dst, a network of the same sizes.
func (net *Network) copyInto(dst *Network) {
	for l, layer := range net.Layers {
		copy(dst.Layers[l].W.Data, layer.W.Data)
		copy(dst.Layers[l].B, layer.B)
	}
}

// joinInts writes 784, 20, 10 as "784-20-10": the way a network's Sizes are shown, in the first
// lines of a run, in report.html's settings and by -explain.
func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, sep)
}
