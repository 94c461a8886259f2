package solver

import (
	"math"
	"math/big"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
)

// instanceCase is a named instance of a table test.
type instanceCase struct {
	name string
	in   *instance.Instance
}

// TestTrivialExact: where W = 0 is a global minimizer (c = λ_Hλ_W at or
// above every eigenvalue of the centered second moment S, which the
// solver decides in rationals without any spectrum), Solve returns the
// exact minimizer: W Wᵀ = 0, W = 0, H = 0 exactly, b by least squares at
// W = 0, and L* = f(0), all from the mathematics below, not from ufm.
//
//   - QA k6_n2_x3 (issue 8): targets ±(24, 32)/25, ±(−52, 39)/25, mean 0,
//     λ_H = λ_W = 1e250 (c = 1e500). L* = ‖Y‖²/(2M) = (2·64/25 + 2·169/25)/8
//     = 2.33, b = 0. Stage 2 used to return W Wᵀ = 9.3e-297 printed with
//     29 digits.
//   - 1-D targets 1, 3, −2, 6 (ȳ = 2, centered variance s = 34/4 = 8.5,
//     uncentered 50/4 = 12.5), λ_H = λ_W = 4 (c = 16 > 12.5):
//     free: L* = 34/8 = 4.25, b = 2; none: L* = 50/8 = 6.25, b = 0;
//     regularized λ_b = 1: Hessian 4 − (4/16)·8.5 − (4/64)·4 = 1.625 > 0,
//     L* = 4.25 + (α/2)·ȳ² = 4.25 + 1 = 5.25 (α = 1/2), b = ȳ/(1+λ_b) = 1.
//   - c = σ_1 exactly (testdata degenerate-c-eq-sigma1, Σ = diag(8, 2),
//     λ_H = 2, λ_W = 4): the Hessian at 0 is singular PSD, W = 0 is still
//     the minimizer, L* = (8 + 2)/2 = 5, b = 0.
//   - constant targets 5, 5, 5 (S = 0): L* = 0 exactly (an exact zero must
//     print as one), b = 5.
func TestTrivialExact(t *testing.T) {
	oneD := [][]string{{"1"}, {"3"}, {"-2"}, {"6"}}
	qa := [][]string{{"24/25", "32/25"}, {"-24/25", "-32/25"}, {"-52/25", "39/25"}, {"52/25", "-39/25"}}
	const e250 = "1e250"
	for _, tc := range []struct {
		name       string
		targets    [][]string
		lh, lw     string
		d          int
		bias, lamB string
		loss       string
		b          []string
	}{
		{"k6_n2_x3", qa, e250, e250, 2, "free", "", "2.33", []string{"0", "0"}},
		{"free", oneD, "4", "4", 1, "free", "", "4.25", []string{"2"}},
		{"none", oneD, "4", "4", 1, "none", "", "6.25", []string{"0"}},
		{"regularized", oneD, "4", "4", 1, "regularized", "1", "5.25", []string{"1"}},
		// Constant targets (every second moment zero): W = 0, L* = 0 exactly, b = ȳ = 5.
		{"constant", [][]string{{"5"}, {"5"}, {"5"}}, "1", "1", 1, "free", "", "0", []string{"5"}},
	} {
		in := mkInstance(t, tc.name, tc.targets, tc.lh, tc.lw, tc.d, tc.bias, tc.lamB)
		checkTrivialExact(t, tc.name, solveOK(t, in, Settings{Digits: 40}), 40, tc.loss, tc.b)
	}
	in := loadTestdata(t, "degenerate-c-eq-sigma1.json")
	checkTrivialExact(t, "c = σ_1", solveOK(t, in, Settings{Digits: 40}), 40, "5", []string{"0", "0"})
}

// checkTrivialExact checks a Solve result against the exact minimizer
// W = 0, H = 0 with the given L* and b. The tolerance for L* and b is
// 10^-digits relative (an exact zero must be exactly zero): they are
// evaluated from exact rationals at more than the requested precision.
func checkTrivialExact(t *testing.T, name string, res *Result, digits int, loss string, b []string) {
	t.Helper()
	if !res.Converged || res.Stop != StopConverged {
		t.Errorf("%s: stop %s, converged %v, notes %v", name, res.Stop, res.Converged, res.Notes)
	}
	if !hasNote(res, "decided exactly") {
		t.Errorf("%s: no note on the exact decision: %v", name, res.Notes)
	}
	if res.Iterations != 0 || res.Stage1Iterations != 0 || len(res.History) != 0 {
		t.Errorf("%s: %d + %d iterations, history %v: the exact minimizer needs none", name, res.Stage1Iterations, res.Iterations, res.History)
	}
	if res.DigitsReached != digits || res.WWScale == nil || res.WWScale.Sign() != 0 {
		t.Errorf("%s: DigitsReached %d, WWScale %v: W Wᵀ = 0 is exact", name, res.DigitsReached, res.WWScale)
	}
	for _, m := range []struct {
		what string
		rows [][]string
	}{{"W Wᵀ", res.WW.Rows(5)}, {"W", res.W.Rows(5)}, {"H", res.H.Rows(5)}} {
		for i, row := range m.rows {
			for j, e := range row {
				if e != "0" {
					t.Errorf("%s: %s[%d][%d] = %s, want exactly 0", name, m.what, i, j, e)
				}
			}
		}
	}
	prec := res.Prec
	want := bf(prec, loss)
	if e := relErr(res.MinLoss, want, want); e > -float64(digits) {
		t.Errorf("%s: L = %s, want %s (relative error 1e%.1f)", name, res.MinLoss.Text('g', digits+5), loss, e)
	}
	_, m := res.Predictions.Dims()
	for i, s := range b {
		wb := bf(prec, s)
		if !closeTo(res.B[i], wb, digits) {
			t.Errorf("%s: b[%d] = %s, want %s", name, i, res.B[i].Text('g', digits+5), s)
		}
		for j := 0; j < m; j++ {
			if p := res.Predictions.At(i, j); p.Cmp(res.B[i]) != 0 {
				t.Errorf("%s: prediction [%d][%d] = %s, want b[%d] (W = 0)", name, i, j, p.Text('g', 10), i)
			}
		}
	}
	if res.GradRelative == nil || log10Float(res.GradRelative) > -float64(digits) {
		t.Errorf("%s: relative gradient %v, want below 1e-%d", name, res.GradRelative, digits)
	}
}

