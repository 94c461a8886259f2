package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
)

// searchJSON is the document of 'ufm search --json' and of 'ufm merge'.
// The first four fields are those of docs/formats.md; the others are extras.
type searchJSON struct {
	Claim          string       `json:"claim"`
	Trials         int          `json:"trials"`
	Seed           uint64       `json:"seed"`
	Counterexample *counterJSON `json:"counterexample"`
	// Extras.
	Shard             string     `json:"shard"`         // "k/N", or "all/N" after a complete merge
	ShardIndices      []int      `json:"shard_indices"` // the shards this document covers
	Shards            int        `json:"shards"`
	Budget            int        `json:"budget"`  // total trials over all shards
	Planned           int        `json:"planned"` // trials of the covered shards within the budget
	Held              int        `json:"held"`
	Inconclusive      int        `json:"inconclusive"`
	InconclusiveNotes []noteJSON `json:"inconclusive_notes"`
	Errored           int        `json:"errored"` // trials whose check broke (exit status 3)
	// FurtherCounterexamples counts the counterexamples of merged shards
	// other than the one kept (the earliest trial's): each shard stops at
	// its own, so they are trials too (absent in a single search).
	FurtherCounterexamples int        `json:"further_counterexamples,omitempty"`
	ErrorNotes             []noteJSON `json:"error_notes"` // the first few of them
	OutsideHyp             bool       `json:"outside_hypotheses"`
	Digits                 int        `json:"digits"`
	TimeLimit              float64    `json:"time_limit_seconds"` // 0: none
	TimeLimited            bool       `json:"time_limited"`
	Interrupted            bool       `json:"interrupted"` // SIGINT/SIGTERM stopped it: a partial result
	Deterministic          bool       `json:"deterministic"`
	Seconds                float64    `json:"seconds"`       // wall time (the longest shard after a merge)
	SecondsTotal           float64    `json:"seconds_total"` // summed over shards
	WorstResidual          *string    `json:"worst_residual"`
	Expect                 string     `json:"expect"`
	// ConjectureSource is the text of the conjecture file of a document of
	// 'ufm conjecture' (whose claim is in no registry): merge rebuilds the
	// claim from it to validate the document.
	ConjectureSource *string `json:"conjecture_source,omitempty"`
	conjectureFile   string  // the conjecture file's path, for the replay line (not in the JSON)
}

type counterJSON struct {
	Instance         json.RawMessage `json:"instance"`
	Reason           string          `json:"reason"`
	ShrunkFrom       json.RawMessage `json:"shrunk_from"`
	Trial            int             `json:"trial"`
	File             string          `json:"file"`
	InsideHypotheses bool            `json:"inside_hypotheses"`
	HypothesisNote   string          `json:"hypothesis_note"` // why the instance is outside the hypotheses ("" inside)
	OriginalReason   string          `json:"original_reason"`
	ShrinkSteps      int             `json:"shrink_steps"`
}

type noteJSON struct {
	Trial  int    `json:"trial"`
	Reason string `json:"reason"`
}

// unboundedBudget is the budget of a search limited by --time only.
const unboundedBudget = math.MaxInt32

// maxShards caps the number of shards of a search (and of a merge).
const maxShards = 1000000

// parseShard reads "k/N" with 0 ≤ k < N.
func parseShard(s string) (k, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, fmt.Errorf("--shard must be k/N (0-based k, e.g. 0/4), got %q", s)
	}
	k, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	switch {
	case err1 != nil || err2 != nil:
		return 0, 0, fmt.Errorf("--shard must be k/N with whole numbers, got %q", s)
	case n < 1 || n > maxShards:
		return 0, 0, fmt.Errorf("--shard %q: N must be between 1 and %d", s, maxShards)
	case k < 0 || k >= n:
		return 0, 0, fmt.Errorf("--shard %q: k must satisfy 0 ≤ k < N (shards are numbered from 0)", s)
	}
	return k, n, nil
}

