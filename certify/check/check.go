package check

import (
	"fmt"
	"math/big"
)

// Lemma identifiers a certificate must name for each part it claims.
const (
	LemmaBiasSplit       = "bias-split"
	LemmaFactorization   = "factorization-nuclear"
	LemmaWeakDuality     = "weak-duality"
	LemmaSylvester       = "sylvester-inertia"
	LemmaMirsky          = "mirsky-von-neumann"
	LemmaStrongConvexity = "strong-convexity"
	LemmaSqrtBounds      = "rational-sqrt-bounds"
	LemmaClosedForm      = "closed-form-spectral"
	LemmaBiasDuality     = "bias-regularized-duality"
	LemmaNonnegative     = "nonnegative"
	LemmaTraceIdentity   = "trace-identity"
)

// Report is what a valid certificate proves. Every field was recomputed by
// the checker with exact arithmetic.
type Report struct {
	Name         string
	Lower, Upper *big.Rat // lower ≤ L* ≤ upper (the claimed, now verified, bounds)
	PointLoss    *big.Rat // L at the point, exactly
	Bound        *big.Rat // the lower bound recomputed (ℓ(Λ) or the Mirsky bound)
	Method       string
	CFLower      *big.Rat // the closed form of docs/theory.md §3 lies in [CFLower, CFUpper]
	CFUpper      *big.Rat
	ProvedDigits int  // > 0: both intervals have relative width ≤ 10^-ProvedDigits and intersect
	Refuted      bool // the closed form's interval and [Lower, Upper] are disjoint
	// EnclosedDigits > 0 (bias regularized, no closed form to compare):
	// [Lower, Upper] has relative width ≤ 10^-EnclosedDigits.
	EnclosedDigits int
}

// InvalidError is a readable certificate whose claims do not all hold.
type InvalidError struct{ Problem string }

func (e *InvalidError) Error() string { return "invalid certificate: " + e.Problem }

func invalid(format string, a ...any) error { return &InvalidError{Problem: fmt.Sprintf(format, a...)} }

// data holds Ỹ, Σ and the other exact quantities every check uses.
type data struct {
	n, m, k int
	yt      [][]*big.Rat // Ỹ, n×M
	sigma   [][]*big.Rat // Σ = ỸỸᵀ/M
	c, mr   *big.Rat     // c = λ_H λ_W, M
}

func newData(c *Cert) *data {
	n, m := len(c.Y), len(c.Y[0])
	d := &data{n: n, m: m, k: min(n, c.D), c: mul(c.LambdaH, c.LambdaW), mr: rat(int64(m), 1)}
	d.yt = make([][]*big.Rat, n)
	for i, row := range c.Y {
		mean := new(big.Rat)
		if !c.BiasNone && !c.BiasReg {
			for _, v := range row {
				mean.Add(mean, v)
			}
			mean.Quo(mean, d.mr)
		}
		d.yt[i] = make([]*big.Rat, m)
		for j, v := range row {
			d.yt[i][j] = sub(v, mean)
		}
	}
	g := gram(d.yt)
	for _, row := range g {
		for _, v := range row {
			v.Quo(v, d.mr)
		}
	}
	d.sigma = g
	return d
}

// Values are the exact quantities the checker recomputes from a
// certificate's data (the point, Λ, the spectrum enclosures), before any
// claim is compared with them.
type Values struct {
	PointLoss *big.Rat // L at the point
	Bound     *big.Rat // ℓ(Λ) for method dual, the Mirsky bound for mirsky
	Mirsky    *big.Rat // the Mirsky bound (always available from the spectrum)
	CFLower   *big.Rat // the closed form of docs/theory.md §3 lies in [CFLower, CFUpper]
	CFUpper   *big.Rat
	Residual2 *big.Rat // ‖Z − Ỹ‖²_F, Z = W H̃ the point's centered predictions
}

