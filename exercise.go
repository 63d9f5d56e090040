// exercise.go writes the course's assignment as a Go module: `-exercise DIR` copies the course's
// part of this very program (exerciseModule lists its files) into DIR with the bodies of the
// functions that carry the math of the course replaced by stubs, adds the step checks
// (steps_test.go) and EXERCISE.md, and the learner fills the stubs in, one step at a time, with
// `go test` saying which step is done, which is wrong and why.
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
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template"
)

// programSource is the program's source as it was built: the exercise is made from it.
//
//go:embed *.go go.mod exercise.md.tmpl
var programSource embed.FS

// stepsTestFile is the test file of the step checks: the project runs it against the real
// code, the exercise against the learner's (it is copied with learnerMode set to true).
const stepsTestFile = "steps_test.go"

// exerciseModule is what the exercise's module holds of the program: the course (network.go,
// backprop.go, matrix.go without its products, which steps 2, 5 and 6 write; exp.go, pass.go),
// the data reader (mnist.go), the training settings and their bounds (settings.go, memory.go,
// limits.go), the plain training loop (plain_train.go), the list of steps, and the report that
// main.go writes from the learner's run (report.go, report_math.go, report_net.go,
// report_page.go, plot.go; files.go, which writes files whole, and paths.go, which checks -out).
// No lab, downloader, parallel trainer or fast product: go test there compiles little, and
// nothing in it computes a step's answer.
var exerciseModule = []string{"network.go", "backprop.go", "matrix.go", "exp.go", "pass.go", "mnist.go", "limits.go", "memory.go", "settings.go", "plain_train.go", "diverge.go", "exercise_steps.go",
	"report.go", "report_math.go", "report_net.go", "report_page.go", "plot.go", "files.go", "paths.go"}

// exerciseDropped are the functions of matrix.go left out of the exercise.
var exerciseDropped = []string{"productPQt", "productPtQ", "productPQ"}

// exerciseMainFile is the exercise's main.go in the program's source: it trains with the
// learner's functions, the course's way (plain_train.go), with the program's flags, defaults
// and bounds (settings.go). Its first line, a build constraint that keeps it out of the
// program, is dropped as it is written into the exercise.
const exerciseMainFile = "exercise_main.go"

// exerciseMainConstraint is that first line, and the blank line after it.
const exerciseMainConstraint = "//go:build ignore\n\n"

// exerciseMatrixHeader is the opening comment of the exercise's matrix.go, which holds the
// Matrix type without the three products (exerciseDropped): the program's header describes them.
const exerciseMatrixHeader = `// matrix.go holds the matrix type the course's functions work on, and nothing more.
//
// A Matrix is a flat, row-major []float64 with its row and column counts. A mini-batch of B
// samples is one B×n matrix with one sample per row, and the weights of a layer with n inputs
// and m units are one m×n matrix whose row j holds the weights into unit j.
//
// In the program this file also holds the three matrix products of the passes (x·Wᵀ, δᵀ·x and
// δ·W); the exercise leaves them out, and each step writes its sums as loops of its own.
//
// Each sum starts at 0 and adds its terms in order of the summed index: floating-point
// addition is not associative, so the order decides the last bits.
//
// Fused multiply-add. Write each product that is added as float64(x*y): the Go specification lets the compiler fuse s + x*y into one
// instruction that rounds once instead of twice, and it does on arm64 (Apple-silicon Macs) and
// on amd64 built with GOAMD64=v3, which gives other last bits; the conversion forbids it.

`

// dropFuncs removes the named functions, with their comments, from a Go file, and the comments
// that name them; it replaces the file's opening comment by header.
func dropFuncs(name string, text []byte, drop []string, header string) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, text, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var edits []sourceEdit
	found := 0
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || !slices.Contains(drop, fd.Name.Name) {
			continue
		}
		from := fd.Pos()
		if fd.Doc != nil {
			from = fd.Doc.Pos()
		}
		edits = append(edits, sourceEdit{fset.Position(from).Offset, fset.Position(fd.End()).Offset, ""})
		found++
	}
	if found != len(drop) {
		return nil, fmt.Errorf("want the functions %v, found %d of them", drop, found)
	}
	for _, cg := range f.Comments { // a comment of its own (no declaration's) that names a dropped function
		if cg.Pos() < f.Package || slices.ContainsFunc(edits, func(e sourceEdit) bool {
			return fset.Position(cg.Pos()).Offset >= e.lo && fset.Position(cg.End()).Offset <= e.hi
		}) {
			continue
		}
		if slices.ContainsFunc(drop, func(fn string) bool { return strings.Contains(cg.Text(), fn) }) && !docOfDecl(f, cg) {
			edits = append(edits, sourceEdit{fset.Position(cg.Pos()).Offset, fset.Position(cg.End()).Offset, ""})
		}
	}
	edits = append(edits, sourceEdit{0, fset.Position(f.Package).Offset, header})
	return format.Source(applySourceEdits(text, edits))
}

// docOfDecl reports whether cg is the doc comment of one of f's declarations.
func docOfDecl(f *ast.File, cg *ast.CommentGroup) bool {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Doc == cg {
				return true
			}
		case *ast.GenDecl:
			if d.Doc == cg {
				return true
			}
		}
	}
	return false
}

// exerciseFiles makes the exercise from the program's source in src: path → content of every
// file of the module, with the step functions stubbed, the step checks set for the learner, and
// EXERCISE.md; with the hints, each step's body for -hint 3 among them (exercise_steps.go).
func exerciseFiles(src fs.FS) (map[string][]byte, error) { return exerciseFilesHints(src, true) }

