package theory

import (
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
)

// spectralCert turns a computed eigendecomposition Σ̃ ≈ V·diag(λ̃)·Vᵀ of
// the rounded Σ̃ = round(Σ) into rigorous statements about the exact Σ, so
// that inertia counts (the number of eigenvalues of Σ above t) need exact
// rational arithmetic only when an eigenvalue is too close to t to tell.
//
// The argument. Let A = Σ̃ − t̃·I (t̃ the rounded shift), D = diag(λ̃ − t̃),
// R = Σ̃V − VΛ̃ = AV − VD and F = VᵀV − I with ‖F‖₂ ≤ α < 1. Then V is
// nonsingular, and
//
//   - (Sylvester, Ostrowski) VᵀAV is congruent to A, and index by index
//     λ_i(VᵀAV) = θ_i·λ_i(A) with θ_i ∈ [1 − α, 1 + α];
//   - (Weyl) VᵀAV − D = F·D + VᵀR is symmetric, so
//     |λ_i(VᵀAV) − d_i| ≤ g = α·max|d_j| + √(1+α)·‖R‖_F;
//   - (Weyl) Σ − t·I = A − E with ‖E‖₂ ≤ e = ‖Σ − Σ̃‖_F + |t − t̃|.
//
// Hence λ_i(Σ − tI) > 0 when (d_i − g)/(1 + α) > e, and < 0 when
// (d_i + g)/(1 + α) < −e. R and F are formed at certPrecExtra more bits
// than Σ̃ and V, with the rounding of their sums (at most (n+2)·2^-p₂ of
// the sums of absolute values) added to ‖R‖_F and α; a factor 2 on every
// bound covers the rounding of the bounds' own evaluation. The products
// are bigmat.MulFixed's, whose error (2^-p₂ of the entry plus 2^-(p₂+14)
// of the product of the row and column norms, then one rounding of each
// subtraction) stays below 3·2^-p₂·‖V‖_F·(‖Σ̃‖_F + max|λ̃|) for R and
// 2.01·2^-p₂·(‖V‖²_F + 1) for F, within the (n+2)·2^-p₂ terms for n ≥ 1.
type spectralCert struct {
	vals  []*big.Float // λ̃, descending
	alpha *big.Float   // bound on ‖VᵀV − I‖₂
	g0    *big.Float   // bound on ‖VᵀR‖₂
	e     *big.Float   // bound on ‖Σ − Σ̃‖₂
	ok    bool         // α < 1/2: the bounds apply
}

// certPrecExtra is how many bits beyond the eigendecomposition's precision
// the residuals are formed at.
const certPrecExtra = 64

// newSpectralCert bounds the eigendecomposition (vals, v) of sigma, which
// is within sigmaErr of the exact Σ in Frobenius norm.
func newSpectralCert(sigma *bigmat.Dense, vals []*big.Float, v *bigmat.Dense, sigmaErr *big.Float) *spectralCert {
	n, _ := sigma.Dims()
	p := sigma.Prec()
	p2 := p + certPrecExtra
	c := &spectralCert{vals: vals}
	s2 := sigma.Clone().SetPrec(p2)
	v2 := v.Clone().SetPrec(p2)
	r := new(bigmat.Dense).MulFixed(s2, v2) // Σ̃V
	maxL := new(big.Float).SetPrec(p2)
	for j := 0; j < n; j++ {
		if a := new(big.Float).Abs(vals[j]); a.Cmp(maxL) > 0 {
			maxL = a
		}
		for i := 0; i < n; i++ {
			var t big.Float
			t.SetPrec(p2).Mul(v2.At(i, j), vals[j])
			r.At(i, j).Sub(r.At(i, j), &t)
		}
	}
	f := new(bigmat.Dense).MulFixedSym(new(bigmat.Dense).T(v2), v2) // VᵀV
	for i := 0; i < n; i++ {
		f.At(i, i).Sub(f.At(i, i), new(big.Float).SetInt64(1))
	}
	u2 := new(big.Float).SetPrec(p2).SetMantExp(big.NewFloat(1), -int(p2))
	nv := v2.FrobeniusNorm()
	ns := s2.FrobeniusNorm()
	k2 := new(big.Float).SetPrec(p2).SetInt64(int64(n + 2))
	// ‖R‖_F + (n+2)·u₂·‖V‖_F·(‖Σ̃‖_F + max|λ̃|)
	errR := new(big.Float).SetPrec(p2).Add(ns, maxL)
	errR.Mul(errR, nv).Mul(errR, k2).Mul(errR, u2)
	normR := r.FrobeniusNorm()
	normR.Add(normR, errR)
	// α = ‖F‖_F + (n+2)·u₂·(‖V‖²_F + 1)
	errF := new(big.Float).SetPrec(p2).Mul(nv, nv)
	errF.Add(errF, big.NewFloat(1)).Mul(errF, k2).Mul(errF, u2)
	c.alpha = f.FrobeniusNorm()
	c.alpha.Add(c.alpha, errF)
	two := big.NewFloat(2)
	c.alpha.Mul(c.alpha, two)
	c.ok = c.alpha.Cmp(big.NewFloat(0.5)) < 0
	// g0 = √(1+α)·‖R‖_F ≤ (1+α)·‖R‖_F
	c.g0 = new(big.Float).SetPrec(p2).Add(c.alpha, big.NewFloat(1))
	c.g0.Mul(c.g0, normR).Mul(c.g0, two)
	// e = ‖Σ − Σ̃‖_F ≥ ‖Σ − Σ̃‖₂, doubled.
	c.e = new(big.Float).SetPrec(p2).Mul(sigmaErr, two)
	return c
}

