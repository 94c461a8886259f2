package bigmat

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// eigenCase is a symmetric matrix with a spectrum known in closed form.
type eigenCase struct {
	name string
	a    *ratMat
	// want returns the exact eigenvalues, in descending order, rounded to
	// precision prec (radicals are computed with big.Float.Sqrt at prec).
	want func(prec uint) []*big.Float
	// exact: the diagonal is already the spectrum, so no rotation runs and
	// the values and vectors must be exact.
	exact bool
	// q, when set, holds orthonormal eigenvectors (column j for want[j]);
	// they are checked when the eigenvalues are distinct.
	q *ratMat
}

// ratValues returns want() for a rational spectrum given in any order.
func ratValues(v ...*big.Rat) func(prec uint) []*big.Float {
	return func(prec uint) []*big.Float {
		out := make([]*big.Float, len(v))
		for i, x := range v {
			out[i] = bfRat(prec, x)
		}
		sortDesc(out)
		return out
	}
}

func sortDesc(v []*big.Float) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j].Cmp(v[j-1]) > 0; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

// twoByTwo returns the eigenvalues of [[a,b],[b,c]]:
// (a+c)/2 ± sqrt(((a−c)/2)² + b²), with the discriminant formed exactly in
// big.Rat and the square root taken by big.Float.Sqrt.
func twoByTwo(a, b, c *big.Rat) func(prec uint) []*big.Float {
	return func(prec uint) []*big.Float {
		half := big.NewRat(1, 2)
		mid := new(big.Rat).Add(a, c)
		mid.Mul(mid, half)
		h := new(big.Rat).Sub(a, c)
		h.Mul(h, half)
		disc := new(big.Rat).Mul(h, h)
		disc.Add(disc, new(big.Rat).Mul(b, b))
		// Work 64 bits above prec so that the one rounding to prec at the
		// end is the only significant one.
		wp := prec + 64
		r := bfRat(wp, disc)
		r.Sqrt(r)
		m := bfRat(wp, mid)
		hi := new(big.Float).SetPrec(wp).Add(m, r)
		lo := new(big.Float).SetPrec(wp).Sub(m, r)
		return []*big.Float{new(big.Float).SetPrec(prec).Set(hi), new(big.Float).SetPrec(prec).Set(lo)}
	}
}

