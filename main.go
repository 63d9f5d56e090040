// main.go is the command line: the flags, the training loop over epochs, and the report lines.
//
//	go run .                          train 784-20-10 for 100 epochs on ./data, downloading it
//	go run . -data DIR -epochs 5 -hidden 100,30
//	go run . -serve localhost:8080    the lab instead (lab.go): a page to draw a digit on and
//	                                  watch the passes and the training
//
// Each epoch shuffles the training set, trains on it in mini-batches (train.go), and prints one
// line: the training loss and accuracy as running means over the epoch's mini-batches, the same
// on the evaluation set, and the seconds of the training pass alone. The test set is touched once,
// at the end; the last line of standard output is its accuracy. Errors go to standard error as
// one line: exit status 2 for a bad flag, 1 for a data or file problem.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	// Nearly all the memory is the data set, 55 MB of bytes that live for the whole run, while
	// the report makes a few MB of garbage an epoch. Go's default lets the heap grow to twice
	// the live data before collecting; 20% keeps a run near 80 MB instead of 140. The images
	// hold no pointers, so collecting often costs almost nothing.
	debug.SetGCPercent(20)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// config is everything the flags set.
type config struct {
	data     string
	download bool
	hidden   []int
	epochs   int
	batch    int
	lr       float64
	decay    float64
	lambda   float64
	seed     uint64
	out      string
	workers  int
	mirror   string
	save     string // write the trained network here
	load     string // start from this saved network
	predict  string // classify the digit in this image
	explain  int    // print the passes of this test image (−1: none)
	serve    string // start the lab (lab.go) listening on this address instead of training here
}

// The default settings, chosen on the evaluation set (README.md, "How the defaults were chosen").
const (
	defaultEpochs = 100
	defaultBatch  = 10
	defaultLR     = 0.5
	defaultDecay  = 0.03
	defaultLambda = 5.0
)

// maxWorkers bounds -workers: more goroutines than this only wait for each other.
const maxWorkers = 256

