// grade_steps.go holds what -grade (grade.go) asks of each step and how it judges the answer:
// for every step function of the exercise, inputs drawn at grading time from the grading's seed,
// the answer the program's own function gives on them (network.go, backprop.go: the reference),
// the answers of known variants that are right but round otherwise (another e^x, another order
// of a sum, a fused multiply-add), and the known slips that make an answer wrong. Two more checks
// take the steps together: the backward pass of a small network (forward, then backward, with
// the student's network.go and backprop.go), and the training check, a few hundred mini-batches
// of trainBatch, whose weights must be the program's to the last bit.
//
// An answer is "bit for bit" when every number has the reference's bits; "ok, not bit for bit"
// when every number is within a relative 1e-9 of the reference's (of the largest number of the
// output), with the cause named when one known variant gives exactly the student's bits, and
// "cause not known" otherwise; "wrong" otherwise, with the slip named when it is a known one,
// else the first number that differs.

package main

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
)

// gradeCheck is one check of a student's code: the request for the harness, and how to judge.
type gradeCheck struct {
	step  string                            // the harness's name: a step function's, "backward" or "train"
	req   gradeRequest                      // without its nonce
	outs  []string                          // the outputs, in the order they are judged
	want  map[string][]float64              // the program's answer
	alts  []gradeVariant                    // right but rounded otherwise
	slips []gradeVariant                    // wrong, with what the answer then is
	pre   map[string][]float64              // what the output buffers held before the call
	more  func(map[string][]float64) string // a further diagnosis of a wrong answer, or ""
}

// gradeVariant is a known way to compute a step: its name and its answer on the check's inputs.
type gradeVariant struct {
	name string
	ans  map[string][]float64
}

// gradeRand is the generator of one check's inputs: the grading's seed, and the check's number
// as the stream, so that every check's inputs are drawn the same on every re-run.
func gradeRand(seed uint64, check int) *normals {
	return &normals{rng: rand.New(rand.NewPCG(seed, uint64(check)))}
}

// randMatrix is a rows×cols matrix of normal numbers times scale.
func randMatrix(n *normals, rows, cols int, scale float64) Matrix {
	m := newMatrix(rows, cols)
	for i := range m.Data {
		m.Data[i] = n.next() * scale
	}
	return m
}

// randUnit is a rows×cols matrix of numbers in (0, 1), as σ(a) is.
func randUnit(n *normals, rows, cols int) Matrix {
	m := newMatrix(rows, cols)
	for i := range m.Data {
		m.Data[i] = sigmoid(2 * n.next())
	}
	return m
}

// cloneMatrix is a copy of m.
func cloneMatrix(m Matrix) Matrix {
	return Matrix{Rows: m.Rows, Cols: m.Cols, Data: append([]float64(nil), m.Data...)}
}

// put adds a float input to a request, with its shape when it is a matrix.
func put(q *gradeRequest, name string, xs []float64, shape ...int) {
	q.F[name] = hexFloats(xs)
	if len(shape) > 0 {
		q.I[name] = shape
	}
}

// putMatrix adds a matrix input.
func putMatrix(q *gradeRequest, name string, m Matrix) { put(q, name, m.Data, m.Rows, m.Cols) }

// newRequest is an empty request for step.
func newRequest(step string) gradeRequest {
	return gradeRequest{Step: step, F: map[string]string{}, I: map[string][]int{}}
}

// gradeChecks are the checks of one grading, drawn from seed: one for each step function of the
// exercise, by its name, then "backward" and "train".
func gradeChecks(seed uint64) map[string]*gradeCheck {
	return map[string]*gradeCheck{
		"sigmoid":               sigmoidCheck(gradeRand(seed, 1)),
		"layerForward":          forwardCheck(gradeRand(seed, 2)),
		"sigmoidPrimeFromSigma": primeCheck(gradeRand(seed, 3)),
		"outputDelta":           outputDeltaCheck(gradeRand(seed, 4)),
		"hiddenDelta":           hiddenDeltaCheck(gradeRand(seed, 5)),
		"layerGradients":        gradientsCheck(gradeRand(seed, 6)),
		"backward":              backwardCheck(gradeRand(seed, 7)),
		"SGD.step":              sgdStepCheck(gradeRand(seed, 8)),
		"SGD.shrinkWeights":     shrinkCheck(gradeRand(seed, 9)),
		"train":                 trainCheck(gradeRand(seed, 10)),
	}
}

