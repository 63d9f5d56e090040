// backprop_test.go proves the backward pass: every ∂L/∂W and ∂L/∂b against central finite
// differences of the loss, the output δ against the derivation of the course, and the
// arithmetic against saturation. It also checks that training learns, that the trainer takes
// the course's steps, and that the number of workers changes no bit (fast_test.go proves the
// fast functions equal to the course's).

package main

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomPass fills a batch of B random inputs in 0..1, about a third of them exactly 0 (as
// dark pixels are), with random labels.
func randomPass(net *Network, B int, rng *rand.Rand) *Pass {
	p := net.newPass(B)
	x := make([]float64, net.Sizes[0])
	classes := net.Sizes[len(net.Sizes)-1]
	for r := 0; r < B; r++ {
		for k := range x {
			x[k] = 0
			if rng.IntN(3) > 0 {
				x[k] = rng.Float64()
			}
		}
		p.setInput(r, x, byte(rng.IntN(classes)))
	}
	return p
}

// TestGradientCheck compares every gradient of the backward pass with the central difference
// (L(θ+h) − L(θ−h))/2h of the summed loss, for a network with one hidden layer and one with two,
// through checkGradient (gradcheck.go), the function the lab's gradient check runs too.
// The sizes are odd and the batch is 7 so that every block and every remainder loop of
// matrix.go takes part. Any change to one arithmetic operation of the backward pass moves some
// gradient far more than the tolerance.
func TestGradientCheck(t *testing.T) {
	for _, sizes := range [][]int{{9, 7, 5}, {11, 7, 5, 3}} {
		rng := rand.New(rand.NewPCG(7, uint64(len(sizes))))
		net := newNetwork(sizes, 3)
		p := randomPass(net, 7, rng)
		g := net.newGrads()
		net.forward(p)
		net.backward(p, g)

		const h = 1e-5
		checked := 0
		for l := range net.Layers {
			for j := 0; j < net.Sizes[l+1]; j++ {
				for i := -1; i < net.Sizes[l]; i++ { // i = −1: the bias
					c := checkGradient(net, p, g, l+1, j, i, h)
					if c.Layer != l+1 || c.Unit != j || c.Input != i {
						t.Fatalf("checkGradient(layer %d, unit %d, input %d) answers for %d, %d, %d", l+1, j, i, c.Layer, c.Unit, c.Input)
					}
					want := g.B[l][j]
					if i >= 0 {
						want = g.W[l].row(j)[i]
					}
					if c.Analytic != want {
						t.Fatalf("layer %d unit %d input %d: checkGradient's analytic %v is not the backward pass's %v", l+1, j, i, c.Analytic, want)
					}
					diff := math.Abs(c.Analytic - c.Numeric)
					if scale := math.Max(math.Abs(c.Analytic), math.Abs(c.Numeric)); diff > 1e-6*scale && diff > 1e-9 {
						t.Errorf("sizes %v: ∂L/∂θ of layer %d, unit %d, input %d: backward gives %.10g, finite differences %.10g (relative error %.2g)",
							sizes, l+1, j, i, c.Analytic, c.Numeric, c.RelError)
					}
					checked++
				}
			}
		}
		if want := len(g.W[0].Data) + len(g.B[0]); checked < want {
			t.Fatalf("%d parameters checked", checked)
		}
	}
}

// TestGradientCheckRestores: the check puts the parameter back bit for bit, and its relative
// error is that of its two numbers.
func TestGradientCheckRestores(t *testing.T) {
	net := newNetwork([]int{6, 4, 3}, 2)
	before := net.clone()
	p := randomPass(net, 2, rand.New(rand.NewPCG(1, 2)))
	g := net.newGrads()
	net.forward(p)
	net.backward(p, g)
	for _, c := range []gradCheck{checkGradient(net, p, g, 1, 2, 3, gradEps), checkGradient(net, p, g, 2, 1, -1, gradEps)} {
		if want := math.Abs(c.Analytic-c.Numeric) / math.Max(math.Abs(c.Analytic), math.Abs(c.Numeric)); c.RelError != want || !(c.RelError < 1e-6) {
			t.Errorf("layer %d unit %d input %d: relative error %v, want %v and below 1e-6", c.Layer, c.Unit, c.Input, c.RelError, want)
		}
	}
	for l := range net.Layers {
		if !sameBits(net.Layers[l].W.Data, before.Layers[l].W.Data) || !sameBits(net.Layers[l].B, before.Layers[l].B) {
			t.Errorf("layer %d: the check left a parameter changed", l+1)
		}
	}
}

func itoa(n int) string { return joinInts([]int{n}, "") }

// TestOutputDeltaIsTheDerivation computes ∂L/∂a at the output as the course does,
// ∂L/∂σ(a)·∂σ(a)/∂a, and checks that outputDelta's σ(a) − y equals it, and that both equal the
// finite-difference slope of the loss in a.
func TestOutputDeltaIsTheDerivation(t *testing.T) {
	for _, a := range []float64{-6, -1.5, -0.2, 0, 0.3, 2, 5} {
		for _, label := range []byte{0, 1} {
			s := sigmoid(a)
			y := float64(label) // unit 0's target: 1 when the label is 0
			y = 1 - y
			dLds := (s - y) / (s * (1 - s)) // ∂L/∂σ(a)
			dsda := s * (1 - s)             // ∂σ(a)/∂a
			course := dLds * dsda

			delta := newMatrix(1, 2)
			yhat := Matrix{Rows: 1, Cols: 2, Data: []float64{s, sigmoid(-1)}}
			outputDelta(delta, yhat, []byte{label})
			if got := delta.Data[0]; math.Abs(got-course) > 1e-12 {
				t.Errorf("a = %g, y = %g: outputDelta gives %.15g, ∂L/∂σ(a)·∂σ(a)/∂a = %.15g", a, y, got, course)
			}

			const h = 1e-6
			slope := (loss([]float64{a + h, -1}, int(label)) - loss([]float64{a - h, -1}, int(label))) / (2 * h)
			if math.Abs(slope-course) > 1e-8 {
				t.Errorf("a = %g, y = %g: dL/da by finite differences %.10g, derivation %.10g", a, y, slope, course)
			}
		}
	}
}

// TestLossIsTheCourseFormula checks that the stable form of L, computed from a, equals the
// course's −Σ[(1 − y)ln(1 − ŷ) + y ln ŷ] where the latter can be evaluated.
func TestLossIsTheCourseFormula(t *testing.T) {
	a := []float64{-3, -0.5, 0, 0.7, 4, -10, 10, 1.5, -2, 0.1}
	for label := 0; label < len(a); label++ {
		var want float64
		for k, ak := range a {
			yhat, y := sigmoid(ak), 0.0
			if k == label {
				y = 1
			}
			want -= (1-y)*math.Log(1-yhat) + y*math.Log(yhat)
		}
		if got := loss(a, label); math.Abs(got-want) > 1e-12*want {
			t.Errorf("label %d: loss %.15g, course formula %.15g", label, got, want)
		}
	}
}

// TestSaturation: at a = ±1000, where ŷ rounds to exactly 0 or 1, σ, L and δ stay finite.
func TestSaturation(t *testing.T) {
	for _, a := range []float64{-1000, 1000} {
		s := sigmoid(a)
		if math.IsNaN(s) || s < 0 || s > 1 {
			t.Errorf("σ(%g) = %g", a, s)
		}
		for label := 0; label < 2; label++ {
			L := loss([]float64{a, -a}, label)
			if math.IsNaN(L) || math.IsInf(L, 0) {
				t.Errorf("L at a = (%g, %g), label %d is %g", a, -a, label, L)
			}
		}
	}
	if L := loss([]float64{1000}, 0); L != 0 { // one output unit, and it is the true digit
		t.Errorf("L for a confident right answer is %g, want 0", L)
	}
	if L := loss([]float64{1000}, 1); L != 1000 { // the true digit is not this unit: y = 0
		t.Errorf("L for a confident wrong answer at a = 1000 is %g, want 1000", L)
	}
	// A whole network driven to saturation: huge weights, every gradient finite.
	net := newNetwork([]int{5, 4, 3}, 1)
	for _, layer := range net.Layers {
		for i := range layer.W.Data {
			layer.W.Data[i] *= 1000
		}
	}
	p := randomPass(net, 4, rand.New(rand.NewPCG(1, 1)))
	g := net.newGrads()
	net.forward(p)
	net.backward(p, g)
	for l := range g.W {
		for _, v := range append(append([]float64{}, g.W[l].Data...), g.B[l]...) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("layer %d: gradient %g at saturation", l, v)
			}
		}
	}
	for _, v := range p.Loss {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("loss %g at saturation", v)
		}
	}
}

