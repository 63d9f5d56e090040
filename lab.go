// lab.go is the lab: `go run . -serve localhost:8080` serves a page (the folder lab/) on which a
// learner draws a digit and watches the course's forward and backward pass on the real network,
// takes one SGD step on that example, and starts, pauses and steps the training itself.
//
// Every number the page shows comes from this file's JSON interface, and every number there is
// computed by the functions the command line uses: forward (network.go), backward and SGD.step
// (backprop.go) through runExample (explain.go), mnistForm for a drawing (predict.go), and, for
// training, the same session as `go run .`, through its methods beginEpoch, step and endEpoch
// (session.go). Training N epochs here gives the same weights, bit for bit, as `go run . -epochs N`.
//
// One goroutine, the runner, owns the training: it alone changes the network, one mini-batch at
// a time, holding the lab's lock for writing only while it does. Requests read the network under
// the lock for reading, so each sees the network between two mini-batches, never halfway
// through one; a request's pass on one image takes microseconds, so neither side waits long.
//
//	GET  /                 the page (lab/index.html, lab.css, lab.js, embedded in the program)
//	GET  /api/state        settings, epoch, progress, history, confusion matrix (labState)
//	GET  /api/events       Server-Sent Events: state, progress, epoch
//	POST /api/train        {"action": "start" | "pause" | "batch" | "epoch" | "reset" | "pace"}
//	POST /api/forward      {"pixels": [784]}, {"test": N} or {"eval": N}, optional "unit": j → the forward pass
//	POST /api/backward     the same plus "label": y → also L, δ, its factors, the derivation, one SGD step
//	POST /api/gradcheck    the same plus optional "checks" → ∂L/∂θ beside finite differences (gradcheck.go)
//	POST /api/draw         a PNG or JPEG → the forward pass of the drawing in MNIST's form
//	GET  /api/mistake      ?after=N → the next test image the network gets wrong
//	GET  /api/confusion    ?true=i&pred=j → the evaluation images of that cell of the confusion matrix
//	GET  /api/network      the network as -save writes it, with "epoch" and "training"
//	GET  /api/weights.png, /api/loss.svg, /api/accuracy.svg   the report's pictures, as they are now
package main

