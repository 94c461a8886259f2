package metrics

import (
	"math/big"
	"math/bits"
)

// The common case of exact targets, decimals of at most 18 digits over one
// scale (or float64 values of a narrow exponent range), has every
// numerator below 2⁶² in magnitude. Then each product N_ij·N_ik is a
// 128-bit integer, accumulated without rounding in two unsigned 192-bit
// sums (positive and negative products apart; M < 2⁶⁴ rows cannot
// overflow them): a few nanoseconds per multiply-add instead of a big.Int
// one. fastGram gives exactly what gramAcc gives.

// fastLimit bounds |N| for fastGram.
const fastLimit = 1 << 62

// acc192 is an unsigned 192-bit integer.
type acc192 struct{ lo, mid, hi uint64 }

// add128 adds the unsigned 128-bit integer (h, l).
func (a *acc192) add128(h, l uint64) {
	var c uint64
	a.lo, c = bits.Add64(a.lo, l, 0)
	a.mid, c = bits.Add64(a.mid, h, c)
	a.hi += c
}

// bigInt returns a as a big.Int.
func (a *acc192) bigInt() *big.Int {
	z := new(big.Int).SetUint64(a.hi)
	z.Lsh(z, 64)
	z.Or(z, new(big.Int).SetUint64(a.mid))
	z.Lsh(z, 64)
	return z.Or(z, new(big.Int).SetUint64(a.lo))
}

// fastGram accumulates P (upper triangle) and s from int64 rows with
// |N| < fastLimit.
type fastGram struct {
	n        int
	pos, neg []acc192 // products of like and unlike signs
	spos     []acc192 // Σ of positive entries (as 128-bit adds)
	sneg     []acc192 // Σ of |negative entries|
}

func newFastGram(n int) *fastGram {
	return &fastGram{n: n, pos: make([]acc192, n*n), neg: make([]acc192, n*n), spos: make([]acc192, n), sneg: make([]acc192, n)}
}

func (f *fastGram) add(row []int64) {
	n := f.n
	for j := 0; j < n; j++ {
		a := row[j]
		if a == 0 {
			continue
		}
		ua := uint64(a)
		if a < 0 {
			ua = uint64(-a)
			f.sneg[j].add128(0, ua)
		} else {
			f.spos[j].add128(0, ua)
		}
		for k := j; k < n; k++ {
			b := row[k]
			if b == 0 {
				continue
			}
			ub := uint64(b)
			if b < 0 {
				ub = uint64(-b)
			}
			h, l := bits.Mul64(ua, ub)
			if (a < 0) != (b < 0) {
				f.neg[j*n+k].add128(h, l)
			} else {
				f.pos[j*n+k].add128(h, l)
			}
		}
	}
}

// toAcc returns the sums as a gramAcc (exact big integers).
func (f *fastGram) toAcc() *gramAcc {
	n := f.n
	g := newGramAcc(n)
	for j := 0; j < n; j++ {
		g.s[j].Sub(f.spos[j].bigInt(), f.sneg[j].bigInt())
		for k := j; k < n; k++ {
			g.P[j*n+k].Sub(f.pos[j*n+k].bigInt(), f.neg[j*n+k].bigInt())
		}
	}
	return g
}

// smallNumerators reports whether every numerator of e is below fastLimit
// in magnitude.
func (e *Exact) smallNumerators() bool {
	for k := range e.num {
		x := &e.num[k]
		if x.BitLen() > 62 {
			return false
		}
	}
	return true
}

// gram returns the exact sums P and s of e's rows, by fastGram when every
// numerator is small, else in big.Int arithmetic.
func (e *Exact) gram() *gramAcc {
	n := e.cols
	if e.smallNumerators() {
		f := newFastGram(n)
		row := make([]int64, n)
		for i := 0; i < e.rows; i++ {
			for j := range row {
				row[j] = e.num[i*n+j].Int64()
			}
			f.add(row)
		}
		return f.toAcc()
	}
	acc := newGramAcc(n)
	for i := 0; i < e.rows; i++ {
		acc.add(e.num[i*n : (i+1)*n])
	}
	return acc
}
