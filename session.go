// session.go holds one training run: the data and network it starts from, its loop over epochs
// (shuffle, train, check for divergence, evaluate, print the epoch's line, write the report),
// what Ctrl-C does to it, and the end of the run (the test set, -save, the last line). The
// command line drives a session from start to end (train, in this file); the lab (lab.go) drives the
// same session one mini-batch at a time through its methods, so that training N epochs in the
// lab gives the same weights, bit for bit, as `go run . -epochs N`.

package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// errInterrupted ends a run stopped by Ctrl-C or SIGTERM, after its report is written.
var errInterrupted = errors.New("interrupted")

// train is the command line's run: it reads the network and the data, trains, and reports. The
// -load network is read before the data set, which may have to be downloaded, so that a
// damaged file is found at once; the -out folder is made only once there is something to
// train, and not at all by a run that does not train (-epochs 0).
func train(c *config, stdout, stderr io.Writer, sig *interrupts) error {
	start := time.Now()
	net, before, err := startingNetwork(c.load, c.sizes(), c.seed, c.batch, c.workers) // c.workers is capped by now
	if err != nil {
		return err
	}
	if err := epochsFit(before, c.epochs); err != nil {
		return err
	}
	data, err := loadData(c, stdout)
	if err != nil {
		return err
	}
	if c.epochs > 0 {
		if err := readyToWrite(c.out, c.save, stderr); err != nil { // makes the folder (paths.go)
			return err
		}
	}
	loadSecs := time.Since(start).Seconds()
	fmt.Fprintf(stdout, "data: %d training, %d evaluation, %d test images from %s (%.2fs)\n",
		data.Train.Len(), data.Eval.Len(), data.Test.Len(), c.data, loadSecs)
	workers := fmt.Sprintf("%d workers", c.workers)
	if n := runtime.NumCPU(); c.workers == 0 && n > 1 { // newTrainer chooses (train.go, parallel.go)
		workers = fmt.Sprintf("1 or %d workers, whichever is faster (timed each epoch)", n)
	} else if c.workers == 0 {
		workers = "1 worker (1 CPU)"
	}
	fmt.Fprintf(stdout, "network %s, batch %d, η %g shrinking %g%% an epoch, λ %g, seed %d, %s\n",
		joinInts(net.Sizes, "-"), c.batch, c.lr, 100*c.etaDecay, c.lambda, c.seed, workers)
	if c.epochs > 0 {
		fmt.Fprintf(stdout, "reports: %s, rewritten after every epoch\n", filepath.Join(c.out, "report.html"))
	}

	var writing sync.Mutex
	r := newSession(c, data, net, stdout, &writing)
	r.run.Started = start
	r.before = before
	defer r.close()
	r.sig = sig
	sig.graceful(&writing, r.interrupt, "mnist: interrupted: finishing the current mini-batch and writing the report (interrupt again to quit at once)")

	r.began = time.Now()
	if err := r.trainEpochs(); err != nil {
		return err
	}
	return r.finish(start, loadSecs)
}

// loadData reads the data set of -data, downloading what is missing, and checks the flags that
// depend on it.
func loadData(c *config, stdout io.Writer) (*MNIST, error) {
	dl := newDownloader(stdout)
	if c.mirror != "" {
		dl.mirrors = []string{strings.TrimSuffix(c.mirror, "/") + "/"}
	}
	paths, err := ensureData(c.data, c.download, dl)
	if err != nil {
		return nil, err
	}
	data, err := loadMNIST(paths)
	if err != nil {
		return nil, err
	}
	if c.batch > data.Train.Len() {
		return nil, &usageError{fmt.Sprintf("-batch %d: larger than the %d training images", c.batch, data.Train.Len())}
	}
	if c.explain >= data.Test.Len() {
		return nil, &usageError{fmt.Sprintf("-explain %d: there are %d test images, numbered from 0", c.explain, data.Test.Len())}
	}
	return data, nil
}

