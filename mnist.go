// mnist.go reads the MNIST data set: four files in the IDX format of
// http://yann.lecun.com/exdb/mnist/, gzip-compressed as published or already decompressed.
//
// An IDX file is a header followed by a payload of unsigned bytes:
//
//	magic     4 bytes: 0, 0, 0x08 (unsigned bytes), the rank r (3 for images, 1 for labels)
//	sizes     r big-endian uint32s: the number of items, then 28 and 28 for images
//	payload   the product of the sizes, in bytes: one byte a pixel (0 = background) or a label
//
// Like the standard library's image/png reader, it checks everything in the order the bytes
// arrive and stops at the first problem with a FormatError that names the file and the problem:
// wrong magic number, wrong rank, images that are not 28×28, a payload shorter or longer than
// the header says (or more than the file could hold), labels outside 0–9, image and label counts
// that differ, bytes after the gzip data. A folder is checked
// by this structure, not by checksum, so any data set in the same format, Fashion-MNIST say,
// works unchanged. Checksums are for downloads (download.go).

package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

const (
	imageRows = 28
	imageCols = 28
	imageSize = imageRows * imageCols // 784 pixels, the network's input
	numDigits = 10                    // labels 0–9, the network's outputs
)

// FormatError reports a data file that is not what it should be.
type FormatError struct {
	File    string // the path of the file
	Problem string // what is wrong with it
}

func (e *FormatError) Error() string { return e.File + ": " + e.Problem }

// Dataset is a set of images with their labels, kept as bytes: pixel i of image n is
// Images[n*784+i], 0..255, and Labels[n] is its digit.
//
// A data set read from files also lists the lit pixels (those not 0) of every image, once: the
// first layer skips the dark ones (productPQtLitFast and productPtQLitFast, fast_lit.go), and
// the list of an image never changes, so it is made once instead of each time the image enters
// a mini-batch, 100 times in a run of the default 100 epochs. With each
// lit pixel's place comes its value, so that a mini-batch is filled from the list alone, read in
// sequence, without looking at the image's 784 bytes: three bytes a lit pixel, 22 MB for the
// 50,000 training images, whose pixels are one in five lit.
type Dataset struct {
	Images []byte
	Labels []byte
	// The lit pixels of image n are lit[litAt[n]:litAt[n+1]], in increasing order, and their
	// values litV[litAt[n]:litAt[n+1]]; litAt is nil for a data set that was not indexed (made
	// in memory, as tests do), and then loadBatch looks at every pixel.
	lit   []uint16
	litV  []byte
	litAt []int
}

// Len is the number of images.
func (d Dataset) Len() int { return len(d.Labels) }

// image returns the 784 pixels of image i.
func (d Dataset) image(i int) []byte { return d.Images[i*imageSize : (i+1)*imageSize] }

// slice returns images lo..hi-1, sharing memory with d.
func (d Dataset) slice(lo, hi int) Dataset {
	s := Dataset{Images: d.Images[lo*imageSize : hi*imageSize], Labels: d.Labels[lo:hi]}
	if d.litAt != nil {
		s.lit, s.litV, s.litAt = d.lit, d.litV, d.litAt[lo:hi+1] // the offsets stay those of the whole list
	}
	return s
}

// litPixels returns the lit pixels of image i and their values, and false if d has no index.
func (d Dataset) litPixels(i int) ([]uint16, []byte, bool) {
	if d.litAt == nil {
		return nil, nil, false
	}
	lo, hi := d.litAt[i], d.litAt[i+1]
	return d.lit[lo:hi], d.litV[lo:hi], true
}

// indexed returns d with the index of its lit pixels (see Dataset).
//
// Loop order: eight pixels at a time are looked at as one 64-bit word, and skipped together if
// all are 0, as most of an image's background is; in the other words every pixel is written to
// a small buffer and the count moves on only past a lit one, by arithmetic (a branch there is
// mispredicted at every edge of a stroke). 784 pixels are 98 words.
func (d Dataset) indexed() Dataset {
	n := len(d.Images) / 4 // about one pixel in five is lit; append grows the lists if need be
	d.lit, d.litV, d.litAt = make([]uint16, 0, n), make([]byte, 0, n), make([]int, d.Len()+1)
	var ids [imageSize]uint16
	var vs [imageSize]byte
	for i := 0; i < d.Len(); i++ {
		img, n := d.image(i), 0
		for k := 0; k+8 <= len(img); k += 8 {
			if binary.LittleEndian.Uint64(img[k:]) == 0 {
				continue
			}
			for j, v := range img[k : k+8] {
				ids[n], vs[n] = uint16(k+j), v
				n += (int(v) + 255) >> 8 // 1 if v ≠ 0, else 0
			}
		}
		d.lit, d.litV = append(d.lit, ids[:n]...), append(d.litV, vs[:n]...)
		d.litAt[i+1] = len(d.lit)
	}
	return d
}

