// matrix.go holds the hand-written matrix arithmetic the network needs, and nothing more.
//
// A Matrix is a flat, row-major []float64 with its row and column counts. A mini-batch of B
// samples is one B×n matrix with one sample per row, and the weights of a layer with n inputs
// and m units are one m×n matrix whose row j holds the weights into unit j. Three products then
// cover the whole forward and backward pass:
//
//	forward    a    = x·Wᵀ     (B×m) from x (B×n) and W (m×n)    mulABt
//	gradient  ∂L/∂W = δᵀ·x     (m×n) from δ (B×m) and x (B×n)    mulAtB
//	backward   Wᵀδ  = δ·W      (B×n) from δ (B×m) and W (m×n)    mulAB
//
// Speed. Pure Go has no SIMD, so the fast path is scalar arithmetic kept in registers. An amd64
// core can retire about two floating-point additions per cycle, each with a latency of about four
// cycles, so a loop needs about eight independent running sums to keep it busy; about fifteen
// float64 registers exist, so eight sums plus the values they read is the most that fits. The two
// big products (mulABt and mulAtB) therefore compute a 2×4 block of outputs at once: each value
// read from memory is used two or four times, and the eight sums never leave registers.
//
// Determinism. Every output element is a sum taken in the same order, from index 0 upward,
// whichever block or remainder loop computes it. So the result does not depend on how the rows
// are split between workers, and a run gives the same bits with 1 worker or 8.
package main

// Matrix is a rows×cols matrix stored row by row: element (i, j) is Data[i*Cols+j].
type Matrix struct {
	Rows, Cols int
	Data       []float64
}

// newMatrix returns a zero rows×cols matrix.
func newMatrix(rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Data: make([]float64, rows*cols)}
}

// row returns row i as a slice of length Cols.
func (m Matrix) row(i int) []float64 {
	return m.Data[i*m.Cols : (i+1)*m.Cols]
}

// firstRows returns a view of the first r rows. A buffer is allocated once for the largest
// mini-batch; a shorter final batch uses a view of it, so training allocates nothing per batch.
func (m Matrix) firstRows(r int) Matrix {
	return Matrix{Rows: r, Cols: m.Cols, Data: m.Data[:r*m.Cols]}
}

// mulABt sets columns lo..hi-1 of c to a·bᵀ: c[r][j] = Σ_k a[r][k]·b[j][k].
// Shapes: a is R×K (one sample per row), b is J×K (one unit's weights per row), c is R×J.
// The forward pass calls it with a = x and b = W, so column j of c is unit j's a for each sample.
//
// Loop order: two rows of b (two units) against four rows of a (four samples), the eight dot
// products advancing together along k; each step reads six numbers and does eight
// multiply-adds. Leftover samples and units take the same sums one or two at a time.
func mulABt(c, a, b Matrix, lo, hi int) {
	K := a.Cols
	j := lo
	for ; j+2 <= hi; j += 2 {
		w0 := b.Data[j*K : j*K+K]
		w1 := b.Data[(j+1)*K : (j+1)*K+K]
		r := 0
		for ; r+4 <= a.Rows; r += 4 {
			x0 := a.Data[r*K : r*K+K]
			x1 := a.Data[(r+1)*K : (r+1)*K+K]
			x2 := a.Data[(r+2)*K : (r+2)*K+K]
			x3 := a.Data[(r+3)*K : (r+3)*K+K]
			// Equal lengths let the compiler drop the bounds checks inside the loop.
			w0, w1, x1, x2, x3 := w0[:len(x0)], w1[:len(x0)], x1[:len(x0)], x2[:len(x0)], x3[:len(x0)]
			var s00, s01, s10, s11, s20, s21, s30, s31 float64
			for k, v0 := range x0 {
				u0, u1 := w0[k], w1[k]
				v1, v2, v3 := x1[k], x2[k], x3[k]
				s00 += v0 * u0
				s01 += v0 * u1
				s10 += v1 * u0
				s11 += v1 * u1
				s20 += v2 * u0
				s21 += v2 * u1
				s30 += v3 * u0
				s31 += v3 * u1
			}
			c0 := c.Data[r*c.Cols+j : r*c.Cols+j+2]
			c1 := c.Data[(r+1)*c.Cols+j : (r+1)*c.Cols+j+2]
			c2 := c.Data[(r+2)*c.Cols+j : (r+2)*c.Cols+j+2]
			c3 := c.Data[(r+3)*c.Cols+j : (r+3)*c.Cols+j+2]
			c0[0], c0[1] = s00, s01
			c1[0], c1[1] = s10, s11
			c2[0], c2[1] = s20, s21
			c3[0], c3[1] = s30, s31
		}
		for ; r < a.Rows; r++ {
			x0 := a.Data[r*K : r*K+K]
			c.Data[r*c.Cols+j] = dot(x0, w0)
			c.Data[r*c.Cols+j+1] = dot(x0, w1)
		}
	}
	for ; j < hi; j++ {
		w0 := b.Data[j*K : j*K+K]
		for r := 0; r < a.Rows; r++ {
			c.Data[r*c.Cols+j] = dot(a.Data[r*K:r*K+K], w0)
		}
	}
}

