//go:build ufm_verify

package property

import (
	"testing"

	"github.com/leanovate/gopter/prop"

	"github.com/nrc-ufm/ufm/verify"
)

// Behind the build tag ufm_verify while verify is (go test -tags
// ufm_verify ./property/).

// TestPropertyVerifyAgrees: on λ_H, λ_W > 0, verify's verdict on
// the solver's answer is "agree" exactly when this package's independent
// comparison (agree, the same quantities, scales and margin) passes.
func TestPropertyVerifyAgrees(t *testing.T) {
	cfg := Small
	check(t, "verify.Compare agrees with the independent comparison", solverTrials, prop.ForAll(
		func(c *Case) string {
			in := c.In
			p := predict(in)
			res, err := solve(in, 1)
			if err != nil {
				return "solver: " + err.Error()
			}
			var f failures
			agree(&f, in, p, res, in.Digits-margin)
			rep, err := verify.Compare(in, p, res)
			if err != nil {
				return "verify.Compare: " + err.Error()
			}
			mine := len(f) == 0
			if (rep.Status == verify.Agree) != mine {
				var g failures
				g.addf("verify says %s (%s) but the independent comparison says agree = %v %s", rep.Status, rep.Reason, mine, f.String())
				return g.String()
			}
			return ""
		},
		Instances(cfg),
	))
}
