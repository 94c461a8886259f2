package theory

import (
	"fmt"
	"math"
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
)

// ModeStatus is the exact classification of one principal direction of the
// targets in the deep UFM (docs/theory.md §6).
type ModeStatus string

const (
	// ModeActive: σ_j^{K−1} > τ (decided exactly) and j is among the top
	// r = min(d_0, …, d_{K−2}, n) modes: the global minimizer has s_j > 0.
	ModeActive ModeStatus = "active"
	// ModeThreshold: σ_j^{K−1} = τ exactly: g(0) = g(s₊), both s_j = 0 and
	// s_j = s₊ are global (K ≥ 3; for K = 2, s₊ = 0). Counted as inactive in
	// the default prediction.
	ModeThreshold ModeStatus = "threshold"
	// ModeInactive: σ_j^{K−1} < τ: s_j = 0.
	ModeInactive ModeStatus = "inactive"
	// ModeCapped: above the threshold but beyond the width cap r.
	ModeCapped ModeStatus = "capped"
)

// DeepMode is one principal direction j of Ỹ.
type DeepMode struct {
	Sigma  *big.Float // σ_j, eigenvalue of Σ
	T      *big.Float // t_j = √(M σ_j), singular value of Ỹ
	Status ModeStatus
	S      *big.Float // s_j, singular value of Z* = W_{K−1}⋯W_1 H* (0 when off)
	// SPlus is the positive local minimizer s₊ of g_j when it exists and
	// t_j ≥ t* (nil otherwise): the value s_j takes when the mode is on.
	SPlus *big.Float
	Gain  *big.Float // g_j(0) − g_j(s₊) ≥ 0 for modes with SPlus (0 at the threshold); nil otherwise
}

// DeepPrediction holds what docs/theory.md §6 adds to a Prediction.
type DeepPrediction struct {
	K        int // number of factors: weight layers + 1
	DataTerm instance.DataTerm
	// CEff is c = λ_H Π_l λ_l of the sum-convention problem solved: the
	// instance's c, times n^K for data_term mean (every λ times n).
	CEff *big.Rat
	// CInstance is the instance's own c = λ_H Π_l λ_l (CEff/n^K for
	// data_term mean, CEff otherwise): what sweep's c axis holds.
	CInstance *big.Rat
	// Tau is τ = (K−1)^{2K−2} c / (K−2)^{K−2} (c for K = 2), exactly: mode
	// j is on iff σ_j^{K−1} > τ.
	Tau *big.Rat
	// SigmaStar = τ^{1/(K−1)} and TStar = √(M σ*): the threshold.
	SigmaStar, TStar *big.Float
	Kappa            *big.Float // κ = (c/M)^{1/K} of the sum-convention problem
	Cap              int        // r_max = min(d_0, …, d_{K−2}, n)
	Above, AtThresh  int        // exact counts of σ_j^{K−1} > τ and = τ
	On               int        // modes switched on in this prediction (the first On)
	// AtCountUnique: more than one mode count is globally optimal (a mode
	// exactly at the threshold), so WWUnique and PredictionUnique are
	// false, but the Grams and predictions are unique among the global
	// minimizers with On modes on (Prediction.DeterminedAtCount).
	AtCountUnique bool
	Modes         []DeepMode
	// LayerGramSpectra[l−1] are the eigenvalues κ s_j^{2/K}/λ_l (j < On) of
	// W_l W_lᵀ at every global minimizer, descending; zeros omitted.
	LayerGramSpectra [][]*big.Float
	// FeatureGramSpectrum: eigenvalues of H Hᵀ, M κ s_j^{2/K}/λ_H (j < On).
	FeatureGramSpectrum []*big.Float
	// ProductGrams[l−1] = (W_{K−1}⋯W_l)(W_{K−1}⋯W_l)ᵀ, n×n; ProductGrams[K−2]
	// is W_{K−1}W_{K−1}ᵀ (also Prediction.WW). Gauge invariant.
	ProductGrams []*bigmat.Dense
}

