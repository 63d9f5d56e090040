// newcomer_test.go holds what the suite says to someone who runs it right after cloning: the
// tests on real MNIST skip without MNIST_DIR, and Go shows a skip's reason only with -v, so the
// suite ends with one line saying how many were skipped and how to run them (TestMain). It also
// holds the tests of the first hour's command line: flags checked before any work, runs that do
// not train leaving -out alone, the download's messages, -help.

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// realMNISTTests are the tests that need the real data set and skip without MNIST_DIR;
// TestRealMNISTTestsListed keeps the list in step with the test files.
var realMNISTTests = []string{"TestLabInBrowser", "TestPredictImages", "TestRealMNIST", "TestStaticLabInBrowser"}

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
	for pattern, want := range map[string]int{"": 4, "Real": 1, "TestPredictImages/sub": 1, "^$": 0, "Lab|Real": 3, "(": 0} {
		if got := selectedTests(pattern, realMNISTTests); got != want {
			t.Errorf("-run %q: %d selected, want %d", pattern, got, want)
		}
	}
}

// downloadLines checks what a failed download prints on stderr: one line per missing file, each
// saying one of reasons (or that it was not tried), then the line with the two ways out, and no
// address anywhere; and that dir is not left behind empty if the download made it.
func downloadLines(t *testing.T, stderr, dir string, reasons []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("stderr has %d lines, want 4 files and how to go on:\n%s", len(lines), stderr)
	}
	for i, name := range []string{trainImagesName, trainLabelsName, testImagesName, testLabelsName} {
		said := strings.Contains(lines[i], "not tried, since no mirror could be reached")
		for _, r := range reasons {
			said = said || strings.Contains(lines[i], r)
		}
		if !strings.HasPrefix(lines[i], "mnist: cannot download "+name+".gz: ") || !said {
			t.Errorf("line %d: %q, want %s.gz and one of %q", i+1, lines[i], name, reasons)
		}
	}
	abs, _ := filepath.Abs(dir)
	if last := lines[4]; !strings.Contains(last, "-data DIR") || !strings.Contains(last, "put them into "+abs) {
		t.Errorf("last line %q: want the -data flag and the folder to put the files in", last)
	}
	if strings.Contains(stderr, "127.0.0.1") || strings.Contains(stderr, "http") || strings.Contains(stderr, "lookup") {
		t.Errorf("stderr names an address or the resolver:\n%s", stderr)
	}
}

// TestOfflineDownload: with no mirror to reach (a server that has closed), the first run says
// at once what it would fetch, then one line per file, then how to go on, and leaves no empty
// data folder behind, nor an -out folder.
func TestOfflineDownload(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/"
	srv.Close() // nothing listens there now: "connection refused", as offline
	top := filepath.Join(t.TempDir(), "new")
	dir, out := filepath.Join(top, "data"), filepath.Join(t.TempDir(), "out")
	begin := time.Now()
	status, stdout, stderr := runProgram("-data", dir, "-mirror", url, "-out", out)
	if status != 1 {
		t.Errorf("status %d, want 1", status)
	}
	if took := time.Since(begin); took > 20*time.Second {
		t.Errorf("took %v to find that no mirror answers", took)
	}
	if want := "data: " + dir + " lacks 4 of the 4 MNIST files; downloading 11.6 MB into it\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
	downloadLines(t, stderr, dir, []string{"cannot connect to the mirror"})
	if strings.Count(stderr, "not tried") != 3 {
		t.Errorf("after the first file found no mirror, the others should not be tried:\n%s", stderr)
	}
	for _, d := range []string{top, out} {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("%s left behind", d)
		}
	}
}

// TestDownloadProgress: a download says what it fetches and how much, a progress line while it
// runs, and a line for each file fetched.
func TestDownloadProgress(t *testing.T) {
	name := trainLabelsName + ".gz"
	body := bytes.Repeat([]byte("0123456789"), 50000) // 500 kB, sent in pieces
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(body); i += 50000 {
			w.Write(body[i : i+50000])
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	sum := sha256.Sum256(body)
	var log bytes.Buffer
	d := &downloader{client: srv.Client(), mirrors: []string{srv.URL + "/"}, log: &log,
		sums: map[string]string{name: hex.EncodeToString(sum[:])}, sizes: map[string]int64{name: int64(len(body))}}
	dir := t.TempDir()
	if err := d.fetch(dir, name); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "  "+name+": ") || !strings.Contains(lines[0], " of 500 kB (") {
		t.Errorf("no progress line in %q", log.String())
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "downloaded "+filepath.Join(dir, name)+" (500 kB) in ") {
		t.Errorf("last line %q", last)
	}
}

