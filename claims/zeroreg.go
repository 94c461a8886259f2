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

// Zero regularization (docs/theory.md §3): the minimizers of L with λ_H = λ_W = 0
// form a set; these two claims ask whether that set contains a
// non-collapsed point. Each check decides the instance exactly: an exact
// rational global minimizer with the metric > 0 (witness), or the rank
// argument that forces the metric to 0 for every minimizer.

const nocollapseStatement = "With λ_H = λ_W = 0, some global minimizer has NRC1 > 0 or NRC2 > 0 (docs/theory.md §4 metrics): feature collapse is not forced. " +
	"Found exactly (ρ = rank Ỹ, the centered targets; rank Y for bias none): the claim holds iff M ≥ 2 and d > ρ. " +
	"Then W = [C 0] with C a basis of the columns of Ỹ and H = [K; Z] with C K = Ỹ, Z free, is an exact minimizer (L = 0) whose features leave the row space of W: NRC2 > 0, computed exactly. " +
	"If d ≤ ρ (≤ n), every minimizer has W of full column rank d (L* needs rank W H̃ = min(d, ρ) = d), so the row space of W is all of R^d (NRC2 = 0) and the top-n principal subspace is R^d (NRC1 = 0); " +
	"if M = 1 the centered features vanish. So d > n always suffices (ρ ≤ n); at d = n the claim holds only for rank-deficient targets and fails for full-rank ones: " +
	"there W is invertible and H = W⁻¹Ỹ is forced."

func nocollapseClaim() proofs.Claim {
	return proofs.Claim{
		Name:       "nocollapse-at-zero",
		Source:     "docs/theory.md §3 (zero regularization), as usually stated",
		Statement:  nocollapseStatement,
		Hypotheses: "λ_H = λ_W = 0 and M ≥ 2 (so that NRC1, NRC2 are defined), as the claim is usually stated — no condition on n, d (it needs in fact d > rank Ỹ; d > n suffices)",
		Method:     "exact witness / rank certificate",
		Expect:     proofs.Fails, Budget: 500, Trials: 100, Digits: 30,
		Generate: func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
			g := Family{NMax: 4, MMax: 8, Lambda: LambdaZero, D: DNear, BiasNone: true, Spectral: 0.2, NoSingle: true}
			if opts.Outside {
				g.Lambda = LambdaPositive
				return g.generate(rng, "nocollapse-outside")
			}
			return g.generate(rng, "nocollapse")
		},
		InHypotheses: func(in *instance.Instance) (bool, string) {
			return proofs.Hypotheses(lambdaPositive(in), proofs.Hyp{Violated: in.M() < 2, Why: "M = 1: NRC1, NRC2 undefined"})
		},
		Check: checkNocollapse,
	}
}

func lambdaPositive(in *instance.Instance) proofs.Hyp {
	return proofs.Hyp{Violated: in.LambdaH.Sign() != 0 || in.LambdaW.Sign() != 0, Why: "a λ is positive"}
}

func checkNocollapse(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	lh, lw := in.LambdaH.Sign() > 0, in.LambdaW.Sign() > 0
	switch {
	case lh && lw:
		return proofs.Outcome{Verdict: proofs.Fails, Reason: "λ_H, λ_W > 0: by R1 and R5 every global minimizer has h̄ = 0 and λ_W WᵀW = (λ_H/M)HHᵀ, so its features lie in the row space of W (NRC2 = 0) and span at most n dimensions (NRC1 = 0), or vanish (trivial regime); the claim needs λ = 0"}
	case lh || lw:
		return proofs.Outcome{Verdict: proofs.Fails, Reason: "exactly one λ is zero: no global minimizer exists (docs/theory.md §3), so none is non-collapsed"}
	}
	if ok, why := exactSizeOK(in); !ok {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: why}
	}
	p := newProblem(in)
	rho := p.yt.Rank()
	if p.m < 2 {
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Points: 1, Reason: "M = 1: the centered features of every minimizer vanish (a single sample), so NRC1 and NRC2 are undefined — the features collapse to a point"}
	}
	if p.d <= rho {
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Points: 1, Reason: fmt.Sprintf(
			"d = %d ≤ rank Ỹ = %d (n = %d, M = %d): every global minimizer has W of full column rank d (it must fit rank min(d, rank Ỹ) = d), so the row space of W is R^d and NRC2 = 0, and the top-n principal subspace is R^d (d ≤ n) so NRC1 = 0: collapse is forced",
			p.d, rho, p.n, p.m)}
	}
	x, c := zeroWitness(p, rho)
	if !p.residual(x).IsZero() {
		return proofs.Outcome{Verdict: proofs.Error, Reason: "internal: the witness does not interpolate the targets"}
	}
	nrc2 := exactNRC2(x.H, c)
	if nrc2.Sign() <= 0 {
		return proofs.Outcome{Verdict: proofs.Error, Reason: "internal: the witness has NRC2 = 0"}
	}
	f, _ := nrc2.Float64()
	return proofs.Outcome{Verdict: proofs.Holds, Exact: true, Points: 1, Residual: new(big.Float),
		Reason: fmt.Sprintf("d = %d > rank Ỹ = %d: exact minimizer W = [C 0], H = [K; Z] with W H + b1ᵀ = Y exactly (L = 0 = L*) and NRC2 = %s ≈ %.6g > 0 (exact)", p.d, rho, nrc2.RatString(), f)}
}