// usageError is a problem with the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// parseFlags reads the command line into a config.
func parseFlags(args []string, stdout io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("mnist", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported as one line by run
	fs.StringVar(&c.data, "data", "data", "folder of the four MNIST files (.gz or not)")
	fs.BoolVar(&c.download, "download", true, "download missing files from the public mirrors")
	hidden := fs.String("hidden", "20", "sizes of the hidden layers, comma-separated (\"100,30\": two)")
	fs.IntVar(&c.epochs, "epochs", defaultEpochs, "passes over the training set")
	fs.IntVar(&c.batch, "batch", defaultBatch, "mini-batch size B")
	fs.Float64Var(&c.lr, "lr", defaultLR, "learning rate η")
	fs.Float64Var(&c.decay, "decay", defaultDecay, "fraction by which η shrinks after each epoch (0: constant η)")
	fs.Float64Var(&c.lambda, "lambda", defaultLambda, "L2 weight decay λ, as in Nielsen's network2 (0: none)")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed for the initial weights and the shuffling")
	fs.StringVar(&c.out, "out", "out", "folder for the files the run writes")
	fs.IntVar(&c.workers, "workers", 0, "goroutines sharing the work (changes only the speed); 0: 1 or one per CPU, whichever is faster, timed each epoch")
	fs.StringVar(&c.mirror, "mirror", "", "download missing files from this URL prefix instead of the public mirrors")
	fs.StringVar(&c.save, "save", "", "after training, save the network to this JSON `file`")
	fs.StringVar(&c.load, "load", "", "start from the network saved in this JSON `file` (with -epochs 0: evaluate only)")
	fs.StringVar(&c.predict, "predict", "", "classify the digit in this PNG or JPEG `image`")
	fs.IntVar(&c.explain, "explain", -1, "print the forward and backward pass of test image `N` with its numbers")
	fs.StringVar(&c.serve, "serve", "", "start the lab, a page to draw digits and watch the passes and training, on `ADDR` (localhost:8080)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: go run . [flags]")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return nil, err
		}
		return nil, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return nil, &usageError{fmt.Sprintf("unexpected argument %q (flags start with -)", fs.Arg(0))}
	}
	if c.load != "" {
		hiddenSet := false
		fs.Visit(func(f *flag.Flag) { hiddenSet = hiddenSet || f.Name == "hidden" })
		if hiddenSet {
			return nil, &usageError{"-hidden: not with -load, whose network has its own sizes"}
		}
	}
	var err error
	if c.hidden, err = parseHidden(*hidden); err != nil {
		return nil, err
	}
	switch {
	case c.epochs < 0:
		return nil, &usageError{fmt.Sprintf("-epochs %d: must be 0 or more", c.epochs)}
	case c.batch < 1:
		return nil, &usageError{fmt.Sprintf("-batch %d: must be 1 or more", c.batch)}
	case !(c.lr > 0) || math.IsInf(c.lr, 0):
		return nil, &usageError{fmt.Sprintf("-lr %v: must be a positive number", c.lr)}
	case !(c.decay >= 0 && c.decay < 1):
		return nil, &usageError{fmt.Sprintf("-decay %v: must be at least 0 and below 1", c.decay)}
	case !(c.lambda >= 0) || math.IsInf(c.lambda, 0):
		return nil, &usageError{fmt.Sprintf("-lambda %v: must be 0 or a positive number", c.lambda)}
	case c.workers < 0 || c.workers > maxWorkers:
		return nil, &usageError{fmt.Sprintf("-workers %d: must be from 0 (choose) to %d", c.workers, maxWorkers)}
	case c.data == "":
		return nil, &usageError{"-data: must name a folder"}
	case c.out == "":
		return nil, &usageError{"-out: must name a folder"}
	case c.explain < -1:
		return nil, &usageError{fmt.Sprintf("-explain %d: must be the number of a test image, 0 or more", c.explain)}
	}
	if c.serve != "" {
		if _, _, err := net.SplitHostPort(c.serve); err != nil {
			return nil, &usageError{fmt.Sprintf("-serve %q: want HOST:PORT, like localhost:8080 (port 0 picks a free one)", c.serve)}
		}
		if c.predict != "" || c.explain >= 0 {
			return nil, &usageError{"-serve: not with -predict or -explain; the lab's page does both"}
		}
	}
	return c, nil
}

// parseHidden reads a list of hidden-layer sizes such as "20" or "100,30".
func parseHidden(s string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1<<16 {
			return nil, &usageError{fmt.Sprintf("-hidden %q: want sizes from 1 to 65536 separated by commas, like 20 or 100,30", s)}
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// run is the whole program; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stdout)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "mnist: %v (go run . -help lists the flags)\n", err)
		return 2
	}
	switch {
	case c.serve != "":
		err = serve(c, stdout, stderr)
	case c.load != "" && c.epochs == 0 && c.predict != "" && c.explain < 0:
		err = predictOnly(c, stdout) // needs no data set
	default:
		err = train(c, stdout, stderr)
	}
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errInterrupted):
		return 130 // as a shell reports a program ended by Ctrl-C
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "mnist: %v (go run . -help lists the flags)\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "mnist: %v\n", err)
	return 1
}

// errInterrupted ends a run stopped by Ctrl-C or SIGTERM, after its report is written.
var errInterrupted = errors.New("interrupted")

// train loads the data, trains, and reports.
func train(c *config, stdout, stderr io.Writer) error {
	start := time.Now()
	data, net, err := prepare(c, stdout)
	if err != nil {
		return err
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
		joinInts(net.Sizes, "-"), c.batch, c.lr, 100*c.decay, c.lambda, c.seed, workers)

	r := &session{c: c, data: data, net: net, stdout: stdout, settings: settings(c, net, data)}
	r.tr = newTrainer(net, SGD{Eta: c.lr, Lambda: c.lambda, N: data.Train.Len()}, c.batch, c.workers, data.Train.Len())
	defer r.tr.close()
	defer catchInterrupts(r.tr, &r.writing, stderr)()

	if err := r.trainEpochs(); err != nil {
		return err
	}
	return r.finish(start, loadSecs)
}

