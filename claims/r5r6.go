package claims

import (
	"fmt"
	"math/big"
	"math/rand/v2"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/ratmat"
	"github.com/nrc-ufm/ufm/proofs"
	"github.com/nrc-ufm/ufm/theory"
)

// ---------------------------------------------------------------- R5

// r5Degree: ∂L has degree 3 and the direction (WU, −UH, 0) degree 2.
const r5Degree = 5

func r5Claim() proofs.Claim {
	return proofs.Claim{
		Name:   "r5-balance",
		Source: "docs/theory.md §2 R5 (derived)",
		Statement: "Stationarity in (W, H) implies balance λ_W WᵀW = (λ_H/M) HHᵀ; hence the feature second moment has rank ≤ n and the row space of W. " +
			"Checked (1) as the exact identity λ_W WᵀW − (λ_H/M)HHᵀ = Wᵀ∇_W L − (∇_H L)Hᵀ, valid at every (W, H, b), in the form " +
			"⟨λ_W WᵀW − (λ_H/M)HHᵀ, U⟩ = D_{(WU, −UH, 0)} L for random U (derivatives read off values of L), so stationarity forces balance; " +
			"(2) at every critical point of the theory's list (subsets S of the active directions), evaluated exactly at the point rounded to the working precision: " +
			"stationarity and balance residuals below 10^-digits.",
		Hypotheses: "λ_H > 0 and λ_W > 0 for the consequence (the identity holds for every λ)",
		Method:     "exact identity + critical points",
		Expect:     proofs.Holds, Budget: 1000, Trials: 100, Digits: 30,
		Generate: func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
			g := Family{NMax: 3, MMax: 6, Spectral: 0.3, BiasNone: true}
			if opts.Outside {
				g.Lambda = LambdaOneZero
				if rng.IntN(3) == 0 {
					g.Lambda = LambdaZero
				}
				return g.generate(rng, "r5-outside")
			}
			return g.generate(rng, "r5")
		},
		InHypotheses: positiveLambdas,
		Check:        checkR5,
	}
}

func positiveLambdas(in *instance.Instance) (bool, string) {
	return proofs.Hypotheses(lambdaZero(in))
}

func checkR5(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	out := checkIdentity(in, cfg, r5Degree, "R5 identity", pointCheck(r5Sides))
	if out.Verdict != proofs.Holds {
		return out
	}
	if in.LambdaH.Sign() == 0 || in.LambdaW.Sign() == 0 {
		return r5Outside(in, out)
	}
	l, err := buildLandscape(in, cfg.Digits)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "critical points: " + err.Error()}
	}
	prec := l.prec
	tol := pow10Float(-cfg.Digits, prec)
	worst := new(big.Float).SetPrec(prec)
	p := l.p
	for _, cp := range l.points {
		rg := relative(cp.grad, cp.gscale)
		bal, bscale := balanceResidual(p, cp.x, prec)
		rb := relative(bal, bscale)
		for _, r := range []*big.Float{rg, rb} {
			if r.Cmp(worst) > 0 {
				worst.Set(r)
			}
		}
		if rg.Cmp(tol) > 0 || rb.Cmp(tol) > 0 {
			out.Verdict = proofs.Fails
			out.Exact = false
			out.Residual = worst
			out.Reason = fmt.Sprintf("at the critical point of S = %s the stationarity residual is %s and the balance residual %s (tolerance 1e-%d)",
				subsetText(cp.S), sci(rg), sci(rb), cfg.Digits)
			return out
		}
	}
	out.Exact = false
	out.Residual = worst
	out.Points += len(l.points)
	out.Reason = fmt.Sprintf("the identity holds exactly (%s); at all %d critical points of the theory's list the relative stationarity and balance residuals are ≤ %s",
		szBoundText(r5Degree, universalFactor*cfg.Points), len(l.points), sci(worst))
	return out
}

// r5Sides evaluates the R5 identity at (W, H, b) with the direction U.
func r5Sides(p *problem, x lemmaVars) []sides {
	pt := point{x.W, x.H, x.B}
	dir := point{ratmat.Mul(x.W, x.U), ratmat.Scale(big.NewRat(-1, 1), ratmat.Mul(x.U, x.H)), ratmat.New(p.n, 1)}
	d1, _ := p.lineDerivs(pt, dir)
	return []sides{{what: "D_(WU,−UH,0) L vs ⟨λ_W WᵀW − (λ_H/M)HHᵀ, U⟩", lhs: scalar(d1), rhs: scalar(ratmat.Dot(balance(p, pt), x.U))}}
}