// mapEach is f of every x.
func mapEach(xs []float64, f func(float64) float64) []float64 {
	ys := make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = f(x)
	}
	return ys
}

// sigmoidCheck: σ on 4,096 numbers, both tails (|a| up to 1000, where e^(−a) overflows) and
// the middle, where math.Exp and exp.go's exp differ in the last bit on some 16 % of inputs.
func sigmoidCheck(n *normals) *gradeCheck {
	xs := []float64{0, math.Copysign(0, -1), 1e-300, -1e-300, 0.5, -0.5, 1, -1, 20, -20, 36.7, -36.7, 40, -40, 709, -709, 710, -710, 745, -745, 1000, -1000}
	for len(xs) < 4096 {
		switch len(xs) % 4 {
		case 0, 1:
			xs = append(xs, 10*n.uniform())
		case 2:
			xs = append(xs, 60*n.uniform())
		default:
			xs = append(xs, 3*n.next())
		}
	}
	q := newRequest("sigmoid")
	put(&q, "x", xs)
	y := func(f func(float64) float64) map[string][]float64 { return map[string][]float64{"y": mapEach(xs, f)} }
	twoBranch := func(e func(float64) float64) func(float64) float64 {
		return func(a float64) float64 {
			if a >= 0 {
				return 1 / (1 + e(-a))
			}
			return e(a) / (1 + e(a))
		}
	}
	return &gradeCheck{step: "sigmoid", req: q, outs: []string{"y"}, want: y(sigmoid),
		alts: []gradeVariant{
			{"e^x from math.Exp, not exp.go's exp (math.Exp's last bits depend on the computer)", y(func(a float64) float64 { return 1 / (1 + math.Exp(-a)) })},
			{"a two-branch σ, e^a/(1 + e^a) for a < 0: right, but other roundings", y(twoBranch(exp))},
			{"a two-branch σ with math.Exp", y(twoBranch(math.Exp))},
			{"σ from tanh: ½ + ½·tanh(a/2)", y(func(a float64) float64 { return 0.5 + float64(0.5*math.Tanh(a/2)) })},
		},
		slips: []gradeVariant{
			{"σ(−a): the sign of a in e^(−a) is flipped", y(func(a float64) float64 { return sigmoid(-a) })},
			{"e^a/(1 + e^a) is NaN at a = 1000 (+Inf/+Inf): write 1/(1 + e^(−a))", y(func(a float64) float64 { return exp(a) / (1 + exp(a)) })},
		},
	}
}

