package theory

import (
	"fmt"
	"math"
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
)

// QuantityDigits counts, per printed quantity of a Prediction, significant
// decimal digits. For the scalars (MinLoss, TrainMSE) and the per-direction
// lists (Sigma, Shrinkage) the count holds for every number relative to its
// own size. For the vectors and matrices (Bias, WW, Predictions) it holds
// for every entry relative to its own size when the entry is at least
// 10^-EntryRange times the Frobenius norm of the whole; smaller entries are
// only accurate to 10^-(count+EntryRange) times the norm, and are printed
// with correspondingly fewer digits (see EntryText).
type QuantityDigits struct {
	Sigma, Shrinkage, WW, Bias, MinLoss, TrainMSE, Predictions int
	// ShrinkageFloored counts the shrinkage factors' digits each relative
	// to max(|s_j|, 10^-EntryRange), a fully learned direction's factor
	// being 1: the rule by which verify compares them (a factor of 10⁻¹⁵⁰,
	// c within 10⁻¹⁵⁰ of σ_j, needs 150 digits more relative to itself).
	// At least Shrinkage; it does not drive the precision escalation.
	ShrinkageFloored int
}

// EntryRange is how many decimal orders of magnitude below the Frobenius
// norm of its vector or matrix an entry may lie and still carry its digits
// relative to itself. An entry that is exactly zero in truth is computed as
// rounding noise, so some floor is unavoidable; 5 orders keep every
// structurally nonzero entry of practical size fully relative, and let a
// numeric side that is right to D + 2 digits normwise (the solver's stop
// rule) be compared at D − 5 digits under the same rule (verify.Margin).
const EntryRange = 5

// exactDigits stands for "equal at both precisions".
const exactDigits = math.MaxInt32

// agreement measures, quantity by quantity, the digits on which lo and hi
// agree (see QuantityDigits). An unresolved evaluation agrees on nothing.
func agreement(lo, hi *Prediction) QuantityDigits {
	if lo.unresolved || hi.unresolved {
		// The bias is the exact mean rounded once, whatever Σ's spectrum:
		// it keeps its digits.
		return QuantityDigits{Bias: entryDigits(column(lo.B), column(hi.B))}
	}
	sigma := listDigits(lo.Sigma, hi.Sigma)
	k := QuantityDigits{
		Sigma: sigma,
		// A shrinkage factor 1 − √(c/σ_j) is no better known than σ_j:
		// when σ_j is lost in rounding at both precisions (a tail far
		// below σ_1) the two evaluations can agree on a wrong factor
		// (QA h2_n3_t1_l3: both gave 1, the truth is 0.99999999983).
		Shrinkage:        min(listDigits(lo.Shrinkage, hi.Shrinkage), sigma),
		ShrinkageFloored: min(flooredListDigits(lo.Shrinkage, hi.Shrinkage), sigma),
		MinLoss:          agreeDigits(lo.MinLoss, hi.MinLoss, nil),
		TrainMSE:         agreeDigits(lo.TrainMSE, hi.TrainMSE, nil),
		Bias:             entryDigits(column(lo.B), column(hi.B)),
		WW:               exactDigits,
	}
	if lo.WW != nil && hi.WW != nil {
		k.WW = entryDigits(lo.WW, hi.WW)
	}
	k.Predictions = entryDigits(lo.Predictions, hi.Predictions)
	return k
}

// minFor returns the fewest digits over the quantities of p that must
// carry the requested digits. A quantity the instance does not determine
// (WW or the predictions at a tie, or with a λ zero) is printed as one
// representative: its digits are reported but do not drive escalation.
func (k QuantityDigits) minFor(p *Prediction) int {
	m := min(k.Sigma, k.Shrinkage, k.Bias, k.MinLoss, k.TrainMSE)
	if p.WWUnique || p.DeterminedAtCount() {
		m = min(m, k.WW)
	}
	if p.PredictionUnique || p.DeterminedAtCount() {
		m = min(m, k.Predictions)
	}
	return m
}

// clamp limits every count to [0, digits].
func (k QuantityDigits) clamp(digits int) QuantityDigits {
	c := func(v int) int { return min(max(v, 0), digits) }
	return QuantityDigits{c(k.Sigma), c(k.Shrinkage), c(k.WW), c(k.Bias), c(k.MinLoss), c(k.TrainMSE), c(k.Predictions), c(k.ShrinkageFloored)}
}

