package solver

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"

	"github.com/nrc-ufm/ufm/bigmat"
)

// Newton–Krylov steps (issue 15).
//
// Above DenseCrossover unknowns (n·k) stage 2 no longer forms and factors
// the dense big.Float Hessian: the damped Newton system (H + νI)Δ = −g is
// solved by preconditioned conjugate gradients whose products H·E are the
// big.Float Hessian–vector products of hessOp (O(n²k) each), and whose
// preconditioner is a float64 Cholesky factor of H + ν'I (gonum), built
// from the same formula in float64 and reused across Newton iterations
// while it keeps CG fast (above PrecondDenseMax unknowns, where that
// factor's 8·(nk)² bytes are too many, a matrix-free float64 inner solve
// and flexible CG instead: precond.go).
// ν' = max(ν, 2^-40·max(1, max|h_ij|)) keeps the
// float64 factorization stable; in the directions where H is below ν'
// (the rotations V → VQ, along which φ is constant) the preconditioner is
// then poor, but the gradient is orthogonal to those exactly and they do
// not change VVᵀ to first order.
//
// The rotations V → VQ leave φ unchanged, so H is singular (near a
// minimizer) along their tangents VΩ (Ω skew), about half of the nk
// directions when k = n; a float64 preconditioner cannot resolve a damping
// ν far below its rounding there, and CG would spend its iterations on
// directions that do not change VVᵀ. The system is therefore gauge-fixed:
// it solves (H + R*R + νI)Δ = −g, where R(Δ) = skew(VᵀΔ) vanishes exactly
// on the directions orthogonal to the orbit (Vᵀ Δ symmetric) and is
// positive on the orbit's tangent. The gradient is orthogonal to the
// orbit (φ is invariant), H maps the orbit into O(‖g‖), and near a
// minimizer the step is Newton's step on the orthogonal complement, with
// no component along the orbit: Levenberg–Marquardt with the damping
// matrix νI + R*R. The dense path (small n·k) keeps νI.
//
// The inner tolerance is that of an inexact Newton method: CG stops when
// the true residual ‖(H + R*R + νI)Δ + g‖ ≤ η‖g‖ with
// η = min(10⁻², max(‖g‖, 2^(8−prec)/‖g‖, 2^(48−p))), prec the working
// precision and p the system's (stepPrec). η ≤ ‖g‖ keeps the quadratic
// rate (the step's error is O(‖g‖²)); the error η‖g‖ ≤ 2^(8−prec) needs
// no more (the next iterate is exact to the working precision); and
// 2^(48−p) is the rounding floor of the system's precision. η ≤ 10⁻² keeps
// the step accurate to two digits, so the certificate's estimate of the
// change of VVᵀ is that of the Newton step. When CG meets negative
// curvature (pᵀ(H + R*R + νI)p ≤ 0), ν is raised tenfold as in the dense
// path (lmStep); when it does not reach η within maxCGIterations with a
// fresh preconditioner, ν is raised tenfold too (a more damped, better
// conditioned step). A stale preconditioner is rebuilt first.

// DenseCrossover is the number of unknowns n·min(n, d) above which stage 2
// uses Newton–Krylov steps instead of the dense big.Float Cholesky of the
// Hessian. Measured (BenchmarkSolvePath, 50 digits, d = 2n, a shared
// machine): Newton–Krylov is faster from n·k = 64 on (n = 8: 77 ms
// against 124 ms; n = 12: 0.25 s against 1.05 s; n = 12 at 1000 digits:
// 3.4 s against 4.1 s of CPU), the dense path at n·k = 36. k = 1 problems
// always use the dense path (their curvature checks need the dense
// Hessian; it has only n² entries).
const DenseCrossover = 64

// krylovTrace, when set (tests), receives one line per PCG solve.
var krylovTrace io.Writer

// maxCGIterations bounds one PCG solve at precision p: 60 plus p/16. The
// float64 preconditioner gains a fixed number of digits per iteration
// (about 10 to 14 at a fresh factor), and a step at p bits may need about
// 0.3p digits of residual reduction (iterative refinement in effect).
func maxCGIterations(p uint) int { return 60 + int(p/16) }

