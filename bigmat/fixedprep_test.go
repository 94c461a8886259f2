package bigmat

import (
	"math/rand/v2"
	"testing"
)

// sameEntries fails unless got and want have the same shape and equal
// entries (exactly, Cmp).
func sameEntries(t *testing.T, what string, got, want *Dense) {
	t.Helper()
	gr, gc := got.Dims()
	wr, wc := want.Dims()
	if gr != wr || gc != wc {
		t.Fatalf("%s: %d×%d, want %d×%d", what, gr, gc, wr, wc)
	}
	for i := 0; i < wr; i++ {
		for j := 0; j < wc; j++ {
			if got.At(i, j).Cmp(want.At(i, j)) != 0 {
				t.Fatalf("%s: entry (%d,%d) = %s, want %s", what, i, j, got.At(i, j).Text('g', 25), want.At(i, j).Text('g', 25))
			}
		}
	}
}

// TestMulFixedPrepared: prepared operands give exactly MulFixed's entries
// (exact, truncated, word and big.Int paths, mixed widths, zero rows and
// columns), also through T(), and a Fixed does not see later changes of
// its matrix.
func TestMulFixedPrepared(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 9))
	for _, tc := range []struct {
		r, k, c      int
		precA, precB uint
		spread       int
		zeros        float64
		prec         uint
	}{
		{3, 5, 4, 100, 100, 20, 0.2, 100},
		{7, 16, 5, 220, 220, 30, 0.1, 220},
		{6, 33, 6, 300, 300, 5, 0, 300},      // five words
		{4, 9, 8, 1100, 40, 30, 0.3, 1100},   // big.Int and word operands
		{5, 12, 7, 3400, 3400, 10, 0, 3400},  // big.Int path
		{6, 40, 5, 120, 120, 600, 0, 120},    // truncated
		{9, 12, 12, 384, 3400, 4, 0.05, 384}, // operands above the product's precision
	} {
		a := randomSpread(rng, tc.r, tc.k, tc.precA, tc.spread, tc.zeros)
		b := randomSpread(rng, tc.k, tc.c, tc.precB, tc.spread, tc.zeros)
		for j := 0; j < tc.k; j++ {
			a.At(tc.r-1, j).SetInt64(0) // a zero row
		}
		for l := 0; l < tc.k; l++ {
			b.At(l, 0).SetInt64(0) // a zero column
		}
		want := New(tc.r, tc.c, tc.prec).MulFixed(a, b)
		fa, fb := NewFixedLeft(a, tc.prec), NewFixedRight(b, tc.prec)
		got := new(Dense).MulFixedPrepared(fa, fb)
		if got.Prec() != tc.prec {
			t.Fatalf("precision %d, want %d", got.Prec(), tc.prec)
		}
		sameEntries(t, "a·b", got, want)
		// Transposes: (bᵀ)·(aᵀ) from the same storage.
		wantT := New(tc.c, tc.r, tc.prec).MulFixed(new(Dense).T(b), new(Dense).T(a))
		sameEntries(t, "bᵀ·aᵀ", new(Dense).MulFixedPrepared(fb.T(), fa.T()), wantT)
		a.At(0, 0).SetInt64(12345) // later changes are not seen
		sameEntries(t, "a·b after a changed", new(Dense).MulFixedPrepared(fa, fb), want)
	}
}

// TestMulFixedPreparedFallback: an infinite entry falls back to Mul as
// MulFixed does; wrong kinds, shapes and precisions panic.
func TestMulFixedPreparedFallback(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 10))
	a := randomSpread(rng, 3, 4, 200, 10, 0)
	b := randomSpread(rng, 4, 3, 200, 10, 0)
	a.At(0, 0).SetInf(false)
	b.At(0, 1).SetInt64(0)
	want := New(3, 3, 200).MulFixed(a, b)
	got := new(Dense).MulFixedPrepared(NewFixedLeft(a, 200), NewFixedRight(b, 200))
	sameEntries(t, "infinite operand", got, want)
	if !got.At(0, 0).IsInf() {
		t.Fatalf("entry (0,0) = %s, want +Inf", got.At(0, 0).String())
	}
	fa, fb := NewFixedLeft(a, 200), NewFixedRight(b, 200)
	mustPanic(t, "two left operands", func() { new(Dense).MulFixedPrepared(fa, fb.T()) })
	mustPanic(t, "shapes", func() { new(Dense).MulFixedPrepared(fa, NewFixedRight(New(3, 3, 200), 200)) })
	mustPanic(t, "precisions", func() { new(Dense).MulFixedPrepared(fa, NewFixedRight(b, 100)) })
}

// BenchmarkMulFixedPrepared: MulFixed against prepared operands for the
// Hessian–vector product's shapes (n×n by n×k, n = k = 17) at 50 and
// 1000 digits; "prepared" converts only the right operand per product, as
// when the left one is an operator's factor.
func BenchmarkMulFixedPrepared(b *testing.B) {
	for _, digits := range []int{50, 1000} {
		rng := rand.New(rand.NewPCG(17, uint64(digits)))
		prec := Bits(digits)
		x := randomSpread(rng, 17, 17, prec, 10, 0)
		y := randomSpread(rng, 17, 17, prec, 10, 0)
		b.Run(name("MulFixed/digits=%d", digits), func(b *testing.B) {
			for range b.N {
				new(Dense).MulFixed(x, y)
			}
		})
		fx := NewFixedLeft(x, prec)
		b.Run(name("prepared/digits=%d", digits), func(b *testing.B) {
			for range b.N {
				new(Dense).MulFixedPrepared(fx, NewFixedRight(y, prec))
			}
		})
	}
}

// BenchmarkMulFixedWidths: 17×17 by 17×17 products with operands of 2 to
// 8 words (prec = 64·words − 24 bits, full mantissas).
func BenchmarkMulFixedWidths(b *testing.B) {
	for _, words := range []int{2, 3, 4, 6, 7, 8} {
		rng := rand.New(rand.NewPCG(17, uint64(words)))
		prec := uint(64*words - 24)
		x := randomSpread(rng, 17, 17, prec, 0, 0)
		y := randomSpread(rng, 17, 17, prec, 0, 0)
		b.Run(name("words=%d", words), func(b *testing.B) {
			for range b.N {
				new(Dense).MulFixed(x, y)
			}
		})
	}
}
