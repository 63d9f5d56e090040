// matrix.go holds the hand-written matrix arithmetic the network needs, and nothing more.
//
// A Matrix is a flat, row-major []float64 with its row and column counts. A mini-batch of B
// samples is one B×n matrix with one sample per row, and the weights of a layer with n inputs
// and m units are one m×n matrix whose row j holds the weights into unit j. Three products then
// cover the whole forward and backward pass:
//
//	forward    a    = x·Wᵀ     (B×m) from x (B×n) and W (m×n)    dst = p·qᵀ   dst[r][j] = Σ_k p[r][k]·q[j][k]
//	gradient  ∂L/∂W = δᵀ·x     (m×n) from δ (B×m) and x (B×n)    dst = pᵀ·q   dst[j][k] = Σ_r p[r][j]·q[r][k]
//	backward   Wᵀδ  = δ·W      (B×n) from δ (B×m) and W (m×n)    dst = p·q    dst[r][k] = Σ_j p[r][j]·q[j][k]
//
// The operands are called p and q, and the result dst, so that no letter here means what it
// means in the math (a is the pre-activation, B the batch size, b the biases). This file gives
// each product as its definition, three plain loops (productPQt, productPtQ, productPQ), and the
// course's functions (network.go, backprop.go) call them. Training runs
// faster versions of the same products (fast_matrix.go, and fast_lit.go for the first layer),
// which compute exactly the same numbers, bit for bit, in other loop orders: fast_test.go
// proves it.

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
// the definition: their fast twins (productPQtFast, productPtQFast and productPQFast in
// fast_matrix.go) keep it, and so give the same bits.
//
// Fused multiply-add. Each term is written float64(x*y), not x*y. The Go specification lets the
// compiler fuse s + x*y into one instruction that rounds once instead of twice, and it does on
// arm64 (Apple-silicon Macs) and on amd64 built with GOAMD64=v3: the sums then come out with
// other last bits, and after an epoch every weight differs. An explicit conversion rounds the
// product, which the specification says forbids the fusion; where no CPU fuses (amd64 by
// default) it changes nothing, not even the speed. The same rule holds wherever the program
// adds a product (the SGD step, e^x in exp.go, the pictures): portable_test.go compiles the
// program for arm64 and amd64-v3 and fails on any fused instruction.

// productPQt sets dst = p·qᵀ, the forward pass's W·x for every sample, x·Wᵀ (p is R×K, q is
// J×K, dst is R×J):
//
//	dst[r][j] = Σ_k p[r][k]·q[j][k]
func productPQt(dst, p, q Matrix) {
	for r := 0; r < p.Rows; r++ {
		for j := 0; j < q.Rows; j++ {
			var s float64
			for k := 0; k < p.Cols; k++ {
				s += float64(p.at(r, k) * q.at(j, k))
			}
			dst.row(r)[j] = s
		}
	}
}

// productPtQ sets dst = pᵀ·q, the gradient ∂L/∂W = δᵀ·x (p is R×J, q is R×K, dst is J×K):
//
//	dst[j][k] = Σ_r p[r][j]·q[r][k]
func productPtQ(dst, p, q Matrix) {
	for j := 0; j < p.Cols; j++ {
		for k := 0; k < q.Cols; k++ {
			var s float64
			for r := 0; r < p.Rows; r++ {
				s += float64(p.at(r, j) * q.at(r, k))
			}
			dst.row(j)[k] = s
		}
	}
}

// productPQ sets dst = p·q, the error sent down a layer Wᵀδ = δ·W (p is R×J, q is J×K, dst is
// R×K):
//
//	dst[r][k] = Σ_j p[r][j]·q[j][k]
func productPQ(dst, p, q Matrix) {
	for r := 0; r < p.Rows; r++ {
		for k := 0; k < q.Cols; k++ {
			var s float64
			for j := 0; j < p.Cols; j++ {
				s += float64(p.at(r, j) * q.at(j, k))
			}
			dst.row(r)[k] = s
		}
	}
}
