// steps_test.go checks the math of the course one step at a time, in the order of EXERCISE.md:
// σ(a), the forward pass of a layer, σ'(a), δ of the output layer, δ of a hidden layer, the
// gradients, a gradient check against finite differences, and the SGD step. Each step's
// function is called directly, on fixed inputs written out in its check in this file, and what it leaves is compared
// with stored numbers: the finished program's results on those inputs, bit for bit. So a step
// is checked on its own, and a mistake in one cannot fail another.
//
// The one file serves twice. In the project it is an ordinary test: every step of the real code
// must give the stored numbers exactly, so a dropped factor, a lost term or a flipped sign in any
// of these functions fails here, with or without MNIST_DIR. In the exercise (the program's
// -exercise DIR writes it) the same file, with learnerMode set, is the learner's guide: it
// prints one line per step and explains each step that is not done (not written yet, or what
// went in, what came out, what was expected, the relative error and, where the pattern is plain,
// what the mistake looks like), and never ends in a stack trace: a run-time error in the
// learner's code is caught and reported with its line. Each step is a subtest, TestSteps/N, that
// fails while the step is not done, so go test -json tells a script what the lines tell the
// learner. Each check runs twice, with several goroutines allowed to run (a data race shows as
// two answers), and in the exercise under a deadline (a loop is reported; the other steps go on).
//
// The expected values are stored numbers, not a second implementation: the file must not hand
// the learner the answers' code. Where a step has a formula simple enough to work out by hand
// (the SGD step), the comment beside the numbers does so; σ's 4,096 answers are stored as two
// hashes. To store the numbers of new inputs, STEPS_RECORD=1 go test -run TestSteps -v prints
// what the real code gives for every check.

package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// learnerMode is true in the exercise's copy of this file (-exercise sets it): the checks then
// talk to the learner on standard output instead of reporting as the project's tests.
const learnerMode = false

// TestSteps runs every step's check, each as a subtest named by the step's number alone
// (go test -run TestSteps/5), and ends with how many are done. In the project every step must
// pass bit for bit. In the exercise the output is the learner's guide, and each step's subtest
// also fails when its step is wrong, not written, waiting or did not finish, so that a script
// reading go test -json learns per step what the text says (TestSteps/1 fails while step 1 is
// not done).
func TestSteps(t *testing.T) {
	steps := exerciseSteps()
	outs := stepOutcomes(steps)
	done := 0
	for i, s := range steps {
		n, out := i+1, outs[i]
		if out.state == stepOK || out.state == stepInexact {
			done++
		}
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			var b bytes.Buffer
			writeStep(&b, n, s, out)
			if *stepHint > 0 {
				writeHint(&b, n, s, *stepHint)
			}
			switch {
			case learnerMode:
				fmt.Print(b.String())
				if out.state != stepOK && out.state != stepInexact {
					t.Fail() // said in the step's lines (b), in the learner's words; go test -json marks the step failed
				}
			case out.state != stepOK:
				t.Errorf("a step of the math gives other numbers than the stored ones:\n%s", b.String())
			default:
				t.Log("\n" + b.String())
			}
		})
	}
	if !learnerMode {
		return
	}
	fmt.Print("\n" + stepsSummary(steps, outs))
	if done < len(steps) {
		fmt.Println(". `go test -run TestSteps/N -args -hint 1` gives a hint for step N (2: the loops, 3: a body).")
		fmt.Println("(go test lists the steps not done as --- FAIL: TestSteps/N.)")
		t.Fail()
		return
	}
	inexact := []int(nil)
	for i, out := range outs {
		if out.state == stepInexact {
			inexact = append(inexact, i+1)
		}
	}
	if len(inexact) == 0 {
		fmt.Println(", bit for bit: your functions compute exactly what the finished program does.")
	} else {
		fmt.Printf(". Step %s: right to within 1e-10 but not bit for bit (its lines say why). Training works the same,\n"+
			"but the last digits of its numbers differ from the finished program's.\n", joinStepNumbers(inexact))
	}
	fmt.Println("Now train with your own functions, 100 epochs:")
	fmt.Println("    go run . -data ../path/to/mnist    (a folder with the four MNIST files, or set MNIST_DIR)")
	fmt.Println("With the defaults the finished program ends `test accuracy: 0.9627 (9627/10000)`; yours ends the same,")
	fmt.Println("bit for bit, when each formula is written in the notes' order. A reordering of the same sum shifts the")
	fmt.Println("last bits and the result by a few images: that is floating-point arithmetic, not a bug.")
}

// stepsSummary counts the functions written and right, and says where the gradient check is,
// which has nothing to write: "3 of 8 functions done; the gradient check (step 7) waits".
func stepsSummary(steps []exerciseStep, outs []stepOutcome) string {
	funcs, done, check := 0, 0, ""
	for i, s := range steps {
		ok := outs[i].state == stepOK || outs[i].state == stepInexact
		switch {
		case s.Name != "":
			funcs++
			if ok {
				done++
			}
		case ok:
			check = fmt.Sprintf("the gradient check (step %d) passes", i+1)
		case outs[i].state == stepWaiting:
			check = fmt.Sprintf("the gradient check (step %d) waits for step %d", i+1, outs[i].waitFor)
		default:
			check = fmt.Sprintf("the gradient check (step %d) does not pass", i+1)
		}
	}
	if check == "" {
		return fmt.Sprintf("%d of %d functions done", done, funcs)
	}
	if done == funcs && !strings.HasSuffix(check, "passes") {
		return fmt.Sprintf("%d of %d functions done, but %s", done, funcs, check)
	}
	return fmt.Sprintf("%d of %d functions done, and %s", done, funcs, check)
}

// stepHint is the level of hint asked for: go test -run TestSteps/5 -args -hint 2.
var stepHint = flag.Int("hint", 0, "print a hint for the steps run: 1 where the equation is, 2 the shape of the loops, 3 a body that computes it")

