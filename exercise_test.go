// exercise_test.go tests -exercise (exercise.go): the module it writes is gofmt-clean, keeps
// every comment and directive outside the stubbed bodies, vets and builds; its `go test` fails
// at step 1 with the friendly line and no stack trace; with the real bodies put back it passes;
// with a learner's plain loops, written in the notes' order, it passes bit for bit; and each of
// a learner's likely slips is named at its step, with its diagnosis.
//
// The exercise is made once and its package built three times, at the same time, each in a
// temporary folder of its own (the skeleton, the real bodies, the plain loops): the slips are
// all compiled into the third build and chosen when its test binary runs, by the environment
// variable MNIST_EXERCISE_SLIP, so that twenty slips cost one build. With -short only the
// skeleton is built. Set MNIST_EXERCISE_OUT to a new folder to keep the plain-loop answers
// there, e.g. to train with them:
//
//	MNIST_EXERCISE_OUT=/tmp/solved go test -run TestExercise .
//	cd /tmp/solved && go run . -data ../path/to/mnist     # ends test accuracy: 0.9627 (9627/10000)

package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// plainAnswers are a learner's bodies for the step functions: the hints' plain loops
// (exercise_steps.go), each formula written in the order of the course notes.
func plainAnswers() map[string]string {
	m := map[string]string{}
	for _, s := range exerciseSteps() {
		if s.Name != "" {
			m[s.Func()] = s.Answer
		}
	}
	return m
}

// TestFusionProbes: the probes that tell a fused multiply-add (steps_test.go) find none in the
// program's own functions, and do find one where a sum is fused (math.FMA, exact everywhere).
func TestFusionProbes(t *testing.T) {
	for name, fused := range map[string]func() bool{"step 2": fusedForward, "step 5": fusedHidden, "step 6": fusedGradients, "step 8": fusedStep} {
		if fused() {
			t.Errorf("%s: the probe says the program's own function fuses its multiply-adds", name)
		}
	}
	p, u, v := probeP()
	if !probe(func() float64 { return math.FMA(u, v, -p) }) {
		t.Error("the probe does not see a fused multiply-add: −p + 0.1·0.3 fused is 0")
	}
	if probe(func() float64 { return float64(u*v) - p }) {
		t.Error("the probe sees a fused multiply-add in a product rounded on its own")
	}
}

// TestStepInputsCatchReorderings: on the inputs of steps 8 and 9, the orders a learner may take
// instead of the notes' give other bits, so that "bit for bit" is said only when it is true.
func TestStepInputsCatchReorderings(t *testing.T) {
	eta, B := stepSGD.Eta, float64(stepBatch)
	layer := Layer{W: stepMatrix(3, 4, stepW...), B: append([]float64(nil), stepB...)}
	stepSGD.step(layer, stepMatrix(3, 4, stepGW...), append([]float64(nil), stepGB...), stepBatch)
	for name, form := range map[string]func(w, g float64) float64{
		"η·g/B":   func(w, g float64) float64 { return w - eta*g/B },
		"η·(g/B)": func(w, g float64) float64 { return w - eta*(g/B) },
	} {
		same := true
		for i, w := range stepW {
			same = same && form(w, stepGW[i]) == layer.W.Data[i]
		}
		if same {
			t.Errorf("step 8's inputs give %s the same bits as (η/B)·g: choose others", name)
		}
	}
	shrunk := Layer{W: stepMatrix(3, 4, stepW...)}
	shrinkSGD.shrinkWeights(shrunk)
	c := shrinkSGD.Eta * shrinkSGD.Lambda / float64(shrinkSGD.N)
	for name, form := range map[string]func(w float64) float64{
		"W − (ηλ/n)·W": func(w float64) float64 { return w - c*w },
		"W − ηλW/n":    func(w float64) float64 { return w - shrinkSGD.Eta*shrinkSGD.Lambda*w/float64(shrinkSGD.N) },
	} {
		same := true
		for i, w := range stepW {
			same = same && form(w) == shrunk.W.Data[i]
		}
		if same {
			t.Errorf("step 9's inputs give %s the same bits as (1 − ηλ/n)·W: choose others", name)
		}
	}
}

// exerciseSlip is a learner's likely mistake: in the plain answer of function fn, old becomes
// new wherever it is (and so do the further pairs in more). Its output must name step as WRONG
// and say says; step 0 is a mere reordering, which passes with says in the note.
type exerciseSlip struct {
	name, fn, old, new string
	step               int      // the step named; 0: every step passes
	says               string   // a phrase of the diagnosis
	more               []string // further pairs old, new of the same slip
}

