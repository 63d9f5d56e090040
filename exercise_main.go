//go:build ignore

// main.go trains the network with your functions, the course's way (plain_train.go), with the
// program's defaults, and prints what the program prints: a line an epoch, then the test
// accuracy. go run . -data DIR, where DIR holds the four MNIST files (MNIST_DIR, when set, is
// the default); go run . -help lists the flags. The training flags, their defaults and the
// values each may take are the program's own (settings.go): a value the program refuses is
// refused here too, before anything is loaded.
//
// (In the program's source this file is exercise_main.go, which -exercise writes into the
// exercise as main.go; the build constraint on its first line keeps it out of the program.)

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole of go run .; it returns the exit status: 2 for a bad flag, 1 for a data
// problem, 0 when the training ran.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("go run .", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // an error is said in one line, below
	var s trainSettings
	hidden := defineTrainFlags(fs, &s) // settings.go: the program's flags, defaults and bounds
	data := fs.String("data", os.Getenv("MNIST_DIR"), "folder of the four MNIST files (default: $MNIST_DIR)")
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, "go run . trains the network with your functions; its flags:")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return 0
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	if err == nil {
		err = s.check(*hidden)
	}
	if err == nil {
		err = checkMemory("-hidden "+*hidden, s.sizes(), s.batch, 1, 0) // memory.go
	}
	if err == nil && *data == "" {
		err = errors.New("-data: name the folder of the four MNIST files (or set MNIST_DIR)")
	}
	if err != nil {
		fmt.Fprintf(stderr, "main: %v (go run . -help lists the flags)\n", err)
		return 2
	}
	paths, missing := findFiles(*data)
	if len(missing) > 0 {
		fmt.Fprintf(stderr, "main: -data %s: missing %s\n", *data, strings.Join(missing, ", "))
		return 1
	}
	m, err := loadMNIST(paths)
	if err != nil {
		fmt.Fprintf(stderr, "main: %v\n", err)
		return 1
	}
	net := newNetwork(s.sizes(), s.seed)
	fmt.Fprintf(stdout, "training %v with your functions, the course's way: %d epochs, batch %d, η %g, λ %g\n", s.hidden, s.epochs, s.batch, s.lr, s.lambda)
	trainPlain(net, m, s, stdout, stderr)
	return 0
}