// countAbove returns the number of eigenvalues of the exact Σ strictly
// above the exact rational t, and whether the bounds decide it (false
// when some eigenvalue is too close to t).
func (c *spectralCert) countAbove(t *big.Rat) (int, bool) {
	if c == nil || !c.ok {
		return 0, false
	}
	p := c.g0.Prec()
	tt := new(big.Float).SetPrec(p).SetRat(t)
	// e + |t − t̃|, with |t − t̃| ≤ 2^-p·|t̃|·2.
	e := new(big.Float).SetPrec(p).SetMantExp(new(big.Float).Abs(tt), 2-int(p))
	e.Add(e, c.e)
	d := make([]*big.Float, len(c.vals))
	maxD := new(big.Float).SetPrec(p)
	for i, l := range c.vals {
		d[i] = new(big.Float).SetPrec(p).Sub(l, tt)
		if a := new(big.Float).Abs(d[i]); a.Cmp(maxD) > 0 {
			maxD = a
		}
	}
	g := new(big.Float).SetPrec(p).Mul(c.alpha, maxD)
	g.Add(g, c.g0).Mul(g, big.NewFloat(2))
	onePlus := new(big.Float).SetPrec(p).Add(c.alpha, big.NewFloat(1))
	count := 0
	var x big.Float
	x.SetPrec(p)
	for _, di := range d {
		x.Sub(di, g)
		x.Quo(&x, onePlus)
		if x.Cmp(e) > 0 {
			count++
			continue
		}
		x.Add(di, g)
		x.Quo(&x, onePlus)
		x.Neg(&x)
		if x.Cmp(e) > 0 {
			continue
		}
		return 0, false
	}
	return count, true
}

// positiveLowerBound returns how many eigenvalues of Σ are certified
// positive (without deciding the others): a lower bound on rank Σ.
func (c *spectralCert) positiveLowerBound() int {
	if c == nil || !c.ok {
		return 0
	}
	p := c.g0.Prec()
	maxD := new(big.Float).SetPrec(p)
	for _, l := range c.vals {
		if a := new(big.Float).Abs(l); a.Cmp(maxD) > 0 {
			maxD = a
		}
	}
	g := new(big.Float).SetPrec(p).Mul(c.alpha, maxD)
	g.Add(g, c.g0).Mul(g, big.NewFloat(2))
	onePlus := new(big.Float).SetPrec(p).Add(c.alpha, big.NewFloat(1))
	count := 0
	var x big.Float
	x.SetPrec(p)
	for _, l := range c.vals {
		x.Sub(l, g)
		x.Quo(&x, onePlus)
		if x.Cmp(c.e) > 0 {
			count++
		}
	}
	return count
}

// eigenvalueError bounds |λ_i(Σ̃) − λ̃_i| for every i (the shift t = 0):
// λ_i(Σ̃) = λ_i(VᵀΣ̃V)/θ_i with |λ_i(VᵀΣ̃V) − λ̃_i| ≤ g, so the error is at
// most (g + α·|λ̃_i|)/(1 − α) ≤ 2(g + α·max|λ̃|) for α ≤ 1/2. Infinite
// when the bounds do not apply.
func (c *spectralCert) eigenvalueError() *big.Float {
	if c == nil || !c.ok {
		return new(big.Float).SetInf(false)
	}
	p := c.g0.Prec()
	maxL := new(big.Float).SetPrec(p)
	for _, l := range c.vals {
		if a := new(big.Float).Abs(l); a.Cmp(maxL) > 0 {
			maxL = a
		}
	}
	g := new(big.Float).SetPrec(p).Mul(c.alpha, maxL)
	g.Add(g, c.g0).Mul(g, big.NewFloat(2))
	out := new(big.Float).SetPrec(p).Mul(c.alpha, maxL)
	out.Add(out, g)
	return out.Mul(out, big.NewFloat(2))
}
