// Package ratmat is exact dense linear algebra over the rationals (big.Rat):
// products, transposes, Gauss–Jordan inversion and solves, rank and
// determinant. The exact identity checks of package proofs evaluate both
// sides of a lemma with it, and the property tests build exact orthogonal
// matrices and exact minimizers with it, so a passing check has no
// rounding anywhere.
//
// Matrices are small (the checks use n, d, M of a few units); every
// operation allocates its result and never aliases its operands.
package ratmat

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/nrc-ufm/ufm/bigmat"
)

// ErrSingular is returned when a matrix to be inverted or solved with is
// singular (exactly).
var ErrSingular = errors.New("ratmat: singular matrix")

// Matrix is an r×c matrix of rationals stored row-major.
type Matrix struct {
	r, c int
	a    []*big.Rat
}

// New returns the r×c zero matrix.
func New(r, c int) *Matrix {
	m := &Matrix{r: r, c: c, a: make([]*big.Rat, r*c)}
	for i := range m.a {
		m.a[i] = new(big.Rat)
	}
	return m
}

// Identity returns the n×n identity.
func Identity(n int) *Matrix {
	m := New(n, n)
	for i := 0; i < n; i++ {
		m.a[i*n+i].SetInt64(1)
	}
	return m
}

// FromRows copies rows (all of equal length) into a matrix.
func FromRows(rows [][]*big.Rat) *Matrix {
	if len(rows) == 0 {
		return New(0, 0)
	}
	m := New(len(rows), len(rows[0]))
	for i, row := range rows {
		if len(row) != m.c {
			panic(fmt.Sprintf("ratmat: ragged rows (%d and %d)", m.c, len(row)))
		}
		for j, v := range row {
			m.a[i*m.c+j].Set(v)
		}
	}
	return m
}

// FromInts builds an r×c matrix from integers given row-major.
func FromInts(r, c int, v ...int64) *Matrix {
	if len(v) != r*c {
		panic(fmt.Sprintf("ratmat: %d values for %d×%d", len(v), r, c))
	}
	m := New(r, c)
	for i, x := range v {
		m.a[i].SetInt64(x)
	}
	return m
}

// FromDense converts a big-float matrix exactly (every big.Float is a
// dyadic rational).
func FromDense(d *bigmat.Dense) *Matrix {
	r, c := d.Dims()
	m := New(r, c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			d.At(i, j).Rat(m.a[i*c+j])
		}
	}
	return m
}

// Dense rounds m to a big-float matrix at precision prec.
func (m *Matrix) Dense(prec uint) *bigmat.Dense {
	return bigmat.FromRat(m.r, m.c, prec, m.a)
}

// Dims returns the numbers of rows and columns.
func (m *Matrix) Dims() (r, c int) { return m.r, m.c }

// At returns the entry (i, j) itself (not a copy).
func (m *Matrix) At(i, j int) *big.Rat {
	if i < 0 || i >= m.r || j < 0 || j >= m.c {
		panic(fmt.Sprintf("ratmat: index (%d, %d) outside %d×%d", i, j, m.r, m.c))
	}
	return m.a[i*m.c+j]
}

// Set sets entry (i, j) to a copy of x.
func (m *Matrix) Set(i, j int, x *big.Rat) { m.At(i, j).Set(x) }

// Clone returns a deep copy.
func (m *Matrix) Clone() *Matrix {
	out := New(m.r, m.c)
	for i, v := range m.a {
		out.a[i].Set(v)
	}
	return out
}

// T returns the transpose.
func (m *Matrix) T() *Matrix {
	out := New(m.c, m.r)
	for i := 0; i < m.r; i++ {
		for j := 0; j < m.c; j++ {
			out.a[j*m.r+i].Set(m.a[i*m.c+j])
		}
	}
	return out
}

func same(op string, a, b *Matrix) {
	if a.r != b.r || a.c != b.c {
		panic(fmt.Sprintf("ratmat: %s of %d×%d and %d×%d", op, a.r, a.c, b.r, b.c))
	}
}

// Add returns a + b.
func Add(a, b *Matrix) *Matrix {
	same("Add", a, b)
	out := New(a.r, a.c)
	for i := range out.a {
		out.a[i].Add(a.a[i], b.a[i])
	}
	return out
}

// Sub returns a − b.
func Sub(a, b *Matrix) *Matrix {
	same("Sub", a, b)
	out := New(a.r, a.c)
	for i := range out.a {
		out.a[i].Sub(a.a[i], b.a[i])
	}
	return out
}

// Scale returns s·a.
func Scale(s *big.Rat, a *Matrix) *Matrix {
	out := New(a.r, a.c)
	for i := range out.a {
		out.a[i].Mul(s, a.a[i])
	}
	return out
}

