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
