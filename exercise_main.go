//go:build ignore

// main.go trains the network with your functions, the course's way (plain_train.go), with the
// program's defaults, and prints what the program prints: a line an epoch, then the test
// accuracy. It writes the program's report from your run into -out (default out): history.csv,
// the two charts (loss.svg, accuracy.svg), weights.png and report.html, rewritten after every
// epoch (report.go), whose derivation's numbers come from your functions. go run . -data DIR,
// where DIR holds the four MNIST files (MNIST_DIR, when set, is the default); go run . -help
// lists the flags. The flags, their defaults and the values each may take are the program's own
// (settings.go): a value the program refuses is refused here too, before anything is loaded.
// While a step's function is still its stub, it trains nothing and names that step
// (stillAStub): go test says what each step needs.
//
// (In the program's source this file is exercise_main.go, which -exercise writes into the
// exercise as main.go; the build constraint on its first line keeps it out of the program.)

package main

import (
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole of go run .; it returns the exit status: 2 for a bad flag, 1 for a data
// problem, 0 when the training ran.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("go run .", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // an error is said in one line, after fs.Parse
	var s trainSettings
	var rs reportSettings
	hidden := defineTrainFlags(fs, &s) // settings.go: the program's flags, defaults and bounds
	defineReportFlags(fs, &rs)         // -out, -title, -author, as the program's
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
		err = rs.check()
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
	if stub := stillAStub(s.lambda); stub != "" {
		fmt.Fprintf(stderr, "main: %s; go test says what each step needs, and training waits until they are written\n", stub)
		return 1
	}
	paths, missing := findFiles(*data)
	if len(missing) > 0 {
		fmt.Fprintf(stderr, "main: -data %s: missing %s\n", *data, strings.Join(missing, ", "))
		return 1
	}
	if s.epochs > 0 { // a run that trains writes its report: the folder must take files (paths.go)
		if err := readyToWrite(rs.out, "", stderr); err != nil {
			fmt.Fprintf(stderr, "main: %v\n", err)
			return 1
		}
	}
	start := time.Now()
	m, err := loadMNIST(paths)
	if err != nil {
		fmt.Fprintf(stderr, "main: %v\n", err)
		return 1
	}
	net := newNetwork(s.sizes(), s.seed)
	epochs := fmt.Sprintf("%d epochs", s.epochs)
	if s.epochs == 1 {
		epochs = "1 epoch"
	}
	fmt.Fprintf(stdout, "training %v with your functions, the course's way: %s, batch %d, η %g, λ %g\n", s.hidden, epochs, s.batch, s.lr, s.lambda)
	if s.epochs == 0 {
		trainPlain(net, m, s, stdout, stderr, nil, nil) // no epoch: nothing to diverge
		return 0
	}
	fmt.Fprintf(stdout, "reports: %s, rewritten after every epoch\n", filepath.Join(rs.out, "report.html"))
	run := &reportRun{Title: rs.title, Author: rs.author, Started: start, Settings: s, Trainer: yourFunctions(),
		Data: fmt.Sprintf("%s, %d training, %d evaluation and %d test images", *data, m.Train.Len(), m.Eval.Len(), m.Test.Len())}
	var hist []epochStats
	var failed error // the first report that could not be written: the run goes on, and says so at its end
	report := func(test *testResult) {
		if failed == nil {
			failed = writeReport(rs.out, run, hist, net, test, runNote{Epochs: s.epochs, Written: time.Now()}) // report.go
		}
	}
	pred := make([]byte, m.Test.Len())
	_, test, err := trainPlain(net, m, s, stdout, stderr, func(plain []plainEpoch) {
		e := plain[len(plain)-1]
		hist = append(hist, epochStats{Epoch: len(plain), TrainLoss: e.TrainLoss, TrainAcc: e.TrainAcc,
			EvalLoss: e.Eval.Loss, EvalAcc: e.Eval.Acc(), Seconds: e.Seconds})
		report(nil)
	}, pred)
	if err != nil { // diverged (diverge.go): the report, if an epoch wrote one, stays that epoch's
		kept := fmt.Sprintf("the files in %s are those of epoch %d", rs.out, len(hist))
		if len(hist) == 0 {
			kept = "no epoch finished, so no files were written"
		}
		fmt.Fprintf(stderr, "main: %v (%s)\n", err, kept)
		return 1
	}
	report(&testResult{Score: test, Confusion: confusionOf(m.Test.Labels, pred), Mistakes: findMistakes(net, m.Test, pred, 48),
		Example: derivationOf(net, m.Test, 0)})
	if failed != nil {
		fmt.Fprintf(stderr, "main: %v\n", failed)
		return 1
	}
	return 0
}