// PredictDeep computes the deep closed form of docs/theory.md §6 for in at
// digits significant digits (≤ 0: in.Digits), with the first `on` modes
// switched on. on < 0 takes the default: exactly the modes with
// σ_j^{K−1} > τ, up to the cap (modes at the threshold off). Values of on
// between the default and default + (modes at the threshold, within the
// cap) are the other global minimizers; other values are refused.
//
// It handles every instance with λ_H and all λ_l positive, any number of
// layers and either data term; Predict dispatches here when in.IsDeep().
func PredictDeep(in *instance.Instance, digits, on int) (*Prediction, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.Bias == instance.BiasRegularized {
		return nil, ErrNoClosedForm
	}
	if in.LambdaH.Sign() <= 0 {
		return nil, fmt.Errorf("theory: the deep closed form needs λ_H > 0")
	}
	for _, l := range in.LayerLambdas() {
		if l.Sign() <= 0 {
			return nil, fmt.Errorf("theory: the deep closed form needs every λ_l > 0")
		}
	}
	if digits <= 0 {
		digits = in.Digits
	}
	// As Predict: evaluate at two precisions EscalationStep digits apart and
	// raise the precision until they agree on every printed quantity to the
	// requested digits (or MaxExtraDigits is reached: then Justified and a
	// warning say how many digits are carried).
	lo, err := predictDeepAt(in, digits, 0, on)
	if err != nil {
		return nil, err
	}
	hi, err := predictDeepAt(in, digits, EscalationStep, on)
	if err != nil {
		return nil, err
	}
	maxExtra := MaxExtraDigits(digits)
	for {
		k := agreement(lo, hi)
		if s := hi.splitDigits(); (hi.WWUnique || hi.DeterminedAtCount()) && (s < k.WW || s < k.Predictions) {
			k.WW, k.Predictions = min(k.WW, s), min(k.Predictions, s)
		}
		if k.minFor(hi) >= digits {
			hi.Justified = k.clamp(digits)
			return hi, nil
		}
		if hi.ExtraDigits >= maxExtra {
			hi.Justified = k.clamp(digits)
			hi.warnShortfall(tieNone)
			return hi, nil
		}
		next := min(hi.ExtraDigits+max(digits-k.minFor(hi)-EscalationStep, 0)+EscalationStep, maxExtra)
		lo = hi
		if hi, err = predictDeepAt(in, digits, next, on); err != nil {
			return nil, err
		}
	}
}

// splitDigits bounds the digits of the Grams and predictions that the
// split between the On modes switched on and the rest allows at p's
// precision (Davis–Kahan): the computed top-On eigenvectors span a
// subspace within about ε/gap of the true one, ε = 2^(16−prec)·σ_1 the
// eigendecomposition's error and gap = σ_On − σ_{On+1}. Two evaluations
// cannot see this: on a cluster unresolved at both precisions the
// eigensolver returns the same mixture twice (QA session 24: σ₁ = 3(1 +
// 10⁻¹⁰⁰)², σ₂ = 3, one mode on: W*W*ᵀ printed as the 50/50 mixture,
// wrong in its first digit, with 50 digits claimed). Entries are compared
// down to 10^-EntryRange of their matrix, so EntryRange more digits go.
// exactDigits when nothing is split (no mode on, or all n).
func (p *Prediction) splitDigits() int {
	on := p.Deep.On
	if on <= 0 || on >= p.N || p.Sigma[0].Sign() <= 0 {
		return exactDigits
	}
	eps := new(big.Float).SetPrec(p.Prec).SetMantExp(p.Sigma[0], 16-int(p.Prec))
	gap := new(big.Float).SetPrec(p.Prec).Sub(p.Sigma[on-1], p.Sigma[on])
	gap.Sub(gap, new(big.Float).Mul(eps, big.NewFloat(2))) // both eigenvalues' errors
	if gap.Sign() <= 0 {
		return 0
	}
	// gap/eps ≥ 2^(e−1) for its binary exponent e: ⌊(e−1)·log10 2⌋ digits
	// (the ratio can exceed float64's range at thousands of digits).
	e := new(big.Float).Quo(gap, eps).MantExp(nil)
	return max(0, int(math.Floor(float64(e-1)*math.Log10(2)))-EntryRange-2)
}

