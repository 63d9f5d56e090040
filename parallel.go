// parallel.go holds the team of workers that share the training and evaluation work between
// CPU cores, and nothing about neural networks.
//
// A mini-batch of 10 images is some tens of µs of arithmetic (docs/speed.md), shared by two
// cores every time, so the hand-over between workers must cost far less than that. Starting goroutines or waking a
// sleeping one through a channel costs several microseconds; instead the workers stay alive and
// spin on an atomic counter for a while after each round, and only go to sleep on a channel when
// no work has come for a long time (between epochs, say). The caller is worker 0 and does its
// share too.
//
// A round is n shares, fn(0) to fn(n−1), and share w is meant for worker w; but a worker that
// is done with its own share takes any share that no worker has started yet. So when another
// program holds a core and a worker is not running, the others do its share instead of spinning
// until it runs again (a whole time slice of the operating system, milliseconds); only a share
// already started is waited for.
//
// The team decides nothing about the numbers: share w is the same work whichever worker runs
// it, and the callers (train.go) choose shares whose arithmetic does not depend on how many
// workers there are.

package main

import (
	"runtime"
	"sync/atomic"
	"time"
)

// team runs a function on n workers at once, one round at a time.
type team struct {
	n    int
	fn   func(w int) // the work of the current round; written by run before it bumps round
	stop atomic.Bool // set with the last round: the workers exit (atomic: a worker late for a round, done by others, may look at it while close sets it)
	// round counts the rounds started; a worker waits for it to pass the last round it ran.
	round atomic.Uint64
	// taken[w] is set by whoever starts share w of the current round; finished counts the
	// shares done.
	taken    []atomic.Bool
	finished atomic.Int64
	// asleep[w] is true while worker w sleeps, or is about to, on wake[w].
	asleep []atomic.Bool
	wake   []chan struct{}
}

// How long a waiting worker spins before it sleeps: about 2¹⁶ looks at the counter (some 100 µs
// on an AMD EPYC, far longer than the work between two rounds of a mini-batch), yielding the
// processor once in a while so that more workers than cores still make progress, then sleep.
const (
	spins      = 1 << 16
	yieldEvery = 1 << 8
)

// newTeam starts n−1 worker goroutines; the caller of run is worker 0.
func newTeam(n int) *team {
	t := &team{n: n, taken: make([]atomic.Bool, n), asleep: make([]atomic.Bool, n), wake: make([]chan struct{}, n)}
	for w := 1; w < n; w++ {
		t.wake[w] = make(chan struct{}, 1)
		go t.work(w)
	}
	return t
}

// run calls fn(w) for every share w = 0..n−1, fn(0) on the caller, and returns when all
// calls have returned.
func (t *team) run(fn func(w int)) {
	if t.n == 1 {
		fn(0)
		return
	}
	// fn first, then the shares made free: a worker reads fn only after taking a share, and
	// may take one as soon as it is free, even before it sees the new round.
	t.fn = fn
	t.finished.Store(0)
	for w := range t.taken {
		t.taken[w].Store(false)
	}
	t.round.Add(1)
	t.wakeSleepers()
	t.shares(0)
	for i := 1; t.finished.Load() != int64(t.n); i++ {
		if i%yieldEvery == 0 {
			runtime.Gosched()
		}
	}
}

// shares runs, on worker w, share w of the round and then any share not yet taken.
func (t *team) shares(w int) {
	for i := 0; i < t.n; i++ {
		if s := (w + i) % t.n; t.taken[s].CompareAndSwap(false, true) {
			t.fn(s)
			t.finished.Add(1)
		}
	}
}