import (
	"bytes"
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

//go:embed lab
var labFiles embed.FS

// Limits that keep one client from holding or exhausting the server.
const (
	maxBody       = 1 << 20 // bytes of a request body; reading stops there
	maxHeader     = 1 << 16 // bytes of a request's headers; the server reads up to 1 MB to say so in JSON
	maxDrawPixels = 1 << 20 // pixels of a drawing (1024×1024), checked before it is decoded
	maxDrawBytes  = 4 << 20 // bytes of a drawing once decoded (its pixels × bytes per pixel)
	drawsAtOnce   = 2       // drawings decoded at the same time; others wait their turn
	maxChecks     = 64      // parameters one gradient check may ask for
	cellImages    = 100     // images of one confusion cell that GET /api/confusion lists
	batchSeries   = 300     // mini-batch losses the state carries, the most recent ones
	maxPace       = 1000    // mini-batches a second, the fastest pace short of full speed
	maxQuoted     = 80      // characters of a request's text that an error line quotes
	eventTick     = 100 * time.Millisecond
	eventTimeout  = 10 * time.Second // a stream client that takes longer to accept an event is dropped
	heartbeat     = 15 * time.Second // the longest an event stream stays silent
)

// mnistTrainSplit is n, the size of the training set, which scales λ in the SGD step, when the
// lab runs without the data set: MNIST's 50,000 training images.
const mnistTrainSplit = 50000

// lab is the lab's state: the network, the training session that changes it, and what the page
// is shown of it.
type lab struct {
	c           *config
	data        *MNIST   // nil when the data set could not be read
	dataProblem string   // why, then
	start       *Network // the network at epoch 0, for reset

	cmds     chan labCmd
	quit     chan struct{} // closed by stopRunner: the runner ends after the mini-batch under way
	finished chan struct{} // closed by the runner when it has ended
	hush     chan struct{} // closed by stopStreams: the event streams end
	streams  atomic.Int64  // event streams open, for the tests

	stopOnce, closeOnce, hushOnce sync.Once
	closeErr                      error

	// writing is held while -save or the report files are written, so that quitting at a
	// second Ctrl-C waits for the file under way (see catchInterrupts).
	writing sync.Mutex
	// draws admits this many drawings to be decoded at once: each may take up to
	// maxDrawBytes for the image and 8 bytes a pixel for its grey levels (mnistForm).
	draws chan struct{}

	mu sync.RWMutex // the runner holds it for writing while it changes anything below
	// net is the network being trained, r.net when there is data; r is nil without data.
	net *Network
	r   *session
	// The seconds of training of the epoch under way.
	epochSecs float64
	mode      string // what the runner does between commands: "" (paused), "start" or "epoch"
	// pace is the mini-batches a second the runner trains at while in a mode, 0 for as fast as
	// it can; lastBatch, the runner's own, is when it last began one.
	pace      float64
	lastBatch time.Time
	// batchLoss holds the mean L over each of the last mini-batches trained (at least the last
	// batchSeries of them), batchCount the mini-batches trained since the start or a reset.
	batchLoss  []float64
	batchCount int
	message    string // a notice for the page: divergence, the -epochs limit, a failed write
	diverged   bool   // the network holds numbers that are not finite; only reset helps
	confusion  *confusion
	confEpoch  int
	evalPred   []byte // the runner's buffer for the evaluation set's predictions
	confPred   []byte // the predictions the confusion matrix counts, for GET /api/confusion
	version    int64  // counts the changes the page should redraw for
}

// labCmd is an action for the runner, and where it answers.
type labCmd struct {
	action string
	pace   float64
	reply  chan error
}

// labError is a request the lab refuses, with the HTTP status to answer.
type labError struct {
	status int
	msg    string
}

func (e *labError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &labError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) error {
	return &labError{http.StatusConflict, fmt.Sprintf(format, args...)}
}

// serve runs the lab until Ctrl-C or SIGTERM: it prints `lab: http://HOST:PORT/` once it takes
// requests, and on the signal finishes the mini-batch under way, stops the server and writes
// -save. A second signal quits at once.
func serve(c *config, stdout, stderr io.Writer) error {
	l, err := openLab(c, stdout, stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.serve)
	if err != nil {
		l.close()
		return fmt.Errorf("-serve %s: %v", c.serve, err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	if !addr.IP.IsLoopback() {
		fmt.Fprintf(stderr, "mnist: warning: the lab listens on %s, not only on this computer: anyone who can reach it can see and change the network\n", addr)
	}
	srv := &http.Server{
		Handler:           l.handler(addr.IP.IsLoopback()),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second, // event streams lift it for themselves, event by event
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    1 << 20, // the handler refuses more than maxHeader, in JSON
		ErrorLog:          log.New(stderr, "mnist: lab: ", 0),
	}
	srv.RegisterOnShutdown(l.stopStreams)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	host, _, _ := net.SplitHostPort(c.serve)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost" // listening on every address; this one reaches it from here
	}
	fmt.Fprintf(stdout, "lab: http://%s/\n", net.JoinHostPort(host, strconv.Itoa(addr.Port)))

	stopping := make(chan struct{})
	var once sync.Once
	defer catchInterrupts(stderr, &l.writing, func(bool) { once.Do(func() { close(stopping) }) },
		"mnist: stopping the lab: finishing the mini-batch under way (interrupt again to quit at once)")()
	select {
	case <-stopping:
	case err := <-served:
		l.close()
		return fmt.Errorf("-serve %s: %v", c.serve, err)
	}
	// Training stops first, whatever requests are still in flight; then the server, which waits
	// for them at most 2 s; then -save.
	l.stopRunner()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(ctx) // the event streams end at once (stopStreams); other requests take microseconds
	if err := l.close(); err != nil {
		return err
	}
	if c.save != "" {
		fmt.Fprintf(stdout, "saved the network to %s\n", c.save)
	}
	return nil
}

// openLab reads the data and the network as the command line does and starts the runner. A
// data set that cannot be read is no error here: the lab then works on drawings alone.
func openLab(c *config, stdout, stderr io.Writer) (*lab, error) {
	data, err := loadData(c, stdout)
	var ue *usageError
	if errors.As(err, &ue) {
		return nil, err
	}
	net, nerr := makeNetwork(c)
	if nerr != nil {
		return nil, nerr
	}
	l := &lab{c: c, start: net.clone(), net: net, cmds: make(chan labCmd), draws: make(chan struct{}, drawsAtOnce),
		quit: make(chan struct{}), finished: make(chan struct{}), hush: make(chan struct{})}
	if err != nil {
		l.dataProblem = err.Error()
		fmt.Fprintf(stderr, "mnist: the lab runs without the data set, so without training and test images: %v\n", err)
	} else {
		l.data = data
		l.r = newSession(c, data, net, stdout, &l.writing)
		l.evalPred = make([]byte, data.Eval.Len())
		l.refreshConfusion()
	}
	go l.run()
	return l, nil
}

// stopRunner ends training after the mini-batch under way, and the event streams.
func (l *lab) stopRunner() {
	l.stopOnce.Do(func() {
		l.stopStreams()
		close(l.quit)
		<-l.finished
	})
}

// close stops the runner and writes -save. Calling it again returns what the first call did.
func (l *lab) close() error {
	l.closeOnce.Do(func() {
		l.stopRunner()
		l.closeErr = l.finish()
	})
	return l.closeErr
}

// finish writes -save, once the runner has ended, and lets the trainer's workers go.
func (l *lab) finish() error {
	if l.r != nil {
		defer l.r.close()
	}
	switch {
	case l.c.save == "":
		return nil
	case l.diverged:
		return fmt.Errorf("-save %s: not written: %s; a network that holds numbers that are not finite cannot be saved", l.c.save, l.message)
	case l.r == nil:
		l.writing.Lock()
		defer l.writing.Unlock()
		return saveModel(l.c.save, l.net, nil, nil)
	}
	return l.r.saveNow()
}

// stopStreams ends the event streams, which would otherwise keep the server from shutting down.
func (l *lab) stopStreams() { l.hushOnce.Do(func() { close(l.hush) }) }

// ---------------------------------------------------------------------------------------------
// The runner: the one goroutine that trains.

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
				// Let the requests waiting for a processor have it now rather than at the
				// scheduler's next turn, which can be milliseconds away while the workers spin.
				runtime.Gosched()
				continue
			}
		}
		cmd.reply <- l.do(cmd)
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

