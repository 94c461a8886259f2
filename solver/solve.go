package solver

import (
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/recoverpanic"
)

// Settings control Solve. Zero fields take the defaults shown.
type Settings struct {
	Digits        int           // requested significant digits (0: the instance's)
	Starts        int           // stage-1 random starts (default 8; one when d ≥ n, see reduced.startsFor)
	Seed          int64         // seed of the starts (default 1)
	MaxIterations int           // stage-2 iteration budget (default DefaultMaxIterations(digits))
	TimeLimit     time.Duration // wall-clock budget of the whole solve (default 60s)
	// Progress, if not nil, receives one line per stage-2 iteration once
	// the solve has run for ProgressAfter (long solves only).
	Progress io.Writer
	// NoFeatureGram skips Result.FeatureGram, the M×M feature Gram HᵀH
	// (M²·k products at the certificate's precision, the largest part of
	// the certificate at M ≫ n); verify compares nothing that needs it.
	NoFeatureGram bool
}

// ProgressAfter is how long a solve runs before it reports progress.
const ProgressAfter = 2 * time.Second

// Defaults of Settings.
const (
	DefaultStarts    = 8
	DefaultSeed      = 1
	DefaultTimeLimit = 60 * time.Second
)

// DefaultMaxIterations is the stage-2 budget when Settings.MaxIterations
// is 0: 250 + 3·digits. Quadratic convergence needs a handful of
// iterations; the budget is for degenerate valleys, where convergence is
// linear (about two iterations per digit, see doc.go).
func DefaultMaxIterations(digits int) int { return 250 + 3*digits }

func (s Settings) withDefaults(in *instance.Instance) Settings {
	if s.Digits <= 0 {
		s.Digits = in.Digits
		if s.Digits <= 0 {
			s.Digits = instance.DefaultDigits
		}
	}
	if s.Starts <= 0 {
		s.Starts = DefaultStarts
	}
	if s.Seed == 0 {
		s.Seed = DefaultSeed
	}
	if s.MaxIterations <= 0 {
		s.MaxIterations = DefaultMaxIterations(s.Digits)
	}
	if s.TimeLimit <= 0 {
		s.TimeLimit = DefaultTimeLimit
	}
	return s
}

// StopReason says why Solve stopped.
type StopReason string

const (
	// StopConverged: the certificate holds (doc.go): the gradient of the
	// scaled reduced objective φ is below 10^-(digits+8), a further Newton
	// step would move W Wᵀ by less than 10^-(digits+2) of its scale (its
	// own size unless W = 0 is an exact minimizer, doc.go), the
	// Hessian is positive semidefinite up to 2^(1−prec/2), and L and ∇L
	// from their definitions agree (or, at the working precision's noise
	// floor: change and gradient below 10^-digits, same second-order and
	// definition checks). Converged is true; no other stop has it, except
	// StopNotAPoint.
	StopConverged StopReason = "converged"
	// StopIterationLimit: Settings.MaxIterations stage-2 iterations were
	// spent without converging.
	StopIterationLimit StopReason = "iteration-limit"
	// StopTimeLimit: Settings.TimeLimit passed without converging.
	StopTimeLimit StopReason = "time-limit"
	// StopLinear: the iteration converged only linearly (steps shrinking by
	// a constant factor: a degenerate, quartic valley, as at c = σ_j) and
	// the budget or the working precision ran out first. DigitsReached
	// says how far it got.
	StopLinear StopReason = "linear-convergence"
	// StopStalled: no damped Newton step decreased the objective and the
	// invariants are not yet accurate to the requested digits.
	StopStalled StopReason = "stalled"
	// StopSaddle: the first-order certificate holds at a point where the
	// Hessian has negative curvature (a saddle), and perturbing it
	// maxRestarts times did not lead away. Not a minimizer.
	StopSaddle StopReason = "saddle-point"
	// StopUncertified: stage 2 stopped with its certificate, but the
	// certificate evaluated from the definition of L disagrees (L and
	// λ_W a0·φ differ, or ‖∇L‖ is not small at the requested precision);
	// or (k ≥ 2) the point is stationary to the requested digits but its
	// smallest curvature across the rotations of the column space stays
	// below the rounding noise after the precision raises (a tie or near
	// tie at the cut-off: W Wᵀ may be far from the minimizer's, doc.go).
	// Notes say which. Converged is false.
	StopUncertified StopReason = "uncertified"
	// StopUnattained: exactly one of λ_H, λ_W is zero, so L has no
	// minimizer (unless W = 0, H = 0 fit the targets exactly: then L = 0
	// is attained and the stop is StopConverged); Trend reports the loss and ‖W‖ along minimizers of
	// problems with the zero λ replaced by ε → 0. Converged is false.
	StopUnattained StopReason = "unattained"
	// StopNotAPoint: λ_H = λ_W = 0, so the minimizers form a set: the
	// result is one certified global minimizer (Converged true). When the
	// d < n best fit is not certified, Stop is the reason instead.
	StopNotAPoint StopReason = "not-a-point"
)