// predictDeepAt is one evaluation of PredictDeep at bigmat.Bits(digits +
// extra) bits.
func predictDeepAt(in *instance.Instance, digits, extra, on int) (*Prediction, error) {
	prec := bigmat.Bits(digits + extra)
	n, m := in.N(), in.M()
	K := in.WeightLayers() + 1
	p := &Prediction{Name: in.Name, Digits: digits, Prec: prec, ExtraDigits: extra, Bias: in.Bias, N: n, D: in.D, M: m}
	dp := &DeepPrediction{K: K, DataTerm: in.DataTerm}
	p.Deep = dp
	if err := p.deepSpectrum(in); err != nil {
		return nil, err
	}
	// The mean convention is the sum problem with every λ times n
	// (docs/theory.md §6.5); L* is then divided by n.
	lambdaH, lambdas := scaledLambdas(in)
	dp.CEff = new(big.Rat).Set(lambdaH)
	for _, l := range lambdas {
		dp.CEff.Mul(dp.CEff, l)
	}
	p.CExact = dp.CEff
	p.C = new(big.Float).SetPrec(prec).SetRat(dp.CEff)
	dp.CInstance = new(big.Rat).Set(in.LambdaH)
	for _, l := range in.LayerLambdas() {
		dp.CInstance.Mul(dp.CInstance, l)
	}
	dp.Tau = Tau(K, dp.CEff)
	pos, zero := countPower(p.exactSigma, K-1, dp.Tau)
	dp.Above, dp.AtThresh = pos, zero
	dp.Cap = n
	for _, w := range in.LayerWidths()[:K-1] {
		dp.Cap = min(dp.Cap, w)
	}
	p.Active = pos
	p.Rank = min(pos, dp.Cap)
	maxOn := p.Rank
	if pos < dp.Cap {
		maxOn = min(dp.Cap, pos+zero)
	}
	switch {
	case on < 0:
		on = p.Rank
	case on < p.Rank || on > maxOn:
		return nil, fmt.Errorf("theory: %d modes on is not a global minimizer (default %d, at most %d with the modes at the threshold)", on, p.Rank, maxOn)
	}
	dp.On = on
	p.Rank = on
	if err := p.deepModes(in, lambdaH); err != nil {
		return nil, err
	}
	p.deepInvariants(in, lambdaH, lambdas)
	p.Predictions = p.predictions(centeredTargetsDense(in, prec), new(big.Float).SetPrec(prec).SetInt64(1))
	p.deepNotes(maxOn)
	return p, nil
}

// centeredTargetsDense is Ỹ (n×M) at precision prec.
func centeredTargetsDense(in *instance.Instance, prec uint) *bigmat.Dense {
	yt := in.CenteredTargets()
	n, m := in.N(), in.M()
	flat := make([]*big.Rat, 0, n*m)
	for k := 0; k < n; k++ {
		flat = append(flat, yt[k]...)
	}
	return bigmat.FromRat(n, m, prec, flat)
}

// scaledLambdas returns λ_H and λ_1 … λ_{K−1} of the sum-convention problem
// equivalent to in: the instance's own, or n times them for data_term mean.
func scaledLambdas(in *instance.Instance) (*big.Rat, []*big.Rat) {
	f := big.NewRat(1, 1)
	if in.DataTerm == instance.DataMean {
		f.SetInt64(int64(in.N()))
	}
	lh := new(big.Rat).Mul(in.LambdaH, f)
	ls := make([]*big.Rat, 0, in.WeightLayers())
	for _, l := range in.LayerLambdas() {
		ls = append(ls, new(big.Rat).Mul(l, f))
	}
	return lh, ls
}

// Tau returns τ = (K−1)^{2K−2} c / (K−2)^{K−2} exactly (τ = c for K = 2,
// where 0⁰ = 1): a mode is active iff σ_j^{K−1} > τ (docs/theory.md §6.3).
func Tau(K int, c *big.Rat) *big.Rat {
	if K < 2 {
		panic("theory: Tau needs K ≥ 2")
	}
	num := new(big.Int).Exp(big.NewInt(int64(K-1)), big.NewInt(int64(2*K-2)), nil)
	den := new(big.Int).Exp(big.NewInt(int64(K-2)), big.NewInt(int64(K-2)), nil)
	if K == 2 {
		den.SetInt64(1)
	}
	t := new(big.Rat).SetFrac(num, den)
	return t.Mul(t, c)
}

