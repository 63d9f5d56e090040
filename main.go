// main.go is the command line: the flags, what they may be, and run, which hands the work to a
// training session (session.go, which also runs -explain, explain.go), the lab (lab.go), a
// prediction (predict.go), the assignment (-exercise, exercise.go) or a class's grading (-grade,
// grade.go).
//
// The course's math is not here: read network.go (the layers, σ, the forward pass, the loss), then
// backprop.go (the backward pass, the SGD step and trainBatch, one mini-batch in the order of the
// notes), then matrix.go (the products as plain loops), then plain_train.go (the course's training
// loop, trainPlain), and then this file. The files named fast_*.go, and train.go and parallel.go,
// run the same arithmetic faster and share it between cores, proved equal to those bit for bit: a
// reader of the course may skip them.
//
//	go run .                          train 784-20-10 for 100 epochs on ./data, downloading it
//	go run . -data DIR -epochs 5 -hidden 100,30
//	go run . -serve localhost:8080    the lab instead (lab.go): a page to draw a digit on and
//	                                  watch the passes and the training
//	go run . -exercise DIR            write the course's assignment into DIR (exercise.go)
//
// Each epoch shuffles the training set, trains on it in mini-batches (train.go), and prints one
// line: the training loss and accuracy as running means over the epoch's mini-batches, the same
// on the evaluation set, the time since training began and the time left, and the seconds of the
// training pass alone. The test set is touched once, at the end; the last line of standard
// output is its accuracy. Every flag is checked before any work, those that name a file or a
// folder too (checkPaths, with the checks of paths.go). Errors go to standard error as one
// line: exit status 2 for a bad flag, 1 for a data or file problem.

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
)

