package solver

import (
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/nrc-ufm/ufm/bigmat"
)

// maxEscalations bounds how often stage 2 doubles its working precision
// after stalling short of the requested digits.
const maxEscalations = 3

// maxRestarts bounds how often stage 2 perturbs a saddle point it reached.
const maxRestarts = 3

// secondOrder reports whether the Hessian h is positive semidefinite up to
// τ = 2^(−prec/2)·max(1, max|h_ij|): Cholesky of h + τI succeeds. Null
// directions (rotations, degenerate valleys) pass; a negative curvature
// above τ (a saddle, e.g. V = 0 when some direction is active) fails.
func (r *reduced) secondOrder(h *bigmat.Dense) bool { return secondOrderPSD(h, r.prec) }

// secondOrderTau is the tolerance τ = 2^(1−prec/2)·max(1, max|h_ij|) of
// the second-order check.
func secondOrderTau(h *bigmat.Dense, prec uint) *big.Float {
	tau := h.MaxAbs()
	if tau.Cmp(big.NewFloat(1)) < 0 {
		tau.SetInt64(1)
	}
	return tau.SetMantExp(tau, 1-int(prec/2))
}

// perturb returns V plus a random matrix of Frobenius norm about
// 10^-3·max(‖V‖_F, 1).
func perturb(v *bigmat.Dense, rng *rand.Rand) *bigmat.Dense {
	n, k := v.Dims()
	scale, _ := v.FrobeniusNorm().Float64()
	scale = 1e-3 * math.Max(scale, 1) / math.Sqrt(float64(n*k))
	out := v.Clone()
	var t big.Float
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			t.SetFloat64(scale * rng.NormFloat64())
			out.At(i, j).Add(out.At(i, j), &t)
		}
	}
	return out
}

// stepRecord is one accepted stage-2 step.
type stepRecord struct {
	LogGrad float64 // log10 ‖∇φ‖ after the step
	LogStep float64 // log10 ‖Δ‖
	Damping float64 // log10 ν used
	Extrap  bool    // an extrapolated step m·Δ was taken
}

// stage2Result is the outcome of the big-float damped Newton iteration.
type stage2Result struct {
	pt         *point
	red        *reduced // the problem pt belongs to (its precision may exceed the initial one)
	iterations int
	stop       StopReason
	converged  bool
	digits     int     // estimated correct digits of VVᵀ (see relChange)
	logChange  float64 // log10 of the change in VVᵀ a further Newton step would make
	linear     bool    // linear convergence was observed
	outOfTime  bool    // stopped because the deadline passed
	history    []stepRecord
	notes      []string
}

// log10Float returns log10|x| for a big.Float, −Inf for 0, without
// overflowing float64 for tiny values.
func log10Float(x *big.Float) float64 {
	if x.Sign() == 0 {
		return math.Inf(-1)
	}
	var m big.Float
	exp := x.MantExp(&m)
	mf, _ := m.Float64()
	return math.Log10(math.Abs(mf)) + float64(exp)*math.Log10(2)
}

