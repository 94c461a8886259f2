package sweep

import (
	"context"
	"fmt"
	"math/big"
	"runtime"
	"sync"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/metrics"
	"github.com/nrc-ufm/ufm/theory"
)

// ExtraDigits is how many digits beyond the requested ones the second,
// reference evaluation of every point carries. A printed number keeps the
// digits on which the two evaluations agree, never more than requested.
const ExtraDigits = 20

// MaxDigits is the most digits a sweep can give: theory's cap less
// ExtraDigits.
const MaxDigits = instance.MaxDigits - ExtraDigits

// Settings configure Run. The zero value sweeps at the instance's digits
// with no spot checks, on GOMAXPROCS goroutines.
type Settings struct {
	// Digits is the number of significant digits requested (0: the
	// instance's).
	Digits int
	// CheckEvery runs Checks at points 0, N, 2N, … (in table order);
	// 0 runs none.
	CheckEvery int
	// Checks are run at the checked points, in order (SolverCheck; a
	// certificate check plugs in the same way).
	Checks []Check
	// Workers bounds the goroutines evaluating points (0: GOMAXPROCS).
	Workers int
	// Progress, if set, is called after each point with the number done
	// and the total; calls are serialized.
	Progress func(done, total int)
	// Context, if set, stops the sweep when done: no new point starts,
	// the points in flight finish (a spot check in flight runs to its
	// time limit), and the table holds the points done, with Interrupted
	// set.
	Context context.Context
}

// Value is one number of the table: X at Digits significant digits, or
// undefined (X == nil) with the reason in the point's notes.
type Value struct {
	X      *big.Float
	Digits int
}

// Text formats v with its justified digits; "" when undefined.
func (v Value) Text() string {
	if v.X == nil {
		return ""
	}
	return bigmat.Text(v.X, v.Digits)
}

// Float64 returns v as a float64 and whether it is defined and finite in
// float64 (values beyond float64's exponent range are not).
func (v Value) Float64() (float64, bool) {
	if v.X == nil {
		return 0, false
	}
	f, acc := v.X.Float64()
	if (f == 0 && v.X.Sign() != 0) || acc != big.Exact && (f > 1e308 || f < -1e308) {
		return 0, false
	}
	return f, true
}

// CheckResult is the outcome of one spot check at one point.
type CheckResult struct {
	Name string
	Outcome
	Err string // a failure of the check itself (never a verdict)
}

// Point is one row of the table.
type Point struct {
	Index, IH, IW    int // position in the table and on each axis
	LambdaH, LambdaW *big.Rat
	C                *big.Rat
	CValue           Value
	Regime           theory.Regime
	Rank, Active     int
	MinLoss          Value
	TrainMSE         Value
	Shrinkage        []Value // 1 − √(c/σ_j), j = 1…n; deep: s_j/t_j
	// S are the optimal singular values s_j of Z* = W_{K−1}⋯W_1H*
	// (deep instances only; nil for the one-layer model).
	S               []Value
	NRC1, NRC2      Value // at the optimum (docs/theory.md §3–4)
	NRC3, NRC3Gamma Value
	Checks          []CheckResult // empty unless this point was checked
	Notes           []string
}

// Table is the result of a sweep.
type Table struct {
	Name    string
	N, D, M int
	Bias    string
	Digits  int
	// Sigma are the eigenvalues σ_1 ≥ … ≥ σ_n of Σ (they do not depend
	// on λ), at justified digits.
	Sigma   []Value
	H, W    *Axis
	Points  []Point
	Checked int // points at which the checks ran
	// Interrupted is true when Settings.Context stopped the sweep: Points
	// holds only the points evaluated (in table order), Planned all.
	Interrupted bool
	Planned     int
	// Deep is set for deep instances (layers > 1 or data_term mean).
	Deep *DeepTable
}

