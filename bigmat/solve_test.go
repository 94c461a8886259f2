package bigmat

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"
)

// randomSPD returns BᵀB + I for a random rational B, exactly (so its
// determinant and inverse are known exactly).
func randomSPD(rng *rand.Rand, n int) *ratMat {
	b := randomRat(rng, n, n)
	return b.transpose().mul(b).add(ratIdentity(n), 1)
}

// randomNonsingular returns a random rational n×n matrix with det ≠ 0, with
// a zero in the (0,0) position so that pivoting is needed from the start.
func randomNonsingular(rng *rand.Rand, n int) *ratMat {
	for {
		a := randomRat(rng, n, n)
		if n > 1 {
			a.at(0, 0).SetInt64(0)
		}
		if a.det().Sign() != 0 {
			return a
		}
	}
}

// solveChecks verifies x against the exact solution of a·x = b. Backward
// stable solvers give ‖A x − b‖ ≤ n·2^(−prec+8)·‖A‖_F·‖x‖_F, hence
// ‖x − x*‖ ≤ ‖A⁻¹‖_F times that; the exact A⁻¹ and x* come from big.Rat.
func solveChecks(t *testing.T, label string, ar *ratMat, br *ratMat, x *Dense, prec uint) {
	t.Helper()
	n := ar.n
	a, b := ar.dense(prec), br.dense(prec)
	res := new(Dense).Sub(new(Dense).Mul(a, x), b).FrobeniusNorm()
	tol := tolFor(n, prec, new(big.Float).Mul(a.FrobeniusNorm(), x.FrobeniusNorm()))
	checkLE(t, label+" ‖Ax − b‖_F", res, tol)
	inv := ar.inverse()
	xs := inv.mul(br).dense(prec)
	checkLE(t, label+" ‖x − x*‖_F", diffNorm(x, xs), tol.Mul(tol, inv.dense(prec).FrobeniusNorm()))
}

// detTol is the tolerance for a computed determinant: the backward error δA
// with ‖δA‖_F ≤ n·2^(−prec+8)·‖A‖_F changes det A by det A·tr(A⁻¹δA) to first
// order, so |δ det| ≤ |det A|·‖A⁻¹‖_F·n·2^(−prec+8)·‖A‖_F; doubled.
func detTol(ar *ratMat, prec uint) *big.Float {
	a := ar.dense(prec)
	kappa := new(big.Float).Mul(a.FrobeniusNorm(), ar.inverse().dense(prec).FrobeniusNorm())
	d := bfRat(prec, ar.det())
	tol := tolFor(ar.n, prec, kappa.Mul(kappa, d.Abs(d)))
	return tol.SetMantExp(tol, 1)
}

func TestCholesky(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 4))
	for _, digits := range testDigits {
		prec := Bits(digits)
		for n := 1; n <= 8; n++ {
			label := name("digits=%d n=%d", digits, n)
			ar := randomSPD(rng, n)
			a := ar.dense(prec)
			var ch Cholesky
			if err := ch.Factorize(a); err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			l := ch.L()
			for i := 0; i < n; i++ {
				if l.At(i, i).Sign() <= 0 {
					t.Errorf("%s: L[%d][%d] = %s ≤ 0", label, i, i, l.At(i, i).Text('g', 5))
				}
				for j := i + 1; j < n; j++ {
					if l.At(i, j).Sign() != 0 {
						t.Errorf("%s: L[%d][%d] = %s above the diagonal", label, i, j, l.At(i, j).Text('g', 5))
					}
				}
			}
			llt := new(Dense).MulTrans(l, l)
			checkLE(t, label+" ‖LLᵀ − A‖_F", diffNorm(llt, a), tolFor(n, prec, a.FrobeniusNorm()))

			br := randomRat(rng, n, 3)
			x := ch.SolveTo(new(Dense), br.dense(prec))
			if r, c := x.Dims(); r != n || c != 3 || x.Prec() != prec {
				t.Fatalf("%s: x is %d×%d at %d bits", label, r, c, x.Prec())
			}
			solveChecks(t, label+" Cholesky", ar, br, x, prec)

			// In-place: SolveTo(b, b).
			b := br.dense(prec)
			ch.SolveTo(b, b)
			checkLE(t, label+" in-place solve", diffNorm(b, x), new(big.Float))

			checkLE(t, label+" |det − det*|", absDiff(prec, ch.Det(), bfRat(prec, ar.det())), detTol(ar, prec))

			// L() is a copy.
			ch.L().At(0, 0).SetInt64(-1)
			if ch.L().At(0, 0).Sign() <= 0 {
				t.Errorf("%s: L() shares memory with the factorization", label)
			}
		}
	}
}

