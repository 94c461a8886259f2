package solver

import (
	"fmt"
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
func (r *reduced) secondOrder(h *bigmat.Dense) bool {
	tau := h.MaxAbs()
	if tau.Cmp(big.NewFloat(1)) < 0 {
		tau.SetInt64(1)
	}
	tau.SetMantExp(tau, -int(r.prec/2))
	var ch bigmat.Cholesky
	return ch.Factorize(new(bigmat.Dense).AddScaledIdentity(h, tau)) == nil
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

// lmStep solves (H + νI) Δ = −g by Cholesky, raising ν until the matrix
// is positive definite at the working precision. It returns Δ as an n×k
// matrix and the ν used.
func (r *reduced) lmStep(h *bigmat.Dense, g *bigmat.Dense, nu float64) (*bigmat.Dense, float64, error) {
	N := r.n * r.k
	rhs := vec(g)
	rhs.Scale(newFloat(r.prec).SetInt64(-1), rhs)
	for tries := 0; tries < 400; tries++ {
		nuF := newFloat(r.prec).SetFloat64(nu)
		a := new(bigmat.Dense).AddScaledIdentity(h, nuF)
		var ch bigmat.Cholesky
		if err := ch.Factorize(a); err == nil {
			x := ch.SolveTo(new(bigmat.Dense), rhs)
			return unvec(x, r.n, r.k), nu, nil
		}
		// Raise ν gently: just above the most negative eigenvalue is
		// enough, and near a solution that is of the order of ‖∇φ‖ (the
		// curvature along the rotation orbit away from stationarity).
		nu = math.Max(10*nu, r.nuMin())
	}
	return nil, nu, fmt.Errorf("solver: Hessian of order %d could not be regularized", N)
}

// invariantChange returns ‖(V+Δ)(V+Δ)ᵀ − VVᵀ‖_F: how much the invariant
// VVᵀ would move under step Δ. Rotations V → VQ do not change VVᵀ, so this
// ignores the step's components along the symmetry orbit.
func invariantChange(v, d *bigmat.Dense) *big.Float {
	a := new(bigmat.Dense).MulTrans(v, v)
	vd := new(bigmat.Dense).Add(v, d)
	b := new(bigmat.Dense).MulTrans(vd, vd)
	return b.Sub(b, a).FrobeniusNorm()
}

// nuFor is the Levenberg–Marquardt damping at pt: ν = μ·‖∇φ‖ (μ adapted
// by the trust-region ratio, see stage2), floored at 2^(−prec/2) so that
// rounding noise in the gradient along the Hessian's null space (the
// rotations V → VQ) cannot produce large steps.
func (r *reduced) nuFor(pt *point, mu float64) float64 {
	gn, _ := pt.gnorm.Float64()
	return math.Max(mu*gn, r.nuMin())
}

func (r *reduced) nuMin() float64 {
	nu := math.Pow(2, -float64(r.prec)/2)
	if nu == 0 {
		nu = math.SmallestNonzeroFloat64
	}
	return nu
}

// relChange returns log10 of invariantChange(pt.v, d) relative to the
// scale of the invariant: min(max(‖VVᵀ‖_F, 1), |φ|). The first term is the
// invariant's own size, or the natural unit a0 of WWᵀ when the optimum is
// small; the cap |φ| matters only when φ ≪ 1 (c far above the targets'
// variance, W* = 0): WWᵀ must then be small enough that λ_W‖W‖²/2 is
// below 10^-digits of L. (With all targets' second moments zero, φ = ½‖V‖²
// and W* = 0 exactly; the reference is then max(‖VVᵀ‖_F, 1).)
func (r *reduced) relChange(pt *point, d *bigmat.Dense) float64 {
	ref := new(bigmat.Dense).MulTrans(pt.v, pt.v).FrobeniusNorm()
	lref := math.Max(log10Float(ref), 0)
	if !r.zeroData {
		lref = math.Min(lref, log10Float(pt.f))
	}
	return log10Float(invariantChange(pt.v, d)) - lref
}

// fNoise bounds the rounding error of φ at pt: |φ|·2^(8−prec)·κ with
// κ = (‖V‖²_F + ρ)/ρ ≥ cond(VVᵀ + ρI) for the smallest ρ, since B =
// (VVᵀ + ρI)⁻¹ is formed by Cholesky. With tiny ρ (c ≪ σ) and a
// rank-deficient V this is far above a few ulps of φ.
func (r *reduced) fNoise(pt *point) *big.Float {
	rho := r.blocks[0].rho
	for _, b := range r.blocks[1:] {
		if b.rho.Cmp(rho) < 0 {
			rho = b.rho
		}
	}
	kappa := pt.v.FrobeniusNorm()
	kappa.Mul(kappa, kappa)
	kappa.Add(kappa, rho)
	kappa.Quo(kappa, rho)
	n := newFloat(r.prec).SetMantExp(pt.f, 8-int(r.prec))
	n.Abs(n)
	return n.Mul(n, kappa)
}

// stage2 runs the Levenberg–Marquardt-damped Newton iteration on φ from v0
// until the requested digits are reached, the budget is spent, or progress
// stops. It may switch to a reduced problem of higher precision (returned
// in the result) when it detects linear convergence.
func (r *reduced) stage2(v0 *bigmat.Dense, digits, maxIter int, deadline time.Time) (*stage2Result, error) {
	out := &stage2Result{}
	pt, err := r.eval(v0)
	if err != nil {
		return nil, err
	}
	// Dimensionless tolerances: φ, V and ∇φ are of order one.
	gtol := pow10(-(digits + 8), r.prec)
	ctol := -float64(digits + 2)
	highPrec := bigmat.Bits(2 * digits)
	linearRun, sinceBest := 0, 0
	lastStep, lastRatio := math.Inf(1), 0.0
	bestG, bestF := log10Float(pt.gnorm), pt.f
	ten := big.NewFloat(10)
	mu := float64(muMin) // ν = μ‖∇φ‖; μ grows after poor steps, shrinks after good ones
	// usePrec moves the iteration to a reduced problem at precision prec
	// (rebuilt from the exact instance) at the current point.
	usePrec := func(prec uint, v *bigmat.Dense) error {
		if prec != r.prec {
			hr, err := newReduced(r.in, r.lamH, r.lamW, prec)
			if err != nil {
				return err
			}
			r = hr
		}
		var err error
		if pt, err = r.eval(v.Clone().SetPrec(prec)); err != nil {
			return err
		}
		gtol.SetPrec(prec)
		bestG, bestF, sinceBest, linearRun, lastStep, lastRatio = log10Float(pt.gnorm), pt.f, 0, 0, math.Inf(1), 0
		return nil
	}
	// escalate is called when progress stops: if the invariants are not yet
	// accurate to the requested digits, the evaluation of φ has lost more
	// digits than the guard digits cover (ill-conditioning: tiny c with a
	// rank-deficient optimum, huge target ranges), and doubling the working
	// precision lets Newton's method continue. At most maxEscalations times.
	escalations, restarts := 0, 0
	rng := rand.New(rand.NewPCG(uint64(r.n*1000+r.k), 0x73616464))
	escalate := func(why string) (bool, error) {
		if escalations >= maxEscalations || time.Now().After(deadline) {
			return false, nil
		}
		d, _, err := r.lmStep(r.hessian(pt), pt.g, r.nuFor(pt, mu))
		if err != nil {
			return false, err
		}
		if r.relChange(pt, d) <= -float64(digits) {
			return false, nil // accurate already: the caller stops at the noise floor
		}
		escalations++
		old := r.prec
		if err := usePrec(2*old, pt.v); err != nil {
			return false, err
		}
		out.notes = append(out.notes, fmt.Sprintf("%s at %d bits before the requested digits were reached (an ill-conditioned evaluation): working precision raised to %d bits", why, old, r.prec))
		return true, nil
	}
	for {
		h := r.hessian(pt)
		nu := r.nuFor(pt, mu)
		d, nuUsed, err := r.lmStep(h, pt.g, nu)
		if err != nil {
			return nil, err
		}
		if nuUsed > nu {
			// The Hessian was indefinite beyond ν: remember the level.
			if gn, _ := pt.gnorm.Float64(); gn > 0 {
				mu = math.Min(math.Max(nuUsed/gn, mu), muMax)
			}
		}
		nu = nuUsed
		out.logChange = r.relChange(pt, d)
		if pt.gnorm.Cmp(gtol) <= 0 && out.logChange <= ctol {
			if !r.secondOrder(h) && restarts < maxRestarts {
				// A stationary point with negative curvature (V = 0 is
				// always stationary): perturb and descend.
				restarts++
				if err := usePrec(r.prec, perturb(pt.v, rng)); err != nil {
					return nil, err
				}
				out.notes = append(out.notes, "reached a stationary point with negative curvature (a saddle): perturbed it and continued")
				continue
			}
			out.stop, out.converged = StopConverged, true
			break
		}
		if out.iterations >= maxIter {
			out.stop = StopIterationLimit
			break
		}
		if time.Now().After(deadline) {
			out.stop = StopTimeLimit
			break
		}
		out.iterations++
		gn, _ := pt.gnorm.Float64()
		fnoise := r.fNoise(pt)
		var next *point
		var step *bigmat.Dense
		for attempt := 0; attempt < 60; attempt++ {
			if attempt > 0 {
				mu = math.Min(4*mu, muMax)
				nu = math.Max(mu*gn, 4*nu)
				if d, nu, err = r.lmStep(h, pt.g, nu); err != nil {
					return nil, err
				}
			}
			cand, err := r.eval(new(bigmat.Dense).Add(pt.v, d))
			if err != nil {
				continue
			}
			ok, ratio := r.acceptable(pt, cand, d, h, fnoise)
			switch {
			case math.IsNaN(ratio):
			case ratio > 0.75:
				mu = math.Max(mu/4, muMin)
			case ratio < 0.25:
				mu = math.Min(4*mu, muMax)
			}
			if ok {
				next, step = cand, d
				break
			}
		}
		if next == nil {
			raised, err := escalate("no damped Newton step decreased the objective")
			if err != nil {
				return nil, err
			}
			if raised {
				continue
			}
			out.stop = StopStalled
			out.notes = append(out.notes, "no damped Newton step decreased the objective: progress stopped at the working precision")
			break
		}
		logStep := log10Float(step.FrobeniusNorm())
		// Linear convergence: successive steps shrink by a steady factor
		// (log ratio between −1 and −0.02, within 30% of the previous
		// one) while the gradient keeps decreasing; steps wandering at the
		// noise floor do not qualify.
		ratio := logStep - lastStep
		gradDown := log10Float(next.gnorm) < log10Float(pt.gnorm)-0.02
		steady := linearRun == 0 || math.Abs(ratio-lastRatio) < 0.3*math.Abs(lastRatio)
		if logStep < -2 && ratio < -0.02 && ratio > -1 && gradDown && steady {
			linearRun++
		} else {
			linearRun = 0
		}
		lastRatio = ratio
		extrap := false
		if linearRun >= 3 {
			if !out.linear {
				out.linear = true
				out.notes = append(out.notes, fmt.Sprintf("linear convergence observed from iteration %d (steps shrink by a constant factor instead of squaring): a degenerate, flat (quartic) valley, as when c equals an eigenvalue of Σ", out.iterations))
			}
			if r.prec < highPrec {
				// In a quartic valley the gradient is cubic in the
				// distance, so the working precision bounds the
				// attainable accuracy: double the digits.
				pt = next
				if err := usePrec(highPrec, pt.v); err != nil {
					return nil, err
				}
				next = pt
				out.notes = append(out.notes, fmt.Sprintf("working precision raised to %d bits (%d digits) for the degenerate valley", r.prec, 2*digits+bigmat.GuardDigits))
			} else if q := math.Pow(10, logStep-lastStep); q < 0.95 {
				// Extrapolation: m·Δ with m = 1/(1−q) removes the
				// error along the flat direction (exact for a zero of
				// multiplicity m of the gradient); one Newton step from
				// there corrects the overshoot in the curved directions.
				m := 1 / (1 - q)
				if mr := math.Round(m); math.Abs(m-mr) < 0.2 {
					m = mr // multiplicities are integers
				}
				xs := new(bigmat.Dense).Scale(newFloat(r.prec).SetFloat64(m), step)
				if xp, err := r.eval(new(bigmat.Dense).Add(pt.v, xs)); err == nil {
					if dx, _, err := r.lmStep(r.hessian(xp), xp.g, r.nuFor(xp, mu)); err == nil {
						if cp, err := r.eval(new(bigmat.Dense).Add(xp.v, dx)); err == nil && cp.gnorm.Cmp(next.gnorm) < 0 {
							out.iterations++
							next, step, extrap = cp, new(bigmat.Dense).Sub(cp.v, pt.v), true
						}
					}
				}
			}
		}
		lastStep = logStep
		pt = next
		lg := log10Float(pt.gnorm)
		if math.IsInf(lg, -1) {
			lg = -float64(r.prec) * math.Log10(2) // an exact zero: record the working precision's floor
		}
		out.history = append(out.history, stepRecord{
			LogGrad: lg, LogStep: log10Float(step.FrobeniusNorm()), Damping: math.Log10(nu), Extrap: extrap,
		})
		fdrop := newFloat(r.prec).Sub(bestF, pt.f)
		if lg < bestG-0.2 || fdrop.Cmp(newFloat(r.prec).Mul(fnoise, ten)) > 0 {
			sinceBest = 0
			bestG = math.Min(bestG, lg)
			bestF = pt.f
		} else if sinceBest++; sinceBest >= 10 {
			raised, err := escalate("the gradient stopped decreasing")
			if err != nil {
				return nil, err
			}
			if raised {
				continue
			}
			out.stop = StopStalled
			out.notes = append(out.notes, "the gradient stopped decreasing (working precision's noise level)")
			h := r.hessian(pt)
			d, _, err := r.lmStep(h, pt.g, r.nuFor(pt, mu))
			if err != nil {
				return nil, err
			}
			out.logChange = r.relChange(pt, d)
			break
		}
	}
	out.pt, out.red = pt, r
	switch {
	case math.IsInf(out.logChange, -1):
		out.digits = digits
	default:
		out.digits = max(0, min(digits, int(math.Floor(-out.logChange))))
	}
	if out.stop == StopStalled && out.digits >= digits {
		out.stop, out.converged = StopConverged, true
		out.notes = append(out.notes, "stopped at the working precision's noise floor with the invariants accurate to the requested digits")
	}
	if !out.converged && out.linear && (out.stop == StopIterationLimit || out.stop == StopTimeLimit || out.stop == StopStalled) {
		out.stop = StopLinear
	}
	return out, nil
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
	dv := vec(d)
	hd := new(bigmat.Dense).Mul(h, dv)
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
