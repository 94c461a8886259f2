package claims

import (
	"fmt"
	"math/big"
	"math/rand/v2"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/ratmat"
	"github.com/nrc-ufm/ufm/proofs"
)

// Exact identity checks of the reduction lemmas R1–R5 (THEORY §2).
//
// Each lemma is a rational-function identity in (W, H, b, Y, λ_H, λ_W) and
// auxiliary random directions. A check evaluates both sides exactly in
// big.Rat at cfg.Points random points with the instance's own (Y, λ's) and
// at universalFactor·cfg.Points more points where Y and the λ's are redrawn
// from the sample set too (same n, d, M, bias). The second kind proves the identity
// as a polynomial identity in all variables with the Schwartz–Zippel bound
// of sampling.go; the first shows it holds at the instance (where a search
// put it: tiny λ, huge targets, rank deficiency, …). Derivatives of L are
// never taken from the gradient formulas: lineDerivs reads them off exact
// values of L along lines, so the checks rest only on the definition of L.

// exactCaps bound the instances the exact checks accept (cost, not math).
const (
	exactMaxN = 8
	exactMaxD = 12
	exactMaxM = 24
)

func exactSizeOK(in *instance.Instance) (bool, string) {
	if in.N() > exactMaxN || in.D > exactMaxD || in.M() > exactMaxM {
		return false, fmt.Sprintf("exact identity checks take n ≤ %d, d ≤ %d, M ≤ %d (this instance: n = %d, d = %d, M = %d)", exactMaxN, exactMaxD, exactMaxM, in.N(), in.D, in.M())
	}
	return true, ""
}

// identityFn evaluates one lemma at a random point of p drawn from rng and
// returns a description of the violation, or "" when both sides agree.
type identityFn func(p *problem, rng *rand.Rand) string

// universalFactor: a check evaluates universalFactor·Points fully random
// points (they carry the Schwartz–Zippel bound) besides the Points at the
// instance's own (Y, λ).
const universalFactor = 4

// universalProblem is p's shape with Y entries from S and λ's from S₊.
func universalProblem(in *instance.Instance, rng *rand.Rand) *problem {
	y := randMatS(rng, in.N(), in.M())
	u := newInstance("universal", y, randSPos(rng), randSPos(rng), in.D, in.Bias, in.Digits)
	return newProblem(u)
}

// checkIdentity runs fn at the instance's points and the universal points.
func checkIdentity(in *instance.Instance, cfg proofs.CheckConfig, degree int, what string, fn identityFn) proofs.Outcome {
	if ok, why := exactSizeOK(in); !ok {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: why}
	}
	rng := cfg.Rand()
	p := newProblem(in)
	for k := 0; k < cfg.Points; k++ {
		if bad := fn(p, rng); bad != "" {
			return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Points: k + 1,
				Reason: fmt.Sprintf("%s fails at the instance's (Y, λ) with random (W, H, b): %s", what, bad)}
		}
	}
	upoints := universalFactor * cfg.Points
	for k := 0; k < upoints; k++ {
		if bad := fn(universalProblem(in, rng), rng); bad != "" {
			return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Points: cfg.Points + k + 1,
				Reason: fmt.Sprintf("%s fails at a random point (Y, λ's and W, H, b all random): %s", what, bad)}
		}
	}
	return proofs.Outcome{
		Verdict: proofs.Holds, Exact: true, Residual: new(big.Float), Points: cfg.Points + upoints,
		BoundLog10: szBoundLog10(degree, upoints),
		Reason:     fmt.Sprintf("%s holds exactly at %d points of the instance and %d fully random points of its shape; %s", what, cfg.Points, upoints, szBoundText(degree, upoints)),
	}
}

func randPoint(p *problem, rng *rand.Rand) point {
	return point{randMatS(rng, p.n, p.d), randMatS(rng, p.d, p.m), randMatS(rng, p.n, 1)}
}

// ---------------------------------------------------------------- R1

// r1Degree: identity (a) is of degree 4, (b) of degree 5 (∂L has degree 3,
// the direction (0, u1ᵀ, −Wu) degree 2), (c) of degree 3.
const r1Degree = 5