// forwardCheck: layerForward on a layer of 7 units with 13 inputs and a mini-batch of 5, with a
// and σ(a) holding numbers before the call (a function that adds into them is seen).
func forwardCheck(n *normals) *gradeCheck {
	layer := Layer{W: randMatrix(n, 7, 13, 1/math.Sqrt(13)), B: randMatrix(n, 1, 7, 1).Data}
	x := randUnit(n, 5, 13)
	preA, preS := randMatrix(n, 5, 7, 1), randMatrix(n, 5, 7, 1)
	q := newRequest("layerForward")
	putMatrix(&q, "W", layer.W)
	put(&q, "b", layer.B)
	putMatrix(&q, "x", x)
	putMatrix(&q, "a", preA)
	putMatrix(&q, "s", preS)
	variant := func(sum func(r, j int) float64, sig func(float64) float64) map[string][]float64 {
		a, s := newMatrix(5, 7), newMatrix(5, 7)
		for r := 0; r < 5; r++ {
			for j := 0; j < 7; j++ {
				a.row(r)[j] = sum(r, j)
				s.row(r)[j] = sig(a.row(r)[j])
			}
		}
		return map[string][]float64{"a": a.Data, "s": s.Data}
	}
	dot := func(start float64, fused bool) func(r, j int) float64 {
		return func(r, j int) float64 {
			s := start
			for k := 0; k < 13; k++ {
				if fused {
					s = fusedMulAdd(layer.W.at(j, k), x.at(r, k), s)
				} else {
					s += float64(layer.W.at(j, k) * x.at(r, k))
				}
			}
			return s
		}
	}
	plus := func(f func(r, j int) float64, times float64) func(r, j int) float64 {
		return func(r, j int) float64 { return f(r, j) + float64(times*layer.B[j]) }
	}
	bFirst := func(r, j int) float64 { return dot(layer.B[j], false)(r, j) }
	mathSig := func(a float64) float64 { return 1 / (1 + math.Exp(-a)) }
	a, s := newMatrix(5, 7), newMatrix(5, 7)
	layerForward(layer, x, a, s)
	return &gradeCheck{step: "layerForward", req: q, outs: []string{"a", "s"},
		want: map[string][]float64{"a": a.Data, "s": s.Data},
		pre:  map[string][]float64{"a": preA.Data, "s": preS.Data},
		alts: []gradeVariant{
			{"b added first, then the sum (the notes add b after W·x)", variant(bFirst, sigmoid)},
			{"fused multiply-adds in the sum: write float64(W·x) for each product", variant(plus(dot(0, true), 1), sigmoid)},
			{"σ with math.Exp, not exp.go's exp", variant(plus(dot(0, false), 1), mathSig)},
		},
		slips: []gradeVariant{
			{"b is missing: a = W·x", variant(dot(0, false), sigmoid)},
			{"σ is not applied: σ(a) = a", variant(plus(dot(0, false), 1), func(a float64) float64 { return a })},
			{"b is added inside the loop over the inputs, 13 times", variant(plus(dot(0, false), 13), sigmoid)},
		},
	}
}

// primeCheck: σ′ from σ(a) on 2,048 numbers in [0, 1], 0, ½ and 1 among them.
func primeCheck(n *normals) *gradeCheck {
	xs := []float64{0, 1, 0.5, 1e-300, 1 - 1.0/(1<<52)}
	for len(xs) < 2048 {
		xs = append(xs, sigmoid(4*n.next()))
	}
	q := newRequest("sigmoidPrimeFromSigma")
	put(&q, "x", xs)
	y := func(f func(float64) float64) map[string][]float64 { return map[string][]float64{"y": mapEach(xs, f)} }
	return &gradeCheck{step: "sigmoidPrimeFromSigma", req: q, outs: []string{"y"}, want: y(sigmoidPrimeFromSigma),
		alts: []gradeVariant{{"s − s² rounds otherwise than s(1 − s)", y(func(s float64) float64 { return s - float64(s*s) })}},
		slips: []gradeVariant{
			{"σ applied to s, which is σ(a) already: σ(s)(1 − σ(s))", y(func(s float64) float64 { return sigmoid(s) * (1 - sigmoid(s)) })},
			{"1 − s only", y(func(s float64) float64 { return 1 - s })},
		},
	}
}

// outputDeltaCheck: δ = ŷ − y for 8 samples, with outputs that have rounded to exactly 0 and 1.
func outputDeltaCheck(n *normals) *gradeCheck {
	yhat := randUnit(n, 8, 10)
	yhat.Data[3], yhat.Data[14], yhat.Data[25], yhat.Data[36] = 0, 1, 1, 0
	labels := make([]byte, 8)
	for r := range labels {
		labels[r] = byte(n.rng.IntN(10))
	}
	labels[1], labels[2] = 4, 5 // ŷ = 1 at the true digit, and elsewhere
	pre := randMatrix(n, 8, 10, 1)
	q := newRequest("outputDelta")
	putMatrix(&q, "yhat", yhat)
	putMatrix(&q, "delta", pre)
	for _, l := range labels {
		q.I["labels"] = append(q.I["labels"], int(l))
	}
	variant := func(f func(s, y float64) float64, shift int) map[string][]float64 {
		d := newMatrix(8, 10)
		for r, label := range labels {
			for k := 0; k < 10; k++ {
				y := 0.0
				if k == (int(label)+shift)%10 {
					y = 1
				}
				d.row(r)[k] = f(yhat.at(r, k), y)
			}
		}
		return map[string][]float64{"delta": d.Data}
	}
	d := newMatrix(8, 10)
	outputDelta(d, yhat, labels)
	return &gradeCheck{step: "outputDelta", req: q, outs: []string{"delta"}, want: map[string][]float64{"delta": d.Data},
		pre: map[string][]float64{"delta": pre.Data},
		slips: []gradeVariant{
			{"the sign is flipped: y − ŷ", variant(func(s, y float64) float64 { return y - s }, 0)},
			{"times σ(a)(1 − σ(a)): it cancels, ∂L/∂a = σ(a) − y", variant(func(s, y float64) float64 { return (s - y) * s * (1 - s) }, 0)},
			{"y is 1 at the unit after the label's", variant(func(s, y float64) float64 { return s - y }, 1)},
		},
		more: func(got map[string][]float64) string {
			for i, v := range got["delta"] {
				if math.IsNaN(v) {
					return fmt.Sprintf("NaN where ŷ = %v: (σ(a) − y)/(σ(a)(1 − σ(a))) times σ(a)(1 − σ(a)) divides 0 by 0; compute σ(a) − y", yhat.Data[i])
				}
			}
			return ""
		},
	}
}