// pow10 returns 10^e at precision prec (e may be negative).
func pow10(e int, prec uint) *big.Float {
	ten := big.NewInt(10)
	p := new(big.Int).Exp(ten, big.NewInt(int64(abs(e))), nil)
	f := newFloat(prec).SetInt(p)
	if e < 0 {
		return f.Quo(newFloat(prec).SetInt64(1), f)
	}
	return f
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// lmStep solves (H + νI) Δ = −g by Cholesky, raising ν tenfold until the
// matrix is positive definite, and returns Δ as an n×k matrix (at the
// working precision), the ν used, and whether the first ν worked. ν is a
// big.Float: at thousands of digits the damping 2^(−prec/2) lies far below
// float64's range, and a damping that underflowed to 4.9e−324 would cap
// the digits gained per step at 324. The system is solved at stepPrec
// bits, which is all the step's accuracy needs.
func (r *reduced) lmStep(h *bigmat.Dense, g *bigmat.Dense, nu *big.Float) (*bigmat.Dense, *big.Float, bool, error) {
	N := r.n * r.k
	p := stepPrec(r.prec, g.FrobeniusNorm())
	hp := h.Clone().SetPrec(p)
	rhs := vec(g).SetPrec(p)
	rhs.Scale(newFloat(p).SetInt64(-1), rhs)
	nu = newFloat(r.prec).Set(nu)
	ten := newFloat(r.prec).SetInt64(10)
	// Gershgorin: H + νI is diagonally dominant, hence positive definite,
	// for ν ≥ 2N·max|h_ij|; ν is never raised beyond that, and is set to
	// it when 400 tenfold raises fall short (QA h2 with ρ ≈ 10⁻⁴²⁵:
	// Hessian entries of 10⁸⁰⁰, which 400 tenfold raises from 2^(−prec/2)
	// did not reach).
	gersh := h.MaxAbs()
	gersh.Mul(gersh, newFloat(r.prec).SetInt64(int64(2*N)))
	for tries := 0; tries <= 400; tries++ {
		if tries == 400 {
			nu.Set(gersh) // 400 tenfold raises fell short of the scale: the bound itself
		}
		a := new(bigmat.Dense).AddScaledIdentity(hp, newFloat(p).Set(nu))
		var ch bigmat.Cholesky
		if err := ch.Factorize(a); err == nil {
			x := ch.SolveTo(new(bigmat.Dense), rhs)
			return unvec(x, r.n, r.k).SetPrec(r.prec), nu, tries == 0, nil
		}
		if nu.Cmp(gersh) >= 0 {
			break
		}
		// Raise ν gently: just above the most negative eigenvalue is
		// enough, and near a solution that is of the order of ‖∇φ‖ (the
		// curvature along the rotation orbit away from stationarity).
		nu.Mul(nu, ten)
		maxBig(nu, r.nuMin())
	}
	return nil, nu, false, fmt.Errorf("solver: Hessian of order %d could not be regularized", N)
}

// stepPrec is the precision at which the Newton system is solved when
// ‖∇φ‖ = 10^-g at working precision prec: the step is about as small as
// the gradient, so a relative accuracy of 2^-(prec − g·log2 10 − 64) in the
// step gives the next iterate to the working precision; and the rounding
// of the Hessian must stay below the damping ν ≥ 2^(−prec/2) (the Hessian
// is singular along the rotations V → VQ), which takes prec/2 + 64 bits.
// Near convergence this halves the precision of the factorization.
func stepPrec(prec uint, gnorm *big.Float) uint {
	p := prec/2 + 64
	if gnorm.Sign() > 0 {
		if acc := accBits(prec, gnorm); acc > p {
			p = acc
		}
	}
	return min(prec, p)
}

// accBits is the relative accuracy in bits, prec − g·log2 10 + 64 rounded
// up, that a Newton step at ‖∇φ‖ = 10^-g > 0 needs at working precision
// prec (stepPrec), at least 64.
func accBits(prec uint, gnorm *big.Float) uint {
	acc := float64(prec) + log10Float(gnorm)*math.Log2(10) + 64
	return uint(math.Ceil(math.Max(acc, 64)))
}

// maxBig sets x to max(x, y) and returns x.
func maxBig(x, y *big.Float) *big.Float {
	if x.Cmp(y) < 0 {
		x.Set(y)
	}
	return x
}

// invariantDelta returns ΔA = (V+Δ)(V+Δ)ᵀ − VVᵀ, how much the invariant
// VVᵀ would move under step Δ (rotations V → VQ do not change VVᵀ, so the
// step's components along the symmetry orbit do not count), formed as
// VΔᵀ + ΔVᵀ + ΔΔᵀ so that the rounding of VVᵀ (2^-p·‖V‖², which
// subtracting two products at p bits leaves behind) does not masquerade as
// a change of it. The products are bigmat.MulTrans's, whose entrywise
// bound 2^-p·|x_ij| + 2^-(p+61)·max_l |v_il δ_jl| keeps the
// change of a tiny direction resolved; the fixed-point products' normwise
// bound would not (see eval).
func invariantDelta(v, d *bigmat.Dense) *bigmat.Dense {
	out := new(bigmat.Dense).MulTrans(v, d)
	out.Add(out, new(bigmat.Dense).T(out))
	return out.Add(out, new(bigmat.Dense).MulTrans(d, d))
}

// nuFor is the Levenberg–Marquardt damping at pt: ν = μ·‖∇φ‖ (μ adapted
// by the trust-region ratio, see stage2), floored at 2^(−prec/2) so that
// rounding noise in the gradient along the Hessian's null space (the
// rotations V → VQ) cannot produce large steps. Both are big.Floats, so ν
// never underflows.
func (r *reduced) nuFor(pt *point, mu float64) *big.Float {
	nu := newFloat(r.prec).SetFloat64(mu)
	nu.Mul(nu, pt.gnorm)
	return maxBig(nu, r.nuMin())
}

// nuMin is 2^(−prec/2), exactly.
func (r *reduced) nuMin() *big.Float {
	return newFloat(r.prec).SetMantExp(big.NewFloat(1), -int(r.prec/2))
}

// relChange returns log10 of ‖invariantDelta(pt.v, d)‖_F relative to the
// scale of the invariant. When W = 0 is not a minimizer (decided exactly,
// zeroIsMinimizer), W* W*ᵀ ≠ 0 and the scale is the invariant's own size
// ‖VVᵀ‖_F, however small: a point near the saddle V = 0 is then never
// "accurate" (docs: issue 8, a near-saddle at 10^-45 with the optimum at
// 3·10^-40). When W = 0 is a minimizer (the trivial regime, W* = 0
// exactly), no relative accuracy of a vanishing quantity exists, and the
// scale is absolute: min(max(‖VVᵀ‖_F, 1), |φ|), the natural unit a0 of WWᵀ
// capped by |φ| so that λ_W‖W‖²/2 is below 10^-digits of L. (With all
// targets' second moments zero, φ = ½‖V‖² and the reference is
// max(‖VVᵀ‖_F, 1).) VVᵀ = 0 exactly outside the trivial regime gives +Inf.
//
// Outside the trivial regime the change is also measured direction by
// direction: log10 ‖(VVᵀ + ρI)⁻¹ ΔA‖_F (ΔA the change of VVᵀ, ρ the
// smallest shift), the larger of the two counts. A direction whose
// eigenvalue a of VVᵀ is many orders below ‖VVᵀ‖ (a dynamic range of
// 10^60 in the targets, QA r3; an inactive direction not yet driven to
// zero, QA h2) is thus resolved relative to a + ρ, its own size as φ sees
// it, not relative to the largest one: the fit in that direction (the
// training residual ρ/(a + ρ)·y there) is only as accurate as a/(a + ρ).
func (r *reduced) relChange(pt *point, d *bigmat.Dense) float64 {
	a := new(bigmat.Dense).MulTrans(pt.v, pt.v)
	ref := a.FrobeniusNorm()
	da := invariantDelta(pt.v, d)
	change := log10Float(da.FrobeniusNorm())
	if !r.exact.zeroIsMinimizer() {
		if ref.Sign() == 0 {
			return math.Inf(1)
		}
		return math.Max(change-log10Float(ref), r.ownScaleChange(a, da))
	}
	lref := math.Max(log10Float(ref), 0)
	if !r.zeroData {
		lref = math.Min(lref, log10Float(pt.f))
	}
	return change - lref
}

// ownScaleChange returns log10 ‖(A + ρI)⁻¹ ΔA‖_F, A = VVᵀ, ΔA the change
// of VVᵀ under a step (invariantDelta), ρ the smallest shift (see
// relChange); +Inf when A + ρI cannot be factored at the working
// precision.
func (r *reduced) ownScaleChange(a, da *bigmat.Dense) float64 {
	var ch bigmat.Cholesky
	if ch.Factorize(new(bigmat.Dense).AddScaledIdentity(a.Clone(), r.minRho())) != nil {
		return math.Inf(1)
	}
	return log10Float(ch.SolveTo(new(bigmat.Dense), da).FrobeniusNorm())
}

// minRho returns the smallest shift ρ_k.
func (r *reduced) minRho() *big.Float {
	rho := r.blocks[0].rho
	for _, b := range r.blocks[1:] {
		if b.rho.Cmp(rho) < 0 {
			rho = b.rho
		}
	}
	return rho
}

// fNoise bounds the rounding error of φ at pt: |φ|·2^(8−prec)·κ with
// κ = (‖V‖²_F + ρ)/ρ ≥ cond(VVᵀ + ρI) for the smallest ρ, since B =
// (VVᵀ + ρI)⁻¹ is formed by Cholesky. With tiny ρ (c ≪ σ) and a
// rank-deficient V this is far above a few ulps of φ.
func (r *reduced) fNoise(pt *point) *big.Float {
	rho := r.minRho()
	kappa := pt.v.FrobeniusNorm()
	kappa.Mul(kappa, kappa)
	kappa.Add(kappa, rho)
	kappa.Quo(kappa, rho)
	n := newFloat(r.prec).SetMantExp(pt.f, 8-int(r.prec))
	n.Abs(n)
	return n.Mul(n, kappa)
}

// stage2 runs the Levenberg–Marquardt-damped Newton iteration on φ from v0
// until the requested digits are certified, the budget is spent, or
// progress stops. It may move to a reduced problem of higher precision
// (returned in the result): when φ's evaluation is ill-conditioned, when
// progress stalls short of the requested digits, and in degenerate valleys.
func (r *reduced) stage2(v0 *bigmat.Dense, digits, maxIter int, deadline time.Time) (*stage2Result, error) {
	it, err := newIteration(r, v0, digits, maxIter, deadline)
	if err != nil {
		return nil, err
	}
	return it.run()
}

// run iterates until stage 2 is done. It starts at the precision the
// current gradient asks for (adaptivePrec), which may be below the target.
func (it *iteration) run() (*stage2Result, error) {
	if err := it.checkConditioning(); err != nil {
		return nil, err
	}
	if p := it.adaptivePrec(); p < it.r.prec {
		if err := it.moveTo(p, it.pt.v); err != nil {
			return nil, err
		}
	}
	for {
		if it.pastDeadlineAfterNext() {
			// The next iteration would end past the deadline (one step
			// of a degenerate valley at n = 24 takes 3.5 s): stop now
			// with what there is, rather than be abandoned mid-step with
			// no result at all (QA session 21: 7 near-tie cases at
			// n = 24–40 ended 10–13 s past --time-limit, no result).
			it.out.stop, it.out.outOfTime = StopTimeLimit, true
			return it.finish(), nil
		}
		start := time.Now()
		done, err := it.iterate()
		if err != nil {
			return nil, err
		}
		if done {
			return it.finish(), nil
		}
		it.lastIter = time.Since(start)
	}
}

// deadlineMargin is how many of the last iteration's wall times the
// next step is assumed to take: a machine whose load doubles mid-run (a
// test run beside other packages' tests on 2 cores: steps of 0.7 s became
// 2.1 s) still stops before the limit rather than at the caller's hard
// stop with no result.
const deadlineMargin = 2

// pastDeadlineAfterNext reports whether one more step, of deadlineMargin
// times the last iteration's wall time, would end past the deadline
// (false before the first iteration).
func (it *iteration) pastDeadlineAfterNext() bool {
	last := it.lastIter
	return last > 0 && time.Now().Add(deadlineMargin*last).After(it.deadline)
}

// iteration is the state of one stage-2 run. Its methods each do one part
// of an iteration; only they change the state.
type iteration struct {
	r        *reduced // the problem at the current working precision
	digits   int
	maxIter  int
	deadline time.Time
	lastIter time.Duration // wall time of the last iteration (run)

	pt       *point
	gtol     *big.Float // certificate: ‖∇φ‖ ≤ 10^-(digits+8) (φ, V, ∇φ are of order one)
	ctol     float64    // certificate: log10 of the invariant's relative change ≤ −(digits+2)
	highPrec uint       // working precision in a degenerate valley (2·digits)
	target   uint       // the precision the certificate is checked at (see adaptivePrec)
	psd      bool       // the last damped step certified the second-order check (dampedStep)
	progress io.Writer  // progress lines for long solves (nil: none)

	progressAfter time.Duration // progress starts after this long (ProgressAfter)
	started       time.Time
	mu            float64    // ν = μ‖∇φ‖; μ grows after poor steps, shrinks after good ones
	fnoise        *big.Float // bound on φ's rounding error at pt

	best   progress
	linear linearity

	escalations, restarts, conditionings int
	rng                                  *rand.Rand
	dynamicRangeChecked                  bool               // raiseForDynamicRange ran
	hv                                   *horizontalVerdict // k ≥ 2: the end-game verdict at the point it names (horizontal.go)
	escapeTriedAt                        uint               // k ≥ 2: the precision escapeHorizontal last ran at (once per level)
	dampedChange                         float64            // k ≥ 2: the damped step's change estimate at it.pt (certChange)
	endGame                              bool               // k ≥ 2: a verdict disagreed with the damped certificate; verdicts at every point from then on
	out                                  *stage2Result
}

// progress tracks the best gradient and objective seen since the last
// reset, to detect a stall.
type progress struct {
	logGrad float64
	f       *big.Float
	since   int // accepted steps without progress
}

// linearity tracks the ratio of successive step lengths, to detect linear
// convergence (degenerate valleys).
type linearity struct {
	run       int     // consecutive steps shrinking by a steady factor
	lastStep  float64 // log10 ‖Δ‖ of the previous step
	lastRatio float64 // log10 of the previous ratio of step lengths
}

// Limits of stage 2's precision changes.
const (
	// maxConditionings bounds how often the working precision is raised
	// for φ's conditioning (see condPrec).
	maxConditionings = 4
	// maxPrecBits bounds the working precision of stage 2.
	maxPrecBits = 1 << 20
)

func newIteration(r *reduced, v0 *bigmat.Dense, digits, maxIter int, deadline time.Time) (*iteration, error) {
	it := &iteration{
		r: r, digits: digits, maxIter: maxIter, deadline: deadline,
		gtol:     pow10(-(digits + 8), r.prec),
		ctol:     -float64(digits + 2),
		highPrec: bigmat.Bits(2 * digits),
		mu:       muMin,
		rng:      rand.New(rand.NewPCG(uint64(r.n*1000+r.k), 0x73616464)),
		out:      &stage2Result{},
		target:   r.prec,
		started:  time.Now(),

		progressAfter: ProgressAfter,
	}
	if err := it.restart(r.prec, v0); err != nil {
		return nil, err
	}
	return it, nil
}

// adaptivePrec is the working precision the current gradient asks for:
// Newton's method doubles the digits of ‖∇φ‖ = 10^-g per step, so the next
// step needs about 2.2·g digits (plus the guard digits and every extra bit
// the target carries for conditioning or escalation), never more than the
// target. Early steps thus run at a fraction of the final precision, and
// the cost of a high-precision solve is dominated by its last step.
func (it *iteration) adaptivePrec() uint {
	g := math.Max(8, -log10Float(it.pt.gnorm))
	extra := it.target - min(it.target, bigmat.Bits(it.digits))
	return min(it.target, bigmat.Bits(int(math.Ceil(2.2*g)))+extra)
}

// certifiedStop is the first-order part of the convergence certificate:
// ‖∇φ‖ ≤ gtol = 10^-(digits+8) and a further Newton step would move the
// invariant VVᵀ by at most 10^logChange ≤ 10^-(digits+2) of its scale.
func certifiedStop(gnorm, gtol *big.Float, logChange float64, digits int) bool {
	return gnorm.Cmp(gtol) <= 0 && logChange <= -float64(digits+2)
}

// iterate performs one stage-2 iteration. It returns true when stage 2 is
// done (it.out.stop says why).
func (it *iteration) iterate() (bool, error) {
	if p := it.adaptivePrec(); p > it.r.prec {
		if err := it.moveTo(p, it.pt.v); err != nil {
			return false, err
		}
	}
	h := it.r.hessianFor(it.pt) // nil at Newton–Krylov sizes (krylov.go)
	d, nu, err := it.dampedStep(h)
	if err != nil {
		return false, err
	}
	prev := it.out.logChange
	it.out.logChange = it.certChange(h, d)
	if it.horizontalApplies() && it.pt.gnorm.Sign() == 0 && it.pt.v.FrobeniusNorm().Sign() != 0 && !it.verdictAt(h).local {
		// k ≥ 2: a gradient computed as exactly 0 away from V = 0, with
		// a horizontal curvature not resolved above the noise, is below
		// its rounding, not proof of stationarity along that direction
		// (QA h1_n2_e2: a quartic valley's floor at 2024 bits): the
		// change estimate is no better than the last one.
		it.out.logChange = math.Max(it.out.logChange, prev)
	}
	if math.IsInf(it.out.logChange, 1) && it.pt.gnorm.Cmp(it.gtol) <= 0 {
		if !it.horizontalApplies() {
			if escaped, err := it.escapeNearSaddle(h); escaped || err != nil {
				// First-order stationary with resolved negative curvature (k = 1).
				return false, err
			}
		}
	}
	if it.horizontalApplies() {
		// k ≥ 2: the end game of horizontal.go (escape, saddle, precision
		// raise or uncertified) where the honest change disagrees.
		if done, handled, err := it.horizontalEndGame(h); handled || err != nil {
			return done, err
		}
	}
	if certifiedStop(it.pt.gnorm, it.gtol, it.out.logChange, it.digits) || (it.pt.gnorm.Sign() == 0 && !it.horizontalApplies()) {
		if it.r.prec < it.target {
			return false, it.moveTo(it.target, it.pt.v) // the certificate is checked at the target precision
		}
		if raised, err := it.raiseForDynamicRange(); raised || err != nil {
			return false, err
		}
		if it.horizontalApplies() {
			// k ≥ 2: horizontal.go decides (certified, saddle, precision
			// raise, uncertified) or asks to keep stepping.
			if done, handled, err := it.horizontalStationary(h); handled || err != nil {
				return done, err
			}
		} else {
			if !it.curvatureUnresolved(h) {
				return it.atStationary(h)
			}
			if raised, err := it.raiseForCurvature(); raised || err != nil {
				return false, err
			}
			// Negative or unresolved curvature and no precision left to
			// raise: not a certified minimizer; keep stepping (the budget
			// bounds it).
		}
	}
	if it.out.iterations >= it.maxIter {
		it.out.stop = StopIterationLimit
		return true, nil
	}
	if time.Now().After(it.deadline) {
		it.out.stop, it.out.outOfTime = StopTimeLimit, true
		return true, nil
	}
	it.out.iterations++
	next, step := it.polarStep(h)
	if next == nil {
		next, step = it.horizontalStep()
	}
	if next == nil {
		next, step, nu, err = it.search(h, d, nu)
		if err != nil {
			return false, err
		}
	}
	if next == nil {
		return it.stall("no damped Newton step decreased the objective", false)
	}
	logStep := log10Float(step.FrobeniusNorm())
	extrap := false
	if it.observe(logStep, next) {
		if next, step, extrap, err = it.valley(next, step, logStep); err != nil {
			return false, err
		}
	}
	it.linear.lastStep = logStep
	it.accept(next, step, nu, extrap)
	if it.stalled() {
		return it.stall("the gradient stopped decreasing", true)
	}
	return false, it.checkConditioning()
}

// dampedStep returns the Levenberg–Marquardt step at it.pt and the ν used,
// remembering in μ how much damping an indefinite Hessian needed.
func (it *iteration) dampedStep(h *bigmat.Dense) (*bigmat.Dense, *big.Float, error) {
	nu := it.r.nuFor(it.pt, it.mu)
	d, used, first, err := it.r.lmStepAt(it.pt, h, nu)
	if err != nil {
		return nil, nil, err
	}
	// h + νI factored at stepPrec ≥ prec/2 + 64 bits with ν ≤ τ: then
	// h + τI is positive definite too, and the second-order check holds
	// without another factorization (backward error ≪ 2^(−prec/2)‖h‖).
	it.psd = h != nil && first && used.Cmp(secondOrderTau(h, it.r.prec)) <= 0
	if used.Cmp(nu) > 0 && it.pt.gnorm.Sign() > 0 {
		// The Hessian was indefinite beyond ν: remember the level.
		m, _ := newFloat(64).Quo(used, it.pt.gnorm).Float64()
		it.mu = math.Min(math.Max(m, it.mu), muMax)
	}
	return d, used, nil
}

// atStationary is reached when the first-order certificate holds. The
// second-order check decides: a positive semidefinite Hessian certifies a
// minimizer; negative curvature (a saddle: V = 0 is always stationary) is
// perturbed at most maxRestarts times, and a saddle that remains is
// reported as such, never as converged.
func (it *iteration) atStationary(h *bigmat.Dense) (bool, error) {
	if it.psd || it.r.secondOrderAt(it.pt, h) {
		it.out.stop, it.out.converged = StopConverged, true
		return true, nil
	}
	if it.restarts >= maxRestarts {
		it.out.stop = StopSaddle
		it.out.notes = append(it.out.notes, fmt.Sprintf("stationary point with negative curvature after %d perturbations: not a minimizer", it.restarts))
		return true, nil
	}
	it.restarts++
	it.out.notes = append(it.out.notes, "reached a stationary point with negative curvature (a saddle): perturbed it and continued")
	return false, it.restart(it.r.prec, perturb(it.pt.v, it.rng))
}

// curvatureUnresolved reports whether the point may be a near-saddle that
// the second-order check of atStationary (tolerance 2^(1−prec/2), coarse
// because of the rotation orbit) cannot see. It applies when k = 1 (no
// rotation orbit: a minimizer of φ has a positive definite Hessian unless
// c equals the top variance, which is the trivial regime) and W = 0 is not
// a minimizer (zeroIsMinimizer, exact). There the smallest curvature must
// be resolved above the working precision's noise, τ = 2^(curvGuardBits −
// prec)·max(1, max|h_ij|): it is unresolved when h − τI is not positive
// definite (Cholesky at the full working precision). Issue 8's near tie
// σ = c(1 + 2·10^-40) has curvature −(2/3)·10^-40 at the near-saddle the
// iteration first reaches, far below 2^(1−prec/2) but far above τ.
func (it *iteration) curvatureUnresolved(h *bigmat.Dense) bool {
	if !it.strictCurvature() {
		return false
	}
	tau := it.curvTau(h, false)
	if vn := it.pt.v.FrobeniusNorm(); vn.Sign() > 0 {
		// At a point that is not exactly stationary, a radial gradient g_r
		// bends φ along the sphere |v| = const by g_r/|v| (a function of |v|
		// alone has tangential curvature φ'(r)/r): a curvature below
		// 2‖∇φ‖/|v| may be that, not the landscape (QA r2: a near tie
		// of 10^-100 looked positive definite from a noise-level gradient
		// of 5·10^-44).
		gt := newFloat(it.r.prec).Quo(it.pt.gnorm, vn)
		tau.Add(tau, gt.Add(gt, gt))
	}
	var ch bigmat.Cholesky
	return ch.Factorize(new(bigmat.Dense).AddScaledIdentity(h.Clone(), tau.Neg(tau))) != nil
}

// strictCurvature: k = 1 and W = 0 is not a minimizer, where a minimizer
// of φ has a positive definite Hessian (see curvatureUnresolved).
func (it *iteration) strictCurvature() bool {
	return it.r.k == 1 && !it.r.exact.zeroIsMinimizer()
}

// curvTau is τ = 2^(curvGuardBits − prec)·max(1, max|h_ij|), negated if neg.
func (it *iteration) curvTau(h *bigmat.Dense, neg bool) *big.Float {
	tau := h.MaxAbs()
	if tau.Cmp(big.NewFloat(1)) < 0 {
		tau.SetInt64(1)
	}
	tau.SetMantExp(tau, curvGuardBits-int(it.r.prec))
	if neg {
		tau.Neg(tau)
	}
	return tau
}

// certChange is log10 of the relative change of VVᵀ (relChange) that the
// certificate measures. In general it is that of the damped step d. Where
// strictCurvature holds, the damping (floored at 2^(−prec/2), with μ up
// to 10^16) would shrink the step far below the distance to the
// minimizer in a flat direction (a quartic valley whose curvature is
// below ν) and fake accuracy; there the change is that of the Newton
// step (h + τI)Δ = −g with τ at the Hessian's noise level, solved at the
// full working precision, and +Inf when h + τI is not positive definite
// (negative curvature: not a minimizer).
func (it *iteration) certChange(h, d *bigmat.Dense) float64 {
	if !it.strictCurvature() {
		ch := it.r.relChange(it.pt, d)
		it.dampedChange = ch
		if it.horizontalApplies() && it.pt.gnorm.Cmp(it.gtol) <= 0 && ((ch <= it.ctol && it.r.prec >= it.target) || it.endGame || math.IsInf(ch, 1)) {
			// k ≥ 2: the damped step's change is a certificate only
			// when the Newton step regularized at the noise level on the
			// horizontal space agrees (horizontal.go). Once a verdict
			// disagreed, every later point gets one (the end game: the
			// damped change can be large there while the horizontal
			// steps make the progress, QA h4_n4_g0). Below the target
			// precision iterate moves there first, and the verdict is
			// computed at the target.
			v := it.verdictAt(h)
			ch = math.Max(ch, v.logChange)
			it.endGame = it.endGame || v.logChange > it.ctol || !v.certified()
		}
		return ch
	}
	var ch bigmat.Cholesky
	if ch.Factorize(new(bigmat.Dense).AddScaledIdentity(h.Clone(), it.curvTau(h, false))) != nil {
		return math.Inf(1)
	}
	rhs := vec(it.pt.g)
	rhs.Scale(newFloat(it.r.prec).SetInt64(-1), rhs)
	x := ch.SolveTo(new(bigmat.Dense), rhs)
	return it.r.relChange(it.pt, unvec(x, it.r.n, it.r.k))
}

// curvGuardBits are the bits of the working precision that the Hessian's
// rounding may consume (its conditioning is covered by condPrec's extra
// bits): the curvature test of curvatureUnresolved resolves curvatures
// down to 2^(curvGuardBits − prec) of the Hessian's scale.
const curvGuardBits = 96

// raiseForCurvature doubles the target precision (at most maxEscalations
// times in all, shared with escalate) so that a curvature near the noise
// of the Hessian is resolved, and continues there. It reports whether it
// did.
func (it *iteration) raiseForCurvature() (bool, error) {
	if it.escalations >= maxEscalations || time.Now().After(it.deadline) {
		return false, nil
	}
	it.escalations++
	old := it.r.prec
	it.target = 2 * it.target
	if err := it.restart(it.target, it.pt.v); err != nil {
		return false, err
	}
	it.out.notes = append(it.out.notes, fmt.Sprintf("stationary to the requested digits, but the Hessian's smallest curvature is negative or not resolved above the rounding noise at %d bits (a near-saddle?): working precision raised to %d bits", old, it.r.prec))
	return true, nil
}

// polarStep is tried first where strictCurvature holds (k = 1, V a single
// column v). Near a tie at the cut-off (two nearly equal variances, one of
// them active) the valley of φ is a nearly flat arc of the sphere |v| = r:
// turning v toward the other direction costs O(tie), while leaving the
// arc costs O(1). A straight damped step can follow such an arc only by
// tiny steps (issue 8, instance i4: 340 iterations without converging).
// Here the Newton step Δ (regularized at the noise level τ, as in
// certChange) is split into its radial part α v̂ and its tangential part
// Δ⊥, and the candidate turns v on its sphere by the angle |Δ⊥|/|v| while
// moving its length by α: in polar coordinates this is Newton's step
// itself (at a radially stationary point the tangential Hessian is
// φ_θθ/r²). It is accepted when φ decreases beyond its rounding noise, or
// does not rise beyond it while ‖∇φ‖ decreases; nil otherwise (the caller
// falls back to the damped search). Only steps that are mostly tangential
// (|Δ⊥| > |α|) are taken this way.
func (it *iteration) polarStep(h *bigmat.Dense) (*point, *bigmat.Dense) {
	if !it.strictCurvature() {
		return nil, nil
	}
	r, pt := it.r, it.pt
	prec := r.prec
	var ch bigmat.Cholesky
	if ch.Factorize(new(bigmat.Dense).AddScaledIdentity(h.Clone(), it.curvTau(h, false))) != nil {
		return nil, nil
	}
	rhs := vec(pt.g)
	rhs.Scale(newFloat(prec).SetInt64(-1), rhs)
	delta := unvec(ch.SolveTo(new(bigmat.Dense), rhs), r.n, 1)
	vn := pt.v.FrobeniusNorm()
	if vn.Sign() == 0 {
		return nil, nil
	}
	// α = ⟨Δ, v⟩/|v|, Δ⊥ = Δ − α v/|v|.
	alpha := newFloat(prec)
	var t big.Float
	t.SetPrec(prec)
	for i := 0; i < r.n; i++ {
		t.Mul(delta.At(i, 0), pt.v.At(i, 0))
		alpha.Add(alpha, &t)
	}
	alpha.Quo(alpha, vn)
	vhat := new(bigmat.Dense).Scale(newFloat(prec).Quo(newFloat(prec).SetInt64(1), vn), pt.v)
	perp := new(bigmat.Dense).Sub(delta, new(bigmat.Dense).Scale(alpha, vhat))
	pn := perp.FrobeniusNorm()
	newLen := newFloat(prec).Add(vn, alpha)
	if newLen.Sign() <= 0 || pn.Cmp(newFloat(prec).Abs(alpha)) <= 0 {
		return nil, nil // mostly radial: the damped search handles it (quartic valleys, near-saddles)
	}
	theta, _ := newFloat(64).Quo(pn, vn).Float64()
	if theta > 1 {
		return nil, nil // beyond a radian the local model says little
	}
	cos, sin := bigCosSin(newFloat(prec).Quo(pn, vn), prec)
	// v' = |v'|·(cos θ·v̂ + sin θ·Δ⊥/|Δ⊥|).
	u := new(bigmat.Dense).Scale(cos, vhat)
	u.Add(u, new(bigmat.Dense).Scale(newFloat(prec).Quo(sin, pn), perp))
	cand, err := r.eval(new(bigmat.Dense).Scale(newLen, u))
	if err != nil {
		return nil, nil
	}
	fnoise := r.fNoise(pt)
	it.fnoise = fnoise
	drop := newFloat(prec).Sub(pt.f, cand.f)
	switch {
	case drop.Cmp(fnoise) > 0:
	case drop.Cmp(newFloat(prec).Neg(fnoise)) >= 0 && cand.gnorm.Cmp(pt.gnorm) < 0:
	default:
		return nil, nil
	}
	return cand, new(bigmat.Dense).Sub(cand.v, pt.v)
}

// bigCosSin returns cos x and sin x at precision prec for |x| ≤ 1 by their
// Taylor series (terms below 2^-prec dropped).
func bigCosSin(x *big.Float, prec uint) (*big.Float, *big.Float) {
	p := prec + 32
	cos, sin := newFloat(p).SetInt64(1), newFloat(p).Set(x)
	x2 := newFloat(p).Mul(x, x)
	term := newFloat(p).Set(x) // x^k/k!, k odd for sin
	cterm := newFloat(p).SetInt64(1)
	eps := newFloat(p).SetMantExp(big.NewFloat(1), -int(p))
	for k := 1; k < 10*int(p); k++ {
		// cterm: (−1)^k x^(2k)/(2k)!, term: (−1)^k x^(2k+1)/(2k+1)!
		cterm.Mul(cterm, x2)
		cterm.Quo(cterm, newFloat(p).SetInt64(int64(-(2*k-1)*(2*k))))
		term.Mul(term, x2)
		term.Quo(term, newFloat(p).SetInt64(int64(-(2*k)*(2*k+1))))
		cos.Add(cos, cterm)
		sin.Add(sin, term)
		if newFloat(p).Abs(cterm).Cmp(eps) < 0 && newFloat(p).Abs(term).Cmp(eps) < 0 {
			break
		}
	}
	return cos.SetPrec(prec), sin.SetPrec(prec)
}

// search tries damped Newton steps from it.pt, raising ν after each
// rejection (trust-region ratio, see acceptable), and returns the first
// acceptable point with its step and ν, or nil after 60 rejections.
func (it *iteration) search(h, d *bigmat.Dense, nu *big.Float) (*point, *bigmat.Dense, *big.Float, error) {
	r, pt := it.r, it.pt
	it.fnoise = r.fNoise(pt)
	four := newFloat(r.prec).SetInt64(4)
	for attempt := 0; attempt < 60; attempt++ {
		if attempt > 0 {
			it.mu = math.Min(4*it.mu, muMax)
			nu = maxBig(newFloat(r.prec).Mul(nu, four), r.nuFor(pt, it.mu))
			var err error
			if d, nu, _, err = r.lmStepAt(pt, h, nu); err != nil {
				return nil, nil, nil, err
			}
		}
		cand, err := r.eval(new(bigmat.Dense).Add(pt.v, d))
		if err != nil {
			continue
		}
		ok, ratio := r.acceptable(pt, cand, d, h, it.fnoise)
		it.adaptMu(ratio)
		if ok {
			return cand, d, nu, nil
		}
	}
	return nil, nil, nu, nil
}

// adaptMu updates μ from the trust-region ratio (NaN: not resolvable).
func (it *iteration) adaptMu(ratio float64) {
	switch {
	case math.IsNaN(ratio):
	case ratio > 0.75:
		it.mu = math.Max(it.mu/4, muMin)
	case ratio < 0.25:
		it.mu = math.Min(4*it.mu, muMax)
	}
}

// observe updates the linear-convergence detector with an accepted step of
// length 10^logStep from it.pt to next, and reports whether three steps in
// a row shrank by a steady factor (log ratio between −1 and −0.02, within
// 30% of the previous one) while the gradient kept decreasing; steps
// wandering at the noise floor do not qualify.
func (it *iteration) observe(logStep float64, next *point) bool {
	l := &it.linear
	ratio := logStep - l.lastStep
	gradDown := log10Float(next.gnorm) < log10Float(it.pt.gnorm)-0.02
	steady := l.run == 0 || math.Abs(ratio-l.lastRatio) < 0.3*math.Abs(l.lastRatio)
	if logStep < -2 && ratio < -0.02 && ratio > -1 && gradDown && steady {
		l.run++
	} else {
		l.run = 0
	}
	l.lastRatio = ratio
	return l.run >= 3
}

// valley handles linear convergence (a degenerate, quartic valley): it
// first doubles the working digits, then tries extrapolated steps. It
// returns the point to accept, its step from it.pt, and whether it was
// extrapolated.
func (it *iteration) valley(next *point, step *bigmat.Dense, logStep float64) (*point, *bigmat.Dense, bool, error) {
	if !it.out.linear {
		it.out.linear = true
		it.out.notes = append(it.out.notes, fmt.Sprintf("linear convergence observed from iteration %d (steps shrink by a constant factor instead of squaring): a degenerate, flat (quartic) valley, as when c equals an eigenvalue of Σ", it.out.iterations))
	}
	if it.target < it.highPrec {
		// In a quartic valley the gradient is cubic in the distance, so
		// the working precision bounds the attainable accuracy: double
		// the digits.
		it.target = it.highPrec
		if err := it.restart(it.target, next.v); err != nil {
			return nil, nil, false, err
		}
		it.out.notes = append(it.out.notes, fmt.Sprintf("working precision raised to %d bits (%d digits) for the degenerate valley", it.r.prec, 2*it.digits+bigmat.GuardDigits))
		return it.pt, step, false, nil
	}
	q := math.Pow(10, logStep-it.linear.lastStep)
	if q >= 0.95 {
		return next, step, false, nil
	}
	if cp := it.extrapolate(step, q); cp != nil && cp.gnorm.Cmp(next.gnorm) < 0 {
		it.out.iterations++
		return cp, new(bigmat.Dense).Sub(cp.v, it.pt.v), true, nil
	}
	return next, step, false, nil
}

// extrapolate returns the point reached by the step m·Δ, m = 1/(1−q)
// (rounded to an integer when close: exact along a zero of multiplicity m
// of the gradient), followed by one Newton correction of the overshoot in
// the curved directions; nil if an evaluation fails.
func (it *iteration) extrapolate(step *bigmat.Dense, q float64) *point {
	r := it.r
	m := 1 / (1 - q)
	if mr := math.Round(m); math.Abs(m-mr) < 0.2 {
		m = mr
	}
	xs := new(bigmat.Dense).Scale(newFloat(r.prec).SetFloat64(m), step)
	xp, err := r.eval(new(bigmat.Dense).Add(it.pt.v, xs))
	if err != nil {
		return nil
	}
	dx, _, _, err := r.lmStepAt(xp, r.hessianFor(xp), r.nuFor(xp, it.mu))
	if err != nil {
		return nil
	}
	cp, err := r.eval(new(bigmat.Dense).Add(xp.v, dx))
	if err != nil {
		return nil
	}
	return cp
}

// accept moves to next and records the step.
func (it *iteration) accept(next *point, step *bigmat.Dense, nu *big.Float, extrap bool) {
	it.pt = next
	lg := log10Float(next.gnorm)
	if math.IsInf(lg, -1) {
		lg = -float64(it.r.prec) * math.Log10(2) // an exact zero: record the working precision's floor
	}
	it.out.history = append(it.out.history, stepRecord{
		LogGrad: lg, LogStep: log10Float(step.FrobeniusNorm()), Damping: log10Float(nu), Extrap: extrap,
	})
	if el := time.Since(it.started); it.progress != nil && el >= it.progressAfter {
		fmt.Fprintf(it.progress, "solver: Newton iteration %d: log10 ‖∇φ‖ = %.1f (%d digits requested), %d bits, %.1f s\n",
			it.out.iterations, lg, it.digits, it.r.prec, el.Seconds())
	}
}

// stalled updates the progress tracker after an accepted step and reports
// whether ten steps in a row decreased neither ‖∇φ‖ (by 0.2 in log10) nor
// φ (beyond ten times its rounding noise).
func (it *iteration) stalled() bool {
	lg := it.out.history[len(it.out.history)-1].LogGrad
	fdrop := newFloat(it.r.prec).Sub(it.best.f, it.pt.f)
	if lg < it.best.logGrad-0.2 || fdrop.Cmp(newFloat(it.r.prec).Mul(it.fnoise, big.NewFloat(10))) > 0 {
		it.best = progress{logGrad: math.Min(it.best.logGrad, lg), f: it.pt.f}
		return false
	}
	it.best.since++
	return it.best.since >= 10
}

// stall is called when progress stops. It escalates the precision if it
// can; otherwise it stops with StopStalled (which finish may turn into
// StopConverged at the noise floor). With fresh set, the invariant's
// change estimate is recomputed at the current point.
func (it *iteration) stall(why string, fresh bool) (bool, error) {
	if it.r.prec < it.target {
		return false, it.restart(it.target, it.pt.v) // the working precision's noise floor: go on at the target
	}
	raised, err := it.escalate(why)
	if err != nil || raised {
		return false, err
	}
	it.out.stop = StopStalled
	it.out.notes = append(it.out.notes, why+": progress stopped at the working precision's noise level")
	if fresh {
		h := it.r.hessianFor(it.pt)
		d, _, _, err := it.r.lmStepAt(it.pt, h, it.r.nuFor(it.pt, it.mu))
		if err != nil {
			return false, err
		}
		it.out.logChange = it.certChange(h, d)
	}
	return true, nil
}

// escalate is called when progress stops: if the invariants are not yet
// accurate to the requested digits, the evaluation of φ has lost more
// digits than the guard digits cover (ill-conditioning: tiny c with a
// rank-deficient optimum, huge target ranges), and doubling the working
// precision lets Newton's method continue. At most maxEscalations times.
func (it *iteration) escalate(why string) (bool, error) {
	if it.escalations >= maxEscalations || time.Now().After(it.deadline) {
		return false, nil
	}
	h := it.r.hessianFor(it.pt)
	d, _, _, err := it.r.lmStepAt(it.pt, h, it.r.nuFor(it.pt, it.mu))
	if err != nil {
		return false, err
	}
	if it.certChange(h, d) <= -float64(it.digits) {
		return false, nil // accurate already: the caller stops at the noise floor
	}
	it.escalations++
	old := it.r.prec
	it.target = 2 * it.target
	if err := it.restart(it.target, it.pt.v); err != nil {
		return false, err
	}
	it.out.notes = append(it.out.notes, fmt.Sprintf("%s at %d bits before the requested digits were reached (an ill-conditioned evaluation): working precision raised to %d bits", why, old, it.r.prec))
	return true, nil
}

// condPrec is the working precision φ's conditioning asks for at pt:
// Bits(digits) plus 2·log2 κ − 26 bits, κ = max_k tr(VVᵀ+ρ_k I)·tr(B_k) ≥
// cond(VVᵀ + ρ_k I). The gradient involves B S B, so its rounding error
// grows like κ²·2^(−prec); the guard digits cover κ up to 10^4, and
// beyond that ∇φ could not reach 10^-(digits+8) at the base precision
// (tiny c with a rank-deficient optimum: κ ≈ ‖V‖²/ρ).
func (r *reduced) condPrec(pt *point, digits int) uint {
	extra := 2*pt.log2Kappa - 26
	if extra <= 0 {
		return bigmat.Bits(digits)
	}
	return bigmat.Bits(digits) + uint(math.Ceil(extra))
}

// boundPrec is condPrec with the a-priori bound κ ≤ (‖V‖²_F + ρ)/ρ for
// the smallest ρ, used when VVᵀ + ρI could not even be factored, plus 64
// bits.
func (r *reduced) boundPrec(v *bigmat.Dense, digits int) uint {
	rho := r.minRho()
	kappa := v.FrobeniusNorm()
	kappa.Mul(kappa, kappa)
	kappa.Add(kappa, rho)
	kappa.Quo(kappa, rho)
	return bigmat.Bits(digits) + uint(math.Ceil(2*log10Float(kappa)*math.Log2(10))) + 64
}

// checkConditioning raises the working precision when φ's conditioning at
// the current point asks for more than it has (condPrec), at most
// maxConditionings times.
func (it *iteration) checkConditioning() error {
	need := it.r.condPrec(it.pt, it.digits)
	if need <= it.target || it.conditionings >= maxConditionings {
		return nil
	}
	it.conditionings++
	old := it.r.prec
	it.target = need + 32
	if err := it.moveTo(max(it.r.prec, it.adaptivePrec()), it.pt.v); err != nil {
		return err
	}
	it.out.notes = append(it.out.notes, fmt.Sprintf("φ is ill-conditioned here (cond(VVᵀ+ρI) ≈ 2^%.0f): working precision raised from %d to %d bits", it.pt.log2Kappa, old, it.r.prec))
	return nil
}

// restart continues at V = v and precision prec with fresh progress and
// linearity trackers (after a perturbation or a precision escalation,
// earlier steps say nothing about the new ones).
func (it *iteration) restart(prec uint, v *bigmat.Dense) error {
	if err := it.moveTo(prec, v); err != nil {
		return err
	}
	it.best = progress{logGrad: log10Float(it.pt.gnorm), f: it.pt.f}
	it.linear = linearity{lastStep: math.Inf(1)}
	return nil
}

// moveTo continues the iteration at V = v with the reduced problem at
// precision prec (rebuilt from the exact instance). If VVᵀ + ρI cannot be
// factored there, the precision is raised once to boundPrec.
func (it *iteration) moveTo(prec uint, v *bigmat.Dense) error {
	for attempt := 0; ; attempt++ {
		if prec > maxPrecBits {
			return fmt.Errorf("solver: the evaluation of φ needs more than %d bits of precision", maxPrecBits)
		}
		if err := it.usePrec(prec); err != nil {
			return err
		}
		pt, err := it.r.eval(v.Clone().SetPrec(prec))
		if err == nil {
			it.pt = pt
			return nil
		}
		need := it.r.boundPrec(v, it.digits)
		if attempt > 0 || need <= prec {
			return err
		}
		it.target = max(it.target, need)
		it.out.notes = append(it.out.notes, fmt.Sprintf("VVᵀ + ρI is numerically singular at %d bits (tiny ρ): working precision raised to %d bits", prec, need))
		prec = need
	}
}

// usePrec switches to the reduced problem at precision prec.
func (it *iteration) usePrec(prec uint) error {
	if prec == it.r.prec {
		return nil
	}
	it.r = it.r.exact.atPrec(prec)
	return nil
}

// finish fills in the result: the digits estimate, and the final stop
// reason. A stall at the noise floor counts as converged only when the
// whole certificate holds at the requested precision: the invariant's
// change estimate below 10^-digits, ‖∇φ‖ ≤ 10^-digits, and the
// second-order check.
func (it *iteration) finish() *stage2Result {
	out := it.out
	out.pt, out.red = it.pt, it.r
	if out.outOfTime && it.pastDeadlineAfterNext() {
		// No time for the final verdict (a dense factorization of several
		// seconds at n = 24): without it no digit is claimed, and the
		// point is returned now rather than abandoned with no result.
		out.digits = 0
		if out.linear {
			out.stop = StopLinear
		}
		out.notes = append(out.notes, "stopped at the time limit before the final second-order check: no digit of W Wᵀ is claimed")
		return out
	}
	if it.horizontalApplies() {
		// k ≥ 2: the digits estimate is the honest one at the final point
		// (horizontal.go), whatever the last damped step said.
		out.logChange = math.Max(out.logChange, it.verdictAt(nil).logChange)
	}
	if math.IsInf(out.logChange, -1) {
		out.digits = it.digits
	} else {
		out.digits = max(0, min(it.digits, int(math.Floor(-out.logChange))))
	}
	if out.stop == StopStalled && out.digits >= it.digits && it.noiseFloorCertified() {
		out.stop, out.converged = StopConverged, true
		out.notes = append(out.notes, "stopped at the working precision's noise floor with the invariants accurate to the requested digits (gradient and second-order certificate checked)")
	}
	if !out.converged && out.linear && (out.stop == StopIterationLimit || out.stop == StopTimeLimit || out.stop == StopStalled) {
		out.stop = StopLinear
	}
	if !out.converged && out.digits > 0 && !it.secondOrderHolds() {
		// Newton's change estimate speaks for the distance to a
		// minimizer only where the second-order part holds: next to a
		// saddle (QA c4_n4_d1_g0, a near tie at the cut-off, k = 1) it
		// claimed 9 digits of a W Wᵀ wrong in the first.
		out.digits = 0
		out.notes = append(out.notes, "the returned point does not pass the second-order check (a saddle or a curvature below the noise nearby): no digit of W Wᵀ is claimed")
	}
	return out
}

// secondOrderHolds is the second-order part of the certificate at it.pt:
// the horizontal verdict for k ≥ 2 (horizontal.go), else the Hessian
// positive semidefinite up to 2^(1−prec/2) with the k = 1 curvature
// resolved (curvatureUnresolved).
func (it *iteration) secondOrderHolds() bool {
	if it.horizontalApplies() {
		return it.verdictAt(nil).certified()
	}
	h := it.r.hessianFor(it.pt) // nil on the Newton–Krylov path: the global certificate decides
	return it.r.secondOrderAt(it.pt, h) && !it.curvatureUnresolved(h)
}

// noiseFloorCertified: ‖∇φ‖ ≤ 10^-digits and the Hessian is positive
// semidefinite up to the working precision (secondOrder).
func (it *iteration) noiseFloorCertified() bool {
	if it.pt.gnorm.Cmp(pow10(-it.digits, it.r.prec)) > 0 {
		return false
	}
	h := it.r.hessianFor(it.pt)
	if it.horizontalApplies() && !it.verdictAt(h).certified() {
		return false
	}
	return it.r.secondOrderAt(it.pt, h) && !it.curvatureUnresolved(h)
}

// Bounds of the damping multiplier μ (ν = μ‖∇φ‖). μ ≥ 1 keeps ν above the
// curvature along the rotation orbit away from stationarity (of the order
// of ‖∇φ‖, often negative), so the Cholesky factorization rarely fails, and
// ν ∝ ‖∇φ‖ is what gives Levenberg–Marquardt its quadratic rate on
// non-isolated minima. μ grows after poor steps (trust-region ratio) and
// shrinks back after good ones.
const (
	muMin = 1
	muMax = 1e16
)

// acceptable is the step test of a trust-region method. With the model
// decrease pred = −gᵀΔ − ½ΔᵀHΔ resolvable above φ's rounding noise, the
// step is accepted when the actual decrease is at least 10^-4 of it, and
// ratio = actual/pred is returned to adapt μ. Where φ no longer resolves
// the decrease, the step is accepted if φ did not rise beyond the noise
// and ‖∇φ‖ decreased; ratio is then NaN.
func (r *reduced) acceptable(pt, cand *point, d, h *bigmat.Dense, fnoise *big.Float) (bool, float64) {
	prec := r.prec
	hd := r.hessVecFlat(pt, h, d)
	pred := newFloat(prec)
	var t, q big.Float
	t.SetPrec(prec)
	q.SetPrec(prec)
	n, k := d.Dims()
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			t.Mul(pt.g.At(i, j), d.At(i, j))
			pred.Sub(pred, &t)
			q.Mul(hd.At(i*k+j, 0), d.At(i, j))
			q.SetMantExp(&q, -1)
			pred.Sub(pred, &q)
		}
	}
	actual := newFloat(prec).Sub(pt.f, cand.f)
	if pred.Cmp(newFloat(prec).Mul(fnoise, big.NewFloat(10))) > 0 {
		ratio, _ := new(big.Float).Quo(actual, pred).Float64()
		return ratio > 1e-4, ratio
	}
	lim := newFloat(prec).Add(pt.f, fnoise)
	return cand.f.Cmp(lim) <= 0 && cand.gnorm.Cmp(pt.gnorm) < 0, math.NaN()
}

