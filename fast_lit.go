// fast_lit.go holds the first layer's products written for MNIST's dark pixels: the index of
// each image's lit pixels (those not 0), the two products that skip the others, and loadBatch,
// which fills a mini-batch and its index from the data set. The same numbers as the dense
// products of matrix.go, bit for bit (fast_test.go, lit_test.go). Nothing here is needed to
// follow the math.

package main

// Products with the images, skipping their dark pixels.
//
// About four pixels in five of an MNIST image are exactly 0 (background). Such a pixel adds
// 0·w to every sum of the first layer's forward pass and δ·0 to every entry of its gradient,
// and adding ±0 to a sum that starts at +0 changes no bit of it (+0 + −0 is +0; s + ±0 is s
// otherwise). So the first layer may skip them and still give exactly the numbers of the dense
// products of matrix.go (productPQt, productPtQ): it does about a fifth of the arithmetic (19% of
// the pixels of MNIST's 50,000 training images are lit). lit lists the pixels to keep.

// litIndex lists the nonzero entries of each row of a matrix: those of row r are the columns
// Idx[r*Cols : r*Cols+N[r]], in increasing order, and their values Val[r*Cols : r*Cols+N[r]],
// in the same order. A column number takes two bytes (an image has 784), the form in which the
// data set lists its images' lit pixels (mnist.go).
//
// The values are also in the matrix itself, but there they are scattered over a 784-wide row
// (a mini-batch of 100 images is 627 KB, more than a core's cache holds); side by side in Val,
// productPQtLitFast and productPtQLitFast read them in sequence, which is faster (docs/speed.md has the figures).
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

// rows returns a view of rows lo..hi-1 (as Matrix.rows in matrix.go).
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

// productPQtLitFast is productPQtFast (dst = p·qᵀ on columns lo..hi-1 of dst) for a p whose
// nonzero entries are listed in lit: dst[r][j] = Σ over the lit k of p[r][k]·q[j][k], the same
// bits as productPQt and productPQtFast. It reads p's values from lit.
//
// Loop order: five units at a time against one sample after the other, so that each pixel
// value read serves five sums (the most that stays in registers with the five rows of q they
// read), and the five rows (31 KB) stay in the core's first-level cache while the batch's lit
// pixels stream past; a leftover unit or few re-uses the last unit for the missing ones, and the
// extra sums are thrown away. Five divides 20 units and the 10 that each of two workers takes.
func productPQtLitFast(dst, p Matrix, lit litIndex, q Matrix, lo, hi int) {
	K := p.Cols
	for j := lo; j < hi; j += 5 {
		j1, j2, j3, j4 := min(j+1, hi-1), min(j+2, hi-1), min(j+3, hi-1), min(j+4, hi-1)
		w0, w1, w2 := q.Data[j*K:j*K+K], q.Data[j1*K:j1*K+K], q.Data[j2*K:j2*K+K]
		w3, w4 := q.Data[j3*K:j3*K+K], q.Data[j4*K:j4*K+K]
		for r := 0; r < p.Rows; r++ {
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
			cr := dst.Data[r*dst.Cols : (r+1)*dst.Cols]
			cr[j], cr[j1], cr[j2], cr[j3], cr[j4] = s0, s1, s2, s3, s4 // j1..j4 repeat hi-1 at the end: last write wins, and it is the right sum
		}
	}
}

// productPtQLitFast is productPtQFast (rows lo..hi-1 of dst = pᵀ·q) for a q whose nonzero
// entries are listed in lit: dst[j][k] = Σ_r p[r][j]·q[r][k], adding only the terms whose
// q[r][k] is lit; the same bits as productPtQ and productPtQFast. It reads q's values from lit.
//
// Loop order: for each sample in order, its lit inputs are added into five rows of dst at a time
// (then one at a time for a leftover); each input value read serves five multiply-adds.
func productPtQLitFast(dst, p, q Matrix, lit litIndex, lo, hi int) {
	J, K := p.Cols, q.Cols
	clear(dst.Data[lo*K : hi*K])
	j := lo
	for ; j+5 <= hi; j += 5 {
		d0, d1, d2 := dst.Data[j*K:j*K+K], dst.Data[(j+1)*K:(j+1)*K+K], dst.Data[(j+2)*K:(j+2)*K+K]
		d3, d4 := dst.Data[(j+3)*K:(j+3)*K+K], dst.Data[(j+4)*K:(j+4)*K+K]
		for r := 0; r < p.Rows; r++ {
			pr := p.Data[r*J+j : r*J+j+5]
			u0, u1, u2, u3, u4 := pr[0], pr[1], pr[2], pr[3], pr[4]
			ids, xs := lit.row(r)
			xs = xs[:len(ids)]
			for i, k := range ids {
				v := xs[i]
				d0[k] += float64(u0 * v)
				d1[k] += float64(u1 * v)
				d2[k] += float64(u2 * v)
				d3[k] += float64(u3 * v)
				d4[k] += float64(u4 * v)
			}
		}
	}
	for ; j < hi; j++ {
		d0 := dst.Data[j*K : j*K+K]
		for r := 0; r < p.Rows; r++ {
			u0 := p.Data[r*J+j]
			ids, xs := lit.row(r)
			xs = xs[:len(ids)]
			for i, k := range ids {
				d0[k] += float64(u0 * xs[i])
			}
		}
	}
}

// A batch is the engine's form of a mini-batch: its Pass, and the index of its images' lit
// pixels, which the first layer's fast products read instead of x.
type batch struct {
	p   *Pass
	lit litIndex
}

// newBatch allocates a batch of up to size samples.
func (net *Network) newBatch(size int) batch {
	return batch{p: net.newPass(size), lit: newLitIndex(size, net.Sizes[0])}
}

// rows returns a view of samples lo..hi-1 of b (as Pass.rows in pass.go).
func (b batch) rows(lo, hi int) batch {
	return batch{p: b.p.rows(lo, hi), lit: b.lit.rows(lo, hi)}
}

// loadBatch fills b with the images d[idx[0]], d[idx[1]], ..., pixels scaled from 0..255 to
// 0..1, and their labels, and lists their lit pixels in b.lit. Images stay bytes in memory (47
// MB instead of 376 MB as float64) and are scaled only here, a batch at a time.
//
// Only the lit pixels are written. A row of x is 0 outside the lit pixels that b.lit lists for
// it (newBatch starts all at 0, and loadBatch keeps it so), so the row is ready for the next
// image once the previous image's lit pixels are set back to 0: about 300 stores instead of
// 784. The data set lists each image's lit pixels and their values already
// (mnist.go), so an image's 784 bytes are not even read.
func loadBatch(b batch, d Dataset, idx []int) {
	p := b.p
	for r, i := range idx {
		x := p.X.row(r)
		old, _ := b.lit.row(r)
		for _, k := range old {
			x[k] = 0 // the previous image's lit pixels
		}
		lit, val := b.lit.Idx[r*imageSize:(r+1)*imageSize], b.lit.Val[r*imageSize:(r+1)*imageSize]
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
		b.lit.N[r] = n
		p.Labels[r] = d.Labels[i]
	}
}
