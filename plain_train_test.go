// plain_train_test.go proves that training the course's plain way (plain_train.go, as the
// exercise trains) gives the program's numbers, bit for bit.

package main

import (
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
	hist, test := trainPlain(net, m, storedSettings, io.Discard, io.Discard, nil, nil)
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

// TestPlainEpochEstimate: the time plain loops should take, against which trainPlain warns, is
// a positive number that grows with the network and the training set.
func TestPlainEpochEstimate(t *testing.T) {
	small := plainEpochSeconds([]int{imageSize, 20, numDigits}, 50000, 10)
	wide := plainEpochSeconds([]int{imageSize, 100, numDigits}, 50000, 10)
	if !(small > 0) || math.IsInf(small, 0) || !(wide > 2*small) {
		t.Errorf("estimated plain epochs: %v s for 784-20-10 and %v s for 784-100-10; want a positive time, growing with the layer", small, wide)
	}
}