// countPower returns the exact numbers of eigenvalues σ of the PSD rational
// matrix s with σ^k > tau and σ^k = tau: the inertia of S^k − τI (S^k has
// eigenvalues σ^k, and σ ↦ σ^k is increasing on σ ≥ 0).
func countPower(s [][]*big.Rat, k int, tau *big.Rat) (above, equal int) {
	pw := s
	for i := 1; i < k; i++ {
		pw = ratMul(pw, s)
	}
	n := len(s)
	b := make([][]*big.Rat, n)
	for i := range b {
		b[i] = make([]*big.Rat, n)
		for j := range b[i] {
			b[i][j] = new(big.Rat).Set(pw[i][j])
			if i == j {
				b[i][j].Sub(b[i][j], tau)
			}
		}
	}
	pos, _, zero := Inertia(b)
	return pos, zero
}

func ratMul(a, b [][]*big.Rat) [][]*big.Rat {
	n := len(a)
	out := make([][]*big.Rat, n)
	var t big.Rat
	for i := range out {
		out[i] = make([]*big.Rat, n)
		for j := range out[i] {
			acc := new(big.Rat)
			for k := 0; k < n; k++ {
				acc.Add(acc, t.Mul(a[i][k], b[k][j]))
			}
			out[i][j] = acc
		}
	}
	return out
}

// deepSpectrum fills Σ, its eigenpairs, tr Σ, ȳ and b* (as Predict does).
func (p *Prediction) deepSpectrum(in *instance.Instance) error {
	n := p.N
	sigmaRat := in.Sigma()
	p.exactSigma = sigmaRat
	p.TraceSigma = new(big.Rat)
	for k := 0; k < n; k++ {
		p.TraceSigma.Add(p.TraceSigma, sigmaRat[k][k])
	}
	p.TargetRank = Rank(sigmaRat)
	flat := make([]*big.Rat, 0, n*n)
	for k := 0; k < n; k++ {
		flat = append(flat, sigmaRat[k]...)
	}
	p.SigmaMatrix = bigmat.FromRat(n, n, p.Prec, flat)
	var eig bigmat.SymEigen
	if err := eig.Factorize(p.SigmaMatrix); err != nil {
		return fmt.Errorf("eigendecomposition of Σ: %w", err)
	}
	p.Sigma, p.Eigenvectors = eig.Values, eig.Vectors
	for j, s := range p.Sigma {
		if s.Sign() < 0 {
			s.SetInt64(0)
		}
		// σ_j > 0 exactly for j < rank Σ: a computed σ_j ≤ 0 is one this
		// precision cannot resolve (PredictDeep raises it, or reports no
		// justified digit) — never a printed "0".
		if j < p.TargetRank && s.Sign() == 0 {
			p.unresolved = true
		}
	}
	p.Mean = make([]*big.Float, n)
	p.B = make([]*big.Float, n)
	mean := in.Mean()
	for k := 0; k < n; k++ {
		p.Mean[k] = new(big.Float).SetPrec(p.Prec)
		p.B[k] = new(big.Float).SetPrec(p.Prec)
		if in.Bias != instance.BiasNone {
			p.Mean[k].SetRat(mean[k])
			p.B[k].SetRat(mean[k])
		}
	}
	p.BiasUnique, p.PredictionUnique, p.WWUnique = true, true, true
	return nil
}

