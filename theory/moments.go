package theory

import (
	"math/big"
	"math/bits"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
)

// moments are the exact first and second moments of the targets as
// integers over one common denominator, so that forming them costs integer
// multiply-adds only (no rational normalization, whose gcds dominate when
// M·n² rationals are summed, and blow up with many distinct denominators).
//
// With L the least common multiple of the target denominators, Z = L·Y
// (integer, n×M) and s = Z·1:
//
//	U = M·Z − s·1ᵀ (bias free; U = M·Z for bias none), so Ỹ = U/(M·L);
//	N = U·Uᵀ, so Σ = Ỹ·Ỹᵀ/M = N/(M³·L²);
//	ȳ = s/(M·L).
//
// When L is large (many distinct denominators: L has thousands of digits
// and every integer above with it), the moments are instead formed in
// floating point from the exact targets, with a rigorous bound on the
// error of Σ̃ (floatMoments); ȳ and tr Σ stay exact either way.
type moments struct {
	u    [][]*big.Int // n×M
	sum  []*big.Int   // n
	n    [][]*big.Int // n×n, symmetric
	ml   *big.Int     // M·L
	den  *big.Int     // M³·L²
	mean []*big.Rat   // ȳ exactly
	// trace is tr Σ exactly.
	trace *big.Rat
	// fl is set (and u, sum, n, ml, den are not) in floating mode.
	fl *floatMoments
}

// maxIntegerDenominatorBits is the largest common denominator L (in bits)
// for which the moments are formed in integers.
var maxIntegerDenominatorBits = 256

func newMoments(in *instance.Instance) *moments {
	n, m := in.N(), in.M()
	l := commonDenominator(in)
	if l.BitLen() > maxIntegerDenominatorBits {
		return newFloatMoments(in)
	}
	mo := &moments{ml: new(big.Int).Mul(big.NewInt(int64(m)), l)}
	mo.den = new(big.Int).Mul(mo.ml, mo.ml)
	mo.den.Mul(mo.den, big.NewInt(int64(m)))
	z := make([][]*big.Int, n)
	mo.sum = make([]*big.Int, n)
	mo.mean = make([]*big.Rat, n)
	var q big.Int
	for k := 0; k < n; k++ {
		z[k] = make([]*big.Int, m)
		mo.sum[k] = new(big.Int)
		for i := 0; i < m; i++ {
			y := in.Targets[i][k]
			q.Quo(l, y.Denom())
			z[k][i] = new(big.Int).Mul(y.Num(), &q)
			mo.sum[k].Add(mo.sum[k], z[k][i])
		}
		mo.mean[k] = new(big.Rat).SetFrac(mo.sum[k], mo.ml)
	}
	mo.fillIntegerMoments(in, z)
	return mo
}

// commonDenominator returns the lcm of the targets' denominators, giving
// up (and returning what it has) once it exceeds the integer threshold.
func commonDenominator(in *instance.Instance) *big.Int {
	l := big.NewInt(1)
	var g big.Int
	for _, row := range in.Targets {
		for _, y := range row {
			d := y.Denom()
			if d.Cmp(l) == 0 || d.IsInt64() && d.Int64() == 1 {
				continue
			}
			g.GCD(nil, nil, l, d)
			l.Mul(l, new(big.Int).Quo(d, &g))
			if l.BitLen() > maxIntegerDenominatorBits {
				return l
			}
		}
	}
	return l
}

// fillIntegerMoments forms U, N and tr Σ from Z = L·Y.
func (mo *moments) fillIntegerMoments(in *instance.Instance, z [][]*big.Int) {
	n, m := in.N(), in.M()
	bm := big.NewInt(int64(m))
	mo.u = make([][]*big.Int, n)
	for k := 0; k < n; k++ {
		mo.u[k] = make([]*big.Int, m)
		for i := 0; i < m; i++ {
			v := new(big.Int).Mul(bm, z[k][i])
			if in.Bias != instance.BiasNone {
				v.Sub(v, mo.sum[k])
			}
			mo.u[k][i] = v
		}
	}
	mo.n = make([][]*big.Int, n)
	for k := range mo.n {
		mo.n[k] = make([]*big.Int, n)
	}
	if small := smallInts(mo.u); small != nil {
		for k := 0; k < n; k++ {
			for j := k; j < n; j++ {
				s := dotInt64(small[k], small[j])
				mo.n[k][j], mo.n[j][k] = s, s
			}
		}
	} else {
		var t big.Int
		for k := 0; k < n; k++ {
			for j := k; j < n; j++ {
				s := new(big.Int)
				for i := 0; i < m; i++ {
					s.Add(s, t.Mul(mo.u[k][i], mo.u[j][i]))
				}
				mo.n[k][j], mo.n[j][k] = s, s
			}
		}
	}
	tr := new(big.Int)
	for k := range mo.n {
		tr.Add(tr, mo.n[k][k])
	}
	mo.trace = new(big.Rat).SetFrac(tr, mo.den)
}