// joinStepNumbers writes 2, 5 and 8 as "2, 5, 8".
func joinStepNumbers(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// stepOutcomes checks every step, in order: a step whose check calls the function of an
// earlier step that is not done waits for it; a step still a stub is not written yet.
func stepOutcomes(steps []exerciseStep) []stepOutcome {
	src, srcErr := stepSources(steps)
	outs := make([]stepOutcome, len(steps))
	for i, s := range steps {
		where := src[s.Func()].loc
		if srcErr == nil && s.Name != "" && src[s.Func()].stub {
			outs[i] = stepOutcome{state: stepNotWritten, where: where}
			continue
		}
		waiting := 0
		for _, d := range s.Needs {
			if st := outs[d-1].state; st != stepOK && st != stepInexact && waiting == 0 {
				waiting = d
			}
		}
		if waiting > 0 {
			outs[i] = stepOutcome{state: stepWaiting, waitFor: waiting, where: where}
			continue
		}
		outs[i] = runStepCheck(stepCheckOf(s.Func()))
		switch {
		case outs[i].goroutines > 0 && outs[i].state == stepInexact:
			outs[i].note = goroutineNote(outs[i].goroutines) // before any other cause: the order is the goroutines'
		case outs[i].goroutines > 0 && outs[i].state == stepWrong:
			outs[i].lines = append(outs[i].lines, goroutineNote(outs[i].goroutines))
		case outs[i].state == stepInexact && outs[i].note == "":
			outs[i].note = formNote
		}
		outs[i].where = where
	}
	return outs
}

// writeStep writes a step's line, and what explains it.
func writeStep(w io.Writer, n int, s exerciseStep, out stepOutcome) {
	line := func(status string) string {
		l := fmt.Sprintf("step %d  %s  %s", n, status, s.Eq)
		if s.Beyond {
			l += "  (beyond the course notes)"
		}
		if s.Name != "" {
			l += fmt.Sprintf("  (%s, %s)", s.Func(), out.where)
		}
		return l
	}
	switch out.state {
	case stepNotWritten:
		fmt.Fprintln(w, line("not written yet"))
		fmt.Fprintf(w, "        %s: write the body of %s at %s. EXERCISE.md, step %d, says more.\n", s.Title, s.Func(), out.where, n)
	case stepNotFinished:
		fmt.Fprintln(w, line(fmt.Sprintf("did not finish in %v", stepTimeLimit)))
		fmt.Fprintf(w, "        an endless loop? Check the bounds of its loops, and what each loop changes. The other steps go on.\n")
	case stepRace:
		fmt.Fprintln(w, line("not the same twice"))
		fmt.Fprintf(w, "        two runs of the check on the same inputs gave different numbers: goroutines that write the same\n"+
			"        numbers at once (a data race)? `go test -race -run 'TestSteps/%d$'` says where.\n", n)
	case stepWaiting:
		fmt.Fprintln(w, line(fmt.Sprintf("waiting for step %d", out.waitFor)))
		fmt.Fprintf(w, "        its check calls the function of step %d, which is not done yet.\n", out.waitFor)
	case stepOK, stepInexact:
		status := "ok"
		if out.state == stepInexact {
			status = "ok, but not bit for bit"
		}
		l := line(status)
		if out.note != "" {
			l += "\n        " + out.note
		}
		fmt.Fprintln(w, l)
	default:
		fmt.Fprintln(w, line("WRONG"))
		for _, l := range out.lines {
			fmt.Fprintf(w, "        %s\n", l)
		}
	}
}

// writeHint writes the hints of a step up to the given level.
func writeHint(w io.Writer, n int, s exerciseStep, level int) {
	fmt.Fprintf(w, "        hint 1: EXERCISE.md, step %d, and your course notes: %s.", n, s.Eq)
	if s.Name != "" {
		fmt.Fprintf(w, " The stub of %s says the shapes.", s.Func())
	}
	fmt.Fprintln(w)
	if level >= 2 && s.Loops != "" {
		fmt.Fprintf(w, "        hint 2: %s\n", strings.ReplaceAll(s.Loops, "\n", "\n                "))
	}
	if level >= 3 && s.Answer == "" && s.Name != "" {
		fmt.Fprintln(w, "        hint 3: none in this folder, which was handed out without answers; hint 2 is the last.")
	}
	if level >= 3 && s.Answer != "" {
		fmt.Fprintf(w, "        hint 3, a body for %s, plain loops in the notes' order:\n", s.Func())
		for _, l := range strings.Split(strings.Trim(s.Answer, "\n"), "\n") {
			fmt.Fprintf(w, "            %s\n", strings.ReplaceAll(strings.TrimPrefix(l, "\t"), "\t", "    "))
		}
	}
}

// Outcomes of a step.
const (
	stepOK          = iota // every value as stored, bit for bit
	stepInexact            // within 1e-10 of the stored values, but not bit for bit
	stepWrong              // a value differs, or the function stopped with a run-time error
	stepNotWritten         // the body is still the stub
	stepWaiting            // the check needs an earlier step that is not done
	stepNotFinished        // the check did not finish within stepTimeLimit (exercise only)
	stepRace               // two runs of the check on the same inputs gave different numbers
)

// stepOutcome is what the check of one step found; lines explain a wrong answer, note adds to
// the line of a step done.
type stepOutcome struct {
	state   int
	lines   []string
	note    string
	waitFor int          // the step waited for
	where   stepLocation // the step function's place
	bits    []uint64     // every number the learner's functions gave, in order: two runs must agree
	// goroutines is how many goroutines the learner's functions started (0 where Go cannot say)
	goroutines uint64
}

// stepCheckOf returns the check of a step function (Func of exerciseSteps, exercise_steps.go; "" is
// the gradient check).
func stepCheckOf(fn string) func() stepOutcome {
	switch fn {
	case "sigmoid":
		return checkSigmoid
	case "layerForward":
		return checkLayerForward
	case "sigmoidPrimeFromSigma":
		return checkSigmoidPrime
	case "outputDelta":
		return checkOutputDelta
	case "hiddenDelta":
		return checkHiddenDelta
	case "layerGradients":
		return checkLayerGradients
	case "":
		return checkGradients
	case "SGD.step":
		return checkSGDStep
	case "SGD.shrinkWeights":
		return checkShrinkWeights
	}
	return func() stepOutcome {
		return stepOutcome{state: stepWrong, lines: []string{"steps_test.go has no check for " + fn}}
	}
}

// stepTimeLimit bounds one step's check in the exercise, some thousand times what a check
// takes: a learner's endless loop is reported as such, and the other steps still get their
// verdicts, instead of the test binary's goroutine dump ten minutes later.
const stepTimeLimit = 5 * time.Second

// runStepCheck runs a step's check twice, with several goroutines allowed to run at once
// (GOMAXPROCS at least stepProcs): a function whose goroutines write the same numbers, a data
// race, tends to give other numbers on the second run, and is reported as such. In the exercise
// the runs go in a goroutine of their own and are given up after stepTimeLimit: a goroutine
// cannot be stopped, so a loop goes on spinning beside the other steps' checks (a step that
// calls the looping function waits for it) until the test binary exits. In the project the
// check runs as a plain call, with no deadline.
func runStepCheck(check func() stepOutcome) stepOutcome {
	if runtime.GOMAXPROCS(0) < stepProcs {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(stepProcs))
	}
	twice := func() stepOutcome {
		first := check()
		second := check()
		if first.state != second.state || first.note != second.note || !slices.Equal(first.lines, second.lines) || !slices.Equal(first.bits, second.bits) {
			return stepOutcome{state: stepRace}
		}
		return first
	}
	if !learnerMode {
		return twice()
	}
	result := make(chan stepOutcome, 1)
	go func() {
		var out stepOutcome
		if msg := catchRunError(func() { out = twice() }); msg != "" { // a panic outside the learner's call: still one line
			out = stepOutcome{state: stepWrong, lines: []string{msg}}
		}
		result <- out
	}()
	timer := time.NewTimer(stepTimeLimit)
	defer timer.Stop()
	select {
	case out := <-result:
		return out
	case <-timer.C:
		return stepOutcome{state: stepNotFinished}
	}
}

// stepProcs is the least number of goroutines the checks let run at once.
const stepProcs = 4

// stepSource is where a step function is, whether its body is still a stub, and the body.
type stepSource struct {
	loc  stepLocation
	stub bool
	body *ast.BlockStmt
}

// stepSources reads the package's Go files (not the tests) in the current folder, which is the
// package's while go test runs, to find each step function and see whether it is still a stub.
func stepSources(steps []exerciseStep) (map[string]stepSource, error) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		return nil, err
	}
	src := map[string]stepSource{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, sf := range stepFuncs(f, steps) {
			src[sf.step.Func()] = stepSource{stepLocation{name, fset.Position(sf.decl.Pos()).Line}, isStubBody(sf.decl.Body), sf.decl.Body}
		}
	}
	return src, nil
}

