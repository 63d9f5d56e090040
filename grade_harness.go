// grade_harness.go holds the harness that -grade (grade.go) builds with a student's files, and
// the protocol between the two. The harness is a main.go the grader writes into a fresh copy of
// the exercise's module, beside the student's network.go, backprop.go and matrix.go: it reads
// one request on standard input, runs the student's function of one step on the request's
// inputs twice (two answers that differ are a race), and prints its answers on standard output.
// It decides nothing: the grader draws the inputs, and judges the answers with the program's own
// functions (grade_steps.go).
//
// The protocol, one line each way, JSON:
//
//	request  {"Nonce":"…","Step":"sigmoid","F":{"x":"3ff0000000000000…"},"I":{"x":[5,13]},"P":"…"}
//	answer   NONCE {"Nonce":"…","F":{…},"Again":{…}}
//
// Every float64 travels as the 16 hex digits of its bits (math.Float64bits), a whole slice as
// one string of them: exact, NaN and −0 included. I holds the shapes, labels and indices, P the
// pixels of the training check. The answer is the line that starts with the request's nonce, 32
// random hex digits drawn for every run: whatever a student's code prints before or after it, a
// verdict line or an answer made up in advance, is not read.

package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// gradeRequest is what the grader sends the harness for one step.
type gradeRequest struct {
	Nonce string
	Step  string            // the harness's name of the step: sigmoid, layerForward, …, backward, train
	F     map[string]string // float64 slices, by name, as hex bits (hexFloats)
	I     map[string][]int  // shapes (name → rows, cols), labels, orders, sizes
	P     []byte            // pixels, for the training check
}

// gradeAnswer is what the harness prints: the outputs, by name, of the first run and of the
// second on the same inputs.
type gradeAnswer struct {
	Nonce    string
	F, Again map[string]string
}

// hexFloats writes xs as the hex digits of their bits, 16 a number.
func hexFloats(xs []float64) string {
	b := make([]byte, 0, 16*len(xs))
	for _, x := range xs {
		b = fmt.Appendf(b, "%016x", math.Float64bits(x))
	}
	return string(b)
}

// parseHexFloats reads what hexFloats wrote.
func parseHexFloats(s string) ([]float64, error) {
	if len(s)%16 != 0 {
		return nil, fmt.Errorf("%d hex digits, not a multiple of 16", len(s))
	}
	xs := make([]float64, len(s)/16)
	for i := range xs {
		u, err := strconv.ParseUint(s[16*i:16*i+16], 16, 64)
		if err != nil {
			return nil, err
		}
		xs[i] = math.Float64frombits(u)
	}
	return xs, nil
}

// findAnswer returns the answer in out, the harness's standard output: the one line that
// starts with nonce and a space, with the same nonce inside and every number well formed.
func findAnswer(out []byte, nonce string) (gradeAnswer, error) {
	var a gradeAnswer
	for line := range bytes.Lines(out) {
		rest, ok := bytes.CutPrefix(line, []byte(nonce+" "))
		if !ok {
			continue
		}
		if err := json.Unmarshal(rest, &a); err != nil {
			return a, fmt.Errorf("its answer does not read: %v", err)
		}
		if a.Nonce != nonce {
			return a, errors.New("its answer has another nonce")
		}
		for _, m := range []map[string]string{a.F, a.Again} {
			for name, v := range m {
				if _, err := parseHexFloats(v); err != nil {
					return a, fmt.Errorf("its answer %s does not read: %v", name, err)
				}
			}
		}
		return a, nil
	}
	return a, errors.New("no answer")
}

// newNonce is 32 hex digits from seed material: the grader draws it from crypto/rand.
func newNonce(b [16]byte) string { return hex.EncodeToString(b[:]) }

