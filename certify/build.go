package certify

import (
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/certify/check"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/recoverpanic"
	"github.com/nrc-ufm/ufm/solver"
)

// Options control Build. Zero fields take defaults.
type Options struct {
	Digits int             // D: the relative width the bounds aim at is 10^-D (0: the instance's digits)
	Solver solver.Settings // starts, seed, time limit of the solver (Digits is set by Build)
}

// CannotError says, in one line, why an instance cannot be certified.
type CannotError struct{ Reason string }

func (e *CannotError) Error() string { return "cannot certify: " + e.Reason }

// Result is a certificate and how it was obtained.
type Result struct {
	File         *check.File   // the certificate document
	Report       *check.Report // the checker's verdict on it (Build runs the checker)
	Solver       *solver.Result
	SolverDigits int
	Gap          *big.Rat // upper − lower
	Duration     time.Duration
}

// Lemmas are the statements a certificate relies on, by id (the checker
// requires the ids it uses to be named).
var Lemmas = []check.Lemma{
	{ID: check.LemmaBiasSplit, Statement: "bias free: ‖WH + b1ᵀ − Y‖² = ‖WH̃ − Ỹ‖² + M‖Wh̄ + b − ȳ‖² and ‖H‖² ≥ ‖H̃‖² (H̃ = H − h̄1ᵀ), so L(W,H,b) ≥ 1/(2M)‖WH̃ − Ỹ‖² + λ_H/(2M)‖H̃‖² + λ_W/2‖W‖²; bias none: Ỹ = Y, H̃ = H"},
	{ID: check.LemmaFactorization, Statement: "λ_H/(2M)‖H‖² + λ_W/2‖W‖² ≥ √(λ_Hλ_W/M)‖W‖_F‖H‖_F ≥ √(c/M)‖WH‖_* (AM–GM; ‖WH‖_* ≤ ‖W‖_F‖H‖_F), hence L ≥ f(WH̃), f(Z) = 1/(2M)‖Z − Ỹ‖² + √(c/M)‖Z‖_*, rank WH̃ ≤ min(d, n)"},
	{ID: check.LemmaWeakDuality, Statement: "if ΛΛᵀ ⪯ (c/M)I then √(c/M)‖Z‖_* ≥ ⟨Λ, Z⟩ for all Z, so min_Z f(Z) ≥ min_Z 1/(2M)‖Z − Ỹ‖² + ⟨Λ, Z⟩ = ⟨Λ, Ỹ⟩ − (M/2)‖Λ‖²_F"},
	{ID: check.LemmaSylvester, Statement: "Sylvester's law of inertia: if the LDLᵀ elimination (no pivoting) of a symmetric rational matrix meets no zero pivot, its numbers of positive and negative pivots are its numbers of positive and negative eigenvalues; so #{σ_j(Σ) > t} = #positive pivots of Σ − tI"},
	{ID: check.LemmaMirsky, Statement: "Mirsky/von Neumann: ‖Z − Ỹ‖²_F ≥ Σ_i (s_i(Z) − t_i(Ỹ))² with singular values in decreasing order; with ‖Z‖_* = Σ s_i and rank Z ≤ k = min(d, n): f(Z) ≥ Σ_{i≤k} min_{s≥0}[(s − t_i)²/(2M) + √(c/M) s] + Σ_{i>k} t_i²/(2M) = tr Σ/2 − Σ_{i≤k} φ(σ_i), φ(σ) = (√σ − √c)²₊/2 nondecreasing, t_i² = Mσ_i"},
	{ID: check.LemmaStrongConvexity, Statement: "f is 1/M-strongly convex with minimizer Z*: f(Z) − f(Z*) ≥ ‖Z − Z*‖²_F/(2M); with f(Z*) ≥ ℓ(Λ) every Z with f(Z) ≤ U, in particular the point's W H̃ and every global minimizer's W*H̃*, lies within √(2M(U − ℓ)) of Z*; a global minimizer has training MSE ‖W*H̃* − Ỹ‖²/M (its mean residual is zero)"},
	{ID: check.LemmaBiasDuality, Statement: "bias regularized (+λ_b/2‖b‖²): for ΛΛᵀ ⪯ (c/M)I and any (W, H, b), L ≥ 1/(2M)‖Z + b1ᵀ − Y‖² + ⟨Λ, Z⟩ + λ_b/2‖b‖² with Z = WH (factorization-nuclear), and the minimum of the right side over all Z and b (Z = Y − b1ᵀ − MΛ, b = Λ1/λ_b) is ⟨Λ, Y⟩ − (M/2)‖Λ‖²_F − ‖Λ1‖²/(2λ_b)"},
	{ID: check.LemmaNonnegative, Statement: "L ≥ 0 (squares with nonnegative weights), and the closed form is ≥ 0 term by term (σ/2 − φ(σ) ≥ min(σ, c)/2 ≥ 0): a negative lower bound of either may be replaced by 0"},
	{ID: check.LemmaTraceIdentity, Statement: "for c = 0 and d ≥ n: φ(σ) = σ/2, so the closed form tr Σ/2 − Σ_{i≤n} σ_i/2 is 0 (Σ_i σ_i = tr Σ)"},
	{ID: check.LemmaSqrtBounds, Statement: "for rationals s, x ≥ 0: s² ≤ x implies s ≤ √x and s² ≥ x implies s ≥ √x"},
	{ID: check.LemmaClosedForm, Statement: "the closed form of docs/theory.md §3 equals tr Σ/2 − Σ_{i≤min(d,n)} φ(σ_i) (σ_i ≤ c contribute φ = 0); it is nondecreasing in each σ_i's φ, so σ-enclosures and √-bounds enclose it"},
}