// TestLearning: a few epochs on a small separable problem drive the loss down and the accuracy up.
func TestLearning(t *testing.T) {
	d := blocksData(200, 1)
	net := newNetwork([]int{imageSize, 20, numDigits}, 1)
	tr := newTrainer(net, SGD{Eta: 0.5, N: d.Len()}, 10, 2, d.Len())
	defer tr.close()
	before := tr.evaluate(d, nil)
	order := sequence(d.Len())
	for e := 0; e < 5; e++ {
		tr.epoch(d, order)
	}
	after := tr.evaluate(d, nil)
	if !(after.Loss < before.Loss/4) {
		t.Errorf("loss went from %.4f to %.4f in 5 epochs; want it below a quarter", before.Loss, after.Loss)
	}
	if after.Acc() < 0.99 {
		t.Errorf("accuracy after 5 epochs is %.3f, want ≥ 0.99 on separable data", after.Acc())
	}
}

// trainRun trains a fresh network for two epochs and returns it with its per-epoch figures.
// workers < 0 trains with a chooser between 1 and −workers workers that times blocks of a
// single mini-batch, so that the count changes from one mini-batch to the next.
func trainRun(d Dataset, hidden []int, batch, workers int) (*Network, []float64) {
	net := newNetwork(append(append([]int{imageSize}, hidden...), numDigits), 4)
	tr := newTrainer(net, SGD{Eta: 0.3, Lambda: 5, N: d.Len()}, batch, max(workers, -workers), d.Len())
	defer tr.close()
	if workers < 0 {
		tr.choice = newChooser(-workers, batch)
		tr.choice.block = 1
	}
	rng := rand.New(rand.NewPCG(4, 4))
	order := sequence(d.Len())
	var figures []float64
	for e := 0; e < 2; e++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		l, h := tr.epoch(d, order)
		s := tr.evaluate(d, nil)
		figures = append(figures, l, float64(h), s.Loss, float64(s.Hits))
	}
	return net, figures
}

