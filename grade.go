// grade.go is -grade CLASS: it grades every student's folder under CLASS, each a copy of the
// exercise (-exercise, exercise.go) a student has worked in, and writes CLASS/grades.csv and
// CLASS/grades.html, with a line per student on the terminal.
//
// For each folder it takes the student's network.go, backprop.go and matrix.go and nothing
// else: every other file is the exercise's own, as the program writes it now, and a file the
// student changed or added is named in the notes ("steps_test.go was edited: ignored"). Files
// that import a package able to reach files, programs or the network are not built; the others
// go into a fresh module that holds only what they call (grade_module.go), with the grader's
// harness as main.go (grade_harness.go), built once (grade_run.go); then, for each step, the
// harness runs in a process of its own, under a time and a memory limit
// (grade_sandbox_linux.go), on inputs drawn at grading time from the grading's seed, and the
// grader judges its answer with the program's own functions (grade_steps.go, grade_judge.go).
// Nothing the student's code prints, and no test file, takes part in the verdict; a step that
// loops or explodes is stopped, and the others are graded.
//
// The seed is drawn from crypto/rand, unless -seed gives it; it is printed in both files, and
// -grade CLASS -seed N draws the same inputs again. docs/teaching.md is the teacher's guide.

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// gradeLearnerFiles are the files a student writes in: the step functions, and the three
// products that steps 2, 5 and 6 add to matrix.go.
var gradeLearnerFiles = []string{"network.go", "backprop.go", "matrix.go"}

// The bounds of a grading: students in a class, bytes of a learner's file, and each step's
// time and memory.
const (
	maxStudents      = 1000
	maxLearnerFile   = 1 << 20
	gradeStepSeconds = 10
	gradeStepMB      = 256
)

// gradeStudent is one student's folder and what grading it found.
type gradeStudent struct {
	name    string
	id      string            // its folders in the grader's temporary folder: 001, 002, …
	files   map[string][]byte // the student's learner files (the exercise's own where one is missing)
	notes   []string
	rows    []gradeRow
	bin     string // the harness, once built
	noBuild string // the compiler's lines, when it does not build
}

// gradeRow is one line of grades.csv: a step's verdict.
type gradeRow struct {
	Step, Verdict, Detail string
}

// gradeRowSpec is one row of the grading: its label, the check it runs, the step function it
// judges ("" for the checks of several), and the steps it needs (their numbers).
type gradeRowSpec struct {
	label, check, fn string
	needs            []int
}

// gradeRowSpecs are the rows of every student, in the exercise's order of steps: one per step
// function; the gradient check of the exercise is graded as the backward pass of a small network
// (steps 2 to 6 together); the training check is last.
func gradeRowSpecs() []gradeRowSpec {
	var specs []gradeRowSpec
	var all []int
	for i, s := range exerciseSteps() {
		switch {
		case s.Name != "":
			specs = append(specs, gradeRowSpec{fmt.Sprintf("%d %s", i+1, s.Func()), s.Func(), s.Func(), s.Needs})
			all = append(all, i+1)
		default:
			specs = append(specs, gradeRowSpec{fmt.Sprintf("%d backward pass", i+1), "backward", "", s.Needs})
		}
	}
	return append(specs, gradeRowSpec{"training", "train", "", all})
}

