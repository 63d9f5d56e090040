// formulas_test.go pins the parts of the math around the steps of steps_test.go: the rule of
// predict on a tie, the mean loss and the accuracy of evaluate, the η schedule of a session, the
// sums of lossAndHits, the scale of the initial weights, the pixel scale; and, to catch any slip
// the targeted tests miss (a dropped factor, a lost term, a wrong constant, an off-by-one
// anywhere in training, evaluation or the report's numbers), a short run of the whole program on
// a made-up data set whose every number is stored. All run without MNIST_DIR.

package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestPredictTies: the largest output wins, and on an exact tie the first of the tied units.
func TestPredictTies(t *testing.T) {
	for _, c := range []struct {
		a    []float64
		want int
	}{
		{[]float64{0.1, 0.7, 0.2}, 1},
		{[]float64{0.1, 0.7, 0.7, 0.2}, 1},  // tie: the first
		{[]float64{0.3, 0.3, 0.3}, 0},       // all equal: unit 0
		{[]float64{-5, -2, -3, -2}, 1},      // negative a, as training passes them
		{[]float64{1, 1, 1, 1, 1, 1, 2}, 6}, // the last unit
		{[]float64{4}, 0},
	} {
		if got := predict(c.a); got != c.want {
			t.Errorf("predict(%v) = %d, want %d", c.a, got, c.want)
		}
	}
}

// TestLossAndHits: the sum of the samples' losses, in order, and the count of right answers.
func TestLossAndHits(t *testing.T) {
	net := newNetwork([]int{2, 3}, 1)
	p := net.newPass(4)
	copy(p.A[0].Data, []float64{0, 2, 1, 5, 1, 1, -1, -2, -3, 0, 0, 9})
	copy(p.Labels, []byte{1, 0, 2, 2}) // predicted 1, 0, 0, 2: three right
	copy(p.Loss, []float64{0.5, 0.25, 2, 0.125})
	sum, hits := lossAndHits(p)
	if sum != 2.875 || hits != 3 {
		t.Errorf("lossAndHits = %v, %d; want 2.875, 3", sum, hits)
	}
}

// TestEvaluateMeanLoss: evaluate's loss is the mean over the images of L, its hits the images
// predicted right, and its predictions those of predict, on a data set of several chunks
// (evalChunk) and a partial one, with two workers. The network is untrained, so that some
// answers are right and most are wrong.
func TestEvaluateMeanLoss(t *testing.T) {
	d := blocksData(2*evalChunk+37, 5)
	net := newNetwork([]int{imageSize, 7, numDigits}, 2)
	tr := newTrainer(net, SGD{Eta: 0.5, N: d.Len()}, 10, 2, d.Len())
	defer tr.close()
	pred := make([]byte, d.Len())
	s := tr.evaluate(d, pred)

	var sum float64
	hits := 0
	for i := 0; i < d.Len(); i++ {
		p := net.imagePass(d.image(i), d.Labels[i])
		net.forward(p)
		sum += p.Loss[0]
		k := predict(p.A[len(p.A)-1].row(0))
		if k == int(d.Labels[i]) {
			hits++
		}
		if pred[i] != byte(k) {
			t.Fatalf("image %d: evaluate predicts %d, predict %d", i, pred[i], k)
		}
	}
	if s.N != d.Len() || s.Hits != hits || math.Abs(s.Loss-sum/float64(d.Len())) > 1e-12*sum {
		t.Errorf("evaluate: loss %.15g, hits %d of %d; want the mean %.15g, %d of %d", s.Loss, s.Hits, s.N, sum/float64(d.Len()), hits, d.Len())
	}
	if hits == 0 || hits == d.Len() {
		t.Fatalf("%d of %d right: the test needs some right and some wrong", hits, d.Len())
	}
	if want := float64(hits) / float64(d.Len()); s.Acc() != want {
		t.Errorf("Acc() = %v, want %v", s.Acc(), want)
	}
}

