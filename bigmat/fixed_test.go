package bigmat

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// randomSpread returns an r×c matrix at prec bits whose entries are random
// prec-bit mantissas times 2^e, e uniform in [−spread, 0], with random
// signs, and zeros where rng says so (zeroFrac of them).
func randomSpread(rng *rand.Rand, r, c int, prec uint, spread int, zeroFrac float64) *Dense {
	m := New(r, c, prec)
	for i := range m.data {
		if rng.Float64() < zeroFrac {
			continue
		}
		x := &m.data[i]
		// A prec-bit mantissa from 64-bit chunks.
		var mant big.Int
		for b := 0; b < int(prec); b += 64 {
			mant.Lsh(&mant, 64)
			mant.Or(&mant, new(big.Int).SetUint64(rng.Uint64()))
		}
		x.SetInt(&mant)
		x.SetMantExp(x, -x.MantExp(nil)-rng.IntN(spread+1))
		if rng.IntN(2) == 0 {
			x.Neg(x)
		}
	}
	return m
}

// exactProduct returns a·b entry by entry as exact rationals (summed in
// big.Float at 8192 bits, checked to be exact).
func exactProduct(a, b *Dense) [][]*big.Rat {
	const wide = 8192
	out := make([][]*big.Rat, a.rows)
	for i := range out {
		out[i] = make([]*big.Rat, b.cols)
		for j := range out[i] {
			s := new(big.Float).SetPrec(wide)
			var t big.Float
			t.SetPrec(wide)
			for l := 0; l < a.cols; l++ {
				t.Mul(a.At(i, l), b.At(l, j))
				if t.Acc() != big.Exact {
					panic("exactProduct: inexact product")
				}
				s.Add(s, &t)
				if s.Acc() != big.Exact {
					panic("exactProduct: inexact sum")
				}
			}
			out[i][j], _ = s.Rat(nil)
		}
	}
	return out
}

// TestMulFixedExact: when every row of a and column of b fits in the word
// budget, each entry is the exact dot product correctly rounded (compared
// with the exact rational product rounded once), whatever the signs,
// zeros, cancellation and shapes.
func TestMulFixedExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 1))
	for _, tc := range []struct {
		r, k, c int
		prec    uint
		spread  int
		zeros   float64
	}{
		{1, 1, 1, 64, 0, 0},
		{3, 5, 4, 100, 20, 0.2},
		{7, 16, 5, 220, 30, 0.1},
		{6, 33, 6, 246, 5, 0},
		{4, 9, 8, 310, 60, 0.5},
		{5, 4, 3, 53, 0, 0},
		{5, 6, 7, 300, 0, 0},       // five words: the unrolled kernel
		{48, 16, 48, 220, 30, 0.1}, // large enough to be shared among goroutines
		{5, 7, 6, 1100, 40, 0.1},   // wide operands: big.Int products (Winograd, odd k)
		{6, 8, 5, 1500, 30, 0.3},   // Winograd, even k, many zeros
		{40, 12, 40, 1300, 10, 0},  // Winograd shared among goroutines
		{3, 2, 4, 3400, 0, 0},      // Winograd, k = 2
	} {
		a := randomSpread(rng, tc.r, tc.k, tc.prec, tc.spread, tc.zeros)
		b := randomSpread(rng, tc.k, tc.c, tc.prec, tc.spread, tc.zeros)
		got := new(Dense).MulFixed(a, b)
		want := exactProduct(a, b)
		for i := 0; i < tc.r; i++ {
			for j := 0; j < tc.c; j++ {
				w := new(big.Float).SetPrec(tc.prec).SetRat(want[i][j])
				if got.At(i, j).Cmp(w) != 0 {
					t.Fatalf("%+v: entry (%d,%d) = %s, want the exact product rounded, %s", tc, i, j, got.At(i, j).Text('g', 20), w.Text('g', 20))
				}
			}
		}
	}
}

