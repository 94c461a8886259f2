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

	"github.com/nrc-ufm/ufm/claims"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
)

// searchJSON is the document of 'ufm search --json' and of 'ufm merge'.
// The first four fields are the SPEC's; the others are extras.
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
	OutsideHyp        bool       `json:"outside_hypotheses"`
	Digits            int        `json:"digits"`
	TimeLimit         float64    `json:"time_limit_seconds"` // 0: none
	TimeLimited       bool       `json:"time_limited"`
	Deterministic     bool       `json:"deterministic"`
	Seconds           float64    `json:"seconds"`       // wall time (the longest shard after a merge)
	SecondsTotal      float64    `json:"seconds_total"` // summed over shards
	WorstResidual     *string    `json:"worst_residual"`
	Expect            string     `json:"expect"`
}

type counterJSON struct {
	Instance         json.RawMessage `json:"instance"`
	Reason           string          `json:"reason"`
	ShrunkFrom       json.RawMessage `json:"shrunk_from"`
	Trial            int             `json:"trial"`
	File             string          `json:"file"`
	InsideHypotheses bool            `json:"inside_hypotheses"`
	HypothesisNote   string          `json:"hypothesis_note,omitempty"`
	OriginalReason   string          `json:"original_reason"`
	ShrinkSteps      int             `json:"shrink_steps"`
}

type noteJSON struct {
	Trial  int    `json:"trial"`
	Reason string `json:"reason"`
}

// unboundedBudget is the budget of a search limited by --time only.
const unboundedBudget = math.MaxInt32

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
	case n < 1:
		return 0, 0, fmt.Errorf("--shard %q: N must be ≥ 1", s)
	case k < 0 || k >= n:
		return 0, 0, fmt.Errorf("--shard %q: k must satisfy 0 ≤ k < N (shards are numbered from 0)", s)
	}
	return k, n, nil
}

func runSearch(args []string, stdout, stderr io.Writer) int {
	const synopsis = "ufm search --claim NAME [--budget N | --time D] [--seed S] [--shard k/N] [--out DIR] [--outside] [--digits N] [--workers W] [--no-shrink] [--json]"
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
	asJSON := fs.Bool("json", false, "print one JSON document")
	pos, code, done := parseCommandLine(fs, args, stdout, stderr, synopsis)
	if done {
		return code
	}
	if len(pos) > 0 {
		return fail(stderr, "search: unexpected argument %q (usage: %s)", pos[0], synopsis)
	}
	reg := claims.Default()
	if *name == "" {
		return fail(stderr, "search: --claim is required (known: %s)", strings.Join(reg.Names(), ", "))
	}
	claim, ok := reg.Lookup(*name)
	if !ok {
		return fail(stderr, "search: unknown claim %q (known: %s)", *name, strings.Join(reg.Names(), ", "))
	}
	k, n, err := parseShard(*shard)
	if err != nil {
		return fail(stderr, "search: %v", err)
	}
	budgetSet, timeSet := false, false
	fs.Visit(func(f *flag.Flag) {
		budgetSet = budgetSet || f.Name == "budget"
		timeSet = timeSet || f.Name == "time"
	})
	switch {
	case budgetSet && *budget < 1:
		return fail(stderr, "search: --budget must be ≥ 1, got %d", *budget)
	case timeSet && *limit <= 0:
		return fail(stderr, "search: --time must be positive, got %s", *limit)
	case *workers < 0:
		return fail(stderr, "search: --workers must be ≥ 0, got %d", *workers)
	}
	if err := checkDigits(*digits); err != nil {
		return fail(stderr, "search: %v", err)
	}
	b := *budget
	if !budgetSet {
		b = claim.Budget
		if timeSet {
			b = unboundedBudget
		}
	}
	res, err := proofs.Search(claim, proofs.SearchOptions{
		Budget: b, Time: *limit, Seed: *seed, Shard: k, Shards: n, Outside: *outside,
		Digits: *digits, Workers: *workers, NoShrink: *noShrink, Progress: stderr,
	})
	if err != nil {
		return fail(stderr, "search: %v", err)
	}
	doc := newSearchJSON(claim, res, *limit)
	if ce := res.Counterexample; ce != nil {
		path, err := writeCounterexample(*outDir, ce.Instance)
		if err != nil {
			fmt.Fprintf(stderr, "ufm: search: cannot write the counterexample: %v\n", err)
			return exitFailure
		}
		doc.Counterexample.File = path
	}
	code = exitOK
	if res.Counterexample != nil {
		code = exitFailure
	}
	if *asJSON {
		if c := writeJSON(stdout, stderr, doc); c != exitOK {
			return c
		}
		return code
	}
	writeSearchReport(stdout, doc)
	return code
}