// deepModes solves the scalar problem of every mode, and fills L*, the MSE
// and the shrinkage factors s_j/t_j.
func (p *Prediction) deepModes(in *instance.Instance, lambdaH *big.Rat) error {
	dp := p.Deep
	K, prec, m := dp.K, p.Prec, p.M
	newF := func() *big.Float { return new(big.Float).SetPrec(prec) }
	mF := newF().SetInt64(int64(m))
	// (Mκ)^K = M^{K−1} c, so Mκ = (M^{K−1} c)^{1/K} and κ = Mκ/M.
	mk := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(int64(m)), big.NewInt(int64(K-1)), nil))
	mk.Mul(mk, dp.CEff)
	mKappa := Root(newF().SetRat(mk), K)
	dp.Kappa = newF().Quo(mKappa, mF)
	dp.SigmaStar = Root(newF().SetRat(dp.Tau), K-1)
	dp.TStar = newF().Mul(dp.SigmaStar, mF)
	dp.TStar.Sqrt(dp.TStar)

	n := p.N
	dp.Modes = make([]DeepMode, n)
	p.Shrinkage = make([]*big.Float, n)
	loss, mse := newF(), newF()
	for j := 0; j < n; j++ {
		md := &dp.Modes[j]
		md.Sigma = p.Sigma[j]
		md.T = newF().Mul(mF, p.Sigma[j])
		md.T.Sqrt(md.T)
		md.S = newF()
		p.Shrinkage[j] = newF()
		switch {
		case j < dp.Above && j < dp.Cap:
			md.Status = ModeActive
		case j < dp.Above+dp.AtThresh && j >= dp.Cap:
			// Above or exactly at the threshold but beyond the width cap
			// (QA session 21: one at the threshold was labelled threshold).
			md.Status = ModeCapped
		case j < dp.Above+dp.AtThresh:
			md.Status = ModeThreshold
		default:
			md.Status = ModeInactive
		}
		if md.Status != ModeInactive && md.T.Sign() <= 0 {
			// A mode at or above the threshold has σ_j > 0 exactly; a
			// computed 0 is unresolved (ScalarMinimizer would divide 0/0).
			p.unresolved = true
			md.SPlus, md.Gain = newF(), newF()
			continue
		}
		if md.Status != ModeInactive {
			md.SPlus, md.Gain = ScalarMinimizer(K, md.T, mKappa, mF, j >= dp.Above)
			if err := gainConsistent(md, mF); err != nil {
				return err
			}
		}
		if j >= dp.On {
			continue
		}
		md.S.Set(md.SPlus)
		p.Shrinkage[j].Quo(md.S, md.T)
		// g_j(s_j) = t²/(2M) − gain; the MSE term (t − s)²/M.
		g := newF().Mul(md.T, md.T)
		g.Quo(g, mF)
		g.Quo(g, newF().SetInt64(2))
		loss.Add(loss, g.Sub(g, md.Gain))
		d := newF().Sub(md.T, md.S)
		d.Mul(d, d)
		mse.Add(mse, d.Quo(d, mF))
	}
	rest := p.tailSum(dp.On)
	mse.Add(mse, rest)
	loss.Add(loss, newF().Quo(rest, newF().SetInt64(2)))
	if in.DataTerm == instance.DataMean {
		loss.Quo(loss, newF().SetInt64(int64(n)))
	}
	p.MinLoss, p.TrainMSE = loss, mse
	if dp.On == 0 {
		half := new(big.Rat).Quo(p.TraceSigma, big.NewRat(2, 1))
		if in.DataTerm == instance.DataMean {
			half.Quo(half, big.NewRat(int64(n), 1))
		}
		p.MinLossExact = half
	}
	switch {
	case dp.On == 0:
		p.Regime = Trivial
	case dp.On == n:
		p.Regime = Full
	default:
		p.Regime = Partial
	}
	if p.Regime == Full && K == 2 {
		p.Gamma = newF().Set(p.C)
	}
	// σ_cap = σ_cap+1 exactly (decided in rationals): the minimizer's
	// subspace is not unique. Not separated at this precision but not
	// equal either, the pair is split at a higher precision: splitDigits
	// makes PredictDeep raise it (QA session 24: σ₂, σ₃ 2·10⁻⁹⁰ apart
	// were declared a tie at 74 digits, and verify said AGREE).
	if dp.Above > dp.Cap && dp.Cap < n && !p.separated(dp.Cap) && p.equalAt(dp.Cap) {
		p.WWUnique, p.PredictionUnique = false, false
		p.note("σ_%d = σ_%d exactly and the width cap is %d: the minimizer's subspace is not unique; L* and the MSE are still determined", dp.Cap, dp.Cap+1, dp.Cap)
	}
	if dp.On > dp.Above && dp.On < dp.Above+dp.AtThresh {
		p.WWUnique, p.PredictionUnique = false, false
		p.note("%d of the %d modes at the threshold are on: any %d-dimensional subspace of that eigenspace is optimal, so the Grams and predictions are not unique", dp.On-dp.Above, dp.AtThresh, dp.On-dp.Above)
	}
	// A mode exactly at the threshold: the global minimizers with each
	// count in DeepAlternatives share L* and nothing else (QA session 21:
	// unique.ww was true here).
	if alts := p.DeepAlternatives(); len(alts) > 1 && p.WWUnique {
		p.WWUnique, p.PredictionUnique = false, false
		dp.AtCountUnique = true
		p.note("a mode sits exactly at the threshold: the global minimizers with %v modes on share L* but not the Grams, the predictions or the MSE; those shown are of the one with %d on, unique among those with that count", alts, dp.On)
	}
	return nil
}