// balance returns λ_W WᵀW − (λ_H/M) HHᵀ.
func balance(p *problem, x point) *ratmat.Matrix {
	a := ratmat.Scale(p.lw, ratmat.Mul(x.W.T(), x.W))
	b := ratmat.Scale(new(big.Rat).Mul(p.lh, p.invM), ratmat.Mul(x.H, x.H.T()))
	return ratmat.Sub(a, b)
}

// balanceResidual returns ‖λ_W WᵀW − (λ_H/M)HHᵀ‖_F and the sum of the two
// terms' norms.
func balanceResidual(p *problem, x point, prec uint) (res, scale *big.Float) {
	a := ratmat.Scale(p.lw, ratmat.Mul(x.W.T(), x.W))
	b := ratmat.Scale(new(big.Rat).Mul(p.lh, p.invM), ratmat.Mul(x.H, x.H.T()))
	res = sqrtRat(ratmat.Norm2(ratmat.Sub(a, b)), prec)
	scale = sqrtRat(ratmat.Norm2(a), prec)
	return res, scale.Add(scale, sqrtRat(ratmat.Norm2(b), prec))
}

// r5Outside exhibits, for a zero λ, an exact stationary point where the
// consequence of balance (features in the row space of W) fails.
func r5Outside(in *instance.Instance, out proofs.Outcome) proofs.Outcome {
	p := newProblem(in)
	x := p.zeroPoint()
	x.B = p.meanVec()
	var what string
	if p.lh.Sign() == 0 {
		// W = 0, H = e₁zᵀ with Ỹz = 0.
		z := p.yt.NullVector()
		if z == nil {
			out.Verdict = proofs.Inconclusive
			out.Reason = "λ_H = 0 but Ỹ has full column rank: no witness W = 0, H = e₁zᵀ with Ỹz = 0"
			return out
		}
		for i := 0; i < p.m; i++ {
			x.H.Set(0, i, z.At(i, 0))
		}
		what = "λ_H = 0: W = 0, H = e₁zᵀ with Ỹz = 0, b = ȳ is stationary (∇L = 0 exactly) with features H ≠ 0 outside the row space {0} of W"
	} else {
		// λ_W = 0: H = 0, W = w e₁ᵀ with Ỹᵀw = 0.
		wv := p.yt.T().NullVector()
		if wv == nil {
			out.Verdict = proofs.Inconclusive
			out.Reason = "λ_W = 0 but Ỹ has rank n: no witness H = 0, W = w e₁ᵀ with Ỹᵀw = 0"
			return out
		}
		for k := 0; k < p.n; k++ {
			x.W.Set(k, 0, wv.At(k, 0))
		}
		what = "λ_W = 0: H = 0, W = w e₁ᵀ with Ỹᵀw = 0, b = ȳ is stationary (∇L = 0 exactly) with W ≠ 0 but HHᵀ = 0, so the features do not span the row space of W"
	}
	if g := p.gradNorm2(x); g.Sign() != 0 {
		out.Verdict = proofs.Inconclusive
		out.Reason = "the outside witness is unexpectedly not stationary"
		return out
	}
	out.Verdict = proofs.Fails
	out.Reason = "the identity holds exactly, but its consequence needs λ_H, λ_W > 0: " + what
	return out
}

func subsetText(s []int) string {
	if len(s) == 0 {
		return "∅"
	}
	t := "{"
	for i, j := range s {
		if i > 0 {
			t += ","
		}
		t += fmt.Sprint(j + 1)
	}
	return t + "}"
}

// sci formats a non-negative residual as 1.2e-45 (or 0).
func sci(x *big.Float) string {
	if x == nil {
		return "—"
	}
	if x.Sign() == 0 {
		return "0"
	}
	return x.Text('e', 1)
}

// pow10Float returns 10^e at precision prec.
func pow10Float(e int, prec uint) *big.Float {
	return new(big.Float).SetPrec(prec).SetRat(ratmat.Pow10(e))
}

// ---------------------------------------------------------------- R6