// stillAStub names the first step, in the order of EXERCISE.md, whose function still does what
// its stub does: returns 0 or leaves its outputs as they were, on one small input where the
// written step cannot (a run on the stubs would train for minutes to a test accuracy of 0.098).
// It says nothing of whether a written step is right: go test does. Step 9 matters only when
// the run's λ is not 0; step 7, the gradient check, has no function.
func stillAStub(lambda float64) string {
	one := func(v float64) Matrix { return Matrix{Rows: 1, Cols: 1, Data: []float64{v}} }
	notYet := func(step int, what string) string {
		return fmt.Sprintf("step %d (%s) is not written yet: %s, as its stub does", step, exerciseSteps()[step-1].Func(), what)
	}
	if sigmoid(0) == 0 {
		return notYet(1, "sigmoid(0) gives 0, not ½")
	}
	a, s := one(0), one(0)
	if layerForward(Layer{W: one(1), B: []float64{1}}, one(1), a, s); a.Data[0] == 0 {
		return notYet(2, "layerForward leaves a = W·x + b at 0 for W = x = b = 1")
	}
	if sigmoidPrimeFromSigma(0.5) == 0 {
		return notYet(3, "sigmoidPrimeFromSigma(½) gives 0, not ¼")
	}
	yhat := Matrix{Rows: 1, Cols: numDigits, Data: make([]float64, numDigits)}
	delta := Matrix{Rows: 1, Cols: numDigits, Data: make([]float64, numDigits)}
	if outputDelta(delta, yhat, []byte{0}); delta.Data[0] == 0 {
		return notYet(4, "outputDelta leaves δ at 0 for ŷ = 0 and the label 0")
	}
	d := one(0)
	if hiddenDelta(d, one(1), one(1), one(0.5)); d.Data[0] == 0 {
		return notYet(5, "hiddenDelta leaves δ at 0 for W = δ above = 1 and σ(a) = ½")
	}
	gW, gb := one(0), []float64{0}
	if layerGradients(gW, gb, one(1), one(1)); gW.Data[0] == 0 && gb[0] == 0 {
		return notYet(6, "layerGradients leaves the sums at 0 for δ = x = 1")
	}
	layer := Layer{W: one(1), B: []float64{1}}
	if (SGD{Eta: 0.5, N: 1}).step(layer, one(1), []float64{1}, 1); layer.W.Data[0] == 1 && layer.B[0] == 1 {
		return notYet(8, "SGD.step leaves W and b as they were for gradients of 1")
	}
	layer = Layer{W: one(1), B: []float64{1}}
	if (SGD{Eta: 0.5, Lambda: 1, N: 10}).shrinkWeights(layer); lambda != 0 && layer.W.Data[0] == 1 {
		return notYet(9, "SGD.shrinkWeights leaves W as it was for λ = 1 (or train with -lambda 0)")
	}
	return ""
}

// yourFunctions is the report's sentence on whose functions trained the network: the
// exercise's, written by you, step by step (exercise_steps.go).
func yourFunctions() template.HTML {
	var funcs []string
	for i, st := range exerciseSteps() {
		if st.Name != "" {
			funcs = append(funcs, fmt.Sprintf("%s (step %d)", st.Func(), i+1))
		}
	}
	return template.HTML(template.HTMLEscapeString("Trained by the exercise's functions, the bodies the learner wrote for the steps of EXERCISE.md: " +
		strings.Join(funcs, ", ") + "; trained the course's way, one mini-batch after the other (plain_train.go)."))
}
