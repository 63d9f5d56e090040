// bench_test.go measures the parts of training with go test -bench (no timing is asserted in
// any test). The data are MNIST from MNIST_DIR when it is set, else random images of the same
// shape, whose arithmetic costs the same except that they have fewer zero pixels.
//
//	go test -run ^$ -bench . -benchmem
//	go test -run ^$ -bench Epoch -cpuprofile cpu.prof && go tool pprof -top cpu.prof

package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

// benchData returns n training images: MNIST's if MNIST_DIR is set, else random ones.
func benchData(b *testing.B, n int) Dataset {
	if os.Getenv("MNIST_DIR") != "" {
		if m := realMNIST(b, ""); m.Train.Len() >= n {
			return m.Train.slice(0, n)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	d := Dataset{Images: make([]byte, n*imageSize), Labels: make([]byte, n)}
	for i := range d.Images {
		if rng.IntN(5) == 0 { // MNIST has about one lit pixel in five
			d.Images[i] = byte(rng.IntN(256))
		}
	}
	for i := range d.Labels {
		d.Labels[i] = byte(rng.IntN(numDigits))
	}
	return d
}

// benchEpoch trains one epoch of 50,000 images per iteration.
func benchEpoch(b *testing.B, batch, workers int) {
	d := benchData(b, 50000)
	net := newNetwork([]int{imageSize, 20, numDigits}, 1)
	tr := newTrainer(net, SGD{Eta: 0.1, Lambda: 5, N: d.Len()}, batch, workers, d.Len())
	defer tr.close()
	order := sequence(d.Len())
	rng := rand.New(rand.NewPCG(1, 1))
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] }) // as a run does
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.epoch(d, order)
	}
}

func BenchmarkEpochB10W1(b *testing.B)  { benchEpoch(b, 10, 1) }
func BenchmarkEpochB10W2(b *testing.B)  { benchEpoch(b, 10, 2) }
func BenchmarkEpochB100W1(b *testing.B) { benchEpoch(b, 100, 1) }
func BenchmarkEpochB100W2(b *testing.B) { benchEpoch(b, 100, 2) }

// The three steps of one mini-batch of 10 in the course's plain form (network.go, backprop.go),
// on one worker: what -explain and the lab run, not what training runs (BenchmarkEpoch*).
func benchBatch(b *testing.B) (*Network, *Pass, *Grads) {
	d := benchData(b, 10)
	net := newNetwork([]int{imageSize, 20, numDigits}, 1)
	p := net.newPass(10)
	for r := range 10 {
		p.setImage(r, d.image(r), d.Labels[r])
	}
	return net, p, net.newGrads()
}

func BenchmarkForwardB10(b *testing.B) {
	net, p, _ := benchBatch(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		net.forward(p)
	}
}

func BenchmarkBackwardB10(b *testing.B) {
	net, p, g := benchBatch(b)
	net.forward(p)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		net.backward(p, g)
	}
}

func BenchmarkUpdateB10(b *testing.B) {
	net, p, g := benchBatch(b)
	net.forward(p)
	net.backward(p, g)
	sgd := SGD{Eta: 1e-9, Lambda: 5, N: 50000}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sgd.update(net, g, 10)
	}
}

// BenchmarkScore evaluates the 20,000 evaluation and test images' worth of data, on two
// workers; BenchmarkScoreW1 on one.
func BenchmarkScore(b *testing.B)   { benchScore(b, 2) }
func BenchmarkScoreW1(b *testing.B) { benchScore(b, 1) }

func benchScore(b *testing.B, workers int) {
	d := benchData(b, 20000)
	net := newNetwork([]int{imageSize, 20, numDigits}, 1)
	tr := newTrainer(net, SGD{Eta: 0.1, N: 1}, 10, workers, 10)
	defer tr.close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.evaluate(d, nil)
	}
}

// The first layer's products and the loading of a batch, alone, at the shapes training gives
// them: B = 10 and 100 images of the training set, all 20 units (one worker) or half of them
// (one of two workers). They go through layerForwardFast, layerGradientsFast and loadBatch, as training
// does (fast_passes.go). ns/image is the time per image of the batch.
func BenchmarkFirstLayer(b *testing.B) {
	d := benchData(b, 1000)
	net := newNetwork([]int{imageSize, 20, numDigits}, 1)
	g := net.newGrads()
	for _, B := range []int{10, 100} {
		bt := net.newBatch(B)
		p := bt.p
		loadBatch(bt, d, sequence(B))
		forwardFast(net, bt)
		deltasFast(net, p)
		perImage := func(b *testing.B) {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*B), "ns/image")
		}
		for _, units := range [][2]int{{0, 20}, {10, 20}} {
			lo, hi := units[0], units[1]
			b.Run(fmt.Sprintf("forward/B=%d/units=%d..%d", B, lo, hi), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					layerForwardFast(net.Layers[0], p.X, &bt.lit, p.A[0], p.S[0], lo, hi)
				}
				perImage(b)
			})
			b.Run(fmt.Sprintf("gradient/B=%d/units=%d..%d", B, lo, hi), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					layerGradientsFast(g.W[0], g.B[0], p.Delta[0], p.X, &bt.lit, lo, hi)
				}
				perImage(b)
			})
		}
		b.Run(fmt.Sprintf("loadBatch/B=%d", B), func(b *testing.B) {
			order := sequence(d.Len())
			for i := 0; i < b.N; i++ {
				lo := (i * B) % (d.Len() - B + 1)
				loadBatch(bt, d, order[lo:lo+B])
			}
			perImage(b)
		})
	}
}
