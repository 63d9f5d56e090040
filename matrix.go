// matrix.go holds the hand-written matrix arithmetic the network needs, and nothing more.
//
// A Matrix is a flat, row-major []float64 with its row and column counts. A mini-batch of B
// samples is one B×n matrix with one sample per row, and the weights of a layer with n inputs
// and m units are one m×n matrix whose row j holds the weights into unit j. Three products then
// cover the whole forward and backward pass:
//
//	forward    a    = x·Wᵀ     (B×m) from x (B×n) and W (m×n)    c[r][j] = Σ_k a[r][k]·b[j][k]
//	gradient  ∂L/∂W = δᵀ·x     (m×n) from δ (B×m) and x (B×n)    c[j][k] = Σ_r a[r][j]·b[r][k]
//	backward   Wᵀδ  = δ·W      (B×n) from δ (B×m) and W (m×n)    c[r][k] = Σ_j a[r][j]·b[j][k]
//
// The file first gives each product as its definition, three plain loops (productABt,
// productAtB, productAB): read these to know what is computed. The tests use them as the
// reference. The passes call the fast versions that follow (mulABt, mulAtB, mulAB, and
// mulLitABt, mulLitAtB for the first layer), which compute exactly the same numbers, bit for
// bit, in another loop order.
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

// at returns element (i, j).
func (m Matrix) at(i, j int) float64 { return m.Data[i*m.Cols+j] }

// row returns row i as a slice of length Cols.
func (m Matrix) row(i int) []float64 {
	return m.Data[i*m.Cols : (i+1)*m.Cols]
}

// rows returns a view of rows lo..hi-1, sharing memory with m. Buffers are allocated once for
// the largest mini-batch; a shorter final batch, or one worker's share of the samples, is a view
// of them, so that training allocates nothing per batch.
func (m Matrix) rows(lo, hi int) Matrix {
	return Matrix{Rows: hi - lo, Cols: m.Cols, Data: m.Data[lo*m.Cols : hi*m.Cols]}
}

// The three products, as their definitions.
//
// Each output element is a sum that starts at 0 and adds its terms in order of the summed
// index, from 0 upward. Floating-point addition is not associative, so that order is part of
// the definition: the fast versions below keep it, and so give the same bits.
//
// Fused multiply-add. Each term is written float64(x*y), not x*y. The Go specification lets the
// compiler fuse s + x*y into one instruction that rounds once instead of twice, and it does on
// arm64 (Apple-silicon Macs) and on amd64 built with GOAMD64=v3: the sums then come out with
// other last bits, and after an epoch every weight differs. An explicit conversion rounds the
// product, which the specification says forbids the fusion; where no CPU fuses (amd64 by
// default) it changes nothing, not even the speed. The same rule holds wherever the program
// adds a product (the SGD step, e^x in exp.go, the pictures): portable_test.go compiles the
// program for arm64 and amd64-v3 and fails on any fused instruction.

// productABt sets c = a·bᵀ, the forward pass a = x·Wᵀ (a is R×K, b is J×K, c is R×J):
//
//	c[r][j] = Σ_k a[r][k]·b[j][k]
func productABt(c, a, b Matrix) {
	for r := 0; r < a.Rows; r++ {
		for j := 0; j < b.Rows; j++ {
			var s float64
			for k := 0; k < a.Cols; k++ {
				s += float64(a.at(r, k) * b.at(j, k))
			}
			c.row(r)[j] = s
		}
	}
}

// productAtB sets c = aᵀ·b, the gradient ∂L/∂W = δᵀ·x (a is R×J, b is R×K, c is J×K):
//
//	c[j][k] = Σ_r a[r][j]·b[r][k]
func productAtB(c, a, b Matrix) {
	for j := 0; j < a.Cols; j++ {
		for k := 0; k < b.Cols; k++ {
			var s float64
			for r := 0; r < a.Rows; r++ {
				s += float64(a.at(r, j) * b.at(r, k))
			}
			c.row(j)[k] = s
		}
	}
}

// productAB sets c = a·b, the error sent down a layer Wᵀδ = δ·W (a is R×J, b is J×K, c is
// R×K):
//
//	c[r][k] = Σ_j a[r][j]·b[j][k]
func productAB(c, a, b Matrix) {
	for r := 0; r < a.Rows; r++ {
		for k := 0; k < b.Cols; k++ {
			var s float64
			for j := 0; j < a.Cols; j++ {
				s += float64(a.at(r, j) * b.at(j, k))
			}
			c.row(r)[k] = s
		}
	}
}