func runSearch(args []string, stdout, stderr io.Writer) int {
	const synopsis = "ufm search --claim NAME [--budget N | --time D] [--seed S] [--shard k/N] [--out DIR] [--outside] [--digits N] [--workers W] [--no-shrink] [--report FILE] [--replay FILE] [--json]"
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	name := fs.String("claim", "", "the claim to search counterexamples to (ufm claims lists them)")
	budget := fs.Int("budget", 0, "total trials over all shards (default: the claim's budget; unbounded with --time alone)")
	limit := fs.Duration("time", 0, "stop starting trials after this long, e.g. 90s or 10m (the trial count then depends on speed)")
	seed := fs.Uint64("seed", 1, "seed: trial i depends on (seed, i) only")
	shard := fs.String("shard", "0/1", "run shard k of N (0-based): the trials i ≡ k mod N")
	outDir := fs.String("out", "counterexamples", "directory for the counterexample instance file")
	outside := fs.Bool("outside", false, "draw instances outside the claim's hypotheses on purpose (to see which hypothesis is needed)")
	digits := fs.Int("digits", 0, "working digits of the checks (default: the claim's)")
	workers := fs.Int("workers", 0, "parallel trials (default: GOMAXPROCS); results do not depend on it")
	noShrink := fs.Bool("no-shrink", false, "report a failing instance as generated, without shrinking")
	report := fs.String("report", "", "also write the JSON document to FILE, through a temporary file and a rename (a killed search leaves no partial file)")
	replay := fs.String("replay", "", "instead of searching, run the claim's check on this instance FILE (e.g. a counterexample) and print its verdict")
	asJSON := fs.Bool("json", false, "print one JSON document")
	pos, code, done := parseCommandLine(fs, args, stdout, stderr, synopsis)
	if done {
		return code
	}
	if len(pos) > 0 {
		return fail(stderr, "search: unexpected argument %q (usage: %s)", termSafe(pos[0]), synopsis)
	}
	reg := registry()
	if *name == "" {
		return fail(stderr, "search: --claim is required (known: %s)", strings.Join(reg.Names(), ", "))
	}
	claim, ok := reg.Lookup(*name)
	if !ok {
		return fail(stderr, "search: unknown claim %q (known: %s)", *name, strings.Join(reg.Names(), ", "))
	}
	if err := checkCheckDigits(fs, *digits); err != nil {
		return fail(stderr, "search: %v", err)
	}
	if *replay != "" {
		return runReplay(stdout, stderr, "search", claim, *replay, *digits, *seed, *asJSON)
	}
	opts, err := searchOptions(fs, claim, *budget, *limit, *shard, *workers)
	if err != nil {
		return fail(stderr, "search: %v", err)
	}
	opts.Seed, opts.Outside, opts.Digits, opts.NoShrink, opts.Progress = *seed, *outside, *digits, *noShrink, stderr
	if err := checkOutDir(*outDir); err != nil {
		return fail(stderr, "search: %v", err)
	}
	if *report != "" {
		if err := checkOutFile(*report); err != nil {
			return fail(stderr, "search: --report: %v", err)
		}
	}
	ctx, stop := interruptContext(stderr, "finishing the trials running, then reporting those done")
	defer stop()
	opts.Context = ctx
	res, err := proofs.Search(claim, opts)
	if err != nil {
		return fail(stderr, "search: %v", err)
	}
	doc := newSearchJSON(claim, res, *limit)
	if err := writeSearchFiles(doc, res, *outDir, *report); err != nil {
		fmt.Fprintln(stderr, termSafe(fmt.Sprintf("ufm: search: %v", err)))
		return exitUsage
	}
	return emitSearch(stdout, stderr, doc, *asJSON)
}

