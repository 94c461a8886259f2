package metrics

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"

	"github.com/nrc-ufm/ufm/bigmat"
)

// BigResult is the big-float computation's answer. A nil NRC1/NRC2 means the
// features collapsed to a point; a nil NRC3/NRC3Gamma means NRC3 is
// undefined (Report.NRC3Undefined says why).
type BigResult struct {
	Report
	Digits     int
	NRC1, NRC2 *big.Float
	NRC3       *big.Float
	NRC3Gamma  *big.Float
	// NRC3Err estimates |NRC3 − its value for the inputs read as exact|:
	// the difference from a second evaluation NRC3ErrDigits decimal digits
	// more precise. NRC3 is a squared distance, so when it is near 0 its
	// computed value is rounding noise of about (10^-digits·cond)²: then
	// NRC3 ≤ NRC3Err and it is known only as a bound (NRC3Text).
	NRC3Err *big.Float
	EVR     []*big.Float
	// NRC1Err, NRC2Err and EVRErr bound the error of NRC1, NRC2 and each
	// EVR entry from the accuracy of the subspaces they project on
	// (errorBounds): δ = 2^-(2·prec−8)·λ_1/gap for P_n (gap = λ_n − λ_{n+1}
	// of the feature covariance) and ·σ_1²/σ_r² for P_W, then 2√x·δ + δ².
	// nil where the quantity is undefined. BoundText prints a value with
	// only the digits its bound leaves (QA session 21: an exactly collapsed
	// NRC1 printed as 1.5e-164 with 25 digits; NRC1 with an eigenvalue gap
	// of 10^-41 printed with 30 digits, 12 right).
	NRC1Err, NRC2Err, EVRErr *big.Float
	// SigmaMinBig is σ_min at the working precision and SigmaMinErr its
	// difference from an evaluation NRC3ErrDigits digits more precise
	// (SigmaMin is its float64 rounding). nil when not computed.
	SigmaMinBig, SigmaMinErr *big.Float
}

// BoundText is x with the significant digits (at most digits) that an
// absolute error bound err leaves it: those on which every number within
// err of x rounds alike (bigmat.StableDigits), so that the printed value
// is the correctly rounded one of whatever the bound allows; "< b" (b =
// |x| + err rounded up to one digit) when none is left; all digits when
// err is nil or 0.
func BoundText(x, err *big.Float, digits int) string {
	if x == nil {
		return ""
	}
	if err == nil || err.Sign() == 0 {
		return bigmat.Text(x, digits)
	}
	ax := new(big.Float).SetPrec(64).Abs(x)
	if k := bigmat.StableDigits(x, err, digits); k >= 1 {
		return bigmat.Text(x, k) // every value within err rounds to it
	}
	return "< " + roundUp1(new(big.Float).SetPrec(64).Add(ax, err))
}

// BoundText64 is BoundText for a float64 x and bound err: at most digits
// significant digits, ⌊log10(|x|/err)⌋ of them, or "< b" when none is
// left; all digits when err is 0.
func BoundText64(x, err float64, digits int) string {
	if err <= 0 || math.IsNaN(x) || math.IsNaN(err) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'g', digits, 64)
	}
	if math.IsInf(err, 0) {
		// roundUp1 of +Inf printed "< 1e-9223372036854775807" (QA 21).
		return "not resolved (its error bound is beyond float64's range)"
	}
	return BoundText(big.NewFloat(x), big.NewFloat(err), digits)
}

// resolvedCount is the number of leading values (descending) above the
// noise floor 2^-(bits−8)·values[0] of a computation with bits of
// accuracy.
func resolvedCount(values []*big.Float, bits uint) int {
	if len(values) == 0 || values[0].Sign() <= 0 {
		return 0
	}
	floor := new(big.Float).SetPrec(64).SetMantExp(values[0], 8-int(bits))
	r := 0
	for _, v := range values {
		if v.Cmp(floor) > 0 {
			r++
		}
	}
	return r
}

// subspaceError returns 2^-(bits−8)·top/gap, the accuracy of an invariant
// subspace computed at bits bits whose eigenvalue gap is gap (top the
// largest eigenvalue); nil when gap ≤ 0.
func subspaceError(top, gap *big.Float, bits uint) *big.Float {
	if gap.Sign() <= 0 {
		return nil
	}
	d := new(big.Float).SetPrec(64).Quo(top, gap)
	return d.SetMantExp(d, 8-int(bits))
}

