// train.go holds one epoch of mini-batch stochastic gradient descent, shared between the CPU
// cores, and the measurement of loss and accuracy on a data set.
//
// Each mini-batch takes the steps of backprop.go's trainBatch in the order of the course:
// forward pass, loss, backward pass, SGD step, in their fast forms (fast_passes.go). The workers
// (parallel.go) share them in the ways that keep every number independent of how many workers
// there are:
//
//   - per sample: the input, the forward pass above the first layer, the loss and δ of every
//     layer concern one image at a time, so each worker takes a share of the batch's samples;
//   - per unit: ∂L/∂W and ∂L/∂b sum over the whole batch, so each worker takes a share of each
//     layer's units, sums their gradients over every sample in order, and takes their SGD step.
//     The first layer's forward pass goes by unit too: it is nearly all of the forward pass,
//     and then each of its 784-weight rows is read and written by one worker only, and stays in
//     that worker's cache instead of crossing between cores every mini-batch.
//
// Either way each number is computed by one worker, with the same arithmetic in the same order
// as on one worker, so a run gives the same results, bit for bit, on 1 worker or 8.

package main

import (
	"runtime"
	"sync/atomic"
	"time"
)

// trainer holds the network, the SGD settings and every buffer one epoch needs, allocated once,
// so that the training loop allocates nothing per mini-batch.
type trainer struct {
	net   *Network
	sgd   SGD
	batch int
	team  *team
	grads *Grads

	// use is how many of the team's workers share the mini-batch under way: all of them, or 1
	// when the other cores are better left alone. choice (parallel.go) decides it by timing,
	// unless the number of workers was given (choice is then nil).
	use    int
	choice *chooser

	// Two batches alternate between batch k and batch k+1: bufs[k%2], or tails[k%2], a view of
	// it, for a last batch shorter than the others. parts[b.p] holds each worker's view of the
	// samples of batch b.
	bufs, tails [2]batch
	parts       map[*Pass][]batch

	// The epoch under way: the training set, the order of its images, mini-batch k of batches
	// is next, and the sums so far (see begin and step).
	data       Dataset
	order      []int
	k, batches int
	lossSum    float64
	hits       int

	// The current round: the batch that finishes (cur) and the one that starts (next), and the
	// next batch's image indices.
	cur, next *batch
	nextIdx   []int

	// Evaluation: the data set, a pass per worker, the next piece to take, and the results of
	// the current call: the loss of every image and the right predictions of every piece
	// (apart from the epoch's fields, so that evaluating between two mini-batches is safe).
	evalData Dataset
	evalPass []batch
	evalNext atomic.Int64
	evalPred []byte
	evalLoss []float64
	evalHits []int
	evalIdx  []int // 0, 1, ..., evalPiece−1: a piece's images, offset by its first

	samplesFn, unitsFn, scoreFn func(w int) // method values, bound once so rounds do not allocate

	// stop, once set (by session.go's interrupt, on Ctrl-C), ends the epoch after the
	// mini-batch under way; cut ends an evaluation under way after the pieces begun (evaluated).
	stop, cut atomic.Bool
}

// newTrainer prepares training of net on n images in mini-batches of the given size, with the
// given number of workers; workers ≤ 0 lets the trainer choose, mini-batch by mini-batch,
// between one worker and one per CPU, whichever is faster (parallel.go, chooser). Call close
// when done.
func newTrainer(net *Network, sgd SGD, batchSize, workers, n int) *trainer {
	var choice *chooser
	if workers <= 0 {
		if workers = runtime.NumCPU(); workers > 1 {
			choice = newChooser(workers, batchSize)
		}
	}
	t := &trainer{net: net, sgd: sgd, batch: batchSize, team: newTeam(workers), grads: net.newGrads(),
		parts: map[*Pass][]batch{}, use: workers, choice: choice}
	for i := range t.bufs {
		t.bufs[i] = t.view(net.newBatch(batchSize), batchSize)
		t.tails[i] = t.view(t.bufs[i], n%batchSize)
	}
	for w := 0; w < workers; w++ {
		t.evalPass = append(t.evalPass, net.newBatch(evalPiece))
	}
	t.evalIdx = sequence(evalPiece)
	t.samplesFn, t.unitsFn, t.scoreFn = t.samples, t.units, t.score
	return t
}

func (t *trainer) close() { t.team.close() }