func main() {
	// Nearly all the memory is the data set, 55 MB of bytes that live for the whole run, while
	// the report makes a few MB of garbage an epoch. Go's default lets the heap grow to twice
	// the live data before collecting; 20% keeps a run near 80 MB instead of 140. The images
	// hold no pointers, so collecting often costs almost nothing.
	debug.SetGCPercent(20)
	if browserLab() { // the lab of -static in a browser's Web Worker (static_wasm.go): it never returns
		return
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// config is everything the flags set: the training settings (settings.go), and the rest.
type config struct {
	trainSettings
	reportSettings
	data     string
	download bool
	workers  int
	mirror   string
	save     string // write the trained network here
	load     string // start from this saved network
	predict  string // classify the digit in this image
	explain  int    // print the passes of this test image (−1: none)
	serve    string // start the lab (lab.go) listening on this address instead of training here
	exercise string // write the course's assignment into this folder instead (exercise.go)
	hints    bool   // -exercise with the hints' bodies (-hints=false: a hand-out with no answer)
	grade    string // grade the students' folders under this folder instead (grade.go)
	// gradeSeedSet: -seed was given with -grade, which then draws the same inputs again
	gradeSeedSet bool
	static       string // write the lab as a static web site into this folder instead (static.go)
	browser      bool   // the lab runs in a browser (static_wasm.go): no file is written
}

// maxWorkers bounds -workers: more goroutines than this only wait for each other.
const maxWorkers = 256

// flagGroups orders the flags for -help, in the groups a newcomer looks for them in. Every flag
// is in one group (TestHelpListsEveryFlag); noDefault are those whose default -help does not
// show, since it is no setting but the flag's absence.
var flagGroups = []struct {
	title string
	flags []string
}{
	{"Train", []string{"hidden", "epochs", "batch", "lr", "decay", "lambda", "seed"}},
	{"Data", []string{"data", "download", "mirror"}},
	{"Output", []string{"out", "title", "author", "save"}},
	{"Use a trained network", []string{"load", "predict", "explain"}},
	{"Lab", []string{"serve", "static"}},
	{"Exercise", []string{"exercise", "hints", "grade"}},
	{"Speed", []string{"workers"}},
}

var noDefault = map[string]bool{"author": true, "explain": true, "mirror": true, "save": true, "load": true, "predict": true, "serve": true, "static": true, "exercise": true, "grade": true}

// defineFlags sets up the command line's flags on c.
func defineFlags(c *config) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("mnist", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported as one line by run
	fs.StringVar(&c.data, "data", "data", "folder of the four MNIST files (.gz or not)")
	fs.BoolVar(&c.download, "download", true, "download missing files from the public mirrors (-download=false: never)")
	hidden := defineTrainFlags(fs, &c.trainSettings) // settings.go
	fs.Lookup("epochs").Usage += " (what -load with -predict or -explain does when -epochs is not given)"
	defineReportFlags(fs, &c.reportSettings) // settings.go: -out, -title, -author
	fs.IntVar(&c.workers, "workers", 0, "goroutines sharing the work (changes only the speed); 0: 1 or one per CPU, whichever is faster, timed each epoch")
	fs.StringVar(&c.mirror, "mirror", "", "download missing files from this `URL` prefix instead of the public mirrors")
	fs.StringVar(&c.save, "save", "", "after training, save the network to this JSON `file`")
	fs.StringVar(&c.load, "load", "", "start from the network saved in this JSON `file`")
	fs.StringVar(&c.predict, "predict", "", "classify the digit in this PNG or JPEG `image` (with -load: without training)")
	fs.IntVar(&c.explain, "explain", -1, "print the forward and backward pass of test image `N` with its numbers (with -load: without training)")
	fs.StringVar(&c.serve, "serve", "", "instead of training here, serve the lab on `ADDR` (localhost:8080): a page to draw digits on and watch the passes and the training")
	fs.StringVar(&c.static, "static", "", "write the lab as a static web site into the new or empty folder `DIR`: any web host serves it, and it runs in each visitor's browser (with -data, -download, -mirror only)")
	fs.StringVar(&c.exercise, "exercise", "", "write the assignment, this program with the math to write and its checks, into the new or empty folder `DIR`")
	fs.BoolVar(&c.hints, "hints", true, "with -exercise: the steps' hints with a body for each (-hint 3); -hints=false writes a hand-out with no answer in it")
	fs.StringVar(&c.grade, "grade", "", "grade every student's folder under `CLASS` (copies of -exercise), writing CLASS/grades.csv and grades.html; with -seed, the same inputs as a grading before; -workers, students at a time")
	return fs, hidden
}

// programName is how the user started the program whose os.Args[0] is arg0, for -help and the
// hint after an error: the command's own name, or "go run ." when go run built it (into a
// go-build folder: the build cache's, or a temporary one).
func programName(arg0 string) string {
	if arg0 == "" {
		return "mnist-backprop"
	}
	for _, part := range strings.Split(filepath.ToSlash(filepath.Dir(arg0)), "/") {
		if strings.HasPrefix(part, "go-build") {
			return "go run ."
		}
	}
	return filepath.Base(arg0)
}

// printHelp writes -help: what the program is, the flags by group, and four examples.
func printHelp(w io.Writer, fs *flag.FlagSet, name string) {
	fmt.Fprintf(w, "Trains a 784-20-10 sigmoid network on MNIST with a hand-written backward pass;\n")
	fmt.Fprintf(w, "README.md says what to read first.\n\nusage: %s [flags]\n", name)
	for _, g := range flagGroups {
		fmt.Fprintf(w, "\n%s:\n", g.title)
		for _, n := range g.flags {
			f := fs.Lookup(n)
			arg, usage := flag.UnquoteUsage(f)
			switch arg {
			case "int", "uint":
				arg = "N"
			case "float":
				arg = map[string]string{"lr": "η", "lambda": "λ", "decay": "F"}[n]
			case "string":
				arg = map[string]string{"hidden": "LIST", "data": "DIR", "out": "DIR", "title": "TEXT", "author": "NAME"}[n]
			default:
				arg = strings.ToUpper(arg) // the word in `` of the usage: FILE, IMAGE, ADDR
			}
			if !noDefault[n] {
				usage += " (default " + f.DefValue + ")"
			}
			fmt.Fprint(w, wrap(strings.TrimSpace("-"+n+" "+arg), usage, 18, 94))
		}
	}
	fmt.Fprintf(w, "\nExamples:\n")
	for _, ex := range [][2]string{
		{"Train with the defaults on ./data, downloading MNIST (11.6 MB) if it is missing:", ""},
		{"Train 5 epochs on your own copy of the four files, and save the network:", "-data ~/mnist -epochs 5 -save net.json"},
		{"Classify your own digit, a PNG or JPEG, with the saved network:", "-load net.json -predict mydigit.png"},
		{"Open the lab, then http://localhost:8080/ in a browser:", "-serve localhost:8080"},
	} {
		fmt.Fprintf(w, "  %s\n      %s\n", ex[0], strings.TrimSpace(name+" "+ex[1]))
	}
}

// wrap lays out one flag of -help: head in a column of indent characters (after two spaces),
// then text broken at spaces into lines of at most width characters, the later ones indented.
func wrap(head, text string, indent, width int) string {
	var b strings.Builder
	b.WriteString("  " + head)
	n := 2 + len([]rune(head))
	if n >= indent {
		b.WriteString("\n")
		n = 0
	}
	for i, word := range strings.Fields(text) {
		switch {
		case i == 0 || n+1+len([]rune(word)) > width:
			if i > 0 {
				b.WriteString("\n")
				n = 0
			}
			b.WriteString(strings.Repeat(" ", indent-n))
			n = indent
		default:
			b.WriteString(" ")
			n++
		}
		b.WriteString(word)
		n += len([]rune(word))
	}
	return b.String() + "\n"
}

// parseFlags reads the command line into a config; -help prints the flags to stdout.
func parseFlags(args []string, stdout io.Writer) (*config, error) {
	c := &config{}
	fs, hidden := defineFlags(c)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, fs, programName(os.Args[0]))
			return nil, err
		}
		return nil, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return nil, &usageError{fmt.Sprintf("unexpected argument %q (flags start with -)", fs.Arg(0))}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, n := range []string{"load", "save", "predict", "serve", "static", "exercise", "grade", "mirror"} {
		if set[n] && fs.Lookup(n).Value.String() == "" {
			what := map[string]string{"serve": "an address, like localhost:8080", "static": "a folder", "exercise": "a folder", "grade": "a folder", "mirror": "a URL prefix"}[n]
			if what == "" {
				what = "a file"
			}
			return nil, &usageError{fmt.Sprintf("-%s: is empty; it needs %s", n, what)}
		}
	}
	if others := len(set) - 1; c.exercise != "" && (others > 1 || others == 1 && !set["hints"]) {
		return nil, &usageError{"-exercise: takes no other flag but -hints; it only writes the exercise's files"}
	}
	if set["hints"] && c.exercise == "" {
		return nil, &usageError{"-hints: only with -exercise DIR"}
	}
	if c.static != "" { // the lab as a web site (static.go): the data and nothing else
		for n := range set {
			if n != "static" && n != "data" && n != "download" && n != "mirror" {
				return nil, &usageError{fmt.Sprintf("-static: takes only -data, -download and -mirror, not -%s", n)}
			}
		}
		if c.data == "" {
			return nil, &usageError{"-data: must name a folder"}
		}
		return c, nil
	}
	if c.grade != "" {
		for n := range set {
			if n != "grade" && n != "seed" && n != "workers" {
				return nil, &usageError{fmt.Sprintf("-grade: takes only -seed and -workers, not -%s", n)}
			}
		}
		if c.exercise != "" {
			return nil, &usageError{"-grade: not with -exercise"}
		}
		if c.workers < 0 || c.workers > maxWorkers {
			return nil, &usageError{fmt.Sprintf("-workers %d: must be from 0 (one per CPU) to %d", c.workers, maxWorkers)}
		}
		c.gradeSeedSet = set["seed"]
		return c, nil
	}
	if c.load != "" && set["hidden"] {
		return nil, &usageError{"-hidden: not with -load, whose network has its own sizes"}
	}
	if (c.predict != "" || c.explain >= 0) && c.serve == "" && !set["epochs"] {
		// Using a network is not training one: with -load it uses the saved network as it is;
		// without, it would train 100 epochs first and replace the last run's reports.
		flagName := "-predict"
		if c.predict == "" {
			flagName = "-explain"
		}
		if c.load == "" {
			return nil, &usageError{flagName + ": needs a trained network: -load FILE (one saved by -save), or -epochs N to train one first"}
		}
		c.epochs = 0
	}
	if err := c.trainSettings.check(*hidden); err != nil { // the training flags (settings.go)
		return nil, err
	}
	if err := c.reportSettings.check(); err != nil { // -out, -title, -author (settings.go)
		return nil, err
	}
	switch {
	case c.workers < 0 || c.workers > maxWorkers:
		return nil, &usageError{fmt.Sprintf("-workers %d: must be from 0 (choose) to %d", c.workers, maxWorkers)}
	case c.data == "":
		return nil, &usageError{"-data: must name a folder"}
	case c.explain < -1:
		return nil, &usageError{fmt.Sprintf("-explain %d: must be the number of a test image, 0 or more", c.explain)}
	}
	if c.load == "" {
		sizes := c.sizes()
		workers := c.workers // run caps it at one per CPU
		if workers > runtime.NumCPU() {
			workers = runtime.NumCPU()
		}
		if err := checkMemory("-hidden "+*hidden, sizes, c.batch, workers, 0); err != nil {
			return nil, &usageError{err.Error()}
		}
	}
	if c.serve != "" {
		_, port, err := net.SplitHostPort(c.serve)
		if err == nil {
			_, err = net.LookupPort("tcp", port) // a number 0 to 65535, or a name in /etc/services
		}
		if err != nil {
			return nil, &usageError{fmt.Sprintf("-serve %q: want HOST:PORT with a port of 0 to 65535, like localhost:8080 (port 0 picks a free one)", c.serve)}
		}
		if c.predict != "" || c.explain >= 0 {
			return nil, &usageError{"-serve: not with -predict or -explain; the lab's page does both"}
		}
	}
	return c, nil
}