// largeDamping: a ν above largeDamping·max(1, max|h_ij|) is factored into
// the preconditioner; smaller ones share the factor at the floor.
const largeDamping = 1e-6

// precondFloorBits: the float64 preconditioner is factored with a shift of
// at least 2^-precondFloorBits·max(1, max|h_ij|).
const precondFloorBits = 46

// precondMaxShiftBits: the preconditioner's shift is raised at most to
// 2^-precondMaxShiftBits·max(1, max|h_ij|) when the factorization fails.
const precondMaxShiftBits = 22

// krylovCache is the float64 preconditioner kept across the Newton
// iterations of one problem (it survives precision changes: it is only a
// preconditioner). Not safe for concurrent use; stage 2 is sequential.
type krylovCache struct {
	chol        *blas64.Triangular // upper Cholesky factor U, H + R*R + ν'I = UᵀU
	mf          *mfPrecond         // or the matrix-free inner solve (precond.go)
	cholOp      *hessOp            // the operator (point) it was factored at
	cholLogG    float64            // log10 ‖∇φ‖ at that point
	shift       float64            // ν' it was factored with
	floorShift  float64            // 2^-precondFloorBits·max(1, max|h_ij|) of that Hessian
	maxAbs      float64            // max(1, max|h_ij|) of that Hessian
	lowFor, low *hessOp            // op at mixedPrec bits, for lowFor (pcgMixed)
	// op caches the Hessian operator of the last point (search calls the
	// step repeatedly at one point with rising ν).
	opPt *point
	op   *hessOp
	// warm is the last damped step, solved at warmPt: the end-game
	// verdict's solve at the same point starts from it (the systems
	// differ only in the shift).
	warmPt *point
	warm   *bigmat.Dense
	// sysPt, sysWorking and sysPrec cache krylovPrec's choice at one point
	// and working precision.
	sysPt      *point
	sysWorking uint
	sysPrec    uint
	// mfGaveUp: a solve with the matrix-free preconditioner stalled at a
	// size where the dense factor fits; the dense factor is used from then
	// on (precond.go).
	mfGaveUp bool
	// krylovGaveUp: a Newton–Krylov solve stalled with a fresh factor at
	// n·k ≤ KrylovGiveUpMax; stage 2 uses the dense path from then on.
	krylovGaveUp bool
	// statistics for notes and benchmarks
	factorizations, cgIterations, steps int
	innerIterations                     int // float64 products of the matrix-free inner solves
}

// useKrylov reports whether stage 2 solves its Newton systems by
// Newton–Krylov (and skips the dense Hessian).
func (r *reduced) useKrylov() bool {
	return r.k > 1 && r.n*r.k > denseCrossover && !r.exact.kry.krylovGaveUp
}

// KrylovGiveUpMax is the number of unknowns up to which a Newton–Krylov
// solve that stalls with a fresh float64 preconditioner hands the problem
// to the dense path for good (krylovGaveUp): there the preconditioner,
// factored at a floor of 2^-46 of the Hessian's scale, cannot resolve a
// spectrum spanning many orders of magnitude (held-out QA instances at
// n = 9–12: σ over 120 orders, means of 10²⁰), and the damping raised
// after each stall made Newton crawl (‖∇φ‖ from 10⁻⁸ to 10⁻¹⁰·⁶ in 150
// steps, time limit), where the dense big-float factorization converges
// in seconds. 400 unknowns (n = 20 with d ≥ n) keeps a dense step under
// about a second at 50 digits.
const KrylovGiveUpMax = 400

// denseCrossover is DenseCrossover; tests lower it to run small problems
// through the Newton–Krylov path.
var denseCrossover = DenseCrossover

// hessianFor returns the dense Hessian at pt, or nil when stage 2 works
// without it (useKrylov): its consumers then use the operator (lmStepAt,
// hessDot) and the global certificate (secondOrderAt).
func (r *reduced) hessianFor(pt *point) *bigmat.Dense {
	if r.useKrylov() {
		return nil
	}
	return r.hessian(pt)
}