// smallInts returns u as int64s when every entry is below 2^62 in
// magnitude and there are fewer than 2^62 columns, else nil.
func smallInts(u [][]*big.Int) [][]int64 {
	out := make([][]int64, len(u))
	for k, row := range u {
		if len(row) >= 1<<62 {
			return nil
		}
		out[k] = make([]int64, len(row))
		for i, x := range row {
			if x.BitLen() > 62 {
				return nil
			}
			out[k][i] = x.Int64()
		}
	}
	return out
}

// dotInt64 returns Σ_i x_i·y_i exactly, for |x_i|, |y_i| < 2^62 and fewer
// than 2^62 terms: each product (< 2^124) goes into a 192-bit unsigned
// accumulator for its sign, which the sum cannot overflow.
func dotInt64(x, y []int64) *big.Int {
	var acc [2][3]uint64
	for i := range x {
		a, b := x[i], y[i]
		s := 0
		if a < 0 {
			a, s = -a, 1-s
		}
		if b < 0 {
			b, s = -b, 1-s
		}
		hi, lo := bits.Mul64(uint64(a), uint64(b))
		var c uint64
		acc[s][0], c = bits.Add64(acc[s][0], lo, 0)
		acc[s][1], c = bits.Add64(acc[s][1], hi, c)
		acc[s][2] += c
	}
	var pos, neg big.Int
	return new(big.Int).Sub(words192(&pos, acc[0]), words192(&neg, acc[1]))
}

// words192 sets z to the unsigned little-endian 192-bit w and returns z.
func words192(z *big.Int, w [3]uint64) *big.Int {
	var t big.Int
	z.SetUint64(w[2])
	z.Lsh(z, 64)
	z.Or(z, t.SetUint64(w[1]))
	z.Lsh(z, 64)
	return z.Or(z, t.SetUint64(w[0]))
}

// sigma returns Σ = N/(M³L²) as exact rationals.
func (mo *moments) sigma() [][]*big.Rat {
	if mo.fl != nil {
		return mo.fl.in.Sigma()
	}
	n := len(mo.n)
	out := make([][]*big.Rat, n)
	for k := range out {
		out[k] = make([]*big.Rat, n)
	}
	for k := 0; k < n; k++ {
		for j := k; j < n; j++ {
			r := new(big.Rat).SetFrac(mo.n[k][j], mo.den)
			out[k][j] = r
			if j != k {
				out[j][k] = new(big.Rat).Set(r)
			}
		}
	}
	return out
}

// centeredScaled returns Ỹ as U and the divisor M·L (Ỹ = U/(M·L)) at
// precision prec: U's entries are integers, exact when they fit in prec
// bits, so that products with U (MulFixed) hold them in one or two words.
// In floating mode it returns Ỹ (centered) and 1.
func (mo *moments) centeredScaled(prec uint) (*bigmat.Dense, *big.Float) {
	one := new(big.Float).SetPrec(prec).SetInt64(1)
	if mo.fl != nil {
		return mo.fl.centered(prec), one
	}
	n, m := len(mo.u), len(mo.u[0])
	out := bigmat.New(n, m, prec)
	for k := 0; k < n; k++ {
		for i := 0; i < m; i++ {
			out.At(k, i).SetInt(mo.u[k][i])
		}
	}
	return out, new(big.Float).SetPrec(prec).SetInt(mo.ml)
}

// sigmaFloat returns Σ̃ ≈ Σ at precision prec and a bound on ‖Σ̃ − Σ‖_F.
// In integer mode Σ̃ = N/(M³L²) has each entry within
// sigmaFloatUlps·2^-prec of its own size (N and the denominator rounded,
// then divided).
func (mo *moments) sigmaFloat(prec uint) (*bigmat.Dense, *big.Float) {
	if mo.fl != nil {
		return mo.fl.sigma(prec)
	}
	out := mo.sigmaInt(prec)
	e := new(big.Float).SetPrec(prec).SetMantExp(out.FrobeniusNorm(), 1-int(prec))
	return out, e.Mul(e, big.NewFloat(sigmaFloatUlps))
}