// exerciseSlips are the slips tried: the five (step-drop-B, step-bias-eta,
// hidden-no-sigma-prime, delta-sign, gradient-bias-not-cleared) and others of each step.
func exerciseSlips() []exerciseSlip {
	return []exerciseSlip{
		{"sigmoid-sign", "sigmoid", "exp(-a)", "exp(a)", 1, "σ(−a)", nil},
		{"sigmoid-overflow", "sigmoid", "1 / (1 + exp(-a))", "exp(a) / (1 + exp(a))", 1, "NaN at a = 1000", nil},
		{"forward-no-bias", "layerForward", "\t\t\tsum += b[j]\n", "", 2, "b is missing",
			[]string{"W, b := layer.W, layer.B", "W := layer.W"}},
		{"forward-no-sigma", "layerForward", "= sigmoid(sum)", "= sum", 2, "σ is not applied", nil},
		{"sigmoid-prime-of-a", "sigmoidPrimeFromSigma", "return s * (1 - s)", "return sigmoid(s) * (1 - sigmoid(s))", 3, "do not apply σ", nil},
		{"delta-sign", "outputDelta", "yhat.at(r, k) - y", "y - yhat.at(r, k)", 4, "sign is flipped", nil},
		{"delta-times-sigma-prime", "outputDelta", "yhat.at(r, k) - y", "(yhat.at(r, k) - y) * sigmoidPrimeFromSigma(yhat.at(r, k))", 4, "it cancels", nil},
		{"delta-label-off-by-one", "outputDelta", "k == int(label)", "k == int(label)+1", 4, "whose label is", nil},
		{"hidden-no-sigma-prime", "hiddenDelta", "sum * sigmoidPrimeFromSigma(s.at(r, k))", "sum", 5, "σ(a)(1 − σ(a)) is missing", nil},
		{"hidden-transposed", "hiddenDelta", "wAbove.at(j, k)", "wAbove.at(k, j)", 5, "slice of length 12, which is wAbove", nil},
		{"gradient-bias-not-cleared", "layerGradients", "\t\tvar sum float64\n\t\tfor r := 0; r < delta.Rows; r++ {\n\t\t\tsum += delta.at(r, j)\n\t\t}\n\t\tgb[j] = sum",
			"\t\tfor r := 0; r < delta.Rows; r++ {\n\t\t\tgb[j] += delta.at(r, j)\n\t\t}", 6, "sums not cleared", nil},
		{"gradient-mean", "layerGradients", "gW.row(j)[k] = sum", "gW.row(j)[k] = sum / float64(delta.Rows)", 6, "factor of B", nil},
		{"step-drop-B", "SGD.step", "rate := o.Eta / float64(batchSize)", "rate := o.Eta", 8, "B = 7 times too far", nil},
		{"step-bias-eta", "SGD.step", "layer.B[j] - float64(rate*gb[j])", "layer.B[j] - float64(o.Eta*gb[j])", 8, "b moved B = 7 times too far", nil},
		{"step-sign", "SGD.step", "layer.W.at(j, k) - float64(rate*gW.at(j, k))", "layer.W.at(j, k) + float64(rate*gW.at(j, k))", 8, "the wrong way", nil},
		{"step-eta-g-over-B", "SGD.step", "layer.W.at(j, k) - float64(rate*gW.at(j, k))", "layer.W.at(j, k) - o.Eta*gW.at(j, k)/float64(batchSize)", -8, "grouped otherwise than the notes'", nil},
		{"shrink-biases", "SGD.shrinkWeights", "\t\tlayer.W.Data[i] = shrink * w\n\t}\n", "\t\tlayer.W.Data[i] = shrink * w\n\t}\n\tfor j := range layer.B {\n\t\tlayer.B[j] *= shrink\n\t}\n", 9, "biases shrank", nil},
		{"shrink-without-n", "SGD.shrinkWeights", "o.Eta*o.Lambda/float64(o.N)", "o.Eta*o.Lambda", 9, "want 1 − ηλ/n", nil},
		{"shrink-subtracted", "SGD.shrinkWeights", "layer.W.Data[i] = shrink * w", "layer.W.Data[i] = w - c*w", -9, "another order",
			[]string{"shrink := 1 - o.Eta*o.Lambda/float64(o.N)", "c := o.Eta * o.Lambda / float64(o.N)"}},
		{"delta-product-form", "outputDelta", "yhat.at(r, k) - y", "(yhat.at(r, k) - y) / sigmoidPrimeFromSigma(yhat.at(r, k)) * sigmoidPrimeFromSigma(yhat.at(r, k))", 4, "divides 0 by 0", nil},
		{"hidden-sigma-of-s", "hiddenDelta", "sigmoidPrimeFromSigma(s.at(r, k))", "sigmoidPrimeFromSigma(sigmoid(s.at(r, k)))", 5, "σ' of σ(s)", nil},
		{"forward-bias-first", "layerForward", "var sum float64", "sum := b[j]", -2, "another order",
			[]string{"\t\t\tsum += b[j]\n", ""}},
		// σ with math.Exp, or in two forms, or with another e^x: right, and named as such; step 2,
		// which calls σ, is not blamed for σ's bits (slipAlso).
		{"sigmoid-math-exp", "sigmoid", "exp(-a)", "math.Exp(-a)", -1, "your σ calls math.Exp, not exp.go's exp", nil},
		{"sigmoid-two-branch", "sigmoid", "\n\treturn 1 / (1 + exp(-a))\n", "\n\tif a < 0 {\n\t\te := exp(a)\n\t\treturn e / (1 + e)\n\t}\n\treturn 1 / (1 + exp(-a))\n", -1,
			"a second form for negative a", nil},
		{"sigmoid-other-form", "sigmoid", "1 / (1 + exp(-a))", "1 / (1 + 1/exp(a))", -1, "the check cannot tell which", nil},
		{"forward-bias-in-loop", "layerForward", "sum += float64(W.at(j, k) * x.at(r, k))", "sum += float64(W.at(j, k)*x.at(r, k)) + b[j]", 2,
			"b is added 5 times, once for each input", []string{"\t\t\tsum += b[j]\n", ""}},
		{"hidden-delta-not-cleared", "hiddenDelta", "\t\t\tvar sum float64\n", "\t\t\tsum := delta.at(r, k)\n", 5, "the sum started from what delta held", nil},
		// hiddenDelta called from deltas with the weights of its own layer, not the layer's above:
		// the run-time error is at the call in backprop.go, though it shows inside hiddenDelta.
		{"step-decay-weights", "SGD.step", "layer.W.at(j, k) - float64(rate*gW.at(j, k))",
			"float64((1-o.Eta*o.Lambda/float64(o.N))*layer.W.at(j, k)) - float64(rate*gW.at(j, k))", 8, "W was also shrunk by 1 − ηλ/n", nil},
		{"step-decay-biases", "SGD.step", "layer.B[j] - float64(rate*gb[j])", "float64((1-o.Eta*o.Lambda/float64(o.N))*layer.B[j]) - float64(rate*gb[j])", 8,
			"b was shrunk by 1 − ηλ/n", nil},
		// deltas (backprop.go) hands hiddenDelta the σ(a) of the layer above: the run-time error
		// shows inside hiddenDelta, which passed its own check, and is looked for at the call.
		{"deltas-wrong-s", "", "", "", 7, "look first at the call\n        at backprop.go:", nil},
		// A goroutine per sample, each adding into the shared gW and gb: a data race.
		{"gradient-goroutines", "layerGradients", layerGradientsAnswer, racyGradients, 6, "go test -race", nil},
		// An endless loop (k never grows): step 5 is given up after stepTimeLimit, the others
		// still get their verdicts.
		{"hidden-endless-loop", "hiddenDelta", "k < delta.Cols; k++", "k < delta.Cols; k *= 2", 5, "did not finish", nil},
	}
}