// escapeNearSaddle handles a k = 1 near-saddle whose negative curvature is
// resolved (below −τ, τ the Hessian's noise level plus the gradient's
// contribution of curvatureUnresolved): the point is stationary to the
// requested digits but not a minimizer. Near a tie (two nearly equal
// variances) the saddle and the minimizer lie on the same nearly flat
// sphere |v| = r, a right angle apart, and escaping by damped steps takes
// one doubling of the deviation per step. Instead v is turned on its
// sphere toward the tangential part u of the eigenvector of h's smallest
// eigenvalue, by π/2 (v' = |v|·û) or, failing that, π/4; the turn is taken
// when φ decreases beyond its rounding noise. It counts as one of the
// maxRestarts perturbations and reports whether it moved (QA r2, r6).
func (it *iteration) escapeNearSaddle(h *bigmat.Dense) (bool, error) {
	if !it.strictCurvature() || it.restarts >= maxRestarts {
		return false, nil
	}
	var ch bigmat.Cholesky
	if ch.Factorize(new(bigmat.Dense).AddScaledIdentity(h.Clone(), it.curvTau(h, false))) == nil {
		return false, nil // curvature not resolved negative: nothing to escape
	}
	u := it.tangentOfSmallestCurvature(h)
	if u == nil {
		return false, nil
	}
	prec := it.r.prec
	vn := it.pt.v.FrobeniusNorm()
	vhat := new(bigmat.Dense).Scale(newFloat(prec).Quo(newFloat(prec).SetInt64(1), vn), it.pt.v)
	half := newFloat(prec).SetFloat64(math.Sqrt2 / 2) // only the direction matters: rounding of √2/2 is harmless
	quarter := new(bigmat.Dense).Add(new(bigmat.Dense).Scale(half, vhat), new(bigmat.Dense).Scale(half, u))
	fnoise := it.r.fNoise(it.pt)
	for _, dir := range []*bigmat.Dense{u, quarter} {
		cand, err := it.r.eval(new(bigmat.Dense).Scale(vn, dir))
		if err != nil {
			continue
		}
		if newFloat(prec).Sub(it.pt.f, cand.f).Cmp(fnoise) > 0 {
			it.restarts++
			it.out.notes = append(it.out.notes, fmt.Sprintf("stationary to the requested digits at %d bits, but with resolved negative curvature (a near-saddle): turned W on its sphere toward the descent direction and continued", prec))
			return true, it.restart(prec, cand.v)
		}
	}
	return false, nil
}

