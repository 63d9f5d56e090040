//go:build js && wasm

// static_wasm.go is the lab of -static (static.go) inside a browser: the program compiled to
// WebAssembly runs in a Web Worker (lab/static-worker.js), reads the four MNIST files that the
// worker fetched from beside the page, and answers the page's requests, which the page's shim
// (lab/static-shim.js) passes on in place of fetch and EventSource, through the lab's own
// handler (lab_http.go). So the numbers are those of `go run . -serve`, bit for bit: the same
// code computes them, only the bytes travel by postMessage instead of TCP.
//
// What a browser lacks is done here without it: no files (the data come as bytes, -save is a
// download of the bytes saveModel would write, -load a file the learner picks), no second core
// (the runner sleeps now and then, letOthersRun in lab_runner.go), no signals (the tab closes).
//
// Under Node.js (CI's run of the command line as js/wasm) the worker's global is missing and
// browserLab returns false at once: the program is the command line there.

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"syscall/js"
	"time"
)

// browserLab runs the lab for the page when the program was started by static-worker.js (which
// sets the global mnistLabWorker first), and then never returns; elsewhere it returns false.
func browserLab() bool {
	worker := js.Global().Get("mnistLabWorker")
	if worker.Type() != js.TypeObject {
		return false
	}
	began := time.Now()
	c, err := parseFlags(nil, io.Discard) // the defaults: 784-20-10, the course's settings
	if err != nil {
		worker.Call("failed", err.Error())
		select {}
	}
	c.workers, c.browser, c.data = 1, true, "data/ beside this page"
	files := map[string][]byte{}
	var dataErr error
	if problem := worker.Get("dataProblem"); problem.Truthy() {
		dataErr = fmt.Errorf("%s", problem.String())
	} else {
		got := worker.Get("files")
		for _, name := range mnistNames() {
			v := got.Get(name)
			if v.Type() != js.TypeObject {
				dataErr = fmt.Errorf("data/%s.gz: not fetched", name)
				break
			}
			b := make([]byte, v.Get("length").Int())
			js.CopyBytesToGo(b, v)
			files[name] = b
		}
		got.Call("clear") // the worker's copies: Go holds its own now
	}
	var data *MNIST
	if dataErr == nil {
		data, dataErr = mnistFromBytes(files)
	}
	clear(files)
	net := newNetwork(c.sizes(), c.seed)
	b := &browser{c: c, data: data, dataErr: dataErr, streams: map[int]context.CancelFunc{}}
	b.l = newLab(c, data, dataErr, net, 0, os.Stdout, os.Stdout)
	b.h = b.l.handler(false)

	serve := js.FuncOf(func(this js.Value, args []js.Value) any {
		id, verb, url, ctype := args[0].Int(), args[1].String(), args[2].String(), args[3].String()
		var body []byte
		if v := args[4]; v.Type() == js.TypeObject {
			body = make([]byte, v.Get("length").Int())
			js.CopyBytesToGo(body, v)
		}
		go b.serve(worker, id, verb, url, ctype, body)
		return nil
	})
	cancel := js.FuncOf(func(this js.Value, args []js.Value) any {
		b.cancel(args[0].Int())
		return nil
	})
	worker.Call("ready", serve, cancel, time.Since(began).Seconds())
	select {}
}

// yieldToBrowser hands the worker's thread back to the browser until it has passed on the
// messages it holds, the page's requests among them: it asks the worker (mnistLabYield, which
// posts itself a message on a MessageChannel) to call back, and waits. A time.Sleep of 1 ms
// would do too, but browsers hold a timer that is set again and again to 4 ms at least, which
// made an epoch about a third slower here.
func yieldToBrowser() {
	yield := js.Global().Get("mnistLabYield")
	if yield.Type() != js.TypeFunction {
		time.Sleep(time.Millisecond)
		return
	}
	done := make(chan struct{})
	var resume js.Func
	resume = js.FuncOf(func(js.Value, []js.Value) any {
		resume.Release()
		close(done)
		return nil
	})
	yield.Invoke(resume)
	<-done
}

// browser is the lab of one page: the lab itself, which a loaded network replaces, and the
// event streams open on it.
type browser struct {
	c       *config
	data    *MNIST
	dataErr error

	mu      sync.Mutex
	l       *lab
	h       http.Handler
	streams map[int]context.CancelFunc // by request id: the page's EventSource closes them
}

// serve answers one request of the page: POST /static/load and GET /static/save here, the rest
// by the lab's handler. The answer, or for the event stream each piece of it, goes back to the
// worker, which posts it to the page.
func (b *browser) serve(worker js.Value, id int, verb, url, ctype string, body []byte) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, verb, "http://lab"+url, bytes.NewReader(body))
	w := &browserWriter{header: http.Header{}, status: http.StatusOK}
	if err != nil {
		writeError(w, badRequest("%s %s: %v", quote(verb), quote(url), err))
		b.answer(worker, id, w)
		return
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	b.mu.Lock()
	h := b.h
	if req.URL.Path == "/api/events" {
		b.streams[id] = cancel
		w.flush = func(p []byte) { worker.Call("chunk", id, string(p)) }
	}
	b.mu.Unlock()
	switch req.URL.Path {
	case "/static/save":
		method(http.MethodGet, b.save)(w, req)
	case "/static/load":
		method(http.MethodPost, jsonHandler(b.load))(w, req)
	default:
		h.ServeHTTP(w, req)
	}
	b.mu.Lock()
	delete(b.streams, id)
	b.mu.Unlock()
	b.answer(worker, id, w)
}

