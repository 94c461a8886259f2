package bigmat

import (
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestBits checks 2^(Bits(d)−1) < 10^(d+GuardDigits) ≤ 2^Bits(d) exactly, i.e.
// Bits(d) = ceil((d+GuardDigits)·log2 10), for d up to 2000.
func TestBits(t *testing.T) {
	prev := uint(0)
	for d := 1; d <= 2000; d++ {
		b := Bits(d)
		p10 := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d+GuardDigits)), nil)
		hi := new(big.Int).Lsh(big.NewInt(1), b)
		lo := new(big.Int).Lsh(big.NewInt(1), b-1)
		if p10.Cmp(hi) > 0 || p10.Cmp(lo) <= 0 {
			t.Fatalf("Bits(%d) = %d is not ceil(%d·log2 10)", d, b, d+GuardDigits)
		}
		if b <= prev {
			t.Fatalf("Bits not increasing at %d", d)
		}
		prev = b
	}
	if Bits(50) != 220 || Bits(300) != 1050 {
		t.Errorf("Bits(50) = %d, Bits(300) = %d; want 220, 1050", Bits(50), Bits(300))
	}
}

func TestNewIdentityFrom(t *testing.T) {
	m := New(2, 3, 77)
	if r, c := m.Dims(); r != 2 || c != 3 || m.Prec() != 77 {
		t.Fatalf("New: %d×%d at %d", r, c, m.Prec())
	}
	for i := 0; i < 2; i++ {
		for j := 0; j < 3; j++ {
			if m.At(i, j).Sign() != 0 || m.At(i, j).Prec() != 77 {
				t.Errorf("New entry (%d,%d) = %v at %d bits", i, j, m.At(i, j), m.At(i, j).Prec())
			}
		}
	}
	id := Identity(3, 100)
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			want := 0.0
			if i == j {
				want = 1
			}
			if id.Float64(i, j) != want {
				t.Errorf("Identity(%d,%d) = %v", i, j, id.Float64(i, j))
			}
		}
	}
	v := []float64{0.1, -2.5e-300, 1e300, 3}
	f := FromFloat64(2, 2, 53, v)
	for i, x := range f.Float64s() {
		if x != v[i] {
			t.Errorf("FromFloat64 entry %d = %v, want %v", i, x, v[i])
		}
	}
	third := FromRat(1, 2, 300, []*big.Rat{big.NewRat(1, 3), big.NewRat(-5, 1)})
	want := new(big.Float).SetPrec(300).SetRat(big.NewRat(1, 3))
	if third.At(0, 0).Cmp(want) != 0 || third.Float64(0, 1) != -5 {
		t.Errorf("FromRat = %v", third)
	}
	if third.At(0, 0).Prec() != 300 {
		t.Errorf("FromRat precision %d", third.At(0, 0).Prec())
	}

	mustPanic(t, "New negative", func() { New(-1, 2, 64) })
	mustPanic(t, "New prec 0", func() { New(1, 1, 0) })
	mustPanic(t, "FromFloat64 count", func() { FromFloat64(2, 2, 64, []float64{1, 2, 3}) })
	mustPanic(t, "FromRat count", func() { FromRat(1, 2, 64, []*big.Rat{big.NewRat(1, 1)}) })
	mustPanic(t, "At row", func() { m.At(2, 0) })
	mustPanic(t, "At col", func() { m.At(0, 3) })
	mustPanic(t, "At negative", func() { m.At(-1, 0) })
}

// f64 builds a matrix of exactly representable values at 200 bits.
func f64(r, c int, v ...float64) *Dense { return FromFloat64(r, c, 200, v) }

// equalExact reports whether a and b have the same shape and entries.
func equalExact(a, b *Dense) bool {
	ar, ac := a.Dims()
	br, bc := b.Dims()
	if ar != br || ac != bc {
		return false
	}
	for i := range a.data {
		if a.data[i].Cmp(&b.data[i]) != 0 {
			return false
		}
	}
	return true
}