// gradeClass is -grade: it grades the class and writes the two files into it.
func gradeClass(c *config, stdout, stderr io.Writer, sig *interrupts) error {
	exercise, err := gradeExercise()
	if err != nil {
		return fmt.Errorf("-grade: cannot make the exercise from the program's source: %v", err)
	}
	students, err := readClass(c.grade, exercise)
	if err != nil {
		return err
	}
	seed := c.seed
	if !c.gradeSeedSet {
		var b [8]byte
		rand.Read(b[:])
		seed = binary.LittleEndian.Uint64(b[:])
	}
	checks := gradeChecks(seed)
	workers := c.workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	runner, err := newGradeRunner(stderr, gradeStepSeconds*time.Second, gradeStepMB)
	if err != nil {
		return err
	}
	defer runner.remove()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig.graceful(nil, cancel, "grading: stopping; nothing is written")
	started := time.Now()
	fmt.Fprintf(stderr, "grading %d students of %s with seed %d, %d at a time\n", len(students), c.grade, seed, workers)
	prog := &gradeProgress{w: stderr, total: len(students)}

	// Every build first, the first alone (it fills the cache), and no build after any run
	// (grade_run.go says why).
	module := gradeModule(exercise)
	forEach(students, workers, func(i int, s *gradeStudent) {
		if ctx.Err() != nil {
			return
		}
		if refusal := importRefusal(s.files); refusal != "" {
			s.noBuild = refusal
			prog.step("built")
			return
		}
		files := maps(module)
		for name, text := range s.files {
			files[name] = text
		}
		var err error
		s.bin, s.noBuild, err = runner.build(ctx, s.id, files)
		if err != nil {
			s.noBuild = err.Error()
		}
		prog.step("built")
	})
	prog.reset()
	restore, err := readOnly(c.grade, students)
	if err != nil {
		return err
	}
	defer restore()
	runner.lockFolders(students)
	built := time.Now()
	forEach(students, workers, func(i int, s *gradeStudent) {
		if ctx.Err() != nil {
			return
		}
		gradeOne(ctx, runner, s, exercise, checks)
		prog.step("graded")
	})
	if ctx.Err() != nil {
		return errInterrupted
	}
	fmt.Fprintf(stderr, "\rgraded %d students in %.1f s: %.1f s building, %.1f s running their steps%s\n", len(students),
		time.Since(started).Seconds(), built.Sub(started).Seconds(), time.Since(built).Seconds(), strings.Repeat(" ", 10))
	for _, s := range students {
		fmt.Fprintln(stdout, s.summary())
	}
	restore()
	sig.quitting(nil, filepath.Join(c.grade, "grades.csv"), filepath.Join(c.grade, "grades.html")) // a signal now quits, leaving no half-written file
	if err := writeGrades(c.grade, students, seed, started); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and %s (seed %d: -grade %s -seed %d draws the same inputs again)\n",
		filepath.Join(c.grade, "grades.csv"), filepath.Join(c.grade, "grades.html"), seed, c.grade, seed)
	return nil
}

// forEach calls f on every student, workers at a time, the first alone.
func forEach(students []*gradeStudent, workers int, f func(int, *gradeStudent)) {
	if len(students) == 0 {
		return
	}
	f(0, students[0])
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				f(i, students[i])
			}
		})
	}
	for i := 1; i < len(students); i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// maps is a copy of a module's files.
func maps(m map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// readClass reads every student's folder under class: its learner files, and notes on the
// others. Nothing of a student runs before every folder is read.
func readClass(class string, exercise map[string][]byte) ([]*gradeStudent, error) {
	entries, err := os.ReadDir(class)
	if err != nil {
		return nil, fmt.Errorf("-grade %s: %v", class, unwrapPathError(err))
	}
	var students []*gradeStudent
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if len(students) == maxStudents {
			return nil, fmt.Errorf("-grade %s: more than %d folders; grade them in parts", class, maxStudents)
		}
		s := &gradeStudent{name: e.Name(), id: fmt.Sprintf("%03d", len(students)+1), files: map[string][]byte{}}
		if err := s.read(filepath.Join(class, e.Name()), exercise); err != nil {
			return nil, fmt.Errorf("-grade %s: %v", class, err)
		}
		students = append(students, s)
	}
	if len(students) == 0 {
		return nil, &usageError{fmt.Sprintf("-grade %s: holds no student's folder; give the folder that holds one folder per student", class)}
	}
	return students, nil
}

// read takes the student's learner files from dir, and notes every other file that is not the
// exercise's as it was written.
func (s *gradeStudent) read(dir string, exercise map[string][]byte) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return unwrapPathError(err)
	}
	for _, e := range entries {
		name := e.Name()
		learner := contains(gradeLearnerFiles, name)
		switch {
		case strings.HasPrefix(name, "."):
		case e.IsDir():
			s.notes = append(s.notes, fmt.Sprintf("the folder %s: ignored", name))
		case !e.Type().IsRegular():
			s.notes = append(s.notes, fmt.Sprintf("%s is not a plain file (a link?): ignored", name))
		case learner || exercise[name] != nil || strings.HasSuffix(name, ".go"):
			text, err := readBounded(filepath.Join(dir, name), maxLearnerFile)
			switch {
			case err != nil:
				s.notes = append(s.notes, fmt.Sprintf("%s: %v: ignored", name, err))
			case learner:
				s.files[name] = text
			case exercise[name] == nil:
				s.notes = append(s.notes, fmt.Sprintf("%s is not the exercise's: ignored", name))
			case !bytes.Equal(text, exercise[name]) && !bytes.Equal(text, exercise[name+handoutSuffix]) && name != "EXERCISE.md":
				s.notes = append(s.notes, fmt.Sprintf("%s was edited: ignored", name))
			}
		}
	}
	for _, name := range gradeLearnerFiles {
		if s.files[name] == nil {
			s.notes = append(s.notes, fmt.Sprintf("%s is missing: the exercise's, unwritten, is used", name))
			s.files[name] = exercise[name]
		}
	}
	return nil
}

