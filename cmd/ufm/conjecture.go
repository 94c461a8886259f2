package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nrc-ufm/ufm/conjecture"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
)

// runConjecture is 'ufm conjecture FILE': the conjecture file becomes a
// proofs.Claim and runs through proofs.Search exactly like 'ufm search'
// (same JSON document, counterexample file and exit statuses), with a
// report that says how many trials held and to how many digits.
func runConjecture(args []string, stdout, stderr io.Writer) int {
	const synopsis = "ufm conjecture FILE [--budget N | --time D] [--digits D] [--seed S] [--shard k/N] [--out DIR] [--workers W] [--no-shrink] [--replay INSTANCE] [--json]"
	fs := flag.NewFlagSet("conjecture", flag.ContinueOnError)
	budget := fs.Int("budget", 0, "total trials over all shards (default: the file's budget; unbounded with --time alone)")
	limit := fs.Duration("time", 0, "stop starting trials after this long, e.g. 90s or 10m (the trial count then depends on speed)")
	seed := fs.Uint64("seed", 1, "seed: trial i depends on (seed, i) only")
	shard := fs.String("shard", "0/1", "run shard k of N (0-based): the trials i ≡ k mod N")
	outDir := fs.String("out", "counterexamples", "directory for the counterexample instance file")
	digits := fs.Int("digits", 0, "working digits (default: the file's, else 30)")
	workers := fs.Int("workers", 0, "parallel trials (default: GOMAXPROCS); results do not depend on it")
	noShrink := fs.Bool("no-shrink", false, "report a failing instance as generated, without shrinking")
	replay := fs.String("replay", "", "instead of searching, check the conjecture on this instance file (e.g. a counterexample)")
	asJSON := fs.Bool("json", false, "print one JSON document (the same as ufm search --json)")
	pos, code, done := parseCommandLine(fs, args, stdout, stderr, synopsis)
	if done {
		return code
	}
	if len(pos) != 1 {
		return fail(stderr, "conjecture: expected one conjecture FILE, got %d arguments (usage: %s)", len(pos), synopsis)
	}
	conj, src, err := loadConjecture(pos[0])
	if err != nil {
		return fail(stderr, "conjecture: %s", termSafe(err.Error()))
	}
	k, n, err := parseShard(*shard)
	if err != nil {
		return fail(stderr, "conjecture: %v", err)
	}
	budgetSet, timeSet := flagSet(fs, "budget"), flagSet(fs, "time")
	switch {
	case budgetSet && *budget < 1:
		return fail(stderr, "conjecture: --budget must be ≥ 1, got %d", *budget)
	case timeSet && *limit <= 0:
		return fail(stderr, "conjecture: --time must be positive, got %s", *limit)
	}
	// The same cap as search (QA session 24: --workers 1000000 was taken,
	// 4.5 GB of goroutines).
	if err := checkWorkers(fs, *workers); err != nil {
		return fail(stderr, "conjecture: %v", err)
	}
	if err := checkCheckDigits(fs, *digits); err != nil {
		return fail(stderr, "conjecture: %v", err)
	}
	claim := conj.Claim()
	if *replay != "" {
		return runReplay(stdout, stderr, "conjecture", &claim, *replay, *digits, *seed, *asJSON)
	}
	if err := checkOutDir(*outDir); err != nil {
		return fail(stderr, "conjecture: %v", err)
	}
	b := *budget
	if !budgetSet {
		b = claim.Budget
		if timeSet {
			b = unboundedBudget
		}
	}
	ctx, stop := interruptContext(stderr, "finishing the trials running, then reporting those done")
	defer stop()
	absolute := &absoluteTrials{trials: map[int]bool{}}
	res, err := proofs.Search(&claim, proofs.SearchOptions{
		Budget: b, Time: *limit, Seed: *seed, Shard: k, Shards: n,
		Digits: *digits, Workers: *workers, NoShrink: *noShrink, Progress: stderr, Context: ctx,
		OnTrial: absolute.record,
	})
	if err != nil {
		return fail(stderr, "conjecture: %v", err)
	}
	doc := newSearchJSON(&claim, res, *limit)
	doc.ConjectureSource, doc.conjectureFile = &src, pos[0]
	if ce := res.Counterexample; ce != nil {
		path, err := writeCounterexample(*outDir, claim.Name, res.Seed, ce.Trial, ce.Instance.Marshal())
		if err != nil {
			fmt.Fprintf(stderr, "ufm: conjecture: cannot write the counterexample: %v\n", err)
			return exitUsage
		}
		doc.Counterexample.File = path
	}
	code = exitForSearch(doc.Errored, doc.Counterexample != nil, doc.Interrupted)
	if code == exitOK && res.Held == 0 {
		code = exitFailure // no counterexample, but no trial held either: nothing was shown
	}
	if *asJSON {
		if c := writeJSON(stdout, stderr, doc); c != exitOK {
			return c
		}
		return code
	}
	writeConjectureReport(stdout, conj, res, doc, absolute.count(res))
	return code
}

