package certify

import (
	"fmt"
	"math/big"
)

// Decimal formats x rounded toward −∞ (roundUp false) or +∞ (roundUp
// true) to about digits significant digits, so that a lower bound printed
// with it stays a lower bound and an upper bound an upper bound: plain
// notation for 10^-6 ≤ |x| < 10^21, otherwise m·10^e written "me±E"
// (scaling by a power of ten is exact). Zero is "0".
func Decimal(x *big.Rat, digits int, roundUp bool) string {
	if x.Sign() == 0 {
		return "0"
	}
	digits = max(digits, 1)
	mode := down
	if roundUp {
		mode = up
	}
	l := floorLog10(x)
	if l >= -6 && l <= 20 {
		e := max(digits-1-l, 0)
		return onGrid(x, e, mode).FloatString(e)
	}
	m := new(big.Rat).Mul(x, pow10(-l))
	s := onGrid(m, digits-1, mode).FloatString(digits - 1)
	return fmt.Sprintf("%se%+d", s, l)
}

// PowerBound returns "< 10^k" with |x| < 10^k, or "= 0" for x = 0.
func PowerBound(x *big.Rat) string {
	if x.Sign() == 0 {
		return "= 0"
	}
	return fmt.Sprintf("< 10^%d", floorLog10(x)+1)
}

// MustRat reads a "p/q" string that this package wrote itself.
func MustRat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return new(big.Rat)
	}
	return r
}

// floorLog10 returns ⌊log10 |x|⌋ exactly (x ≠ 0).
func floorLog10(x *big.Rat) int {
	a := new(big.Rat).Abs(x)
	l := log10Rat(a)
	for a.Cmp(pow10(l)) < 0 {
		l--
	}
	for a.Cmp(pow10(l+1)) >= 0 {
		l++
	}
	return l
}