// projectionError is 2√x·δ + δ², the error of a mean squared residual x
// from a projector known to δ (nil δ: nil).
func projectionError(x, delta *big.Float) *big.Float {
	if delta == nil || x == nil {
		return nil
	}
	r := new(big.Float).SetPrec(64).Abs(x)
	r.Sqrt(r)
	r.Mul(r, delta)
	r.Mul(r, big.NewFloat(2))
	return r.Add(r, new(big.Float).SetPrec(64).Mul(delta, delta))
}

// ComputeBig is Compute for arbitrary-precision inputs such as solver
// output: features H (M×d, a row per sample — the transpose of the theory's
// d×M H), weights W (n×d) and targets Y (M×n), all trusted to digits
// significant decimal digits. It works at bigmat.Bits(digits) bits, and
// forms the Gram matrices whose small eigenvalues decide ranks (the feature
// covariance and WᵀW) at twice that, so that features within 10^-D of an
// n-dimensional subspace give NRC ≈ 10^(-2D), not rounding noise.
//
// Defaults that depend on the accuracy of the input: a centered feature
// vector with norm ≤ 10^-(digits-1) times the largest raw feature norm
// counts as zero, and singular values of W ≤ 10^-digits times the largest
// count as zero (Options.ZeroTol and Options.RankTol override them).
//
// NRC3 takes w and y as exact values (every big.Float is a dyadic
// rational) and works from their exact WWᵀ and Σ (ComputeBigExact): data
// rounded into big floats from decimals is the rounded data. Pass decimals
// exactly with ReadCSVExact and ComputeBigExact.
func ComputeBig(h, w, y *bigmat.Dense, digits int, opt Options) (*BigResult, error) {
	var we, ye *Exact
	var err error
	if w != nil {
		if we, err = ExactFromDense(w, "weights"); err != nil {
			return nil, err
		}
	}
	if y != nil {
		if ye, err = ExactFromDense(y, "targets"); err != nil {
			return nil, err
		}
	}
	return computeBig(h, we, ye, digits, opt, false)
}

// ComputeBigExact is ComputeBig with the weights and targets given exactly
// (decimals read by ReadCSVExact, or ExactFromDense): NRC3 uses the exact
// WWᵀ and the exact covariance Σ, so Σ = 0 and Σ ∝ I are decided exactly
// and a nearly isotropic Σ is resolved at the precision its anisotropy
// needs (nrc3exact.go). W's rank is exact too (rank WWᵀ in rationals)
// unless Options.RankTol is set; its row space (NRC2) is computed from W
// rounded at twice the working precision, with an error bound that grows
// as σ_r/σ_1 falls (NRC2 is not given where it cannot be resolved).
func ComputeBigExact(h *bigmat.Dense, wx, y *Exact, digits int, opt Options) (*BigResult, error) {
	return computeBig(h, wx, y, digits, opt, true)
}