// lmStepAt is lmStep at pt: with the dense Hessian h it is lmStep itself,
// with h == nil the Newton–Krylov step.
func (r *reduced) lmStepAt(pt *point, h *bigmat.Dense, nu *big.Float) (*bigmat.Dense, *big.Float, bool, error) {
	if h != nil {
		return r.lmStep(h, pt.g, nu)
	}
	return r.krylovStep(pt, nu)
}

// hessOpAt returns the (cached) Hessian operator at pt at precision prec.
func (r *reduced) hessOpAt(pt *point, prec uint) *hessOp {
	kc := &r.exact.kry
	if kc.opPt != pt || kc.op.prec != prec {
		kc.opPt, kc.op = pt, r.newHessOp(pt, prec)
	}
	return kc.op
}

// Newton–Krylov system precision. stepPrec never goes below prec/2 + 64
// bits, because the dense Hessian is singular along the rotations V → VQ
// and its rounding must stay below the damping ν ≥ 2^(−prec/2). The
// gauge-fixed operator H + R*R of the Newton–Krylov system is not: where
// hessOp.provedFloor proves H + R*R ⪰ λ_L·I with λ_L ≥ 2^-32·max_i|ĥ_ii|,
// a rounding of the operator by 2^-q relative to its scale moves the
// solution of (H + R*R + νI)Δ = −g by at most 2^-q·scale/(λ_L + ν) ≤
// 2^(32−q) relative, so q = accBits + krylovFloorMargin bits (32 for the
// floor, 32 for the rounding constants of the fixed-point products) give
// the step all the accuracy stepPrec's accuracy term asks for. Near
// convergence, where the gradient is far below 2^(−prec/2), that is a
// fraction of stepPrec's floor: at 1000 digits the last Newton step is
// solved at about 730 bits instead of 1752, and the certificate's change
// estimate (a step at ‖∇φ‖ ≈ 10^-1016) at about 130. Where no floor is
// proved (a flat or negative direction, n·k above provedFloorMax) the
// system keeps stepPrec.
const krylovFloorMargin = 64

// krylovPrec is the precision of the Newton–Krylov system at pt: accBits
// + krylovFloorMargin when that is below stepPrec and the operator at that
// precision has a proved floor, else stepPrec (see above). The choice is
// cached per point and working precision.
func (r *reduced) krylovPrec(pt *point) uint {
	kc := &r.exact.kry
	if kc.sysPt == pt && kc.sysWorking == r.prec {
		return kc.sysPrec
	}
	p := stepPrec(r.prec, pt.gnorm)
	if pt.gnorm.Sign() > 0 && r.n*r.k <= provedFloorMax {
		q := accBits(r.prec, pt.gnorm) + krylovFloorMargin
		if q < p && r.hessOpAt(pt, q).provedFloor().Sign() > 0 {
			p = q
		}
	}
	kc.sysPt, kc.sysWorking, kc.sysPrec = pt, r.prec, p
	return p
}