// Run evaluates the closed form of docs/theory.md §3 (theory.Predict) at every
// grid point (λ_H, λ_W) ∈ h × w, at s.Digits and again at s.Digits +
// ExtraDigits; each printed value keeps the digits the two agree on. A nil
// axis keeps the instance's λ. Points are ordered λ_W-major: index =
// iw·len(h) + ih.
func Run(in *instance.Instance, h, w *Axis, s Settings) (*Table, error) {
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("sweep: invalid instance: %w", err)
	}
	if in.Bias == instance.BiasRegularized {
		return nil, theory.ErrNoClosedForm
	}
	if h == nil {
		h = &Axis{Name: "lambda_h", Values: []*big.Rat{in.LambdaH}}
	}
	if w == nil {
		w = &Axis{Name: "lambda_w", Values: []*big.Rat{fixedLambdaW(in)}}
	}
	if err := positiveForDeep(in, h, w); err != nil {
		return nil, err
	}
	if len(h.Values)*len(w.Values) > MaxPoints {
		return nil, fmt.Errorf("sweep: %d×%d = %d points (at most %d)", len(h.Values), len(w.Values), len(h.Values)*len(w.Values), MaxPoints)
	}
	digits := s.Digits
	if digits <= 0 {
		digits = in.Digits
	}
	if digits <= 0 {
		digits = instance.DefaultDigits
	}
	if digits > MaxDigits {
		// Refused before any point is evaluated (QA session 22: 1981 to
		// 2000 digits evaluated every point, then failed asking theory
		// for 2020).
		return nil, fmt.Errorf("sweep: %d digits requested (at most %d: every point is evaluated again with %d more, and theory stops at %d)", digits, MaxDigits, ExtraDigits, instance.MaxDigits)
	}
	total := len(h.Values) * len(w.Values)
	t := &Table{Name: in.Name, N: in.N(), D: in.D, M: in.M(), Bias: in.Bias.String(), Digits: digits, H: h, W: w, Planned: total}
	if in.IsDeep() {
		t.Deep = newDeepTable(in)
	}
	t.Points = make([]Point, total)
	for iw := range w.Values {
		for ih := range h.Values {
			k := iw*len(h.Values) + ih
			t.Points[k] = Point{Index: k, IH: ih, IW: iw, LambdaH: h.Values[ih], LambdaW: w.Values[iw]}
		}
	}
	if err := t.evaluate(in, s, digits); err != nil {
		return nil, err
	}
	if len(t.Points) == 0 {
		return t, nil // interrupted before the first point
	}
	for _, p := range t.Points {
		if len(p.Checks) > 0 {
			t.Checked++
		}
	}
	return t, nil
}

// evaluate fills every point on a pool of workers.
func (t *Table) evaluate(in *instance.Instance, s Settings, digits int) error {
	workers := s.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(t.Points)))
	jobs := make(chan int)
	errs := make([]error, len(t.Points))
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				errs[k] = t.fill(in, k, s, digits)
				mu.Lock()
				done++
				if s.Progress != nil {
					s.Progress(done, len(t.Points))
				}
				mu.Unlock()
			}
		}()
	}
	ctx := s.Context
	if ctx == nil {
		ctx = context.Background()
	}
	started := len(t.Points)
dispatch:
	for k := range t.Points {
		if ctx.Err() != nil {
			// select picks at random among ready cases: a done context
			// must win over a worker ready to take a point.
			started = k
			break dispatch
		}
		select {
		case <-ctx.Done():
			started = k
			break dispatch
		case jobs <- k:
		}
	}
	close(jobs)
	wg.Wait()
	for k, err := range errs[:started] {
		if err != nil {
			return fmt.Errorf("sweep: point %d (%s): %w", k, t.Points[k].lambdaText(), err)
		}
	}
	if started < len(t.Points) {
		t.Points = t.Points[:started]
		t.Interrupted = true
	}
	return nil
}