// Compute recomputes the Values exactly. It returns an *InvalidError when
// the data themselves are wrong: Λ infeasible, a spectrum enclosure or a
// square-root bound that does not hold, a nonzero bias for bias none.
func Compute(c *Cert) (*Values, error) {
	d := newData(c)
	if c.BiasNone {
		for _, b := range c.B {
			if b.Sign() != 0 {
				return nil, invalid("point.b must be zero for bias none")
			}
		}
	}
	v := &Values{PointLoss: pointLoss(c, d)}
	if c.BiasReg {
		var err error
		v.Bound, err = dualBound(c, d)
		return v, err
	}
	if err := checkSpectrum(c, d); err != nil {
		return nil, err
	}
	v.Mirsky = nonnegative(mirskyBound(c, d))
	v.Bound = v.Mirsky
	if c.Lambda != nil {
		var err error
		if v.Bound, err = dualBound(c, d); err != nil {
			return nil, err
		}
	}
	v.CFLower, v.CFUpper = closedForm(c, d)
	z := centeredPredictions(c, d)
	for i := range z {
		for j := range z[i] {
			z[i][j].Sub(z[i][j], d.yt[i][j])
		}
	}
	v.Residual2 = frob2(z)
	return v, nil
}

// Check verifies every claim of the certificate with exact rational
// arithmetic. It returns an *InvalidError naming the first claim that
// fails.
func Check(c *Cert) (*Report, error) {
	if err := requireLemmas(c); err != nil {
		return nil, err
	}
	if c.Lower.Cmp(c.Upper) > 0 {
		return nil, invalid("lower > upper")
	}
	v, err := Compute(c)
	if err != nil {
		return nil, err
	}
	rep := &Report{Name: c.Name, Lower: c.Lower, Upper: c.Upper, Method: c.File.LowerBound.Method,
		PointLoss: v.PointLoss, Bound: v.Bound, CFLower: v.CFLower, CFUpper: v.CFUpper}
	if v.PointLoss.Cmp(c.Upper) > 0 {
		return nil, invalid("upper is below L at the point (L = %s)", short(v.PointLoss))
	}
	if c.Lower.Cmp(v.Bound) > 0 {
		return nil, invalid("lower exceeds the recomputed %s bound %s", rep.Method, short(v.Bound))
	}
	if !c.BiasReg && (c.CFLower.Cmp(v.CFLower) > 0 || c.CFUpper.Cmp(v.CFUpper) < 0) {
		return nil, invalid("closed_form interval does not contain the recomputed [%s, %s]", short(v.CFLower), short(v.CFUpper))
	}
	if err := checkImplied(c, v); err != nil {
		return nil, err
	}
	return rep, verdict(c, rep)
}

func requireLemmas(c *Cert) error {
	have := map[string]bool{}
	for _, l := range c.File.Lemmas {
		have[l.ID] = true
	}
	need := []string{LemmaBiasSplit, LemmaFactorization, LemmaSylvester, LemmaSqrtBounds, LemmaClosedForm, LemmaNonnegative}
	if c.BiasReg {
		need = []string{LemmaFactorization, LemmaBiasDuality, LemmaSylvester}
	} else if c.Lambda != nil {
		need = append(need, LemmaWeakDuality)
	} else {
		need = append(need, LemmaMirsky)
	}
	if c.Radius != nil || c.MSE != nil {
		need = append(need, LemmaStrongConvexity)
	}
	if !c.BiasReg && c.LambdaH.Sign() == 0 && min(c.D, len(c.Y)) == len(c.Y) {
		need = append(need, LemmaTraceIdentity)
	}
	for _, id := range need {
		if !have[id] {
			return invalid("lemma %q is used but not named", id)
		}
	}
	return nil
}

// centeredPredictions returns Z = W H̃, H̃ = H with its row means removed
// (H itself for bias none).
func centeredPredictions(c *Cert, d *data) [][]*big.Rat {
	h := c.H
	if !c.BiasNone {
		h = make([][]*big.Rat, len(c.H))
		for i, row := range c.H {
			mean := new(big.Rat)
			for _, v := range row {
				mean.Add(mean, v)
			}
			mean.Quo(mean, d.mr)
			h[i] = make([]*big.Rat, len(row))
			for j, v := range row {
				h[i][j] = sub(v, mean)
			}
		}
	}
	return matMul(c.W, h)
}