// Build certifies the minimum of the instance: it solves (solver.Solve),
// rounds the minimizer to rationals (the upper bound), builds a dual
// certificate Λ or, where the rank constraint binds, a Mirsky bound from
// eigenvalue enclosures (the lower bound), encloses the closed form, and
// runs the exact checker on the result. Instances it cannot certify give a
// *CannotError; a panic inside is returned as an error wrapping
// ErrInternal.
func Build(in *instance.Instance, opt Options) (out *Result, err error) {
	defer recoverpanic.Into(&out, &err, ErrInternal)
	start := time.Now()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if err := certifiable(in); err != nil {
		return nil, err
	}
	digits := opt.Digits
	if digits <= 0 {
		digits = in.Digits
	}
	if digits <= 0 {
		digits = instance.DefaultDigits
	}
	var res *Result
	// The loss error is quadratic in the point's error, so about D/2
	// digits of the minimizer suffice; if the bounds come out wider than
	// 10^-D, the solve is repeated with more digits (solveDigitsAfter).
	sd := digits/2 + 20
	for try := 0; try < maxAttempts; try++ {
		res, err = attempt(in, digits, sd, opt.Solver)
		if err != nil || res.Report.ProvedDigits >= digits || res.Report.EnclosedDigits >= digits || res.Report.Refuted {
			break
		}
		next := solveDigitsAfter(in, digits, sd, res.Report.Upper)
		if next <= sd {
			break
		}
		sd = next
	}
	if err != nil {
		return nil, err
	}
	res.Duration = time.Since(start)
	return res, nil
}

// ErrInternal marks an internal failure of Build (a bug): a panic inside it
// is recovered at its boundary and returned wrapping ErrInternal, never as
// a certificate or a crash.
var ErrInternal = errors.New("certify: internal error (a bug; please report it)")

// maxAttempts bounds the solves of one Build; maxSolveDigits the digits
// asked of the solver.
const (
	maxAttempts    = 4
	maxSolveDigits = 2 * instance.MaxDigits
)

// solveDigitsAfter is the solver accuracy for the next attempt after one at
// sd digits fell short: D + 10, plus the decades by which the upper bound U
// lies below the targets' scale tr Σ (the solver's accuracy is relative to
// that scale, so a minimum far below it, as for c ≪ σ_j, needs as many more
// digits), at least sd + 10, at most maxSolveDigits.
func solveDigitsAfter(in *instance.Instance, digits, sd int, upper *big.Rat) int {
	tr := new(big.Rat)
	for i, row := range in.Sigma() {
		tr.Add(tr, row[i])
	}
	next := digits + 10
	if upper.Sign() > 0 && tr.Sign() > 0 {
		next += max(0, log10Rat(tr)-log10Rat(upper))
	}
	return min(max(next, sd+10), maxSolveDigits)
}