// The four files, by the names they are published under (without .gz).
const (
	trainImagesName = "train-images-idx3-ubyte"
	trainLabelsName = "train-labels-idx1-ubyte"
	testImagesName  = "t10k-images-idx3-ubyte"
	testLabelsName  = "t10k-labels-idx1-ubyte"
)

// mnistNames are the four files' names, in the order findFiles looks for them.
func mnistNames() []string {
	return []string{trainImagesName, trainLabelsName, testImagesName, testLabelsName}
}

// idxMagic is the magic number of an IDX file of unsigned bytes of the given rank.
func idxMagic(rank int) uint32 { return 0x00000800 | uint32(rank) }

// maxDeflateRatio bounds how much gzip data can expand: deflate never does better than about
// 1032 to 1. With it, a file's size bounds the payload it can hold, so a header announcing 2³¹
// images in a small file is refused before anything is allocated.
const maxDeflateRatio = 1032

// readIDX reads one IDX file of the given rank (3 for images, 1 for labels) from r and returns
// its sizes and its payload. name is the file's path, for errors; limit is the most payload
// bytes the file can hold (see maxDeflateRatio).
func readIDX(r io.Reader, name string, rank int, limit int64) (sizes []int, payload []byte, err error) {
	fail := func(format string, args ...any) error {
		return &FormatError{File: name, Problem: fmt.Sprintf(format, args...)}
	}
	// Magic number: two zero bytes, the type code 0x08 for unsigned bytes, and the rank.
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, nil, fail("file ends before its 4-byte header (%s)", readProblem(err))
	}
	magic := binary.BigEndian.Uint32(head[:])
	if magic != idxMagic(rank) {
		what := map[int]string{1: "labels", 3: "images"}[rank]
		return nil, nil, fail("wrong magic number 0x%08x, want 0x%08x for an IDX file of %s", magic, idxMagic(rank), what)
	}
	// Sizes: rank big-endian uint32s.
	dims := make([]byte, 4*rank)
	if _, err := io.ReadFull(r, dims); err != nil {
		return nil, nil, fail("file ends inside its header (%s)", readProblem(err))
	}
	// Kept as int64 until checked: a uint32 of 2³¹ or more is negative as a 32-bit int (386).
	announced := make([]int64, rank)
	for i := range announced {
		announced[i] = int64(binary.BigEndian.Uint32(dims[4*i:]))
	}
	if rank == 3 && (announced[1] != imageRows || announced[2] != imageCols) {
		return nil, nil, fail("images are %d×%d, want %d×%d", announced[1], announced[2], imageRows, imageCols)
	}
	total := int64(1)
	for _, n := range announced {
		if n != 0 && total > limit/n { // total·n > limit, without overflow
			return nil, nil, fail("header announces %v items, more than the file can hold", announced)
		}
		total *= n
	}
	if need := dataFileMemory(rank, total, announced[0]); need > maxMemory/2 {
		return nil, nil, fail("header announces %d items, which could take up to %s of memory with the index of their lit pixels, more than the %d GiB a data file may take (half of what this program allows)",
			announced[0], bytesString(need), maxMemory>>31)
	}
	if total > math.MaxInt {
		return nil, nil, fail("header announces %v items, more bytes than a program on this computer can hold", announced)
	}
	for _, n := range announced {
		sizes = append(sizes, int(n)) // each at most total ≤ limit, which an int holds
	}
	// Payload: exactly total bytes, read straight into one buffer of that size.
	payload = make([]byte, total)
	if n, err := io.ReadFull(r, payload); err != nil {
		return nil, nil, fail("payload is truncated: %d of the %d bytes the header announces (%s)", n, total, readProblem(err))
	}
	// Nothing may follow. Reading to the end also makes a gzip reader verify its checksum.
	var extra [1]byte
	if n, err := io.ReadFull(r, extra[:]); n > 0 {
		return nil, nil, fail("extra bytes after the %d-byte payload the header announces", total)
	} else if err != io.EOF {
		return nil, nil, fail("%s", readProblem(err))
	}
	return sizes, payload, nil
}