// agreeDigits returns floor(−log10(|a − b| / max(|b|, floor))), or
// exactDigits when a = b; floor may be nil (purely relative). When b = 0
// and floor is zero but a ≠ 0 the answer is 0.
func agreeDigits(a, b, floor *big.Float) int {
	if a.Cmp(b) == 0 {
		return exactDigits
	}
	prec := max(a.Prec(), b.Prec())
	diff := new(big.Float).SetPrec(prec).Sub(a, b)
	diff.Abs(diff)
	den := new(big.Float).Abs(b)
	if floor != nil && den.Cmp(floor) < 0 {
		den = floor
	}
	if den.Sign() == 0 {
		return 0
	}
	d := int(math.Floor(-log10(diff.Quo(diff, den))))
	return max(d, 0)
}

// log10 returns log10(x) for x > 0 to float64 accuracy, for any exponent.
func log10(x *big.Float) float64 {
	mant := new(big.Float)
	exp := x.MantExp(mant) // x = mant·2^exp, mant in [0.5, 1)
	m, _ := mant.Float64()
	return (float64(exp) + math.Log2(m)) * math.Log10(2)
}

// listDigits is the fewest digits over the entries of two lists, each
// relative to itself.
func listDigits(lo, hi []*big.Float) int {
	d := exactDigits
	for i := range hi {
		d = min(d, agreeDigits(lo[i], hi[i], nil))
	}
	return d
}

// flooredListDigits is listDigits with each entry relative to
// max(|entry|, 10^-EntryRange) (QuantityDigits.ShrinkageFloored).
func flooredListDigits(lo, hi []*big.Float) int {
	d := exactDigits
	for i := range hi {
		floor := new(big.Float).SetPrec(hi[i].Prec()).SetFloat64(math.Pow(10, -EntryRange))
		d = min(d, agreeDigits(lo[i], hi[i], floor))
	}
	return d
}

// entryDigits is the fewest digits over the entries of two matrices, each
// relative to max(|entry|, 10^-EntryRange·‖hi‖_F).
func entryDigits(lo, hi *bigmat.Dense) int {
	floor := entryFloor(hi)
	r, c := hi.Dims()
	d := exactDigits
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			d = min(d, agreeDigits(lo.At(i, j), hi.At(i, j), floor))
		}
	}
	return d
}

// entryFloor is 10^-EntryRange·‖m‖_F.
func entryFloor(m *bigmat.Dense) *big.Float {
	norm := m.FrobeniusNorm()
	scale := new(big.Float).SetPrec(norm.Prec()).SetFloat64(math.Pow(10, -EntryRange))
	return scale.Mul(scale, norm)
}

func column(v []*big.Float) *bigmat.Dense {
	prec := uint(64)
	if len(v) > 0 {
		prec = v[0].Prec()
	}
	m := bigmat.New(len(v), 1, prec)
	for i, x := range v {
		m.Set(i, 0, x)
	}
	return m
}

// ScalarText formats x with digits significant digits; no justified digit
// at all gives the empty string (the warnings say why).
func ScalarText(x *big.Float, digits int) string {
	if digits <= 0 {
		return ""
	}
	return bigmat.Text(x, digits)
}

// EntryText formats an entry x of a vector or matrix whose entries carry
// digits significant digits down to floor = 10^-EntryRange·(its Frobenius
// norm): below the floor, x is known only to 10^-digits·floor absolutely,
// so it gets digits − ceil(log10(floor/|x|)) digits, and "0" when none is
// left (|x| < 10^-digits·floor).
func EntryText(x, floor *big.Float, digits int) string {
	if digits <= 0 {
		// A computed 0 with no justified digit is not a known 0.
		return ""
	}
	if x.Sign() == 0 {
		return "0"
	}
	ax := new(big.Float).Abs(x)
	if floor == nil || ax.Cmp(floor) >= 0 {
		return bigmat.Text(x, digits)
	}
	ratio := new(big.Float).SetPrec(64).Quo(floor, ax)
	deficit := int(math.Ceil(log10(ratio)))
	if digits-deficit <= 0 {
		return "0"
	}
	return bigmat.Text(x, digits-deficit)
}

