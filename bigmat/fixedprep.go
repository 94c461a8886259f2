package bigmat

import (
	"fmt"
	"math/big"
	"math/bits"
)

// Fixed is a matrix held in MulFixed's fixed-point form, as the left or
// the right operand of products at one precision, for a matrix that takes
// part in many products (an operator applied in every iteration of an
// iterative solver): converting an entry costs about as much as several
// multiply-adds, and MulFixed converts both operands on every call.
//
// A Fixed holds the values of the matrix at the time it was made; it does
// not refer to the matrix afterwards. It is safe for concurrent use.
type Fixed struct {
	rows, cols int  // of the matrix it stands for
	prec       uint // precision of the products
	right      bool // held by columns (right operand) rather than rows
	f          *fixedRows
	dense      *Dense // a copy, for the fallback to Mul (infinite entries, 32-bit words)
}

// NewFixedLeft returns a held for products a·b at precision prec
// (MulFixedPrepared), row by row, each row exactly when it spans at most
// the words MulFixed would use at prec and inner dimension a's columns,
// else truncated as MulFixed truncates it.
func NewFixedLeft(a *Dense, prec uint) *Fixed {
	return newFixed(a, prec, false)
}

// NewFixedRight returns b held for products a·b at precision prec,
// column by column (see NewFixedLeft).
func NewFixedRight(b *Dense, prec uint) *Fixed {
	return newFixed(b, prec, true)
}

func newFixed(m *Dense, prec uint, right bool) *Fixed {
	k := m.cols // the inner dimension of the products
	if right {
		k = m.rows
	}
	maxLimbs := (int(prec) + FixedGuardBits + (bits.Len(uint(k))+1)/2 + 63) / 64
	fx := &Fixed{rows: m.rows, cols: m.cols, prec: prec, right: right}
	f, ok := toFixed(m, maxLimbs, right)
	if !ok || bits.UintSize != 64 {
		fx.dense = m.Clone()
		return fx
	}
	fx.f = f
	return fx
}

// Dims returns the dimensions of the matrix f stands for.
func (f *Fixed) Dims() (r, c int) { return f.rows, f.cols }

// T returns the transpose of the matrix f stands for, as the other kind
// of operand (a right operand b becomes the left operand bᵀ, and back),
// sharing f's storage: the columns of b are the rows of bᵀ.
func (f *Fixed) T() *Fixed {
	t := &Fixed{rows: f.cols, cols: f.rows, prec: f.prec, right: !f.right, f: f.f}
	if f.dense != nil {
		t.dense = new(Dense).T(f.dense)
	}
	return t
}

// MulFixedPrepared sets z = a·b at the operands' precision and returns z:
// the same entries as z.MulFixed(A, B) for the matrices A, B that a and b
// were made from, at that precision (and the same error bound). When one
// operand has an infinite entry it falls back to Mul, like MulFixed, of
// that operand and of the other's fixed-point values (which are exact
// unless MulFixed truncates that operand too). a must be
// a left operand and b a right one, made at the same precision; z must be
// empty or have a·b's dimensions, and may not be shared with a Fixed.
func (z *Dense) MulFixedPrepared(a, b *Fixed) *Dense {
	switch {
	case a.right || !b.right:
		panic("bigmat: MulFixedPrepared needs a left and a right operand")
	case a.cols != b.rows:
		panic(fmt.Sprintf("bigmat: MulFixedPrepared of %d×%d by %d×%d", a.rows, a.cols, b.rows, b.cols))
	case a.prec != b.prec:
		panic(fmt.Sprintf("bigmat: MulFixedPrepared of operands at %d and %d bits", a.prec, b.prec))
	}
	if a.f == nil || b.f == nil {
		out := New(a.rows, b.cols, a.prec).Mul(a.denseOf(), b.denseOf())
		z.reuseAs(out.rows, out.cols, a.prec)
		z.data = out.data
		return z
	}
	out := mulFixedRows(a.f, b.f, a.rows, b.cols, a.prec, false)
	z.reuseAs(out.rows, out.cols, a.prec)
	z.data = out.data
	return z
}

// denseOf returns the matrix f stands for as a Dense (the fallback).
func (f *Fixed) denseOf() *Dense {
	if f.dense != nil {
		return f.dense
	}
	// Only one operand fell back: rebuild this one from its fixed point
	// (exact: the fixed-point values are the ones MulFixed multiplies).
	return f.f.dense(f.right, f.rows, f.cols)
}

// dense returns the values of f exactly as a rows×cols Dense: f's rows are
// its rows, or its columns when trans.
func (f *fixedRows) dense(trans bool, rows, cols int) *Dense {
	m := New(rows, cols, uint(64*f.limbs))
	var n big.Int
	for i := range f.exp {
		if f.zero[i] {
			continue
		}
		for j := 0; j < f.cols; j++ {
			r, c := i, j
			if trans {
				r, c = j, i
			}
			x := m.At(r, c)
			if f.ints != nil {
				n.Set(&f.ints[i*f.cols+j])
			} else {
				w := f.words[(i*f.cols+j)*f.limbs : (i*f.cols+j+1)*f.limbs]
				ws := make([]big.Word, len(w))
				for l, u := range w {
					ws[l] = big.Word(u)
				}
				n.SetBits(ws)
				if f.sign[i*f.cols+j] != 0 {
					n.Neg(&n)
				}
			}
			x.SetInt(&n)
			x.SetMantExp(x, f.exp[i])
		}
	}
	return m
}
