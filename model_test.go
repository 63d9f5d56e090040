// model_test.go checks saving and loading a network, classifying a digit from an image file, and
// the -explain printout (as a golden Example).

package main

import (
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trainedTiny returns a network trained for a few epochs on the separable blocks data.
func trainedTiny(t *testing.T) (*Network, Dataset) {
	t.Helper()
	d := blocksData(200, 7)
	net := newNetwork([]int{imageSize, 12, numDigits}, 5)
	tr := newTrainer(net, SGD{Eta: 0.5, Lambda: 1, N: d.Len()}, 10, 2, d.Len())
	defer tr.close()
	for e := 0; e < 3; e++ {
		tr.epoch(d, sequence(d.Len()))
	}
	return net, d
}

func TestSaveLoadRoundTrip(t *testing.T) {
	net, d := trainedTiny(t)
	path := filepath.Join(t.TempDir(), "net.json")
	if err := saveModel(path, net, map[string]string{"epochs": "3"}, map[string]any{"test_accuracy": 0.5}); err != nil {
		t.Fatal(err)
	}
	back, err := loadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	for l := range net.Layers {
		if !sameBits(back.Layers[l].W.Data, net.Layers[l].W.Data) || !sameBits(back.Layers[l].B, net.Layers[l].B) {
			t.Errorf("layer %d: loaded weights differ from the saved ones", l)
		}
	}
	for i := 0; i < d.Len(); i++ {
		if !sameBits(classify(back, d.image(i)), classify(net, d.image(i))) {
			t.Fatalf("image %d: the loaded network's ŷ differs from the saved one's", i)
		}
	}
}

func TestLoadDamaged(t *testing.T) {
	net := newNetwork([]int{imageSize, 3, numDigits}, 1)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := saveModel(good, net, nil, nil); err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(good)
	cases := map[string]struct {
		content string
		want    string
	}{
		"truncated":      {string(text[:len(text)/2]), "damaged"},
		"empty":          {"", "damaged"},
		"not JSON":       {"P6 28 28 255", "not a saved network"},
		"other format":   {strings.Replace(string(text), modelFormat, "something else", 1), "format is"},
		"wrong input":    {strings.Replace(string(text), `"sizes": [`+"\n  784", `"sizes": [`+"\n  783", 1), "want 784 inputs"},
		"too many units": {strings.Replace(string(text), "\n  3,", "\n  4,", 1), "want 4 (one per unit)"},
		"short row":      {strings.Replace(string(text), `"w": [`+"\n    [\n", `"w": [`+"\n    [\n     0.5,\n", 1), "unit 0 has 785 weights"},
	}
	for name, c := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
		os.WriteFile(path, []byte(c.content), 0o644)
		_, err := loadModel(path)
		if err == nil {
			t.Errorf("%s: loaded without error", name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q, want one line naming %s and saying %q", name, err, path, c.want)
		}
	}
	if _, err := loadModel(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}

// TestLoadThroughRun: -load with -epochs 0 evaluates the saved network and prints its accuracy;
// -hidden with -load is a flag error; a damaged file is a one-line error.
func TestLoadThroughRun(t *testing.T) {
	data := tinyDataDir(t)
	out, model := t.TempDir(), filepath.Join(t.TempDir(), "net.json")
	status, stdout1, stderr := runProgram("-data", data, "-download=false", "-out", out, "-epochs", "2", "-save", model)
	if status != 0 {
		t.Fatalf("training run: %d %q", status, stderr)
	}
	status, stdout2, stderr := runProgram("-data", data, "-download=false", "-out", out, "-epochs", "0", "-load", model)
	if status != 0 || stderr != "" {
		t.Fatalf("-load -epochs 0: %d %q", status, stderr)
	}
	last := func(s string) string { l := strings.Split(strings.TrimSpace(s), "\n"); return l[len(l)-1] }
	if last(stdout1) != last(stdout2) || strings.Contains(stdout2, "epoch ") {
		t.Errorf("loaded network: %q, saved one: %q; want the same test accuracy and no training", last(stdout2), last(stdout1))
	}
	if status, _, stderr := runProgram("-data", data, "-out", out, "-load", model, "-hidden", "30"); status != 2 || !strings.Contains(stderr, "-hidden") {
		t.Errorf("-hidden with -load: %d %q", status, stderr)
	}
	os.WriteFile(model, []byte("{"), 0o644)
	if status, _, stderr := runProgram("-data", data, "-out", out, "-load", model, "-epochs", "0"); status != 1 || strings.Count(stderr, "\n") != 1 {
		t.Errorf("damaged model: %d %q", status, stderr)
	}
}

// writeImage writes 784 pixels as a PNG or JPEG the way a person might draw the digit: dark on a
// light ground, zoom times larger, off centre on a wider canvas.
func writeImage(t *testing.T, path string, pixels []byte, zoom int) {
	img := image.NewGray(image.Rect(0, 0, 28*zoom+37, 28*zoom+11))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for k, v := range pixels {
		for dy := 0; dy < zoom; dy++ {
			for dx := 0; dx < zoom; dx++ {
				img.SetGray(30+(k%28)*zoom+dx, 4+(k/28)*zoom+dy, color.Gray{Y: 255 - v})
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".jpg") {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 95})
	} else {
		err = png.Encode(f, img)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestMNISTForm: a bar drawn dark on light comes out light on black, fitted to 20 pixels on its
// long side and centred by its centre of mass at pixel (14, 14), as MNIST's digits are.
func TestMNISTForm(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 300, 200))
	for i := range img.Pix {
		img.Pix[i] = 250
	}
	for y := 20; y < 180; y++ { // a bar 160 tall and 20 wide, left of centre
		for x := 40; x < 60; x++ {
			img.SetGray(x, y, color.Gray{Y: 10})
		}
	}
	pixels, err := mnistForm(img)
	if err != nil {
		t.Fatal(err)
	}
	var mass, mx, my float64
	rows := map[int]bool{}
	for k, v := range pixels {
		if v > 0 {
			rows[k/28] = true
		}
		mass, mx, my = mass+float64(v), mx+float64(v)*float64(k%28), my+float64(v)*float64(k/28)
	}
	if len(rows) != 20 {
		t.Errorf("the digit spans %d rows, want 20", len(rows))
	}
	if cx, cy := mx/mass, my/mass; math.Abs(cx-14) > 0.5 || math.Abs(cy-14) > 0.5 {
		t.Errorf("centre of mass at (%.2f, %.2f), want (14, 14)", cx, cy)
	}
	if pixels[0] != 0 || pixels[14*28+14] < 200 {
		t.Errorf("ground %d, centre %d: want a light digit on black", pixels[0], pixels[14*28+14])
	}
	blank := image.NewGray(image.Rect(0, 0, 50, 50))
	if _, err := mnistForm(blank); err == nil || !strings.Contains(err.Error(), "no digit") {
		t.Errorf("blank image: %v", err)
	}
	notImage := filepath.Join(t.TempDir(), "x.png")
	os.WriteFile(notImage, []byte("hello"), 0o644)
	if _, err := readDigit(notImage); err == nil || !strings.Contains(err.Error(), "not a PNG or JPEG") {
		t.Errorf("not an image: %v", err)
	}
}

// TestPredictImages draws MNIST test digits as image files (PNG and JPEG, dark on light, 4 times
// larger, off centre) and requires the network to classify them as it classifies the originals.
func TestPredictImages(t *testing.T) {
	m := realMNIST(t, "prediction on images made from real MNIST digits")
	net := newNetwork([]int{imageSize, 20, numDigits}, 1)
	tr := newTrainer(net, SGD{Eta: 0.5, Lambda: 5, N: m.Train.Len()}, 10, 2, m.Train.Len())
	tr.epoch(m.Train, sequence(m.Train.Len()))
	tr.close()
	tmp := t.TempDir()
	const n = 60
	agree := 0
	for i := 0; i < n; i++ {
		path := filepath.Join(tmp, "digit"+itoa(i)+[]string{".png", ".jpg"}[i%2])
		writeImage(t, path, m.Test.image(i), 4)
		pixels, err := readDigit(path)
		if err != nil {
			t.Fatal(err)
		}
		if predict(classify(net, pixels)) == predict(classify(net, m.Test.image(i))) {
			agree++
		}
	}
	t.Logf("%d of %d drawn digits classified as their originals", agree, n)
	if agree < n {
		t.Errorf("only %d of %d drawn digits classified as their originals", agree, n)
	}

	// The same through the command line: -load a saved network, -epochs 0, -predict, no data.
	model := filepath.Join(tmp, "net.json")
	if err := saveModel(model, net, nil, nil); err != nil {
		t.Fatal(err)
	}
	status, stdout, stderr := runProgram("-load", model, "-epochs", "0", "-predict", filepath.Join(tmp, "digit0.png"), "-data", filepath.Join(tmp, "no-data-needed"))
	want := "prediction for " + filepath.Join(tmp, "digit0.png") + ": " + itoa(predict(classify(net, m.Test.image(0))))
	if status != 0 || !strings.Contains(stdout, want) || !strings.Contains(stdout, "@@") {
		t.Errorf("-predict: status %d, stderr %q, stdout lacks %q or the digit's picture:\n%s", status, stderr, want, stdout)
	}
}

// The forward and backward pass of one example on a fixed network of 4 hidden units.
func Example_explain() {
	net := newNetwork([]int{imageSize, 4, numDigits}, 1)
	d := blocksData(1, 1)
	explain(os.Stdout, net, SGD{Eta: 0.5, Lambda: 5, N: 50000}, d.image(0), d.Labels[0], "a block image")
	// Output:
	// a block image, a 0: network 784-4-10
	// input x: 784 pixels scaled to 0..1, 50 of them lit (not 0)
	//
	// forward pass (network.go: layerForward, then loss)
	//   layer 1, hidden (4 units): a1 = W1·x + b1
	//     a1    = [0.3787 -0.3619 -0.6054 1.6668]
	//     σ(a1) = [0.5936 0.4105 0.3531 0.8411]
	//   layer 2, output (10 units): a2 = W2·σ(a1) + b2
	//     a2    = [2.9737 -2.0124 0.6163 -0.7000 -0.5629 -0.1027 -1.3568 -1.3368 0.8959 0.4990]
	//     σ(a2) = [0.9514 0.1179 0.6494 0.3318 0.3629 0.4744 0.2048 0.2080 0.7101 0.6222]
	//   ŷ = σ(a2); y is one-hot for the label 0; the network answers 0
	//   L = −Σ_k [(1 − y_k) ln(1 − ŷ_k) + y_k ln ŷ_k] = 5.394477
	//
	// backward pass (backprop.go)
	//   output layer: δ2 = ∂L/∂a = ∂L/∂σ(a)·∂σ(a)/∂a = σ(a) − y   (outputDelta)
	//     k=0: 0.951372 − 1 = -0.048628
	//     k=1: 0.117905 − 0 = +0.117905
	//     k=2: 0.649381 − 0 = +0.649381
	//     k=3: 0.331811 − 0 = +0.331811
	//     k=4: 0.362879 − 0 = +0.362879
	//     k=5: 0.474359 − 0 = +0.474359
	//     k=6: 0.204758 − 0 = +0.204758
	//     k=7: 0.208041 − 0 = +0.208041
	//     k=8: 0.710097 − 0 = +0.710097
	//     k=9: 0.622217 − 0 = +0.622217
	//   the same, factor by factor: ∂L/∂ŷ_k = (ŷ_k − y_k)/(ŷ_k(1 − ŷ_k)) times ∂ŷ_k/∂a_k = ŷ_k(1 − ŷ_k)
	//     k=0: -1.051113e+00 × 4.626290e-02 = -0.048628
	//     k=1: +1.133665e+00 × 1.040037e-01 = +0.117905
	//     k=2: +2.852102e+00 × 2.276852e-01 = +0.649381
	//     k=3: +1.496583e+00 × 2.217126e-01 = +0.331811
	//     k=4: +1.569560e+00 × 2.311977e-01 = +0.362879
	//     k=5: +1.902439e+00 × 2.493425e-01 = +0.474359
	//     k=6: +1.257478e+00 × 1.628320e-01 = +0.204758
	//     k=7: +1.262692e+00 × 1.647600e-01 = +0.208041
	//     k=8: +3.449433e+00 × 2.058591e-01 = +0.710097
	//     k=9: +2.647020e+00 × 2.350631e-01 = +0.622217
	//   layer 1: δ1 = (W2ᵀ δ2) ⊙ σ(a1)(1 − σ(a1))   (hiddenDelta)
	//     j=0: +7.2799e-01 × 2.4125e-01 = +1.7563e-01
	//     j=1: +4.4421e-01 × 2.4199e-01 = +1.0749e-01
	//     j=2: +9.4438e-01 × 2.2842e-01 = +2.1572e-01
	//     j=3: +2.2449e-01 × 1.3362e-01 = +2.9996e-02
	//   gradients: ∂L/∂W = δ·xᵀ, ∂L/∂b = δ   (layerGradients)
	//     layer 1: ∂L/∂W1 is 4×784, ‖∂L/∂W1‖ = 1.611947; ∂L/∂b1 has 4 values, ‖∂L/∂b1‖ = 0.299723
	//     layer 2: ∂L/∂W2 is 10×4, ‖∂L/∂W2‖ = 1.595484; ∂L/∂b2 has 10 values, ‖∂L/∂b2‖ = 1.371626
	//
	// one SGD step on this example alone: W ← (1 − ηλ/n)·W − η·∂L/∂W, b ← b − η·∂L/∂b   (SGD.step)
	//   with η = 0.5, λ = 5, n = 50000: L goes from 5.394477 to 3.424147 (-1.970330)
}