// ---------------------------------------------------------------------------------------------
// What the page is shown.

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
	labProgress
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
	s := labState{Sizes: l.net.Sizes, Batch: l.c.batch, LR: l.c.lr, Decay: l.c.decay, Lambda: l.c.lambda,
		Seed: l.c.seed, EpochsMax: l.c.epochs, N: mnistTrainSplit, DataProblem: l.dataProblem,
		Message: l.message, Version: l.version, labProgress: l.progress(), History: []epochStats{}}
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

// ---------------------------------------------------------------------------------------------
// The passes on one image.

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

// passResponse is the answer of /api/forward, /api/draw and (with the fields below "backward")
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
func (l *lab) checkPass(q *passRequest, backward bool) (*Pass, bool, error) {
	if q.Unit != nil && (*q.Unit < 0 || *q.Unit >= l.net.Sizes[1]) {
		return nil, false, badRequest("\"unit\" %d: the first hidden layer has units 0 to %d", *q.Unit, l.net.Sizes[1]-1)
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
		return l.net.imagePass(d.image(*n), label), true, nil
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
		return l.net.inputPass(q.Pixels, byte(label)), q.Label != nil, nil
	}
	return nil, false, badRequest("give \"pixels\" (784 numbers in 0..1), \"test\" (the number of a test image) or \"eval\" (of an evaluation image)")
}

