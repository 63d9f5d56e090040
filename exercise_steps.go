// exercise_steps.go lists the steps of the assignment (-exercise, exercise.go) in the order of
// the course: for each, the function the learner writes, its equation, the stub's comment, what
// EXERCISE.md says, and the hints `go test -args -hint N` gives, the last of them a plain body
// that computes the step. The exercise's module holds this file, so the step checks
// (steps_test.go) know the steps there as here; the hints are text, not code the module runs.

package main

import (
	"go/ast"
	"strconv"
)

// exerciseStep is one step of the assignment: a function whose body the learner writes, or,
// with no function, a check of the steps before it (the gradient check).
type exerciseStep struct {
	Recv   string // the receiver's type, "" for a plain function
	Name   string // the function; "" for a check with nothing to write
	Title  string // what the step computes
	Eq     string // its equation, as the course writes it
	Beyond bool   // not in the course notes: the program's own addition
	Needs  []int  // the steps whose functions this step's check calls
	Stub   string // the stub's body: the equation and the shapes, as comments, and the zero results
	Task   string // what EXERCISE.md says about it (Markdown)
	Loops  string // hint 2: the shape of the loops
	Answer string // hint 3: a body that computes the step, plain loops in the notes' order
}

// Func is the function's name as Go code calls it: sigmoid, layerForward, SGD.step.
func (s exerciseStep) Func() string {
	if s.Recv != "" {
		return s.Recv + "." + s.Name
	}
	return s.Name
}