func (mo *moments) sigmaInt(prec uint) *bigmat.Dense {
	n := len(mo.n)
	out := bigmat.New(n, n, prec)
	den := new(big.Float).SetPrec(prec).SetInt(mo.den)
	for k := 0; k < n; k++ {
		for j := 0; j < n; j++ {
			e := out.At(k, j)
			e.SetInt(mo.n[k][j])
			e.Quo(e, den)
		}
	}
	return out
}

// sigmaFloatUlps bounds the relative error of sigmaFloat's entries in units
// of 2^-prec: (1+u)³ − 1 ≤ 3.01u.
const sigmaFloatUlps = 4

// floatMoments forms Ỹ and Σ in floating point from the exact targets, at
// floatExtraBits more than requested, with a rigorous error bound.
type floatMoments struct {
	in   *instance.Instance
	mean []*big.Rat // ȳ exactly
}

// floatExtraBits is the precision beyond the requested one at which the
// floating moments are summed.
const floatExtraBits = 64

func newFloatMoments(in *instance.Instance) *moments {
	n, m := in.N(), in.M()
	mo := &moments{mean: make([]*big.Rat, n)}
	mo.fl = &floatMoments{in: in, mean: mo.mean}
	bm := big.NewInt(int64(m))
	bm2 := new(big.Int).Mul(bm, bm)
	var tr fractionSum
	for k := 0; k < n; k++ {
		var s1, s2 fractionSum
		for i := 0; i < m; i++ {
			y := in.Targets[i][k]
			s1.add(y.Num(), y.Denom())
			s2.add(new(big.Int).Mul(y.Num(), y.Num()), new(big.Int).Mul(y.Denom(), y.Denom()))
		}
		if s1.b == nil {
			s1.add(new(big.Int), big.NewInt(1))
			s2.add(new(big.Int), big.NewInt(1))
		}
		mo.mean[k] = new(big.Rat).SetFrac(s1.a, new(big.Int).Mul(s1.b, bm))
		// tr Σ = Σ_k E[y_k²] − ȳ_k² (bias none: E[y_k²]), summed unnormalized.
		tr.add(s2.a, new(big.Int).Mul(s2.b, bm))
		if in.Bias != instance.BiasNone {
			a2 := new(big.Int).Mul(s1.a, s1.a)
			tr.add(a2.Neg(a2), new(big.Int).Mul(new(big.Int).Mul(s1.b, s1.b), bm2))
		}
	}
	mo.trace = tr.rat()
	return mo
}

// fractionSum accumulates Σ p_i/q_i as one unnormalized fraction a/b
// (a/b + p/q = (a·q + p·b)/(b·q)), normalizing once at the end: with many
// distinct denominators the gcd of every big.Rat addition dominates.
type fractionSum struct {
	a, b *big.Int
}

func (f *fractionSum) add(p, q *big.Int) {
	if f.b == nil {
		f.a, f.b = new(big.Int).Set(p), new(big.Int).Set(q)
		return
	}
	if f.b.Cmp(q) == 0 {
		f.a.Add(f.a, p)
		return
	}
	f.a.Mul(f.a, q)
	f.a.Add(f.a, new(big.Int).Mul(p, f.b))
	f.b.Mul(f.b, q)
}

func (f *fractionSum) rat() *big.Rat {
	if f.b == nil {
		return new(big.Rat)
	}
	return new(big.Rat).SetFrac(f.a, f.b)
}

// centeredAt returns Ỹ = Y − ȳ1ᵀ (Y for bias none) at precision p, each
// entry from y and ȳ rounded to p bits and subtracted: within
// 2^-p·(|y| + |ȳ| + |ỹ̃|) of the exact ỹ.
func (f *floatMoments) centeredAt(p uint) *bigmat.Dense {
	in := f.in
	n, m := in.N(), in.M()
	out := bigmat.New(n, m, p)
	mean := f.mean
	var mk big.Float
	mk.SetPrec(p)
	for k := 0; k < n; k++ {
		mk.SetRat(mean[k])
		for i := 0; i < m; i++ {
			e := out.At(k, i)
			e.SetRat(in.Targets[i][k])
			if in.Bias != instance.BiasNone {
				e.Sub(e, &mk)
			}
		}
	}
	return out
}

