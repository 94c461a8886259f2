package claims

import (
	"fmt"
	"math/big"
	"math/rand/v2"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
	"github.com/nrc-ufm/ufm/theory"
)

func landscapeClaim() proofs.Claim {
	return proofs.Claim{
		Name:   "landscape",
		Source: "derived (docs/theory.md §3, critical points; the paper does not classify them)",
		Statement: "For λ_H, λ_W > 0 and distinct eigenvalues σ_j, every critical point of the theory's list other than the global minimizer is a strict saddle of L(W, H, b): " +
			"for each subset S of the active directions {j : σ_j > c} with |S| ≤ d, the point (W_S, H(W_S), ȳ) is built, its stationarity checked (exact gradient at the point rounded to the working precision), " +
			"and for S ≠ S* = top min(d, #active) a direction E is exhibited with φ''(0) < 0 for φ(t) = L(x + tE), computed exactly: " +
			"'add' (a free column takes an active v_j ∉ S; predicted λ_W(1 − σ_j/c)) or 'swap' (when |S| = d, v_i ∈ S turns towards a stronger v_j ∉ S; predicted −(1 − √(c/σ_i))(σ_j − σ_i)). " +
			"The list itself (that these are all the critical points) is taken from docs/theory.md, not checked.",
		Hypotheses: "λ_H > 0, λ_W > 0, distinct eigenvalues of Σ (certified exactly); bias free or none",
		Method:     "critical points + exact curvature",
		Expect:     proofs.Holds, Budget: 1000, Trials: 200, Digits: 30,
		Generate: func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
			g := Family{NMax: 4, MMax: 8, Spectral: 0.6, Distinct: true, BiasNone: true, NoSingle: true}
			if opts.Outside {
				// repeated eigenvalues: exact spectra with a repeat
				g.Distinct = false
				g.Spectral = 1
				for try := 0; try < 50; try++ {
					in := g.generate(rng, "landscape-outside")
					if ok, _ := distinctSpectrum(in); !ok {
						return in
					}
				}
				return g.generate(rng, "landscape-outside")
			}
			for try := 0; try < 50; try++ {
				in := g.generate(rng, "landscape")
				if ok, _ := distinctSpectrum(in); ok {
					return in
				}
			}
			return g.generate(rng, "landscape")
		},
		InHypotheses: func(in *instance.Instance) (bool, string) {
			distinct, why := distinctSpectrum(in)
			return proofs.Hypotheses(lambdaZero(in), proofs.Hyp{Violated: !distinct, Why: why})
		},
		Check: checkLandscape,
	}
}

// distinctSpectrum certifies exactly that the eigenvalues of Σ are
// distinct: for each consecutive pair of computed eigenvalues, the
// midpoint t (a rational) has exactly k eigenvalues strictly above it
// (exact inertia of Σ − tI).
func distinctSpectrum(in *instance.Instance) (bool, string) {
	sig := in.Sigma()
	pred, err := theory.Predict(in, 40)
	if err != nil {
		return false, err.Error()
	}
	for k := 1; k < len(pred.Sigma); k++ {
		mid := new(big.Float).SetPrec(pred.Prec).Add(pred.Sigma[k-1], pred.Sigma[k])
		mid.SetMantExp(mid, -1)
		t, _ := mid.Rat(nil)
		if theory.CountAbove(sig, t) != k {
			return false, fmt.Sprintf("σ_%d = σ_%d (not separated by an exact rational)", k, k+1)
		}
	}
	return true, ""
}

