package conjecture

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/metrics"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/theory"
	"github.com/nrc-ufm/ufm/verify"
)

// env is the evaluation environment of one instance: the instance's exact
// data, its spectrum (computed once, when first needed) and the solver's
// optimum (solved once, when first needed).
type env struct {
	arith
	in     *instance.Instance
	digits int
	seed   uint64
	limit  time.Duration
	vars   map[string]*big.Rat
	steps  int // summands evaluated (bounded by maxSumSteps)

	sigmaRat [][]*big.Rat
	spectrum []value       // σ_1 ≥ … ≥ σ_n
	vectors  *bigmat.Dense // column j: unit eigenvector of σ_{j+1}

	sol    *solverSide
	solErr error
}

// maxSumSteps bounds the summands of one evaluation.
const maxSumSteps = 200000

func newEnv(in *instance.Instance, digits int, seed uint64, limit time.Duration) *env {
	// The expression is evaluated with 64 bits beyond the working precision,
	// so that rounding in a long formula stays far below the tolerance.
	return &env{arith: arith{bigmat.Bits(digits) + 64}, in: in, digits: digits, seed: seed, limit: limit, vars: map[string]*big.Rat{}}
}

func (e *env) sigmaMatrix() [][]*big.Rat {
	if e.sigmaRat == nil {
		e.sigmaRat = e.in.Sigma()
	}
	return e.sigmaRat
}

func (e *env) trace() *big.Rat {
	t := new(big.Rat)
	for k, row := range e.sigmaMatrix() {
		t.Add(t, row[k])
	}
	return t
}

// sigma returns σ_j (1-based). The eigenvalues come from the Jacobi method
// at bigmat.Bits(digits) bits; their radius is 10^-(digits+8)·tr Σ, which
// bounds the absolute error (Weyl: ‖Σ‖₂ ≤ tr Σ for PSD Σ; Jacobi's
// backward error is a few units of 2^-prec·‖Σ‖ and the precision carries
// 16 guard digits).
func (e *env) sigma(p Pos, j int) (value, error) {
	n := e.in.N()
	if j < 1 || j > n {
		return value{}, failAt(p, "sigma(%d): the index must be between 1 and n = %d", j, n)
	}
	if e.spectrum == nil {
		if err := e.computeSpectrum(); err != nil {
			return value{}, brokeAt(p, "%v", err)
		}
	}
	return e.spectrum[j-1], nil
}

func (e *env) computeSpectrum() error {
	s := e.sigmaMatrix()
	n := len(s)
	prec := bigmat.Bits(e.digits)
	flat := make([]*big.Rat, 0, n*n)
	for _, row := range s {
		flat = append(flat, row...)
	}
	var eig bigmat.SymEigen
	if err := eig.Factorize(bigmat.FromRat(n, n, prec, flat)); err != nil {
		return fmt.Errorf("eigenvalues of Σ: %w", err)
	}
	e.vectors = eig.Vectors
	rad := newRad().SetRat(e.trace())
	rad.Mul(rad, pow10Rad(-(e.digits + 8)))
	e.spectrum = make([]value, n)
	rank := theory.Rank(s) // σ_j = 0 exactly for j > rank
	for j, v := range eig.Values {
		if j >= rank {
			e.spectrum[j] = e.fromInt(0)
			e.spectrum[j].sigma = j + 1
			continue
		}
		m := e.newF().Set(v)
		if m.Sign() < 0 {
			m.SetInt64(0) // Σ is PSD exactly
		}
		e.spectrum[j] = value{mid: m, rad: rad, sigma: j + 1}
	}
	return nil
}

// pow10Rad returns 10^k at the radius precision, rounded up.
func pow10Rad(k int) *big.Float {
	r := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(absInt(k))), nil))
	if k < 0 {
		r.Inv(r)
	}
	return newRad().SetRat(r)
}

func absInt(k int) int {
	if k < 0 {
		return -k
	}
	return k
}

