// signals.go is what Ctrl-C (SIGINT) and SIGTERM do, from the moment the flags are read to the
// exit, whatever the program is doing then. The run goes through phases, and each says what a
// first signal does in it:
//
//	before any training      (reading or downloading the data, writing the exercise, a
//	                         prediction): quit at once with status 130 and one line, once the
//	                         file being written is done and the temporary files and folders
//	                         that the phase names are removed
//	training, the lab        stop gracefully: training ends after the mini-batch under way, the
//	                         run writes what there is and reports it, with status 130 (the lab
//	                         stops, saves, and ends with 0); the phase's notice says so
//	the final evaluation     the evaluation stops between two pieces of 100 images (cut), and the
//	                         run saves what there is, with status 130
//	the last writes          nothing to stop: the work has ended, the run ends with 0, and no
//	                         message says otherwise
//
// A second signal, in any phase, quits at once with status 130 — once the file being written
// (milliseconds) is done, so that none is left half-written. The catching ends with the run; a
// second signal that has arrived by then still wins.

package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
)

// interrupts catches the signals of one run (see the file's comment).
type interrupts struct {
	stderr   io.Writer
	signals  chan os.Signal
	finished chan struct{} // closed by end
	decided  chan struct{} // closed by the catching goroutine once it has returned

	mu      sync.Mutex
	stop    func()      // the phase's graceful stop; nil: a first signal quits
	notice  string      // printed when stop is called ("" prints nothing)
	writing *sync.Mutex // held while a file is written: quitting takes it and never lets go
	temps   []string    // quitting removes their temporary files (removeTemps, files.go)
	made    []string    // folders the run may make before training: removed when quitting if empty
	stopped bool        // a first signal has come and stopped something
	noticed bool        // and its stop was one with a notice: the run ends with 130
	own     sync.Mutex  // the writing lock of the phases that bring none
}

// catchInterrupts starts catching the signals, in the first phase: quit at once.
func catchInterrupts(stderr io.Writer) *interrupts {
	s := &interrupts{stderr: stderr, signals: make(chan os.Signal, 2), finished: make(chan struct{}), decided: make(chan struct{})}
	s.writing = &s.own
	signal.Notify(s.signals, os.Interrupt, syscall.SIGTERM)
	go s.catch()
	return s
}

func (s *interrupts) catch() {
	defer close(s.decided)
	for {
		select {
		case <-s.signals:
			s.mu.Lock()
			stop, notice := s.stop, s.notice
			if stop == nil || s.stopped {
				s.mu.Unlock()
				s.quit()
			}
			s.stopped, s.noticed = true, s.noticed || notice != ""
			s.mu.Unlock()
			stop()
			if notice != "" {
				fmt.Fprintln(s.stderr, notice)
			}
		case <-s.finished:
			select {
			case <-s.signals: // came before end stopped the catching: it counts
				s.mu.Lock()
				stopped := s.stopped
				s.mu.Unlock()
				if stopped {
					s.quit()
				}
			default:
			}
			return
		}
	}
}

// quit ends the program with status 130: it waits for the file being written, removes the
// phase's temporary files, and exits.
func (s *interrupts) quit() {
	s.mu.Lock()
	writing, temps, made, stopped := s.writing, s.temps, s.made, s.stopped
	s.mu.Unlock()
	if stopped {
		fmt.Fprintln(s.stderr, "mnist: interrupted twice: quitting")
	} else {
		fmt.Fprintln(s.stderr, "mnist: interrupted: quitting")
	}
	writing.Lock() // held until the exit: no write starts after this
	removeTemps(temps...)
	for _, dir := range made {
		os.Remove(dir) // only if empty: a download's folder before its first file
	}
	os.Exit(130)
}

// quitting enters a phase in which a first signal quits, removing the temporary files of the
// paths in temps first (removeTemps, files.go); writing is the phase's writing lock, nil for the catcher's own.
func (s *interrupts) quitting(writing *sync.Mutex, temps ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if writing == nil {
		writing = &s.own
	}
	s.stop, s.notice, s.writing, s.temps = nil, "", writing, temps
}

// removeIfEmpty names folders that do not exist yet and that the phase may make (the data
// folder a download makes): quitting removes those of them that are empty.
func (s *interrupts) removeIfEmpty(dirs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, dir := range dirs {
		if _, err := os.Stat(dir); err != nil {
			s.made = append(s.made, dir)
		}
	}
}

// graceful enters a phase in which a first signal calls stop and prints notice; writing is the
// lock held while the phase writes files.
func (s *interrupts) graceful(writing *sync.Mutex, stop func(), notice string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stop, s.notice, s.writing, s.temps, s.made = stop, notice, writing, nil, nil
}

// ending enters the last phase, when the work has ended and only files are written: a first
// signal changes nothing (and says nothing), a second quits.
func (s *interrupts) ending(writing *sync.Mutex) { s.graceful(writing, func() {}, "") }

// interrupted says whether a first signal has come and stopped something, saying so.
func (s *interrupts) interrupted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.noticed
}

// end stops the catching: from now on a signal ends the process as it would any program.
func (s *interrupts) end() {
	signal.Stop(s.signals)
	close(s.finished)
	<-s.decided
}

// runTemps are the files and folders whose temporary files (isTempOf, files.go) a run may be
// writing before it trains: the four MNIST files a download writes in the -data folder data,
// the reports and checkWritable's probe in the -out folder out (outFiles), the -save file save
// and checkSavable's probe beside it, and the -exercise folder (writeTreeAtomic); an empty save
// or exercise is none.
func runTemps(data, out, save, exercise string) []string {
	var temps []string
	for _, name := range mnistNames() {
		temps = append(temps, filepath.Join(data, name+".gz"), filepath.Join(data, name))
	}
	temps = append(temps, outFiles(out)...)
	if save != "" {
		temps = append(temps, save, saveProbe(save))
	}
	if exercise != "" {
		temps = append(temps, exercise)
	}
	return temps
}