// tangentOfSmallestCurvature returns a unit vector orthogonal to v (k = 1)
// along which h curves least: power iteration on (c I − h) restricted to
// v's orthogonal complement, c = ‖h‖_F + 1 ≥ the largest eigenvalue of h,
// from a seeded random start (not an eigendecomposition: the solver uses
// none, independence_test.go). The direction need only be roughly right:
// escapeNearSaddle keeps the turn only when φ decreases. nil when n = 1.
func (it *iteration) tangentOfSmallestCurvature(h *bigmat.Dense) *bigmat.Dense {
	prec, n := it.r.prec, it.r.n
	if n < 2 {
		return nil
	}
	c := h.FrobeniusNorm()
	c.Add(c, newFloat(prec).SetInt64(1))
	u := bigmat.New(n, 1, prec)
	for i := 0; i < n; i++ {
		u.At(i, 0).SetFloat64(it.rng.NormFloat64())
	}
	for range tangentPowerSteps {
		u = it.tangentUnit(u)
		if u == nil {
			return nil
		}
		hu := new(bigmat.Dense).Mul(h, u)
		u = new(bigmat.Dense).Sub(new(bigmat.Dense).Scale(c, u), hu)
	}
	return it.tangentUnit(u)
}

// tangentPowerSteps is the number of power iterations of
// tangentOfSmallestCurvature (n is small; the convergence factor is the
// ratio of the two largest eigenvalues of c I − h on the tangent space).
const tangentPowerSteps = 200

