// exercise.go writes the course's assignment as a Go module: `-exercise DIR` copies this very
// program into DIR with the bodies of the functions that carry the math of the course replaced
// by stubs, adds the step checks (steps_test.go) and EXERCISE.md, and the learner fills the
// stubs in, one step at a time, with `go test` saying which step is done, which is wrong and why.
//
// The exercise is made from the program's own source, built into it (programSource), so it can
// never drift from the code: whatever the functions and files are when the program is built is
// what the learner gets, with only the step functions' bodies taken out. The rewriting goes
// through the syntax tree (go/parser, go/ast), never through patterns in the text:
//
//   - each step function is found by its name (and receiver) in the parsed files, wherever it
//     is, and the text between the braces of its body, located by the tree's offsets, is
//     replaced by the stub's. The body's own comments go with it: the tree keeps comments apart
//     from the statements (an AST rewrite that dropped Body.List would leave them behind to be
//     printed elsewhere unless filtered with an ast.CommentMap); cutting the body's extent out
//     of the text removes them and leaves every other comment, directive (//go:embed) and blank
//     line of the file exactly as it was (comments are never rebuilt from CommentGroup.Text,
//     which would drop the directives);
//   - a stub still compiles: it returns zero values where the function has results;
//   - an import that only a removed body used is removed, the same way, by its extent;
//   - the result is formatted by go/format and parsed again, so it is gofmt-clean and valid Go.
//
// The tests (exercise_test.go) write the exercise into a temporary folder and run go vet and
// go test there, on the skeleton, on the real bodies put back, on a learner's plain loops and
// on a list of a learner's likely slips.
package main

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template"
)

// programSource is the program's source as it was built: the exercise is made from it.
//
//go:embed *.go go.mod lab exercise.md.tmpl
var programSource embed.FS

// stepsTestFile is the test file of the step checks: the project runs it against the real
// code, the exercise against the learner's (it is copied with learnerMode set to true).
const stepsTestFile = "steps_test.go"