// TestArithmeticExact: small integer matrices, whose results are exact at
// any precision, so equality is exact.
func TestArithmeticExact(t *testing.T) {
	a := f64(2, 3, 1, 2, 3, 4, 5, 6)
	b := f64(3, 2, 7, 8, 9, 10, 11, 12)
	sq := f64(2, 2, 1, 2, 3, 4)
	tests := []struct {
		name string
		got  func() *Dense
		want *Dense
	}{
		{"Mul 2×3·3×2", func() *Dense { return new(Dense).Mul(a, b) }, f64(2, 2, 58, 64, 139, 154)},
		{"Mul 3×2·2×3", func() *Dense { return new(Dense).Mul(b, a) }, f64(3, 3, 39, 54, 69, 49, 68, 87, 59, 82, 105)},
		{"Mul by zero-size", func() *Dense { return new(Dense).Mul(New(2, 0, 64), New(0, 3, 64)) }, New(2, 3, 64)},
		{"MulTrans a·aᵀ", func() *Dense { return new(Dense).MulTrans(a, a) }, f64(2, 2, 14, 32, 32, 77)},
		{"TransMul aᵀ·a", func() *Dense { return new(Dense).TransMul(a, a) }, f64(3, 3, 17, 22, 27, 22, 29, 36, 27, 36, 45)},
		{"T 2×3", func() *Dense { return new(Dense).T(a) }, f64(3, 2, 1, 4, 2, 5, 3, 6)},
		{"Add", func() *Dense { return new(Dense).Add(sq, sq) }, f64(2, 2, 2, 4, 6, 8)},
		{"Sub", func() *Dense { return new(Dense).Sub(sq, f64(2, 2, 1, 1, 1, 1)) }, f64(2, 2, 0, 1, 2, 3)},
		{"Scale", func() *Dense { return new(Dense).Scale(bf(200, -0.5), sq) }, f64(2, 2, -0.5, -1, -1.5, -2)},
		{"AddScaledIdentity", func() *Dense { return new(Dense).AddScaledIdentity(sq, bf(200, 10)) }, f64(2, 2, 11, 2, 3, 14)},
		{"Symmetrize", func() *Dense { return new(Dense).Symmetrize(sq) }, f64(2, 2, 1, 2.5, 2.5, 4)},
		{"Column", func() *Dense { return a.Column(1) }, f64(2, 1, 2, 5)},
		{"Slice", func() *Dense { return a.Slice(0, 2, 1, 3) }, f64(2, 2, 2, 3, 5, 6)},
		{"Slice empty", func() *Dense { return a.Slice(1, 1, 0, 3) }, New(0, 3, 64)},
		{"Clone", func() *Dense { return a.Clone() }, a},
		{"Copy", func() *Dense { return new(Dense).Copy(b) }, b},
	}
	for _, tc := range tests {
		got := tc.got()
		if !equalExact(got, tc.want) {
			t.Errorf("%s = \n%v want\n%v", tc.name, got, tc.want)
		}
	}
	if a.Float64(0, 0) != 1 || sq.Float64(1, 1) != 4 {
		t.Errorf("an operation modified its operand")
	}
}

func TestScalarReductions(t *testing.T) {
	m := f64(2, 2, 3, -7, 4, 0)
	if tr := m.Trace(); tr.Cmp(bf(200, 3)) != 0 {
		t.Errorf("Trace = %v", tr)
	}
	// ‖[[3,4],[12,0]]‖_F = 13 exactly.
	if fn := f64(2, 2, 3, 4, 12, 0).FrobeniusNorm(); fn.Cmp(bf(200, 13)) != 0 {
		t.Errorf("FrobeniusNorm = %v, want 13", fn)
	}
	if ma := m.MaxAbs(); ma.Cmp(bf(200, 7)) != 0 {
		t.Errorf("MaxAbs = %v, want 7", ma)
	}
	if ma := New(0, 0, 64).MaxAbs(); ma.Sign() != 0 {
		t.Errorf("MaxAbs of empty = %v", ma)
	}
	if fn := New(3, 0, 64).FrobeniusNorm(); fn.Sign() != 0 {
		t.Errorf("FrobeniusNorm of empty = %v", fn)
	}
	// ‖·‖_F of a 1/3 matrix at 300 bits: √(4/9) = 2/3 to the last bit or so.
	third := FromRat(2, 2, 300, []*big.Rat{big.NewRat(1, 3), big.NewRat(1, 3), big.NewRat(1, 3), big.NewRat(1, 3)})
	checkLE(t, "|‖third‖ − 2/3|", absDiff(300, third.FrobeniusNorm(), bfRat(300, big.NewRat(2, 3))), tolFor(4, 300, bf(300, 1)))
	mustPanic(t, "Trace non-square", func() { New(2, 3, 64).Trace() })
}

