// grade_output.go writes what -grade (grade.go) found: CLASS/grades.csv, a row per student and
// step (student, step, verdict, detail, seed), and CLASS/grades.html, the same as a table a
// teacher can sort by clicking a column, with each student's details below it. The page is
// grade/grades.html, plain HTML, CSS and JavaScript embedded in the program; it shows what the
// grader decided and computes nothing. Both files are written whole or not at all
// (writeFileAtomic, files.go).

package main

import (
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"strings"
	"time"
)

//go:embed grade/grades.html
var gradePage embed.FS

// jsonLine is v as one line of JSON, with its newline.
func jsonLine(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	return append(b, '\n'), err
}

// verdictClass is the page's CSS class of a verdict, its sort key (done steps first) and its
// short form in the table (the details below it say it whole).
func verdictClass(v string) (class string, key int, short string) {
	switch v {
	case bitForBit:
		return "exact", 0, "✓ exact"
	case notBitForBit:
		return "close", 1, "✓ ≈"
	case wrongAnswer:
		return "wrong", 2, "✗ wrong"
	case noRace:
		return "wrong", 2, "✗ race"
	case waiting:
		return "waits", 3, "waits"
	case notWritten:
		return "unwritten", 4, "–"
	case notFinished:
		return "broken", 5, "time"
	case tooMuchMem:
		return "broken", 5, "memory"
	case crashed:
		return "broken", 5, "crash"
	}
	return "broken", 5, "no build"
}

// writeGrades writes grades.csv and grades.html into class.
func writeGrades(class string, students []*gradeStudent, seed uint64, when time.Time) error {
	err := writeFileAtomic(filepath.Join(class, "grades.csv"), func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"student", "step", "verdict", "detail", "seed"})
		for _, s := range students {
			for _, r := range s.rows {
				cw.Write([]string{s.name, r.Step, r.Verdict, r.Detail, fmt.Sprint(seed)})
			}
			for _, n := range s.notes {
				cw.Write([]string{s.name, "files", "note", n, fmt.Sprint(seed)})
			}
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		return fmt.Errorf("-grade: %v", err)
	}
	page, err := template.ParseFS(gradePage, "grade/grades.html")
	if err != nil {
		return fmt.Errorf("-grade: the page's template: %v", err)
	}
	type cell struct {
		Verdict, Short, Detail, Class string
		Key                           int
	}
	type head struct {
		N     string
		Parts []string // the function's name in pieces, each line break allowed between them
	}
	type student struct {
		Name, Anchor string
		Done, Exact  int
		Cells        []cell
		Notes        []string
	}
	var steps []string
	var heads []head
	for _, spec := range gradeRowSpecs() {
		steps = append(steps, spec.label)
		n, name, ok := strings.Cut(spec.label, " ")
		if !ok {
			n, name = "", spec.label
		}
		heads = append(heads, head{n, nameParts(name)})
	}
	var rows []student
	for i, s := range students {
		st := student{Name: s.name, Anchor: fmt.Sprintf("s%d", i+1), Notes: s.notes}
		for _, r := range s.rows {
			class, key, short := verdictClass(r.Verdict)
			st.Cells = append(st.Cells, cell{r.Verdict, short, r.Detail, class, key})
			if done(r.Verdict) {
				st.Done++
			}
			if r.Verdict == bitForBit {
				st.Exact++
			}
		}
		rows = append(rows, st)
	}
	data := map[string]any{
		"Class": filepath.Base(filepath.Clean(class)), "Seed": seed, "When": when.UTC().Format("2006-01-02 15:04 UTC"),
		"Steps": steps, "Heads": heads, "Students": rows, "Total": len(steps),
		"Limits": fmt.Sprintf("%d s and %d MB a step", gradeStepSeconds, gradeStepMB),
	}
	err = writeFileAtomic(filepath.Join(class, "grades.html"), func(w io.Writer) error {
		var b strings.Builder
		if err := page.Execute(&b, data); err != nil {
			return err
		}
		_, err := io.WriteString(w, b.String())
		return err
	})
	if err != nil {
		return fmt.Errorf("-grade: %v", err)
	}
	return nil
}

// nameParts cuts a function's name where a narrow column head may break it: before each capital
// that follows a small letter and after a dot, so that "SGD.shrinkWeights" reads "SGD." "shrink"
// "Weights" rather than breaking inside a word.
func nameParts(name string) []string {
	var parts []string
	start := 0
	for i := 1; i < len(name); i++ {
		prev, c := name[i-1], name[i]
		if prev == '.' || 'a' <= prev && prev <= 'z' && 'A' <= c && c <= 'Z' {
			parts = append(parts, name[start:i])
			start = i
		}
	}
	return append(parts, name[start:])
}