// zeroWitness builds an exact interpolating point: W = [C 0] (C the pivot
// columns of Ỹ, n×ρ), H = [K; Z] with C K = Ỹ and Z = e₁e₁ᵀ (one feature
// outside the row space of W, nonzero on sample 1), b = ȳ (0 for bias
// none). It returns the point and ρ.
func zeroWitness(p *problem, rho int) (point, int) {
	x := p.zeroPoint()
	x.B = p.meanVec()
	if rho > 0 {
		c, k := pivotFactor(p, rho)
		copyInto(x.W, c)
		copyInto(x.H, k)
	}
	if rho < p.d {
		x.H.At(rho, 0).SetInt64(1)
	}
	return x, rho
}

// exactNRC2 is NRC2 of docs/theory.md §4 for features H (d×M) and a weight matrix
// whose row space is span(e₁, …, e_ρ): the centered features' share
// outside the first ρ coordinates, averaged over all M samples (vanishing
// features skipped), exactly.
func exactNRC2(h *ratmat.Matrix, rho int) *big.Rat {
	d, m := h.Dims()
	sum := new(big.Rat)
	var t big.Rat
	for i := 0; i < m; i++ {
		all, out := new(big.Rat), new(big.Rat)
		for j := 0; j < d; j++ {
			mean := new(big.Rat)
			for k := 0; k < m; k++ {
				mean.Add(mean, h.At(j, k))
			}
			mean.Quo(mean, big.NewRat(int64(m), 1))
			v := new(big.Rat).Sub(h.At(j, i), mean)
			t.Mul(v, v)
			all.Add(all, &t)
			if j >= rho {
				out.Add(out, &t)
			}
		}
		if all.Sign() != 0 {
			sum.Add(sum, new(big.Rat).Quo(out, all))
		}
	}
	return sum.Quo(sum, big.NewRat(int64(m), 1))
}

// ---------------------------------------------------------------- NRC3

const gramFreeStatement = "With λ_H = λ_W = 0, some global minimizer has NRC3 > 0 (docs/theory.md §4: its normalized W Wᵀ is not (Σ^{1/2} − √γ I) normalized for any γ ∈ [0, σ_min]). " +
	"Found exactly (ρ = rank Ỹ): it holds iff n ≥ 2, Σ ≠ 0 (so M ≥ 2), and either d ≥ 2, or d = 1 with ρ ≥ 2 and not (ρ = n and σ_1 > σ_2 = ⋯ = σ_n). " +
	"Reason: the Grams of minimizers are all PSD matrices of rank ≤ min(n, d) whose range contains the columns of Ỹ (d ≥ ρ; for d < ρ, those with range a top-d principal subspace), " +
	"a set of dimension ≥ 2 after normalization when min(n, d) ≥ 2, while the NRC3 curve is one-dimensional. " +
	"It fails for n = 1 (every nonzero 1×1 Gram normalizes to 1, NRC3 ≡ 0), for constant targets (Σ = 0: NRC3 undefined), and for d = 1 when the only Gram is v₁v₁ᵀ on the curve: " +
	"ρ = 1 (γ = 0) or n-fold spectra σ_1 > σ_2 = ⋯ = σ_n (γ = σ_n), e.g. every n = 2, d = 1 instance with σ_1 > σ_2. " +
	"Witnesses: exact rational minimizers (d ≥ ρ) proven off the curve exactly (W Wᵀ does not commute with Σ, or is not ∝ Σ when Σ is scalar on its range), or minimizers at the working precision built from the top-d eigenvectors (d < ρ) with NRC3 clearly above 0. " +
	"A fail is always an exact argument that no minimizer escapes the curve; a check that finds neither a witness nor such an argument is inconclusive."

