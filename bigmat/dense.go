package bigmat

import (
	"fmt"
	"math"
	"math/big"
	"strings"
)

// GuardDigits is the number of decimal digits carried beyond those the
// caller asked for; see the package documentation for why 16 suffice.
const GuardDigits = 16

// Bits returns the working precision in bits for digits significant decimal
// digits: ceil((digits+GuardDigits)·log2(10)).
func Bits(digits int) uint {
	return uint(math.Ceil(float64(digits+GuardDigits) * math.Log2(10)))
}

// Dense is a dense matrix of big.Float values at a fixed precision.
// The zero value is an empty matrix that operations may resize.
type Dense struct {
	rows, cols int
	prec       uint
	data       []big.Float
}

// New returns a zero r×c matrix at precision prec bits.
func New(r, c int, prec uint) *Dense {
	if r < 0 || c < 0 {
		panic(fmt.Sprintf("bigmat: negative dimension %d×%d", r, c))
	}
	if prec == 0 {
		panic("bigmat: precision 0")
	}
	m := &Dense{rows: r, cols: c, prec: prec, data: make([]big.Float, r*c)}
	for i := range m.data {
		m.data[i].SetPrec(prec)
	}
	return m
}

// Identity returns the n×n identity matrix at precision prec.
func Identity(n int, prec uint) *Dense {
	m := New(n, n, prec)
	for i := 0; i < n; i++ {
		m.data[i*n+i].SetInt64(1)
	}
	return m
}

// FromFloat64 returns the r×c matrix whose row-major entries are v, each
// converted exactly to a big.Float of precision prec (prec ≥ 53 keeps them
// exact).
func FromFloat64(r, c int, prec uint, v []float64) *Dense {
	if len(v) != r*c {
		panic(fmt.Sprintf("bigmat: FromFloat64 with %d values for %d×%d", len(v), r, c))
	}
	m := New(r, c, prec)
	for i, x := range v {
		m.data[i].SetFloat64(x)
	}
	return m
}

// FromRat returns the r×c matrix whose row-major entries are v, each rounded
// once to precision prec.
func FromRat(r, c int, prec uint, v []*big.Rat) *Dense {
	if len(v) != r*c {
		panic(fmt.Sprintf("bigmat: FromRat with %d values for %d×%d", len(v), r, c))
	}
	m := New(r, c, prec)
	for i, x := range v {
		m.data[i].SetRat(x)
	}
	return m
}

// Dims returns the number of rows and columns.
func (m *Dense) Dims() (r, c int) { return m.rows, m.cols }

// Prec returns the precision of the entries in bits.
func (m *Dense) Prec() uint { return m.prec }

// At returns a pointer to entry (i, j). Changing the pointed-to value
// changes the matrix; callers that do so must keep its precision.
func (m *Dense) At(i, j int) *big.Float {
	if i < 0 || i >= m.rows || j < 0 || j >= m.cols {
		panic(fmt.Sprintf("bigmat: index (%d,%d) out of range %d×%d", i, j, m.rows, m.cols))
	}
	return &m.data[i*m.cols+j]
}

// Set sets entry (i, j) to x rounded to the matrix precision.
func (m *Dense) Set(i, j int, x *big.Float) { m.At(i, j).Set(x) }

// SetFloat64 sets entry (i, j) to v.
func (m *Dense) SetFloat64(i, j int, v float64) { m.At(i, j).SetFloat64(v) }

// Float64 returns entry (i, j) rounded to the nearest float64.
func (m *Dense) Float64(i, j int) float64 {
	v, _ := m.At(i, j).Float64()
	return v
}

// Float64s returns the entries row-major, rounded to float64.
func (m *Dense) Float64s() []float64 {
	out := make([]float64, len(m.data))
	for i := range m.data {
		out[i], _ = m.data[i].Float64()
	}
	return out
}

// reuseAs makes z an r×c matrix, allocating if z is empty, and panics if z
// is non-empty with other dimensions. prec is used only on allocation.
func (z *Dense) reuseAs(r, c int, prec uint) {
	if z.rows == 0 && z.cols == 0 && z.data == nil {
		*z = *New(r, c, prec)
		return
	}
	if z.rows != r || z.cols != c {
		panic(fmt.Sprintf("bigmat: receiver is %d×%d, result is %d×%d", z.rows, z.cols, r, c))
	}
}

// Copy sets z to a copy of a (rounded to z's precision if z is not empty)
// and returns z.
func (z *Dense) Copy(a *Dense) *Dense {
	if z == a {
		return z
	}
	z.reuseAs(a.rows, a.cols, a.prec)
	for i := range a.data {
		z.data[i].Set(&a.data[i])
	}
	return z
}

