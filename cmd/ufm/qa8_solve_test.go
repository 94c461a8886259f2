package main

import (
	"math"
	"math/big"
	"strings"
	"testing"
)

// sigDigits counts the significant digits of a printed decimal (mantissa
// only, leading zeros dropped).
func sigDigits(s string) int {
	s = strings.TrimPrefix(s, "-")
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	s = strings.Replace(s, ".", "", 1)
	return len(strings.TrimLeft(s, "0"))
}

// QA session 2: wwRows promises reached + ⌊log10(|e|/‖W Wᵀ‖_F)⌋ digits.
// The ratio's binary exponent times 3/10 truncates toward zero in Go, so
// for |e|/‖·‖ in [0.0625, 0.1) (exponent −3) it gave reached − 1 where the
// floor gives reached − 2, and for 1.5·10⁻²⁵⁰ one digit above the rule as
// well. Expected counts from ⌊log10 ratio⌋ computed here in float64 (the
// ratios are far from powers of ten).
func TestWWRowsEntryDigitsFloor(t *testing.T) {
	for _, tc := range []struct {
		ratio   string
		reached int
	}{
		{"0.07", 30}, {"0.09", 30}, {"0.0099", 30}, {"0.3", 30}, {"0.7", 30},
		{"1.5e-250", 300}, {"4.2e-17", 60}, {"0.000123", 40},
	} {
		e, _, err := big.ParseFloat(tc.ratio, 10, 300, big.ToNearestEven)
		if err != nil {
			t.Fatal(err)
		}
		norm := new(big.Float).SetPrec(300).SetInt64(1)
		r, _ := e.Float64()
		want := tc.reached + int(math.Floor(math.Log10(r)))
		got := entryText(e, norm, tc.reached, 1000)
		// e is a short decimal: the printed text may stop early (trailing
		// zeros dropped), but it must never carry more than want digits.
		if n := sigDigits(got); n > want {
			t.Errorf("entry %s of a matrix of norm 1 known to %d digits normwise: %q has %d digits, the rule allows %d", tc.ratio, tc.reached, got, n, want)
		}
		// A non-terminating entry shows the count: e·(1 + 1/300001) must
		// carry at most want digits, and (the rule may be conservative by
		// one, never more) at least want − 1.
		third := new(big.Float).SetPrec(300).Quo(e, new(big.Float).SetPrec(300).SetInt64(300001))
		ex := new(big.Float).SetPrec(300).Add(e, third)
		if n := sigDigits(entryText(ex, norm, tc.reached, 1000)); n > want || n < want-1 {
			t.Errorf("entry %s·(1+1/300001), reached %d: %d digits, want %d (or %d)", tc.ratio, tc.reached, n, want, want-1)
		}
	}
}