// hiddenDeltaCheck: δ of a hidden layer of 9 units under one of 7, for 5 samples, with δ holding
// numbers before the call.
func hiddenDeltaCheck(n *normals) *gradeCheck {
	w, dAbove, s := randMatrix(n, 7, 9, 0.5), randMatrix(n, 5, 7, 0.3), randUnit(n, 5, 9)
	pre := randMatrix(n, 5, 9, 1)
	q := newRequest("hiddenDelta")
	putMatrix(&q, "wAbove", w)
	putMatrix(&q, "deltaAbove", dAbove)
	putMatrix(&q, "s", s)
	putMatrix(&q, "delta", pre)
	variant := func(fused bool, start func(i int) float64, prime func(float64) float64) map[string][]float64 {
		d := newMatrix(5, 9)
		for r := 0; r < 5; r++ {
			for k := 0; k < 9; k++ {
				sum := start(r*9 + k)
				for j := 0; j < 7; j++ {
					if fused {
						sum = fusedMulAdd(dAbove.at(r, j), w.at(j, k), sum)
					} else {
						sum += float64(dAbove.at(r, j) * w.at(j, k))
					}
				}
				d.row(r)[k] = sum * prime(s.at(r, k))
			}
		}
		return map[string][]float64{"delta": d.Data}
	}
	zero := func(int) float64 { return 0 }
	d := cloneMatrix(pre)
	hiddenDelta(d, w, dAbove, s)
	return &gradeCheck{step: "hiddenDelta", req: q, outs: []string{"delta"}, want: map[string][]float64{"delta": d.Data},
		pre:  map[string][]float64{"delta": pre.Data},
		alts: []gradeVariant{{"fused multiply-adds in the sum: write float64(δ·W) for each product", variant(true, zero, sigmoidPrimeFromSigma)}},
		slips: []gradeVariant{
			{"the factor σ(a)(1 − σ(a)) is missing", variant(false, zero, func(float64) float64 { return 1 })},
			{"σ′ of σ(s): s is σ(a) already", variant(false, zero, func(s float64) float64 { return sigmoidPrimeFromSigma(sigmoid(s)) })},
			{"the sum starts from what δ held, not from 0: δ is not cleared", variant(false, func(i int) float64 { return pre.Data[i] }, sigmoidPrimeFromSigma)},
		},
	}
}

