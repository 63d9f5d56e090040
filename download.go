// download.go fetches the MNIST files that are missing from the data folder, from public mirrors,
// and keeps a file only if its SHA-256 is the published one. The list of mirrors, the checksums
// and the sizes are carried here, so the program needs nothing else to get its data.
//
// What it says is meant for someone running the program for the first time: before it starts,
// one line with what it fetches and how much; while it runs, a progress line; if it fails, one
// short line per missing file, in words rather than the resolver's own (no addresses), and one
// line with the two ways out: -data with a folder that holds the files, or the folder to put
// them in. A failed download leaves nothing behind, not even the folder it made for the files.

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// mnistMirrors serve the four files under their published names.
var mnistMirrors = []string{
	"https://ossci-datasets.s3.amazonaws.com/mnist/",
	"https://storage.googleapis.com/cvdf-datasets/mnist/",
}

// mnistSHA256 is the SHA-256 of each published .gz file.
var mnistSHA256 = map[string]string{
	trainImagesName + ".gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
	trainLabelsName + ".gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
	testImagesName + ".gz":  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
	testLabelsName + ".gz":  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

// mnistBytes is the size of each published .gz file: 11.6 MB in all.
var mnistBytes = map[string]int64{
	trainImagesName + ".gz": 9912422,
	trainLabelsName + ".gz": 28881,
	testImagesName + ".gz":  1648877,
	testLabelsName + ".gz":  4542,
}

// maxDownload bounds what one download may write: the largest file is under 10 MB.
const maxDownload = 64 << 20

// downloader fetches files from a list of mirrors.
type downloader struct {
	client  *http.Client
	mirrors []string
	sums    map[string]string // file name → expected SHA-256, hex
	sizes   map[string]int64  // file name → its size, for the line before and the progress
	log     io.Writer         // what is fetched, the progress, each file fetched
	every   time.Duration     // at most one progress line per this much time
	tty     bool              // log is a terminal: the progress line rewrites itself
}

// newDownloader returns a downloader for the published MNIST files that reports to log. It
// gives up on a mirror it cannot reach within 15 s, so that a machine without the network hears
// so at once, and on any download after 3 minutes.
func newDownloader(log io.Writer) *downloader {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 15 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 15 * time.Second
	tr.ResponseHeaderTimeout = 30 * time.Second
	return &downloader{
		client:  &http.Client{Timeout: 3 * time.Minute, Transport: tr},
		mirrors: mnistMirrors,
		sums:    mnistSHA256,
		sizes:   mnistBytes,
		log:     log,
		every:   time.Second,
		tty:     isTerminal(log),
	}
}

// isTerminal says whether w is a terminal (a character device), where a line can be rewritten.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// fetchError is why a file could not be fetched from any mirror, in a few words per mirror.
// unreachable is true if no mirror could be reached at all (no network, say): the next files
// are then not tried.
type fetchError struct {
	reasons     []string
	unreachable bool
}

func (e *fetchError) Error() string { return strings.Join(e.reasons, "; ") }

// downloadError is a download that failed: one line per missing file, then how to get them.
// run prints each line; as an error value it is the lines joined.
type downloadError struct{ lines []string }

func (e *downloadError) Error() string { return strings.Join(e.lines, "; ") }

// fetch downloads file name into dir from the first mirror that serves it with the right
// checksum. Each failure moves on to the next mirror.
func (d *downloader) fetch(dir, name string) error {
	path := filepath.Join(dir, name)
	fe := &fetchError{unreachable: true}
	for i, mirror := range d.mirrors {
		start := time.Now()
		var n int64
		err := writeFileAtomic(path, func(w io.Writer) (err error) { n, err = d.get(mirror+name, name, w); return err })
		if err == nil {
			fmt.Fprintf(d.log, "downloaded %s (%s) in %.1fs\n", path, bytesString(float64(n)), time.Since(start).Seconds())
			return nil
		}
		reason, reached := describeFailure(err)
		fe.unreachable = fe.unreachable && !reached
		if len(d.mirrors) > 1 {
			reason = fmt.Sprintf("mirror %d: %s", i+1, reason)
		}
		fe.reasons = append(fe.reasons, reason)
	}
	// The same reason from every mirror (no network: none can be looked up) is said once.
	if len(fe.reasons) > 1 {
		first, same := strings.TrimPrefix(fe.reasons[0], "mirror 1: "), true
		for i, r := range fe.reasons {
			same = same && strings.TrimPrefix(r, fmt.Sprintf("mirror %d: ", i+1)) == first
		}
		if same {
			fe.reasons = []string{strings.Replace(first, "the mirror", "any mirror", 1)}
		}
	}
	return fe
}

// statusError is a mirror's answer other than 200 OK.
type statusError struct{ status string }

func (e *statusError) Error() string { return "the mirror answered " + e.status }

// get copies url to w, checking its status, size and SHA-256, and reporting its progress. It
// returns the bytes copied.
func (d *downloader) get(from, name string, w io.Writer) (int64, error) {
	resp, err := d.client.Get(from)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, &statusError{resp.Status}
	}
	h := sha256.New()
	p := &progress{d: d, name: name, total: d.sizes[name], last: time.Now()}
	n, err := io.Copy(io.MultiWriter(w, h, p), io.LimitReader(resp.Body, maxDownload+1))
	p.clear()
	if err != nil {
		return n, &brokenError{fmt.Sprintf("the download broke off after %s", bytesString(float64(n)))}
	}
	if n > maxDownload {
		return n, fmt.Errorf("more than %s, not an MNIST file", bytesString(float64(maxDownload)))
	}
	if got, want := hex.EncodeToString(h.Sum(nil)), d.sums[name]; got != want {
		return n, fmt.Errorf("the mirror served another file (SHA-256 is %s…, not the published %s…)", got[:12], want[:12])
	}
	return n, nil
}