// TrendPoint is one point of the path toward an unattained infimum.
type TrendPoint struct {
	LambdaH, LambdaW *big.Float // the λ's of the regularized problem solved
	Loss             *big.Float // L with the instance's own λ's at that problem's minimizer
	WNorm, HNorm     *big.Float // ‖W‖_F and ‖H‖_F there
	Converged        bool       // the regularized problem was solved to the requested digits
}

// Result is a solution of the UFM problem and its certificate. Every
// high-precision number is at precision Prec: bigmat.Bits(Digits), or more
// when the certificate needed it (a loss far below the targets' scale).
type Result struct {
	Digits int
	Prec   uint

	W           *bigmat.Dense // n×d (only the first min(n,d) columns can be nonzero); nil if n·d > MaxDenseEntries
	H           *bigmat.Dense // d×M; nil if d·M > MaxDenseEntries
	B           []*big.Float  // n (zeros for bias none)
	WW          *bigmat.Dense // W Wᵀ, n×n
	Predictions *bigmat.Dense // W H + b 1ᵀ, n×M
	FeatureGram *bigmat.Dense // Hᵀ H, M×M; nil if M > MaxGramSamples or Settings.NoFeatureGram

	MinLoss  *big.Float // the solver's value of L*: L(W, H, b) at the returned point, from its definition (docs/theory.md §1, + λ_b‖b‖²/2 for bias regularized)
	GradNorm *big.Float // ‖∇L‖_F over (W, H, b) jointly (b omitted for bias none), from the definition

	Iterations       int // stage-2 (big-float Newton) iterations, summed over the solves made
	Stage1Iterations int // stage-1 (float64 BFGS) iterations, summed over starts and solves
	Duration         time.Duration

	Stop          StopReason
	Converged     bool
	OutOfTime     bool // the solve stopped because Settings.TimeLimit passed (whatever Stop says)
	DigitsReached int  // estimated correct digits of WWᵀ relative to WWScale (see doc.go); 0 for unattained
	// WWScale is the scale DigitsReached refers to: the error of WW is
	// about 10^-DigitsReached·WWScale in Frobenius norm. It is ‖WWᵀ‖_F
	// (relative accuracy) except where the certificate is absolute: 0 when
	// WW = 0 is exact (W = 0 decided to be a minimizer, trivial.go), and
	// a0·min(max(‖VVᵀ‖_F, 1), |φ|) for a stage-2 result with W = 0 a
	// minimizer (doc.go "Stopping"). An entry e of WW is thus justified
	// to about DigitsReached + log10(|e|/WWScale) digits of its own.
	WWScale *big.Float
	// PredictionsScale and FeatureGramScale are WWScale's counterparts for
	// Predictions and FeatureGram (doc.go "Scale of DigitsReached"): an
	// entry e of either is justified to about DigitsReached +
	// log10(|e|/scale) digits. Each is the matrix's own Frobenius norm
	// (for FeatureGramScale ‖H‖²_F when FeatureGram was not formed), times
	// WWScale/‖WWᵀ‖_F where the certificate of WWᵀ is absolute. nil
	// without Predictions (or without H).
	PredictionsScale, FeatureGramScale *big.Float
	// Residual is P − Y (n×M) formed without the cancellation of
	// Predictions minus the targets, where the solver can (deep instances:
	// −μ(PPᵀ + μI)⁻¹Ỹ, deep.go); nil elsewhere. ResidualScale is its
	// accuracy scale as PredictionsScale is the predictions' (an entry or
	// norm e of it is justified to about DigitsReached + log10(|e|/scale)
	// digits); nil without Residual.
	Residual      *bigmat.Dense
	ResidualScale *big.Float
	// GradRelative is what the certificate bounds (below 10^-digits when
	// converged): the largest gradient block of L relative to the size of
	// the terms that cancel in it (doc.go "Certificate"), where GradNorm
	// is absolute and scales with the λ's. nil where no certificate
	// relative to the terms was made (λ = 0 cases, deep instances).
	GradRelative *big.Float

	// History is log10 of the scaled gradient norm after each stage-2 step
	// of the (last) solve: digits should roughly double per step.
	History []float64

	Trend []TrendPoint // for StopUnattained; nil otherwise
	Notes []string

	// Deep is set for deep and mean-convention instances (deep.go): the
	// weight layers, the basin the solve ended in and every stage-1 start.
	// W is then nil and WW is W_{K−1}W_{K−1}ᵀ.
	Deep *DeepResult

	hp *bigmat.Dense // H' of the certificate, for FeatureGram (Solve clears it)
}