// writeCounterexample writes the instance file DIR/<name>.json.
func writeCounterexample(dir string, in *instance.Instance) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, in.Name+".json")
	if err := os.WriteFile(path, in.Marshal(), 0o644); err != nil {
		return "", err
	}
	return path, nil
}

func newSearchJSON(claim *proofs.Claim, res *proofs.SearchResult, limit time.Duration) *searchJSON {
	doc := &searchJSON{
		Claim: res.Claim, Trials: res.Trials, Seed: res.Seed,
		Shard: fmt.Sprintf("%d/%d", res.Shard, res.Shards), ShardIndices: []int{res.Shard}, Shards: res.Shards,
		Budget: res.Budget, Planned: res.Planned, Held: res.Held, Inconclusive: res.Inconclusive,
		InconclusiveNotes: []noteJSON{}, OutsideHyp: res.Outside, Digits: res.Digits,
		TimeLimit: limit.Seconds(), TimeLimited: res.TimeLimited, Deterministic: !res.TimeLimited,
		Seconds: res.Elapsed.Seconds(), SecondsTotal: res.Elapsed.Seconds(), Expect: string(claim.Expect),
	}
	for _, n := range res.Notes {
		doc.InconclusiveNotes = append(doc.InconclusiveNotes, noteJSON{n.Trial, n.Reason})
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
	if doc.WorstResidual != nil {
		fmt.Fprintf(w, ", worst residual of the trials that held %s", *doc.WorstResidual)
	}
	fmt.Fprintln(w)
	for _, n := range doc.InconclusiveNotes {
		fmt.Fprintf(w, "  inconclusive trial %d: %s\n", n.Trial, n.Reason)
	}
	if doc.TimeLimited {
		fmt.Fprintln(w, "  stopped by --time: the trial count depends on machine speed (not deterministic)")
	}
	ce := doc.Counterexample
	if ce == nil {
		fmt.Fprintln(w, "\nNo counterexample found.")
		return
	}
	where := "inside the claim's hypotheses: the claim as stated is false"
	if !ce.InsideHypotheses {
		where = "outside the claim's hypotheses (" + ce.HypothesisNote + "): this shows a hypothesis is needed"
	}
	fmt.Fprintf(w, "\nCOUNTEREXAMPLE at trial %d, %s.\n", ce.Trial, where)
	fmt.Fprintf(w, "  instance:    %s\n", instanceDims(ce.Instance))
	fmt.Fprintf(w, "  shrunk from: %s (%d simplifications)\n", instanceDims(ce.ShrunkFrom), ce.ShrinkSteps)
	fmt.Fprintf(w, "  reason:      %s\n", wrap(ce.Reason, 90, "               "))
	if ce.File != "" {
		replay := fmt.Sprintf("ufm verify %s", ce.File)
		if in, err := instance.Parse(ce.Instance); err == nil && in.Bias == instance.BiasRegularized {
			replay = fmt.Sprintf("ufm solve %s (bias regularized has no closed form to verify against)", ce.File)
		}
		fmt.Fprintf(w, "  written to:  %s (replay: %s)\n", ce.File, replay)
	}
	if doc.Expect == string(proofs.Fails) {
		fmt.Fprintln(w, "  (this claim is registered as expected to be refuted)")
	}
}