// dataFileMemory is what a data file of this rank, whose payload is total bytes of n items,
// takes in memory once read: its payload and, for images, the index of their lit pixels at
// worst (every pixel lit: 3 bytes each, and 8 for each image's offset; see Dataset). Worked out
// from the header, before the payload is read.
func dataFileMemory(rank int, total, n int64) float64 {
	if rank != 3 {
		return float64(total)
	}
	return float64(4*float64(total)) + float64(8*float64(n))
}

// readProblem says in words what a read error means for a data file.
func readProblem(err error) string {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of file"
	case errors.Is(err, gzip.ErrChecksum):
		return "gzip checksum mismatch: the file is damaged"
	case errors.Is(err, gzip.ErrHeader):
		return "damaged gzip data"
	}
	return strings.TrimPrefix(err.Error(), "flate: ")
}

// openIDX opens an IDX file for reading, decompressing it if it is gzip data, and returns the
// most payload bytes it can hold. A file whose name ends in .gz must be gzip data; any other
// file may be either.
func openIDX(path string) (r io.Reader, limit int64, closeFile func() error, err error) {
	notData := &FormatError{File: path, Problem: "is a directory or special file, not a data file"}
	// Looked at before opening, which would wait forever on a named pipe: the rule of special
	// (paths.go), written out here since the exercise's module has this reader without paths.go.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, 0, nil, notData
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, err
	}
	// Checked again on the open file, in case the path was replaced since os.Stat looked.
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, nil, notData
	}
	r, limit, err = decompress(bufio.NewReaderSize(f, 1<<16), path, st.Size())
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	return r, limit, f.Close, nil
}

// decompress returns a reader of the IDX data in br, a file of size bytes: br itself, or a
// gzip reader over it if the data starts with gzip's magic bytes 1f 8b.
func decompress(br *bufio.Reader, path string, size int64) (io.Reader, int64, error) {
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		if strings.HasSuffix(path, ".gz") {
			return nil, 0, &FormatError{File: path, Problem: "not gzip data, although the name ends in .gz"}
		}
		return br, size, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, 0, &FormatError{File: path, Problem: "damaged gzip header: " + readProblem(err)}
	}
	// MNIST files are one gzip member. Multistream(false) makes zr stop at the end of the first
	// member, leaving br just after it, and gzipMember checks that nothing follows.
	zr.Multistream(false)
	return &gzipMember{zr: zr, br: br, size: size}, size * maxDeflateRatio, nil
}

// gzipMember reads the one gzip member of a file and, where the member ends, checks that the
// file ends too. The gzip reader alone does not look: with Multistream(false) it stops at the
// end of the first member and never reads what follows, so a file with bytes appended to it, or
// with a second member, would be read as if it were whole. gunzip -t and Python's gzip complain
// about the first; the published MNIST files are one member, so both are errors here.
type gzipMember struct {
	zr   *gzip.Reader
	br   *bufio.Reader // the file under zr: positioned just after the member once zr is done
	size int64         // the file's size, which bounds what can follow the member
	err  error         // once set, returned by every Read: io.EOF, or what is wrong
}

func (g *gzipMember) Read(p []byte) (int, error) {
	if g.err != nil {
		// Also after an error that came with the last bytes of the payload: io.ReadFull drops an
		// error that comes with all the bytes it asked for, and readIDX reads once more to see
		// that nothing follows, so the error must still be there then.
		return 0, g.err
	}
	n, err := g.zr.Read(p)
	if err == io.EOF { // the member is over, its checksum verified
		err = g.trailing()
	}
	g.err = err
	return n, err
}

// trailing returns io.EOF if the file ends where the gzip member ends, and otherwise an error
// saying how many bytes follow it. It counts them by reading them, at most the file's size, so
// a file that grows as it is read cannot keep it reading.
func (g *gzipMember) trailing() error {
	if _, err := g.br.Peek(1); err == io.EOF {
		return io.EOF
	} else if err != nil {
		return err
	}
	next, _ := g.br.Peek(2)
	secondMember := len(next) == 2 && next[0] == 0x1f && next[1] == 0x8b // gzip's magic bytes
	n, err := io.Copy(io.Discard, io.LimitReader(g.br, g.size))
	if err != nil {
		return err
	}
	if secondMember {
		return fmt.Errorf("%d bytes follow the gzip data: a second gzip member, where the MNIST files have one", n)
	}
	return fmt.Errorf("%d bytes follow the gzip data, which should end the file", n)
}