// core is one solve of the reduced problem with both λ's positive.
type core struct {
	red *reduced
	s1  stage1Result
	s2  *stage2Result
	wp  *bigmat.Dense // W' = √a0 V, n×k
}

func solveCore(in *instance.Instance, lamH, lamW *big.Rat, s Settings, prec uint, deadline time.Time) (*core, error) {
	red, err := newReduced(in, lamH, lamW, prec)
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	s1 := red.stage1(red.startsFor(s.Starts), s.Seed, deadline)
	reportStage1(s.Progress, red, s1, time.Since(t1))
	v0 := bigmat.FromFloat64(red.n, red.k, prec, s1.v)
	it, err := newIteration(red, v0, s.Digits, s.MaxIterations, deadline)
	if err != nil {
		return nil, err
	}
	it.progress = s.Progress
	s2, err := it.run()
	if err != nil {
		return nil, err
	}
	wp := new(bigmat.Dense).Scale(s2.red.sqrtA0, s2.pt.v)
	return &core{red: s2.red, s1: s1, s2: s2, wp: wp}, nil
}

// Solve minimizes L(W, H, b) of docs/theory.md §1 for the instance. It returns an
// error only for an internal failure (wrapping ErrInternal: a panic is
// recovered here) or an instance beyond CheckSize's caps;
// non-convergence, unattained infima and non-unique minimizers are
// reported in the Result.
func Solve(in *instance.Instance, s Settings) (res *Result, err error) {
	defer recoverpanic.Into(&res, &err, ErrInternal)
	start := time.Now()
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("solver: invalid instance: %w", err)
	}
	if s.Digits > instance.MaxDigits {
		return nil, fmt.Errorf("solver: %d digits requested (at most %d)", s.Digits, instance.MaxDigits)
	}
	if err := CheckSize(in); err != nil {
		return nil, err
	}
	s = s.withDefaults(in)
	prec := bigmat.Bits(s.Digits)
	deadline := start.Add(s.TimeLimit)
	res = &Result{Digits: s.Digits, Prec: prec}
	lh, lw := in.LambdaH.Sign() > 0, in.LambdaW.Sign() > 0
	switch {
	case in.IsDeep():
		err = solveDeep(in, s, prec, deadline, res)
	case lh && lw:
		err = solveRegular(in, s, prec, deadline, res)
	case !lh && !lw:
		err = solveUnregularized(in, s, prec, deadline, res)
	default:
		err = solveUnattained(in, s, prec, deadline, res)
	}
	if err != nil {
		return nil, err
	}
	if res.hp != nil && !s.NoFeatureGram {
		res.FeatureGram = new(bigmat.Dense).TransMul(res.hp, res.hp)
	}
	res.hp = nil
	if res.WWScale == nil && res.WW != nil {
		res.WWScale = res.WW.FrobeniusNorm()
	}
	res.setOutputScales()
	if in.Bias == instance.BiasRegularized {
		res.Notes = append(res.Notes, "bias regularized (λ_b > 0): docs/theory.md has no closed form here; this optimum is the solver's alone")
	}
	res.Duration = time.Since(start)
	return res, nil
}

