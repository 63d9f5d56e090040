// settings.go holds the settings of a training run: the network's hidden sizes, the epochs, the
// mini-batch size B, η and its decay, λ and the seed; their defaults, their flags and the values
// each may take; and those of its report (-out, -title, -author). It is the one source of them:
// the program's command line (main.go) and the exercise's main (exercise_main.go, which
// -exercise writes into the exercise as main.go, with this file beside it) both define their
// flags with defineTrainFlags and defineReportFlags and check them with check, so a learner's
// run refuses exactly what the program refuses, with the same words.

package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// trainSettings are the settings of a training run, as the flags set them.
type trainSettings struct {
	hidden   []int   // the sizes of the hidden layers, from -hidden
	epochs   int     // passes over the training set
	batch    int     // B, the mini-batch size
	lr       float64 // η of the first epoch
	etaDecay float64 // η shrinks by this fraction after each epoch: η_e = η·(1 − etaDecay)^(e−1)
	lambda   float64 // λ of the L2 regularization (0: none)
	seed     uint64  // of the initial weights and the shuffling
}

// The default settings, chosen on the evaluation set (docs/defaults.md).
const (
	defaultHidden   = "20"
	defaultEpochs   = 100
	defaultBatch    = 10
	defaultLR       = 0.5
	defaultEtaDecay = 0.03
	defaultLambda   = 5.0
	defaultSeed     = 1
)

// maxHiddenUnits bounds each -hidden size: 65,536 units of 784 inputs are 51 million weights,
// 411 MB three times over (memory.go), the most a laptop should be asked for; memory.go's
// count refuses what the sizes and -batch need together.
const maxHiddenUnits = 1 << 16

// usageError is a problem with the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// defineTrainFlags defines the training flags on fs, with their defaults, into s; it returns
// the text of -hidden, which check reads into s.hidden.
func defineTrainFlags(fs *flag.FlagSet, s *trainSettings) *string {
	hidden := fs.String("hidden", defaultHidden, "sizes of the hidden layers, comma-separated (\"100,30\": two)")
	fs.IntVar(&s.epochs, "epochs", defaultEpochs, "passes over the training set; 0: none, only evaluate")
	fs.IntVar(&s.batch, "batch", defaultBatch, "mini-batch size B")
	fs.Float64Var(&s.lr, "lr", defaultLR, "learning rate η")
	fs.Float64Var(&s.etaDecay, "decay", defaultEtaDecay, "fraction by which η shrinks after each epoch (0: constant η)")
	fs.Float64Var(&s.lambda, "lambda", defaultLambda, "L2 regularization λ, as in Nielsen's network2 (0: none)")
	fs.Uint64Var(&s.seed, "seed", defaultSeed, "random seed for the initial weights and the shuffling")
	return hidden
}

// check reads hiddenText into s.hidden and refuses, as a *usageError naming the flag, any
// setting outside what it may be. A NaN fails every comparison, so each test is written as what
// the value must be, negated: NaN is refused with the rest.
func (s *trainSettings) check(hiddenText string) error {
	var err error
	if s.hidden, err = parseHidden(hiddenText); err != nil {
		return err
	}
	switch {
	case s.epochs < 0:
		return &usageError{fmt.Sprintf("-epochs %d: must be 0 or more", s.epochs)}
	case s.batch < 1:
		return &usageError{fmt.Sprintf("-batch %d: must be 1 or more", s.batch)}
	case !(s.lr > 0) || math.IsInf(s.lr, 0):
		return &usageError{fmt.Sprintf("-lr %v: must be a positive number", s.lr)}
	case !(s.etaDecay >= 0 && s.etaDecay < 1):
		return &usageError{fmt.Sprintf("-decay %v: must be at least 0 and below 1", s.etaDecay)}
	case !(s.lambda >= 0) || math.IsInf(s.lambda, 0):
		return &usageError{fmt.Sprintf("-lambda %v: must be 0 or a positive number", s.lambda)}
	}
	return nil
}

// sizes is the network the settings train: 784 inputs, the hidden layers, 10 outputs.
func (s *trainSettings) sizes() []int {
	return append(append([]int{imageSize}, s.hidden...), numDigits)
}

// parseHidden reads a list of hidden-layer sizes such as "20" or "100,30": at most maxLayers−1
// of them, the output layer being the last of maxLayers (memory.go).
func parseHidden(text string) ([]int, error) {
	var sizes []int
	fields := strings.Split(text, ",")
	if len(fields) > maxLayers-1 {
		return nil, &usageError{fmt.Sprintf("-hidden: %d hidden layers, more than the %d this program runs", len(fields), maxLayers-1)}
	}
	for _, f := range fields {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxHiddenUnits {
			return nil, &usageError{fmt.Sprintf("-hidden %q: want sizes from 1 to %d separated by commas, like 20 or 100,30", text, maxHiddenUnits)}
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// reportSettings are the settings of what a run writes: the -out folder and the title block of
// report.html (report.go). The program and the exercise's main define them with
// defineReportFlags, so that a learner's report is written as the program's is.
type reportSettings struct {
	out    string // the folder of history.csv, the charts and report.html
	title  string // the report's title
	author string // its author, "" for none
}

// defaultTitle is the report's title when -title is not given.
const defaultTitle = "MNIST, a sigmoid network trained by backpropagation"

// maxTitle bounds -title and -author, in characters: a title block, not a text.
const maxTitle = 200

// defineReportFlags defines -out, -title and -author on fs, into r.
func defineReportFlags(fs *flag.FlagSet, r *reportSettings) {
	fs.StringVar(&r.out, "out", "out", "folder for the report files of a run that trains (report.html, history.csv, charts)")
	fs.StringVar(&r.title, "title", defaultTitle, "title on top of report.html")
	fs.StringVar(&r.author, "author", "", "author named under the report's title, with the date of the run")
}

// check refuses an empty -out and a -title or -author that is too long or holds a control
// character (a newline, an escape), as a *usageError naming the flag.
func (r *reportSettings) check() error {
	if r.out == "" {
		return &usageError{"-out: must name a folder"}
	}
	for _, f := range []struct{ name, value string }{{"-title", r.title}, {"-author", r.author}} {
		if n := len([]rune(f.value)); n > maxTitle {
			return &usageError{fmt.Sprintf("%s: %d characters; at most %d", f.name, n, maxTitle)}
		}
		if strings.IndexFunc(f.value, unicode.IsControl) >= 0 {
			return &usageError{fmt.Sprintf("%s %q: holds a control character; give one line of text", f.name, f.value)}
		}
	}
	return nil
}
