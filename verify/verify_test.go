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
	if d, err := MatrixDigits(a, b, big.NewFloat(1), 50); err == nil {
		t.Errorf("mismatched shapes: %d digits and no error", d)
	}
	if d, err := VectorDigits([]*big.Float{big.NewFloat(1)}, nil, big.NewFloat(1), 50); err == nil {
		t.Errorf("mismatched lengths: %d digits and no error", d)
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

func mustInstance(t *testing.T, doc string) *instance.Instance {
	t.Helper()
	in, err := instance.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// scaled returns x·(1 + rel) at x's precision.
func scaled(x *big.Float, rel string) *big.Float {
	r, _, err := big.ParseFloat(rel, 10, x.Prec(), big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	y := new(big.Float).SetPrec(x.Prec()).Mul(x, r)
	return y.Add(y, x)
}

// TestDigitsOwnSize is issue 8 item 1's verify half: 3.0000002e-40 against
// 3e-40 agrees to 7 digits relative to itself, whatever the scale passed
// for exact zeros (the old digitsOf took max(|want|, scale) always and
// reported 40). (Not 3.0000003e-40: parsed to 200 bits, its relative
// difference from 3e-40 is 10^-7 plus rounding, which the exact digitsOf
// counts as 6 digits; TestDigitsOfExact.)
func TestDigitsOwnSize(t *testing.T) {
	got, _, _ := big.ParseFloat("3.0000002e-40", 10, 200, big.ToNearestEven)
	want, _, _ := big.ParseFloat("3e-40", 10, 200, big.ToNearestEven)
	if d := Digits(got, want, big.NewFloat(3), 50); d != 7 {
		t.Errorf("Digits = %d, want 7", d)
	}
}

// TestMarginExact: at 50 digits an error of 10^-43 relative (7 digits
// lost) must be a disagreement: Required = 50 − Margin = 45.
func TestMarginExact(t *testing.T) {
	in := instance.Default()
	p, r := solveBoth(t, in, 50)
	fake := *r
	fake.MinLoss = scaled(r.MinLoss, "3e-43")
	rep := mustCompare(t, in, p, &fake)
	if rep.Required != 45 || rep.Status != Disagree || rep.Worst != "min_loss" {
		t.Errorf("required %d, status %s, worst %q (%s); want 45, disagree, min_loss", rep.Required, rep.Status, rep.Worst, rep.Reason)
	}
	fake.MinLoss = scaled(r.MinLoss, "3e-48")
	if rep := mustCompare(t, in, p, &fake); rep.Status != Agree {
		t.Errorf("an error of 3e-48 is within the margin: %s (%s)", rep.Status, rep.Reason)
	}
}

// TestNotComparedIsNil: quantities the instance does not determine are
// "not compared" (nil), never reported as agreeing.
func TestNotComparedIsNil(t *testing.T) {
	// λ = 0: W*W*ᵀ and b are not determined. σ₁ = σ₂ = 1/9 with d = 1:
	// neither W*W*ᵀ nor the predictions are.
	for _, doc := range []string{
		`{"targets":[["1","2"],["3","-1"],["0","5"]],"lambda_h":"0","lambda_w":"0","d":2}`,
		`{"targets":[["1/3","1/3"],["-1/3","1/3"],["1/3","-1/3"],["-1/3","-1/3"]],"lambda_h":"1/10","lambda_w":"1/10","d":1}`,
	} {
		in := mustInstance(t, doc)
		p, r := solveBoth(t, in, 30)
		rep := mustCompare(t, in, p, r)
		if rep.Agreement.WW != nil {
			t.Errorf("%s: ww reported as %d digits, want not compared", doc, *rep.Agreement.WW)
		}
		if !p.PredictionUnique && (rep.Agreement.Predictions != nil || rep.Agreement.Shrinkage != nil) {
			t.Errorf("%s: predictions or shrinkage compared although not unique", doc)
		}
		if !p.BiasUnique && rep.Agreement.Bias != nil {
			t.Errorf("%s: bias compared although not unique", doc)
		}
	}
}

// TestUnattainedTolerance is issue 8 item 2's second part. The infimum
// here is σ₂/2 = 2.5·10⁻⁶¹ (see theory's TestIssue8TinyTail). A solver
// loss a hair above it is fine; one below it by more than 10^-Required of
// the infimum itself is a disagreement — which a tolerance of
// 10^-digits·tr Σ/2 (≈ 10⁻³¹) could never see.
func TestUnattainedTolerance(t *testing.T) {
	in := mustInstance(t, `{"targets":[["-0.6","0.8"],["8e-31","6e-31"],["0.6","-0.8"],["-8e-31","-6e-31"]],"lambda_h":"1","lambda_w":"0","d":1,"digits":30}`)
	p, err := theory.Predict(in, 30)
	if err != nil {
		t.Fatal(err)
	}
	if p.Regime != theory.Unattained {
		t.Fatalf("regime %s", p.Regime)
	}
	for _, tc := range []struct {
		rel  string
		want Status
	}{
		{"1e-32", Unattained},  // just above the infimum
		{"1e-3", Unattained},   // well above: a minimizing sequence not yet far along
		{"-1e-28", Unattained}, // below by less than 10^-25 relative: within the digits
		{"-1e-22", Disagree},   // below by 10^-22 relative
		{"-0.5", Disagree},
	} {
		res := &solver.Result{MinLoss: scaled(p.MinLoss, tc.rel)}
		if rep := mustCompare(t, in, p, res); rep.Status != tc.want {
			t.Errorf("loss = L_inf·(1 %s): %s (%s), want %s", tc.rel, rep.Status, rep.Reason, tc.want)
		}
	}
}

// TestTrainMSEAndShrinkageCompared (issue 8 item 3): a theory whose
// train_mse or shrinkage is off in the 7th digit must not AGREE, although
// min_loss, ww, bias and predictions are untouched.
func TestTrainMSEAndShrinkageCompared(t *testing.T) {
	in := instance.Default()
	p, r := solveBoth(t, in, 40)
	if rep := mustCompare(t, in, p, r); rep.Status != Agree || rep.Agreement.TrainMSE == nil || rep.Agreement.Shrinkage == nil {
		t.Fatalf("unperturbed: %s (%s), train_mse %v shrinkage %v", rep.Status, rep.Reason, rep.Agreement.TrainMSE, rep.Agreement.Shrinkage)
	}
	bad := *p
	bad.TrainMSE = scaled(p.TrainMSE, "1e-7")
	if rep := mustCompare(t, in, &bad, r); rep.Status != Disagree || rep.Worst != "train_mse" {
		t.Errorf("train_mse off by 1e-7: %s, worst %q", rep.Status, rep.Worst)
	}
	bad = *p
	bad.Shrinkage = append([]*big.Float{}, p.Shrinkage...)
	j := p.Rank - 1
	bad.Shrinkage[j] = scaled(p.Shrinkage[j], "1e-7")
	if rep := mustCompare(t, in, &bad, r); rep.Status != Disagree || rep.Worst != "shrinkage" {
		t.Errorf("shrinkage %d off by 1e-7: %s, worst %q", j, rep.Status, rep.Worst)
	}
}

// TestEntrywise: with σ = (1, 10⁻⁶) A* = diag(a₁, a₂), a₂ ≈ 10⁻³·a₁
// (above the entry floor 10^-EntryRange·‖A*‖_F). An error of 10⁻¹²
// relative in a₂ is only 10⁻¹⁵ of ‖A*‖_F: a normwise comparison would see
// 15 digits, the entrywise one sees 12.
func TestEntrywise(t *testing.T) {
	in := mustInstance(t, `{"targets":[["1","1e-3"],["-1","1e-3"],["1","-1e-3"],["-1","-1e-3"]],"lambda_h":"1e-20","lambda_w":"1e-20","d":2}`)
	p, r := solveBoth(t, in, 30)
	if rep := mustCompare(t, in, p, r); rep.Status != Agree {
		t.Fatalf("unperturbed: %s (%s)", rep.Status, rep.Reason)
	}
	fake := *r
	fake.WW = r.WW.Clone()
	fake.WW.Set(1, 1, scaled(r.WW.At(1, 1), "1e-12"))
	rep := mustCompare(t, in, p, &fake)
	if rep.Status != Disagree || rep.Worst != "ww" || *rep.Agreement.WW > 12 {
		t.Errorf("a₂ off by 1e-12: %s, worst %q, ww %v", rep.Status, rep.Worst, rep.Agreement.WW)
	}
}

// TestJustifiedCapsAgreement: when the theory justifies fewer digits than
// required for a quantity, AGREE is impossible; with the solver right to
// all of them it is UNRESOLVED (the theory's shortfall).
func TestJustifiedCapsAgreement(t *testing.T) {
	in := instance.Default()
	p, r := solveBoth(t, in, 40)
	weak := *p
	weak.Justified.WW = 20
	if rep := mustCompare(t, in, &weak, r); rep.Status != Unresolved || rep.Worst != "ww" {
		t.Errorf("theory justifies 20 of 40 ww digits: %s, worst %q", rep.Status, rep.Worst)
	}
}

// TestIssue8CancellationVerify: on issue 8 item 1 (A* = 3·10⁻⁴⁰ exactly)
// verify may say AGREE only if the solver's A* has the required digits.
func TestIssue8CancellationVerify(t *testing.T) {
	in := mustInstance(t, `{"targets":[["1.0000000000000000000000000000000000000001"],["-1.0000000000000000000000000000000000000001"]],"lambda_h":"3","lambda_w":"1/3","d":1,"bias":"free","digits":30}`)
	rep, err := Run(in, 30, solver.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := big.ParseFloat("3e-40", 10, 400, big.ToNearestEven)
	got := rep.Solver.WW.At(0, 0)
	if d := Digits(got, want, want, 30); rep.Status == Agree && d < rep.Required {
		t.Errorf("AGREE, but the solver's A* = %s has %d digits of 3e-40", got.Text('g', 10), d)
	}
}
