package bigmat

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"
)

// Test helpers: exact rational matrices (used to build matrices with known
// spectra and determinants), random inputs from fixed seeds, and residual
// norms with precision-derived tolerances.

// testDigits are the decimal precisions every accuracy test runs at.
var testDigits = []int{50, 100, 300}

// tolFor returns the residual tolerance n·2^(−prec+8)·scale. The factor n
// covers the length of the inner products and the number of rotations that
// touch each entry; 2^8 = 256 covers the small constants of the rounding
// error bounds (a Jacobi rotation costs a few ulps per entry, and there are
// about 10 sweeps at 300 digits). A residual of a correct algorithm sits
// orders of magnitude below this; a single wrong digit anywhere within the
// requested precision lies far above it (prec has ≥ 16 guard digits ≈ 53 bits
// more than the requested digits).
func tolFor(n int, prec uint, scale *big.Float) *big.Float {
	if n < 1 {
		n = 1
	}
	t := new(big.Float).SetPrec(prec).SetInt64(int64(n))
	t.SetMantExp(t, 8-int(prec))
	return t.Mul(t, scale)
}

// requestedTol is 10^−digits·scale: the accuracy the package promises to the
// caller who asked for digits decimal digits. Used where the algorithm's
// error is not ulp-sized (for example the square root at a singular point).
func requestedTol(digits int, prec uint, scale *big.Float) *big.Float {
	t := new(big.Float).SetPrec(prec).SetInt64(10)
	p := new(big.Float).SetPrec(prec).SetInt64(1)
	for i := 0; i < digits; i++ {
		p.Quo(p, t)
	}
	return p.Mul(p, scale)
}

func bf(prec uint, v float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(v) }

func bfRat(prec uint, r *big.Rat) *big.Float { return new(big.Float).SetPrec(prec).SetRat(r) }

// absDiff returns |a − b| at precision prec.
func absDiff(prec uint, a, b *big.Float) *big.Float {
	d := new(big.Float).SetPrec(prec).Sub(a, b)
	return d.Abs(d)
}

// diffNorm returns ‖a − b‖_F.
func diffNorm(a, b *Dense) *big.Float { return new(Dense).Sub(a, b).FrobeniusNorm() }

// checkLE fails the test if got > tol.
func checkLE(t *testing.T, what string, got, tol *big.Float) {
	t.Helper()
	if got.Cmp(tol) > 0 {
		t.Errorf("%s = %s, exceeds tolerance %s", what, got.Text('g', 6), tol.Text('g', 6))
	}
}

// ratMat is an exact rational matrix, row-major.
type ratMat struct {
	n, m int
	v    []*big.Rat
}

func newRatMat(n, m int) *ratMat {
	r := &ratMat{n: n, m: m, v: make([]*big.Rat, n*m)}
	for i := range r.v {
		r.v[i] = new(big.Rat)
	}
	return r
}

func ratIdentity(n int) *ratMat {
	r := newRatMat(n, n)
	for i := 0; i < n; i++ {
		r.at(i, i).SetInt64(1)
	}
	return r
}

// ratFromInts builds an n×m rational matrix from integers.
func ratFromInts(n, m int, v ...int64) *ratMat {
	if len(v) != n*m {
		panic("ratFromInts: wrong count")
	}
	r := newRatMat(n, m)
	for i, x := range v {
		r.v[i].SetInt64(x)
	}
	return r
}

func (r *ratMat) at(i, j int) *big.Rat { return r.v[i*r.m+j] }

func (r *ratMat) dense(prec uint) *Dense { return FromRat(r.n, r.m, prec, r.v) }

func (r *ratMat) mul(b *ratMat) *ratMat {
	out := newRatMat(r.n, b.m)
	var t big.Rat
	for i := 0; i < r.n; i++ {
		for k := 0; k < r.m; k++ {
			for j := 0; j < b.m; j++ {
				t.Mul(r.at(i, k), b.at(k, j))
				out.at(i, j).Add(out.at(i, j), &t)
			}
		}
	}
	return out
}

func (r *ratMat) transpose() *ratMat {
	out := newRatMat(r.m, r.n)
	for i := 0; i < r.n; i++ {
		for j := 0; j < r.m; j++ {
			out.at(j, i).Set(r.at(i, j))
		}
	}
	return out
}

func (r *ratMat) add(b *ratMat, sign int64) *ratMat {
	out := newRatMat(r.n, r.m)
	s := big.NewRat(sign, 1)
	var t big.Rat
	for i := range r.v {
		t.Mul(s, b.v[i])
		out.v[i].Add(r.v[i], &t)
	}
	return out
}

