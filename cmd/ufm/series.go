package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/metrics"
	"github.com/nrc-ufm/ufm/series"
)

func runSeries(args []string, stdout, stderr io.Writer) int {
	const synopsis = "ufm series DIR [--out DIR] [--lambda-h X --lambda-w Y] [--center=false] [--normalize=false] [--per-coordinate] [--json]"
	fs := flag.NewFlagSet("series", flag.ContinueOnError)
	out := fs.String("out", "series-out", "directory for table.csv, table.json and the plots")
	lh := fs.String("lambda-h", "", "λ_H of the training run (with --lambda-w: c = λ_H·λ_W for the γ/c column)")
	lw := fs.String("lambda-w", "", "λ_W of the training run")
	center := fs.Bool("center", true, "center features and targets (false: the uncentered variant)")
	normalize := fs.Bool("normalize", true, "normalize feature rows before NRC1/NRC2")
	perCoord := fs.Bool("per-coordinate", false, "divide NRC1/NRC2 by M·d instead of M")
	evr := fs.Int("evr", 0, "explained-variance ratios per epoch: 0 = min(d, n+5), -1 = all d")
	workers := fs.Int("workers", 0, "epochs computed at once (0: GOMAXPROCS)")
	memMB := fs.Int64("memory-mb", series.DefaultMemoryBudget>>20, "memory budget of the epochs in flight, MiB")
	noPlots := fs.Bool("no-plots", false, "write the tables only")
	asJSON := fs.Bool("json", false, "print the table as one JSON document on stdout")
	pos, code, done := parseCommandLine(fs, args, stdout, stderr, synopsis)
	if done {
		return code
	}
	if len(pos) != 1 {
		return fail(stderr, "series: expected one run directory DIR, got %d arguments (usage: %s)", len(pos), synopsis)
	}
	if *evr < -1 || *workers < 0 || *memMB < 1 {
		return fail(stderr, "series: --evr must be ≥ -1, --workers ≥ 0 and --memory-mb ≥ 1")
	}
	c, err := runC(*lh, *lw)
	if err != nil {
		return fail(stderr, "series: %v", err)
	}
	bar := &progressBar{w: stderr, cmd: "series", unit: "epochs", start: time.Now()}
	s := series.Settings{
		Options:      metrics.Options{Uncentered: !*center, EVRCount: *evr, Unnormalized: !*normalize, PerCoordinate: *perCoord},
		C:            c,
		Workers:      *workers,
		MemoryBudget: *memMB << 20,
		Progress:     bar.draw,
	}
	if err := checkOutDirNoCreate(*out); err != nil { // before any work (issue 10)
		return fail(stderr, "series: %v", err)
	}
	ctx, stop := interruptContext(stderr, "finishing the epochs in flight, then writing the partial table")
	defer stop()
	s.Context = ctx
	t, err := series.Run(pos[0], s)
	if err != nil {
		bar.clear() // the error is the one line left (QA session 24)
		return fail(stderr, "series: %v", err)
	}
	files, err := writeTable(t, *out, !*noPlots)
	if err != nil {
		fmt.Fprintf(stderr, "ufm: series: %v\n", err)
		return exitFailure
	}
	code = exitOK
	if *asJSON {
		code = writeJSON(stdout, stderr, t.JSON())
	} else {
		writeSeriesReport(stdout, t, files)
	}
	if t.Interrupted {
		fmt.Fprintf(stderr, "ufm: series: interrupted after %d of %d epochs; the table holds those (\"interrupted\": true)\n", len(t.Rows), t.Planned)
		return exitInterrupted
	}
	return code
}

// runC returns c = λ_H·λ_W from the flags (0 when neither is given).
func runC(lh, lw string) (float64, error) {
	if lh == "" && lw == "" {
		return 0, nil
	}
	if lh == "" || lw == "" {
		return 0, fmt.Errorf("give both --lambda-h and --lambda-w (c = λ_H·λ_W)")
	}
	h, err := instance.ParseNumber(lh)
	if err != nil {
		return 0, fmt.Errorf("--lambda-h: %v", err)
	}
	w, err := instance.ParseNumber(lw)
	if err != nil {
		return 0, fmt.Errorf("--lambda-w: %v", err)
	}
	if h.Sign() < 0 || w.Sign() < 0 {
		return 0, fmt.Errorf("λ must be ≥ 0")
	}
	f, _ := new(big.Rat).Mul(h, w).Float64()
	return f, nil
}

// progressBar draws "[#####.....] k/n unit" on w, redrawn in place (at
// most every barEvery), ended by a newline when done reaches total.
type progressBar struct {
	w         io.Writer
	cmd, unit string
	start     time.Time
	last      time.Time
	open      int // length of a drawn line not yet ended, 0 if none
}

