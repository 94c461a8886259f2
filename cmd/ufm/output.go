package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/nrc-ufm/ufm/claims"
	"github.com/nrc-ufm/ufm/internal/plotx"
)

// registry returns the claims the command line knows (a variable so that
// tests can add a claim that misbehaves on purpose).
var registry = claims.Default

// interruptContext returns a context cancelled by the first SIGINT or
// SIGTERM, after which a line on stderr says the command is finishing; a
// second signal kills the process as usual. Call stop when done.
func interruptContext(stderr io.Writer, what string) (ctx context.Context, stop func()) {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-ctx.Done():
			select {
			case <-done: // cancelled by stop, not by a signal
				return
			default:
			}
			cancel() // restore the default action: a second signal kills
			fmt.Fprintf(stderr, "ufm: interrupted: %s (a second interrupt aborts)\n", what)
		case <-done:
		}
	}()
	return ctx, func() {
		close(done) // before cancel: the watcher then knows no signal came
		cancel()
		<-finished // nothing is written to stderr after stop returns
	}
}

// checkOutDir makes sure dir is (or can be made) a directory where files
// can be created, before any work starts: it creates dir and a probe file
// in it, and removes the probe.
func checkOutDir(dir string) error {
	if dir == "" {
		return errors.New("--out is empty")
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("--out %s is not a directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out: cannot create the directory: %v", pathErrText(err))
	}
	f, err := os.CreateTemp(dir, ".ufm-probe-*")
	if err != nil {
		return fmt.Errorf("--out %s is not writable: %v", dir, pathErrText(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// checkOutDirNoCreate is checkOutDir for commands that may still refuse
// their input after the check: it creates nothing. An existing dir must be
// a writable directory; a missing one needs its nearest existing ancestor
// to be a writable directory (writeTable creates the rest later).
func checkOutDirNoCreate(dir string) error {
	if dir == "" {
		return errors.New("--out is empty")
	}
	probe := dir
	for {
		fi, err := os.Stat(probe)
		if err == nil {
			if !fi.IsDir() {
				if probe == dir {
					return fmt.Errorf("--out %s is not a directory", dir)
				}
				return fmt.Errorf("--out %s: %s is not a directory", dir, probe)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("--out %s: %v", dir, pathErrText(err))
		}
		parent := filepath.Dir(probe)
		if parent == probe {
			return fmt.Errorf("--out %s: no existing directory above it", dir)
		}
		probe = parent
	}
	f, err := os.CreateTemp(probe, ".ufm-probe-*")
	if err != nil {
		return fmt.Errorf("--out %s is not writable: %v", dir, pathErrText(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// checkOutFile makes sure a file can later be written at path (by
// writeFileAtomic): path is not a directory, and a file can be created in
// its directory.
func checkOutFile(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".ufm-probe-*")
	if err != nil {
		return fmt.Errorf("cannot create files next to %s: %v", path, pathErrText(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so that path is never seen half-written.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// pathErrText is the message of err without the path an *os.PathError
// repeats ("open x: permission denied" → "permission denied"), for
// messages that already name the path.
func pathErrText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// termSafe escapes control characters (and other non-printable runes) of s
// so that text from files never drives the terminal: "a\x1b[2Jb" is shown
// as a\x1b[2Jb.
func termSafe(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) < 0 {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// exitForSearch is the exit status of a search result: 3 if a check broke
// (whatever else happened), 1 for a counterexample, 130 when interrupted
// with neither, else 0.
func exitForSearch(errored int, counterexample, interrupted bool) int {
	switch {
	case errored > 0:
		return exitError
	case counterexample:
		return exitFailure
	case interrupted:
		return exitInterrupted
	}
	return exitOK
}

// boundedResult is how waitBounded ended.
type boundedResult int

const (
	finished    boundedResult = iota // work returned
	interrupted                      // SIGINT/SIGTERM came first
	overtime                         // the time limit (plus grace) passed first
)

// graceFor is how long past its time limit a command waits for work that
// checks the limit itself (the solver) before giving up on it.
func graceFor(limit time.Duration) time.Duration { return 2*time.Second + limit/10 }

// waitBounded runs work and waits until it returns, ctx is cancelled, or
// limit + graceFor(limit) has passed; every progressEvery it writes one
// progress line "ufm: LABEL: working, 10s of the 1m0s limit" to stderr.
// After interrupted or overtime work may still be running: the caller
// reports and exits.
func waitBounded(ctx context.Context, limit time.Duration, stderr io.Writer, label string, work func()) boundedResult {
	done := make(chan struct{})
	go func() {
		defer close(done)
		work()
	}()
	start := time.Now()
	hard := time.NewTimer(limit + graceFor(limit))
	defer hard.Stop()
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return finished
		case <-ctx.Done():
			return interrupted
		case <-hard.C:
			return overtime
		case now := <-tick.C:
			fmt.Fprintf(stderr, "ufm: %s: working, %s of the %s limit\n", label, now.Sub(start).Round(time.Second), limit)
		}
	}
}

// progressEvery is the period of waitBounded's progress lines.
var progressEvery = 10 * time.Second

// table is what `ufm sweep` and `ufm series` write: a CSV and a JSON table
// and their plots.
type table interface {
	WriteCSV(w io.Writer) error
	WriteJSON(w io.Writer) error
	Plots(dir string) ([]string, error)
	PictureNames() []string
}

// writeTable writes table.csv, table.json and (if plots) the pictures of t
// into dir, creating it, and returns the paths written. It is all or
// nothing: every file is first written complete into a fresh staging
// directory inside dir, and only when all are there are they renamed into
// place (then the pictures of an earlier run that were not redrawn are
// removed). A failure while writing (a full disk, a plot that cannot be
// drawn) leaves dir's files as they were: never a new table.csv next to an
// old table.json.
func writeTable(t table, dir string, plots bool) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	stage, err := os.MkdirTemp(dir, ".ufm-staging-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	staged, err := stageTable(t, stage, plots)
	if err != nil {
		return nil, fmt.Errorf("nothing written to %s (its files are as they were): %v", dir, pathErrText(err))
	}
	files := make([]string, 0, len(staged))
	for _, f := range staged {
		final := filepath.Join(dir, filepath.Base(f))
		if err := os.Rename(f, final); err != nil {
			return files, err
		}
		files = append(files, final)
	}
	if !plots {
		return files, nil
	}
	return files, plotx.RemoveStale(dir, t.PictureNames(), files)
}

// stageTable writes t's files into the empty directory stage and returns
// their paths there.
func stageTable(t table, stage string, plots bool) ([]string, error) {
	var csvBuf, jsonBuf bytes.Buffer
	if err := t.WriteCSV(&csvBuf); err != nil {
		return nil, err
	}
	if err := t.WriteJSON(&jsonBuf); err != nil {
		return nil, err
	}
	files := []string{filepath.Join(stage, "table.csv"), filepath.Join(stage, "table.json")}
	for i, b := range [][]byte{csvBuf.Bytes(), jsonBuf.Bytes()} {
		if err := writeFileAtomic(files[i], b); err != nil {
			return nil, err
		}
	}
	if !plots {
		return files, nil
	}
	pics, err := t.Plots(stage)
	if err != nil {
		return nil, err
	}
	return append(files, pics...), nil
}
