// train.go holds one epoch of mini-batch stochastic gradient descent, shared between the CPU
// cores, and the measurement of loss and accuracy on a data set.
//
// Each mini-batch takes the steps of network.go and backprop.go in the order of the course:
// forward pass, loss, backward pass, SGD step. They split into two kinds, and the workers
// (parallel.go) share each kind in the way that keeps every number independent of how many
// workers there are:
//
//   - per sample: the input, the forward pass, the loss and δ of every layer concern one image
//     at a time, so each worker takes a share of the batch's samples;
//   - per unit: ∂L/∂W and ∂L/∂b sum over the whole batch, so each worker takes a share of each
//     layer's units, sums their gradients over every sample in order, and takes their SGD step.
//
// Either way each number is computed by one worker, with the same arithmetic in the same order
// as on one worker, so a run gives the same results, bit for bit, on 1 worker or 8.
package main

// trainer holds the network, the SGD settings and every buffer one epoch needs, allocated once,
// so that the training loop allocates nothing per mini-batch.
type trainer struct {
	net   *Network
	sgd   SGD
	batch int
	team  *team
	grads *Grads

	// full is the pass of a whole mini-batch; tail a view of it for a last, shorter one. The
	// view of each worker's samples is part[w] (fullParts or tailParts).
	full, tail           *Pass
	fullParts, tailParts []*Pass

	// The current round: the pass, its workers' parts, the training set and the batch's indices.
	p     *Pass
	parts []*Pass
	data  Dataset
	idx   []int

	// Evaluation: a pass per worker and the per-chunk results of the current call.
	evalPass []*Pass
	evalPred []byte
	evalLoss []float64
	evalHits []int

	samplesFn, unitsFn, scoreFn func(w int) // method values, bound once so rounds do not allocate
}

// evalChunk is how many images one evaluation step takes. The sums over a data set are taken
// chunk by chunk in a fixed order, so they too do not depend on the number of workers.
const evalChunk = 500

// newTrainer prepares training of net on n images in mini-batches of the given size, with the
// given number of workers. Call close when done.
func newTrainer(net *Network, sgd SGD, batch, workers, n int) *trainer {
	t := &trainer{net: net, sgd: sgd, batch: batch, team: newTeam(workers), grads: net.newGrads()}
	t.full = net.newPass(batch)
	t.tail = t.full.rows(0, n%batch)
	for w := 0; w < workers; w++ {
		t.fullParts = append(t.fullParts, t.full.rows(share(t.full.X.Rows, 1, w, workers)))
		t.tailParts = append(t.tailParts, t.tail.rows(share(t.tail.X.Rows, 1, w, workers)))
		t.evalPass = append(t.evalPass, net.newPass(evalChunk))
	}
	t.samplesFn, t.unitsFn, t.scoreFn = t.samples, t.units, t.score
	return t
}

func (t *trainer) close() { t.team.close() }

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
func loadBatch(p *Pass, d Dataset, idx []int) {
	for r, i := range idx {
		x := p.X.row(r)
		lit := p.Lit.Idx[r*imageSize : (r+1)*imageSize]
		n := 0
		for k, v := range d.image(i) {
			x[k] = pixelValue[v]
			lit[n] = int32(k) // as p.Lit.index does, without reading x again
			if v != 0 {
				n++
			}
		}
		p.Lit.N[r] = n
		p.Labels[r] = d.Labels[i]
	}
}

// epoch trains one pass over the images of d in the given order, one mini-batch after the
// other, and returns the sum of the loss L and the number of right predictions over the epoch,
// each sample counted in the forward pass of its own mini-batch (before that batch's step).
func (t *trainer) epoch(d Dataset, order []int) (lossSum float64, hits int) {
	t.data = d
	for lo := 0; lo < len(order); lo += t.batch {
		t.idx = order[lo:min(len(order), lo+t.batch)]
		t.p, t.parts = t.full, t.fullParts
		if len(t.idx) < t.batch {
			t.p, t.parts = t.tail, t.tailParts
		}
		t.team.run(t.samplesFn) // input, forward pass, loss, δ: by sample
		l, h := lossAndHits(t.p)
		lossSum, hits = lossSum+l, hits+h
		t.team.run(t.unitsFn) // ∂L/∂W, ∂L/∂b, SGD step: by unit
	}
	return lossSum, hits
}

// samples is worker w's share of the per-sample steps of a mini-batch.
func (t *trainer) samples(w int) {
	p := t.parts[w]
	lo, hi := share(len(t.idx), 1, w, t.team.n)
	loadBatch(p, t.data, t.idx[lo:hi])
	t.net.forward(p) // a and σ(a) of every layer, and L
	t.net.deltas(p)  // δ of every layer, from the output down
}

// units is worker w's share of the per-unit steps: for each layer, its units' gradients summed
// over the batch, and their SGD step.
func (t *trainer) units(w int) {
	for l := range t.net.Layers {
		lo, hi := share(t.net.Sizes[l+1], 2, w, t.team.n) // units in pairs, as matrix.go's loops take them
		t.net.layerGradients(t.grads, t.p, l, lo, hi)     // ∂L/∂W = Σ δ·xᵀ, ∂L/∂b = Σ δ
		t.sgd.step(t.net, t.grads, l, lo, hi, t.p.X.Rows)
	}
}

// Score is the loss and accuracy of the network on a data set.
type Score struct {
	Loss float64 // mean over the images of L
	Hits int     // images predicted right
	N    int     // images
}

// Acc is the fraction of images predicted right.
func (s Score) Acc() float64 { return float64(s.Hits) / float64(s.N) }

// evaluate runs the forward pass on every image of d and returns the mean loss and the
// accuracy. If pred is not nil it receives the predicted digit of every image.
func (t *trainer) evaluate(d Dataset, pred []byte) Score {
	chunks := (d.Len() + evalChunk - 1) / evalChunk
	t.data, t.evalPred = d, pred
	t.evalLoss, t.evalHits = make([]float64, chunks), make([]int, chunks)
	t.team.run(t.scoreFn)
	s := Score{N: d.Len()}
	for c := range t.evalLoss {
		s.Loss += t.evalLoss[c]
		s.Hits += t.evalHits[c]
	}
	s.Loss /= float64(s.N)
	return s
}

// score is worker w's share of evaluate: chunks w, w+n, w+2n, ... of the data set.
func (t *trainer) score(w int) {
	d, out := t.data, len(t.net.Layers)-1
	idx := make([]int, 0, evalChunk)
	for c := w; c < len(t.evalLoss); c += t.team.n {
		lo, hi := c*evalChunk, min(d.Len(), (c+1)*evalChunk)
		idx = idx[:0]
		for i := lo; i < hi; i++ {
			idx = append(idx, i)
		}
		p := t.evalPass[w].rows(0, hi-lo)
		loadBatch(p, d, idx)
		t.net.forward(p)
		t.evalLoss[c], t.evalHits[c] = lossAndHits(p)
		if t.evalPred != nil {
			for r := range idx {
				t.evalPred[lo+r] = byte(predict(p.A[out].row(r)))
			}
		}
	}
}