// slipAlso is a further phrase a slip's output must hold.
var slipAlso = map[string]string{
	"sigmoid-math-exp":   "σ(a) has the last bits of your σ, which are not the program's: step 1 says why",
	"sigmoid-two-branch": "σ(a) has the last bits of your σ",
}

// layerGradientsAnswer is the whole plain answer of step 6 (exercise_steps.go), which
// racyGradients replaces.
var layerGradientsAnswer = func() string {
	for _, s := range exerciseSteps() {
		if s.Name == "layerGradients" {
			return s.Answer
		}
	}
	return ""
}()

// racyGradients is step 6 with a goroutine per sample, each adding its terms into the shared
// gW and gb, with no lock: right numbers on one core, a data race on several.
const racyGradients = `
	for i := range gW.Data {
		gW.Data[i] = 0
	}
	for j := range gb {
		gb[j] = 0
	}
	var wg sync.WaitGroup
	for r := 0; r < delta.Rows; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < gW.Rows; j++ {
				for k := 0; k < gW.Cols; k++ {
					gW.row(j)[k] += float64(delta.at(r, j) * x.at(r, k))
				}
				gb[j] += delta.at(r, j)
			}
		}()
	}
	wg.Wait()
`

// soloSlips are the slips built on their own, not in the build of all the others: the checks
// read them in the source (math.Exp in σ's body), where the others' switch would show them all.
var soloSlips = map[string]bool{"sigmoid-math-exp": true, "deltas-wrong-s": true}

// slipEdits are the slips of the module's own functions, not of an answer: the file, the text
// and what it becomes.
var slipEdits = map[string][3]string{
	"deltas-wrong-s": {"backprop.go", "hiddenDelta(p.Delta[l], net.Layers[l+1].W, p.Delta[l+1], p.S[l])", "hiddenDelta(p.Delta[l], net.Layers[l+1].W, p.Delta[l+1], p.S[l+1])"},
}

// checkSlip checks the output of the step checks with slip s.
func checkSlip(t *testing.T, s exerciseSlip, out string) {
	t.Helper()
	t.Logf("slip %s: %s", s.name, strings.Join(regexp.MustCompile(`(?m)^(step \d+  WRONG.*|step \d+  ok, but.*|step \d+  did not.*|step \d+  not the same.*|\s+diagnosis: .*|\s*your code stopped.*|\d+ of \d+ functions done.*)$`).FindAllString(out, -1), " / "))
	switch {
	case s.step < 0 && !regexp.MustCompile(fmt.Sprintf(`(?m)^step %d  ok, but not bit for bit  `, -s.step)).MatchString(out):
		t.Errorf("slip %s: want step %d right but not bit for bit:\n%s", s.name, -s.step, out)
	case s.step <= 0 && !strings.Contains(out, s.says):
		t.Errorf("slip %s: want every step to pass, and %q:\n%s", s.name, s.says, out)
	case s.step > 0 && !regexp.MustCompile(fmt.Sprintf(`(?m)^step %d  (WRONG|did not finish in \S+|not the same twice)  `, s.step)).MatchString(out):
		t.Errorf("slip %s: want step %d named WRONG:\n%s", s.name, s.step, out)
	case s.step > 0 && !strings.Contains(out, s.says):
		t.Errorf("slip %s: want the diagnosis to say %q:\n%s", s.name, s.says, out)
	case !strings.Contains(out, slipAlso[s.name]):
		t.Errorf("slip %s: want the output to say %q:\n%s", s.name, slipAlso[s.name], out)
	}
	// Only the step slipped is not bit for bit, or is not done.
	for _, l := range regexp.MustCompile(`(?m)^step (\d+)  (ok, but|WRONG|did not|not the same)`).FindAllStringSubmatch(out, -1) {
		if n := fmt.Sprint(max(s.step, -s.step)); l[1] != n && !(s.name == "sigmoid-math-exp" || s.name == "sigmoid-two-branch" || s.name == "sigmoid-other-form") {
			t.Errorf("slip %s: step %s is named too:\n%s", s.name, l[1], out)
		}
	}
	// go test's own verdicts, which scripts read: the step named fails, and (a slip is one
	// step's) no other step does but those that wait for it.
	failed := regexp.MustCompile(`(?m)^\s*--- FAIL: TestSteps/(\d+) `).FindAllStringSubmatch(out, -1)
	var steps []string
	for _, f := range failed {
		steps = append(steps, f[1])
	}
	want := []string(nil)
	if s.step > 0 {
		want = append(want, fmt.Sprint(s.step))
		for i, st := range exerciseSteps() {
			if slices.Contains(st.Needs, s.step) {
				want = append(want, fmt.Sprint(i+1))
			}
		}
	}
	if !slices.Equal(steps, want) {
		t.Errorf("slip %s: go test fails the subtests %v, want %v:\n%s", s.name, steps, want, out)
	}
}