func gramFreeClaim() proofs.Claim {
	return proofs.Claim{
		Name:       "gram-free-at-zero",
		Source:     "docs/theory.md §3 (zero regularization), as usually stated",
		Statement:  gramFreeStatement,
		Hypotheses: "λ_H = λ_W = 0 and Σ ≠ 0 (so that NRC3 is defined), as the claim is usually stated — no condition on n, d (it needs in fact n ≥ 2 and d ≥ 2, or the d = 1 condition above)",
		Method:     "exact witness off the curve / exact argument",
		Expect:     proofs.Fails, Budget: 500, Trials: 100, Digits: 30,
		Generate: func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
			g := Family{NMax: 4, MMax: 8, Lambda: LambdaZero, BiasNone: true, Spectral: 0.3, NoSingle: true}
			name := "gram-free"
			if opts.Outside {
				g.Lambda = LambdaPositive
				name = "gram-free-outside"
			}
			for try := 0; try < 100; try++ {
				in := g.generate(rng, name)
				if theory.Rank(in.Sigma()) > 0 {
					return in
				}
			}
			return g.generate(rng, name)
		},
		InHypotheses: func(in *instance.Instance) (bool, string) {
			return proofs.Hypotheses(lambdaPositive(in), proofs.Hyp{Violated: theory.Rank(in.Sigma()) == 0, Why: "Σ = 0: NRC3 undefined"})
		},
		Check: checkGramFree,
	}
}

// checkGramFree decides gram-free-at-zero on one instance. A fail is
// always a proof that no minimizer escapes the NRC3 curve (decided in
// exact rational arithmetic); a holds is an exact witness (d ≥ rank Ỹ) or a
// minimizer at the working precision with NRC3 clearly above 0 (d <
// rank Ỹ); anything else, including a numerical failure, is inconclusive.
func checkGramFree(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	lh, lw := in.LambdaH.Sign() > 0, in.LambdaW.Sign() > 0
	if lh != lw {
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: "exactly one λ is zero: no global minimizer exists unless Σ = 0 (docs/theory.md §3), and with Σ = 0 NRC3 is undefined; either way no minimizer has NRC3 > 0"}
	}
	pred, err := theory.Predict(in, cfg.Digits)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
	}
	if pred.TargetRank == 0 {
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: "Σ = 0 (constant targets): NRC3 is undefined for every minimizer"}
	}
	if lh && lw {
		return gramFreePositive(in, pred, cfg)
	}
	if pred.N == 1 {
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: "n = 1: every nonzero 1×1 Gram normalizes to 1, as does Σ^{1/2} − √γ for γ < σ, so NRC3 = 0 for every minimizer"}
	}
	if ok, why := exactSizeOK(in); !ok {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: why}
	}
	p := newProblem(in)
	if in.D >= pred.TargetRank {
		return gramFreeInterpolating(p, pred, cfg)
	}
	return gramFreeBestFit(p, pred, cfg)
}

// gramFreeInterpolating: d ≥ ρ = rank Ỹ, so the minimizers are the exact
// interpolants W H + b1ᵀ = Y, and their Grams are the PSD matrices of rank
// ≤ min(n, d) whose range contains the columns of Ỹ.
func gramFreeInterpolating(p *problem, pred *theory.Prediction, cfg proofs.CheckConfig) proofs.Outcome {
	rho := pred.TargetRank
	if p.d == 1 {
		// ρ = 1: W = w must span the single target direction, so W Wᵀ ∝ Σ,
		// and Σ^{1/2} ∝ Σ (rank 1) is the curve's point at γ = 0 = σ_min.
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Points: 1, Reason: fmt.Sprintf(
			"d = 1, rank Ỹ = 1 < n = %d: every minimizer has W ∝ the single target direction c, and ccᵀ ∝ Σ^{1/2} (γ = 0 = σ_min), so NRC3 = 0 for every minimizer", p.n)}
	}
	scalar := scalarOnRange(p.sigma, rho)
	cands := interpolatingWitnesses(p, rho)
	for _, x := range cands {
		if !p.residual(x.point).IsZero() {
			return proofs.Outcome{Verdict: proofs.Error, Reason: "internal: the candidate " + x.name + " does not interpolate the targets"}
		}
		g := ratmat.Mul(x.W, x.W.T())
		why := offCurve(g, p.sigma, scalar)
		if why == "" {
			continue
		}
		return proofs.Outcome{Verdict: proofs.Holds, Exact: true, Residual: new(big.Float), Points: len(cands),
			Reason: fmt.Sprintf("n = %d, d = %d, rank Ỹ = %d: the exact minimizer %s (W H + b1ᵀ = Y, L = 0 = L*) has NRC3 > 0 exactly: %s%s",
				p.n, p.d, rho, x.name, why, nrc3Note(g.Dense(pred.Prec), pred, cfg.Digits))}
	}
	return proofs.Outcome{Verdict: proofs.Error, Points: len(cands), Reason: fmt.Sprintf(
		"internal: n = %d ≥ 2, d = %d ≥ 2, d ≥ rank Ỹ = %d guarantee an exact witness, but none of the %d candidates is provably off the NRC3 curve", p.n, p.d, rho, len(cands))}
}