// brokenError is a download that began and did not end.
type brokenError struct{ msg string }

func (e *brokenError) Error() string { return e.msg }

// describeFailure says in a few words why one mirror failed, without the addresses and
// resolver details that net/http's errors carry, and whether the mirror was reached at all.
func describeFailure(err error) (reason string, reached bool) {
	var dns *net.DNSError
	var op *net.OpError
	var ne net.Error
	var se *statusError
	var be *brokenError
	switch {
	case errors.As(err, &se):
		return se.Error(), true
	case errors.As(err, &be):
		return be.Error(), true
	case errors.As(err, &dns):
		return "cannot look up the mirror's name (no network?)", false
	case errors.As(err, &op) && op.Op == "dial":
		return "cannot connect to the mirror", false
	case errors.As(err, &ne) && ne.Timeout():
		return "the mirror did not answer in time", false
	}
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, "\": "); ok && strings.HasPrefix(msg, "Get \"") {
		msg = after // net/http's `Get "url": ` prefix
	}
	return msg, !strings.Contains(msg, "tls:") && !strings.Contains(msg, "x509:")
}

// progress counts the bytes of one download and prints how far it is, at most once per
// d.every: on a terminal one line that rewrites itself, elsewhere a line each time.
type progress struct {
	d       *downloader
	name    string
	total   int64
	n       int64
	last    time.Time
	printed bool
}

func (p *progress) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	if now := time.Now(); now.Sub(p.last) >= p.d.every {
		p.last = now
		line := fmt.Sprintf("  %s: %s", p.name, bytesString(float64(p.n)))
		if p.total > 0 {
			line += fmt.Sprintf(" of %s (%.0f%%)", bytesString(float64(p.total)), 100*float64(p.n)/float64(p.total))
		}
		if p.d.tty {
			fmt.Fprintf(p.d.log, "\r%-60s", line)
		} else {
			fmt.Fprintln(p.d.log, line)
		}
		p.printed = true
	}
	return len(b), nil
}

// clear ends a terminal's progress line, so that what follows starts on a clean line.
func (p *progress) clear() {
	if p.printed && p.d.tty {
		fmt.Fprintf(p.d.log, "\r%-60s\r", "")
	}
}

// ensureData makes sure dir holds the four files, downloading those that are missing if
// download is true, and returns their paths. A folder it made for the download and that is
// still empty when the download fails is removed again.
func ensureData(dir string, download bool, d *downloader) (map[string]string, error) {
	made := ""
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("-data %s: is a file, not a folder; name the folder that holds the four MNIST files", dir)
	} else if err != nil {
		if !download {
			return nil, fmt.Errorf("data folder %s does not exist (and -download=false)", dir)
		}
		made = firstMissing(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("cannot create data folder %s: %v", dir, unwrapPathError(err))
		}
	}
	paths, missing := findFiles(dir)
	if len(missing) > 0 && !download {
		return nil, fmt.Errorf("%s: no file %s (.gz or not) (and -download=false)", dir, strings.Join(missing, ", "))
	}
	if len(missing) == 0 {
		return paths, nil
	}
	var total int64
	for _, name := range missing {
		total += d.sizes[name+".gz"]
	}
	fmt.Fprintf(d.log, "data: %s lacks %d of the 4 MNIST files; downloading %s into it\n", dir, len(missing), bytesString(float64(total)))
	var lines []string
	unreachable := false
	for _, name := range missing {
		file := name + ".gz"
		if unreachable {
			lines = append(lines, fmt.Sprintf("cannot download %s: not tried, since no mirror could be reached", file))
			continue
		}
		if err := d.fetch(dir, file); err != nil {
			var fe *fetchError
			unreachable = errors.As(err, &fe) && fe.unreachable
			lines = append(lines, fmt.Sprintf("cannot download %s: %v", file, err))
		}
	}
	if len(lines) == 0 {
		paths, _ = findFiles(dir)
		return paths, nil
	}
	if made != "" {
		removeEmptyFolders(dir, made)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	lines = append(lines, fmt.Sprintf("to go on without the download: pass -data DIR with a folder DIR that holds the four files, "+
		"or put them into %s (docs/usage.md says where to get them)", abs))
	return nil, &downloadError{lines}
}

// firstMissing returns the outermost folder of path that does not exist yet: the first that
// os.MkdirAll(path) would make.
func firstMissing(path string) string {
	path = filepath.Clean(path)
	for {
		parent := filepath.Dir(path)
		if parent == path {
			return path
		}
		if _, err := os.Stat(parent); err == nil {
			return path
		}
		path = parent
	}
}

// removeEmptyFolders removes dir and its parents up to and including top, as long as each is
// empty: the folders a failed download made and left empty.
func removeEmptyFolders(dir, top string) {
	dir, top = filepath.Clean(dir), filepath.Clean(top)
	for {
		if os.Remove(dir) != nil || dir == top {
			return
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return
		}
		dir = parent
	}
}