// fill evaluates point k. It writes only t.Points[k] (and t.Sigma for
// k = 0), so workers never share state.
func (t *Table) fill(in *instance.Instance, k int, s Settings, digits int) error {
	p := &t.Points[k]
	pin := in.Clone()
	pin.LambdaH = new(big.Rat).Set(p.LambdaH)
	setLambdaW(pin, p.LambdaW)
	pin.Name = fmt.Sprintf("%s@%d", in.Name, k)
	lo, err := theory.Predict(pin, digits)
	if err != nil {
		return err
	}
	hi, err := theory.Predict(pin, digits+ExtraDigits)
	if err != nil {
		return err
	}
	p.C = lo.CExact
	p.CValue = Value{X: hi.C, Digits: digits}
	if t.Deep != nil {
		// The instance's c = λ_H·Π λ_l (lo.CExact is the sum-convention
		// problem's, n^K times larger for data_term mean).
		p.C = pin.C()
		p.CValue = Value{X: new(big.Float).SetPrec(hi.Prec).SetRat(p.C), Digits: digits}
	}
	p.Regime, p.Rank, p.Active = lo.Regime, lo.Rank, lo.Active
	if hi.Regime != lo.Regime || hi.Rank != lo.Rank || hi.Active != lo.Active {
		// Decisions are exact rational ones; a difference is a bug.
		return fmt.Errorf("internal error: the regime decision differs between %d and %d digits", digits, digits+ExtraDigits)
	}
	p.MinLoss = agreed(lo.MinLoss, hi.MinLoss, digits)
	p.TrainMSE = agreed(lo.TrainMSE, hi.TrainMSE, digits)
	p.Shrinkage = make([]Value, len(lo.Shrinkage))
	for j := range lo.Shrinkage {
		p.Shrinkage[j] = agreed(lo.Shrinkage[j], hi.Shrinkage[j], digits)
		if p.Shrinkage[j].X == nil {
			p.note("shrinkage of direction %d is below the resolution of %d digits and is left blank", j+1, digits)
		}
	}
	if k == 0 {
		t.Sigma = make([]Value, len(lo.Sigma))
		for j := range lo.Sigma {
			t.Sigma[j] = agreed(lo.Sigma[j], hi.Sigma[j], digits)
		}
		if t.Deep != nil {
			t.Deep.fillThresholds(p.C, lo, hi, digits)
		}
	}
	if t.Deep != nil {
		if err := p.fillDeep(lo, hi, digits); err != nil {
			return err
		}
	} else if err := p.fillNRC(lo, hi, digits); err != nil {
		return err
	}
	p.Notes = append(p.Notes, lo.Notes...)
	if s.CheckEvery > 0 && k%s.CheckEvery == 0 {
		p.runChecks(pin, digits, s.Checks)
	}
	return nil
}

// agreementErr is 2|lo − hi|, the uncertainty agreed allows hi.
func agreementErr(lo, hi *big.Float) *big.Float {
	err := new(big.Float).SetPrec(max(lo.Prec(), hi.Prec())).Sub(lo, hi)
	err.Abs(err)
	return err.SetMantExp(err, 1)
}

// agreed returns hi with the digits that lo and hi leave certain, at most
// digits: those on which every number within 2|lo − hi| of hi rounds alike
// (bigmat.StableDigits; hi, evaluated with ExtraDigits more, is taken to
// be within |lo − hi| of the truth, with a factor 2 of margin). Undefined
// when not one digit is. Counting the digits on which lo and hi agree
// printed a last digit 0.7 units off when the two differ within the
// requested digits (QA session 22: NRC3 with σ_min = 0, whose accuracy
// grows slowly with the precision).
func agreed(lo, hi *big.Float, digits int) Value {
	if hi.Sign() == 0 && lo.Sign() == 0 {
		return Value{X: new(big.Float), Digits: digits}
	}
	k := bigmat.StableDigits(hi, agreementErr(lo, hi), digits)
	if k < 1 {
		return Value{}
	}
	return Value{X: hi, Digits: k}
}