// witness is a named candidate minimizer.
type witness struct {
	point
	name string
}

// interpolatingWitnesses returns exact interpolants (d ≥ ρ): with C the
// pivot columns of Ỹ (n×ρ) and C K = Ỹ, the points W = [C F, 0],
// H = [F⁻¹K; 0], b = ȳ for F = I and F = I + E_ij (i, j < ρ), whose Grams
// C F Fᵀ Cᵀ span every C S Cᵀ (S symmetric); and, when ρ < min(n, d),
// W = [C, e_k, 0] for each e_k outside the range of C, H = [K; 0] (a Gram
// of rank ρ + 1).
func interpolatingWitnesses(p *problem, rho int) []witness {
	c, k := pivotFactor(p, rho)
	mk := func(f *ratmat.Matrix, name string) (witness, bool) {
		finv, err := ratmat.Inverse(f)
		if err != nil {
			return witness{}, false
		}
		x := point{W: ratmat.New(p.n, p.d), H: ratmat.New(p.d, p.m), B: p.meanVec()}
		copyInto(x.W, ratmat.Mul(c, f))
		copyInto(x.H, ratmat.Mul(finv, k))
		return witness{x, name}, true
	}
	var out []witness
	if w, ok := mk(ratmat.Identity(rho), "W = [C, 0]"); ok {
		out = append(out, w)
	}
	for i := 0; i < rho; i++ {
		for j := 0; j < rho; j++ {
			f := ratmat.Identity(rho)
			f.At(i, j).Add(f.At(i, j), big.NewRat(1, 1))
			if w, ok := mk(f, fmt.Sprintf("W = [C(I + E_%d%d), 0]", i+1, j+1)); ok {
				out = append(out, w)
			}
		}
	}
	if rho >= min(p.n, p.d) || len(out) == 0 {
		return out
	}
	for e := 0; e < p.n; e++ {
		if outsideCoordinateOK(c, rho, e) {
			x := point{W: out[0].W.Clone(), H: out[0].H, B: out[0].B}
			x.W.At(e, rho).SetInt64(1)
			out = append(out, witness{x, fmt.Sprintf("W = [C, e_%d, 0]", e+1)})
		}
	}
	return out
}

// copyInto copies src into the top-left corner of dst.
func copyInto(dst, src *ratmat.Matrix) {
	r, c := src.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			dst.Set(i, j, src.At(i, j))
		}
	}
}

// pivotFactor returns C, the pivot columns of Ỹ (n×ρ), and K (ρ×M) with
// C K = Ỹ exactly.
func pivotFactor(p *problem, rho int) (c, k *ratmat.Matrix) {
	piv := p.yt.PivotColumns()
	c = ratmat.New(p.n, rho)
	for col, j := range piv {
		for i := 0; i < p.n; i++ {
			c.Set(i, col, p.yt.At(i, j))
		}
	}
	k, err := ratmat.Solve(ratmat.Mul(c.T(), c), ratmat.Mul(c.T(), p.yt))
	if err != nil {
		panic("claims: pivot columns are dependent")
	}
	return c, k
}

// outsideCoordinateOK reports whether e_k lies outside the range of c's
// first rho columns.
func outsideCoordinateOK(c *ratmat.Matrix, rho, k int) bool {
	n, _ := c.Dims()
	m := ratmat.New(n, rho+1)
	for i := 0; i < n; i++ {
		for j := 0; j < rho; j++ {
			m.Set(i, j, c.At(i, j))
		}
	}
	m.At(k, rho).SetInt64(1)
	return m.Rank() == rho+1
}

// scalarOnRange reports whether Σ is a multiple of the orthogonal
// projector onto its range (all nonzero eigenvalues equal): Σ² = (tr Σ/ρ)Σ,
// exactly.
func scalarOnRange(sigma *ratmat.Matrix, rho int) bool {
	s := new(big.Rat).Quo(sigma.Trace(), big.NewRat(int64(rho), 1))
	return ratmat.Equal(ratmat.Mul(sigma, sigma), ratmat.Scale(s, sigma))
}