func certifiable(in *instance.Instance) error {
	lh, lw := in.LambdaH.Sign() > 0, in.LambdaW.Sign() > 0
	switch {
	case in.IsDeep():
		// docs/theory.md §6: for K ≥ 3 the factorization penalty Σσ^{2/K} is
		// not convex, so §5's dual bound does not apply; the mean data term
		// (a scaled sum problem) is not in the certificate format either.
		return &CannotError{"deep (layers > 1) or data_term mean instance: certificates cover the one-layer sum model only (docs/theory.md §5)"}
	case lh != lw:
		return &CannotError{"exactly one of λ_H, λ_W is zero: the infimum is not attained, so there is no minimizer to certify"}
	case !lh && in.Bias == instance.BiasRegularized:
		return &CannotError{"λ_H = λ_W = 0 with bias regularized: not implemented"}
	case in.Bias == instance.BiasRegularized && (in.LambdaB == nil || in.LambdaB.Sign() == 0):
		// The certificate format wants λ_b > 0; with λ_b = 0 the objective
		// is the bias-free one (QA session 22 F7: certify built a
		// certificate its own checker refused, "internal: unreadable").
		return &CannotError{"bias regularized with λ_b = 0 is the bias-free problem (the same objective): certify it with \"bias\": \"free\""}
	case in.N() > check.MaxTargetDim || in.M() > check.MaxSamples || in.N()*in.M() > check.MaxEntries:
		return &CannotError{fmt.Sprintf("size cap: n = %d, M = %d (a certificate allows n ≤ %d, M ≤ %d, n·M ≤ %d)",
			in.N(), in.M(), check.MaxTargetDim, check.MaxSamples, check.MaxEntries)}
	case in.Digits > check.MaxDigits:
		return &CannotError{fmt.Sprintf("size cap: %d digits (at most %d)", in.Digits, check.MaxDigits)}
	}
	return nil
}

// builder carries one attempt's exact and high-precision data.
type builder struct {
	in     *instance.Instance
	digits int // D
	sd     int // solver digits
	prec   uint
	n, m   int
	k      int // min(n, d)
	yt     [][]*big.Rat
	c      *big.Rat
	reg    bool // bias regularized: dual bound with the λ_b term, no spectrum or closed form
	file   *check.File
}

func attempt(in *instance.Instance, digits, sd int, st solver.Settings) (*Result, error) {
	st.Digits = sd
	sol, err := solver.Solve(in, st)
	if err != nil {
		return nil, fmt.Errorf("solver: %w", err)
	}
	if sol.W == nil || sol.H == nil {
		return nil, &CannotError{"size cap: the solver did not return W and H (n·d or d·M too large)"}
	}
	b := &builder{in: in, digits: digits, sd: sd, n: in.N(), m: in.M(), k: min(in.N(), in.D),
		yt: in.CenteredTargets(), c: in.C(), reg: in.Bias == instance.BiasRegularized}
	if b.reg {
		b.yt = rawTargets(in) // the dual bound of bias regularized uses Y itself
	}
	b.prec = max(sol.Prec, bigmat.Bits(digits+20))
	b.file = &check.File{Format: check.Format, Digits: digits, Lemmas: Lemmas, Instance: instanceJSON(in)}
	pt, upper, err := b.choosePoint(sol)
	if err != nil {
		return nil, err
	}
	if !b.reg {
		if err := b.setSpectrum(upper); err != nil {
			return nil, err
		}
	}
	var vals *check.Values
	var cert *check.Cert
	dualOK := b.c.Sign() > 0 && b.setDual(pt) == nil
	if dualOK {
		if cert, err = b.cert(); err != nil {
			return nil, err
		}
		if vals, err = check.Compute(cert); err != nil {
			dualOK = false
		}
	}
	if b.reg && !dualOK {
		return nil, &CannotError{"bias regularized: no feasible dual Λ was found"}
	}
	if !b.reg && (!dualOK || !narrowEnough(vals.Bound, upper, digits) && vals.Mirsky.Cmp(vals.Bound) > 0) {
		b.file.LowerBound = check.LowerBoundJSON{Method: "mirsky"}
		if cert, err = b.cert(); err != nil {
			return nil, err
		}
		if vals, err = check.Compute(cert); err != nil {
			return nil, fmt.Errorf("internal: the spectrum enclosures do not check: %w", err)
		}
		why := "the dual relaxation is not tight here (the rank constraint d binds) or no feasible Λ was found"
		if b.c.Sign() == 0 {
			why = "λ_H = λ_W = 0: the infimum is the Eckart–Young tail Σ_{j>d} σ_j/2 (0 when d ≥ n)"
		}
		b.file.Notes = append(b.file.Notes, "lower bound from eigenvalue enclosures (Mirsky): "+why)
	}
	b.setClaims(vals)
	switch pt.what {
	case "polished":
		b.file.Notes = append(b.file.Notes, "point: the solver's minimizer with W Wᵀ's eigenvalues below 10^-(solver digits/3) of the largest dropped and H, b re-minimized for that W")
	case "interpolation":
		b.file.Notes = append(b.file.Notes, "point: W = [I 0], H = Ỹ, b = ȳ (0 for bias none): L = 0 exactly (λ_H = λ_W = 0, d ≥ n)")
	case "zero":
		b.file.Notes = append(b.file.Notes, "point: W = 0, H = 0, b = ȳ (0 for bias none), which has a lower loss than the rounded solver point")
	}
	if cert, err = b.cert(); err != nil {
		return nil, err
	}
	rep, err := check.Check(cert)
	if err != nil {
		return nil, fmt.Errorf("internal: the certificate does not pass its own checker: %w", err)
	}
	return &Result{File: b.file, Report: rep, Solver: sol, SolverDigits: sd, Gap: new(big.Rat).Sub(rep.Upper, rep.Lower)}, nil
}