// krylovStep solves (H + νI)Δ = −g at pt by preconditioned CG (see the
// comment at the top of this file), raising ν tenfold while that fails,
// and returns Δ (n×k, working precision), the ν used and whether the first
// ν worked, like lmStep.
func (r *reduced) krylovStep(pt *point, nu *big.Float) (*bigmat.Dense, *big.Float, bool, error) {
	p := r.krylovPrec(pt)
	op := r.hessOpAt(pt, p)
	kc := &r.exact.kry
	kc.steps++
	nu = newFloat(r.prec).Set(nu)
	ten := newFloat(r.prec).SetInt64(10)
	for tries := 0; tries < 400; tries++ {
		ok, err := r.ensurePrecond(op, nu)
		if errors.Is(err, errOutOfRange) && r.n*r.k <= MaxUnknowns {
			return r.lmStep(r.hessian(pt), pt.g, nu) // small enough for the dense path
		}
		if err != nil {
			return nil, nil, false, err
		}
		if ok {
			before, innerBefore := kc.cgIterations, kc.innerIterations
			began := time.Now()
			d, status := r.pcg(op, pt.g, nu, p, nil)
			if krylovTrace != nil {
				fmt.Fprintf(krylovTrace, "krylov: p=%d nu=%s g=%s status=%d cg=%d inner=%d factorizations=%d shift=%g took=%v\n", p, bigmat.Text(nu, 3), bigmat.Text(pt.gnorm, 3), status, kc.cgIterations-before, kc.innerIterations-innerBefore, kc.factorizations, kc.shift, time.Since(began))
			}
			switch {
			case status == cgConverged:
				r.noteStale(pt, kc.cgIterations-before)
				d.SetPrec(r.prec)
				kc.warmPt, kc.warm = pt, d
				return d, nu, tries == 0, nil
			case status == cgStalled && kc.cholOp != op:
				kc.chol = nil // rebuild at this point and retry at the same ν
				continue
			case status == cgStalled && r.giveUpMatrixFree():
				continue // the dense factor, at the same ν
			case status == cgStalled && r.n*r.k <= KrylovGiveUpMax:
				kc.krylovGaveUp = true
				return r.lmStep(r.hessian(pt), pt.g, nu)
			}
		}
		nu.Mul(nu, ten)
		maxBig(nu, r.nuMin())
	}
	return nil, nu, false, fmt.Errorf("solver: Newton–Krylov system of order %d could not be solved", r.n*r.k)
}

// staleCG: a PCG solve that needed more iterations than this marks a
// factor built far from the current point (log10 ‖∇φ‖ there above
// freshLogGrad) as stale; the next step refactors.
const (
	staleCG      = 30
	freshLogGrad = -14
)

// noteStale drops the cached factor after a slow PCG solve when it was
// built at a point with ‖∇φ‖ > 10^freshLogGrad and the iterate has moved
// on (at high precision each CG iteration gains only the digits the
// factor's point agrees with the current one; a factor from a point
// accurate to float64 gains about 14).
func (r *reduced) noteStale(pt *point, iters int) {
	kc := &r.exact.kry
	if iters > staleCG && kc.cholLogG > freshLogGrad && log10Float(pt.gnorm) < kc.cholLogG-2 {
		kc.chol = nil
	}
}

// ensurePrecond makes sure a float64 factor of H + R*R + ν'I usable for ν
// is present. ν' is the floor 2^-precondFloorBits·max(1, max|h_ij|) for
// ν ≤ largeDamping·max(1, max|h_ij|) (CG absorbs the difference, which
// matters only in directions of curvature below ν) and ν itself above.
// The cached factor is reused when its ν' is within a factor 16 of the
// one wanted; else H is factored afresh at op's point. It reports false
// when the matrix is not positive definite in float64 (the caller raises
// ν) and an error when the float64 Hessian is not finite (far outside
// float64's range: the Newton–Krylov path cannot run).
func (r *reduced) ensurePrecond(op *hessOp, nu *big.Float) (bool, error) {
	if r.useMatrixFree() {
		return r.ensureMatrixFree(op, nu)
	}
	kc := &r.exact.kry
	nu64, _ := nu.Float64()
	if kc.chol != nil {
		want := kc.floorShift
		if nu64 > kc.maxAbs*largeDamping {
			want = nu64
		}
		if kc.shift <= 16*want && 16*kc.shift >= want {
			return true, nil
		}
	}
	h, ok := op.dense64()
	if !ok {
		return false, fmt.Errorf("%w: %w (tiny shifts ρ), which the Newton–Krylov preconditioner needs; n·min(n,d) = %d > %d, the dense path's limit", ErrTooLarge, errOutOfRange, r.n*r.k, MaxUnknowns)
	}
	op.addGauge64(h, 1)
	N := r.n * r.k
	maxAbs := 1.0
	for _, x := range h {
		maxAbs = math.Max(maxAbs, math.Abs(x))
	}
	floor := math.Ldexp(maxAbs, -precondFloorBits)
	// Factor at the floor unless the step is heavily damped: the factor
	// then serves every later, smaller ν (see the reuse test above).
	shift := floor
	if nu64 > maxAbs*largeDamping {
		shift = nu64
	}
	// A float64 factorization that fails at the floor may fail from the
	// float64 rounding of a large dynamic range (QA r3: targets spanning
	// 60 orders) rather than from negative curvature: the shift, which only
	// affects CG's speed, is raised (×64) up to 2^-precondMaxShiftBits of
	// the scale before ν is.
	t, ok := factor64(h, N, shift)
	for !ok && shift < math.Ldexp(maxAbs, -precondMaxShiftBits) {
		shift *= 64
		h, _ = op.dense64()
		op.addGauge64(h, 1)
		t, ok = factor64(h, N, shift)
	}
	kc.factorizations++
	if !ok {
		kc.chol = nil
		return false, nil
	}
	kc.chol, kc.mf, kc.cholOp, kc.shift = &t, nil, op, shift
	kc.cholLogG = op.logGrad
	kc.floorShift, kc.maxAbs = floor, maxAbs
	return true, nil
}

