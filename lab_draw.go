// lab_draw.go brings a drawing (POST /api/draw, a PNG or JPEG) to MNIST's form, as -predict
// does, after working out from its header what decoding it would cost, so that no drawing, nor
// many at once, can take more memory than the stated bounds.

package main

import (
	"bytes"
	"image"
	"image/color"
	"strconv"
)

// drawPixels brings a PNG or JPEG drawing to MNIST's form, as -predict does, and returns its
// 784 input values x in 0..1. What decoding will cost is worked out from the image's header
// before it is decoded: its pixels, and the bytes the decoder will allocate for them
// (decodedBytes, decodecost.go: a 16-bit RGBA pixel takes 8, a grey one 1, a progressive CMYK
// JPEG's 24 with its coefficients). Past either bound the drawing is refused; within them it
// waits for one of drawsAtOnce turns, so that many drawings at once cost no more memory than a
// few: at most maxDrawBytes for the image and 8 bytes a pixel for mnistForm's grey levels each.
func (l *lab) drawPixels(body []byte) ([]float64, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return nil, badRequest("not a PNG or JPEG image (%s)", quote(err.Error()))
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxDrawPixels || cfg.Height > maxDrawPixels || cfg.Width*cfg.Height > maxDrawPixels {
		return nil, badRequest("the image is %d×%d pixels; at most %d pixels, please", cfg.Width, cfg.Height, maxDrawPixels)
	}
	if size := decodedBytes(body, cfg, format); size > maxDrawBytes { // decodecost.go: the decoder's real formats
		return nil, badRequest("the %s image of %d×%d pixels would take %s to decode; at most %d bytes, please (a smaller, 8-bit or baseline image)",
			format, cfg.Width, cfg.Height, bytesString(size), maxDrawBytes)
	}
	l.draws <- struct{}{} // wait for a turn
	defer func() { <-l.draws }()
	img, _, err := image.Decode(bytes.NewReader(body))
	if err != nil {
		return nil, badRequest("not a PNG or JPEG image (%s)", quote(err.Error()))
	}
	return formPixels(img)
}

// formPixels is mnistForm (predict.go) of an image, as the network's 784 inputs x in 0..1.
func formPixels(img image.Image) ([]float64, error) {
	pixels, err := mnistForm(img)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	x := make([]float64, imageSize)
	for i, v := range pixels {
		x[i] = pixelValue[v] // v/255, as loadBatch scales a data set's pixels
	}
	return x, nil
}

// greySize reads the ?width and ?height of a drawing sent as grey levels and checks them
// against maxDrawPixels, which is also maxBody: one byte a pixel, the body fits the bound.
func greySize(ws, hs string) (int, int, error) {
	w, werr := strconv.Atoi(ws)
	h, herr := strconv.Atoi(hs)
	if werr != nil || herr != nil || w < 1 || h < 1 {
		return 0, 0, badRequest("width %q, height %q: a drawing's grey levels need its size in pixels, ?width=W&height=H", quote(ws), quote(hs))
	}
	if w > maxDrawPixels || h > maxDrawPixels || w*h > maxDrawPixels {
		return 0, 0, badRequest("the image is %d×%d pixels; at most %d pixels, please", w, h, maxDrawPixels)
	}
	return w, h, nil
}

// greyPixels brings a drawing sent as grey levels, one byte a pixel, to MNIST's form, as
// drawPixels does a PNG: the same mnistForm on the same numbers, for the page's canvas (its
// pixels are grey, R = G = B, and opaque, so that a PNG of it decodes to the same luminance).
func (l *lab) greyPixels(body []byte, w, h int) ([]float64, error) {
	if len(body) != w*h {
		return nil, badRequest("the body has %d bytes; a %d×%d drawing's grey levels are %d", len(body), w, h, w*h)
	}
	l.draws <- struct{}{} // a turn, as for decoding: mnistForm takes 8 bytes a pixel
	defer func() { <-l.draws }()
	img := &image.Gray{Pix: body, Stride: w, Rect: image.Rect(0, 0, w, h)}
	return formPixels(img)
}

// bytesPerPixel is what one pixel of an image of this colour model takes once decoded by the
// standard library: 8 for 16-bit RGBA, 4 for 8-bit RGBA or CMYK and for a JPEG's YCbCr,
// 2 for 16-bit grey, 1 for 8-bit grey or a palette. Unknown models count as the largest.
func bytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel, color.NYCbCrAModel:
		return 4 // 3 planes, and a fourth for the alpha of NYCbCrA
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}
