// lab_budget.go is the lab's budget as a whole, where each request's own bounds (lab.go) say
// nothing of many requests at once: 400 clients each sending a megabyte of JSON, each refused on
// its own, once held 4 GB between them and starved the training of the processor (measured on an
// AMD EPYC with 2 CPUs: docs/lab.md, "Under load").
//
//   - Admission: the requests that decode or compute (the passes, the gradient check, drawings,
//     the next mistake, the network and its picture) take one of readersAtOnce turns, about one
//     per CPU less the one training runs on; at most queueLen more wait, each at most queueWait,
//     for a turn; past either a request is answered at once with 503, a line of JSON and
//     Retry-After, never left to time out unanswered. A request's body is read only once it has
//     its turn, so that waiting costs a connection and no more. The state, the event stream and
//     the training's actions take no turn: they cost microseconds, and they must keep answering
//     while the others are refused.
//   - Snapshots: the requests compute on a copy of the network taken between two mini-batches
//     and shared by all of them until the runner changes the network again, so that the runner
//     waits for no reader's pass, only for the copy (16,000 numbers for the course's network:
//     microseconds).
//   - Answers: an answer is bounded by the numbers it would hold, worked out from the network's
//     sizes before anything is computed (answerNumbers); a larger one is refused with a line.
//
// So the lab's memory is its network and data, plus readersAtOnce requests of bounded size.

package main

import (
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"time"
)

const (
	// queueLen is the requests that may wait for a turn; more are refused at once. A waiting
	// request has not been read: it costs its connection and a goroutine, some 20 kB, and so a
	// queue that takes a storm of 400 clients whole costs less than 400 clients retrying at once
	// (measured on an AMD EPYC with 2 CPUs: 42% of the idle training pace against 21%, with 256).
	queueLen   = 1024
	queueWait  = 3 * time.Second // the longest one waits; then it is refused, well within the server's timeouts
	retryAfter = "1"             // seconds, in a refusal's Retry-After
	// maxAnswerNumbers bounds the numbers of one answer: a million, some 25 MB of JSON. The
	// course's network answers with about 2,000; -hidden 2048,2048 would answer with 12 million.
	maxAnswerNumbers = 1 << 20
	// maxTilesBytes bounds the picture of GET /api/weights.png: 32 MB of paletted pixels, the
	// tiles of about 9,500 first-layer units.
	maxTilesBytes = 32 << 20
	// maxSnapshot is the most weights the requests' copy of the network may take: two million,
	// 16 MB, 125 times the course's network.
	maxSnapshot = 1 << 21
)

// readersAtOnce is the number of requests that compute at once: one per CPU, less the one the
// training runs on, and at least one.
func readersAtOnce() int { return max(1, runtime.NumCPU()-1) }

// admission holds the turns: slots for the requests computing, queue for those waiting.
type admission struct {
	slots, queue chan struct{}
}

func newAdmission(slots, queue int) *admission {
	return &admission{slots: make(chan struct{}, slots), queue: make(chan struct{}, queue)}
}

// admitted runs h once it has a turn (see the file's comment), or refuses the request.
func (l *lab) admitted(a *admission, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		busy := func() {
			w.Header().Set("Retry-After", retryAfter)
			writeError(w, &labError{http.StatusServiceUnavailable, fmt.Sprintf(
				"the lab is busy: %d requests are being answered and %d wait; try again in a second", cap(a.slots), len(a.queue))})
		}
		select {
		case a.queue <- struct{}{}:
		default:
			busy()
			return
		}
		timer := time.NewTimer(queueWait)
		defer timer.Stop()
		select {
		case a.slots <- struct{}{}:
			<-a.queue
		case <-timer.C:
			<-a.queue
			busy()
			return
		case <-r.Context().Done(): // the client has gone
			<-a.queue
			return
		case <-l.quit:
			<-a.queue
			writeError(w, &labError{http.StatusServiceUnavailable, "the lab is stopping"})
			return
		}
		defer func() { <-a.slots }()
		h(w, r)
	}
}

// readerSnap is the copy of the network that requests compute on. gen counts the runner's
// changes to the network and is guarded by l.mu, like the network; mu guards net and of.
type readerSnap struct {
	gen int64
	mu  sync.Mutex
	net *Network // a copy of the network as it was at change of, never changed: read only
	of  int64
}