// TestMulFixedMixed: a wide operand (big.Int products) times a narrow one.
func TestMulFixedMixed(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 5))
	a := randomSpread(rng, 4, 9, 1100, 30, 0.1)
	b := randomSpread(rng, 9, 5, 40, 0, 0.1)
	got := new(Dense).MulFixed(a, b)
	want := exactProduct(a, b)
	for i := 0; i < 4; i++ {
		for j := 0; j < 5; j++ {
			w := new(big.Float).SetPrec(1100).SetRat(want[i][j])
			if got.At(i, j).Cmp(w) != 0 {
				t.Fatalf("entry (%d,%d) = %s, want %s", i, j, got.At(i, j).Text('g', 20), w.Text('g', 20))
			}
		}
	}
}

// TestMulFixedTruncated: operands whose rows span far more bits than the
// word budget are truncated; every entry must stay within the documented
// 2^-p·|c_ij| + 2^-(p+14)·‖a_i‖‖b_j‖ of the exact product, and the bound
// must not be vacuous (the truncation really happened: some entry is not
// the correctly rounded product).
func TestMulFixedTruncated(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2))
	const prec = 120
	a := randomSpread(rng, 6, 40, prec, 600, 0)
	b := randomSpread(rng, 40, 5, prec, 600, 0)
	got := new(Dense).MulFixed(a, b)
	want := exactProduct(a, b)
	inexact := 0
	for i := 0; i < 6; i++ {
		for j := 0; j < 5; j++ {
			var na, nb big.Rat
			for l := 0; l < 40; l++ {
				x, _ := a.At(i, l).Rat(nil)
				y, _ := b.At(l, j).Rat(nil)
				na.Add(&na, x.Mul(x, x))
				nb.Add(&nb, y.Mul(y, y))
			}
			nab, _ := new(big.Float).SetPrec(64).SetRat(new(big.Rat).Mul(&na, &nb)).Float64()
			g, _ := got.At(i, j).Rat(nil)
			diff, _ := new(big.Rat).Sub(g, want[i][j]).Float64()
			w, _ := want[i][j].Float64()
			bound := math.Ldexp(math.Abs(w), -prec) + math.Ldexp(math.Sqrt(nab), -prec-14)
			if math.Abs(diff) > bound {
				t.Errorf("entry (%d,%d): error %g above the bound %g", i, j, diff, bound)
			}
			if w2 := new(big.Float).SetPrec(prec).SetRat(want[i][j]); w2.Cmp(got.At(i, j)) != 0 {
				inexact++
			}
		}
	}
	if inexact == 0 {
		t.Error("no entry was truncated: the test does not exercise the truncated path")
	}
}

// TestMulFixedMatchesMul: aliasing, receiver precision, zero rows and
// infinite entries (which fall back to Mul) behave as Mul's.
func TestMulFixedMatchesMul(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 3))
	a := randomSpread(rng, 4, 4, 200, 10, 0)
	for j := 0; j < 4; j++ {
		a.At(2, j).SetInt64(0) // a zero row
	}
	b := randomSpread(rng, 4, 4, 200, 10, 0)
	want := new(Dense).Mul(a, b)
	tol := tolFor(4, 200, want.FrobeniusNorm())
	got := a.Clone()
	got.MulFixed(got, b) // aliased receiver
	checkLE(t, "aliased MulFixed vs Mul", diffNorm(got, want), tol)
	for j := 0; j < 4; j++ {
		if got.At(2, j).Sign() != 0 {
			t.Fatalf("zero row gave %s", got.At(2, j).String())
		}
	}
	low := New(4, 4, 80)
	low.MulFixed(a, b)
	if low.Prec() != 80 || low.At(0, 0).Prec() != 80 {
		t.Errorf("receiver precision %d/%d, want 80", low.Prec(), low.At(0, 0).Prec())
	}
	inf := a.Clone()
	inf.At(0, 0).SetInf(false)
	b.At(0, 1).SetInt64(0)
	wantInf := new(Dense).Mul(inf, b)
	gotInf := new(Dense).MulFixed(inf, b)
	if !gotInf.At(0, 0).IsInf() || gotInf.At(1, 1).Cmp(wantInf.At(1, 1)) != 0 {
		t.Errorf("infinite operand: got %s, %s; Mul gives %s, %s", gotInf.At(0, 0).String(), gotInf.At(1, 1).String(), wantInf.At(0, 0).String(), wantInf.At(1, 1).String())
	}
	mustPanic(t, "MulFixed 4×4 by 3×4", func() { new(Dense).MulFixed(a, New(3, 4, 64)) })
}