// gradeExercise is the exercise's files, as -exercise writes them, and, under name+handoutSuffix,
// those that -exercise DIR -hints=false writes otherwise.
func gradeExercise() (map[string][]byte, error) {
	exercise, err := exerciseFiles(programSource)
	if err != nil {
		return nil, err
	}
	handout, err := exerciseFilesHints(programSource, false)
	if err != nil {
		return nil, err
	}
	for name, text := range handout {
		if !bytes.Equal(text, exercise[name]) {
			exercise[name+handoutSuffix] = text
		}
	}
	return exercise, nil
}

// handoutSuffix marks, in the exercise's files that read compares a student's with, the version
// of a file written by -exercise DIR -hints=false where it differs (exercise_steps.go without
// the hints' bodies): a folder handed out either way is the exercise's as written.
const handoutSuffix = " (-hints=false)"

// contains says whether list holds x.
func contains(list []string, x string) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}

// readBounded reads a file of at most max bytes.
func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if int64(len(text)) > max {
		return nil, fmt.Errorf("larger than %d bytes", max)
	}
	return text, nil
}

// unwritten says which step functions the student left as the exercise wrote them: the same
// body, up to spaces, as the exercise's stub.
func unwritten(files, exercise map[string][]byte) map[string]bool {
	bodies := func(files map[string][]byte) map[string]string {
		out := map[string]string{}
		for _, name := range gradeLearnerFiles {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, name, files[name], parser.SkipObjectResolution)
			if err != nil {
				continue
			}
			for _, sf := range stepFuncs(f, exerciseSteps()) {
				lo, hi := fset.Position(sf.decl.Body.Lbrace).Offset, fset.Position(sf.decl.Body.Rbrace).Offset
				out[sf.step.Func()] = strings.Join(strings.Fields(string(files[name][lo:hi])), " ")
			}
		}
		return out
	}
	mine, stubs := bodies(files), bodies(exercise)
	out := map[string]bool{}
	for fn, stub := range stubs {
		out[fn] = mine[fn] == stub
	}
	return out
}

// gradeOne runs every check of one student and sets its rows.
func gradeOne(ctx context.Context, runner *gradeRunner, s *gradeStudent, exercise map[string][]byte, checks map[string]*gradeCheck) {
	stub := unwritten(s.files, exercise)
	specs := gradeRowSpecs()
	stepDone := map[int]bool{}
	exact := map[int]bool{}
	stopped := map[int]string{} // the steps that did not finish or were stopped for memory
	for _, spec := range specs {
		row := gradeRow{Step: spec.label}
		c := checks[spec.check]
		switch {
		case s.noBuild != "":
			row.Verdict, row.Detail = noBuild, s.noBuild
		case spec.fn != "" && stub[spec.fn]:
			row.Verdict = notWritten
		case stoppedNeed(spec.needs, stopped) != "":
			// Not run: it would loop or explode again, for another 10 s.
			row.Verdict, row.Detail = waiting, "not run: "+stoppedNeed(spec.needs, stopped)
		default:
			var nb [16]byte
			rand.Read(nb[:])
			q := c.req
			q.Nonce = newNonce(nb)
			req, _ := jsonLine(q)
			out := runner.run(ctx, s.id, s.bin, req, q.Nonce)
			if out.verdict != "" {
				row.Verdict, row.Detail = out.verdict, out.detail
			} else {
				row.Verdict, row.Detail = c.judge(out.answer)
			}
		}
		var notDone []string
		var inexact []string
		for _, n := range spec.needs {
			if !stepDone[n] {
				notDone = append(notDone, fmt.Sprint(n))
			} else if !exact[n] {
				inexact = append(inexact, fmt.Sprint(n))
			}
		}
		switch {
		case (row.Verdict == wrongAnswer || row.Verdict == notBitForBit && spec.fn == "") && len(notDone) > 0:
			row.Verdict, row.Detail = waiting, "waits for step "+strings.Join(notDone, ", ")+", which it calls: "+row.Detail
		case spec.fn == "" && (row.Verdict == wrongAnswer || row.Verdict == notBitForBit) && len(inexact) > 0:
			row.Verdict, row.Detail = notBitForBit, "not the program's bits, as steps "+strings.Join(inexact, ", ")+" are not: "+row.Detail
		case spec.fn == "" && row.Verdict == wrongAnswer:
			row.Detail = "every step is right on its own, but not together: look at forward, deltas, backward and trainBatch, which call them; " + row.Detail
		}
		if n := stepNumber(spec.label); n > 0 {
			stepDone[n], exact[n] = done(row.Verdict), row.Verdict == bitForBit
			if row.Verdict == notFinished || row.Verdict == tooMuchMem {
				stopped[n] = fmt.Sprintf("step %d, which it calls, %s", n, map[string]string{notFinished: "did not finish", tooMuchMem: "used too much memory"}[row.Verdict])
			}
		}
		s.rows = append(s.rows, row)
	}
}

