package claims

import (
	"fmt"
	"math/big"
	"math/rand/v2"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/ratmat"
	"github.com/nrc-ufm/ufm/proofs"
)

// Exact identity checks of the reduction lemmas R1–R5 (docs/theory.md §2).
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
		Source: "docs/theory.md §2 R1 (derived)",
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
	out := checkIdentity(in, cfg, r1Degree, "R1", pointCheck(r1Sides))
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

// r1Sides evaluates identities (a)–(c) of R1 at (W, H, b) with the
// directions u (d×1) and v (n×1).
func r1Sides(p *problem, x lemmaVars) []sides {
	pt := point{x.W, x.H, x.B}
	hbar := p.featureMean(x.H)
	bstar := ratmat.Sub(p.meanVec(), ratmat.Mul(x.W, hbar))
	// (a)
	lhsA := new(big.Rat).Sub(p.loss(pt), p.loss(point{x.W, x.H, bstar}))
	rhsA := new(big.Rat).Mul(ratmat.Norm2(ratmat.Sub(x.B, bstar)), big.NewRat(1, 2))
	// (b)
	dir := point{ratmat.New(p.n, p.d), ratmat.Mul(x.Uvec, onesRow(p.m)), ratmat.Scale(big.NewRat(-1, 1), ratmat.Mul(x.W, x.Uvec))}
	d1b, _ := p.lineDerivs(pt, dir)
	wantB := new(big.Rat).Mul(p.lh, ratmat.Dot(x.Uvec, hbar))
	// (c)
	d1c, _ := p.lineDerivs(pt, point{ratmat.New(p.n, p.d), ratmat.New(p.d, p.m), x.V})
	wantC := ratmat.Dot(x.V, ratmat.Add(ratmat.Sub(x.B, p.meanVec()), ratmat.Mul(x.W, hbar)))
	return []sides{
		{what: "(a) L(W,H,b) − L(W,H,b*) vs ½‖b − b*‖²", lhs: scalar(lhsA), rhs: scalar(rhsA)},
		{what: "(b) D_(0,u1ᵀ,−Wu) L vs λ_H uᵀh̄", lhs: scalar(d1b), rhs: scalar(wantB)},
		{what: "(c) D_(0,0,v) L vs vᵀ(b − ȳ + W h̄)", lhs: scalar(d1c), rhs: scalar(wantC)},
	}
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
		Source: "docs/theory.md §2 R2 (derived)",
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
			return checkIdentity(in, cfg, r2Degree(in.N(), in.D), "R2", pointCheck(r2Sides))
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

// r2Sides evaluates R2 (i) and (ii) at W with the features H.
func r2Sides(p *problem, x lemmaVars) []sides {
	w := x.W
	kd := ratmat.AddScaledIdentity(ratmat.Mul(w.T(), w), p.lh)
	hd, err := ratmat.Solve(kd, ratmat.Mul(w.T(), p.yt))
	if err != nil {
		return []sides{{undefined: "WᵀW + λ_H I_d is singular, so H(W) = (WᵀW + λ_H I)⁻¹WᵀỸ is undefined"}}
	}
	hn, err := p.hOfW(w)
	if err != nil {
		return []sides{{undefined: "WWᵀ + λ_H I_n is singular, so H(W) = Wᵀ(WWᵀ + λ_H I)⁻¹Ỹ is undefined"}}
	}
	b := p.meanVec()
	lhs := new(big.Rat).Sub(p.loss(point{w, x.H, b}), p.loss(point{w, hd, b}))
	diff := ratmat.Sub(x.H, hd)
	rhs := ratmat.Dot(diff, ratmat.Mul(kd, diff))
	rhs.Mul(rhs, new(big.Rat).Mul(p.invM, big.NewRat(1, 2)))
	return []sides{
		{what: "(i) (WᵀW + λ_H I)⁻¹WᵀỸ vs Wᵀ(WWᵀ + λ_H I)⁻¹Ỹ", lhs: hd, rhs: hn},
		{what: "(ii) L(W,H,ȳ) − L(W,H(W),ȳ) vs the quadratic form", lhs: scalar(lhs), rhs: scalar(rhs)},
	}
}

// ---------------------------------------------------------------- R3

func r3Claim() proofs.Claim {
	return proofs.Claim{
		Name:   "r3-reduced-objective",
		Source: "docs/theory.md §2 R3 (derived)",
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
			return checkIdentity(in, cfg, 4*in.N()+3, "R3", pointCheck(r3Sides))
		},
	}
}

