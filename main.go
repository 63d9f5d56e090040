// main.go is the command line: the flags, the training loop over epochs, and the report lines.
//
//	go run .                       train 784-20-10 for 100 epochs on ./data, downloading it
//	go run . -data ../shared/mnist -epochs 5 -hidden 100,30
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
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
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
}

// The default settings, chosen on the evaluation set (README.md, "How the defaults were chosen").
const (
	defaultEpochs = 100
	defaultBatch  = 10
	defaultLR     = 0.5
	defaultDecay  = 0.03
	defaultLambda = 5.0
)

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
	fs.IntVar(&c.workers, "workers", runtime.NumCPU(), "goroutines sharing the work (changes only the speed)")
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
	case c.workers < 1:
		return nil, &usageError{fmt.Sprintf("-workers %d: must be 1 or more", c.workers)}
	case c.data == "":
		return nil, &usageError{"-data: must name a folder"}
	case c.out == "":
		return nil, &usageError{"-out: must name a folder"}
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
	if err := train(c, stdout); err != nil {
		fmt.Fprintf(stderr, "mnist: %v\n", err)
		return 1
	}
	return 0
}

// train loads the data, trains, and reports.
func train(c *config, stdout io.Writer) error {
	start := time.Now()
	paths, err := ensureData(c.data, c.download, newDownloader(stdout))
	if err != nil {
		return err
	}
	data, err := loadMNIST(paths)
	if err != nil {
		return err
	}
	if err := checkWritable(c.out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "data: %d training, %d evaluation, %d test images from %s (%.2fs)\n",
		data.Train.Len(), data.Eval.Len(), data.Test.Len(), c.data, time.Since(start).Seconds())

	sizes := append(append([]int{imageSize}, c.hidden...), numDigits)
	net := newNetwork(sizes, c.seed)
	sgd := SGD{Eta: c.lr, Lambda: c.lambda, N: data.Train.Len()}
	tr := newTrainer(net, sgd, c.batch, c.workers, data.Train.Len())
	defer tr.close()
	fmt.Fprintf(stdout, "network %s, batch %d, η %g shrinking %g%% an epoch, λ %g, seed %d, %d workers\n",
		joinInts(sizes, "-"), c.batch, c.lr, 100*c.decay, c.lambda, c.seed, c.workers)
	settings := [][2]string{
		{"network", joinInts(sizes, "-") + ", sigmoid units"},
		{"data", fmt.Sprintf("%s: %d training, %d evaluation, %d test images", c.data, data.Train.Len(), data.Eval.Len(), data.Test.Len())},
		{"epochs", strconv.Itoa(c.epochs)},
		{"mini-batch B", strconv.Itoa(c.batch)},
		{"learning rate η", fmt.Sprintf("%g, shrinking %g%% after each epoch", c.lr, 100*c.decay)},
		{"L2 weight decay λ", fmt.Sprintf("%g", c.lambda)},
		{"seed", strconv.FormatUint(c.seed, 10)},
	}

	// The shuffling has a random stream of its own, so that it does not depend on the network's
	// size, and the same seed shuffles the same way whatever the layers.
	rng := rand.New(rand.NewPCG(c.seed, 0x73687566666c65)) // stream id: "shuffle"
	order := make([]int, data.Train.Len())
	for i := range order {
		order[i] = i
	}
	width := len(strconv.Itoa(c.epochs))
	loadSecs := time.Since(start).Seconds()
	var hist []epochStats
	var trainSecs, evalSecs float64
	for e := 1; e <= c.epochs; e++ {
		tr.sgd.Eta = c.lr * math.Pow(1-c.decay, float64(e-1)) // η of this epoch
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		t0 := time.Now()
		lossSum, hits := tr.epoch(data.Train, order)
		secs := time.Since(t0).Seconds()
		t1 := time.Now()
		ev := tr.evaluate(data.Eval, nil)
		trainSecs, evalSecs = trainSecs+secs, evalSecs+time.Since(t1).Seconds()
		s := epochStats{Epoch: e, TrainLoss: lossSum / float64(len(order)), TrainAcc: float64(hits) / float64(len(order)),
			EvalLoss: ev.Loss, EvalAcc: ev.Acc(), Seconds: secs}
		hist = append(hist, s)
		fmt.Fprintf(stdout, "epoch %*d/%d  train loss %.4f acc %.4f  eval loss %.4f acc %.4f  %.3fs\n",
			width, e, c.epochs, s.TrainLoss, s.TrainAcc, s.EvalLoss, s.EvalAcc, s.Seconds)
		if err := writeReport(c.out, settings, hist, net, nil); err != nil {
			return err
		}
	}

	// The test set, once: accuracy, confusion matrix, mistakes.
	pred := make([]byte, data.Test.Len())
	t1 := time.Now()
	test := tr.evaluate(data.Test, pred)
	testSecs := time.Since(t1).Seconds()
	if c.epochs > 0 {
		fmt.Fprintf(stdout, "time: data %.2fs; training %.1fs, %.3fs an epoch; evaluation %.4fs an epoch (10000 images); test %.4fs; total %.1fs\n",
			loadSecs, trainSecs, trainSecs/float64(c.epochs), evalSecs/float64(c.epochs), testSecs, time.Since(start).Seconds())
	}
	result := &testResult{Score: test, Confusion: confusionOf(data.Test.Labels, pred),
		Mistakes: findMistakes(net, data.Test, pred, 48)}
	if err := writeReport(c.out, settings, hist, net, result); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote history.csv, loss.svg, accuracy.svg, weights.png and report.html to %s\n", c.out)
	result.Confusion.print(stdout)
	fmt.Fprintf(stdout, "test accuracy: %.4f (%d/%d)\n", test.Acc(), test.Hits, test.N)
	return nil
}

// epochStats is one epoch's line of the report.
type epochStats struct {
	Epoch                                  int
	TrainLoss, TrainAcc, EvalLoss, EvalAcc float64
	Seconds                                float64
}

// joinInts writes 784, 20, 10 as "784-20-10".
func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, sep)
}