// compareSigma decides σ_j ⋚ q exactly: with (pos, neg, zero) the inertia
// of Σ − qI, σ_j > q iff j ≤ pos, σ_j = q iff pos < j ≤ pos + zero.
func (e *env) compareSigma(j int, q *big.Rat) int {
	s := e.sigmaMatrix()
	b := make([][]*big.Rat, len(s))
	for i, row := range s {
		b[i] = make([]*big.Rat, len(row))
		for k, x := range row {
			b[i][k] = new(big.Rat).Set(x)
			if i == k {
				b[i][k].Sub(b[i][k], q)
			}
		}
	}
	pos, _, zero := theory.Inertia(b)
	switch {
	case j <= pos:
		return 1
	case j <= pos+zero:
		return 0
	}
	return -1
}

// instanceName returns the value of a predefined instance quantity without
// arguments.
func (e *env) instanceName(name string) value {
	in := e.in
	switch name {
	case "n":
		return e.fromInt(in.N())
	case "d":
		return e.fromInt(in.D)
	case "M":
		return e.fromInt(in.M())
	case "c":
		return e.fromRat(in.C())
	case "lambda_h":
		return e.fromRat(in.LambdaH)
	case "lambda_w":
		return e.fromRat(in.LambdaW)
	case "lambda_b":
		if in.LambdaB == nil {
			return e.fromInt(0)
		}
		return e.fromRat(in.LambdaB)
	case "trace":
		return e.fromRat(e.trace())
	}
	// norm_ybar
	s := new(big.Rat)
	for _, m := range in.Mean() {
		s.Add(s, new(big.Rat).Mul(m, m))
	}
	v, _ := e.sqrt(Pos{}, e.fromRat(s))
	return v
}

// notConverged is a solve that ended without converging (inconclusive,
// not a breakdown).
type notConverged struct{ why string }

func (n *notConverged) Error() string { return "the solver did not converge (stop: " + n.why + ")" }

// notOptimum is a converged solve whose point is not a global minimizer
// (inconclusive, not a breakdown).
type notOptimum struct{ why string }

func (n *notOptimum) Error() string { return n.why }

// solverSide is the solver's optimum of the instance with the radii of its
// quantities (see solve).
type solverSide struct {
	res    *solver.Result
	unit   *big.Float // 10^-(digits − verify.Margin)
	energy *big.Float // (1/M)‖Y‖²_F
	lossR  *big.Float
	wwR    *big.Float
	biasR  *big.Float
	predR  *big.Float
	mse    value
	rank   int
	rankOK error
	nrc    *metrics.BigResult
	nrcErr error
	// deepTie: a deep instance with a mode exactly at its threshold, so
	// that its global minimizers share L* but not the Grams, the
	// predictions or the MSE (theory.Prediction.DeepAlternatives).
	deepTie bool
}

// deepOptimumShared decides, for a deep instance, whether the solver's
// point stands for the optimum: its mode count must be one of the global
// minimizers' (else it is a non-global basin and the trial inconclusive),
// and tie reports whether more than one count is globally optimal. The
// closed form decides both exactly; the solver cannot know of minimizers
// in other basins (QA session 24: on the shipped deep-k3-3x8, "train_mse
// ≤ 1" HELD at the solver's 0.612 while another global minimizer has
// 1.362).
func deepOptimumShared(in *instance.Instance, digits int, res *solver.Result) (tie bool, err error) {
	if res.Deep == nil {
		return false, fmt.Errorf("solver: no deep solution for a deep instance")
	}
	pred, err := theory.Predict(in, digits)
	if err != nil {
		return false, fmt.Errorf("theory: %v", err)
	}
	modes := pred.DeepAlternatives()
	if !slices.Contains(modes, res.Deep.Rank) {
		return false, &notOptimum{fmt.Sprintf("the solver ended in a basin with %d modes on, but the global minimizers have %v: a non-global local minimum", res.Deep.Rank, modes)}
	}
	return len(modes) > 1, nil
}

// solve runs the solver once. A converged solve is trusted to
// digits − verify.Margin digits on the scales verify.Compare uses:
// min_loss relative to max(|L|, 10^-(digits−Margin)·E) with E =
// (1/M)‖Y‖²_F; ww relative to max(‖WWᵀ‖_F, √(λ_H/λ_W)·√E); bias relative to
// max(‖b‖, √E); predictions relative to max(‖P‖_F, √(M·E)). (E = 1 when
// Y = 0.)
func (e *env) solve(p Pos, name string) (*solverSide, error) {
	if e.sol == nil && e.solErr == nil {
		e.sol, e.solErr = e.runSolver()
	}
	var nc *notConverged
	var no *notOptimum
	switch {
	case errors.As(e.solErr, &nc), errors.As(e.solErr, &no):
		return nil, failAt(p, "%s: %v", name, e.solErr)
	case e.solErr != nil:
		return nil, brokeAt(p, "%s: %v", name, e.solErr)
	}
	return e.sol, nil
}

