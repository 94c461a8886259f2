package proofs

import (
	"context"
	"fmt"
	"io"
	"time"
)

// ProofOptions configure RunProofs.
type ProofOptions struct {
	Digits   int    // working digits (0: each claim's own)
	Trials   int    // trials per claim (0: each claim's own Trials)
	Seed     uint64 // seed of the trials
	Workers  int
	Progress io.Writer
	// Context, when cancelled (e.g. on SIGINT), stops the run: the claim
	// running keeps the trials it finished, later claims are not run, and
	// the rows say Interrupted.
	Context context.Context
}

// ProofRow is one line of the `ufm proofs` table.
type ProofRow struct {
	Claim *Claim
	// Verdict is Error when any trial's check broke (whatever the others
	// said), else Fails when a trial failed, Inconclusive when no trial
	// decided, Holds otherwise.
	Verdict Verdict
	Matches bool // Verdict == Claim.Expect
	Result  *SearchResult
	// Summary is one sentence: for a failure the first counterexample's
	// reason, otherwise the reason of the last trial that held.
	Summary string
	Elapsed time.Duration
	// Interrupted: the run was cancelled before this claim's trials were
	// all run (Result covers those that were; nil if none was).
	Interrupted bool
}

// RunProofs runs every claim's check on its own generator's instances
// (trials 0 … Trials−1 of a search with the given seed, no shrinking) and
// returns one row per claim. A trial whose check broke makes its row Error:
// a run never reports holds or fails over a broken check.
func RunProofs(claims []*Claim, opts ProofOptions) []ProofRow {
	var rows []ProofRow
	for _, c := range claims {
		if opts.Context != nil && opts.Context.Err() != nil {
			rows = append(rows, ProofRow{Claim: c, Verdict: Inconclusive, Interrupted: true, Summary: "not run: interrupted"})
			continue
		}
		row := proveClaim(c, opts)
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "proofs: %s: %s (%d trials, %s)\n", c.Name, row.Verdict, row.Result.Trials, row.Elapsed.Round(time.Millisecond))
		}
		rows = append(rows, row)
	}
	return rows
}

// proveClaim runs one claim's trials and decides its row.
func proveClaim(c *Claim, opts ProofOptions) ProofRow {
	trials := opts.Trials
	if trials <= 0 {
		trials = c.Trials
	}
	start := time.Now()
	res, err := Search(c, SearchOptions{Budget: trials, Seed: opts.Seed, Digits: opts.Digits, Workers: opts.Workers, NoShrink: true, KeepGoing: true, Context: opts.Context, Progress: opts.Progress})
	row := ProofRow{Claim: c, Result: res, Elapsed: time.Since(start)}
	if err != nil {
		row.Verdict, row.Summary = Error, err.Error()
		row.Result = &SearchResult{Claim: c.Name}
		return row
	}
	row.Interrupted = res.Interrupted
	switch {
	case res.Errored > 0:
		row.Verdict = Error
		first := res.ErrorNotes[0]
		row.Summary = fmt.Sprintf("the check broke in %d of %d trials (held %d, failed %d, inconclusive %d); first, trial %d: %s",
			res.Errored, res.Trials, res.Held, res.Failed, res.Inconclusive, first.Trial, first.Reason)
	case res.Counterexample != nil:
		row.Verdict = Fails
		ce := res.Counterexample
		row.Summary = fmt.Sprintf("refuted in %d of %d trials (held in %d); first, trial %d (n = %d, d = %d, M = %d): %s",
			res.Failed, res.Trials, res.Held, ce.Trial, ce.Instance.N(), ce.Instance.D, ce.Instance.M(), ce.Reason)
	case res.Held == 0:
		row.Verdict = Inconclusive
		if len(res.Notes) > 0 {
			row.Summary = res.Notes[0].Reason
		}
	default:
		row.Verdict = Holds
		row.Summary = res.FirstHeld
	}
	if row.Interrupted {
		row.Summary = fmt.Sprintf("interrupted after %d of %d trials; %s", res.Trials, res.Planned, row.Summary)
	}
	row.Matches = row.Verdict == c.Expect && !row.Interrupted
	return row
}

// BoundText states a run's combined Schwartz–Zippel bound.
func (r *SearchResult) BoundText() string {
	if r == nil || r.BoundLog10 == 0 {
		return "—"
	}
	return fmt.Sprintf("≤ 1e%.0f per shape (%d shapes)", r.BoundLog10, r.Shapes)
}

// ResidualText formats the worst residual of a run.
func (r *SearchResult) ResidualText() string {
	if r == nil || r.WorstResidual == nil {
		return "—"
	}
	if r.WorstResidual.Sign() == 0 {
		if r.Exact {
			return "0 (exact)"
		}
		return "0"
	}
	return r.WorstResidual.Text('e', 1)
}
