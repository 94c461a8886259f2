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

// Zero regularization (THEORY §3): the minimizers of L with λ_H = λ_W = 0
// form a set; these two claims ask whether that set contains a
// non-collapsed point. Each check decides the instance exactly: an exact
// rational global minimizer with the metric > 0 (witness), or the rank
// argument that forces the metric to 0 for every minimizer.

const nocollapseStatement = "With λ_H = λ_W = 0, some global minimizer has NRC1 > 0 or NRC2 > 0 (THEORY §4 metrics): feature collapse is not forced. " +
	"Found exactly (ρ = rank Ỹ, the centered targets; rank Y for bias none): the claim holds iff M ≥ 2 and d > ρ. " +
	"Then W = [C 0] with C a basis of the columns of Ỹ and H = [K; Z] with C K = Ỹ, Z free, is an exact minimizer (L = 0) whose features leave the row space of W: NRC2 > 0, computed exactly. " +
	"If d ≤ ρ (≤ n), every minimizer has W of full column rank d (L* needs rank W H̃ = min(d, ρ) = d), so the row space of W is all of R^d (NRC2 = 0) and the top-n principal subspace is R^d (NRC1 = 0); " +
	"if M = 1 the centered features vanish. So d > n always suffices (ρ ≤ n); at d = n the claim holds only for rank-deficient targets and fails for full-rank ones: " +
	"there W is invertible and H = W⁻¹Ỹ is forced."

func nocollapseClaim() proofs.Claim {
	return proofs.Claim{
		Name:       "nocollapse-at-zero",
		Source:     "THEORY §3 (zero regularization), as usually stated",
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
		return proofs.Outcome{Verdict: proofs.Fails, Reason: "exactly one λ is zero: no global minimizer exists (THEORY §3), so none is non-collapsed"}
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
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "internal: the witness does not interpolate the targets"}
	}
	nrc2 := exactNRC2(x.H, c)
	if nrc2.Sign() <= 0 {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "internal: the witness has NRC2 = 0"}
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
		piv := p.yt.PivotColumns()
		c := ratmat.New(p.n, rho)
		for k, j := range piv {
			for i := 0; i < p.n; i++ {
				c.Set(i, k, p.yt.At(i, j))
			}
		}
		k, err := ratmat.Solve(ratmat.Mul(c.T(), c), ratmat.Mul(c.T(), p.yt))
		if err != nil {
			panic("proofs: pivot columns are dependent")
		}
		for i := 0; i < p.n; i++ {
			for j := 0; j < rho; j++ {
				x.W.Set(i, j, c.At(i, j))
			}
		}
		for j := 0; j < rho; j++ {
			for i := 0; i < p.m; i++ {
				x.H.Set(j, i, k.At(j, i))
			}
		}
	}
	if rho < p.d {
		x.H.At(rho, 0).SetInt64(1)
	}
	return x, rho
}

// exactNRC2 is NRC2 of THEORY §4 for features H (d×M) and a weight matrix
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

const gramFreeStatement = "With λ_H = λ_W = 0, some global minimizer has NRC3 > 0 (THEORY §4: its normalized W Wᵀ is not (Σ^{1/2} − √γ I) normalized for any γ ∈ [0, σ_min]). " +
	"Found exactly (ρ = rank Ỹ): it holds iff n ≥ 2, Σ ≠ 0 (so M ≥ 2), and either d ≥ 2, or d = 1 with ρ ≥ 2 and not (ρ = n and σ_1 > σ_2 = ⋯ = σ_n). " +
	"Reason: the Grams of minimizers are all PSD matrices of rank ≤ min(n, d) whose range contains the columns of Ỹ (d ≥ ρ; for d < ρ, those with range a top-d principal subspace), " +
	"a set of dimension ≥ 2 after normalization when min(n, d) ≥ 2, while the NRC3 curve is one-dimensional. " +
	"It fails for n = 1 (every nonzero 1×1 Gram normalizes to 1, NRC3 ≡ 0), for constant targets (Σ = 0: NRC3 undefined), and for d = 1 when the only Gram is v₁v₁ᵀ on the curve: " +
	"ρ = 1 (γ = 0) or n-fold spectra σ_1 > σ_2 = ⋯ = σ_n (γ = σ_n), e.g. every n = 2, d = 1 instance with σ_1 > σ_2. " +
	"Witnesses: exact rational minimizers (d ≥ ρ) or minimizers at the working precision built from the top-d eigenvectors (d < ρ), NRC3 evaluated at the working precision."

