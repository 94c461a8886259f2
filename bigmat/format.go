package bigmat

import "math/big"

// Text formats x with digits significant decimal digits ('g' style: plain
// notation for moderate exponents, scientific otherwise). Zero is "0".
func Text(x *big.Float, digits int) string {
	if x.Sign() == 0 {
		return "0"
	}
	if digits >= fastTextMinDigits && !x.IsInf() {
		if s, ok := textG(x, digits); ok {
			return s
		}
	}
	return x.Text('g', digits)
}

// Texts formats each entry of v with Text.
func Texts(v []*big.Float, digits int) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = Text(x, digits)
	}
	return out
}

// Rows formats m as a slice of rows of decimal strings with Text.
func (m *Dense) Rows(digits int) [][]string {
	out := make([][]string, m.rows)
	for i := range out {
		out[i] = make([]string, m.cols)
		for j := range out[i] {
			out[i][j] = Text(&m.data[i*m.cols+j], digits)
		}
	}
	return out
}

// StableDigits returns the largest k ≤ digits such that every number
// within err of x has the same k-digit rounding as x (Text(x − err, k) and
// Text(x + err, k) equal Text(x, k)), so that x printed with k digits is
// the correctly rounded value of any number the bound allows; 0 when not
// even one digit is stable. A nil, zero or negative err gives digits.
//
// ⌊log10(|x|/err)⌋ digits alone leave the last one uncertain by one unit
// (QA session 22: NRC3 printed with a last digit 0.7 units off).
func StableDigits(x, err *big.Float, digits int) int {
	if err == nil || err.Sign() <= 0 || x.IsInf() || err.IsInf() {
		if err != nil && err.IsInf() {
			return 0
		}
		return digits
	}
	if x.Sign() == 0 {
		return 0
	}
	// x ± err exactly: enough bits for both and their difference.
	gap := x.MantExp(nil) - err.MantExp(nil)
	prec := uint(max(x.Prec(), err.Prec()) + 8)
	if gap > 0 {
		// Beyond digits' bits + 72 the rounding of x ± err moves it by
		// less than 2^-72 of a unit in the last printed digit.
		prec += uint(min(gap, int(Bits(digits))+72))
	}
	lo := new(big.Float).SetPrec(prec).Sub(x, err)
	hi := new(big.Float).SetPrec(prec).Add(x, err)
	k := min(digits, int(float64(gap)*0.30103)+2)
	for ; k >= 1; k-- {
		s := Text(x, k)
		if Text(lo, k) == s && Text(hi, k) == s {
			return k
		}
	}
	return 0
}
