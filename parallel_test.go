// parallel_test.go checks the team of workers (parallel.go): every share of a round runs once,
// whatever the number of workers and however they take the shares, and the chooser keeps the
// worker count that is faster.

package main

import (
	"sync/atomic"
	"testing"
	"time"
)

// feed runs n mini-batches through a chooser, each taking the time cost gives for the number of
// workers it was given, and returns the worker counts used, one per mini-batch.
func feed(c *chooser, n int, cost func(workers int) time.Duration) []int {
	var used []int
	for i := 0; i < n; i++ {
		w := c.workers()
		used = append(used, w)
		c.done(cost(w))
	}
	return used
}

// count returns how many of used equal w.
func count(used []int, w int) int {
	n := 0
	for _, u := range used {
		if u == w {
			n++
		}
	}
	return n
}

// TestChooser: the chooser keeps the faster count after a probe, cuts a probe short when all
// workers are plainly slower or faster, keeps one worker when all are not clearly faster, and
// probes again when all workers slow down but not when one does. The times are made up: no
// clock is read.
func TestChooser(t *testing.T) {
	const ms = time.Millisecond
	block := newChooser(2, 10).block // mini-batches in a block
	costs := func(one, all time.Duration) func(int) time.Duration {
		return func(w int) time.Duration {
			if w == 1 {
				return one / time.Duration(block)
			}
			return all / time.Duration(block)
		}
	}
	for _, tc := range []struct {
		name      string
		one, all  time.Duration // a block's time
		keep      int           // the count kept
		probeBlks int           // blocks the probe takes
	}{
		{"all twice as fast: kept after one pair", 2 * ms, 1 * ms, 2, 2},
		{"all slightly faster: kept after the whole probe", 100 * ms, 90 * ms, 2, len(probePlan)},
		{"all 2% faster: not enough, one kept", 100 * ms, 98 * ms, 1, len(probePlan)},
		{"all slower: one kept after one pair", 1 * ms, 1400 * ms / 1000, 1, 2},
	} {
		c := newChooser(2, 10)
		used := feed(c, block*tc.probeBlks, costs(tc.one, tc.all))
		if c.next != len(probePlan) {
			t.Errorf("%s: still probing after %d blocks", tc.name, tc.probeBlks)
		}
		if count(used, 2) != block*tc.probeBlks/2 {
			t.Errorf("%s: %d mini-batches on 2 workers in the probe, want half of %d", tc.name, count(used, 2), len(used))
		}
		if used := feed(c, 10*block, costs(tc.one, tc.all)); count(used, tc.keep) != len(used) {
			t.Errorf("%s: after the probe, used %v, want %d workers throughout", tc.name, used, tc.keep)
		}
	}

	// All workers ten times slower: the block on all of them is cut short once it has taken
	// twice a block on one.
	c := newChooser(2, 10)
	used := feed(c, block+block/2, costs(1*ms, 10*ms))
	if c.next != len(probePlan) || c.workers() != 1 || count(used, 2) > block/4+1 {
		t.Errorf("all 10 times slower: %d mini-batches on 2 workers, then %d workers; want the probe cut short", count(used, 2), c.workers())
	}

	// All kept, then they slow down threefold: a new probe after two slow blocks.
	c = newChooser(2, 10)
	feed(c, 2*block, costs(2*ms, 1*ms))
	feed(c, 2*block, costs(2*ms, 3*ms))
	if c.next != 0 || c.workers() != 1 {
		t.Errorf("all kept and then slower: no new probe (next block %d, %d workers)", c.next, c.workers())
	}
	// One kept, then it slows down: no new probe until the next epoch.
	c = newChooser(2, 10)
	feed(c, 2*block, costs(1*ms, 2*ms))
	if used := feed(c, 10*block, costs(5*ms, 2*ms)); count(used, 1) != len(used) {
		t.Errorf("one kept and then slower: probed again (%d mini-batches on 2 workers)", count(used, 2))
	}
}

// TestTeamRunsEachShareOnce: in every round each share runs exactly once, whichever worker
// takes it (a worker done with its own share takes any share not yet started), with more
// workers than cores and with rounds that follow one another at once.
func TestTeamRunsEachShareOnce(t *testing.T) {
	for _, n := range []int{2, 3, 8} {
		tm := newTeam(n)
		counts := make([]atomic.Int64, n)
		const rounds = 2000
		for r := 0; r < rounds; r++ {
			tm.run(func(w int) { counts[w].Add(1) })
			for w := range counts {
				if got := counts[w].Load(); got != int64(r+1) {
					t.Fatalf("%d workers, round %d: share %d ran %d times in all, want %d", n, r, w, got, r+1)
				}
			}
		}
		tm.close()
	}
}