// close ends the worker goroutines.
func (t *team) close() {
	if t.n == 1 {
		return
	}
	t.stop.Store(true)
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
		if t.stop.Load() {
			return
		}
		t.shares(w)
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

// Choosing how many workers to use.
//
// Two workers beat one only while both are running and hand over quickly. When another program
// holds a core (a browser, an editor, a build), the operating system shares the remaining core
// between the two workers, and each round waits for a partner that is not running: two workers then
// took 2.7 times as long as one (measured on an AMD EPYC with 2 CPUs, a busy loop on one). Which is
// faster depends on the machine and changes during a run, so it is measured, not guessed. The
// results do not depend on the number of workers (train.go), so the trainer may change it between
// any two mini-batches.
//
// A chooser times mini-batches in blocks of a few hundred images (about a millisecond). A probe
// runs blocks in pairs, one on one worker and one on all of them, in the order 1, n, n, 1, 1, n
// (which cancels a steady drift of the machine's speed), and then keeps the faster for the
// mini-batches that follow. All workers must be at least 5% faster to be kept, since one worker
// leaves the other cores to other programs. A probe stops early once the choice is plain: after
// a pair in which all workers took less than 80% of one worker's time (kept) or more than 125%
// (one kept), or as soon as a block on all workers has taken twice as long as a whole block on
// one (when a partner is not running, a block can take ten times as long, and most of the cost
// of probing would be there).
//
// A probe runs at the start of every epoch. While all workers are kept, it runs again as soon
// as two blocks in a row take more than half as long again as the probe measured: a partner may
// have stopped running. While one worker is kept, a slower block says only that the machine is
// busier, which would not make more workers faster, so the next probe waits for the next epoch.
// A probe takes at most about 3% of an epoch of 50,000 images, and only the part on the slower
// choice costs time.
type chooser struct {
	all   int           // the team's size, the other choice besides 1
	block int           // mini-batches in a timed block
	next  int           // the probe's next block, an index into probePlan (past its end: not probing)
	use   int           // worker count of the current block
	left  int           // mini-batches left in the current block
	took  time.Duration // time spent in the current block so far
	// spent is the time of the probe's blocks so far: [0] on one worker, [1] on all of them;
	// blocks counts them.
	spent  [2]time.Duration
	blocks [2]int
	// expect is how long a block of the chosen count took in the last probe; slow counts the
	// blocks on all workers in a row since then that took more than 1.5 times that.
	expect time.Duration
	slow   int
}

// probePlan is the order of a probe's blocks: '0' on one worker, '1' on all of them.
const probePlan = "011001"

// blockImages is about how many images a timed block holds: enough that a block takes about a
// millisecond, far longer than a hand-over or a clock reading (36 ns on an AMD EPYC), and few enough that a
// probe is a small part of an epoch of 50,000 images.
const blockImages = 256

func newChooser(all, batch int) *chooser {
	c := &chooser{all: all, block: max(1, (blockImages+batch-1)/batch)}
	c.probe()
	return c
}

// probe starts a probe with the next mini-batch.
func (c *chooser) probe() {
	c.next, c.spent, c.blocks = 0, [2]time.Duration{}, [2]int{}
	c.startBlock()
}

// startBlock starts the next block: the probe's next one, or one more of the chosen count.
func (c *chooser) startBlock() {
	if c.next < len(probePlan) {
		c.use = 1
		if probePlan[c.next] == '1' {
			c.use = c.all
		}
	}
	c.left, c.took = c.block, 0
}

// workers returns how many workers take the next mini-batch.
func (c *chooser) workers() int { return c.use }

// done records that a mini-batch took d, and chooses the count for the next one.
func (c *chooser) done(d time.Duration) {
	c.took += d
	c.left--
	probing := c.next < len(probePlan)
	if probing && c.use > 1 && c.blocks[0] > 0 && c.took > 2*c.spent[0]/time.Duration(c.blocks[0]) {
		c.keep(0) // all workers took twice as long as one, and the block is not even over
		c.startBlock()
		return
	}
	if c.left > 0 {
		return
	}
	switch {
	case probing:
		i := probePlan[c.next] - '0'
		c.spent[i] += c.took
		c.blocks[i]++
		c.next++
		if c.blocks[0] == c.blocks[1] { // a pair is done: compare the mean block times
			one, all := c.spent[0]/time.Duration(c.blocks[0]), c.spent[1]/time.Duration(c.blocks[1])
			switch {
			case all < one*95/100 && (all < one*80/100 || c.next == len(probePlan)):
				c.keep(1)
			case all > one*125/100 || c.next == len(probePlan):
				c.keep(0)
			}
		}
	case c.use > 1 && c.took > c.expect*3/2: // all workers took far longer than probed
		if c.slow++; c.slow >= 2 {
			c.probe()
			return
		}
	default:
		c.slow = 0
	}
	c.startBlock()
}

// keep ends the probe and keeps one worker (choice 0) or all of them (1) from now on.
func (c *chooser) keep(choice int) {
	c.next, c.slow = len(probePlan), 0
	c.use, c.expect = 1, c.spent[0]/time.Duration(max(1, c.blocks[0]))
	if choice == 1 {
		c.use, c.expect = c.all, c.spent[1]/time.Duration(c.blocks[1])
	}
}