// r3Sides evaluates R3 at W.
func r3Sides(p *problem, x lemmaVars) []sides {
	h, err := p.hOfW(x.W)
	if err != nil {
		return []sides{{undefined: "WWᵀ + λ_H I is singular, so H(W) is undefined"}}
	}
	lhs := p.loss(point{x.W, h, p.meanVec()})
	a := ratmat.Mul(x.W, x.W.T())
	s, err := ratmat.Solve(ratmat.AddScaledIdentity(a, p.lh), p.sigma)
	if err != nil {
		return []sides{{undefined: "A + λ_H I is singular"}}
	}
	rhs := new(big.Rat).Mul(p.lh, s.Trace())
	rhs.Add(rhs, new(big.Rat).Mul(p.lw, a.Trace()))
	rhs.Mul(rhs, big.NewRat(1, 2))
	return []sides{{what: "L(W,H(W),ȳ) vs F(WWᵀ)", lhs: scalar(lhs), rhs: scalar(rhs)}}
}

// ---------------------------------------------------------------- R4

func r4Claim() proofs.Claim {
	return proofs.Claim{
		Name:       "r4-residual",
		Source:     "docs/theory.md §2 R4 (derived)",
		Statement:  "At H = H(W): W H − Ỹ = −λ_H (A + λ_H I)⁻¹ Ỹ, A = WWᵀ. Checked as an exact matrix identity in (W, Y, λ_H).",
		Hypotheses: "λ_H > 0; bias free or none",
		Method:     "exact identity (big.Rat)",
		Expect:     proofs.Holds, Budget: 1000, Trials: 200, Digits: 30,
		Generate: lemmaGenerate("r4", false),
		InHypotheses: func(in *instance.Instance) (bool, string) {
			return proofs.Hypotheses(proofs.Hyp{Violated: in.LambdaH.Sign() == 0, Why: "λ_H = 0"})
		},
		Check: func(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
			return checkIdentity(in, cfg, 2*in.N()+1, "R4", pointCheck(r4Sides))
		},
	}
}

// r4Sides evaluates R4 at W.
func r4Sides(p *problem, x lemmaVars) []sides {
	h, err := p.hOfW(x.W)
	if err != nil {
		return []sides{{undefined: "WWᵀ + λ_H I is singular, so H(W) is undefined"}}
	}
	lhs := ratmat.Sub(ratmat.Mul(x.W, h), p.yt)
	s, err := ratmat.Solve(ratmat.AddScaledIdentity(ratmat.Mul(x.W, x.W.T()), p.lh), p.yt)
	if err != nil {
		return []sides{{undefined: "A + λ_H I is singular"}}
	}
	return []sides{{what: "W H(W) − Ỹ vs −λ_H (A + λ_H I)⁻¹ Ỹ", lhs: lhs, rhs: ratmat.Scale(new(big.Rat).Neg(p.lh), s)}}
}

// lemmaVars are the random variables of one identity point besides the
// instance's (Y, λ): W (n×d), H (d×M), b (n×1), the directions u (d×1),
// v (n×1) and U (d×d). Each lemma uses the ones it needs.
type lemmaVars struct{ W, H, B, Uvec, V, U *ratmat.Matrix }

func randVars(p *problem, rng *rand.Rand) lemmaVars {
	return lemmaVars{
		W: randMatS(rng, p.n, p.d), H: randMatS(rng, p.d, p.m), B: randMatS(rng, p.n, 1),
		Uvec: randMatS(rng, p.d, 1), V: randMatS(rng, p.n, 1), U: randMatS(rng, p.d, p.d),
	}
}

// sides is one identity of a lemma at a point: both sides exactly (a
// scalar is 1×1), or why they are undefined there.
type sides struct {
	what      string
	lhs, rhs  *ratmat.Matrix
	undefined string
}

// sidesFn evaluates a lemma's identities at one point.
type sidesFn func(p *problem, x lemmaVars) []sides

// pointCheck is the identityFn of a lemma: draw the variables, evaluate
// every identity, compare exactly.
func pointCheck(f sidesFn) identityFn {
	return func(p *problem, rng *rand.Rand) string {
		for _, s := range f(p, randVars(p, rng)) {
			switch {
			case s.undefined != "":
				return s.undefined
			case !ratmat.Equal(s.lhs, s.rhs):
				return s.mismatch()
			}
		}
		return ""
	}
}

func (s sides) mismatch() string {
	if r, c := s.lhs.Dims(); r == 1 && c == 1 {
		return fmt.Sprintf("%s: %s ≠ %s", s.what, short(s.lhs.At(0, 0)), short(s.rhs.At(0, 0)))
	}
	return s.what + ": the two sides differ"
}

// scalar is x as a 1×1 matrix.
func scalar(x *big.Rat) *ratmat.Matrix {
	m := ratmat.New(1, 1)
	m.Set(0, 0, x)
	return m
}