// offCurve returns why the nonzero PSD Gram g is provably off the NRC3
// curve {N(Σ^{1/2} − √γ I) : γ ∈ [0, σ_min]} (N normalizes), or "" when
// this exact test cannot tell. Every curve point is a polynomial in Σ, so
// g Σ ≠ Σ g suffices. When Σ is a multiple of the projector onto its range
// (scalar), the curve is the single point N(Σ) (γ = 0 when σ_min = 0,
// and Σ ∝ I otherwise), so g ∝ Σ fails to hold is enough.
func offCurve(g, sigma *ratmat.Matrix, scalar bool) string {
	if !ratmat.Equal(ratmat.Mul(g, sigma), ratmat.Mul(sigma, g)) {
		return "W Wᵀ does not commute with Σ, while every point of the NRC3 curve is a polynomial in Σ"
	}
	if scalar && !ratmat.Equal(ratmat.Scale(sigma.Trace(), g), ratmat.Scale(g.Trace(), sigma)) {
		return "Σ is a multiple of the projector onto its range, so the NRC3 curve is the single point Σ/‖Σ‖_F, and W Wᵀ is not a multiple of Σ"
	}
	return ""
}

// nrc3Note reports the value of NRC3 at the working precision, for the
// reader (the verdict does not depend on it).
func nrc3Note(g *bigmat.Dense, pred *theory.Prediction, digits int) string {
	return " (" + nrc3Value(g, pred, digits) + ")"
}

// nrc3Value states NRC3 of g with the digits the working precision
// justifies: NRC3 = 2 − 2φ loses to cancellation every digit below the
// working precision's absolute resolution, so a value under 10^-(digits/2)
// is reported as a bound, not as digits.
func nrc3Value(g *bigmat.Dense, pred *theory.Prediction, digits int) string {
	v, gamma, err := nrc3(g, pred)
	if err != nil {
		return fmt.Sprintf("its value could not be computed: %v", err)
	}
	if v.Cmp(pow10Float(-(digits/2), pred.Prec)) < 0 {
		return fmt.Sprintf("NRC3 < 1e-%d, below what %d working digits resolve", digits/2, digits)
	}
	return fmt.Sprintf("NRC3 ≈ %s at γ ≈ %s, working precision %d digits", v.Text('g', 3), gamma.Text('g', 3), digits)
}

// gramFreeBestFit: d < ρ, so the minimizers are the best rank-d fits: W
// spans a top-d principal subspace U of Σ and the Grams are U S Uᵀ, S ≻ 0.
// For d = 1 the claim fails exactly when ρ = n and σ₁ > σ₂ = ⋯ = σ_n
// (decided exactly); otherwise a minimizer off the curve exists, and one is
// built at the working precision.
func gramFreeBestFit(p *problem, pred *theory.Prediction, cfg proofs.CheckConfig) proofs.Outcome {
	rho := pred.TargetRank
	if p.d == 1 && rho == p.n {
		if ok, why := twoLevelTop(p.sigma); ok {
			return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Points: 1, Reason: fmt.Sprintf(
				"d = 1, rank Ỹ = n = %d: %s, so every minimizer has W ∝ v₁ (σ₁ simple) and v₁v₁ᵀ ∝ Σ^{1/2} − √σ_n I because σ₂ = ⋯ = σ_n: NRC3 = 0 for every minimizer", p.n, why)}
		}
	}
	prec := pred.Prec
	tol := pow10Float(-(cfg.Digits / 2), prec)
	gap := pow10Float(-(cfg.Digits - 6), prec)
	points := 0
	for _, f := range bestFitFactors(p.d) {
		// W = U_d F, H = W⁺ Ỹ, b = ȳ: a best rank-d fit for every invertible F.
		u := pred.Eigenvectors.Slice(0, p.n, 0, p.d)
		w := new(bigmat.Dense).Mul(u, f.Dense(prec))
		w = padCols(w, p.d, prec)
		dev, err := bestFitDeviation(p, w, pred)
		if err != nil {
			return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
		}
		if dev.Cmp(gap) > 0 {
			return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: fmt.Sprintf("the candidate W = U_%d F is not a minimizer to the working precision (relative loss gap %s)", p.d, sci(dev))}
		}
		points++
		v, gamma, err := nrc3(new(bigmat.Dense).MulTrans(w, w), pred)
		if err != nil {
			return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "NRC3 of a candidate: " + err.Error()}
		}
		if v.Cmp(tol) > 0 {
			return proofs.Outcome{Verdict: proofs.Holds, Residual: dev, Points: points, Reason: fmt.Sprintf(
				"n = %d, d = %d < rank Ỹ = %d: the best rank-%d fit W = U_%d F (F = %s) is a global minimizer to the working precision and has NRC3 = %s > 0 (argmin γ = %s)",
				p.n, p.d, rho, p.d, p.d, f.String(), v.Text('e', 4), gamma.Text('e', 3))}
		}
	}
	return proofs.Outcome{Verdict: proofs.Inconclusive, Points: points, Reason: fmt.Sprintf(
		"n = %d, d = %d < rank Ỹ = %d: no candidate minimizer has NRC3 above 10^-%d, and no exact proof that every minimizer is on the curve applies", p.n, p.d, rho, cfg.Digits/2)}
}

