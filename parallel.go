// parallel.go holds the team of workers that share the training and evaluation work between
// CPU cores, and nothing about neural networks.
//
// A mini-batch of 10 images is about 60 µs of arithmetic, shared by two cores every time, so the
// hand-over between workers must cost far less than that. Starting goroutines or waking a
// sleeping one through a channel costs several microseconds; instead the workers stay alive and
// spin on an atomic counter for a while after each round, and only go to sleep on a channel when
// no work has come for a long time (between epochs, say). The caller is worker 0 and does its
// share too.
//
// The team decides nothing about the numbers: each worker always gets the same share for the
// same worker number, and the callers (train.go) choose shares whose arithmetic does not depend
// on how many workers there are.
package main

import (
	"runtime"
	"sync/atomic"
)

// team runs a function on n workers at once, one round at a time.
type team struct {
	n    int
	fn   func(w int) // the work of the current round; written by run before it bumps round
	stop bool        // set with the last round: the workers exit
	// round counts the rounds started; a worker waits for it to pass the last round it ran.
	round atomic.Uint64
	// finished counts the workers (other than the caller) done with the current round.
	finished atomic.Int64
	// asleep[w] is true while worker w sleeps, or is about to, on wake[w].
	asleep []atomic.Bool
	wake   []chan struct{}
}

// How long a waiting worker spins before it sleeps: about 2¹⁶ looks at the counter (some 100 µs,
// far longer than the work between two rounds of a mini-batch), yielding the processor once in
// a while so that more workers than cores still make progress, then sleep.
const (
	spins      = 1 << 16
	yieldEvery = 1 << 8
)

// newTeam starts n−1 worker goroutines; the caller of run is worker 0.
func newTeam(n int) *team {
	t := &team{n: n, asleep: make([]atomic.Bool, n), wake: make([]chan struct{}, n)}
	for w := 1; w < n; w++ {
		t.wake[w] = make(chan struct{}, 1)
		go t.work(w)
	}
	return t
}

// run calls fn(w) for every worker w = 0..n−1, fn(0) on the caller, and returns when all
// calls have returned.
func (t *team) run(fn func(w int)) {
	if t.n == 1 {
		fn(0)
		return
	}
	t.fn = fn
	t.finished.Store(0)
	t.round.Add(1) // publishes fn: a worker reads it only after seeing the new round
	t.wakeSleepers()
	fn(0)
	for i := 1; t.finished.Load() != int64(t.n-1); i++ {
		if i%yieldEvery == 0 {
			runtime.Gosched()
		}
	}
}

// close ends the worker goroutines.
func (t *team) close() {
	if t.n == 1 {
		return
	}
	t.stop = true
	t.round.Add(1)
	t.wakeSleepers()
}

func (t *team) wakeSleepers() {
	for w := 1; w < t.n; w++ {
		if t.asleep[w].CompareAndSwap(true, false) {
			t.wake[w] <- struct{}{}
		}
	}
}

// work is the loop of worker w: wait for a new round, run it, report it finished.
func (t *team) work(w int) {
	var seen uint64
	for {
		seen = t.await(w, seen)
		if t.stop {
			return
		}
		t.fn(w)
		t.finished.Add(1)
	}
}

// await returns the round number once it differs from seen: spinning first, then asleep.
func (t *team) await(w int, seen uint64) uint64 {
	for i := 1; i <= spins; i++ {
		if r := t.round.Load(); r != seen {
			return r
		}
		if i%yieldEvery == 0 {
			runtime.Gosched()
		}
	}
	// Going to sleep: say so first, then look once more, so that a round started in between is
	// not missed. Whoever turns asleep[w] back to false owns the wake-up: run sends a token if it
	// did, and the worker goes on without one if it did.
	t.asleep[w].Store(true)
	if r := t.round.Load(); r != seen && t.asleep[w].CompareAndSwap(true, false) {
		return r
	}
	<-t.wake[w]
	return t.round.Load()
}

// share returns the part [lo, hi) of n items that worker w of workers takes: contiguous, in
// units of grain items (the last part may be shorter), as even as grain allows.
func share(n, grain, w, workers int) (lo, hi int) {
	chunks := (n + grain - 1) / grain
	lo = min(n, grain*(chunks*w/workers))
	hi = min(n, grain*(chunks*(w+1)/workers))
	return lo, hi
}
