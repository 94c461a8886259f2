package solver

import (
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
)

// TestEndGameApplies: the k ≥ 2 end game (horizontal.go) is made at every
// size the solver accepts with k ≥ 2, with the dense verdict up to
// DenseCrossover and the matrix-free one (horizontal_krylov.go) on the
// Newton–Krylov path beyond it, for d ≥ n (n = 33, d = 33: 1089 unknowns;
// n = 64, d = 128: 4096) and d < n (n = 128, d = 32: 4096); k = 1 has its
// own rules.
func TestEndGameApplies(t *testing.T) {
	for _, c := range []struct {
		n, d       int
		applies    bool
		matrixFree bool
	}{{33, 33, true, true}, {64, 128, true, true}, {32, 64, true, true}, {40, 1, false, false}, {3, 8, true, false}, {40, 20, true, true}, {128, 32, true, true}} {
		in := mkInstance(t, "endgame", benchTargets(c.n, 3, 1), "0.01", "0.03", c.d, "free", "")
		red, err := newReduced(in, in.LambdaH, in.LambdaW, bigmat.Bits(30))
		if err != nil {
			t.Fatalf("n=%d d=%d: %v", c.n, c.d, err)
		}
		it := &iteration{r: red}
		if got := it.horizontalApplies(); got != c.applies {
			t.Errorf("n=%d d=%d: end game made %v, want %v", c.n, c.d, got, c.applies)
		}
		if got := red.matrixFreeVerdict(); got != c.matrixFree {
			t.Errorf("n=%d d=%d: matrix-free verdict %v, want %v", c.n, c.d, got, c.matrixFree)
		}
	}
}