func checkLandscape(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	if in.LambdaH.Sign() == 0 || in.LambdaW.Sign() == 0 {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "the critical points of the theory's list need λ_H, λ_W > 0"}
	}
	if ok, why := exactSizeOK(in); !ok {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: why}
	}
	l, err := buildLandscape(in, cfg.Digits)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
	}
	prec := l.prec
	tol := pow10Float(-cfg.Digits, prec)
	worst := new(big.Float).SetPrec(prec)
	for _, cp := range l.points {
		r := relative(cp.grad, cp.gscale)
		if r.Cmp(worst) > 0 {
			worst.Set(r)
		}
		if r.Cmp(tol) > 0 {
			return proofs.Outcome{Verdict: proofs.Fails, Residual: worst, Reason: fmt.Sprintf("the point of S = %s is not stationary: relative gradient %s", subsetText(cp.S), sci(r))}
		}
	}
	glob := l.points[l.global]
	lossScale := new(big.Float).SetPrec(prec).SetRat(newProblem(in).sigma.Trace())
	if lossScale.Sign() == 0 {
		lossScale.SetInt64(1)
	}
	tieTol := new(big.Float).SetPrec(prec).Mul(lossScale, pow10Float(-(cfg.Digits-6), prec))
	// The global point must attain the least loss and the theory's L*.
	gl := new(big.Float).SetPrec(prec).SetRat(glob.loss)
	dev := new(big.Float).SetPrec(prec).Sub(gl, l.pred.MinLoss)
	if dev.Abs(dev).Cmp(tieTol) > 0 {
		return proofs.Outcome{Verdict: proofs.Fails, Residual: worst, Reason: fmt.Sprintf("the loss at S* = %s is %s, not L* = %s", subsetText(glob.S), gl.Text('g', 12), l.pred.MinLoss.Text('g', 12))}
	}
	saddles, ties := 0, 0
	var minMargin *big.Float
	var worstKind string
	for idx, cp := range l.points {
		if idx == l.global {
			continue
		}
		diff := new(big.Float).SetPrec(prec).SetRat(new(big.Rat).Sub(cp.loss, glob.loss))
		if diff.Cmp(new(big.Float).Neg(tieTol)) < 0 {
			return proofs.Outcome{Verdict: proofs.Fails, Residual: worst, Reason: fmt.Sprintf("S = %s has lower loss than S* = %s: the global minimizer is not the top set", subsetText(cp.S), subsetText(glob.S))}
		}
		if diff.Cmp(tieTol) <= 0 {
			ties++ // another global minimizer (repeated eigenvalues)
			continue
		}
		e := l.escapeDirection(cp)
		if e == nil {
			return proofs.Outcome{Verdict: proofs.Fails, Residual: worst, Reason: fmt.Sprintf("S = %s is not global (loss above L* by %s) and no direction of negative curvature was found", subsetText(cp.S), diff.Text('e', 3))}
		}
		curv := new(big.Float).SetPrec(prec).SetRat(e.curvature)
		margin := relative(new(big.Float).Neg(curv), e.scale)
		need := pow10Float(-(cfg.Digits / 2), prec)
		if curv.Sign() >= 0 || margin.Cmp(need) < 0 {
			return proofs.Outcome{Verdict: proofs.Fails, Residual: worst, Reason: fmt.Sprintf("S = %s: along %s the curvature is %s (relative %s): not a strict saddle by this direction", subsetText(cp.S), e.kind, curv.Text('e', 3), sci(margin))}
		}
		if minMargin == nil || margin.Cmp(minMargin) < 0 {
			minMargin = margin
			worstKind = fmt.Sprintf("S = %s, %s: φ'' = %s (predicted %s)", subsetText(cp.S), e.kind, curv.Text('e', 4), e.predicted.Text('e', 4))
		}
		saddles++
	}
	reason := fmt.Sprintf("%d critical points (regime %s, %d active, d = %d): all stationary (relative gradient ≤ %s); S* = %s attains L*",
		len(l.points), l.pred.Regime, l.active, in.D, sci(worst), subsetText(glob.S))
	if saddles > 0 {
		reason += fmt.Sprintf("; the other %d are strict saddles (weakest: %s, relative %s)", saddles, worstKind, sci(minMargin))
	}
	if ties > 0 {
		reason += fmt.Sprintf("; %d tie L* (repeated eigenvalues: more global minimizers)", ties)
	}
	return proofs.Outcome{Verdict: proofs.Holds, Residual: worst, Points: len(l.points), Reason: reason}
}
