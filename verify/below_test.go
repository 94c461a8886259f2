package verify

import (
	"math/big"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
)

// TestBelowMinimumRounding: a solver stopped by its time limit reports the
// loss it evaluated at the precision of its last step. A loss below L* by
// less than that evaluation's rounding (2^(32−p) of the targets' energy)
// decides nothing: UNFINISHED, where verify said DISAGREE ("below the
// theory's minimum", n = 12 at 2000 digits, a 2 s limit: L − L* =
// −1.9·10⁻⁹⁶⁹ from a loss at 3220 bits). A gap well beyond the rounding is
// a disagreement whatever the solver's stop, and the reason states it.
func TestBelowMinimumRounding(t *testing.T) {
	in, err := instance.Parse([]byte(`{"targets":[["1","2"],["3","-1"],["0","5"],["2","2"]],"lambda_h":"1/10","lambda_w":"1/5","d":3}`))
	if err != nil {
		t.Fatal(err)
	}
	p, r := solveBoth(t, in, 30)
	energy := 0.0
	for _, row := range in.Targets {
		for _, y := range row {
			f, _ := y.Float64()
			energy += f * f
		}
	}
	energy /= float64(in.M())
	// The fake loss's precision: 64 bits, the rounding bound 2^-32 of the
	// energy far above the 10^-25 of L* the requested 30 digits less the
	// margin tolerate (which alone said DISAGREE to the first two).
	const bits = 64
	for _, c := range []struct {
		gapExp int // L* − L = energy·2^gapExp
		want   Status
	}{
		{-64, Unfinished}, // within the rounding bound 2^(32−64)·(energy + L*)
		{-40, Unfinished},
		{-20, Disagree}, // 2^12 times the bound
	} {
		fake := *r
		fake.Converged, fake.OutOfTime, fake.Stop = false, true, solver.StopTimeLimit
		fake.Prec = bits
		gap := new(big.Float).SetPrec(bits).SetMantExp(big.NewFloat(energy), c.gapExp)
		fake.MinLoss = new(big.Float).SetPrec(bits).Sub(p.MinLoss, gap)
		rep := mustCompare(t, in, p, &fake)
		if rep.Status != c.want {
			t.Errorf("L* − L = energy·2^%d at %d bits: status %s, want %s (%s)", c.gapExp, bits, rep.Status, c.want, rep.Reason)
		}
		if c.want == Disagree && !strings.Contains(rep.Reason, "below the theory's minimum") {
			t.Errorf("reason %q does not say the loss is below the minimum", rep.Reason)
		}
	}
}