// cayleyCase builds Q·diag(d)·Qᵀ from a fixed rational skew matrix.
func cayleyCase(name string, seed uint64, den int64, d []*big.Rat) eigenCase {
	n := len(d)
	rng := rand.New(rand.NewPCG(seed, 7))
	q := cayley(randomSkew(rng, n, den))
	// Sort the columns of Q with the eigenvalues so that column j of q
	// belongs to want[j].
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	for i := 1; i < n; i++ {
		for j := i; j > 0 && d[idx[j]].Cmp(d[idx[j-1]]) > 0; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	qs := newRatMat(n, n)
	for j, k := range idx {
		for i := 0; i < n; i++ {
			qs.at(i, j).Set(q.at(i, k))
		}
	}
	return eigenCase{name: name, a: spectralRat(q, d), want: ratValues(d...), q: qs}
}

func knownSpectra() []eigenCase {
	r := big.NewRat
	golden := twoByTwo(r(1, 1), r(1, 1), r(0, 1))
	return []eigenCase{
		{name: "empty", a: newRatMat(0, 0), want: ratValues(), exact: true},
		{name: "1x1", a: ratFromInts(1, 1, 5), want: ratValues(r(5, 1)), exact: true},
		{name: "1x1 rational", a: &ratMat{1, 1, []*big.Rat{r(-3, 7)}}, want: ratValues(r(-3, 7)), exact: true},
		{name: "zero 4x4", a: newRatMat(4, 4), want: ratValues(r(0, 1), r(0, 1), r(0, 1), r(0, 1)), exact: true},
		{name: "diagonal unsorted", a: ratFromInts(4, 4, 3, 0, 0, 0, 0, -1, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0),
			want: ratValues(r(3, 1), r(-1, 1), r(7, 1), r(0, 1)), exact: true},
		{name: "diagonal repeated", a: ratFromInts(3, 3, 2, 0, 0, 0, -5, 0, 0, 0, 2),
			want: ratValues(r(2, 1), r(-5, 1), r(2, 1)), exact: true},
		{name: "scaled identity", a: ratFromInts(3, 3, 4, 0, 0, 0, 4, 0, 0, 0, 4),
			want: ratValues(r(4, 1), r(4, 1), r(4, 1)), exact: true},
		// A symmetric permutation (the involution swapping 1 and 3) times a
		// diagonal: P·diag(a,b,a)·Pᵀ with off-diagonal mass only.
		{name: "anti-diagonal", a: ratFromInts(3, 3, 0, 0, 6, 0, 5, 0, 6, 0, 0),
			want: ratValues(r(6, 1), r(5, 1), r(-6, 1))},
		{name: "involution", a: ratFromInts(4, 4, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0),
			want: ratValues(r(1, 1), r(1, 1), r(-1, 1), r(-1, 1))},
		{name: "[[2,1],[1,2]]", a: ratFromInts(2, 2, 2, 1, 1, 2), want: ratValues(r(3, 1), r(1, 1))},
		{name: "[[1,1],[1,0]] golden", a: ratFromInts(2, 2, 1, 1, 1, 0), want: golden},
		{name: "[[3,2],[2,-1]] 1±2√2", a: ratFromInts(2, 2, 3, 2, 2, -1), want: twoByTwo(r(3, 1), r(2, 1), r(-1, 1))},
		{name: "rational 2x2", a: &ratMat{2, 2, []*big.Rat{r(1, 3), r(1, 7), r(1, 7), r(2, 5)}},
			want: twoByTwo(r(1, 3), r(1, 7), r(2, 5))},
		{name: "tiny 2x2", a: &ratMat{2, 2, []*big.Rat{r(1, 1000), r(-1, 3000), r(-1, 3000), r(1, 10000)}},
			want: twoByTwo(r(1, 1000), r(-1, 3000), r(1, 10000))},
		{name: "all ones 5x5", a: ratFromInts(5, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
			want: ratValues(r(5, 1), r(0, 1), r(0, 1), r(0, 1), r(0, 1))},
		cayleyCase("QDQt 3x3 distinct", 1, 1, rats(5, 2, -1)),
		cayleyCase("QDQt 5x5 rational Q", 2, 4, []*big.Rat{r(7, 2), r(-1, 3), r(2, 1), r(0, 1), r(-9, 5)}),
		cayleyCase("QDQt 6x6 repeated", 3, 3, rats(2, 2, 2, -1, -1, 4)),
		cayleyCase("QDQt 6x6 rank one", 4, 2, rats(0, 0, 1, 0, 0, 0)),
		cayleyCase("QDQt 8x8 wide range", 5, 5, []*big.Rat{r(1000, 1), r(1, 1000), r(-1, 1), r(3, 1), r(-250, 1), r(1, 7), r(0, 1), r(11, 1)}),
		cayleyCase("QDQt 4x4 near-repeated", 6, 2, []*big.Rat{r(1, 1), new(big.Rat).Add(r(1, 1), new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), 100))), r(-2, 1), r(3, 1)}),
	}
}