// TestExercise writes the exercise into a temporary folder and checks it as a learner meets it.
func TestExercise(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build the exercise with")
	}
	files, err := exerciseFiles(programSource)
	if err != nil {
		t.Fatal(err)
	}
	// Each build of the subtests skeleton, real bodies and plain answers and slips has a folder of
	// its own, and they run at the same time: one package compiles on one core, so the three
	// builds share the two cores.
	exercise := func(t *testing.T) string {
		dir := t.TempDir()
		writeFiles(t, dir, files)
		return dir
	}

	allPass := fmt.Sprintf("%d of %d functions done, and the gradient check (step 7) passes, bit for bit", countFuncs(exerciseSteps()), countFuncs(exerciseSteps()))

	t.Run("source", func(t *testing.T) { checkExerciseSource(t, files) })

	t.Run("skeleton", func(t *testing.T) {
		t.Parallel()
		dir := exercise(t)
		runIn(t, dir, true, "go", "vet", ".")
		// go test compiles the whole package, main included, and links it: it builds.
		out := runIn(t, dir, false, "go", "test", "-count=1", ".")
		noTrace(t, out)
		if !regexp.MustCompile(`(?m)^step 1  not written yet  σ\(a\) = 1/\(1 \+ e\^\(−a\)\)  \(sigmoid, network\.go:\d+\)$`).MatchString(out) {
			t.Errorf("go test on the skeleton does not say that step 1 is not written yet:\n%s", out)
		}
		loc := findSteps(files, exerciseSteps())["sigmoid"]
		if !strings.Contains(out, "(sigmoid, "+loc.String()+")") {
			t.Errorf("go test names another place for sigmoid than %s:\n%s", loc, out)
		}
		lines := regexp.MustCompile(`(?m)^step (\d+)  `).FindAllStringSubmatch(out, -1)
		if len(lines) != len(exerciseSteps()) {
			t.Errorf("go test prints %d step lines, want one per step (%d):\n%s", len(lines), len(exerciseSteps()), out)
		}
		for i, l := range lines {
			if l[1] != fmt.Sprint(i+1) {
				t.Errorf("step line %d is for step %s: the steps are out of order:\n%s", i+1, l[1], out)
				break
			}
		}
		if n := strings.Count(out, "  not written yet  "); n != countFuncs(exerciseSteps()) {
			t.Errorf("go test says %d steps are not written yet, want every one with a function (%d):\n%s", n, countFuncs(exerciseSteps()), out)
		}
		if !regexp.MustCompile(`(?m)^step 7  waiting for step 1  `).MatchString(out) || !strings.Contains(out, fmt.Sprintf("0 of %d functions done, and the gradient check (step 7) waits for step 1", countFuncs(exerciseSteps()))) {
			t.Errorf("go test does not show the gradient check waiting for step 1 and 0 steps done:\n%s", out)
		}
		// go test -json, as a script reads it: each step's subtest fails while the step is not
		// done, and is named by its number alone.
		out = runIn(t, dir, false, "go", "test", "-count=1", "-json", "-run", "TestSteps/1$", ".")
		if !regexp.MustCompile(`"Action":"fail".*"Test":"TestSteps/1"`).MatchString(out) || strings.Contains(out, `"Test":"TestSteps/2"`) {
			t.Errorf("go test -json -run 'TestSteps/1$' does not say that TestSteps/1 alone fails:\n%s", out)
		}
		out = runIn(t, dir, false, "go", "test", "-count=1", "-json", ".")
		for i := range exerciseSteps() {
			if !regexp.MustCompile(fmt.Sprintf(`"Action":"fail".*"Test":"TestSteps/%d"`, i+1)).MatchString(out) {
				t.Errorf("go test -json does not say that step %d (not written or waiting) fails:\n%s", i+1, out)
			}
		}
		// The exercise's main does not train the stubs: it names the first step not written.
		out = runIn(t, dir, false, "go", "run", ".", "-data", t.TempDir(), "-epochs", "1")
		noTrace(t, out)
		if !strings.Contains(out, "main: step 1 (sigmoid) is not written yet: sigmoid(0) gives 0, not ½, as its stub does") {
			t.Errorf("go run . on the skeleton does not say that step 1 is not written yet:\n%s", out)
		}
		// One step, with its hints: the subtest alone, then hints 1 to 3, the last a body.
		out = runIn(t, dir, false, "go", "test", "-count=1", "-run", "TestSteps/5", "-args", "-hint", "3")
		if n := len(regexp.MustCompile(`(?m)^step \d+  `).FindAllString(out, -1)); n != 1 || !strings.Contains(out, "hint 2: ") ||
			!strings.Contains(out, "hint 3, a body for hiddenDelta") || !strings.Contains(out, "sigmoidPrimeFromSigma(s.at(r, k))") {
			t.Errorf("go test -run TestSteps/5 -args -hint 3 does not give step 5 alone with its three hints:\n%s", out)
		}
	})
	if testing.Short() {
		return // -short: the real bodies and the slips are not built
	}

	t.Run("real bodies", func(t *testing.T) {
		t.Parallel()
		dir := exercise(t)
		restored := map[string][]byte{}
		for name := range files {
			if strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") && name != "main.go" {
				orig, err := fs.ReadFile(programSource, name)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(orig, files[name]) {
					restored[name] = orig
				}
			}
		}
		writeFiles(t, dir, restored)
		out := runIn(t, dir, true, "go", "test", "-count=1") // the folder's own package: its output is shown
		noTrace(t, out)
		if !strings.Contains(out, allPass) || !strings.Contains(out, "go run . -data ../path/to/mnist") {
			t.Errorf("with the real bodies, go test does not say every step passes and what to run next:\n%s", out)
		}
		// Every step written: the exercise's main goes on to the data (here, a folder without it).
		out = runIn(t, dir, false, "go", "run", ".", "-data", t.TempDir(), "-epochs", "1")
		if !strings.Contains(out, "missing train-images-idx3-ubyte") || strings.Contains(out, "not written yet") {
			t.Errorf("go run . with every step written does not go on to read the data:\n%s", out)
		}
	})

	t.Run("plain answers and slips", func(t *testing.T) {
		t.Parallel()
		dir := exercise(t)
		answered, err := fillIn(files, plainAnswers(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if keep := os.Getenv("MNIST_EXERCISE_OUT"); keep != "" {
			if err := os.Mkdir(keep, 0o755); err != nil {
				t.Fatalf("MNIST_EXERCISE_OUT: %v", err)
			}
			writeFiles(t, keep, files)
			writeFiles(t, keep, answered)
			t.Logf("the plain answers are in %s", keep)
		}
		var together, alone []exerciseSlip // alone: a slip the checks see in the source, built on its own
		for _, s := range exerciseSlips() {
			if soloSlips[s.name] {
				alone = append(alone, s)
			} else {
				together = append(together, s)
			}
		}
		slipped, err := fillIn(files, plainAnswers(), together)
		if err != nil {
			t.Fatal(err)
		}
		writeFiles(t, dir, slipped)
		runIn(t, dir, true, "go", "vet", ".")
		runIn(t, dir, true, "go", "test", "-c", "-o", "steps.test", ".")
		bin := filepath.Join(dir, "steps.test")

		out := runSlip(t, dir, bin, "", true)
		if !strings.Contains(out, allPass) || strings.Contains(out, "--- FAIL") {
			t.Errorf("the plain answers do not pass every step bit for bit:\n%s", out)
		}
		for _, s := range together {
			if s.name == "gradient-goroutines" { // a race: its numbers may differ from run to run
				checkRace(t, s, runSlip(t, dir, bin, s.name, nil))
				continue
			}
			checkSlip(t, s, runSlip(t, dir, bin, s.name, s.step <= 0))
		}
		for _, s := range alone {
			dir := exercise(t)
			slipped, err := fillIn(files, plainAnswers(), []exerciseSlip{s})
			if err != nil {
				t.Fatal(err)
			}
			if e, ok := slipEdits[s.name]; ok {
				if !bytes.Contains(slipped[e[0]], []byte(e[1])) {
					t.Fatalf("slip %s: %s has no %q", s.name, e[0], e[1])
				}
				slipped[e[0]] = bytes.Replace(slipped[e[0]], []byte(e[1]), []byte(e[2]), 1)
			}
			writeFiles(t, dir, slipped)
			runIn(t, dir, true, "go", "test", "-c", "-o", "steps.test", ".")
			checkSlip(t, s, runSlip(t, dir, filepath.Join(dir, "steps.test"), s.name, s.step <= 0))
		}
	})
}

// checkExerciseSource checks the written Go files without building them: gofmt-clean, the step
// functions stubbed, and every comment outside the step bodies (directives included) kept, in
// order; none of the removed bodies' comments left behind.
func checkExerciseSource(t *testing.T, files map[string][]byte) {
	steps := exerciseSteps()
	stubbed := 0
	for name, text := range files {
		if !strings.HasSuffix(name, ".go") {
			continue
		}
		if formatted, err := format.Source(text); err != nil || !bytes.Equal(formatted, text) {
			t.Errorf("%s is not gofmt-clean (%v)", name, err)
		}
		if strings.HasSuffix(name, "_test.go") || name == "main.go" || name == "matrix.go" { // matrix.go loses its products
			continue
		}
		orig, err := fs.ReadFile(programSource, name)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := commentsOutsideSteps(t, name, orig, steps)
		after, n := commentsOutsideSteps(t, name, text, steps)
		stubbed += n
		if strings.Join(before, "\n") != strings.Join(after, "\n") {
			t.Errorf("%s: the comments outside the step bodies changed:\nbefore %q\nafter  %q", name, before, after)
		}
	}
	if stubbed != countFuncs(steps) {
		t.Errorf("%d step functions are stubs, want %d", stubbed, countFuncs(steps))
	}
	for name := range files { // the course and its report only: no lab, downloader, trainer or fast product
		if strings.HasPrefix(name, "lab") || strings.HasPrefix(name, "fast_") || slices.Contains([]string{"train.go", "parallel.go", "download.go", "exercise.go", "explain.go", "session.go"}, name) {
			t.Errorf("the exercise holds %s, which is not the course's", name)
		}
	}
	for _, fn := range exerciseDropped {
		if bytes.Contains(files["matrix.go"], []byte("func "+fn+"(")) {
			t.Errorf("the exercise's matrix.go still has %s, which computes part of a step's answer", fn)
		}
	}
	if !bytes.Contains(files["steps_test.go"], []byte("const learnerMode = true")) {
		t.Error("the exercise's steps_test.go is not in learner mode")
	}
	for _, name := range []string{"go.mod", "main.go", "EXERCISE.md"} {
		if len(files[name]) == 0 {
			t.Errorf("the exercise has no %s", name)
		}
	}
	md := string(files["EXERCISE.md"])
	// The text names only what the module holds: EXERCISE.md and the stubs name no file, flag
	// or part of the program that is not in it, but in the paragraph that lists those the
	// module's comments name; and that paragraph lists every one of them.
	note := regexp.MustCompile(`(?s)The comments in these files are the full program's.*?You need none of them\.`).FindString(md)
	if note == "" {
		t.Error("EXERCISE.md does not say which parts of the program the comments name that the folder leaves out")
	}
	texts := map[string]string{"EXERCISE.md": strings.Replace(md, note, "", 1)}
	for _, st := range steps {
		texts["the stub of "+st.Func()] = st.Stub
	}
	for what, text := range texts {
		for _, name := range regexp.MustCompile(`\b[a-z][a-z0-9_]*\.go\b|-explain|\blab\b|runExample|fast_`).FindAllString(text, -1) {
			if files[name] == nil {
				t.Errorf("%s names %s, which the exercise does not hold", what, name)
			}
		}
	}
	for name, text := range files {
		for _, m := range regexp.MustCompile(`\b[a-z][a-z0-9_]*\.go\b`).FindAllString(string(text), -1) {
			if files[m] == nil && !strings.Contains(note, m) {
				t.Errorf("%s names %s, which the exercise does not hold, and EXERCISE.md does not list it", name, m)
			}
		}
	}
	if !strings.HasPrefix(string(files["matrix.go"]), exerciseMatrixHeader) || strings.Contains(string(files["matrix.go"]), "productPQ") {
		t.Errorf("the exercise's matrix.go does not open with its own header, or still names the products it does not hold:\n%s", files["matrix.go"])
	}
	if !strings.Contains(md, fmt.Sprintf("`did not finish in %v`", stepTimeLimit)) {
		t.Errorf("EXERCISE.md does not give the time limit of a step's check, %v (steps_test.go)", stepTimeLimit)
	}
	loc := findSteps(files, steps)
	for i, s := range steps {
		if !strings.Contains(md, fmt.Sprintf("### Step %d: %s", i+1, s.Title)) || !strings.Contains(md, s.Eq) {
			t.Errorf("EXERCISE.md has no section for step %d, %s", i+1, s.Title)
		}
		if s.Name != "" && !strings.Contains(md, "`"+s.Func()+"` at "+loc[s.Func()].String()) {
			t.Errorf("EXERCISE.md does not say where %s is (%s)", s.Func(), loc[s.Func()])
		}
	}
}

// commentsOutsideSteps lists the comments of a Go file that are not inside a step function's
// body, and counts the step functions whose bodies are stubs.
func commentsOutsideSteps(t *testing.T, name string, text []byte, steps []exerciseStep) ([]string, int) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, text, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var bodies [][2]token.Pos
	stubs := 0
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			for _, s := range steps {
				if s.Name != "" && fd.Name.Name == s.Name && stepRecv(fd) == s.Recv {
					bodies = append(bodies, [2]token.Pos{fd.Body.Lbrace, fd.Body.Rbrace})
					if isStubBody(fd.Body) {
						stubs++
					}
				}
			}
		}
	}
	var out []string
	for _, cg := range f.Comments {
		inside := false
		for _, b := range bodies {
			inside = inside || (cg.Pos() > b[0] && cg.End() <= b[1])
		}
		if !inside {
			for _, c := range cg.List {
				out = append(out, c.Text)
			}
		}
	}
	return out, stubs
}