// epochLine is the shape the last epoch's line keeps (a check outside the tests reads it).
var epochLine = regexp.MustCompile(`^epoch +1/1 +train loss [0-9.]+ acc [0-9.]+ +eval loss [0-9.]+ acc [0-9.]+ +[0-9.]+m?s$`)

// TestEpochLines: every epoch's line but the last gives the time since training began and the
// time left before its own seconds; the last keeps the plain shape; a run that trains says where
// its reports are.
func TestEpochLines(t *testing.T) {
	data := tinyDataDir(t)
	out := filepath.Join(t.TempDir(), "out")
	status, stdout, stderr := runProgram("-data", data, "-download=false", "-out", out, "-epochs", "1")
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	found := false
	for _, l := range lines {
		found = found || epochLine.MatchString(l)
	}
	if !found {
		t.Errorf("no line of 1 epoch matches %v:\n%s", epochLine, stdout)
	}
	if !strings.Contains(stdout, "reports: "+filepath.Join(out, "report.html")+", rewritten after every epoch\n") {
		t.Errorf("the run does not say where its reports go:\n%s", stdout)
	}
	if last := lines[len(lines)-1]; !regexp.MustCompile(`^test accuracy: [01]\.\d{4} \(\d+/20\)$`).MatchString(last) {
		t.Errorf("last line %q", last)
	}

	status, stdout, _ = runProgram("-data", data, "-download=false", "-out", out, "-epochs", "3")
	timed := regexp.MustCompile(`^epoch [12]/3  train loss [0-9.]+ acc [0-9.]+  eval loss [0-9.]+ acc [0-9.]+  elapsed [0-9.]+s, left [0-9.]+s  [0-9.]+s$`)
	plain := regexp.MustCompile(`^epoch 3/3  train loss [0-9.]+ acc [0-9.]+  eval loss [0-9.]+ acc [0-9.]+  [0-9.]+s$`)
	n := 0
	for _, l := range strings.Split(stdout, "\n") {
		switch {
		case timed.MatchString(l), plain.MatchString(l):
			n++
		case strings.HasPrefix(l, "epoch"):
			t.Errorf("epoch line %q", l)
		}
	}
	if status != 0 || n != 3 {
		t.Errorf("status %d, %d epoch lines of the right shape, want 3:\n%s", status, n, stdout)
	}
}

// TestShortDuration: the times of the epoch line.
func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		4200 * time.Millisecond: "4.2s", 38 * time.Second: "38s", 185 * time.Second: "3m05s",
		3720 * time.Second: "1h02m", 59600 * time.Millisecond: "1m00s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

// digitPNG writes a PNG of a bright bar on a dark ground and returns its path.
func digitPNG(t *testing.T) string {
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := 4; y < 24; y++ {
		img.SetGray(14, y, color.Gray{Y: 255})
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	path := filepath.Join(t.TempDir(), "digit.png")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPathFlagsFirst: a flag that names a file or folder that cannot be used is refused before
// any work, in one line naming the flag, with nothing on stdout and nothing written.
func TestPathFlagsFirst(t *testing.T) {
	data, tmp := tinyDataDir(t), t.TempDir()
	file := filepath.Join(tmp, "afile")
	os.WriteFile(file, []byte("x"), 0o644)
	full := filepath.Join(tmp, "full")
	os.MkdirAll(filepath.Join(full, "something"), 0o755)
	saved := filepath.Join(tmp, "net.json")
	if err := saveModel(saved, newNetwork([]int{784, 4, 10}, 1), nil, nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"-predict", "/nonexistent.png", "-epochs", "1"}, 1, "-predict /nonexistent.png: no such file or directory"},
		{[]string{"-predict", file, "-epochs", "1"}, 1, "-predict " + file + ": not a PNG or JPEG image"},
		{[]string{"-predict", tmp, "-load", saved}, 1, "-predict " + tmp + ": is a directory or special file"},
		{[]string{"-load", "/nonexistent.json"}, 1, "-load /nonexistent.json: no such file or directory"},
		{[]string{"-load", file}, 1, "-load " + file + ": not a saved network"},
		{[]string{"-save", filepath.Join(tmp, "no", "net.json")}, 1, "-save " + filepath.Join(tmp, "no", "net.json") + ": cannot write there"},
		{[]string{"-save", tmp}, 1, "-save " + tmp + ": is a folder"},
		{[]string{"-out", file}, 1, "-out " + file + ": is a file, not a folder"},
		{[]string{"-out", filepath.Join(file, "sub")}, 1, "-out " + filepath.Join(file, "sub") + ": cannot create the folder: " + file + " is a file"},
		{[]string{"-data", file}, 1, "-data " + file + ": is a file, not a folder"},
		{[]string{"-data", filepath.Join(file, "sub")}, 1, "-data " + filepath.Join(file, "sub") + ": cannot create the folder"},
		{[]string{"-exercise", full}, 2, "-exercise " + full + ": the folder is not empty"},
		{[]string{"-exercise", file}, 2, "-exercise " + file + ": is a file"},
		{[]string{"-predict", digitPNG(t)}, 2, "-predict: needs a trained network: -load FILE"},
		{[]string{"-explain", "0"}, 2, "-explain: needs a trained network"},
		{[]string{"-predict", ""}, 2, "-predict: is empty"},
		{[]string{"-load", ""}, 2, "-load: is empty"},
		{[]string{"-save", ""}, 2, "-save: is empty"},
		{[]string{"-serve", ""}, 2, "-serve: is empty"},
		{[]string{"-exercise", ""}, 2, "-exercise: is empty"},
	}
	for _, c := range cases {
		out := filepath.Join(t.TempDir(), "out")
		args := append([]string{"-data", data, "-download=false", "-out", out}, c.args...)
		if c.args[0] == "-exercise" && c.args[1] != "" {
			args = c.args // -exercise takes no other flag
		}
		if c.args[0] == "-data" || c.args[0] == "-out" {
			args = append([]string{"-epochs", "1"}, c.args...)
		}
		status, stdout, stderr := runProgram(args...)
		if status != c.status || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: status %d, stderr %q; want %d and one line with %q", c.args, status, stderr, c.status, c.want)
		}
		if stdout != "" {
			t.Errorf("%q: worked before refusing:\n%s", c.args, stdout)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%q: made the -out folder", c.args)
		}
	}
}

