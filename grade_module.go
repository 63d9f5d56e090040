// grade_module.go is what a student's code can reach when -grade (grade.go) builds it: the
// module it is built in, and the packages it may import. Together they keep the code to
// arithmetic, so that code that reaches for files, programs or the network is graded as failing
// ("does not build", with the reason) rather than run and merely contained.
//
// The module holds the student's three files (gradeLearnerFiles in grade.go), the two files of
// the exercise they call (exp.go's e^x and pass.go's buffers), the grader's harness as main.go
// (grade_harness.go) and its limits (grade_sandbox_linux.go); none of the exercise's files that
// read or write files (mnist.go, files.go, paths.go, report*.go, plot.go) is there to be called.
// The imports are checked from the source, before any build: only packages that compute
// (gradeImports) pass, and os, os/exec, syscall, net, io/ioutil, unsafe, embed and the rest do
// not. The sandbox of grade_run.go and grade_sandbox_linux.go (time, memory, namespaces,
// read-only folders) stays the guard of what the code does while it runs: a loop, an explosion,
// or a way around these checks that nobody has thought of.

package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
)

// gradeModuleFiles are the exercise's files that the harness's module holds beside the
// student's: the ones that network.go, backprop.go and matrix.go, as the exercise writes them,
// call (e^x and the normal sampler; the Pass's buffers), and the module's go.mod.
var gradeModuleFiles = []string{"go.mod", "exp.go", "pass.go"}

// gradeImports are the standard library's packages a student's file may import: arithmetic,
// text, sorting, goroutines and time, and nothing that opens a file, starts a program, reaches
// the network or steps outside Go's memory safety.
var gradeImports = []string{
	"bytes", "cmp", "container/heap", "container/list", "errors", "fmt", "iter", "maps",
	"math", "math/big", "math/bits", "math/cmplx", "math/rand", "math/rand/v2",
	"runtime", "slices", "sort", "strconv", "strings", "sync", "sync/atomic", "time",
	"unicode", "unicode/utf8",
}

// gradeModule is the module every student's files go into: gradeModuleFiles and the exercise's
// own learner files (which the student's replace), with the harness's main.go and limits.
func gradeModule(exercise map[string][]byte) map[string][]byte {
	m := map[string][]byte{}
	for _, name := range append(slices.Clone(gradeModuleFiles), gradeLearnerFiles...) {
		m[name] = exercise[name]
	}
	m["main.go"] = []byte(harnessMain)
	if name, text := sandboxLimits(gradeStepMB, 2*gradeStepSeconds+1); name != "" {
		m[name] = []byte(text)
	}
	return m
}

// importRefusal says why a student's files are not built: the first import that is not one of
// gradeImports, with its file and line; "" when every import is one of them. A file that does
// not parse is left to the compiler, whose lines say more.
func importRefusal(files map[string][]byte) string {
	for _, name := range gradeLearnerFiles {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, files[name], parser.ImportsOnly)
		if err != nil {
			continue
		}
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil || !slices.Contains(gradeImports, path) {
				return fmt.Sprintf("%s:%d imports %s: a step needs no file, program or network, and the grader builds no code that could reach them (EXERCISE.md lists the packages a file may import)",
					name, fset.Position(imp.Pos()).Line, imp.Path.Value)
			}
		}
	}
	return ""
}
