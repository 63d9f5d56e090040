// lab_passes.go holds the passes on one image: the request and answer of /api/forward and
// /api/backward, the forward pass, the backward pass and one SGD step on a copy (runExample),
// the edges with what flows along them, a close look at one unit, the gradient check of
// /api/gradcheck (checkGradient, gradcheck.go) and the search for the next mistake. Each runs on
// the network as it is between two mini-batches, and copies what the runner may change.

package main

import (
	"cmp"
	"context"
	"math"
	"net/http"
	"slices"
)

// passRequest is the body of /api/forward and /api/backward.
type passRequest struct {
	Pixels []float64 `json:"pixels"` // x: 784 values in 0..1, row by row
	Test   *int      `json:"test"`   // or the number of a test image
	Eval   *int      `json:"eval"`   // or the number of an evaluation image (confusion cells)
	Label  *int      `json:"label"`  // y: the true digit
	Unit   *int      `json:"unit"`   // a unit of the first hidden layer to look at closely
	// POST /api/gradcheck only: the parameters to check; without them the server picks.
	Checks []checkRequest `json:"checks"`
}

// checkRequest names one parameter for the gradient check: the weight of layer Layer (counted
// from 1) from input Input (−1: the bias) to unit Unit.
type checkRequest struct {
	Layer int `json:"layer"`
	Unit  int `json:"unit"`
	Input int `json:"input"`
}

// passLayer is one layer's forward pass: a and σ(a) of each unit.
type passLayer struct {
	A []float64 `json:"a"`
	S []float64 `json:"s"`
}

// passUnit is a close look at unit j of the first hidden layer: a_j = Σ_i x_i·w_ji + b_j, and
// in the backward pass ∂L/∂w_ji = δ_j·x_i.
type passUnit struct {
	Layer   int       `json:"layer"` // 1: units of other layers have weights over units, not pixels
	J       int       `json:"j"`
	W       []float64 `json:"w"`       // w_j: its 784 incoming weights
	B       float64   `json:"b"`       // b_j
	Contrib []float64 `json:"contrib"` // x_i·w_ji: which lit pixels push a_j up, which down
	WX      float64   `json:"wx"`      // Σ_i x_i·w_ji, summed in pixel order
	A       float64   `json:"a"`       // a_j as layerForward computed it
	S       float64   `json:"s"`       // σ(a_j)
	Delta   *float64  `json:"delta,omitempty"`
	Grad    []float64 `json:"grad,omitempty"` // ∂L/∂w_j = δ_j·x, as layerGradients computed it
}

// passStep is one SGD step on the example alone, taken on a copy of the network.
type passStep struct {
	Eta             float64   `json:"eta"`
	Lambda          float64   `json:"lambda"`
	N               int       `json:"n"`
	LossAfter       float64   `json:"loss_after"`
	YhatAfter       []float64 `json:"yhat_after"`
	PredictionAfter int       `json:"prediction_after"`
}

// passResponse is the answer of /api/forward, /api/draw and (with the fields from Y to Step, under "backward")
// /api/backward.
type passResponse struct {
	Test       *int        `json:"test,omitempty"`
	Eval       *int        `json:"eval,omitempty"`
	Pixels     []float64   `json:"pixels"`
	Label      *int        `json:"label"`                 // y: the image's label, or the one asked for
	ImageLabel *int        `json:"image_label,omitempty"` // a test or evaluation image's own label
	Layers     []passLayer `json:"layers"`
	Yhat       []float64   `json:"yhat"`
	Prediction int         `json:"prediction"`
	Epoch      int         `json:"epoch"`
	BatchDone  int         `json:"batch_done"`
	Unit       *passUnit   `json:"unit,omitempty"`
	// Edges are the weights between the layers above the input, with what flows along them.
	Edges []passEdges `json:"edges"`
	// backward
	Y          []float64       `json:"y,omitempty"` // the one-hot target: y_k = 1 for the true digit
	Loss       *float64        `json:"loss,omitempty"`
	Delta      [][]float64     `json:"delta,omitempty"`
	Back       [][]float64     `json:"back,omitempty"`   // W_{l+1}ᵀ δ_{l+1} of hidden layer l; null for the output
	DSigma     [][]float64     `json:"dsigma,omitempty"` // σ(a_l)(1 − σ(a_l)) of hidden layer l; null for the output
	Derivation *passDerivation `json:"derivation,omitempty"`
	Step       *passStep       `json:"step,omitempty"`
}