// Clone returns a new matrix equal to m at m's precision.
func (m *Dense) Clone() *Dense { return new(Dense).Copy(m) }

// SetPrec changes the precision of every entry (rounding if it decreases)
// and returns m.
func (m *Dense) SetPrec(prec uint) *Dense {
	m.prec = prec
	for i := range m.data {
		m.data[i].SetPrec(prec)
	}
	return m
}

// T sets z to the transpose of a and returns z. z must not alias a.
func (z *Dense) T(a *Dense) *Dense {
	if z == a {
		panic("bigmat: T with aliased receiver")
	}
	z.reuseAs(a.cols, a.rows, a.prec)
	for i := 0; i < a.rows; i++ {
		for j := 0; j < a.cols; j++ {
			z.data[j*a.rows+i].Set(&a.data[i*a.cols+j])
		}
	}
	return z
}

// Mul sets z = a·b and returns z. z may alias a or b; a non-empty z keeps
// its precision p, else p is a's precision.
//
// Each entry is a dot product Σ_l a_il·b_lj summed exactly in integers down
// to the bit of weight 2^(t − p − MulGuardBits − ⌈log₂(k+1)⌉), 2^t the
// power of two bounding the largest term |a_il·b_lj| (each term's exact
// product is truncated there, terms below it are skipped), and rounded
// once to p bits. Entry (i, j) is therefore within
//
//	2^-p·|(a·b)_ij| + 2^-(p+61)·max_l |a_il·b_lj|
//
// of the exact product: entry by entry, and whatever the magnitudes of the
// other entries, below the k·2^-p·Σ_l |a_il||b_lj| of a product rounded at
// every operation. Operands with an infinite entry are multiplied with
// every product and partial sum rounded instead.
func (z *Dense) Mul(a, b *Dense) *Dense {
	if a.cols != b.rows {
		panic(fmt.Sprintf("bigmat: Mul of %d×%d by %d×%d", a.rows, a.cols, b.rows, b.cols))
	}
	prec := a.prec
	if z.data != nil {
		prec = z.prec
	}
	if z.mulExact(a, b, prec, false) {
		return z
	}
	out := mulRounded(a, b, prec)
	z.reuseAs(out.rows, out.cols, prec)
	z.data = out.data
	return z
}

// mulRounded returns a·b at precision prec with every product and partial
// sum rounded (Mul's product for operands with infinite entries).
func mulRounded(a, b *Dense, prec uint) *Dense {
	out := New(a.rows, b.cols, prec)
	var t big.Float
	t.SetPrec(prec)
	for i := 0; i < a.rows; i++ {
		for k := 0; k < a.cols; k++ {
			aik := &a.data[i*a.cols+k]
			if aik.Sign() == 0 {
				continue
			}
			for j := 0; j < b.cols; j++ {
				bkj := &b.data[k*b.cols+j]
				if bkj.Sign() == 0 {
					continue
				}
				t.Mul(aik, bkj)
				e := &out.data[i*b.cols+j]
				e.Add(e, &t)
			}
		}
	}
	return out
}

// MulTrans sets z = a·bᵀ and returns z. z may alias a or b. With b = a
// (the same *Dense) the entries below the diagonal of the symmetric a·aᵀ
// are the mirror images of those above it.
func (z *Dense) MulTrans(a, b *Dense) *Dense {
	if a == b {
		return z.MulSym(a, new(Dense).T(a))
	}
	return z.Mul(a, new(Dense).T(b))
}

// TransMul sets z = aᵀ·b and returns z. z may alias a or b. With b = a
// the result is exactly symmetric, as in MulTrans.
func (z *Dense) TransMul(a, b *Dense) *Dense {
	if a == b {
		return z.MulSym(new(Dense).T(a), a)
	}
	return z.Mul(new(Dense).T(a), b)
}

// MulSym is Mul for a product that is symmetric in exact arithmetic (a·aᵀ,
// B·S·B with B and S symmetric): it computes the entries on and above the
// diagonal as Mul does and mirrors them, at about half the cost. It
// panics if a·b is not square.
func (z *Dense) MulSym(a, b *Dense) *Dense {
	if a.cols != b.rows || a.rows != b.cols {
		panic(fmt.Sprintf("bigmat: MulSym of %d×%d by %d×%d", a.rows, a.cols, b.rows, b.cols))
	}
	prec := a.prec
	if z.data != nil {
		prec = z.prec
	}
	if z.mulExact(a, b, prec, true) {
		return z
	}
	z.Mul(a, b)
	return z.Symmetrize(z)
}