// readerView is what a pass needs to know of the lab, all of one moment between two mini-batches.
type readerView struct {
	net              *Network // shared by the requests: read it, never change it
	sgd              SGD
	epoch, batchDone int
	diverged         bool
	message          string
	training         bool
}

// view returns the lab as it is now, and the function to call once done with it. The network
// is copied only if the runner has changed it since the last copy. A network of more than
// maxSnapshot weights is not copied: the request reads the network itself, holding the lock for
// reading until done, and the runner waits its turn (a copy would double the largest memory).
func (l *lab) view() (readerView, func()) {
	params := 0
	for _, layer := range l.net.Layers {
		params += len(layer.W.Data)
	}
	if params > maxSnapshot {
		l.mu.RLock()
		return l.viewOf(l.net), l.mu.RUnlock
	}
	l.snap.mu.Lock()
	defer l.snap.mu.Unlock()
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.snap.net == nil || l.snap.of != l.snap.gen {
		l.snap.net, l.snap.of = l.net.clone(), l.snap.gen
	}
	return l.viewOf(l.snap.net), func() {}
}

// viewOf is the view with net as its network; the caller holds l.mu.
func (l *lab) viewOf(net *Network) readerView {
	v := readerView{net: net, sgd: l.sgd(), diverged: l.diverged, message: l.message, training: l.mode != ""}
	if l.r != nil {
		v.epoch = l.r.epochs()
		v.batchDone, _, _, _, _ = l.r.progress()
	}
	return v
}

// answerNumbers is about how many numbers a pass's answer holds for a network of these sizes:
// a, σ(a) and, backward, δ, Wᵀδ and σ' of every unit; the edges above the first layer, each
// with its weight and term and, backward, its back term; the 784 pixels and the close look at
// a unit (w, contributions, gradient). An int64: 3·65536² overflows a 32-bit int (386).
func answerNumbers(sizes []int, backward bool) int64 {
	perUnit, perEdge := int64(2), int64(2)
	if backward {
		perUnit, perEdge = 5, 3
	}
	n := int64(5 * imageSize)
	for l := 1; l < len(sizes); l++ {
		n += perUnit * int64(sizes[l])
		if l >= 2 {
			n += perEdge*int64(sizes[l-1])*int64(sizes[l]) + int64(sizes[l])
		}
	}
	return n
}

// checkAnswer refuses a pass whose answer would hold more than maxAnswerNumbers numbers.
func checkAnswer(sizes []int, backward bool) error {
	if n := answerNumbers(sizes, backward); n > maxAnswerNumbers {
		return &labError{http.StatusUnprocessableEntity, fmt.Sprintf(
			"the network %s is too large for the lab to show its passes: an answer would hold %d numbers (its edges above the first layer, with their terms), at most %d; -explain prints a pass of any size",
			joinInts(sizes, "-"), n, maxAnswerNumbers)}
	}
	return nil
}

// checkNetworkAnswer refuses GET /api/network for a network of more than maxAnswerNumbers
// weights and biases, whose JSON would take more than some 25 MB; -save writes any.
func checkNetworkAnswer(sizes []int) error {
	n := int64(0)
	for l := 1; l < len(sizes); l++ {
		n += int64(sizes[l-1])*int64(sizes[l]) + int64(sizes[l])
	}
	if n > maxAnswerNumbers {
		return &labError{http.StatusUnprocessableEntity, fmt.Sprintf(
			"the network %s has %d weights and biases, more than the %d the lab sends at once; -save writes it to a file",
			joinInts(sizes, "-"), n, maxAnswerNumbers)}
	}
	return nil
}

// checkTiles refuses GET /api/weights.png when its picture (weightTiles, plot.go: a tile of 58×58
// pixels a first-layer unit) would take more than maxTilesBytes.
func checkTiles(units int) error {
	cols := 1
	for cols*cols < units {
		cols++
	}
	rows := (units + cols - 1) / cols
	if size := (cols*58 + 2) * (rows*58 + 2); size > maxTilesBytes {
		return &labError{http.StatusUnprocessableEntity, fmt.Sprintf(
			"the first layer's %d units would make a picture of %d bytes, more than the %d the lab draws", units, size, maxTilesBytes)}
	}
	return nil
}