// factor64 adds shift to the diagonal of the row-major N×N matrix h and
// factors it in place, h = UᵀU (lapack64.Potrf, not mat.Cholesky: the
// latter also estimates the condition number, which cost as much as the
// factorization). ok is false when h + shift·I is not positive definite
// in float64.
func factor64(h []float64, N int, shift float64) (blas64.Triangular, bool) {
	for i := 0; i < N; i++ {
		h[i*N+i] += shift
	}
	return lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: N, Stride: N, Data: h})
}

// errOutOfRange: the float64 Hessian is not finite.
var errOutOfRange = errors.New("the Hessian leaves float64's range")

// cgStatus is the outcome of one PCG solve.
type cgStatus int

const (
	cgConverged cgStatus = iota // the true residual met the tolerance
	cgNegative                  // negative curvature: H + νI is not positive definite
	cgStalled                   // maxCGIterations spent
)

// pcg solves (H + R*R + νI)x = −g at precision p, preconditioned by the
// cached float64 factor, to the tolerance of cgDone (checked on the true
// residual), starting from x0 (nil: from 0). At high precision
// (p ≥ mixedMinPrec) it first tries mixed precision refinement
// (pcgMixed).
func (r *reduced) pcg(op *hessOp, g *bigmat.Dense, nu *big.Float, p uint, x0 *bigmat.Dense) (*bigmat.Dense, cgStatus) {
	if p >= mixedMinPrec {
		if x, st, ok := r.pcgMixed(op, g, nu, p, x0); ok {
			return x, st
		}
	}
	kc := &r.exact.kry
	nuP := newFloat(p).Set(nu)
	b := g.Clone().SetPrec(p)
	b.Scale(newFloat(p).SetInt64(-1), b)
	tol := cgTolerance(g.FrobeniusNorm(), r.prec, p)
	nuDone := newFloat(p).Add(nuP, op.provedFloor())
	done := func(res, x *bigmat.Dense) bool { return cgDone(res, x, tol, nuDone, kc.maxAbs, 0) }
	return r.cgSolve(op, b, nuP, done, maxCGIterations(p), x0)
}

