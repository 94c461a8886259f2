package check

import (
	"math/big"
	"testing"
)

func ratRows(v [][]int64) [][]*big.Rat {
	out := make([][]*big.Rat, len(v))
	for i, row := range v {
		out[i] = make([]*big.Rat, len(row))
		for j, x := range row {
			out[i][j] = big.NewRat(x, 1)
		}
	}
	return out
}

// TestInertia compares with inertias known by construction: P D Pᵀ for a
// unimodular P has the inertia of D (Sylvester), scaled by 1/7 to have
// denominators; a zero leading minor is reported, never guessed.
func TestInertia(t *testing.T) {
	p := [][]int64{{1, 0, 0, 0}, {2, 1, 0, 0}, {-1, 3, 1, 0}, {4, -2, 5, 1}}
	for _, tc := range []struct {
		d        []int64
		pos, neg int
	}{
		{[]int64{1, 2, 3, 4}, 4, 0}, {[]int64{1, -2, 3, -4}, 2, 2}, {[]int64{-1, -1, -1, -1}, 0, 4}, {[]int64{5, 1, -7, 2}, 3, 1},
	} {
		a := make([][]*big.Rat, 4)
		for i := range a {
			a[i] = make([]*big.Rat, 4)
			for j := range a[i] {
				s := new(big.Rat)
				for k := 0; k < 4; k++ {
					s.Add(s, big.NewRat(p[i][k]*tc.d[k]*p[j][k], 7))
				}
				a[i][j] = s
			}
		}
		pos, neg, ok := Inertia(a)
		if !ok || pos != tc.pos || neg != tc.neg {
			t.Errorf("D = %v: inertia (%d, %d, %v), want (%d, %d)", tc.d, pos, neg, ok, tc.pos, tc.neg)
		}
	}
	if _, _, ok := Inertia(ratRows([][]int64{{0, 1}, {1, 0}})); ok {
		t.Error("zero leading minor not reported")
	}
	if _, _, ok := Inertia(ratRows([][]int64{{1, 2}, {2, 4}})); ok {
		t.Error("singular matrix not reported")
	}
}
