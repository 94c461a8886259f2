package proofs

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/nrc-ufm/ufm/instance"
)

// SearchOptions configure a counterexample search.
//
// Trials are numbered 0, 1, …, Budget−1 over the whole search. Trial i
// draws its instance from a generator seeded by (Seed, i) alone and checks
// it with a config seeded by (Seed, i), so a trial's outcome never depends
// on which machine, shard, worker or order ran it. Shard k of N (0-based)
// runs exactly the trials i ≡ k (mod N): N shards partition the trials of
// one unsharded search.
type SearchOptions struct {
	Budget  int           // total trials over all shards (0: the claim's Budget)
	Time    time.Duration // stop starting trials after this long (0: no limit); makes the trial count depend on speed
	Seed    uint64
	Shard   int // this shard, 0 ≤ Shard < Shards
	Shards  int // number of shards (0 means 1)
	Outside bool
	Digits  int // working digits (0: the claim's Digits)
	Points  int // random points per identity check (0: 3)
	Workers int // parallel trials (0: GOMAXPROCS)

	// KeepGoing runs every planned trial even after a failure (counting
	// failures in SearchResult.Failed); the counterexample is still the
	// first failing trial. `ufm proofs` uses it.
	KeepGoing bool

	NoShrink   bool          // report the failing instance as generated
	ShrinkTime time.Duration // budget of the shrinking (0: 60 s)

	// OnTrial, when set, is called after every trial run (from the worker
	// goroutines, so it must be safe for concurrent use) with the global
	// trial index and its outcome.
	OnTrial func(trial int, out Outcome)

	// Progress receives human progress lines (trials, rate, ETA) at most
	// about once per second; nil for none.
	Progress io.Writer
}

// Counterexample is a failing trial, shrunk.
type Counterexample struct {
	Trial          int                // global trial index
	Instance       *instance.Instance // the shrunk instance
	Reason         string             // the check's reason on Instance
	Original       *instance.Instance // the instance as generated
	OriginalReason string
	Inside         bool   // Instance satisfies the claim's hypotheses
	HypothesisNote string // why not, when !Inside
	ShrinkSteps    int    // simplifications accepted
	ShrinkChecks   int    // checks spent shrinking
}

// TrialNote is an inconclusive trial.
type TrialNote struct {
	Trial  int
	Reason string
}

// SearchResult is the outcome of one (shard of a) search.
type SearchResult struct {
	Claim          string
	Seed           uint64
	Shard, Shards  int
	Budget         int         // total trials over all shards
	Trials         int         // trials of this shard that count: all run, or up to and including the first failure
	Planned        int         // trials of this shard within Budget
	Held           int         // of Trials
	Inconclusive   int         // of Trials
	Failed         int         // of Trials (more than 1 only with KeepGoing)
	Notes          []TrialNote // the first few inconclusive trials
	Counterexample *Counterexample
	TimeLimited    bool // --time stopped the search before Planned
	Elapsed        time.Duration
	Outside        bool
	Digits         int
	// WorstResidual is the largest residual over the trials that held;
	// nil when none of them reported a residual (a discrete decision).
	WorstResidual *big.Float
	// BoundLog10 is the Schwartz–Zippel bound (log10) of the identity
	// checks, for the weakest shape: identities of different shapes
	// (n, d, M, bias) are different polynomials, so the per-trial bounds
	// multiply within a shape only. Shapes counts the shapes checked.
	BoundLog10 float64
	Shapes     int
	Exact      bool // every trial that held was decided exactly
	// FirstHeld describes the first trial that held: its sizes and reason.
	FirstHeld string
}

// ErrShard is returned for a malformed shard.
var ErrShard = errors.New("shard must satisfy 0 ≤ k < N")

// ShardTrials is the number of trials i < budget with i ≡ k (mod n).
func ShardTrials(budget, k, n int) int {
	if budget <= k {
		return 0
	}
	return (budget-k-1)/n + 1
}