// pointLoss is L(W, H, b) of docs/theory.md §1 at the certificate's point.
func pointLoss(c *Cert, d *data) *big.Rat {
	p := matMul(c.W, c.H)
	for i := range p {
		for j := range p[i] {
			p[i][j].Add(p[i][j], c.B[i])
			p[i][j].Sub(p[i][j], c.Y[i][j])
		}
	}
	l := new(big.Rat).Quo(frob2(p), mul(rat(2, 1), d.mr))
	l.Add(l, new(big.Rat).Quo(mul(c.LambdaH, frob2(c.H)), mul(rat(2, 1), d.mr)))
	l.Add(l, mul(mul(c.LambdaW, rat(1, 2)), frob2(c.W)))
	if c.BiasReg {
		l.Add(l, mul(mul(c.LambdaB, rat(1, 2)), frob2([][]*big.Rat{c.B})))
	}
	return l
}

// dualBound checks Λ Λᵀ ≺ (c/M) I by exact inertia and returns
// ℓ(Λ) = ⟨Λ, Ỹ⟩ − (M/2)‖Λ‖²_F, minus ‖Λ1‖²/(2λ_b) for bias regularized
// (where Ỹ = Y).
func dualBound(c *Cert, d *data) (*big.Rat, error) {
	k := shifted(new(big.Rat).Quo(d.c, d.mr), gram(c.Lambda))
	if pos, _, ok := Inertia(k); !ok || pos != d.n {
		return nil, invalid("lower_bound.lambda: (c/M)I − ΛΛᵀ is not positive definite (LDLᵀ pivots)")
	}
	l := inner(c.Lambda, d.yt)
	l.Sub(l, mul(mul(d.mr, rat(1, 2)), frob2(c.Lambda)))
	if c.BiasReg {
		sums := make([]*big.Rat, len(c.Lambda))
		for i, row := range c.Lambda {
			sums[i] = new(big.Rat)
			for _, x := range row {
				sums[i].Add(sums[i], x)
			}
		}
		l.Sub(l, new(big.Rat).Quo(frob2([][]*big.Rat{sums}), mul(rat(2, 1), c.LambdaB)))
	}
	return l, nil
}

// checkSpectrum verifies Lower[i] < σ_{i+1} ≤ Upper[i] by exact inertia of
// Σ − tI and the square-root bounds.
func checkSpectrum(c *Cert, d *data) error {
	for i := 0; i < d.k; i++ {
		pos, _, ok := Inertia(shifted(new(big.Rat).Neg(c.SigUpper[i]), negate(d.sigma)))
		if !ok || pos > i {
			return invalid("spectrum.upper[%d] is not an upper bound of σ_%d (inertia of Σ − tI)", i, i+1)
		}
		pos, _, ok = Inertia(shifted(new(big.Rat).Neg(c.SigLower[i]), negate(d.sigma)))
		if !ok || pos < i+1 {
			return invalid("spectrum.lower[%d] is not a lower bound of σ_%d (inertia of Σ − tI)", i, i+1)
		}
		s := c.RootUpper[i]
		if s.Sign() < 0 || mul(s, s).Cmp(mul(d.c, c.SigUpper[i])) > 0 {
			return invalid("spectrum.root_c_upper[%d]² exceeds c·upper[%d] (or it is negative)", i, i)
		}
		s = c.RootLower[i]
		if s.Sign() < 0 || mul(s, s).Cmp(mul(d.c, c.SigLower[i])) < 0 {
			return invalid("spectrum.root_c_lower[%d]² is below c·lower[%d] (or it is negative)", i, i)
		}
	}
	return nil
}

func negate(a [][]*big.Rat) [][]*big.Rat { return shifted(new(big.Rat), a) }

// phiUpper bounds φ(σ) = (√σ − √c)²₊/2 above for σ ≤ u, given s ≤ √(cu).
func phiUpper(u, s, c *big.Rat) *big.Rat {
	if u.Cmp(c) <= 0 {
		return new(big.Rat)
	}
	v := add(u, c)
	v.Mul(v, rat(1, 2))
	return v.Sub(v, s)
}