// DeterminedAtCount reports whether W Wᵀ, the product Grams and the
// predictions of p are unique among the global minimizers with p's mode
// count (Deep.On): WWUnique, or a deep prediction whose only freedom is the
// number of modes on (a mode exactly at the threshold, each choice a
// global minimizer). verify compares them then against the prediction with
// the solver's count.
func (p *Prediction) DeterminedAtCount() bool {
	return p.WWUnique || p.Deep != nil && p.Deep.AtCountUnique
}

// gainConsistent checks a mode decided on (exactly) against its computed
// gain: g(0) − g(s₊) must not be negative beyond rounding,
// 2^-(prec−24)·t²/M. A violation means the exact decision and the scalar
// problem disagree: a bug, reported as an error, never clamped away.
func gainConsistent(md *DeepMode, m *big.Float) error {
	prec := md.T.Prec()
	tol := new(big.Float).SetPrec(prec).Mul(md.T, md.T)
	tol.Quo(tol, m)
	tol.SetMantExp(tol, -int(prec)+24)
	if md.Gain.Sign() < 0 && new(big.Float).Neg(md.Gain).Cmp(tol) > 0 {
		return fmt.Errorf("theory: internal inconsistency: mode with σ = %s decided %s exactly but g(s₊) − g(0) = %s > 0", md.Sigma.Text('g', 20), md.Status, new(big.Float).Neg(md.Gain).Text('g', 5))
	}
	if md.Gain.Sign() < 0 {
		md.Gain.SetInt64(0)
	}
	return nil
}

// ScalarMinimizer returns the positive local minimizer s₊ of
//
//	g(s) = (s − t)²/(2M) + (K/2) κ s^{2/K}   (mKappa = Mκ, m = M)
//
// and the gain g(0) − g(s₊), at the precision of t, for a t at or above
// the threshold t* (the caller decides that exactly). The gain is returned
// as computed: it can be negative only by rounding (t barely above t*),
// and PredictDeep treats a gain below −2^-(prec−24)·t²/M as an internal
// inconsistency between the exact decision and the numerics. atThreshold says
// t = t* exactly: then s₊ = t(K−2)/(K−1) and the gain is 0 exactly.
//
// For K = 2, s₊ = t − Mκ. For K ≥ 3, u = s^{1/K} is the largest root of
// p(u) = u^{2K−2} − t u^{K−2} + Mκ, which lies in [u_lo, t^{1/K}] with
// u_lo^K = t(K−2)/(K−1); p is increasing and convex there
// (docs/theory.md §6.2), so Newton's method from u = t^{1/K} (where p = Mκ
// > 0) decreases monotonically to the root and converges quadratically.
func ScalarMinimizer(K int, t, mKappa, m *big.Float, atThreshold bool) (s, gain *big.Float) {
	prec := t.Prec()
	newF := func() *big.Float { return new(big.Float).SetPrec(prec) }
	kF := newF().SetInt64(int64(K))
	var u *big.Float // s^{1/K}
	switch {
	case K == 2:
		s = newF().Sub(t, mKappa)
		if atThreshold || s.Sign() < 0 {
			s.SetInt64(0)
		}
		u = newF().Sqrt(s)
	case atThreshold:
		s = newF().Mul(t, newF().SetInt64(int64(K-2)))
		s.Quo(s, newF().SetInt64(int64(K-1)))
		u = Root(s, K)
	default:
		u = newtonLargestRoot(K, t, mKappa)
		s = intPow(u, K)
	}
	// gain = t²/(2M) − (s − t)²/(2M) − (K/2)κ u² = [s(2t − s) − K Mκ u²]/(2M).
	if atThreshold {
		return s, newF()
	}
	gain = newF().Sub(newF().Mul(t, newF().SetInt64(2)), s)
	gain.Mul(gain, s)
	pen := newF().Mul(u, u)
	pen.Mul(pen, mKappa)
	pen.Mul(pen, kF)
	gain.Sub(gain, pen)
	gain.Quo(gain, m)
	gain.Quo(gain, newF().SetInt64(2))
	return s, gain
}