// loadConjecture reads and parses a conjecture file, returning it and its
// text; errors carry the file name, line and column.
func loadConjecture(path string) (*conjecture.Conjecture, string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, "", err
	}
	if st.IsDir() {
		return nil, "", fmt.Errorf("%s is a directory, not a conjecture file", path)
	}
	if st.Size() > conjecture.MaxFileBytes {
		return nil, "", fmt.Errorf("%s: file too large (%d bytes, at most %d)", path, st.Size(), conjecture.MaxFileBytes)
	}
	// Stat's size is 0 for devices and pipes: read at most one byte past
	// the cap whatever it said.
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, conjecture.MaxFileBytes+1))
	if err != nil {
		return nil, "", err
	}
	if len(src) > conjecture.MaxFileBytes {
		return nil, "", fmt.Errorf("%s: file too large (more than %d bytes)", path, conjecture.MaxFileBytes)
	}
	c, err := conjecture.Parse(path, src)
	if err != nil {
		return nil, "", err
	}
	return c, string(src), nil
}

// writeConjectureReport prints the verdict in the conjecture's terms, then
// the search report (trials, counterexample, replay file) of 'ufm search'.
func writeConjectureReport(w io.Writer, c *conjecture.Conjecture, res *proofs.SearchResult, doc *searchJSON, absolute int) {
	fmt.Fprintf(w, "ufm conjecture %s: %s\n", c.Name, termSafe(c.Relationship()))
	switch {
	case res.Errored > 0:
		fmt.Fprintf(w, "NOT CONCLUSIVE: %d trial(s) broke (see the ERROR lines below).\n", res.Errored)
	case res.Counterexample != nil:
		fmt.Fprintf(w, "REFUTED: counterexample at trial %d (after %d held, %d inconclusive).\n", res.Counterexample.Trial, res.Held, res.Inconclusive)
		fmt.Fprint(w, sideBySide(c, res.Counterexample.Instance, res.Digits))
	case res.Held == 0:
		fmt.Fprintf(w, "NOT ESTABLISHED: no trial held (%d inconclusive of %d); see the notes below.\n", res.Inconclusive, res.Trials)
	default:
		fmt.Fprintf(w, "held on %d trials", res.Held)
		if absolute > 0 {
			fmt.Fprintf(w, " (%d of them only absolutely: both sides 0 within the tolerance)", absolute)
		}
		fmt.Fprintf(w, "; %s; %d inconclusive of %d run.\n", heldDigits(res), res.Inconclusive, res.Trials)
	}
	fmt.Fprintln(w)
	writeSearchReport(w, doc)
}

// heldDigits states the tolerance of the trials that held: the worst
// relative tolerance 10^-k reads "to k digits".
func heldDigits(res *proofs.SearchResult) string {
	r := res.WorstResidual
	switch {
	case r == nil:
		return "no relative comparison was made (the sides agreed only within an absolute tolerance)"
	case r.Sign() == 0 && res.Exact:
		return "every comparison was exact (both sides exact rationals)"
	case r.Sign() == 0:
		return "every relative comparison was exact"
	}
	e := r.MantExp(nil) // r ∈ [2^(e−1), 2^e)
	k := (-e) * 30103 / 100000
	return fmt.Sprintf("to %d digits (worst relative tolerance %s; working digits %d)", k, r.Text('e', 1), res.Digits)
}

// absoluteTrials records the trials that held only absolutely (OnTrial is
// called from the search's workers).
type absoluteTrials struct {
	mu     sync.Mutex
	trials map[int]bool
}

func (a *absoluteTrials) record(trial int, out proofs.Outcome) {
	if out.Verdict != proofs.Holds || !strings.HasPrefix(out.Reason, conjecture.AbsoluteOnly) {
		return
	}
	a.mu.Lock()
	a.trials[trial] = true
	a.mu.Unlock()
}

// count returns how many of the trials that count in res held only
// absolutely.
func (a *absoluteTrials) count(res *proofs.SearchResult) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := 0
	for j := 0; j < res.Trials; j++ {
		if a.trials[res.Shard+j*res.Shards] {
			k++
		}
	}
	return k
}

// sideBySide re-evaluates the (shrunk) counterexample and prints the two
// sides and the digits they share.
func sideBySide(c *conjecture.Conjecture, in *instance.Instance, digits int) string {
	cmps, err := c.Evaluate(in, digits, 1, 30*time.Second)
	if err != nil || len(cmps) == 0 {
		return fmt.Sprintf("  (re-evaluating the shrunk instance for the side-by-side view failed: %s)\n", termSafe(fmt.Sprint(err)))
	}
	cmp := cmps[len(cmps)-1]
	var b strings.Builder
	at := ""
	if cmp.Index != nil {
		at = fmt.Sprintf(" (at index %d)", *cmp.Index)
	}
	fmt.Fprintf(&b, "  on the shrunk instance%s:\n", at)
	fmt.Fprintf(&b, "    quantity  %-28s = %s\n", termSafe(cmp.Quantity), cmp.QuantityText())
	fmt.Fprintf(&b, "    formula   %-28s = %s\n", termSafe(cmp.Formula), cmp.FormulaText())
	fmt.Fprintf(&b, "    relation  %s is false; the two sides share %d digits\n", c.Relation, cmp.SharedDigits)
	return b.String()
}