// passes runs the forward pass, and the backward pass and step too if asked, on the network as
// it is between two mini-batches.
func (l *lab) passes(q *passRequest, backward bool) (*passResponse, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.diverged {
		return nil, conflict("training diverged (%s); reset to start again", l.message)
	}
	if q.Checks != nil {
		return nil, badRequest("\"checks\" belongs to POST /api/gradcheck")
	}
	p, known, err := l.checkPass(q, backward)
	if err != nil {
		return nil, err
	}
	net := l.net
	var ex *example
	if backward {
		ex = runExample(net, l.sgd(), p) // forward, backward, and a step on a copy (explain.go)
	} else {
		net.forward(p) // network.go
	}
	prog := l.progress()
	out := len(net.Layers) - 1
	res := &passResponse{Test: q.Test, Eval: q.Eval, Pixels: p.X.row(0), Epoch: prog.Epoch, BatchDone: prog.BatchDone,
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
	for l := range net.Layers {
		res.Layers = append(res.Layers, passLayer{A: p.A[l].row(0), S: p.S[l].row(0)})
	}
	if q.Unit != nil {
		res.Unit = unitLook(net, p, *q.Unit)
	}
	if ex != nil {
		res.Loss = &p.Loss[0]
		res.Y = make([]float64, numDigits)
		res.Y[p.Labels[0]] = 1
		for l := range net.Layers {
			res.Delta = append(res.Delta, p.Delta[l].row(0))
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
// the one with the largest |δ_j|): the weights of the three brightest pixels and the bias, and
// the output layer's weight from unit j (from the unit of the last hidden layer with the
// largest gradient, in a deeper network) to the true digit's unit, and that unit's bias.
func (l *lab) gradcheck(q *passRequest) (*gradcheckResponse, error) {
	l.mu.RLock()
	if l.diverged {
		defer l.mu.RUnlock()
		return nil, conflict("training diverged (%s); reset to start again", l.message)
	}
	checks := q.Checks
	q.Checks = nil
	p, _, err := l.checkPass(q, true)
	if err != nil {
		l.mu.RUnlock()
		return nil, err
	}
	net := l.net.clone()
	l.mu.RUnlock()
	if len(checks) > maxChecks {
		return nil, badRequest("\"checks\" has %d entries; at most %d, please", len(checks), maxChecks)
	}
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
	var checks []checkRequest
	for _, i := range bright[:3] {
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

// drawPixels brings a PNG or JPEG drawing to MNIST's form, as -predict does, and returns its
// 784 input values x in 0..1. What decoding will cost is worked out from the image's header
// before it is decoded: its pixels, and the bytes they take at the image's bit depth (a 16-bit
// RGBA pixel takes 8, a grey one 1). Past either bound the drawing is refused; within them it
// waits for one of drawsAtOnce turns, so that many drawings at once cost no more memory than a
// few: at most maxDrawBytes for the image and 8 bytes a pixel for mnistForm's grey levels each.
func (l *lab) drawPixels(body []byte) ([]float64, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return nil, badRequest("not a PNG or JPEG image (%s)", quote(err.Error()))
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxDrawPixels || cfg.Height > maxDrawPixels || cfg.Width*cfg.Height > maxDrawPixels {
		return nil, badRequest("the image is %d×%d pixels; at most %d pixels, please", cfg.Width, cfg.Height, maxDrawPixels)
	}
	if size := cfg.Width * cfg.Height * bytesPerPixel(cfg.ColorModel); size > maxDrawBytes {
		return nil, badRequest("the image is %d×%d pixels of %d bytes each once decoded, %d bytes; at most %d, please (a smaller or 8-bit image)",
			cfg.Width, cfg.Height, bytesPerPixel(cfg.ColorModel), size, maxDrawBytes)
	}
	l.draws <- struct{}{} // wait for a turn
	defer func() { <-l.draws }()
	img, _, err := image.Decode(bytes.NewReader(body))
	if err != nil {
		return nil, badRequest("not a PNG or JPEG image (%s)", quote(err.Error()))
	}
	pixels, err := mnistForm(img) // predict.go
	if err != nil {
		return nil, badRequest("%v", err)
	}
	x := make([]float64, imageSize)
	for i, v := range pixels {
		x[i] = pixelValue[v] // v/255, as loadBatch scales a data set's pixels
	}
	return x, nil
}

// bytesPerPixel is what one pixel of an image of this colour model takes once decoded by the
// standard library: 8 for 16-bit RGBA, 4 for 8-bit RGBA or CMYK, 3 at most for a JPEG's YCbCr,
// 2 for 16-bit grey, 1 for 8-bit grey or a palette. Unknown models count as the largest.
func bytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel, color.NYCbCrAModel:
		return 4 // 3 planes, and a fourth for the alpha of NYCbCrA
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// nextMistake returns the first test image after the one numbered after, going round, that the
// network gets wrong, or −1 if it gets them all right.
func (l *lab) nextMistake(after int) int {
	l.mu.RLock()
	net := l.net.clone() // the search takes milliseconds: not under the lock
	l.mu.RUnlock()
	d := l.data.Test
	p := net.newPass(1)
	for n := 1; n <= d.Len(); n++ {
		i := (after + n) % d.Len()
		loadBatch(p, d, []int{i})
		net.forward(p)
		if predict(p.A[len(p.A)-1].row(0)) != int(d.Labels[i]) {
			return i
		}
	}
	return -1
}

// ---------------------------------------------------------------------------------------------
// HTTP.

// handler returns the lab's routes behind its guards. loopback says that the server listens only
// on this computer, in which case requests must name it as their host.
func (l *lab) handler(loopback bool) http.Handler {
	mux := http.NewServeMux()
	page := func(name, ctype string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, err := labFiles.ReadFile("lab/" + name)
			if err != nil {
				writeError(w, &labError{http.StatusNotFound, "no page " + name + " in this build"})
				return
			}
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'")
			w.Write(b)
		}
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			writeError(w, &labError{http.StatusNotFound, "no such page or API: " + quote(r.URL.Path)})
			return
		}
		method(http.MethodGet, page("index.html", "text/html; charset=utf-8"))(w, r)
	})
	mux.HandleFunc("/lab.js", method(http.MethodGet, page("lab.js", "text/javascript; charset=utf-8")))
	mux.HandleFunc("/lab.css", method(http.MethodGet, page("lab.css", "text/css; charset=utf-8")))
	mux.HandleFunc("/api/state", method(http.MethodGet, jsonHandler(l.getState)))
	mux.HandleFunc("/api/events", method(http.MethodGet, l.events))
	mux.HandleFunc("/api/train", method(http.MethodPost, jsonHandler(l.postTrain)))
	mux.HandleFunc("/api/forward", method(http.MethodPost, jsonHandler(l.postPass(false))))
	mux.HandleFunc("/api/backward", method(http.MethodPost, jsonHandler(l.postPass(true))))
	mux.HandleFunc("/api/gradcheck", method(http.MethodPost, jsonHandler(l.postGradcheck)))
	mux.HandleFunc("/api/draw", method(http.MethodPost, jsonHandler(l.postDraw)))
	mux.HandleFunc("/api/mistake", method(http.MethodGet, jsonHandler(l.getMistake)))
	mux.HandleFunc("/api/confusion", method(http.MethodGet, jsonHandler(l.getConfusion)))
	mux.HandleFunc("/api/network", method(http.MethodGet, jsonHandler(l.getNetwork)))
	mux.HandleFunc("/api/weights.png", method(http.MethodGet, l.getWeights))
	mux.HandleFunc("/api/loss.svg", method(http.MethodGet, l.getChart(0)))
	mux.HandleFunc("/api/accuracy.svg", method(http.MethodGet, l.getChart(1)))

	// Cross-origin requests that change something (POST) are refused by the standard library;
	// reads that another site's page makes (a fetch, an image) are refused here too, while a
	// link followed from another site still opens the page. So is a host name that is not this
	// computer's when the lab listens only on it (a web page whose own name was made to point
	// here, "DNS rebinding").
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &labError{http.StatusForbidden, "cross-origin request refused: the lab answers only its own page"})
	}))
	guarded := cop.Handler(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		site := r.Header.Get("Sec-Fetch-Site")
		if site != "" && site != "same-origin" && site != "none" && r.Header.Get("Sec-Fetch-Mode") != "navigate" {
			writeError(w, &labError{http.StatusForbidden, "cross-origin request refused: the lab answers only its own page"})
			return
		}
		if headerBytes(r) > maxHeader {
			writeError(w, &labError{http.StatusRequestHeaderFieldsTooLarge, fmt.Sprintf("request headers over %d bytes", maxHeader)})
			return
		}
		if loopback && !loopbackHost(r.Host) {
			writeError(w, &labError{http.StatusForbidden, fmt.Sprintf("host %q refused: the lab listens only on this computer (use localhost or 127.0.0.1)", quote(r.Host))})
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		guarded.ServeHTTP(w, r)
	})
}