func r1Claim() proofs.Claim {
	return proofs.Claim{
		Name:   "r1-bias",
		Source: "THEORY §2 R1 (derived)",
		Statement: "For fixed W, H the optimal bias is b* = ȳ − W h̄, and at any stationary point with λ_H > 0, h̄ = 0 and b = ȳ. " +
			"Checked as three exact identities valid for all (W, H, b): (a) L(W,H,b) − L(W,H,b*) = ½‖b − b*‖² (so b* is the unique minimizer); " +
			"(b) D_{(0, u1ᵀ, −Wu)} L = λ_H uᵀh̄ for every u ∈ R^d; (c) D_{(0,0,v)} L = vᵀ(b − ȳ + W h̄) for every v ∈ R^n. " +
			"At a stationary point the left sides of (b), (c) vanish, so λ_H h̄ = 0 and b = ȳ − W h̄ = ȳ.",
		Hypotheses: "bias free; λ_H > 0 for the stationary-point part (identities (a)–(c) hold for every λ)",
		Method:     "exact identity (big.Rat)",
		Expect:     proofs.Holds, Budget: 1000, Trials: 200, Digits: 30,
		Generate: func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
			g := Family{NMax: 3, MMax: 6, Spectral: 0.2}
			if opts.Outside {
				g.Lambda = LambdaOneZero
				in := g.generate(rng, "r1-outside")
				in.LambdaH = new(big.Rat) // the hypothesis left: λ_H = 0
				if in.LambdaW.Sign() == 0 {
					in.LambdaW = randLambda(rng)
				}
				return in
			}
			return g.generate(rng, "r1")
		},
		InHypotheses: func(in *instance.Instance) (bool, string) {
			return proofs.Hypotheses(proofs.Hyp{Violated: in.Bias != instance.BiasFree, Why: "bias not free"}, proofs.Hyp{Violated: in.LambdaH.Sign() == 0, Why: "λ_H = 0"})
		},
		Check: checkR1,
	}
}

func checkR1(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	if in.Bias != instance.BiasFree {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: fmt.Sprintf("R1 concerns the free bias; bias %s fixes or penalizes b", in.Bias)}
	}
	out := checkIdentity(in, cfg, r1Degree, "R1", r1Point)
	if out.Verdict != proofs.Holds || in.LambdaH.Sign() > 0 {
		return out
	}
	// λ_H = 0: the identities hold, but their consequence h̄ = 0 does not.
	p := newProblem(in)
	x := p.zeroPoint()
	x.B = p.meanVec()
	for i := 0; i < p.m; i++ {
		x.H.At(0, i).SetInt64(1)
	}
	if g := p.gradNorm2(x); g.Sign() != 0 {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "λ_H = 0: the witness W = 0, H = e₁1ᵀ, b = ȳ is unexpectedly not stationary"}
	}
	out.Verdict = proofs.Fails
	out.Reason = "λ_H = 0: identities (a)–(c) hold exactly, but W = 0, H = e₁1ᵀ, b = ȳ is a stationary point (∇L = 0 exactly) with h̄ = e₁ ≠ 0, so 'h̄ = 0 at stationary points' needs λ_H > 0"
	return out
}

func r1Point(p *problem, rng *rand.Rand) string {
	x := randPoint(p, rng)
	hbar := p.featureMean(x.H)
	bstar := ratmat.Sub(p.meanVec(), ratmat.Mul(x.W, hbar))
	// (a)
	lhs := new(big.Rat).Sub(p.loss(x), p.loss(point{x.W, x.H, bstar}))
	rhs := new(big.Rat).Mul(ratmat.Norm2(ratmat.Sub(x.B, bstar)), big.NewRat(1, 2))
	if lhs.Cmp(rhs) != 0 {
		return fmt.Sprintf("(a) L(W,H,b) − L(W,H,b*) = %s but ½‖b − b*‖² = %s", short(lhs), short(rhs))
	}
	// (b)
	u := randMatS(rng, p.d, 1)
	dir := point{ratmat.New(p.n, p.d), ratmat.Mul(u, onesRow(p.m)), ratmat.Scale(big.NewRat(-1, 1), ratmat.Mul(x.W, u))}
	d1, _ := p.lineDerivs(x, dir)
	want := new(big.Rat).Mul(p.lh, ratmat.Dot(u, hbar))
	if d1.Cmp(want) != 0 {
		return fmt.Sprintf("(b) D_(0,u1ᵀ,−Wu) L = %s but λ_H uᵀh̄ = %s", short(d1), short(want))
	}
	// (c)
	v := randMatS(rng, p.n, 1)
	d1, _ = p.lineDerivs(x, point{ratmat.New(p.n, p.d), ratmat.New(p.d, p.m), v})
	want = ratmat.Dot(v, ratmat.Add(ratmat.Sub(x.B, p.meanVec()), ratmat.Mul(x.W, hbar)))
	if d1.Cmp(want) != 0 {
		return fmt.Sprintf("(c) D_(0,0,v) L = %s but vᵀ(b − ȳ + W h̄) = %s", short(d1), short(want))
	}
	return ""
}