// settings lists the run's settings for report.html and -save.
func settings(c *config, net *Network, data *MNIST) [][2]string {
	s := [][2]string{
		{"network", joinInts(net.Sizes, "-") + ", sigmoid units"},
		{"data", fmt.Sprintf("%s: %d training, %d evaluation, %d test images", c.data, data.Train.Len(), data.Eval.Len(), data.Test.Len())},
		{"epochs", strconv.Itoa(c.epochs)},
		{"mini-batch B", strconv.Itoa(c.batch)},
		{"learning rate η", fmt.Sprintf("%g, shrinking %g%% after each epoch", c.lr, 100*c.etaDecay)},
		{"L2 regularization λ", fmt.Sprintf("%g", c.lambda)},
		{"seed", strconv.FormatUint(c.seed, 10)},
	}
	if c.load != "" {
		s = append(s, [2]string{"started from", c.load})
	}
	return s
}

// reportRunOf fills reportRun (report_net.go), what report.html says about the run as a whole.
func reportRunOf(c *config, data *MNIST) *reportRun {
	return &reportRun{Title: c.title, Author: c.author, Started: time.Now(), Settings: c.trainSettings,
		Data:    fmt.Sprintf("%s, %d training, %d evaluation and %d test images", c.data, data.Train.Len(), data.Eval.Len(), data.Test.Len()),
		Loaded:  c.load,
		Trainer: "Trained by this program's functions: the course's forward and backward passes (network.go, backprop.go), run by its engine (fast_passes.go, train.go), which gives the same numbers, bit for bit."}
}

// sgdOf is the SGD step the flags ask for, on a training set of n images: η of the first epoch
// (beginEpoch sets each epoch's), λ, and n, which scales λ.
func sgdOf(c *config, n int) SGD {
	return SGD{Eta: c.lr, Lambda: c.lambda, N: n}
}

// session is one training run under way: what it trains on and what it has done so far.
type session struct {
	c        *config
	data     *MNIST
	net      *Network
	tr       *trainer
	stdout   io.Writer
	settings [][2]string
	run      *reportRun // what report.html says about the run as a whole

	// writing is held while files are written to -out or -save, so that quitting at a second
	// Ctrl-C waits for the file under way (signals.go).
	writing *sync.Mutex
	sig     *interrupts // the command line's signals, which finish moves through their phases; nil in the lab

	// The shuffling of the training images: its random stream, and the order of the epoch
	// under way (see newShuffle).
	rng   *rand.Rand
	order []int

	underway    bool      // an epoch is begun and not yet ended
	began       time.Time // when the command line began training, for the time left (zero in the lab)
	hist        []epochStats
	before      int // the epochs net had been trained before (a -load file's; −1: it does not say)
	interrupted int // the epoch during which Ctrl-C came, if it did
	trainSecs   float64
	evalSecs    float64
	reportSecs  float64
}

// newSession prepares a run of c's settings on data, training net (which it changes), printing
// to stdout, and writing files under the writing lock. Call close when done.
func newSession(c *config, data *MNIST, net *Network, stdout io.Writer, writing *sync.Mutex) *session {
	r := &session{c: c, data: data, net: net, stdout: stdout, settings: settings(c, net, data),
		run: reportRunOf(c, data), writing: writing}
	r.tr = newTrainer(net, sgdOf(c, data.Train.Len()), c.batch, c.workers, data.Train.Len())
	return r
}

// close lets the trainer's workers go.
func (r *session) close() { r.tr.close() }

// write runs a function that writes files, holding the writing lock.
func (r *session) write(files func() error) error {
	if r.c.browser {
		return nil // no file system in a browser: the page shows what the files would
	}
	r.writing.Lock()
	defer r.writing.Unlock()
	return files()
}