// newtonLargestRoot returns the largest positive root of
// u^{2K−2} − t u^{K−2} + Mκ at the precision of t (K ≥ 3), by Newton's
// method from t^{1/K}; see ScalarMinimizer.
func newtonLargestRoot(K int, t, mKappa *big.Float) *big.Float {
	prec := t.Prec() + 32
	newF := func() *big.Float { return new(big.Float).SetPrec(prec) }
	u := Root(newF().Set(t), K)
	a := newF().SetInt64(int64(2*K - 2))
	b := newF().Mul(newF().SetInt64(int64(K-2)), t)
	for it := 0; it < 10*int(prec); it++ {
		uk2 := intPow(u, K-2)
		uk := newF().Mul(uk2, u)
		uk.Mul(uk, u) // u^K
		// p = u^{K−2}(u^K − t) + Mκ; p' = u^{K−3}((2K−2)u^K − (K−2)t).
		pv := newF().Sub(uk, t)
		pv.Mul(pv, uk2)
		pv.Add(pv, mKappa)
		dp := newF().Mul(a, uk)
		dp.Sub(dp, b)
		dp.Mul(dp, uk2)
		dp.Quo(dp, u)
		step := newF().Quo(pv, dp)
		next := newF().Sub(u, step)
		// Monotone decrease: stop when the iterate no longer decreases.
		if next.Cmp(u) >= 0 || step.Sign() == 0 {
			break
		}
		u = next
	}
	return u.SetPrec(t.Prec())
}

// Root returns x^{1/k} (x ≥ 0, k ≥ 1) at the precision of x, by Newton's
// method from a float64 estimate (with the exponent split off, so any
// magnitude works); the iteration decreases monotonically from above.
func Root(x *big.Float, k int) *big.Float {
	prec := x.Prec()
	if x.Sign() == 0 || k == 1 {
		return new(big.Float).SetPrec(prec).Set(x)
	}
	if k == 2 {
		return new(big.Float).SetPrec(prec).Sqrt(x)
	}
	wp := prec + 32
	newF := func() *big.Float { return new(big.Float).SetPrec(wp) }
	mant := newF()
	exp := x.MantExp(mant) // x = mant · 2^exp, mant ∈ [0.5, 1)
	q, r := exp/k, exp%k
	if r < 0 {
		q, r = q-1, r+k
	}
	mf, _ := mant.Float64()
	est := math.Pow(mf*math.Pow(2, float64(r)), 1/float64(k)) * (1 + 1e-6) // from above
	u := newF().SetMantExp(newF().SetFloat64(est), q)
	kF := newF().SetInt64(int64(k))
	xw := newF().Set(x)
	for it := 0; it < 10*int(wp); it++ {
		// u ← u − (u^k − x)/(k u^{k−1})
		uk1 := intPow(u, k-1)
		num := newF().Mul(uk1, u)
		num.Sub(num, xw)
		den := newF().Mul(kF, uk1)
		next := newF().Sub(u, num.Quo(num, den))
		if next.Cmp(u) >= 0 {
			break
		}
		u = next
	}
	return u.SetPrec(prec)
}

// intPow returns x^k (k ≥ 0) at the precision of x.
func intPow(x *big.Float, k int) *big.Float {
	r := new(big.Float).SetPrec(x.Prec()).SetInt64(1)
	b := new(big.Float).SetPrec(x.Prec()).Set(x)
	for ; k > 0; k >>= 1 {
		if k&1 == 1 {
			r.Mul(r, b)
		}
		b.Mul(b, b)
	}
	return r
}

