// fuzz_test.go fuzzes the IDX reader: whatever the bytes, it must return either data that agree
// with their header or a FormatError that names the file, and never panic, hang or allocate
// more than the input could hold. .ci/run fuzzes it for 20 s on every run:
//
//	go test -run '^$' -fuzz FuzzReadIDX -fuzztime 20s

package main

import (
	"bufio"
	"bytes"
	"errors"
	"testing"
)

func FuzzReadIDX(f *testing.F) {
	img, lab := tinySet(2)
	images := idxBytes(3, []uint32{2, 28, 28}, img)
	labels := idxBytes(1, []uint32{2}, lab)
	for _, seed := range [][]byte{
		images, labels, gzipBytes(images), gzipBytes(labels),
		images[:100], labels[:9], gzipBytes(images)[:40], {},
		idxBytes(3, []uint32{1 << 31, 28, 28}, img), idxBytes(1, []uint32{3}, []byte{1, 10, 2}),
		append(append([]byte{}, labels...), 7), idxBytes(3, []uint32{2, 28, 27}, img),
		append(gzipBytes(labels), "garbage!"...), append(gzipBytes(labels), gzipBytes(labels)...),
		append(gzipBytes(labels[:5]), gzipBytes(labels[5:])...),
	} {
		f.Add(seed, true)
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, data []byte, asImages bool) {
		rank := 1
		if asImages {
			rank = 3
		}
		var fe *FormatError
		r, limit, err := decompress(bufio.NewReader(bytes.NewReader(data)), "fuzz", int64(len(data)))
		if err != nil {
			if !errors.As(err, &fe) || fe.File != "fuzz" {
				t.Fatalf("decompress: %v is not a FormatError naming the file", err)
			}
			return
		}
		sizes, payload, err := readIDX(r, "fuzz", rank, limit)
		if err != nil {
			if !errors.As(err, &fe) || fe.File != "fuzz" || fe.Problem == "" {
				t.Fatalf("readIDX: %v is not a FormatError naming the file and the problem", err)
			}
			return
		}
		if len(sizes) != rank {
			t.Fatalf("rank %d file read with %d sizes", rank, len(sizes))
		}
		want := 1
		for _, n := range sizes {
			want *= n
		}
		if len(payload) != want {
			t.Fatalf("sizes %v announce %d bytes, payload has %d", sizes, want, len(payload))
		}
		if rank == 3 && (sizes[1] != 28 || sizes[2] != 28) {
			t.Fatalf("images of %d×%d accepted", sizes[1], sizes[2])
		}
		if int64(len(payload)) > limit {
			t.Fatalf("payload of %d bytes from input that can hold %d", len(payload), limit)
		}
	})
}