// TestMulAliasing: z.Mul(z, b), z.Mul(a, z) and z.Mul(z, z) must equal the
// unaliased products exactly (the same operations in the same order).
func TestMulAliasing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	prec := Bits(50)
	for _, n := range []int{1, 3, 6} {
		a := randomSymmetric(rng, n, prec)
		b := randomRat(rng, n, n).dense(prec)
		want := new(Dense).Mul(a, b)
		z := a.Clone()
		z.Mul(z, b)
		if !equalExact(z, want) {
			t.Errorf("n=%d: z.Mul(z, b) differs from a·b", n)
		}
		z = b.Clone()
		z.Mul(a, z)
		if !equalExact(z, want) {
			t.Errorf("n=%d: z.Mul(a, z) differs from a·b", n)
		}
		z = a.Clone()
		z.Mul(z, z)
		if !equalExact(z, new(Dense).Mul(a, a)) {
			t.Errorf("n=%d: z.Mul(z, z) differs from a·a", n)
		}
		z = a.Clone()
		z.MulTrans(z, b)
		if !equalExact(z, new(Dense).Mul(a, new(Dense).T(b))) {
			t.Errorf("n=%d: z.MulTrans(z, b) differs", n)
		}
		z = b.Clone()
		z.TransMul(a, z)
		if !equalExact(z, new(Dense).Mul(new(Dense).T(a), b)) {
			t.Errorf("n=%d: z.TransMul(a, z) differs", n)
		}
		z = a.Clone()
		z.Add(z, z)
		if !equalExact(z, new(Dense).Scale(bf(prec, 2), a)) {
			t.Errorf("n=%d: z.Add(z, z) differs from 2a", n)
		}
		z = a.Clone()
		z.Sub(z, a)
		if z.MaxAbs().Sign() != 0 {
			t.Errorf("n=%d: z.Sub(z, a) is not zero", n)
		}
		z = b.Clone()
		z.Symmetrize(z)
		if !equalExact(z, new(Dense).Symmetrize(b)) || !isExactlySymmetric(z) {
			t.Errorf("n=%d: z.Symmetrize(z) differs", n)
		}
	}
}

// TestMulProperties: (AB)ᵀ = BᵀAᵀ holds exactly (same products summed in
// the same order); (AB)C = A(BC) and A(B+C) = AB+AC up to rounding,
// n·2^(−prec+8)·‖A‖‖B‖‖C‖ (a few roundings per entry of each product).
func TestMulProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for _, digits := range testDigits {
		prec := Bits(digits)
		for _, dims := range [][4]int{{1, 1, 1, 1}, {2, 3, 4, 5}, {5, 1, 5, 2}, {7, 7, 7, 7}} {
			a := randomRat(rng, dims[0], dims[1]).dense(prec)
			b := randomRat(rng, dims[1], dims[2]).dense(prec)
			c := randomRat(rng, dims[2], dims[3]).dense(prec)
			ab := new(Dense).Mul(a, b)
			if !equalExact(new(Dense).T(ab), new(Dense).Mul(new(Dense).T(b), new(Dense).T(a))) {
				t.Errorf("digits=%d %v: (AB)ᵀ ≠ BᵀAᵀ", digits, dims)
			}
			left := new(Dense).Mul(ab, c)
			right := new(Dense).Mul(a, new(Dense).Mul(b, c))
			scale := new(big.Float).Mul(a.FrobeniusNorm(), b.FrobeniusNorm())
			scale.Mul(scale, c.FrobeniusNorm())
			checkLE(t, name("digits=%d %v ‖(AB)C − A(BC)‖", digits, dims), diffNorm(left, right), tolFor(dims[1]+dims[2], prec, scale))
			c2 := randomRat(rng, dims[1], dims[2]).dense(prec)
			dist := new(Dense).Mul(a, new(Dense).Add(b, c2))
			sum := new(Dense).Add(ab, new(Dense).Mul(a, c2))
			scale = new(big.Float).Mul(a.FrobeniusNorm(), new(big.Float).Add(b.FrobeniusNorm(), c2.FrobeniusNorm()))
			checkLE(t, name("digits=%d %v ‖A(B+C) − AB − AC‖", digits, dims), diffNorm(dist, sum), tolFor(dims[1], prec, scale))
		}
	}
}