// closeTo reports whether x is within 10^-digits of want relatively, or
// exactly 0 when want is 0.
func closeTo(x, want *big.Float, digits int) bool {
	if want.Sign() == 0 {
		return x.Sign() == 0
	}
	return relErr(x, want, want) <= -float64(digits)
}

// TestTrivialNotTaken: just below the boundary the shortcut must not be
// taken. 1-D targets 1, 3, −2, 6 with bias free (s = 8.5), λ_H = 1,
// λ_W = 8.4: c = 8.4 < 8.5, so W* Wᵀ* = u* = √(λ_H s/λ_W) − λ_H
// = √(8.5/8.4) − 1 > 0 (docs/theory.md §3, n = 1).
func TestTrivialNotTaken(t *testing.T) {
	in := mkInstance(t, "active", [][]string{{"1"}, {"3"}, {"-2"}, {"6"}}, "1", "8.4", 1, "free", "")
	res := solveOK(t, in, Settings{Digits: 40})
	if hasNote(res, "decided exactly") || res.Iterations == 0 {
		t.Fatalf("active instance took the trivial shortcut: %v", res.Notes)
	}
	prec := res.Prec
	u := new(big.Float).SetPrec(prec).Quo(bf(prec, "8.5"), bf(prec, "8.4"))
	u.Sqrt(u)
	u.Sub(u, new(big.Float).SetPrec(prec).SetInt64(1))
	if e := relErr(res.WW.At(0, 0), u, u); !res.Converged || e > -float64(res.DigitsReached-1) {
		t.Errorf("W Wᵀ = %s, want %s (1e%.1f, %d digits claimed)", res.WW.At(0, 0).Text('g', 20), u.Text('g', 20), e, res.DigitsReached)
	}
	if n := res.WW.FrobeniusNorm(); res.WWScale == nil || relErr(res.WWScale, n, n) > -float64(res.Digits+10) {
		t.Errorf("WWScale %v, want ‖W Wᵀ‖_F = %v (relative certificate)", res.WWScale, res.WW.FrobeniusNorm())
	}
}

// TestTrivialStage2Scale: stage 2 run in the trivial regime anyway
// (solveStage2Only) ends at a tiny nonzero W Wᵀ whose true value is 0, so
// its error is ‖W Wᵀ‖_F itself. DigitsReached must then be true against
// WWScale, the absolute scale the solver certified against:
// ‖W Wᵀ‖_F ≤ 10^(1−DigitsReached)·WWScale (one digit of slack: the
// estimate is that of the last Newton step). Against ‖W Wᵀ‖_F itself
// (the old printing) the claim would be false.
func TestTrivialStage2Scale(t *testing.T) {
	qa := [][]string{{"24/25", "32/25"}, {"-24/25", "-32/25"}, {"-52/25", "39/25"}, {"52/25", "-39/25"}}
	for _, in := range []*instanceCase{
		{"k6_n2_x3", mkInstance(t, "k6_n2_x3", qa, "1e250", "1e250", 2, "free", "")},
		{"c = σ_1", loadTestdata(t, "degenerate-c-eq-sigma1.json")},
		{"extreme-huge-c", loadTestdata(t, "extreme-huge-c-4x10.json")},
	} {
		res := solveStage2Only(t, in.in, Settings{Digits: 30})
		norm := res.WW.FrobeniusNorm()
		if norm.Sign() == 0 || res.WWScale == nil {
			t.Logf("%s: W Wᵀ = 0 from stage 2 (nothing to check), scale %v", in.name, res.WWScale)
			continue
		}
		bound := log10Float(res.WWScale) + 1 - float64(res.DigitsReached)
		if got := log10Float(norm); got > bound {
			t.Errorf("%s: ‖W Wᵀ‖ = 1e%.1f (the error: W* = 0) but %d digits claimed against scale 1e%.1f", in.name, got, res.DigitsReached, log10Float(res.WWScale))
		}
		t.Logf("%s: ‖W Wᵀ‖ = 1e%.1f, scale 1e%.1f, %d digits, %s", in.name, log10Float(norm), log10Float(res.WWScale), res.DigitsReached, res.Stop)
		if math.IsInf(log10Float(res.WWScale), 0) {
			t.Errorf("%s: scale %v", in.name, res.WWScale)
		}
	}
}