// bestFitFactors returns I and I + E_ij (d×d): Grams U F Fᵀ Uᵀ that span
// every U S Uᵀ, so that some is off the curve whenever a minimizer is.
func bestFitFactors(d int) []*ratmat.Matrix {
	out := []*ratmat.Matrix{ratmat.Identity(d)}
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			f := ratmat.Identity(d)
			f.At(i, j).Add(f.At(i, j), big.NewRat(1, 1))
			out = append(out, f)
		}
	}
	return out
}

// padCols returns w (n×k) as an n×d matrix (zero columns appended).
func padCols(w *bigmat.Dense, d int, prec uint) *bigmat.Dense {
	n, k := w.Dims()
	if k == d {
		return w
	}
	out := bigmat.New(n, d, prec)
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			out.Set(i, j, w.At(i, j))
		}
	}
	return out
}

// twoLevelTop decides exactly whether σ₁ > σ₂ = ⋯ = σ_n (n ≥ 2): for
// n = 2 iff Σ is not a multiple of I; for n ≥ 3 iff Σ − sI is PSD of rank
// one for the rational s it forces. (An (n−1)-fold eigenvalue, n ≥ 3, is a
// root of gcd(p, p′) ∈ Q[x] of degree ≥ 1 with a single root, hence
// rational; with Σ² = aΣ + bI it is s = (tr Σ − a)/(n − 2).)
func twoLevelTop(sigma *ratmat.Matrix) (bool, string) {
	n, _ := sigma.Dims()
	mean := new(big.Rat).Quo(sigma.Trace(), big.NewRat(int64(n), 1))
	dev := ratmat.AddScaledIdentity(sigma, new(big.Rat).Neg(mean))
	if dev.IsZero() {
		return false, ""
	}
	if n == 2 {
		return true, "Σ is not a multiple of I, so σ₁ > σ₂"
	}
	a, ok := quadraticCoefficient(sigma)
	if !ok {
		return false, ""
	}
	s := new(big.Rat).Sub(sigma.Trace(), a)
	s.Quo(s, big.NewRat(int64(n-2), 1))
	top := ratmat.AddScaledIdentity(sigma, new(big.Rat).Neg(s))
	if top.Rank() != 1 || top.Trace().Sign() <= 0 {
		return false, ""
	}
	return true, fmt.Sprintf("Σ − %s·I is PSD of rank 1 (exact), so σ₁ > σ₂ = ⋯ = σ_n = %s", s.RatString(), s.RatString())
}

// quadraticCoefficient returns a with Σ² = aΣ + bI for some b, when Σ
// (not a multiple of I) satisfies such a relation, from one entry where
// Σ differs from a multiple of I.
func quadraticCoefficient(sigma *ratmat.Matrix) (*big.Rat, bool) {
	n, _ := sigma.Dims()
	s2 := ratmat.Mul(sigma, sigma)
	var a *big.Rat
	for i := 0; i < n && a == nil; i++ {
		for j := 0; j < n && a == nil; j++ {
			switch {
			case i != j && sigma.At(i, j).Sign() != 0:
				a = new(big.Rat).Quo(s2.At(i, j), sigma.At(i, j))
			case i < j && sigma.At(i, i).Cmp(sigma.At(j, j)) != 0:
				num := new(big.Rat).Sub(s2.At(i, i), s2.At(j, j))
				a = num.Quo(num, new(big.Rat).Sub(sigma.At(i, i), sigma.At(j, j)))
			}
		}
	}
	if a == nil {
		return nil, false
	}
	b := new(big.Rat).Sub(s2.At(0, 0), new(big.Rat).Mul(a, sigma.At(0, 0)))
	want := ratmat.AddScaledIdentity(ratmat.Scale(a, sigma), b)
	return a, ratmat.Equal(s2, want)
}

