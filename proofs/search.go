package proofs

import (
	"context"
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

	// Context, when set and cancelled (e.g. on SIGINT), stops the search
	// from starting trials; the result covers the trials run and has
	// Interrupted set.
	Context context.Context
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
	Errored        int         // of Trials: the check broke (Verdict Error)
	Notes          []TrialNote // the first few inconclusive trials
	ErrorNotes     []TrialNote // the first few trials whose check broke
	Counterexample *Counterexample
	TimeLimited    bool // --time stopped the search before Planned
	Interrupted    bool // Context was cancelled before Planned
	Elapsed        time.Duration
	Outside        bool
	Digits         int
	// WorstResidual is the largest residual over the trials that held.
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

// TrialConfig is the CheckConfig a search with seed and digits (0: the
// claim's) gives trial i: what re-checking that trial's counterexample
// (ufm merge) must use.
func TrialConfig(claim *Claim, seed uint64, trial, digits int) CheckConfig {
	return trialConfig(claim, SearchOptions{Seed: seed, Digits: digits}, trial)
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

// trialSummary is what a search keeps of one trial until it is folded into
// the result in trial order: the outcome and the instance's shape, never
// the instance (a failing instance is regenerated from its trial index).
type trialSummary struct {
	verdict    Verdict
	reason     string
	residual   *big.Float
	boundLog10 float64
	exact      bool
	n, d, m    int
	bias       instance.Bias
}

// runTrial generates and checks trial i. A panic in the generator is an
// Error outcome like a panic in the check.
func runTrial(claim *Claim, opts SearchOptions, i int) (sum trialSummary) {
	defer func() {
		if r := recover(); r != nil {
			sum = trialSummary{verdict: Error, reason: fmt.Sprintf("the generator panicked: %v", r)}
		}
	}()
	in := GenerateTrial(claim, opts.Seed, i, opts.Outside, opts.Digits)
	out := CheckOne(claim, in, trialConfig(claim, opts, i))
	if opts.OnTrial != nil {
		opts.OnTrial(i, out)
	}
	return trialSummary{
		verdict: out.Verdict, reason: out.Reason, residual: out.Residual, boundLog10: out.BoundLog10,
		exact: out.Exact, n: in.N(), d: in.D, m: in.M(), bias: in.Bias,
	}
}

// maxNotes is how many inconclusive and error trials a result describes.
const maxNotes = 5

// searcher is the state of one running search. Workers take trial indices
// in order; finished trials wait in pending until every earlier one has
// finished and are then folded into the result, so what a search holds is
// the counters, a window of at most `window` pending summaries and the
// first failure's index: its memory does not grow with the trial count.
type searcher struct {
	claim    *Claim
	opts     SearchOptions
	planned  int
	window   int
	start    time.Time
	deadline time.Time // zero: none

	mu        sync.Mutex
	room      *sync.Cond // signalled when folded advances or the search stops
	next      int        // next local index to hand out
	folded    int        // local indices < folded are in res
	firstFail int        // smallest local index seen failing (math.MaxInt: none)
	stopAt    int        // local index of the first failure in trial order (math.MaxInt: none)
	timeUp    bool
	stopped   bool // the context was cancelled
	pending   map[int]trialSummary
	res       *SearchResult
	worst     *big.Float
	residuals int // trials that held with a residual
	shapes    map[string]float64
	failTrial int // global index of the first failure (-1: none)
}

// global is the global trial index of local index j.
func (s *searcher) global(j int) int { return s.opts.Shard + j*s.opts.Shards }

// take hands out the next local index, or false when the search is over
// for this worker. It waits while the pending window is full.
func (s *searcher) take() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if !s.deadline.IsZero() && time.Now().After(s.deadline) && s.next < s.planned {
			s.timeUp = true
		}
		if s.opts.Context != nil && s.opts.Context.Err() != nil && s.next < s.planned {
			s.stopped = true
		}
		if s.next >= s.planned || s.next > s.firstFail || s.timeUp || s.stopped {
			return 0, false
		}
		if s.next < s.folded+s.window {
			j := s.next
			s.next++
			return j, true
		}
		s.room.Wait()
	}
}

