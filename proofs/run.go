package proofs

import (
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
}

// ProofRow is one line of the `ufm proofs` table.
type ProofRow struct {
	Claim   *Claim
	Verdict Verdict // Holds, Fails (a trial failed) or Inconclusive (no trial decided)
	Matches bool    // Verdict == Claim.Expect
	Result  *SearchResult
	// Summary is one sentence: for a failure the first counterexample's
	// reason, otherwise the reason of the last trial that held.
	Summary string
	Elapsed time.Duration
}

// RunProofs runs every claim's check on its own generator's instances
// (trials 0 … Trials−1 of a search with the given seed, no shrinking) and
// returns one row per claim.
func RunProofs(claims []*Claim, opts ProofOptions) []ProofRow {
	var rows []ProofRow
	for _, c := range claims {
		trials := opts.Trials
		if trials <= 0 {
			trials = c.Trials
		}
		start := time.Now()
		res, err := Search(c, SearchOptions{Budget: trials, Seed: opts.Seed, Digits: opts.Digits, Workers: opts.Workers, NoShrink: true, KeepGoing: true})
		row := ProofRow{Claim: c, Result: res, Elapsed: time.Since(start)}
		switch {
		case err != nil:
			row.Verdict, row.Summary = Inconclusive, err.Error()
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
		row.Matches = row.Verdict == c.Expect
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "proofs: %s: %s (%d trials, %s)\n", c.Name, row.Verdict, res.Trials, row.Elapsed.Round(time.Millisecond))
		}
		rows = append(rows, row)
	}
	return rows
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