// mix64 is SplitMix64 of a combination of its arguments.
func mix64(a, b, c uint64) uint64 {
	z := a ^ (b+0x9e3779b97f4a7c15)*0xbf58476d1ce4e5b9 ^ (c+0x632be59bd9b4e019)*0x94d049bb133111eb
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// TrialRand returns the generator source of trial i of a search with seed.
func TrialRand(seed uint64, trial int) *rand.Rand {
	return rand.New(rand.NewPCG(mix64(seed, uint64(trial), 1), mix64(seed, uint64(trial), 2)))
}

// trialConfig is the check config of trial i.
func trialConfig(claim *Claim, opts SearchOptions, trial int) CheckConfig {
	return CheckConfig{Digits: opts.Digits, Seed: mix64(opts.Seed, uint64(trial), 3), Points: opts.Points}.withDefaults(claim)
}

// GenerateTrial returns the instance of trial i (what a search checks).
func GenerateTrial(claim *Claim, seed uint64, trial int, outside bool, digits int) *instance.Instance {
	in := claim.Generate(TrialRand(seed, trial), GenOptions{Outside: outside})
	if digits > 0 {
		in.Digits = digits
	}
	in.Name = fmt.Sprintf("%s-s%d-t%d", claim.Name, seed, trial)
	return in
}

type trialResult struct {
	in  *instance.Instance
	out Outcome
}

// Search runs the trials of one shard of a search against claim.
func Search(claim *Claim, opts SearchOptions) (*SearchResult, error) {
	if opts.Shards == 0 {
		opts.Shards = 1
	}
	if opts.Shards < 1 || opts.Shard < 0 || opts.Shard >= opts.Shards {
		return nil, fmt.Errorf("shard %d/%d: %w", opts.Shard, opts.Shards, ErrShard)
	}
	if opts.Budget <= 0 {
		opts.Budget = claim.Budget
	}
	if opts.Digits <= 0 {
		opts.Digits = claim.Digits
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.ShrinkTime <= 0 {
		opts.ShrinkTime = 60 * time.Second
	}
	start := time.Now()
	planned := ShardTrials(opts.Budget, opts.Shard, opts.Shards)
	res := &SearchResult{
		Claim: claim.Name, Seed: opts.Seed, Shard: opts.Shard, Shards: opts.Shards,
		Budget: opts.Budget, Planned: planned, Outside: opts.Outside, Digits: opts.Digits, Exact: true,
	}
	global := func(j int) int { return opts.Shard + j*opts.Shards }

	var (
		mu       sync.Mutex
		next     int
		stopAt   = math.MaxInt // local index of the first failure
		results  = make(map[int]trialResult)
		done     int
		timeUp   bool
		deadline time.Time
	)
	if opts.Time > 0 {
		deadline = start.Add(opts.Time)
	}
	var wg sync.WaitGroup
	for w := 0; w < opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if !deadline.IsZero() && time.Now().After(deadline) && next < planned {
					timeUp = true
				}
				if next >= planned || next > stopAt || timeUp {
					mu.Unlock()
					return
				}
				j := next
				next++
				mu.Unlock()

				i := global(j)
				in := GenerateTrial(claim, opts.Seed, i, opts.Outside, opts.Digits)
				out := CheckOne(claim, in, trialConfig(claim, opts, i))
				if opts.OnTrial != nil {
					opts.OnTrial(i, out)
				}

				mu.Lock()
				results[j] = trialResult{in, out}
				done++
				if out.Verdict == Fails && j < stopAt && !opts.KeepGoing {
					stopAt = j
				}
				mu.Unlock()
			}
		}()
	}
	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		if opts.Progress == nil {
			return
		}
		interval := time.Second
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case now := <-tick.C:
				mu.Lock()
				d := done
				mu.Unlock()
				el := now.Sub(start)
				rate := float64(d) / el.Seconds()
				eta := time.Duration(math.MaxInt64)
				if rate > 0 {
					eta = time.Duration(float64(planned-d) / rate * float64(time.Second))
				}
				etaText := "?"
				if !deadline.IsZero() && deadline.Sub(now) < eta {
					etaText = max(deadline.Sub(now), 0).Round(time.Second).String() + " (--time)"
				} else if eta != time.Duration(math.MaxInt64) {
					etaText = eta.Round(time.Second).String()
				}
				of := fmt.Sprint(planned)
				if opts.Budget >= 1<<31-1 {
					of = "∞"
				}
				fmt.Fprintf(opts.Progress, "search %s [shard %d/%d]: %d/%s trials, %.2f trials/s, ETA %s\n", claim.Name, opts.Shard, opts.Shards, d, of, rate, etaText)
				// Slow down the lines of long runs: 1 s, then 5 s after
				// a minute, then 30 s after ten minutes.
				switch {
				case el > 10*time.Minute && interval < 30*time.Second:
					interval = 30 * time.Second
					tick.Reset(interval)
				case el > time.Minute && interval < 5*time.Second:
					interval = 5 * time.Second
					tick.Reset(interval)
				}
			}
		}
	}()
	wg.Wait()
	close(stopProgress)
	<-progressDone

	// Count the contiguous prefix that counts: up to the first failure, or
	// everything run (workers take indices in order and finish what they
	// take, so what ran is a prefix).
	last := next - 1
	if stopAt != math.MaxInt {
		last = stopAt
	}
	res.TimeLimited = timeUp && stopAt == math.MaxInt
	worst := new(big.Float)
	residuals := 0
	shapes := map[string]float64{}
	for j := 0; j <= last; j++ {
		tr, ok := results[j]
		if !ok {
			break
		}
		res.Trials++
		switch tr.out.Verdict {
		case Holds:
			if res.Held == 0 {
				res.FirstHeld = fmt.Sprintf("e.g. trial %d (n = %d, d = %d, M = %d): %s", global(j), tr.in.N(), tr.in.D, tr.in.M(), tr.out.Reason)
			}
			res.Held++
			if tr.out.Residual != nil {
				residuals++
				if tr.out.Residual.Cmp(worst) > 0 {
					worst = tr.out.Residual
				}
			}
			if tr.out.BoundLog10 != 0 {
				shapes[fmt.Sprintf("%d/%d/%d/%s", tr.in.N(), tr.in.D, tr.in.M(), tr.in.Bias)] += tr.out.BoundLog10
			}
			if !tr.out.Exact {
				res.Exact = false
			}
		case Inconclusive:
			res.Inconclusive++
			if len(res.Notes) < 5 {
				res.Notes = append(res.Notes, TrialNote{global(j), tr.out.Reason})
			}
		case Fails:
			res.Failed++
			if res.Counterexample != nil {
				continue
			}
			ce := &Counterexample{Trial: global(j), Original: tr.in, OriginalReason: tr.out.Reason, Instance: tr.in, Reason: tr.out.Reason}
			inside, note := claim.InHypotheses(tr.in)
			ce.Inside, ce.HypothesisNote = inside, note
			if !opts.NoShrink {
				cfg := trialConfig(claim, opts, global(j))
				sh := shrink(claim, tr.in, cfg, inside, time.Now().Add(opts.ShrinkTime))
				ce.Instance, ce.Reason, ce.ShrinkSteps, ce.ShrinkChecks = sh.in, sh.reason, sh.steps, sh.checks
				ce.Instance.Name = tr.in.Name
				ce.Inside, ce.HypothesisNote = claim.InHypotheses(ce.Instance)
			}
			res.Counterexample = ce
		}
	}
	if residuals > 0 { // nil when no trial that held had a residual
		res.WorstResidual = worst
	}
	res.Shapes = len(shapes)
	for _, b := range shapes {
		if res.BoundLog10 == 0 || b > res.BoundLog10 {
			res.BoundLog10 = b
		}
	}
	if res.Held == 0 {
		res.Exact = false
	}
	res.Elapsed = time.Since(start)
	if opts.Progress != nil && res.Elapsed > time.Second {
		fmt.Fprintf(opts.Progress, "search %s [shard %d/%d]: done, %d trials in %s\n", claim.Name, opts.Shard, opts.Shards, res.Trials, res.Elapsed.Round(time.Millisecond))
	}
	return res, nil
}