// tangentUnit removes u's component along v and normalizes; nil if
// nothing is left.
func (it *iteration) tangentUnit(u *bigmat.Dense) *bigmat.Dense {
	prec, v := it.r.prec, it.pt.v
	vv, uv := newFloat(prec), newFloat(prec)
	var t big.Float
	t.SetPrec(prec)
	for i := 0; i < it.r.n; i++ {
		vv.Add(vv, t.Mul(v.At(i, 0), v.At(i, 0)))
		uv.Add(uv, t.Mul(u.At(i, 0), v.At(i, 0)))
	}
	if vv.Sign() == 0 {
		return nil
	}
	out := new(bigmat.Dense).Sub(u, new(bigmat.Dense).Scale(uv.Quo(uv, vv), v))
	un := out.FrobeniusNorm()
	if un.Sign() == 0 {
		return nil
	}
	return out.Scale(newFloat(prec).Quo(newFloat(prec).SetInt64(1), un), out)
}

// raiseForDynamicRange is called once the first-order certificate holds at
// the target precision. The Hessian's entries along directions where VVᵀ
// is (nearly) zero carry terms S'/ρ², and their rounding is 2^(−prec)·
// ‖S'‖/ρ²: unless the precision covers condPrec at the final point (2·log2 κ
// bits beyond the digits; κ ≈ (‖V‖² + ρ)/ρ when a direction of V has
// collapsed to zero), the second-order check cannot tell an inactive
// direction (curvature 1 − s'/ρ² > 0) from an active one left at zero (a
// saddle). checkConditioning raises the precision at most
// maxConditionings times along the way and can stop short when V
// collapses onto the big directions late; QA r3 (targets spanning 60
// orders of magnitude) was certified at such a saddle. The target
// precision is raised to condPrec once (escalation budget aside,
// within maxPrecBits) and the iteration continues there. It reports
// whether it did.
func (it *iteration) raiseForDynamicRange() (bool, error) {
	if it.dynamicRangeChecked || it.r.exact.zeroIsMinimizer() {
		return false, nil
	}
	it.dynamicRangeChecked = true
	need := it.r.condPrec(it.pt, it.digits)
	if need <= it.r.prec || need > maxPrecBits {
		return false, nil
	}
	old := it.r.prec
	it.target = need
	if err := it.restart(need, it.pt.v); err != nil {
		return false, err
	}
	it.out.notes = append(it.out.notes, fmt.Sprintf("stationary to the requested digits at %d bits, but VVᵀ + ρI spans more orders of magnitude than that resolves (the second-order check in VVᵀ's small directions): working precision raised to %d bits", old, need))
	return true, nil
}
