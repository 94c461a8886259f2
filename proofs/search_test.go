package proofs

import (
	"context"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nrc-ufm/ufm/instance"
)

// trialOf reads the trial index from a generated instance's name
// ("<claim>-s<seed>-t<trial>").
func trialOf(in *instance.Instance) int {
	i := strings.LastIndex(in.Name, "-t")
	k, _ := strconv.Atoi(in.Name[i+2:])
	return k
}

// scripted is a test claim whose check does, on trial i, what verdictOf(i)
// says: a verdict, or "panic".
func scripted(name string, verdictOf func(i int) string) *Claim {
	return &Claim{
		Name: name, Source: "test", Statement: "scripted", Hypotheses: "none", Method: "script",
		Expect: Holds, Budget: 10, Trials: 10, Digits: 10,
		Generate: func(rng *rand.Rand, _ GenOptions) *instance.Instance {
			return &instance.Instance{
				Targets: [][]*big.Rat{{big.NewRat(rng.Int64N(9)+1, 1)}, {big.NewRat(0, 1)}},
				LambdaH: big.NewRat(1, 10), LambdaW: big.NewRat(1, 10), D: 1, Digits: 10,
			}
		},
		InHypotheses: func(*instance.Instance) (bool, string) { return true, "" },
		Check: func(in *instance.Instance, _ CheckConfig) Outcome {
			v := verdictOf(trialOf(in))
			if v == "panic" {
				panic("scripted breakdown")
			}
			return Outcome{Verdict: Verdict(v), Reason: "scripted " + v, Exact: true, Residual: new(big.Float)}
		},
	}
}

// A check that panics in 8 of 10 trials makes the row Error, never holds,
// even though the other two trials held.
func TestRunProofsPanicIsError(t *testing.T) {
	c := scripted("panicky", func(i int) string {
		if i%10 < 8 {
			return "panic"
		}
		return "holds"
	})
	rows := RunProofs([]*Claim{c}, ProofOptions{Trials: 10, Seed: 1, Workers: 3})
	r := rows[0]
	if r.Verdict != Error || r.Matches {
		t.Fatalf("verdict %s (matches %v), want error: %s", r.Verdict, r.Matches, r.Summary)
	}
	if r.Result.Errored != 8 || r.Result.Held != 2 || !strings.Contains(r.Summary, "panicked") {
		t.Fatalf("errored %d, held %d, summary %q", r.Result.Errored, r.Result.Held, r.Summary)
	}
}

// An unknown verdict returned by a check is an Error, and a single error
// among failures still makes the row Error.
func TestCheckOneUnknownVerdict(t *testing.T) {
	c := scripted("bogus", func(i int) string {
		switch i {
		case 3:
			return "maybe"
		case 5:
			return "fails"
		}
		return "holds"
	})
	in := GenerateTrial(c, 1, 3, false, 0)
	if o := CheckOne(c, in, CheckConfig{}); o.Verdict != Error || !strings.Contains(o.Reason, "maybe") {
		t.Fatalf("unknown verdict gave %+v", o)
	}
	r := RunProofs([]*Claim{c}, ProofOptions{Trials: 10, Seed: 1})[0]
	if r.Verdict != Error || r.Result.Failed != 1 || r.Result.Errored != 1 {
		t.Fatalf("verdict %s, failed %d, errored %d", r.Verdict, r.Result.Failed, r.Result.Errored)
	}
}

// The search stops at the first failure in trial order whatever the number
// of workers and however the trials interleave, and it counts exactly the
// trials before it.
func TestSearchFirstFailureIndependentOfWorkers(t *testing.T) {
	c := scripted("late-failure", func(i int) string {
		switch {
		case i%7 == 3:
			return "inconclusive"
		case i == 40 || i == 45 || i == 90:
			return "fails"
		}
		return "holds"
	})
	for _, w := range []int{1, 2, 5, 16} {
		res, err := Search(c, SearchOptions{Budget: 200, Seed: 4, Workers: w, NoShrink: true})
		if err != nil {
			t.Fatal(err)
		}
		ce := res.Counterexample
		if ce == nil || ce.Trial != 40 || res.Trials != 41 || res.Failed != 1 || res.Inconclusive != 6 || res.Held != 34 {
			t.Fatalf("workers %d: trials %d held %d inconclusive %d failed %d ce %+v", w, res.Trials, res.Held, res.Inconclusive, res.Failed, ce)
		}
	}
}

// The search keeps at most a window of finished-but-unfolded trials, even
// when an early trial is much slower than the rest: memory does not grow
// with the number of trials.
func TestSearchPendingBounded(t *testing.T) {
	c := scripted("slow-first", func(i int) string {
		if i == 0 {
			time.Sleep(300 * time.Millisecond)
		}
		return "holds"
	})
	opts, _ := withSearchDefaults(c, SearchOptions{Budget: 3000, Seed: 1, Workers: 4})
	s := newSearcher(c, opts)
	var worst atomic.Int64
	s.opts.OnTrial = func(int, Outcome) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if p := int64(len(s.pending)); p > worst.Load() {
			worst.Store(p)
		}
	}
	s.runWorkers()
	res := s.finalize()
	if res.Trials != 3000 || res.Held != 3000 {
		t.Fatalf("trials %d held %d", res.Trials, res.Held)
	}
	// 4 workers: the window is 4·4 + 16 = 32 summaries, while the 2999
	// fast trials would all be pending without it.
	if w := worst.Load(); w > 32 {
		t.Fatalf("%d trials pending, want ≤ 32", w)
	}
}

// A cancelled context stops the search: fewer trials than planned, marked
// Interrupted, and what ran is counted.
func TestSearchInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	c := scripted("cancelled", func(i int) string {
		if n.Add(1) == 50 {
			cancel()
		}
		return "holds"
	})
	res, err := Search(c, SearchOptions{Budget: 100000, Seed: 1, Workers: 2, Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Trials < 50 || res.Trials >= 1000 || res.Held != res.Trials {
		t.Fatalf("interrupted %v, trials %d, held %d", res.Interrupted, res.Trials, res.Held)
	}
	cancel()
}

// A cancelled run reports every claim as interrupted, never as holding.
func TestRunProofsInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := scripted("never", func(int) string { return "holds" })
	rows := RunProofs([]*Claim{c, c}, ProofOptions{Trials: 10, Context: ctx})
	for _, r := range rows {
		if !r.Interrupted || r.Matches || r.Verdict == Holds {
			t.Fatalf("row %+v", r)
		}
	}
}
