// helpers_test.go holds the small tools that tests in several files use: made-up data sets,
// in memory and as IDX files, the identity order of an epoch, and bit-for-bit comparison of
// float64 slices.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// blocksData makes a small, separable data set of 28×28 images: digit k is a bright 6×6 block
// at a place of its own, with some noise.
func blocksData(n int, seed uint64) Dataset {
	rng := rand.New(rand.NewPCG(seed, 9))
	d := Dataset{Images: make([]byte, n*imageSize), Labels: make([]byte, n)}
	for i := 0; i < n; i++ {
		k := i % numDigits
		d.Labels[i] = byte(k)
		img := d.image(i)
		row, col := 2+(k/5)*12, 1+(k%5)*5
		for r := row; r < row+6; r++ {
			for c := col; c < col+5; c++ {
				img[r*imageCols+c] = byte(150 + rng.IntN(106))
			}
		}
		for j := 0; j < 20; j++ {
			img[rng.IntN(imageSize)] = byte(rng.IntN(256))
		}
	}
	return d
}

// sequence returns the order 0, 1, ..., n−1: an epoch over a data set as it is stored.
func sequence(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// sameBits reports whether two slices hold the same float64 values bit for bit.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// idxBytes builds an IDX file: magic for the rank, the sizes, then the payload.
func idxBytes(rank int, sizes []uint32, payload []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, idxMagic(rank))
	for _, s := range sizes {
		binary.Write(&b, binary.BigEndian, s)
	}
	b.Write(payload)
	return b.Bytes()
}

func gzipBytes(data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// tinySet returns n images of 28×28 with pixel values from their index, and their labels.
func tinySet(n int) (images, labels []byte) {
	images = make([]byte, n*imageSize)
	for i := range images {
		images[i] = byte(i * 7)
	}
	labels = make([]byte, n)
	for i := range labels {
		labels[i] = byte(i % numDigits)
	}
	return images, labels
}

// writeSet writes the four files of a tiny data set into dir, gzip-compressed or not.
func writeSet(t testing.TB, dir string, nTrain, nTest int, compress bool) {
	t.Helper()
	write := func(name string, data []byte) {
		if compress {
			name, data = name+".gz", gzipBytes(data)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, set := range []struct {
		images, labels string
		n              int
	}{{trainImagesName, trainLabelsName, nTrain}, {testImagesName, testLabelsName, nTest}} {
		img, lab := tinySet(set.n)
		write(set.images, idxBytes(3, []uint32{uint32(set.n), 28, 28}, img))
		write(set.labels, idxBytes(1, []uint32{uint32(set.n)}, lab))
	}
}