// dot returns Σ_k x[k]·y[k], summed from k = 0 upward like every sum in this file.
func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s float64
	for k, v := range x {
		s += v * y[k]
	}
	return s
}

// mulAtB sets rows lo..hi-1 of c to aᵀ·b: c[j][k] = Σ_r a[r][j]·b[r][k].
// Shapes: a is R×J (δ, one sample per row), b is R×K (the layer's input), c is J×K.
// The backward pass calls it for ∂L/∂W = δᵀ·x, the sum over the mini-batch of δ·xᵀ.
//
// Loop order: two rows of c (two units) by four columns (four inputs) at once, the eight sums
// running over the samples r; each step reads two δs and four inputs for eight multiply-adds.
// The two δ columns are first copied into short contiguous slices, so that the inner loop
// reads them in order instead of striding through a.
func mulAtB(c, a, b Matrix, lo, hi int, scratch []float64) {
	R, K := a.Rows, b.Cols
	d0, d1 := scratch[:R], scratch[R:2*R]
	j := lo
	for ; j+2 <= hi; j += 2 {
		for r := range d0 {
			d0[r], d1[r] = a.Data[r*a.Cols+j], a.Data[r*a.Cols+j+1]
		}
		c0, c1 := c.row(j), c.row(j+1)
		k := 0
		for ; k+4 <= K; k += 4 {
			var s00, s01, s02, s03, s10, s11, s12, s13 float64
			for r, u := range d0 {
				v := d1[r]
				x := b.Data[r*K+k : r*K+k+4]
				x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
				s00 += u * x0
				s01 += u * x1
				s02 += u * x2
				s03 += u * x3
				s10 += v * x0
				s11 += v * x1
				s12 += v * x2
				s13 += v * x3
			}
			c0[k], c0[k+1], c0[k+2], c0[k+3] = s00, s01, s02, s03
			c1[k], c1[k+1], c1[k+2], c1[k+3] = s10, s11, s12, s13
		}
		for ; k < K; k++ {
			var s0, s1 float64
			for r, u := range d0 {
				x := b.Data[r*K+k]
				s0 += u * x
				s1 += d1[r] * x
			}
			c0[k], c1[k] = s0, s1
		}
	}
	for ; j < hi; j++ {
		c0 := c.row(j)
		for k := range c0 {
			var s float64
			for r := 0; r < R; r++ {
				s += a.Data[r*a.Cols+j] * b.Data[r*K+k]
			}
			c0[k] = s
		}
	}
}

// mulAB sets c to a·b: c[r][k] = Σ_j a[r][j]·b[j][k].
// Shapes: a is R×J (δ of a layer), b is J×K (that layer's W), c is R×K.
// The backward pass calls it for Wᵀδ of every sample at once, the error sent down a layer.
// It runs only above the first layer, where matrices are small, so it stays simple: each row of
// c gathers the rows of b, weighted by that sample's δ, in order of j.
func mulAB(c, a, b Matrix) {
	for r := 0; r < a.Rows; r++ {
		cr := c.row(r)
		clear(cr)
		for j, u := range a.row(r) {
			br := b.row(j)[:len(cr)]
			for k := range cr {
				cr[k] += u * br[k]
			}
		}
	}
}