func (res *Result) setCertificate(c *certificate) {
	res.W, res.H, res.B = c.w, c.h, c.b
	res.WW, res.Predictions, res.hp = c.ww, c.pred, c.hp
	res.MinLoss, res.GradNorm = c.loss, c.gradNorm
	res.Prec = c.prec
	res.Notes = append(res.Notes, c.notes...)
}

func historyOf(s2 *stage2Result) []float64 {
	h := make([]float64, len(s2.history))
	for i, r := range s2.history {
		h[i] = r.LogGrad
	}
	return h
}

func solveRegular(in *instance.Instance, s Settings, prec uint, deadline time.Time, res *Result) error {
	red, err := newReduced(in, in.LambdaH, in.LambdaW, prec)
	if err != nil {
		return err
	}
	if red.exact.zeroIsMinimizer() {
		return solveTrivial(in, red, s, res)
	}
	return solveIterated(in, s, prec, deadline, res)
}

// solveIterated is solveRegular by the two stages (doc.go "Algorithm")
// and the certificate from the definition of L.
func solveIterated(in *instance.Instance, s Settings, prec uint, deadline time.Time, res *Result) error {
	c, err := solveCore(in, in.LambdaH, in.LambdaW, s, prec, deadline)
	if err != nil {
		return err
	}
	res.Iterations, res.Stage1Iterations = c.s2.iterations, c.s1.iterations
	res.Stop, res.Converged, res.DigitsReached = c.s2.stop, c.s2.converged, c.s2.digits
	res.OutOfTime = c.s2.outOfTime
	res.History = historyOf(c.s2)
	res.Notes = append(res.Notes, c.s2.notes...)
	// The certificate is evaluated at stage 2's final precision (raised
	// for ill-conditioning) plus certGuardBits, with λ_W a0·φ(V) as the
	// estimate of L's size: it measures the gradient at the returned point
	// to well below the requested digits.
	fr := newFloat(c.red.prec).Mul(c.red.fScale, c.s2.pt.f)
	cert := certifyAccurate(in, c.wp, in.LambdaH, c.red.prec+certGuardBits, fr)
	res.setCertificate(cert)
	res.WWScale = c.red.wwScale(c.s2.pt)
	res.GradRelative = cert.relGradientValue(c.wUnit())
	if res.Converged {
		if why := c.certificateFails(cert, fr, s.Digits); why != "" {
			res.Notes = append(res.Notes, why)
			res.Stop, res.Converged = StopUncertified, false
		}
	}
	return nil
}

// certGuardBits (32 decimal digits) are added to the certificate's
// precision: the residual and the ridge solve for H lose digits to
// cancellation and conditioning, and the certificate must still resolve a
// gradient of 10^-digits relative to its terms.
const certGuardBits = 107