// Add sets z = a + b and returns z.
func (z *Dense) Add(a, b *Dense) *Dense {
	sameDims("Add", a, b)
	z.reuseAs(a.rows, a.cols, a.prec)
	for i := range z.data {
		z.data[i].Add(&a.data[i], &b.data[i])
	}
	return z
}

// Sub sets z = a − b and returns z.
func (z *Dense) Sub(a, b *Dense) *Dense {
	sameDims("Sub", a, b)
	z.reuseAs(a.rows, a.cols, a.prec)
	for i := range z.data {
		z.data[i].Sub(&a.data[i], &b.data[i])
	}
	return z
}

// Scale sets z = s·a and returns z.
func (z *Dense) Scale(s *big.Float, a *Dense) *Dense {
	z.reuseAs(a.rows, a.cols, a.prec)
	for i := range z.data {
		z.data[i].Mul(s, &a.data[i])
	}
	return z
}

// AddScaledIdentity sets z = a + s·I for square a and returns z.
func (z *Dense) AddScaledIdentity(a *Dense, s *big.Float) *Dense {
	if a.rows != a.cols {
		panic(fmt.Sprintf("bigmat: AddScaledIdentity of %d×%d", a.rows, a.cols))
	}
	z.Copy(a)
	for i := 0; i < a.rows; i++ {
		e := &z.data[i*a.cols+i]
		e.Add(e, s)
	}
	return z
}

// Symmetrize sets z = (a + aᵀ)/2 for square a and returns z.
func (z *Dense) Symmetrize(a *Dense) *Dense {
	if a.rows != a.cols {
		panic(fmt.Sprintf("bigmat: Symmetrize of %d×%d", a.rows, a.cols))
	}
	t := new(Dense).T(a)
	z.Add(a, t)
	for i := range z.data {
		z.data[i].SetMantExp(&z.data[i], -1)
	}
	return z
}

// Trace returns the sum of the diagonal entries of square m.
func (m *Dense) Trace() *big.Float {
	if m.rows != m.cols {
		panic(fmt.Sprintf("bigmat: Trace of %d×%d", m.rows, m.cols))
	}
	s := new(big.Float).SetPrec(m.prec)
	for i := 0; i < m.rows; i++ {
		s.Add(s, &m.data[i*m.cols+i])
	}
	return s
}

// FrobeniusNorm returns ‖m‖_F at m's precision.
func (m *Dense) FrobeniusNorm() *big.Float {
	s := new(big.Float).SetPrec(m.prec)
	var t big.Float
	t.SetPrec(m.prec)
	for i := range m.data {
		t.Mul(&m.data[i], &m.data[i])
		s.Add(s, &t)
	}
	return s.Sqrt(s)
}

// MaxAbs returns the largest absolute value of an entry (0 for empty m).
func (m *Dense) MaxAbs() *big.Float {
	s := new(big.Float).SetPrec(m.prec)
	var t big.Float
	for i := range m.data {
		t.Abs(&m.data[i])
		if t.Cmp(s) > 0 {
			s.Set(&t)
		}
	}
	return s
}

// Column returns column j as a new c×1 matrix.
func (m *Dense) Column(j int) *Dense {
	out := New(m.rows, 1, m.prec)
	for i := 0; i < m.rows; i++ {
		out.data[i].Set(m.At(i, j))
	}
	return out
}

// Slice returns a copy of rows [i0,i1) and columns [j0,j1) of m.
func (m *Dense) Slice(i0, i1, j0, j1 int) *Dense {
	if i0 < 0 || i1 > m.rows || i0 > i1 || j0 < 0 || j1 > m.cols || j0 > j1 {
		panic(fmt.Sprintf("bigmat: Slice [%d:%d, %d:%d] of %d×%d", i0, i1, j0, j1, m.rows, m.cols))
	}
	out := New(i1-i0, j1-j0, m.prec)
	for i := i0; i < i1; i++ {
		for j := j0; j < j1; j++ {
			out.data[(i-i0)*out.cols+j-j0].Set(&m.data[i*m.cols+j])
		}
	}
	return out
}

// String formats m with 6 significant digits per entry, for debugging.
func (m *Dense) String() string {
	var b strings.Builder
	for i := 0; i < m.rows; i++ {
		b.WriteString("[")
		for j := 0; j < m.cols; j++ {
			if j > 0 {
				b.WriteString(" ")
			}
			b.WriteString(m.data[i*m.cols+j].Text('g', 6))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func sameDims(op string, a, b *Dense) {
	if a.rows != b.rows || a.cols != b.cols {
		panic(fmt.Sprintf("bigmat: %s of %d×%d and %d×%d", op, a.rows, a.cols, b.rows, b.cols))
	}
}