// isStubBody reports whether a body does nothing: no statements, or only returns of zero values.
func isStubBody(body *ast.BlockStmt) bool {
	for _, st := range body.List {
		ret, ok := st.(*ast.ReturnStmt)
		if !ok {
			return false
		}
		for _, r := range ret.Results {
			switch v := r.(type) {
			case *ast.BasicLit:
				if strings.Trim(v.Value, "0.") != "" {
					return false
				}
			case *ast.Ident:
				if v.Name != "nil" && v.Name != "false" {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

// ---------------------------------------------------------------------------------------------
// Comparing what a step returned with what it should have.

// stepSentinel fills the buffers a step writes before it runs: a value left there was not
// written, and a value that is the stored one plus stepSentinel was added to the buffer instead
// of set (as sums left over from the previous mini-batch would be).
const stepSentinel = 7.25

// stepComparison is one result of a step against its stored value.
type stepComparison struct {
	what       string    // the result, as the code names it
	rows, cols int       // its shape, for a matrix (rows = 0 for a list)
	got, want  []float64 // row by row
	B          int       // the mini-batch size, when a factor of B is a plausible slip
	sentinel   bool      // the buffer was filled with stepSentinel before the call
	diagnose   func(got []float64) string
}

// stepCheck gathers the calls and comparisons of one step; the first that fails ends it.
type stepCheck struct {
	inputs []string          // the inputs, as lines
	shapes map[string][2]int // the matrices handed to the function, by name: rows and columns
	out    stepOutcome
	done   bool // a comparison failed or a call stopped: nothing more is checked
	// callers: the check calls step functions already done through the module's own functions
	// (the gradient check), so a run-time error inside one is looked for at its call.
	callers bool
}

func newStepCheck() *stepCheck { return &stepCheck{out: stepOutcome{state: stepOK}} }

// call runs fn, a call of the learner's function, catching a run-time error.
func (c *stepCheck) call(fn func()) bool {
	if c.done {
		return false
	}
	before := goroutinesCreated()
	msg, call := catchRunErrorVia(fn, c.callers)
	c.out.goroutines += goroutinesCreated() - before
	if msg != "" {
		lines := append(append([]string{}, c.inputs...), msg)
		if call[0] != "" {
			lines = append(lines, fmt.Sprintf("diagnosis: %s passed its own check, on inputs of the shapes it is meant to get: look first at the call\n"+
				"        at %s, at the arguments it gives %s (the layer indices l, l+1, l−1; p.X or p.S[l−1]; which δ).", call[0], call[1], call[0]))
			c.fail(lines)
			return false
		}
		if strings.Contains(msg, "index out of range") {
			lines = append(lines, "diagnosis: an index past the end"+c.overflowed(msg)+
				": a loop over the wrong size, or a transposed index (W[j][k] is the weight from input k into unit j; W has a row per unit).")
		}
		c.fail(lines)
		return false
	}
	return true
}

// overflowed names the slices of the step's matrices whose length is the one in a run-time
// error "index out of range [i] with length n": a row (n columns), or the whole of m.Data.
func (c *stepCheck) overflowed(msg string) string {
	var n int
	i := strings.Index(msg, "with length ")
	if i < 0 {
		return ""
	}
	if _, err := fmt.Sscanf(msg[i:], "with length %d", &n); err != nil {
		return ""
	}
	var names []string
	for name, rc := range c.shapes {
		switch {
		case rc[0] > 1 && rc[1] == n:
			names = append(names, fmt.Sprintf("a row of %s (%d×%d)", name, rc[0], rc[1]))
		case rc[0]*rc[1] == n:
			names = append(names, fmt.Sprintf("%s (%d×%d, %d values)", name, rc[0], rc[1], n))
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf(" of a slice of length %d", n)
	}
	sort.Strings(names)
	return fmt.Sprintf(" of a slice of length %d, which is %s", n, strings.Join(names, " or "))
}

// fusedNote says why a step is right but not bit for bit when the probe shows fused
// multiply-adds.
const fusedNote = "your products were fused with their sums: on this computer (arm64, such as an Apple-silicon Mac, or amd64 built\n" +
	"        with GOAMD64=v3) the Go compiler turns s += w*x into one multiply-add that rounds once instead of twice. The numbers are\n" +
	"        right; the program's bits need each product rounded on its own: write s += float64(w*x), which the Go specification\n" +
	"        says forbids the fusion."

// The fusion probes run a step's function on inputs whose two products cancel exactly when
// each is rounded on its own, as the program rounds them: p = 0.1·0.3 rounded, and −p·1 + 0.1·0.3
// is 0. A fused multiply-add keeps the rounding error of 0.1·0.3 instead, which is not 0. Each
// reports whether the function's result shows it.
func probeP() (p, u, v float64) {
	u, v = 0.1, 0.3
	return u * v, u, v
}

func fusedForward() bool {
	p, u, v := probeP()
	a, s := newMatrix(1, 1), newMatrix(1, 1)
	return probe(func() float64 {
		layerForward(Layer{W: stepMatrix(1, 2, -p, u), B: []float64{0}}, stepMatrix(1, 2, 1, v), a, s)
		return a.Data[0]
	})
}

func fusedHidden() bool {
	p, u, v := probeP()
	d := newMatrix(1, 1)
	return probe(func() float64 {
		hiddenDelta(d, stepMatrix(2, 1, 1, v), stepMatrix(1, 2, -p, u), stepMatrix(1, 1, 0.5))
		return d.Data[0]
	})
}

func fusedGradients() bool {
	p, u, v := probeP()
	gW, gb := newMatrix(1, 1), []float64{0}
	return probe(func() float64 {
		layerGradients(gW, gb, stepMatrix(2, 1, -p, u), stepMatrix(2, 1, 1, v))
		return gW.Data[0]
	})
}

func fusedStep() bool {
	p, u, v := probeP()
	layer := Layer{W: stepMatrix(1, 1, p), B: []float64{0}}
	return probe(func() float64 {
		SGD{Eta: v, N: 1}.step(layer, stepMatrix(1, 1, u), []float64{0}, 1)
		return layer.W.Data[0]
	})
}

// probe runs fn and reports whether it returned a number that is not 0.
func probe(fn func() float64) (fused bool) {
	defer func() {
		if recover() != nil {
			fused = false
		}
	}()
	x := fn()
	return x != 0 && !math.IsNaN(x) && !math.IsInf(x, 0)
}

// record prints, with STEPS_RECORD set in the project, what the real code gives for a check
// whose stored values are not a list of numbers (the hashes of step 1).
func (c *stepCheck) record(what string, v []uint64) {
	if !learnerMode && os.Getenv("STEPS_RECORD") != "" {
		fmt.Printf("RECORD %s: %v\n", what, v)
	}
}

// fail ends the step as wrong with these lines.
func (c *stepCheck) fail(lines []string) {
	c.out, c.done = stepOutcome{state: stepWrong, lines: lines, bits: c.out.bits, goroutines: c.out.goroutines}, true
}

// goroutinesCreated is the number of goroutines the program has started so far, as
// runtime/metrics counts them since Go 1.26; 0 where it does not.
func goroutinesCreated() uint64 {
	sample := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

// goroutineNote says what goroutines started by the learner's function may do to its numbers.
func goroutineNote(n uint64) string {
	return fmt.Sprintf("your code started %d goroutines during the check. If two of them add into the same numbers, that is a\n"+
		"        data race: the sums come out in an order of their own, or lose terms, and may differ from run to run.\n"+
		"        `go test -race` says whether and where.", n)
}

// seen keeps the bits of numbers the learner's functions gave, for the second run to match.
func (c *stepCheck) seen(xs []float64) {
	for _, x := range xs {
		c.out.bits = append(c.out.bits, math.Float64bits(x))
	}
}

// compare checks one result.
func (c *stepCheck) compare(x stepComparison) bool {
	if c.done {
		return false
	}
	c.seen(x.got)
	rel := stepRelError(x.got, x.want)
	if !learnerMode && os.Getenv("STEPS_RECORD") != "" { // for new fixtures: print what the real code gives
		var v []string
		for _, g := range x.got {
			v = append(v, strconv.FormatFloat(g, 'g', -1, 64))
		}
		fmt.Printf("RECORD %s: {%s}\n", x.what, strings.Join(v, ", "))
		return true
	}
	if rel <= 1e-10 {
		if !stepSameBits(x.got, x.want) {
			c.out.state = stepInexact
		}
		return true
	}
	lines := append([]string{}, c.inputs...)
	lines = append(lines,
		fmt.Sprintf("got    %s = %s", x.what, showFloats(x.got, x.rows, x.cols, rel)),
		fmt.Sprintf("want   %s = %s", x.what, showFloats(x.want, x.rows, x.cols, rel)),
		fmt.Sprintf("relative error %.3g (largest over the values: |got − want| / max(|got|, |want|))", rel))
	d := ""
	if x.diagnose != nil {
		d = x.diagnose(x.got)
	}
	if d == "" {
		d = commonSlip(x)
	}
	if d != "" {
		lines = append(lines, "diagnosis: "+d)
	}
	c.fail(lines)
	return false
}

// commonSlip names the pattern of a wrong result when it is one of the usual ones.
func commonSlip(x stepComparison) string {
	got, want := x.got, x.want
	allZero, anyBad, sentinels := true, false, 0
	for i, g := range got {
		allZero = allZero && g == 0
		if (math.IsNaN(g) || math.IsInf(g, 0)) && !(math.IsNaN(want[i]) || math.IsInf(want[i], 0)) {
			anyBad = true
		}
		if x.sentinel && g == stepSentinel && want[i] != stepSentinel {
			sentinels++
		}
	}
	switch {
	case anyBad:
		return "NaN or ±Inf where a number is expected: an overflow (e^x of a large x), or 0/0."
	case allZero:
		return "all zeros: nothing was written where the check reads (" + x.what + ")."
	case sentinels == len(got):
		return fmt.Sprintf("nothing was written: every value is still the %v the check put there before the call.", stepSentinel)
	case sentinels > 0:
		return fmt.Sprintf("%d of the %d values were not written: they are still the %v the check put there before the call.", sentinels, len(got), stepSentinel)
	case x.sentinel && closeEach(got, want, func(w float64) float64 { return w + stepSentinel }):
		return fmt.Sprintf("added to what the buffer held (%v, put there by the check) instead of starting at 0: sums not cleared between mini-batches.", stepSentinel)
	case closeEach(got, want, func(w float64) float64 { return -w }):
		return "the sign is flipped: every value is minus the expected one."
	case x.B > 1 && closeEach(got, want, func(w float64) float64 { return w * float64(x.B) }):
		return fmt.Sprintf("off by a factor of B = %d: every value is B times the expected one.", x.B)
	case x.B > 1 && closeEach(got, want, func(w float64) float64 { return w / float64(x.B) }):
		return fmt.Sprintf("off by a factor of B = %d: every value is the expected one divided by B.", x.B)
	case x.rows > 1 && x.cols > 1 && isTransposed(got, want, x.rows, x.cols):
		return fmt.Sprintf("transposed: the values are right but written as a %d×%d matrix in a %d×%d one (row j of W holds the weights into unit j).", x.cols, x.rows, x.rows, x.cols)
	}
	if c, ok := constantFactor(got, want); ok {
		return fmt.Sprintf("off by a constant factor: every value is %.6g times the expected one.", c)
	}
	return ""
}

// closeEach reports whether got[i] is f(want[i]) for every i, to within 1e-9.
func closeEach(got, want []float64, f func(float64) float64) bool {
	for i := range got {
		if stepRelError([]float64{got[i]}, []float64{f(want[i])}) > 1e-9 {
			return false
		}
	}
	return len(got) > 0
}

// constantFactor reports whether got = c·want for one c ≠ 1.
func constantFactor(got, want []float64) (float64, bool) {
	c := math.NaN()
	for i := range got {
		if want[i] != 0 {
			c = got[i] / want[i]
			break
		}
	}
	if math.IsNaN(c) || math.IsInf(c, 0) || c == 0 || math.Abs(c-1) < 1e-9 {
		return 0, false
	}
	return c, closeEach(got, want, func(w float64) float64 { return c * w })
}

// isTransposed reports whether got, read as a cols×rows matrix, is want (rows×cols) transposed.
func isTransposed(got, want []float64, rows, cols int) bool {
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if stepRelError([]float64{got[j*rows+i]}, []float64{want[i*cols+j]}) > 1e-9 {
				return false
			}
		}
	}
	return true
}

// stepRelError is the largest relative error |g − w| / max(|g|, |w|) over the values; 0 for two
// zeros, +Inf where one is NaN or infinite and the other is not the same. The denominator is at
// least 10⁻⁶ of the largest value wanted, so that a sum that cancels to nearly 0 is not failed
// for the rounding of its terms.
func stepRelError(got, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	floor := 0.0 // a value next to 0 is compared with the size of the others: its rounding is theirs
	for _, w := range want {
		floor = math.Max(floor, 1e-6*math.Abs(w))
	}
	worst := 0.0
	for i, g := range got {
		w := want[i]
		if g == w || (math.IsNaN(g) && math.IsNaN(w)) {
			continue
		}
		d := math.Abs(g-w) / math.Max(math.Max(math.Abs(g), math.Abs(w)), floor)
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return math.Inf(1)
		}
		worst = math.Max(worst, d)
	}
	return worst
}

// stepSameBits reports whether two lists hold the same float64 values bit for bit.
func stepSameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// showFloats prints values as a list, or as the rows of a matrix, with enough digits to show
// a difference of relative size rel.
func showFloats(v []float64, rows, cols int, rel float64) string {
	digits := 6
	if rel < 1e-5 {
		digits = 17
	}
	one := func(v []float64) string {
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = fmt.Sprintf("%.*g", digits, x)
		}
		return "[" + strings.Join(s, " ") + "]"
	}
	if rows == 0 || cols == 0 || rows*cols != len(v) {
		return one(v)
	}
	s := make([]string, rows)
	for r := range s {
		s[r] = one(v[r*cols : (r+1)*cols])
	}
	return "[" + strings.Join(s, " ") + "]"
}

// givenLine formats an input for the lines of a wrong answer.
func givenLine(name string, v []float64, rows, cols int) string {
	return fmt.Sprintf("given  %s = %s", name, showFloats(v, rows, cols, 1))
}

// catchRunError runs fn and returns "" or, if it stopped with a run-time error (a panic), one
// line naming the error and the line of the package's code where it happened.
func catchRunError(fn func()) string {
	msg, _ := catchRunErrorVia(fn, false)
	return msg
}

// catchRunErrorVia is catchRunError; with callers (a check of steps already done, which calls
// them through the module's own functions) it also follows the stack past the step function to
// the line that called it, and returns that line, with the step function, as call.
func catchRunErrorVia(fn func(), callers bool) (msg string, call [2]string) {
	defer func() {
		if v := recover(); v != nil {
			var site string
			site, call = panicSite(callers)
			msg = fmt.Sprintf("your code stopped with a run-time error: %s%s", strings.TrimPrefix(fmt.Sprint(v), "runtime error: "), site)
		}
	}()
	fn()
	return "", call
}

// panicSite finds, on the stack of a recovered panic, the innermost frames in the package's
// own files (not the tests, not the runtime) and returns " at file:line (in function)", with
// the frame that called it when the innermost is a helper such as Matrix.at. With callers it
// goes on past the first step function to the frame that called it, and returns that frame's
// place and the step function's name as call.
func panicSite(callers bool) (site string, call [2]string) {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(1, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Dir(self)
	var sites []string
	step := ""
	for {
		f, more := frames.Next()
		if filepath.Dir(f.File) == dir && !strings.HasSuffix(f.File, "_test.go") {
			name := f.Function[strings.LastIndex(f.Function, "/")+1:]
			name = strings.NewReplacer("(*", "", ")", "").Replace(name[strings.Index(name, ".")+1:])
			where := fmt.Sprintf("%s:%d (in %s)", filepath.Base(f.File), f.Line, name)
			if step != "" { // the caller of a step function
				sites = append(sites, where)
				call = [2]string{step, where}
				break
			}
			if len(sites) < 2 {
				sites = append(sites, where)
			}
			if isStepFunc(name) {
				if !callers {
					break
				}
				step = name
			} else if len(sites) == 2 && !callers {
				break
			}
		}
		if !more {
			break
		}
	}
	if len(sites) == 0 {
		return "", call
	}
	return " at " + strings.Join(sites, ", called from "), call
}

// isStepFunc reports whether name (layerForward, SGD.step) is a step function.
func isStepFunc(name string) bool {
	for _, s := range exerciseSteps() {
		if s.Name != "" && s.Func() == name {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------------------------
// The checks, in the order of the steps. Inputs are small and written out; the stored results
// are the finished program's on them.

// stepMatrix is a rows×cols matrix holding v.
func stepMatrix(rows, cols int, v ...float64) Matrix {
	if len(v) != rows*cols {
		panic("stepMatrix: wrong number of values") // a mistake in this file, not the learner's
	}
	return Matrix{Rows: rows, Cols: cols, Data: append([]float64(nil), v...)}
}

// sentinelMatrix returns a rows×cols matrix of stepSentinel.
func sentinelMatrix(rows, cols int) Matrix {
	m := newMatrix(rows, cols)
	for i := range m.Data {
		m.Data[i] = stepSentinel
	}
	return m
}

// stepNetwork is a network of the given sizes whose weights and biases are the values given,
// layer by layer (W row by row, then b).
func stepNetwork(sizes []int, values ...[]float64) *Network {
	net := &Network{Sizes: sizes}
	for l := 1; l < len(sizes); l++ {
		n, m := sizes[l-1], sizes[l]
		net.Layers = append(net.Layers, Layer{W: stepMatrix(m, n, values[2*(l-1)]...), B: append([]float64(nil), values[2*l-1]...)})
	}
	return net
}

// stepPass is a pass for B samples of net with the inputs x (B×n, row by row) set, their lit
// pixels indexed as setInput does, and every other buffer filled with stepSentinel.
func stepPass(net *Network, batchSize int, x []float64, labels []byte) *Pass {
	p := net.newPass(batchSize)
	n := net.Sizes[0]
	for r := 0; r < batchSize; r++ {
		p.setInput(r, x[r*n:(r+1)*n], labels[r])
	}
	for l := range p.A {
		for _, m := range []Matrix{p.A[l], p.S[l], p.Delta[l]} {
			for i := range m.Data {
				m.Data[i] = stepSentinel
			}
		}
	}
	return p
}

// Step 1: σ(a) on numbers across its range, and at ±1000 where e^(−a) overflows; then on
// sigmoidInputs, 4,096 numbers over both tails and the middle, compared bit for bit through the
// stored hashes of the program's answers (sigmoidHashes), so that another e^x than exp.go's, or
// another form of the formula, is seen wherever its last bits differ.
func checkSigmoid() stepOutcome {
	a := []float64{-1000, -5, -1, -0.25, 0, 0.5, 2, 30, 1000}
	want := []float64{0, 0.0066928509242848554, 0.2689414213699951, 0.43782349911420193, 0.5, 0.6224593312018546, 0.8807970779778823, 0.9999999999999065, 1}
	c := newStepCheck()
	c.inputs = []string{givenLine("a", a, 0, 0)}
	got := make([]float64, len(a))
	c.call(func() {
		for i, v := range a {
			got[i] = sigmoid(v)
		}
	})
	c.compare(stepComparison{what: "σ(a)", got: got, want: want, diagnose: func(got []float64) string {
		flipped := true // 1 − σ(a), to the rounding of 1 − want where σ(a) is near 1
		for i, g := range got {
			flipped = flipped && math.Abs(g-(1-want[i])) < 1e-12
		}
		if flipped {
			return "this is σ(−a) = 1/(1 + e^a): the sign of a in e^(−a)."
		}
		for i, g := range got {
			if math.IsNaN(g) {
				return fmt.Sprintf("NaN at a = %g: e^(%g) is +Inf there and Inf/Inf is NaN; 1/(1 + e^(−a)) stays a number.", a[i], math.Abs(a[i]))
			}
		}
		return ""
	}})
	if c.done {
		return c.out
	}
	xs := sigmoidInputs()
	many := make([]float64, len(xs))
	c.inputs = []string{fmt.Sprintf("given  a = %d numbers from −800 to 800, most of them in [−10, 10]", len(xs))}
	if !c.call(func() {
		for i, x := range xs {
			many[i] = sigmoid(x)
		}
	}) {
		return c.out
	}
	c.seen(many)
	hashes := sigmoidHashes(xs, many)
	c.record("σ(a) of sigmoidInputs, hashes of a ≥ 0 and a < 0", hashes[:])
	// mathSigma is σ with math.Exp: within an ulp or two of the true σ on every computer, so the
	// yardstick of "right"; and the learner's σ, if it has exactly its bits, used math.Exp.
	mathSigma := make([]float64, len(xs))
	for i, x := range xs {
		mathSigma[i] = 1 / (1 + math.Exp(-x))
	}
	if rel := stepRelError(many, mathSigma); rel > 1e-10 {
		worst, at := 0.0, 0
		for i := range many {
			if r := stepRelError(many[i:i+1], mathSigma[i:i+1]); r > worst || math.IsNaN(many[i]) {
				worst, at = r, i
				if math.IsNaN(many[i]) {
					break
				}
			}
		}
		c.fail([]string{c.inputs[0],
			fmt.Sprintf("got    σ(%.17g) = %.17g", xs[at], many[at]),
			fmt.Sprintf("want   σ(%.17g) = %.17g (to the last bit or two)", xs[at], mathSigma[at]),
			fmt.Sprintf("relative error %.3g; right on the nine numbers above, wrong here: look at how σ treats numbers like this one.", worst)})
		return c.out
	}
	uses := stepMathUses("sigmoid")
	if hashes == storedSigmoidHashes && len(uses) == 0 {
		return c.out
	}
	c.out.state = stepInexact
	switch pos, neg := hashes[0] == storedSigmoidHashes[0], hashes[1] == storedSigmoidHashes[1]; {
	case len(uses) > 0:
		same := "and so other last bits than the program's on some of them"
		if pos && neg {
			same = "the program's bits on this computer, but not on every computer"
		}
		c.out.note = fmt.Sprintf("your σ calls %s, not exp.go's exp: the right numbers, %s.\n"+
			"        The last bits of %s depend on the computer (assembly on amd64 and arm64, Go code on 386); exp(x) gives\n"+
			"        the same bits everywhere. Write σ with exp(-a) to get the program's bits.", strings.Join(uses, " and "), same, strings.Join(uses, " and "))
	case stepSameBits(many, mathSigma):
		c.out.note = "your σ gives exactly the bits of 1/(1 + math.Exp(−a)): e^x from math.Exp, whose last bits depend on the computer,\n" +
			"        not exp.go's exp(x), which gives the same bits everywhere. Write σ with exp(-a) to get the program's bits."
	case pos && !neg:
		c.out.note = "the program's bits for a ≥ 0, other last bits for a < 0: a second form for negative a, such as the stable\n" +
			"        e^a/(1 + e^a), rounds otherwise than 1/(1 + e^(−a)). Right; the program's bits need the one form for every a."
	default:
		c.out.note = fmt.Sprintf("right to within 1e-10 on the %d numbers, with other last bits than 1/(1 + exp(−a)) on some: another e^x\n"+
			"        than exp.go's exp, or another form of the formula; the check cannot tell which.", len(xs))
	}
	return c.out
}

// sigmoidInputs are the 4,096 numbers σ is checked on bit for bit: the ends where e^(−a)
// overflows or σ rounds to 0 or 1, then, drawn from a fixed seed (PCG: the same numbers on every
// computer), a quarter each of [−10, 10] twice, [−60, 60] and [−800, 800].
func sigmoidInputs() []float64 {
	xs := []float64{0, math.Copysign(0, -1), 1e-300, -1e-300, 0.5, -0.5, 20, -20, 36.7, -36.7, 40, -40, 709, -709, 710, -710, 745, -745, 1000, -1000}
	rng := rand.New(rand.NewPCG(29, 1))
	for len(xs) < 4096 {
		u := 2*rng.Float64() - 1 // in [−1, 1): exact, a power of two times a float
		switch len(xs) % 4 {
		case 0, 1:
			xs = append(xs, float64(10*u))
		case 2:
			xs = append(xs, float64(60*u))
		default:
			xs = append(xs, float64(800*u))
		}
	}
	return xs
}

// storedSigmoidHashes are the program's σ on sigmoidInputs, as sigmoidHashes hashes them.
var storedSigmoidHashes = [2]uint64{10579671499061449921, 4325192978101591641}

// sigmoidHashes hashes (FNV-1a, 64 bits) the bits of σ(a) for the inputs a ≥ 0, then for a < 0:
// two hashes, so that a form of σ for negative a only is seen as such.
func sigmoidHashes(xs, ys []float64) [2]uint64 {
	h := [2]uint64{14695981039346656037, 14695981039346656037}
	for i, y := range ys {
		k := 0
		if xs[i] < 0 {
			k = 1
		}
		bits := math.Float64bits(y)
		for b := 0; b < 8; b++ {
			h[k] ^= bits & 0xff
			h[k] *= 1099511628211
			bits >>= 8
		}
	}
	return h
}

// stepMathUses lists the functions of package math that give e^x (math.Exp and its kin) which
// the body of the step function fn calls, as the package's source in the current folder has it
// (stepSources).
func stepMathUses(fn string) []string {
	var uses []string
	src, _ := stepSources(exerciseSteps())
	body := src[fn].body
	if body == nil {
		return nil
	}
	ast.Inspect(body, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "math" {
				switch sel.Sel.Name {
				case "Exp", "Exp2", "Expm1", "Pow", "Tanh", "Sinh", "Cosh", "Log", "Log1p":
					if u := "math." + sel.Sel.Name; !slices.Contains(uses, u) {
						uses = append(uses, u)
					}
				}
			}
		}
		return true
	})
	return uses
}

// The network of steps 2 and 5's first check: 5 inputs, 3 hidden units, 2 outputs.
func forwardNet() *Network {
	return stepNetwork([]int{5, 3, 2},
		[]float64{0.5, -1, 0.25, 0, 2, -0.5, 0.75, 1, -1.5, 0.125, 1, 1, -1, 0.5, -0.25}, // W1: 3×5
		[]float64{0.1, -0.35, 0.3},              // b1
		[]float64{1.5, -0.5, 0.25, -1, 2, 0.75}, // W2: 2×3
		[]float64{-0.4, 0.6})                    // b2
}

// Step 2: a = W·x + b and σ(a) of both layers of a 5-3-2 network for two samples, the second
// layer on a σ(a) of the first given by the check.
func checkLayerForward() stepOutcome {
	net := forwardNet()
	x := []float64{0.2, 0, 0.9, 0.4, 0, 0, 1, 0, 0.3, 0.6} // two images of 5 pixels, some dark (0)
	wantA0 := []float64{0.42500000000000004, -0.15000000000000002, -0.19999999999999996, 0.29999999999999993, 0.025000000000000078, 1.2999999999999998}
	wantS0 := []float64{0.6046790847140094, 0.46257015465625045, 0.45016600268752216, 0.5744425168116589, 0.5062496744995104, 0.7858349830425586}
	s0 := []float64{0.25, 0.5, 0.75, 0.9, 0.1, 0.6} // the first layer's σ(a), as the check gives it to the second
	wantA1 := []float64{-0.08750000000000002, 1.9125, 1.0499999999999998, 0.35}
	wantS1 := []float64{0.47813894602839846, 0.871299749416051, 0.7407748991821539, 0.5866175789173301}

	c := newStepCheck()
	p := stepPass(net, 2, x, []byte{0, 1})
	c.inputs = []string{
		givenLine("layer.W (layer 1)", net.Layers[0].W.Data, 3, 5), givenLine("layer.B (layer 1)", net.Layers[0].B, 0, 0),
		givenLine("x (the images)", x, 2, 5)}
	c.shapes = map[string][2]int{"layer.W": {3, 5}, "layer.B": {1, 3}, "x": {2, 5}, "a": {2, 3}, "s": {2, 3}}
	c.call(func() { layerForward(net.Layers[0], p.X, p.A[0], p.S[0]) })
	c.compare(stepComparison{what: "a", rows: 2, cols: 3, got: p.A[0].Data, want: wantA0, sentinel: true,
		diagnose: biasSlip(wantA0, net.Layers[0].B, net.Layers[0].W.Cols)})
	c.compare(stepComparison{what: "s (σ(a))", rows: 2, cols: 3, got: p.S[0].Data, want: wantS0, sentinel: true,
		diagnose: func(got []float64) string {
			if closeEach(got, wantA0, func(w float64) float64 { return w }) {
				return "s holds a itself: σ is not applied."
			}
			return ""
		}})

	ownSigma := true // σ(a) is the learner's σ (step 1) of the learner's a, bit for bit
	for i, a := range p.A[0].Data {
		ownSigma = ownSigma && math.Float64bits(sigmoid(a)) == math.Float64bits(p.S[0].Data[i])
	}
	copy(p.S[0].Data, s0)
	c.inputs = []string{
		givenLine("layer.W (layer 2)", net.Layers[1].W.Data, 2, 3), givenLine("layer.B (layer 2)", net.Layers[1].B, 0, 0),
		givenLine("x (σ(a) of layer 1)", s0, 2, 3)}
	c.shapes = map[string][2]int{"layer.W": {2, 3}, "layer.B": {1, 2}, "x": {2, 3}, "a": {2, 2}, "s": {2, 2}}
	c.call(func() { layerForward(net.Layers[1], p.S[0], p.A[1], p.S[1]) })
	c.compare(stepComparison{what: "a", rows: 2, cols: 2, got: p.A[1].Data, want: wantA1, sentinel: true,
		diagnose: biasSlip(wantA1, net.Layers[1].B, net.Layers[1].W.Cols)})
	c.compare(stepComparison{what: "s (σ(a))", rows: 2, cols: 2, got: p.S[1].Data, want: wantS1, sentinel: true})
	if c.out.state != stepInexact {
		return c.out
	}
	// Not bit for bit: a, or only σ(a)?
	for i, a := range p.A[1].Data {
		ownSigma = ownSigma && math.Float64bits(sigmoid(a)) == math.Float64bits(p.S[1].Data[i])
	}
	switch {
	case stepSameBits(p.A[0].Data, wantA0) && stepSameBits(p.A[1].Data, wantA1) && ownSigma:
		c.out.note = "a = W·x + b is bit for bit; σ(a) has the last bits of your σ, which are not the program's: step 1 says why."
	case fusedForward():
		c.out.note = fusedNote
	default:
		c.out.note = sumOrderNote
	}
	return c.out
}

// sumOrderNote says why a step whose sums are right to 1e-10 is not bit for bit, when the check
// sees no fused multiply-add and the same numbers on two runs: what remains is the order.
const sumOrderNote = "not a fused multiply-add (the check sees none), and the same numbers on two runs: a sum taken in\n" +
	"        another order than the notes' (each from 0, its terms in order of their index, b after the sum), or the\n" +
	"        same formula grouped otherwise. Training works the same; its last digits differ from the finished program's."

// formNote says why a step without sums is right to 1e-10 but not bit for bit, when the check
// saw the same numbers on two runs (and has no probe for fused multiply-adds).
const formNote = "the same numbers on two runs: the same formula computed in another order or form than the notes' (such as\n" +
	"        s − s² for s(1 − s), W − (ηλ/n)·W for (1 − ηλ/n)·W), or a product fused with a sum by the compiler (arm64,\n" +
	"        GOAMD64=v3: write float64(x*y)); the check cannot tell which. Training works the same; its last digits differ\n" +
	"        from the finished program's."

// probedFormNote is formNote for the SGD step, whose check probes for fused multiply-adds.
const probedFormNote = "not a fused multiply-add (the check sees none), and the same numbers on two runs: the same formula\n" +
	"        grouped otherwise than the notes' (such as η·g/B or η·(g/B) for (η/B)·g). Training works the same; its last\n" +
	"        digits differ from the finished program's."

// biasSlip diagnoses a = W·x (b missing), a = W·x + 2b, and a = W·x + n·b, b added inside the
// loop over the n inputs, for a B×m result with biases b.
func biasSlip(want, b []float64, n int) func([]float64) string {
	return func(got []float64) string {
		m := len(b)
		shifted := func(k float64) bool {
			for i, g := range got {
				if stepRelError([]float64{g}, []float64{want[i] + k*b[i%m]}) > 1e-9 {
					return false
				}
			}
			return true
		}
		switch {
		case shifted(-1):
			return "b is missing: a = W·x + b."
		case shifted(1):
			return "b is added twice."
		case n > 2 && shifted(float64(n-1)):
			return fmt.Sprintf("b is added %d times, once for each input: it is inside the loop over k. Add b[j] once, after the sum Σ_k W[j][k]·x[k].", n)
		}
		return ""
	}
}

// Step 3: σ'(a) from s = σ(a).
func checkSigmoidPrime() stepOutcome {
	s := []float64{0, 0.1, 0.25, 0.5, 0.8, 1}
	want := []float64{0, 0.09000000000000001, 0.1875, 0.25, 0.15999999999999998, 0}
	c := newStepCheck()
	c.inputs = []string{givenLine("s = σ(a)", s, 0, 0)}
	got := make([]float64, len(s))
	c.call(func() {
		for i, v := range s {
			got[i] = sigmoidPrimeFromSigma(v)
		}
	})
	c.compare(stepComparison{what: "σ'(a)", got: got, want: want, diagnose: func(got []float64) string {
		if got[3] != 0.25 && math.Abs(got[3]-0.2350037122015945) < 1e-12 {
			return "sigmoidPrimeFromSigma is given s = σ(a), already computed: do not apply σ to it again."
		}
		return ""
	}})
	return c.out
}

// Step 4: δ = σ(a) − y of an output layer of 4 units for three samples, labels 2, 0 and 3.
func checkOutputDelta() stepOutcome {
	// ŷ exactly 1 at the true digit of sample 0 and 0 at that of sample 2, as σ(a) rounds for a
	// confident network: there the product form (σ(a) − y)/(σ(a)(1 − σ(a)))·σ(a)(1 − σ(a)) is 0/0.
	yhat := []float64{0.1, 0.2, 1, 0.4, 0.9, 0.05, 0.3, 0.5, 0.25, 0, 0.15, 0}
	labels := []byte{2, 0, 3}
	want := []float64{0.1, 0.2, 0, 0.4, -0.09999999999999998, 0.05, 0.3, 0.5, 0.25, 0, 0.15, -1}
	c := newStepCheck()
	c.inputs = []string{givenLine("ŷ = σ(a)", yhat, 3, 4), "given  labels = [2 0 3] (so y is 1 at unit 2, 0 and 3 of each row)"}
	delta := sentinelMatrix(3, 4)
	c.call(func() { outputDelta(delta, stepMatrix(3, 4, yhat...), labels) })
	c.compare(stepComparison{what: "δ", rows: 3, cols: 4, got: delta.Data, want: want, sentinel: true, diagnose: func(got []float64) string {
		for i, g := range got {
			if math.IsNaN(g) && (yhat[i] == 0 || yhat[i] == 1) {
				return fmt.Sprintf("NaN where ŷ is exactly %g: the product (σ(a) − y)/(σ(a)(1 − σ(a))) · σ(a)(1 − σ(a)) divides 0 by 0 there. "+
					"The factor cancels on paper, so compute δ = σ(a) − y directly.", yhat[i])
			}
		}
		if closeEach(got, yhat, func(s float64) float64 { return s }) {
			return "δ = σ(a): y is missing (one-hot: 1 at the unit of the true digit)."
		}
		times := true
		for i, g := range got {
			times = times && stepRelError([]float64{g}, []float64{want[i] * yhat[i] * (1 - yhat[i])}) <= 1e-9
		}
		if times {
			return "multiplied by σ(a)(1 − σ(a)): at the output it cancels with the denominator of ∂L/∂σ(a) (see the derivation)."
		}
		for r, label := range labels { // y = σ(a) − δ: is it one-hot, at another unit?
			hot, ones := -1, 0
			for k := 0; k < 4; k++ {
				switch y := yhat[r*4+k] - got[r*4+k]; {
				case math.Abs(y-1) < 1e-9:
					hot, ones = k, ones+1
				case math.Abs(y) > 1e-9:
					ones = 2 // not one-hot
				}
			}
			if ones == 1 && hot != int(label) {
				return fmt.Sprintf("y is 1 at unit %d of sample %d, whose label is %d: y_k = 1 where k == labels[r].", hot, r, label)
			}
		}
		return ""
	}})
	return c.out
}

// Step 5: δ of the two hidden layers of a 2-3-4-3 network for two samples: first layer 1 from
// the output's δ, then layer 0 from a δ of layer 1 given by the check.
func checkHiddenDelta() stepOutcome {
	// The output layer has 3 units and the batch 2 samples, so that every matrix handed to
	// hiddenDelta has a size of its own and an index past the end names it.
	net := stepNetwork([]int{2, 3, 4, 3},
		[]float64{1, -1, 0.5, 0.5, -0.5, 2}, []float64{0, 0, 0}, // layer 0: 3×2
		[]float64{0.5, -1, 1.5, 2, 0.25, -0.75, -1, 0.5, 1, 1.25, -0.5, 0.1}, []float64{0, 0, 0, 0}, // layer 1: 4×3
		[]float64{1, -2, 0.5, 0.25, -0.5, 1.5, 2, -1, 0.75, -0.25, 1.25, 0.5}, []float64{0, 0, 0}) // layer 2: 3×4
	p := stepPass(net, 2, []float64{0.5, 0.5, 0.5, 0.5}, []byte{0, 1})
	s1 := []float64{0.2, 0.5, 0.9, 0.6, 0.3, 0.7, 0.1, 0.4} // σ(a) of layer 1, 2×4
	d2 := []float64{0.3, -0.6, 0.45, -0.2, 0.8, -0.35}      // δ of layer 2, 2×3
	s0 := []float64{0.5, 0.25, 0.8, 0.4, 0.9, 0.15}         // σ(a) of layer 0, 2×3
	d1 := []float64{0.1, -0.2, 0.05, 0.3, -0.4, 0.2, 0.1, -0.1}
	want1 := []float64{0.15000000000000002, -0.403125, -0.043875, 0.21599999999999997, -0.181125, 0.35437500000000005, 0.09562500000000002, -0.24600000000000002}
	want0 := []float64{-0.0062500000000000056, -0.051562500000000004, 0.06079999999999999, -0.005999999999999998, 0.049499999999999995, -0.08415000000000002}
	copy(p.S[1].Data, s1)
	copy(p.Delta[2].Data, d2)
	copy(p.S[0].Data, s0)

	c := newStepCheck()
	sigma := func(want, s []float64) func([]float64) string {
		return func(got []float64) string {
			missing := true
			for i, g := range got {
				missing = missing && stepRelError([]float64{g * s[i] * (1 - s[i])}, []float64{want[i]}) <= 1e-9
			}
			if missing {
				return "the factor σ(a)(1 − σ(a)) is missing: δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ'(a_l)."
			}
			ofSigma := true // σ'(σ(s)) for σ'(s): s taken for a, and σ applied to it again
			for i, g := range got {
				sig := 1 / (1 + math.Exp(-s[i]))
				ofSigma = ofSigma && stepRelError([]float64{g * s[i] * (1 - s[i])}, []float64{want[i] * sig * (1 - sig)}) <= 1e-9
			}
			if ofSigma {
				return "σ' of σ(s): s is σ(a) already (the forward pass kept it), so σ'(a) = s(1 − s); σ applied to it again is σ(σ(a))."
			}
			kept := true // (what δ held + Σ_j δ_{l+1,j}·W[j][k])·σ'(a): the sum started from δ, not from 0
			for i, g := range got {
				kept = kept && stepRelError([]float64{g}, []float64{want[i] + stepSentinel*s[i]*(1-s[i])}) <= 1e-9
			}
			if kept {
				return fmt.Sprintf("the sum started from what delta held (%v, put there by the check), not from 0: delta holds the last\n"+
					"        mini-batch's δ when hiddenDelta is called. Start each sum Σ_j δ_{l+1,j}·W_{l+1}[j][k] at 0, then set delta.", stepSentinel)
			}
			return ""
		}
	}
	c.inputs = []string{givenLine("wAbove (W of layer 3)", net.Layers[2].W.Data, 3, 4), givenLine("deltaAbove (δ of layer 3)", d2, 2, 3),
		givenLine("s (σ(a) of layer 2)", s1, 2, 4)}
	c.shapes = map[string][2]int{"wAbove": {3, 4}, "deltaAbove": {2, 3}, "s": {2, 4}, "delta": {2, 4}}
	c.call(func() { hiddenDelta(p.Delta[1], net.Layers[2].W, p.Delta[2], p.S[1]) })
	c.compare(stepComparison{what: "delta (δ of layer 2)", rows: 2, cols: 4, got: p.Delta[1].Data, want: want1, sentinel: true, diagnose: sigma(want1, s1)})

	copy(p.Delta[1].Data, d1)
	c.inputs = []string{givenLine("wAbove (W of layer 2)", net.Layers[1].W.Data, 4, 3), givenLine("deltaAbove (δ of layer 2)", d1, 2, 4),
		givenLine("s (σ(a) of layer 1)", s0, 2, 3)}
	c.shapes = map[string][2]int{"wAbove": {4, 3}, "deltaAbove": {2, 4}, "s": {2, 3}, "delta": {2, 3}}
	c.call(func() { hiddenDelta(p.Delta[0], net.Layers[1].W, p.Delta[1], p.S[0]) })
	c.compare(stepComparison{what: "delta (δ of layer 1)", rows: 2, cols: 3, got: p.Delta[0].Data, want: want0, sentinel: true, diagnose: sigma(want0, s0)})
	if c.out.state == stepInexact {
		switch {
		case fusedHidden():
			c.out.note = fusedNote
		case checkSigmoidPrime().state == stepInexact:
			c.out.note = "hiddenDelta calls your σ' (step 3), which is not bit for bit: the cause may be there, or in a sum taken in another\n" +
				"        order than the notes'."
		default:
			c.out.note = sumOrderNote
		}
	}
	return c.out
}

// Step 6: ∂L/∂W and ∂L/∂b of both layers of a 4-3-2 network over a batch of B = 3, into
// gradients holding other numbers (the previous batch's).
func checkLayerGradients() stepOutcome {
	net := stepNetwork([]int{4, 3, 2}, make([]float64, 12), make([]float64, 3), make([]float64, 6), make([]float64, 2))
	x := []float64{0.5, 0, 1, 0.25, 0, 0.75, 0.5, 0, 1, 0.25, 0, 0.5} // 3 images of 4 pixels
	d0 := []float64{0.1, -0.2, 0.3, -0.4, 0.5, 0.05, 0.2, 0.15, -0.3} // δ of layer 0, 3×3
	s0 := []float64{0.2, 0.6, 0.9, 0.5, 0.15, 0.3, 0.7, 0.8, 0.4}     // σ(a) of layer 0, 3×3
	d1 := []float64{0.25, -0.5, -0.1, 0.2, 0.4, 0.35}                 // δ of layer 1, 3×2
	wantW0 := []float64{0.25, -0.25000000000000006, -0.1, 0.125, 0.04999999999999999, 0.4125, 0.04999999999999999, 0.024999999999999994, -0.15, -0.03749999999999999, 0.325, -0.075}
	wantB0 := []float64{-0.10000000000000003, 0.44999999999999996, 0.04999999999999999}
	wantW1 := []float64{0.27999999999999997, 0.45500000000000007, 0.35500000000000004, 0.24499999999999997, 0.009999999999999953, -0.25}
	wantB1 := []float64{0.55, 0.04999999999999999}
	p := stepPass(net, 3, x, []byte{0, 1, 0})
	copy(p.Delta[0].Data, d0)
	copy(p.S[0].Data, s0)
	copy(p.Delta[1].Data, d1)
	g := &Grads{W: []Matrix{sentinelMatrix(3, 4), sentinelMatrix(2, 3)}, B: [][]float64{sentinelMatrix(1, 3).Data, sentinelMatrix(1, 2).Data}}

	c := newStepCheck()
	c.inputs = []string{givenLine("x (the images)", x, 3, 4), givenLine("delta (δ of layer 1)", d0, 3, 3), "a batch of B = 3",
		fmt.Sprintf("gW and gb hold %v before the call (the previous mini-batch's sums)", stepSentinel)}
	c.shapes = map[string][2]int{"gW": {3, 4}, "gb": {1, 3}, "delta": {3, 3}, "x": {3, 4}}
	c.call(func() { layerGradients(g.W[0], g.B[0], p.Delta[0], p.X) })
	c.compare(stepComparison{what: "gW (Σ ∂L/∂W)", rows: 3, cols: 4, got: g.W[0].Data, want: wantW0, B: 3, sentinel: true})
	c.compare(stepComparison{what: "gb (Σ ∂L/∂b)", got: g.B[0], want: wantB0, B: 3, sentinel: true})

	c.inputs = []string{givenLine("x (σ(a) of layer 1)", s0, 3, 3), givenLine("delta (δ of layer 2)", d1, 3, 2),
		"a batch of B = 3", fmt.Sprintf("gW and gb hold %v before the call", stepSentinel)}
	c.shapes = map[string][2]int{"gW": {2, 3}, "gb": {1, 2}, "delta": {3, 2}, "x": {3, 3}}
	c.call(func() { layerGradients(g.W[1], g.B[1], p.Delta[1], p.S[0]) })
	c.compare(stepComparison{what: "gW (Σ ∂L/∂W)", rows: 2, cols: 3, got: g.W[1].Data, want: wantW1, B: 3, sentinel: true})
	c.compare(stepComparison{what: "gb (Σ ∂L/∂b)", got: g.B[1], want: wantB1, B: 3, sentinel: true})
	if c.out.state == stepInexact {
		c.out.note = sumOrderNote
		if fusedGradients() {
			c.out.note = fusedNote
		}
	}
	return c.out
}

// Step 7: the forward and backward pass of a 6-5-4-3 network (two hidden layers) on a batch of
// 4, every ∂L/∂W and ∂L/∂b against the central difference (L(θ + h) − L(θ − h))/2h of the
// batch's summed loss, read as CS231n reads the relative error.
func checkGradients() stepOutcome {
	rng := rand.New(rand.NewPCG(16, 7))
	net := newNetwork([]int{6, 5, 4, 3}, 16)
	const batchSize = 4
	x := make([]float64, batchSize*6)
	for i := range x {
		if rng.IntN(3) > 0 {
			x[i] = rng.Float64()
		}
	}
	p := net.newPass(batchSize)
	for r := 0; r < batchSize; r++ {
		p.setInput(r, x[r*6:(r+1)*6], byte(rng.IntN(3)))
	}
	g := net.newGrads()
	c := newStepCheck()
	c.callers = true
	c.inputs = []string{"a 6-5-4-3 network (two hidden layers), a batch of 4 random inputs: forward, then backward (your steps 2 to 6)"}
	losses := func() []float64 { // L of each sample
		net.forward(p)
		return append([]float64(nil), p.Loss...)
	}
	if !c.call(func() { net.forward(p); net.backward(p, g) }) {
		return c.out
	}
	for l := range g.W {
		c.seen(g.W[l].Data)
		c.seen(g.B[l])
	}
	const h = 1e-5
	worst, what, analytic, numeric := 0.0, "", 0.0, 0.0
	ok := c.call(func() {
		for l, layer := range net.Layers {
			params := [][]float64{layer.W.Data, layer.B}
			grads := [][]float64{g.W[l].Data, g.B[l]}
			for k, ps := range params {
				for i := range ps {
					saved := ps[i]
					ps[i] = saved + h
					up := losses()
					ps[i] = saved - h
					down := losses()
					ps[i] = saved
					var num float64     // Σ_r (L_r(θ + h) − L_r(θ − h)) / 2h: sample by sample, the
					for r := range up { // differences lose fewer bits to rounding than those of the sums
						num += (up[r] - down[r]) / (2 * h)
					}
					an := grads[k][i]
					diff := math.Abs(an - num)
					rel := diff / math.Max(math.Abs(an), math.Abs(num))
					if math.Max(math.Abs(an), math.Abs(num)) < 1e-9 { // both next to 0: the difference is the rounding of L
						rel = 0
					}
					if math.IsNaN(rel) {
						rel = math.Inf(1)
					}
					if rel > worst || what == "" {
						worst, analytic, numeric = rel, an, num
						what = fmt.Sprintf("%s of layer %d, entry %d", []string{"∂L/∂W", "∂L/∂b"}[k], l, i)
					}
				}
			}
		}
	})
	if !ok {
		return c.out
	}
	reading := "CS231n: 1e-7 or less, the gradient is right"
	switch {
	case worst > 1e-2:
		reading = "CS231n: above 1e-2, the gradient is probably wrong"
	case worst > 1e-4:
		reading = "CS231n: 1e-4 to 1e-2, uncomfortable: probably wrong"
	case worst > 1e-6:
		reading = "CS231n: 1e-7 to 1e-4, too high for a network without kinks such as this sigmoid one"
	case worst > 1e-7:
		reading = "just above CS231n's 1e-7, which is the rounding of L in the finite differences here, not the gradient: right"
	}
	if worst > 1e-6 {
		c.fail([]string{c.inputs[0],
			fmt.Sprintf("largest relative error %.3g, at %s: backward gives %.10g, finite differences %.10g", worst, what, analytic, numeric),
			reading + ". Every step passed on its own, so look at how they fit together: the layer indices (l, l+1, l−1), which input a layer reads (p.X or p.S[l-1])."})
		return c.out
	}
	c.out.note = fmt.Sprintf("largest relative error %.1e (%s)", worst, reading)
	return c.out
}

// The inputs of steps 8 and 9: numbers with many digits, and η, B, λ and n at which the orders
// a learner may take, η·g/B or η·(g/B) for (η/B)·g, W − (ηλ/n)·W for (1 − ηλ/n)·W, give other
// bits than the notes' order (TestStepInputsCatchReorderings checks it).
var (
	stepW  = []float64{-0.0556, -0.0186, -0.0604, -0.0368, 0.078, -0.0252, -0.0037, -0.0352, 0.0832, 0.0471, 0.005, -0.0492} // W, 3×4
	stepB  = []float64{0.0371, -0.0219, 0.0145}
	stepGW = []float64{-0.7065, -2.3037, 4.6582, 1.8478, -2.3935, 2.8618, 4.397, -0.0956, 0.6956, -1.7065, 0.6859, 0.9135} // Σ_batch ∂L/∂W
	stepGB = []float64{1.2391, -0.8763, 2.0517}                                                                            // Σ_batch ∂L/∂b
	// The step: η = 0.3 over a batch of B = 7, with λ = 5 and n = 100, which the step must not
	// use (the L2 shrink is step 9's): a weight decay written into the step is seen.
	stepSGD, stepBatch = SGD{Eta: 0.3, Lambda: 5, N: 100}, 7
	// The L2 shrink at the program's settings: η = 0.5, λ = 5, n = 50000.
	shrinkSGD = SGD{Eta: 0.5, Lambda: 5, N: 50000}
)

// Step 8: the SGD step on a layer of 3 units with 4 inputs, over a batch of B = 7.
func checkSGDStep() stepOutcome {
	wantW := []float64{-0.025321428571428568, 0.08013, -0.26003714285714286, -0.11599142857142858, 0.18057857142857142, -0.14784857142857144, -0.19214285714285717, -0.031102857142857144, 0.053388571428571424, 0.12023571428571428, -0.024395714285714284, -0.08835}
	wantB := []float64{-0.01600428571428572, 0.015655714285714283, -0.07343}
	layer := Layer{W: stepMatrix(3, 4, stepW...), B: append([]float64(nil), stepB...)}
	c := newStepCheck()
	c.inputs = []string{givenLine("layer.W", stepW, 3, 4), givenLine("layer.B", stepB, 0, 0), givenLine("gW (Σ∂L/∂W)", stepGW, 3, 4),
		givenLine("gb (Σ∂L/∂b)", stepGB, 0, 0), "η = o.Eta = 0.3, B = 7 (and o.Lambda = 5, o.N = 100, which the step does not use)"}
	c.shapes = map[string][2]int{"layer.W": {3, 4}, "gW": {3, 4}, "layer.B": {1, 3}, "gb": {1, 3}}
	c.call(func() { stepSGD.step(layer, stepMatrix(3, 4, stepGW...), append([]float64(nil), stepGB...), stepBatch) })
	ratio := func(got, start, want []float64, what string) string { // compares the change made with the change wanted
		var r []float64
		for i := range got {
			if d := want[i] - start[i]; d != 0 {
				r = append(r, (got[i]-start[i])/d)
			}
		}
		if len(r) == 0 {
			return ""
		}
		for _, v := range r[1:] {
			if math.Abs(v-r[0]) > 1e-6*math.Abs(r[0]) {
				return ""
			}
		}
		switch {
		case math.Abs(r[0]) < 1e-12:
			return what + " did not change."
		case math.Abs(r[0]-7) < 1e-6:
			return what + " moved B = 7 times too far: by η·Σ, the sum, instead of (η/B)·Σ, the mean over the mini-batch."
		case math.Abs(r[0]-1.0/7) < 1e-6:
			return what + " moved a seventh of the way: divided by B twice? layerGradients sums, the step divides by B once."
		case math.Abs(r[0]+1) < 1e-6:
			return what + " moved the wrong way, up the gradient: W ← W − (η/B)·Σ∂L/∂W."
		}
		return ""
	}
	// decayed reports whether got is the step's want with v shrunk by 1 − ηλ/n as well: a weight
	// decay written into the step, which update (backprop.go) already applies with shrinkWeights.
	decay := stepSGD.Eta * stepSGD.Lambda / float64(stepSGD.N)
	decayed := func(got, v, want []float64) bool {
		for i, g := range got {
			if stepRelError([]float64{g}, []float64{want[i] - decay*v[i]}) > 1e-9 {
				return false
			}
		}
		return true
	}
	c.compare(stepComparison{what: "layer.W", rows: 3, cols: 4, got: layer.W.Data, want: wantW,
		diagnose: func(got []float64) string {
			if decayed(got, stepW, wantW) {
				return "W was also shrunk by 1 − ηλ/n (o.Lambda is 5 here): that is the L2 regularization, step 9's SGD.shrinkWeights,\n" +
					"        which update (backprop.go) calls before the step. The step is W ← W − (η/B)·Σ∂L/∂W alone."
			}
			return ratio(got, stepW, wantW, "W")
		}})
	c.compare(stepComparison{what: "layer.B", got: layer.B, want: wantB,
		diagnose: func(got []float64) string {
			if decayed(got, stepB, wantB) {
				return "b was shrunk by 1 − ηλ/n (o.Lambda is 5 here): the step is b ← b − (η/B)·Σ∂L/∂b, and the L2\n" +
					"        regularization (step 9) shrinks the weights only, never the biases."
			}
			return ratio(got, stepB, wantB, "b")
		}})
	if c.out.state == stepInexact {
		c.out.note = probedFormNote
		if fusedStep() {
			c.out.note = fusedNote
		}
	}
	return c.out
}

// Step 9: the L2 regularization of the same layer, at the program's settings.
func checkShrinkWeights() stepOutcome {
	wantW := []float64{-0.055597219999999996, -0.01859907, -0.06039698, -0.036798159999999996, 0.0779961, -0.02519874, -0.0036998150000000004, -0.035198240000000006, 0.08319584, 0.047097645, 0.00499975, -0.04919754}
	layer := Layer{W: stepMatrix(3, 4, stepW...), B: append([]float64(nil), stepB...)}
	c := newStepCheck()
	c.inputs = []string{givenLine("layer.W", stepW, 3, 4), givenLine("layer.B", stepB, 0, 0), "η = 0.5, λ = 5, n = 50000: 1 − ηλ/n = 0.99995"}
	c.call(func() { shrinkSGD.shrinkWeights(layer) })
	c.compare(stepComparison{what: "layer.W", rows: 3, cols: 4, got: layer.W.Data, want: wantW,
		diagnose: func(got []float64) string {
			if f, ok := constantFactor(got, stepW); ok {
				return fmt.Sprintf("the weights shrank by the factor %.9g, want 1 − ηλ/n = 0.99995.", f)
			}
			if stepSameBits(got, stepW) {
				return "the weights did not shrink: W ← (1 − ηλ/n)·W."
			}
			return ""
		}})
	c.compare(stepComparison{what: "layer.B", got: layer.B, want: stepB,
		diagnose: func(got []float64) string {
			if f, ok := constantFactor(got, stepB); ok {
				return fmt.Sprintf("the biases shrank by %.9g: the L2 regularization applies to the weights only, not to b.", f)
			}
			return ""
		}})
	return c.out
}