// TestEtaSchedule: epoch e trains with η_e = η·(1 − decay)^(e−1): η itself in the first epoch.
func TestEtaSchedule(t *testing.T) {
	d := blocksData(40, 1)
	c := &config{trainSettings: trainSettings{lr: 0.5, etaDecay: 0.25, lambda: 2, batch: 10, epochs: 3}, workers: 1, reportSettings: reportSettings{out: t.TempDir()}}
	net := newNetwork([]int{imageSize, 5, numDigits}, 1)
	r := newSession(c, &MNIST{Train: d, Eval: d, Test: d}, net, io.Discard, &sync.Mutex{})
	defer r.close()
	for e, want := range []float64{0.5, 0.375, 0.28125} { // 0.5, 0.5·0.75, 0.5·0.75²: exact in binary
		if got := r.eta(e + 1); got != want {
			t.Errorf("eta(%d) = %v, want %v", e+1, got, want)
		}
		if got := r.nextSGD(); got.Eta != want || got.Lambda != 2 || got.N != d.Len() {
			t.Errorf("before epoch %d: the next step is %+v, want η %v, λ 2, n %d", e+1, got, want, d.Len())
		}
		r.beginEpoch()
		if got := r.tr.sgd.Eta; got != want {
			t.Errorf("epoch %d trains with η %v, want %v", e+1, got, want)
		}
		for last := false; !last; {
			last, _ = r.step()
		}
		if _, err := r.endEpoch(0, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// TestInitialWeights: W from N(0, 1/n), n the unit's inputs, and b from N(0, 1), as in
// Nielsen's network2.py; the same seed, the same network.
func TestInitialWeights(t *testing.T) {
	net := newNetwork([]int{imageSize, 400, numDigits}, 3)
	meanVar := func(v []float64) (float64, float64) {
		var m, q float64
		for _, x := range v {
			m += x
		}
		m /= float64(len(v))
		for _, x := range v {
			q += (x - m) * (x - m)
		}
		return m, q / float64(len(v))
	}
	var biases []float64
	for l, layer := range net.Layers {
		n := float64(net.Sizes[l])
		// Four standard errors: the mean of N draws of variance 1/n is within 4·√(1/(nN)) of 0,
		// their variance within 4·√(2/N) of 1/n, relatively.
		N := float64(len(layer.W.Data))
		if m, v := meanVar(layer.W.Data); math.Abs(m) > 4/math.Sqrt(n*N) || math.Abs(v*n-1) > 4*math.Sqrt(2/N) {
			t.Errorf("layer %d: weights of mean %.3g and variance %.4g·(1/n), want 0 and 1/n", l, m, v*n)
		}
		biases = append(biases, layer.B...)
	}
	N := float64(len(biases))
	if m, v := meanVar(biases); math.Abs(m) > 4/math.Sqrt(N) || math.Abs(v-1) > 4*math.Sqrt(2/N) {
		t.Errorf("biases of mean %.3g and variance %.3g, want 0 and 1", m, v)
	}
	again := newNetwork([]int{imageSize, 400, numDigits}, 3)
	for l := range net.Layers {
		if !sameBits(net.Layers[l].W.Data, again.Layers[l].W.Data) || !sameBits(net.Layers[l].B, again.Layers[l].B) {
			t.Errorf("layer %d: the same seed gave other weights", l)
		}
	}
}

// TestPixelScale: a pixel of brightness v enters the network as v/255, the float64 nearest to
// it. The expected values are not computed by a float64 division, as pass.go computes them:
// nine are written out (the shortest decimals that read back to the nearest float64), and every
// one of the 256 is checked in exact rational arithmetic to be nearer to v/255 than either of
// its float64 neighbours.
func TestPixelScale(t *testing.T) {
	for v, want := range map[int]float64{0: 0, 1: 0.00392156862745098, 2: 0.00784313725490196,
		51: 0.2, 127: 0.4980392156862745, 128: 0.5019607843137255, 200: 0.7843137254901961,
		254: 0.996078431372549, 255: 1} {
		if pixelValue[v] != want {
			t.Errorf("pixel %d enters as %v, want %v", v, pixelValue[v], want)
		}
	}
	dist := func(x float64, exact *big.Rat) *big.Rat { // |x − exact|, exactly
		d := new(big.Rat).SetFloat64(x)
		return d.Abs(d.Sub(d, exact))
	}
	for v, got := range pixelValue {
		exact := big.NewRat(int64(v), 255)
		own := dist(got, exact)
		for _, next := range []float64{math.Nextafter(got, -1), math.Nextafter(got, 2)} {
			if dist(next, exact).Cmp(own) < 0 {
				t.Errorf("pixel %d enters as %v, but %v is nearer to %d/255", v, got, next, v)
			}
		}
	}
}

// TestStoredRun trains the program for three epochs on a made-up, learnable data set and
// compares every number it reports (history.csv without the seconds, the last line) and a
// digest of the trained weights with the numbers stored here. The program is deterministic bit
// for bit, so these change only if the arithmetic of training, evaluation or reporting
// changes: any slip anywhere in them fails this test, with or without MNIST_DIR.
func TestStoredRun(t *testing.T) {
	_, stdout, out, save := storedRun(t)
	hist, err := os.ReadFile(filepath.Join(out, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(string(hist)), "\n") {
		rows = append(rows, line[:strings.LastIndexByte(line, ',')]) // without the seconds
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	net, err := loadModel(save)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, layer := range net.Layers {
		for _, v := range append(append([]float64{}, layer.W.Data...), layer.B...) {
			binary.Write(h, binary.LittleEndian, math.Float64bits(v))
		}
	}
	got := strings.Join(append(rows, lines[len(lines)-1], "weights "+hex.EncodeToString(h.Sum(nil))[:16]), "\n")
	const want = `epoch,train_loss,train_acc,eval_loss,eval_acc
1,2.934509176651154,0.5376712328767124,2.1780739464858843,1
2,1.7074875558745664,0.9657534246575342,1.3129431768190258,1
3,1.11016423852057,1,0.9400284522817756,1
test accuracy: 1.0000 (100/100)
weights eba38258747fe5d0`
	if got != want {
		t.Errorf("the numbers of a 3-epoch run changed: some arithmetic of training, evaluation or the report changed"+
			" (the same seed must give the same bits; if the change is meant, store these):\n%s\nwant\n%s", got, want)
	}
}
