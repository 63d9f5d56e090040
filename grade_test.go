// grade_test.go tests -grade (grade.go) on a made-up class: a student who wrote every step from
// the notes, one who wrote half, one with slips (σ with math.Exp, B missing from the step), one
// whose forward pass loops, one whose code panics, one whose memory explodes, one who tries to
// delete the teacher's folder, and one who fakes (edited steps_test.go, a main.go and an init
// that print verdicts and made-up answers). Each verdict is checked, and that the class's folder
// is whole afterwards. With -short it is skipped: the grading builds eight programs, the first
// with a fresh build cache.
//
// The class of sixty for the timing (docs/teaching.md) is made by the same helper:
//
//	go test -run TestGradeClass -gradeclass /tmp/class60 .    # writes 60 folders, grades nothing
//	go run . -grade /tmp/class60

package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"go/format"
	"go/parser"
	"go/token"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var gradeClassDir = flag.String("gradeclass", "", "write a made-up class of 60 students into this new folder (TestGradeClass) and grade nothing")

// madeUpStudent is a student of the made-up class: bodies replacing the plain answers' (by step
// function; a missing one is left unwritten), the imports they need, and files of the exercise
// replaced whole.
type madeUpStudent struct {
	name    string
	bodies  map[string]string
	imports []string
	replace map[string]string
	extra   string            // added at the end of network.go
	want    map[string]string // row label's step number or "training" → verdict
}

