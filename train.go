// train.go holds one epoch of mini-batch stochastic gradient descent, shared between the CPU
// cores, and the measurement of loss and accuracy on a data set.
//
// For each mini-batch the steps are those of network.go and backprop.go, in the order of the
// course: forward pass, loss, backward pass, SGD step. Nearly all the arithmetic is in the first
// layer (784 inputs × 20 units, against 20 × 10 above it), so that is the part the workers share,
// and they share it by unit: worker w owns a fixed range of the first layer's units and computes
// their a and σ(a) (forward), their ∂L/∂W and ∂L/∂b (backward) and their SGD step. Every weight
// is thus computed by one worker with the same arithmetic whatever the number of workers, and a
// run gives the same numbers, bit for bit, on 1 worker or 8. The small layers above run on
// worker 0 alone, between the two shared parts.
//
// The shared parts are arranged so that each mini-batch needs only one hand-over: a worker's
// round is "finish batch t (gradient and step of my units), then start batch t+1 (forward pass
// of my units)". Batch t+1's forward pass needs only the weights of the worker's own units, which
// it has just updated itself, so no other worker has to be waited for in between.
package main

// trainer holds the network, the SGD settings and every buffer one epoch needs, allocated once,
// so that the training loop allocates nothing per mini-batch.
type trainer struct {
	net     *Network
	sgd     SGD
	batch   int
	team    *team
	grads   *Grads
	scratch [][]float64 // per worker, for mulAtB

	// Two passes alternate between batch t and batch t+1; tail holds views of them for a last
	// batch shorter than the others.
	bufs, tail [2]*Pass

	// The current round of the first layer's work (firstLayer): finish cur, start next.
	cur, next *Pass

	// Evaluation: a pass per worker and the per-chunk results of the current call.
	evalPass []*Pass
	evalData Dataset
	evalPred []byte
	evalLoss []float64
	evalHits []int

	firstLayerFn, evaluateFn func(w int) // method values, bound once so rounds do not allocate
}

// evalChunk is how many images one evaluation step takes. The sums over a data set are taken
// chunk by chunk in a fixed order, so they too do not depend on the number of workers.
const evalChunk = 500

// newTrainer prepares training of net on n images in mini-batches of the given size, with the
// given number of workers. Call close when done.
func newTrainer(net *Network, sgd SGD, batch, workers, n int) *trainer {
	t := &trainer{net: net, sgd: sgd, batch: batch, team: newTeam(workers), grads: net.newGrads()}
	for i := range t.bufs {
		t.bufs[i] = net.newPass(batch)
		if r := n % batch; r != 0 {
			t.tail[i] = t.bufs[i].batch(r)
		}
	}
	for w := 0; w < workers; w++ {
		t.scratch = append(t.scratch, make([]float64, 2*batch))
		t.evalPass = append(t.evalPass, net.newPass(evalChunk))
	}
	t.firstLayerFn, t.evaluateFn = t.firstLayer, t.evaluate
	return t
}

func (t *trainer) close() { t.team.close() }

// loadBatch fills p with the images d[idx[0]], d[idx[1]], ..., pixels scaled from 0..255 to
// 0..1, and their labels. Images stay bytes in memory (47 MB instead of 376 MB as float64) and
// are scaled only here, a batch at a time.
func loadBatch(p *Pass, d Dataset, idx []int) {
	for r, i := range idx {
		x := p.X.row(r)
		for k, v := range d.image(i) {
			x[k] = float64(v) / 255
		}
		p.Labels[r] = d.Labels[i]
	}
}

// epoch trains one pass over the images of d in the given order, one mini-batch after the
// other, and returns the sum of the loss L and the number of right predictions over the epoch,
// each sample counted in the forward pass of its own mini-batch (before that batch's step).
func (t *trainer) epoch(d Dataset, order []int) (lossSum float64, hits int) {
	batches := (len(order) + t.batch - 1) / t.batch
	indices := func(k int) []int { return order[k*t.batch : min(len(order), (k+1)*t.batch)] }
	pass := func(k int) *Pass {
		if k == batches-1 && t.tail[k%2] != nil && len(order)%t.batch != 0 {
			return t.tail[k%2]
		}
		return t.bufs[k%2]
	}

	// Start batch 0: its input, then its first layer, shared between the workers.
	t.cur, t.next = nil, pass(0)
	loadBatch(t.next, d, indices(0))
	t.team.run(t.firstLayerFn)

	for k := 0; k < batches; k++ {
		p := t.next
		B := p.X.Rows
		t.net.forward(p, 1) // forward pass above the first layer
		l, h := lossAndHits(p)
		lossSum, hits = lossSum+l, hits+h
		t.net.backward(p, t.grads, 1, t.scratch[0]) // backward pass down to δ of layer 0
		t.sgd.update(t.net, t.grads, 1, B)          // SGD step above the first layer

		// Hand over: the workers finish batch k in the first layer and start batch k+1.
		t.cur, t.next = p, nil
		if k+1 < batches {
			t.next = pass(k + 1)
			loadBatch(t.next, d, indices(k+1))
		}
		t.team.run(t.firstLayerFn)
	}
	return lossSum, hits
}

// firstLayer is worker w's share of one round: its units of the first layer.
func (t *trainer) firstLayer(w int) {
	lo, hi := share(t.net.Sizes[1], 2, w, t.team.n) // units in pairs, as mulABt and mulAtB take them
	if p := t.cur; p != nil {
		t.net.layerGradients(t.grads, p, 0, lo, hi, t.scratch[w]) // ∂L/∂W, ∂L/∂b of batch t
		t.sgd.step(t.net, t.grads, 0, lo, hi, p.X.Rows)           // SGD step
	}
	if p := t.next; p != nil {
		t.net.layerForward(p, 0, lo, hi) // a = W·x + b, σ(a) of batch t+1
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

// score runs the forward pass on every image of d and returns the mean loss and the accuracy.
// If pred is not nil it receives the predicted digit of every image.
func (t *trainer) score(d Dataset, pred []byte) Score {
	chunks := (d.Len() + evalChunk - 1) / evalChunk
	t.evalData, t.evalPred = d, pred
	t.evalLoss, t.evalHits = make([]float64, chunks), make([]int, chunks)
	t.team.run(t.evaluateFn)
	s := Score{N: d.Len()}
	for c := range t.evalLoss {
		s.Loss += t.evalLoss[c]
		s.Hits += t.evalHits[c]
	}
	s.Loss /= float64(s.N)
	return s
}

// evaluate is worker w's share of score: chunks w, w+n, w+2n, ... of the data set.
func (t *trainer) evaluate(w int) {
	d, out := t.evalData, len(t.net.Layers)-1
	idx := make([]int, 0, evalChunk)
	for c := w; c < len(t.evalLoss); c += t.team.n {
		lo, hi := c*evalChunk, min(d.Len(), (c+1)*evalChunk)
		idx = idx[:0]
		for i := lo; i < hi; i++ {
			idx = append(idx, i)
		}
		p := t.evalPass[w]
		if hi-lo < evalChunk {
			p = p.batch(hi - lo)
		}
		loadBatch(p, d, idx)
		t.net.forward(p, 0)
		t.evalLoss[c], t.evalHits[c] = lossAndHits(p)
		if t.evalPred != nil {
			for r := range idx {
				t.evalPred[lo+r] = byte(predict(p.A[out].row(r)))
			}
		}
	}
}
