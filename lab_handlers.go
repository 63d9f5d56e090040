// lab_handlers.go holds the handlers of the lab's JSON interface (docs/lab-api.md): each reads
// its request, hands it to the runner or to the passes, and answers with what they return.

package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

func (l *lab) getState(w http.ResponseWriter, r *http.Request) (any, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.state(), nil
}

// postTrain hands the action to the runner and answers, once it is carried out, with the state.
func (l *lab) postTrain(w http.ResponseWriter, r *http.Request) (any, error) {
	var q struct {
		Action string       `json:"action"`
		Pace   *json.Number `json:"pace"` // with "pace": mini-batches a second, 0 for full speed
	}
	if err := readJSON(w, r, &q); err != nil {
		return nil, err
	}
	var pace float64
	switch {
	case q.Action == "pace" && q.Pace == nil:
		return nil, badRequest("\"action\": \"pace\" needs \"pace\": mini-batches a second, or 0 for full speed")
	case q.Action != "pace" && q.Pace != nil:
		return nil, badRequest("\"pace\" goes with \"action\": \"pace\" only")
	case q.Pace != nil:
		// Read from its text, so that 1e-400, which a float64 rounds to 0, is not taken for 0
		// (full speed, the opposite of what was asked): a pace of 0 is written with zeros only.
		text := string(*q.Pace)
		var err error
		if pace, err = strconv.ParseFloat(text, 64); err != nil || (pace == 0 && strings.ContainsAny(strings.SplitN(strings.ToLower(text), "e", 2)[0], "123456789")) {
			return nil, badRequest("\"pace\" %s: want 0 (full speed) or 0.1 to %d mini-batches a second", quote(text), maxPace)
		}
		if !(pace == 0 || (pace >= 0.1 && pace <= maxPace)) {
			return nil, badRequest("\"pace\" %v: want 0 (full speed) or 0.1 to %d mini-batches a second", pace, maxPace)
		}
	}
	reply := make(chan error, 1)
	select {
	case l.cmds <- labCmd{action: q.Action, pace: pace, reply: reply}:
	case <-l.quit:
		return nil, &labError{http.StatusServiceUnavailable, "the lab is stopping"}
	}
	if err := <-reply; err != nil {
		return nil, err
	}
	return l.getState(w, r)
}

func (l *lab) postPass(backward bool) func(w http.ResponseWriter, r *http.Request) (any, error) {
	return func(w http.ResponseWriter, r *http.Request) (any, error) {
		var q passRequest
		if err := readJSON(w, r, &q); err != nil {
			return nil, err
		}
		return l.passes(&q, backward)
	}
}

func (l *lab) postGradcheck(w http.ResponseWriter, r *http.Request) (any, error) {
	var q passRequest
	if err := readJSON(w, r, &q); err != nil {
		return nil, err
	}
	return l.gradcheck(r.Context(), &q)
}