// TestMulFixedSym: for XᵀX and Xᵀ·diag·X the symmetric variant gives
// exactly MulFixed's upper triangle, mirrored.
func TestMulFixedSym(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 4))
	for _, n := range []int{1, 5, 37} {
		x := randomSpread(rng, 23, n, 200, 25, 0.1)
		xt := new(Dense).T(x)
		d := randomSpread(rng, 23, 1, 200, 5, 0)
		xd := x.Clone()
		for i := 0; i < 23; i++ {
			for j := 0; j < n; j++ {
				xd.At(i, j).Mul(xd.At(i, j), d.At(i, 0))
			}
		}
		for _, b := range []*Dense{x, xd} {
			want := new(Dense).MulFixed(xt, b)
			got := new(Dense).MulFixedSym(xt, b)
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					w := want.At(min(i, j), max(i, j))
					if got.At(i, j).Cmp(w) != 0 {
						t.Fatalf("n=%d: entry (%d,%d) = %s, want %s", n, i, j, got.At(i, j).Text('g', 20), w.Text('g', 20))
					}
				}
			}
		}
	}
	mustPanic(t, "MulFixedSym 3×4 by 4×5", func() { new(Dense).MulFixedSym(New(3, 4, 64), New(4, 5, 64)) })
}

// TestMulFixedEmpty: empty shapes give Mul's (zero) results.
func TestMulFixedEmpty(t *testing.T) {
	for _, s := range [][3]int{{0, 3, 2}, {2, 0, 3}, {3, 2, 0}} {
		got := new(Dense).MulFixed(New(s[0], s[1], 64), New(s[1], s[2], 64))
		if r, c := got.Dims(); r != s[0] || c != s[2] {
			t.Fatalf("%v: result %d×%d", s, r, c)
		}
		for i := 0; i < s[0]; i++ {
			for j := 0; j < s[2]; j++ {
				if got.At(i, j).Sign() != 0 {
					t.Fatalf("%v: entry (%d,%d) = %s", s, i, j, got.At(i, j).String())
				}
			}
		}
	}
}

// TestMulFixedWidths: every pair of word widths 1…8 of the operands (the
// unrolled kernels and the generic one), exact operands, against the exact
// product rounded once.
func TestMulFixedWidths(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 13))
	const prec = 600 // the products keep up to 10 words: nothing is truncated
	for la := 1; la <= 8; la++ {
		for lb := 1; lb <= 8; lb++ {
			a := randomSpread(rng, 3, 9, uint(64*la-8), 0, 0.1)
			b := randomSpread(rng, 9, 4, uint(64*lb-8), 0, 0.1)
			got := New(3, 4, prec).MulFixed(a, b)
			want := exactProduct(a, b)
			for i := 0; i < 3; i++ {
				for j := 0; j < 4; j++ {
					w := new(big.Float).SetPrec(prec).SetRat(want[i][j])
					if got.At(i, j).Cmp(w) != 0 {
						t.Fatalf("widths %d, %d: entry (%d,%d) = %s, want %s", la, lb, i, j, got.At(i, j).Text('g', 20), w.Text('g', 20))
					}
				}
			}
		}
	}
}
