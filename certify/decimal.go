package certify

import "math/big"

// Decimal formats x in plain decimal notation rounded toward −∞ (up =
// false) or +∞ (up = true) to digits significant digits, so that a lower
// bound printed with it stays a lower bound and an upper bound an upper
// bound. Zero is "0".
func Decimal(x *big.Rat, digits int, roundUp bool) string {
	if x.Sign() == 0 {
		return "0"
	}
	e := max(digits-1-log10Rat(x), 0)
	mode := down
	if roundUp {
		mode = up
	}
	return onGrid(x, e, mode).FloatString(e)
}

// PowerBound returns "10^k" with |x| < 10^k (k = 0 for x = 0 prints "0").
func PowerBound(x *big.Rat) string {
	if x.Sign() == 0 {
		return "0 (exactly)"
	}
	return "10^" + big.NewInt(int64(log10Rat(x)+1)).String()
}

// MustRat reads a "p/q" string that this package wrote itself.
func MustRat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return new(big.Rat)
	}
	return r
}