// computeBig is ComputeBig (exactRank false: W's rank by the tolerance,
// its entries trusted to digits) and ComputeBigExact (exactRank true: W
// is exact, and so is its rank, unless Options.RankTol is set).
func computeBig(h *bigmat.Dense, wx, y *Exact, digits int, opt Options, exactRank bool) (*BigResult, error) {
	if digits < 1 {
		return nil, fmt.Errorf("digits must be ≥ 1, got %d", digits)
	}
	if opt.Unnormalized || opt.PerCoordinate {
		return nil, errConventionsBig
	}
	if h == nil || wx == nil || y == nil {
		return nil, errors.New("metrics: nil matrix (features, weights and targets are all required)")
	}
	if err := opt.check(); err != nil {
		return nil, err
	}
	M, d := h.Dims()
	n, wd := wx.Dims()
	yM, yn := y.Dims()
	if err := CheckShapes(M, d, n, wd, yM, yn); err != nil {
		return nil, err
	}
	AExact, err := wx.GramRows()
	if err != nil {
		return nil, err
	}
	w := wx.Dense(2 * bigmat.Bits(digits))
	for _, in := range []struct {
		name string
		m    *bigmat.Dense
	}{{"features", h}} {
		r, c := in.m.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if in.m.At(i, j).IsInf() {
					return nil, fmt.Errorf("%s: non-finite value %v at row %d, column %d (counting from 0)", in.name, in.m.At(i, j), i, j)
				}
			}
		}
	}
	prec := bigmat.Bits(digits)
	p2 := 2 * prec
	center := !opt.Uncentered
	res := &BigResult{Report: Report{Samples: M, FeatureDim: d, TargetDim: n, Centered: center}, Digits: digits}

	// Centered features at 2·prec (the subtraction is then exact for
	// inputs of at most prec bits), and the largest raw norm.
	X, _ := centerRows(h, p2, center)
	maxNorm := new(big.Float).SetPrec(prec)
	for i := 0; i < M; i++ {
		if v := rowNorm(h, i, prec); v.Cmp(maxNorm) > 0 {
			maxNorm = v
		}
	}
	C := new(bigmat.Dense).TransMul(X, X)
	C = new(bigmat.Dense).Scale(new(big.Float).SetPrec(p2).Quo(one(p2), intF(M, p2)), C)
	var ce bigmat.SymEigen
	if err := ce.Factorize(C); err != nil {
		return nil, fmt.Errorf("features: %v", err)
	}
	k1 := min(n, d)
	res.PrincipalDims = k1
	var U *bigmat.Dense
	var deltaU *big.Float // accuracy of P_n
	if k1 < d {
		U = ce.Vectors.Slice(0, d, 0, k1)
		ln, ln1 := ce.Values[k1-1], ce.Values[k1]
		gap := new(big.Float).SetPrec(p2).Sub(ln, ln1)
		// The features may carry one rounding at prec bits (CSV read at
		// the working precision), which moves C by 2^-prec·‖C‖: P_n is
		// known to 2^-(prec−8)·λ_1/gap, not to the 2·prec bits it is
		// computed at (QA session 21: a gap of 10^-45, NRC1 printed with
		// 30 digits, about 3e-3 off).
		deltaU = subspaceError(ce.Values[0], gap, prec)
		if r := resolvedCount(ce.Values[:k1], prec); r < k1 {
			// λ_n is at the noise floor: the features have no component
			// (beyond the noise) along the eigenvectors P_n may or may
			// not include, so NRC1 does not depend on that choice; P_n's
			// relevant part is the r resolved eigenvectors, known to
			// 2^-(prec−8)·λ_1/λ_r (a tie at 0 is not an ambiguity).
			deltaU = nil
			if r > 0 {
				deltaU = subspaceError(ce.Values[0], ce.Values[r-1], prec)
			}
		}
		if ln.Cmp(scaled(ce.Values[0], tenPow(-digits, p2))) > 0 && gap.Cmp(scaled(ln, tenPow(-digits/2, p2))) <= 0 {
			res.note("the %s and %s principal variances are nearly equal (%s, %s): the top-%d principal subspace P_n is not well defined", ordinal(k1), ordinal(k1+1), ln.Text('g', 8), ln1.Text('g', 8), k1)
		}
	} else {
		res.note("n = %d ≥ d = %d: the top-n principal subspace is all of R^d, so NRC1 = 0 trivially", n, d)
	}
	trace := C.Trace()

	// Row space of W from the eigenvectors of WᵀW at 2·prec.
	Wp := w.Clone().SetPrec(p2)
	var we bigmat.SymEigen
	if err := we.Factorize(new(bigmat.Dense).TransMul(Wp, Wp)); err != nil {
		return nil, fmt.Errorf("weights: %v", err)
	}
	rankTol := tenPow(-digits, p2)
	if opt.RankTol > 0 {
		rankTol.SetFloat64(opt.RankTol)
	}
	thr := new(big.Float).SetPrec(p2).Mul(rankTol, rankTol)
	thr.Mul(thr, we.Values[0])
	rank := 0
	for _, v := range we.Values {
		if we.Values[0].Sign() > 0 && v.Cmp(thr) > 0 {
			rank++
		}
	}
	if exactRank && opt.RankTol == 0 {
		// W is exact: its rank is decided exactly (rank W = rank WWᵀ), not
		// by a tolerance (QA session 21: a rank-2 W with a 10^-31
		// perturbation was rank 1 at --digits 1…30). A singular value the
		// working precision does not resolve makes P_W's bound large.
		rank = min(AExact.Rank(), len(we.Values))
	}
	res.WeightsRank = rank
	var Q *bigmat.Dense
	switch {
	case rank == 0:
		res.note("W = 0: its row space is {0}, so P_W = 0 and NRC2 is the fraction of non-vanishing feature vectors")
	case rank < min(n, d):
		res.note("W has rank %d < min(n, d) = %d: P_W projects onto its %d-dimensional row space", rank, min(n, d), rank)
	}
	var deltaQ *big.Float // accuracy of P_W
	if rank > 0 {
		Q = we.Vectors.Slice(0, d, 0, rank)
		deltaQ = subspaceError(we.Values[0], we.Values[rank-1], p2)
	}

	// Residuals.
	zeroTol := tenPow(1-digits, prec)
	if opt.ZeroTol > 0 {
		zeroTol.SetFloat64(opt.ZeroTol)
	}
	zeroTol.Mul(zeroTol, maxNorm) // relative to the largest raw row norm
	var R1, R2 *bigmat.Dense
	if U != nil {
		R1 = new(bigmat.Dense).Sub(X, new(bigmat.Dense).MulTrans(new(bigmat.Dense).Mul(X, U), U))
	}
	if Q != nil && rank < d {
		R2 = new(bigmat.Dense).Sub(X, new(bigmat.Dense).MulTrans(new(bigmat.Dense).Mul(X, Q), Q))
	}
	nrc1 := new(big.Float).SetPrec(prec)
	nrc2 := new(big.Float).SetPrec(prec)
	zero := 0
	for i := 0; i < M; i++ {
		x := rowNorm(X, i, p2)
		if x.Cmp(zeroTol) <= 0 {
			zero++
			continue
		}
		x2 := new(big.Float).SetPrec(p2).Mul(x, x)
		if R1 != nil {
			nrc1.Add(nrc1, bigRatio(rowNorm2(R1, i, p2), x2))
		}
		switch {
		case rank == 0:
			nrc2.Add(nrc2, one(prec))
		case R2 != nil:
			nrc2.Add(nrc2, bigRatio(rowNorm2(R2, i, p2), x2))
		}
	}
	res.ZeroFeatures = zero
	if zero == M {
		res.FeaturesCollapsed = true
		res.note("every %sfeature vector vanishes: the features collapsed to a point, so NRC1 and NRC2 are undefined and there are no principal components", centeredWord(center))
	} else {
		res.NRC1 = nrc1.Quo(nrc1, intF(M, prec))
		res.NRC2 = nrc2.Quo(nrc2, intF(M, prec))
		res.errorBounds(deltaU, deltaQ, k1 < d, rank, ce.Values[0], trace, p2)
		if zero > 0 {
			res.note("%d of %d %sfeature vectors vanish (norm ≤ %s) and are skipped; the sums are still divided by M", zero, M, centeredWord(center), zeroTol.Text('g', 3))
		}
		if trace.Sign() > 0 {
			for c := 0; c < opt.evrCount(n, d); c++ {
				v := new(big.Float).SetPrec(prec).Quo(ce.Values[c], trace)
				if v.Sign() < 0 {
					v.SetInt64(0)
				}
				res.EVR = append(res.EVR, v)
			}
		}
	}

	// NRC3 from the exact target covariance (nrc3exact.go).
	sigma, err := y.Covariance(center)
	if err != nil {
		res.NRC3Undefined = "the exact target covariance cannot be formed: " + err.Error()
		res.note("NRC3 is not reported: %s", res.NRC3Undefined)
		return res, nil
	}
	r3, nrc3Err, err := nrc3Exact(AExact, sigma, center, digits)
	if err != nil {
		return nil, err
	}
	if r3.sigmaMin != nil {
		res.SigmaMin, _ = r3.sigmaMin.Float64()
		res.SigmaMinBig = r3.sigmaMin
		res.SigmaMinErr = r3.sigmaMinErr
	}
	res.NRC3, res.NRC3Gamma, res.NRC3Err = r3.value, r3.gamma, nrc3Err
	res.NRC3Undefined, res.NRC3Flat = r3.undefined, r3.flat
	res.Notes = append(res.Notes, r3.notes...)
	return res, nil
}

