// diverge.go tells when training has diverged, and which setting to change then. The program's
// run (session.go), its lab and the course's loop (plain_train.go, which the exercise's main
// runs with the learner's functions) all stop on the same test and say the same thing.

package main

import (
	"fmt"
	"math"
)

// divergence says what went wrong if training has diverged: a loss or a weight that is no longer
// a finite number. The loss, computed stably from a, stays finite even for a huge η; it is the
// weights that overflow first (-lr 1e308).
func divergence(net *Network, lossSum float64) string {
	for l, layer := range net.Layers {
		if v, bad := layer.nonFinite(); bad {
			return fmt.Sprintf("a weight of layer %d became %v", l+1, v)
		}
	}
	if math.IsNaN(lossSum) || math.IsInf(lossSum, 0) {
		return fmt.Sprintf("the training loss became %v", lossSum)
	}
	return ""
}

// nonFinite returns the first weight or bias of the layer that is NaN or ±Inf, if there is one.
func (layer Layer) nonFinite() (float64, bool) {
	for _, vs := range [][]float64{layer.W.Data, layer.B} {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return v, true
			}
		}
	}
	return 0, false
}

// divergenceAdvice says which setting to change after a divergence, for a run of η eta, λ lambda
// and n training images. The step multiplies every weight by 1 − ηλ/n before it subtracts η
// times its gradient (SGD.shrinkWeights and SGD.step in backprop.go); at −1 or below, that factor
// no longer shrinks a weight but flips its sign and keeps or grows its size, step after step,
// whatever the gradient: then λ is the cause, if it is at least n (the course's is 5, n
// 50,000), and it must stay below 2n/η; with the first epoch's η, the largest. Otherwise η is
// (-lr 1e308 makes that factor −∞ too, with λ = 5).
func divergenceAdvice(eta, lambda, n float64) string {
	if f := 1 - eta*lambda/n; f <= -1 && lambda >= n {
		return fmt.Sprintf("the L2 regularization of -lambda %g made each step multiply every weight by 1 − ηλ/n = %.3g, which grows it; try a -lambda below 2n/η = %.4g",
			lambda, f, 2*n/eta)
	}
	return fmt.Sprintf("try a smaller learning rate than -lr %g", eta)
}
