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