// gradientsCheck: the gradients of a layer of 7 units with 11 inputs over 6 samples, with gW and
// gb holding numbers before the call (the sums of the mini-batch before).
func gradientsCheck(n *normals) *gradeCheck {
	delta, x := randMatrix(n, 6, 7, 0.3), randUnit(n, 6, 11)
	preW, preB := randMatrix(n, 7, 11, 1), randMatrix(n, 1, 7, 1).Data
	q := newRequest("layerGradients")
	putMatrix(&q, "delta", delta)
	putMatrix(&q, "x", x)
	putMatrix(&q, "gW", preW)
	put(&q, "gb", preB)
	variant := func(fused bool, keep bool, scale float64) map[string][]float64 {
		gW, gb := newMatrix(7, 11), make([]float64, 7)
		for j := 0; j < 7; j++ {
			for k := 0; k < 11; k++ {
				var sum float64
				for r := 0; r < 6; r++ {
					if fused {
						sum = fusedMulAdd(delta.at(r, j), x.at(r, k), sum)
					} else {
						sum += float64(delta.at(r, j) * x.at(r, k))
					}
				}
				gW.row(j)[k] = sum * scale
			}
			sum := 0.0
			if keep {
				sum = preB[j]
			}
			for r := 0; r < 6; r++ {
				sum += delta.at(r, j)
			}
			gb[j] = sum * scale
		}
		return map[string][]float64{"gW": gW.Data, "gb": gb}
	}
	gW, gb := cloneMatrix(preW), append([]float64(nil), preB...)
	layerGradients(gW, gb, delta, x)
	return &gradeCheck{step: "layerGradients", req: q, outs: []string{"gW", "gb"}, want: map[string][]float64{"gW": gW.Data, "gb": gb},
		pre:  map[string][]float64{"gW": preW.Data, "gb": preB},
		alts: []gradeVariant{{"fused multiply-adds in the sum: write float64(δ·x) for each product", variant(true, false, 1)}},
		slips: []gradeVariant{
			{"∂L/∂b is added to the sums of the mini-batch before: set gb, do not add to it", variant(false, true, 1)},
			{"means, not sums: a factor of B = 6 (the step divides by B)", variant(false, false, 1.0/6)},
		},
	}
}

// backwardCheck: forward then backward through a network 13-9-7-10, 6 samples, with the
// student's network.go and backprop.go: the steps 2 to 6 together, as the gradient check of the
// exercise takes them.
func backwardCheck(n *normals) *gradeCheck {
	net := &Network{Sizes: []int{13, 9, 7, 10}}
	q := newRequest("backward")
	q.I["sizes"] = net.Sizes
	for l := 1; l < len(net.Sizes); l++ {
		layer := Layer{W: randMatrix(n, net.Sizes[l], net.Sizes[l-1], 1/math.Sqrt(float64(net.Sizes[l-1]))), B: randMatrix(n, 1, net.Sizes[l], 1).Data}
		net.Layers = append(net.Layers, layer)
		put(&q, "W"+strconv.Itoa(l), layer.W.Data)
		put(&q, "b"+strconv.Itoa(l), layer.B)
	}
	x := randUnit(n, 6, 13)
	put(&q, "x", x.Data)
	p := net.newPass(6)
	for r := 0; r < 6; r++ {
		label := n.rng.IntN(10)
		q.I["labels"] = append(q.I["labels"], label)
		p.setInput(r, x.row(r), byte(label))
	}
	g := net.newGrads()
	net.forward(p)
	net.backward(p, g)
	c := &gradeCheck{step: "backward", req: q, want: map[string][]float64{}}
	for l := range net.Layers {
		w, b := "W"+strconv.Itoa(l+1), "b"+strconv.Itoa(l+1)
		c.outs = append(c.outs, w, b)
		c.want[w], c.want[b] = g.W[l].Data, g.B[l]
	}
	return c
}