func TestSymEigenKnownSpectra(t *testing.T) {
	for _, tc := range knownSpectra() {
		for _, digits := range testDigits {
			t.Run(name("%s/digits=%d", tc.name, digits), func(t *testing.T) {
				prec := Bits(digits)
				a := tc.a.dense(prec)
				n := tc.a.n
				var e SymEigen
				if err := e.Factorize(a); err != nil {
					t.Fatalf("Factorize: %v", err)
				}
				want := tc.want(prec)
				if len(e.Values) != n {
					t.Fatalf("got %d values, want %d", len(e.Values), n)
				}
				if r, c := e.Vectors.Dims(); r != n || c != n {
					t.Fatalf("Vectors is %d×%d, want %d×%d", r, c, n, n)
				}
				for i := 1; i < n; i++ {
					if e.Values[i].Cmp(e.Values[i-1]) > 0 {
						t.Errorf("values not descending at %d: %s > %s", i, e.Values[i].Text('g', 10), e.Values[i-1].Text('g', 10))
					}
				}
				norm := a.FrobeniusNorm()
				// Eigenvalues: Jacobi is backward stable, so each eigenvalue is
				// within the backward error n·2^(−prec+8)·‖A‖_F (Weyl).
				tol := tolFor(n, prec, norm)
				if tc.exact {
					tol = new(big.Float)
				}
				for i := range want {
					checkLE(t, name("|λ%d − exact|", i), absDiff(prec, e.Values[i], want[i]), tol)
				}
				recon, orth := eigenResiduals(a, &e)
				checkLE(t, "‖VΛVᵀ − A‖_F", recon, tol)
				var orthTol *big.Float
				if tc.exact {
					orthTol = new(big.Float)
				} else {
					orthTol = tolFor(n, prec, bf(prec, 1))
				}
				checkLE(t, "‖VᵀV − I‖_F", orth, orthTol)
				if tc.q != nil {
					checkVectors(t, &e, tc.q, want, prec, norm)
				}
				if e.Sweeps > 20 {
					t.Errorf("Sweeps = %d, want ≤ 20", e.Sweeps)
				}
			})
		}
	}
}

// checkVectors compares each computed eigenvector of a simple eigenvalue
// with the exact one, up to sign. By the Davis–Kahan sin θ theorem the
// error is at most backward error / gap, so the tolerance is
// 2·n·2^(−prec+8)·‖A‖_F / gap (the 2 covers sin θ versus the chord).
func checkVectors(t *testing.T, e *SymEigen, q *ratMat, want []*big.Float, prec uint, norm *big.Float) {
	t.Helper()
	n := q.n
	qd := q.dense(prec)
	for j := 0; j < n; j++ {
		var gap *big.Float // min_k≠j |λ_j − λ_k|
		for k := 0; k < n; k++ {
			if k == j {
				continue
			}
			d := absDiff(prec, want[j], want[k])
			if gap == nil || d.Cmp(gap) < 0 {
				gap = d
			}
		}
		if gap != nil && gap.Sign() == 0 {
			continue // repeated eigenvalue: only the eigenspace is defined
		}
		v := e.Vectors.Column(j)
		w := qd.Column(j)
		dot := new(Dense).TransMul(v, w).At(0, 0)
		if dot.Sign() < 0 {
			w.Scale(bf(prec, -1), w)
		}
		tol := tolFor(n, prec, norm)
		if gap != nil {
			tol.Quo(tol, gap)
		}
		tol.SetMantExp(tol, 1)
		checkLE(t, name("‖v%d − q%d‖", j, j), diffNorm(v, w), tol)
	}
}

// TestSymEigenDiagonalVectors checks that a diagonal input gives a signed
// permutation as V (exactly), consistent with the sort.
func TestSymEigenDiagonalVectors(t *testing.T) {
	a := FromFloat64(4, 4, 100, []float64{1, 0, 0, 0, 0, 4, 0, 0, 0, 0, -2, 0, 0, 0, 0, 3})
	var e SymEigen
	if err := e.Factorize(a); err != nil {
		t.Fatal(err)
	}
	perm := []int{1, 3, 0, 2} // rows holding 4, 3, 1, −2
	for j, i := range perm {
		for k := 0; k < 4; k++ {
			want := 0.0
			if k == i {
				want = 1
			}
			if got := e.Vectors.Float64(k, j); got != want {
				t.Errorf("V[%d][%d] = %v, want %v", k, j, got, want)
			}
		}
	}
}

