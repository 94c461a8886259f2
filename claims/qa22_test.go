package claims

import (
	"path/filepath"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
)

// QA session 22 (an adversarial run of proofs, search and merge): the
// theorem's check reported a counterexample where the theorem holds, and a
// pass where the solver had not finished.
func TestQA22Theorem(t *testing.T) {
	for _, c := range []struct {
		file, why string
	}{
		// Σ = diag(8, 2), c = 2 − 10⁻⁶⁰: r = 2 with A*'s second
		// eigenvalue 5·10⁻⁶¹, below what 30 digits resolve from 0. It was
		// "FAILS: numerical rank 1 but r = 2"; the rank is not confirmed,
		// not refuted.
		{"qa22_theorem_small_mode.json", "the rank is not confirmed"},
		// A repeated σ with d = 1 < n = 2: the solver stalls (verify:
		// unfinished, W Wᵀ not compared). It was "HOLDS".
		{"qa22_theorem_unfinished.json", "did not finish"},
	} {
		in, err := instance.Load(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		wantVerdict(t, "theorem", in, proofs.Inconclusive, c.why)
	}
}