// headerBytes is about the size of a request's header: its line and fields, as
// http.Server.MaxHeaderBytes counts them.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // ": " and CRLF
		}
	}
	return n
}

// loopbackHost says whether a Host header names this computer: localhost or a loopback address.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// method lets only requests of the given method through.
func method(m string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != m {
			w.Header().Set("Allow", m)
			writeError(w, &labError{http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: use %s", quote(r.Method), quote(r.URL.Path), m)})
			return
		}
		h(w, r)
	}
}

// writeJSON answers with v as JSON. Numbers that are not finite cannot be JSON: they mean that
// training diverged between two looks, and the answer says so.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, conflict("the network holds numbers that are not finite (training diverged); reset to start again"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}

// writeError answers with the error's status (400 unless it says) and {"error": "one line"}.
func writeError(w http.ResponseWriter, err error) {
	status := http.StatusBadRequest
	var le *labError
	if errors.As(err, &le) {
		status = le.status
	}
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// readBody reads a request body of at most maxBody bytes, within the server's ReadTimeout.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	var ne net.Error
	switch {
	case err == nil:
		return b, nil
	case errors.As(err, &tooBig):
		return nil, &labError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", maxBody)}
	case errors.As(err, &ne) && ne.Timeout():
		return nil, &labError{http.StatusRequestTimeout, "the request body did not arrive in time"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, badRequest("the request body ended before its Content-Length")
	}
	return nil, badRequest("the request body could not be read")
}

// readJSON reads a request body holding one JSON object into v, a pointer to a struct, refusing
// unknown fields and field names that differ from v's only in case ("Test" for "test"), which
// the standard decoder would take.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	first := json.NewDecoder(bytes.NewReader(b))
	if err := first.Decode(&fields); err != nil {
		return badRequest("malformed JSON: %s", quote(err.Error()))
	}
	if first.More() {
		return badRequest("malformed JSON: more than one value in the body")
	}
	known := map[string]bool{}
	t := reflect.TypeOf(v).Elem()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	for name := range fields {
		if !known[name] {
			return badRequest("malformed JSON: unknown field %q", quote(name))
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("malformed JSON: %s", quote(err.Error()))
	}
	return nil
}

// quote returns s, or its first maxQuoted characters and "…" when it is longer: an error line
// says what was wrong without echoing a megabyte of what was sent.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// jsonHandler answers a request with what f returns, as JSON, or with its error.
func jsonHandler(f func(w http.ResponseWriter, r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := f(w, r)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, v)
	}
}

func (l *lab) getState(w http.ResponseWriter, r *http.Request) (any, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.state(), nil
}

// postTrain hands the action to the runner and answers, once it is carried out, with the state.
func (l *lab) postTrain(w http.ResponseWriter, r *http.Request) (any, error) {
	var q struct {
		Action string   `json:"action"`
		Pace   *float64 `json:"pace"` // with "pace": mini-batches a second, 0 for full speed
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
		if pace = *q.Pace; !(pace == 0 || (pace >= 0.1 && pace <= maxPace)) {
			return nil, badRequest("\"pace\" %v: want 0 (full speed) or 0.1 to %d mini-batches a second", pace, maxPace)
		}
	}
	reply := make(chan error, 1)
	select {
	case l.cmds <- labCmd{q.Action, pace, reply}:
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
	return l.gradcheck(&q)
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

func (l *lab) postDraw(w http.ResponseWriter, r *http.Request) (any, error) {
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	var q passRequest
	if s := r.URL.Query().Get("unit"); s != "" {
		j, err := strconv.Atoi(s)
		if err != nil {
			return nil, badRequest("unit %q: want the number of a first-layer unit", quote(s))
		}
		q.Unit = &j
	}
	if q.Pixels, err = l.drawPixels(body); err != nil {
		return nil, err
	}
	return l.passes(&q, false)
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
	l.mu.RLock()
	net, prog := l.net.clone(), l.progress()
	l.mu.RUnlock()
	return struct {
		savedModel
		Epoch    int  `json:"epoch"`
		Training bool `json:"training"`
	}{toSaved(net, nil, nil), prog.Epoch, prog.Training}, nil
}

func (l *lab) getWeights(w http.ResponseWriter, r *http.Request) {
	l.mu.RLock()
	first := l.net.Layers[0].clone() // the first layer alone: its tiles are all the picture shows
	l.mu.RUnlock()
	w.Header().Set("Content-Type", "image/png")
	w.Write(pngBytes(weightTiles(first.W, 2))) // plot.go, as weights.png of the report
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

// events sends Server-Sent Events while the page is open: "state" at once and after every
// change, "progress" at most every eventTick while training (and so at least once a second),
// and "epoch" for each finished epoch. It looks at the state every eventTick rather than being
// told of changes: one lock and a few comparisons, and nothing to clean up when a client goes.
func (l *lab) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{}) // the server's ReadTimeout would otherwise end the stream
	w.Header().Set("Content-Type", "text/event-stream")
	l.streams.Add(1)
	defer l.streams.Add(-1)
	var sent time.Time
	send := func(event string, v any) bool {
		b, err := json.Marshal(v)
		if err != nil {
			return true // not finite: skip this one, the next look will do
		}
		rc.SetWriteDeadline(time.Now().Add(eventTimeout)) // a client that stops reading is dropped
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return false
		}
		sent = time.Now()
		return rc.Flush() == nil
	}
	version, epochs, lastProgress := int64(-1), -1, [2]int{}
	tick := time.NewTicker(eventTick)
	defer tick.Stop()
	for {
		l.mu.RLock()
		s := l.state()
		l.mu.RUnlock()
		if epochs >= 0 && len(s.History) < epochs {
			epochs = 0 // reset: the history starts again
		}
		for ; epochs >= 0 && epochs < len(s.History); epochs++ {
			e := struct {
				epochStats
				Confusion *confusion `json:"confusion"`
				ConfAcc   []*float64 `json:"confusion_acc"`
			}{s.History[epochs], s.Confusion, s.ConfAcc}
			if !send("epoch", e) {
				return
			}
		}
		epochs = len(s.History)
		switch {
		case s.Version != version:
			if !send("state", s) {
				return
			}
		case s.Training && [2]int{s.Epoch, s.BatchDone} != lastProgress:
			if !send("progress", s.labProgress) {
				return
			}
		case time.Since(sent) > heartbeat:
			// A comment line, which the page ignores: a client that has gone is found out.
			rc.SetWriteDeadline(time.Now().Add(eventTimeout))
			if _, err := io.WriteString(w, ": still here\n\n"); err != nil || rc.Flush() != nil {
				return
			}
			sent = time.Now()
		}
		version, lastProgress = s.Version, [2]int{s.Epoch, s.BatchDone}
		select {
		case <-tick.C:
		case <-r.Context().Done():
			return
		case <-l.hush:
			return
		}
	}
}