// certificateFails checks stage 2's result against the certificate built
// from the definition of L and returns why it fails ("" if it holds):
// L from the definition must equal λ_W a0·φ(V) to the requested digits
// (relative to max(|L|, λ_W a0)), and every gradient block must be below
// 10^-digits relative to the terms that cancel in it (relGradient).
func (c *core) certificateFails(cert *certificate, fr *big.Float, digits int) string {
	prec := cert.prec
	diff := newFloat(prec).Sub(fr, cert.loss)
	scale := newFloat(prec).Abs(cert.loss)
	maxBig(scale, c.red.fScale)
	if diff.Sign() != 0 && log10Float(diff)-log10Float(scale) > -float64(digits) {
		return fmt.Sprintf("internal inconsistency: L from the definition and from the reduced objective differ by %s", bigmat.Text(diff, 6))
	}
	wUnit := newFloat(prec).Mul(c.red.lamWFloat(), c.red.sqrtA0)
	if g := cert.relGradient(wUnit); g > -float64(digits) {
		return fmt.Sprintf("certificate: the gradient of L from its definition is 1e%.1f relative to its terms, above 1e-%d", g, digits)
	}
	return ""
}

// traceScale returns σ0 = tr Σ / n exactly (1 if zero): the scale of the
// targets' second moment used to choose ε's.
func traceScale(in *instance.Instance) *big.Rat {
	sig := in.Sigma()
	t := new(big.Rat)
	for i := range sig {
		t.Add(t, sig[i][i])
	}
	t.Quo(t, big.NewRat(int64(len(sig)), 1))
	if t.Sign() == 0 {
		t.SetInt64(1)
	}
	return t
}

func pow10Rat(e int) *big.Rat {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(e))), nil)
	if e < 0 {
		return new(big.Rat).SetFrac(big.NewInt(1), p)
	}
	return new(big.Rat).SetInt(p)
}

// zeroFitNote is the note of a result whose targets W = 0, H = 0 fit
// exactly while exactly one λ is zero.
const zeroFitNote = "Ỹ = 0: W = 0, H = 0 and the bias fit the targets exactly, so L = 0, its least value (L ≥ 0): a global minimizer although exactly one λ is zero; with λ_W = 0 every W with H = 0 is one too"

// UnattainedSteps is the number of ε's on the path toward an unattained
// infimum: the zero λ is replaced by ε_j = 10^(−2j)·σ0/λ_other, j = 1..5, so
// that c = λ_H·λ_W runs over 10^(−2j)·σ0 (σ0 = tr Σ/n).
const UnattainedSteps = 5

func solveUnattained(in *instance.Instance, s Settings, prec uint, deadline time.Time, res *Result) error {
	if zeroMoment(in) {
		// W = 0, H = 0 and b = ȳ (bias free; 0 otherwise) fit the targets
		// exactly: L = 0 there and L ≥ 0 everywhere, so the infimum is
		// attained although one λ is zero (QA session 24: identical
		// samples with λ_W = 0 said "L has no minimizer").
		cert := certify(in, bigmat.New(in.N(), in.D, prec), in.LambdaH, prec)
		res.setCertificate(cert)
		res.Stop, res.Converged, res.DigitsReached = StopConverged, true, s.Digits
		res.Notes = append(res.Notes, zeroFitNote)
		return nil
	}
	sigma0 := traceScale(in)
	zeroH := in.LambdaH.Sign() == 0
	var last *certificate
	allConverged := true
	for j := 1; j <= UnattainedSteps; j++ {
		lamH, lamW := in.LambdaH, in.LambdaW
		if zeroH {
			e := new(big.Rat).Quo(sigma0, lamW)
			lamH = e.Mul(e, pow10Rat(-2*j))
		} else {
			e := new(big.Rat).Quo(sigma0, lamH)
			lamW = e.Mul(e, pow10Rat(-2*j))
		}
		c, err := solveCore(in, lamH, lamW, s, prec, deadline)
		if err != nil {
			return err
		}
		res.Iterations += c.s2.iterations
		res.Stage1Iterations += c.s1.iterations
		res.OutOfTime = res.OutOfTime || c.s2.outOfTime
		allConverged = allConverged && c.s2.converged
		cert := certifyAccurate(in, c.wp, lamH, prec, nil)
		res.Trend = append(res.Trend, TrendPoint{
			LambdaH: newFloat(prec).SetRat(lamH), LambdaW: newFloat(prec).SetRat(lamW),
			Loss: cert.loss, WNorm: cert.wNorm, HNorm: cert.hNorm, Converged: c.s2.converged,
		})
		res.History = historyOf(c.s2)
		last = cert
		if time.Now().After(deadline) {
			res.Notes = append(res.Notes, fmt.Sprintf("time limit reached after %d of %d points of the trend", j, UnattainedSteps))
			break
		}
	}
	res.setCertificate(last)
	res.Stop, res.Converged = StopUnattained, false
	zero, other := "λ_H", "λ_W"
	if !zeroH {
		zero, other = "λ_W", "λ_H"
	}
	res.Notes = append(res.Notes, fmt.Sprintf("exactly one λ is zero (%s = 0, %s > 0): the infimum of L is not attained, so no minimizer is reported; the returned point is the last of the trend (%s replaced by ε = 10^-%d·σ0/%s, σ0 = tr Σ/n)", zero, other, zero, 2*len(res.Trend), other))
	res.Notes = append(res.Notes, trendSentence(res.Trend, zeroH))
	if !allConverged {
		res.Notes = append(res.Notes, "some points of the trend did not converge to the requested digits")
	}
	return nil
}

