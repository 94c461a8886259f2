package certify

import (
	"math/big"
	"testing"
)

// TestDecimal: directed rounding keeps bounds on their side, in plain and
// scientific notation.
func TestDecimal(t *testing.T) {
	for _, tc := range []struct {
		x      *big.Rat
		digits int
		up     bool
		want   string
	}{
		{big.NewRat(2, 3), 5, false, "0.66666"},
		{big.NewRat(2, 3), 5, true, "0.66667"},
		{big.NewRat(-2, 3), 3, false, "-0.667"},
		{big.NewRat(-2, 3), 3, true, "-0.666"},
		{big.NewRat(1234567, 1000), 3, true, "1235"},
		{new(big.Rat).Mul(big.NewRat(2, 3), pow10(-40)), 4, false, "6.666e-41"},
		{new(big.Rat).Mul(big.NewRat(2, 3), pow10(-40)), 4, true, "6.667e-41"},
		{new(big.Rat).Mul(big.NewRat(5, 1), pow10(30)), 2, true, "5.0e+30"},
		{new(big.Rat), 5, true, "0"},
		{big.NewRat(1, 1), 3, false, "1.00"},
		{big.NewRat(999, 1000), 2, true, "1.00"},
	} {
		if got := Decimal(tc.x, tc.digits, tc.up); got != tc.want {
			t.Errorf("Decimal(%s, %d, %v) = %s, want %s", tc.x.RatString(), tc.digits, tc.up, got, tc.want)
		}
	}
}

// TestSqrtBound: the bounds hold exactly and are within 2·10^-e.
func TestSqrtBound(t *testing.T) {
	for _, x := range []*big.Rat{big.NewRat(2, 1), big.NewRat(1, 3), big.NewRat(10000, 1), new(big.Rat).Mul(big.NewRat(7, 1), pow10(-301)), new(big.Rat)} {
		for _, e := range []int{5, 60, 400} {
			lo, hi := sqrtBound(x, e, down), sqrtBound(x, e, up)
			if new(big.Rat).Mul(lo, lo).Cmp(x) > 0 || new(big.Rat).Mul(hi, hi).Cmp(x) < 0 || lo.Sign() < 0 {
				t.Errorf("√%s at e = %d: [%s, %s] is not an enclosure", x.RatString(), e, lo.FloatString(8), hi.FloatString(8))
			}
			if w := new(big.Rat).Sub(hi, lo); w.Cmp(new(big.Rat).Mul(big.NewRat(2, 1), pow10(-e))) > 0 {
				t.Errorf("√%s at e = %d: width %s", x.RatString(), e, w.FloatString(e+2))
			}
		}
	}
}
