package theory

import (
	"math/big"

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
type moments struct {
	u    [][]*big.Int // n×M
	sum  []*big.Int   // n
	n    [][]*big.Int // n×n, symmetric
	ml   *big.Int     // M·L
	den  *big.Int     // M³·L²
	mean []*big.Rat   // ȳ exactly
}

func newMoments(in *instance.Instance) *moments {
	n, m := in.N(), in.M()
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
		}
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
	return mo
}

// sigma returns Σ = N/(M³L²) as exact rationals.
func (mo *moments) sigma() [][]*big.Rat {
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

// centered returns Ỹ = U/(M·L) at precision prec: each entry within
// 3·2^-prec of its own size (U and M·L rounded, then divided), without the
// gcds of exact rationals (which dominate for large common denominators).
func (mo *moments) centered(prec uint) *bigmat.Dense {
	n, m := len(mo.u), len(mo.u[0])
	out := bigmat.New(n, m, prec)
	ml := new(big.Float).SetPrec(prec).SetInt(mo.ml)
	for k := 0; k < n; k++ {
		for i := 0; i < m; i++ {
			e := out.At(k, i)
			e.SetInt(mo.u[k][i])
			e.Quo(e, ml)
		}
	}
	return out
}

// sigmaFloat returns Σ = N/(M³L²) at precision prec, each entry within
// sigmaFloatUlps·2^-prec of its own size (N and the denominator rounded,
// then divided).
func (mo *moments) sigmaFloat(prec uint) *bigmat.Dense {
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