// prepare reads the data (downloading what is missing), checks the flags that depend on it, and
// makes the network: loaded, or new from the seed.
func prepare(c *config, stdout io.Writer) (*MNIST, *Network, error) {
	data, err := loadData(c, stdout)
	if err != nil {
		return nil, nil, err
	}
	net, err := makeNetwork(c)
	if err != nil {
		return nil, nil, err
	}
	return data, net, nil
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

// makeNetwork returns the -load network, or a new one from -hidden and -seed, once it has checked
// that -out can be written.
func makeNetwork(c *config) (*Network, error) {
	var net *Network
	if c.load != "" {
		var err error
		if net, err = loadModel(c.load); err != nil {
			return nil, err
		}
	} else {
		net = newNetwork(append(append([]int{imageSize}, c.hidden...), numDigits), c.seed)
	}
	if err := checkWritable(c.out); err != nil {
		return nil, err
	}
	removeTempFiles(c.out) // left by an earlier run that was killed while writing
	return net, nil
}

// settings lists the run's settings for report.html and -save.
func settings(c *config, net *Network, data *MNIST) [][2]string {
	s := [][2]string{
		{"network", joinInts(net.Sizes, "-") + ", sigmoid units"},
		{"data", fmt.Sprintf("%s: %d training, %d evaluation, %d test images", c.data, data.Train.Len(), data.Eval.Len(), data.Test.Len())},
		{"epochs", strconv.Itoa(c.epochs)},
		{"mini-batch B", strconv.Itoa(c.batch)},
		{"learning rate η", fmt.Sprintf("%g, shrinking %g%% after each epoch", c.lr, 100*c.decay)},
		{"L2 weight decay λ", fmt.Sprintf("%g", c.lambda)},
		{"seed", strconv.FormatUint(c.seed, 10)},
	}
	if c.load != "" {
		s = append(s, [2]string{"started from", c.load})
	}
	return s
}

// catchInterrupts makes Ctrl-C or SIGTERM stop training after the mini-batch under way, so that
// the run can write and report what there is. A second one quits at once, but first takes the
// writing lock: a file being written (a few milliseconds) is finished and renamed into place,
// and no other is begun, so no temporary file is left behind. It returns the function that ends
// the catching.
func catchInterrupts(tr *trainer, writing *sync.Mutex, stderr io.Writer) (done func()) {
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	finished := make(chan struct{})
	go func() {
		select {
		case <-signals:
			tr.stop.Store(true)
			fmt.Fprintln(stderr, "mnist: interrupted: finishing the current mini-batch and writing the report (interrupt again to quit at once)")
		case <-finished:
			return
		}
		select {
		case <-signals:
			fmt.Fprintln(stderr, "mnist: interrupted twice: quitting")
			writing.Lock() // held until the exit: no write starts after this
			os.Exit(130)
		case <-finished:
		}
	}()
	return func() { signal.Stop(signals); close(finished) }
}

// session is one training run under way: what it trains on and what it has done so far.
type session struct {
	c        *config
	data     *MNIST
	net      *Network
	tr       *trainer
	stdout   io.Writer
	settings [][2]string

	// writing is held while files are written to -out, so that quitting at a second Ctrl-C
	// waits for the file under way (see catchInterrupts).
	writing sync.Mutex

	// The shuffling of the training images: its random stream, and the order of the epoch
	// under way (see newShuffle).
	rng   *rand.Rand
	order []int

	hist        []epochStats
	interrupted int // the epoch during which Ctrl-C came, if it did
	trainSecs   float64
	evalSecs    float64
	reportSecs  float64
}

// write runs a function that writes files, holding the writing lock.
func (r *session) write(files func() error) error {
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
		if _, err := r.endEpoch(secs, nil); err != nil {
			return err
		}
	}
	return nil
}

