// fast_test.go proves the engine equal to the course, bit for bit, as the standard library
// proves its fast paths against the generic ones: the fast products (fast_matrix.go,
// fast_lit.go) against the definitions of matrix.go, and the passes as training runs them
// (fast_passes.go) against network.go's and backprop.go's functions, on random networks and
// mini-batches, for every way the workers can share a layer's units.

package main

import (
	"math/rand/v2"
	"testing"
)

// TestSparseProductsEqualDense: skipping the zero inputs changes no bit: the first layer's
// products give exactly the numbers of the definitions (matrix.go).
func TestSparseProductsEqualDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, shape := range [][3]int{{7, 13, 9}, {10, 784, 20}, {1, 5, 1}, {4, 8, 3}} {
		R, K, J := shape[0], shape[1], shape[2]
		x, w, d := newMatrix(R, K), newMatrix(J, K), newMatrix(R, J)
		for i := range x.Data {
			if rng.IntN(4) == 0 {
				x.Data[i] = rng.Float64()
			}
		}
		for i := range w.Data {
			w.Data[i] = rng.NormFloat64()
		}
		for i := range d.Data {
			d.Data[i] = rng.NormFloat64()
		}
		lit := newLitIndex(R, K)
		for r := 0; r < R; r++ {
			lit.index(x, r)
		}
		for _, split := range [][2]int{{0, J}, {0, J / 2}, {J / 2, J}} {
			dense, sparse := newMatrix(R, J), newMatrix(R, J)
			productPQt(dense, x, w)
			productPQtLitFast(sparse, x, lit, w, split[0], split[1])
			for r := 0; r < R; r++ {
				if !sameBits(dense.row(r)[split[0]:split[1]], sparse.row(r)[split[0]:split[1]]) {
					t.Errorf("shape %v units %v: productPQtLitFast differs from the definition x·Wᵀ", shape, split)
					break
				}
			}
			gd, gs := newMatrix(J, K), newMatrix(J, K)
			productPtQ(gd, d, x)
			productPtQLitFast(gs, d, x, lit, split[0], split[1])
			lo, hi := split[0]*K, split[1]*K
			if !sameBits(gd.Data[lo:hi], gs.Data[lo:hi]) {
				t.Errorf("shape %v units %v: productPtQLitFast differs from the definition δᵀ·x", shape, split)
			}
		}
	}
}

// TestMatrixProducts checks the fast products against their definitions (productPQt,
// productPtQ and productPQ, the last functions of matrix.go), bit for bit: on shapes that take every
// block and remainder loop (samples 4 at a time, then 2, then 1; units 2 at a time, then 1),
// and on ranges of units, as workers share them.
func TestMatrixProducts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	fill := func(m Matrix) Matrix {
		for i := range m.Data {
			m.Data[i] = rng.NormFloat64()
		}
		return m
	}
	for _, shape := range [][3]int{{7, 9, 5}, {10, 784, 20}, {1, 3, 1}, {4, 8, 2}, {3, 5, 7}} {
		R, K, J := shape[0], shape[1], shape[2]
		x, w, d := fill(newMatrix(R, K)), fill(newMatrix(J, K)), fill(newMatrix(R, J))
		a, g, e := newMatrix(R, J), newMatrix(J, K), newMatrix(R, K)
		productPQt(a, x, w)
		productPtQ(g, d, x)
		productPQ(e, d, w)

		fe := newMatrix(R, K)
		productPQFast(fe, d, w)
		if !sameBits(fe.Data, e.Data) {
			t.Errorf("shape %v: productPQFast differs from its definition δ·W", shape)
		}
		for _, split := range [][2]int{{0, J}, {0, J / 2}, {J / 2, J}, {1, J}} {
			lo, hi := min(split[0], J), split[1]
			fa, fg := fill(newMatrix(R, J)), fill(newMatrix(J, K)) // garbage, as a reused buffer holds
			productPQtFast(fa, x, w, lo, hi)
			productPtQFast(fg, d, x, lo, hi)
			for r := 0; r < R; r++ {
				if !sameBits(fa.row(r)[lo:hi], a.row(r)[lo:hi]) {
					t.Errorf("shape %v units %d..%d: productPQtFast differs from its definition x·Wᵀ", shape, lo, hi)
					break
				}
			}
			if !sameBits(fg.Data[lo*K:hi*K], g.Data[lo*K:hi*K]) {
				t.Errorf("shape %v units %d..%d: productPtQFast differs from its definition δᵀ·x", shape, lo, hi)
			}
		}
	}
}