// searchOptions validates the budget, time, shard and workers flags of fs
// and returns the options they set. Without --budget the budget is the
// claim's, or unbounded with --time alone.
func searchOptions(fs *flag.FlagSet, claim *proofs.Claim, budget int, limit time.Duration, shard string, workers int) (proofs.SearchOptions, error) {
	var opts proofs.SearchOptions
	k, n, err := parseShard(shard)
	if err != nil {
		return opts, err
	}
	budgetSet, timeSet := flagSet(fs, "budget"), flagSet(fs, "time")
	switch {
	case budgetSet && budget < 1:
		return opts, fmt.Errorf("--budget must be ≥ 1, got %d", budget)
	case timeSet && limit <= 0:
		return opts, fmt.Errorf("--time must be positive, got %s", limit)
	}
	if err := checkWorkers(fs, workers); err != nil {
		return opts, err
	}
	switch {
	case budgetSet:
	case timeSet:
		budget = unboundedBudget
	default:
		budget = claim.Budget
	}
	return proofs.SearchOptions{Budget: budget, Time: limit, Shard: k, Shards: n, Workers: workers}, nil
}

// writeSearchFiles writes the counterexample instance into outDir and, if
// report is set, the JSON document to report (both by temp+rename), and
// records the counterexample's path in doc.
func writeSearchFiles(doc *searchJSON, res *proofs.SearchResult, outDir, report string) error {
	if ce := res.Counterexample; ce != nil {
		path, err := writeCounterexample(outDir, res.Claim, res.Seed, ce.Trial, ce.Instance.Marshal())
		if err != nil {
			return fmt.Errorf("cannot write the counterexample: %v", err)
		}
		doc.Counterexample.File = path
	}
	if report != "" {
		data, _ := json.MarshalIndent(doc, "", "  ") // plain structs always encode
		if err := writeFileAtomic(report, append(data, '\n')); err != nil {
			return fmt.Errorf("cannot write --report %s: %v", report, pathErrText(err))
		}
	}
	return nil
}

// emitSearch prints doc (JSON or the human report) and returns the exit
// status it calls for.
func emitSearch(stdout, stderr io.Writer, doc *searchJSON, asJSON bool) int {
	code := exitForSearch(doc.Errored, doc.Counterexample != nil, doc.Interrupted)
	if asJSON {
		if c := writeJSON(stdout, stderr, doc); c != exitOK {
			return c
		}
		return code
	}
	writeSearchReport(stdout, doc)
	return code
}

// counterexampleFile is the file name of the counterexample of trial i of
// a search of claim with seed, inside the output directory.
func counterexampleFile(dir, claim string, seed uint64, trial int) string {
	return filepath.Join(dir, fmt.Sprintf("%s-s%d-t%d.json", claim, seed, trial))
}

// writeCounterexample writes the instance file DIR/<claim>-s<seed>-t<trial>.json
// (through a temporary file and a rename).
func writeCounterexample(dir, claim string, seed uint64, trial int, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := counterexampleFile(dir, claim, seed, trial)
	if err := writeFileAtomic(path, data); err != nil {
		return "", err
	}
	return path, nil
}

func newSearchJSON(claim *proofs.Claim, res *proofs.SearchResult, limit time.Duration) *searchJSON {
	doc := &searchJSON{
		Claim: res.Claim, Trials: res.Trials, Seed: res.Seed,
		Shard: fmt.Sprintf("%d/%d", res.Shard, res.Shards), ShardIndices: []int{res.Shard}, Shards: res.Shards,
		Budget: res.Budget, Planned: res.Planned, Held: res.Held, Inconclusive: res.Inconclusive,
		InconclusiveNotes: []noteJSON{}, Errored: res.Errored, ErrorNotes: []noteJSON{},
		OutsideHyp: res.Outside, Digits: res.Digits, Interrupted: res.Interrupted,
		TimeLimit: limit.Seconds(), TimeLimited: res.TimeLimited, Deterministic: !res.TimeLimited && !res.Interrupted,
		Seconds: res.Elapsed.Seconds(), SecondsTotal: res.Elapsed.Seconds(), Expect: string(claim.Expect),
	}
	for _, n := range res.Notes {
		doc.InconclusiveNotes = append(doc.InconclusiveNotes, noteJSON{n.Trial, n.Reason})
	}
	for _, n := range res.ErrorNotes {
		doc.ErrorNotes = append(doc.ErrorNotes, noteJSON{n.Trial, n.Reason})
	}
	if res.WorstResidual != nil {
		s := res.ResidualText()
		doc.WorstResidual = &s
	}
	if ce := res.Counterexample; ce != nil {
		doc.Counterexample = &counterJSON{
			Instance: json.RawMessage(ce.Instance.Marshal()), Reason: ce.Reason,
			ShrunkFrom: json.RawMessage(ce.Original.Marshal()), Trial: ce.Trial,
			InsideHypotheses: ce.Inside, HypothesisNote: ce.HypothesisNote,
			OriginalReason: ce.OriginalReason, ShrinkSteps: ce.ShrinkSteps,
		}
	}
	return doc
}