// harnessMain is the harness's main.go. It calls the student's functions by the names and
// signatures of the exercise (network.go, backprop.go); a student who changed a signature gets
// "does not build" with the compiler's line. Output buffers are filled first with the values
// the grader sends (the "pre" inputs), so that a function that adds into its output instead of
// setting it is seen.
const harnessMain = `// main.go of the grader's harness (written by -grade): it runs one step of your functions on
// the inputs the grader sends and prints the answers; the grader judges them.

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
)

type request struct {
	Nonce string
	Step  string
	F     map[string]string
	I     map[string][]int
	P     []byte
}

type answer struct {
	Nonce    string
	F, Again map[string]string
}

func main() {
	line, err := bufio.NewReaderSize(os.Stdin, 1<<20).ReadBytes('\n')
	var q request
	if err == nil {
		err = json.Unmarshal(line, &q)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "harness: bad request:", err)
		os.Exit(3)
	}
	a := answer{Nonce: q.Nonce, F: runStep(q)}
	a.Again = runStep(q)
	out, _ := json.Marshal(a)
	os.Stdout.Write([]byte("\n" + q.Nonce + " " + string(out) + "\n"))
}

func floats(q request, name string) []float64 {
	s := q.F[name]
	xs := make([]float64, len(s)/16)
	for i := range xs {
		u, _ := strconv.ParseUint(s[16*i:16*i+16], 16, 64)
		xs[i] = math.Float64frombits(u)
	}
	return xs
}

func hexOf(xs []float64) string {
	b := make([]byte, 0, 16*len(xs))
	for _, x := range xs {
		b = fmt.Appendf(b, "%016x", math.Float64bits(x))
	}
	return string(b)
}

func matrix(q request, name string) Matrix {
	shape := q.I[name]
	return Matrix{Rows: shape[0], Cols: shape[1], Data: floats(q, name)}
}

func labels(q request) []byte {
	var l []byte
	for _, v := range q.I["labels"] {
		l = append(l, byte(v))
	}
	return l
}

func network(q request) *Network {
	net := &Network{Sizes: q.I["sizes"]}
	for l := 1; l < len(net.Sizes); l++ {
		w := floats(q, "W"+strconv.Itoa(l))
		net.Layers = append(net.Layers, Layer{W: Matrix{Rows: net.Sizes[l], Cols: net.Sizes[l-1], Data: w}, B: floats(q, "b"+strconv.Itoa(l))})
	}
	return net
}

func layersOut(net *Network) map[string]string {
	out := map[string]string{}
	for l, layer := range net.Layers {
		out["W"+strconv.Itoa(l+1)] = hexOf(layer.W.Data)
		out["b"+strconv.Itoa(l+1)] = hexOf(layer.B)
	}
	return out
}

func runStep(q request) map[string]string {
	switch q.Step {
	case "sigmoid", "sigmoidPrimeFromSigma":
		xs := floats(q, "x")
		ys := make([]float64, len(xs))
		for i, x := range xs {
			if q.Step == "sigmoid" {
				ys[i] = sigmoid(x)
			} else {
				ys[i] = sigmoidPrimeFromSigma(x)
			}
		}
		return map[string]string{"y": hexOf(ys)}
	case "layerForward":
		a, s := matrix(q, "a"), matrix(q, "s")
		layerForward(Layer{W: matrix(q, "W"), B: floats(q, "b")}, matrix(q, "x"), a, s)
		return map[string]string{"a": hexOf(a.Data), "s": hexOf(s.Data)}
	case "outputDelta":
		delta := matrix(q, "delta")
		outputDelta(delta, matrix(q, "yhat"), labels(q))
		return map[string]string{"delta": hexOf(delta.Data)}
	case "hiddenDelta":
		delta := matrix(q, "delta")
		hiddenDelta(delta, matrix(q, "wAbove"), matrix(q, "deltaAbove"), matrix(q, "s"))
		return map[string]string{"delta": hexOf(delta.Data)}
	case "layerGradients":
		gW, gb := matrix(q, "gW"), floats(q, "gb")
		layerGradients(gW, gb, matrix(q, "delta"), matrix(q, "x"))
		return map[string]string{"gW": hexOf(gW.Data), "gb": hexOf(gb)}
	case "SGD.step", "SGD.shrinkWeights":
		layer := Layer{W: matrix(q, "W"), B: floats(q, "b")}
		o := SGD{Eta: floats(q, "eta")[0], Lambda: floats(q, "lambda")[0], N: q.I["n"][0]}
		if q.Step == "SGD.step" {
			o.step(layer, matrix(q, "gW"), floats(q, "gb"), q.I["batch"][0])
		} else {
			o.shrinkWeights(layer)
		}
		return map[string]string{"W": hexOf(layer.W.Data), "b": hexOf(layer.B)}
	case "backward":
		net := network(q)
		lab := labels(q)
		p := net.newPass(len(lab))
		x := floats(q, "x")
		for r, label := range lab {
			p.setInput(r, x[r*net.Sizes[0]:(r+1)*net.Sizes[0]], label)
		}
		g := net.newGrads()
		net.forward(p)
		net.backward(p, g)
		out := map[string]string{}
		for l := range net.Layers {
			out["W"+strconv.Itoa(l+1)] = hexOf(g.W[l].Data)
			out["b"+strconv.Itoa(l+1)] = hexOf(g.B[l])
		}
		return out
	case "train":
		net := network(q)
		batch, size := q.I["batch"][0], net.Sizes[0]
		o := SGD{Eta: floats(q, "eta")[0], Lambda: floats(q, "lambda")[0], N: q.I["n"][0]}
		p, g := net.newPass(batch), net.newGrads()
		order, lab := q.I["order"], labels(q)
		for lo := 0; lo+batch <= len(order); lo += batch {
			for r, i := range order[lo : lo+batch] {
				p.setImage(r, q.P[i*size:(i+1)*size], lab[i])
			}
			net.trainBatch(p, g, o)
		}
		return layersOut(net)
	}
	fmt.Fprintln(os.Stderr, "harness: no step", q.Step)
	os.Exit(3)
	return nil
}
`

// harnessLimits is the file of the harness that sets its limits (Linux; grade_sandbox_linux.go
// says why these). Its one variable is the first of the package to be initialised: package
// variables are initialised in the order of their files' names where none depends on another,
// and a_grade_limits.go sorts before every file of the module, so the limits hold before any of
// the student's package-level variables or init functions runs (the standard library's own
// init, which the student does not write, runs before it). %d are the data segment's bytes, the
// CPU seconds and the bytes of the largest file it may write.
const harnessLimits = `//go:build linux

// a_grade_limits.go of the grader's harness (written by -grade): the limits of this process,
// set before any other code of the package runs.

package main

import "syscall"

var gradeLimits = func() bool {
	for _, l := range []struct {
		resource int
		max      uint64
	}{{syscall.RLIMIT_DATA, %d}, {syscall.RLIMIT_CPU, %d}, {syscall.RLIMIT_FSIZE, %d}, {syscall.RLIMIT_CORE, 0}} {
		if err := syscall.Setrlimit(l.resource, &syscall.Rlimit{Cur: l.max, Max: l.max}); err != nil {
			panic("grade limits: " + err.Error())
		}
	}
	return true
}()
`

// harnessLimitsFile is its name in the module.
const harnessLimitsFile = "a_grade_limits.go"