// TestPrecision: a zero-value receiver takes its precision from the first
// operand; a non-empty receiver keeps its own and rounds to it.
func TestPrecision(t *testing.T) {
	third := big.NewRat(1, 3)
	a := FromRat(1, 1, 300, []*big.Rat{third})
	one := FromRat(1, 1, 300, []*big.Rat{big.NewRat(1, 1)})
	if p := new(Dense).Mul(a, one).Prec(); p != 300 {
		t.Errorf("Mul into zero value: prec %d, want 300", p)
	}
	z := New(1, 1, 53)
	z.Mul(a, one)
	if z.Prec() != 53 || z.At(0, 0).Prec() != 53 || z.Float64(0, 0) != 1.0/3 {
		t.Errorf("Mul into 53-bit receiver: prec %d/%d value %v", z.Prec(), z.At(0, 0).Prec(), z.Float64(0, 0))
	}
	z = New(1, 1, 53)
	z.Copy(a)
	if z.At(0, 0).Prec() != 53 || z.Float64(0, 0) != 1.0/3 {
		t.Errorf("Copy into 53-bit receiver: %v at %d", z.At(0, 0), z.At(0, 0).Prec())
	}
	z = New(1, 1, 53)
	z.Add(a, a)
	if z.At(0, 0).Prec() != 53 || z.Float64(0, 0) != 2.0/3 {
		t.Errorf("Add into 53-bit receiver: %v at %d", z.At(0, 0), z.At(0, 0).Prec())
	}
	c := a.Clone().SetPrec(24)
	if c.Prec() != 24 || c.At(0, 0).Prec() != 24 || a.At(0, 0).Prec() != 300 {
		t.Errorf("SetPrec: clone %d/%d, original %d", c.Prec(), c.At(0, 0).Prec(), a.At(0, 0).Prec())
	}
	// Clone is deep.
	c2 := a.Clone()
	c2.At(0, 0).SetInt64(5)
	if a.At(0, 0).Cmp(bfRat(300, third)) != 0 {
		t.Errorf("Clone shares entries with the original")
	}
	// Set rounds to the matrix precision.
	m := New(1, 1, 10)
	m.Set(0, 0, bfRat(300, third))
	if m.At(0, 0).Prec() != 10 {
		t.Errorf("Set changed the entry precision to %d", m.At(0, 0).Prec())
	}
	m.SetFloat64(0, 0, 0.75)
	if m.Float64(0, 0) != 0.75 {
		t.Errorf("SetFloat64 = %v", m.Float64(0, 0))
	}
}

// TestShapePanics: dimension mismatches are programming errors and panic.
func TestShapePanics(t *testing.T) {
	a23, a32, a22, a33 := New(2, 3, 64), New(3, 2, 64), New(2, 2, 64), New(3, 3, 64)
	cases := []struct {
		name string
		f    func()
	}{
		{"Mul inner", func() { new(Dense).Mul(a23, a23) }},
		{"Mul receiver shape", func() { New(3, 3, 64).Mul(a23, a32) }},
		{"Mul aliased, result of other shape", func() { z := a23.Clone(); z.Mul(z, a32) }},
		{"MulTrans inner", func() { new(Dense).MulTrans(a23, a32) }},
		{"TransMul inner", func() { new(Dense).TransMul(a23, a32) }},
		{"T aliased", func() { a22.T(a22) }},
		{"T receiver shape", func() { New(2, 3, 64).T(a23) }},
		{"Add", func() { new(Dense).Add(a23, a32) }},
		{"Add receiver shape", func() { New(2, 2, 64).Add(a23, a23) }},
		{"Sub", func() { new(Dense).Sub(a22, a33) }},
		{"Scale receiver shape", func() { New(1, 1, 64).Scale(bf(64, 2), a22) }},
		{"Copy receiver shape", func() { New(1, 1, 64).Copy(a22) }},
		{"AddScaledIdentity non-square", func() { new(Dense).AddScaledIdentity(a23, bf(64, 1)) }},
		{"Symmetrize non-square", func() { new(Dense).Symmetrize(a23) }},
		{"Slice rows", func() { a23.Slice(0, 3, 0, 1) }},
		{"Slice reversed", func() { a23.Slice(1, 0, 0, 1) }},
		{"Slice cols", func() { a23.Slice(0, 1, 2, 4) }},
		{"Column", func() { a23.Column(3) }},
	}
	for _, tc := range cases {
		mustPanic(t, tc.name, tc.f)
	}
}

func TestString(t *testing.T) {
	s := f64(2, 2, 1, -0.5, 1.0/3, 2e10).String()
	want := "[1 -0.5]\n[0.333333 2e+10]\n"
	if s != want {
		t.Errorf("String = %q, want %q", s, want)
	}
	if !strings.HasSuffix(New(1, 0, 64).String(), "[]\n") {
		t.Errorf("String of 1×0 = %q", New(1, 0, 64).String())
	}
}