// run runs one round of work on the workers in use: fn(0) alone, or fn(w) on every worker w.
func (t *trainer) run(fn func(w int)) {
	if t.use == 1 {
		fn(0)
		return
	}
	t.team.run(fn)
}

// part returns worker w's share of the samples of batch b.
func (t *trainer) part(b *batch, w int) batch {
	if t.use == 1 {
		return *b
	}
	return t.parts[b.p][w]
}

// view returns the first size samples of b as a batch of its own, with each worker's share of
// them in t.parts when the whole team works.
func (t *trainer) view(b batch, size int) batch {
	v := b.rows(0, size)
	for w := 0; w < t.team.n; w++ {
		t.parts[v.p] = append(t.parts[v.p], v.rows(share(size, 1, w, t.team.n)))
	}
	return v
}

// An epoch trains one pass over the images of a data set in a given order, one mini-batch
// after the other. It is taken in steps, so that the lab (lab.go) can stop after any mini-batch
// and go on later with exactly the numbers an uninterrupted epoch has: begin prepares the first
// mini-batch, each call of step trains one, and epoch runs them all in one call, for the tests
// and benchmarks (the command line's session.trainEpochs calls begin and step itself).
// The sum of the loss L and the number of right predictions over the epoch so far are in
// t.lossSum and t.hits, each sample counted in the forward pass of its own mini-batch (before
// that batch's step).
//
// The rounds overlap two mini-batches, so that a worker that updates a first-layer unit's
// weights is also the one that next reads them, in its cache: with batch k's forward pass done
// up to the first layer,
//
//	round 1, by sample: batch k's forward pass above the first layer, its loss, its δ of every
//	                    layer; batch k+1's input.
//	round 2, by unit:   batch k's ∂L/∂W, ∂L/∂b and SGD step; batch k+1's first layer, a and σ(a),
//	                    with the weights just updated.

// begin starts an epoch over the images of d in the given order: batch 0's input, and its
// first layer.
func (t *trainer) begin(d Dataset, order []int) {
	t.data, t.order = d, order
	t.k, t.batches = 0, (len(order)+t.batch-1)/t.batch
	t.lossSum, t.hits = 0, 0
	t.cur, t.next, t.nextIdx = nil, t.pass(0), t.indices(0)
	if t.choice != nil {
		t.choice.probe() // what else runs on the machine may have changed since the last epoch
		t.use = t.choice.workers()
	}
	t.run(t.samplesFn)
	t.run(t.unitsFn)
}

// step trains mini-batch k of the epoch begun, and prepares batch k+1's first layer. It
// returns true once the epoch's last mini-batch is done.
//
// The number of workers may change from one mini-batch to the next (t.choice): it changes how
// the work is shared, never the numbers.
func (t *trainer) step() (done bool) {
	var start time.Time
	if t.choice != nil {
		t.use, start = t.choice.workers(), time.Now()
	}
	k := t.k
	t.cur, t.next, t.nextIdx = t.pass(k), nil, nil
	if k+1 < t.batches {
		t.next, t.nextIdx = t.pass(k+1), t.indices(k+1)
	}
	t.run(t.samplesFn)
	l, h := lossAndHits(t.cur.p)
	t.lossSum, t.hits = t.lossSum+l, t.hits+h
	t.run(t.unitsFn)
	t.k++
	if t.choice != nil {
		t.choice.done(time.Since(start)) // the time inside step only: the lab may pause between steps
	}
	return t.k == t.batches
}

// epoch trains a whole epoch (or up to the mini-batch during which t.stop was set) and returns
// the sum of the loss and the number of right predictions over it.
func (t *trainer) epoch(d Dataset, order []int) (lossSum float64, hits int) {
	t.begin(d, order)
	for !t.step() && !t.stop.Load() {
	}
	return t.lossSum, t.hits
}

// indices returns the image indices of mini-batch k of the epoch.
func (t *trainer) indices(k int) []int {
	return t.order[k*t.batch : min(len(t.order), (k+1)*t.batch)]
}

// pass returns the buffers for mini-batch k: batches alternate between two, and a last batch
// shorter than the others gets a view of the right size.
func (t *trainer) pass(k int) *batch {
	size := len(t.indices(k))
	if size == t.batch {
		return &t.bufs[k%2]
	}
	if t.tails[k%2].p.X.Rows != size { // an order of another length than newTrainer was told
		t.tails[k%2] = t.view(t.bufs[k%2], size)
	}
	return &t.tails[k%2]
}

