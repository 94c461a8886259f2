package ratmat

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

func randMat(rng *rand.Rand, r, c int) *Matrix {
	m := New(r, c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.At(i, j).SetFrac64(rng.Int64N(21)-10, rng.Int64N(5)+1)
		}
	}
	return m
}

func TestInverseSolveDet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 50; trial++ {
		n := 1 + rng.IntN(5)
		a := randMat(rng, n, n)
		inv, err := Inverse(a)
		if a.Det().Sign() == 0 {
			if err != ErrSingular {
				t.Fatalf("singular matrix inverted: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if !Equal(Mul(a, inv), Identity(n)) || !Equal(Mul(inv, a), Identity(n)) {
			t.Fatalf("a·a⁻¹ ≠ I for\n%s", a)
		}
		b := randMat(rng, n, 2)
		x, err := Solve(a, b)
		if err != nil || !Equal(Mul(a, x), b) {
			t.Fatalf("solve failed: %v", err)
		}
		// det(a·b) = det a · det b
		c := randMat(rng, n, n)
		want := new(big.Rat).Mul(a.Det(), c.Det())
		if Mul(a, c).Det().Cmp(want) != 0 {
			t.Fatal("det not multiplicative")
		}
	}
}

func TestRankPivots(t *testing.T) {
	// rank-2 matrix 3×4 built as a product
	a := FromInts(3, 2, 1, 2, 3, 4, 5, 6)
	b := FromInts(2, 4, 1, 0, 2, 1, 0, 1, 1, 1)
	m := Mul(a, b)
	if r := m.Rank(); r != 2 {
		t.Fatalf("rank %d, want 2", r)
	}
	if p := m.PivotColumns(); len(p) != 2 || p[0] != 0 || p[1] != 1 {
		t.Fatalf("pivots %v", p)
	}
	if New(2, 3).Rank() != 0 {
		t.Fatal("zero matrix has rank 0")
	}
	if _, err := Inverse(New(2, 2)); err != ErrSingular {
		t.Fatal("zero matrix must be singular")
	}
}

func TestCayleyOrthogonal(t *testing.T) {
	s := FromInts(3, 3, 0, 1, -2, -1, 0, 3, 2, -3, 0)
	q := Cayley(s)
	if !Equal(Mul(q.T(), q), Identity(3)) {
		t.Fatalf("QᵀQ ≠ I:\n%s", Mul(q.T(), q))
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Cayley of a non-skew matrix must panic")
		}
	}()
	Cayley(FromInts(2, 2, 1, 0, 0, 1))
}

func TestDenseRoundTrip(t *testing.T) {
	m := FromInts(2, 2, 1, -3, 7, 0)
	m.At(0, 0).SetFrac64(1, 3)
	d := m.Dense(200)
	back := FromDense(d)
	// 1/3 is not dyadic: the round trip is within 2^-200.
	diff := new(big.Rat).Sub(back.At(0, 0), m.At(0, 0))
	if diff.Sign() == 0 || new(big.Rat).Abs(diff).Cmp(new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), 199))) > 0 {
		t.Fatalf("round trip error %s", diff.FloatString(70))
	}
	if back.At(0, 1).Cmp(big.NewRat(-3, 1)) != 0 || back.At(1, 0).Cmp(big.NewRat(7, 1)) != 0 {
		t.Fatal("integers must round-trip exactly")
	}
}

func TestNullVector(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 40; trial++ {
		r, c := 1+rng.IntN(4), 1+rng.IntN(5)
		k := rng.IntN(min(r, c) + 1)
		m := Mul(randMat(rng, r, k), randMat(rng, k, c))
		if k == 0 {
			m = New(r, c)
		}
		x := m.NullVector()
		if m.Rank() == c {
			if x != nil {
				t.Fatal("full column rank has no null vector")
			}
			continue
		}
		if x == nil || x.IsZero() || !Mul(m, x).IsZero() {
			t.Fatalf("bad null vector for\n%s", m)
		}
	}
}
