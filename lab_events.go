// lab_events.go is the lab's event stream, GET /api/events: Server-Sent Events that keep the page
// up to date while it is open, without it asking.

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

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
