package bigmat

import (
	"math/big"
	mrand "math/rand"
	"math/rand/v2"
	"testing"
)

// TestTextMatchesStandard: the fast conversion (textG) is big.Float's
// Text('g', digits) byte for byte, the standard library being the oracle:
// random mantissas and exponents (decimal exponents from −700 to +700,
// where %e and %f alternate), precisions 1 to 2500 digits, and exact
// decimal ties (m/2^j has a finite decimal expansion, so rounding it at
// its last-but-one digit is a tie that big.Float breaks to even).
func TestTextMatchesStandard(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	check := func(x *big.Float, digits int) {
		t.Helper()
		got, ok := textG(x, digits)
		want := x.Text('g', digits)
		if !ok || got != want {
			t.Fatalf("x = %s (prec %d), digits %d: textG %q (ok %v), want %q", x.Text('p', 0), x.Prec(), digits, got, ok, want)
		}
	}
	for i := 0; i < 3000; i++ {
		prec := uint(1 + rng.IntN(8000))
		x := new(big.Float).SetPrec(prec)
		m := new(big.Int).Rand(mrand.New(mrand.NewSource(int64(i))), new(big.Int).Lsh(big.NewInt(1), prec))
		x.SetInt(m.Add(m, big.NewInt(1)))
		x.SetMantExp(x, rng.IntN(4600)-2300-int(prec))
		if rng.IntN(2) == 0 {
			x.Neg(x)
		}
		check(x, 1+rng.IntN(2500))
	}
	// Exact ties and values that round up to a power of ten.
	for j := 1; j < 60; j++ {
		for k := 0; k < 40; k++ {
			m := int64(2*k + 1)
			x := new(big.Float).SetPrec(200).SetMantExp(big.NewFloat(float64(m)), -j)
			for d := 1; d <= j+3; d++ {
				check(x, d)
			}
		}
	}
	for _, s := range []string{"9.9999999", "0.99995", "999.5", "0.0001", "0.00001", "1e100", "123456789", "5e-324", "0.5", "1.5", "2.5"} {
		x, _, _ := big.ParseFloat(s, 10, 300, big.ToNearestEven)
		for d := 1; d <= 12; d++ {
			check(x, d)
		}
	}
}

// TestTextUsesFastPath: Text agrees with the standard conversion at the
// sizes where it takes the fast path.
func TestTextUsesFastPath(t *testing.T) {
	x := new(big.Float).SetPrec(7000).SetInt64(2)
	x.Sqrt(x)
	x.Quo(x, new(big.Float).SetInt64(-3000))
	for _, d := range []int{fastTextMinDigits - 1, fastTextMinDigits, 1000, 2000} {
		if got, want := Text(x, d), x.Text('g', d); got != want {
			t.Errorf("digits %d: %q, want %q", d, got, want)
		}
	}
}

func BenchmarkText(b *testing.B) {
	for _, d := range []int{50, 120, 300, 1000, 2000} {
		x := new(big.Float).SetPrec(uint(float64(d)*3.33) + 64).SetInt64(2)
		x.Sqrt(x)
		x.Quo(x, new(big.Float).SetInt64(3))
		b.Run("fast-"+itoa(d), func(b *testing.B) {
			for b.Loop() {
				textG(x, d)
			}
		})
		b.Run("std-"+itoa(d), func(b *testing.B) {
			for b.Loop() {
				_ = x.Text('g', d)
			}
		})
	}
}

func itoa(d int) string { return big.NewInt(int64(d)).String() }

// TestStableDigits: x printed with StableDigits(x, err, D) digits is the
// correctly rounded value of x − err and of x + err alike. Expected
// counts from Python's decimal module (exact decimal arithmetic, round
// half to even), on values that avoid exact ties.
func TestStableDigits(t *testing.T) {
	f := func(s string) *big.Float {
		x, _, err := big.ParseFloat(s, 10, 200, big.ToNearestEven)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	const nrc3 = "5.14661534073842247814334716945357638451222137874e-06" // 48 digits
	for _, c := range []struct {
		x, err string
		digits int
		want   int
	}{
		{nrc3, "3e-54", 60, 48},
		// QA session 22: a bound of 0.7 units of the 48th digit moves the
		// 47-digit rounding: …2213787|4 ± 7 → …2213787 and …2213788.
		{nrc3, "7e-54", 60, 47},
		{nrc3, "3e-53", 60, 46},
		{"1.234567", "1.3e-7", 10, 7},
		{"0.99999999", "2.3e-8", 20, 7}, // 0.99999997 … 1.00000001: "1.000000" both
		{"0.9999999", "2.3e-8", 20, 7},
		{"2.5", "0.6", 5, 0}, // 1.9 … 3.1
		{"-7.77777", "3e-3", 10, 2},
		{"3.14159", "0", 5, 5}, // no error: all digits
	} {
		got := StableDigits(f(c.x), f(c.err), c.digits)
		if got != c.want {
			t.Errorf("StableDigits(%s, %s, %d) = %d, want %d", c.x, c.err, c.digits, got, c.want)
		}
	}
}