func r6Claim() proofs.Claim {
	return proofs.Claim{
		Name:   "r6-kkt",
		Source: "docs/theory.md §2 R6 (derived)",
		Statement: "For d ≥ n, F is convex on the PSD cone and A* = √(λ_H/λ_W)(Σ^{1/2} − √c I)_+ is its minimizer, certified by the KKT conditions " +
			"A* ⪰ 0, Z = ∇F(A*) = (λ_W/2) I − (λ_H/2)(A*+λ_H I)⁻¹Σ(A*+λ_H I)⁻¹ ⪰ 0 and Z A* = 0. " +
			"Checked at the working precision (λ_min(Z) ≥ −tol and ‖Z A*‖_F ≤ tol, relative to λ_W/2 and λ_W‖A*‖_F/2, tol = 10^-digits), " +
			"computed with ⌈log10(tr Σ/c)⌉ extra digits because Z cancels terms of relative size σ_1/c; " +
			"when A* read as a rational with small denominators satisfies the conditions exactly (exact-spectrum instances), the certificate is exact: " +
			"A* ⪰ 0 and Z ⪰ 0 by exact inertia (Sylvester), Z A* = 0 in big.Rat — a proof that this A* minimizes F.",
		Hypotheses: "λ_H > 0, λ_W > 0, d ≥ n (the certificate is for the convex problem over all PSD A)",
		Method:     "KKT certificate (high precision / exact)",
		Expect:     proofs.Holds, Budget: 2000, Trials: 300, Digits: 40,
		Generate: func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
			g := Family{NMax: 4, MMax: 8, Spectral: 0.5, BiasNone: true, D: DGeqN}
			if opts.Outside {
				g.D = DLtN
				g.Spectral = 0.8
				return g.generate(rng, "r6-outside")
			}
			return g.generate(rng, "r6")
		},
		InHypotheses: func(in *instance.Instance) (bool, string) {
			return proofs.Hypotheses(lambdaZero(in), proofs.Hyp{Violated: in.D < in.N(), Why: "d < n"})
		},
		Check: checkR6,
	}
}

func checkR6(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	if in.LambdaH.Sign() == 0 || in.LambdaW.Sign() == 0 {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "R6 needs λ_H, λ_W > 0 (F is not defined as a problem with a minimizer otherwise)"}
	}
	extra := conditionDigits(in)
	pred, err := theory.Predict(in, cfg.Digits+extra)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
	}
	if pred.WW == nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "the theory gives no A*"}
	}
	if ok, reason := r6Exact(in, pred); ok {
		return proofs.Outcome{Verdict: proofs.Holds, Exact: true, Residual: new(big.Float), Points: 1, Reason: reason}
	}
	prec := pred.Prec
	n := pred.N
	lw := new(big.Float).SetPrec(prec).SetRat(in.LambdaW)
	lh := new(big.Float).SetPrec(prec).SetRat(in.LambdaH)
	half := big.NewFloat(0.5)
	k := new(bigmat.Dense).AddScaledIdentity(pred.WW, lh)
	b, err := bigmat.Inverse(k)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "A* + λ_H I is singular at the working precision"}
	}
	bsb := new(bigmat.Dense).Mul(b, new(bigmat.Dense).Mul(pred.SigmaMatrix, b))
	coef := new(big.Float).SetPrec(prec).Mul(lh, half)
	coef.Neg(coef)
	z := new(bigmat.Dense).Scale(coef, bsb)
	z = new(bigmat.Dense).AddScaledIdentity(z, new(big.Float).SetPrec(prec).Mul(lw, half))
	var eig bigmat.SymEigen
	if err := eig.Factorize(z); err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "eigenvalues of Z: " + err.Error()}
	}
	zscale := new(big.Float).SetPrec(prec).Mul(lw, half)
	minEig := eig.Values[n-1]
	negPart := new(big.Float).SetPrec(prec)
	if minEig.Sign() < 0 {
		negPart.Neg(minEig)
	}
	r1 := relative(negPart, zscale)
	za := new(bigmat.Dense).Mul(z, pred.WW).FrobeniusNorm()
	r2 := relative(za, new(big.Float).SetPrec(prec).Mul(zscale, pred.WW.FrobeniusNorm()))
	worst := r1
	if r2.Cmp(worst) > 0 {
		worst = r2
	}
	tol := pow10Float(-cfg.Digits, prec)
	out := proofs.Outcome{Residual: worst, Points: 1}
	if r1.Cmp(tol) > 0 || r2.Cmp(tol) > 0 {
		out.Verdict = proofs.Fails
		out.Reason = fmt.Sprintf("KKT fails: λ_min(Z) = %s (relative %s), ‖Z A*‖ relative %s, tolerance 1e-%d", minEig.Text('e', 3), sci(r1), sci(r2), cfg.Digits)
		if in.D < in.N() {
			out.Reason += fmt.Sprintf("; d = %d < n = %d: A* is the rank-d optimum, not the minimizer of the convex problem over all PSD A, so Z has a negative eigenvalue along an active direction beyond d", in.D, in.N())
		}
		return out
	}
	out.Verdict = proofs.Holds
	out.Reason = fmt.Sprintf("Z ⪰ 0 (λ_min(Z) = %s, relative to λ_W/2) and ‖Z A*‖ relative %s, both within 1e-%d (computed at %d + %d conditioning digits)", minEig.Text('e', 3), sci(r2), cfg.Digits, cfg.Digits, extra)
	return out
}