// run is the whole program; it returns the exit status. Every flag is checked, those that name
// a file or a folder included (checkPaths), before any work begins.
func run(args []string, stdout, stderr io.Writer) int {
	hint := fmt.Sprintf("(%s -help lists the flags)", programName(os.Args[0]))
	c, err := parseFlags(args, stdout)
	if err == nil {
		err = checkPaths(c)
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return report(err, stderr, hint)
	}
	if n := runtime.NumCPU(); c.workers > n {
		// The numbers are the same for any count (train.go); workers beyond the cores would only
		// wait for each other, spinning, and make each mini-batch many times slower.
		fmt.Fprintf(stderr, "mnist: note: -workers %d on %d CPUs: using %d, one per CPU (the results do not depend on it)\n", c.workers, n, n)
		c.workers = n
	}
	// Ctrl-C and SIGTERM from here to the exit (signals.go): until training starts, a signal
	// quits at once, removing the temporary files of a download, a report or -save, or the
	// exercise's folder under way.
	sig := catchInterrupts(stderr)
	defer sig.end()
	sig.quitting(nil, runTemps(c.data, c.out, c.save, c.exercise)...)
	sig.removeIfEmpty(c.data)
	switch {
	case c.exercise != "":
		err = writeExercise(c.exercise, c.hints, stdout, sig.writing) // needs no data set
	case c.grade != "":
		err = gradeClass(c, stdout, stderr, sig) // needs no data set
	case c.serve != "":
		err = serve(c, stdout, stderr, sig)
	case c.static != "":
		err = writeStatic(c, stdout)
	case c.load != "" && c.epochs == 0 && c.predict != "" && c.explain < 0:
		err = predictOnly(c, stdout) // needs no data set
	default:
		err = train(c, stdout, stderr, sig)
	}
	if err == nil {
		return 0
	}
	return report(err, stderr, hint)
}

