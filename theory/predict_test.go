package theory

import (
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
)

// mustParse builds an instance from an instance document (docs/formats.md).
func mustParse(t *testing.T, doc string) *instance.Instance {
	t.Helper()
	in, err := instance.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, doc)
	}
	return in
}

// signCombos returns the 2^n samples (±a_1, …, ±a_n): their mean is 0 and
// their covariance is exactly diag(a_1², …, a_n²).
func signCombos(a ...string) string {
	n := len(a)
	var rows []string
	for mask := 0; mask < 1<<n; mask++ {
		var row []string
		for k := 0; k < n; k++ {
			s := a[k]
			if mask&(1<<k) != 0 {
				s = "-" + s
			}
			row = append(row, fmt.Sprintf("%q", s))
		}
		rows = append(rows, "["+strings.Join(row, ",")+"]")
	}
	return "[" + strings.Join(rows, ",") + "]"
}

func doc(targets, lh, lw string, d int, bias string) string {
	return fmt.Sprintf(`{"name":"t","targets":%s,"lambda_h":%q,"lambda_w":%q,"d":%d,"bias":%q}`, targets, lh, lw, d, bias)
}

// digitsAgree returns −log10(|x−y| / max(|y|, scale)), capped at 1000.
func digitsAgree(x, y, scale *big.Float) float64 {
	diff := new(big.Float).SetPrec(x.Prec()).Sub(x, y)
	diff.Abs(diff)
	if diff.Sign() == 0 {
		return 1000
	}
	den := new(big.Float).Abs(y)
	if den.Cmp(scale) < 0 {
		den = scale
	}
	diff.Quo(diff, den)
	mant := new(big.Float)
	exp := diff.MantExp(mant)
	m, _ := mant.Float64()
	return -(float64(exp) + log2(m)) * 0.30102999566398120
}

func log2(x float64) float64 {
	// x in [0.5, 1): a short series is not needed, math.Log2 is fine here.
	return mathLog2(x)
}

func ratFloat(s string, prec uint) *big.Float {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return new(big.Float).SetPrec(prec).SetRat(r)
}

// wantDigits is the agreement every exactly known quantity must reach at
// D requested digits: the working precision carries D + GuardDigits digits,
// and the tests ask for the D digits the tool promises.
func checkClose(t *testing.T, what string, got *big.Float, want string, digits int) {
	t.Helper()
	w := ratFloat(want, got.Prec())
	one := new(big.Float).SetInt64(1)
	if a := digitsAgree(got, w, one); a < float64(digits) {
		t.Errorf("%s = %s, want %s (agree to %.1f digits, need %d)", what, got.Text('g', 30), want, a, digits)
	}
}

func checkMatrix(t *testing.T, what string, got *bigmat.Dense, want [][]string, digits int) {
	t.Helper()
	r, c := got.Dims()
	if r != len(want) {
		t.Fatalf("%s is %d×%d, want %d rows", what, r, c, len(want))
	}
	for i := range want {
		for j := range want[i] {
			checkClose(t, fmt.Sprintf("%s[%d][%d]", what, i, j), got.At(i, j), want[i][j], digits)
		}
	}
}

