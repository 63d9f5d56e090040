// plain_train.go trains the course's way, with nothing but network.go and backprop.go: in each
// epoch the training images shuffled, then trainBatch on one mini-batch after the other, then
// the loss and accuracy on the evaluation set; the test set once, at the end. The exercise
// trains the learner's functions with it (-exercise). The program trains the same way, only
// faster (fast_passes.go, train.go, session.go): TestPlainTrainingIsTheProgram proves that the
// two give the same numbers, bit for bit.

package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// plainEpoch is what one epoch of a plain run measured.
type plainEpoch struct {
	TrainLoss, TrainAcc float64 // running means over the epoch, each image counted before its step
	Eval                Score
	Seconds             float64 // the training pass alone
}

// The loss over a data set is summed in chunks of evalChunk images, each in order, and then
// chunk by chunk in order: a fixed order, so the sum does not depend on how the work is shared
// (train.go's evaluate takes the same chunks). Changing it would change the last bits of every
// evaluation loss a run has printed.
const evalChunk = 500

// shuffleStream is the second word of the shuffling's generator: a fixed stream id, "shuffle".
const shuffleStream = 0x73687566666c65

// trainPlain trains net on m.Train for s.epochs epochs, printing one line an epoch to w, and a
// progress line to progress every few seconds inside an epoch (with a word if the epoch runs far
// slower than plain loops should). After each epoch it calls epochDone, if not nil, with the
// epochs so far (the exercise's main writes its report then). It returns every epoch's figures
// and the test set's score; testPred, if not nil, gets the predicted digit of every test image.
// A run whose weights or loss stop being finite numbers ends at that epoch, without its line,
// with the error the program gives (divergence in diverge.go): a NaN trains no further.
func trainPlain(net *Network, m *MNIST, s trainSettings, w, progress io.Writer, epochDone func([]plainEpoch), testPred []byte) ([]plainEpoch, Score, error) {
	rng := rand.New(rand.NewPCG(s.seed, shuffleStream))
	order := sequence(m.Train.Len())
	g := net.newGrads()
	p := net.newPass(s.batch)
	expected := plainEpochSeconds(net.Sizes, m.Train.Len(), s.batch)
	warned := false // once a run: a busy computer can slow one epoch too
	var hist []plainEpoch
	for e := 1; e <= s.epochs; e++ {
		sgd := SGD{Eta: s.lr * math.Pow(1-s.etaDecay, float64(e-1)), Lambda: s.lambda, N: m.Train.Len()} // η_e = η·(1 − decay)^(e−1)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		start, shown := time.Now(), time.Now()
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
			if time.Since(shown) >= 5*time.Second {
				shown = time.Now()
				done, secs := lo+len(idx), time.Since(start).Seconds()
				line := fmt.Sprintf("  epoch %d: %d of %d images, %.0fs", e, done, len(order), secs)
				if guess := secs / float64(done) * float64(len(order)); !warned && guess > slowFactor*expected {
					warned = true
					line += fmt.Sprintf(" (this epoch will take about %.0fs, %.0f times what plain loops take on this computer, "+
						"about %.1fs: does a loop do more work than its formula needs?)", guess, guess/expected, expected)
				}
				fmt.Fprintln(progress, line)
			}
		}
		secs := time.Since(start).Seconds()
		if bad := divergence(net, lossSum); bad != "" {
			return hist, Score{}, fmt.Errorf("training diverged in epoch %d: %s; %s", e, bad, divergenceAdvice(s.lr, s.lambda, float64(len(order))))
		}
		n := float64(len(order))
		ep := plainEpoch{TrainLoss: lossSum / n, TrainAcc: float64(hits) / n, Eval: plainScore(net, m.Eval, nil), Seconds: secs}
		hist = append(hist, ep)
		fmt.Fprintf(w, "epoch %*d/%d  train loss %.4f acc %.4f  eval loss %.4f acc %.4f  %.3fs\n",
			len(strconv.Itoa(s.epochs)), e, s.epochs, ep.TrainLoss, ep.TrainAcc, ep.Eval.Loss, ep.Eval.Acc(), secs)
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

// slowFactor is how many times the estimate of plainEpochSeconds an epoch may take before
// trainPlain says so. The estimate is of the multiply-adds alone, in the fastest plain loop;
// plain loops through Matrix.at take two to four times it, and a busy computer more.
const slowFactor = 10

// plainEpochSeconds estimates how long an epoch of plain loops takes on this computer: the
// multiply-adds of the forward pass, three times over (forward, δ sent down, gradients), and
// the step's, at the rate this computer runs a plain loop of them, measured here.
func plainEpochSeconds(sizes []int, n, batch int) float64 {
	var macs, weights float64
	for l := 1; l < len(sizes); l++ {
		macs += float64(float64(sizes[l-1]) * float64(sizes[l]))
		weights += float64(float64(sizes[l-1])*float64(sizes[l])) + float64(sizes[l])
	}
	x, y := make([]float64, 1<<14), make([]float64, 1<<14)
	for i := range x {
		x[i], y[i] = float64(i%7)/7, float64(i%5)/5
	}
	start, count := time.Now(), 0.0
	var sum float64
	for time.Since(start) < 20*time.Millisecond {
		for i := range x {
			sum += float64(x[i] * y[i])
		}
		count += float64(len(x))
	}
	if math.IsNaN(sum) { // never: a use of sum, so that the loop is not left out
		return 0
	}
	rate := count / time.Since(start).Seconds() // multiply-adds a second
	return (float64(3*macs*float64(n)) + float64(weights*float64(n/batch))) / rate
}

// sequence returns 0, 1, ..., n−1: the images of a data set in their file order.
func sequence(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