// short prints a rational compactly for a failure message.
func short(x *big.Rat) string {
	s := x.RatString()
	if len(s) <= 40 {
		return s
	}
	f, _ := x.Float64()
	return fmt.Sprintf("%.17g", f)
}

// ---------------------------------------------------------------- R2

func r2Degree(n, d int) int { return max(2*(n+d), 4*d+4) }

func r2Claim() proofs.Claim {
	return proofs.Claim{
		Name:   "r2-push-through",
		Source: "THEORY §2 R2 (derived)",
		Statement: "For fixed W and b = ȳ the optimal features are H(W) = (WᵀW + λ_H I_d)⁻¹WᵀỸ = Wᵀ(WWᵀ + λ_H I_n)⁻¹Ỹ. " +
			"Checked as exact identities: (i) the push-through identity itself; (ii) L(W,H,ȳ) − L(W,H(W),ȳ) = (1/2M) tr((H − H(W))ᵀ(WᵀW + λ_H I)(H − H(W))) for every H, which makes H(W) the unique minimizer (λ_H > 0).",
		Hypotheses: "λ_H > 0 (both inverses exist); bias free or none (Ỹ = Y, b = 0 for none)",
		Method:     "exact identity (big.Rat)",
		Expect:     proofs.Holds, Budget: 1000, Trials: 200, Digits: 30,
		Generate: lemmaGenerate("r2", true),
		InHypotheses: func(in *instance.Instance) (bool, string) {
			return proofs.Hypotheses(proofs.Hyp{Violated: in.LambdaH.Sign() == 0, Why: "λ_H = 0"})
		},
		Check: func(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
			return checkIdentity(in, cfg, r2Degree(in.N(), in.D), "R2", r2Point)
		},
	}
}

// lemmaGenerate is the generator of R2–R5: random and exact-spectrum
// instances (bias free or none); outside the hypotheses it sets λ_H = 0
// (and for R2 makes d > n so that WᵀW is singular).
func lemmaGenerate(name string, wide bool) func(*rand.Rand, proofs.GenOptions) *instance.Instance {
	return func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
		g := Family{NMax: 3, MMax: 6, Spectral: 0.2, BiasNone: true}
		if opts.Outside {
			if wide {
				g.D = DGeqN
			}
			in := g.generate(rng, name+"-outside")
			in.LambdaH = new(big.Rat)
			if wide && in.D == in.N() {
				in.D++
			}
			return in
		}
		return g.generate(rng, name)
	}
}

func r2Point(p *problem, rng *rand.Rand) string {
	w := randMatS(rng, p.n, p.d)
	kd := ratmat.AddScaledIdentity(ratmat.Mul(w.T(), w), p.lh)
	hd, err := ratmat.Solve(kd, ratmat.Mul(w.T(), p.yt))
	if err != nil {
		return "WᵀW + λ_H I_d is singular, so H(W) = (WᵀW + λ_H I)⁻¹WᵀỸ is undefined"
	}
	hn, err := p.hOfW(w)
	if err != nil {
		return "WWᵀ + λ_H I_n is singular, so H(W) = Wᵀ(WWᵀ + λ_H I)⁻¹Ỹ is undefined"
	}
	if !ratmat.Equal(hd, hn) {
		return "(WᵀW + λ_H I)⁻¹WᵀỸ ≠ Wᵀ(WWᵀ + λ_H I)⁻¹Ỹ"
	}
	h := randMatS(rng, p.d, p.m)
	b := p.meanVec()
	lhs := new(big.Rat).Sub(p.loss(point{w, h, b}), p.loss(point{w, hd, b}))
	diff := ratmat.Sub(h, hd)
	rhs := ratmat.Dot(diff, ratmat.Mul(kd, diff))
	rhs.Mul(rhs, new(big.Rat).Mul(p.invM, big.NewRat(1, 2)))
	if lhs.Cmp(rhs) != 0 {
		return fmt.Sprintf("(ii) L(W,H,ȳ) − L(W,H(W),ȳ) = %s but the quadratic form is %s", short(lhs), short(rhs))
	}
	return ""
}

