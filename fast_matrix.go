// fast_matrix.go holds the three products of matrix.go written for speed, each named as its
// definition with Fast after it (productPQt and productPQtFast): the same numbers, bit
// for bit (fast_test.go compares them with the definitions), in loop orders that keep a core's
// arithmetic units busy. Training calls these (fast_passes.go); the course's functions call the
// plain definitions. Nothing here is needed to follow the math.

package main

// The same products, written for speed.
//
// Pure Go has no SIMD, so the fast path is scalar arithmetic kept in registers. An amd64 core
// can retire about two floating-point additions per cycle, each with a latency of about four
// cycles, so a loop needs about eight independent running sums to keep it busy; the plain loops
// of matrix.go have one, and wait four cycles for it at every term. About fifteen float64 registers
// exist, so eight sums plus the values they read is the most that fits. The two big products
// (productPQtFast and productPtQFast) therefore compute a 2×4 block of outputs at once: each value read from
// memory is used two or four times, and the eight sums never leave registers.
//
// They also take a range of output units (lo..hi), so that workers can share a layer by unit
// (train.go).
//
// Determinism. Every output element is still a sum taken in the same order, from index 0
// upward, whichever block or remainder loop computes it: the same bits as the definitions in
// matrix.go. So the result does not depend on how the rows are split between workers, and a run
// gives the same bits with 1 worker or 8.

// productPQtFast is productPQt on columns lo..hi-1 of dst: dst = p·qᵀ, dst[r][j] = Σ_k p[r][k]·q[j][k].
// Shapes: p is R×K (one sample per row), q is J×K (one unit's weights per row), dst is R×J.
// The forward pass calls it with p = x and q = W, so column j of dst is unit j's a for each sample.
//
// Loop order: two rows of q (two units) against four rows of p (four samples), the eight dot
// products advancing together along k; each step reads six numbers and does eight
// multiply-adds. Leftover samples go two at a time, then one; a leftover unit, one at a time.
func productPQtFast(dst, p, q Matrix, lo, hi int) {
	K := p.Cols
	j := lo
	for ; j+2 <= hi; j += 2 {
		w0 := q.Data[j*K : j*K+K]
		w1 := q.Data[(j+1)*K : (j+1)*K+K]
		r := 0
		for ; r+4 <= p.Rows; r += 4 {
			x0 := p.Data[r*K : r*K+K]
			x1 := p.Data[(r+1)*K : (r+1)*K+K]
			x2 := p.Data[(r+2)*K : (r+2)*K+K]
			x3 := p.Data[(r+3)*K : (r+3)*K+K]
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
			dst.set2(r, j, s00, s01)
			dst.set2(r+1, j, s10, s11)
			dst.set2(r+2, j, s20, s21)
			dst.set2(r+3, j, s30, s31)
		}
		for ; r+2 <= p.Rows; r += 2 {
			x0 := p.Data[r*K : r*K+K]
			x1 := p.Data[(r+1)*K : (r+1)*K+K]
			w0, w1, x1 := w0[:len(x0)], w1[:len(x0)], x1[:len(x0)]
			var s00, s01, s10, s11 float64
			for k, v0 := range x0 {
				u0, u1, v1 := w0[k], w1[k], x1[k]
				s00 += float64(v0 * u0)
				s01 += float64(v0 * u1)
				s10 += float64(v1 * u0)
				s11 += float64(v1 * u1)
			}
			dst.set2(r, j, s00, s01)
			dst.set2(r+1, j, s10, s11)
		}
		for ; r < p.Rows; r++ {
			x0 := p.Data[r*K : r*K+K]
			w0, w1 := w0[:len(x0)], w1[:len(x0)]
			var s00, s01 float64
			for k, v0 := range x0 {
				s00 += float64(v0 * w0[k])
				s01 += float64(v0 * w1[k])
			}
			dst.set2(r, j, s00, s01)
		}
	}
	for ; j < hi; j++ {
		w0 := q.Data[j*K : j*K+K]
		for r := 0; r < p.Rows; r++ {
			x0 := p.Data[r*K : r*K+K]
			w0 := w0[:len(x0)]
			var s float64
			for k, v0 := range x0 {
				s += float64(v0 * w0[k])
			}
			dst.Data[r*dst.Cols+j] = s
		}
	}
}

