// lit_test.go checks the index of lit pixels that a data set read from files carries
// (mnist.go, Dataset.indexed) and loadBatch's two ways in, with and without it.

package main

import (
	"math/rand/v2"
	"testing"
)

// TestIndexedData: the index lists exactly the nonzero pixels of every image, in order, with
// their values; a batch loaded through it, into buffers that held other images before, is
// the same bit for bit as one loaded from the bytes into fresh buffers; and training on either
// gives the same weights.
func TestIndexedData(t *testing.T) {
	d := blocksData(300, 4)
	rng := rand.New(rand.NewPCG(4, 4))
	for i := 0; i < 3; i++ { // one image all lit, two dark but for their very last pixel
		img := d.image(i)
		for k := range img {
			img[k] = byte(i * 255 / 2 * (1 - i/2))
		}
		img[imageSize-1] = byte(1 + rng.IntN(255))
	}
	ix := d.indexed()
	for i := 0; i < d.Len(); i++ {
		ids, vs, ok := ix.litPixels(i)
		if !ok {
			t.Fatal("indexed data set without an index")
		}
		n := 0
		for k, v := range d.image(i) {
			if v == 0 {
				continue
			}
			if n >= len(ids) || int(ids[n]) != k || vs[n] != v {
				t.Fatalf("image %d: the index differs from the pixels at pixel %d", i, k)
			}
			n++
		}
		if n != len(ids) {
			t.Fatalf("image %d: %d pixels indexed, %d lit", i, len(ids), n)
		}
	}
	if ix.slice(100, 200).litAt[0] != ix.litAt[100] {
		t.Error("a slice of an indexed data set lost its place in the index")
	}

	net := newNetwork([]int{imageSize, 20, numDigits}, 3)
	plain, reused := net.newBatch(10), net.newBatch(10)
	loadBatch(reused, ix, sequence(10)[3:])
	order := rng.Perm(d.Len())[:10]
	loadBatch(plain, d, order)
	loadBatch(reused, ix, order)
	for r := 0; r < 10; r++ {
		pi, pv := plain.lit.row(r)
		ri, rv := reused.lit.row(r)
		if !sameBits(plain.p.X.row(r), reused.p.X.row(r)) || !sameBits(pv, rv) || string(u16bytes(pi)) != string(u16bytes(ri)) {
			t.Errorf("sample %d: loaded through the index differs from loaded from the bytes", r)
		}
	}

	a, _ := trainRun(d, []int{20}, 10, 2)
	b, _ := trainRun(ix, []int{20}, 10, 2)
	for l := range a.Layers {
		if !sameBits(a.Layers[l].W.Data, b.Layers[l].W.Data) {
			t.Errorf("layer %d: trained through the index, the weights differ", l)
		}
	}
}

func u16bytes(s []uint16) []byte {
	b := make([]byte, 0, 2*len(s))
	for _, v := range s {
		b = append(b, byte(v), byte(v>>8))
	}
	return b
}
