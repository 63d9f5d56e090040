// pass.go allocates the buffers of a pass (network.go's Pass) and puts an input into them:
// one image from its bytes, or one input x the lab received as numbers. A Pass is allocated once
// for the largest mini-batch; a shorter batch, or one worker's share of the samples, is a view
// of it (rows), so that training allocates nothing per batch.

package main

// newPass allocates a Pass for mini-batches of up to batch samples, every number 0.
func (net *Network) newPass(batch int) *Pass {
	p := &Pass{X: newMatrix(batch, net.Sizes[0]), Labels: make([]byte, batch), Loss: make([]float64, batch)}
	for _, m := range net.Sizes[1:] {
		p.A = append(p.A, newMatrix(batch, m))
		p.S = append(p.S, newMatrix(batch, m))
		p.Delta = append(p.Delta, newMatrix(batch, m))
	}
	return p
}

// rows returns a view of p for samples lo..hi-1 of its buffers.
func (p *Pass) rows(lo, hi int) *Pass {
	q := &Pass{X: p.X.rows(lo, hi), Labels: p.Labels[lo:hi], Loss: p.Loss[lo:hi]}
	for l := range p.A {
		q.A = append(q.A, p.A[l].rows(lo, hi))
		q.S = append(q.S, p.S[l].rows(lo, hi))
		q.Delta = append(q.Delta, p.Delta[l].rows(lo, hi))
	}
	return q
}

// setImage puts image r of the batch in p: x = its 784 pixels scaled from 0..255 to 0..1, and
// its label.
func (p *Pass) setImage(r int, pixels []byte, label byte) {
	x := p.X.row(r)
	for k, v := range pixels {
		x[k] = pixelValue[v] // v/255
	}
	p.Labels[r] = label
}

// setInput puts input r of the batch in p: x (784 values in 0..1) and its label.
func (p *Pass) setInput(r int, x []float64, label byte) {
	copy(p.X.row(r), x)
	p.Labels[r] = label
}

// imagePass returns a pass holding one image (784 bytes) and its label, ready for forward.
func (net *Network) imagePass(pixels []byte, label byte) *Pass {
	p := net.newPass(1)
	p.setImage(0, pixels, label)
	return p
}

// inputPass returns a pass holding one input x (784 values in 0..1) and its label, ready for
// forward: the lab's way in for a drawing, whose pixels come as numbers.
func (net *Network) inputPass(x []float64, label byte) *Pass {
	p := net.newPass(1)
	p.setInput(0, x, label)
	return p
}

// pixelValue[v] is v/255, the input value of a pixel of brightness v: a table lookup costs less
// than a division. It is filled once, when the program starts, and only read.
var pixelValue = func() (t [256]float64) {
	for v := range t {
		t[v] = float64(v) / 255
	}
	return t
}()
