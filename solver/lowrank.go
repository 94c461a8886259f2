package solver

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/ratmat"
)

// The unregularized problem with d < n (λ_H = λ_W = 0).
//
// For W of full column rank d, the least-squares (H, b) leave the residual
// (I − P)Ỹ with P the orthogonal projector onto the column space of W, so
//
//	L = ½ tr((I − P) S),   S = ỸỸᵀ/M (+ α ȳȳᵀ for bias regularized),
//
// depends on W only through that d-dimensional subspace (and a W of lower
// rank does no better than any full-rank W containing its columns). The
// solver minimizes this function over the subspaces directly (a Grassmann
// manifold), by the same damped Newton method as stage 2: with Q (n×d) and
// Q⊥ (n×(n−d)) orthonormal bases of the subspace and its complement and
// the chart X ↦ span(Q + Q⊥X), X ∈ R^{(n−d)×d},
//
//	g(X) = g(0) − ⟨C, X⟩ + ½⟨X, XA − BX⟩ + O(‖X‖³),
//	A = QᵀSQ, B = Q⊥ᵀSQ⊥, C = Q⊥ᵀSQ, g(0) = ½ tr B,
//
// (expand (I + XᵀX)⁻¹ to second order in tr(S P(X))). The gradient is −C,
// the Hessian the operator X ↦ XA − BX. Newton steps solve
// (Hess + νI)X = C by Cholesky; g(0) = ½ tr B is evaluated on the
// complement, so no cancellation against tr S occurs. The certificate is
// ‖C‖ ≤ 10^-(digits+8), a further Newton step changing g by at most
// 10^-(digits+2) of g, and a positive semidefinite Hessian (every local
// minimizer of this function is global; the check excludes saddles). No
// eigendecomposition is used: the iteration only evaluates g and its
// derivatives.

// lowRank is the state of the Grassmann iteration.
type lowRank struct {
	n, d  int
	prec  uint
	s     *bigmat.Dense // S/σ0, n×n
	sigma *big.Float    // σ0 = tr S/n (1 if S = 0)

	sRat     []*big.Rat // S/σ0 exactly, row-major
	sigmaRat *big.Rat
	q, qp    *bigmat.Dense // n×d and n×(n−d), orthonormal, complementary
	g        *big.Float    // g at (q, qp), scaled by 1/σ0
	a, b     *bigmat.Dense
	c        *bigmat.Dense // (n−d)×d: minus the gradient
	cnorm    *big.Float
}

// lowRankResult is the outcome of minimizeLowRank.
type lowRankResult struct {
	q          *bigmat.Dense // n×d orthonormal: W' = Q
	loss       *big.Float    // σ0·g at q
	noise      *big.Float    // σ0 times the bound on g's rounding error at q
	iterations int
	stop       StopReason
	converged  bool
	digits     int
	history    []float64
	notes      []string
}

// effectiveMoment returns S = ỸỸᵀ/M, plus α ȳȳᵀ with α = λ_b/(1+λ_b)
// for bias regularized (the mean part of L at λ_H = 0 is (α/2)‖(I−P)ȳ‖²),
// exactly.
func effectiveMoment(in *instance.Instance) [][]*big.Rat {
	s := in.Sigma()
	if in.Bias != instance.BiasRegularized || in.LambdaB == nil || in.LambdaB.Sign() == 0 {
		return s
	}
	alpha := new(big.Rat).Add(big.NewRat(1, 1), in.LambdaB)
	alpha.Quo(in.LambdaB, alpha)
	mean := in.Mean()
	var t big.Rat
	for i := range s {
		for j := range s[i] {
			t.Mul(mean[i], mean[j])
			s[i][j] = new(big.Rat).Add(s[i][j], t.Mul(&t, alpha))
		}
	}
	return s
}

func newLowRank(in *instance.Instance, prec uint, seed int64) (*lowRank, error) {
	n, d := in.N(), in.D
	sr := effectiveMoment(in)
	sigma0 := new(big.Rat)
	for i := 0; i < n; i++ {
		sigma0.Add(sigma0, sr[i][i])
	}
	sigma0.Quo(sigma0, big.NewRat(int64(n), 1))
	if sigma0.Sign() == 0 {
		sigma0.SetInt64(1)
	}
	vals := make([]*big.Rat, 0, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			vals = append(vals, new(big.Rat).Quo(sr[i][j], sigma0))
		}
	}
	lr := &lowRank{n: n, d: d, prec: prec, s: bigmat.FromRat(n, n, prec, vals), sigma: newFloat(prec).SetRat(sigma0), sRat: vals, sigmaRat: sigma0}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6c6f7772616e6b))
	v := make([]float64, n*n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	basis, err := orthonormalize(bigmat.FromFloat64(n, n, prec, v))
	if err != nil {
		return nil, err
	}
	if err := lr.setBases(basis.Slice(0, n, 0, d), basis.Slice(0, n, d, n)); err != nil {
		return nil, err
	}
	return lr, nil
}