// TestCholeskyReadsLowerTriangle: entries above the diagonal are ignored.
func TestCholeskyReadsLowerTriangle(t *testing.T) {
	prec := Bits(50)
	a := FromFloat64(3, 3, prec, []float64{4, 2, -2, 2, 10, 1, -2, 1, 6})
	garbled := FromFloat64(3, 3, prec, []float64{4, 99, 7, 2, 10, -5, -2, 1, 6})
	var c1, c2 Cholesky
	if err := c1.Factorize(a); err != nil {
		t.Fatal(err)
	}
	if err := c2.Factorize(garbled); err != nil {
		t.Fatal(err)
	}
	checkLE(t, "‖L(a) − L(garbled)‖", diffNorm(c1.L(), c2.L()), new(big.Float))
	// [[4,2,-2],[2,10,1],[-2,1,6]] = L Lᵀ with L = [[2,0,0],[1,3,0],[-1,2/3,√(41/9)]].
	want := []float64{2, 0, 0, 1, 3, 0, -1, 0, 0}
	l := c1.L()
	for i, w := range want {
		if i == 7 || i == 8 {
			continue
		}
		if got := l.Float64(i/3, i%3); got != w {
			t.Errorf("L[%d][%d] = %v, want %v", i/3, i%3, got, w)
		}
	}
	checkLE(t, "|L21 − 2/3|", absDiff(prec, l.At(2, 1), bfRat(prec, big.NewRat(2, 3))), tolFor(3, prec, bf(prec, 1)))
	want22 := bfRat(prec, big.NewRat(41, 9))
	want22.Sqrt(want22)
	checkLE(t, "|L22 − √(41/9)|", absDiff(prec, l.At(2, 2), want22), tolFor(3, prec, bf(prec, 10)))
}

func TestCholeskyNotPositiveDefinite(t *testing.T) {
	cases := []struct {
		name string
		a    *ratMat
	}{
		{"indefinite [[1,2],[2,1]]", ratFromInts(2, 2, 1, 2, 2, 1)},
		{"diag(1,-1)", ratFromInts(2, 2, 1, 0, 0, -1)},
		{"-I", ratFromInts(3, 3, -1, 0, 0, 0, -1, 0, 0, 0, -1)},
		{"zero", newRatMat(3, 3)},
		{"singular PSD [[1,1],[1,1]]", ratFromInts(2, 2, 1, 1, 1, 1)},
		{"1x1 zero", ratFromInts(1, 1, 0)},
		{"1x1 negative", ratFromInts(1, 1, -3)},
		{"last pivot negative", ratFromInts(3, 3, 4, 2, 0, 2, 5, 1, 0, 1, 0)},
	}
	for _, tc := range cases {
		for _, digits := range testDigits {
			var ch Cholesky
			if err := ch.Factorize(tc.a.dense(Bits(digits))); !errors.Is(err, ErrNotPositiveDefinite) {
				t.Errorf("%s digits=%d: err = %v, want ErrNotPositiveDefinite", tc.name, digits, err)
			}
		}
	}
}

func TestLU(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 8))
	for _, digits := range testDigits {
		prec := Bits(digits)
		for n := 1; n <= 8; n++ {
			label := name("digits=%d n=%d", digits, n)
			ar := randomNonsingular(rng, n)
			a := ar.dense(prec)
			var f LU
			if err := f.Factorize(a); err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			br := randomRat(rng, n, 2)
			x := f.SolveTo(new(Dense), br.dense(prec))
			solveChecks(t, label+" LU", ar, br, x, prec)
			checkLE(t, label+" |det − det*|", absDiff(prec, f.Det(), bfRat(prec, ar.det())), detTol(ar, prec))

			inv, err := Inverse(a)
			if err != nil {
				t.Fatalf("%s: Inverse: %v", label, err)
			}
			exact := ar.inverse().dense(prec)
			ni := exact.FrobeniusNorm()
			// ‖X − A⁻¹‖ ≤ ‖A⁻¹‖·‖AX − I‖ ≤ ‖A⁻¹‖²·‖A‖·n·2^(−prec+8).
			tol := tolFor(n, prec, new(big.Float).Mul(ni, new(big.Float).Mul(ni, a.FrobeniusNorm())))
			checkLE(t, label+" ‖Inverse − A⁻¹‖_F", diffNorm(inv, exact), tol)
			ax := new(Dense).Mul(a, inv)
			checkLE(t, label+" ‖A·Inverse − I‖_F", diffNorm(ax, Identity(n, prec)), tolFor(n, prec, new(big.Float).Mul(ni, a.FrobeniusNorm())))
			if a.Float64s()[0] != ar.dense(prec).Float64s()[0] {
				t.Errorf("%s: Factorize modified its input", label)
			}
		}
	}
}

// TestLUKnown: small matrices with exact answers, including a row swap
// (det sign) and a 3-cycle permutation.
func TestLUKnown(t *testing.T) {
	prec := Bits(50)
	cases := []struct {
		name string
		a    *ratMat
		det  int64
	}{
		{"swap", ratFromInts(2, 2, 0, 1, 1, 0), -1},
		{"3-cycle", ratFromInts(3, 3, 0, 0, 2, 3, 0, 0, 0, 5, 0), 30},
		{"upper", ratFromInts(3, 3, 2, 1, 1, 0, 3, 1, 0, 0, -4), -24},
		{"1x1", ratFromInts(1, 1, -7), -7},
		{"identity", ratIdentity(4), 1},
	}
	for _, tc := range cases {
		var f LU
		if err := f.Factorize(tc.a.dense(prec)); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got, _ := f.Det().Int64(); got != tc.det || !f.Det().IsInt() {
			t.Errorf("%s: det = %s, want %d", tc.name, f.Det().Text('g', 20), tc.det)
		}
		if tc.a.det().Cmp(big.NewRat(tc.det, 1)) != 0 {
			t.Errorf("%s: test table det is wrong", tc.name)
		}
	}
}