// phiLower bounds φ(σ) below for σ ≥ l, given S ≥ √(cl).
func phiLower(l, s, c *big.Rat) *big.Rat {
	if l.Cmp(c) <= 0 {
		return new(big.Rat)
	}
	v := add(l, c)
	v.Mul(v, rat(1, 2))
	v.Sub(v, s)
	if v.Sign() < 0 {
		v.SetInt64(0)
	}
	return v
}

func halfTrace(d *data) *big.Rat {
	t := new(big.Rat)
	for i := range d.sigma {
		t.Add(t, d.sigma[i][i])
	}
	return t.Mul(t, rat(1, 2))
}

// mirskyBound is tr Σ/2 − Σ_{i≤k} φ⁺(σ_i), a lower bound of L* by the
// Mirsky/von Neumann lemma (rank WH ≤ k = min(d, n)).
func mirskyBound(c *Cert, d *data) *big.Rat {
	l := halfTrace(d)
	for i := 0; i < d.k; i++ {
		l.Sub(l, phiUpper(c.SigUpper[i], c.RootUpper[i], d.c))
	}
	return l
}

// nonnegative returns max(x, 0): L ≥ 0, and the closed form is ≥ 0 term
// by term (σ/2 − φ(σ) ≥ min(σ, c)/2 ≥ 0), so a negative bound of either is
// replaced by 0 (lemma nonnegative).
func nonnegative(x *big.Rat) *big.Rat {
	if x.Sign() < 0 {
		return new(big.Rat)
	}
	return x
}

// closedForm encloses L*_§3 = tr Σ/2 − Σ_{i≤k} φ(σ_i). For c = 0 and
// k = n it is exactly 0: φ(σ) = σ/2 and Σ_i σ_i = tr Σ (lemma
// trace-identity).
func closedForm(c *Cert, d *data) (lo, hi *big.Rat) {
	if d.c.Sign() == 0 && d.k == d.n {
		return new(big.Rat), new(big.Rat)
	}
	lo = nonnegative(mirskyBound(c, d))
	hi = halfTrace(d)
	for i := 0; i < d.k; i++ {
		hi.Sub(hi, phiLower(c.SigLower[i], c.RootLower[i], d.c))
	}
	return lo, hi
}

// checkImplied verifies the prediction radius and the training-MSE
// enclosure (dual certificates only: strong convexity of the relaxation).
func checkImplied(c *Cert, v *Values) error {
	if c.Lambda == nil {
		if c.Radius != nil || c.MSE != nil {
			return invalid("predictions and train_mse need a dual lower bound")
		}
		return nil
	}
	if c.Radius == nil {
		if c.MSE != nil {
			// The enclosure is built from the radius: without it nothing
			// about train_mse would be checked.
			return invalid("train_mse needs predictions.radius")
		}
		return nil
	}
	r := c.Radius
	mr := rat(int64(len(c.Y[0])), 1)
	need := mul(mul(rat(2, 1), mr), sub(c.Upper, c.Lower))
	if r.Sign() < 0 || mul(r, r).Cmp(need) < 0 {
		return invalid("predictions.radius² is below 2M(upper − lower)")
	}
	if c.MSE == nil {
		return nil
	}
	a2 := v.Residual2
	lo, hi, nlo, nhi := c.MSE[0], c.MSE[1], c.MSE[2], c.MSE[3]
	if nlo.Sign() < 0 || mul(nlo, nlo).Cmp(a2) > 0 || nhi.Sign() < 0 || mul(nhi, nhi).Cmp(a2) < 0 {
		return invalid("train_mse: norm bounds do not enclose ‖Z − Ỹ‖_F")
	}
	r2 := mul(rat(2, 1), r)
	low := sub(nlo, r2)
	if low.Sign() < 0 {
		low.SetInt64(0)
	}
	low = new(big.Rat).Quo(mul(low, low), mr)
	high := add(nhi, r2)
	high = new(big.Rat).Quo(mul(high, high), mr)
	if lo.Cmp(low) > 0 || hi.Cmp(high) < 0 {
		return invalid("train_mse interval does not contain the recomputed enclosure")
	}
	return nil
}