// trainEpochs runs the epochs: shuffle, train, check, evaluate, print, write the report.
func (r *session) trainEpochs() error {
	for e := 1; e <= r.c.epochs; e++ {
		r.beginEpoch()
		t0 := time.Now()
		for !r.tr.step() && !r.tr.stop.Load() {
		}
		secs := time.Since(t0).Seconds()
		if r.tr.stop.Load() {
			r.interrupted = e // the part of an epoch is left out of the history
			return nil
		}
		if e == r.c.epochs && r.sig != nil {
			// The last mini-batch is done: no "finishing the mini-batch" from here on; a first
			// Ctrl-C stops the evaluations that remain (signals.go).
			r.sig.graceful(r.writing, func() { r.tr.cut.Store(true) }, evalNotice)
		}
		if _, err := r.endEpoch(secs, nil); errors.Is(err, errCut) {
			r.interrupted = e // Ctrl-C came during the epoch's evaluation, which stopped short
			return nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

// evalNotice is what a first Ctrl-C says once training has ended, while the evaluations run.
const evalNotice = "mnist: interrupted: stopping the evaluation under way (interrupt again to quit at once)"

// errCut ends an epoch whose evaluation a Ctrl-C cut short (interrupt): it counts as interrupted.
var errCut = errors.New("the evaluation was cut short")

// interrupt is what a first Ctrl-C does while the command line trains (signals.go): the epoch
// ends after the mini-batch under way, and an evaluation under way after its piece (train.go).
func (r *session) interrupt() {
	r.tr.stop.Store(true)
	r.tr.cut.Store(true)
}

// newShuffle starts the shuffling anew: the images in their file order and a random stream
// from the seed. The stream is the shuffling's own, so that it does not depend on the
// network's size, and the same seed shuffles the same way whatever the layers.
func (r *session) newShuffle() {
	r.rng = rand.New(rand.NewPCG(r.c.seed, shuffleStream))
	r.order = sequence(r.data.Train.Len())
}

// beginEpoch starts the next epoch, e = len(r.hist) + 1: its η, a new order of the training
// images, and its first mini-batch (train.go). The command line then takes every step of it;
// the lab (lab.go) takes them as the page asks, through step.
func (r *session) beginEpoch() {
	if r.rng == nil {
		r.newShuffle()
	}
	r.tr.sgd.Eta = r.eta(len(r.hist) + 1)
	r.rng.Shuffle(len(r.order), func(i, j int) { r.order[i], r.order[j] = r.order[j], r.order[i] })
	r.tr.begin(r.data.Train, r.order)
	r.underway = true
}

// inEpoch says whether an epoch is under way: begun, and not yet ended.
func (r *session) inEpoch() bool { return r.underway }

// step trains the next mini-batch of the epoch under way. It says whether that was the epoch's
// last, and gives the mean loss L over the mini-batch's images, from its forward pass (before
// its step): the growth of the epoch's loss sum, over the batch's size.
func (r *session) step() (last bool, batchLoss float64) {
	sum, k := r.tr.lossSum, r.tr.k
	last = r.tr.step()
	size := min(len(r.order), (k+1)*r.c.batch) - k*r.c.batch
	return last, (r.tr.lossSum - sum) / float64(size)
}

// eta is η of epoch e: η_e = η·(1 − decay)^(e−1), shrinking a little after each epoch.
func (r *session) eta(e int) float64 {
	return r.c.lr * math.Pow(1-r.c.etaDecay, float64(e-1))
}

// nextSGD is the step the next mini-batch will take: that of the epoch under way, or of the next
// epoch between two.
func (r *session) nextSGD() SGD {
	sgd := r.tr.sgd
	if !r.underway {
		sgd.Eta = r.eta(len(r.hist) + 1)
	}
	return sgd
}

// epochs is the number of epochs finished.
func (r *session) epochs() int { return len(r.hist) }

// history returns the epochs finished so far; appending to it does not change the session's.
func (r *session) history() []epochStats { return r.hist[:len(r.hist):len(r.hist)] }

// progress is where the epoch under way stands: mini-batches done and in an epoch, and the
// running mean of the loss and the accuracy over the images trained on so far in it (ok is
// false before the first mini-batch, or once the loss is no longer finite).
func (r *session) progress() (done, batches int, loss, acc float64, ok bool) {
	batches = (r.data.Train.Len() + r.c.batch - 1) / r.c.batch
	if !r.underway || r.tr.k == 0 {
		return 0, batches, 0, 0, false
	}
	seen := float64(min(r.tr.k*r.c.batch, r.data.Train.Len()))
	loss, acc = r.tr.lossSum/seen, float64(r.tr.hits)/seen
	return r.tr.k, batches, loss, acc, !math.IsNaN(loss) && !math.IsInf(loss, 0)
}

// diverged says what went wrong if training has diverged, or "" if it has not.
func (r *session) diverged() string { return divergence(r.net, r.tr.lossSum) }

// evaluate runs the forward pass on every image of d; pred, if not nil, gets each prediction.
func (r *session) evaluate(d Dataset, pred []byte) Score { return r.tr.evaluate(d, pred) }

// endEpoch finishes the epoch whose last mini-batch is done, which took secs of training: it
// checks that training has not diverged, evaluates, prints the epoch's line and writes the
// report files. If evalPred is not nil it receives the predicted digit of every evaluation image.
func (r *session) endEpoch(secs float64, evalPred []byte) (epochStats, error) {
	c, stdout, e := r.c, r.stdout, len(r.hist)+1
	r.underway = false
	if bad := r.diverged(); bad != "" {
		kept := fmt.Sprintf("the files in %s are those of epoch %d, and report.html says it diverged", c.out, e-1)
		if e == 1 {
			kept = "no epoch finished, so no files were written"
		} else {
			note := r.note()
			note.Diverged = fmt.Sprintf("training diverged in epoch %d, %s; %s", e, bad, r.advice())
			if err := r.write(func() error { return writeStoppedReport(c.out, r.run, r.hist, r.net.Sizes, note) }); err != nil {
				return epochStats{}, err
			}
		}
		return epochStats{}, fmt.Errorf("training diverged in epoch %d: %s; %s (%s)", e, bad, r.advice(), kept)
	}
	t1 := time.Now()
	ev := r.tr.evaluate(r.data.Eval, evalPred)
	if !r.tr.evaluated() {
		return epochStats{}, errCut
	}
	r.trainSecs, r.evalSecs = r.trainSecs+secs, r.evalSecs+time.Since(t1).Seconds()
	n := float64(len(r.order))
	s := epochStats{Epoch: e, TrainLoss: r.tr.lossSum / n, TrainAcc: float64(r.tr.hits) / n,
		EvalLoss: ev.Loss, EvalAcc: ev.Acc(), Seconds: secs}
	r.hist = append(r.hist, s)
	// The line ends with the seconds of the training pass, the last field (bench/compare.sh reads
	// it); before them, on the command line, the time since training began and an estimate of
	// the time left, from the mean epoch so far. The last epoch's line has none left, and the
	// line after it gives the whole time.
	timing := ""
	if !r.began.IsZero() && e < c.epochs {
		elapsed := time.Since(r.began)
		left := time.Duration(float64(elapsed) / float64(e) * float64(c.epochs-e))
		timing = fmt.Sprintf("elapsed %s, left %s  ", shortDuration(elapsed), shortDuration(left))
	}
	fmt.Fprintln(stdout, epochText(c.epochs, s, timing)) // report.go
	t2 := time.Now()
	if err := r.write(func() error { return writeReport(c.out, r.run, r.hist, r.net, nil, r.note()) }); err != nil {
		return s, err
	}
	r.reportSecs += time.Since(t2).Seconds()
	return s, nil
}

// reset goes back to epoch 0 with the weights and biases of start, as when the run began.
func (r *session) reset(start *Network) {
	start.copyInto(r.net)
	r.hist, r.rng, r.order, r.interrupted, r.underway = nil, nil, nil, 0, false
	r.trainSecs, r.evalSecs, r.reportSecs = 0, 0, 0
	r.tr.sgd.Eta = r.c.lr
}

// finish touches the test set, once, and reports: the final report files, -save, -predict,
// -explain, the confusion matrix, and last the test accuracy.
func (r *session) finish(start time.Time, loadSecs float64) error {
	c, stdout, data, net, hist := r.c, r.stdout, r.data, r.net, r.hist
	pred := make([]byte, data.Test.Len())
	t1 := time.Now()
	// The test set's evaluation: a first Ctrl-C during it cuts it short (signals.go); after one
	// that came before (interrupting training, or in the last epoch's report), it is cut short
	// once it has taken finishEval.
	r.tr.cut.Store(false)
	if r.interrupted > 0 || (r.sig != nil && r.sig.interrupted()) {
		timer := time.AfterFunc(finishEval, func() { r.tr.cut.Store(true) })
		defer timer.Stop()
	} else if r.sig != nil {
		r.sig.graceful(r.writing, func() { r.tr.cut.Store(true) }, evalNotice)
	}
	test := r.tr.evaluate(data.Test, pred)
	if !r.tr.evaluated() {
		return r.unscored()
	}
	if r.sig != nil && r.interrupted == 0 {
		r.sig.ending(r.writing) // the work has ended: a signal now changes nothing but a second quits
	}
	testSecs := time.Since(t1).Seconds()
	if n := float64(len(hist)); n > 0 {
		fmt.Fprintf(stdout, "time: data %.2fs; training %.1fs, %.3fs an epoch; evaluation %.4fs an epoch (%d images); "+
			"test %.4fs; report files %.2fs; total %.1fs\n", loadSecs, r.trainSecs, r.trainSecs/n, r.evalSecs/n,
			data.Eval.Len(), testSecs, r.reportSecs, time.Since(start).Seconds())
	}
	result := &testResult{Score: test, Confusion: confusionOf(data.Test.Labels, pred),
		Mistakes: findMistakes(net, data.Test, pred, 48), Interrupted: r.interrupted > 0,
		Example: derivationOf(net, data.Test, max(0, c.explain))} // -explain's image, or the first
	if c.epochs > 0 { // a run that does not train leaves -out as it was
		if err := r.write(func() error { return writeReport(c.out, r.run, hist, net, result, r.note()) }); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote history.csv, loss.svg, accuracy.svg, weights.png and report.html to %s\n", c.out)
	}
	if c.save != "" {
		if err := r.save(&test); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "saved the network to %s\n", c.save)
	}
	if c.predict != "" {
		pixels, err := readDigit(c.predict)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout)
		printPrediction(stdout, c.predict, pixels, classify(net, pixels))
	}
	if c.explain >= 0 {
		fmt.Fprintln(stdout)
		explain(stdout, net, r.tr.sgd, data.Test.image(c.explain), data.Test.Labels[c.explain], fmt.Sprintf("test image %d", c.explain))
		fmt.Fprintln(stdout)
	}
	result.Confusion.print(stdout)
	if r.sig != nil && r.sig.interrupted() && r.interrupted == 0 { // a Ctrl-C just as the evaluation ended
		fmt.Fprintf(stdout, "test accuracy: %.4f (%d/%d)\n", test.Acc(), test.Hits, test.N)
		return errInterrupted
	}
	if r.interrupted > 0 {
		fmt.Fprintf(stdout, "interrupted in epoch %d of %d: the test accuracy is that of the network after %d full epochs and part of one\n",
			r.interrupted, c.epochs, r.interrupted-1)
		fmt.Fprintf(stdout, "test accuracy: %.4f (%d/%d), interrupted\n", test.Acc(), test.Hits, test.N)
		return errInterrupted
	}
	fmt.Fprintf(stdout, "test accuracy: %.4f (%d/%d)\n", test.Acc(), test.Hits, test.N)
	return nil
}

// finishEval is the longest the test set's evaluation may take after a Ctrl-C has interrupted
// training: the course's network takes hundredths of a second (docs/speed.md: 0.026–0.038 s for
// 20,000 images on an AMD EPYC with 2 CPUs); a network of 4000-unit layers, minutes.
const finishEval = 2 * time.Second

// unscored ends a run whose test set's evaluation a Ctrl-C cut short: the report files are those
// of the last epoch, and -save, if asked, keeps the network trained, without a test score.
func (r *session) unscored() error {
	c, stdout := r.c, r.stdout
	if c.save != "" && (len(r.hist) > 0 || r.interrupted > 0) {
		if err := r.save(nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "saved the network to %s, not scored on the test set\n", c.save)
	}
	fmt.Fprintf(stdout, "interrupted: the test set's evaluation was cut short, so the run has no test accuracy; %s\n", r.kept())
	return errInterrupted
}

// kept says what the -out folder holds after the epochs so far.
func (r *session) kept() string {
	if len(r.hist) == 0 || r.c.epochs == 0 {
		return "no report was written"
	}
	return fmt.Sprintf("the report in %s is that of epoch %d", r.c.out, len(r.hist))
}

// stopReport rewrites report.html, when the lab is stopped, to say so: the page the last epoch
// wrote says the run is under way. Only report.html: the other files are those of that epoch.
func (r *session) stopReport() error {
	if len(r.hist) == 0 {
		return nil // no epoch finished since the lab began or was reset: this run wrote no page
	}
	note := r.note()
	note.Stopped = fmt.Sprintf("the lab was stopped (Ctrl-C or SIGTERM) after epoch %d", len(r.hist))
	return r.write(func() error { return writeStoppedReport(r.c.out, r.run, r.hist, r.net.Sizes, note) })
}

// saveNow writes -save as the network stands, scored on the test set: the lab's end. An epoch
// under way is recorded as an interruption.
func (r *session) saveNow() error {
	if r.underway {
		r.interrupted = len(r.hist) + 1 // saved partway through an epoch
	}
	test := r.tr.evaluate(r.data.Test, nil)
	return r.save(&test)
}

// save writes the network to -save with the run's settings and results: the epochs trained,
// the last evaluation and the test score (none if test is nil: not scored).
func (r *session) save(test *Score) error {
	saved, results := r.savedParts(test)
	return r.write(func() error { return saveOrRescue(r.c.save, r.c.out, r.net, saved, results) }) // rescue.go
}

// savedParts are the settings and results that -save writes beside the network (save).
func (r *session) savedParts(test *Score) (map[string]string, map[string]any) {
	saved := map[string]string{}
	for _, kv := range r.settings {
		saved[kv[0]] = kv[1]
	}
	// Interrupted: during an epoch, or in the test set's evaluation (cut short, or not quite).
	interrupted := r.interrupted > 0 || test == nil || (r.sig != nil && r.sig.interrupted())
	results := map[string]any{"interrupted": interrupted}
	if r.before >= 0 { // a count that says nothing of the epochs before is not written
		results["epochs_trained"] = r.before + len(r.hist)
	}
	if test != nil {
		results["test_accuracy"], results["test_loss"] = test.Acc(), test.Loss
	}
	if len(r.hist) > 0 {
		results["eval_accuracy"], results["eval_loss"] = r.hist[len(r.hist)-1].EvalAcc, r.hist[len(r.hist)-1].EvalLoss
	}
	return saved, results
}

// note is what report.html says about the run as it now stands.
func (r *session) note() runNote {
	return runNote{Epochs: r.c.epochs, Written: time.Now(), Interrupted: r.interrupted}
}

// advice says which setting to change after a divergence (divergenceAdvice in diverge.go).
func (r *session) advice() string {
	return divergenceAdvice(r.c.lr, r.c.lambda, float64(r.tr.sgd.N))
}