// set2 stores u and v at (r, j) and (r, j+1).
func (m Matrix) set2(r, j int, u, v float64) {
	d := m.Data[r*m.Cols+j : r*m.Cols+j+2]
	d[0], d[1] = u, v
}

// productPtQFast is productPtQ on rows lo..hi-1 of dst: dst = pᵀ·q, dst[j][k] = Σ_r p[r][j]·q[r][k].
// Shapes: p is R×J (δ, one sample per row), q is R×K (the layer's input), dst is J×K.
// The backward pass calls it for ∂L/∂W = δᵀ·x, the sum over the mini-batch of δ·xᵀ.
//
// Loop order: R is the batch size, often 10, too short to be an inner loop; K is long (784
// inputs). So the rows dst_j are built as running sums over the samples, four samples and two
// rows at a time, in a loop along k:
//
//	dst_j ← dst_j + p[r][j]·q_r + p[r+1][j]·q_{r+1} + p[r+2][j]·q_{r+2} + p[r+3][j]·q_{r+3}
//
// which reads six numbers and does eight multiply-adds per step, with no dependence between
// steps. Each dst[j][k] is still 0 + term_0 + term_1 + ... in order of r, as in the other loops.
func productPtQFast(dst, p, q Matrix, lo, hi int) {
	R, J, K := p.Rows, p.Cols, q.Cols
	clear(dst.Data[lo*K : hi*K])
	j := lo
	for ; j+2 <= hi; j += 2 {
		d0 := dst.Data[j*K : j*K+K]
		d1 := dst.Data[(j+1)*K : (j+1)*K+K]
		r := 0
		for ; r+4 <= R; r += 4 {
			u0, v0 := p.Data[r*J+j], p.Data[r*J+j+1]
			u1, v1 := p.Data[(r+1)*J+j], p.Data[(r+1)*J+j+1]
			u2, v2 := p.Data[(r+2)*J+j], p.Data[(r+2)*J+j+1]
			u3, v3 := p.Data[(r+3)*J+j], p.Data[(r+3)*J+j+1]
			q0 := q.Data[r*K : r*K+K]
			q1 := q.Data[(r+1)*K : (r+1)*K+K]
			q2 := q.Data[(r+2)*K : (r+2)*K+K]
			q3 := q.Data[(r+3)*K : (r+3)*K+K]
			d0, d1, q1, q2, q3 := d0[:len(q0)], d1[:len(q0)], q1[:len(q0)], q2[:len(q0)], q3[:len(q0)]
			for k, x0 := range q0 {
				x1, x2, x3 := q1[k], q2[k], q3[k]
				d0[k] = d0[k] + float64(u0*x0) + float64(u1*x1) + float64(u2*x2) + float64(u3*x3)
				d1[k] = d1[k] + float64(v0*x0) + float64(v1*x1) + float64(v2*x2) + float64(v3*x3)
			}
		}
		for ; r < R; r++ {
			u0, v0 := p.Data[r*J+j], p.Data[r*J+j+1]
			q0 := q.Data[r*K : r*K+K]
			d0, d1 := d0[:len(q0)], d1[:len(q0)]
			for k, x0 := range q0 {
				d0[k] += float64(u0 * x0)
				d1[k] += float64(v0 * x0)
			}
		}
	}
	for ; j < hi; j++ {
		d0 := dst.Data[j*K : j*K+K]
		for r := 0; r < R; r++ {
			u0 := p.Data[r*J+j]
			q0 := q.Data[r*K : r*K+K]
			d0 := d0[:len(q0)]
			for k, x0 := range q0 {
				d0[k] += float64(u0 * x0)
			}
		}
	}
}

// productPQFast is productPQ: dst = p·q, dst[r][k] = Σ_j p[r][j]·q[j][k].
// Shapes: p is R×J (δ of a layer), q is J×K (that layer's W), dst is R×K.
// The backward pass calls it for Wᵀδ of every sample at once, the error sent down a layer.
// It runs only above the first layer, where matrices are small, so it stays simple: each row of
// dst gathers the rows of q, weighted by that sample's δ, in order of j.
func productPQFast(dst, p, q Matrix) {
	for r := 0; r < p.Rows; r++ {
		cr := dst.row(r)
		clear(cr)
		for j, u := range p.row(r) {
			br := q.row(j)[:len(cr)]
			for k := range cr {
				cr[k] += float64(u * br[k])
			}
		}
	}
}