// TestHandDerived checks instances whose answers follow by hand from
// docs/theory.md §3, with exact rational expected values.
func TestHandDerived(t *testing.T) {
	const digits = 50
	tests := []struct {
		name         string
		doc          string
		regime       Regime
		rank, active int
		minLoss, mse string
		ww           [][]string
		shrink       []string
		gamma        string // "" for nil
		wwUnique     bool
		predUnique   bool
	}{
		{
			// n = 1, y = ±2: Σ = 4; λ_H = 1/2, λ_W = 2, c = 1 < 4.
			// A* = √(1/4)(2 − 1) = 1/2; L* = √4 − 1/2 = 3/2; MSE = c = 1.
			name: "n=1 full", doc: doc(`[["2"],["-2"]]`, "1/2", "2", 1, "free"),
			regime: Full, rank: 1, active: 1, minLoss: "3/2", mse: "1",
			ww: [][]string{{"1/2"}}, shrink: []string{"1/2"}, gamma: "1", wwUnique: true, predUnique: true,
		},
		{
			// Σ = diag(9, 4, 1/4), c = 1: directions 1, 2 active, 3 not.
			// A* = diag(3−1, 2−1, 0); L* = (3 − 1/2) + (2 − 1/2) + (1/4)/2 = 33/8;
			// MSE = 2c + 1/4 = 9/4; shrinkage 1 − 1/3, 1 − 1/2, 0.
			name: "diagonal partial", doc: doc(signCombos("3", "2", "1/2"), "1", "1", 3, "free"),
			regime: Partial, rank: 2, active: 2, minLoss: "33/8", mse: "9/4",
			ww:     [][]string{{"2", "0", "0"}, {"0", "1", "0"}, {"0", "0", "0"}},
			shrink: []string{"2/3", "1/2", "0"}, wwUnique: true, predUnique: true,
		},
		{
			// Same targets, d = 1 < 2 active: only σ_1 = 9 is learned.
			// L* = (3 − 1/2) + (4 + 1/4)/2 = 37/8; MSE = 1 + 4 + 1/4 = 21/4.
			name: "diagonal d<n", doc: doc(signCombos("3", "2", "1/2"), "1", "1", 1, "free"),
			regime: Partial, rank: 1, active: 2, minLoss: "37/8", mse: "21/4",
			ww:     [][]string{{"2", "0", "0"}, {"0", "0", "0"}, {"0", "0", "0"}},
			shrink: []string{"2/3", "0", "0"}, wwUnique: true, predUnique: true,
		},
		{
			// c = 16 ≥ σ_1 = 9: trivial, L* = tr Σ / 2 = (9 + 4 + 1/4)/2 = 53/8.
			name: "diagonal trivial", doc: doc(signCombos("3", "2", "1/2"), "4", "4", 3, "free"),
			regime: Trivial, rank: 0, active: 0, minLoss: "53/8", mse: "53/4",
			ww:     [][]string{{"0", "0", "0"}, {"0", "0", "0"}, {"0", "0", "0"}},
			shrink: []string{"0", "0", "0"}, wwUnique: true, predUnique: true,
		},
		{
			// c = σ_1 = 9 exactly: the direction is inactive, so trivial.
			name: "c equals sigma_1", doc: doc(signCombos("3", "2", "1/2"), "3", "3", 3, "free"),
			regime: Trivial, rank: 0, active: 0, minLoss: "53/8", mse: "53/4",
			ww:     [][]string{{"0", "0", "0"}, {"0", "0", "0"}, {"0", "0", "0"}},
			shrink: []string{"0", "0", "0"}, wwUnique: true, predUnique: true,
		},
		{
			// Repeated eigenvalue: Σ = diag(4, 4, 1), λ_H = 1/4, λ_W = 1/4
			// (c = 1/16, √c = 1/4, scale 1): A* = diag(7/4, 7/4, 3/4);
			// L* = 2(√(4/16) − 1/32) + (√(1/16) − 1/32) = 37/32; MSE = 3c = 3/16.
			name: "repeated full", doc: doc(signCombos("2", "2", "1"), "1/4", "1/4", 3, "free"),
			regime: Full, rank: 3, active: 3, minLoss: "37/32", mse: "3/16",
			ww:     [][]string{{"7/4", "0", "0"}, {"0", "7/4", "0"}, {"0", "0", "3/4"}},
			shrink: []string{"7/8", "7/8", "3/4"}, gamma: "1/16", wwUnique: true, predUnique: true,
		},
		{
			// Tie at the cut-off: Σ = diag(4, 4, 1), d = 1: which of the two
			// tied directions is learned is not determined, L* is:
			// (2·1/4 − 1/32) + (4 + 1)/2 = 95/32.
			name: "tie at cut-off", doc: doc(signCombos("2", "2", "1"), "1/4", "1/4", 1, "free"),
			regime: Partial, rank: 1, active: 3, minLoss: "95/32", mse: "81/16",
			shrink: []string{"7/8", "0", "0"}, wwUnique: false, predUnique: false,
		},
		{
			// Bias none: y = 2, 2 has uncentered Σ = 4; c = 1 (λ_H = 1/2, λ_W = 2).
			name: "bias none", doc: doc(`[["2"],["2"]]`, "1/2", "2", 3, "none"),
			regime: Full, rank: 1, active: 1, minLoss: "3/2", mse: "1",
			ww: [][]string{{"1/2"}}, shrink: []string{"1/2"}, gamma: "1", wwUnique: true, predUnique: true,
		},
		{
			// Same targets with a free bias: centered Σ = 0, so trivial, L* = 0.
			name: "bias free constant targets", doc: doc(`[["2"],["2"]]`, "1/2", "2", 3, "free"),
			regime: Trivial, rank: 0, active: 0, minLoss: "0", mse: "0",
			ww: [][]string{{"0"}}, shrink: []string{"0"}, wwUnique: true, predUnique: true,
		},
		{
			// λ_H = λ_W = 0, d = 3 ≥ rank 3: L* = 0.
			name: "unregularized exact fit", doc: doc(signCombos("3", "2", "1/2"), "0", "0", 3, "free"),
			regime: Unregularized, rank: 3, active: 3, minLoss: "0", mse: "0",
			shrink: []string{"1", "1", "1"}, predUnique: true,
		},
		{
			// λ_H = λ_W = 0, d = 1: Eckart–Young, L* = (4 + 1/4)/2 = 17/8.
			name: "unregularized d<rank", doc: doc(signCombos("3", "2", "1/2"), "0", "0", 1, "free"),
			regime: Unregularized, rank: 1, active: 3, minLoss: "17/8", mse: "17/4",
			shrink: []string{"1", "0", "0"}, predUnique: true,
		},
		{
			// λ_H = 0 < λ_W: infimum is the best rank-1 fit, not attained.
			name: "unattained lambda_h", doc: doc(signCombos("3", "2", "1/2"), "0", "1", 1, "free"),
			regime: Unattained, rank: 1, active: 3, minLoss: "17/8", mse: "17/4",
			shrink: []string{"1", "0", "0"}, predUnique: true,
		},
		{
			name: "unattained lambda_w", doc: doc(signCombos("3", "2", "1/2"), "5", "0", 3, "none"),
			regime: Unattained, rank: 3, active: 3, minLoss: "0", mse: "0",
			shrink: []string{"1", "1", "1"}, predUnique: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Predict(mustParse(t, tc.doc), digits)
			if err != nil {
				t.Fatal(err)
			}
			if p.Regime != tc.regime || p.Rank != tc.rank || p.Active != tc.active {
				t.Fatalf("regime %s rank %d active %d, want %s %d %d", p.Regime, p.Rank, p.Active, tc.regime, tc.rank, tc.active)
			}
			checkClose(t, "min_loss", p.MinLoss, tc.minLoss, digits)
			checkClose(t, "train_mse", p.TrainMSE, tc.mse, digits)
			if tc.ww != nil {
				if p.WW == nil {
					t.Fatal("ww is nil")
				}
				checkMatrix(t, "ww", p.WW, tc.ww, digits)
			}
			if (tc.regime == Unregularized || tc.regime == Unattained) && p.WW != nil {
				t.Error("ww reported for a problem without a unique minimizer")
			}
			for j, s := range tc.shrink {
				checkClose(t, fmt.Sprintf("shrinkage[%d]", j), p.Shrinkage[j], s, digits)
			}
			if (tc.gamma == "") != (p.Gamma == nil) {
				t.Fatalf("gamma = %v, want %q", p.Gamma, tc.gamma)
			}
			if tc.gamma != "" {
				checkClose(t, "gamma", p.Gamma, tc.gamma, digits)
			}
			if p.WWUnique != tc.wwUnique || p.PredictionUnique != tc.predUnique {
				t.Errorf("unique ww %v predictions %v, want %v %v", p.WWUnique, p.PredictionUnique, tc.wwUnique, tc.predUnique)
			}
		})
	}
}

