package theory

import (
	"math/big"
	"math/rand"
	"testing"
)

func ratMatrix(rows ...[]int64) [][]*big.Rat {
	out := make([][]*big.Rat, len(rows))
	for i, r := range rows {
		out[i] = make([]*big.Rat, len(r))
		for j, v := range r {
			out[i][j] = big.NewRat(v, 1)
		}
	}
	return out
}

func TestInertia(t *testing.T) {
	tests := []struct {
		name           string
		a              [][]*big.Rat
		pos, neg, zero int
	}{
		{"empty", ratMatrix(), 0, 0, 0},
		{"zero 3×3", ratMatrix([]int64{0, 0, 0}, []int64{0, 0, 0}, []int64{0, 0, 0}), 0, 0, 3},
		{"diag", ratMatrix([]int64{3, 0, 0}, []int64{0, -2, 0}, []int64{0, 0, 0}), 1, 1, 1},
		{"needs 2×2 pivot", ratMatrix([]int64{0, 1}, []int64{1, 0}), 1, 1, 0},
		// [[0,1,1],[1,0,1],[1,1,0]] has eigenvalues 2, −1, −1.
		{"zero diagonal 3×3", ratMatrix([]int64{0, 1, 1}, []int64{1, 0, 1}, []int64{1, 1, 0}), 1, 2, 0},
		// [[1,2],[2,4]] is rank one, eigenvalues 5 and 0.
		{"rank one", ratMatrix([]int64{1, 2}, []int64{2, 4}), 1, 0, 1},
		// [[1,2],[2,1]]: eigenvalues 3, −1.
		{"indefinite", ratMatrix([]int64{1, 2}, []int64{2, 1}), 1, 1, 0},
	}
	for _, tc := range tests {
		p, n, z := Inertia(tc.a)
		if p != tc.pos || n != tc.neg || z != tc.zero {
			t.Errorf("%s: inertia (%d,%d,%d), want (%d,%d,%d)", tc.name, p, n, z, tc.pos, tc.neg, tc.zero)
		}
	}
}

// TestInertiaCongruence: Q D Qᵀ with Q an exact random rational invertible
// matrix has the inertia of the diagonal D (Sylvester's law).
func TestInertiaCongruence(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.Intn(6)
		d := make([]int64, n)
		var wp, wn, wz int
		for i := range d {
			d[i] = int64(rng.Intn(5) - 2)
			switch {
			case d[i] > 0:
				wp++
			case d[i] < 0:
				wn++
			default:
				wz++
			}
		}
		// Unit lower-triangular Q (det 1) times a permutation keeps Q invertible.
		q := make([][]*big.Rat, n)
		perm := rng.Perm(n)
		for i := range q {
			q[i] = make([]*big.Rat, n)
			for j := range q[i] {
				q[i][j] = new(big.Rat)
			}
		}
		for i := 0; i < n; i++ {
			for j := 0; j < i; j++ {
				q[perm[i]][j].SetFrac64(int64(rng.Intn(7)-3), int64(1+rng.Intn(4)))
			}
			q[perm[i]][i].SetInt64(1)
		}
		a := make([][]*big.Rat, n)
		var tmp big.Rat
		for i := range a {
			a[i] = make([]*big.Rat, n)
			for j := range a[i] {
				s := new(big.Rat)
				for k := 0; k < n; k++ {
					tmp.Mul(q[i][k], q[j][k])
					tmp.Mul(&tmp, big.NewRat(d[k], 1))
					s.Add(s, &tmp)
				}
				a[i][j] = s
			}
		}
		p, ng, z := Inertia(a)
		if p != wp || ng != wn || z != wz {
			t.Fatalf("trial %d: inertia (%d,%d,%d), want (%d,%d,%d) for D = %v", trial, p, ng, z, wp, wn, wz, d)
		}
		if r := Rank(a); r != wp+wn {
			t.Fatalf("rank %d, want %d", r, wp+wn)
		}
	}
}

func TestCountAbove(t *testing.T) {
	// Σ = diag(9, 4, 1/4) rotated is not needed: CountAbove only sees Σ − tI.
	a := ratMatrix([]int64{9, 0, 0}, []int64{0, 4, 0}, []int64{0, 0, 0})
	a[2][2] = big.NewRat(1, 4)
	for _, tc := range []struct {
		t    *big.Rat
		want int
	}{
		{big.NewRat(0, 1), 3}, {big.NewRat(1, 4), 2}, {big.NewRat(1, 2), 2},
		{big.NewRat(4, 1), 1}, {big.NewRat(9, 1), 0}, {big.NewRat(-1, 1), 3},
	} {
		if got := CountAbove(a, tc.t); got != tc.want {
			t.Errorf("CountAbove(%s) = %d, want %d", tc.t.RatString(), got, tc.want)
		}
	}
}
