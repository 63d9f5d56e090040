// lab_http.go is the lab's HTTP plumbing: its routes behind their guards (cross-origin requests,
// host names, header size), the errors it answers with their status, and reading and writing
// JSON within the stated bounds. The handlers themselves are in lab_handlers.go.

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"unicode/utf8"
)

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

// handler returns the lab's routes behind its guards. loopback says that the server listens only
// on this computer, in which case requests must name it as their host.
func (l *lab) handler(loopback bool) http.Handler {
	mux := http.NewServeMux()
	adm := newAdmission(readersAtOnce(), queueLen) // the turns of the requests that decode or compute (lab_budget.go)
	admit := func(h http.HandlerFunc) http.HandlerFunc { return l.admitted(adm, h) }
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
	for _, js := range []string{"lab.js", "lab-answer.js", "lab-net.js", "lab-train.js"} {
		mux.HandleFunc("/"+js, method(http.MethodGet, page(js, "text/javascript; charset=utf-8")))
	}
	mux.HandleFunc("/lab.css", method(http.MethodGet, page("lab.css", "text/css; charset=utf-8")))
	mux.HandleFunc("/api/state", method(http.MethodGet, jsonHandler(l.getState)))
	mux.HandleFunc("/api/events", method(http.MethodGet, l.events))
	mux.HandleFunc("/api/train", method(http.MethodPost, jsonHandler(l.postTrain)))
	mux.HandleFunc("/api/forward", method(http.MethodPost, admit(jsonHandler(l.postPass(false)))))
	mux.HandleFunc("/api/backward", method(http.MethodPost, admit(jsonHandler(l.postPass(true)))))
	mux.HandleFunc("/api/gradcheck", method(http.MethodPost, admit(jsonHandler(l.postGradcheck))))
	mux.HandleFunc("/api/draw", method(http.MethodPost, admit(jsonHandler(l.postDraw))))
	mux.HandleFunc("/api/mistake", method(http.MethodGet, admit(jsonHandler(l.getMistake))))
	mux.HandleFunc("/api/confusion", method(http.MethodGet, jsonHandler(l.getConfusion)))
	mux.HandleFunc("/api/network", method(http.MethodGet, admit(jsonHandler(l.getNetwork))))
	mux.HandleFunc("/api/weights.png", method(http.MethodGet, admit(l.getWeights)))
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

// writeJSON answers with v as JSON. Numbers that are not finite cannot be JSON: a network the
// lab starts from has finite passes (passesFinite, model.go), so they mean that the step shown,
// of this η, overflows, or that training diverged between two looks; the answer says so, the
// first cause first, as it is the only one before any training.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, conflict("the answer holds numbers that are not finite: one step of η (-lr) overflows the weights, or, if the lab has trained, training diverged (reset to start again)"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b) // and the newline apart: appending it could copy an answer of megabytes
	w.Write([]byte{'\n'})
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
// anything after it, unknown fields and field names that differ from v's only in case ("Test"
// for "test", at any depth), which the standard decoder would take, and arrays longer than a
// drawing's 784 pixels, counted as they are read (strictjson.go): what a body decodes to is
// bounded before it is decoded.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	if _, err := strictUnmarshal(b, v, jsonRules{maxItems: imageSize}); err != nil {
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
