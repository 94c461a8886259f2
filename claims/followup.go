package claims

import (
	"fmt"
	"math/big"
	"math/rand/v2"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/ratmat"
	"github.com/nrc-ufm/ufm/proofs"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/theory"
)

// ---------------------------------------------------------------- multi-task

func multitaskClaim() proofs.Claim {
	return proofs.Claim{
		Name:   "multitask-mse",
		Source: "Andriopoulos et al., arXiv 2505.09308 (follow-up), docs/theory.md §3",
		Statement: "One multi-task model has training MSE Σ_j min(σ_j, c); n single-task models (target k alone, same λ_H, λ_W, d) have Σ_k min(Σ_kk, c); multi ≤ single. " +
			"Why it holds for d ≥ n: the diagonal of Σ is majorized by its eigenvalues (Schur–Horn) and x ↦ min(x, c) is concave, so Karamata's inequality gives it. " +
			"Checked with the closed form at the working precision (MSEs from theory.Predict on the instance and on each single-task instance, compared within 10^-digits·tr Σ).",
		Hypotheses: "λ_H > 0, λ_W > 0, d ≥ n (with d < n the multi-task model learns only d directions and can lose)",
		Method:     "closed form, high precision",
		Expect:     proofs.Holds, Budget: 5000, Trials: 500, Digits: 30,
		Generate: func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
			g := Family{NMin: 2, NMax: 4, MMax: 8, Spectral: 0.4, BiasNone: true, D: DGeqN}
			if opts.Outside {
				g.D = DLtN
				return g.generate(rng, "multitask-outside")
			}
			return g.generate(rng, "multitask")
		},
		InHypotheses: func(in *instance.Instance) (bool, string) {
			return proofs.Hypotheses(lambdaZero(in), proofs.Hyp{Violated: in.D < in.N(), Why: "d < n"})
		},
		Check: checkMultitask,
	}
}

// singleTask returns the instance of target k alone.
func singleTask(in *instance.Instance, k int) *instance.Instance {
	out := in.Clone()
	for i, row := range in.Targets {
		out.Targets[i] = []*big.Rat{new(big.Rat).Set(row[k])}
	}
	out.Name = fmt.Sprintf("%s-task%d", in.Name, k+1)
	return out
}

func checkMultitask(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	if in.LambdaH.Sign() == 0 || in.LambdaW.Sign() == 0 {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "the MSE formulas need λ_H, λ_W > 0"}
	}
	multi, err := theory.Predict(in, cfg.Digits)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
	}
	prec := multi.Prec
	single := new(big.Float).SetPrec(prec)
	for k := 0; k < in.N(); k++ {
		p, err := theory.Predict(singleTask(in, k), cfg.Digits)
		if err != nil {
			return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
		}
		single.Add(single, p.TrainMSE)
	}
	scale := new(big.Float).SetPrec(prec).SetRat(multi.TraceSigma)
	if scale.Sign() == 0 {
		return proofs.Outcome{Verdict: proofs.Holds, Residual: new(big.Float), Points: 1, Reason: "Σ = 0: both MSEs are 0"}
	}
	gap := new(big.Float).SetPrec(prec).Sub(single, multi.TrainMSE)
	rel := relative(gap, scale)
	tol := pow10Float(-cfg.Digits, prec)
	neg := new(big.Float).Neg(tol)
	res := new(big.Float).SetPrec(prec)
	if rel.Sign() < 0 {
		res.Neg(rel)
	}
	if rel.Cmp(neg) < 0 {
		why := ""
		if in.D < in.N() {
			why = fmt.Sprintf("; d = %d < n = %d: the multi-task model learns at most d directions while each single-task model needs one", in.D, in.N())
		}
		return proofs.Outcome{Verdict: proofs.Fails, Residual: res, Points: 1, Reason: fmt.Sprintf("multi-task MSE %s > Σ single-task MSE %s (by %s relative to tr Σ)%s",
			multi.TrainMSE.Text('g', 12), single.Text('g', 12), sci(res), why)}
	}
	return proofs.Outcome{Verdict: proofs.Holds, Residual: res, Points: 1, Reason: fmt.Sprintf("multi-task MSE %s ≤ Σ single-task MSE %s (gap %s relative to tr Σ)",
		multi.TrainMSE.Text('g', 12), single.Text('g', 12), rel.Text('e', 2))}
}

// ---------------------------------------------------------------- whitening

