package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// passProgress prints one line to stderr at most every progressEvery while
// the streaming passes of `ufm metrics` run: the pass, the share of rows
// done and the time so far. It is safe for concurrent use (the passes
// call it from their workers).
type passProgress struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	last  time.Time
}

func newPassProgress(w io.Writer) *passProgress {
	now := time.Now()
	return &passProgress{w: w, start: now, last: now}
}

// report is a metrics.Options.Progress.
func (p *passProgress) report(pass string, done, all int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < progressEvery {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "ufm metrics: %s pass, %d of %d rows (%.0f%%), %.0f s so far\n",
		pass, done, all, 100*float64(done)/float64(max(all, 1)), time.Since(p.start).Seconds())
}