// orthonormalize returns an orthonormal basis of the column space of y
// (full column rank) by Cholesky QR applied twice: Y L⁻ᵀ with YᵀY = LLᵀ.
func orthonormalize(y *bigmat.Dense) (*bigmat.Dense, error) {
	for range 2 {
		var ch bigmat.Cholesky
		if err := ch.Factorize(new(bigmat.Dense).TransMul(y, y)); err != nil {
			return nil, fmt.Errorf("solver: basis lost its rank: %w", err)
		}
		y = forwardRows(ch.L(), y)
	}
	return y, nil
}

// complement returns an orthonormal basis of the column space of z made
// orthogonal to the orthonormal q (z − q(qᵀz), twice) at q's precision:
// the complement basis must be orthogonal to q to the working precision,
// or g = ½ tr(Q⊥ᵀSQ⊥) would measure a different subspace than Q.
func complement(q, z *bigmat.Dense) (*bigmat.Dense, error) {
	for range 2 {
		z = new(bigmat.Dense).Sub(z, new(bigmat.Dense).Mul(q, new(bigmat.Dense).TransMul(q, z)))
	}
	return orthonormalize(z)
}

// forwardRows returns Y L⁻ᵀ for lower-triangular L: each row z of the
// result solves L zᵀ = yᵀ by forward substitution.
func forwardRows(l, y *bigmat.Dense) *bigmat.Dense {
	r, c := y.Dims()
	out := bigmat.New(r, c, y.Prec())
	var t big.Float
	t.SetPrec(y.Prec())
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			z := out.At(i, j)
			z.Set(y.At(i, j))
			for k := 0; k < j; k++ {
				z.Sub(z, t.Mul(l.At(j, k), out.At(i, k)))
			}
			z.Quo(z, l.At(j, j))
		}
	}
	return out
}

// setBases moves to the subspace span(q) with complement span(qp) and
// evaluates A, B, C and g there.
func (lr *lowRank) setBases(q, qp *bigmat.Dense) error {
	lr.q, lr.qp = q, qp
	sq := new(bigmat.Dense).Mul(lr.s, q)
	sqp := new(bigmat.Dense).Mul(lr.s, qp)
	lr.a = new(bigmat.Dense).TransMul(q, sq)
	lr.a.Symmetrize(lr.a)
	lr.b = new(bigmat.Dense).TransMul(qp, sqp)
	lr.b.Symmetrize(lr.b)
	lr.c = new(bigmat.Dense).TransMul(qp, sq)
	lr.cnorm = lr.c.FrobeniusNorm()
	lr.g = lr.b.Trace()
	lr.g.SetMantExp(lr.g, -1)
	return nil
}

// hessian returns the matrix of X ↦ XA − BX, unknown (i, a) ↦ i·d + a.
func (lr *lowRank) hessian() *bigmat.Dense {
	m, d := lr.n-lr.d, lr.d
	h := bigmat.New(m*d, m*d, lr.prec)
	for i := 0; i < m; i++ {
		for a := 0; a < d; a++ {
			row := i*d + a
			for b := 0; b < d; b++ {
				h.At(row, i*d+b).Add(h.At(row, i*d+b), lr.a.At(b, a))
			}
			for j := 0; j < m; j++ {
				h.At(row, j*d+a).Sub(h.At(row, j*d+a), lr.b.At(i, j))
			}
		}
	}
	return h
}

// step solves (Hess + νI)x = C by Cholesky, raising ν tenfold until the
// matrix is positive definite, and returns X ((n−d)×d) and the ν used.
func (lr *lowRank) step(h *bigmat.Dense, nu *big.Float) (*bigmat.Dense, *big.Float, error) {
	nu = newFloat(lr.prec).Set(nu)
	ten := newFloat(lr.prec).SetInt64(10)
	rhs := vec(lr.c)
	for range 400 {
		var ch bigmat.Cholesky
		if ch.Factorize(new(bigmat.Dense).AddScaledIdentity(h, nu)) == nil {
			return unvec(ch.SolveTo(new(bigmat.Dense), rhs), lr.n-lr.d, lr.d), nu, nil
		}
		nu.Mul(nu, ten)
	}
	return nil, nu, fmt.Errorf("solver: subspace Hessian of order %d could not be regularized", (lr.n-lr.d)*lr.d)
}

