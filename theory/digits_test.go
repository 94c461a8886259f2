package theory

import (
	"fmt"
	"math/big"
	"strings"
	"testing"
)

// refPrec is the precision of the independent reference values below
// (1000 bits ≈ 301 digits, far beyond the 30 digits checked).
const refPrec = 1000

func refRat(s string) *big.Float { return ratFloat(s, refPrec) }

// checkRel fails unless got agrees with want to digits significant digits
// relative to |want| itself (no absolute floor).
func checkRel(t *testing.T, what string, got, want *big.Float, digits int) {
	t.Helper()
	if a := digitsAgree(got, want, new(big.Float)); a < float64(digits) {
		t.Errorf("%s = %s, want %s (%.1f digits relative, need %d)", what, got.Text('g', 35), want.Text('g', 35), a, digits)
	}
}

// checkJustified fails unless every quantity claims the full digits.
func checkJustified(t *testing.T, p *Prediction) {
	t.Helper()
	j := p.Justified
	for _, v := range []int{j.Sigma, j.Shrinkage, j.WW, j.Bias, j.MinLoss, j.TrainMSE, j.Predictions} {
		if v != p.Digits {
			t.Errorf("justified digits %+v, want all %d (warnings %q)", j, p.Digits, p.Warnings)
			return
		}
	}
}

// TestIssue8CancellationNearC is issue 8 item 1: σ = c(1 + 2·10⁻⁴⁰ + 10⁻⁸⁰),
// n = 1. By hand: the two samples ±(1 + 10⁻⁴⁰) have mean 0 and
// Σ = (1 + 10⁻⁴⁰)², c = 3·(1/3) = 1, so √σ − √c = 10⁻⁴⁰ exactly and
// A* = √(λ_H/λ_W)·10⁻⁴⁰ = 3·10⁻⁴⁰, shrinkage 1 − 1/(1 + 10⁻⁴⁰) =
// 10⁻⁴⁰/(1 + 10⁻⁴⁰), L* = √(cσ) − c/2 = 1/2 + 10⁻⁴⁰, MSE = c = 1, and
// the predictions are ±(1 + 10⁻⁴⁰)·shrinkage = ±10⁻⁴⁰.
// The old code printed A* = 2.99999959494e-40 (7 of 30 digits).
func TestIssue8CancellationNearC(t *testing.T) {
	in := mustParse(t, `{"targets":[["1.0000000000000000000000000000000000000001"],["-1.0000000000000000000000000000000000000001"]],"lambda_h":"3","lambda_w":"1/3","d":1,"bias":"free","digits":30}`)
	p, err := Predict(in, 30)
	if err != nil {
		t.Fatal(err)
	}
	checkJustified(t, p)
	checkRel(t, "ww", p.WW.At(0, 0), refRat("3e-40"), 30)
	shrink := refRat("1e-40")
	shrink.Quo(shrink, refRat("1.0000000000000000000000000000000000000001"))
	checkRel(t, "shrinkage", p.Shrinkage[0], shrink, 30)
	checkRel(t, "min_loss", p.MinLoss, refRat("0.5000000000000000000000000000000000000001"), 30)
	checkRel(t, "train_mse", p.TrainMSE, refRat("1"), 30)
	checkRel(t, "prediction 1", p.Predictions.At(0, 0), refRat("1e-40"), 30)
	checkRel(t, "prediction 2", p.Predictions.At(0, 1), refRat("-1e-40"), 30)
}

// TestIssue8TinyTail is issue 8 item 2: the samples ±u, ±w with
// u = (−0.6, 0.8), w = (8, 6)·10⁻³¹ orthogonal have mean 0 and
// Σ = (uuᵀ + wwᵀ)/2, so σ₁ = 1/2, σ₂ = ‖w‖²/2 = 5·10⁻⁶¹. With λ = 0 and
// d = 1 the best rank-1 fit leaves L* = σ₂/2 = 2.5·10⁻⁶¹ and MSE σ₂; with
// λ_H = 1, λ_W = 0 the same number is the (unattained) infimum.
// The old code printed L* = 1.09e-47.
func TestIssue8TinyTail(t *testing.T) {
	for _, lh := range []string{"0", "1"} {
		in := mustParse(t, fmt.Sprintf(`{"targets":[["-0.6","0.8"],["8e-31","6e-31"],["0.6","-0.8"],["-8e-31","-6e-31"]],"lambda_h":%q,"lambda_w":"0","d":1,"digits":30}`, lh))
		p, err := Predict(in, 30)
		if err != nil {
			t.Fatal(err)
		}
		checkJustified(t, p)
		checkRel(t, "σ₁", p.Sigma[0], refRat("0.5"), 30)
		checkRel(t, "σ₂", p.Sigma[1], refRat("5e-61"), 30)
		checkRel(t, "min_loss (λ_H = "+lh+")", p.MinLoss, refRat("2.5e-61"), 30)
		checkRel(t, "train_mse (λ_H = "+lh+")", p.TrainMSE, refRat("5e-61"), 30)
	}
}

