package sweep

import (
	"math"
	"math/big"
)

// log10Big returns log10 x for x > 0 of any exponent (big.Float exponents
// go far beyond float64's).
func log10Big(x *big.Float) float64 {
	mant := new(big.Float)
	exp := x.MantExp(mant) // x = mant · 2^exp, 0.5 ≤ mant < 1
	m, _ := mant.Float64()
	return math.Log10(m) + float64(exp)*math.Log10(2)
}