// TestSymEigenRandomResiduals checks reconstruction and orthogonality at
// 50, 100 and 300 digits for random symmetric matrices, and the invariants
// Σλ = tr A and Σλ² = ‖A‖_F², and compares with gonum's float64 EigenSym.
func TestSymEigenRandomResiduals(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 1))
	for _, digits := range testDigits {
		prec := Bits(digits)
		for n := 2; n <= 12; n++ {
			a := randomSymmetric(rng, n, prec)
			var e SymEigen
			if err := e.Factorize(a); err != nil {
				t.Fatalf("digits=%d n=%d: %v", digits, n, err)
			}
			norm := a.FrobeniusNorm()
			tol := tolFor(n, prec, norm)
			recon, orth := eigenResiduals(a, &e)
			checkLE(t, name("digits=%d n=%d ‖VΛVᵀ − A‖_F", digits, n), recon, tol)
			checkLE(t, name("digits=%d n=%d ‖VᵀV − I‖_F", digits, n), orth, tolFor(n, prec, bf(prec, 1)))

			sum := new(big.Float).SetPrec(prec)
			sq := new(big.Float).SetPrec(prec)
			var tmp big.Float
			for _, l := range e.Values {
				sum.Add(sum, l)
				sq.Add(sq, tmp.SetPrec(prec).Mul(l, l))
			}
			checkLE(t, name("digits=%d n=%d |Σλ − tr A|", digits, n), absDiff(prec, sum, a.Trace()), tol)
			// |Σλ² − ‖A‖²| ≤ 2‖A‖·(backward error) to first order.
			n2 := new(big.Float).SetPrec(prec).Mul(norm, norm)
			tol2 := new(big.Float).SetPrec(prec).Mul(tol, norm)
			tol2.SetMantExp(tol2, 2)
			checkLE(t, name("digits=%d n=%d |Σλ² − ‖A‖²|", digits, n), absDiff(prec, sq, n2), tol2)

			// Independent float64 reference: agreement to 1e-12·‖A‖_F.
			var es mat.EigenSym
			if !es.Factorize(mat.NewSymDense(n, a.Float64s()), false) {
				t.Fatalf("gonum EigenSym failed")
			}
			ref := es.Values(nil) // ascending
			nf, _ := norm.Float64()
			for i, l := range e.Values {
				got, _ := l.Float64()
				if d := math.Abs(got - ref[n-1-i]); d > 1e-12*nf {
					t.Errorf("digits=%d n=%d λ%d = %v, gonum %v", digits, n, i, got, ref[n-1-i])
				}
			}
			if testing.Verbose() && n == 12 {
				t.Logf("digits=%d n=%d sweeps=%d recon/‖A‖=%s orth=%s (tol/‖A‖ %s)", digits, n, e.Sweeps,
					new(big.Float).Quo(recon, norm).Text('g', 3), orth.Text('g', 3),
					new(big.Float).Quo(tol, norm).Text('g', 3))
			}
		}
	}
}

// TestSymEigenDeterminant compares Πλ with the exact rational determinant of
// a random rational symmetric matrix. With |δλ_i| ≤ δ the first-order error
// of the product is δ·Σ_i Π_{j≠i}|λ_j|; the tolerance is twice that.
func TestSymEigenDeterminant(t *testing.T) {
	rng := rand.New(rand.NewPCG(99, 3))
	for _, digits := range testDigits {
		prec := Bits(digits)
		for n := 1; n <= 7; n++ {
			b := randomRat(rng, n, n)
			s := b.add(b.transpose(), 1)
			a := s.dense(prec)
			var e SymEigen
			if err := e.Factorize(a); err != nil {
				t.Fatal(err)
			}
			prod := new(big.Float).SetPrec(prec).SetInt64(1)
			for _, l := range e.Values {
				prod.Mul(prod, l)
			}
			delta := tolFor(n, prec, a.FrobeniusNorm())
			bound := new(big.Float).SetPrec(prec)
			for i := range e.Values {
				p := new(big.Float).SetPrec(prec).SetInt64(1)
				for j, l := range e.Values {
					if j != i {
						p.Mul(p, new(big.Float).Abs(l))
					}
				}
				bound.Add(bound, p)
			}
			bound.Mul(bound, delta)
			bound.SetMantExp(bound, 1)
			checkLE(t, name("digits=%d n=%d |Πλ − det A|", digits, n), absDiff(prec, prod, bfRat(prec, s.det())), bound)
		}
	}
}

