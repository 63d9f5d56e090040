// main.go is the command line: the flags, what they may be, and run, which hands the work to
// the session (session.go), the lab (lab.go) or a prediction (predict.go).
//
// The course's math is not here: read network.go (the layers, σ, the forward pass, the loss),
// then backprop.go (the backward pass, the SGD step and trainBatch, one mini-batch in the order
// of the notes), then matrix.go (the products as plain loops). The files named fast_*.go, and
// train.go and parallel.go, run the same arithmetic faster and share it between cores, proved
// equal to those bit for bit: a reader of the course may skip them.
//
//	go run .                          train 784-20-10 for 100 epochs on ./data, downloading it
//	go run . -data DIR -epochs 5 -hidden 100,30
//	go run . -serve localhost:8080    the lab instead (lab.go): a page to draw a digit on and
//	                                  watch the passes and the training
//	go run . -exercise DIR            write the course's assignment into DIR (exercise.go)
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
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
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
	exercise string // write the course's assignment into this folder instead (exercise.go)
}

// The default settings, chosen on the evaluation set (docs/defaults.md).
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
	fs.StringVar(&c.exercise, "exercise", "", "write the assignment, this program with the math to write and its checks, into the new or empty folder `DIR`")
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
	if c.exercise != "" && fs.NFlag() > 1 {
		return nil, &usageError{"-exercise: takes no other flag; it only writes the exercise's files"}
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
	if c.load == "" {
		sizes := append(append([]int{imageSize}, c.hidden...), numDigits)
		workers := c.workers // run caps it at one per CPU
		if workers > runtime.NumCPU() {
			workers = runtime.NumCPU()
		}
		if err := checkMemory("-hidden "+*hidden, sizes, c.batch, workers); err != nil {
			return nil, &usageError{err.Error()}
		}
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
	if n := runtime.NumCPU(); c.workers > n {
		// The numbers are the same for any count (train.go); workers beyond the cores would only
		// wait for each other, spinning, and make each mini-batch many times slower.
		fmt.Fprintf(stderr, "mnist: note: -workers %d on %d CPUs: using %d, one per CPU (the results do not depend on it)\n", c.workers, n, n)
		c.workers = n
	}
	switch {
	case c.exercise != "":
		err = writeExercise(c.exercise, stdout) // needs no data set
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
