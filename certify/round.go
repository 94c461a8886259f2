package certify

import (
	"math"
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
)

// pow10 returns 10^e exactly (e may be negative).
func pow10(e int) *big.Rat {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(e))), nil)
	if e >= 0 {
		return new(big.Rat).SetInt(p)
	}
	return new(big.Rat).SetFrac(big.NewInt(1), p)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// roundMode selects how a number is moved onto the grid 10^-e·Z.
type roundMode int

const (
	nearest roundMode = iota
	down
	up
)

// onGrid returns the multiple of 10^-e nearest to x (nearest), the largest
// one ≤ x (down) or the smallest one ≥ x (up).
func onGrid(x *big.Rat, e int, mode roundMode) *big.Rat {
	s := new(big.Rat).Mul(x, pow10(e))
	q, r := new(big.Int).QuoRem(s.Num(), s.Denom(), new(big.Int))
	// q is truncated toward zero; fix it up for the mode.
	switch mode {
	case down:
		if r.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		}
	case up:
		if r.Sign() > 0 {
			q.Add(q, big.NewInt(1))
		}
	case nearest:
		twice := new(big.Int).Lsh(new(big.Int).Abs(r), 1)
		if twice.Cmp(s.Denom()) >= 0 {
			q.Add(q, big.NewInt(int64(r.Sign())))
		}
	}
	return new(big.Rat).Mul(new(big.Rat).SetInt(q), pow10(-e))
}

// floatOnGrid is onGrid of a big.Float (converted exactly).
func floatOnGrid(x *big.Float, e int, mode roundMode) *big.Rat {
	r, _ := x.Rat(nil)
	if r == nil { // ±Inf cannot occur for finite matrices; treat as 0
		r = new(big.Rat)
	}
	return onGrid(r, e, mode)
}

// log10Rat returns an estimate of log10|x| (within one), 0 for x = 0.
func log10Rat(x *big.Rat) int {
	if x.Sign() == 0 {
		return 0
	}
	return len(new(big.Int).Abs(x.Num()).String()) - len(x.Denom().String())
}

// log10Float returns floor(log10|x|) within one, 0 for x = 0.
func log10Float(x *big.Float) int {
	if x.Sign() == 0 {
		return 0
	}
	return int(math.Floor(float64(x.MantExp(nil)) * math.Log10(2)))
}

// gridExponent is the e of a grid that keeps digits significant digits
// of numbers of magnitude scale.
func gridExponent(scale *big.Float, digits int) int {
	return digits - log10Float(scale)
}

// sqrtBound returns a multiple s of 10^-e with 0 ≤ s ≤ √x (mode down) or
// s ≥ √x (mode up), checked exactly (s² against x), within 2·10^-e of √x.
// x must be ≥ 0.
func sqrtBound(x *big.Rat, e int, mode roundMode) *big.Rat {
	if x.Sign() <= 0 {
		return new(big.Rat)
	}
	digits := e + log10Rat(x)/2 + 10
	prec := bigmat.Bits(max(digits, 20))
	f := new(big.Float).SetPrec(prec).SetRat(x)
	f.Sqrt(f)
	s := floatOnGrid(f, e, mode)
	step := pow10(-e)
	sq := new(big.Rat)
	for i := 0; i < 100; i++ {
		if s.Sign() < 0 {
			s.SetInt64(0)
		}
		sq.Mul(s, s)
		c := sq.Cmp(x)
		if (mode == down && c <= 0) || (mode == up && c >= 0) {
			return s
		}
		if mode == down {
			s.Sub(s, step)
		} else {
			s.Add(s, step)
		}
	}
	// Not reached (√x at this precision is within 10^-(e+5) of the truth);
	// should it be, return a valid if weak bound rather than fail.
	if mode == down {
		return new(big.Rat)
	}
	if x.Cmp(big.NewRat(1, 1)) < 0 {
		return big.NewRat(1, 1)
	}
	return new(big.Rat).Set(x)
}

// denseToRat rounds a big.Float matrix to the grid 10^-e (nearest).
func denseToRat(m *bigmat.Dense, rows, cols, e int) [][]*big.Rat {
	out := make([][]*big.Rat, rows)
	for i := range out {
		out[i] = make([]*big.Rat, cols)
		for j := range out[i] {
			out[i][j] = floatOnGrid(m.At(i, j), e, nearest)
		}
	}
	return out
}

// ratStrings writes a matrix as "p/q" strings.
func ratStrings(a [][]*big.Rat) [][]string {
	out := make([][]string, len(a))
	for i, row := range a {
		out[i] = vecStrings(row)
	}
	return out
}

func vecStrings(v []*big.Rat) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = x.RatString()
	}
	return out
}

// ratDense converts exact rows to a big.Float matrix at precision prec.
func ratDense(a [][]*big.Rat, prec uint) *bigmat.Dense {
	r, c := len(a), 0
	if r > 0 {
		c = len(a[0])
	}
	m := bigmat.New(r, c, prec)
	for i := range a {
		for j := range a[i] {
			m.At(i, j).SetRat(a[i][j])
		}
	}
	return m
}
