// portable_test.go checks what makes the numbers the same on every computer: no multiply-add
// in the program that a compiler may fuse into one rounding (matrix.go, "Fused multiply-add").
// The other half, e^x and ln of the program's own, is exp_test.go; the proof that it all works
// is CI, which runs the suite on arm64 (under qemu), on amd64 built for GOAMD64=v3 and on 386,
// and compares the network a short run saves on each (.ci/run).

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// fusingCPUs are the two kinds of CPU that fuse a multiply and an add, with the compiler's
// spelling of the fused instructions in its assembly listing (go build -gcflags=-S).
var fusingCPUs = []struct {
	name  string
	env   []string
	fused *regexp.Regexp
}{
	{"arm64", []string{"GOARCH=arm64"}, regexp.MustCompile(`\t(FMADDD|FMSUBD|FNMADDD|FNMSUBD)\t`)},
	{"amd64 with GOAMD64=v3", []string{"GOARCH=amd64", "GOAMD64=v3"}, regexp.MustCompile(`\tVFN?M(ADD|SUB)[0-9]+SD\t`)},
}

// fusedLines compiles the main package in dir for the CPU with the environment env, and returns
// the source lines (file:line) of the instructions that fused matches in its assembly.
func fusedLines(t *testing.T, dir, name string, env []string, fused *regexp.Regexp) map[string]bool {
	t.Helper()
	// -S prints the assembly of package main (the go command replays it from its cache).
	cmd := exec.Command("go", "build", "-o", os.DevNull, "-gcflags=-S", ".")
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build for %s in %s: %v\n%s", name, dir, err, out)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		if fused.MatchString(l) {
			if i, j := strings.IndexByte(l, '('), strings.IndexByte(l, ')'); i >= 0 && j > i {
				lines[l[i+1:j]] = true
			}
		}
	}
	return lines
}

// fusingCanary is a program that does fuse: x*y + z, the product not rounded on its own. The
// compiler fuses it for both of fusingCPUs, so TestNoFusedMultiplyAdd's detector must find it.
const fusingCanary = `package main

import "os"

//go:noinline
func fused(x, y, z float64) float64 { return x*y + z }

func main() {
	x := float64(len(os.Args))
	println(fused(x, x+1, x+2))
}
`

