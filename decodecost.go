// decodecost.go works out what decoding a PNG or JPEG will allocate, from its header alone,
// before it is decoded: the lab's drawings (lab_draw.go) and -predict (predict.go) refuse a
// picture past their bound on this figure. image.DecodeConfig gives the size, but its colour
// model is not what the decoder makes: a PNG's transparency (tRNS) comes after the header it
// reads, and turns 16-bit grey (2 bytes a pixel) into NRGBA64 (8); and a progressive JPEG keeps
// every component's DCT coefficients (64 int32s per 8×8 block: 4 bytes a pixel a component)
// besides its planes and the image it converts them to. So the figure follows the standard
// library's decoders, as they are in Go 1.26:
//
//	PNG   width × height × the bytes a pixel of the image the decoder returns (pngPixelBytes), twice over
//	      when interlaced (each of the 7 passes is decoded whole, then merged into the image)
//	JPEG  the planes (1 byte a pixel a component, padded to the 32×32 pixels of the largest
//	      block group), the coefficients if progressive (4 bytes a pixel a component), and for 3
//	      or 4 components the RGBA or CMYK image they become (4 bytes a pixel)
//
// Anything this file cannot read counts as unbounded.

package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"strings"
)

// decodedBytes is what decoding the image in b (whose header cfg and format image.DecodeConfig
// read) allocates, by the counts of this file's opening comment, as a float64 so that no size overflows it.
func decodedBytes(b []byte, cfg image.Config, format string) float64 {
	w, h := float64(cfg.Width), float64(cfg.Height)
	switch format {
	case "png":
		bpp, interlaced, ok := pngPixelBytes(b)
		if !ok {
			return math.Inf(1)
		}
		n := float64(float64(w*h) * float64(bpp))
		if interlaced {
			n *= 2
		}
		return n
	case "jpeg":
		comps, progressive, ok := jpegFrame(b)
		if !ok {
			return math.Inf(1)
		}
		padded := float64(math.Ceil(w/32)*32) * float64(math.Ceil(h/32)*32)
		perPixel := 1.0
		if progressive {
			perPixel += 4
		}
		n := float64(float64(padded*float64(comps)) * perPixel)
		if comps >= 3 {
			n += float64(float64(w*h) * 4)
		}
		return n
	}
	return math.Inf(1)
}

// pngPixelBytes reads a PNG's header and the chunks before its pixels: the bytes a pixel of the
// image image/png returns, and whether it is interlaced.
func pngPixelBytes(b []byte) (bpp int, interlaced, ok bool) {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(b) < 33 || string(b[:8]) != sig || string(b[12:16]) != "IHDR" {
		return 0, false, false
	}
	depth, colour := b[24], b[25]
	interlaced = b[28] != 0
	transparent := false
	for at := 8; at+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[at:]))
		kind := string(b[at+4 : at+8])
		if kind == "IDAT" || n < 0 || n > len(b) {
			break
		}
		transparent = transparent || kind == "tRNS"
		at += 12 + n // length, type, data, CRC
	}
	wide := depth == 16
	switch colour {
	case 0: // grey: Gray or Gray16, NRGBA or NRGBA64 with a transparent grey
		switch {
		case transparent && wide:
			return 8, interlaced, true
		case transparent:
			return 4, interlaced, true
		case wide:
			return 2, interlaced, true
		}
		return 1, interlaced, true
	case 3: // palette: Paletted, whatever its transparency
		return 1, interlaced, true
	case 2, 4, 6: // RGB, grey with alpha, RGBA: RGBA or NRGBA, 64-bit at depth 16
		if wide {
			return 8, interlaced, true
		}
		return 4, interlaced, true
	}
	return 0, false, false
}

// jpegFrame reads a JPEG's markers up to its frame header: the number of components and
// whether it is progressive. Segments are skipped by their lengths; the frame comes before any
// scan, so nothing of the compressed data is read.
func jpegFrame(b []byte) (comps int, progressive, ok bool) {
	if !bytes.HasPrefix(b, []byte{0xff, 0xd8}) {
		return 0, false, false
	}
	for at := 2; at+4 <= len(b); {
		if b[at] != 0xff {
			return 0, false, false
		}
		marker := b[at+1]
		if marker == 0xff { // fill byte
			at++
			continue
		}
		n := int(binary.BigEndian.Uint16(b[at+2:]))
		switch marker {
		case 0xc0, 0xc1, 0xc2: // the frames image/jpeg decodes: baseline, extended, progressive
			if at+10 > len(b) {
				return 0, false, false
			}
			return int(b[at+9]), marker == 0xc2, true
		case 0xda: // a scan before any frame: image/jpeg refuses it
			return 0, false, false
		}
		at += 2 + n
	}
	return 0, false, false
}

// The bounds of -predict's picture: the file, read whole, and what decoding it and mnistForm's
// grey levels (8 bytes a pixel) take; a photo of 12 megapixels takes 180 MB.
const (
	maxPredictFile  = 64 << 20
	maxPredictBytes = 512 << 20
)

// readPicture reads the -predict file and its header, and refuses it, before decoding, if
// decoding would take more than maxPredictBytes.
func readPicture(path string) ([]byte, error) {
	if special(path) { // looked at before opening, which would wait forever on a named pipe
		return nil, fmt.Errorf("-predict %s: is a directory or special file, not an image", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-predict %s: %v", path, unwrapPathError(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPredictFile+1))
	if err != nil {
		return nil, fmt.Errorf("-predict %s: %v", path, unwrapPathError(err))
	}
	if len(b) > maxPredictFile {
		return nil, fmt.Errorf("-predict %s: more than %d bytes; want a picture of one digit", path, maxPredictFile)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil && strings.Contains(err.Error(), "dimension overflow") { // a 32-bit int (386) cannot count its bytes
		return nil, fmt.Errorf("-predict %s: an image too large to decode on this computer: its bytes overflow an int; want a picture of one digit", path)
	}
	if err != nil {
		return nil, fmt.Errorf("-predict %s: not a PNG or JPEG image (%v)", path, err)
	}
	if need := decodedBytes(b, cfg, format) + float64(8*float64(cfg.Width)*float64(cfg.Height)); need > maxPredictBytes {
		return nil, fmt.Errorf("-predict %s: a %s image of %d×%d pixels, which would take %s to decode, more than the %d MiB allowed; want a picture of one digit",
			path, format, cfg.Width, cfg.Height, bytesString(need), maxPredictBytes>>20)
	}
	return b, nil
}