// TestWorkersChangeNoBit trains with 1, 2, 3 and 8 workers, and with a count that changes
// between 1 and 3 from one mini-batch to the next (as the chooser of parallel.go does), with a
// last mini-batch shorter than the others and with two hidden layers, and requires every weight
// and every reported figure to be identical, bit for bit.
func TestWorkersChangeNoBit(t *testing.T) {
	d := blocksData(1013, 2) // 1013 = 101 batches of 10 and one of 3
	for _, hidden := range [][]int{{20}, {13, 7}} {
		ref, refFig := trainRun(d, hidden, 10, 1)
		for _, workers := range []int{2, 3, 8, -3} {
			net, fig := trainRun(d, hidden, 10, workers)
			if !sameBits(fig, refFig) {
				t.Errorf("hidden %v, %d workers: figures %v, with 1 worker %v", hidden, workers, fig, refFig)
			}
			for l := range net.Layers {
				if !sameBits(net.Layers[l].W.Data, ref.Layers[l].W.Data) || !sameBits(net.Layers[l].B, ref.Layers[l].B) {
					t.Errorf("hidden %v, %d workers: layer %d's weights differ from 1 worker's", hidden, workers, l)
				}
			}
		}
	}
}

// TestTrainerIsPlainSGD: the shared-out trainer takes exactly the steps of the plain serial
// loop forward → backward → update, bit for bit.
func TestTrainerIsPlainSGD(t *testing.T) {
	d := blocksData(57, 3)
	sgd := SGD{Eta: 0.4, Lambda: 2, N: d.Len()}
	fast := newNetwork([]int{imageSize, 6, numDigits}, 9)
	plain := newNetwork([]int{imageSize, 6, numDigits}, 9)
	tr := newTrainer(fast, sgd, 8, 2, d.Len())
	defer tr.close()
	order := sequence(d.Len())
	tr.epoch(d, order)

	g := plain.newGrads()
	for lo := 0; lo < d.Len(); lo += 8 {
		idx := order[lo:min(d.Len(), lo+8)]
		p := plain.newPass(len(idx))
		for r, i := range idx {
			p.setImage(r, d.image(i), d.Labels[i])
		}
		plain.trainBatch(p, g, sgd) // the course's loop: forward, backward, update
	}
	for l := range plain.Layers {
		if !sameBits(fast.Layers[l].W.Data, plain.Layers[l].W.Data) || !sameBits(fast.Layers[l].B, plain.Layers[l].B) {
			t.Errorf("layer %d: trainer and plain SGD differ", l)
		}
	}
}

// TestEpochOfAnotherLength: a trainer set up for one training-set size trains correctly on an
// order of another length, whose last mini-batch is of another size.
func TestEpochOfAnotherLength(t *testing.T) {
	d := blocksData(57, 3)
	sgd := SGD{Eta: 0.4, Lambda: 2, N: d.Len()}
	a := newNetwork([]int{imageSize, 6, numDigits}, 9)
	b := newNetwork([]int{imageSize, 6, numDigits}, 9)
	ta := newTrainer(a, sgd, 8, 2, 100) // told 100 images (tail of 4), given 57 (tail of 1)
	tb := newTrainer(b, sgd, 8, 1, d.Len())
	defer ta.close()
	defer tb.close()
	la, _ := ta.epoch(d, sequence(d.Len()))
	lb, _ := tb.epoch(d, sequence(d.Len()))
	if la != lb || !sameBits(a.Layers[0].W.Data, b.Layers[0].W.Data) {
		t.Errorf("trainer told another size: loss %v, weights differ: %v; want loss %v", la, !sameBits(a.Layers[0].W.Data, b.Layers[0].W.Data), lb)
	}
}