// fillIn returns the exercise's files that hold step functions with the bodies of answers. With
// slips, each answer that a slip changes becomes a switch on MNIST_EXERCISE_SLIP between the
// answer and its slipped versions, so that one build holds them all.
func fillIn(files map[string][]byte, answers map[string]string, slips []exerciseSlip) (map[string][]byte, error) {
	bodies := map[string]string{}
	for fn, body := range answers {
		var cases []string
		for _, s := range slips {
			if s.fn != fn {
				continue
			}
			slipped := body
			pairs := append([]string{s.old, s.new}, s.more...)
			for i := 0; i < len(pairs); i += 2 {
				if !strings.Contains(slipped, pairs[i]) {
					return nil, fmt.Errorf("slip %s: %q is not in the answer of %s", s.name, pairs[i], fn)
				}
				slipped = strings.ReplaceAll(slipped, pairs[i], pairs[i+1])
			}
			cases = append(cases, fmt.Sprintf("case %q: {%s}\n", s.name, slipped))
		}
		if len(cases) > 0 {
			body = "\nswitch slipos.Getenv(\"MNIST_EXERCISE_SLIP\") {\n" + strings.Join(cases, "") + "default: {" + body + "}\n}\n"
		}
		bodies[fn] = body
	}
	steps := exerciseSteps()
	out := map[string][]byte{}
	for name, text := range files {
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, text, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		var edits []sourceEdit
		for _, sf := range stepFuncs(f, steps) {
			edits = append(edits, bodyEdit(fset, sf.decl, bodies[sf.step.Func()]))
		}
		if len(edits) == 0 {
			continue
		}
		text = applySourceEdits(text, edits)
		var imports []string
		if bytes.Contains(text, []byte("slipos.")) {
			imports = append(imports, "import slipos \"os\"") // the switch reads the environment
		}
		for _, pkg := range []string{"math", "sync"} { // a slip's math.Exp or sync.WaitGroup, where the stub dropped the import
			if bytes.Contains(text, []byte(pkg+".")) && !bytes.Contains(text, []byte(strconv.Quote(pkg))) {
				imports = append(imports, "import "+strconv.Quote(pkg))
			}
		}
		if len(imports) > 0 {
			end := fset.Position(f.Name.End()).Offset
			text = append(text[:end:end], append([]byte("\n\n"+strings.Join(imports, "\n")+"\n"), text[end:]...)...)
		}
		formatted, err := format.Source(text)
		if err != nil {
			return nil, fmt.Errorf("%s with the answers: %v", name, err)
		}
		out[name] = formatted
	}
	return out, nil
}