func gramFreeClaim() proofs.Claim {
	return proofs.Claim{
		Name:       "gram-free-at-zero",
		Source:     "THEORY §3 (zero regularization), as usually stated",
		Statement:  gramFreeStatement,
		Hypotheses: "λ_H = λ_W = 0 and Σ ≠ 0 (so that NRC3 is defined), as the claim is usually stated — no condition on n, d (it needs in fact n ≥ 2 and d ≥ 2, or the d = 1 condition above)",
		Method:     "exact minimizer + NRC3 at high precision",
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

func checkGramFree(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	lh, lw := in.LambdaH.Sign() > 0, in.LambdaW.Sign() > 0
	if lh != lw {
		return proofs.Outcome{Verdict: proofs.Fails, Reason: "exactly one λ is zero: no global minimizer exists (THEORY §3)"}
	}
	pred, err := theory.Predict(in, cfg.Digits)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
	}
	prec := pred.Prec
	n := pred.N
	tol := pow10Float(-(cfg.Digits / 2), prec)
	if pred.TargetRank == 0 {
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: "Σ = 0 (constant targets): NRC3 is undefined for every minimizer"}
	}
	if lh && lw {
		// Outside the hypotheses: the minimizer's Gram A* is unique.
		if pred.Rank == 0 {
			return proofs.Outcome{Verdict: proofs.Fails, Reason: "λ_H, λ_W > 0 in the trivial regime: W* = 0, NRC3 undefined"}
		}
		if !pred.WWUnique {
			return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "λ_H, λ_W > 0 with a tie at the cut-off: A* not unique"}
		}
		v, _ := nrc3(pred.WW, pred)
		if v.Cmp(tol) > 0 {
			return proofs.Outcome{Verdict: proofs.Holds, Residual: nil, Reason: fmt.Sprintf("λ_H, λ_W > 0, regime %s: the unique Gram A* has NRC3 = %s > 0", pred.Regime, v.Text('e', 4))}
		}
		return proofs.Outcome{Verdict: proofs.Fails, Residual: v, Reason: fmt.Sprintf("λ_H, λ_W > 0, regime %s: the unique Gram A* has NRC3 = %s (0 to the working precision): the claim needs λ = 0", pred.Regime, sci(v))}
	}
	if n == 1 {
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: "n = 1: every nonzero 1×1 Gram normalizes to 1, as does Σ^{1/2} − √γ for γ < σ, so NRC3 = 0 for every minimizer"}
	}
	p := newProblem(in)
	rho := pred.TargetRank
	type cand struct {
		name string
		gram *bigmat.Dense
		loss *big.Float // relative deviation from L* (nil when exact)
	}
	var cands []cand
	if in.D >= rho {
		// Exact interpolating minimizers W = [C·D, extra], H = [D⁻¹K; 0].
		x, _ := zeroWitness(p, rho)
		c := x.W
		for _, scales := range scaleChoices(rho) {
			w := ratmat.New(p.n, p.d)
			for j := 0; j < rho; j++ {
				s := big.NewRat(scales[j], 1)
				for i := 0; i < p.n; i++ {
					w.At(i, j).Mul(c.At(i, j), s)
				}
			}
			cands = append(cands, cand{name: fmt.Sprintf("W = C·diag%v", scales), gram: ratmat.Mul(w, w.T()).Dense(prec)})
			if rho < min(p.n, p.d) {
				if k := outsideCoordinate(c, rho); k >= 0 {
					w2 := w.Clone()
					w2.At(k, rho).SetInt64(1)
					cands = append(cands, cand{name: fmt.Sprintf("W = [C·diag%v, e_%d]", scales, k+1), gram: ratmat.Mul(w2, w2.T()).Dense(prec)})
				}
			}
		}
		// Each candidate interpolates: W [D⁻¹K; 0] = C K = Ỹ (exact, by
		// construction); the extra column meets a zero feature row.
	} else {
		// Best rank-d fit: W = U_d diag(g), H = W⁺ Ỹ (working precision).
		for _, g := range scaleChoices(in.D) {
			w := bigmat.New(p.n, p.d, prec)
			for j := 0; j < p.d; j++ {
				for i := 0; i < p.n; i++ {
					w.At(i, j).Mul(pred.Eigenvectors.At(i, j), new(big.Float).SetInt64(g[j]))
				}
			}
			dev, err := bestFitDeviation(p, w, pred)
			if err != nil {
				return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
			}
			cands = append(cands, cand{name: fmt.Sprintf("W = U_%d·diag%v", in.D, g), gram: new(bigmat.Dense).MulTrans(w, w), loss: dev})
		}
	}
	best := new(big.Float).SetPrec(prec).SetInt64(-1)
	var bestName string
	var bestGamma *big.Float
	worstLoss := new(big.Float).SetPrec(prec)
	for _, c := range cands {
		if c.loss != nil {
			if c.loss.Cmp(pow10Float(-(cfg.Digits-6), prec)) > 0 {
				return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: fmt.Sprintf("the candidate %s is not a minimizer to the working precision (relative loss gap %s)", c.name, sci(c.loss))}
			}
			if c.loss.Cmp(worstLoss) > 0 {
				worstLoss = c.loss
			}
		}
		v, g := nrc3(c.gram, pred)
		if v.Cmp(best) > 0 {
			best, bestName, bestGamma = v, c.name, g
		}
	}
	if best.Cmp(tol) > 0 {
		return proofs.Outcome{Verdict: proofs.Holds, Residual: worstLoss, Points: len(cands),
			Reason: fmt.Sprintf("n = %d, d = %d, rank Ỹ = %d: the global minimizer with %s has NRC3 = %s > 0 (argmin γ = %s)", n, in.D, rho, bestName, best.Text('e', 4), bestGamma.Text('e', 3))}
	}
	why := "every minimizer's Gram is, up to scale, on the NRC3 curve"
	if in.D == 1 {
		if rho == 1 {
			why = "d = 1 and rank Ỹ = 1: every minimizer has W ∝ the single target direction c, and ccᵀ ∝ Σ^{1/2} (γ = 0)"
		} else {
			why = "d = 1: every minimizer has W ∝ v₁ (σ₁ simple) and v₁v₁ᵀ ∝ Σ^{1/2} − √σ_n I because σ₂ = ⋯ = σ_n"
		}
	}
	return proofs.Outcome{Verdict: proofs.Fails, Residual: best, Points: len(cands),
		Reason: fmt.Sprintf("n = %d, d = %d, rank Ỹ = %d: %s; the largest NRC3 over the candidate minimizers is %s (0 to the working precision)", n, in.D, rho, why, sci(best))}
}

