package bigmat

import (
	"math"
	"math/big"
	"math/bits"
)

// MulGuardBits is how far below the largest term of each dot product Mul
// keeps the sum: terms are summed exactly in integers down to the bit of
// weight 2^(t − p − MulGuardBits − ⌈log₂(k+1)⌉), t the exponent bounding
// that largest term (see Mul).
const MulGuardBits = 64

// intEntry is a finite big.Float held as m·2^e with m an integer of at
// most the value's precision (its minimal one); |m·2^e| < 2^top. A zero
// value has m = 0.
type intEntry struct {
	m   big.Int
	e   int
	top int
}

// toIntEntries converts the entries of m (row-major, or column-major when
// trans) to intEntry form; ok is false if an entry is infinite.
func toIntEntries(m *Dense, trans bool) ([]intEntry, bool) {
	out := make([]intEntry, len(m.data))
	var mant big.Float
	for i := 0; i < m.rows; i++ {
		for j := 0; j < m.cols; j++ {
			x := &m.data[i*m.cols+j]
			k := i*m.cols + j
			if trans {
				k = j*m.rows + i
			}
			if x.IsInf() {
				return nil, false
			}
			out[k].set(x, &mant)
		}
	}
	return out, true
}

// set sets e to the finite x (mant is scratch).
func (e *intEntry) set(x *big.Float, mant *big.Float) {
	if x.Sign() == 0 {
		e.m.SetInt64(0)
		return
	}
	exp := x.MantExp(mant)
	pm := int(mant.MinPrec())
	mant.SetMantExp(mant, pm)
	mant.Int(&e.m) // exact: mant is an integer of pm bits
	e.e, e.top = exp-pm, exp
}

// mulExact is Mul's product of finite operands (see Mul); it reports false
// if an operand has an infinite entry. With sym (a·b square and symmetric
// in exact arithmetic) it computes the entries on and above the diagonal
// and mirrors them.
func (z *Dense) mulExact(a, b *Dense, prec uint, sym bool) bool {
	ea, ok := toIntEntries(a, false) // rows of a
	if !ok {
		return false
	}
	eb, ok := toIntEntries(b, true) // columns of b, each contiguous
	if !ok {
		return false
	}
	k := a.cols
	drop := dropBits(prec, k)
	out := New(a.rows, b.cols, prec)
	var acc, prod big.Int
	for i := 0; i < a.rows; i++ {
		ra := ea[i*k : (i+1)*k]
		for j := 0; j < b.cols; j++ {
			if sym && j < i {
				out.data[i*b.cols+j].Set(&out.data[j*b.cols+i])
				continue
			}
			dotExact(&out.data[i*b.cols+j], ra, eb[j*k:(j+1)*k], drop, &acc, &prod)
		}
	}
	z.reuseAs(out.rows, out.cols, prec)
	z.data = out.data
	return true
}

// dropBits is how far below the largest term dotExact truncates a dot
// product of k terms at precision prec: prec + MulGuardBits + ⌈log₂(k+1)⌉.
func dropBits(prec uint, k int) int { return int(prec) + MulGuardBits + bits.Len(uint(k)) }

// dotExact sets z (precision set) to Σ_l x_l·y_l: every term is an exact
// integer product, shifted to the bit of weight 2^lsb, lsb = t − drop (2^t
// bounding the largest term), truncated there (terms below it are
// skipped), summed exactly in acc and rounded once into z.
func dotExact(z *big.Float, x, y []intEntry, drop int, acc, prod *big.Int) {
	t := math.MinInt
	for l := range x {
		if x[l].m.Sign() != 0 && y[l].m.Sign() != 0 {
			t = max(t, x[l].top+y[l].top)
		}
	}
	if t == math.MinInt {
		z.SetInt64(0)
		return
	}
	lsb := t - drop
	acc.SetInt64(0)
	for l := range x {
		xl, yl := &x[l], &y[l]
		if xl.m.Sign() == 0 || yl.m.Sign() == 0 || xl.top+yl.top <= lsb {
			continue
		}
		prod.Mul(&xl.m, &yl.m)
		if s := xl.e + yl.e - lsb; s >= 0 {
			prod.Lsh(prod, uint(s))
		} else {
			prod.Rsh(prod, uint(-s)) // toward −∞: an error below 2^lsb
		}
		acc.Add(acc, prod)
	}
	z.SetInt(acc)
	z.SetMantExp(z, lsb)
}
