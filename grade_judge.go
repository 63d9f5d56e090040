// grade_judge.go judges one answer of the harness (grade_harness.go) against a check
// (grade_steps.go): bit for bit, ok but not bit for bit (with its cause when a known variant
// gives exactly the student's bits, else "cause not known"), or wrong (with the known slip, or
// the first number that differs). The verdicts and their words are here, for the terminal, the
// CSV and the page alike.

package main

import (
	"fmt"
	"math"
	"slices"
)

// The verdicts. A step is done when it is bitForBit or notBitForBit.
const (
	bitForBit    = "bit for bit"
	notBitForBit = "ok, not bit for bit"
	wrongAnswer  = "wrong"
	notWritten   = "not written"
	waiting      = "waits"
	notFinished  = "did not finish"
	tooMuchMem   = "too much memory"
	crashed      = "crashed"
	noBuild      = "does not build"
	noRace       = "not deterministic"
)

// done says whether a verdict counts the step as done.
func done(verdict string) bool { return verdict == bitForBit || verdict == notBitForBit }

// gradeTolerance is how far, relative to the largest number of an output, an answer may be
// from the program's and still be "ok, not bit for bit": a sum in another order or a fused
// multiply-add moves the last bits of a few numbers, some 1e-16 of them, a slip moves them by far
// more. The training check, 300 mini-batches of such differences, has gradeTrainTolerance.
const gradeTolerance, gradeTrainTolerance = 1e-9, 1e-6

// judge returns the verdict and its detail for the answer a to check c.
func (c *gradeCheck) judge(a gradeAnswer) (verdict, detail string) {
	got, err := answerFloats(a.F, c)
	if err != nil {
		return wrongAnswer, err.Error()
	}
	again, err := answerFloats(a.Again, c)
	if err != nil {
		return wrongAnswer, err.Error()
	}
	if !sameAnswer(got, again, c.outs) {
		return noRace, "two runs on the same inputs, in one process, gave different bits: goroutines writing the same numbers? (go test -race says where)"
	}
	if sameAnswer(got, c.want, c.outs) {
		return bitForBit, ""
	}
	for _, v := range c.alts {
		if sameAnswer(got, v.ans, c.outs) {
			return notBitForBit, v.name
		}
	}
	for _, v := range c.slips {
		if sameAnswer(got, v.ans, c.outs) {
			return wrongAnswer, v.name
		}
	}
	tol := gradeTolerance
	if c.step == "train" {
		tol = gradeTrainTolerance
	}
	worst, at, where := 0.0, 0, ""
	for _, name := range c.outs {
		scale := 0.0
		for _, w := range c.want[name] {
			if !math.IsInf(w, 0) && !math.IsNaN(w) {
				scale = math.Max(scale, math.Abs(w))
			}
		}
		for i, g := range got[name] {
			w := c.want[name][i]
			d := math.Abs(g-w) / math.Max(scale, 1e-300)
			if math.IsNaN(g) != math.IsNaN(w) || (math.IsInf(w, 0) && g != w) {
				d = math.Inf(1)
			}
			if g != w && (where == "" || d > worst) {
				worst, at, where = d, i, name
			}
		}
	}
	if worst <= tol {
		return notBitForBit, fmt.Sprintf("largest difference %.1e of the largest number, in %s: the cause is not one the grader knows (another order of a sum, a fused multiply-add or another e^x would do it)", worst, where)
	}
	if c.more != nil {
		if d := c.more(got); d != "" {
			return wrongAnswer, d
		}
	}
	if c.pre != nil && sameAnswer(got, c.pre, c.outs) {
		return wrongAnswer, "the outputs are as they were before the call: nothing is set"
	}
	negated, added := true, c.pre != nil
	for _, name := range c.outs {
		for i, g := range got[name] {
			w := c.want[name][i]
			negated = negated && g == -w
			if added {
				p := c.pre[name][i]
				added = math.Abs(g-p-w) <= 1e-9*(1+math.Abs(w)+math.Abs(p))
			}
		}
	}
	switch {
	case negated:
		return wrongAnswer, "every number has its sign flipped"
	case added:
		return wrongAnswer, "added to what the outputs held before the call, instead of set: start each sum at 0"
	}
	return wrongAnswer, fmt.Sprintf("%s[%d] is %.6g, want %.6g", where, at, got[where][at], c.want[where][at])
}

// answerFloats reads the outputs of an answer, each of the length of the program's.
func answerFloats(m map[string]string, c *gradeCheck) (map[string][]float64, error) {
	out := map[string][]float64{}
	for _, name := range c.outs {
		xs, err := parseHexFloats(m[name])
		if err != nil {
			return nil, fmt.Errorf("the answer %s does not read: %v", name, err)
		}
		if len(xs) != len(c.want[name]) {
			return nil, fmt.Errorf("the answer %s has %d numbers, want %d", name, len(xs), len(c.want[name]))
		}
		out[name] = xs
	}
	return out, nil
}

// sameAnswer says whether two answers have the same bits in every output of outs.
func sameAnswer(x, y map[string][]float64, outs []string) bool {
	for _, name := range outs {
		if !slices.EqualFunc(x[name], y[name], func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }) {
			return false
		}
	}
	return true
}