// rotatedBoundary returns targets ±4q₁, ±2q₂ with q₁ = (3/5, 4/5),
// q₂ = (−4/5, 3/5): Σ = 8 q₁q₁ᵀ + 2 q₂q₂ᵀ exactly, whose entries
// (104/25, 48/25; 48/25, 146/25) hide the eigenvalue 2 from floating point.
const rotatedBoundary = `[["12/5","16/5"],["-12/5","-16/5"],["-8/5","6/5"],["8/5","-6/5"]]`

// TestExactBoundary: with c = σ₂ = 2 exactly the second direction must be
// inactive (partial, rank 1); with c a hair below, active (full); a hair
// above, inactive again. A* = √(λ_H/λ_W)(√8 − √2) q₁q₁ᵀ = q₁q₁ᵀ at c = 2.
func TestExactBoundary(t *testing.T) {
	const digits = 60
	tiny := "1/" + "1" + strings.Repeat("0", 70) // 10^-70, far below 60 digits
	below := new(big.Rat).Sub(big.NewRat(2, 1), mustRat(tiny))
	above := new(big.Rat).Add(big.NewRat(2, 1), mustRat(tiny))
	tests := []struct {
		lh, lw string
		regime Regime
		rank   int
	}{
		{"1", "2", Partial, 1},
		{below.RatString(), "1", Full, 2},
		{above.RatString(), "1", Partial, 1},
	}
	for _, tc := range tests {
		p, err := Predict(mustParse(t, doc(rotatedBoundary, tc.lh, tc.lw, 2, "free")), digits)
		if err != nil {
			t.Fatal(err)
		}
		if p.Regime != tc.regime || p.Rank != tc.rank {
			t.Errorf("c = %s: regime %s rank %d, want %s %d", p.CExact.RatString()[:10], p.Regime, p.Rank, tc.regime, tc.rank)
		}
	}
	p, err := Predict(mustParse(t, doc(rotatedBoundary, "1", "2", 2, "free")), digits)
	if err != nil {
		t.Fatal(err)
	}
	checkMatrix(t, "ww", p.WW, [][]string{{"9/25", "12/25"}, {"12/25", "16/25"}}, digits)
	checkClose(t, "min_loss", p.MinLoss, "4", digits) // (√16 − 1) + 2/2
	checkClose(t, "train_mse", p.TrainMSE, "4", digits)
	checkClose(t, "sigma_1", p.Sigma[0], "8", digits)
	checkClose(t, "sigma_2", p.Sigma[1], "2", digits)
}