// AddScaledIdentity returns a + s·I for square a.
func AddScaledIdentity(a *Matrix, s *big.Rat) *Matrix {
	if a.r != a.c {
		panic(fmt.Sprintf("ratmat: AddScaledIdentity of %d×%d", a.r, a.c))
	}
	out := a.Clone()
	for i := 0; i < a.r; i++ {
		out.a[i*a.c+i].Add(out.a[i*a.c+i], s)
	}
	return out
}

// Mul returns a·b.
func Mul(a, b *Matrix) *Matrix {
	if a.c != b.r {
		panic(fmt.Sprintf("ratmat: Mul of %d×%d and %d×%d", a.r, a.c, b.r, b.c))
	}
	out := New(a.r, b.c)
	var t big.Rat
	for i := 0; i < a.r; i++ {
		for k := 0; k < a.c; k++ {
			x := a.a[i*a.c+k]
			if x.Sign() == 0 {
				continue
			}
			for j := 0; j < b.c; j++ {
				y := b.a[k*b.c+j]
				if y.Sign() == 0 {
					continue
				}
				t.Mul(x, y)
				out.a[i*b.c+j].Add(out.a[i*b.c+j], &t)
			}
		}
	}
	return out
}

// Mul3 returns a·b·c.
func Mul3(a, b, c *Matrix) *Matrix { return Mul(Mul(a, b), c) }

// Dot returns the Frobenius inner product tr(aᵀb).
func Dot(a, b *Matrix) *big.Rat {
	same("Dot", a, b)
	s := new(big.Rat)
	var t big.Rat
	for i := range a.a {
		t.Mul(a.a[i], b.a[i])
		s.Add(s, &t)
	}
	return s
}

// Norm2 returns ‖a‖²_F.
func Norm2(a *Matrix) *big.Rat { return Dot(a, a) }

// Trace returns the trace of square a.
func (m *Matrix) Trace() *big.Rat {
	s := new(big.Rat)
	for i := 0; i < min(m.r, m.c); i++ {
		s.Add(s, m.a[i*m.c+i])
	}
	return s
}

// IsZero reports whether every entry is exactly zero.
func (m *Matrix) IsZero() bool {
	for _, v := range m.a {
		if v.Sign() != 0 {
			return false
		}
	}
	return true
}

// Equal reports whether a and b have the same shape and entries.
func Equal(a, b *Matrix) bool {
	if a.r != b.r || a.c != b.c {
		return false
	}
	for i := range a.a {
		if a.a[i].Cmp(b.a[i]) != 0 {
			return false
		}
	}
	return true
}

// Rows returns the entries as a slice of rows (sharing the entries).
func (m *Matrix) Rows() [][]*big.Rat {
	out := make([][]*big.Rat, m.r)
	for i := range out {
		out[i] = m.a[i*m.c : (i+1)*m.c]
	}
	return out
}

// Column returns column j as a c×1 matrix (a copy).
func (m *Matrix) Column(j int) *Matrix {
	out := New(m.r, 1)
	for i := 0; i < m.r; i++ {
		out.a[i].Set(m.a[i*m.c+j])
	}
	return out
}

// Solve returns x with a·x = b for square nonsingular a (Gauss–Jordan
// elimination with the first nonzero pivot: exact arithmetic needs no
// pivoting for stability), or ErrSingular.
func Solve(a, b *Matrix) (*Matrix, error) {
	if a.r != a.c || b.r != a.r {
		panic(fmt.Sprintf("ratmat: Solve with %d×%d and %d×%d", a.r, a.c, b.r, b.c))
	}
	n, k := a.r, b.c
	w := n + k
	aug := New(n, w)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			aug.a[i*w+j].Set(a.a[i*n+j])
		}
		for j := 0; j < k; j++ {
			aug.a[i*w+n+j].Set(b.a[i*k+j])
		}
	}
	if r := aug.reduce(n); r < n {
		return nil, ErrSingular
	}
	x := New(n, k)
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			x.a[i*k+j].Set(aug.a[i*w+n+j])
		}
	}
	return x, nil
}

// Inverse returns a⁻¹ or ErrSingular.
func Inverse(a *Matrix) (*Matrix, error) { return Solve(a, Identity(a.r)) }