// predicted returns the model decrease ⟨C, X⟩ − ½⟨X, XA − BX⟩.
func (lr *lowRank) predicted(x *bigmat.Dense) *big.Float {
	hx := new(bigmat.Dense).Mul(x, lr.a)
	hx.Sub(hx, new(bigmat.Dense).Mul(lr.b, x))
	p := dot(lr.c, x)
	q := dot(x, hx)
	q.SetMantExp(q, -1)
	return p.Sub(p, q)
}

func dot(a, b *bigmat.Dense) *big.Float {
	r, c := a.Dims()
	s := newFloat(a.Prec())
	var t big.Float
	t.SetPrec(a.Prec())
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			s.Add(s, t.Mul(a.At(i, j), b.At(i, j)))
		}
	}
	return s
}

// moved returns the bases of span(Q + Q⊥X) and of its complement
// span(Q⊥ − QXᵀ) (orthogonal to it: (Q + Q⊥X)ᵀ(Q⊥ − QXᵀ) = Xᵀ − Xᵀ = 0).
func (lr *lowRank) moved(x *bigmat.Dense) (*lowRank, error) {
	y := new(bigmat.Dense).Add(lr.q, new(bigmat.Dense).Mul(lr.qp, x))
	z := new(bigmat.Dense).Sub(lr.qp, new(bigmat.Dense).MulTrans(lr.q, x))
	q, err := orthonormalize(y)
	if err != nil {
		return nil, err
	}
	qp, err := complement(q, z)
	if err != nil {
		return nil, err
	}
	next := *lr
	return &next, next.setBases(q, qp)
}

// noise bounds the rounding error of g: n·2^(8−prec)·(|g| + ‖S'‖_F) (the
// product S'Q⊥ carries absolute errors of 2^(−prec)‖S'‖).
func (lr *lowRank) noise() *big.Float {
	e := lr.s.FrobeniusNorm()
	e.Add(e, newFloat(lr.prec).Abs(lr.g))
	e.Mul(e, newFloat(lr.prec).SetInt64(int64(lr.n)))
	return e.SetMantExp(e, 8-int(lr.prec))
}

// minimizeLowRank runs the damped Newton iteration on the Grassmann
// manifold from a seeded random subspace.
func minimizeLowRank(in *instance.Instance, s Settings, prec uint, deadline time.Time) (*lowRankResult, error) {
	lr, err := newLowRank(in, prec, s.Seed)
	if err != nil {
		return nil, err
	}
	run := &lowRankRun{
		lr: lr, s: s, deadline: deadline, mu: 1,
		gtol: pow10(-(s.Digits + 8), prec),
		rng:  rand.New(rand.NewPCG(uint64(s.Seed), 0x736164646c65)),
		out:  &lowRankResult{},
	}
	for {
		done, err := run.iterate()
		if err != nil {
			return nil, err
		}
		if done {
			return run.finish(), nil
		}
	}
}

// lowRankRun is the state of minimizeLowRank.
type lowRankRun struct {
	lr               *lowRank
	s                Settings
	deadline         time.Time
	mu               float64
	gtol             *big.Float
	restarts, raises int
	rng              *rand.Rand
	out              *lowRankResult
}

// maxLowRankRaises bounds how often the subspace iteration raises its
// precision to resolve a small g. Raises also happen while g is still
// converging (each one lets it drop by the digits it gained, ~46 at 30
// digits requested); QA r4 (L = 2.5·10⁻³⁰¹ on targets of size 1) needs
// five, and three certified a g accurate to only 24 digits.
const maxLowRankRaises = 8

func (run *lowRankRun) iterate() (bool, error) {
	lr, out := run.lr, run.out
	h := lr.hessian()
	x, nu, err := lr.step(h, lr.damping(run.mu))
	if err != nil {
		return false, err
	}
	out.digits = lr.changeDigits(x, run.s.Digits)
	if lr.cnorm.Cmp(run.gtol) <= 0 && out.digits > run.s.Digits+1 {
		return run.atCritical(h)
	}
	if out.iterations >= run.s.MaxIterations {
		out.stop = StopIterationLimit
		return true, nil
	}
	if time.Now().After(run.deadline) {
		out.stop = StopTimeLimit
		return true, nil
	}
	out.iterations++
	next, mu := lr.search(h, x, nu, run.mu)
	if next == nil {
		if raised, err := run.refine(); err != nil || raised {
			return false, err
		}
		out.stop = StopStalled
		out.notes = append(out.notes, "no damped Newton step on the subspace decreased the loss: progress stopped at the working precision")
		return true, nil
	}
	run.lr, run.mu = next, mu
	lg := log10Float(next.cnorm)
	if math.IsInf(lg, -1) {
		lg = -float64(next.prec) * math.Log10(2) // an exact zero: the working precision's floor
	}
	out.history = append(out.history, lg)
	return false, nil
}