// snapshot is every file of a folder: name → content and modification time.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		info, _ := e.Info()
		files[e.Name()] = fmt.Sprintf("%x %v", sha256.Sum256(b), info.ModTime().UnixNano())
	}
	return files
}

// TestUsingANetworkLeavesOut: the README's sequence, -save and then -load with -epochs 0, and
// -explain or -predict with -load, leave the training run's reports as they were; -predict with
// -load and without -epochs does not train.
func TestUsingANetworkLeavesOut(t *testing.T) {
	data, out := tinyDataDir(t), t.TempDir()
	saved := filepath.Join(t.TempDir(), "net.json")
	if status, _, stderr := runProgram("-data", data, "-download=false", "-out", out, "-epochs", "2", "-save", saved); status != 0 {
		t.Fatalf("training: %d %s", status, stderr)
	}
	before := snapshot(t, out)
	if len(before) != 5 {
		t.Fatalf("the training run left %d files in -out, want 5", len(before))
	}
	digit := digitPNG(t)
	for _, args := range [][]string{
		{"-load", saved, "-epochs", "0"},
		{"-load", saved, "-explain", "0"},
		{"-load", saved, "-predict", digit},
		{"-load", saved, "-predict", digit, "-explain", "1"},
		{"-epochs", "0"},
	} {
		status, stdout, stderr := runProgram(append([]string{"-data", data, "-download=false", "-out", out}, args...)...)
		if status != 0 {
			t.Errorf("%q: status %d, %s", args, status, stderr)
		}
		if strings.Contains(stdout, "epoch ") || strings.Contains(stdout, "wrote ") || strings.Contains(stdout, "reports:") {
			t.Errorf("%q trained or wrote reports:\n%s", args, stdout)
		}
		if after := snapshot(t, out); !reflect.DeepEqual(after, before) {
			t.Errorf("%q changed -out:\nbefore %v\nafter  %v", args, before, after)
		}
	}
	gone := filepath.Join(t.TempDir(), "never")
	if status, _, stderr := runProgram("-data", data, "-download=false", "-out", gone, "-load", saved, "-epochs", "0"); status != 0 {
		t.Errorf("-epochs 0: %d %s", status, stderr)
	}
	if _, err := os.Stat(gone); err == nil {
		t.Errorf("-epochs 0 made the -out folder")
	}
}