// passEdges is the layer of weights Layer (counted from 1; 2 and up: the first layer's weights
// are the tiles), a_k = Σ_j w_kj·σ(a_j) + b_k over the units j of the layer below, term by term,
// and, in the backward pass, the terms w_kj·δ_k that add up to (Wᵀδ)_j, the signal each edge
// carries back to unit j.
type passEdges struct {
	Layer     int         `json:"layer"`
	W         [][]float64 `json:"w"`                    // w[k][j]
	B         []float64   `json:"b"`                    // b_k
	Terms     [][]float64 `json:"terms"`                // w_kj·σ(a_j)
	BackTerms [][]float64 `json:"back_terms,omitempty"` // w_kj·δ_k
}

// passDerivation is the course's derivation of δ at the output, factor by factor (runExample):
// ∂L/∂ŷ_k (null where ŷ_k is exactly 0 or 1, where it divides by 0), ∂ŷ_k/∂a_k = ŷ_k(1 − ŷ_k),
// and their product, which is δ_k = ŷ_k − y_k up to rounding.
type passDerivation struct {
	DlDyhat []*float64 `json:"dl_dyhat"`
	DyhatDa []float64  `json:"dyhat_da"`
	Product []*float64 `json:"product"`
}

// checkPass checks a pass request against the network and the data set, and returns its input
// as a Pass, with label (0 when none is known), and whether a label is known.
func (l *lab) checkPass(net *Network, q *passRequest, backward bool) (*Pass, bool, error) {
	if q.Unit != nil && (*q.Unit < 0 || *q.Unit >= net.Sizes[1]) {
		return nil, false, badRequest("\"unit\" %d: the first hidden layer has units 0 to %d", *q.Unit, net.Sizes[1]-1)
	}
	if q.Label != nil && (*q.Label < 0 || *q.Label >= numDigits) {
		return nil, false, badRequest("\"label\" %d: want a digit 0 to 9", *q.Label)
	}
	given := 0
	for _, ok := range []bool{q.Pixels != nil, q.Test != nil, q.Eval != nil} {
		if ok {
			given++
		}
	}
	switch {
	case given > 1:
		return nil, false, badRequest("give one of \"pixels\", \"test\" and \"eval\", not both")
	case q.Test != nil || q.Eval != nil:
		if l.data == nil {
			return nil, false, conflict("no test images without the data set: %s", l.dataProblem)
		}
		d, n, name := l.data.Test, q.Test, "test"
		if q.Eval != nil {
			d, n, name = l.data.Eval, q.Eval, "evaluation"
		}
		if *n < 0 || *n >= d.Len() {
			return nil, false, badRequest("%q %d: there are %d %s images, numbered from 0", name[:4], *n, d.Len(), name)
		}
		label := d.Labels[*n]
		if q.Label != nil {
			label = byte(*q.Label) // what if this image were another digit? δ says
		}
		return net.imagePass(d.image(*n), label), true, nil
	case q.Pixels != nil:
		if len(q.Pixels) != imageSize {
			return nil, false, badRequest("\"pixels\" has %d numbers, want %d (28×28, row by row)", len(q.Pixels), imageSize)
		}
		for i, v := range q.Pixels {
			if !(v >= 0 && v <= 1) {
				return nil, false, badRequest("\"pixels\"[%d] is %v, outside 0..1", i, v)
			}
		}
		if backward && q.Label == nil {
			return nil, false, badRequest("\"label\" is required with \"pixels\": the true digit y, 0 to 9")
		}
		label := 0
		if q.Label != nil {
			label = *q.Label
		}
		return net.inputPass(q.Pixels, byte(label)), q.Label != nil, nil
	}
	return nil, false, badRequest("give \"pixels\" (784 numbers in 0..1), \"test\" (the number of a test image) or \"eval\" (of an evaluation image)")
}

