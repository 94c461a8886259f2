package bigmat

import (
	"errors"
	"fmt"
	"math/big"
)

// ErrNotPositiveDefinite is returned by Cholesky when a pivot is not
// strictly positive at the working precision.
var ErrNotPositiveDefinite = errors.New("bigmat: matrix is not positive definite")

// ErrSingular is returned by LU when a pivot column is exactly zero.
var ErrSingular = errors.New("bigmat: matrix is singular")

// Cholesky is the factorization a = L·Lᵀ of a symmetric positive definite
// matrix, L lower triangular.
type Cholesky struct {
	l *Dense
}

// Factorize computes the Cholesky factor of the symmetric matrix a (only its
// lower triangle is read). It returns ErrNotPositiveDefinite if a pivot is
// ≤ 0 at precision a.Prec(). Each sum Σ_k l_ik·l_jk is computed as Mul's
// dot products are (exact down to 2^-(p+64+⌈log₂(k+1)⌉) of its largest
// term, rounded once), and subtracted from a_ij with one more rounding;
// a matrix with an infinite entry is factored with every operation
// rounded.
func (ch *Cholesky) Factorize(a *Dense) error {
	if a.rows != a.cols {
		panic(fmt.Sprintf("bigmat: Cholesky of %d×%d", a.rows, a.cols))
	}
	if hasInf(a) {
		return ch.factorizeRounded(a)
	}
	n := a.rows
	prec := a.prec
	l := New(n, n, prec)
	le := make([]intEntry, n*n) // L's entries as integers, row-major
	var s, dot, mant big.Float
	s.SetPrec(prec)
	dot.SetPrec(prec)
	var acc, prod big.Int
	for j := 0; j < n; j++ {
		rj := le[j*n : j*n+j]
		dotExact(&dot, rj, rj, dropBits(prec, j), &acc, &prod)
		s.Sub(a.At(j, j), &dot)
		if s.Sign() <= 0 {
			return ErrNotPositiveDefinite
		}
		ljj := l.At(j, j)
		ljj.Sqrt(&s)
		le[j*n+j].set(ljj, &mant)
		for i := j + 1; i < n; i++ {
			dotExact(&dot, le[i*n:i*n+j], rj, dropBits(prec, j), &acc, &prod)
			s.Sub(a.At(i, j), &dot)
			lij := l.At(i, j)
			lij.Quo(&s, ljj)
			le[i*n+j].set(lij, &mant)
		}
	}
	ch.l = l
	return nil
}

// factorizeRounded is Factorize with every operation rounded.
func (ch *Cholesky) factorizeRounded(a *Dense) error {
	n := a.rows
	l := New(n, n, a.prec)
	var s, t big.Float
	s.SetPrec(a.prec)
	t.SetPrec(a.prec)
	for j := 0; j < n; j++ {
		s.Set(a.At(j, j))
		for k := 0; k < j; k++ {
			t.Mul(l.At(j, k), l.At(j, k))
			s.Sub(&s, &t)
		}
		if s.Sign() <= 0 {
			return ErrNotPositiveDefinite
		}
		ljj := l.At(j, j)
		ljj.Sqrt(&s)
		for i := j + 1; i < n; i++ {
			s.Set(a.At(i, j))
			for k := 0; k < j; k++ {
				t.Mul(l.At(i, k), l.At(j, k))
				s.Sub(&s, &t)
			}
			l.At(i, j).Quo(&s, ljj)
		}
	}
	ch.l = l
	return nil
}

// hasInf reports whether a has an infinite entry.
func hasInf(a *Dense) bool {
	for i := range a.data {
		if a.data[i].IsInf() {
			return true
		}
	}
	return false
}

// L returns a copy of the lower-triangular factor.
func (ch *Cholesky) L() *Dense { return ch.l.Clone() }

// SolveTo sets x to the solution of a·x = b and returns x, by forward and
// backward substitution whose sums are computed as Factorize's (one
// rounding for the dot product, one for the subtraction, one for the
// division by the pivot).
func (ch *Cholesky) SolveTo(x, b *Dense) *Dense {
	n := ch.l.rows
	if b.rows != n {
		panic(fmt.Sprintf("bigmat: Cholesky solve of %d×%d with %d×%d", n, n, b.rows, b.cols))
	}
	prec := ch.l.prec
	y := b.Clone().SetPrec(prec)
	if hasInf(y) {
		return x.Copy(ch.solveRounded(y))
	}
	le, _ := toIntEntries(ch.l, false) // rows of L
	lt, _ := toIntEntries(ch.l, true)  // rows of Lᵀ
	ye := make([]intEntry, n)
	var dot, mant big.Float
	dot.SetPrec(prec)
	var acc, prod big.Int
	for c := 0; c < b.cols; c++ {
		// Forward: L y = b.
		for i := 0; i < n; i++ {
			e := y.At(i, c)
			dotExact(&dot, le[i*n:i*n+i], ye[:i], dropBits(prec, i), &acc, &prod)
			e.Sub(e, &dot)
			e.Quo(e, ch.l.At(i, i))
			ye[i].set(e, &mant)
		}
		// Backward: Lᵀ x = y.
		for i := n - 1; i >= 0; i-- {
			e := y.At(i, c)
			dotExact(&dot, lt[i*n+i+1:(i+1)*n], ye[i+1:], dropBits(prec, n-1-i), &acc, &prod)
			e.Sub(e, &dot)
			e.Quo(e, ch.l.At(i, i))
			ye[i].set(e, &mant)
		}
	}
	return x.Copy(y)
}