// TestHelp: -help lists every flag once, in its groups, shows no placeholder default, gives four
// examples, and names the program as it was started.
func TestHelp(t *testing.T) {
	status, stdout, stderr := runProgram("-help")
	if status != 0 || stderr != "" {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	var c config
	fs, _ := defineFlags(&c)
	fs.VisitAll(func(f *flag.Flag) {
		if n := regexp.MustCompile(`(?m)^  -`+f.Name+`\b`).FindAllStringIndex(stdout, -1); len(n) != 1 {
			t.Errorf("-%s is listed %d times", f.Name, len(n))
		}
	})
	last := -1
	for _, g := range flagGroups {
		i := strings.Index(stdout, "\n"+g.title+":\n")
		if i < last {
			t.Errorf("group %q missing or out of order", g.title)
		}
		last = i
	}
	for _, bad := range []string{"(default -1)", `(default "")`, "(default false)"} {
		if strings.Contains(stdout, bad) {
			t.Errorf("-help shows %s", bad)
		}
	}
	name := programName(os.Args[0])
	if !strings.Contains(stdout, "usage: "+name+" [flags]") || strings.Count(stdout, "\n      "+name) != 4 {
		t.Errorf("want the usage line and four examples of %q:\n%s", name, stdout)
	}
	for _, line := range strings.Split(stdout, "\n") {
		if len([]rune(line)) > 94 {
			t.Errorf("line of %d characters: %q", len([]rune(line)), line)
		}
	}
}

// TestProgramName: the name -help and the errors give.
func TestProgramName(t *testing.T) {
	for arg0, want := range map[string]string{
		"/tmp/go-build1234/b001/exe/mnist-backprop":      "go run .",
		"/root/.cache/go-build/3f/3fab-d/mnist-backprop": "go run .",
		"/home/me/go/bin/mnist-backprop":                 "mnist-backprop",
		"./mnist-backprop":                               "mnist-backprop",
		"":                                               "mnist-backprop",
		`C:\Users\me\AppData\Local\Temp\go-build55\b001\x.exe`: "go run .",
	} {
		if got := programName(arg0); got != want && !(strings.Contains(arg0, `\`) && filepath.Separator == '/') {
			t.Errorf("%q: %q, want %q", arg0, got, want)
		}
	}
}

// TestReportNote: report.html says when it was written and how far the run was; a run that
// diverged says so, with the last good epoch's weights.
func TestReportNote(t *testing.T) {
	dir := t.TempDir()
	net := newNetwork([]int{784, 3, 10}, 1)
	hist := []epochStats{{1, 0.5, 0.8, 0.6, 0.7, 0.2}, {2, 0.4, 0.85, 0.5, 0.75, 0.2}}
	when := time.Date(2026, 12, 4, 1, 2, 3, 0, time.UTC)
	if err := writeReport(dir, nil, hist, net, nil, runNote{Epochs: 10, Written: when}); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	for _, want := range []string{"Written 2026-12-04 01:02:03 UTC, after epoch 2 of 10.", "The run was under way when this page was written", "stopped without finishing"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("a running report lacks %q", want)
		}
	}
	weights, _ := os.ReadFile(filepath.Join(dir, "weights.png"))
	note := runNote{Epochs: 10, Written: when, Diverged: "training diverged in epoch 3, a weight of layer 1 became +Inf"}
	if err := writeStoppedReport(dir, nil, hist, net.Sizes, note); err != nil {
		t.Fatal(err)
	}
	page, _ = os.ReadFile(filepath.Join(dir, "report.html"))
	for _, want := range []string{"The run stopped: training diverged in epoch 3, a weight of layer 1 became &#43;Inf.", "after epoch 2 of 10",
		base64.StdEncoding.EncodeToString(weights)} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("a diverged run's report lacks %.80q", want)
		}
	}
	if bytes.Contains(page, []byte("under way")) {
		t.Errorf("a diverged run's report says it is under way")
	}

	// The whole program: L2 regularization far too strong makes the weights grow without bound,
	// finite after epoch 1 and not in epoch 2.
	out := t.TempDir()
	status, _, stderr := runProgram("-data", tinyDataDir(t), "-download=false", "-out", out, "-epochs", "4", "-lambda", "1e40", "-decay", "0")
	if status != 1 || !strings.Contains(stderr, "diverged in epoch 2") || !strings.Contains(stderr, "report.html says it diverged") {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	page, _ = os.ReadFile(filepath.Join(out, "report.html"))
	if !bytes.Contains(page, []byte("The run stopped: training diverged in epoch 2")) || !bytes.Contains(page, []byte("after epoch 1 of 4")) {
		t.Errorf("the report of a run that diverged in epoch 2 does not say so")
	}
	if b, _ := os.ReadFile(filepath.Join(out, "history.csv")); bytes.Count(b, []byte("\n")) != 2 {
		t.Errorf("history.csv after divergence in epoch 2:\n%s", b)
	}
	noTempFiles(t, out)
}

// TestPackageComment: doc.go holds the one package comment, which starts with the command's
// name as Go's convention for commands has it, so that go doc prints a page of its own; every
// other file opens with a comment on what it holds, detached from the package clause.
func TestPackageComment(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.PackageClauseOnly)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case name == "doc.go" && (f.Doc == nil || !strings.HasPrefix(f.Doc.Text(), "Mnist-backprop ")):
			t.Errorf("doc.go: the package comment must start with \"Mnist-backprop \"")
		case name != "doc.go" && f.Doc != nil:
			t.Errorf("%s: its opening comment is a package comment; leave a blank line before package main", name)
		case len(f.Comments) == 0 || f.Comments[0].Pos() > f.Package:
			t.Errorf("%s: does not open with a comment on what it holds", name)
		}
	}
}