// newShuffle starts the shuffling anew: the images in their file order and a random stream
// from the seed. The stream is the shuffling's own, so that it does not depend on the
// network's size, and the same seed shuffles the same way whatever the layers.
func (r *session) newShuffle() {
	r.rng = rand.New(rand.NewPCG(r.c.seed, 0x73687566666c65)) // stream id: "shuffle"
	r.order = make([]int, r.data.Train.Len())
	for i := range r.order {
		r.order[i] = i
	}
}

// beginEpoch starts the next epoch, e = len(r.hist) + 1: its η, a new order of the training
// images, and its first mini-batch (train.go). The command line then takes every step of it;
// the lab (lab.go) takes them as the page asks.
func (r *session) beginEpoch() {
	if r.rng == nil {
		r.newShuffle()
	}
	r.tr.sgd.Eta = r.eta(len(r.hist) + 1)
	r.rng.Shuffle(len(r.order), func(i, j int) { r.order[i], r.order[j] = r.order[j], r.order[i] })
	r.tr.begin(r.data.Train, r.order)
}

// eta is η of epoch e: η_e = η·(1 − decay)^(e−1), shrinking a little after each epoch.
func (r *session) eta(e int) float64 {
	return r.c.lr * math.Pow(1-r.c.decay, float64(e-1))
}

// endEpoch finishes the epoch whose last mini-batch is done, which took secs of training: it
// checks that training has not diverged, evaluates, prints the epoch's line and writes the
// report files. If evalPred is not nil it receives the predicted digit of every evaluation image.
func (r *session) endEpoch(secs float64, evalPred []byte) (epochStats, error) {
	c, stdout, e := r.c, r.stdout, len(r.hist)+1
	if bad := divergence(r.net, r.tr.lossSum); bad != "" {
		kept := fmt.Sprintf("the files in %s are those of epoch %d", c.out, e-1)
		if e == 1 {
			kept = "no epoch finished, so no files were written"
		}
		return epochStats{}, fmt.Errorf("training diverged in epoch %d: %s; try a smaller learning rate than -lr %g (%s)", e, bad, c.lr, kept)
	}
	t1 := time.Now()
	ev := r.tr.evaluate(r.data.Eval, evalPred)
	r.trainSecs, r.evalSecs = r.trainSecs+secs, r.evalSecs+time.Since(t1).Seconds()
	n := float64(len(r.order))
	s := epochStats{Epoch: e, TrainLoss: r.tr.lossSum / n, TrainAcc: float64(r.tr.hits) / n,
		EvalLoss: ev.Loss, EvalAcc: ev.Acc(), Seconds: secs}
	r.hist = append(r.hist, s)
	fmt.Fprintf(stdout, "epoch %*d/%d  train loss %s acc %.4f  eval loss %s acc %.4f  %.3fs\n",
		len(strconv.Itoa(c.epochs)), e, c.epochs, lossString(s.TrainLoss), s.TrainAcc, lossString(s.EvalLoss), s.EvalAcc, s.Seconds)
	t2 := time.Now()
	if err := r.write(func() error { return writeReport(c.out, r.settings, r.hist, r.net, nil) }); err != nil {
		return s, err
	}
	r.reportSecs += time.Since(t2).Seconds()
	return s, nil
}