// trendSentence describes what the trend shows, from the numbers.
func trendSentence(tr []TrendPoint, zeroH bool) string {
	if len(tr) < 2 {
		return "trend too short to show a direction"
	}
	lossDown, wUp, wDown := true, true, true
	for i := 1; i < len(tr); i++ {
		lossDown = lossDown && tr[i].Loss.Cmp(tr[i-1].Loss) <= 0
		wUp = wUp && tr[i].WNorm.Cmp(tr[i-1].WNorm) > 0
		wDown = wDown && tr[i].WNorm.Cmp(tr[i-1].WNorm) < 0
	}
	first, last := tr[0], tr[len(tr)-1]
	dir := "is not monotone"
	switch {
	case wUp:
		dir = "grows (‖W‖ → ∞)"
	case wDown:
		dir = "shrinks (‖W‖ → 0)"
	}
	expect := "‖W‖ → 0 and ‖H‖ → ∞"
	if !zeroH {
		expect = "‖W‖ → ∞"
	}
	ld := "decreases monotonically toward the infimum"
	if !lossDown {
		ld = "is not monotone"
	}
	return fmt.Sprintf("along ε → 0 the loss %s (%s → %s) and ‖W‖_F %s (%s → %s); expected: %s",
		ld, bigmat.Text(first.Loss, 8), bigmat.Text(last.Loss, 8), dir,
		bigmat.Text(first.WNorm, 8), bigmat.Text(last.WNorm, 8), expect)
}

// solveUnregularized handles λ_H = λ_W = 0. For d ≥ n a random W (full row
// rank with probability one) spans every target, and (H, b) from exact
// least squares interpolate: L = 0 up to rounding. For d < n it is the
// best rank-d fit (solveLowRank).
func solveUnregularized(in *instance.Instance, s Settings, prec uint, deadline time.Time, res *Result) error {
	n := in.N()
	res.Stop = StopNotAPoint
	res.Notes = append(res.Notes, "λ_H = λ_W = 0: the minimizers form a set (not a point); the reported (W, H, b) is one of them, W Wᵀ and H are not determined by L")
	zero := new(big.Rat)
	sigma0 := traceScale(in)
	tol := newFloat(prec).SetRat(sigma0)
	tol.Mul(tol, newFloat(prec).SetInt64(int64(n)))
	tol.Mul(tol, pow10(-s.Digits, prec))
	if in.D >= n {
		rng := rand.New(rand.NewPCG(uint64(s.Seed), 0x75666d2d7a65726f))
		sc := math.Pow(float64Rat(sigma0), 0.25)
		v := make([]float64, n*n)
		for i := range v {
			v[i] = rng.NormFloat64() * sc
		}
		wp := bigmat.FromFloat64(n, n, prec, v)
		cert := certify(in, wp, zero, prec)
		res.setCertificate(cert)
		res.Converged = cert.loss.Cmp(tol) <= 0
		if res.Converged {
			res.DigitsReached = s.Digits
			res.Notes = append(res.Notes, "d ≥ n: a random W of full row rank with least-squares H interpolates the targets, L = 0 up to rounding")
		} else {
			res.Notes = append(res.Notes, "d ≥ n, but the random W did not interpolate the targets to the requested digits")
		}
		return nil
	}
	return solveLowRank(in, s, prec, deadline, res)
}