// TestFastPassesEqualCourse: layerForwardFast, forwardFast, deltasFast, layerGradientsFast and
// shrinkAndStepFast give the numbers of layerForward, forward, backward and SGD.step, bit for bit, on
// networks of one and two hidden layers with odd sizes (every block and remainder loop of the
// fast products), with the units of each layer split at every place into two ranges (as two
// workers share them) and into five-unit shares (as the trainer does).
func TestFastPassesEqualCourse(t *testing.T) {
	for _, sizes := range [][]int{{imageSize, 20, numDigits}, {13, 7, 5}, {11, 9, 6, 3}} {
		rng := rand.New(rand.NewPCG(uint64(len(sizes)), uint64(sizes[1])))
		net := newNetwork(sizes, 7)
		const B = 7
		course := randomPass(net, B, rng)
		fast := net.newBatch(B)
		for r := 0; r < B; r++ {
			copy(fast.p.X.row(r), course.X.row(r))
			fast.lit.index(fast.p.X, r)
		}
		copy(fast.p.Labels, course.Labels)
		name := joinInts(sizes, "-")

		net.forward(course)
		forwardFast(net, fast)
		for l := range net.Layers {
			if !sameBits(fast.p.A[l].Data, course.A[l].Data) || !sameBits(fast.p.S[l].Data, course.S[l].Data) {
				t.Errorf("%s layer %d: forwardFast differs from forward", name, l)
			}
		}
		if !sameBits(fast.p.Loss, course.Loss) {
			t.Errorf("%s: forwardFast's losses differ from forward's", name)
		}
		g := net.newGrads()
		net.backward(course, g)
		deltasFast(net, fast.p)
		for l := range net.Layers {
			if !sameBits(fast.p.Delta[l].Data, course.Delta[l].Data) {
				t.Errorf("%s layer %d: deltasFast differs from backward's δ", name, l)
			}
		}

		x, lit := course.X, &fast.lit
		for l, layer := range net.Layers {
			m := sizes[l+1]
			for _, split := range unitSplits(m) {
				a, s := fillMatrix(rng, B, m), fillMatrix(rng, B, m) // garbage, as reused buffers hold
				gW, gb := fillMatrix(rng, m, sizes[l]), fillMatrix(rng, 1, m).Data
				for i := 1; i < len(split); i++ {
					layerForwardFast(layer, x, lit, a, s, split[i-1], split[i])
					layerGradientsFast(gW, gb, course.Delta[l], x, lit, split[i-1], split[i])
				}
				if !sameBits(a.Data, course.A[l].Data) || !sameBits(s.Data, course.S[l].Data) {
					t.Errorf("%s layer %d, units split %v: layerForwardFast differs from layerForward", name, l, split)
				}
				if !sameBits(gW.Data, g.W[l].Data) || !sameBits(gb, g.B[l]) {
					t.Errorf("%s layer %d, units split %v: layerGradientsFast differs from layerGradients", name, l, split)
				}

				sgd := SGD{Eta: 0.3, Lambda: 3, N: 700}
				want, got := layer.clone(), layer.clone()
				sgd.shrinkWeights(want)
				sgd.step(want, g.W[l], g.B[l], B)
				for i := 1; i < len(split); i++ {
					sgd.shrinkAndStepFast(got, g.W[l], g.B[l], B, split[i-1], split[i])
				}
				if !sameBits(got.W.Data, want.W.Data) || !sameBits(got.B, want.B) {
					t.Errorf("%s layer %d, units split %v: shrinkAndStepFast differs from SGD.step", name, l, split)
				}
			}
			x, lit = course.S[l], nil
		}
	}
}

// unitSplits lists ways to cut units 0..m−1 into consecutive ranges: whole, in two at every
// place, and in shares of five as the trainer takes them.
func unitSplits(m int) [][]int {
	splits := [][]int{{0, m}}
	for c := 1; c < m; c++ {
		splits = append(splits, []int{0, c, m})
	}
	fives := []int{0}
	for c := 5; c < m; c += 5 {
		fives = append(fives, c)
	}
	return append(splits, append(fives, m))
}

// fillMatrix returns a rows×cols matrix of random numbers.
func fillMatrix(rng *rand.Rand, rows, cols int) Matrix {
	m := newMatrix(rows, cols)
	for i := range m.Data {
		m.Data[i] = rng.NormFloat64()
	}
	return m
}