func mustRat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

// TestPrecisionStable: answers at 50 and 100 digits agree to ≥ 50 digits
// on generic instances of every regime.
func TestPrecisionStable(t *testing.T) {
	docs := []string{
		doc(`[["1.5","-0.25","3"],["2","0.5","-1e-3"],["-1/3","2/7","0.9"],["4","1","-2"]]`, "0.01", "1/50", 8, "free"),
		doc(`[["1.5","-0.25","3"],["2","0.5","-1e-3"],["-1/3","2/7","0.9"],["4","1","-2"]]`, "1", "1", 2, "free"),
		doc(`[["1.5","-0.25","3"],["2","0.5","-1e-3"],["-1/3","2/7","0.9"],["4","1","-2"]]`, "0.3", "0.2", 2, "none"),
		doc(`[["1.5","-0.25","3"],["2","0.5","-1e-3"],["-1/3","2/7","0.9"],["4","1","-2"]]`, "1e-12", "1e-9", 3, "free"),
	}
	for i, d := range docs {
		in := mustParse(t, d)
		p50, err := Predict(in, 50)
		if err != nil {
			t.Fatal(err)
		}
		p100, err := Predict(in, 100)
		if err != nil {
			t.Fatal(err)
		}
		tiny := new(big.Float).SetFloat64(1e-300)
		if a := digitsAgree(p50.MinLoss, p100.MinLoss, tiny); a < 50 {
			t.Errorf("doc %d: min_loss agrees to %.1f digits", i, a)
		}
		diff := new(bigmat.Dense).Sub(p50.WW.Clone().SetPrec(p100.Prec), p100.WW)
		scale := p100.WW.FrobeniusNorm()
		if scale.Sign() > 0 {
			if a := digitsAgree(new(big.Float).Add(scale, diff.FrobeniusNorm()), scale, tiny); a < 50 {
				t.Errorf("doc %d: ww agrees to %.1f digits", i, a)
			}
		}
	}
}

func TestRegularizedBiasRefused(t *testing.T) {
	in := mustParse(t, `{"targets":[[1]],"lambda_h":1,"lambda_w":1,"lambda_b":1,"d":1,"bias":"regularized"}`)
	if _, err := Predict(in, 20); err != ErrNoClosedForm {
		t.Fatalf("err = %v, want ErrNoClosedForm", err)
	}
}

