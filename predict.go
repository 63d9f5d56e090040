// predict.go classifies a digit from an image file, a PNG or JPEG of any size, drawn dark on
// light or light on dark. It first brings the picture to the form of the MNIST images, the way
// the data set was made: grey levels, the digit bright on a black ground, fitted into a 20×20
// box keeping its aspect ratio, and placed in the 28×28 frame so that its centre of mass is at
// the centre. Then it shows that 28×28 input as text, and the ten outputs ŷ_k as a bar chart.

package main

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // registers JPEG with image.Decode
	_ "image/png"  // registers PNG with image.Decode
	"io"
	"math"
	"strings"
)

// readDigit reads an image file and returns it as 784 MNIST-style pixels.
func readDigit(path string) ([]byte, error) {
	b, err := readPicture(path) // measured before it is decoded (decodecost.go)
	if err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("-predict %s: not a PNG or JPEG image (%v)", path, err)
	}
	pixels, err := mnistForm(img)
	if err != nil {
		return nil, fmt.Errorf("-predict %s: %v", path, err)
	}
	return pixels, nil
}

// mnistForm turns a picture of one digit into 784 pixels as MNIST has them.
func mnistForm(img image.Image) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < 1 || h < 1 || w*h > 1<<26 {
		return nil, fmt.Errorf("image is %d×%d pixels; want a picture of one digit", w, h)
	}
	// Grey levels 0..1, transparent parts taken as white paper. The images the standard library
	// decodes give their colours without allocating (RGBA64At); At would allocate one a pixel,
	// which made the lab's drawings ten times slower (measured on an AMD EPYC with 2 CPUs). Both
	// give the same numbers.
	rgba := func(x, y int) (r, g, b, a uint32) { return img.At(x, y).RGBA() }
	if im, ok := img.(image.RGBA64Image); ok {
		rgba = func(x, y int) (r, g, b, a uint32) {
			c := im.RGBA64At(x, y)
			return uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)
		}
	}
	grey := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, a := rgba(b.Min.X+x, b.Min.Y+y) // premultiplied by alpha, 0..0xffff
			over := float64(0xffff - a)               // white showing through
			lum := float64(0.299*(float64(r)+over)) + float64(0.587*(float64(g)+over)) + float64(0.114*(float64(bl)+over))
			grey[y*w+x] = lum / 0xffff
		}
	}
	// The ground is what the border shows. MNIST digits are light on black: invert a light
	// ground, then stretch so that the ground is 0 and the strongest ink 1.
	var border float64
	for x := 0; x < w; x++ {
		border += grey[x] + grey[(h-1)*w+x]
	}
	for y := 0; y < h; y++ {
		border += grey[y*w] + grey[y*w+w-1]
	}
	border /= float64(2*w + 2*h)
	if border > 0.5 {
		for i := range grey {
			grey[i] = 1 - grey[i]
		}
		border = 1 - border
	}
	peak := 0.0
	for _, v := range grey {
		peak = math.Max(peak, v)
	}
	if peak-border < 0.1 {
		return nil, fmt.Errorf("no digit found: the image is nearly uniform")
	}
	for i, v := range grey {
		grey[i] = math.Max(0, math.Min(1, (v-border)/(peak-border)))
	}
	// The digit's bounding box, ignoring faint specks.
	x0, y0, x1, y1 := w, h, -1, -1
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if grey[y*w+x] > 0.1 {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x+1), max(y1, y+1)
			}
		}
	}
	// Fit the box into 20×20, keeping its aspect ratio; each new pixel is the mean of the area
	// of the picture it covers, which gives the grey edges MNIST's anti-aliasing gave.
	scale := 20 / float64(max(x1-x0, y1-y0))
	sw, sh := max(1, int(math.Round(float64(x1-x0)*scale))), max(1, int(math.Round(float64(y1-y0)*scale)))
	small := make([]float64, sw*sh)
	for ty := 0; ty < sh; ty++ {
		for tx := 0; tx < sw; tx++ {
			small[ty*sw+tx] = areaMean(grey, w, float64(x0)+float64(tx)/scale, float64(y0)+float64(ty)/scale, 1/scale)
		}
	}
	// Centre of mass of the ink, then a whole-pixel shift that puts it at pixel (14, 14) of the
	// 28×28 frame, counting pixels from 0, which is where MNIST's own digits have it.
	var mass, mx, my float64
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			v := small[y*sw+x]
			mass, mx, my = mass+v, mx+float64(v*float64(x)), my+float64(v*float64(y))
		}
	}
	dx, dy := int(math.Round(14-mx/mass)), int(math.Round(14-my/mass))
	pixels := make([]byte, imageSize)
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			px, py := x+dx, y+dy
			if px >= 0 && px < imageCols && py >= 0 && py < imageRows {
				pixels[py*imageCols+px] = byte(math.Round(255 * small[y*sw+x]))
			}
		}
	}
	return pixels, nil
}