// finish touches the test set, once, and reports: the final report files, -save, -predict,
// -explain, the confusion matrix, and last the test accuracy.
func (r *session) finish(start time.Time, loadSecs float64) error {
	c, stdout, data, net, hist := r.c, r.stdout, r.data, r.net, r.hist
	pred := make([]byte, data.Test.Len())
	t1 := time.Now()
	test := r.tr.evaluate(data.Test, pred)
	testSecs := time.Since(t1).Seconds()
	if n := float64(len(hist)); n > 0 {
		fmt.Fprintf(stdout, "time: data %.2fs; training %.1fs, %.3fs an epoch; evaluation %.4fs an epoch (%d images); "+
			"test %.4fs; report files %.2fs; total %.1fs\n", loadSecs, r.trainSecs, r.trainSecs/n, r.evalSecs/n,
			data.Eval.Len(), testSecs, r.reportSecs, time.Since(start).Seconds())
	}
	result := &testResult{Score: test, Confusion: confusionOf(data.Test.Labels, pred),
		Mistakes: findMistakes(net, data.Test, pred, 48), Interrupted: r.interrupted > 0}
	if err := r.write(func() error { return writeReport(c.out, r.settings, hist, net, result) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote history.csv, loss.svg, accuracy.svg, weights.png and report.html to %s\n", c.out)
	if c.save != "" {
		if err := r.save(test); err != nil {
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
		explain(stdout, net, SGD{Eta: r.tr.sgd.Eta, Lambda: c.lambda, N: data.Train.Len()},
			data.Test.image(c.explain), data.Test.Labels[c.explain], fmt.Sprintf("test image %d", c.explain))
		fmt.Fprintln(stdout)
	}
	result.Confusion.print(stdout)
	if r.interrupted > 0 {
		fmt.Fprintf(stdout, "interrupted in epoch %d of %d: the test accuracy is that of the network after %d full epochs and part of one\n",
			r.interrupted, c.epochs, r.interrupted-1)
		fmt.Fprintf(stdout, "test accuracy: %.4f (%d/%d), interrupted\n", test.Acc(), test.Hits, test.N)
		return errInterrupted
	}
	fmt.Fprintf(stdout, "test accuracy: %.4f (%d/%d)\n", test.Acc(), test.Hits, test.N)
	return nil
}

// save writes the network to -save with the run's settings and results: the epochs trained,
// the last evaluation and the test score.
func (r *session) save(test Score) error {
	saved := map[string]string{}
	for _, kv := range r.settings {
		saved[kv[0]] = kv[1]
	}
	results := map[string]any{"epochs_trained": len(r.hist), "test_accuracy": test.Acc(), "test_loss": test.Loss, "interrupted": r.interrupted > 0}
	if len(r.hist) > 0 {
		results["eval_accuracy"], results["eval_loss"] = r.hist[len(r.hist)-1].EvalAcc, r.hist[len(r.hist)-1].EvalLoss
	}
	return r.write(func() error { return saveModel(r.c.save, r.net, saved, results) })
}

// predictOnly classifies the -predict image with the -load network, without any data set.
func predictOnly(c *config, stdout io.Writer) error {
	net, err := loadModel(c.load)
	if err != nil {
		return err
	}
	pixels, err := readDigit(c.predict)
	if err != nil {
		return err
	}
	printPrediction(stdout, c.predict, pixels, classify(net, pixels))
	return nil
}

// lossString prints a loss with four decimals, or in exponent form once it is so large that
// training is running away (and would print hundreds of digits).
func lossString(v float64) string {
	if math.Abs(v) < 1e6 {
		return fmt.Sprintf("%.4f", v)
	}
	return fmt.Sprintf("%.3e", v)
}

// divergence says what went wrong if training has diverged: a loss or a weight that is no longer
// a finite number. The loss, computed stably from a, stays finite even for a huge η; it is the
// weights that overflow first (-lr 1e308).
func divergence(net *Network, lossSum float64) string {
	for l, layer := range net.Layers {
		if v, bad := layer.nonFinite(); bad {
			return fmt.Sprintf("a weight of layer %d became %v", l+1, v)
		}
	}
	if math.IsNaN(lossSum) || math.IsInf(lossSum, 0) {
		return fmt.Sprintf("the training loss became %v", lossSum)
	}
	return ""
}