func (e *env) runSolver() (*solverSide, error) {
	res, err := solver.Solve(e.in, solver.Settings{Digits: e.digits, Starts: 4, Seed: int64(e.seed>>2) + 1, TimeLimit: e.limit})
	if err != nil {
		return nil, fmt.Errorf("solver: %v", err)
	}
	if !res.Converged {
		why := string(res.Stop)
		if len(res.Notes) > 0 {
			why += "; " + strings.Join(res.Notes, "; ")
		}
		return nil, &notConverged{why}
	}
	s := &solverSide{res: res, unit: pow10Rad(-(e.digits - verify.Margin))}
	if e.in.IsDeep() {
		if s.deepTie, err = deepOptimumShared(e.in, e.digits, res); err != nil {
			return nil, err
		}
	}
	n, m := e.in.N(), e.in.M()
	energy := newRad()
	for _, row := range e.in.Targets {
		for _, y := range row {
			energy.Add(energy, newRad().SetRat(new(big.Rat).Mul(y, y)))
		}
	}
	s.energy = energy.Quo(energy, newRad().SetInt64(int64(m)))
	if s.energy.Sign() == 0 {
		s.energy.SetInt64(1) // Y = 0: the scales fall back to unit targets
	}
	rootE := newRad().Sqrt(s.energy)
	s.lossR = maxRad(absRad(res.MinLoss), newRad().Mul(s.unit, s.energy))
	s.lossR.Mul(s.lossR, s.unit)
	wwScale := newRad().Set(rootE)
	if e.in.LambdaW.Sign() > 0 {
		q := newRad().SetRat(new(big.Rat).Quo(e.in.LambdaH, e.in.LambdaW))
		wwScale.Mul(wwScale, q.Sqrt(q))
	}
	s.wwR = newRad().Mul(s.unit, maxRad(absRad(res.WW.FrobeniusNorm()), wwScale))
	bn := newRad()
	for _, b := range res.B {
		bn.Add(bn, newRad().Mul(b, b))
	}
	s.biasR = newRad().Mul(s.unit, maxRad(bn.Sqrt(bn), rootE))
	pScale := newRad().Mul(newRad().SetInt64(int64(m)), s.energy)
	s.predR = newRad().Mul(s.unit, maxRad(absRad(res.Predictions.FrobeniusNorm()), pScale.Sqrt(pScale)))
	s.mse = e.trainMSE(s, n, m)
	s.rank, s.rankOK = e.rankOf(s)
	return s, nil
}

func maxRad(x, y *big.Float) *big.Float {
	if x.Cmp(y) >= 0 {
		return newRad().Set(x)
	}
	return newRad().Set(y)
}

// trainMSE is (1/M)‖P − Y‖²_F; with ‖δP‖_F ≤ predR its radius is
// (2‖P − Y‖_F·predR + predR²)/M.
func (e *env) trainMSE(s *solverSide, n, m int) value {
	acc := e.newF()
	t := e.newF()
	for i := 0; i < m; i++ {
		for k := 0; k < n; k++ {
			t.SetRat(e.in.Targets[i][k])
			t.Sub(s.res.Predictions.At(k, i), t)
			acc.Add(acc, t.Mul(t, t))
		}
	}
	norm := newRad().Sqrt(acc)
	r := newRad().Mul(norm, s.predR)
	r.Mul(r, newRad().SetInt64(2))
	r.Add(r, newRad().Mul(s.predR, s.predR))
	mm := newRad().SetInt64(int64(m))
	acc.Quo(acc, e.newF().SetInt64(int64(m)))
	// n·m roundings of terms of size ≤ ‖P − Y‖²: covered by m·n ulps.
	r.Add(r, newRad().Mul(newRad().SetInt64(int64(2*n*m)), e.ulp(acc)))
	return e.inexact(acc, r.Quo(r, mm))
}