// The same products, written for speed.
//
// Pure Go has no SIMD, so the fast path is scalar arithmetic kept in registers. An amd64 core
// can retire about two floating-point additions per cycle, each with a latency of about four
// cycles, so a loop needs about eight independent running sums to keep it busy; the plain loops
// above have one, and wait four cycles for it at every term. About fifteen float64 registers
// exist, so eight sums plus the values they read is the most that fits. The two big products
// (mulABt and mulAtB) therefore compute a 2×4 block of outputs at once: each value read from
// memory is used two or four times, and the eight sums never leave registers.
//
// They also take a range of output units (lo..hi), so that workers can share a layer by unit
// (train.go).
//
// Determinism. Every output element is still a sum taken in the same order, from index 0
// upward, whichever block or remainder loop computes it: the same bits as the definitions
// above. So the result does not depend on how the rows are split between workers, and a run
// gives the same bits with 1 worker or 8.

// mulABt sets columns lo..hi-1 of c to a·bᵀ: c[r][j] = Σ_k a[r][k]·b[j][k].
// Shapes: a is R×K (one sample per row), b is J×K (one unit's weights per row), c is R×J.
// The forward pass calls it with a = x and b = W, so column j of c is unit j's a for each sample.
//
// Loop order: two rows of b (two units) against four rows of a (four samples), the eight dot
// products advancing together along k; each step reads six numbers and does eight
// multiply-adds. Leftover samples go two at a time, then one; a leftover unit, one at a time.
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
				s00 += float64(v0 * u0)
				s01 += float64(v0 * u1)
				s10 += float64(v1 * u0)
				s11 += float64(v1 * u1)
				s20 += float64(v2 * u0)
				s21 += float64(v2 * u1)
				s30 += float64(v3 * u0)
				s31 += float64(v3 * u1)
			}
			c.set2(r, j, s00, s01)
			c.set2(r+1, j, s10, s11)
			c.set2(r+2, j, s20, s21)
			c.set2(r+3, j, s30, s31)
		}
		for ; r+2 <= a.Rows; r += 2 {
			x0 := a.Data[r*K : r*K+K]
			x1 := a.Data[(r+1)*K : (r+1)*K+K]
			w0, w1, x1 := w0[:len(x0)], w1[:len(x0)], x1[:len(x0)]
			var s00, s01, s10, s11 float64
			for k, v0 := range x0 {
				u0, u1, v1 := w0[k], w1[k], x1[k]
				s00 += float64(v0 * u0)
				s01 += float64(v0 * u1)
				s10 += float64(v1 * u0)
				s11 += float64(v1 * u1)
			}
			c.set2(r, j, s00, s01)
			c.set2(r+1, j, s10, s11)
		}
		for ; r < a.Rows; r++ {
			x0 := a.Data[r*K : r*K+K]
			w0, w1 := w0[:len(x0)], w1[:len(x0)]
			var s00, s01 float64
			for k, v0 := range x0 {
				s00 += float64(v0 * w0[k])
				s01 += float64(v0 * w1[k])
			}
			c.set2(r, j, s00, s01)
		}
	}
	for ; j < hi; j++ {
		w0 := b.Data[j*K : j*K+K]
		for r := 0; r < a.Rows; r++ {
			x0 := a.Data[r*K : r*K+K]
			w0 := w0[:len(x0)]
			var s float64
			for k, v0 := range x0 {
				s += float64(v0 * w0[k])
			}
			c.Data[r*c.Cols+j] = s
		}
	}
}

// set2 stores u and v at (r, j) and (r, j+1).
func (m Matrix) set2(r, j int, u, v float64) {
	d := m.Data[r*m.Cols+j : r*m.Cols+j+2]
	d[0], d[1] = u, v
}