// instanceDims reads n, d, M of an embedded instance document.
func instanceDims(raw json.RawMessage) string {
	in, err := instance.Parse(raw)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("n = %d, d = %d, M = %d, λ_H = %s, λ_W = %s, bias %s", in.N(), in.D, in.M(), in.LambdaH.RatString(), in.LambdaW.RatString(), in.Bias)
}

func writeSearchReport(w io.Writer, doc *searchJSON) {
	fmt.Fprintf(w, "ufm search: claim %s, seed %d, shard %s (%d of %d planned trials", doc.Claim, doc.Seed, doc.Shard, doc.Trials, doc.Planned)
	if doc.Budget != unboundedBudget {
		fmt.Fprintf(w, ", budget %d over all shards", doc.Budget)
	}
	fmt.Fprintf(w, ") in %.2f s\n", doc.Seconds)
	if doc.OutsideHyp {
		fmt.Fprintln(w, "  instances drawn OUTSIDE the claim's hypotheses (--outside)")
	}
	fmt.Fprintf(w, "  held %d, inconclusive %d", doc.Held, doc.Inconclusive)
	if doc.Errored > 0 {
		fmt.Fprintf(w, ", ERROR %d", doc.Errored)
	}
	if doc.WorstResidual != nil {
		fmt.Fprintf(w, ", worst residual of the trials that held %s", termSafe(*doc.WorstResidual))
	}
	fmt.Fprintln(w)
	for _, n := range doc.InconclusiveNotes {
		fmt.Fprintf(w, "  inconclusive trial %d: %s\n", n.Trial, termSafe(n.Reason))
	}
	for _, n := range doc.ErrorNotes {
		fmt.Fprintf(w, "  ERROR in trial %d (the check broke; this is not a verdict): %s\n", n.Trial, termSafe(n.Reason))
	}
	if doc.TimeLimited {
		fmt.Fprintln(w, "  stopped by --time: the trial count depends on machine speed (not deterministic)")
	}
	if doc.Interrupted {
		fmt.Fprintln(w, "  INTERRUPTED: a partial result (the trials above are those done; ufm merge accepts it as partial)")
	}
	writeCounterexampleReport(w, doc)
}

func writeCounterexampleReport(w io.Writer, doc *searchJSON) {
	ce := doc.Counterexample
	if ce == nil {
		if doc.Errored > 0 {
			fmt.Fprintln(w, "\nNo counterexample found, but some checks broke: the search is NOT conclusive (exit status 3).")
		} else {
			fmt.Fprintln(w, "\nNo counterexample found.")
		}
		return
	}
	where := "inside the claim's hypotheses: the claim as stated is false"
	if !ce.InsideHypotheses {
		where = "outside the claim's hypotheses (" + termSafe(ce.HypothesisNote) + "): this shows a hypothesis is needed"
	}
	fmt.Fprintf(w, "\nCOUNTEREXAMPLE at trial %d, %s.\n", ce.Trial, where)
	if doc.FurtherCounterexamples > 0 {
		fmt.Fprintf(w, "(%d more merged shards found counterexamples of their own; this is the earliest trial's)\n", doc.FurtherCounterexamples)
	}
	fmt.Fprintf(w, "  instance:    %s\n", instanceDims(ce.Instance))
	fmt.Fprintf(w, "  shrunk from: %s (%d simplifications)\n", instanceDims(ce.ShrunkFrom), ce.ShrinkSteps)
	fmt.Fprintf(w, "  reason:      %s\n", wrap(termSafe(ce.Reason), 90, "               "))
	if ce.File != "" {
		fmt.Fprintf(w, "  written to:  %s\n", termSafe(ce.File))
		if doc.ConjectureSource != nil {
			conj := doc.conjectureFile
			if conj == "" {
				conj = "CONJECTURE-FILE"
			}
			fmt.Fprintf(w, "  replay:      ufm conjecture %s --replay %s  (the conjecture's check on the file)\n", termSafe(conj), termSafe(ce.File))
		} else {
			fmt.Fprintf(w, "  replay:      ufm search --claim %s --replay %s  (the claim's check on the file)\n", doc.Claim, termSafe(ce.File))
		}
		if in, err := instance.Parse(ce.Instance); err == nil && in.Bias == instance.BiasRegularized {
			fmt.Fprintf(w, "               ufm solve %s  (bias regularized has no closed form to verify against)\n", termSafe(ce.File))
		} else {
			fmt.Fprintf(w, "               ufm verify %s  (theory against solver on it)\n", termSafe(ce.File))
		}
	}
	if doc.Expect == string(proofs.Fails) {
		fmt.Fprintln(w, "  (this claim is registered as expected to be refuted)")
	}
}