// errorBounds sets NRC1Err, NRC2Err and EVRErr (see BigResult). With
// P_n all of R^d (n ≥ d) NRC1 is exactly 0, and with rank W = 0 or d NRC2
// is a count; their errors are then 0. An undefined P_n (gap ≤ 0 at the
// working precision) leaves NRC1Err nil, and the caller reports NRC1 as
// undefined.
func (res *BigResult) errorBounds(deltaU, deltaQ *big.Float, projected bool, rank int, top, trace *big.Float, p2 uint) {
	res.NRC1Err = new(big.Float)
	if projected {
		res.NRC1Err = withSumRounding(projectionError(res.NRC1, deltaU), res.NRC1, p2/2, res.Samples)
		if res.NRC1Err == nil || deltaU.Cmp(big.NewFloat(0.5)) >= 0 {
			res.NRC1 = nil
			res.note("P_n is not determined: the %s and %s principal variances are equal, or differ by less than the working precision resolves, so NRC1 is not given (rerun with more digits if they differ)", ordinal(res.PrincipalDims), ordinal(res.PrincipalDims+1))
		}
	}
	res.NRC2Err = new(big.Float)
	if rank > 0 && rank < res.FeatureDim {
		res.NRC2Err = withSumRounding(projectionError(res.NRC2, deltaQ), res.NRC2, p2/2, res.Samples)
		if res.NRC2Err == nil || deltaQ.Cmp(big.NewFloat(0.5)) >= 0 {
			res.NRC2 = nil
			res.note("P_W is not resolved: W's smallest nonzero singular value is below what the working precision resolves next to its largest, so NRC2 is not given (rerun with more digits)")
		}
	}
	if trace.Sign() > 0 {
		// Each eigenvalue is known to about 2^-(bits−8)·λ_1.
		e := new(big.Float).SetPrec(64).Quo(top, trace)
		res.EVRErr = e.SetMantExp(e, 8-int(p2/2)) // the input's rounding at prec = p2/2 bits
	}
}