// mulAtB sets rows lo..hi-1 of c to aᵀ·b: c[j][k] = Σ_r a[r][j]·b[r][k].
// Shapes: a is R×J (δ, one sample per row), b is R×K (the layer's input), c is J×K.
// The backward pass calls it for ∂L/∂W = δᵀ·x, the sum over the mini-batch of δ·xᵀ.
//
// Loop order: R is the batch size, often 10, too short to be an inner loop; K is long (784
// inputs). So the rows c_j are built as running sums over the samples, four samples and two rows
// at a time, in a loop along k:
//
//	c_j ← c_j + a[r][j]·b_r + a[r+1][j]·b_{r+1} + a[r+2][j]·b_{r+2} + a[r+3][j]·b_{r+3}
//
// which reads six numbers and does eight multiply-adds per step, with no dependence between
// steps. Each c[j][k] is still 0 + term_0 + term_1 + ... in order of r, as in the other loops.
func mulAtB(c, a, b Matrix, lo, hi int) {
	R, J, K := a.Rows, a.Cols, b.Cols
	clear(c.Data[lo*K : hi*K])
	j := lo
	for ; j+2 <= hi; j += 2 {
		c0 := c.Data[j*K : j*K+K]
		c1 := c.Data[(j+1)*K : (j+1)*K+K]
		r := 0
		for ; r+4 <= R; r += 4 {
			u0, v0 := a.Data[r*J+j], a.Data[r*J+j+1]
			u1, v1 := a.Data[(r+1)*J+j], a.Data[(r+1)*J+j+1]
			u2, v2 := a.Data[(r+2)*J+j], a.Data[(r+2)*J+j+1]
			u3, v3 := a.Data[(r+3)*J+j], a.Data[(r+3)*J+j+1]
			b0 := b.Data[r*K : r*K+K]
			b1 := b.Data[(r+1)*K : (r+1)*K+K]
			b2 := b.Data[(r+2)*K : (r+2)*K+K]
			b3 := b.Data[(r+3)*K : (r+3)*K+K]
			c0, c1, b1, b2, b3 := c0[:len(b0)], c1[:len(b0)], b1[:len(b0)], b2[:len(b0)], b3[:len(b0)]
			for k, x0 := range b0 {
				x1, x2, x3 := b1[k], b2[k], b3[k]
				c0[k] = c0[k] + float64(u0*x0) + float64(u1*x1) + float64(u2*x2) + float64(u3*x3)
				c1[k] = c1[k] + float64(v0*x0) + float64(v1*x1) + float64(v2*x2) + float64(v3*x3)
			}
		}
		for ; r < R; r++ {
			u0, v0 := a.Data[r*J+j], a.Data[r*J+j+1]
			b0 := b.Data[r*K : r*K+K]
			c0, c1 := c0[:len(b0)], c1[:len(b0)]
			for k, x0 := range b0 {
				c0[k] += float64(u0 * x0)
				c1[k] += float64(v0 * x0)
			}
		}
	}
	for ; j < hi; j++ {
		c0 := c.Data[j*K : j*K+K]
		for r := 0; r < R; r++ {
			u0 := a.Data[r*J+j]
			b0 := b.Data[r*K : r*K+K]
			c0 := c0[:len(b0)]
			for k, x0 := range b0 {
				c0[k] += float64(u0 * x0)
			}
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
				cr[k] += float64(u * br[k])
			}
		}
	}
}

// Products with the images, skipping their dark pixels.
//
// About four pixels in five of an MNIST image are exactly 0 (background). Such a pixel adds
// 0·w to every sum of the first layer's forward pass and δ·0 to every entry of its gradient,
// and adding ±0 to a sum that starts at +0 changes no bit of it (+0 + −0 is +0; s + ±0 is s
// otherwise). So the first layer may skip them and still give exactly the numbers of the dense
// products above: it does about a fifth of the arithmetic. lit lists the pixels to keep.

// litIndex lists the nonzero entries of each row of a matrix: those of row r are the columns
// Idx[r*Cols : r*Cols+N[r]], in increasing order, and their values Val[r*Cols : r*Cols+N[r]],
// in the same order. A column number takes two bytes (an image has 784), the form in which the
// data set lists its images' lit pixels (mnist.go).
//
// The values are also in the matrix itself, but there they are scattered over a 784-wide row
// (a mini-batch of 100 images is 627 KB, more than a core's cache holds); side by side in Val,
// the products below read them in sequence, and about 15% faster.
type litIndex struct {
	Cols int
	Idx  []uint16
	Val  []float64
	N    []int
}

func newLitIndex(rows, cols int) litIndex {
	return litIndex{Cols: cols, Idx: make([]uint16, rows*cols), Val: make([]float64, rows*cols), N: make([]int, rows)}
}

// row returns the nonzero columns of row r and their values.
func (li litIndex) row(r int) ([]uint16, []float64) {
	lo, hi := r*li.Cols, r*li.Cols+li.N[r]
	return li.Idx[lo:hi], li.Val[lo:hi]
}

// rows returns a view of rows lo..hi-1 (see Matrix.rows).
func (li litIndex) rows(lo, hi int) litIndex {
	return litIndex{Cols: li.Cols, Idx: li.Idx[lo*li.Cols : hi*li.Cols], Val: li.Val[lo*li.Cols : hi*li.Cols], N: li.N[lo:hi]}
}