// choosePoint sets the point of the certificate: the solver's, or its
// polished version when that has the smaller exact loss.
func (b *builder) choosePoint(sol *solver.Result) (point, *big.Rat, error) {
	cands := []point{b.solverPoint(sol)}
	if p, ok := b.truncated(cands[0]); ok && !b.reg {
		cands = append(cands, p)
	}
	cands = append(cands, b.zeroPoint())
	if p, ok := b.interpolation(); ok {
		cands = append(cands, p)
	}
	// The loss of each candidate is computed on an in-memory certificate
	// holding just the instance and the point (no JSON round trip).
	base := &check.Cert{Y: rawTargets(b.in), LambdaH: b.in.LambdaH, LambdaW: b.in.LambdaW,
		BiasReg: b.reg, LambdaB: b.in.LambdaB, BiasNone: b.in.Bias == instance.BiasNone}
	var best point
	var upper *big.Rat
	for _, p := range cands {
		base.W, base.H, base.B = b.exactPoint(p)
		if u := check.PointLoss(base); upper == nil || u.Cmp(upper) < 0 {
			best, upper = p, u
		}
	}
	b.setPoint(best)
	return best, upper, nil
}

// narrowEnough reports hi − lo ≤ 10^-D·max(lo, 0), or hi = lo.
func narrowEnough(lo, hi *big.Rat, digits int) bool {
	w := new(big.Rat).Sub(hi, lo)
	if w.Sign() <= 0 {
		return true
	}
	if lo.Sign() <= 0 {
		return false
	}
	return w.Mul(w, pow10(digits)).Cmp(lo) <= 0
}

func (b *builder) cert() (*check.Cert, error) {
	c, err := check.FromFile(b.file)
	if err != nil {
		return nil, fmt.Errorf("internal: %w", err)
	}
	return c, nil
}

// rawTargets returns Y as an n×M matrix (Y[k][i] = target k of sample i).
func rawTargets(in *instance.Instance) [][]*big.Rat {
	out := make([][]*big.Rat, in.N())
	for k := range out {
		out[k] = make([]*big.Rat, in.M())
		for i := range out[k] {
			out[k][i] = new(big.Rat).Set(in.Targets[i][k])
		}
	}
	return out
}

func zeroRows(r, c int) [][]string {
	out := make([][]string, r)
	for i := range out {
		out[i] = make([]string, c)
		for j := range out[i] {
			out[i][j] = "0"
		}
	}
	return out
}

func instanceJSON(in *instance.Instance) check.InstanceJSON {
	t := make([][]string, in.M())
	for i, row := range in.Targets {
		t[i] = vecStrings(row)
	}
	j := check.InstanceJSON{Name: in.Name, Targets: t, LambdaH: in.LambdaH.RatString(),
		LambdaW: in.LambdaW.RatString(), D: in.D, Bias: in.Bias.String()}
	if in.Bias == instance.BiasRegularized && in.LambdaB != nil {
		j.LambdaB = in.LambdaB.RatString()
	}
	return j
}

// setPoint rounds the solver's (W, H, b) — the first k columns of W and
// rows of H, the rest being zero — to grids with sd + 10 significant
// digits of each matrix's largest entry. Placeholder claims are set so
// that the file parses.
func (b *builder) setPoint(pt point) {
	w, h, bv := b.exactPoint(pt)
	p := &b.file.Point
	p.W, p.H, p.B = ratStrings(w), ratStrings(h), vecStrings(bv)
	zero := make([]string, b.k)
	for i := range zero {
		zero[i] = "0"
	}
	b.file.Lower, b.file.Upper = "0", "0"
	b.file.Verdict = "bounds"
	if b.reg {
		b.file.LowerBound = check.LowerBoundJSON{Method: "dual", Lambda: zeroRows(b.n, b.m)}
		return
	}
	b.file.Spectrum = &check.SpectrumJSON{Upper: zero, Lower: zero, RootUpper: zero, RootLower: zero}
	b.file.LowerBound = check.LowerBoundJSON{Method: "mirsky"}
	b.file.ClosedForm = &check.IntervalJSON{Lower: "0", Upper: "0"}
}