// cgSolve runs preconditioned conjugate gradients on (H + R*R + νI)x = b
// at b's precision from x = x0 (nil: 0) until done(res, x) holds for the
// recursive residual and then for the true one, at most maxIter
// iterations.
func (r *reduced) cgSolve(op *hessOp, b *bigmat.Dense, nu *big.Float, done func(res, x *bigmat.Dense) bool, maxIter int, x0 *bigmat.Dense) (*bigmat.Dense, cgStatus) {
	kc := &r.exact.kry
	p := b.Prec()
	x, res := startAt(op, b, nu, x0)
	if done(res, x) {
		return x, cgConverged // b = 0: x = 0
	}
	z := r.precondSolve(res)
	dir := z.Clone()
	rz := dotBig(res, z, p)
	for it := 0; it < maxIter; it++ {
		kc.cgIterations++
		ad := op.system(dir, nu)
		dad := dotBig(dir, ad, p)
		if dad.Sign() <= 0 {
			return nil, cgNegative
		}
		alpha := newFloat(p).Quo(rz, dad)
		x.Add(x, new(bigmat.Dense).Scale(alpha, dir))
		res.Sub(res, new(bigmat.Dense).Scale(alpha, ad))
		if done(res, x) {
			// Confirm on the true residual b − (H + R*R + νI)x (the
			// recursive one drifts by rounding).
			res = trueResidual(op, x, b, nu)
			if done(res, x) {
				return x, cgConverged
			}
			z = r.precondSolve(res)
			dir = z.Clone()
			rz = dotBig(res, z, p)
			continue
		}
		zNew := r.precondSolve(res)
		rzNew := dotBig(res, zNew, p)
		num := rzNew
		if kc.mf != nil {
			// Flexible CG (precond.go): the inner solve is not a fixed
			// linear map, β = ⟨r₊, z₊ − z⟩/⟨r, z⟩ (Polak–Ribière).
			num = newFloat(p).Sub(rzNew, dotBig(res, z, p))
		}
		beta := newFloat(p).Quo(num, rz)
		z, rz = zNew, rzNew
		dir = new(bigmat.Dense).Add(z, new(bigmat.Dense).Scale(beta, dir))
	}
	return nil, cgStalled
}

// Mixed precision refinement. At p bits every Hessian–vector product costs
// about p^1.6 (big.Float multiplication), while the float64 preconditioner
// gains only about 14 digits per CG iteration, so a step at 1000 digits
// took about 70 products at full precision. pcgMixed instead repeats:
// the true residual res = b − (H + R*R + νI)x at p bits (one product),
// then a correction c with (H + R*R + νI)c ≈ res by CG at mixedPrec bits
// to a relative residual 2^(48−mixedPrec), x += c. Each round gains about
// 100 digits for one full-precision product. The stopping test is cgDone
// on the full-precision residual, unchanged. Where a round does not cut
// the residual sixteenfold (a direction flatter than mixedPrec resolves: ν
// or a curvature below 2^-mixedPrec of the Hessian's scale, as in a
// quartic valley), it gives up and pcg runs at full precision.
const (
	mixedPrec      = 384
	mixedMinPrec   = 3 * mixedPrec
	mixedExtraBits = 24 // cgDone's overshoot in pcgMixed
)

// pcgMixed is the mixed precision refinement above; ok is false when it
// gave up (the caller solves at full precision).
func (r *reduced) pcgMixed(op *hessOp, g *bigmat.Dense, nu *big.Float, p uint, x0 *bigmat.Dense) (*bigmat.Dense, cgStatus, bool) {
	kc := &r.exact.kry
	low := r.lowOp(op)
	nuP, nuQ := newFloat(p).Set(nu), newFloat(mixedPrec).Set(nu)
	b := g.Clone().SetPrec(p)
	b.Scale(newFloat(p).SetInt64(-1), b)
	tol := cgTolerance(g.FrobeniusNorm(), r.prec, p)
	x, res := startAt(op, b, nuP, x0)
	prev := res.FrobeniusNorm()
	nuDone := newFloat(p).Add(nuP, op.provedFloor())
	for round := 0; round < int(p/32)+8; round++ {
		if cgDone(res, x, tol, nuDone, kc.maxAbs, mixedExtraBits) {
			return x, cgConverged, true
		}
		rhs := res.Clone().SetPrec(mixedPrec)
		lim := rhs.FrobeniusNorm()
		lim.SetMantExp(lim, 48-mixedPrec)
		done := func(rr, _ *bigmat.Dense) bool { return rr.FrobeniusNorm().Cmp(lim) <= 0 }
		c, st := r.cgSolve(low, rhs, nuQ, done, maxCGIterations(mixedPrec), nil)
		if st != cgConverged {
			// Negative curvature at mixedPrec may be rounding (a curvature
			// below what mixedPrec resolves): full precision decides.
			return nil, st, false
		}
		// The residual is updated by the correction's product: c has
		// mixedPrec-bit mantissas, so op.system(c) costs a fraction of a
		// product with the full-width x; cgDone's verdict is confirmed on
		// the true residual before it is returned.
		c.SetPrec(p)
		x.Add(x, c)
		res.Sub(res, op.system(c, nuP))
		if cgDone(res, x, tol, nuDone, kc.maxAbs, mixedExtraBits) {
			res = trueResidual(op, x, b, nuP)
		}
		rn := res.FrobeniusNorm()
		if rn.Cmp(newFloat(p).SetMantExp(prev, -4)) > 0 {
			return nil, cgStalled, false
		}
		prev = rn
	}
	return nil, cgStalled, false
}

