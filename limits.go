// limits.go holds the bounds a run is held to, and how it states them: the memory a run may
// take (maxMemory), which memory.go checks the network against and mnist.go a data file; the
// time an epoch of the course's loop (trainPlain, plain_train.go) may take before the learner
// is told that a loop does too much work (slowFactor, plainEpochSeconds); and how sizes are
// printed in what they refuse (bytesString, joinInts).

package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// maxMemory is the most a run may need by memory.go's count: 4 GiB, a sixth of the 24 GB of the
// machine the program was developed on (an AMD EPYC with 2 CPUs) and half of a laptop with 8 GB.
// Past it the program refuses to start.
const maxMemory = 4 << 30

// bytesString writes a size in bytes the way people read it, three digits: 1.6 GB, 34 GB, 820 MB,
// 500 kB. It is the one way the program prints a size: memory.go and mnist.go's refusals, and a
// download's lines (download.go).
func bytesString(b float64) string {
	switch {
	case b >= 1e9:
		return fmt.Sprintf("%.3g GB", b/1e9)
	case b >= 1e6:
		return fmt.Sprintf("%.3g MB", b/1e6)
	}
	return fmt.Sprintf("%.3g kB", b/1e3)
}

// joinInts writes 784, 20, 10 as "784-20-10": the way a network's Sizes are shown, in the first
// lines of a run, in report.html's settings, by -explain and in memory.go's refusals.
func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, sep)
}

// slowFactor is how many times the estimate of plainEpochSeconds an epoch may take before
// trainPlain says so. The estimate is of the multiply-adds alone, in the fastest plain loop;
// plain loops through Matrix.at take two to four times it, and a busy computer more.
const slowFactor = 10

// plainEpochSeconds estimates how long an epoch of plain loops takes on this computer: its
// multiply-adds (plainEpochWork) at the rate this computer runs a plain loop of them
// (plainLoopRate).
func plainEpochSeconds(sizes []int, n, batch int) float64 {
	return plainEpochWork(sizes, n, batch) / plainLoopRate()
}

// plainEpochWork counts the multiply-adds of an epoch of n images in mini-batches of batch: those
// of the forward pass, three times over (forward, δ sent down, gradients), for every image, and
// the step's, one for every weight and bias, for every mini-batch.
func plainEpochWork(sizes []int, n, batch int) float64 {
	var macs, weights float64
	for l := 1; l < len(sizes); l++ {
		macs += float64(float64(sizes[l-1]) * float64(sizes[l]))
		weights += float64(float64(sizes[l-1])*float64(sizes[l])) + float64(sizes[l])
	}
	return float64(3*macs*float64(n)) + float64(weights*float64(n/batch))
}

// plainLoopRate measures, for 20 ms, how many multiply-adds a second this computer runs in a
// plain loop over two slices.
func plainLoopRate() float64 {
	x, y := make([]float64, 1<<14), make([]float64, 1<<14)
	for i := range x {
		x[i], y[i] = float64(i%7)/7, float64(i%5)/5
	}
	start, count := time.Now(), 0.0
	var sum float64
	for time.Since(start) < 20*time.Millisecond {
		for i := range x {
			sum += float64(x[i] * y[i])
		}
		count += float64(len(x))
	}
	if math.IsNaN(sum) { // never: a use of sum, so that the loop is not left out
		return 1
	}
	return count / time.Since(start).Seconds()
}