func TestLUSingular(t *testing.T) {
	cases := []struct {
		name string
		a    *ratMat
	}{
		{"zero", newRatMat(3, 3)},
		{"1x1 zero", ratFromInts(1, 1, 0)},
		{"[[1,2],[2,4]]", ratFromInts(2, 2, 1, 2, 2, 4)},
		{"zero column", ratFromInts(3, 3, 1, 0, 2, 3, 0, 4, 5, 0, 6)},
		{"dependent rows", ratFromInts(3, 3, 2, 4, 6, 1, 2, 3, 0, 1, 1)},
		{"last pivot zero", ratFromInts(3, 3, 4, 0, 4, 0, 2, 2, 2, 1, 3)},
	}
	for _, tc := range cases {
		if tc.a.det().Sign() != 0 {
			t.Fatalf("%s: test matrix is not singular", tc.name)
		}
		for _, digits := range testDigits {
			a := tc.a.dense(Bits(digits))
			var f LU
			if err := f.Factorize(a); !errors.Is(err, ErrSingular) {
				t.Errorf("%s digits=%d: err = %v, want ErrSingular", tc.name, digits, err)
			}
			if inv, err := Inverse(a); !errors.Is(err, ErrSingular) || inv != nil {
				t.Errorf("%s digits=%d: Inverse err = %v, want ErrSingular", tc.name, digits, err)
			}
		}
	}
}

// TestLUNearlySingular: [[1,2,3],[4,5,6],[7,8,9]]/3 is singular, but 1/3 is
// not representable, so elimination ends with a rounding-sized pivot instead
// of an exact zero. ErrSingular is then not guaranteed (it reports only
// exactly zero pivot columns), but the determinant must be at the rounding
// level: |det| ≤ n·2^(−prec+8)·‖A‖_F³ (the derivative of det is the
// adjugate, bounded by ‖A‖_F² here).
func TestLUNearlySingular(t *testing.T) {
	v := make([]*big.Rat, 9)
	for i := range v {
		v[i] = big.NewRat(int64(i+1), 3)
	}
	ar := &ratMat{3, 3, v}
	for _, digits := range testDigits {
		prec := Bits(digits)
		a := ar.dense(prec)
		var f LU
		err := f.Factorize(a)
		if err != nil {
			if !errors.Is(err, ErrSingular) {
				t.Errorf("digits=%d: %v", digits, err)
			}
			continue
		}
		n := a.FrobeniusNorm()
		d := f.Det()
		checkLE(t, name("digits=%d |det|", digits), d.Abs(d), tolFor(3, prec, new(big.Float).Mul(n, new(big.Float).Mul(n, n))))
	}
}

func TestSolvePanics(t *testing.T) {
	prec := Bits(50)
	var ch Cholesky
	if err := ch.Factorize(Identity(3, prec)); err != nil {
		t.Fatal(err)
	}
	var f LU
	if err := f.Factorize(Identity(3, prec)); err != nil {
		t.Fatal(err)
	}
	mustPanic(t, "Cholesky non-square", func() { _ = new(Cholesky).Factorize(New(2, 3, prec)) })
	mustPanic(t, "LU non-square", func() { _ = new(LU).Factorize(New(3, 2, prec)) })
	mustPanic(t, "Inverse non-square", func() { _, _ = Inverse(New(3, 2, prec)) })
	mustPanic(t, "Cholesky solve rows", func() { ch.SolveTo(new(Dense), New(2, 1, prec)) })
	mustPanic(t, "LU solve rows", func() { f.SolveTo(new(Dense), New(4, 1, prec)) })
	mustPanic(t, "Cholesky solve into wrong shape", func() { ch.SolveTo(New(3, 2, prec), New(3, 1, prec)) })
}

// TestLUPivotFullPrecision: the pivot search compares magnitudes at the
// working precision. Column (1+2^−64+2^−100, 1+2^−64+2^−99) differs only
// beyond bit 64; the second entry is the larger and must be the pivot.
func TestLUPivotFullPrecision(t *testing.T) {
	prec := Bits(50)
	a := New(2, 2, prec)
	one := bf(prec, 1)
	x := new(big.Float).SetPrec(prec).SetMantExp(one, -64)
	x.Add(x, one)
	y := new(big.Float).Copy(x)
	x.Add(x, new(big.Float).SetMantExp(one, -100))
	y.Add(y, new(big.Float).SetMantExp(one, -99))
	a.Set(0, 0, x)
	a.Set(1, 0, y)
	a.At(0, 1).SetInt64(1)
	var f LU
	if err := f.Factorize(a); err != nil {
		t.Fatal(err)
	}
	if f.perm[0] != 1 {
		t.Errorf("pivot row %d, want 1 (the larger entry)", f.perm[0])
	}
}