// replayJSON is the document of 'ufm search --replay FILE --json'.
type replayJSON struct {
	Claim            string  `json:"claim"`
	File             string  `json:"file"`
	Verdict          string  `json:"verdict"`
	Reason           string  `json:"reason"`
	InsideHypotheses bool    `json:"inside_hypotheses"`
	HypothesisNote   string  `json:"hypothesis_note"`
	Residual         *string `json:"residual"`
}

// runReplay runs claim's check on the instance file and prints the
// outcome: exit 1 when it fails, 3 when the check broke, else 0.
func runReplay(stdout, stderr io.Writer, command string, claim *proofs.Claim, file string, digits int, seed uint64, asJSON bool) int {
	in, err := instance.Load(file)
	if err != nil {
		return fail(stderr, "%s --replay: %s: %v", command, file, err)
	}
	out := proofs.CheckOne(claim, in, proofs.CheckConfig{Digits: digits, Seed: seed})
	inside, note := claim.InHypotheses(in)
	if command == "conjecture" && (out.Verdict == proofs.Holds || out.Verdict == proofs.Fails) {
		// The check decided the hypotheses, at the digits it escalated to
		// (QA session 22: a hypothesis undecided at the file's digits was
		// reported "outside" above a HOLDS).
		inside, note = true, ""
	}
	if command == "conjecture" && out.Verdict == proofs.Inconclusive && !inside && strings.Contains(note, "not decided") {
		// Undecided at the file's digits, and still at the digits the
		// check escalated to: the reason has the last radius, the
		// pre-check's note a stale one (QA session 22).
		note = "hypotheses not decided at any precision tried: " + out.Reason
	}
	doc := replayJSON{Claim: claim.Name, File: file, Verdict: string(out.Verdict), Reason: out.Reason, InsideHypotheses: inside, HypothesisNote: note}
	if out.Residual != nil {
		r := out.Residual.Text('e', 1)
		doc.Residual = &r
	}
	code := exitOK
	switch {
	case out.Verdict == proofs.Fails:
		code = exitFailure
	case out.Verdict == proofs.Error:
		code = exitError
	case out.Verdict == proofs.Inconclusive && command == "conjecture":
		// A conjecture run in which no trial held exits 1 (formats.md);
		// a replay is a run of one trial (QA session 22: it exited 0).
		code = exitFailure
	}
	if asJSON {
		if c := writeJSON(stdout, stderr, doc); c != exitOK {
			return c
		}
		return code
	}
	where := "inside the claim's hypotheses"
	if !inside {
		where = "outside the claim's hypotheses (" + termSafe(note) + ")"
	}
	fmt.Fprintf(stdout, "ufm %s --replay: claim %s on %s (%s; %s)\n", command, claim.Name, termSafe(file), instanceDims(json.RawMessage(in.Marshal())), where)
	fmt.Fprintf(stdout, "  verdict: %s\n  reason:  %s\n", strings.ToUpper(doc.Verdict), wrap(termSafe(out.Reason), 90, "           "))
	return code
}