// scaleChoices returns column scalings for witness Grams: all ones, then
// 1, 2, …, k and k, …, 1 when k ≥ 2.
func scaleChoices(k int) [][]int64 {
	ones := make([]int64, k)
	up := make([]int64, k)
	down := make([]int64, k)
	for j := 0; j < k; j++ {
		ones[j], up[j], down[j] = 1, int64(j+1), int64(k-j)
	}
	if k < 2 {
		return [][]int64{ones}
	}
	return [][]int64{ones, up, down}
}

// outsideCoordinate returns k with e_k outside the column space of c's
// first rho columns, or −1.
func outsideCoordinate(c *ratmat.Matrix, rho int) int {
	n, _ := c.Dims()
	for k := 0; k < n; k++ {
		m := ratmat.New(n, rho+1)
		for i := 0; i < n; i++ {
			for j := 0; j < rho; j++ {
				m.Set(i, j, c.At(i, j))
			}
		}
		m.At(k, rho).SetInt64(1)
		if m.Rank() == rho+1 {
			return k
		}
	}
	return -1
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

// nrc3 returns NRC3 of THEORY §4 for the Gram g against the instance's Σ
// and the argmin γ: min over γ ∈ [0, σ_min] of ‖ĝ − N(Σ^{1/2} − √γ I)‖²_F
// (N normalizes in Frobenius norm). With t = √γ, a = ⟨ĝ, S⟩, b = tr ĝ,
// P = ‖S‖², q = tr S (S = Σ^{1/2}) the value is 2 − 2φ(t),
// φ(t) = (a − bt)/√(P − 2qt + nt²), whose derivative has the sign of
// (aq − bP) + t(bq − an): the candidates are t = 0, t = √σ_min and the
// root t* = (bP − aq)/(bq − an).
func nrc3(g *bigmat.Dense, pred *theory.Prediction) (val, gamma *big.Float) {
	prec := pred.Prec
	n := pred.N
	nf := func() *big.Float { return new(big.Float).SetPrec(prec) }
	gh := new(bigmat.Dense).Scale(nf().Quo(nf().SetInt64(1), g.FrobeniusNorm()), g)
	s, err := bigmat.SqrtPSD(pred.SigmaMatrix)
	if err != nil {
		return nf(), nf()
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
	val = nf().Sub(nf().SetInt64(2), nf().Mul(nf().SetInt64(2), bestPhi))
	if val.Sign() < 0 {
		val.SetInt64(0)
	}
	return val, nf().Mul(bestT, bestT)
}