// readFile reads the IDX file at path (see openIDX and readIDX).
func readFile(path string, rank int) (sizes []int, payload []byte, err error) {
	r, limit, closeFile, err := openIDX(path)
	if err != nil {
		return nil, nil, err
	}
	defer closeFile()
	return readIDX(r, path, rank, limit)
}

// readImagesLabels reads a file of images and its file of labels, at the same time, and checks
// that they agree.
func readImagesLabels(imagesPath, labelsPath string) (Dataset, error) {
	type result struct {
		sizes   []int
		payload []byte
		err     error
	}
	images := make(chan result, 1)
	go func() {
		s, p, err := readFile(imagesPath, 3)
		images <- result{s, p, err}
	}()
	ls, lp, lerr := readFile(labelsPath, 1)
	ir := <-images
	if ir.err != nil {
		return Dataset{}, ir.err
	}
	if lerr != nil {
		return Dataset{}, lerr
	}
	if ir.sizes[0] != ls[0] {
		return Dataset{}, &FormatError{File: labelsPath, Problem: fmt.Sprintf("%d labels for the %d images of %s", ls[0], ir.sizes[0], filepath.Base(imagesPath))}
	}
	for i, v := range lp {
		if v >= numDigits {
			return Dataset{}, &FormatError{File: labelsPath, Problem: fmt.Sprintf("label %d of item %d is not a digit 0–9", v, i)}
		}
	}
	return Dataset{Images: ir.payload, Labels: lp}.indexed(), nil
}

// MNIST is the data set split three ways: training, evaluation (for choosing settings and
// watching for over-fitting) and test (touched only for the final figure).
type MNIST struct {
	Train, Eval, Test Dataset
}

// loadMNIST reads the four files whose paths it is given (the file of each name, as findFiles
// found them), both pairs at the same time, and splits the training file: the last sixth
// (MNIST's last 10,000 images) becomes the evaluation set.
func loadMNIST(paths map[string]string) (*MNIST, error) {
	type result struct {
		d   Dataset
		err error
	}
	test := make(chan result, 1)
	go func() {
		d, err := readImagesLabels(paths[testImagesName], paths[testLabelsName])
		test <- result{d, err}
	}()
	train, err := readImagesLabels(paths[trainImagesName], paths[trainLabelsName])
	tr := <-test
	if err != nil {
		return nil, err
	}
	if tr.err != nil {
		return nil, tr.err
	}
	// Each of the three sets needs an image, and the error names the file that is short. The
	// evaluation set is the last sixth of the training file, rounded down, so that file needs 6
	// images: with 2 to 5 the evaluation set would be empty and its loss and accuracy NaN.
	if n := train.Len(); n < 6 {
		return nil, &FormatError{File: paths[trainImagesName], Problem: fmt.Sprintf(
			"the header announces %s; training and evaluation need at least 6 (the last sixth is the evaluation set)", images(n))}
	}
	if tr.d.Len() == 0 {
		return nil, &FormatError{File: paths[testImagesName], Problem: "the header announces 0 images; the test set needs at least 1"}
	}
	cut := train.Len() - train.Len()/6
	return &MNIST{Train: train.slice(0, cut), Eval: train.slice(cut, train.Len()), Test: tr.d}, nil
}

// images writes a count of images: "1 image", "5 images".
func images(n int) string {
	if n == 1 {
		return "1 image"
	}
	return fmt.Sprintf("%d images", n)
}

// findFiles returns the path of each of the four files in dir, name.gz or name, and the names
// of those that are missing. Something that is there but is not a file (a folder, say) counts
// as found, so that reading it gives an error that says what it is.
func findFiles(dir string) (paths map[string]string, missing []string) {
	paths = map[string]string{}
	for _, name := range mnistNames() {
		for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
			if _, err := os.Stat(p); err == nil {
				paths[name] = p
				break
			}
		}
		if paths[name] == "" {
			missing = append(missing, name)
		}
	}
	return paths, missing
}
