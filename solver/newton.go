package solver

import (
	"fmt"
	"math"
	"math/big"
	"time"

	"ufm/internal/bigmat"
)

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
	iterations int
	stop       StopReason
	converged  bool
	digits     int     // estimated correct digits of VVᵀ (relative to max(‖VVᵀ‖, 1))
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
	hmax, _ := h.MaxAbs().Float64()
	rhs := vec(g)
	rhs.Scale(newFloat(r.prec).SetInt64(-1), rhs)
	for tries := 0; tries < 200; tries++ {
		nuF := newFloat(r.prec).SetFloat64(nu)
		a := new(bigmat.Dense).AddScaledIdentity(h, nuF)
		var ch bigmat.Cholesky
		if err := ch.Factorize(a); err == nil {
			x := ch.SolveTo(new(bigmat.Dense), rhs)
			return unvec(x, r.n, r.k), nu, nil
		}
		nu = math.Max(10*nu, 1e-8*math.Max(hmax, 1))
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

// stage2 runs the Levenberg–Marquardt-damped Newton iteration on φ from v0
// at the reduced problem's precision until the requested digits are
// reached, the budget is spent, or progress stops.
func (r *reduced) stage2(v0 *bigmat.Dense, digits, maxIter int, deadline time.Time) (*stage2Result, error) {
	prec := r.prec
	out := &stage2Result{}
	pt, err := r.eval(v0)
	if err != nil {
		return nil, err
	}
	// Dimensionless tolerances: φ, V and ∇φ are of order one.
	gtol := pow10(-(digits + 8), prec)
	logNoise := -float64(prec) * math.Log10(2)
	nuMin := math.Pow(2, -float64(prec)/2)
	if nuMin == 0 {
		nuMin = math.SmallestNonzeroFloat64
	}
	var fnoise big.Float
	fnoise.SetPrec(prec)
	armijo := newFloat(prec).SetFloat64(1e-4)
	stallCount := 0
	linearRun := 0
	var lastStep float64 = math.Inf(1)
	for {
		if pt.gnorm.Cmp(gtol) <= 0 {
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
		h := r.hessian(pt)
		gn, _ := pt.gnorm.Float64()
		nu := math.Max(math.Min(gn, 1), nuMin)
		// f noise: a few units in the last place of |φ|.
		fnoise.SetMantExp(pt.f, 8-int(prec))
		fnoise.Abs(&fnoise)
		var next *point
		var step *bigmat.Dense
		extrap := false
		for attempt := 0; ; attempt++ {
			if attempt >= 60 {
				break
			}
			d, nuUsed, err := r.lmStep(h, pt.g, nu)
			if err != nil {
				return nil, err
			}
			nu = nuUsed
			cand, err := r.eval(new(bigmat.Dense).Add(pt.v, d))
			if err == nil && r.acceptable(pt, cand, d, armijo, &fnoise) {
				next, step = cand, d
				break
			}
			nu = math.Max(4*nu, gn)
		}
		if next == nil {
			out.stop = StopStalled
			out.notes = append(out.notes, "no damped Newton step decreased the objective: progress stopped at the working precision")
			break
		}
		logStep := log10Float(step.FrobeniusNorm())
		// Linear convergence: successive steps shrink by a roughly
		// constant factor instead of squaring. In that case try the
		// extrapolated step m·Δ with m = 1/(1−q) (q the step ratio),
		// exact for a zero of multiplicity m of the gradient.
		if logStep < -2 && logStep-lastStep > -1 && logStep < lastStep {
			linearRun++
		} else {
			linearRun = 0
		}
		if linearRun >= 3 {
			if !out.linear {
				out.linear = true
				out.notes = append(out.notes, fmt.Sprintf("linear convergence observed from iteration %d (steps shrink by a constant factor, not quadratically): a degenerate, quartic valley, as when c equals an eigenvalue of Σ", out.iterations))
			}
			q := math.Pow(10, logStep-lastStep)
			m := 1 / (1 - q)
			if m > 1.5 && m < 20 {
				big := new(bigmat.Dense).Scale(newFloat(prec).SetFloat64(m), step)
				cand, err := r.eval(new(bigmat.Dense).Add(pt.v, big))
				if err == nil && cand.gnorm.Cmp(next.gnorm) < 0 {
					next, step, extrap = cand, big, true
				}
			}
		}
		lastStep = logStep
		improved := next.gnorm.Cmp(pt.gnorm) < 0
		pt = next
		out.history = append(out.history, stepRecord{
			LogGrad: log10Float(pt.gnorm), LogStep: log10Float(step.FrobeniusNorm()),
			Damping: math.Log10(nu), Extrap: extrap,
		})
		if improved {
			stallCount = 0
		} else {
			stallCount++
		}
		if stallCount >= 4 && log10Float(pt.gnorm) < logNoise/2 {
			out.stop = StopStalled
			out.notes = append(out.notes, "the gradient stopped decreasing at the working precision's noise level")
			break
		}
	}
	out.pt = pt
	// Accuracy estimate: the change in VVᵀ that one more Newton step would
	// make, relative to max(‖VVᵀ‖, 1).
	h := r.hessian(pt)
	gn, _ := pt.gnorm.Float64()
	d, _, err := r.lmStep(h, pt.g, math.Max(math.Min(gn, 1), nuMin))
	if err != nil {
		return nil, err
	}
	change := invariantChange(pt.v, d)
	ref := new(bigmat.Dense).MulTrans(pt.v, pt.v).FrobeniusNorm()
	if ref.Cmp(big.NewFloat(1)) < 0 {
		ref.SetInt64(1)
	}
	out.logChange = log10Float(change) - log10Float(ref)
	switch {
	case math.IsInf(out.logChange, -1):
		out.digits = digits
	default:
		out.digits = min(digits, int(math.Floor(-out.logChange)))
	}
	if out.digits < 0 {
		out.digits = 0
	}
	if out.stop == StopStalled && out.digits >= digits {
		// At the precision floor with the invariants accurate: converged.
		out.stop, out.converged = StopConverged, true
		out.notes = append(out.notes, "stopped at the working precision's noise floor with the invariants accurate to the requested digits")
	}
	if !out.converged && out.linear && (out.stop == StopIterationLimit || out.stop == StopTimeLimit || out.stop == StopStalled) {
		out.stop = StopLinear
	}
	if out.converged && out.digits < digits {
		out.notes = append(out.notes, fmt.Sprintf("gradient below tolerance, but a further Newton step would still move WWᵀ at the 1e%.0f level: about %d digits", out.logChange, out.digits))
	}
	return out, nil
}

// acceptable is the step test: sufficient decrease of φ (Armijo with the
// exact directional derivative gᵀΔ), or, where φ no longer resolves the
// decrease (within a few ulps), a decrease of the gradient norm.
func (r *reduced) acceptable(pt, cand *point, d *bigmat.Dense, armijo, fnoise *big.Float) bool {
	prec := r.prec
	// gᵀΔ
	dir := newFloat(prec)
	var t big.Float
	t.SetPrec(prec)
	n, k := d.Dims()
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			t.Mul(pt.g.At(i, j), d.At(i, j))
			dir.Add(dir, &t)
		}
	}
	bound := newFloat(prec).Mul(armijo, dir)
	bound.Add(bound, pt.f)
	if cand.f.Cmp(bound) <= 0 {
		return true
	}
	lim := newFloat(prec).Add(pt.f, fnoise)
	return cand.f.Cmp(lim) <= 0 && cand.gnorm.Cmp(pt.gnorm) < 0
}
