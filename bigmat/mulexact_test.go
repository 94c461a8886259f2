package bigmat

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestMulErrorBound checks Mul's documented bound entry by entry against
// the exact rational product: |z_ij − (ab)_ij| ≤ 2^-p·|(ab)_ij| +
// 2^-(p+61)·max_l |a_il b_lj|, on operands whose entries span ±300 binary
// orders of magnitude, with entries chosen to cancel (b's column j holds
// x and −x·(1 + 2^-(p−3)) against equal entries of a) so that an
// entry is far below its terms, and with mantissas of full precision.
// A product rounded at every operation, or one truncated at fewer guard
// bits, exceeds the bound on the cancelling entries.
func TestMulErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, prec := range []uint{64, 113, 300, 1100} {
		for trial := 0; trial < 20; trial++ {
			r, k, c := 1+rng.IntN(5), 2+rng.IntN(7), 1+rng.IntN(5)
			a, b := New(r, k, prec), New(k, c, prec)
			for i := range a.data {
				randomWide(rng, &a.data[i], prec)
			}
			for i := range b.data {
				randomWide(rng, &b.data[i], prec)
			}
			if trial%2 == 0 {
				// Cancellation: a_i0 = a_i1 and b_1j = −b_0j·(1 + 2^-(p−3)), exact at p bits.
				eps := new(big.Float).SetPrec(2*prec+80).SetMantExp(big.NewFloat(1), -int(prec)+3)
				for i := 0; i < r; i++ {
					a.data[i*k+1].Set(&a.data[i*k])
				}
				for j := 0; j < c; j++ {
					x := new(big.Float).SetPrec(2*prec+80).Add(big.NewFloat(1), eps)
					x.Mul(x, &b.data[j])
					b.data[c+j].Neg(x)
				}
			}
			z := new(Dense).Mul(a, b)
			checkMulBound(t, a, b, z, prec)
		}
	}
}

// randomWide sets x to a random full-precision mantissa times 2^e, e in
// [−300, 300], either sign; one entry in eight is zero.
func randomWide(rng *rand.Rand, x *big.Float, prec uint) {
	if rng.IntN(8) == 0 {
		x.SetInt64(0)
		return
	}
	m := new(big.Int)
	for m.BitLen() < int(prec) {
		m.Lsh(m, 62)
		m.Add(m, big.NewInt(rng.Int64N(1<<62)))
	}
	m.Rsh(m, uint(m.BitLen())-prec)
	if rng.IntN(2) == 0 {
		m.Neg(m)
	}
	x.SetInt(m)
	x.SetMantExp(x, rng.IntN(601)-300-int(prec))
}

func checkMulBound(t *testing.T, a, b, z *Dense, prec uint) {
	t.Helper()
	for i := 0; i < a.rows; i++ {
		for j := 0; j < b.cols; j++ {
			exact, maxTerm := new(big.Rat), new(big.Rat)
			for l := 0; l < a.cols; l++ {
				x, _ := a.At(i, l).Rat(nil)
				y, _ := b.At(l, j).Rat(nil)
				term := new(big.Rat).Mul(x, y)
				exact.Add(exact, term)
				if term.Abs(term).Cmp(maxTerm) > 0 {
					maxTerm.Set(term)
				}
			}
			got, _ := z.At(i, j).Rat(nil)
			err := new(big.Rat).Sub(got, exact)
			err.Abs(err)
			bound := new(big.Rat).Abs(exact)
			bound.Mul(bound, new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), prec)))
			bound.Add(bound, new(big.Rat).Mul(maxTerm, new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), prec+61))))
			if err.Cmp(bound) > 0 {
				e, _ := err.Float64()
				bd, _ := bound.Float64()
				t.Fatalf("prec %d entry (%d,%d) of a %d×%d·%d×%d product: error %.3g above the bound %.3g", prec, i, j, a.rows, a.cols, b.rows, b.cols, e, bd)
			}
		}
	}
}

// TestMulSym: MulTrans(a, a) and TransMul(a, a) are exactly symmetric and
// equal Mul's entries on and above the diagonal; MulSym of B·S·B likewise
// mirrors Mul(B·S, B)'s upper triangle.
func TestMulSym(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	a := New(4, 6, 200)
	for i := range a.data {
		randomWide(rng, &a.data[i], 200)
	}
	cases := []struct {
		name      string
		got, want *Dense
	}{
		{"a·aᵀ", new(Dense).MulTrans(a, a), new(Dense).Mul(a, new(Dense).T(a))},
		{"aᵀ·a", new(Dense).TransMul(a, a), new(Dense).Mul(new(Dense).T(a), a)},
	}
	for _, c := range cases {
		r, _ := c.got.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < r; j++ {
				if c.got.At(i, j).Cmp(c.got.At(j, i)) != 0 {
					t.Fatalf("%s: entry (%d,%d) ≠ (%d,%d)", c.name, i, j, j, i)
				}
				if j >= i && c.got.At(i, j).Cmp(c.want.At(i, j)) != 0 {
					t.Fatalf("%s: entry (%d,%d) %s differs from Mul's %s", c.name, i, j, c.got.At(i, j).Text('g', 20), c.want.At(i, j).Text('g', 20))
				}
			}
		}
	}
}