// gramFreePositive: λ_H, λ_W > 0 (outside the hypotheses), A* unique. A*
// and the curve are spectral functions of Σ, with A* = k Σ_{j≤r}
// (√σ_j − √c) v_j v_jᵀ. A* is on the curve iff (√σ_j − √c)·[j ≤ r] =
// k'(√σ_j − t) for all j, for some k' > 0, t ∈ [0, √σ_min]: r = n (t = √c),
// or every σ_j with j > r equals σ_n and either the σ_j with j ≤ r are all
// equal or c = σ_n. Decided exactly: c = σ_n with no eigenvalue below c by
// the inertia of Σ − cI; "two distinct eigenvalues, the larger of
// multiplicity r" from the minimal polynomial of Σ (degree 2). Otherwise A*
// is off the curve: NRC3(A*) > 0, exactly.
func gramFreePositive(in *instance.Instance, pred *theory.Prediction, cfg proofs.CheckConfig) proofs.Outcome {
	switch {
	case pred.Rank == 0:
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: "λ_H, λ_W > 0 in the trivial regime: W* = 0, NRC3 undefined"}
	case !pred.WWUnique:
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "λ_H, λ_W > 0 with a tie at the cut-off: A* not unique"}
	case pred.Rank == pred.N:
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: "λ_H, λ_W > 0, every direction active: A* ∝ Σ^{1/2} − √c I with c < σ_min, so NRC3(A*) = 0 at γ = c: the claim needs λ = 0"}
	}
	sigma := ratmat.FromRows(in.Sigma())
	if pred.Active == pred.Rank {
		_, neg, _ := theory.Inertia(ratmat.AddScaledIdentity(sigma, new(big.Rat).Neg(pred.CExact)).Rows())
		if neg == 0 {
			return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: fmt.Sprintf("λ_H, λ_W > 0, regime %s: every inactive eigenvalue of Σ equals c (exact inertia), so A* ∝ Σ^{1/2} − √c I with c = σ_min and NRC3(A*) = 0", pred.Regime)}
		}
	}
	if m, ok := twoLevelMultiplicity(sigma); ok && m == pred.Rank {
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: fmt.Sprintf("λ_H, λ_W > 0, regime %s: Σ has two distinct eigenvalues, the larger of multiplicity r = %d (exact minimal polynomial), so A* ∝ Σ^{1/2} − √σ_min I and NRC3(A*) = 0", pred.Regime, pred.Rank)}
	}
	note := nrc3Value(pred.WW, pred, cfg.Digits)
	return proofs.Outcome{Verdict: proofs.Holds, Exact: true, Reason: fmt.Sprintf(
		"λ_H, λ_W > 0, regime %s: the inactive eigenvalues of Σ are not all σ_min = c, and Σ is not two-level with the top level of multiplicity r = %d (exact), so the unique Gram A* is off the NRC3 curve: NRC3 > 0 (%s)", pred.Regime, pred.Rank, note)}
}

// twoLevelMultiplicity returns the multiplicity of the larger eigenvalue
// when Σ has exactly two distinct eigenvalues (its minimal polynomial, from
// the rank of I, Σ, Σ², has degree 2), exactly: with Σ² = aΣ + bI the
// eigenvalues are the roots of x² − ax − b; when they are rational, the
// multiplicity is the rank of Σ − s I (s the smaller root); when they are
// conjugate irrationals, tr Σ ∈ Q forces equal multiplicities n/2.
func twoLevelMultiplicity(sigma *ratmat.Matrix) (int, bool) {
	n, _ := sigma.Dims()
	if minimalPolynomialDegree(sigma) != 2 {
		return 0, false
	}
	a, ok := quadraticCoefficient(sigma)
	if !ok {
		return 0, false
	}
	b := new(big.Rat).Sub(ratmat.Mul(sigma, sigma).At(0, 0), new(big.Rat).Mul(a, sigma.At(0, 0)))
	disc := new(big.Rat).Add(new(big.Rat).Mul(a, a), new(big.Rat).Mul(big.NewRat(4, 1), b))
	root, ok := ratSqrt(disc)
	if !ok {
		return n / 2, true
	}
	small := new(big.Rat).Sub(a, root)
	small.Quo(small, big.NewRat(2, 1))
	return ratmat.AddScaledIdentity(sigma, small.Neg(small)).Rank(), true
}

// minimalPolynomialDegree is the number of distinct eigenvalues of the
// symmetric matrix a: the rank of vec(I), vec(a), …, vec(aⁿ).
func minimalPolynomialDegree(a *ratmat.Matrix) int {
	n, _ := a.Dims()
	k := ratmat.New(n*n, n+1)
	p := ratmat.Identity(n)
	for col := 0; col <= n; col++ {
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				k.Set(i*n+j, col, p.At(i, j))
			}
		}
		p = ratmat.Mul(p, a)
	}
	return k.Rank()
}

// ratSqrt returns √x when x ≥ 0 is the square of a rational.
func ratSqrt(x *big.Rat) (*big.Rat, bool) {
	if x.Sign() < 0 {
		return nil, false
	}
	num, den := new(big.Int).Sqrt(x.Num()), new(big.Int).Sqrt(x.Denom())
	if new(big.Int).Mul(num, num).Cmp(x.Num()) != 0 || new(big.Int).Mul(den, den).Cmp(x.Denom()) != 0 {
		return nil, false
	}
	return new(big.Rat).SetFrac(num, den), true
}