// areaMean is the mean of grey (w pixels a row) over the square of side s whose top left
// corner is (x, y), each pixel weighted by how much of it the square covers.
func areaMean(grey []float64, w int, x, y, s float64) float64 {
	h := len(grey) / w
	var sum, area float64
	for py := int(y); py < h && float64(py) < y+s; py++ {
		cy := math.Min(float64(py+1), y+s) - math.Max(float64(py), y)
		for px := int(x); px < w && float64(px) < x+s; px++ {
			cx := math.Min(float64(px+1), x+s) - math.Max(float64(px), x)
			sum += float64(grey[py*w+px] * cx * cy)
			area += float64(cx * cy)
		}
	}
	if area == 0 {
		return 0
	}
	return sum / area
}

// classify runs the forward pass on one image and returns the ten outputs ŷ.
func classify(net *Network, pixels []byte) []float64 {
	p := net.imagePass(pixels, 0) // the label only enters L, which is not used here
	net.forward(p)
	return append([]float64(nil), p.S[len(p.S)-1].row(0)...)
}

// digitArt draws 784 pixels as 28 lines of text, darker characters for brighter pixels.
func digitArt(pixels []byte) string {
	const ramp = " .:-=+*#%@"
	var b strings.Builder
	for y := 0; y < imageRows; y++ {
		b.WriteString("  |")
		for x := 0; x < imageCols; x++ {
			c := ramp[int(pixels[y*imageCols+x])*(len(ramp)-1)/255]
			b.WriteByte(c)
			b.WriteByte(c) // two characters a pixel, as terminal cells are about twice as tall as wide
		}
		b.WriteString("|\n")
	}
	return b.String()
}

// printPrediction shows the input the network saw, its ten outputs and its answer.
func printPrediction(w io.Writer, name string, pixels []byte, yhat []float64) int {
	fmt.Fprintf(w, "%s as the network sees it (28×28, digit fitted into 20×20 and centred by its centre of mass):\n", name)
	fmt.Fprint(w, digitArt(pixels))
	best := predict(yhat)
	fmt.Fprintln(w, "outputs ŷ_k = σ(a_k):")
	for k, v := range yhat {
		mark := ""
		if k == best {
			mark = "  <- prediction"
		}
		fmt.Fprintf(w, "  %d  %.4f %s%s\n", k, v, strings.Repeat("█", int(math.Round(40*v))), mark)
	}
	fmt.Fprintf(w, "prediction for %s: %d\n", name, best)
	return best
}

// predictOnly classifies the -predict image with the -load network, without any data set.
func predictOnly(c *config, stdout io.Writer) error {
	net, err := loadModel(c.load)
	if err != nil {
		return err
	}
	pixels, err := readDigit(c.predict)
	if err != nil {
		return err
	}
	printPrediction(stdout, c.predict, pixels, classify(net, pixels))
	return nil
}