// answer posts a request's answer (what remains of it, for an event stream) to the worker.
func (b *browser) answer(worker js.Value, id int, w *browserWriter) {
	out := js.Global().Get("Uint8Array").New(w.buf.Len())
	js.CopyBytesToJS(out, w.buf.Bytes())
	worker.Call("answer", id, w.status, w.header.Get("Content-Type"), out)
}

// cancel ends the event stream of request id: the page closed its EventSource.
func (b *browser) cancel(id int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if stop, ok := b.streams[id]; ok {
		stop()
	}
}

// save answers GET /static/save with the network as -save writes it at the lab's end
// (session.saveNow): the same bytes saveModel writes, scored on the test set, taken between two
// mini-batches by the runner. The page offers them as a download.
func (b *browser) save(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	l := b.l
	b.mu.Unlock()
	var out bytes.Buffer
	err := l.call(func() error {
		if l.diverged {
			return conflict("not saved: %s; a network that holds numbers that are not finite cannot be saved", l.message)
		}
		var m savedModel
		if l.r == nil {
			m = toSaved(l.net, nil, nil)
		} else {
			r := l.r
			was := r.interrupted
			if r.underway {
				r.interrupted = len(r.hist) + 1 // saved partway through an epoch, as saveNow says
			}
			test := r.tr.evaluate(r.data.Test, nil)
			saved, results := r.savedParts(&test)
			r.interrupted = was
			m = toSaved(r.net, saved, results)
		}
		enc := json.NewEncoder(&out) // as saveModel (model.go) writes the file
		enc.SetIndent("", " ")
		return enc.Encode(m)
	})
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(out.Bytes())
}

// load answers POST /static/load?name=FILE, whose body is a file saved by -save (or by save):
// the lab starts again from that network, as `go run . -serve -load FILE` does, on the same
// data; its errors are those of -load. The event streams of the old lab end, and the page's
// EventSource connects again to the new one.
func (b *browser) load(w http.ResponseWriter, r *http.Request) (any, error) {
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "network.json"
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxModelFile+1))
	if err != nil {
		return nil, badRequest("the file could not be read")
	}
	net, before, err := modelFromBytes(name, body, b.c.batch, b.c.workers)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	c := *b.c
	c.load = name
	b.mu.Lock()
	old := b.l
	b.mu.Unlock()
	old.close() // the runner stops after its mini-batch; the streams end
	l := newLab(&c, b.data, b.dataErr, net, before, os.Stdout, os.Stdout)
	b.mu.Lock()
	b.l, b.h = l, l.handler(false)
	b.mu.Unlock()
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.state(), nil
}

// call has the runner do fn between two mini-batches and returns its error.
func (l *lab) call(fn func() error) error {
	reply := make(chan error, 1)
	select {
	case l.cmds <- labCmd{fn: fn, reply: reply}:
	case <-l.quit:
		return &labError{http.StatusServiceUnavailable, "the lab is stopping"}
	}
	return <-reply
}

// browserWriter is an http.ResponseWriter that keeps the answer; flush, when set (the event
// stream), takes what was written so far each time the handler flushes.
type browserWriter struct {
	header http.Header
	status int
	wrote  bool
	buf    bytes.Buffer
	flush  func([]byte)
}

func (w *browserWriter) Header() http.Header { return w.header }

func (w *browserWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
}

func (w *browserWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.buf.Write(p)
}

// FlushError is what http.ResponseController's Flush calls (lab_events.go).
func (w *browserWriter) FlushError() error {
	if w.flush != nil && w.buf.Len() > 0 {
		w.flush(w.buf.Bytes())
		w.buf.Reset()
	}
	return nil
}

// mnistFromBytes is loadMNIST (mnist.go) on the bytes of the four files rather than their paths:
// each read by readIDX through decompress, which takes gzip data or plain IDX data alike (a host
// that sends a .gz file with Content-Encoding: gzip has the browser unpack it on the way), the
// labels checked against their images, and the last sixth of the training file the evaluation
// set.
func mnistFromBytes(files map[string][]byte) (*MNIST, error) {
	read := func(name string, rank int) ([]int, []byte, error) {
		b := files[name]
		path := "data/" + name + ".gz"
		r, limit, err := decompress(bufio.NewReader(bytes.NewReader(b)), path[:len(path)-3], int64(len(b)))
		if err != nil {
			return nil, nil, err
		}
		return readIDX(r, path, rank, limit)
	}
	pair := func(images, labels string) (Dataset, error) {
		is, ip, err := read(images, 3)
		if err != nil {
			return Dataset{}, err
		}
		ls, lp, err := read(labels, 1)
		if err != nil {
			return Dataset{}, err
		}
		if is[0] != ls[0] {
			return Dataset{}, &FormatError{File: "data/" + labels + ".gz", Problem: fmt.Sprintf("%d labels for the %d images of %s", ls[0], is[0], images)}
		}
		for i, v := range lp {
			if v >= numDigits {
				return Dataset{}, &FormatError{File: "data/" + labels + ".gz", Problem: "label " + strconv.Itoa(int(v)) + " of item " + strconv.Itoa(i) + " is not a digit 0–9"}
			}
		}
		return Dataset{Images: ip, Labels: lp}.indexed(), nil
	}
	train, err := pair(trainImagesName, trainLabelsName)
	if err != nil {
		return nil, err
	}
	test, err := pair(testImagesName, testLabelsName)
	if err != nil {
		return nil, err
	}
	if train.Len() < 6 || test.Len() == 0 {
		return nil, fmt.Errorf("data/: %d training and %d test images; the lab needs at least 6 and 1", train.Len(), test.Len())
	}
	cut := train.Len() - train.Len()/6
	return &MNIST{Train: train.slice(0, cut), Eval: train.slice(cut, train.Len()), Test: test}, nil
}
