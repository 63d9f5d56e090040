// static.go is -static DIR: it writes the lab as a static web site, a folder that any web host
// serves as it is (GitHub Pages, a course's web space, `python3 -m http.server`), under a
// sub-path too. The page is the lab's own (lab/), with one script more, static-shim.js, that
// hands its requests to a Web Worker (static-worker.js) running this program compiled to
// WebAssembly (static_wasm.go), which answers them with the lab's own handler. So each
// learner's browser is its own lab, with the numbers of `go run . -serve`, bit for bit, and
// neither Go nor a server is needed to use it: a class shares one address, not one network.
//
// The folder holds:
//
//	index.html, lab.css, lab*.js   the lab's page (lab/), its addresses made relative
//	static-shim.js, static-worker.js
//	lab.wasm                       this program, built by `go build` for GOOS=js GOARCH=wasm
//	go/wasm_exec.js, go/LICENSE    Go's loader for it, from the Go that built it, and its license
//	data/*.gz                      the four MNIST files of -data (downloaded if missing)
//	README.txt                     how to publish the folder
//
// The site is written into a new or empty folder, or over one it wrote before (its README.txt
// says so), file by file, each atomically (writeFileAtomic, files.go): other files there, a
// host's CNAME say, are left alone.

package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// staticMark is the first line of the site's README.txt: a folder whose README.txt starts so is
// one -static wrote, which it may write over.
const staticMark = "The MNIST backpropagation lab, as a static web site"

// staticPage are the files of lab/ that the site holds, as they are but for index.html, whose
// addresses are made relative and which loads static-shim.js first.
var staticPage = []string{"index.html", "lab.css", "lab.js", "lab-answer.js", "lab-net.js", "lab-train.js", "static-shim.js", "static-worker.js"}

// checkStaticFolder fails, before any work, unless dir is a folder -static may write the site
// into: new, empty, or a site it wrote before, in a place that takes files (checkFolder).
func checkStaticFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case err == nil && len(entries) > 0:
		if head, rerr := os.ReadFile(filepath.Join(dir, "README.txt")); rerr != nil || !bytes.HasPrefix(head, []byte(staticMark)) {
			return fmt.Errorf("-static %s: the folder is not empty, and holds no site -static wrote; give a new or an empty folder", dir)
		}
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		if st, serr := os.Stat(dir); serr == nil && !st.IsDir() {
			return fmt.Errorf("-static %s: is a file; give a new or an empty folder", dir)
		}
		return fmt.Errorf("-static %s: %v", dir, unwrapPathError(err))
	}
	return checkFolder("-static", dir)
}

// writeStatic writes the site into c.static. Without the go command, or run outside the
// program's folder, it writes all but lab.wasm and Go's two files, and fails with the two
// commands that write them.
func writeStatic(c *config, stdout io.Writer) error {
	dir := c.static
	goCmd, goErr := exec.LookPath("go")
	if goErr != nil {
		goErr = errors.New("the go command is not on PATH")
	} else {
		goErr = checkModuleFolder()
	}
	data, err := loadData(c, stdout) // downloads what is missing, and checks the four files
	if err != nil {
		return err
	}
	paths, _ := findFiles(c.data)
	for _, sub := range []string{"", "data", "go"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fmt.Errorf("-static %s: %v", dir, unwrapPathError(err))
		}
	}
	write := func(name string, b []byte) error {
		return writeFileAtomic(filepath.Join(dir, name), func(w io.Writer) error { _, err := w.Write(b); return err })
	}
	for _, name := range staticPage {
		b, err := labFiles.ReadFile("lab/" + name)
		if err == nil && name == "index.html" {
			b, err = staticIndex(b)
		}
		if err == nil {
			err = write(name, b)
		}
		if err != nil {
			return fmt.Errorf("-static %s: %s: %v", dir, name, err)
		}
	}
	var dataBytes int64
	for _, name := range mnistNames() {
		b, err := gzipped(paths[name])
		if err == nil {
			err = write(filepath.Join("data", name+".gz"), b)
		}
		if err != nil {
			return fmt.Errorf("-static %s: data/%s.gz: %v", dir, name, unwrapPathError(err))
		}
		dataBytes += int64(len(b))
	}
	if err := write("README.txt", []byte(staticReadme(data))); err != nil {
		return fmt.Errorf("-static %s: README.txt: %v", dir, err)
	}
	fmt.Fprintf(stdout, "static: wrote the page and the MNIST files (%s) to %s\n", bytesString(float64(dataBytes)), dir)
	if goErr != nil {
		return fmt.Errorf("-static %s: %v, so the site lacks lab.wasm and go/: in the program's folder, with Go 1.24 or later, run\n"+
			"  GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o %s .\n"+
			"  cp \"$(go env GOROOT)/lib/wasm/wasm_exec.js\" \"$(go env GOROOT)/LICENSE\" %s",
			dir, goErr, shellWord(filepath.Join(dir, "lab.wasm")), shellWord(filepath.Join(dir, "go")+"/"))
	}
	fmt.Fprintf(stdout, "static: building lab.wasm (go build for GOOS=js GOARCH=wasm; this takes a minute)\n")
	size, err := buildWasm(goCmd, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "static: wrote lab.wasm (%s) and go/wasm_exec.js with Go's LICENSE\n", bytesString(float64(size)))
	fmt.Fprintf(stdout, "static: the site is in %s: README.txt says how to publish it; to try it here:\n  python3 -m http.server -d %s 8000   and open http://localhost:8000/\n", dir, shellWord(dir))
	return nil
}