// rankOf decides the rank of the optimum's W*W*ᵀ from the solver's
// A = WWᵀ, trusted to ‖A − A*‖₂ ≤ ‖A − A*‖_F ≤ δ = n·r_ww (r_ww the radius
// of one entry of ww), by two bounds:
//
//   - lo: an eigenvalue of A above 10³·δ is nonzero in A* too (Weyl);
//   - hi: min(n, d), and where the reduced objective of docs/theory.md §2
//     applies (λ_H, λ_W > 0, one weight layer, bias free or none), n minus
//     the eigenvalues of G(A) = (λ_W/2)I − (λ_H/2)(A + λ_H I)⁻¹Σ(A + λ_H I)⁻¹
//     above 10³·δ_G in magnitude, δ_G = tr Σ·δ/λ_H². At the optimum
//     (stationary for V ↦ F(VVᵀ)) G*V* = 0, so the range of A* lies in the
//     null space of G*, and ‖G − G*‖₂ ≤ ‖Σ‖₂‖A − A*‖₂/λ_H² for A, A* ⪰ 0
//     (‖(A + λ_H I)⁻¹‖₂ ≤ 1/λ_H), so every certified eigenvalue of G is
//     one of G* and takes a dimension from the range of A*.
//
// lo = hi is the rank. lo < hi (an eigenvalue that neither A nor G
// resolves: a near tie σ_j ≈ c) leaves it undecided, and the trial is
// evaluated again at more digits. QA session 22: the rank counted an
// eigenvalue of A below 10^(3−s) of the scale as 0, so σ_2 − c = 10⁻²⁶
// gave rank 1, printed as exact, against the true 2.
func (e *env) rankOf(s *solverSide) (int, error) {
	n := e.in.N()
	delta := newRad().Mul(s.wwR, newRad().SetInt64(int64(n)))
	thr := newRad().Mul(delta, newRad().SetInt64(1000))
	var eig bigmat.SymEigen
	if err := eig.Factorize(s.res.WW); err != nil {
		return 0, brokeAt(Pos{}, "rank: eigenvalues of WWᵀ: %v", err)
	}
	lo := 0
	for _, v := range eig.Values {
		if v.Cmp(thr) > 0 {
			lo++
		}
	}
	hi := min(n, e.in.D)
	g, gThr, err := e.stationarityBound(s, delta)
	if err != nil {
		return 0, err
	}
	if g >= 0 {
		hi = min(hi, n-g)
	}
	switch {
	case lo > hi:
		return 0, brokeAt(Pos{}, "rank: the solver's W Wᵀ has %d eigenvalues above %s but its stationarity leaves room for at most %d", lo, thr.Text('e', 1), hi)
	case lo < hi:
		why := "min(n, d)"
		if g >= 0 {
			why = fmt.Sprintf("n minus the %d eigenvalues of the gradient G above %s", g, gThr.Text('e', 1))
		}
		return 0, undecidedAt(Pos{}, "rank: between %d (eigenvalues of W Wᵀ above %s) and %d (%s): not decided at this precision", lo, thr.Text('e', 1), hi, why)
	}
	return lo, nil
}

// stationarityBound returns how many eigenvalues of G(A) (see rankOf) lie
// above 10³·δ_G in magnitude, and that threshold; -1 where the reduced
// objective does not apply (deep, bias regularized, a zero λ).
func (e *env) stationarityBound(s *solverSide, delta *big.Float) (int, *big.Float, error) {
	in := e.in
	if in.IsDeep() || in.Bias == instance.BiasRegularized || in.LambdaH.Sign() <= 0 || in.LambdaW.Sign() <= 0 {
		return -1, nil, nil
	}
	n, prec := in.N(), e.prec
	lamH := e.newF().SetRat(in.LambdaH)
	sig := bigmat.New(n, n, prec)
	for i, row := range e.sigmaMatrix() {
		for j, x := range row {
			sig.At(i, j).SetRat(x)
		}
	}
	var ch bigmat.Cholesky
	if err := ch.Factorize(new(bigmat.Dense).AddScaledIdentity(s.res.WW.Clone().SetPrec(prec), lamH)); err != nil {
		return 0, nil, brokeAt(Pos{}, "rank: W Wᵀ + λ_H I: %v", err)
	}
	bs := ch.SolveTo(new(bigmat.Dense), sig)                      // BΣ
	bsb := ch.SolveTo(new(bigmat.Dense), new(bigmat.Dense).T(bs)) // BΣB
	half := e.newF().SetRat(new(big.Rat).Quo(in.LambdaH, big.NewRat(-2, 1)))
	g := new(bigmat.Dense).Scale(half, new(bigmat.Dense).Symmetrize(bsb))
	g.AddScaledIdentity(g, e.newF().SetRat(new(big.Rat).Quo(in.LambdaW, big.NewRat(2, 1))))
	var eig bigmat.SymEigen
	if err := eig.Factorize(g); err != nil {
		return 0, nil, brokeAt(Pos{}, "rank: eigenvalues of the gradient G: %v", err)
	}
	thr := newRad().SetRat(e.trace())
	thr.Mul(thr, delta)
	lh2 := newRad().SetRat(new(big.Rat).Mul(in.LambdaH, in.LambdaH))
	thr.Quo(thr, lh2)
	thr.Mul(thr, newRad().SetInt64(1000))
	count := 0
	for _, v := range eig.Values {
		if absRad(v).Cmp(thr) > 0 {
			count++
		}
	}
	return count, thr, nil
}

