// lab_runner.go is the lab's training runner: the one goroutine that changes the network. It
// takes the page's actions (POST /api/train) one at a time and, between them, trains a mini-batch
// at a time through the command line's own session (session.go), so that the lab's epochs are the
// command line's, bit for bit.

package main

import (
	"fmt"
	"runtime"
	"time"
)

// labCmd is an action for the runner, and where it answers. fn, when set, is work the runner
// does between two mini-batches instead of an action: the browser's save and load
// (static_wasm.go), which must not meet a mini-batch halfway.
type labCmd struct {
	action string
	pace   float64
	fn     func() error
	reply  chan error
}

// run takes the page's actions one at a time and, between them, trains while the page has asked
// it to: one mini-batch, then a look for a new action, and so on.
func (l *lab) run() {
	defer close(l.finished)
	for {
		var cmd labCmd
		if l.mode == "" {
			select {
			case cmd = <-l.cmds:
			case <-l.quit:
				return
			}
		} else if wait := l.untilNextBatch(); wait > 0 {
			timer := time.NewTimer(wait)
			select {
			case cmd = <-l.cmds:
				timer.Stop()
			case <-l.quit:
				timer.Stop()
				return
			case <-timer.C:
				l.trainBatch()
				continue
			}
		} else {
			select {
			case cmd = <-l.cmds:
			case <-l.quit:
				return
			default:
				l.trainBatch()
				l.letOthersRun()
				continue
			}
		}
		cmd.reply <- l.do(cmd)
	}
}

// letOthersRun lets the requests waiting for a processor have it now rather than at the
// scheduler's next turn, which can be milliseconds away while the workers spin. In a browser
// (GOOS js, the lab of -static, static_wasm.go) that is not enough: Go runs there on the
// worker's one thread and hands it back to the browser, whose messages are the page's requests,
// only when every goroutine waits; so after each 10 ms of training the runner waits for the
// browser to pass what it holds (yieldToBrowser). Issue 31's prototype answered requests during
// training in 344-444 ms without the wait, in 3-9 ms with it.
func (l *lab) letOthersRun() {
	runtime.Gosched()
	if runtime.GOOS == "js" && time.Since(l.pausedAt) >= 10*time.Millisecond {
		yieldToBrowser()
		l.pausedAt = time.Now()
	}
}

// untilNextBatch is how long the runner waits before the next mini-batch at the pace asked: 0 at
// full speed.
func (l *lab) untilNextBatch() time.Duration {
	if l.pace == 0 {
		return 0
	}
	return time.Until(l.lastBatch.Add(time.Duration(float64(time.Second) / l.pace)))
}

// do carries out one action of POST /api/train.
func (l *lab) do(cmd labCmd) error {
	if cmd.fn != nil {
		return cmd.fn()
	}
	action := cmd.action
	if action == "pace" { // allowed at any time, even without data: it only sets how fast
		l.mu.Lock()
		l.pace = cmd.pace
		l.version++
		l.mu.Unlock()
		return nil
	}
	if l.r == nil {
		return conflict("no training without the data set: %s", l.dataProblem)
	}
	if l.diverged && action != "reset" && action != "pause" {
		return conflict("training diverged (%s); reset to start again", l.message)
	}
	switch action {
	case "start", "epoch", "batch":
		if l.mode != "" {
			return conflict("training is running; pause it first")
		}
		if !l.r.inEpoch() && l.r.epochs() >= l.c.epochs {
			return conflict("the lab has trained the %d epochs of -epochs; reset, or start the lab with a larger -epochs", l.c.epochs)
		}
		if action == "batch" {
			l.trainBatch()
		} else {
			l.setMode(action)
		}
	case "pause":
		l.setMode("")
	case "reset":
		l.reset()
	default:
		return badRequest("\"action\" %q: want \"start\", \"pause\", \"batch\", \"epoch\", \"reset\" or \"pace\"", quote(action))
	}
	return nil
}

// setMode changes what the runner does between actions. Training anew clears the last notice;
// a pause keeps it.
func (l *lab) setMode(mode string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.mode = mode
	if mode != "" {
		l.message = ""
	}
	l.version++
}

// trainBatch trains one mini-batch, beginning an epoch first if none is under way, and ends the
// epoch after its last one, exactly as session.trainEpochs does.
func (l *lab) trainBatch() {
	r := l.r
	t0 := time.Now() // the epoch's seconds count the wait for the lock: requests' share of the time
	l.lastBatch = t0
	l.mu.Lock()
	if !r.inEpoch() {
		r.beginEpoch()
		l.epochSecs = 0
	}
	done, loss := r.step()
	l.snap.gen++ // the requests' copy is out of date (lab_budget.go)
	l.epochSecs += time.Since(t0).Seconds()
	l.recordBatch(loss)
	if l.mode == "" {
		l.version++ // a single mini-batch: the page redraws
	}
	l.mu.Unlock()
	if done {
		l.endEpoch()
	}
}

// recordBatch adds the mean loss of the mini-batch just trained (session.step) to the series the
// page draws. The caller holds l.mu for writing.
func (l *lab) recordBatch(loss float64) {
	l.batchLoss = append(l.batchLoss, loss)
	l.batchCount++
	if len(l.batchLoss) > 2*batchSeries { // keep the last batchSeries; copy rarely
		l.batchLoss = append(l.batchLoss[:0], l.batchLoss[len(l.batchLoss)-batchSeries:]...)
	}
}

// endEpoch ends the epoch whose last mini-batch is done: evaluation, the epoch's line and report
// files (session.endEpoch), the confusion matrix, and the pause at -epochs or on divergence.
func (l *lab) endEpoch() {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := l.r.endEpoch(l.epochSecs, l.evalPred)
	l.version++
	if err != nil {
		l.mode, l.message = "", err.Error()
		l.diverged = l.r.diverged() != ""
		return
	}
	c := confusionOf(l.data.Eval.Labels, l.evalPred)
	l.confusion, l.confEpoch, l.confPred = &c, l.r.epochs(), append([]byte(nil), l.evalPred...)
	if l.r.epochs() >= l.c.epochs && l.mode != "" {
		l.mode, l.message = "", fmt.Sprintf("trained the %d epochs of -epochs", l.c.epochs)
	}
	if l.mode == "epoch" {
		l.mode = ""
	}
}

// reset goes back to the starting network, epoch 0, as when the lab started.
func (l *lab) reset() {
	l.mu.Lock()
	l.r.reset(l.start)
	l.snap.gen++
	l.mode, l.message, l.diverged = "", "", false
	l.batchLoss, l.batchCount = nil, 0
	l.version++
	l.mu.Unlock()
	l.refreshConfusion()
}

// refreshConfusion sets the confusion matrix on the evaluation set for the network as it is.
// Only the runner (or openLab, before it starts) calls it: it uses the trainer's workers.
func (l *lab) refreshConfusion() {
	pred := make([]byte, l.data.Eval.Len()) // not l.evalPred: requests read confPred meanwhile
	l.r.evaluate(l.data.Eval, pred)
	c := confusionOf(l.data.Eval.Labels, pred)
	l.mu.Lock()
	l.confusion, l.confEpoch, l.confPred = &c, l.r.epochs(), pred
	l.version++
	l.mu.Unlock()
}