// withSumRounding adds to err the rounding of a mean of M terms summed at
// prec bits, 2^-(prec−8−⌈log2 M⌉)·|x|; nil stays nil.
func withSumRounding(err, x *big.Float, prec uint, M int) *big.Float {
	if err == nil {
		return nil
	}
	r := new(big.Float).SetPrec(64).Abs(x)
	r.SetMantExp(r, 8+bits.Len(uint(M))-int(prec))
	return err.Add(err, r)
}

// nrc3BigOut is nrc3Out in big floats.
type nrc3BigOut struct {
	value, gamma, sigmaMin *big.Float
	sigmaMinErr            *big.Float // |σ_min − its value NRC3ErrDigits digits more precise|
	undefined              string
	flat                   bool
	notes                  []string
}

// nrc3Big is nrc3Float64 (see nrc3.go for the derivation) at A's
// precision, for Σ rounded from an exact Σ whose shape (zero, isotropic or
// not) has been decided exactly (classifySigma).
func nrc3Big(A, sigma *bigmat.Dense, center bool, shape sigmaShape) (nrc3BigOut, error) {
	n, _ := A.Dims()
	prec := A.Prec()
	var out nrc3BigOut
	var e bigmat.SymEigen
	if err := e.Factorize(sigma); err != nil {
		return out, fmt.Errorf("targets: %v", err)
	}
	out.sigmaMin = new(big.Float).SetPrec(prec).Set(e.Values[n-1])
	if out.sigmaMin.Sign() < 0 {
		out.sigmaMin.SetInt64(0)
	}
	S := e.SpectralFunction(func(l *big.Float) *big.Float {
		r := new(big.Float).SetPrec(prec)
		if l.Sign() > 0 {
			r.Sqrt(l)
		}
		return r
	})
	S = new(bigmat.Dense).Symmetrize(S)
	sMin := new(big.Float).SetPrec(prec).Sqrt(out.sigmaMin)
	normA := A.FrobeniusNorm()
	switch {
	case normA.Sign() == 0:
		out.undefined = "W = 0, so WWᵀ/‖WWᵀ‖_F is undefined"
	case shape.zero && center:
		out.undefined = "the targets are constant (Σ = 0), so Σ^{1/2}/‖Σ^{1/2}‖_F is undefined"
	case shape.zero:
		out.undefined = "the targets are all zero (Σ = 0), so Σ^{1/2}/‖Σ^{1/2}‖_F is undefined"
	}
	if out.undefined != "" {
		out.notes = append(out.notes, "NRC3 is undefined: "+out.undefined)
		return out, nil
	}
	Ah := new(bigmat.Dense).Scale(new(big.Float).SetPrec(prec).Quo(one(prec), normA), A)
	b := Ah.Trace()
	nF := intF(n, prec)
	sbar := new(big.Float).SetPrec(prec).Quo(S.Trace(), nF)
	bn := new(big.Float).SetPrec(prec).Quo(b, nF)
	S0 := new(bigmat.Dense).AddScaledIdentity(S, new(big.Float).Neg(sbar))
	A0 := new(bigmat.Dense).AddScaledIdentity(Ah, new(big.Float).Neg(bn))
	normS0 := S0.FrobeniusNorm()

	eval := func(t *big.Float) (*big.Float, bool) {
		B := new(bigmat.Dense).AddScaledIdentity(S, new(big.Float).Neg(t))
		nb := B.FrobeniusNorm()
		if nb.Sign() == 0 {
			return nil, false
		}
		inv := new(big.Float).SetPrec(prec).Quo(one(prec), nb)
		D := new(bigmat.Dense).Sub(Ah, new(bigmat.Dense).Scale(inv, B))
		f := D.FrobeniusNorm()
		return f.Mul(f, f), true
	}
	if shape.isotropic {
		// Σ = s̄²·I exactly: B(t)/‖B(t)‖ = I/√n for every t < s̄.
		out.flat = true
		out.value = flatNRC3(Ah, prec)
		out.gamma = new(big.Float).SetPrec(prec)
		clampBig(out.value, 2)
		out.notes = append(out.notes, "Σ ∝ I: NRC3(γ) is the same for every γ in [0, σ_min) and is reported at γ = 0")
		return out, nil
	}
	cands := []*big.Float{new(big.Float).SetPrec(prec)}
	c := dotBig(A0, S0, prec)
	if c.Sign() != 0 {
		t := new(big.Float).SetPrec(prec).Mul(normS0, normS0)
		t.Mul(t, bn)
		t.Quo(t, c)
		t.Sub(sbar, t)
		if t.Sign() > 0 && t.Cmp(sMin) < 0 {
			cands = append(cands, t)
		}
	}
	if sMin.Sign() > 0 {
		cands = append(cands, sMin)
	}
	for _, t := range cands {
		v, ok := eval(t)
		if ok && (out.value == nil || v.Cmp(out.value) < 0) {
			out.value = v
			out.gamma = new(big.Float).SetPrec(prec).Mul(t, t)
		}
	}
	if out.value == nil {
		return out, errors.New("metrics: no admissible γ for NRC3 (Σ^{1/2} − √γ·I vanished at every candidate although Σ is not ∝ I)")
	}
	clampBig(out.value, 2)
	return out, nil
}