// passes runs the forward pass, and the backward pass and step too if asked, on the network as
// it is between two mini-batches: the requests' copy of it (lab_budget.go), so that training
// goes on meanwhile.
func (l *lab) passes(q *passRequest, backward bool) (*passResponse, error) {
	v, done := l.view()
	defer done()
	if v.diverged {
		return nil, conflict("training diverged (%s); reset to start again", v.message)
	}
	if q.Checks != nil {
		return nil, badRequest("\"checks\" belongs to POST /api/gradcheck")
	}
	if err := checkAnswer(v.net.Sizes, backward); err != nil {
		return nil, err
	}
	p, known, err := l.checkPass(v.net, q, backward)
	if err != nil {
		return nil, err
	}
	net := v.net
	var ex *example
	if backward {
		ex = runExample(net, v.sgd, p) // forward, backward, and a step on a copy (explain.go)
	} else {
		net.forward(p) // network.go
	}
	out := len(net.Layers) - 1
	res := &passResponse{Test: q.Test, Eval: q.Eval, Pixels: p.X.row(0), Epoch: v.epoch, BatchDone: v.batchDone,
		Yhat: p.S[out].row(0), Prediction: predict(p.A[out].row(0))}
	if known {
		label := int(p.Labels[0])
		res.Label = &label
	}
	if q.Test != nil {
		own := int(l.data.Test.Labels[*q.Test])
		res.ImageLabel = &own
	} else if q.Eval != nil {
		own := int(l.data.Eval.Labels[*q.Eval])
		res.ImageLabel = &own
	}
	res.Edges = edgesOf(net, p, backward)
	for i := range net.Layers { // i, not l: l is the lab
		res.Layers = append(res.Layers, passLayer{A: p.A[i].row(0), S: p.S[i].row(0)})
	}
	if q.Unit != nil {
		res.Unit = unitLook(net, p, *q.Unit)
	}
	if ex != nil {
		res.Loss = &p.Loss[0]
		res.Y = make([]float64, numDigits)
		res.Y[p.Labels[0]] = 1
		for i := range net.Layers {
			res.Delta = append(res.Delta, p.Delta[i].row(0))
		}
		res.Back, res.DSigma = ex.back, ex.dsigma
		res.Derivation = &passDerivation{DyhatDa: ex.dyhatDa}
		for k := range ex.dlDyhat {
			res.Derivation.DlDyhat = append(res.Derivation.DlDyhat, finiteOrNil(ex.dlDyhat[k]))
			res.Derivation.Product = append(res.Derivation.Product, finiteOrNil(ex.product[k]))
		}
		a := ex.after
		res.Step = &passStep{Eta: ex.sgd.Eta, Lambda: ex.sgd.Lambda, N: ex.sgd.N, LossAfter: a.Loss[0],
			YhatAfter: a.S[out].row(0), PredictionAfter: predict(a.A[out].row(0))}
		if res.Unit != nil {
			d := p.Delta[0].row(0)[*q.Unit]
			res.Unit.Delta, res.Unit.Grad = &d, ex.g.W[0].row(*q.Unit)
		}
	}
	// The answer shares memory with the network (weights) and the pass; copy the weights, which
	// the runner may change as soon as the lock is released.
	if res.Unit != nil {
		res.Unit.W = append([]float64(nil), res.Unit.W...)
	}
	return res, nil
}

