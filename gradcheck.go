// gradcheck.go holds the gradient check: a parameter's ∂L/∂θ as the backward pass computes it,
// beside the central finite difference of the loss itself,
//
//	numeric = (L(θ + ε) − L(θ − ε)) / (2ε),
//
// whose error shrinks as ε², and their relative error |analytic − numeric| / max(|analytic|,
// |numeric|). The test suite's gradient check (backprop_test.go) runs it on every weight and
// bias of small networks; the lab (POST /api/gradcheck) runs it on a few parameters of the
// learner's own example, so the page shows the same proof the suite relies on.
//
// How to read the relative error, as CS231n's notes read it: above 1e-2 the gradient is
// probably wrong; 1e-2 to 1e-4 is uncomfortable; 1e-4 to 1e-7 is fine for a loss with kinks
// and still suspicious for a smooth one like ours; below 1e-7 is right. A gradient far smaller
// than the rounding of the loss (about 1e-16 of its terms, over 2ε) is not resolved by finite
// differences: there the relative error says little, and the absolute difference must be small
// instead (TestGradientCheck allows 1e-9, and so does the page).

package main

import "math"

// gradEps is the ε of the central difference: small enough that the ε² error is about 1e-10 of
// the gradient, large enough that the rounding of L, about 1e-16 of its terms (softplus(a_k),
// of the order of a_k), divided by 2ε, stays near 1e-10.
const gradEps = 1e-5

// gradCheck is one parameter's check: the weight of layer Layer (counted from 1, as the page
// counts them) from input Input to unit Unit, or the unit's bias when Input is −1.
type gradCheck struct {
	Layer    int     `json:"layer"`
	Unit     int     `json:"unit"`
	Input    int     `json:"input"`
	Analytic float64 `json:"analytic"`  // ∂L/∂θ from the backward pass (Grads)
	Numeric  float64 `json:"numeric"`   // (L(θ+ε) − L(θ−ε))/2ε
	RelError float64 `json:"rel_error"` // |analytic − numeric| / max(|analytic|, |numeric|); 0 when both are 0
}

// checkGradient compares g's gradient of one parameter of net with the central difference of
// Σ_batch L on the inputs of p, perturbing the parameter by ±eps and putting it back. It runs the
// forward pass twice and leaves p holding a pass of the perturbed network: the caller has
// already taken from p (and g) what it needs. net must not be read by anyone else meanwhile
// (the lab passes a copy).
func checkGradient(net *Network, p *Pass, g *Grads, layer, unit, input int, eps float64) gradCheck {
	l := layer - 1
	param, analytic := &net.Layers[l].B[unit], g.B[l][unit]
	if input >= 0 {
		param, analytic = &net.Layers[l].W.row(unit)[input], g.W[l].row(unit)[input]
	}
	saved := *param
	*param = saved + eps
	up := summedLoss(net, p)
	*param = saved - eps
	down := summedLoss(net, p)
	*param = saved
	numeric := (up - down) / (2 * eps)
	c := gradCheck{Layer: layer, Unit: unit, Input: input, Analytic: analytic, Numeric: numeric}
	if scale := math.Max(math.Abs(analytic), math.Abs(numeric)); scale > 0 {
		c.RelError = math.Abs(analytic-numeric) / scale
	}
	return c
}

// summedLoss is Σ_batch L for net as it is now: the function whose gradient backward computes.
func summedLoss(net *Network, p *Pass) float64 {
	net.forward(p)
	L, _ := lossAndHits(p) // the losses summed in order, as training sums them
	return L
}