// inverse returns r⁻¹ by exact Gauss–Jordan elimination, or nil if r is
// singular.
func (r *ratMat) inverse() *ratMat {
	n := r.n
	a := newRatMat(n, n)
	for i := range r.v {
		a.v[i].Set(r.v[i])
	}
	inv := ratIdentity(n)
	var t big.Rat
	for k := 0; k < n; k++ {
		p := -1
		for i := k; i < n; i++ {
			if a.at(i, k).Sign() != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			return nil
		}
		for j := 0; j < n; j++ {
			a.v[k*n+j], a.v[p*n+j] = a.v[p*n+j], a.v[k*n+j]
			inv.v[k*n+j], inv.v[p*n+j] = inv.v[p*n+j], inv.v[k*n+j]
		}
		piv := new(big.Rat).Inv(a.at(k, k))
		for j := 0; j < n; j++ {
			a.at(k, j).Mul(a.at(k, j), piv)
			inv.at(k, j).Mul(inv.at(k, j), piv)
		}
		for i := 0; i < n; i++ {
			if i == k || a.at(i, k).Sign() == 0 {
				continue
			}
			f := new(big.Rat).Set(a.at(i, k))
			for j := 0; j < n; j++ {
				t.Mul(f, a.at(k, j))
				a.at(i, j).Sub(a.at(i, j), &t)
				t.Mul(f, inv.at(k, j))
				inv.at(i, j).Sub(inv.at(i, j), &t)
			}
		}
	}
	return inv
}

// det returns the exact determinant by Gaussian
// elimination over the rationals.
func (r *ratMat) det() *big.Rat {
	n := r.n
	a := make([]*big.Rat, len(r.v))
	for i := range a {
		a[i] = new(big.Rat).Set(r.v[i])
	}
	d := big.NewRat(1, 1)
	var t, f big.Rat
	for k := 0; k < n; k++ {
		p := -1
		for i := k; i < n; i++ {
			if a[i*n+k].Sign() != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			return new(big.Rat)
		}
		if p != k {
			for j := 0; j < n; j++ {
				a[k*n+j], a[p*n+j] = a[p*n+j], a[k*n+j]
			}
			d.Neg(d)
		}
		d.Mul(d, a[k*n+k])
		for i := k + 1; i < n; i++ {
			if a[i*n+k].Sign() == 0 {
				continue
			}
			f.Quo(a[i*n+k], a[k*n+k])
			for j := k; j < n; j++ {
				t.Mul(&f, a[k*n+j])
				a[i*n+j].Sub(a[i*n+j], &t)
			}
		}
	}
	return d
}

// cayley returns the rational orthogonal matrix Q = (I − S)(I + S)⁻¹ for the
// skew-symmetric S (I + S is always invertible because the eigenvalues of S
// are imaginary). It panics if QᵀQ ≠ I exactly, which would be a bug in the
// helper itself.
func cayley(s *ratMat) *ratMat {
	n := s.n
	id := ratIdentity(n)
	q := id.add(s, -1).mul(id.add(s, 1).inverse())
	qtq := q.transpose().mul(q)
	for i := range qtq.v {
		if qtq.v[i].Cmp(id.v[i]) != 0 {
			panic("cayley: Q is not orthogonal")
		}
	}
	return q
}

// randomSkew returns an n×n skew-symmetric matrix with small integer (or,
// when den > 1, rational) entries drawn from rng.
func randomSkew(rng *rand.Rand, n int, den int64) *ratMat {
	s := newRatMat(n, n)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			x := big.NewRat(rng.Int64N(7)-3, 1+rng.Int64N(den))
			s.at(i, j).Set(x)
			s.at(j, i).Neg(x)
		}
	}
	return s
}

// spectralRat returns Q·diag(d)·Qᵀ exactly.
func spectralRat(q *ratMat, d []*big.Rat) *ratMat {
	n := q.n
	qd := newRatMat(n, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			qd.at(i, j).Mul(q.at(i, j), d[j])
		}
	}
	return qd.mul(q.transpose())
}

func rats(v ...int64) []*big.Rat {
	out := make([]*big.Rat, len(v))
	for i, x := range v {
		out[i] = big.NewRat(x, 1)
	}
	return out
}

// randomSymmetric returns an n×n symmetric matrix with entries uniform in
// [−1, 1) (float64 values, exact at any precision ≥ 53).
func randomSymmetric(rng *rand.Rand, n int, prec uint) *Dense {
	a := New(n, n, prec)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			x := 2*rng.Float64() - 1
			a.SetFloat64(i, j, x)
			a.SetFloat64(j, i, x)
		}
	}
	return a
}

// randomRat returns an n×m matrix of small random rationals.
func randomRat(rng *rand.Rand, n, m int) *ratMat {
	r := newRatMat(n, m)
	for i := range r.v {
		r.v[i].SetFrac64(rng.Int64N(41)-20, 1+rng.Int64N(9))
	}
	return r
}

// eigenResiduals returns ‖V·diag(λ)·Vᵀ − A‖_F and ‖VᵀV − I‖_F.
func eigenResiduals(a *Dense, e *SymEigen) (recon, orth *big.Float) {
	n, _ := a.Dims()
	rec := e.SpectralFunction(func(l *big.Float) *big.Float { return new(big.Float).Set(l) })
	recon = diffNorm(rec, a)
	vtv := new(Dense).TransMul(e.Vectors, e.Vectors)
	orth = diffNorm(vtv, Identity(n, a.Prec()))
	return recon, orth
}

// mustPanic fails the test unless f panics.
func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: expected a panic", name)
		}
	}()
	f()
}

func name(format string, args ...any) string { return fmt.Sprintf(format, args...) }