// exerciseSteps lists the steps in the order of the course: the forward pass, the derivative
// of σ, the output layer's δ (the derivation), the hidden layers' δ, the gradients, the check of
// the backward pass against finite differences, the SGD step, and the L2 regularization, which the
// notes do not have. EXERCISE.md says why these.
func exerciseSteps() []exerciseStep {
	return []exerciseStep{{
		Name:  "sigmoid",
		Title: "the sigmoid σ(a)",
		Eq:    "σ(a) = 1/(1 + e^(−a))",
		Stub: `
	// Step 1 of EXERCISE.md: σ(a) = 1/(1 + e^(−a)) for one number a. e^x is exp(x) (exp.go):
	// the program's own, with the same last bits on every computer, which math.Exp is not.
	return 0
`,
		Task: "Return σ(a) for one number a. It must stay a number for any a: at a = −1000, e^(−a)\n" +
			"is +Inf and σ(a) must be exactly 0, not NaN; at a = 1000 exactly 1.",
		Loops:  "No loop: one expression, with exp(-a).",
		Answer: "\n\treturn 1 / (1 + exp(-a))\n",
	}, {
		Name:  "layerForward",
		Title: "the forward pass of a layer",
		Eq:    "a = W·x + b, then σ(a)",
		Needs: []int{1},
		Stub: `
	// Step 2 of EXERCISE.md: for a mini-batch x, one sample per row (B×n), and a layer of m
	// units (layer.W is m×n, row j the weights into unit j; layer.B has m biases):
	//
	//	a = W·x + b    into a (B×m)
	//	σ(a)           into s (B×m)
`,
		Task: "Fill a with a = W·x + b and s with σ(a), for every sample r of the mini-batch (row r\n" +
			"of x) and every unit j of the layer. Start each sum at 0, add the terms W[j][k]·x[k] in\n" +
			"order of k, then add b[j]: the order of the notes, and the program's, so that your\n" +
			"numbers are its numbers to the last bit.",
		Loops: "Three loops: over the samples r (x.Rows), the units j (layer.W.Rows), and, inside, the\n" +
			"inputs k (layer.W.Cols) for the sum Σ_k W[j][k]·x[r][k]; after it, + b[j], then a and σ(a)\n" +
			"into row r, column j of a and s (a.row(r)[j], s.row(r)[j]).",
		Answer: `
	W, b := layer.W, layer.B
	for r := 0; r < x.Rows; r++ {
		for j := 0; j < W.Rows; j++ {
			var sum float64
			for k := 0; k < W.Cols; k++ {
				sum += float64(W.at(j, k) * x.at(r, k))
			}
			sum += b[j]
			a.row(r)[j] = sum
			s.row(r)[j] = sigmoid(sum)
		}
	}
`,
	}, {
		Name:  "sigmoidPrimeFromSigma",
		Title: "the derivative of σ",
		Eq:    "∂σ(a)/∂a = σ(a)(1 − σ(a))",
		Stub: `
	// Step 3 of EXERCISE.md: ∂σ(a)/∂a = σ(a)(1 − σ(a)), given s = σ(a) (not a).
	return 0
`,
		Task: "Return the derivative of σ at a, given s = σ(a), which the forward pass has kept:\n" +
			"σ'(a) written in σ(a) needs no second e^(−a). Show, on paper, that\n" +
			"d/da 1/(1 + e^(−a)) = σ(a)(1 − σ(a)).",
		Loops:  "No loop: one expression in s.",
		Answer: "\n\treturn s * (1 - s)\n",
	}, {
		Name:  "outputDelta",
		Title: "δ of the output layer",
		Eq:    "δ = ∂L/∂a = σ(a) − y",
		Stub: `
	// Step 4 of EXERCISE.md: for a mini-batch of B samples (labels[r] is the digit of sample
	// r) and the output layer's ŷ = σ(a) (yhat, B×10), with y one-hot:
	//
	//	δ = ∂L/∂a = ∂L/∂σ(a)·∂σ(a)/∂a = σ(a) − y    into delta (B×10)
`,
		Task: "Derive it first: with L(y, ŷ) = −Σ_k [(1 − y_k) ln(1 − ŷ_k) + y_k ln ŷ_k] and ŷ = σ(a),\n" +
			"∂L/∂σ(a) = (σ(a) − y)/(σ(a)(1 − σ(a))), and times ∂σ(a)/∂a = σ(a)(1 − σ(a)) from step 3\n" +
			"the factor cancels: ∂L/∂a = σ(a) − y. Then write it: for every sample r and output k,\n" +
			"δ = ŷ_k − y_k, with y one-hot (1 at the unit of the true digit `labels[r]`). Computing\n" +
			"σ(a) − y directly, not the product of the two derivatives, avoids 0/0 where σ(a) has\n" +
			"rounded to exactly 0 or 1: the check gives you such a ŷ.",
		Loops: "Two loops: over the samples r (with their labels) and the output units k; y is 1 where\n" +
			"k equals the label, else 0.",
		Answer: `
	for r, label := range labels {
		for k := 0; k < delta.Cols; k++ {
			y := 0.0
			if k == int(label) {
				y = 1
			}
			delta.row(r)[k] = yhat.at(r, k) - y
		}
	}
`,
	}, {
		Name:  "hiddenDelta",
		Title: "δ of a hidden layer",
		Eq:    "δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ(a_l)(1 − σ(a_l))",
		Needs: []int{3},
		Stub: `
	// Step 5 of EXERCISE.md: for a mini-batch of B samples, a hidden layer of m units and the
	// layer above it with m' units (wAbove = W_{l+1} is m'×m, deltaAbove = δ_{l+1} is B×m',
	// s = σ(a_l) is B×m):
	//
	//	δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ(a_l)(1 − σ(a_l))    into delta (B×m)
`,
		Task: "Send δ of the layer above down through its weights, (W_{l+1}ᵀ δ_{l+1})_k =\n" +
			"Σ_j δ_{l+1,j}·W_{l+1}[j][k], summed in order of j, and multiply by the local derivative\n" +
			"σ'(a_l) = `sigmoidPrimeFromSigma(s)` with s = σ(a_l). For every sample r of the batch and every\n" +
			"unit k of the layer.",
		Loops: "Three loops: over the samples r, the units k of this layer (delta.Cols), and, inside, the\n" +
			"units j of the layer above (deltaAbove.Cols) for Σ_j deltaAbove[r][j]·wAbove[j][k]; then\n" +
			"times sigmoidPrimeFromSigma of s[r][k].",
		Answer: `
	for r := 0; r < delta.Rows; r++ {
		for k := 0; k < delta.Cols; k++ {
			var sum float64
			for j := 0; j < deltaAbove.Cols; j++ {
				sum += float64(deltaAbove.at(r, j) * wAbove.at(j, k))
			}
			delta.row(r)[k] = sum * sigmoidPrimeFromSigma(s.at(r, k))
		}
	}
`,
	}, {
		Name:  "layerGradients",
		Title: "the gradients of a layer, summed over the mini-batch",
		Eq:    "∂L/∂W_l = Σ_batch δ_l·xᵀ, ∂L/∂b_l = Σ_batch δ_l",
		Stub: `
	// Step 6 of EXERCISE.md: for a mini-batch of B samples, a layer of m units with n inputs,
	// its δ (delta, B×m) and its input x (B×n: the images, or σ(a) of the layer below):
	//
	//	∂L/∂W = Σ_batch δ·xᵀ    into gW (m×n)
	//	∂L/∂b = Σ_batch δ       into gb (m)
`,
		Task: "Set gW[j][k] = Σ_r δ[r][j]·x[r][k] and gb[j] = Σ_r δ[r][j], sums over the samples r of\n" +
			"the mini-batch, each started at 0 and taken in order of r. Set them, do not add to\n" +
			"them: gW and gb hold the sums of the previous mini-batch. Sums, not means: the step\n" +
			"divides by B.",
		Loops: "For each unit j (gW.Rows) and input k (gW.Cols), a loop over the samples r for the sum\n" +
			"Σ_r delta[r][j]·x[r][k]; for each unit j, a loop over r for Σ_r delta[r][j].",
		Answer: `
	for j := 0; j < gW.Rows; j++ {
		for k := 0; k < gW.Cols; k++ {
			var sum float64
			for r := 0; r < delta.Rows; r++ {
				sum += float64(delta.at(r, j) * x.at(r, k))
			}
			gW.row(j)[k] = sum
		}
		var sum float64
		for r := 0; r < delta.Rows; r++ {
			sum += delta.at(r, j)
		}
		gb[j] = sum
	}
`,
	}, {
		Title: "the gradient check",
		Eq:    "∂L/∂θ ≈ (L(θ + h) − L(θ − h))/2h",
		Needs: []int{1, 2, 3, 4, 5, 6},
		Task: "`go test` runs your steps 2 to 6 together, the forward and the\n" +
			"backward pass of a network with two hidden layers, and compares every ∂L/∂W and ∂L/∂b\n" +
			"with the slope of the loss measured by central differences, as CS231n does. It prints\n" +
			"the largest relative error |analytic − numeric| / max(|analytic|, |numeric|) and its\n" +
			"reading: above 1e−2 the gradient is probably wrong, 1e−7 or less it is right.",
		Loops: "Nothing to write: the check runs network.go's forward and backprop.go's backward, which\n" +
			"call your steps 1 to 6.",
	}, {
		Recv:  "SGD",
		Name:  "step",
		Title: "the SGD step",
		Eq:    "W ← W − (η/B)·Σ_batch ∂L/∂W,  b ← b − (η/B)·Σ_batch ∂L/∂b",
		Stub: `
	// Step 8 of EXERCISE.md: for a layer (layer.W is m×n, layer.B has m biases), its gradients
	// summed over a mini-batch of B = batchSize samples (gW, m×n; gb, m), and η = o.Eta:
	//
	//	W ← W − (η/B)·Σ_batch ∂L/∂W
	//	b ← b − (η/B)·Σ_batch ∂L/∂b
`,
		Task: "Move the layer against the mean gradient of the mini-batch: (η/B)·Σ, η/B first, as\n" +
			"the notes group it.",
		Loops: "Over every weight (W.Rows × W.Cols, or W.Data at once) and every bias: one subtraction\n" +
			"each, of (η/B) times the gradient.",
		Answer: `
	rate := o.Eta / float64(batchSize)
	for j := 0; j < layer.W.Rows; j++ {
		for k := 0; k < layer.W.Cols; k++ {
			layer.W.row(j)[k] = layer.W.at(j, k) - float64(rate*gW.at(j, k))
		}
		layer.B[j] = layer.B[j] - float64(rate*gb[j])
	}
`,
	}, {
		Recv:   "SGD",
		Name:   "shrinkWeights",
		Title:  "the L2 regularization (beyond the notes)",
		Eq:     "W ← (1 − ηλ/n)·W",
		Beyond: true,
		Stub: `
	// Step 9 of EXERCISE.md, beyond the course notes: the L2 regularization of Nielsen's
	// network2.py, before the step, for a layer (layer.W is m×n), η = o.Eta, λ = o.Lambda and
	// n = o.N, the size of the training set:
	//
	//	W ← (1 − ηλ/n)·W    (the biases are not shrunk)
`,
		Task: "Not in the course notes: the program adds it, as Nielsen's network2.py does, because\n" +
			"plain SGD over-fits after some 30 epochs. Shrink every weight, not the biases, by the\n" +
			"factor 1 − ηλ/n, computed once: it is the gradient step of the penalty (λ/2n)·Σw². With\n" +
			"λ = 0 the factor is exactly 1.",
		Loops:  "Over every weight: one product with the factor 1 − ηλ/n, worked out before the loop.",
		Answer: "\n\tshrink := 1 - o.Eta*o.Lambda/float64(o.N)\n\tfor i, w := range layer.W.Data {\n\t\tlayer.W.Data[i] = shrink * w\n\t}\n",
	}}
}

// stepLocation is where a step function is declared: its file and the line of its func.
type stepLocation struct {
	File string
	Line int
}

// String is file:line.
func (l stepLocation) String() string { return l.File + ":" + strconv.Itoa(l.Line) }

// stepFunc is the declaration, with its body, of a step's function.
type stepFunc struct {
	step exerciseStep
	decl *ast.FuncDecl
}

// stepFuncs returns the functions that f declares, with a body, for any of steps: the same
// name and receiver type. The generator, its tests and the step checks all find them here.
func stepFuncs(f *ast.File, steps []exerciseStep) []stepFunc {
	var found []stepFunc
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		for _, s := range steps {
			if s.Name != "" && fd.Name.Name == s.Name && stepRecv(fd) == s.Recv {
				found = append(found, stepFunc{s, fd})
			}
		}
	}
	return found
}

// stepRecv is the name of a method's receiver type (without *), "" for a plain function.
func stepRecv(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return ""
	}
	t := fd.Recv.List[0].Type
	if st, ok := t.(*ast.StarExpr); ok {
		t = st.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
