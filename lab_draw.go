// lab_draw.go brings a drawing (POST /api/draw, a PNG or JPEG) to MNIST's form, as -predict
// does, after working out from its header what decoding it would cost, so that no drawing, nor
// many at once, can take more memory than the stated bounds.
package main

import (
	"bytes"
	"image"
	"image/color"
)

// drawPixels brings a PNG or JPEG drawing to MNIST's form, as -predict does, and returns its
// 784 input values x in 0..1. What decoding will cost is worked out from the image's header
// before it is decoded: its pixels, and the bytes they take at the image's bit depth (a 16-bit
// RGBA pixel takes 8, a grey one 1). Past either bound the drawing is refused; within them it
// waits for one of drawsAtOnce turns, so that many drawings at once cost no more memory than a
// few: at most maxDrawBytes for the image and 8 bytes a pixel for mnistForm's grey levels each.
func (l *lab) drawPixels(body []byte) ([]float64, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return nil, badRequest("not a PNG or JPEG image (%s)", quote(err.Error()))
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxDrawPixels || cfg.Height > maxDrawPixels || cfg.Width*cfg.Height > maxDrawPixels {
		return nil, badRequest("the image is %d×%d pixels; at most %d pixels, please", cfg.Width, cfg.Height, maxDrawPixels)
	}
	if size := cfg.Width * cfg.Height * bytesPerPixel(cfg.ColorModel); size > maxDrawBytes {
		return nil, badRequest("the image is %d×%d pixels of %d bytes each once decoded, %d bytes; at most %d, please (a smaller or 8-bit image)",
			cfg.Width, cfg.Height, bytesPerPixel(cfg.ColorModel), size, maxDrawBytes)
	}
	l.draws <- struct{}{} // wait for a turn
	defer func() { <-l.draws }()
	img, _, err := image.Decode(bytes.NewReader(body))
	if err != nil {
		return nil, badRequest("not a PNG or JPEG image (%s)", quote(err.Error()))
	}
	pixels, err := mnistForm(img) // predict.go
	if err != nil {
		return nil, badRequest("%v", err)
	}
	x := make([]float64, imageSize)
	for i, v := range pixels {
		x[i] = pixelValue[v] // v/255, as loadBatch scales a data set's pixels
	}
	return x, nil
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