// sgdStepCheck: the SGD step on a layer of 6 units with 9 inputs, from gradients summed over B = 7.
func sgdStepCheck(n *normals) *gradeCheck {
	layer := Layer{W: randMatrix(n, 6, 9, 0.5), B: randMatrix(n, 1, 6, 1).Data}
	gW, gb := randMatrix(n, 6, 9, 2), randMatrix(n, 1, 6, 2).Data
	eta, batch := 0.3+float64(0.4*math.Abs(n.uniform())), 7
	q := newRequest("SGD.step")
	putMatrix(&q, "W", layer.W)
	put(&q, "b", layer.B)
	putMatrix(&q, "gW", gW)
	put(&q, "gb", gb)
	put(&q, "eta", []float64{eta})
	put(&q, "lambda", []float64{5}) // λ > 0: the step must not use it (the shrink is step 9's)
	q.I["n"], q.I["batch"] = []int{1000}, []int{batch}
	variant := func(fw, fb func(w, g float64) float64) map[string][]float64 {
		return map[string][]float64{"W": pairs(layer.W.Data, gW.Data, fw), "b": pairs(layer.B, gb, fb)}
	}
	rate, B := eta/float64(batch), float64(batch)
	right := func(w, g float64) float64 { return w - float64(rate*g) }
	want := Layer{W: cloneMatrix(layer.W), B: append([]float64(nil), layer.B...)}
	SGD{Eta: eta, Lambda: 5, N: 1000}.step(want, gW, gb, batch)
	shrink := 1 - eta*5/1000.0
	shrunk := func(w, g float64) float64 { return float64(shrink*w) - float64(rate*g) }
	return &gradeCheck{step: "SGD.step", req: q, outs: []string{"W", "b"}, want: map[string][]float64{"W": want.W.Data, "b": want.B},
		alts: []gradeVariant{
			{"η·g/B, not (η/B)·g as the notes group it", variant(func(w, g float64) float64 { return w - eta*g/B }, func(w, g float64) float64 { return w - eta*g/B })},
			{"η·(g/B), not (η/B)·g as the notes group it", variant(func(w, g float64) float64 { return w - float64(eta*(g/B)) }, func(w, g float64) float64 { return w - float64(eta*(g/B)) })},
			{"a fused multiply-add: write float64((η/B)·g)", variant(func(w, g float64) float64 { return fusedMulAdd(-rate, g, w) }, func(w, g float64) float64 { return fusedMulAdd(-rate, g, w) })},
		},
		slips: []gradeVariant{
			{"B is missing: W moved B = 7 times too far", variant(func(w, g float64) float64 { return w - float64(eta*g) }, func(w, g float64) float64 { return w - float64(eta*g) })},
			{"b moved with η, not η/B: B = 7 times too far", variant(right, func(w, g float64) float64 { return w - float64(eta*g) })},
			{"the step goes the wrong way: + instead of −", variant(func(w, g float64) float64 { return w + float64(rate*g) }, func(w, g float64) float64 { return w + float64(rate*g) })},
			{"b is not moved", variant(right, func(w, g float64) float64 { return w })},
			{"the step shrinks W by 1 − ηλ/n too: that is step 9's, SGD.shrinkWeights (the check's λ is 5)", variant(shrunk, right)},
			{"the step shrinks W and b by 1 − ηλ/n: that is step 9's, and for W only", variant(shrunk, shrunk)},
		},
	}
}

// fusedMulAdd is x·y + z rounded once, as a fused multiply-add instruction computes it: the
// product and the sum exact in a big.Float (2,200 bits hold any sum of float64 products), then
// rounded to the nearest float64. Not math.FMA, which the compiler turns into that instruction
// where the CPU has one, and the program holds none (portable_test.go).
func fusedMulAdd(x, y, z float64) float64 {
	p := new(big.Float).SetPrec(2200).SetFloat64(x)
	p.Mul(p, new(big.Float).SetFloat64(y))
	p.Add(p, new(big.Float).SetFloat64(z))
	f, _ := p.Float64()
	return f
}

// pairs is f of the pairs xs[i], ys[i].
func pairs(xs, ys []float64, f func(x, y float64) float64) []float64 {
	out := make([]float64, len(xs))
	for i := range xs {
		out[i] = f(xs[i], ys[i])
	}
	return out
}