// lowOp returns the Hessian operator of op's point at mixedPrec bits,
// cached with op.
func (r *reduced) lowOp(op *hessOp) *hessOp {
	kc := &r.exact.kry
	if kc.lowFor != op {
		kc.lowFor, kc.low = op, op.rounded(mixedPrec)
	}
	return kc.low
}

// cgDone is CG's stopping test: ‖res‖ ≤ tol (the inexact Newton forcing
// term, cgTolerance) and ‖res‖ ≤ ν‖x‖/10, where the callers pass for ν the
// damping plus the floor λ_L of H + R*R proved by hessOp.provedFloor (0
// where none is proved). H + R*R + νI has no eigenvalue below
// ν + λ_L (H + R*R ⪰ λ_L·I, with λ_L = 0 where H + R*R ⪰ 0 only: CG stops
// at negative curvature), so the
// second bound guarantees ‖x − x*‖ ≤ ‖res‖/ν ≤ ‖x‖/10: the step is
// accurate to a digit also along flat directions (a quartic valley at
// c = σ_j), where a small residual alone leaves a large error and the
// certificate's change estimate would be too small.
//
// The rounding floor of a residual at precision p is about
// 2^-p·‖H‖·‖x‖, which exceeds η‖g‖ where a flat direction makes ‖x‖ ≫
// ‖g‖; the first test therefore accepts ‖res‖ ≤ 2^(16−p)·scale·‖x‖ too
// (scale = max(1, max|h_ij|) of the float64 Hessian), which is below
// ν‖x‖/10 since ν ≥ 2^(−prec/2) and p ≥ prec/2 + 64.
//
// With extra > 0 both bounds are tightened by 2^-extra, down to the
// rounding floor (but never above ν‖x‖/10): pcgMixed overshoots so that
// its steps are as exact as full-precision CG's, which overshoot by
// themselves (the linear-convergence detector compares step lengths).
func cgDone(res, x *bigmat.Dense, tol, nu *big.Float, scale float64, extra int) bool {
	rn := res.FrobeniusNorm()
	xn := x.FrobeniusNorm()
	floor := newFloat(rn.Prec()).SetFloat64(scale)
	floor.Mul(floor, xn)
	floor.SetMantExp(floor, 16-int(res.Prec()))
	t := newFloat(rn.Prec()).SetMantExp(tol, -extra)
	if rn.Cmp(t) > 0 && rn.Cmp(floor) > 0 {
		return false
	}
	lim := xn.Mul(xn, nu)
	lim.Quo(lim, big.NewFloat(10))
	strict := newFloat(rn.Prec()).SetMantExp(lim, -extra)
	if floor.Cmp(lim) > 0 {
		floor = lim
	}
	return rn.Cmp(maxBig(strict, floor)) <= 0
}

// startAt returns the starting point x0 (nil: 0) at b's precision and its
// true residual b − (H + R*R + νI)x0.
func startAt(op *hessOp, b *bigmat.Dense, nu *big.Float, x0 *bigmat.Dense) (*bigmat.Dense, *bigmat.Dense) {
	r, c := b.Dims()
	if x0 == nil {
		return bigmat.New(r, c, b.Prec()), b.Clone()
	}
	x := x0.Clone().SetPrec(b.Prec())
	return x, trueResidual(op, x, b, nu)
}

