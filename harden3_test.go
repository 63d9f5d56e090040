// harden3_test.go holds the third round of hardening (issue 33): a run removes only the
// temporary files of its own exact form, never a user's look-alikes; what a crafted network of
// many small layers costs is bounded before it is allocated; -exercise, -save and -out refuse
// the paths that would lose a file or a link; a loaded network whose passes are not finite is
// named as such; and the small cases of the point 7.

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// lookAlikes are names a user may give their own files that look like a temporary file of the
// program's but are not of its exact form (isTempOf, files.go).
var lookAlikes = []string{".notes.tmp", ".db.tmp.bak", ".x.tmpl", ".report.html.tmp", ".report.html.tmp12x",
	".report.html.tmp12345678901", ".history.csv.tmp-3", "report.html.tmp42", ".notes.tmp42", ".tmp42"}

// plantLookAlikes writes the look-alikes into dir, each holding its own name.
func plantLookAlikes(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range lookAlikes {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// lookAlikesKept fails unless every look-alike in dir is there with its content.
func lookAlikesKept(t *testing.T, dir, when string) {
	t.Helper()
	for _, name := range lookAlikes {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != name {
			t.Errorf("%s: the user's %s in %s is gone or changed (%v)", when, name, dir, err)
		}
	}
}

// TestTempNamesExact: the names os.CreateTemp and os.MkdirTemp make for writeFileAtomic's and
// writeTreeAtomic's patterns are of the form isTempOf accepts, and no look-alike is.
func TestTempNamesExact(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 50; i++ {
		f, err := os.CreateTemp(dir, ".report.html.tmp*")
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if !isTempOf(filepath.Base(f.Name()), "report.html") {
			t.Fatalf("os.CreateTemp made %s, which isTempOf does not take for report.html", f.Name())
		}
		d, err := os.MkdirTemp(dir, ".my-exercise.tmp")
		if err != nil {
			t.Fatal(err)
		}
		if !isTempOf(filepath.Base(d), "my-exercise") {
			t.Fatalf("os.MkdirTemp made %s, which isTempOf does not take for my-exercise", d)
		}
	}
	for _, name := range lookAlikes {
		for _, base := range append(reportFiles(), writeProbe, "") { // the names the program writes in -out
			if isTempOf(name, base) {
				t.Errorf("isTempOf(%q, %q) = true, want false: a user's file", name, base)
			}
		}
	}
}

// TestRunKeepsUsersFiles: issue 33, point 1. With a user's look-alikes in -out (and in -data,
// and beside -save), a run that trains, and the lab, remove only a leftover of exactly the form
// of a report file's temporary file, and say so in one line naming it; a run with none says
// nothing about it.
func TestRunKeepsUsersFiles(t *testing.T) {
	data := tinyDataDir(t)
	plantLookAlikes(t, data)
	out := filepath.Join(t.TempDir(), "out")
	plantLookAlikes(t, out)
	leftover := filepath.Join(out, ".report.html.tmp2614093325")
	if err := os.WriteFile(leftover, []byte("half a page"), 0o600); err != nil {
		t.Fatal(err)
	}
	save := filepath.Join(out, "net.json")
	status, _, stderr := runProgram("-data", data, "-download=false", "-out", out, "-epochs", "1", "-save", save)
	want := "removed a temporary file that a run killed while writing left in " + out + ": " + leftover + "\n"
	if status != 0 || stderr != want {
		t.Errorf("status %d, stderr %q; want 0 and %q", status, stderr, want)
	}
	if _, err := os.Stat(leftover); err == nil {
		t.Errorf("the leftover %s is still there", leftover)
	}
	lookAlikesKept(t, out, "-out")
	lookAlikesKept(t, data, "-data")

	status, _, stderr = runProgram("-data", data, "-download=false", "-out", out, "-epochs", "1")
	if status != 0 || stderr != "" {
		t.Errorf("second run: status %d, stderr %q; want 0 and nothing", status, stderr)
	}
	lookAlikesKept(t, out, "second run")

	// The lab, with the same folder and a new leftover.
	if err := os.WriteFile(leftover, []byte("half a page"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := parseFlags([]string{"-serve", "127.0.0.1:0", "-data", data, "-download=false", "-out", out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var labErr strings.Builder
	l, err := openLab(c, &strings.Builder{}, &labErr)
	if err != nil {
		t.Fatal(err)
	}
	l.close()
	if labErr.String() != want {
		t.Errorf("the lab said %q, want %q", labErr.String(), want)
	}
	lookAlikesKept(t, out, "the lab")
}

// TestQuitKeepsUsersFiles: what a signal removes when it quits before training (runTemps,
// removeTemps) is the exact temporary files of the run's own files in -data, -out, beside -save
// and beside -exercise, not a user's look-alikes in those folders.
func TestQuitKeepsUsersFiles(t *testing.T) {
	root := t.TempDir()
	data, out, saves := filepath.Join(root, "data"), filepath.Join(root, "out"), filepath.Join(root, "saves")
	for _, dir := range []string{data, out, saves, root} {
		plantLookAlikes(t, dir)
	}
	ours := []string{
		filepath.Join(data, "."+trainImagesName+".gz.tmp17"),
		filepath.Join(out, ".history.csv.tmp4294967295"),
		filepath.Join(out, "..write-test.tmp0"), // checkWritable's probe
		filepath.Join(saves, ".net.json.tmp99"),
		filepath.Join(saves, "..net.json.write-test.tmp5"),
		filepath.Join(root, ".ex.tmp123"), // writeTreeAtomic's folder
	}
	for _, p := range ours {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"-data", data, "-out", out, "-save", filepath.Join(saves, "net.json")},
		{"-exercise", filepath.Join(root, "ex")},
	} {
		c, err := parseFlags(args, nil)
		if err != nil {
			t.Fatal(err)
		}
		removeTemps(runTemps(c.data, c.out, c.save, c.exercise)...)
	}
	for _, p := range ours {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("the run's own temporary file %s is left", p)
		}
	}
	for _, dir := range []string{data, out, saves, root} {
		lookAlikesKept(t, dir, "quitting")
	}
	if got := removeTemps(filepath.Join(out, "report.html")); !slices.Equal(got, []string(nil)) {
		t.Errorf("removeTemps removed %v from a folder of look-alikes", got)
	}
}

// craftedLayers writes a -load file of n one-unit layers (784-1-…-1-10), as small as JSON
// writes it, and returns its path: the file of 400,000 is 8.8 MB.
func craftedLayers(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"format":"` + modelFormat + `","sizes":[784`)
	for range n {
		b.WriteString(",1")
	}
	b.WriteString(`,10],"layers":[{"w":[[` + strings.Repeat("0,", imageSize-1) + `0]],"b":[0]}`)
	for range n - 1 {
		b.WriteString(`,{"w":[[0]],"b":[0]}`)
	}
	b.WriteString(`,{"w":[` + strings.Repeat("[0],", numDigits-1) + `[0]],"b":[` + strings.Repeat("0,", numDigits-1) + `0]}]}`)
	path := filepath.Join(t.TempDir(), "crafted.json")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestManyLayersRefused: issue 33, point 2. A network of more than maxLayers layers is refused
// by -hidden (status 2) and by -load (status 1, one line) as the file is read, allocating a small
// part of the file's size; one of maxLayers layers loads.
func TestManyLayersRefused(t *testing.T) {
	status, _, stderr := runProgram("-hidden", strings.TrimSuffix(strings.Repeat("1,", maxLayers), ","), "-epochs", "0")
	if status != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "-hidden: 64 hidden layers, more than the 63") {
		t.Errorf("-hidden of %d layers: status %d, %q", maxLayers, status, stderr)
	}
	for _, n := range []int{maxLayers, 400_000} {
		path := craftedLayers(t, n)
		var m0, m1 runtimeMem
		m0.read()
		_, err := loadModel(path)
		m1.read()
		if err == nil || !strings.Contains(err.Error(), "-load "+path+": ") || !strings.Contains(err.Error(), "at most 64 layers") {
			t.Errorf("%d layers: %v, want a refusal naming the file and the bound", n, err)
		}
		if st, _ := os.Stat(path); m1.total-m0.total > uint64(st.Size())+8<<20 {
			t.Errorf("%d layers: %d bytes allocated to refuse a file of %d", n, m1.total-m0.total, st.Size())
		}
	}
	if _, err := loadModel(craftedLayers(t, maxLayers-1)); err != nil {
		t.Errorf("%d layers: %v", maxLayers, err)
	}
}

// TestLoadBoundedBeforeDecoding: files that would decode into far more than their size (rows of
// one weight, a results value of empty arrays), or nest deeper, or hold one huge token, are read
// token by token and refused, or their unknown parts skipped, with one line; what a file decodes
// into is counted before it is decoded (jsonWalk.decoded) and the decoding stays within it.
func TestLoadBoundedBeforeDecoding(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := saveModel(good, newNetwork([]int{imageSize, 30, numDigits}, 1), nil, map[string]any{"epochs_trained": 3}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(good)
	text := string(b)
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct{ name, file, want string }{
		{"rows of one", strings.Replace(text, `"w": [`, `"w": [`+strings.Repeat("[0],", 100_000), 1), `"layers[0].w" has more than 65536 entries`},
		{"deep", strings.Replace(text, `"results": {`, `"results": {"x": `+strings.Repeat("[", 100_000)+strings.Repeat("]", 100_000)+",", 1), "nested more than 64 deep"},
		{"long token", strings.Replace(text, `"format": "`, `"format": "`+strings.Repeat("x", 1<<17), 1), "more than 65536 bytes"},
		{"duplicate", strings.Replace(text, `"epochs_trained": 3`, `"epochs_trained": 3, "epochs_trained": 9`, 1), `"results.epochs_trained" appears twice`},
		{"case", strings.Replace(text, `"epochs_trained"`, `"EPOCHS_TRAINED"`, 1), `unknown field "results.EPOCHS_TRAINED"`},
		{"2^63-1", strings.Replace(text, `"epochs_trained": 3`, `"epochs_trained": 9223372036854775807`, 1), "results.epochs_trained 9223372036854775807: want a count of epochs"},
		{"negative", strings.Replace(text, `"epochs_trained": 3`, `"epochs_trained": -1`, 1), "want a count of epochs"},
	} {
		p := write("bad.json", c.file)
		var m0, m1 runtimeMem
		m0.read()
		_, err := loadModel(p)
		m1.read()
		if err == nil || !strings.Contains(err.Error(), "-load "+p+": ") || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line with %q", c.name, err, c.want)
		}
		// Token by token, the walk allocates garbage for each token, never the file at once.
		if got := m1.total - m0.total; got > uint64(64*len(c.file)) {
			t.Errorf("%s: %d bytes allocated for a file of %d", c.name, got, len(c.file))
		}
	}
	// An unknown value of 100,000 empty arrays under results is skipped, and the file loads.
	p := write("extra.json", strings.Replace(text, `"results": {`, `"results": {"x": [`+strings.Repeat("[],", 100_000)+`[]],`, 1))
	if _, epochs, err := readModel(p, 1, 1); err != nil || epochs != 3 {
		t.Errorf("a file with a large unknown results value: epochs %d, %v", epochs, err)
	}

	// The count covers what the decoded value holds.
	var m loadedModel
	counted, err := strictUnmarshal(b, &m, jsonRules{skipUnknown: true})
	if err != nil {
		t.Fatal(err)
	}
	var again loadedModel
	before := liveHeap()
	if err := json.Unmarshal(b, &again); err != nil {
		t.Fatal(err)
	}
	if held := liveHeap() - before; held > counted {
		t.Errorf("the decoded value holds %v bytes, counted %v", held, counted)
	}
	runtime.KeepAlive(again)
}

// liveHeap is the bytes the heap holds once garbage is collected.
func liveHeap() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc)
}

// TestMemoryCountsEachLayer: what the trainer, the network, its gradients and a copy allocate
// for each layer, beside its numbers, is within the count of memory.go: from a network of one
// hidden layer to one of maxLayers one-unit layers, the allocations grow by less than the count.
func TestMemoryCountsEachLayer(t *testing.T) {
	allocated := func(sizes []int, workers int) float64 {
		var m0, m1 runtimeMem
		m0.read()
		net := newNetwork(sizes, 1)
		tr := newTrainer(net, SGD{Eta: 0.1}, 10, workers, 1005)
		copied := net.clone()
		m1.read()
		tr.close()
		runtime.KeepAlive(copied)
		return float64(m1.total - m0.total)
	}
	deep := []int{imageSize}
	for range maxLayers - 1 {
		deep = append(deep, 1)
	}
	deep = append(deep, numDigits)
	shallow := []int{imageSize, 1, numDigits}
	for _, workers := range []int{1, 2, 4} {
		grew := allocated(deep, workers) - allocated(shallow, workers)
		if counted := memoryNeed(deep, 10, workers) - memoryNeed(shallow, 10, workers); grew > counted {
			t.Errorf("%d workers: %d layers allocate %v bytes more than 2, counted %v", workers, maxLayers, grew, counted)
		}
	}
}

// TestPathsThatCollide: issue 33, points 4 and 5. -exercise on a symbolic link (to an empty
// folder, or to nothing) is refused and the link left as it was; -save onto one of the run's own
// files, or where it makes -out or -data, is refused before any work with one line and status 2,
// the file left as it was; a -save beside the reports, in -out, still saves.
func TestPathsThatCollide(t *testing.T) {
	data := tinyDataDir(t)
	root := t.TempDir()
	empty := filepath.Join(root, "empty")
	os.Mkdir(empty, 0o755)
	for name, target := range map[string]string{"link": empty, "dangling": filepath.Join(root, "nothing")} {
		link := filepath.Join(root, name)
		if err := os.Symlink(target, link); err != nil {
			t.Skip("no symbolic links here:", err)
		}
		status, _, stderr := runProgram("-exercise", link)
		if status != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "-exercise "+link+": is a symbolic link (to "+target+")") {
			t.Errorf("-exercise on a %s: status %d, %q", name, status, stderr)
		}
		if got, err := os.Readlink(link); err != nil || got != target {
			t.Errorf("-exercise on a %s: the link is now %q (%v)", name, got, err)
		}
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("the link's target holds %d entries", len(entries))
	}

	out := filepath.Join(root, "out")
	os.Mkdir(out, 0o755)
	history := filepath.Join(out, "history.csv")
	os.WriteFile(history, []byte("epoch\n"), 0o644)
	picture := filepath.Join(root, "seven.png")
	os.WriteFile(picture, aSeven(t), 0o644)
	outLink := filepath.Join(root, "out-link")
	os.Symlink(out, outLink)
	oz := filepath.Join(root, "oz")
	run := []string{"-data", data, "-download=false", "-epochs", "1"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-out", out, "-save", history}, "-save " + history + ": is one of the report files this run writes in -out " + out},
		{[]string{"-out", out, "-save", filepath.Join(outLink, "report.html")}, "is one of the report files"},
		{[]string{"-out", oz, "-save", oz}, "-save " + oz + ": the run makes -out " + oz + " there, a folder"},
		{[]string{"-out", filepath.Join(oz, "inner"), "-save", oz}, "the run makes -out"},
		{[]string{"-out", out, "-save", filepath.Join(data, trainImagesName+".gz")}, "is one of the MNIST files in -data"},
		{[]string{"-out", out, "-save", picture, "-predict", picture}, "-save " + picture + ": is the -predict image"},
	} {
		status, stdout, stderr := runProgram(append(append([]string{}, run...), c.args...)...)
		if status != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want status 2 and %q", c.args, status, stdout, stderr, c.want)
		}
	}
	if b, _ := os.ReadFile(history); string(b) != "epoch\n" {
		t.Errorf("history.csv was changed")
	}
	if _, err := os.Stat(oz); err == nil {
		t.Errorf("%s was made", oz)
	}
	// The lab refuses the same, before it serves.
	status, _, stderr := runProgram("-serve", "127.0.0.1:0", "-data", data, "-out", out, "-save", filepath.Join(out, "report.html"))
	if status != 2 || !strings.Contains(stderr, "is one of the report files") {
		t.Errorf("the lab with -save onto report.html: status %d, %q", status, stderr)
	}
	// A -save in -out beside the reports is no collision.
	status, _, stderr = runProgram(append(append([]string{}, run...), "-out", out, "-save", filepath.Join(out, "net.json"))...)
	if status != 0 {
		t.Errorf("-save in -out: status %d, %q", status, stderr)
	}
}

// TestPassesNotFiniteRefused: issue 33, point 6. A -load file of finite weights so large that
// the passes are not finite (1e308: every ŷ 1, L NaN; or δ overflowing through three layers of
// 1e200) is refused with one line by -load, -predict, -explain and the lab, and none says
// "diverged"; the largest weights a trained network has pass.
func TestPassesNotFiniteRefused(t *testing.T) {
	dir := t.TempDir()
	data := tinyDataDir(t)
	picture := filepath.Join(dir, "seven.png")
	os.WriteFile(picture, aSeven(t), 0o644)
	filled := func(name string, sizes []int, weights ...float64) string {
		net := newNetwork(sizes, 1)
		for l, w := range weights {
			for i := range net.Layers[l].W.Data {
				net.Layers[l].W.Data[i] = w
			}
		}
		path := filepath.Join(dir, name)
		if err := saveModel(path, net, nil, nil); err != nil {
			t.Fatal(err)
		}
		return path
	}
	huge := filled("huge.json", []int{imageSize, 20, numDigits}, 1e308, 1e308)
	deep := filled("deep.json", []int{imageSize, 20, 20, 20, numDigits}, 1e-3, 1e200, 1e200, 1e200)
	for _, c := range []struct {
		path, want string
		args       []string
	}{
		{huge, "layer 1, unit 0: its |W| and |b| sum to +Inf", []string{"-epochs", "0", "-data", data}},
		{huge, "layer 1, unit 0", []string{"-predict", picture}},
		{huge, "layer 1, unit 0", []string{"-explain", "0", "-data", data}},
		{huge, "layer 1, unit 0", []string{"-serve", "127.0.0.1:0", "-data", data, "-out", filepath.Join(dir, "out")}},
		{deep, "layer 2: the weights of layers 3 to 4 bound its δ only by", []string{"-explain", "0", "-data", data}},
	} {
		status, stdout, stderr := runProgram(append([]string{"-load", c.path}, c.args...)...)
		if status != 1 || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "mnist: -load "+c.path+": ") ||
			!strings.Contains(stderr, c.want) || strings.Contains(stderr, "diverged") || strings.Contains(stdout, "prediction") {
			t.Errorf("%v: status %d, stderr %q; want 1 and one line with %q", c.args, status, stderr, c.want)
		}
	}
	// Weights as large as a trained network's, and more, pass: 784 inputs of weight 1e290.
	if _, err := loadModel(filled("large.json", []int{imageSize, 20, numDigits}, 1e290, 1)); err != nil {
		t.Errorf("weights of 1e290: %v", err)
	}
}

// TestSmallOnes: the small cases of issue 33's point 7 that the lab and the command line get
// wrong without a word.
func TestSmallOnes(t *testing.T) {
	// -serve with a port past 65535 is a bad flag: status 2 at once, before -out is made.
	out := filepath.Join(t.TempDir(), "out")
	status, _, stderr := runProgram("-serve", "127.0.0.1:99999", "-data", filepath.Join(t.TempDir(), "none"), "-download=false", "-out", out)
	if status != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "-serve") {
		t.Errorf("-serve 127.0.0.1:99999: status %d, %q; want 2 and one line naming -serve", status, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("-serve 127.0.0.1:99999 made -out %s", out)
	}
	// A port in use fails before the data is read and -out made: status 1, one line.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	status, stdout, stderr := runProgram("-serve", ln.Addr().String(), "-data", filepath.Join(t.TempDir(), "none"), "-download=false", "-out", out)
	if status != 1 || strings.Count(stderr, "\n") != 1 || stdout != "" {
		t.Errorf("-serve on a port in use: status %d, stdout %q, stderr %q; want 1, nothing, one line", status, stdout, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("-serve on a port in use made -out %s", out)
	}
}

// TestShellWord: the folder in -exercise's "next: cd …" hint works when pasted into a shell,
// whatever the folder's name: each name is made, and sh's cd into the printed word lands there.
func TestShellWord(t *testing.T) {
	written := map[string]string{ // what the hint prints, written out
		"ex": "ex", "/tmp/a-b_c.d": "/tmp/a-b_c.d", "my ex": "'my ex'", "-ex": "./-ex",
		"it's": `'it'\''s'`, "a\nb": "'a\nb'", "$HOME": "'$HOME'", "a*": "'a*'",
	}
	for name, want := range written {
		if got := shellWord(name); got != want {
			t.Errorf("shellWord(%q) = %s, want %s", name, got, want)
		}
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to paste the hints into")
	}
	base := t.TempDir()
	for name := range written {
		if strings.HasPrefix(name, "/") {
			continue
		}
		dir := filepath.Join(base, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(sh, "-c", "cd "+shellWord(name)+" && pwd")
		cmd.Dir = base
		got, err := cmd.Output()
		if err != nil || strings.TrimSuffix(string(got), "\n") != dir {
			t.Errorf("sh -c 'cd %s && pwd' in %s: %q, %v; want %s", shellWord(name), base, got, err, dir)
		}
	}
}

// TestGradcheckStopsWhenItsClientLeaves: the lab's gradient check, whose every entry costs two
// forward passes, stops once its request's context is done instead of running on for nobody.
func TestGradcheckStopsWhenItsClientLeaves(t *testing.T) {
	l, _ := startLab(t, "-data", labData(t, 60, 20), "-download=false", "-out", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	test := 0
	res, err := l.gradcheck(ctx, &passRequest{Test: &test})
	if err == nil || res != nil {
		t.Errorf("a gradient check whose client has gone: %v, %v; want an error and no answer", res, err)
	}
	if res, err := l.gradcheck(context.Background(), &passRequest{Test: &test}); err != nil || len(res.Checks) == 0 {
		t.Errorf("the same check with its client there: %v, %v", res, err)
	}
}

// TestEpochsPastTheSavedBound: a run or a lab that would save a network saying more epochs than
// -load accepts (maxSavedEpochs, model.go) is refused before the data is read, with one line
// (epochsFit).
func TestEpochsPastTheSavedBound(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "net.json")
	if err := saveModel(p, newNetwork([]int{imageSize, 3, numDigits}, 1), nil, map[string]any{"epochs_trained": 1_000_000_000}); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil { // empty: it is never read
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-load", p, "-epochs", "1", "-save", filepath.Join(dir, "next.json")},
		{"-epochs", "1000000001"},
		{"-serve", "127.0.0.1:0", "-load", p, "-epochs", "1", "-save", filepath.Join(dir, "next.json")}, // the lab trains up to -epochs
	} {
		var stdout, stderr bytes.Buffer
		args = append(args, "-data", filepath.Join(dir, "data"), "-download=false", "-out", filepath.Join(dir, "out"))
		done := make(chan int, 1)
		go func() { done <- run(args, &stdout, &stderr) }()
		var code int
		select {
		case code = <-done:
		case <-time.After(time.Minute): // a lab that started serves until it is stopped
			t.Fatalf("%v: still running after a minute, not refused", args)
		}
		if code != 1 || !strings.Contains(stderr.String(), "more than the 1000000000 a saved network may record") || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: status %d, %q", args, code, stderr.String())
		}
		if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
			t.Errorf("%v: made -out", args)
		}
	}
}
