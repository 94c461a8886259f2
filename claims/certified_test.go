package claims

import (
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/proofs"
)

// theorem-certified: inside trials are proofs (exact holds), outside ones
// (one λ zero) are inconclusive with the one-line reason, never holds.
func TestTheoremCertified(t *testing.T) {
	c := claim(t, "theorem-certified")
	for i := 0; i < 12; i++ {
		in := proofs.GenerateTrial(c, 5, i, false, 0)
		out := proofs.CheckOne(c, in, proofs.CheckConfig{Seed: 1, Digits: 30})
		if out.Verdict != proofs.Holds || !out.Exact || !strings.Contains(out.Reason, "proved to 30 digits") {
			t.Errorf("trial %d: %s (exact %v): %s", i, out.Verdict, out.Exact, out.Reason)
		}
		in = proofs.GenerateTrial(c, 5, i, true, 0)
		if ok, _ := c.InHypotheses(in); ok {
			continue
		}
		out = proofs.CheckOne(c, in, proofs.CheckConfig{Seed: 1, Digits: 30})
		if out.Verdict == proofs.Holds || !strings.Contains(out.Reason, "cannot certify") {
			t.Errorf("outside trial %d: %s: %s", i, out.Verdict, out.Reason)
		}
	}
}