// zeroMoment reports whether the targets' effective second moment (Ỹ Ỹᵀ
// for the instance's bias mode) is exactly 0.
func zeroMoment(in *instance.Instance) bool {
	for _, row := range effectiveMoment(in) {
		for _, x := range row {
			if x.Sign() != 0 {
				return false
			}
		}
	}
	return true
}

// solveLowRank is the case λ_H = λ_W = 0, d < n: the best rank-d fit,
// minimized over d-dimensional subspaces (lowrank.go). It is converged only
// when the subspace iteration's certificate holds and L from the
// definition at the returned (W, H, b) equals the iteration's value to the
// requested digits.
func solveLowRank(in *instance.Instance, s Settings, prec uint, deadline time.Time, res *Result) error {
	if zeroMoment(in) {
		// Ỹ = 0 (one sample with bias free, identical samples, zero
		// targets): W = 0, H = 0 and b = ȳ fit exactly, L = 0. The subspace
		// iteration has no direction to find there (QA session 22: "basis
		// lost its rank", an internal error).
		cert := certify(in, bigmat.New(in.N(), in.D, prec), new(big.Rat), prec)
		res.setCertificate(cert)
		res.Converged, res.DigitsReached = true, s.Digits
		res.Notes = append(res.Notes, "Ỹ = 0: W = 0, H = 0 and b = ȳ fit the targets exactly (L = 0); every W with H in its null space does too")
		return nil
	}
	lr, err := minimizeLowRank(in, s, prec, deadline)
	if err != nil {
		return err
	}
	res.Iterations, res.History = lr.iterations, lr.history
	res.Notes = append(res.Notes, lr.notes...)
	cert := certifyAccurate(in, lr.q, new(big.Rat), prec, lr.loss)
	res.setCertificate(cert)
	if !lr.converged {
		res.Stop, res.OutOfTime = lr.stop, lr.stop == StopTimeLimit
		res.Notes = append(res.Notes, fmt.Sprintf("d < n: the best rank-%d fit was not certified (stop: %s)", in.D, lr.stop))
		return nil
	}
	// Consistency: |L − σ0·g| ≤ max(10^-digits·|L|, 10·(g's rounding bound)).
	diff := newFloat(cert.prec).Sub(cert.loss, lr.loss)
	diff.Abs(diff)
	tol := newFloat(cert.prec).Abs(cert.loss)
	tol.Mul(tol, pow10(-s.Digits, cert.prec))
	maxBig(tol, newFloat(cert.prec).Mul(lr.noise, big.NewFloat(10)))
	if diff.Cmp(tol) > 0 {
		res.Stop = StopUncertified
		res.Notes = append(res.Notes, fmt.Sprintf("internal inconsistency: L from the definition and from the subspace iteration differ by %s", bigmat.Text(diff, 6)))
		return nil
	}
	res.Converged, res.DigitsReached = true, lr.digits
	res.Notes = append(res.Notes, fmt.Sprintf("d < n: best rank-%d fit, minimized over %d-dimensional subspaces by damped Newton (gradient and second-order certificate)", in.D, in.D))
	return nil
}

func float64Rat(r *big.Rat) float64 {
	f, _ := r.Float64()
	return f
}