// TestTinyLossNoCancellation: with c = 10^-600 in the full regime L* is
// about 10^-300 while tr Σ = 10; forming the inactive tail as
// tr Σ − Σσ_j (with rounded σ_j, here of a rotated Σ = 8q₁q₁ᵀ + 2q₂q₂ᵀ)
// once lost every digit of L*. Exactly:
// L* = 10^-300(√8 + √2) − 2·10^-600/2 = 3√2·10^-300 − 10^-600, MSE = 2·10^-600.
func TestTinyLossNoCancellation(t *testing.T) {
	in := mustParse(t, doc(rotatedBoundary, "1e-300", "1e-300", 2, "free"))
	p, err := Predict(in, 50)
	if err != nil {
		t.Fatal(err)
	}
	prec := p.Prec
	want := new(big.Float).SetPrec(prec).Sqrt(new(big.Float).SetPrec(prec).SetInt64(18))
	want.Mul(want, ratFloat("1e-300", prec))
	want.Sub(want, ratFloat("1e-600", prec))
	if a := digitsAgree(p.MinLoss, want, new(big.Float)); a < 50 {
		t.Errorf("min_loss = %s agrees with %s to %.1f digits", p.MinLoss.Text('g', 20), want.Text('g', 20), a)
	}
	checkClose(t, "train_mse", p.TrainMSE, "2e-600", 50)
}

// TestTinyLossStableAcrossPrecision: a generic (non-diagonal) Σ with
// c = 10^-600 has L* ≈ 10^-300 ≪ tr Σ; the 50- and 100-digit answers must
// agree to 50 digits, which fails if L* is formed with cancellation
// against tr Σ (the error would then be 10^-66·tr Σ and 10^-116·tr Σ).
func TestTinyLossStableAcrossPrecision(t *testing.T) {
	for _, name := range []string{"extreme-tiny-c-4x10", "extreme-target-scale-4x10"} {
		in, err := instance.Load(filepath.Join("testdata", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		checkStable(t, in)
	}
	checkStable(t, mustParse(t, doc(`[["1.5","-0.25","3"],["2","0.5","-1e-3"],["-1/3","2/7","0.9"],["4","1","-2"]]`, "1e-300", "1e-300", 3, "free")))
}

func checkStable(t *testing.T, in *instance.Instance) {
	t.Helper()
	p50, err := Predict(in, 50)
	if err != nil {
		t.Fatal(err)
	}
	p100, err := Predict(in, 100)
	if err != nil {
		t.Fatal(err)
	}
	if a := digitsAgree(p50.MinLoss, p100.MinLoss, new(big.Float)); a < 50 {
		t.Errorf("%s: min_loss %s (50 digits) vs %s (100 digits): %.1f digits", in.Name, p50.MinLoss.Text('g', 10), p100.MinLoss.Text('g', 10), a)
	}
}

// TestTrivialOneZeroLambdaUnique: Σ = 0 with exactly one λ zero. L* = 0
// forces the regularizer that is on to vanish, so W H = 0 and b* = ȳ is
// unique; with λ_H = 0 the forced W = 0 makes W*W*ᵀ = 0 unique too, with
// λ_W = 0 (H = 0, any W) it is not. Both were reported "not unique" (QA
// session 24), and verify skipped the comparisons.
func TestTrivialOneZeroLambdaUnique(t *testing.T) {
	for _, c := range []struct {
		doc    string
		wwUniq bool
	}{
		{`{"targets":[["1","2"],["1","2"]],"lambda_h":"0","lambda_w":"1/3","d":2}`, true},
		{`{"targets":[["1","2"],["1","2"]],"lambda_h":"1/3","lambda_w":"0","d":2}`, false},
	} {
		p, err := Predict(mustParse(t, c.doc), 30)
		if err != nil {
			t.Fatal(err)
		}
		if p.Regime != Trivial || !p.BiasUnique || p.WWUnique != c.wwUniq {
			t.Errorf("%s: regime %s, bias unique %v, ww unique %v (want %v)", c.doc, p.Regime, p.BiasUnique, p.WWUnique, c.wwUniq)
		}
		if p.B[0].Cmp(big.NewFloat(1)) != 0 || p.B[1].Cmp(big.NewFloat(2)) != 0 {
			t.Errorf("%s: b* = (%v, %v), want ȳ = (1, 2)", c.doc, p.B[0], p.B[1])
		}
		if c.wwUniq && (p.WW == nil || p.WW.FrobeniusNorm().Sign() != 0) {
			t.Errorf("%s: W*W*ᵀ %v, want 0", c.doc, p.WW)
		}
	}
}