// finish records trial j's summary and folds every trial that is now
// complete in order.
func (s *searcher) finish(j int, sum trialSummary) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sum.verdict == Fails && !s.opts.KeepGoing && j < s.firstFail {
		s.firstFail = j
	}
	s.pending[j] = sum
	for {
		t, ok := s.pending[s.folded]
		if !ok || s.folded > s.stopAt {
			break
		}
		delete(s.pending, s.folded)
		s.fold(s.folded, t)
		s.folded++
	}
	s.room.Broadcast()
}

// fold adds trial j (the next in order) to the result; s.mu is held.
func (s *searcher) fold(j int, t trialSummary) {
	res := s.res
	res.Trials++
	switch t.verdict {
	case Holds:
		if res.Held == 0 {
			res.FirstHeld = fmt.Sprintf("e.g. trial %d (n = %d, d = %d, M = %d): %s", s.global(j), t.n, t.d, t.m, t.reason)
		}
		res.Held++
		if t.residual != nil {
			s.residuals++
			if t.residual.Cmp(s.worst) > 0 {
				s.worst = t.residual
			}
		}
		if t.boundLog10 != 0 {
			s.shapes[fmt.Sprintf("%d/%d/%d/%s", t.n, t.d, t.m, t.bias)] += t.boundLog10
		}
		res.Exact = res.Exact && t.exact
	case Inconclusive:
		res.Inconclusive++
		if len(res.Notes) < maxNotes {
			res.Notes = append(res.Notes, TrialNote{s.global(j), t.reason})
		}
	case Error:
		res.Errored++
		if len(res.ErrorNotes) < maxNotes {
			res.ErrorNotes = append(res.ErrorNotes, TrialNote{s.global(j), t.reason})
		}
	case Fails:
		res.Failed++
		if s.failTrial < 0 {
			s.failTrial = s.global(j)
			if !s.opts.KeepGoing {
				s.stopAt = j
			}
		}
	}
}

// work is one worker's loop.
func (s *searcher) work() {
	for {
		j, ok := s.take()
		if !ok {
			return
		}
		s.finish(j, runTrial(s.claim, s.opts, s.global(j)))
	}
}

// trialsDone returns the number of trials folded so far.
func (s *searcher) trialsDone() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.folded
}

// progressLine is one human progress line at time now.
func (s *searcher) progressLine(now time.Time) string {
	d := s.trialsDone()
	rate := float64(d) / now.Sub(s.start).Seconds()
	etaText := "?"
	if rate > 0 {
		eta := time.Duration(float64(s.planned-d) / rate * float64(time.Second))
		etaText = eta.Round(time.Second).String()
		if !s.deadline.IsZero() && s.deadline.Sub(now) < eta {
			etaText = max(s.deadline.Sub(now), 0).Round(time.Second).String() + " (--time)"
		}
	} else if !s.deadline.IsZero() {
		etaText = max(s.deadline.Sub(now), 0).Round(time.Second).String() + " (--time)"
	}
	of := fmt.Sprint(s.planned)
	if s.opts.Budget >= 1<<31-1 {
		of = "∞"
	}
	return fmt.Sprintf("search %s [shard %d/%d]: %d/%s trials, %.2f trials/s, ETA %s\n",
		s.claim.Name, s.opts.Shard, s.opts.Shards, d, of, rate, etaText)
}

// progressInterval slows the lines of long runs down: every second, then
// every 5 s after a minute, then every 30 s after ten minutes.
func progressInterval(elapsed time.Duration) time.Duration {
	switch {
	case elapsed > 10*time.Minute:
		return 30 * time.Second
	case elapsed > time.Minute:
		return 5 * time.Second
	}
	return time.Second
}

// reportProgress writes progress lines to opts.Progress until stop is
// closed.
func (s *searcher) reportProgress(stop <-chan struct{}) {
	interval := time.Second
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-tick.C:
			fmt.Fprint(s.opts.Progress, s.progressLine(now))
			if iv := progressInterval(now.Sub(s.start)); iv != interval {
				interval = iv
				tick.Reset(interval)
			}
		}
	}
}