// draw is the Progress callback.
func (b *progressBar) draw(done, total int) {
	if done < total && time.Since(b.last) < barEvery {
		return
	}
	b.last = time.Now()
	const width = 30
	fill := width * done / max(total, 1)
	line := fmt.Sprintf("ufm %s: [%s%s] %d/%d %s (%.1f s)", b.cmd, strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, total, b.unit, time.Since(b.start).Seconds())
	fmt.Fprint(b.w, "\r"+line)
	b.open = len(line)
	if done == total {
		fmt.Fprintln(b.w)
		b.open = 0
	}
}

// clear blanks a drawn line that was not ended, so that an error message
// that follows is the only line (a failed run printed the bar, then the
// error).
func (b *progressBar) clear() {
	if b.open > 0 {
		fmt.Fprint(b.w, "\r"+strings.Repeat(" ", b.open)+"\r")
		b.open = 0
	}
}

// featureDims is d, or "LO…HI" when the epochs' feature dimensions differ
// (the header gave the first epoch's alone).
func featureDims(t *series.Table) string {
	lo, hi := t.Rows[0].Metrics.FeatureDim, t.Rows[0].Metrics.FeatureDim
	for _, r := range t.Rows {
		lo, hi = min(lo, r.Metrics.FeatureDim), max(hi, r.Metrics.FeatureDim)
	}
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d…%d (it changes between epochs)", lo, hi)
}

func writeSeriesReport(w io.Writer, t *series.Table, files []string) {
	m := t.Rows[0].Metrics
	fmt.Fprintf(w, "ufm series: %s  (%d epochs; M = %d, d = %s, n = %d; first epoch's footprint %.2f MiB)\n\n",
		t.Dir, len(t.Rows), m.Samples, featureDims(t), m.TargetDim, float64(t.Footprint)/(1<<20))
	if t.Interrupted {
		fmt.Fprintf(w, "INTERRUPTED: %d of the %d planned epochs were computed; the table, table.csv and the pictures hold those.\n\n", len(t.Rows), t.Planned)
	}
	fmt.Fprintf(w, "  %6s  %-11s %-11s %-11s %-11s %-11s %-11s %s\n", "epoch", "NRC1", "NRC2", "NRC3", "γ", "EVR top n", "train MSE", "R²")
	for _, r := range t.Rows {
		rm := r.Metrics
		get := func(v float64, ok bool) string {
			if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				return "—" // undefined, or beyond float64 (the fit of 1e307 data)
			}
			return fmt.Sprintf("%.4g", v)
		}
		// The metrics with the digits their bounds leave (at most 4), or
		// "< x": an exact 0 printed as 1.426e-30 (QA session 21).
		bounded := func(v, err float64, ok bool) string {
			if !ok {
				return "—"
			}
			return metrics.BoundText64(v, err, 4)
		}
		top := 0.0
		for _, v := range rm.EVR[:min(rm.PrincipalDims, len(rm.EVR))] {
			top += v
		}
		fmt.Fprintf(w, "  %6d  %-11s %-11s %-11s %-11s %-11s %-11s %s\n", r.Epoch,
			bounded(rm.NRC1, rm.NRC1Err, !rm.FeaturesCollapsed && rm.NRC1Undefined == ""), bounded(rm.NRC2, rm.NRC2Err, !rm.FeaturesCollapsed),
			bounded(rm.NRC3, rm.NRC3Err, rm.NRC3Undefined == ""),
			bounded(rm.NRC3Gamma, rm.NRC3GammaErr, rm.NRC3Undefined == "" && !math.IsNaN(rm.NRC3Gamma)), get(top, len(rm.EVR) > 0),
			bounded(r.Fit.MSE, r.Fit.MSEErr, !r.Fit.MSEOutOfRange), bounded(r.Fit.R2, r.Fit.R2Err, r.Fit.Valid && !math.IsNaN(r.Fit.R2)))
	}
	var outOfRange []string
	for _, r := range t.Rows {
		if r.Fit.MSEOutOfRange {
			outOfRange = append(outOfRange, strconv.Itoa(r.Epoch))
		}
	}
	if len(outOfRange) > 0 {
		fmt.Fprintf(w, "\nTrain MSE — at epochs %s: %s.\n", strings.Join(outOfRange, ", "), series.MSEOutOfRangeNote)
	}
	if t.C > 0 {
		fmt.Fprintf(w, "\nc = λ_H·λ_W = %.6g: at a UFM optimum in the full regime NRC3 vanishes at γ = c.\n", t.C)
	}
	fmt.Fprintf(w, "\n(at most 4 digits shown, those the error bounds leave; table.csv and table.json hold the float64 values with their bounds)\n\nWritten:\n")
	for _, f := range files {
		fmt.Fprintf(w, "  %s\n", f)
	}
}