// exerciseStep is one step of the assignment: a function whose body the learner writes, or,
// with no function, a check of the steps before it (the gradient check).
type exerciseStep struct {
	Recv  string // the receiver's type, "" for a plain function
	Name  string // the function; "" for a check with nothing to write
	Title string // what the step computes
	Eq    string // its equation, as the course writes it
	Stub  string // the stub's body: what to compute, as comments, and the zero results
	Task  string // what EXERCISE.md says about it (Markdown)
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
// the backward pass against finite differences, and the SGD step. EXERCISE.md says why these.
func exerciseSteps() []exerciseStep {
	return []exerciseStep{{
		Name:  "sigmoid",
		Title: "the sigmoid σ(a)",
		Eq:    "σ(a) = 1/(1 + e^(−a))",
		Stub: `
	// Step 1 of EXERCISE.md: return σ(a) = 1/(1 + e^(−a)). e^x is exp(x) (exp.go): the
	// program's own, with the same last bits on every computer, which math.Exp is not.
	return 0
`,
		Task: "Return σ(a) for one number a. It must stay a number for any a: at a = −1000, e^(−a)\n" +
			"is +Inf and σ(a) must be exactly 0, not NaN; at a = 1000 exactly 1.",
	}, {
		Name:  "layerForward",
		Title: "the forward pass of a layer",
		Eq:    "a = W·x + b, then σ(a)",
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
			"numbers are its numbers to the last bit. `productABt` at the top of matrix.go is the\n" +
			"product W·x for a whole batch, as a plain loop: read it, then write your own.",
	}, {
		Name:  "sigmoidPrime",
		Title: "the derivative of σ",
		Eq:    "∂σ(a)/∂a = σ(a)(1 − σ(a))",
		Stub: `
	// Step 3 of EXERCISE.md: return ∂σ(a)/∂a = σ(a)(1 − σ(a)), given s = σ(a) (not a).
	return 0
`,
		Task: "Return the derivative of σ at a, given s = σ(a), which the forward pass has kept:\n" +
			"σ'(a) written in σ(a) needs no second e^(−a). Show, on paper, that\n" +
			"d/da 1/(1 + e^(−a)) = σ(a)(1 − σ(a)).",
	}, {
		Name:  "outputDelta",
		Title: "δ of the output layer",
		Eq:    "δ = ∂L/∂a = σ(a) − y",
		Stub: `
	// Step 4 of EXERCISE.md. For every sample r (labels[r] is its digit) and output unit k,
	// with ŷ = σ(a) in yhat and y the one-hot target (y_k = 1 for k == labels[r], else 0):
	//
	//	δ = ∂L/∂a = ∂L/∂σ(a)·∂σ(a)/∂a = σ(a) − y    into delta at (r, k)
`,
		Task: "Derive it first: with L(y, ŷ) = −Σ_k [(1 − y_k) ln(1 − ŷ_k) + y_k ln ŷ_k] and ŷ = σ(a),\n" +
			"∂L/∂σ(a) = (σ(a) − y)/(σ(a)(1 − σ(a))), and times ∂σ(a)/∂a = σ(a)(1 − σ(a)) from step 3\n" +
			"the factor cancels: ∂L/∂a = σ(a) − y. Then write it: for every sample r and output k,\n" +
			"δ = ŷ_k − y_k, with y one-hot (1 at the unit of the true digit `labels[r]`). Computing\n" +
			"σ(a) − y directly, not the product of the two derivatives, avoids 0/0 where σ(a) has\n" +
			"rounded to exactly 0 or 1.",
	}, {
		Name:  "hiddenDelta",
		Title: "δ of a hidden layer",
		Eq:    "δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ(a_l)(1 − σ(a_l))",
		Stub: `
	// Step 5 of EXERCISE.md: for a mini-batch of B samples, a hidden layer of m units and the
	// layer above it with m' units (wAbove = W_{l+1} is m'×m, deltaAbove = δ_{l+1} is B×m',
	// s = σ(a_l) is B×m):
	//
	//	δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ(a_l)(1 − σ(a_l))    into delta (B×m)
`,
		Task: "Send δ of the layer above down through its weights, (W_{l+1}ᵀ δ_{l+1})_k =\n" +
			"Σ_j δ_{l+1,j}·W_{l+1}[j][k], summed in order of j, and multiply by the local derivative\n" +
			"σ'(a_l) = `sigmoidPrime(s)` with s = σ(a_l). For every sample r of the batch and every\n" +
			"unit k of the layer. `productAB` in matrix.go is the first factor, δ·W, for a whole batch.",
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
			"divides by B. `productAtB` in matrix.go is the weight gradient as a plain loop.",
	}, {
		Title: "the gradient check",
		Eq:    "∂L/∂θ ≈ (L(θ + h) − L(θ − h))/2h",
		Task: "`go test` runs your steps 2 to 6 together, the forward and the\n" +
			"backward pass of a network with two hidden layers, and compares every ∂L/∂W and ∂L/∂b\n" +
			"with the slope of the loss measured by central differences, as CS231n does. It prints\n" +
			"the largest relative error |analytic − numeric| / max(|analytic|, |numeric|) and its\n" +
			"reading: above 1e−2 the gradient is probably wrong, 1e−7 or less it is right.",
	}, {
		Recv:  "SGD",
		Name:  "step",
		Title: "the SGD step",
		Eq:    "W ← (1 − ηλ/n)·W − (η/B)·Σ_batch ∂L/∂W,  b ← b − (η/B)·Σ_batch ∂L/∂b",
		Stub: `
	// Step 8 of EXERCISE.md: for a layer (layer.W is m×n, layer.B has m biases), its gradients
	// summed over a mini-batch of B samples (gW, m×n; gb, m), and η = o.Eta, λ = o.Lambda,
	// n = o.N:
	//
	//	W ← (1 − ηλ/n)·W − (η/B)·Σ_batch ∂L/∂W
	//	b ← b − (η/B)·Σ_batch ∂L/∂b    (biases are not decayed)
`,
		Task: "Move the layer against the mean gradient of the mini-batch, (η/B)·Σ,\n" +
			"after shrinking the weights, not the biases, by the L2 weight decay 1 − ηλ/n of\n" +
			"Nielsen's network2.py (n is the size of the training set, `o.N`).",
	}}
}

// exerciseFiles makes the exercise from the program's source in src: path → content of every
// file of the module, with the step functions stubbed, the step checks set for the learner, and
// EXERCISE.md.
func exerciseFiles(src fs.FS) (map[string][]byte, error) {
	files := map[string][]byte{}
	names, err := fs.Glob(src, "*.go")
	if err != nil {
		return nil, err
	}
	found := map[string]string{} // step function → its file
	steps := exerciseSteps()
	for _, name := range names {
		text, err := fs.ReadFile(src, name)
		if err != nil {
			return nil, err
		}
		switch {
		case name == stepsTestFile:
			text, err = setLearnerMode(text)
		case strings.HasSuffix(name, "_test.go"):
			continue // the project's own tests test the real bodies; the exercise has its steps'
		default:
			text, err = stubFile(name, text, steps, found)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		files[name] = text
	}
	if _, ok := files[stepsTestFile]; !ok {
		return nil, fmt.Errorf("%s is missing from the program's source", stepsTestFile)
	}
	for _, s := range steps {
		if s.Name != "" && found[s.Func()] == "" {
			return nil, fmt.Errorf("the step function %s is not in the program's source", s.Func())
		}
	}
	// Everything else the program is built from, as it is: go.mod, the lab's page, the template.
	err = fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		b, err := fs.ReadFile(src, p)
		files[p] = b
		return err
	})
	if err != nil {
		return nil, err
	}
	md, err := exerciseGuide(src, files, steps)
	if err != nil {
		return nil, err
	}
	files["EXERCISE.md"] = md
	return files, nil
}