// reduce brings the first cols columns of m to reduced row echelon form in
// place (the remaining columns follow along) and returns the rank of that
// block. When the rank is full the block ends as the identity.
func (m *Matrix) reduce(cols int) int {
	row := 0
	var t big.Rat
	for col := 0; col < cols && row < m.r; col++ {
		p := -1
		for i := row; i < m.r; i++ {
			if m.a[i*m.c+col].Sign() != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		if p != row {
			for j := 0; j < m.c; j++ {
				m.a[p*m.c+j], m.a[row*m.c+j] = m.a[row*m.c+j], m.a[p*m.c+j]
			}
		}
		inv := new(big.Rat).Inv(m.a[row*m.c+col])
		for j := 0; j < m.c; j++ {
			m.a[row*m.c+j].Mul(m.a[row*m.c+j], inv)
		}
		for i := 0; i < m.r; i++ {
			if i == row {
				continue
			}
			f := new(big.Rat).Set(m.a[i*m.c+col])
			if f.Sign() == 0 {
				continue
			}
			for j := 0; j < m.c; j++ {
				if m.a[row*m.c+j].Sign() == 0 {
					continue
				}
				t.Mul(f, m.a[row*m.c+j])
				m.a[i*m.c+j].Sub(m.a[i*m.c+j], &t)
			}
		}
		row++
	}
	return row
}

// Rank returns the exact rank.
func (m *Matrix) Rank() int { return m.Clone().reduce(m.c) }

// PivotColumns returns the indices of a maximal set of linearly
// independent columns (the pivot columns of the row echelon form), in
// increasing order.
func (m *Matrix) PivotColumns() []int {
	w := m.Clone()
	w.reduce(w.c)
	var piv []int
	row := 0
	for col := 0; col < w.c && row < w.r; col++ {
		if w.a[row*w.c+col].Sign() != 0 {
			piv = append(piv, col)
			row++
		}
	}
	return piv
}

// Det returns the determinant of square m (fraction-free elimination is
// not needed at these sizes; plain elimination in Q is exact).
func (m *Matrix) Det() *big.Rat {
	if m.r != m.c {
		panic(fmt.Sprintf("ratmat: Det of %d×%d", m.r, m.c))
	}
	n := m.r
	w := m.Clone()
	det := big.NewRat(1, 1)
	var t big.Rat
	for col := 0; col < n; col++ {
		p := -1
		for i := col; i < n; i++ {
			if w.a[i*n+col].Sign() != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			return new(big.Rat)
		}
		if p != col {
			for j := 0; j < n; j++ {
				w.a[p*n+j], w.a[col*n+j] = w.a[col*n+j], w.a[p*n+j]
			}
			det.Neg(det)
		}
		piv := w.a[col*n+col]
		det.Mul(det, piv)
		for i := col + 1; i < n; i++ {
			if w.a[i*n+col].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Quo(w.a[i*n+col], piv)
			for j := col; j < n; j++ {
				t.Mul(f, w.a[col*n+j])
				w.a[i*n+j].Sub(w.a[i*n+j], &t)
			}
		}
	}
	return det
}

// String prints the matrix with exact entries, one row per line.
func (m *Matrix) String() string {
	var b strings.Builder
	for i := 0; i < m.r; i++ {
		b.WriteString("[")
		for j := 0; j < m.c; j++ {
			if j > 0 {
				b.WriteString(" ")
			}
			b.WriteString(m.a[i*m.c+j].RatString())
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// Cayley returns the rational orthogonal matrix (I − S)(I + S)⁻¹ of a
// skew-symmetric S (I + S is then always invertible: its eigenvalues are
// 1 + iμ). Every rational orthogonal matrix without eigenvalue −1 arises so.
func Cayley(s *Matrix) *Matrix {
	n := s.r
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if new(big.Rat).Add(s.a[i*n+j], s.a[j*n+i]).Sign() != 0 {
				panic("ratmat: Cayley of a matrix that is not skew-symmetric")
			}
		}
	}
	ip := Add(Identity(n), s)
	inv, err := Inverse(ip)
	if err != nil {
		panic("ratmat: I + S singular for skew-symmetric S")
	}
	return Mul(Sub(Identity(n), s), inv)
}

// NullVector returns a nonzero column x with m·x = 0, or nil when m has
// full column rank.
func (m *Matrix) NullVector() *Matrix {
	w := m.Clone()
	w.reduce(w.c)
	var piv []int
	row := 0
	free := -1
	for col := 0; col < w.c; col++ {
		if row < w.r && w.a[row*w.c+col].Sign() != 0 {
			piv = append(piv, col)
			row++
		} else if free < 0 {
			free = col
		}
	}
	if free < 0 {
		return nil
	}
	x := New(w.c, 1)
	x.a[free].SetInt64(1)
	for r, p := range piv {
		if p < free {
			x.a[p].Neg(w.a[r*w.c+free])
		}
	}
	return x
}

// Pow10 returns 10^e exactly.
func Pow10(e int) *big.Rat {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(e, -e))), nil)
	if e >= 0 {
		return new(big.Rat).SetInt(p)
	}
	return new(big.Rat).SetFrac(big.NewInt(1), p)
}