// index records the nonzero entries of row r of m.
func (li litIndex) index(m Matrix, r int) {
	idx, val := li.Idx[r*li.Cols:(r+1)*li.Cols], li.Val[r*li.Cols:(r+1)*li.Cols]
	n := 0
	for k, v := range m.row(r) {
		idx[n], val[n] = uint16(k), v
		if v != 0 {
			n++
		}
	}
	li.N[r] = n
}

// mulLitABt is mulABt (c = a·bᵀ on columns lo..hi-1 of c) for an a whose nonzero entries are
// listed in lit: c[r][j] = Σ over the lit k of a[r][k]·b[j][k], the same bits as mulABt. It
// reads a's values from lit.
//
// Loop order: five units at a time against one sample after the other, so that each pixel
// value read serves five sums (the most that stays in registers with the five rows of b they
// read), and the five rows (31 KB) stay in the core's first-level cache while the batch's lit
// pixels stream past; a leftover unit or few re-uses the last unit for the missing ones, and the
// extra sums are thrown away. Five divides 20 units and the 10 that each of two workers takes.
func mulLitABt(c, a Matrix, lit litIndex, b Matrix, lo, hi int) {
	K := a.Cols
	for j := lo; j < hi; j += 5 {
		j1, j2, j3, j4 := min(j+1, hi-1), min(j+2, hi-1), min(j+3, hi-1), min(j+4, hi-1)
		w0, w1, w2 := b.Data[j*K:j*K+K], b.Data[j1*K:j1*K+K], b.Data[j2*K:j2*K+K]
		w3, w4 := b.Data[j3*K:j3*K+K], b.Data[j4*K:j4*K+K]
		for r := 0; r < a.Rows; r++ {
			ids, xs := lit.row(r)
			xs = xs[:len(ids)]
			var s0, s1, s2, s3, s4 float64
			for i, k := range ids {
				v := xs[i]
				s0 += float64(v * w0[k])
				s1 += float64(v * w1[k])
				s2 += float64(v * w2[k])
				s3 += float64(v * w3[k])
				s4 += float64(v * w4[k])
			}
			cr := c.Data[r*c.Cols : (r+1)*c.Cols]
			cr[j], cr[j1], cr[j2], cr[j3], cr[j4] = s0, s1, s2, s3, s4 // j1..j4 repeat hi-1 at the end: last write wins, and it is the right sum
		}
	}
}

// mulLitAtB is mulAtB (rows lo..hi-1 of c = aᵀ·b) for a b whose nonzero entries are listed in
// lit: c[j][k] = Σ_r a[r][j]·b[r][k], adding only the terms whose b[r][k] is lit; the same bits
// as mulAtB. It reads b's values from lit.
//
// Loop order: for each sample in order, its lit inputs are added into five rows of c at a time
// (then one at a time for a leftover); each input value read serves five multiply-adds.
func mulLitAtB(c, a, b Matrix, lit litIndex, lo, hi int) {
	J, K := a.Cols, b.Cols
	clear(c.Data[lo*K : hi*K])
	j := lo
	for ; j+5 <= hi; j += 5 {
		c0, c1, c2 := c.Data[j*K:j*K+K], c.Data[(j+1)*K:(j+1)*K+K], c.Data[(j+2)*K:(j+2)*K+K]
		c3, c4 := c.Data[(j+3)*K:(j+3)*K+K], c.Data[(j+4)*K:(j+4)*K+K]
		for r := 0; r < a.Rows; r++ {
			d := a.Data[r*J+j : r*J+j+5]
			u0, u1, u2, u3, u4 := d[0], d[1], d[2], d[3], d[4]
			ids, xs := lit.row(r)
			xs = xs[:len(ids)]
			for i, k := range ids {
				v := xs[i]
				c0[k] += float64(u0 * v)
				c1[k] += float64(u1 * v)
				c2[k] += float64(u2 * v)
				c3[k] += float64(u3 * v)
				c4[k] += float64(u4 * v)
			}
		}
	}
	for ; j < hi; j++ {
		c0 := c.Data[j*K : j*K+K]
		for r := 0; r < a.Rows; r++ {
			u0 := a.Data[r*J+j]
			ids, xs := lit.row(r)
			xs = xs[:len(ids)]
			for i, k := range ids {
				c0[k] += float64(u0 * xs[i])
			}
		}
	}
}
