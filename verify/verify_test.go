package verify

import (
	"math/big"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/theory"
)

func TestDigits(t *testing.T) {
	f := func(s string) *big.Float {
		x, _, err := big.ParseFloat(s, 10, 200, big.ToNearestEven)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	tests := []struct {
		got, want, scale string
		digits           int
	}{
		{"1.2345", "1.2346", "1e-300", 4},   // |Δ| = 1e-4, relative 8.1e-5 → 4
		{"1.2345", "1.2345", "1e-300", 66},  // equal: the cap
		{"100.5", "100", "1e-300", 2},       // relative 5e-3 → 2
		{"1e-40", "0", "1", 40},             // zero reference: relative to the scale
		{"-1", "1", "1e-300", 0},            // no digit in common
		{"3.0000000001", "3", "1e-300", 10}, // 3.3e-11 → 10
	}
	for _, tc := range tests {
		if got := Digits(f(tc.got), f(tc.want), f(tc.scale), 66); got != tc.digits {
			t.Errorf("Digits(%s, %s) = %d, want %d", tc.got, tc.want, got, tc.digits)
		}
	}
}

// solveBoth runs both sides on an instance at digits.
func solveBoth(t *testing.T, in *instance.Instance, digits int) (*theory.Prediction, *solver.Result) {
	t.Helper()
	p, err := theory.Predict(in, digits)
	if err != nil {
		t.Fatal(err)
	}
	r, err := solver.Solve(in, solver.Settings{Digits: digits})
	if err != nil {
		t.Fatal(err)
	}
	return p, r
}

func mustCompare(t *testing.T, in *instance.Instance, p *theory.Prediction, r *solver.Result) *Report {
	t.Helper()
	rep, err := Compare(in, p, r)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestCompareDetectsPerturbation: the comparison is not a rubber stamp. A
// solver result perturbed by 10^-30 in one quantity, at 50 digits, must be
// reported as a disagreement naming that quantity with about 30 digits.
func TestCompareDetectsPerturbation(t *testing.T) {
	in := instance.Default()
	p, r := solveBoth(t, in, 50)
	if rep := mustCompare(t, in, p, r); rep.Status != Agree {
		t.Fatalf("unperturbed: %s (%s)", rep.Status, rep.Reason)
	}
	eps := new(big.Float).SetPrec(p.Prec).SetMantExp(big.NewFloat(1), -100) // 2^-100 ≈ 7.9e-31
	perturb := func(x *big.Float) { x.Add(x, new(big.Float).Mul(x, eps)) }

	for _, q := range []string{"min_loss", "ww", "bias", "predictions"} {
		p2, r2 := p, *r
		switch q {
		case "min_loss":
			r2.MinLoss = new(big.Float).Copy(r.MinLoss)
			perturb(r2.MinLoss)
		case "ww":
			r2.WW = r.WW.Clone()
			perturb(r2.WW.At(0, 0))
		case "bias":
			r2.B = append([]*big.Float{new(big.Float).Copy(r.B[0])}, r.B[1:]...)
			perturb(r2.B[0])
		case "predictions":
			r2.Predictions = r.Predictions.Clone()
			perturb(r2.Predictions.At(1, 2))
		}
		rep := mustCompare(t, in, p2, &r2)
		if rep.Status != Disagree || rep.Worst != q {
			t.Errorf("%s perturbed: status %s worst %q (%s)", q, rep.Status, rep.Worst, rep.Reason)
		}
	}
}

// TestCompareUnattained: when the theory says no minimizer exists, a solver
// that claims to have converged, or attains a loss below the infimum, is a
// disagreement.
func TestCompareUnattained(t *testing.T) {
	in, err := instance.Parse([]byte(`{"targets":[["1","2"],["3","-1"],["0","5"]],"lambda_h":"0","lambda_w":"1/10","d":3}`))
	if err != nil {
		t.Fatal(err)
	}
	p, r := solveBoth(t, in, 30)
	if rep := mustCompare(t, in, p, r); rep.Status != Unattained {
		t.Fatalf("status %s (%s)", rep.Status, rep.Reason)
	}
	fake := *r
	fake.Converged = true
	if rep := mustCompare(t, in, p, &fake); rep.Status != Disagree {
		t.Errorf("converged claim accepted: %s", rep.Status)
	}
	fake = *r
	fake.Converged = false
	fake.MinLoss = new(big.Float).SetPrec(p.Prec).Sub(p.MinLoss, big.NewFloat(1e-6))
	if rep := mustCompare(t, in, p, &fake); rep.Status != Disagree {
		t.Errorf("loss below the infimum accepted: %s", rep.Status)
	}
}

func TestMatrixDigitsShapes(t *testing.T) {
	a := bigmat.New(2, 2, 100)
	b := bigmat.New(2, 3, 100)
	if d := MatrixDigits(a, b, big.NewFloat(1), 50); d != 0 {
		t.Errorf("mismatched shapes agree to %d digits", d)
	}
}

// TestRunDegenerateTargets: with Σ = 0 (one sample, or all targets zero)
// every quantity vanishes or is exactly ȳ; agreement is then measured
// against the targets' own size and must still be reached.
func TestRunDegenerateTargets(t *testing.T) {
	for _, doc := range []string{
		`{"targets":[["1","2","3"]],"lambda_h":"1/10","lambda_w":"1/10","d":3}`,
		`{"targets":[["0","0"],["0","0"]],"lambda_h":"1","lambda_w":"1","d":2}`,
		`{"targets":[["5"],["5"],["5"]],"lambda_h":"1","lambda_w":"1","d":1,"bias":"none"}`,
	} {
		in, err := instance.Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Run(in, 40, solver.Settings{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Status != Agree {
			t.Errorf("%s: %s (%s)", doc, rep.Status, rep.Reason)
		}
	}
}
