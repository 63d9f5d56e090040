// download.go fetches the MNIST files that are missing from the data folder, from public mirrors,
// and keeps a file only if its SHA-256 is the published one. The list of mirrors and the
// checksums are carried here, so the program needs nothing else to get its data.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
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

// maxDownload bounds what one download may write: the largest file is under 10 MB.
const maxDownload = 64 << 20

// downloader fetches files from a list of mirrors.
type downloader struct {
	client  *http.Client
	mirrors []string
	sums    map[string]string // file name → expected SHA-256, hex
	log     io.Writer         // one line per file fetched
}

// newDownloader returns a downloader for the published MNIST files.
func newDownloader(log io.Writer) *downloader {
	return &downloader{
		client:  &http.Client{Timeout: 3 * time.Minute},
		mirrors: mnistMirrors,
		sums:    mnistSHA256,
		log:     log,
	}
}

// fetch downloads file name into dir from the first mirror that serves it with the right
// checksum. Each failure moves on to the next mirror; if all fail, the error lists why and says
// how to get the file by hand.
func (d *downloader) fetch(dir, name string) error {
	path := filepath.Join(dir, name)
	var problems []string
	for _, mirror := range d.mirrors {
		from := mirror + name
		start := time.Now()
		err := writeFileAtomic(path, func(w io.Writer) error { return d.get(from, name, w) })
		if err == nil {
			fmt.Fprintf(d.log, "downloaded %s from %s in %.1fs\n", path, from, time.Since(start).Seconds())
			return nil
		}
		problems = append(problems, err.Error())
	}
	return fmt.Errorf("cannot download %s: %s; download it by hand from %s%s into %s, or pass -data with a folder that holds it",
		path, strings.Join(problems, "; "), d.mirrors[0], name, dir)
}

// get copies url to w, checking its status, size and SHA-256.
func (d *downloader) get(from, name string, w io.Writer) error {
	resp, err := d.client.Get(from)
	if err != nil {
		return fmt.Errorf("%s: %v", from, shortNetError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", from, resp.Status)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return fmt.Errorf("%s: %v", from, shortNetError(err))
	}
	if n > maxDownload {
		return fmt.Errorf("%s: more than %d bytes, not an MNIST file", from, maxDownload)
	}
	if got, want := hex.EncodeToString(h.Sum(nil)), d.sums[name]; got != want {
		return fmt.Errorf("%s: SHA-256 is %s, want %s", from, got, want)
	}
	return nil
}

// shortNetError drops the `Get "url":` that net/http puts in front of every error, since the
// message names the address already.
func shortNetError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// ensureData makes sure dir holds the four files, downloading those that are missing if
// download is true, and returns their paths.
func ensureData(dir string, download bool, d *downloader) (map[string]string, error) {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("-data %s: is a file, not a folder; name the folder that holds the four MNIST files", dir)
	} else if err != nil {
		if !download {
			return nil, fmt.Errorf("data folder %s does not exist (and -download=false)", dir)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("cannot create data folder %s: %v", dir, unwrapPathError(err))
		}
	}
	paths, missing := findFiles(dir)
	if len(missing) > 0 && !download {
		return nil, fmt.Errorf("%s: no file %s.gz or %s (and -download=false)", dir, missing[0], missing[0])
	}
	for _, name := range missing {
		if err := d.fetch(dir, name+".gz"); err != nil {
			return nil, err
		}
	}
	if len(missing) > 0 {
		paths, _ = findFiles(dir)
	}
	return paths, nil
}