// samples is worker w's share of the per-sample steps: the rest of batch cur's forward pass, its
// loss and its δ; the input of batch next.
func (t *trainer) samples(w int) {
	if t.cur != nil {
		p := t.part(t.cur, w).p
		for l := 1; l < len(t.net.Layers); l++ {
			layerForwardFast(t.net.Layers[l], p.S[l-1], nil, p.A[l], p.S[l], 0, t.net.Sizes[l+1]) // a = W·x + b, σ(a) above the first layer
		}
		setLosses(p)         // L of each sample
		deltasFast(t.net, p) // δ of every layer, from the output down
	}
	if t.next != nil {
		lo, hi := share(len(t.nextIdx), 1, w, t.use)
		loadBatch(t.part(t.next, w), t.data, t.nextIdx[lo:hi])
	}
}

// units is worker w's share of the per-unit steps: for each layer, its units' gradients of batch
// cur, summed over the batch, and their SGD step; then its first-layer units' forward pass of
// batch next.
func (t *trainer) units(w int) {
	if b := t.cur; b != nil {
		p, x, lit := b.p, b.p.X, &b.lit
		for l, layer := range t.net.Layers {
			lo, hi := share(t.net.Sizes[l+1], 5, w, t.use)                               // units in fives, as fast_lit.go takes them
			layerGradientsFast(t.grads.W[l], t.grads.B[l], p.Delta[l], x, lit, lo, hi)   // ∂L/∂W = Σ δ·xᵀ, ∂L/∂b = Σ δ
			t.sgd.shrinkAndStepFast(layer, t.grads.W[l], t.grads.B[l], p.X.Rows, lo, hi) // W ← (1 − ηλ/n)W − (η/B)∂L/∂W, ...
			x, lit = p.S[l], nil
		}
	}
	if b := t.next; b != nil {
		lo, hi := share(t.net.Sizes[1], 5, w, t.use)
		layerForwardFast(t.net.Layers[0], b.p.X, &b.lit, b.p.A[0], b.p.S[0], lo, hi) // a = W·x + b, σ(a) of the first layer
	}
}

// evaluate runs the forward pass on every image of d and returns the mean loss and the
// accuracy. If pred is not nil it receives the predicted digit of every image.
//
// All the workers take part, without asking the chooser: there is no hand-over until the end,
// so a worker that runs less (another program holding its core) does not hold the others up.
// Each takes the next piece of evalPiece images not yet taken, as long as there is one. The
// loss of each image is kept, and summed afterwards in the fixed order of evalChunk.
func (t *trainer) evaluate(d Dataset, pred []byte) Score {
	pieces := (d.Len() + evalPiece - 1) / evalPiece
	t.evalData, t.evalPred = d, pred
	t.evalLoss, t.evalHits = make([]float64, d.Len()), make([]int, pieces)
	t.evalNext.Store(0)
	t.team.run(t.scoreFn)
	s := Score{N: d.Len()}
	for lo := 0; lo < d.Len(); lo += evalChunk {
		var chunk float64 // as lossAndHits sums a chunk's losses: from 0, in order
		for _, l := range t.evalLoss[lo:min(d.Len(), lo+evalChunk)] {
			chunk += l
		}
		s.Loss += chunk
	}
	for _, h := range t.evalHits {
		s.Hits += h
	}
	s.Loss /= float64(s.N)
	return s
}

// evaluated says whether the last evaluation scored every image, or was cut short.
func (t *trainer) evaluated() bool { return t.evalNext.Load() >= int64(len(t.evalHits)) }

// score is worker w's share of evaluate: the pieces it takes.
func (t *trainer) score(w int) {
	d, out := t.evalData, len(t.net.Layers)-1
	pieces := len(t.evalHits)
	for !t.cut.Load() {
		c := int(t.evalNext.Add(1) - 1)
		if c >= pieces {
			return
		}
		lo, hi := c*evalPiece, min(d.Len(), (c+1)*evalPiece)
		b := t.evalPass[w].rows(0, hi-lo)
		loadBatch(b, d.slice(lo, hi), t.evalIdx[:hi-lo])
		forwardFast(t.net, b)
		p := b.p
		_, t.evalHits[c] = lossAndHits(p)
		copy(t.evalLoss[lo:hi], p.Loss)
		if t.evalPred != nil {
			for r := 0; r < hi-lo; r++ {
				t.evalPred[lo+r] = byte(predict(p.A[out].row(r)))
			}
		}
	}
}