// exerciseFilesHints is exerciseFiles, with the hints' bodies or (hints false: a hand-out for a
// class) without them: every step's Answer in exercise_steps.go is then "", and nothing in the
// module computes a step.
func exerciseFilesHints(src fs.FS, hints bool) (map[string][]byte, error) {
	files := map[string][]byte{}
	found := map[string]string{} // step function → its file
	steps := exerciseSteps()
	for _, name := range append(exerciseModule, stepsTestFile, "go.mod") {
		text, err := fs.ReadFile(src, name)
		if err != nil {
			return nil, err
		}
		switch name {
		case "go.mod":
		case stepsTestFile:
			text, err = setLearnerMode(text)
		case "exercise_steps.go":
			if !hints {
				text, err = dropAnswers(name, text)
			}
		case "matrix.go":
			text, err = dropFuncs(name, text, exerciseDropped, exerciseMatrixHeader)
		default:
			text, err = stubFile(name, text, steps, found)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		files[name] = text
	}
	for _, s := range steps {
		if s.Name != "" && found[s.Func()] == "" {
			return nil, fmt.Errorf("the step function %s is not in the program's source", s.Func())
		}
	}
	mainText, err := fs.ReadFile(src, exerciseMainFile)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(mainText, []byte(exerciseMainConstraint)) {
		return nil, fmt.Errorf("%s: does not start with %q", exerciseMainFile, exerciseMainConstraint)
	}
	files["main.go"] = mainText[len(exerciseMainConstraint):]
	md, err := exerciseGuide(src, files, steps, hints)
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

// bodyEdit is the edit that replaces the body of fd, between its braces, by with.
func bodyEdit(fset *token.FileSet, fd *ast.FuncDecl, with string) sourceEdit {
	return sourceEdit{fset.Position(fd.Body.Lbrace).Offset + 1, fset.Position(fd.Body.Rbrace).Offset, with}
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

// dropAnswers empties, in exercise_steps.go, the value of every Answer field of a composite
// literal (the hints' bodies): Answer: "". Found by the syntax tree, as the stubs are.
func dropAnswers(name string, text []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, text, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var edits []sourceEdit
	ast.Inspect(f, func(n ast.Node) bool {
		if kv, ok := n.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "Answer" {
				edits = append(edits, sourceEdit{fset.Position(kv.Value.Pos()).Offset, fset.Position(kv.Value.End()).Offset, `""`})
			}
		}
		return true
	})
	if len(edits) == 0 {
		return nil, errors.New("no Answer to take out")
	}
	return format.Source(applySourceEdits(text, edits))
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
func exerciseGuide(src fs.FS, files map[string][]byte, steps []exerciseStep, hints bool) ([]byte, error) {
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
	if err := t.Execute(&b, map[string]any{"Steps": gs, "Funcs": countFuncs(steps), "Elsewhere": strings.Join(namedElsewhere(files), ", "), "Hints": hints, "Imports": strings.Join(gradeImports, ", ")}); err != nil {
		return nil, fmt.Errorf("exercise.md.tmpl: %v", err)
	}
	return b.Bytes(), nil
}

// goFileName is a file of Go source named in a text, network.go, fast_passes.go; or one of the
// program's flags and parts that the exercise leaves out.
var goFileName = regexp.MustCompile(`\b[a-z][a-z0-9_]*\.go\b|-explain\b|\bthe lab\b|\bthe lab's\b`)

// namedElsewhere lists, sorted, the Go files, flags and parts of the program that the text of
// the module's files (path → content) names but the module does not hold: the comments are the
// program's, and speak of its other parts too. EXERCISE.md says which they are.
func namedElsewhere(files map[string][]byte) []string {
	var names []string
	for _, text := range files {
		for _, m := range goFileName.FindAll(text, -1) {
			name := strings.TrimSuffix(string(m), "'s")
			if name == "the lab" {
				name = "the lab (-serve)"
			}
			if files[name] == nil && !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	return names
}

// writeExercise writes the exercise into dir, which must be new or empty, and says what to do
// next.
func writeExercise(dir string, hints bool, stdout io.Writer, writing *sync.Mutex) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return &usageError{fmt.Sprintf("-exercise %s: the folder is not empty; give a new or an empty one", dir)}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		if fi, serr := os.Stat(dir); serr == nil && !fi.IsDir() {
			return &usageError{fmt.Sprintf("-exercise %s: is a file; give a new or an empty folder", dir)}
		}
		return fmt.Errorf("-exercise %s: %v", dir, unwrapPathError(err))
	}
	files, err := exerciseFilesHints(programSource, hints)
	if err != nil {
		return fmt.Errorf("-exercise: cannot make the exercise from the program's source: %v", err)
	}
	if err := writeTreeAtomic(dir, files, writing); err != nil {
		return fmt.Errorf("-exercise %s: %v", dir, err)
	}
	fmt.Fprintf(stdout, "wrote the exercise, %d files, to %s: the course's part of the program, with %d functions to write.\n", len(files), dir, countFuncs(exerciseSteps()))
	if !hints {
		fmt.Fprintln(stdout, "no answer in it: -hint 3 gives no body (-hints=false)")
	}
	fmt.Fprintf(stdout, "next: cd %s && go test    (EXERCISE.md says what each step is)\n", shellWord(dir))
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
// folder beside dir, ".DIR.tmp" and digits (isTempOf, files.go), renamed dir once every file is in it, so that an
// interrupted or failed write (a full disk) leaves nothing, and a folder named dir is whole. It
// holds writing meanwhile (some 50 ms): a Ctrl-C then quits once the folder is whole or gone.
func writeTreeAtomic(dir string, files map[string][]byte, writing *sync.Mutex) (err error) {
	writing.Lock()
	defer writing.Unlock()
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("cannot create the folder %s: %v", filepath.Dir(dir), unwrapPathError(err))
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp")
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