// checkModuleFolder fails unless the working folder holds this program's source, which -static
// builds for the browser.
func checkModuleFolder() error {
	mod, err := os.ReadFile("go.mod")
	if err != nil || !bytes.HasPrefix(mod, []byte("module mnist-backprop\n")) {
		return errors.New("this is not the program's folder (the one with its go.mod), whose source it builds for the browser")
	}
	return nil
}

// buildWasm builds the program for js/wasm into dir/lab.wasm with the go command goCmd, and
// copies that Go's wasm_exec.js and LICENSE into dir/go, returning lab.wasm's size.
func buildWasm(goCmd, dir string) (int64, error) {
	out, err := exec.Command(goCmd, "env", "GOROOT").Output()
	if err != nil {
		return 0, fmt.Errorf("-static %s: go env GOROOT: %v", dir, err)
	}
	root := strings.TrimSpace(string(out))
	execJS := filepath.Join(root, "lib", "wasm", "wasm_exec.js") // Go 1.24 and later
	if _, err := os.Stat(execJS); err != nil {
		execJS = filepath.Join(root, "misc", "wasm", "wasm_exec.js") // before
	}
	tmp := filepath.Join(dir, ".lab.wasm.tmp")
	cmd := exec.Command(goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", tmp, ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("-static %s: go build for js/wasm failed: %v: %s", dir, err, strings.TrimSpace(string(msg)))
	}
	if err := os.Rename(tmp, filepath.Join(dir, "lab.wasm")); err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("-static %s: %v", dir, unwrapPathError(err))
	}
	for _, f := range [][2]string{{execJS, "wasm_exec.js"}, {filepath.Join(root, "LICENSE"), "LICENSE"}} {
		b, err := os.ReadFile(f[0])
		if err == nil {
			err = writeFileAtomic(filepath.Join(dir, "go", f[1]), func(w io.Writer) error { _, err := w.Write(b); return err })
		}
		if err != nil {
			return 0, fmt.Errorf("-static %s: go/%s: %v", dir, f[1], unwrapPathError(err))
		}
	}
	st, err := os.Stat(filepath.Join(dir, "lab.wasm"))
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// staticIndex is the lab's index.html for the site: its addresses relative ("lab.css", not
// "/lab.css"), so that it works under a sub-path too, and static-shim.js loaded before the
// page's scripts, which it then answers.
func staticIndex(page []byte) ([]byte, error) {
	s := string(page)
	for _, name := range staticPage[1:6] {
		attr := map[bool]string{true: "href", false: "src"}[strings.HasSuffix(name, ".css")]
		old := attr + `="/` + name + `"`
		if !strings.Contains(s, old) {
			return nil, fmt.Errorf("the page has no %s: it changed, and static.go must change with it", old)
		}
		s = strings.Replace(s, old, attr+`="`+name+`"`, 1)
	}
	first := `<script src="lab.js" defer></script>`
	s = strings.Replace(s, first, `<script src="static-shim.js"></script>`+"\n"+first, 1)
	return []byte(s), nil
}

// gzipped returns the file at path as gzip data: as it is if it is gzip data already, else
// compressed.
func gzipped(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil || bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		return b, err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// staticReadme is the site's README.txt: what the folder is and how to publish it.
func staticReadme(data *MNIST) string {
	return staticMark + `, written by ` + "`go run . -static DIR`" + `.

Open index.html through a web server, not as a file: a browser starts no Web Worker
from a file:// address. Any server that serves files as they are will do:

  python3 -m http.server -d DIR 8000      then http://localhost:8000/

To publish it for a class, copy the whole folder to any static web host: GitHub Pages
(a repository's docs/ folder, or a gh-pages branch), a course's web space, an
institution's web server. It may sit under a sub-path (https://host/course/lab/).
The host must:
  - serve every file as it is: lab.wasm (about 20 MB, 5 MB gzipped; as application/wasm
    if it can, which lets the browser compile it while it arrives) and the four .gz files
    in data/ (` + fmt.Sprintf("%d training, %d evaluation and %d test images", data.Train.Len(), data.Eval.Len(), data.Test.Len()) + `), gzip data
    that the lab unpacks itself (a host that sends them with Content-Encoding: gzip is
    fine too: the browser unpacks them first);
  - need no login for the files the page fetches (data/, go/, lab.wasm).

Each student's browser is its own lab: the program runs in the tab, on one core, and
nothing is sent anywhere. Closing the tab ends it; "Save the network" downloads the
network as -save writes it, and "Load a network…" takes such a file.

go/wasm_exec.js is Go's loader for lab.wasm, from the Go that built it; go/LICENSE is
its license (BSD-style), which must stay beside it.
`
}
