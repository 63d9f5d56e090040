// newcomer_test.go holds what the suite says to someone who runs it right after cloning: the
// tests on real MNIST skip without MNIST_DIR, and Go shows a skip's reason only with -v, so the
// suite ends with one line saying how many were skipped and how to run them (TestMain). It also
// holds the tests of the first hour's command line: flags checked before any work, runs that do
// not train leaving -out alone, the download's messages, -help.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// realMNISTTests are the tests that need the real data set and skip without MNIST_DIR;
// TestRealMNISTTestsListed keeps the list in step with the test files.
var realMNISTTests = []string{"TestLabInBrowser", "TestPredictImages", "TestRealMNIST"}

// TestMain runs the tests, then, without MNIST_DIR, prints one line with the number of tests on
// real MNIST that -run selected and that therefore skipped. `go test` shows it; `go test ./...`
// shows a passing package's output only with -v.
func TestMain(m *testing.M) {
	code := m.Run()
	if os.Getenv("MNIST_DIR") == "" {
		list, pattern := flag.Lookup("test.list"), flag.Lookup("test.run")
		n := 0
		if list == nil || list.Value.String() == "" {
			n = selectedTests(pattern.Value.String(), realMNISTTests)
		}
		switch {
		case n == 1:
			fmt.Println("1 test on real MNIST skipped: set MNIST_DIR to a folder with the four files")
		case n > 1:
			fmt.Printf("%d tests on real MNIST skipped: set MNIST_DIR to a folder with the four files\n", n)
		}
	}
	os.Exit(code)
}

// selectedTests counts the names among tests that the -run pattern selects at the top level
// (its part before the first slash); a pattern that does not compile selects none.
func selectedTests(run string, tests []string) int {
	pattern, _, _ := strings.Cut(run, "/")
	re, err := regexp.Compile(pattern)
	if err != nil {
		return 0
	}
	n := 0
	for _, name := range tests {
		if re.MatchString(name) {
			n++
		}
	}
	return n
}

// TestRealMNISTTestsListed requires realMNISTTests to name exactly the tests whose body calls
// realMNIST or reads MNIST_DIR, so that the line TestMain prints counts what really skipped.
func TestRealMNISTTestsListed(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !strings.HasPrefix(fd.Name.Name, "Test") || fd.Name.Name == "TestMain" {
				continue
			}
			uses := false
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.Ident:
					uses = uses || n.Name == "realMNIST"
				case *ast.BasicLit:
					uses = uses || n.Value == `"MNIST_DIR"`
				}
				return !uses
			})
			if uses {
				found = append(found, fd.Name.Name)
			}
		}
	}
	slices.Sort(found)
	if !slices.Equal(found, realMNISTTests) {
		t.Errorf("tests on real MNIST are %v; realMNISTTests lists %v", found, realMNISTTests)
	}
}

// TestSelectedTests checks the count against -run patterns.
func TestSelectedTests(t *testing.T) {
	for pattern, want := range map[string]int{"": 3, "Real": 1, "TestPredictImages/sub": 1, "^$": 0, "Lab|Real": 2, "(": 0} {
		if got := selectedTests(pattern, realMNISTTests); got != want {
			t.Errorf("-run %q: %d selected, want %d", pattern, got, want)
		}
	}
}