// bestFitDeviation evaluates L exactly at (W, H = W⁺Ỹ, ȳ) with W rounded
// to a dyadic matrix and returns |L − L*|/(tr Σ/2).
func bestFitDeviation(p *problem, w *bigmat.Dense, pred *theory.Prediction) (*big.Float, error) {
	wr := ratmat.FromDense(w)
	g := ratmat.Mul(wr.T(), wr)
	s, err := ratmat.Solve(g, ratmat.Mul(wr.T(), p.yt))
	if err != nil {
		return nil, fmt.Errorf("the witness W has dependent columns")
	}
	x := point{wr, s, p.meanVec()}
	l := new(big.Float).SetPrec(pred.Prec).SetRat(p.loss(x))
	l.Sub(l, pred.MinLoss)
	l.Abs(l)
	scale := new(big.Float).SetPrec(pred.Prec).SetRat(pred.TraceSigma)
	scale.Quo(scale, big.NewFloat(2))
	return relative(l, scale), nil
}

// nrc3 returns NRC3 of docs/theory.md §4 for the Gram g against the instance's Σ
// and the argmin γ: min over γ ∈ [0, σ_min] of ‖ĝ − N(Σ^{1/2} − √γ I)‖²_F
// (N normalizes in Frobenius norm). With t = √γ, a = ⟨ĝ, S⟩, b = tr ĝ,
// P = ‖S‖², q = tr S (S = Σ^{1/2}) the value is 2 − 2φ(t),
// φ(t) = (a − bt)/√(P − 2qt + nt²), whose derivative has the sign of
// (aq − bP) + t(bq − an): the candidates are t = 0, t = √σ_min and the
// root t* = (bP − aq)/(bq − an).
//
// A failed square root, a zero Gram or a curve with no defined point is an
// error, never a value (0 would read as collapse).
func nrc3(g *bigmat.Dense, pred *theory.Prediction) (val, gamma *big.Float, err error) {
	prec := pred.Prec
	n := pred.N
	nf := func() *big.Float { return new(big.Float).SetPrec(prec) }
	norm := g.FrobeniusNorm()
	if norm.Sign() == 0 {
		return nil, nil, fmt.Errorf("NRC3 is undefined for W Wᵀ = 0")
	}
	gh := new(bigmat.Dense).Scale(nf().Quo(nf().SetInt64(1), norm), g)
	s, err := sqrtPSD(pred.SigmaMatrix)
	if err != nil {
		return nil, nil, fmt.Errorf("Σ^{1/2}: %w", err)
	}
	a := nf()
	var t big.Float
	t.SetPrec(prec)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			t.Mul(gh.At(i, j), s.At(i, j))
			a.Add(a, &t)
		}
	}
	b := gh.Trace()
	pp := s.FrobeniusNorm()
	pp.Mul(pp, pp)
	q := s.Trace()
	nn := nf().SetInt64(int64(n))
	tmax := nf().Sqrt(pred.Sigma[n-1])
	phi := func(x *big.Float) *big.Float {
		den := nf().Mul(nn, x)
		den.Mul(den, x)
		den.Sub(den, nf().Mul(nf().Mul(q, x), nf().SetInt64(2)))
		den.Add(den, pp)
		if den.Sign() <= 0 {
			return nil
		}
		num := nf().Sub(a, nf().Mul(b, x))
		return num.Quo(num, den.Sqrt(den))
	}
	cands := []*big.Float{nf(), tmax}
	dd := nf().Sub(nf().Mul(b, q), nf().Mul(a, nn))
	if dd.Sign() != 0 {
		ts := nf().Sub(nf().Mul(b, pp), nf().Mul(a, q))
		ts.Quo(ts, dd)
		if ts.Sign() > 0 && ts.Cmp(tmax) < 0 {
			cands = append(cands, ts)
		}
	}
	var bestPhi, bestT *big.Float
	for _, c := range cands {
		v := phi(c)
		if v == nil {
			continue
		}
		if bestPhi == nil || v.Cmp(bestPhi) > 0 {
			bestPhi, bestT = v, c
		}
	}
	if bestPhi == nil {
		return nil, nil, fmt.Errorf("the NRC3 curve has no defined point (Σ^{1/2} − √γ I = 0 for every γ)")
	}
	val = nf().Sub(nf().SetInt64(2), nf().Mul(nf().SetInt64(2), bestPhi))
	if val.Sign() < 0 {
		val.SetInt64(0)
	}
	return val, nf().Mul(bestT, bestT), nil
}

// sqrtPSD is bigmat.SqrtPSD; a variable so that a test can make it fail.
var sqrtPSD = bigmat.SqrtPSD