// withSearchDefaults validates opts and fills its defaults.
func withSearchDefaults(claim *Claim, opts SearchOptions) (SearchOptions, error) {
	if opts.Shards == 0 {
		opts.Shards = 1
	}
	if opts.Shards < 1 || opts.Shard < 0 || opts.Shard >= opts.Shards {
		return opts, fmt.Errorf("shard %d/%d: %w", opts.Shard, opts.Shards, ErrShard)
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
	return opts, nil
}

func newSearcher(claim *Claim, opts SearchOptions) *searcher {
	s := &searcher{
		claim: claim, opts: opts, start: time.Now(),
		planned:   ShardTrials(opts.Budget, opts.Shard, opts.Shards),
		window:    4*opts.Workers + 16,
		firstFail: math.MaxInt, stopAt: math.MaxInt, failTrial: -1,
		pending: map[int]trialSummary{}, worst: new(big.Float), shapes: map[string]float64{},
	}
	s.room = sync.NewCond(&s.mu)
	if opts.Time > 0 {
		s.deadline = s.start.Add(opts.Time)
	}
	s.res = &SearchResult{
		Claim: claim.Name, Seed: opts.Seed, Shard: opts.Shard, Shards: opts.Shards,
		Budget: opts.Budget, Planned: s.planned, Outside: opts.Outside, Digits: opts.Digits, Exact: true,
	}
	return s
}

// runWorkers runs the trials with opts.Workers workers (and the progress
// reporter) until the search is over.
func (s *searcher) runWorkers() {
	stop := make(chan struct{})
	var progress sync.WaitGroup
	if s.opts.Progress != nil {
		progress.Add(1)
		go func() {
			defer progress.Done()
			s.reportProgress(stop)
		}()
	}
	var wg sync.WaitGroup
	for w := 0; w < s.opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.work()
		}()
	}
	wg.Wait()
	close(stop)
	progress.Wait()
}

// counterexample regenerates the first failing trial's instance and
// shrinks it (unless opts.NoShrink).
func (s *searcher) counterexample() *Counterexample {
	claim, opts, i := s.claim, s.opts, s.failTrial
	in := GenerateTrial(claim, opts.Seed, i, opts.Outside, opts.Digits)
	cfg := trialConfig(claim, opts, i)
	reason := CheckOne(claim, in, cfg).Reason
	ce := &Counterexample{Trial: i, Original: in, OriginalReason: reason, Instance: in, Reason: reason}
	ce.Inside, ce.HypothesisNote = claim.InHypotheses(in)
	if !opts.NoShrink {
		sh := shrink(claim, in, cfg, ce.Inside, time.Now().Add(opts.ShrinkTime))
		ce.Instance, ce.Reason, ce.ShrinkSteps, ce.ShrinkChecks = sh.in, sh.reason, sh.steps, sh.checks
		ce.Instance.Name = in.Name
		ce.Inside, ce.HypothesisNote = claim.InHypotheses(ce.Instance)
	}
	return ce
}

// finalize fills the result's derived fields after the workers stopped.
func (s *searcher) finalize() *SearchResult {
	res := s.res
	res.TimeLimited = s.timeUp && s.failTrial < 0
	res.Interrupted = s.stopped
	if s.residuals > 0 { // nil when no trial that held had a residual
		res.WorstResidual = s.worst
	}
	if res.Held == 0 {
		res.Exact = false
	}
	res.Shapes = len(s.shapes)
	for _, b := range s.shapes {
		if res.BoundLog10 == 0 || b > res.BoundLog10 {
			res.BoundLog10 = b
		}
	}
	if s.failTrial >= 0 {
		res.Counterexample = s.counterexample()
	}
	res.Elapsed = time.Since(s.start)
	return res
}

// Search runs the trials of one shard of a search against claim. Its
// memory does not grow with the number of trials: it keeps counters, the
// first few notes and the first failure's index (the failing instance is
// regenerated from it). When opts.Context is cancelled it stops starting
// trials, finishes those running and returns what they add up to, with
// Interrupted set.
func Search(claim *Claim, opts SearchOptions) (*SearchResult, error) {
	opts, err := withSearchDefaults(claim, opts)
	if err != nil {
		return nil, err
	}
	s := newSearcher(claim, opts)
	s.runWorkers()
	res := s.finalize()
	if opts.Progress != nil && res.Elapsed > time.Second {
		fmt.Fprintf(opts.Progress, "search %s [shard %d/%d]: done, %d trials in %s\n", claim.Name, opts.Shard, opts.Shards, res.Trials, res.Elapsed.Round(time.Millisecond))
	}
	return res, nil
}