// atCritical is reached when the first-order certificate holds: the
// second-order check decides between a minimizer and a saddle (perturbed
// at most maxRestarts times). A minimizer whose g is not resolved to the
// requested digits above its rounding noise is refined at a higher
// precision.
func (run *lowRankRun) atCritical(h *bigmat.Dense) (bool, error) {
	lr, out := run.lr, run.out
	if !secondOrderPSD(h, lr.prec) {
		if run.restarts >= maxRestarts {
			out.stop = StopSaddle
			return true, nil
		}
		run.restarts++
		out.notes = append(out.notes, "reached a critical subspace with negative curvature (a saddle): perturbed it and continued")
		next, err := lr.moved(randomMatrix(lr.n-lr.d, lr.d, lr.prec, 1e-3, run.rng))
		run.lr = next
		return false, err
	}
	raised, err := run.refine()
	if err != nil || raised {
		return false, err
	}
	if run.unresolved() > 0 && lr.exactFitPossible() {
		out.notes = append(out.notes, fmt.Sprintf("the best-fit loss is zero exactly (rank S ≤ d, decided in rationals); at %d bits it is below 10^%.0f of the targets' scale", lr.prec, log10Float(lr.noise())+1))
	} else if run.unresolved() > 0 {
		// The requested digits of L are not resolved: claiming them
		// would print rounding noise (QA h2_n*_t2_l0: L = 2.5·10⁻⁸⁰¹
		// printed as 5.1·10⁻⁷⁴⁴).
		out.notes = append(out.notes, fmt.Sprintf("the best-fit loss is below 10^%.0f of the targets' scale, at the rounding noise of %d bits after %d precision raises: its digits are not resolved", log10Float(lr.noise())+float64(run.s.Digits+3), lr.prec, run.raises))
		out.stop = StopUncertified
		return true, nil
	}
	out.stop, out.converged = StopConverged, true
	return true, nil
}

// unresolved returns how many decimal digits g lacks to exceed its
// rounding noise by 10^(digits+3) (≤ 0 when g is resolved).
func (run *lowRankRun) unresolved() float64 {
	return log10Float(run.lr.noise()) + float64(run.s.Digits+3) - log10Float(run.lr.g)
}

// refine raises the precision by the digits g lacks (at most
// 4·(digits+guard) at a time, maxLowRankRaises times) and reports whether
// it did.
func (run *lowRankRun) refine() (bool, error) {
	lr := run.lr
	need := run.unresolved()
	if need <= 0 || run.raises >= maxLowRankRaises {
		return false, nil
	}
	run.raises++
	prec := lr.prec + uint(math.Ceil(math.Min(need, 4*float64(run.s.Digits+bigmat.GuardDigits))*math.Log2(10))) + 32
	next, err := lr.withPrec(prec)
	if err != nil {
		return false, err
	}
	run.out.notes = append(run.out.notes, fmt.Sprintf("the best-fit loss is %.0f orders of magnitude below the targets' scale: subspace iteration continued at %d bits", -log10Float(lr.g), prec))
	run.lr = next
	run.gtol.SetPrec(prec)
	return true, nil
}

func (run *lowRankRun) finish() *lowRankResult {
	lr, out := run.lr, run.out
	out.q = lr.q
	out.loss = newFloat(lr.prec).Mul(lr.g, lr.sigma)
	out.noise = newFloat(lr.prec).Mul(lr.noise(), lr.sigma)
	out.digits = min(out.digits, run.s.Digits)
	return out
}

// withPrec returns the iteration state at precision prec: S' rebuilt
// exactly from the instance's rationals (kept in lr.sRat) and the bases
// re-orthonormalized there.
func (lr *lowRank) withPrec(prec uint) (*lowRank, error) {
	next := *lr
	next.prec = prec
	next.s = bigmat.FromRat(lr.n, lr.n, prec, lr.sRat)
	next.sigma = newFloat(prec).SetRat(lr.sigmaRat)
	q, err := orthonormalize(lr.q.Clone().SetPrec(prec))
	if err != nil {
		return nil, err
	}
	qp, err := complement(q, lr.qp.Clone().SetPrec(prec))
	if err != nil {
		return nil, err
	}
	return &next, next.setBases(q, qp)
}