// stubFile replaces the bodies of the step functions declared in the Go file name by their
// stubs, removes the imports that only those bodies used, and formats the result. found records
// which file holds each step function.
func stubFile(name string, text []byte, steps []exerciseStep, found map[string]string) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, text, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var edits []sourceEdit
	for _, sf := range stepFuncs(f, steps) {
		s := sf.step
		if prev := found[s.Func()]; prev != "" {
			return nil, fmt.Errorf("the step function %s is declared twice (also in %s)", s.Func(), prev)
		}
		found[s.Func()] = name
		edits = append(edits, bodyEdit(fset, sf.decl, s.Stub))
	}
	if len(edits) == 0 {
		return text, nil
	}
	text = applySourceEdits(text, edits)
	if text, err = dropUnusedImports(name, text); err != nil {
		return nil, err
	}
	out, err := format.Source(text)
	if err != nil {
		return nil, fmt.Errorf("the stubbed file does not format: %v", err)
	}
	return out, nil
}

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

// bodyEdit is the edit that replaces the body of fd, between its braces, by with.
func bodyEdit(fset *token.FileSet, fd *ast.FuncDecl, with string) sourceEdit {
	return sourceEdit{fset.Position(fd.Body.Lbrace).Offset + 1, fset.Position(fd.Body.Rbrace).Offset, with}
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

// sourceEdit replaces the bytes lo..hi-1 of a text by with.
type sourceEdit struct {
	lo, hi int
	with   string
}

// applySourceEdits applies edits that do not overlap, in any order.
func applySourceEdits(text []byte, edits []sourceEdit) []byte {
	sort.Slice(edits, func(i, j int) bool { return edits[i].lo > edits[j].lo }) // from the end: offsets stay right
	out := append([]byte(nil), text...)
	for _, e := range edits {
		out = append(out[:e.lo:e.lo], append([]byte(e.with), out[e.hi:]...)...)
	}
	return out
}

// dropUnusedImports removes, by their extent in the text, the imports of a Go file that no
// selector X.Sel of it names any more. (The package name of an import path is its last element,
// or the one before a major version such as rand/v2, as for every package this program imports.)
func dropUnusedImports(name string, text []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, text, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("the stubbed file does not parse: %v", err)
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	var edits []sourceEdit
	lines := func(from, to token.Pos) sourceEdit { // the whole lines from the one of from to the one of to
		lo, hi := fset.Position(from).Offset, fset.Position(to).Offset
		lo = bytes.LastIndexByte(text[:lo], '\n') + 1
		if i := bytes.IndexByte(text[hi:], '\n'); i >= 0 {
			hi += i + 1
		} else {
			hi = len(text)
		}
		return sourceEdit{lo, hi, ""}
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		var drop []*ast.ImportSpec
		for _, spec := range gd.Specs {
			is := spec.(*ast.ImportSpec)
			p, _ := strconv.Unquote(is.Path.Value)
			pkg := path.Base(p)
			if len(pkg) > 1 && pkg[0] == 'v' && strings.Trim(pkg[1:], "0123456789") == "" && path.Dir(p) != "." {
				pkg = path.Base(path.Dir(p))
			}
			if is.Name != nil {
				pkg = is.Name.Name
			}
			if pkg != "_" && pkg != "." && !used[pkg] {
				drop = append(drop, is)
			}
		}
		switch {
		case len(drop) == 0:
		case len(drop) == len(gd.Specs): // the whole declaration goes
			edits = append(edits, lines(gd.Pos(), gd.End()-1))
		default:
			for _, is := range drop {
				edits = append(edits, lines(is.Pos(), is.End()-1))
			}
		}
	}
	return applySourceEdits(text, edits), nil
}

// setLearnerMode sets learnerMode to true in the step checks' file: in the exercise they talk
// to the learner (steps_test.go).
func setLearnerMode(text []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, stepsTestFile, text, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if len(vs.Names) == 1 && vs.Names[0].Name == "learnerMode" && len(vs.Values) == 1 {
				lo, hi := fset.Position(vs.Values[0].Pos()).Offset, fset.Position(vs.Values[0].End()).Offset
				return applySourceEdits(text, []sourceEdit{{lo, hi, "true"}}), nil
			}
		}
	}
	return nil, errors.New("no const learnerMode to set")
}

// stepLocation is where a step function is declared: its file and the line of its func.
type stepLocation struct {
	File string
	Line int
}

// String is file:line.
func (l stepLocation) String() string { return l.File + ":" + strconv.Itoa(l.Line) }