// stoppedNeed says which of the steps needs did not finish or used too much memory, "" if none.
func stoppedNeed(needs []int, stopped map[int]string) string {
	for _, n := range needs {
		if stopped[n] != "" {
			return stopped[n]
		}
	}
	return ""
}

// stepNumber is the number a row's label starts with, 0 for none.
func stepNumber(label string) int {
	var n int
	fmt.Sscanf(label, "%d", &n)
	return n
}

// readOnly takes the write permission away from the class's folder, each student's folder and
// the files in it while the students' code runs, and returns what gives it back: a student's code
// that tries to remove them, knowing where they are, is refused where it runs without
// capabilities (in a user namespace, grade_sandbox_linux.go, or as an ordinary user). A folder
// deeper in a student's folder is left as it is.
func readOnly(class string, students []*gradeStudent) (restore func(), err error) {
	modes := map[string]fs.FileMode{}
	var order []string
	restore = func() {
		for i := len(order) - 1; i >= 0; i-- {
			os.Chmod(order[i], modes[order[i]])
		}
		order = nil
	}
	lock := func(p string) error {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink != 0 {
			return nil
		}
		modes[p] = fi.Mode().Perm()
		order = append(order, p)
		if err := os.Chmod(p, fi.Mode().Perm()&^0o222); err != nil {
			return fmt.Errorf("-grade %s: cannot make it read-only while the students' code runs: %v", class, unwrapPathError(err))
		}
		return nil
	}
	for _, s := range students {
		dir := filepath.Join(class, s.name)
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Type().IsRegular() {
				if err := lock(filepath.Join(dir, e.Name())); err != nil {
					restore()
					return nil, err
				}
			}
		}
		if err := lock(dir); err != nil {
			restore()
			return nil, err
		}
	}
	if err := lock(class); err != nil {
		restore()
		return nil, err
	}
	return restore, nil
}

// summary is the student's line on the terminal.
func (s *gradeStudent) summary() string {
	var n, exact int
	var wrong []string
	for _, r := range s.rows {
		switch {
		case r.Verdict == bitForBit:
			n, exact = n+1, exact+1
		case done(r.Verdict):
			n++
		default:
			wrong = append(wrong, r.Step+": "+r.Verdict)
		}
	}
	line := fmt.Sprintf("%-16s %2d of %d done (%d bit for bit)", s.name, n, len(s.rows), exact)
	if s.noBuild != "" {
		// Every row says it; the compiler's lines or the refused import, once.
		wrong = []string{noBuild + ": " + s.noBuild}
	}
	if len(wrong) > 0 {
		line += "; " + strings.Join(wrong, "; ")
	}
	if len(s.notes) > 0 {
		line += "; " + strings.Join(s.notes, "; ")
	}
	return line
}

// gradeProgress is the progress line on the terminal: rewritten in place on a terminal, a line
// every tenth of the class elsewhere.
type gradeProgress struct {
	w     io.Writer
	mu    sync.Mutex
	total int
	n     int
}

func (p *gradeProgress) step(what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if isTerminal(p.w) { // download.go
		fmt.Fprintf(p.w, "\r%s %d of %d students", what, p.n, p.total)
	} else if p.n == p.total || p.n%max(1, p.total/10) == 0 {
		fmt.Fprintf(p.w, "%s %d of %d students\n", what, p.n, p.total)
	}
}

func (p *gradeProgress) reset() {
	p.mu.Lock()
	p.n = 0
	p.mu.Unlock()
}