// trueResidual returns b − (H + R*R + νI)x.
func trueResidual(op *hessOp, x, b *bigmat.Dense, nu *big.Float) *bigmat.Dense {
	return new(bigmat.Dense).Sub(b, op.system(x, nu))
}

// system returns (H + R*R + νI)e: the Hessian, the rotation gauge (weight
// one: φ's curvatures are of order one after the scaling of problem.go)
// and the damping.
func (op *hessOp) system(e *bigmat.Dense, nu *big.Float) *bigmat.Dense {
	e = e.Clone().SetPrec(op.prec)
	out := op.apply(e)
	out.Add(out, op.gauge(e))
	return out.Add(out, new(bigmat.Dense).Scale(nu, e))
}

// cgTolerance is η‖g‖ with η = min(10⁻², max(‖g‖, 2^(8−prec)/‖g‖,
// 2^(48−p))): prec is the working precision, p the system's (stepPrec).
func cgTolerance(gnorm *big.Float, prec, p uint) *big.Float {
	eta := newFloat(p).Set(gnorm)
	if gnorm.Sign() > 0 {
		maxBig(eta, newFloat(p).Quo(newFloat(p).SetMantExp(big.NewFloat(1), 8-int(prec)), gnorm))
	}
	maxBig(eta, newFloat(p).SetMantExp(big.NewFloat(1), 48-int(p)))
	if eta.Cmp(big.NewFloat(1e-2)) > 0 {
		eta.SetFloat64(1e-2)
	}
	return eta.Mul(eta, gnorm)
}

// precondSolve returns M⁻¹ res for the cached float64 factor M (or the
// matrix-free inner solve's approximation of it, precond.go), computed
// on res/‖res‖ (whose entries float64 represents whatever the size of
// res) and scaled back, at res's precision.
func (r *reduced) precondSolve(res *bigmat.Dense) *bigmat.Dense {
	prec := res.Prec()
	nrm := res.FrobeniusNorm()
	if nrm.Sign() == 0 {
		return bigmat.New(r.n, r.k, prec)
	}
	inv := newFloat(prec).Quo(newFloat(prec).SetInt64(1), nrm)
	scaled := new(bigmat.Dense).Scale(inv, res).Float64s()
	N := r.n * r.k
	if mf := r.exact.kry.mf; mf != nil {
		scaled = mf.solve(scaled)
		r.exact.kry.innerIterations += mf.iterations
		mf.iterations = 0
	} else {
		// UᵀU x = b by two triangular solves. (lapack64.Potrs with one
		// right-hand side goes through Dtrsm, 7× slower at N = 1024:
		// 9.3 ms against 1.3 ms per solve on the benchmark machine.)
		x := blas64.Vector{N: N, Inc: 1, Data: scaled}
		blas64.Trsv(blas.Trans, *r.exact.kry.chol, x)
		blas64.Trsv(blas.NoTrans, *r.exact.kry.chol, x)
	}
	out := bigmat.FromFloat64(r.n, r.k, prec, scaled)
	return out.Scale(nrm, out)
}

// reportStage1 writes one progress line after a stage 1 that took at
// least ProgressAfter (w nil: nothing), naming the stage-2 method that
// follows.
func reportStage1(w io.Writer, r *reduced, s1 stage1Result, took time.Duration) {
	if w == nil || took < ProgressAfter {
		return
	}
	method := "dense Newton"
	if r.useKrylov() {
		method = "Newton–Krylov"
	}
	fmt.Fprintf(w, "solver: stage 1 (float64, %d starts, %d iterations) done in %.1f s, ‖∇φ‖ = %.1e; stage 2 (%s, %d unknowns) follows\n",
		s1.starts, s1.iterations, took.Seconds(), s1.gradNorm, method, r.n*r.k)
}