// findSteps returns where each step function is declared among the Go files (not tests) of
// files, path → content.
func findSteps(files map[string][]byte, steps []exerciseStep) map[string]stepLocation {
	loc := map[string]stepLocation{}
	for name, text := range files {
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, text, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, sf := range stepFuncs(f, steps) { // a stub keeps its body, so every step is found
			loc[sf.step.Func()] = stepLocation{name, fset.Position(sf.decl.Pos()).Line}
		}
	}
	return loc
}

// exerciseGuide writes EXERCISE.md from the template exercise.md.tmpl, with the steps and
// where each function is in the stubbed files.
func exerciseGuide(src fs.FS, files map[string][]byte, steps []exerciseStep) ([]byte, error) {
	tmpl, err := fs.ReadFile(src, "exercise.md.tmpl")
	if err != nil {
		return nil, err
	}
	t, err := template.New("EXERCISE.md").Parse(string(tmpl))
	if err != nil {
		return nil, fmt.Errorf("exercise.md.tmpl: %v", err)
	}
	loc := findSteps(files, steps)
	type guideStep struct {
		N int
		exerciseStep
		Where string
	}
	var gs []guideStep
	for i, s := range steps {
		where := ""
		if s.Name != "" {
			where = loc[s.Func()].String()
		}
		gs = append(gs, guideStep{i + 1, s, where})
	}
	var b bytes.Buffer
	if err := t.Execute(&b, map[string]any{"Steps": gs, "Funcs": countFuncs(steps)}); err != nil {
		return nil, fmt.Errorf("exercise.md.tmpl: %v", err)
	}
	return b.Bytes(), nil
}

// writeExercise writes the exercise into dir, which must be new or empty, and says what to do
// next.
func writeExercise(dir string, stdout io.Writer, writing *sync.Mutex) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return &usageError{fmt.Sprintf("-exercise %s: the folder is not empty; give a new or an empty one", dir)}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		if fi, serr := os.Stat(dir); serr == nil && !fi.IsDir() {
			return &usageError{fmt.Sprintf("-exercise %s: is a file; give a new or an empty folder", dir)}
		}
		return fmt.Errorf("-exercise %s: %v", dir, unwrapPathError(err))
	}
	files, err := exerciseFiles(programSource)
	if err != nil {
		return fmt.Errorf("-exercise: cannot make the exercise from the program's source: %v", err)
	}
	if err := writeTreeAtomic(dir, files, writing); err != nil {
		return fmt.Errorf("-exercise %s: %v", dir, err)
	}
	fmt.Fprintf(stdout, "wrote the exercise, %d files, to %s: the program with %d functions to write.\n", len(files), dir, countFuncs(exerciseSteps()))
	fmt.Fprintf(stdout, "next: cd %s && go test    (EXERCISE.md says what each step is)\n", dir)
	return nil
}

// writeTree writes files (a slash-separated path under dir → its content), in the order of
// their names, each through writeFileAtomic, making the folders they need.
func writeTree(dir string, files map[string][]byte) error {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("cannot create the folder %s: %v", filepath.Dir(p), unwrapPathError(err))
		}
		text := files[name]
		if err := writeFileAtomic(p, func(w io.Writer) error { _, err := w.Write(text); return err }); err != nil {
			return err // "cannot write PATH: …"
		}
	}
	return nil
}

// writeTreeAtomic writes the exercise's folder as writeFileAtomic writes a file: into a new
// folder beside dir (exerciseTemp, signals.go), renamed dir once every file is in it, so that an
// interrupted or failed write (a full disk) leaves nothing, and a folder named dir is whole. It
// holds writing meanwhile (some 50 ms): a Ctrl-C then quits once the folder is whole or gone.
func writeTreeAtomic(dir string, files map[string][]byte, writing *sync.Mutex) (err error) {
	writing.Lock()
	defer writing.Unlock()
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("cannot create the folder %s: %v", filepath.Dir(dir), unwrapPathError(err))
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), strings.TrimSuffix(filepath.Base(exerciseTemp(dir)), "*"))
	if err != nil {
		return fmt.Errorf("cannot create a folder beside it: %v", unwrapPathError(err))
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := writeTree(tmp, files); err != nil {
		return errors.New(strings.ReplaceAll(err.Error(), tmp, dir)) // name the folder asked for
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("cannot write the folder: %v", unwrapPathError(err))
	}
	// An empty folder dir is replaced (os.Rename does not rename over a folder); os.Remove
	// removes only an empty one.
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot write the folder: %v", unwrapPathError(err))
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("cannot write the folder: %v", unwrapPathError(err))
	}
	return nil
}

// countFuncs is the number of steps with a function to write.
func countFuncs(steps []exerciseStep) int {
	n := 0
	for _, s := range steps {
		if s.Name != "" {
			n++
		}
	}
	return n
}