// TestIssue8HugeMeanBiasNone is issue 8 item 3. With a = 10²⁰ the rows
// (a+1, 2a), (a−1, 2a), (a+1, 2a) give the uncentered
// Σ = [[a² + 2a/3 + 1, 2a² + 2a/3], [2a² + 2a/3, 4a²]] (by hand), with
// trace T = 5a² + 2a/3 + 1 and det Σ = 32a²/9. The small eigenvalue,
// free of cancellation, is σ₂ = 2·det/(T + √(T² − 4·det)) (evaluated below
// at 1000 bits); d = 1 and c = 1/1000 < σ₂, so MSE = c + σ₂ =
// 0.712111111111111111110162962963… (mpmath at 200 digits agrees).
// The old code printed 0.71211202….
func TestIssue8HugeMeanBiasNone(t *testing.T) {
	in := mustParse(t, `{"targets":[["100000000000000000001","200000000000000000000"],["99999999999999999999","200000000000000000000"],["100000000000000000001","200000000000000000000"]],"lambda_h":"1","lambda_w":"1/1000","d":1,"bias":"none","digits":30}`)
	p, err := Predict(in, 30)
	if err != nil {
		t.Fatal(err)
	}
	checkJustified(t, p)
	a := refRat("1e20")
	sq := new(big.Float).SetPrec(refPrec).Mul(a, a)
	tr := new(big.Float).SetPrec(refPrec).Mul(refRat("5"), sq)
	tr.Add(tr, new(big.Float).SetPrec(refPrec).Quo(new(big.Float).SetPrec(refPrec).Mul(refRat("2"), a), refRat("3")))
	tr.Add(tr, refRat("1"))
	det := new(big.Float).SetPrec(refPrec).Mul(refRat("32/9"), sq)
	disc := new(big.Float).SetPrec(refPrec).Mul(tr, tr)
	disc.Sub(disc, new(big.Float).SetPrec(refPrec).Mul(refRat("4"), det))
	disc.Sqrt(disc)
	s2 := new(big.Float).SetPrec(refPrec).Mul(refRat("2"), det)
	s2.Quo(s2, disc.Add(disc, tr))
	mse := new(big.Float).SetPrec(refPrec).Add(s2, refRat("1/1000"))
	checkRel(t, "σ₂", p.Sigma[1], s2, 30)
	checkRel(t, "train_mse", p.TrainMSE, mse, 30)
	if !strings.HasPrefix(mse.Text('f', 30), "0.712111111111111111110162962963") {
		t.Fatalf("reference MSE %s disagrees with mpmath", mse.Text('f', 30))
	}
}

// TestIssue8NearTieAtCutoff is issue 8 item 4: samples ±a·u, ±w with
// u = (0.6, 0.8), w = (−0.8, 0.6), a = 1 + 10⁻⁴⁰ give
// Σ = (a²uuᵀ + wwᵀ)/2, so σ₁ − σ₂ = (a² − 1)/2 ≈ 10⁻⁴⁰ and with d = 1 the
// unique A* = (a/√2 − √c)·uuᵀ, c = 1/100 (λ_H/λ_W = 1); its eigenvector
// is ill-conditioned (gap 10⁻⁴⁰). Reference at 1000 bits; mpmath at 100
// digits gives A*₁₁ = 0.21855844122715710878430397035774565.
func TestIssue8NearTieAtCutoff(t *testing.T) {
	in := mustParse(t, `{"targets":[["0.60000000000000000000000000000000000000006","0.80000000000000000000000000000000000000008"],["-0.60000000000000000000000000000000000000006","-0.80000000000000000000000000000000000000008"],["-0.8","0.6"],["0.8","-0.6"]],"lambda_h":"1/10","lambda_w":"1/10","d":1,"bias":"free","digits":30}`)
	p, err := Predict(in, 30)
	if err != nil {
		t.Fatal(err)
	}
	if !p.WWUnique || !p.PredictionUnique {
		t.Fatalf("A* is unique (σ₁ > σ₂ by 10⁻⁴⁰) but unique = %v, %v; notes %q", p.WWUnique, p.PredictionUnique, p.Notes)
	}
	checkJustified(t, p)
	w := new(big.Float).SetPrec(refPrec).Sqrt(refRat("2"))
	w.Quo(refRat("1.0000000000000000000000000000000000000001"), w)
	w.Sub(w, refRat("1/10"))
	u := []string{"0.6", "0.8"}
	for i := range u {
		for j := range u {
			want := new(big.Float).SetPrec(refPrec).Mul(refRat(u[i]), refRat(u[j]))
			checkRel(t, fmt.Sprintf("ww[%d][%d]", i, j), p.WW.At(i, j), want.Mul(want, w), 30)
		}
	}
	if !strings.HasPrefix(p.WW.At(0, 0).Text('f', 35), "0.2185584412271571087843039703577456") {
		t.Errorf("ww[0][0] = %s, mpmath 0.21855844122715710878430397035774565", p.WW.At(0, 0).Text('f', 35))
	}
}