// damping is ν = μ‖C‖ floored at 2^(−prec/2).
func (lr *lowRank) damping(mu float64) *big.Float {
	nu := newFloat(lr.prec).SetFloat64(mu)
	nu.Mul(nu, lr.cnorm)
	return maxBig(nu, newFloat(lr.prec).SetMantExp(big.NewFloat(1), -int(lr.prec/2)))
}

// changeDigits returns −log10 of the change of g a Newton step x would
// make, relative to max(|g|, 10^(digits+3)·noise): below that floor g is
// not resolved at the working precision (atCritical then raises it).
func (lr *lowRank) changeDigits(x *bigmat.Dense, digits int) int {
	p := lr.predicted(x)
	if p.Sign() == 0 {
		return digits + 8
	}
	ref := math.Max(log10Float(lr.g), log10Float(lr.noise())+float64(digits+3))
	return int(math.Floor(-(log10Float(p) - ref)))
}

// search tries damped steps with growing ν and returns the first whose
// actual decrease is at least 10^-4 of the predicted one (or, below g's
// rounding noise, that does not raise g and lowers ‖C‖), with the updated
// multiplier μ; nil if 60 attempts fail.
func (lr *lowRank) search(h, x *bigmat.Dense, nu *big.Float, mu float64) (*lowRank, float64) {
	noise := lr.noise()
	tenNoise := newFloat(lr.prec).Mul(noise, big.NewFloat(10))
	for attempt := 0; attempt < 60; attempt++ {
		if attempt > 0 {
			mu = math.Min(4*mu, muMax)
			nu = maxBig(newFloat(lr.prec).Mul(nu, big.NewFloat(4)), lr.damping(mu))
			var err error
			if x, nu, err = lr.step(h, nu); err != nil {
				return nil, mu
			}
		}
		cand, err := lr.moved(x)
		if err != nil {
			continue
		}
		pred := lr.predicted(x)
		actual := newFloat(lr.prec).Sub(lr.g, cand.g)
		if pred.Cmp(tenNoise) > 0 {
			ratio, _ := newFloat(64).Quo(actual, pred).Float64()
			switch {
			case ratio > 0.75:
				mu = math.Max(mu/4, muMin)
			case ratio < 0.25:
				mu = math.Min(4*mu, muMax)
			}
			if ratio > 1e-4 {
				return cand, mu
			}
			continue
		}
		lim := newFloat(lr.prec).Add(lr.g, noise)
		if cand.g.Cmp(lim) <= 0 && cand.cnorm.Cmp(lr.cnorm) < 0 {
			return cand, mu
		}
	}
	return nil, mu
}

// secondOrderPSD reports whether h + τI, τ = secondOrderTau(h, prec) =
// 2^(1−prec/2)·max(1, max|h_ij|), has a Cholesky factorization: h is
// positive semidefinite up to τ. The factorization runs at prec/2 + 64
// bits, whose rounding (a backward error far below τ) cannot change the
// verdict's meaning.
func secondOrderPSD(h *bigmat.Dense, prec uint) bool {
	p := min(prec, prec/2+64)
	tau := secondOrderTau(h, prec)
	var ch bigmat.Cholesky
	return ch.Factorize(new(bigmat.Dense).AddScaledIdentity(h.Clone().SetPrec(p), tau.SetPrec(p))) == nil
}

// randomMatrix returns an r×c matrix of N(0, 1) entries times scale/√(rc).
func randomMatrix(r, c int, prec uint, scale float64, rng *rand.Rand) *bigmat.Dense {
	v := make([]float64, r*c)
	for i := range v {
		v[i] = scale * rng.NormFloat64() / math.Sqrt(float64(r*c))
	}
	return bigmat.FromFloat64(r, c, prec, v)
}

// exactFitPossible reports, exactly, whether rank S ≤ d (rational
// elimination on S/σ0): then some rank-d W fits the targets and the best
// loss is 0 exactly, so an unresolved g is that zero, not lost digits.
func (lr *lowRank) exactFitPossible() bool {
	m := ratmat.New(lr.n, lr.n)
	for i := 0; i < lr.n; i++ {
		for j := 0; j < lr.n; j++ {
			m.Set(i, j, lr.sRat[i*lr.n+j])
		}
	}
	return m.Rank() <= lr.d
}