// deepInvariants fills the Gram invariants at the balanced optimum: the
// factor X_l of weight a_l (a = λ_H/M for H, λ_l for W_l) has squared
// singular values κ s_j^{2/K}/a_l on the modes that are on.
func (p *Prediction) deepInvariants(in *instance.Instance, lambdaH *big.Rat, lambdas []*big.Rat) {
	dp := p.Deep
	prec, n, K := p.Prec, p.N, dp.K
	newF := func() *big.Float { return new(big.Float).SetPrec(prec) }
	base := make([]*big.Float, n) // κ s_j^{2/K}
	for j := 0; j < n; j++ {
		base[j] = newF()
		if j < dp.On {
			u2 := Root(dp.Modes[j].S, K)
			base[j].Mul(u2, u2)
			base[j].Mul(base[j], dp.Kappa)
		}
	}
	spectrum := func(a *big.Float) []*big.Float {
		out := make([]*big.Float, dp.On)
		for j := range out {
			out[j] = newF().Quo(base[j], a)
		}
		return out
	}
	aH := newF().SetRat(new(big.Rat).Quo(lambdaH, big.NewRat(int64(p.M), 1)))
	dp.FeatureGramSpectrum = spectrum(aH)
	// HHᵀ eigenvalues are κ s^{2/K}/(λ_H/M).
	dp.LayerGramSpectra = make([][]*big.Float, K-1)
	dp.ProductGrams = make([]*bigmat.Dense, K-1)
	prod := make([]*big.Float, n)
	for j := range prod {
		prod[j] = newF().SetInt64(1)
	}
	for l := K - 1; l >= 1; l-- {
		a := newF().SetRat(lambdas[l-1])
		dp.LayerGramSpectra[l-1] = spectrum(a)
		w := make([]*big.Float, n)
		for j := 0; j < n; j++ {
			w[j] = newF()
			if j < dp.On {
				prod[j].Mul(prod[j], newF().Quo(base[j], a))
				w[j].Set(prod[j])
			}
		}
		dp.ProductGrams[l-1] = spectral(p.Eigenvectors, w)
	}
	p.WW = dp.ProductGrams[K-2]
}

func (p *Prediction) deepNotes(maxOn int) {
	dp := p.Deep
	if dp.DataTerm == instance.DataMean {
		p.note("data_term mean: solved as the sum problem with every λ multiplied by n = %d (c → n^K c = %s), and L* divided by n", p.N, dp.CEff.RatString())
	}
	p.note("deep UFM with K − 1 = %d weight layers: mode j is on iff σ_j^%d > τ = %s (exact inertia of Σ^%d − τI); %d above, %d exactly at the threshold σ* = τ^(1/%d), width cap %d", dp.K-1, dp.K-1, dp.Tau.RatString(), dp.K-1, dp.Above, dp.AtThresh, dp.K-1, dp.Cap)
	if maxOn > dp.On || (dp.On > dp.Above && dp.AtThresh > 0) {
		p.note("%d mode(s) exactly at the threshold: switching them on (up to %d modes on) or off gives the same L*; this prediction has %d on", dp.AtThresh, maxOn, dp.On)
	}
	if dp.K >= 3 {
		p.note("K ≥ 3: every mode's s = 0 is a local minimum of its scalar problem, so the landscape has non-global local minima whenever a mode is on")
	}
}

// DeepAlternatives returns the numbers of modes on of the global
// minimizers of a deep prediction: from p.Rank (modes at the threshold off)
// up to every mode at the threshold on, within the width cap. It is
// [p.Rank] when the minimizer's mode set is unique.
func (p *Prediction) DeepAlternatives() []int {
	dp := p.Deep
	if dp == nil {
		return []int{p.Rank}
	}
	lo := min(dp.Above, dp.Cap)
	hi := lo
	if dp.Above < dp.Cap {
		hi = min(dp.Cap, dp.Above+dp.AtThresh)
	}
	out := []int{}
	for k := lo; k <= hi; k++ {
		out = append(out, k)
	}
	return out
}