// finiteOrNil is a pointer to v, or nil (JSON null) when v is NaN or infinite.
func finiteOrNil(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// edgesOf copies the weights of the layers above the first, with their terms w_kj·σ(a_j) of the
// forward pass in p and, if backward has run, w_kj·δ_k. Copies: the runner changes the weights
// as soon as the lock is released.
func edgesOf(net *Network, p *Pass, backward bool) []passEdges {
	var edges []passEdges
	for l := 1; l < len(net.Layers); l++ {
		layer := net.Layers[l]
		e := passEdges{Layer: l + 1, B: append([]float64(nil), layer.B...)}
		in, delta := p.S[l-1].row(0), p.Delta[l].row(0)
		for k := range layer.W.Rows {
			w := append([]float64(nil), layer.W.row(k)...)
			terms, back := make([]float64, len(w)), make([]float64, len(w))
			for j, wkj := range w {
				terms[j] = wkj * in[j]   // w_kj·σ(a_j): unit j's share of a_k
				back[j] = wkj * delta[k] // w_kj·δ_k: unit k's share of (Wᵀδ)_j
			}
			e.W, e.Terms = append(e.W, w), append(e.Terms, terms)
			if backward {
				e.BackTerms = append(e.BackTerms, back)
			}
		}
		edges = append(edges, e)
	}
	return edges
}

// gradcheckResponse is the answer of POST /api/gradcheck.
type gradcheckResponse struct {
	Eps    float64     `json:"eps"`
	Loss   float64     `json:"loss"` // L of the example, whose slope the checks measure
	Checks []gradCheck `json:"checks"`
}

// gradcheck runs the gradient check (gradcheck.go) on the example of q, on a copy of the network
// as it is between two mini-batches: the check moves weights by ±ε, which the network being
// trained must never see. Without "checks" it picks, for the first-layer unit j of "unit" (or
// the one with the largest |δ_j|): the weights of the three brightest pixels of distinct x_i and the bias, and
// the output layer's weight from unit j (from the unit of the last hidden layer with the
// largest gradient, in a deeper network) to the true digit's unit, and that unit's bias.
func (l *lab) gradcheck(ctx context.Context, q *passRequest) (*gradcheckResponse, error) {
	v, done := l.view()
	if v.diverged {
		done()
		return nil, conflict("training diverged (%s); reset to start again", v.message)
	}
	checks := q.Checks
	q.Checks = nil
	p, _, err := l.checkPass(v.net, q, true)
	if err != nil || len(checks) > maxChecks {
		done()
		if err == nil {
			err = badRequest("\"checks\" has %d entries; at most %d, please", len(checks), maxChecks)
		}
		return nil, err
	}
	net := v.net.clone() // the check moves weights: its own copy, made once the request is known good
	done()
	L := len(net.Layers)
	for i, c := range checks {
		switch {
		case c.Layer < 1 || c.Layer > L:
			return nil, badRequest("\"checks\"[%d]: \"layer\" %d: the network has layers of weights 1 to %d", i, c.Layer, L)
		case c.Unit < 0 || c.Unit >= net.Sizes[c.Layer]:
			return nil, badRequest("\"checks\"[%d]: \"unit\" %d: layer %d has units 0 to %d", i, c.Unit, c.Layer, net.Sizes[c.Layer]-1)
		case c.Input < -1 || c.Input >= net.Sizes[c.Layer-1]:
			return nil, badRequest("\"checks\"[%d]: \"input\" %d: layer %d has inputs 0 to %d, or −1 for the bias", i, c.Input, c.Layer, net.Sizes[c.Layer-1]-1)
		}
	}
	g := net.newGrads()
	net.forward(p)
	net.backward(p, g)
	res := &gradcheckResponse{Eps: gradEps, Loss: p.Loss[0]}
	if checks == nil {
		checks = defaultChecks(net, p, g, q.Unit)
	}
	for _, c := range checks {
		// A client that has left (ctx, the request's) stops the checks: each is two forward
		// passes, a second or more in a wide network, which nobody would read.
		if ctx.Err() != nil {
			return nil, &labError{http.StatusServiceUnavailable, "the gradient check stopped: its client has gone"}
		}
		res.Checks = append(res.Checks, checkGradient(net, p, g, c.Layer, c.Unit, c.Input, gradEps))
	}
	return res, nil
}

// defaultChecks picks the parameters to check when the request names none (see gradcheck).
func defaultChecks(net *Network, p *Pass, g *Grads, unit *int) []checkRequest {
	j := 0
	if unit != nil {
		j = *unit
	} else {
		for i, d := range p.Delta[0].row(0) {
			if math.Abs(d) > math.Abs(p.Delta[0].row(0)[j]) {
				j = i
			}
		}
	}
	x := p.X.row(0)
	bright := sequence(len(x))
	slices.SortStableFunc(bright, func(a, b int) int { return cmp.Compare(x[b], x[a]) }) // brightest first
	// The three brightest pixels of distinct brightness: ∂L/∂w_ji = δ_j·x_i, so two pixels of the
	// same x_i give the same row twice, which reads as a copy. Fewer distinct levels than three
	// (a drawing of pure black and white): the brightest others fill in.
	var picked []int
	for _, i := range bright {
		if len(picked) < 3 && !slices.ContainsFunc(picked, func(k int) bool { return x[k] == x[i] }) {
			picked = append(picked, i)
		}
	}
	for _, i := range bright {
		if len(picked) < 3 && !slices.Contains(picked, i) {
			picked = append(picked, i)
		}
	}
	var checks []checkRequest
	for _, i := range picked {
		checks = append(checks, checkRequest{Layer: 1, Unit: j, Input: i})
	}
	checks = append(checks, checkRequest{Layer: 1, Unit: j, Input: -1})
	out, y := len(net.Layers), int(p.Labels[0])
	from := j
	if out > 2 {
		from = 0
		for i, v := range g.W[out-1].row(y) {
			if math.Abs(v) > math.Abs(g.W[out-1].row(y)[from]) {
				from = i
			}
		}
	}
	return append(checks, checkRequest{Layer: out, Unit: y, Input: from}, checkRequest{Layer: out, Unit: y, Input: -1})
}

// unitLook takes the close look at unit j of the first hidden layer.
func unitLook(net *Network, p *Pass, j int) *passUnit {
	x, w := p.X.row(0), net.Layers[0].W.row(j)
	u := &passUnit{Layer: 1, J: j, W: w, B: net.Layers[0].B[j], Contrib: make([]float64, len(x)),
		A: p.A[0].row(0)[j], S: p.S[0].row(0)[j]}
	for i := range x {
		u.Contrib[i] = x[i] * w[i] // x_i·w_ji
		u.WX += u.Contrib[i]
	}
	return u
}

// nextMistake returns the first test image after the one numbered after, going round, that the
// network gets wrong, or −1 if it gets them all right.
func (l *lab) nextMistake(after int) int {
	v, done := l.view() // the search takes milliseconds: on the requests' copy
	defer done()
	net := v.net
	d := l.data.Test
	p := net.newPass(1)
	for n := 1; n <= d.Len(); n++ {
		i := (after + n) % d.Len()
		p.setImage(0, d.image(i), d.Labels[i])
		net.forward(p)
		if predict(p.A[len(p.A)-1].row(0)) != int(d.Labels[i]) {
			return i
		}
	}
	return -1
}