// report prints err on stderr, as one line, or as the lines of a failed download, and returns
// the exit status: 2 for a bad flag, 130 for an interrupted run, 1 for the rest.
func report(err error, stderr io.Writer, hint string) int {
	var ue *usageError
	var de *downloadError
	switch {
	case errors.Is(err, errInterrupted):
		return 130 // as a shell reports a program ended by Ctrl-C
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "mnist: %v %s\n", err, hint)
		return 2
	case errors.As(err, &de):
		for _, line := range de.lines {
			fmt.Fprintf(stderr, "mnist: %s\n", line)
		}
		return 1
	}
	fmt.Fprintf(stderr, "mnist: %v\n", err)
	return 1
}

// checkPaths checks, before any work, every flag of c that names a file or a folder, as far as
// it can be checked without the work, with the checks of paths.go: -load and -predict are
// readable files (and the image a PNG or JPEG, readPicture), -save can be written and is none of
// the run's own files, -out can take files if the run writes any, -data is a folder or can be
// made, -exercise is a new or empty folder in a place that takes files, -grade a folder. It
// creates nothing.
func checkPaths(c *config) error {
	if c.exercise != "" {
		return checkNewFolder("-exercise", c.exercise)
	}
	if c.static != "" { // a new or empty folder, or a site -static wrote (static.go); and -data
		if err := checkStaticFolder(c.static); err != nil {
			return err
		}
		return checkDataFolder(c.data, c.download)
	}
	if c.grade != "" { // a folder that is there (grade.go reads it, and writes the grades into it)
		if st, err := os.Stat(c.grade); err != nil {
			return fmt.Errorf("-grade %s: %v", c.grade, unwrapPathError(err))
		} else if !st.IsDir() {
			return &usageError{fmt.Sprintf("-grade %s: is a file; give the folder that holds one folder per student", c.grade)}
		}
		return nil
	}
	reports := c.serve != "" || c.epochs > 0                                                           // the runs that write reports
	readsData := c.serve != "" || !(c.load != "" && c.epochs == 0 && c.predict != "" && c.explain < 0) // and those that read the data
	if c.load != "" {
		if err := checkReadable("-load", c.load, "a saved network"); err != nil {
			return err
		}
	}
	if c.predict != "" {
		if _, err := readPicture(c.predict); err != nil { // decodecost.go: a PNG or JPEG within bounds
			return err
		}
	}
	if c.save != "" {
		data := ""
		if readsData {
			data = c.data
		}
		if err := checkSaveApart(c.save, c.out, reports, data, c.predict); err != nil {
			return err
		}
		if err := checkSavable(c.save); err != nil {
			return err
		}
	}
	if reports {
		if err := checkFolder("-out", c.out); err != nil {
			return err
		}
	}
	if readsData && c.serve == "" {
		return checkDataFolder(c.data, c.download)
	}
	return nil
}
