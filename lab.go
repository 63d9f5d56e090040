// lab.go is the lab's lifecycle: `go run . -serve localhost:8080` serves a page (the folder lab/)
// on which a learner draws a digit and watches the course's forward and backward pass on the real
// network, takes one SGD step on that example, and starts, pauses and steps the training itself.
// This file holds the lab's state, its limits, and how it opens, serves and closes.
//
// Every number the page shows comes from the lab's JSON interface (listed once, in
// docs/lab-api.md), and every number there is computed by the functions the command line uses:
// forward (network.go), backward and SGD.step (backprop.go) through runExample (explain.go),
// mnistForm for a drawing (predict.go), and, for training, the same session as `go run .`,
// through its methods beginEpoch, step and endEpoch (session.go). Training N epochs here gives the
// same weights, bit for bit, as `go run . -epochs N`.
//
// One goroutine, the runner (lab_runner.go), owns the training: it alone changes the network, one
// mini-batch at a time, holding the lab's lock for writing only while it does. Requests read the
// network under the lock for reading, so each sees the network between two mini-batches, never
// halfway through one; a request's pass on one image takes microseconds, so neither side waits.
//
// The other files of the lab, one job each: lab_runner.go (the training runner), lab_state.go (what
// the page is shown of the state), lab_passes.go (the passes on one image and the gradient check),
// lab_draw.go (drawings brought to MNIST's form), lab_http.go (the routes, their guards and JSON),
// lab_handlers.go (the handlers of the JSON interface), lab_events.go (the event stream),
// lab_budget.go (the lab's budget as a whole: turns, snapshots, the answers' bounds); the page
// itself is lab/ (index.html, lab.css, lab*.js), embedded in the program.

package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
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
	// savedEpochs is the epochs a -load network had been trained when it was saved, as its file
	// says (results.epochs_trained, read by readModel), or −1 when the file does not say or there
	// is no -load.
	savedEpochs int

	cmds     chan labCmd
	quit     chan struct{} // closed by stopRunner: the runner ends after the mini-batch under way
	finished chan struct{} // closed by the runner when it has ended
	hush     chan struct{} // closed by stopStreams: the event streams end
	streams  atomic.Int64  // event streams open, for the tests

	stopOnce, closeOnce, hushOnce sync.Once
	closeErr                      error

	// writing is held while -save or the report files are written, so that quitting at a
	// second Ctrl-C waits for the file under way (catchInterrupts, signals.go).
	writing sync.Mutex
	// draws admits this many drawings to be decoded at once: each may take up to
	// maxDrawBytes for the image and 8 bytes a pixel for its grey levels (mnistForm).
	draws chan struct{}
	// snap is the copy of the network that requests compute on (lab_budget.go).
	snap readerSnap

	mu sync.RWMutex // the runner holds it for writing while it changes any field from net to version
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
	pausedAt  time.Time // the runner's own: when it last slept for the browser (letOthersRun)
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

// serve runs the lab until Ctrl-C or SIGTERM: it prints `lab: http://HOST:PORT/` once it takes
// requests, and on the signal finishes the mini-batch under way, stops the server and writes
// -save. A second signal quits at once.
func serve(c *config, stdout, stderr io.Writer, sig *interrupts) error {
	// The address first: a port in use or an address not of this computer fails at once,
	// before the data is read and -out made.
	ln, err := net.Listen("tcp", c.serve)
	if err != nil {
		return fmt.Errorf("-serve %s: %v", c.serve, err)
	}
	l, err := openLab(c, stdout, stderr)
	if err != nil {
		ln.Close()
		return err
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
	sig.graceful(&l.writing, func() { close(stopping) }, // signals.go: called once
		"mnist: stopping the lab: finishing the mini-batch under way (interrupt again to quit at once)")
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

// openLab reads the network and the data as the command line does and starts the runner: the
// -load network first, so that a file it refuses is found before the data is read. A data set
// that cannot be read is no error here: the lab then works on drawings alone.
func openLab(c *config, stdout, stderr io.Writer) (*lab, error) {
	net, before, err := startingNetwork(c.load, c.sizes(), c.seed, c.batch, c.workers)
	if err == nil {
		err = epochsFit(before, c.epochs) // the lab trains up to -epochs
	}
	if err != nil {
		return nil, err
	}
	data, err := loadData(c, stdout)
	var ue *usageError
	if errors.As(err, &ue) {
		return nil, err
	}
	// -out made and -save checked again (paths.go), once the data is there or known missing.
	if werr := readyToWrite(c.out, c.save, stderr); werr != nil {
		return nil, werr
	}
	return newLab(c, data, err, net, before, stdout, stderr), nil
}

// newLab starts the lab on net, which had been trained before epochs (startingNetwork), and
// data, or on no data when dataErr says why not: openLab's, and the browser's (static_wasm.go),
// which reads the data and the network from bytes rather than files.
func newLab(c *config, data *MNIST, err error, net *Network, before int, stdout, stderr io.Writer) *lab {
	l := &lab{c: c, start: net.clone(), net: net, cmds: make(chan labCmd), draws: make(chan struct{}, drawsAtOnce),
		quit: make(chan struct{}), finished: make(chan struct{}), hush: make(chan struct{}), savedEpochs: -1}
	if c.load != "" {
		l.savedEpochs = before
	}
	if err != nil {
		l.dataProblem = err.Error()
		fmt.Fprintf(stderr, "mnist: the lab runs without the data set, so without training and test images: %v\n", err)
	} else {
		l.data = data
		l.r = newSession(c, data, net, stdout, &l.writing)
		l.r.before = before
		l.evalPred = make([]byte, data.Eval.Len())
		// The confusion matrix needs a forward pass of every evaluation image: for 784-20-10
		// a fraction of a second, for -hidden 65536 some 40 s (2 cores, AMD EPYC), which would
		// otherwise pass without a word before the lab's address.
		if weights := net.Sizes[0] * net.Sizes[1]; weights > 1<<22 {
			fmt.Fprintf(stdout, "lab: testing the starting network on the %d evaluation images before serving (%d weights in its first layer: this takes a while)\n", data.Eval.Len(), weights)
		}
		l.refreshConfusion()
	}
	go l.run()
	return l
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

// finish writes -save, once the runner has ended, and lets the trainer's workers go. The
// report the last epoch wrote says the run is under way; it is rewritten to say it was stopped.
func (l *lab) finish() error {
	if l.r != nil {
		defer l.r.close()
	}
	if err := l.save(); err != nil {
		return err
	}
	if l.r != nil && !l.diverged { // a diverged run's page says so already
		return l.r.stopReport()
	}
	return nil
}

// save writes -save, if asked: the network as it stands.
func (l *lab) save() error {
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