// narrow reports hi − lo ≤ 10^-digits · max(lo, 0) (or hi = lo).
func narrow(lo, hi *big.Rat, digits int) bool {
	w := sub(hi, lo)
	if w.Sign() == 0 {
		return true
	}
	if lo.Sign() <= 0 {
		return false
	}
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	return mul(w, new(big.Rat).SetInt(p)).Cmp(lo) <= 0
}

// verdict checks the certificate's claimed verdict.
func verdict(c *Cert, rep *Report) error {
	if c.BiasReg {
		p := c.File.ProvedDigits
		switch {
		case c.File.Verdict == "bounds" && p == 0:
		case p > 0 && p <= MaxDigits && c.File.Verdict == fmt.Sprintf("enclosed to %d digits", p) && narrow(c.Lower, c.Upper, p):
			rep.EnclosedDigits = p
		default:
			return invalid("verdict %.40q (proved_digits %d) is not implied (bias regularized: \"enclosed to D digits\" or \"bounds\")", c.File.Verdict, p)
		}
		return nil
	}
	disjoint := rep.CFLower.Cmp(c.Upper) > 0 || rep.CFUpper.Cmp(c.Lower) < 0
	rep.Refuted = disjoint
	p := c.File.ProvedDigits
	switch {
	case c.File.Verdict == "refuted":
		if !disjoint {
			return invalid("verdict refuted, but the closed form's interval meets [lower, upper]")
		}
	case p > 0:
		if p > MaxDigits || disjoint || !narrow(c.Lower, c.Upper, p) || !narrow(rep.CFLower, rep.CFUpper, p) {
			return invalid("proved_digits = %d is not implied by the intervals", p)
		}
		if c.File.Verdict != fmt.Sprintf("proved to %d digits", p) {
			return invalid("verdict %.40q does not match proved_digits = %d", c.File.Verdict, p)
		}
		rep.ProvedDigits = p
	case p < 0:
		return invalid("proved_digits is negative")
	case c.File.Verdict != "bounds":
		return invalid("verdict %.40q is not one of \"proved to D digits\", \"refuted\", \"bounds\"", c.File.Verdict)
	}
	return nil
}

// short formats x for an error message: 12 significant digits, truncated
// toward zero, as d.ddddddddddde±N ("0" for 0). FloatString(12) printed
// every integer digit: a 120 000-character line for a loss of 10^119997
// (QA session 24).
func short(x *big.Rat) string {
	if x.Sign() == 0 {
		return "0"
	}
	num, den := new(big.Int).Abs(x.Num()), x.Denom()
	// log10(2) ≈ 0.30103: e is within one or two of ⌊log10 |x|⌋.
	e := (num.BitLen() - den.BitLen()) * 30103 / 100000
	lo, hi := pow10Int(11), pow10Int(12)
	q := leading(num, den, 11-e)
	for q.Cmp(hi) >= 0 {
		e++
		q = leading(num, den, 11-e)
	}
	for q.Cmp(lo) < 0 {
		e--
		q = leading(num, den, 11-e)
	}
	sign := ""
	if x.Sign() < 0 {
		sign = "-"
	}
	d := q.String()
	return fmt.Sprintf("%s%s.%se%+d", sign, d[:1], d[1:], e)
}

// leading returns ⌊num·10^k/den⌋ for num, den > 0.
func leading(num, den *big.Int, k int) *big.Int {
	if k >= 0 {
		q := new(big.Int).Mul(num, pow10Int(k))
		return q.Quo(q, den)
	}
	return new(big.Int).Quo(num, new(big.Int).Mul(den, pow10Int(-k)))
}

// pow10Int returns 10^k, k ≥ 0.
func pow10Int(k int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
}

// PointLoss returns L(W, H, b) at the certificate's point, exactly. It
// reads only Y, the λ's, the bias flags and W, H, B of c.
func PointLoss(c *Cert) *big.Rat {
	return pointLoss(c, &data{mr: rat(int64(len(c.Y[0])), 1)})
}
