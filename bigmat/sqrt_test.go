package bigmat

import (
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestSqrtPSD checks S·S = A, S = Sᵀ and S against the exact rational root
// Q·diag(√d)·Qᵀ for spectra d that are squares of rationals, including
// rank-deficient ones.
func TestSqrtPSD(t *testing.T) {
	r := big.NewRat
	cases := []struct {
		name  string
		seed  uint64
		roots []*big.Rat // √d_j; d_j = roots_j²
	}{
		{"1x1", 1, []*big.Rat{r(3, 2)}},
		{"3x3 definite", 2, []*big.Rat{r(2, 1), r(3, 1), r(1, 2)}},
		{"4x4 rank 2", 3, []*big.Rat{r(2, 1), r(0, 1), r(3, 1), r(0, 1)}},
		{"5x5 rank 1", 4, []*big.Rat{r(0, 1), r(0, 1), r(5, 3), r(0, 1), r(0, 1)}},
		{"6x6 repeated", 5, []*big.Rat{r(1, 1), r(1, 1), r(1, 1), r(2, 1), r(2, 1), r(0, 1)}},
		{"4x4 zero", 6, []*big.Rat{r(0, 1), r(0, 1), r(0, 1), r(0, 1)}},
		{"5x5 wide range", 7, []*big.Rat{r(100, 1), r(1, 100), r(7, 3), r(0, 1), r(1, 1)}},
	}
	for _, tc := range cases {
		for _, digits := range testDigits {
			t.Run(name("%s/digits=%d", tc.name, digits), func(t *testing.T) {
				prec := Bits(digits)
				n := len(tc.roots)
				rng := rand.New(rand.NewPCG(tc.seed, 17))
				q := cayley(randomSkew(rng, n, 3))
				d := make([]*big.Rat, n)
				for i, x := range tc.roots {
					d[i] = new(big.Rat).Mul(x, x)
				}
				a := spectralRat(q, d).dense(prec)
				want := spectralRat(q, tc.roots).dense(prec)
				s, err := SqrtPSD(a)
				if err != nil {
					t.Fatalf("SqrtPSD: %v", err)
				}
				if !isExactlySymmetric(s) {
					t.Errorf("S is not symmetric")
				}
				norm := a.FrobeniusNorm()
				// S·S − A: the product of the computed root reproduces A to the
				// eigen backward error, n·2^(−prec+8)·‖A‖_F, plus rounding in
				// the product (same order).
				ss := new(Dense).Mul(s, s)
				checkLE(t, "‖S·S − A‖_F", diffNorm(ss, a), tolFor(n, prec, norm))
				// S against the exact root. √ has derivative 1/(2√λ), which is
				// unbounded at λ = 0, so on a singular A the root is only as
				// good as the zero eigenvalues are recognised as zero. The
				// package promises the requested digits relative to ‖√A‖_F.
				sn := want.FrobeniusNorm()
				if sn.Sign() == 0 {
					sn.SetInt64(1)
				}
				checkLE(t, "‖S − √A‖_F", diffNorm(s, want), requestedTol(digits, prec, sn))
				// Definite inputs: the root is well conditioned, so it must be
				// accurate to the working precision, scaled by
				// ‖A‖_F/λ_min (condition of √ at λ_min is ‖A‖/(2λ_min)).
				if lmin := minRat(d); lmin.Sign() > 0 {
					c := new(big.Float).Quo(norm, bfRat(prec, lmin))
					checkLE(t, "‖S − √A‖_F (definite)", diffNorm(s, want), tolFor(n, prec, c.Mul(c, sn)))
				}
			})
		}
	}
}

func minRat(v []*big.Rat) *big.Rat {
	m := v[0]
	for _, x := range v[1:] {
		if x.Cmp(m) < 0 {
			m = x
		}
	}
	return m
}

// TestSqrtPSDRoundingNegatives: an eigenvalue that is negative by a few
// ulps of ‖A‖ is rounding noise and is treated as zero.
func TestSqrtPSDRoundingNegatives(t *testing.T) {
	for _, digits := range testDigits {
		prec := Bits(digits)
		a := New(2, 2, prec)
		a.At(0, 0).SetInt64(4)
		a.At(1, 1).SetMantExp(bf(prec, -1), -int(prec)+4) // −2^(−prec+4)
		s, err := SqrtPSD(a)
		if err != nil {
			t.Fatalf("digits=%d: %v", digits, err)
		}
		if s.Float64(0, 0) != 2 || s.At(1, 1).Sign() != 0 || s.At(0, 1).Sign() != 0 || s.At(1, 0).Sign() != 0 {
			t.Errorf("digits=%d: S = %v, want diag(2, 0)", digits, s)
		}
	}
}

// TestSqrtPSDNegative: a clearly negative eigenvalue is an error.
func TestSqrtPSDNegative(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	q := cayley(randomSkew(rng, 4, 2))
	cases := []struct {
		name string
		a    *ratMat
	}{
		{"diag(1,-1)", ratFromInts(2, 2, 1, 0, 0, -1)},
		{"-I", ratFromInts(2, 2, -1, 0, 0, -1)},
		{"[[1,2],[2,1]]", ratFromInts(2, 2, 1, 2, 2, 1)},
		{"1x1 negative", ratFromInts(1, 1, -2)},
		{"QDQt with -1/1000", spectralRat(q, []*big.Rat{big.NewRat(4, 1), big.NewRat(1, 1), big.NewRat(-1, 1000), big.NewRat(2, 1)})},
	}
	for _, tc := range cases {
		for _, digits := range testDigits {
			s, err := SqrtPSD(tc.a.dense(Bits(digits)))
			if err == nil || s != nil {
				t.Errorf("%s digits=%d: got S=%v err=%v, want an error", tc.name, digits, s, err)
			} else if !strings.Contains(err.Error(), "eigenvalue") {
				t.Errorf("%s: unexpected error %v", tc.name, err)
			}
		}
	}
}

// TestSqrtPSDNegativeThreshold checks the documented boundary −2^(−prec/2)·‖A‖_F
// on diag(4, x): x = −2^(−prec/2+4)·4 (16× beyond) is an error, and
// x = −2^(−prec/2−4)·4 (16× within) is rounding noise, giving diag(2, 0).
func TestSqrtPSDNegativeThreshold(t *testing.T) {
	for _, digits := range testDigits {
		prec := Bits(digits)
		for _, tc := range []struct {
			exp     int
			wantErr bool
		}{{4, true}, {-4, false}} {
			a := New(2, 2, prec)
			a.At(0, 0).SetInt64(4)
			a.At(1, 1).SetMantExp(bf(prec, -4), -int(prec/2)+tc.exp)
			s, err := SqrtPSD(a)
			if (err != nil) != tc.wantErr {
				t.Errorf("digits=%d x=−2^(−prec/2%+d)·4: err = %v, want error %v", digits, tc.exp, err, tc.wantErr)
				continue
			}
			if err == nil && (s.Float64(0, 0) != 2 || s.At(1, 1).Sign() != 0) {
				t.Errorf("digits=%d: S = %v, want diag(2, 0)", digits, s)
			}
		}
	}
}

// TestSqrtPSDTinyPositive: positive eigenvalues below the eigensolver's
// backward error are zeroed, larger ones are kept. diag(4, x) with
// x = 2^(−prec+4) (zeroed) and x = 2^(−2k), k = prec/4 (kept, root 2^(−k)).
func TestSqrtPSDTinyPositive(t *testing.T) {
	for _, digits := range testDigits {
		prec := Bits(digits)
		a := New(2, 2, prec)
		a.At(0, 0).SetInt64(4)
		a.At(1, 1).SetMantExp(bf(prec, 1), -int(prec)+4)
		s, err := SqrtPSD(a)
		if err != nil {
			t.Fatal(err)
		}
		if s.At(1, 1).Sign() != 0 {
			t.Errorf("digits=%d: √(2^(−prec+4)) kept as %s, want 0", digits, s.At(1, 1).Text('g', 5))
		}
		k := int(prec / 4)
		a.At(1, 1).SetMantExp(bf(prec, 1), -2*k)
		if s, err = SqrtPSD(a); err != nil {
			t.Fatal(err)
		}
		want := new(big.Float).SetMantExp(bf(prec, 1), -k)
		if s.At(1, 1).Cmp(want) != 0 {
			t.Errorf("digits=%d: S[1][1] = %s, want %s", digits, s.At(1, 1).Text('g', 5), want.Text('g', 5))
		}
	}
}