// TestSymEigenQuadraticConvergence checks that the number of sweeps grows
// like log2 of the precision (quadratic convergence): going from 50 to 1000
// digits (20× the bits, ≈ 4.3 doublings) may add at most 6 sweeps, while a
// linearly convergent iteration would need about 20× as many sweeps.
func TestSymEigenQuadraticConvergence(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{6, 12} {
		a := randomSymmetric(rng, n, 64)
		sweeps := map[int]int{}
		for _, digits := range []int{50, 100, 300, 1000} {
			prec := Bits(digits)
			var e SymEigen
			if err := e.Factorize(new(Dense).Copy(a).SetPrec(prec)); err != nil {
				t.Fatal(err)
			}
			sweeps[digits] = e.Sweeps
		}
		t.Logf("n=%d sweeps by digits: %v", n, sweeps)
		if sweeps[1000]-sweeps[50] > 6 {
			t.Errorf("n=%d: sweeps grew from %d (50 digits) to %d (1000 digits): not quadratic", n, sweeps[50], sweeps[1000])
		}
		if sweeps[50] > 12 {
			t.Errorf("n=%d: %d sweeps at 50 digits", n, sweeps[50])
		}
	}
}

// TestSymEigenUsesSymmetricPart: the strictly non-symmetric input
// [[2,3],[−1,2]] has symmetric part [[2,1],[1,2]] with eigenvalues 3, 1.
func TestSymEigenUsesSymmetricPart(t *testing.T) {
	prec := Bits(50)
	a := FromFloat64(2, 2, prec, []float64{2, 3, -1, 2})
	var e SymEigen
	if err := e.Factorize(a); err != nil {
		t.Fatal(err)
	}
	tol := tolFor(2, prec, bf(prec, 4))
	checkLE(t, "|λ0 − 3|", absDiff(prec, e.Values[0], bf(prec, 3)), tol)
	checkLE(t, "|λ1 − 1|", absDiff(prec, e.Values[1], bf(prec, 1)), tol)
	if a.Float64(0, 1) != 3 || a.Float64(1, 0) != -1 {
		t.Errorf("Factorize modified its input: %v", a)
	}
}

func TestSymEigenPanicsOnNonSquare(t *testing.T) {
	mustPanic(t, "SymEigen 2×3", func() {
		var e SymEigen
		_ = e.Factorize(New(2, 3, 64))
	})
}

// TestSpectralFunction: f(λ) = λ² must give A·A and f(λ) = 1/λ must give A⁻¹
// (from LU), both within n·2^(−prec+8)·‖result‖_F scaled by the condition
// of the map (‖A‖_F for the square, ‖A⁻¹‖_F·‖A‖_F for the inverse).
func TestSpectralFunction(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, digits := range testDigits {
		prec := Bits(digits)
		q := cayley(randomSkew(rng, 5, 3))
		ar := spectralRat(q, []*big.Rat{big.NewRat(3, 1), big.NewRat(-1, 2), big.NewRat(2, 1), big.NewRat(5, 4), big.NewRat(-7, 3)})
		a := ar.dense(prec)
		var e SymEigen
		if err := e.Factorize(a); err != nil {
			t.Fatal(err)
		}
		sq := e.SpectralFunction(func(l *big.Float) *big.Float { return new(big.Float).Mul(l, l) })
		aa := new(Dense).Mul(a, a)
		na := a.FrobeniusNorm()
		checkLE(t, name("digits=%d ‖f(A) − A²‖", digits), diffNorm(sq, aa), tolFor(5, prec, new(big.Float).Mul(na, na)))
		inv := e.SpectralFunction(func(l *big.Float) *big.Float { return new(big.Float).SetPrec(prec).Quo(bf(prec, 1), l) })
		exactInv := ar.inverse().dense(prec)
		ni := exactInv.FrobeniusNorm()
		tol := tolFor(5, prec, new(big.Float).Mul(ni, new(big.Float).Mul(ni, na)))
		checkLE(t, name("digits=%d ‖f(A) − A⁻¹‖", digits), diffNorm(inv, exactInv), tol)
		if !isExactlySymmetric(sq) || !isExactlySymmetric(inv) {
			t.Errorf("digits=%d: SpectralFunction result not exactly symmetric", digits)
		}
	}
}

func isExactlySymmetric(m *Dense) bool {
	r, c := m.Dims()
	if r != c {
		return false
	}
	for i := 0; i < r; i++ {
		for j := 0; j < i; j++ {
			if m.At(i, j).Cmp(m.At(j, i)) != 0 {
				return false
			}
		}
	}
	return true
}