// exactPoint rounds the point to rationals (W, H, b as written).
func (b *builder) exactPoint(pt point) (w, h [][]*big.Rat, bv []*big.Rat) {
	w = denseToRat(pt.w, b.n, b.k, gridExponent(pt.w.MaxAbs(), b.sd+10))
	h = pt.hExact
	if h == nil {
		h = denseToRat(pt.h, b.k, b.m, gridExponent(pt.h.MaxAbs(), b.sd+10))
	}
	bv = pt.bExact
	if bv == nil {
		bias := bigmat.New(b.n, 1, b.prec)
		for i := 0; i < b.n; i++ {
			bias.At(i, 0).Set(pt.b[i])
		}
		col := denseToRat(bias, b.n, 1, gridExponent(bias.MaxAbs(), b.sd+10))
		bv = make([]*big.Rat, b.n)
		for i := range bv {
			bv[i] = col[i][0]
		}
	}
	return w, h, bv
}

// setSpectrum encloses σ_1..σ_k of Σ: Jacobi eigenvalues at high precision
// widened by δ = tol/(4k), tol = 10^-(D+6)·U, then checked exactly by
// inertia (widening δ until they hold), and the √(c·t) bounds.
func (b *builder) setSpectrum(upper *big.Rat) error {
	sigma := b.in.Sigma()
	var tr big.Rat
	for i := range sigma {
		tr.Add(&tr, sigma[i][i])
	}
	tol := new(big.Rat).Mul(upper, pow10(-(b.digits + 6)))
	if tol.Sign() == 0 {
		tol = pow10(-(b.digits + 6))
	}
	delta := new(big.Rat).Quo(tol, new(big.Rat).SetInt64(int64(4*b.k)))
	e := -log10Rat(delta) + 3
	extra := max(0, log10Rat(&tr)-log10Rat(tol))
	prec := bigmat.Bits(max(b.digits, 10) + 10 + extra)
	var eig bigmat.SymEigen
	if err := eig.Factorize(ratDense(sigma, prec)); err != nil {
		return fmt.Errorf("eigenvalues of Σ: %w", err)
	}
	s := &check.SpectrumJSON{}
	b.file.Spectrum = s
	for i := 0; i < b.k; i++ {
		val, _ := eig.Values[i].Rat(nil)
		u, err := enclose(sigma, val, delta, e, i, up)
		if err != nil {
			return err
		}
		l, err := enclose(sigma, val, delta, e, i, down)
		if err != nil {
			return err
		}
		s.Upper = append(s.Upper, u.RatString())
		s.Lower = append(s.Lower, l.RatString())
		s.RootUpper = append(s.RootUpper, sqrtBound(new(big.Rat).Mul(b.c, u), e+2, down).RatString())
		s.RootLower = append(s.RootLower, sqrtBound(new(big.Rat).Mul(b.c, l), e+2, up).RatString())
	}
	return nil
}

// enclose returns t on the grid 10^-e with σ_{i+1} ≤ t (mode up: at most i
// eigenvalues exceed t) or σ_{i+1} > t (down: at least i+1 exceed t),
// certified by exact inertia, starting at val ± δ and widening.
func enclose(sigma [][]*big.Rat, val, delta *big.Rat, e, i int, mode roundMode) (*big.Rat, error) {
	dl := new(big.Rat).Set(delta)
	for try := 0; try < 40; try++ {
		t := new(big.Rat)
		if mode == up {
			t.Add(val, dl)
		} else {
			t.Sub(val, dl)
		}
		t = onGrid(t, e, mode)
		pos, _, ok := check.Inertia(shiftedSigma(sigma, t))
		if ok && ((mode == up && pos <= i) || (mode == down && pos >= i+1)) {
			return t, nil
		}
		dl.Mul(dl, big.NewRat(4, 1))
	}
	return nil, errors.New("internal: no eigenvalue enclosure of Σ checked (Jacobi eigenvalues far off?)")
}

func shiftedSigma(sigma [][]*big.Rat, t *big.Rat) [][]*big.Rat {
	out := make([][]*big.Rat, len(sigma))
	for i := range sigma {
		out[i] = make([]*big.Rat, len(sigma))
		for j := range sigma {
			out[i][j] = new(big.Rat).Set(sigma[i][j])
		}
		out[i][i].Sub(out[i][i], t)
	}
	return out
}