func whiteningClaim() proofs.Claim {
	return proofs.Claim{
		Name:   "whitening",
		Source: "Andriopoulos et al., arXiv 2505.09308 (follow-up), docs/theory.md §3",
		Statement: "Whitening the targets (y ↦ T y with T Σ Tᵀ = I, here T = Σ^{-1/2}) makes Σ = I, so the formula predicts: training MSE n·min(1, c) in whitened units, " +
			"every direction shrunk by the same factor (1 − √c)_+ (predictions (1 − √c)_+ T Ỹ + T ȳ), regime full for c < 1 and trivial for c ≥ 1. " +
			"Exact whitening needs irrational numbers: T is Σ^{-1/2} computed at digits + 20 and read exactly as a dyadic matrix, so the whitened covariance is I + E with ‖E‖ ≈ 10^-(digits+20); " +
			"the whitened instance is then solved by the independent solver and its MSE and predictions compared with the prediction above (and with theory.Predict on the whitened instance).",
		Hypotheses: "λ_H > 0, λ_W > 0, d ≥ n, Σ nonsingular (rank Ỹ = n)",
		Method:     "prediction vs solver on whitened targets",
		Expect:     proofs.Holds, Budget: 1000, Trials: 200, Digits: 30,
		Generate: func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
			g := Family{NMax: 3, MMax: 6, Spectral: 0.3, BiasNone: true, D: DGeqN, FullRank: true}
			if opts.Outside {
				if rng.IntN(2) == 0 {
					g.D = DLtN
					g.NMin = 2
				} else {
					g.FullRank = false
					g.Spectral = 0
					in := g.generate(rng, "whitening-outside")
					y := lowRankTargets(rng, in.N(), max(in.M(), 2), max(in.N()-1, 0))
					in.Targets = targetsOf(y)
					return in
				}
				return g.generate(rng, "whitening-outside")
			}
			return g.generate(rng, "whitening")
		},
		InHypotheses: func(in *instance.Instance) (bool, string) {
			return proofs.Hypotheses(lambdaZero(in), proofs.Hyp{Violated: in.D < in.N(), Why: "d < n"}, proofs.Hyp{Violated: theory.Rank(in.Sigma()) < in.N(), Why: "Σ is singular"})
		},
		Check: checkWhitening,
	}
}

// whiten returns the instance with targets y ↦ T y, T = Σ^{+1/2} (the
// pseudo-inverse square root on the range of Σ, computed at digits + 20 and
// read exactly), and the rank used.
func whiten(in *instance.Instance, digits int) (*instance.Instance, int, error) {
	pred, err := theory.Predict(in, digits+20)
	if err != nil {
		return nil, 0, err
	}
	prec := pred.Prec
	rho := pred.TargetRank
	n := pred.N
	t := bigmat.New(n, n, prec)
	for j := 0; j < rho; j++ {
		f := new(big.Float).SetPrec(prec).Sqrt(pred.Sigma[j])
		f.Quo(new(big.Float).SetPrec(prec).SetInt64(1), f)
		for a := 0; a < n; a++ {
			va := new(big.Float).SetPrec(prec).Mul(pred.Eigenvectors.At(a, j), f)
			for b := 0; b < n; b++ {
				var x big.Float
				x.SetPrec(prec).Mul(va, pred.Eigenvectors.At(b, j))
				t.At(a, b).Add(t.At(a, b), &x)
			}
		}
	}
	tr := ratmat.FromDense(t)
	y := ratmat.New(n, in.M())
	for i, row := range in.Targets {
		for k, v := range row {
			y.Set(k, i, v)
		}
	}
	w := in.Clone()
	w.Targets = targetsOf(ratmat.Mul(tr, y))
	w.Name = in.Name + "-whitened"
	return w, rho, nil
}

func checkWhitening(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	if in.LambdaH.Sign() == 0 || in.LambdaW.Sign() == 0 {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "the MSE formula needs λ_H, λ_W > 0"}
	}
	w, rho, err := whiten(in, cfg.Digits)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
	}
	n := in.N()
	pw, err := theory.Predict(w, cfg.Digits)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
	}
	prec := pw.Prec
	// predicted MSE n·min(1, c)
	c := new(big.Float).SetPrec(prec).SetRat(in.C())
	one := new(big.Float).SetPrec(prec).SetInt64(1)
	mc := c
	if c.Cmp(one) > 0 {
		mc = one
	}
	want := new(big.Float).SetPrec(prec).Mul(mc, new(big.Float).SetInt64(int64(n)))
	scale := new(big.Float).SetPrec(prec).SetInt64(int64(n))
	tol := pow10Float(-(cfg.Digits - 5), prec)

	thDev := relative(absDiff(pw.TrainMSE, want), scale)
	res, err := solver.Solve(w, solverSettings(cfg))
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "solver: " + err.Error()}
	}
	if !res.Converged {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: fmt.Sprintf("the solver did not converge on the whitened instance (%s)", res.Stop)}
	}
	mse := solverMSE(w, res, prec)
	solDev := relative(absDiff(mse, want), scale)
	// predictions (1 − √c)_+ T Ỹ + T ȳ = (1 − √c)_+ Y_w + √c·ȳ_w (free bias)
	shrink := new(big.Float).SetPrec(prec).Sqrt(c)
	shrink.Sub(one, shrink)
	if shrink.Sign() < 0 {
		shrink.SetInt64(0)
	}
	predDev := predictionDeviation(w, res, shrink, prec)
	worst := thDev
	for _, v := range []*big.Float{solDev, predDev} {
		if v.Cmp(worst) > 0 {
			worst = v
		}
	}
	if worst.Cmp(tol) > 0 {
		why := ""
		switch {
		case rho < n:
			why = fmt.Sprintf("; Σ has rank %d < n = %d: whitening can only make it a rank-%d projector, so the MSE is %d·min(1, c)", rho, n, rho, rho)
		case in.D < n:
			why = fmt.Sprintf("; d = %d < n = %d: only d of the n equal directions are learned", in.D, n)
		}
		return proofs.Outcome{Verdict: proofs.Fails, Residual: worst, Points: 1, Reason: fmt.Sprintf(
			"whitened: predicted MSE n·min(1, c) = %s, theory.Predict %s, solver %s (relative deviations %s, %s; predictions %s)%s",
			want.Text('g', 12), pw.TrainMSE.Text('g', 12), mse.Text('g', 12), sci(thDev), sci(solDev), sci(predDev), why)}
	}
	return proofs.Outcome{Verdict: proofs.Holds, Residual: worst, Points: 1, Reason: fmt.Sprintf(
		"whitened (c = %s, regime %s): MSE n·min(1, c) = %s matches theory.Predict and the solver, and the solver's predictions are (1 − √c)_+ Ỹ_w + ȳ_w as predicted (worst relative deviation %s)",
		c.Text('g', 6), pw.Regime, want.Text('g', 12), sci(worst))}
}