func (f *floatMoments) centered(prec uint) *bigmat.Dense {
	return f.centeredAt(prec + floatExtraBits).SetPrec(prec)
}

// sigma returns Σ̃ = fl(Ỹ̃Ỹ̃ᵀ/M) at precision prec and a bound on
// ‖Σ̃ − Σ‖_F. With u = 2^-p (p = prec + floatExtraBits), δ_ki =
// u·(|y_ki| + |ȳ_k| + |ỹ̃_ki|) bounding the error of ỹ̃_ki, and row norms
// ‖·‖ over the samples (Cauchy–Schwarz), entry (k, l) is off by at most
//
//	(1/M)·[‖δ_k‖‖ỹ̃_l‖ + ‖δ_l‖‖ỹ̃_k‖ + ‖δ_k‖‖δ_l‖ + (M+2)·u·‖ỹ̃_k‖‖ỹ̃_l‖]
//	  + 2^-prec·|Σ̃_kl|
//
// (the product Ỹ̃Ỹ̃ᵀ by bigmat.MulFixed, within (1 + 2^-14)·u·‖ỹ̃_k‖‖ỹ̃_l‖
// of exact, then the scaling by 1/M at p bits and rounding to prec: all
// inside the (M+2)·u term); the bound is doubled for the rounding of its
// own evaluation.
func (f *floatMoments) sigma(prec uint) (*bigmat.Dense, *big.Float) {
	in := f.in
	n, m := in.N(), in.M()
	p := prec + floatExtraBits
	yt := f.centeredAt(p)
	s := new(bigmat.Dense).MulFixed(yt, new(bigmat.Dense).T(yt))
	inv := new(big.Float).SetPrec(p).Quo(big.NewFloat(1), new(big.Float).SetPrec(p).SetInt64(int64(m)))
	s = new(bigmat.Dense).Scale(inv, s)
	// Row norms of Ỹ̃ and of δ, at 64 bits (relative accuracy ample for a
	// bound that is doubled).
	mean := f.mean
	u := new(big.Float).SetMantExp(big.NewFloat(1), -int(p))
	ny := make([]*big.Float, n)
	nd := make([]*big.Float, n)
	var a, t big.Float
	a.SetPrec(64)
	t.SetPrec(64)
	for k := 0; k < n; k++ {
		sy, sd := new(big.Float).SetPrec(64), new(big.Float).SetPrec(64)
		mk := new(big.Float).SetPrec(64).SetRat(mean[k])
		mk.Abs(mk)
		for i := 0; i < m; i++ {
			e := yt.At(k, i)
			t.Mul(e, e)
			sy.Add(sy, &t)
			a.SetRat(in.Targets[i][k])
			a.Abs(&a)
			if in.Bias != instance.BiasNone {
				a.Add(&a, mk)
			}
			t.Abs(e)
			a.Add(&a, &t)
			t.Mul(&a, &a)
			sd.Add(sd, &t)
		}
		ny[k] = sy.Sqrt(sy)
		nd[k] = sd.Sqrt(sd)
		nd[k].Mul(nd[k], u)
	}
	out := s.SetPrec(prec)
	bound := new(big.Float).SetPrec(64)
	mF := new(big.Float).SetPrec(64).SetInt64(int64(m))
	m2u := new(big.Float).SetPrec(64).SetInt64(int64(m + 2))
	m2u.Mul(m2u, u)
	ulpPrec := new(big.Float).SetMantExp(big.NewFloat(1), -int(prec))
	for k := 0; k < n; k++ {
		for l := 0; l < n; l++ {
			b := new(big.Float).SetPrec(64).Mul(nd[k], ny[l])
			b.Add(b, t.Mul(nd[l], ny[k]))
			b.Add(b, t.Mul(nd[k], nd[l]))
			t.Mul(ny[k], ny[l])
			b.Add(b, t.Mul(&t, m2u))
			b.Quo(b, mF)
			t.Abs(out.At(k, l))
			b.Add(b, t.Mul(&t, ulpPrec))
			bound.Add(bound, b.Mul(b, b))
		}
	}
	bound.Sqrt(bound)
	return out, bound.Mul(bound, big.NewFloat(2))
}