// writeFiles writes files (path → content) under dir, as -exercise does.
func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	if err := writeTree(dir, files); err != nil {
		t.Fatal(err)
	}
}

// runIn runs a command in dir and returns its output; it must succeed if ok, fail otherwise.
func runIn(t *testing.T, dir string, ok bool, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "MNIST_EXERCISE_SLIP=")
	if runtime.GOARCH == "arm64" && os.Getenv("GOARCH") == "arm64" && hostArch(t) != "arm64" {
		// This suite runs in an emulator (GOARCH=arm64 go test -exec qemu-aarch64): build the
		// exercise for this computer, so that its own go test can run it.
		cmd.Env = append(cmd.Env, "GOARCH=")
	}
	out, err := cmd.CombinedOutput()
	if (err == nil) != ok {
		t.Fatalf("%s %s in the exercise: error %v, want success %v:\n%s", name, strings.Join(args, " "), err, ok, out)
	}
	return string(out)
}

// hostArch is the architecture of the computer the go command runs on.
func hostArch(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOHOSTARCH").Output()
	if err != nil {
		t.Fatalf("go env GOHOSTARCH: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// checkRace checks the output of the step checks with a data race in step s.step: the step
// not bit for bit or wrong, or two runs not the same, and go test -race named.
func checkRace(t *testing.T, s exerciseSlip, out string) {
	t.Helper()
	t.Logf("slip %s: %s", s.name, strings.Join(regexp.MustCompile(`(?m)^(step \d+  ok, but.*|step \d+  not the same.*|step \d+  WRONG.*)$`).FindAllString(out, -1), " / "))
	if regexp.MustCompile(fmt.Sprintf(`(?m)^step %d  ok  `, s.step)).MatchString(out) || !strings.Contains(out, s.says) {
		t.Errorf("slip %s: want step %d not bit for bit, wrong or not the same twice, and %q:\n%s", s.name, s.step, s.says, out)
	}
}

// runSlip runs the exercise's test binary with a slip chosen; it must pass if ok (either, if
// ok is nil).
func runSlip(t *testing.T, dir, bin, slip string, ok any) string {
	t.Helper()
	cmd := exec.Command(bin, "-test.count=1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MNIST_EXERCISE_SLIP="+slip)
	out, err := cmd.CombinedOutput()
	noTrace(t, string(out))
	if want, strict := ok.(bool); strict && (err == nil) != want {
		t.Errorf("slip %q: the step checks %s, want them to %s:\n%s", slip, map[bool]string{true: "pass", false: "fail"}[err == nil], map[bool]string{true: "pass", false: "fail"}[want], out)
	}
	return string(out)
}

// noTrace fails the test if out holds a panic or a goroutine dump.
func noTrace(t *testing.T, out string) {
	t.Helper()
	if regexp.MustCompile(`(?m)^(panic:|goroutine \d+ \[)`).MatchString(out) || strings.Contains(out, "panic: ") {
		t.Errorf("the output holds a stack trace:\n%s", out)
	}
}

// TestExerciseFlag: -exercise writes into a new or an empty folder and refuses anything else
// with one line: status 2 for a folder that is not empty, a file or other flags beside it, 1 for
// a folder that cannot be made.
func TestExerciseFlag(t *testing.T) {
	fresh := filepath.Join(t.TempDir(), "new")
	empty := t.TempDir()
	for _, dir := range []string{fresh, empty} {
		status, stdout, stderr := runProgram("-exercise", dir)
		if status != 0 || stderr != "" || !strings.Contains(stdout, "go test") {
			t.Errorf("-exercise %s: status %d, stdout %q, stderr %q", dir, status, stdout, stderr)
		}
		for _, name := range []string{"EXERCISE.md", "network.go", "backprop.go", "steps_test.go", "go.mod", "main.go", "plain_train.go"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("-exercise %s: %v", dir, err)
			}
		}
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args   []string
		status int
		says   string
	}{
		{[]string{"-exercise", fresh}, 2, "not empty"},
		{[]string{"-exercise", file}, 2, "is a file"},
		{[]string{"-exercise", t.TempDir(), "-epochs", "3"}, 2, "no other flag"},
		{[]string{"-exercise", filepath.Join(file, "below")}, 1, "-exercise " + filepath.Join(file, "below")},
	} {
		status, stdout, stderr := runProgram(c.args...)
		if status != c.status || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.says) {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want status %d and one line saying %q", c.args, status, stdout, stderr, c.status, c.says)
		}
	}
}

// TestStubFile: on a file where a step body is the only user of two imports, stubbing removes
// the body with its comments, the two imports (one from a group, one declared alone), and
// nothing else: comments around, directives and the other imports stay.
func TestStubFile(t *testing.T) {
	src := `// Package comment.
package main

import (
	"embed"
	"math"
	"strings"
)

import "strconv"

// files is embedded.
//
//go:embed *.go
var files embed.FS

// sigmoid's doc comment stays.
func sigmoid(a float64) float64 {
	// a comment inside the body goes
	n, _ := strconv.Atoi(strings.Repeat("1", 2)) // so does this one
	return float64(n) * a // and this
}

// other keeps math.
func other() float64 { return math.Pi } // a trailing comment stays
`
	found := map[string]string{}
	out, err := stubFile("x.go", []byte(src), exerciseSteps(), found)
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, gone := range []string{`"strings"`, `"strconv"`, "inside the body", "so does this one", "and this", "Atoi"} {
		if strings.Contains(got, gone) {
			t.Errorf("%s is still there:\n%s", gone, got)
		}
	}
	for _, kept := range []string{`"embed"`, `"math"`, "// Package comment.", "//go:embed *.go", "// sigmoid's doc comment stays.",
		"// a trailing comment stays", "// Step 1 of EXERCISE.md", "return 0"} {
		if !strings.Contains(got, kept) {
			t.Errorf("%s is missing:\n%s", kept, got)
		}
	}
	if found["sigmoid"] != "x.go" {
		t.Errorf("sigmoid found in %q, want x.go", found["sigmoid"])
	}
	if formatted, err := format.Source(out); err != nil || !bytes.Equal(formatted, out) {
		t.Errorf("not gofmt-clean (%v):\n%s", err, got)
	}
}

// TestExerciseHandout: -exercise DIR -hints=false writes a module with no answer in it: no
// hint-3 body, nor any line of one, is in any file written; -hint 3 says there is none; and the
// grader takes such a folder as the exercise's (nothing "edited").
func TestExerciseHandout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "handout")
	status, stdout, stderr := runProgram("-exercise", dir, "-hints=false")
	if status != 0 || stderr != "" || !strings.Contains(stdout, "no answer in it") {
		t.Fatalf("-exercise DIR -hints=false: status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
	written := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			text, err := os.ReadFile(p)
			written[p] = text
			return err
		}
		return err
	})
	if err != nil || len(written) < 10 {
		t.Fatalf("the hand-out: %v, %d files", err, len(written))
	}
	for _, s := range exerciseSteps() {
		if s.Answer == "" {
			continue
		}
		pieces := []string{s.Answer, strings.TrimSpace(s.Answer)}
		for _, l := range strings.Split(s.Answer, "\n") { // each line of the body that says something of its own
			if l = strings.TrimSpace(l); len(l) > 24 && !strings.HasPrefix(l, "for ") && !strings.HasPrefix(l, "var ") {
				pieces = append(pieces, l)
			}
		}
		for p, text := range written {
			for _, piece := range pieces {
				if bytes.Contains(text, []byte(piece)) {
					t.Errorf("the hand-out's %s holds %q, of the answer of %s", filepath.Base(p), piece, s.Func())
				}
			}
		}
	}
	md := string(written[filepath.Join(dir, "EXERCISE.md")])
	if !strings.Contains(md, "This folder holds\nno answer") || strings.Contains(md, "3 a body") {
		t.Errorf("the hand-out's EXERCISE.md does not say that it holds no answer:\n%s", md)
	}
	exercise, err := gradeExercise() // the grader reads the hand-out as the exercise's, edited nowhere
	if err != nil {
		t.Fatal(err)
	}
	var s gradeStudent
	s.files = map[string][]byte{}
	if err := s.read(dir, exercise); err != nil || len(s.notes) != 0 {
		t.Errorf("the grader reads the hand-out with notes %q (%v), want none", s.notes, err)
	}
	withHints, err := exerciseFiles(programSource)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(withHints["EXERCISE.md"]), "the `Answer` of each step") {
		t.Error("with hints, EXERCISE.md does not say where the answers are")
	}
	if testing.Short() {
		return
	}
	out := runIn(t, dir, false, "go", "test", "-count=1", "-run", "TestSteps/5$", "-args", "-hint", "3")
	noTrace(t, out)
	if !strings.Contains(out, "hint 3: none in this folder") || !strings.Contains(out, "hint 2: ") {
		t.Errorf("-hint 3 in the hand-out does not say there is no body:\n%s", out)
	}
}