// solveRounded is SolveTo's substitution on y (overwritten) with every
// operation rounded.
func (ch *Cholesky) solveRounded(y *Dense) *Dense {
	n := ch.l.rows
	var t big.Float
	t.SetPrec(ch.l.prec)
	for c := 0; c < y.cols; c++ {
		for i := 0; i < n; i++ {
			e := y.At(i, c)
			for k := 0; k < i; k++ {
				t.Mul(ch.l.At(i, k), y.At(k, c))
				e.Sub(e, &t)
			}
			e.Quo(e, ch.l.At(i, i))
		}
		for i := n - 1; i >= 0; i-- {
			e := y.At(i, c)
			for k := i + 1; k < n; k++ {
				t.Mul(ch.l.At(k, i), y.At(k, c))
				e.Sub(e, &t)
			}
			e.Quo(e, ch.l.At(i, i))
		}
	}
	return y
}

// Det returns det a = Π L_ii².
func (ch *Cholesky) Det() *big.Float {
	d := new(big.Float).SetPrec(ch.l.prec).SetInt64(1)
	for i := 0; i < ch.l.rows; i++ {
		d.Mul(d, ch.l.At(i, i))
		d.Mul(d, ch.l.At(i, i))
	}
	return d
}

// LU is the factorization P·a = L·U with partial (row) pivoting.
type LU struct {
	lu   *Dense // L below the diagonal (unit diagonal implied), U on and above
	perm []int  // row i of P·a is row perm[i] of a
	sign int    // determinant of P
}

// Factorize computes the LU factorization of square a with partial
// pivoting. It returns ErrSingular if a column has no nonzero pivot.
func (f *LU) Factorize(a *Dense) error {
	if a.rows != a.cols {
		panic(fmt.Sprintf("bigmat: LU of %d×%d", a.rows, a.cols))
	}
	n := a.rows
	lu := a.Clone()
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	sign := 1
	var t, abs, best big.Float
	t.SetPrec(a.prec)
	// best must hold |a_ik| exactly: at the default 64 bits a candidate
	// that exceeds the current best only beyond bit 64 would be missed.
	best.SetPrec(a.prec)
	for k := 0; k < n; k++ {
		p := -1
		best.SetInt64(0)
		for i := k; i < n; i++ {
			abs.Abs(lu.At(i, k))
			if abs.Cmp(&best) > 0 {
				best.Set(&abs)
				p = i
			}
		}
		if p < 0 {
			return ErrSingular
		}
		if p != k {
			for j := 0; j < n; j++ {
				x, y := lu.At(k, j), lu.At(p, j)
				t.Set(x)
				x.Set(y)
				y.Set(&t)
			}
			perm[k], perm[p] = perm[p], perm[k]
			sign = -sign
		}
		pivot := lu.At(k, k)
		for i := k + 1; i < n; i++ {
			m := lu.At(i, k)
			if m.Sign() == 0 {
				continue
			}
			m.Quo(m, pivot)
			for j := k + 1; j < n; j++ {
				t.Mul(m, lu.At(k, j))
				e := lu.At(i, j)
				e.Sub(e, &t)
			}
		}
	}
	f.lu, f.perm, f.sign = lu, perm, sign
	return nil
}

// SolveTo sets x to the solution of a·x = b and returns x.
func (f *LU) SolveTo(x, b *Dense) *Dense {
	n := f.lu.rows
	if b.rows != n {
		panic(fmt.Sprintf("bigmat: LU solve of %d×%d with %d×%d", n, n, b.rows, b.cols))
	}
	y := New(n, b.cols, f.lu.prec)
	for i := 0; i < n; i++ {
		for c := 0; c < b.cols; c++ {
			y.At(i, c).Set(b.At(f.perm[i], c))
		}
	}
	var t big.Float
	t.SetPrec(f.lu.prec)
	for c := 0; c < b.cols; c++ {
		for i := 0; i < n; i++ {
			e := y.At(i, c)
			for k := 0; k < i; k++ {
				t.Mul(f.lu.At(i, k), y.At(k, c))
				e.Sub(e, &t)
			}
		}
		for i := n - 1; i >= 0; i-- {
			e := y.At(i, c)
			for k := i + 1; k < n; k++ {
				t.Mul(f.lu.At(i, k), y.At(k, c))
				e.Sub(e, &t)
			}
			e.Quo(e, f.lu.At(i, i))
		}
	}
	return x.Copy(y)
}

// Det returns the determinant of the factorized matrix.
func (f *LU) Det() *big.Float {
	d := new(big.Float).SetPrec(f.lu.prec).SetInt64(int64(f.sign))
	for i := 0; i < f.lu.rows; i++ {
		d.Mul(d, f.lu.At(i, i))
	}
	return d
}

// Inverse returns a⁻¹ for square a, or ErrSingular.
func Inverse(a *Dense) (*Dense, error) {
	var f LU
	if err := f.Factorize(a); err != nil {
		return nil, err
	}
	return f.SolveTo(new(Dense), Identity(a.rows, a.prec)), nil
}