// MatrixText formats m entry by entry with EntryText.
func MatrixText(m *bigmat.Dense, digits int) [][]string {
	floor := entryFloor(m)
	r, c := m.Dims()
	out := make([][]string, r)
	for i := range out {
		out[i] = make([]string, c)
		for j := range out[i] {
			out[i][j] = EntryText(m.At(i, j), floor, digits)
		}
	}
	return out
}

// VectorText formats v entry by entry with EntryText.
func VectorText(v []*big.Float, digits int) []string {
	rows := MatrixText(column(v), digits)
	out := make([]string, len(v))
	for i := range rows {
		out[i] = rows[i][0]
	}
	return out
}

// ListText formats each number of v relative to itself: "" for every
// number when digits ≤ 0 (a computed 0 with no justified digit is not a
// known 0), else "0" for a zero and ScalarText for the others.
func ListText(v []*big.Float, digits int) []string {
	return listText(v, digits, len(v))
}

// listText is ListText, except that the entries from index exactFrom on
// are exact zeros (decided exactly, not computed) and print "0" whatever
// digits is.
func listText(v []*big.Float, digits, exactFrom int) []string {
	out := make([]string, len(v))
	for i, x := range v {
		switch {
		case i >= exactFrom:
			out[i] = "0"
		case digits <= 0:
			out[i] = ""
		case x.Sign() == 0:
			out[i] = "0"
		default:
			out[i] = ScalarText(x, digits)
		}
	}
	return out
}

// SigmaText formats the eigenvalues of Σ to digits significant digits
// (at most p.Justified.Sigma): σ_j for j ≥ rank Σ is exactly 0 and prints
// "0"; a positive σ_j with no justified digit prints "" (never "0", which
// would be a wrong number).
func (p *Prediction) SigmaText(digits int) []string {
	return listText(p.Sigma, min(digits, p.Justified.Sigma), p.TargetRank)
}

// ShrinkageText formats the shrinkage factors like SigmaText: a factor
// beyond the rank r is exactly 0 (or, without regularization, exactly
// 1 − 1 = 0 off the best fit) and prints "0"; a learned direction's factor
// with no justified digit prints "".
func (p *Prediction) ShrinkageText(digits int) []string {
	return listText(p.Shrinkage, min(digits, p.Justified.Shrinkage), p.Rank)
}

// warnShortfall records a warning for every quantity below the requested
// digits once the precision cap is reached, and an undecided cut-off.
func (p *Prediction) warnShortfall(tie tieState) {
	cap := p.Digits + bigmat.GuardDigits + p.ExtraDigits
	for _, q := range []struct {
		name string
		v    int
		used bool
	}{
		{"sigma_eigenvalues", p.Justified.Sigma, true},
		{"shrinkage", p.Justified.Shrinkage, true},
		{"ww", p.Justified.WW, p.WW != nil && p.DeterminedAtCount()},
		{"bias", p.Justified.Bias, true},
		{"min_loss", p.Justified.MinLoss, true},
		{"train_mse", p.Justified.TrainMSE, true},
		{"predictions", p.Justified.Predictions, p.PredictionUnique || p.DeterminedAtCount()},
	} {
		if q.used && q.v < p.Digits {
			p.Warnings = append(p.Warnings, fmt.Sprintf("%s: only %d of %d digits are justified at the precision cap (%d decimal digits); the conditioning of Σ (eigenvalues close to c, to each other, or far below σ_1) eats the rest", q.name, q.v, p.Digits, cap))
		}
	}
	if tie == tieUnknown {
		p.Warnings = append(p.Warnings, fmt.Sprintf("σ_%d and σ_%d could be neither separated nor shown equal at %d decimal digits; whether W*W*ᵀ and the predictions are unique is not decided (they are listed as unresolved)", p.cutoff(), p.cutoff()+1, cap))
		if p.Regime != Unregularized && p.Regime != Unattained {
			p.Unresolved = append(p.Unresolved, "ww")
		}
		p.Unresolved = append(p.Unresolved, "predictions")
	}
}

// tieState is the outcome of deciding σ_k > σ_{k+1} at the cut-off.
type tieState int

const (
	tieNone    tieState = iota // no cut-off, or σ_k > σ_{k+1} certified
	tieExact                   // σ_k = σ_{k+1} certified
	tieUnknown                 // neither at this precision
)

