// harden3_test.go holds the third round of hardening (issue 33): a run removes only the
// temporary files of its own exact form, never a user's look-alikes; what a crafted network of
// many small layers costs is bounded before it is allocated; -exercise, -save and -out refuse
// the paths that would lose a file or a link; a loaded network whose passes are not finite is
// named as such; and the small cases of the point 7.

package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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
	want := "mnist: removed a temporary file that a run killed while writing left in " + out + ": " + leftover + "\n"
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
		removeTemps(runTemps(c)...)
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
