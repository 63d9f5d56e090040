// plain_train.go trains the course's way, with nothing but network.go and backprop.go (and
// matrix.go under them): in each epoch the training images shuffled, then trainBatch on one
// mini-batch after the other, then the loss and accuracy on the evaluation set; the test set once,
// at the end. The exercise trains the learner's functions with it (-exercise). The program trains
// the same way, only faster (fast_passes.go, train.go, session.go): TestPlainTrainingIsTheProgram
// proves that the two give the same numbers, bit for bit.

package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"
)

// plainEpoch is what one epoch of a plain run measured.
type plainEpoch struct {
	TrainLoss, TrainAcc float64 // running means over the epoch, each image counted before its step
	Eval                Score
	Seconds             float64 // the training pass alone
}

// stats is epoch e's row of the program's report (report.go's epochStats).
func (ep plainEpoch) stats(e int) epochStats {
	return epochStats{Epoch: e, TrainLoss: ep.TrainLoss, TrainAcc: ep.TrainAcc, EvalLoss: ep.Eval.Loss,
		EvalAcc: ep.Eval.Acc(), Seconds: ep.Seconds}
}

// The loss over a data set is summed in chunks of evalChunk images, each in order, and then
// chunk by chunk in order: a fixed order, so the sum does not depend on how the work is shared
// (train.go's evaluate takes the same chunks). Changing it would change the last bits of every
// evaluation loss a run has printed.
const evalChunk = 500

// shuffleStream is the second word of the shuffling's generator: a fixed stream id, "shuffle".
const shuffleStream = 0x73687566666c65

// trainPlain trains net on m.Train for s.epochs epochs, printing one line an epoch to w, and a
// progress line to progress every few seconds inside an epoch (epochWatch, with a word if the
// epoch runs far slower than plain loops should). After each epoch it calls epochDone, if not nil, with the
// epochs so far (the exercise's main writes its report then). It returns every epoch's figures
// and the test set's score; testPred, if not nil, gets the predicted digit of every test image.
// A run whose weights or loss stop being finite numbers ends at that epoch, without its line,
// with the error the program gives (divergence in diverge.go): a NaN trains no further.
func trainPlain(net *Network, m *MNIST, s trainSettings, w, progress io.Writer, epochDone func([]plainEpoch), testPred []byte) ([]plainEpoch, Score, error) {
	rng := rand.New(rand.NewPCG(s.seed, shuffleStream))
	order := sequence(m.Train.Len())
	g := net.newGrads()
	p := net.newPass(s.batch)
	watch := &epochWatch{w: progress, expected: plainEpochSeconds(net.Sizes, m.Train.Len(), s.batch)}
	var hist []plainEpoch
	for e := 1; e <= s.epochs; e++ {
		sgd := SGD{Eta: s.lr * math.Pow(1-s.etaDecay, float64(e-1)), Lambda: s.lambda, N: m.Train.Len()} // η_e = η·(1 − decay)^(e−1)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		start := time.Now()
		watch.begin(e, len(order))
		var lossSum float64
		hits := 0
		for lo := 0; lo < len(order); lo += s.batch {
			idx := order[lo:min(len(order), lo+s.batch)]
			q := p.rows(0, len(idx)) // the last mini-batch may be shorter
			for r, i := range idx {
				q.setImage(r, m.Train.image(i), m.Train.Labels[i])
			}
			net.trainBatch(q, g, sgd) // forward, backward, update (backprop.go)
			l, h := lossAndHits(q)    // of the forward pass, before the step
			lossSum, hits = lossSum+l, hits+h
			watch.done(lo + len(idx)) // a progress line every few seconds
		}
		secs := time.Since(start).Seconds()
		if bad := divergence(net, lossSum); bad != "" {
			return hist, Score{}, fmt.Errorf("training diverged in epoch %d: %s; %s", e, bad, divergenceAdvice(s.lr, s.lambda, float64(len(order))))
		}
		n := float64(len(order))
		ep := plainEpoch{TrainLoss: lossSum / n, TrainAcc: float64(hits) / n, Eval: plainScore(net, m.Eval, nil), Seconds: secs}
		hist = append(hist, ep)
		fmt.Fprintln(w, epochText(s.epochs, ep.stats(e), "")) // the program's line (report.go)
		if epochDone != nil {
			epochDone(hist)
		}
	}
	test := plainScore(net, m.Test, testPred)
	fmt.Fprintf(w, "test accuracy: %.4f (%d/%d)\n", test.Acc(), test.Hits, test.N)
	return hist, test, nil
}

// plainScore is the mean loss and the accuracy of net on d, the losses summed as the program
// sums them (train.go, evaluate): in chunks of evalChunk images, each from 0 in order, then
// chunk by chunk. pred, if not nil, gets the predicted digit of every image.
func plainScore(net *Network, d Dataset, pred []byte) Score {
	s := Score{N: d.Len()}
	p := net.newPass(evalChunk)
	for lo := 0; lo < d.Len(); lo += evalChunk {
		q := p.rows(0, min(d.Len(), lo+evalChunk)-lo)
		for r := range q.Labels {
			q.setImage(r, d.image(lo+r), d.Labels[lo+r])
		}
		net.forward(q)
		if pred != nil {
			for r := range q.Labels {
				pred[lo+r] = byte(predict(q.S[len(q.S)-1].row(r)))
			}
		}
		chunk, hits := lossAndHits(q)
		s.Loss, s.Hits = s.Loss+chunk, s.Hits+hits
	}
	s.Loss /= float64(s.N)
	return s
}

// epochWatch prints trainPlain's progress line to w every few seconds inside an epoch, and
// says, once a run (a busy computer can slow one epoch too), when the epoch is on course to
// take more than slowFactor times expected, what plain loops should take (plainEpochSeconds,
// limits.go): the sign of a loop that does more work than its formula needs.
type epochWatch struct {
	w            io.Writer
	expected     float64 // seconds an epoch of plain loops should take on this computer
	warned       bool
	epoch, total int // the epoch under way, and its images
	start, shown time.Time
}

// begin starts the watch of epoch e, of total images.
func (ew *epochWatch) begin(e, total int) {
	ew.epoch, ew.total = e, total
	ew.start, ew.shown = time.Now(), time.Now()
}

// done says that the epoch's first done images are trained; it prints a line if the last was
// printed five seconds ago or more.
func (ew *epochWatch) done(done int) {
	if time.Since(ew.shown) < 5*time.Second {
		return
	}
	ew.shown = time.Now()
	secs := time.Since(ew.start).Seconds()
	line := fmt.Sprintf("  epoch %d: %d of %d images, %.0fs", ew.epoch, done, ew.total, secs)
	if guess := secs / float64(done) * float64(ew.total); !ew.warned && guess > slowFactor*ew.expected {
		ew.warned = true
		line += fmt.Sprintf(" (this epoch will take about %.0fs, %.0f times what plain loops take on this computer, "+
			"about %.1fs: does a loop do more work than its formula needs?)", guess, guess/ew.expected, ew.expected)
	}
	fmt.Fprintln(ew.w, line)
}

// sequence returns 0, 1, ..., n−1: the images of a data set in their file order.
func sequence(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
