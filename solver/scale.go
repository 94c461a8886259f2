package solver

import (
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
)

// wwScale returns the scale against which stage 2 measures W Wᵀ at pt
// (relChange), in the units of W Wᵀ = a0·VVᵀ: ‖W Wᵀ‖_F when W = 0 is not
// a minimizer (relative accuracy), else a0·min(max(‖VVᵀ‖_F, 1), |φ|)
// (a0·max(‖VVᵀ‖_F, 1) with all second moments zero): absolute.
func (r *reduced) wwScale(pt *point) *big.Float {
	ref := new(bigmat.Dense).MulTrans(pt.v, pt.v).FrobeniusNorm()
	if r.exact.zeroIsMinimizer() {
		maxBig(ref, newFloat(r.prec).SetInt64(1))
		if f := newFloat(r.prec).Abs(pt.f); !r.zeroData && f.Cmp(ref) < 0 {
			ref = f
		}
	}
	return ref.Mul(ref, r.a0)
}

// wUnit is the natural unit λ_W√a0 of ∇_W (see relGradient).
func (c *core) wUnit() *big.Float {
	return newFloat(c.red.prec).Mul(c.red.lamWFloat(), c.red.sqrtA0)
}

// relGradientValue is relGradient as a number (it never underflows):
// the largest of ‖∇_W L‖/(termsW + wUnit), ‖∇_H L‖/termsH and
// ‖∇_b L‖/termsB, each gradient block relative to the size of the terms
// that cancel in it. The certificate requires it below 10^-digits
// (certificateFails). A block that vanishes counts as 0; a nonzero block
// whose terms vanish as +Inf.
func (c *certificate) relGradientValue(wUnit *big.Float) *big.Float {
	worst := newFloat(c.prec)
	ratio := func(g, terms *big.Float) {
		if g.Sign() == 0 {
			return
		}
		r := newFloat(c.prec).SetInf(false)
		if terms.Sign() != 0 {
			r.Quo(g, terms)
		}
		maxBig(worst, r)
	}
	ratio(c.gradW.FrobeniusNorm(), newFloat(c.prec).Add(c.termsW, wUnit))
	ratio(c.gradH.FrobeniusNorm(), c.termsH)
	if c.gradB != nil {
		ratio(c.gradB.FrobeniusNorm(), c.termsB)
	}
	return worst
}

// setOutputScales sets Result.PredictionsScale and FeatureGramScale from
// WWScale (doc.go "Scale of DigitsReached"). It runs after WWScale is set.
// A solve that set them itself (deep.go setScales) keeps its own.
func (res *Result) setOutputScales() {
	if res.Predictions == nil || res.PredictionsScale != nil {
		return
	}
	res.PredictionsScale = res.Predictions.FrobeniusNorm()
	res.FeatureGramScale = res.gramNorm()
	if res.WWScale == nil || res.WW == nil {
		return
	}
	ww := res.WW.FrobeniusNorm()
	if ww.Sign() == 0 || res.WWScale.Cmp(ww) <= 0 {
		return
	}
	ratio := ww.Quo(res.WWScale, ww)
	res.PredictionsScale.Mul(res.PredictionsScale, ratio)
	if res.FeatureGramScale != nil {
		res.FeatureGramScale.Mul(res.FeatureGramScale, ratio)
	}
}

// gramNorm is ‖HᵀH‖_F when the solver formed the feature Gram, else
// ‖H‖²_F (its trace, an upper bound of ‖HᵀH‖_F); nil without H.
func (res *Result) gramNorm() *big.Float {
	if res.FeatureGram != nil {
		return res.FeatureGram.FrobeniusNorm()
	}
	if res.H == nil {
		return nil
	}
	h := res.H.FrobeniusNorm()
	return h.Mul(h, h)
}