// shrinkCheck: the L2 shrink of a layer of 6 units with 9 inputs at λ > 0: the weights by
// 1 − ηλ/n, the biases not at all.
func shrinkCheck(n *normals) *gradeCheck {
	layer := Layer{W: randMatrix(n, 6, 9, 0.5), B: randMatrix(n, 1, 6, 1).Data}
	eta, lambda, size := 0.3+float64(0.4*math.Abs(n.uniform())), 1+float64(4*math.Abs(n.uniform())), 50+n.rng.IntN(200)
	q := newRequest("SGD.shrinkWeights")
	putMatrix(&q, "W", layer.W)
	put(&q, "b", layer.B)
	put(&q, "eta", []float64{eta})
	put(&q, "lambda", []float64{lambda})
	q.I["n"], q.I["batch"] = []int{size}, []int{1}
	c := eta * lambda / float64(size)
	variant := func(fw, fb func(w float64) float64) map[string][]float64 {
		return map[string][]float64{"W": mapEach(layer.W.Data, fw), "b": mapEach(layer.B, fb)}
	}
	same := func(w float64) float64 { return w }
	want := Layer{W: cloneMatrix(layer.W), B: append([]float64(nil), layer.B...)}
	SGD{Eta: eta, Lambda: lambda, N: size}.shrinkWeights(want)
	return &gradeCheck{step: "SGD.shrinkWeights", req: q, outs: []string{"W", "b"}, want: map[string][]float64{"W": want.W.Data, "b": want.B},
		alts: []gradeVariant{
			{"W − (ηλ/n)·W, not (1 − ηλ/n)·W", variant(func(w float64) float64 { return w - float64(c*w) }, same)},
			{"W − ηλW/n, not (1 − ηλ/n)·W", variant(func(w float64) float64 { return w - eta*lambda*w/float64(size) }, same)},
		},
		slips: []gradeVariant{
			{"the biases shrank too: only W is shrunk", variant(func(w float64) float64 { return (1 - c) * w }, func(w float64) float64 { return (1 - c) * w })},
			{"n is missing: W shrinks by 1 − ηλ, want 1 − ηλ/n", variant(func(w float64) float64 { return (1 - float64(eta*lambda)) * w }, same)},
			{"nothing shrinks", variant(same, same)},
		},
	}
}

// gradeTrainSizes, gradeTrainImages, gradeTrainBatches: the training check trains the course's
// network 784-20-10 on 200 made-up images (random pixels, a digit each), 300 mini-batches of 10
// in an order drawn from the seed, η = 0.5, λ = 5, from weights drawn from the seed. Made up, so
// that grading needs no MNIST; the arithmetic is the same for any pixels.
var gradeTrainSizes = []int{784, 20, 10}

const gradeTrainImages, gradeTrainBatches, gradeTrainBatch = 200, 300, 10

// trainCheck: the training check (see gradeTrainSizes); the reference is the program's
// trainBatch on the same network, data and order.
func trainCheck(n *normals) *gradeCheck {
	net := newNetwork(gradeTrainSizes, n.rng.Uint64())
	q := newRequest("train")
	q.I["sizes"] = net.Sizes
	for l, layer := range net.Layers {
		put(&q, "W"+strconv.Itoa(l+1), layer.W.Data)
		put(&q, "b"+strconv.Itoa(l+1), layer.B)
	}
	q.P = make([]byte, gradeTrainImages*784)
	for i := range q.P {
		if n.rng.IntN(4) == 0 { // dark pixels, as in MNIST
			q.P[i] = byte(n.rng.IntN(256))
		}
	}
	labels := make([]byte, gradeTrainImages)
	for i := range labels {
		labels[i] = byte(n.rng.IntN(10))
		q.I["labels"] = append(q.I["labels"], int(labels[i]))
	}
	for i := 0; i < gradeTrainBatches*gradeTrainBatch; i++ {
		q.I["order"] = append(q.I["order"], n.rng.IntN(gradeTrainImages))
	}
	o := SGD{Eta: 0.5, Lambda: 5, N: gradeTrainImages}
	put(&q, "eta", []float64{o.Eta})
	put(&q, "lambda", []float64{o.Lambda})
	q.I["n"], q.I["batch"] = []int{o.N}, []int{gradeTrainBatch}
	p, g := net.newPass(gradeTrainBatch), net.newGrads()
	order := q.I["order"]
	for lo := 0; lo < len(order); lo += gradeTrainBatch {
		for r, i := range order[lo : lo+gradeTrainBatch] {
			p.setImage(r, q.P[i*784:(i+1)*784], labels[i])
		}
		net.trainBatch(p, g, o)
	}
	c := &gradeCheck{step: "train", req: q, want: map[string][]float64{}}
	for l, layer := range net.Layers {
		w, b := "W"+strconv.Itoa(l+1), "b"+strconv.Itoa(l+1)
		c.outs = append(c.outs, w, b)
		c.want[w], c.want[b] = layer.W.Data, layer.B
	}
	return c
}