// nrcs computes NRC1–3 of the solver's W*, H* with metrics.ComputeBig at
// digits − Margin digits.
func (e *env) nrcs(s *solverSide) (*metrics.BigResult, error) {
	if s.nrc != nil || s.nrcErr != nil {
		return s.nrc, s.nrcErr
	}
	res := s.res
	if res.H == nil || res.W == nil {
		s.nrcErr = fmt.Errorf("the solver did not return W and H (instance too large)")
		return nil, s.nrcErr
	}
	d, m := res.H.Dims()
	h := bigmat.New(m, d, res.Prec)
	for i := 0; i < d; i++ {
		for j := 0; j < m; j++ {
			h.Set(j, i, res.H.At(i, j))
		}
	}
	n := e.in.N()
	y := bigmat.New(m, n, res.Prec)
	for i := 0; i < m; i++ {
		for k := 0; k < n; k++ {
			y.At(i, k).SetRat(e.in.Targets[i][k])
		}
	}
	opt := metrics.Options{Uncentered: e.in.Bias == instance.BiasNone}
	s.nrc, s.nrcErr = metrics.ComputeBig(h, res.W, y, e.digits-verify.Margin, opt)
	return s.nrc, s.nrcErr
}

// eigvec returns entry k of the unit eigenvector v_j of Σ (1-based), with
// the sign convention that its first entry of magnitude above the radius
// is positive. By Davis–Kahan, an eigenvector computed with backward error
// ε (the radius of sigma) is within 2ε/gap_j of the true one, gap_j the
// distance from σ_j to the other eigenvalues; when gap_j ≤ 4ε (a repeated
// or nearly repeated eigenvalue) v_j is not determined and the evaluation
// fails.
func (e *env) eigvec(p Pos, k, j int) (value, error) {
	if _, err := e.sigma(p, j); err != nil {
		return value{}, err
	}
	eps := e.spectrum[0].rad
	if e.spectrum[0].exact != nil { // Σ = 0
		return value{}, failAt(p, "v(·, %d): Σ = 0 has no determined eigenvectors", j)
	}
	n := e.in.N()
	var gap *big.Float
	for i := 0; i < n; i++ {
		if i == j-1 {
			continue
		}
		g := absRad(e.newF().Sub(e.spectrum[i].mid, e.spectrum[j-1].mid))
		if gap == nil || g.Cmp(gap) < 0 {
			gap = g
		}
	}
	r := newRad().Mul(eps, newRad().SetInt64(2))
	if gap != nil {
		if gap.Cmp(newRad().Mul(eps, newRad().SetInt64(4))) <= 0 {
			return value{}, failAt(p, "v(·, %d): σ_%d is repeated (or within %s of another eigenvalue), so its eigenvector is not determined", j, j, floatText(newRad().Mul(eps, newRad().SetInt64(4)), 'e', 1))
		}
		r.Quo(r, gap)
	}
	sign := 1
	for i := 0; i < n; i++ {
		x := e.vectors.At(i, j-1)
		if absRad(x).Cmp(r) > 0 {
			sign = x.Sign()
			break
		}
	}
	m := e.newF().Set(e.vectors.At(k-1, j-1))
	if sign < 0 {
		m.Neg(m)
	}
	return e.inexact(m, r), nil
}
