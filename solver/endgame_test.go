package solver

import (
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
)

// TestEndGameNote: a result on the Newton–Krylov path above MaxUnknowns
// (n = 33, d = 33: 1089 unknowns) says that the k ≥ 2 end game was not
// made; within it (n = 32, d = 64: 1024) and for k = 1 nothing is said.
func TestEndGameNote(t *testing.T) {
	for _, c := range []struct {
		n, d int
		want bool
	}{{33, 33, true}, {32, 64, false}, {40, 1, false}, {3, 8, false}} {
		in := mkInstance(t, "endgame", benchTargets(c.n, 3, 1), "0.01", "0.03", c.d, "free", "")
		red, err := newReduced(in, in.LambdaH, in.LambdaW, bigmat.Bits(30))
		if err != nil {
			t.Fatalf("n=%d d=%d: %v", c.n, c.d, err)
		}
		it := &iteration{r: red}
		note := it.endGameNote()
		if got := strings.Contains(note, "not made above"); got != c.want {
			t.Errorf("n=%d d=%d: note %q, want a note: %v", c.n, c.d, note, c.want)
		}
	}
}