// cutoff returns the 1-based k at which the learned directions are cut
// below other positive ones (σ_k must exceed σ_{k+1} for the cut to be
// unique), or 0 when there is no such cut.
func (p *Prediction) cutoff() int {
	switch p.Regime {
	case Unregularized, Unattained:
		if p.Rank < p.TargetRank && p.Rank < p.N {
			return p.Rank
		}
	case Full, Partial, Trivial:
		if p.Active > p.D && p.D < p.N {
			return p.D
		}
	}
	return 0
}

// decideCutoff decides, exactly, whether σ_k > σ_{k+1} at the cut-off k;
// on a certified tie it marks the affected quantities as not unique. An
// undecided cut-off is also marked not unique (Predict warns about it).
func (p *Prediction) decideCutoff() tieState {
	k := p.cutoff()
	if k == 0 || p.separated(k) {
		return tieNone
	}
	best := p.Regime == Unregularized || p.Regime == Unattained
	p.PredictionUnique = false
	if !best {
		p.WWUnique = false
	}
	if !p.equalAt(k) {
		return tieUnknown
	}
	if best {
		p.note("σ_%d = σ_%d exactly: the best rank-%d fit, and so the predictions, are not unique", k, k+1, k)
	} else {
		p.note("σ_%d = σ_%d exactly: with d = %d the minimizer's W*W*ᵀ is not unique (any d-dimensional subspace of the tied eigenspace is optimal); L* and the MSE are still determined", k, k+1, k)
	}
	return tieExact
}

// equalAt certifies σ_k = σ_{k+1} exactly when the tied value is a
// rational r of moderate height: the simplest rational within the working
// accuracy of the computed pair, checked by the exact inertia of Σ − r·I
// (fewer than k eigenvalues above r, at least k+1 at or above it).
func (p *Prediction) equalAt(k int) bool {
	mid := new(big.Float).SetPrec(p.Prec).Add(p.Sigma[k-1], p.Sigma[k])
	mid.SetMantExp(mid, -1)
	tol := new(big.Float).SetPrec(64).SetMantExp(big.NewFloat(1), -int(p.Prec)/2)
	if p.Sigma[0].Sign() > 0 {
		tol.Mul(tol, p.Sigma[0])
	}
	r, ok := simplestRational(mid, tol, int(p.Prec)/2)
	if !ok {
		return false
	}
	b := shifted(p.sigmaExact(), r)
	pos, _, zero := Inertia(b)
	return pos < k && pos+zero >= k+1
}

// simplestRational returns the first continued-fraction convergent of x
// within tol of x, if one exists with a denominator of at most maxBits bits.
func simplestRational(x, tol *big.Float, maxBits int) (*big.Rat, bool) {
	xr, _ := x.Rat(nil)
	tr, _ := tol.Rat(nil)
	// Convergents h/k of the continued fraction of xr.
	h0, h1 := big.NewInt(0), big.NewInt(1)
	k0, k1 := big.NewInt(1), big.NewInt(0)
	num := new(big.Int).Set(xr.Num())
	den := new(big.Int).Set(xr.Denom())
	var a, rem big.Int
	for den.Sign() != 0 {
		a.DivMod(num, den, &rem) // floor division (den > 0)
		h := new(big.Int).Mul(&a, h1)
		h.Add(h, h0)
		kk := new(big.Int).Mul(&a, k1)
		kk.Add(kk, k0)
		if kk.BitLen() > maxBits {
			return nil, false
		}
		h0, h1, k0, k1 = h1, h, k1, kk
		conv := new(big.Rat).SetFrac(h1, k1)
		d := new(big.Rat).Sub(conv, xr)
		if d.Abs(d).Cmp(tr) <= 0 {
			return conv, true
		}
		num, den = den, new(big.Int).Set(&rem)
	}
	return nil, false
}

// shifted returns a − t·I.
func shifted(a [][]*big.Rat, t *big.Rat) [][]*big.Rat {
	b := make([][]*big.Rat, len(a))
	for i := range a {
		b[i] = make([]*big.Rat, len(a[i]))
		for j := range a[i] {
			b[i][j] = new(big.Rat).Set(a[i][j])
			if i == j {
				b[i][j].Sub(b[i][j], t)
			}
		}
	}
	return b
}