// ---------------------------------------------------------------- R3

func r3Claim() proofs.Claim {
	return proofs.Claim{
		Name:   "r3-reduced-objective",
		Source: "THEORY §2 R3 (derived)",
		Statement: "With A = WWᵀ: L(W, H(W), ȳ) = F(A) = (λ_H/2) tr((A + λ_H I)⁻¹Σ) + (λ_W/2) tr(A). " +
			"Checked as an exact identity in (W, Y, λ_H, λ_W), H(W) from R2.",
		Hypotheses: "λ_H > 0; bias free or none",
		Method:     "exact identity (big.Rat)",
		Expect:     proofs.Holds, Budget: 1000, Trials: 200, Digits: 30,
		Generate: lemmaGenerate("r3", false),
		InHypotheses: func(in *instance.Instance) (bool, string) {
			return proofs.Hypotheses(proofs.Hyp{Violated: in.LambdaH.Sign() == 0, Why: "λ_H = 0"})
		},
		Check: func(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
			return checkIdentity(in, cfg, 4*in.N()+3, "R3", r3Point)
		},
	}
}

func r3Point(p *problem, rng *rand.Rand) string {
	w := randMatS(rng, p.n, p.d)
	h, err := p.hOfW(w)
	if err != nil {
		return "WWᵀ + λ_H I is singular, so H(W) is undefined"
	}
	lhs := p.loss(point{w, h, p.meanVec()})
	a := ratmat.Mul(w, w.T())
	k := ratmat.AddScaledIdentity(a, p.lh)
	s, err := ratmat.Solve(k, p.sigma)
	if err != nil {
		return "A + λ_H I is singular"
	}
	rhs := new(big.Rat).Mul(p.lh, s.Trace())
	rhs.Add(rhs, new(big.Rat).Mul(p.lw, a.Trace()))
	rhs.Mul(rhs, big.NewRat(1, 2))
	if lhs.Cmp(rhs) != 0 {
		return fmt.Sprintf("L(W,H(W),ȳ) = %s but F(WWᵀ) = %s", short(lhs), short(rhs))
	}
	return ""
}

// ---------------------------------------------------------------- R4

func r4Claim() proofs.Claim {
	return proofs.Claim{
		Name:       "r4-residual",
		Source:     "THEORY §2 R4 (derived)",
		Statement:  "At H = H(W): W H − Ỹ = −λ_H (A + λ_H I)⁻¹ Ỹ, A = WWᵀ. Checked as an exact matrix identity in (W, Y, λ_H).",
		Hypotheses: "λ_H > 0; bias free or none",
		Method:     "exact identity (big.Rat)",
		Expect:     proofs.Holds, Budget: 1000, Trials: 200, Digits: 30,
		Generate: lemmaGenerate("r4", false),
		InHypotheses: func(in *instance.Instance) (bool, string) {
			return proofs.Hypotheses(proofs.Hyp{Violated: in.LambdaH.Sign() == 0, Why: "λ_H = 0"})
		},
		Check: func(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
			return checkIdentity(in, cfg, 2*in.N()+1, "R4", r4Point)
		},
	}
}

func r4Point(p *problem, rng *rand.Rand) string {
	w := randMatS(rng, p.n, p.d)
	h, err := p.hOfW(w)
	if err != nil {
		return "WWᵀ + λ_H I is singular, so H(W) is undefined"
	}
	lhs := ratmat.Sub(ratmat.Mul(w, h), p.yt)
	k := ratmat.AddScaledIdentity(ratmat.Mul(w, w.T()), p.lh)
	s, err := ratmat.Solve(k, p.yt)
	if err != nil {
		return "A + λ_H I is singular"
	}
	rhs := ratmat.Scale(new(big.Rat).Neg(p.lh), s)
	if !ratmat.Equal(lhs, rhs) {
		return "W H(W) − Ỹ ≠ −λ_H (A + λ_H I)⁻¹ Ỹ"
	}
	return ""
}