// TestNoFusedMultiplyAdd compiles the program for the two kinds of CPU that fuse (arm64, and
// amd64 with FMA, GOAMD64=v3) and fails on any fused multiply-add instruction in it, naming the
// line: there, a product added without float64(…) around it. It first compiles fusingCanary, a
// small module written to a temporary folder, the same way: if the detector does not find the
// canary's fused instruction, the compiler's spelling of it has changed, and the test fails
// rather than pass on a program it can no longer read.
func TestNoFusedMultiplyAdd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: compiles the program twice")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH to compile with")
	}
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go [0-9.]+$`).Find(mod) // the canary asks for the program's Go
	canary := t.TempDir()
	for name, text := range map[string]string{"go.mod": "module canary\n\n" + string(goLine) + "\n", "main.go": fusingCanary} {
		if err := os.WriteFile(filepath.Join(canary, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, target := range fusingCPUs {
		if len(fusedLines(t, canary, target.name, target.env, target.fused)) == 0 {
			t.Errorf("compiled for %s, the canary x*y + z shows no instruction that %v matches: the compiler's "+
				"spelling of the fused instructions has changed; update fusingCPUs, or this test would pass on any program",
				target.name, target.fused)
			continue
		}
		lines := fusedLines(t, ".", target.name, target.env, target.fused)
		if len(lines) > 0 {
			var where []string
			for w := range lines {
				where = append(where, w)
			}
			sort.Strings(where)
			t.Errorf("compiled for %s, the program fuses a multiply and an add into one rounding at %s:"+
				" write the product as float64(x*y) so that it is rounded on its own, as on every other computer",
				target.name, strings.Join(where, ", "))
		}
	}
}

// cpuHas reports whether /proc/cpuinfo lists every one of the flags.
func cpuHas(flags ...string) bool {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return false
	}
	have := map[string]bool{}
	for _, f := range strings.Fields(string(info)) {
		have[f] = true
	}
	for _, f := range flags {
		if !have[f] {
			return false
		}
	}
	return true
}

// TestSameBitsOnEveryPlatform builds the program for five kinds of computer, trains on each
// (arm64 under qemu-user, WebAssembly under Node.js, 386 and amd64-v3 as they are, on an amd64
// machine) and compares the saved networks byte for byte, after three epochs on made-up data
// (.ci/run does the same with two epochs of 784-20-10 on the real files). An emulator that is
// missing skips its platform with a message; under CI (CI=true) it is an error.
func TestSameBitsOnEveryPlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds and runs the program five times")
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("runs on linux/amd64, which runs the others (here %s/%s)", runtime.GOOS, runtime.GOARCH)
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH to build with")
	}
	data, args := blocksDataDir(t), []string{"-epochs", "3", "-batch", "7", "-hidden", "9", "-seed", "5"}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	platforms := []struct {
		name string
		env  []string
		exec string // the emulator that runs it, if one is needed
	}{
		{"amd64", []string{"GOARCH=amd64", "GOAMD64=v1"}, ""},
		{"amd64-v3", []string{"GOARCH=amd64", "GOAMD64=v3"}, ""},
		{"386", []string{"GOARCH=386"}, ""},
		{"arm64", []string{"GOARCH=arm64"}, "qemu-aarch64"},
		{"wasm", []string{"GOOS=js", "GOARCH=wasm"}, filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "go_js_wasm_exec")},
	}
	dir := t.TempDir()
	var first []byte
	for _, p := range platforms {
		if p.name == "amd64-v3" && !cpuHas("fma", "avx2", "bmi2") {
			t.Logf("%s: skipped, this CPU cannot run it (no FMA, AVX2 or BMI2)", p.name)
			continue
		}
		if p.exec != "" {
			need := p.exec
			if p.name == "wasm" {
				need = "node" // go_js_wasm_exec runs the program with Node.js
			}
			if _, err := exec.LookPath(need); err != nil {
				if os.Getenv("CI") == "true" {
					t.Errorf("%s: %s is not installed, and CI must check this platform", p.name, need)
				} else {
					t.Logf("%s: skipped, %s is not installed (Debian: apt-get install %s)", p.name, need,
						map[string]string{"qemu-aarch64": "qemu-user", "node": "nodejs"}[need])
				}
				continue
			}
		}
		bin := filepath.Join(dir, "prog-"+p.name)
		build := exec.Command("go", "build", "-o", bin, ".")
		build.Env = append(append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux"), p.env...)
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build for %s: %v\n%s", p.name, err, out)
		}
		save := filepath.Join(dir, "net-"+p.name+".json")
		cmdArgs := append([]string{"-data", data, "-download=false", "-out", filepath.Join(dir, "out-"+p.name), "-save", save}, args...)
		run := exec.Command(bin, cmdArgs...)
		if p.exec != "" {
			run = exec.Command(p.exec, append([]string{bin}, cmdArgs...)...)
		}
		if out, err := run.CombinedOutput(); err != nil {
			if p.name == "386" && errors.Is(err, syscall.ENOEXEC) {
				// A hypervisor without the 32-bit mode; qemu-i386 crashes Go's 386 runtime, so
				// there is no other way to run it here (.ci/run says the same and leaves 386 out).
				t.Logf("%s: skipped, this machine cannot run a 32-bit program (%v)", p.name, err)
				continue
			}
			t.Fatalf("the program built for %s: %v\n%s", p.name, err, out)
		}
		got, err := os.ReadFile(save)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = got
			continue
		}
		if !bytes.Equal(got, first) {
			t.Errorf("the network saved on %s differs from the one saved on %s: the same seed must give the same bits on every computer",
				p.name, platforms[0].name)
		} else {
			t.Logf("%s: the same %d bytes as on %s", p.name, len(got), platforms[0].name)
		}
	}
}