// fillNRC sets NRC1–3 at the optimum. Full regime: all vanish with γ = c
// (docs/theory.md §3). Partial regime: the optimal features H* = W*ᵀ(A* + λ_H I)⁻¹Ỹ
// have rank r ≤ n and lie in the row space of W* (R5), so NRC1 = NRC2 = 0;
// NRC3 is computed from A* and Σ (metrics.ComputeNRC3Moments). Trivial:
// H* = 0 and W* = 0, so all are undefined; without regularization the
// minimizer is not determined.
func (p *Point) fillNRC(lo, hi *theory.Prediction, digits int) error {
	zero := Value{X: new(big.Float), Digits: digits}
	switch lo.Regime {
	case theory.Full:
		p.NRC1, p.NRC2, p.NRC3 = zero, zero, zero
		p.NRC3Gamma = Value{X: hi.C, Digits: digits}
		return nil
	case theory.Partial:
		p.NRC1, p.NRC2 = zero, zero
		if !lo.WWUnique {
			p.note("NRC3 at the optimum is not determined: W*W*ᵀ is not unique")
			return nil
		}
		a, err := metrics.ComputeNRC3Moments(lo.WW, lo.SigmaMatrix, digits)
		if err != nil {
			return err
		}
		b, err := metrics.ComputeNRC3Moments(hi.WW, hi.SigmaMatrix, digits+ExtraDigits)
		if err != nil {
			return err
		}
		if a.Undefined != "" || b.Undefined != "" {
			// "not given": undefined (A = 0, Σ = 0) or beyond
			// NRC3MaxDigits; the reason says which (QA session 22: a
			// precision cap was called "undefined").
			why := b.Undefined
			if why == "" {
				why = a.Undefined
			}
			p.note("NRC3 at the optimum is not given: %s", why)
			return nil
		}
		p.NRC3 = agreed(a.Value, b.Value, digits)
		p.NRC3Gamma = agreed(a.Gamma, b.Gamma, digits)
		// A blank says why (QA session 22: an NRC3 that is exactly 0, or a
		// γ forced to σ_min = 0, came out as noise at two precisions and
		// was left blank without a word).
		p.noteUncertain("NRC3 at the optimum", p.NRC3, a.Value, b.Value)
		p.noteUncertain("its γ", p.NRC3Gamma, a.Gamma, b.Gamma)
		return nil
	case theory.Trivial:
		p.note("NRC1–NRC3 at the optimum are undefined: H* = 0 and W* = 0")
	case theory.Unregularized:
		if lo.D > lo.N || lo.TargetRank == 0 {
			p.note("NRC1–NRC3 at the optimum are not determined without regularization on both factors")
			break
		}
		// theory's own note says NRC1 is trivially 0 here; the column said
		// nothing (QA session 22). Ỹ ≠ 0, so the features do not collapse
		// to a point, and any d ≤ n of them lie in at most n dimensions.
		p.NRC1 = zero
		p.note("NRC1 at the optimum is 0 (d ≤ n: every feature set lies in at most n dimensions); NRC2 and NRC3 are not determined without regularization on both factors")
	default:
		p.note("NRC1–NRC3 at the optimum are not determined without regularization on both factors")
	}
	return nil
}

// noteUncertain notes a value that agreed left blank: its evaluations at
// digits and digits + ExtraDigits, lo and hi, share no certain digit, so
// it is only known to lie within 2|lo − hi| of hi (it may be 0).
func (p *Point) noteUncertain(what string, v Value, lo, hi *big.Float) {
	if v.X != nil {
		return
	}
	p.note("%s is not resolved: %s ± %s (two evaluations %d digits apart share no certain digit; it may be 0)", what, bigmat.Text(hi, 3), bigmat.Text(agreementErr(lo, hi), 2), ExtraDigits)
}

func (p *Point) note(format string, a ...any) {
	p.Notes = append(p.Notes, fmt.Sprintf(format, a...))
}