// getConfusion answers GET /api/confusion?true=i&pred=j: the evaluation images that the
// confusion matrix shown counts in row i, column j (the predictions of the network at the end
// of epoch "epoch"), the first cellImages of them in order, and how many there are.
func (l *lab) getConfusion(w http.ResponseWriter, r *http.Request) (any, error) {
	if l.data == nil {
		return nil, conflict("no confusion matrix without the data set: %s", l.dataProblem)
	}
	var digits [2]int
	for i, name := range []string{"true", "pred"} {
		s := r.URL.Query().Get(name)
		d, err := strconv.Atoi(s)
		if err != nil || d < 0 || d >= numDigits {
			return nil, badRequest("%s %q: want a digit 0 to 9", name, quote(s))
		}
		digits[i] = d
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	res := struct {
		Set   string `json:"set"`
		Epoch int    `json:"epoch"`
		True  int    `json:"true"`
		Pred  int    `json:"pred"`
		Count int    `json:"count"`
		Tests []int  `json:"tests"`
	}{Set: "evaluation", Epoch: l.confEpoch, True: digits[0], Pred: digits[1], Tests: []int{}}
	for i, y := range l.data.Eval.Labels {
		if int(y) == digits[0] && int(l.confPred[i]) == digits[1] {
			if res.Count++; len(res.Tests) < cellImages {
				res.Tests = append(res.Tests, i)
			}
		}
	}
	return res, nil
}

// postDraw answers POST /api/draw: a drawing, as a PNG or JPEG, or as the canvas's own grey
// levels (Content-Type application/octet-stream, ?width=W&height=H: W·H bytes, row by row, 0
// black to 255 white), which the page sends because encoding a PNG took it up to seconds on a
// busy machine. With ?label=y the answer is the backward pass's, as /api/backward gives it.
func (l *lab) postDraw(w http.ResponseWriter, r *http.Request) (any, error) {
	var q passRequest
	query := r.URL.Query()
	for _, f := range []struct {
		name, want string
		to         **int
	}{{"unit", "the number of a first-layer unit", &q.Unit}, {"label", "the true digit, 0 to 9", &q.Label}} {
		if s := query.Get(f.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return nil, badRequest("%s %q: want %s", f.name, quote(s), f.want)
			}
			*f.to = &n
		}
	}
	var width, height int
	grey := r.Header.Get("Content-Type") == "application/octet-stream"
	if grey { // the size comes first: the body is refused unread if it cannot be a drawing
		var err error
		if width, height, err = greySize(query.Get("width"), query.Get("height")); err != nil {
			return nil, err
		}
	}
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	if grey {
		q.Pixels, err = l.greyPixels(body, width, height)
	} else {
		q.Pixels, err = l.drawPixels(body)
	}
	if err != nil {
		return nil, err
	}
	return l.passes(&q, q.Label != nil)
}

func (l *lab) getMistake(w http.ResponseWriter, r *http.Request) (any, error) {
	if l.data == nil {
		return nil, conflict("no test images without the data set: %s", l.dataProblem)
	}
	after := -1
	if s := r.URL.Query().Get("after"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < -1 || n >= l.data.Test.Len() {
			return nil, badRequest("after %q: want the number of a test image, 0 to %d", quote(s), l.data.Test.Len()-1)
		}
		after = n
	}
	l.mu.RLock()
	diverged, message := l.diverged, l.message
	l.mu.RUnlock()
	if diverged {
		return nil, conflict("training diverged (%s); reset to start again", message)
	}
	i := l.nextMistake(after)
	if i < 0 {
		return nil, &labError{http.StatusNotFound, "the network gets every test image right"}
	}
	return map[string]int{"test": i}, nil
}

func (l *lab) getNetwork(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkNetworkAnswer(l.net.Sizes); err != nil {
		return nil, err
	}
	// The requests' copy (lab_budget.go), which the answer shares: checkNetworkAnswer keeps the
	// network within maxSnapshot, so it is a copy, never the network being trained.
	v, done := l.view()
	defer done()
	return struct {
		savedModel
		Epoch    int  `json:"epoch"`
		Training bool `json:"training"`
	}{toSaved(v.net, nil, nil), v.epoch, v.training}, nil
}

func (l *lab) getWeights(w http.ResponseWriter, r *http.Request) {
	if err := checkTiles(l.net.Sizes[1]); err != nil {
		writeError(w, err)
		return
	}
	v, done := l.view()                                // the requests' copy (lab_budget.go)
	png := pngBytes(weightTiles(v.net.Layers[0].W, 2)) // plot.go, as weights.png of the report
	done()
	w.Header().Set("Content-Type", "image/png")
	w.Write(png)
}

// getChart answers with the loss chart (which 0) or the accuracy chart (1) of the history.
func (l *lab) getChart(which int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var hist []epochStats
		l.mu.RLock()
		if l.r != nil {
			hist = l.r.history()
		}
		l.mu.RUnlock()
		lossSVG, accSVG := charts(hist) // report.go
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Write([][]byte{lossSVG, accSVG}[which])
	}
}