// madeUpClass is the made-up class; class is the class's folder, which the deleter aims at. The
// deleter imports os, so the grader does not build it (importRefusal, grade_module.go);
// TestGradeSandbox runs such code to show that the sandbox holds too. It aims only at the class,
// the grader's own folders and its HOME and TMPDIR: were it run, it would run with the rights of
// whoever runs the test, and a path outside those is not protected (a first version that removed
// "../../..", the system's temporary folder, emptied it).
func madeUpClass(class string) []madeUpStudent {
	all := plainAnswers()
	with := func(changes map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range all {
			m[k] = v
		}
		for k, v := range changes {
			if v == "" {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	allDone := map[string]string{"1": bitForBit, "2": bitForBit, "3": bitForBit, "4": bitForBit, "5": bitForBit, "6": bitForBit, "7": bitForBit, "8": bitForBit, "9": bitForBit, "training": bitForBit}
	want := func(changes map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range allDone {
			m[k] = v
		}
		for k, v := range changes {
			m[k] = v
		}
		return m
	}
	allNot := func(verdict string) map[string]string {
		m := map[string]string{}
		for k := range allDone {
			m[k] = verdict
		}
		return m
	}
	replaceIn := func(fn, old, new string) string {
		return strings.Replace(all[fn], old, new, 1)
	}
	return []madeUpStudent{
		{name: "right", bodies: all, want: allDone},
		{name: "half", bodies: with(map[string]string{"hiddenDelta": "", "layerGradients": "", "SGD.step": "", "SGD.shrinkWeights": ""}),
			want: want(map[string]string{"5": notWritten, "6": notWritten, "7": waiting, "8": notWritten, "9": notWritten, "training": waiting})},
		{name: "slips", imports: []string{"math"}, bodies: with(map[string]string{
			"sigmoid":  "\n\treturn 1 / (1 + math.Exp(-a))\n",
			"SGD.step": replaceIn("SGD.step", "rate := o.Eta / float64(batchSize)", "rate := o.Eta"),
		}), want: want(map[string]string{"1": notBitForBit, "2": notBitForBit, "7": notBitForBit, "8": wrongAnswer, "training": waiting})},
		{name: "looper", bodies: with(map[string]string{"layerForward": "\n\tfor {\n\t}\n"}),
			want: want(map[string]string{"2": notFinished, "7": waiting, "training": waiting})},
		{name: "panicker", bodies: with(map[string]string{"hiddenDelta": replaceIn("hiddenDelta", "wAbove.at(j, k)", "wAbove.at(k, j)")}),
			want: want(map[string]string{"5": crashed, "7": crashed, "training": crashed})},
		{name: "exploder", bodies: with(map[string]string{"layerGradients": "\n\tvar keep [][]byte\n\tfor i := 0; i < 1000; i++ {\n\t\tkeep = append(keep, make([]byte, 64<<20))\n\t\tkeep[i][0] = 1\n\t}\n" + all["layerGradients"]}),
			want: want(map[string]string{"6": tooMuchMem, "7": waiting, "training": waiting})},
		{name: "deleter", imports: []string{"os"}, extra: fmt.Sprintf(
			"\nfunc init() {\n\tfor _, p := range []string{%q, %q, \"..\", \"../..\", os.Getenv(\"HOME\"), os.Getenv(\"TMPDIR\")} {\n\t\tos.RemoveAll(p)\n\t}\n}\n",
			class, filepath.Join(class, "right")), bodies: all, want: allNot(noBuild)},
		{name: "faker", imports: []string{"fmt"}, bodies: map[string]string{"sigmoid": all["sigmoid"], "layerForward": "\n\tfmt.Print(\"step 2: bit for bit\\n0123456789abcdef0123456789abcdef {\\\"Nonce\\\":\\\"0123456789abcdef0123456789abcdef\\\"}\\n\")\n"},
			replace: map[string]string{
				"steps_test.go": "package main\n\nimport \"testing\"\n\nfunc TestSteps(t *testing.T) { t.Log(\"9 of 9 steps done, bit for bit\") }\n",
				"main.go":       "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"9 of 9 steps done, bit for bit, PASS\") }\n",
			},
			want: map[string]string{"1": bitForBit, "2": wrongAnswer, "3": notWritten, "4": notWritten, "5": notWritten, "6": notWritten, "7": waiting, "8": notWritten, "9": notWritten, "training": waiting}},
	}
}

// writeStudent writes a student's folder: the exercise, with the student's bodies in the step
// functions and the student's replaced files.
func writeStudent(t testing.TB, dir string, exercise map[string][]byte, s madeUpStudent) {
	t.Helper()
	files := maps(exercise)
	for name, text := range exercise {
		if !contains(gradeLearnerFiles, name) {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, text, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		var edits []sourceEdit
		for _, sf := range stepFuncs(f, exerciseSteps()) {
			if body, ok := s.bodies[sf.step.Func()]; ok {
				edits = append(edits, bodyEdit(fset, sf.decl, body))
			}
		}
		if len(edits) == 0 {
			continue
		}
		text = applySourceEdits(text, edits)
		if name == "network.go" {
			text = append(text, s.extra...)
		}
		var imports []string
		for _, imp := range s.imports {
			if bytes.Contains(text, []byte(imp+".")) && !bytes.Contains(text, []byte("\""+imp+"\"")) {
				imports = append(imports, "import \""+imp+"\"")
			}
		}
		if len(imports) > 0 {
			end := fset.Position(f.Name.End()).Offset
			text = append(text[:end:end], append([]byte("\n\n"+strings.Join(imports, "\n")+"\n"), text[end:]...)...)
		}
		if files[name], err = format.Source(text); err != nil {
			t.Fatalf("%s's %s: %v", s.name, name, err)
		}
	}
	for name, text := range s.replace {
		files[name] = []byte(text)
	}
	if err := writeTree(dir, files); err != nil {
		t.Fatal(err)
	}
}

// TestGradeClass grades the made-up class and checks every verdict, the notes, the files
// written, and that the class's folder is whole.
func TestGradeClass(t *testing.T) {
	exercise, err := exerciseFiles(programSource)
	if err != nil {
		t.Fatal(err)
	}
	if *gradeClassDir != "" {
		class := *gradeClassDir
		students := madeUpClass(class)
		for i := 0; i < 60; i++ {
			s := students[i%len(students)]
			writeStudent(t, filepath.Join(class, fmt.Sprintf("%s-%02d", s.name, i+1)), exercise, s)
		}
		t.Logf("wrote 60 students into %s", class)
		return
	}
	if testing.Short() {
		t.Skip("-short: grading builds eight programs")
	}
	class := filepath.Join(t.TempDir(), "class")
	students := madeUpClass(class)
	for _, s := range students {
		writeStudent(t, filepath.Join(class, s.name), exercise, s)
	}
	var stdout, stderr bytes.Buffer
	// A fixed seed: the slips student's σ with math.Exp differs from exp on about one input in
	// six (amd64), so on the few σ(a) of step 2 that another seed draws it may be bit for bit, a
	// true verdict on those inputs (seen once, in CI). On this seed's it is not, at steps 1, 2, 7.
	if code := run([]string{"-grade", class, "-seed", "20261206"}, &stdout, &stderr); code != 0 {
		t.Fatalf("-grade: status %d\n%s%s", code, stdout.String(), stderr.String())
	}
	t.Logf("%s%s", stderr.String(), stdout.String())
	f, err := os.Open(filepath.Join(class, "grades.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string][]string{}
	notes := map[string]string{}
	for _, r := range records[1:] {
		if got[r[0]] == nil {
			got[r[0]] = map[string][]string{}
		}
		if r[1] == "files" {
			notes[r[0]] += r[3] + "; "
			continue
		}
		step := strings.Fields(r[1])[0]
		got[r[0]][step] = r
	}
	for _, s := range students {
		for step, want := range s.want {
			r := got[s.name][step]
			if r == nil || r[2] != want {
				t.Errorf("%s, step %s: got %q, want %q", s.name, step, r, want)
			}
		}
	}
	for _, c := range []struct{ student, step, says string }{
		{"slips", "1", "math.Exp"},
		{"slips", "8", "B is missing"},
		{"looper", "2", "did not finish in 10 s"},
		{"panicker", "5", "index out of range"},
		{"exploder", "6", "used more than 256 MB"},
		{"deleter", "1", `imports "os": a step needs no file`},
	} {
		if r := got[c.student][c.step]; r == nil || !strings.Contains(r[3], c.says) {
			t.Errorf("%s, step %s: the detail %q does not say %q", c.student, c.step, r, c.says)
		}
	}
	for _, says := range []string{"steps_test.go was edited: ignored", "main.go was edited: ignored"} {
		if !strings.Contains(notes["faker"], says) {
			t.Errorf("faker's notes %q do not say %q", notes["faker"], says)
		}
	}
	for _, s := range students {
		if _, err := os.Stat(filepath.Join(class, s.name, "network.go")); err != nil {
			t.Errorf("after grading: %v", err)
		}
	}
	page, err := os.ReadFile(filepath.Join(class, "grades.html"))
	if err != nil || !bytes.Contains(page, []byte("<table id=\"grades\">")) {
		t.Errorf("grades.html: %v", err)
	}
}

// TestImportRefusal: a student's file that imports a package able to reach files, programs or
// the network is not built, and the reason names the file, the line and the package.
func TestImportRefusal(t *testing.T) {
	file := func(imports string) map[string][]byte {
		return map[string][]byte{"network.go": []byte("package main\n\n" + imports + "\n\nfunc sigmoid(a float64) float64 { return a }\n")}
	}
	for _, c := range []struct{ imports, want string }{
		{`import "math"`, ""},
		{"import (\n\t\"fmt\"\n\t\"math/rand/v2\"\n\t\"sync\"\n)", ""},
		{`import "os"`, `network.go:3 imports "os": a step needs no file`},
		{"import (\n\t\"math\"\n\tx \"os/exec\"\n)", `network.go:5 imports "os/exec"`},
		{`import _ "unsafe"`, `network.go:3 imports "unsafe"`},
		{`import "syscall"`, `imports "syscall"`},
		{`import "net/http"`, `imports "net/http"`},
		{`import "io/ioutil"`, `imports "io/ioutil"`},
		{`import "embed"`, `imports "embed"`},
		{`import "C"`, `imports "C"`},
	} {
		got := importRefusal(file(c.imports))
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%s: importRefusal says %q, want %q", c.imports, got, c.want)
		}
	}
	for _, name := range gradeLearnerFiles {
		text := map[string][]byte{name: []byte("package main\n\nimport \"os\"\n")}
		if got := importRefusal(text); !strings.HasPrefix(got, name+":3 ") {
			t.Errorf("%s importing os: importRefusal says %q", name, got)
		}
	}
}

// TestGradeSandbox: code that got past the grader's checks (here, built directly) and removes
// every folder it can name, the class's, a student's, its own, its HOME and TMPDIR, removes none
// of the class's files nor the grader's harnesses while it runs under grade_run.go's sandbox.
func TestGradeSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds a program")
	}
	exercise, err := exerciseFiles(programSource)
	if err != nil {
		t.Fatal(err)
	}
	class := filepath.Join(t.TempDir(), "class")
	students := []*gradeStudent{{name: "ada", id: "001"}, {name: "bob", id: "002"}}
	for _, s := range students {
		if err := writeTree(filepath.Join(class, s.name), map[string][]byte{"network.go": []byte("package main\n")}); err != nil {
			t.Fatal(err)
		}
	}
	runner, err := newGradeRunner(io.Discard, gradeStepSeconds*time.Second, gradeStepMB)
	if err != nil {
		t.Skip(err) // no go command on PATH
	}
	defer runner.remove()
	deleter := fmt.Sprintf("package main\n\nimport \"os\"\n\nfunc main() {\n\tfor _, p := range []string{%q, %q, %q, \"..\", \"../..\", os.Getenv(\"HOME\"), os.Getenv(\"TMPDIR\")} {\n\t\tos.RemoveAll(p)\n\t}\n}\n",
		filepath.Join(class, "ada", "network.go"), filepath.Join(class, "bob"), class)
	files := map[string][]byte{"go.mod": exercise["go.mod"], "main.go": []byte(deleter)}
	if name, text := sandboxLimits(gradeStepMB, 2*gradeStepSeconds+1); name != "" {
		files[name] = []byte(text)
	}
	ctx := context.Background()
	var bins []string
	for _, s := range students {
		bin, compileErr, err := runner.build(ctx, s.id, files)
		if err != nil || compileErr != "" {
			t.Fatalf("the deleter does not build: %v %s", err, compileErr)
		}
		bins = append(bins, bin)
	}
	restore, err := readOnly(class, students)
	if err != nil {
		t.Fatal(err)
	}
	runner.lockFolders(students)
	runner.run(ctx, "001", bins[0], []byte("{}\n"), "nonce")
	restore()
	for _, p := range append([]string{filepath.Join(class, "ada", "network.go"), filepath.Join(class, "bob", "network.go")}, bins...) {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("after the deleter ran: %v", err)
		}
	}
}

// TestNameParts: grades.html's column heads break a step's function name between words only.
func TestNameParts(t *testing.T) {
	for _, c := range []struct {
		name string
		want []string
	}{
		{"sigmoid", []string{"sigmoid"}},
		{"layerForward", []string{"layer", "Forward"}},
		{"sigmoidPrimeFromSigma", []string{"sigmoid", "Prime", "From", "Sigma"}},
		{"SGD.shrinkWeights", []string{"SGD.", "shrink", "Weights"}},
		{"backward pass", []string{"backward pass"}},
	} {
		if got := nameParts(c.name); !slices.Equal(got, c.want) {
			t.Errorf("nameParts(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestFusedMulAdd: the grader's fused multiply-add, computed in big.Float, is math.FMA's.
func TestFusedMulAdd(t *testing.T) {
	n := gradeRand(1, 99)
	for i := 0; i < 10000; i++ {
		x, y, z := n.next(), n.next()*1e3, n.next()*1e-3
		if got, want := fusedMulAdd(x, y, z), math.FMA(x, y, z); got != want {
			t.Fatalf("fusedMulAdd(%v, %v, %v) = %v, math.FMA %v", x, y, z, got, want)
		}
	}
}