// centerRows returns the rows of m minus their mean (if center), at
// precision prec, and the mean.
func centerRows(m *bigmat.Dense, prec uint, center bool) (*bigmat.Dense, []*big.Float) {
	r, c := m.Dims()
	X := m.Clone().SetPrec(prec)
	mean := make([]*big.Float, c)
	for j := 0; j < c; j++ {
		s := new(big.Float).SetPrec(prec)
		if center {
			for i := 0; i < r; i++ {
				s.Add(s, X.At(i, j))
			}
			s.Quo(s, intF(r, prec))
			for i := 0; i < r; i++ {
				e := X.At(i, j)
				e.Sub(e, s)
			}
		}
		mean[j] = s
	}
	return X, mean
}

func rowNorm2(m *bigmat.Dense, i int, prec uint) *big.Float {
	_, c := m.Dims()
	s := new(big.Float).SetPrec(prec)
	t := new(big.Float).SetPrec(prec)
	for j := 0; j < c; j++ {
		t.Mul(m.At(i, j), m.At(i, j))
		s.Add(s, t)
	}
	return s
}

func rowNorm(m *bigmat.Dense, i int, prec uint) *big.Float {
	s := rowNorm2(m, i, prec)
	return s.Sqrt(s)
}

// bigRatio returns min(1, a/b) for b > 0.
func bigRatio(a, b *big.Float) *big.Float {
	q := new(big.Float).SetPrec(a.Prec()).Quo(a, b)
	if q.Cmp(one(a.Prec())) > 0 {
		q.SetInt64(1)
	}
	return q
}