// TestExactTieNonBinary: σ₁ = σ₂ = 1/9 exactly (samples (±1/3, ±1/3)), so
// with d = 1 the best subspace is not unique. 1/9 is not a binary fraction,
// so the rounded pair lies above or below 1/9 depending on the precision:
// a test "≥ k eigenvalues above the midpoint" instead of "exactly k" would
// call them separated whenever the rounding falls below.
func TestExactTieNonBinary(t *testing.T) {
	in := mustParse(t, doc(signCombos("1/3", "1/3"), "1/10", "1/10", 1, "free"))
	for digits := 20; digits <= 40; digits++ {
		p, err := Predict(in, digits)
		if err != nil {
			t.Fatal(err)
		}
		if p.WWUnique || p.PredictionUnique {
			t.Fatalf("digits %d: σ₁ = σ₂ = 1/9 but A* reported unique", digits)
		}
		if !strings.Contains(strings.Join(p.Notes, " "), "exactly") || len(p.Warnings) != 0 {
			t.Errorf("digits %d: tie not certified exactly: notes %q warnings %q", digits, p.Notes, p.Warnings)
		}
	}
}

// TestSeparatedExactCount: separated must demand exactly k eigenvalues
// above the midpoint. Here Σ = diag(1/9, 1/9) and the computed pair is
// placed just below 1/9, so two eigenvalues lie above the midpoint.
func TestSeparatedExactCount(t *testing.T) {
	in := mustParse(t, doc(signCombos("1/3", "1/3"), "1/10", "1/10", 1, "free"))
	p := &Prediction{Prec: 200, exactSigma: in.Sigma()}
	below := new(big.Float).SetPrec(200).Sub(ratFloat("1/9", 200), ratFloat("1e-40", 200))
	p.Sigma = []*big.Float{below, new(big.Float).Set(below)}
	if p.separated(1) {
		t.Fatal("σ₁ = σ₂ = 1/9 reported separated")
	}
	// The certified path: Σ = diag(4, 1) (samples (±2, ±1)), d = 1, with
	// the computed pair replaced by (1/4, 1/4): the midpoint 1/4 has two
	// eigenvalues certifiably above it, so σ₁ > σ₂ is not shown by it.
	q, err := Predict(mustParse(t, doc(signCombos("2", "1"), "1/100", "1/100", 1, "free")), 30)
	if err != nil {
		t.Fatal(err)
	}
	if !q.separated(1) {
		t.Fatal("σ = (4, 1) not separated at the computed midpoint")
	}
	quarter := ratFloat("1/4", q.Prec)
	q.Sigma = []*big.Float{quarter, new(big.Float).Set(quarter)}
	if q.separated(1) {
		t.Fatal("a midpoint below both eigenvalues certified the separation")
	}
}

// TestEntryText: entries carry their digits relative to themselves down to
// 10^-EntryRange of the norm, fewer below, and "0" below the accuracy.
func TestEntryText(t *testing.T) {
	floor := big.NewFloat(1e-10)
	for _, tc := range []struct {
		x      float64
		digits int
		want   string
	}{
		{0.125, 5, "0.125"},
		{1.234567e-10, 3, "1.23e-10"}, // at the floor: all 3 digits
		{1.234567e-12, 5, "1.23e-12"}, // 2 orders below the floor: 3 digits
		{1.234567e-16, 5, "0"},        // below 10^-5·floor
		{0, 5, "0"},
	} {
		if got := EntryText(big.NewFloat(tc.x), floor, tc.digits); got != tc.want {
			t.Errorf("EntryText(%g, %d) = %q, want %q", tc.x, tc.digits, got, tc.want)
		}
	}
}

// TestAgreeDigits: floor(−log10(|a−b|/max(|b|, floor))).
func TestAgreeDigits(t *testing.T) {
	for _, tc := range []struct {
		a, b, floor string
		want        int
	}{
		{"1.0002", "1", "", 3},
		{"3e-40", "3.0000003e-40", "", 7},
		{"1e-20", "0", "1e-10", 10},
		{"1e-20", "0", "", 0},
		{"2", "2", "", exactDigits},
	} {
		var floor *big.Float
		if tc.floor != "" {
			floor = ratFloat(tc.floor, 200)
		}
		if got := agreeDigits(ratFloat(tc.a, 200), ratFloat(tc.b, 200), floor); got != tc.want {
			t.Errorf("agreeDigits(%s, %s, %s) = %d, want %d", tc.a, tc.b, tc.floor, got, tc.want)
		}
	}
}
