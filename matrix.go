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
// This file gives each product as its definition, three plain loops (productABt, productAtB,
// productAB), and the course's functions (network.go, backprop.go) call them. Training runs
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