func dotBig(a, b *bigmat.Dense, prec uint) *big.Float {
	r, c := a.Dims()
	s := new(big.Float).SetPrec(prec)
	t := new(big.Float).SetPrec(prec)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			t.Mul(a.At(i, j), b.At(i, j))
			s.Add(s, t)
		}
	}
	return s
}

func clampBig(x *big.Float, hi int64) {
	if x.Sign() < 0 {
		x.SetInt64(0)
	}
	if x.Cmp(new(big.Float).SetInt64(hi)) > 0 {
		x.SetInt64(hi)
	}
}

func one(prec uint) *big.Float { return new(big.Float).SetPrec(prec).SetInt64(1) }

func intF(k int, prec uint) *big.Float { return new(big.Float).SetPrec(prec).SetInt64(int64(k)) }

// tenPow returns 10^e at precision prec.
func tenPow(e int, prec uint) *big.Float {
	t := new(big.Float).SetPrec(prec).SetInt64(1)
	ten := new(big.Float).SetPrec(prec).SetInt64(10)
	k := e
	if k < 0 {
		k = -k
	}
	p := new(big.Float).SetPrec(prec).SetInt64(1)
	for b := ten; k > 0; k >>= 1 {
		if k&1 == 1 {
			p.Mul(p, b)
		}
		b = new(big.Float).SetPrec(prec).Mul(b, b)
	}
	if e < 0 {
		return t.Quo(t, p)
	}
	return p
}

// scaled returns x·s at x's precision.
func scaled(x, s *big.Float) *big.Float {
	return new(big.Float).SetPrec(max(x.Prec(), 64)).Mul(x, s)
}

// NRC3ErrDigits is how many decimal digits more precise the second
// evaluation of NRC3 is (BigResult.NRC3Err).
const NRC3ErrDigits = 16

// NRC3Text formats r.NRC3 with the significant digits its estimated error
// r.NRC3Err leaves (at most r.Digits), or, when no digit is left (NRC3 is
// 0 to within its accuracy), as the bound "< x" with x ≥ NRC3 + NRC3Err
// to one digit. "" when NRC3 is undefined.
func (r *BigResult) NRC3Text() string {
	if r.NRC3 == nil {
		return ""
	}
	if r.NRC3Err == nil || r.NRC3Err.Sign() == 0 {
		return bigmat.Text(r.NRC3, r.Digits)
	}
	if r.NRC3.Cmp(r.NRC3Err) <= 0 {
		hi := new(big.Float).SetPrec(64).Add(r.NRC3, r.NRC3Err)
		return "< " + roundUp1(hi)
	}
	ratio := new(big.Float).SetPrec(64).Quo(r.NRC3, r.NRC3Err)
	f, _ := ratio.Float64()
	k := min(r.Digits, int(math.Floor(math.Log10(f))))
	if k < 1 {
		hi := new(big.Float).SetPrec(64).Add(r.NRC3, r.NRC3Err)
		return "< " + roundUp1(hi)
	}
	return bigmat.Text(r.NRC3, k)
}

// roundUp1 returns x > 0 rounded up to one significant digit, as text
// ("3e-66"): the exponent from x's binary exponent, any size.
func roundUp1(x *big.Float) string {
	m := new(big.Float)
	e := x.MantExp(m) // x = m·2^e, m in [0.5, 1)
	mf, _ := m.Float64()
	p := int(math.Floor((float64(e) + math.Log2(mf)) * math.Log10(2)))
	t, _ := new(big.Float).SetPrec(64).Mul(x, tenPow(-p, 64)).Float64() // ≈ [1, 10)
	d := max(math.Ceil(t), 1)
	if d >= 10 {
		d, p = 1, p+1
	}
	return fmt.Sprintf("%de%d", int(d), p)
}

// flatNRC3 returns ‖Â − I/√n‖²_F, NRC3 for Σ ∝ I, at precision prec.
func flatNRC3(Ah *bigmat.Dense, prec uint) *big.Float {
	n, _ := Ah.Dims()
	inv := new(big.Float).SetPrec(prec).Sqrt(intF(n, prec))
	inv.Quo(one(prec), inv)
	D := new(bigmat.Dense).AddScaledIdentity(Ah, new(big.Float).Neg(inv))
	f := D.FrobeniusNorm()
	return f.Mul(f, f)
}
