// lab_state.go is what the page is shown of the lab's state: the settings, where training
// stands, the history and the confusion matrix (GET /api/state and the event stream), read under
// the lab's lock as copies, since the runner changes its own as soon as the lock is released.

package main

import (
	"math"
)

// labState is the answer of GET /api/state and the data of a "state" event.
type labState struct {
	Sizes       []int        `json:"sizes"`
	Settings    [][2]string  `json:"settings"`
	Batch       int          `json:"batch"`
	LR          float64      `json:"lr"`
	Decay       float64      `json:"decay"`
	Lambda      float64      `json:"lambda"`
	Seed        uint64       `json:"seed"`
	EpochsMax   int          `json:"epochs_max"`
	N           int          `json:"n"`
	Data        bool         `json:"data"`
	DataProblem string       `json:"data_problem"`
	Tests       int          `json:"tests"`
	History     []epochStats `json:"history"`
	Confusion   *confusion   `json:"confusion"`
	ConfAcc     []*float64   `json:"confusion_acc"` // per true digit: the share predicted right (null: none)
	ConfEpoch   int          `json:"confusion_epoch"`
	Message     string       `json:"message"`
	Version     int64        `json:"version"`
	Origin      labOrigin    `json:"origin"` // what the network is: where it came from, how far trained
	labProgress
}

// labOrigin says what the network is, so that the page never calls a loaded network untrained:
// "seeded" (the -seed initialisation, untrained at epoch 0) or "loaded" (from the -load file,
// trained saved_epochs epochs before it was saved, when the file says; null when it does not),
// and then trained here `epoch` epochs and batch_done mini-batches more (labProgress).
type labOrigin struct {
	Kind        string  `json:"kind"`           // "seeded" or "loaded"
	Seed        *uint64 `json:"seed,omitempty"` // the -seed of a seeded network; none for a loaded one
	File        string  `json:"file,omitempty"`
	SavedEpochs *int    `json:"saved_epochs"` // a loaded network's epochs before this lab, or null
}

// labProgress is where training stands: the data of a "progress" event.
type labProgress struct {
	Epoch       int      `json:"epoch"`      // epochs finished
	BatchDone   int      `json:"batch_done"` // mini-batches done in the epoch under way
	Batches     int      `json:"batches"`    // mini-batches in an epoch
	RunningLoss *float64 `json:"running_loss"`
	RunningAcc  *float64 `json:"running_acc"`
	Training    bool     `json:"training"`
	Eta         float64  `json:"eta"`  // the η of the next mini-batch
	Done        bool     `json:"done"` // the -epochs epochs are trained: only reset trains again
	Pace        float64  `json:"pace"` // mini-batches a second while training; 0: full speed
	// The mean L of each of the last mini-batches trained, oldest first (at most batchSeries),
	// the first of them being mini-batch number batch_first since the start or the last reset;
	// null for a loss that is not finite (training diverged).
	BatchLosses []*float64 `json:"batch_losses"`
	BatchFirst  int        `json:"batch_first"`
}

// progress reads where training stands; the caller holds l.mu.
func (l *lab) progress() labProgress {
	p := labProgress{Training: l.mode != "", Eta: l.c.lr, Pace: l.pace, BatchLosses: []*float64{}}
	if l.r == nil {
		return p
	}
	p.Epoch, p.Eta = l.r.epochs(), l.r.nextSGD().Eta
	p.Done = !l.r.underway && l.r.epochs() >= l.c.epochs
	series := l.batchLoss[max(0, len(l.batchLoss)-batchSeries):]
	for _, v := range series { // a copy: the runner appends to its own
		p.BatchLosses = append(p.BatchLosses, finiteOrNil(v))
	}
	p.BatchFirst = l.batchCount - len(series) + 1
	var loss, acc float64
	var ok bool
	p.BatchDone, p.Batches, loss, acc, ok = l.r.progress()
	if ok {
		p.RunningLoss, p.RunningAcc = &loss, &acc
	}
	return p
}

// state reads the whole state; the caller holds l.mu.
func (l *lab) state() labState {
	s := labState{Sizes: l.net.Sizes, Batch: l.c.batch, LR: l.c.lr, Decay: l.c.etaDecay, Lambda: l.c.lambda,
		Seed: l.c.seed, EpochsMax: l.c.epochs, N: mnistTrainSplit, DataProblem: l.dataProblem,
		Message: l.message, Version: l.version, labProgress: l.progress(), History: []epochStats{}}
	seed := l.c.seed
	s.Origin = labOrigin{Kind: "seeded", Seed: &seed}
	if l.c.load != "" {
		s.Origin = labOrigin{Kind: "loaded", File: l.c.load}
		if l.savedEpochs >= 0 {
			n := l.savedEpochs
			s.Origin.SavedEpochs = &n
		}
	}
	if l.r != nil {
		s.Settings, s.Data, s.N, s.Tests = l.r.settings, true, l.data.Train.Len(), l.data.Test.Len()
		s.History = append(s.History, l.r.history()...) // a copy: reset starts the history anew
		s.Confusion, s.ConfEpoch = l.confusion, l.confEpoch
		if l.confusion != nil {
			for d := range numDigits {
				var acc *float64
				if v := l.confusion.digitAcc(d); !math.IsNaN(v) { // NaN: no image of d
					acc = &v
				}
				s.ConfAcc = append(s.ConfAcc, acc)
			}
		}
	} else {
		s.Settings = [][2]string{{"network", joinInts(l.net.Sizes, "-") + ", sigmoid units"}, {"data", "none: " + l.dataProblem}}
		if l.c.load != "" {
			s.Settings = append(s.Settings, [2]string{"loaded from", l.c.load})
		}
	}
	return s
}

// sgd is the step the passes show: the η of the next mini-batch (that of the epoch under way, or
// of the next one between epochs), λ and n. The caller holds l.mu.
func (l *lab) sgd() SGD {
	if l.r == nil {
		return sgdOf(l.c, mnistTrainSplit)
	}
	return l.r.nextSGD()
}
