// plain_train_test.go proves that training the course's plain way (plain_train.go, as the
// exercise trains) gives the program's numbers, bit for bit.

package main

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPlainTrainingIsTheProgram trains three epochs of a small network on made-up data twice:
// with the program (workers, fast passes, the session) and with trainPlain (trainBatch alone).
// Every figure of every epoch, the test accuracy and every weight must be the same bits.
func TestPlainTrainingIsTheProgram(t *testing.T) {
	dir, _, out, save := storedRun(t)
	program, err := loadModel(save)
	if err != nil {
		t.Fatal(err)
	}
	m := readData(t, dir)
	net := newNetwork([]int{imageSize, 9, numDigits}, 5)
	hist, test, err := trainPlain(net, m, storedSettings, io.Discard, io.Discard, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for l := range net.Layers {
		if !sameBits(net.Layers[l].W.Data, program.Layers[l].W.Data) || !sameBits(net.Layers[l].B, program.Layers[l].B) {
			t.Errorf("layer %d: trained plainly, the weights differ from the program's", l+1)
		}
	}
	csv, err := os.ReadFile(filepath.Join(out, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(csv)), "\n")[1:]
	if len(rows) != len(hist) {
		t.Fatalf("%d epochs in history.csv, %d trained plainly", len(rows), len(hist))
	}
	for e, row := range rows {
		f := strings.Split(row, ",")
		h := hist[e]
		for i, v := range []float64{h.TrainLoss, h.TrainAcc, h.Eval.Loss, h.Eval.Acc()} {
			want, _ := strconv.ParseFloat(f[i+1], 64)
			if math.Float64bits(v) != math.Float64bits(want) {
				t.Errorf("epoch %d, %s: plainly %v, the program %v", e+1, historyHeader[i+1], v, want)
			}
		}
	}
	if test.Hits != 100 || test.N != 100 { // the program's: test accuracy 1.0000 (100/100), TestStoredRun
		t.Errorf("test score plainly %d/%d, the program's 100/100", test.Hits, test.N)
	}
}

// TestPlainEpochEstimate: the work of an epoch, against which trainPlain's warning measures the
// time plain loops should take, counted by hand: for 784-20-10, 784·20 + 20·10 = 15,880
// multiply-adds a pass, three passes for each of 50,000 images, and 15,680 + 20 + 200 + 10 =
// 15,910 weights and biases stepped for each of 5,000 mini-batches. The rate it is divided by is
// measured, so it is only checked to be a positive, finite number (no timing assertion).
func TestPlainEpochEstimate(t *testing.T) {
	for _, c := range []struct {
		sizes    []int
		n, batch int
		multAdds float64
	}{
		{[]int{784, 20, 10}, 50000, 10, 3*15880*50000 + 15910*5000},
		{[]int{784, 100, 30, 10}, 50000, 100, 3*(78400+3000+300)*50000 + (78400+100+3000+30+300+10)*500},
	} {
		if got := plainEpochWork(c.sizes, c.n, c.batch); got != c.multAdds {
			t.Errorf("plainEpochWork(%v, %d, %d) = %v, want %v", c.sizes, c.n, c.batch, got, c.multAdds)
		}
	}
	if rate := plainLoopRate(); !(rate > 0) || math.IsInf(rate, 0) {
		t.Errorf("plainLoopRate() = %v multiply-adds a second; want a positive number", rate)
	}
}

// TestPlainTrainingStopsWhenItDiverges: the course's loop, which the exercise's main runs with
// the learner's functions, stops at the epoch whose weights overflow (-lr 1e308) or whose L2
// factor 1 − ηλ/n falls to −1 or below (-lambda 1e308), with the program's one line and
// advice, instead of training on NaN to a test accuracy of one image in ten.
func TestPlainTrainingStopsWhenItDiverges(t *testing.T) {
	m := readData(t, labData(t, 60, 20))
	for _, c := range []struct {
		lr, lambda float64
		want       string
	}{
		{1e308, 5, "try a smaller learning rate than -lr 1e+308"},
		{0.5, 1e308, "the L2 regularization of -lambda 1e+308"},
	} {
		s := storedSettings
		s.epochs, s.lr, s.lambda = 3, c.lr, c.lambda
		var out bytes.Buffer
		hist, _, err := trainPlain(newNetwork([]int{imageSize, 9, numDigits}, 5), m, s, &out, io.Discard, nil, nil)
		if err == nil || !strings.Contains(err.Error(), "training diverged in epoch 1") || !strings.Contains(err.Error(), c.want) || len(hist) != 0 {
			t.Errorf("-lr %g -lambda %g: %d epochs, error %v; want it to stop in epoch 1 saying %q", c.lr, c.lambda, len(hist), err, c.want)
		}
		if strings.Contains(out.String(), "test accuracy") {
			t.Errorf("-lr %g -lambda %g: a diverged run still printed %q", c.lr, c.lambda, out.String())
		}
	}
}