func absDiff(a, b *big.Float) *big.Float {
	d := new(big.Float).SetPrec(max(a.Prec(), b.Prec())).Sub(a, b)
	return d.Abs(d)
}

// predictionDeviation returns ‖P − (s·Ỹ_w + b1ᵀ)‖_F / ‖Ỹ_w‖_F where P are
// the solver's predictions on the whitened instance, s the common
// shrinkage and b = ȳ_w (bias free) or 0 (none).
func predictionDeviation(w *instance.Instance, res *solver.Result, s *big.Float, prec uint) *big.Float {
	yt := w.CenteredTargets()
	mean := w.Mean()
	n, m := w.N(), w.M()
	num := new(big.Float).SetPrec(prec)
	den := new(big.Float).SetPrec(prec)
	var t, y big.Float
	t.SetPrec(prec)
	y.SetPrec(prec)
	for k := 0; k < n; k++ {
		for i := 0; i < m; i++ {
			y.SetRat(yt[k][i])
			t.Mul(s, &y)
			den.Add(den, new(big.Float).SetPrec(prec).Mul(&y, &y))
			if w.Bias != instance.BiasNone {
				t.Add(&t, new(big.Float).SetPrec(prec).SetRat(mean[k]))
			}
			t.Sub(res.Predictions.At(k, i), &t)
			t.Mul(&t, &t)
			num.Add(num, &t)
		}
	}
	if den.Sign() == 0 {
		return num.Sqrt(num)
	}
	return relative(num.Sqrt(num), den.Sqrt(den))
}

// ---------------------------------------------------------------- control

func fullCollapseClaim() proofs.Claim {
	return proofs.Claim{
		Name:   "full-collapse-all-positive",
		Source: "derived — a deliberately too strong claim, kept as a control",
		Statement: "For every λ_H, λ_W > 0 the global minimizer collapses with full rank: W*W*ᵀ has rank n (regime full). " +
			"False: the rank is r = min(d, #{σ_j > c}), so c ≥ σ_n or d < n breaks it. Decided exactly (inertia of Σ − c I). A search that does not refute it is broken.",
		Hypotheses: "λ_H > 0, λ_W > 0 (any n, d, M)",
		Method:     "exact inertia",
		Expect:     proofs.Fails, Budget: 500, Trials: 100, Digits: 30,
		Generate: func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
			g := Family{NMax: 4, MMax: 8, Spectral: 0.3, BiasNone: true}
			if opts.Outside {
				g.Lambda = LambdaZero
			}
			return g.generate(rng, "full-collapse")
		},
		InHypotheses: positiveLambdas,
		Check:        checkFullCollapse,
	}
}

func checkFullCollapse(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	if in.LambdaH.Sign() == 0 || in.LambdaW.Sign() == 0 {
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: "a λ is zero: no unique minimizer (or none) — outside the claim"}
	}
	n := in.N()
	active := theory.CountAbove(in.Sigma(), in.C())
	r := min(in.D, active)
	if r == n {
		return proofs.Outcome{Verdict: proofs.Holds, Exact: true, Points: 1, Reason: fmt.Sprintf("all %d eigenvalues of Σ exceed c and d = %d ≥ n: rank n (exact)", n, in.D)}
	}
	why := ""
	switch {
	case active < n:
		why = fmt.Sprintf("c = %s is ≥ %d of the n = %d eigenvalues of Σ (exact inertia of Σ − cI)", in.C().RatString(), n-active, n)
	default:
		why = fmt.Sprintf("d = %d < n = %d", in.D, n)
	}
	regime := "partial"
	if r == 0 {
		regime = "trivial"
	}
	return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Points: 1, Reason: fmt.Sprintf("%s: W*W*ᵀ has rank r = %d < n = %d (regime %s)", why, r, n, regime)}
}