// r6Exact tries to read A* as a matrix of rationals with small
// denominators and to verify the KKT conditions for it exactly.
func r6Exact(in *instance.Instance, pred *theory.Prediction) (bool, string) {
	n := pred.N
	maxDen := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64((pred.Digits+8)/2)), nil)
	a := ratmat.New(n, n)
	scale := pred.WW.MaxAbs()
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			r, ok := ratApprox(pred.WW.At(i, j), maxDen, scale)
			if !ok {
				return false, ""
			}
			a.Set(i, j, r)
		}
	}
	if !ratmat.Equal(a, a.T()) {
		return false, ""
	}
	if _, neg, _ := theory.Inertia(a.Rows()); neg != 0 {
		return false, ""
	}
	sigma := ratmat.FromRows(in.Sigma())
	b, err := ratmat.Inverse(ratmat.AddScaledIdentity(a, in.LambdaH))
	if err != nil {
		return false, ""
	}
	z := ratmat.Scale(new(big.Rat).Mul(in.LambdaH, big.NewRat(-1, 2)), ratmat.Mul3(b, sigma, b))
	z = ratmat.AddScaledIdentity(z, new(big.Rat).Mul(in.LambdaW, big.NewRat(1, 2)))
	if !ratmat.Mul(z, a).IsZero() {
		return false, ""
	}
	if _, neg, _ := theory.Inertia(z.Rows()); neg != 0 {
		return false, ""
	}
	return true, "exact KKT certificate: A* read as a rational matrix is PSD, Z = ∇F(A*) is PSD (exact inertia) and Z A* = 0 exactly, so A* minimizes the convex F over the PSD cone"
}

// ratApprox returns the best rational approximation p/q of x with
// q ≤ maxDen (continued fractions), when it reproduces x to within
// 2^-(prec−8) of max(|x|, scale). The caller verifies the guess exactly.
func ratApprox(x *big.Float, maxDen *big.Int, scale *big.Float) (*big.Rat, bool) {
	exact, _ := x.Rat(nil)
	if exact.IsInt() {
		return exact, true
	}
	num := new(big.Int).Set(exact.Num())
	den := new(big.Int).Set(exact.Denom())
	p0, q0 := big.NewInt(0), big.NewInt(1)
	p1, q1 := big.NewInt(1), big.NewInt(0)
	var best *big.Rat
	for den.Sign() != 0 {
		a, r := new(big.Int).DivMod(num, den, new(big.Int))
		p2 := new(big.Int).Add(new(big.Int).Mul(a, p1), p0)
		q2 := new(big.Int).Add(new(big.Int).Mul(a, q1), q0)
		if q2.Cmp(maxDen) > 0 {
			break
		}
		best = new(big.Rat).SetFrac(p2, q2)
		p0, q0, p1, q1 = p1, q1, p2, q2
		num, den = den, r
	}
	if best == nil {
		return nil, false
	}
	diff := new(big.Float).SetPrec(x.Prec()).SetRat(best)
	diff.Sub(diff, x)
	ref := new(big.Float).Abs(x)
	if scale != nil && scale.Cmp(ref) > 0 {
		ref = scale
	}
	tol := new(big.Float).SetMantExp(ref, -int(x.Prec())+8)
	return best, diff.Abs(diff).Cmp(tol) <= 0
}
