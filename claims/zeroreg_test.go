package claims

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/ratmat"
	"github.com/nrc-ufm/ufm/proofs"
	"github.com/nrc-ufm/ufm/theory"
)

// issue8GramFree is the instance of issue 8, item 6: Σ = diag(32, 1/2),
// λ = 0, d = 2. Every diagonal Gram (all the old check tried) is on the
// NRC3 curve, but W = [[1, 1], [0, 1]], H = W⁻¹Ỹ fits exactly with
// NRC3 ≈ 0.406: the old check said "fails".
var issue8GramFree = [][]string{{"8", "0"}, {"-8", "0"}, {"0", "1"}, {"0", "-1"}}

// TestGramFreeIssue8FalseFail: the instance and its 10⁴-scaled copy hold,
// with an exact witness.
func TestGramFreeIssue8FalseFail(t *testing.T) {
	for _, scale := range []string{"1", "10000"} {
		targets := scaled(t, issue8GramFree, scale)
		out := wantVerdict(t, "gram-free-at-zero", mk(t, targets, "0", "0", 2, free), proofs.Holds, "exact minimizer", "does not commute with Σ")
		if !out.Exact {
			t.Errorf("scale %s: the witness is not exact: %s", scale, out.Reason)
		}
	}
}

// TestNRC3Issue8Values: nrc3 on the issue's Gram and on the check's
// witness, against values computed independently with mpmath at 40 digits
// (Σ^{1/2} from mpmath.eigsy, γ by a 2000-point grid refined by golden
// section): W = [[1,1],[0,1]] gives 0.40605541480911556147… at γ = 0 (an
// endpoint), W = C(I + E₁₂) = [[8,8],[0,1]] gives 0.00776654835828863947…
// at γ ≈ 0.4464. The tolerance 1e-20 is far above both the 30-digit
// working precision and mpmath's error.
func TestNRC3Issue8Values(t *testing.T) {
	in := mk(t, issue8GramFree, "0", "0", 2, free)
	pred, err := theory.Predict(in, 30)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		w    []int64
		want string
	}{
		{[]int64{1, 1, 0, 1}, "0.40605541480911556147222568851"},
		{[]int64{8, 8, 0, 1}, "0.00776654835828863947533499655"},
	} {
		w := ratmat.FromInts(2, 2, tc.w...)
		got, _, err := nrc3(ratmat.Mul(w, w.T()).Dense(pred.Prec), pred)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := new(big.Float).SetPrec(pred.Prec).SetString(tc.want)
		diff := new(big.Float).Sub(got, want)
		if diff.Abs(diff).Cmp(big.NewFloat(1e-20)) > 0 {
			t.Errorf("W = %v: NRC3 = %s, want %s", tc.w, got.Text('g', 25), tc.want)
		}
	}
}

// scaled multiplies every target by s (a decimal string).
func scaled(t *testing.T, targets [][]string, s string) [][]string {
	t.Helper()
	k := num(t, s)
	out := make([][]string, len(targets))
	for i, row := range targets {
		for _, v := range row {
			out[i] = append(out[i], new(big.Rat).Mul(num(t, v), k).RatString())
		}
	}
	return out
}

// TestGramFreeFailsOnlyWithProof: on 300 (60 with -short) generated zero-regularization
// instances (the claim's own generator), a fail happens only where the
// claim's analysis, recomputed here in float64 from the spectrum, says no
// minimizer escapes the curve; scaling the targets by 10⁴ never changes the
// verdict; and the checks are exact wherever they fail.
func TestGramFreeFailsOnlyWithProof(t *testing.T) {
	c := claim(t, "gram-free-at-zero")
	rng := rand.New(rand.NewPCG(8, 6))
	counts := map[proofs.Verdict]int{}
	trials := 300
	if testing.Short() {
		trials = 60 // the race detector's run
	}
	for trial := 0; trial < trials; trial++ {
		in := c.Generate(rng, proofs.GenOptions{})
		in.Digits = 30
		out := proofs.CheckOne(c, in, proofs.CheckConfig{Seed: 1})
		counts[out.Verdict]++
		if out.Verdict == proofs.Fails {
			if !out.Exact {
				t.Errorf("%s: a fail without an exact proof: %s", in.Name, out.Reason)
			}
			if why := mustHold(in); why != "" {
				t.Errorf("%s: fails, but %s (%s)", in.Name, why, out.Reason)
			}
		}
		up := in.Clone()
		k := big.NewRat(10000, 1)
		for _, row := range up.Targets {
			for _, v := range row {
				v.Mul(v, k)
			}
		}
		if out2 := proofs.CheckOne(c, up, proofs.CheckConfig{Seed: 1}); out2.Verdict != out.Verdict {
			t.Errorf("%s: verdict %s, ×10⁴: %s (%s | %s)", in.Name, out.Verdict, out2.Verdict, out.Reason, out2.Reason)
		}
	}
	t.Logf("verdicts: %v", counts)
	if counts[proofs.Holds] == 0 || counts[proofs.Fails] == 0 {
		t.Errorf("the generator should produce both verdicts: %v", counts)
	}
}

// mustHold returns why the claim's analysis says some minimizer escapes
// the curve (so a fail would be false), or "" when a fail is possible:
// n = 1, Σ = 0, d = 1 with rank Ỹ = 1, or d = 1 with rank Ỹ = n and
// σ₁ > σ₂ = ⋯ = σ_n. Eigenvalues in float64, equal within 1e-9 relative
// (generated spectra are far from that unless exactly tied).
func mustHold(in *instance.Instance) string {
	n := in.N()
	s := in.Sigma()
	sym := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v, _ := s[i][j].Float64()
			sym.SetSym(i, j, v)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, false) {
		return "" // cannot tell: no claim made
	}
	vals := eig.Values(nil) // ascending
	top := vals[n-1]
	rank := 0
	for _, v := range vals {
		if v > 1e-9*top {
			rank++
		}
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*top }
	switch {
	case n == 1 || rank == 0 || in.D == 1 && rank == 1:
		return ""
	case in.D == 1 && rank == n && !near(vals[n-1], vals[n-2]) && near(vals[n-2], vals[0]):
		return ""
	}
	return "n ≥ 2, Σ ≠ 0 and (d ≥ 2 or a d = 1 spectrum that is not σ₁ > σ₂ = ⋯ = σ_n with full rank)"
}

// TestNRC3NumericalFailureIsNotAVerdict: when Σ^{1/2} cannot be formed,
// nrc3 returns an error (the old code returned 0, which reads as
// collapse), and no check turns it into a fail.
func TestNRC3NumericalFailureIsNotAVerdict(t *testing.T) {
	saved := sqrtPSD
	sqrtPSD = func(*bigmat.Dense) (*bigmat.Dense, error) { return nil, errors.New("injected failure") }
	defer func() { sqrtPSD = saved }()

	in := mk(t, issue8GramFree, "0", "0", 2, free)
	pred, err := theory.Predict(in, 30)
	if err != nil {
		t.Fatal(err)
	}
	if v, _, err := nrc3(pred.SigmaMatrix, pred); err == nil {
		t.Fatalf("nrc3 returned %v without an error", v)
	}
	// d ≥ rank Ỹ: the witness is exact; only the reported value is lost.
	out := wantVerdict(t, "gram-free-at-zero", in, proofs.Holds, "could not be computed")
	if !out.Exact {
		t.Error("exact witness lost")
	}
	// λ > 0, decided exactly: only the reported value is lost.
	distinct := [][]string{{"3", "0", "0"}, {"-3", "0", "0"}, {"0", "2", "0"}, {"0", "-2", "0"}, {"0", "0", "1"}, {"0", "0", "-1"}}
	if out := check(t, "gram-free-at-zero", mk(t, distinct, "1", "3/2", 3, free)); out.Verdict != proofs.Holds || !out.Exact || !strings.Contains(out.Reason, "could not be computed") {
		t.Errorf("λ > 0: %s (%s), want an exact holds whose value could not be computed", out.Verdict, out.Reason)
	}
	// d < rank Ỹ (witness at the working precision): the decision needs
	// NRC3, so inconclusive.
	if out := check(t, "gram-free-at-zero", mk(t, distinct, "0", "0", 1, free)); out.Verdict != proofs.Inconclusive || !strings.Contains(out.Reason, "injected failure") {
		t.Errorf("λ = 0, d < rank Ỹ: %s (%s), want inconclusive naming the failure", out.Verdict, out.Reason)
	}
}

// TestGramFreePositiveLambdas: outside the hypotheses (λ_H, λ_W > 0), a
// fail is an exact argument that A* is on the curve.
func TestGramFreePositiveLambdas(t *testing.T) {
	// Σ = diag(3, 4/3, 1/3) (bias free, M = 6 samples ±e_k scaled).
	sp := [][]string{{"3", "0", "0"}, {"-3", "0", "0"}, {"0", "2", "0"}, {"0", "-2", "0"}, {"0", "0", "1"}, {"0", "0", "-1"}}
	for _, tc := range []struct {
		name    string
		targets [][]string
		lh, lw  string
		d       int
		want    proofs.Verdict
		has     string
	}{
		{"full regime", sp, "1/10", "1", 3, proofs.Fails, "every direction active"},
		// Three distinct eigenvalues, σ₃ = 1/3 < c = 1: off the curve.
		{"partial, three levels", sp, "1", "1", 3, proofs.Holds, "NRC3 > 0"},
		{"partial, inactive σ = c", sp, "1", "1/3", 3, proofs.Fails, "equals c"},
		// Σ = diag(1, 0): two levels, the larger of multiplicity r = 1.
		{"partial, Σ scalar on its range", [][]string{{"1", "0"}, {"-1", "0"}}, "1/10", "1/10", 2, proofs.Fails, "two distinct eigenvalues"},
		// n = 2, r = 1: always on the curve (Σ = diag(9/2, 2), c = 3).
		{"n = 2, one direction active", [][]string{{"3", "0"}, {"-3", "0"}, {"0", "2"}, {"0", "-2"}}, "3", "1", 2, proofs.Fails, "two distinct eigenvalues"},
		// Bias none, Y = blockdiag([[2,1],[1,1]], same), M = 4: Σ has the
		// eigenvalues (7 ± 3√5)/8 ≈ 1.71, 0.0365, each twice (irrational
		// conjugates); c = 1/4 keeps the upper pair: on the curve.
		{"irrational two levels", [][]string{{"2", "1", "0", "0"}, {"1", "1", "0", "0"}, {"0", "0", "2", "1"}, {"0", "0", "1", "1"}}, "1/2", "1/2", 4, proofs.Fails, "two distinct eigenvalues"},
		{"trivial", sp, "10", "10", 3, proofs.Fails, "trivial"},
		// Bias none, Σ = diag(9/2, 2, 0), c = 1e-60: A* is off the curve
		// (σ₁ ≠ σ₂, σ₃ = 0 < c), but NRC3(A*) ≈ 1e-60 is far below what 30
		// digits resolve: reported as a bound, never as digits.
		{"tiny c", [][]string{{"3", "0", "0"}, {"0", "2", "0"}}, "1e-30", "1e-30", 3, proofs.Holds, "NRC3 < 1e-15, below what 30 working digits resolve"},
	} {
		bias := free
		if tc.name == "irrational two levels" || tc.name == "tiny c" {
			bias = instance.BiasNone
		}
		out := wantVerdict(t, "gram-free-at-zero", mk(t, tc.targets, tc.lh, tc.lw, tc.d, bias), tc.want, tc.has)
		if !out.Exact {
			t.Errorf("%s: a verdict without an exact argument: %s", tc.name, out.Reason)
		}
	}
}

// TestGramFreePositiveAgreesWithNRC3: outside the hypotheses, on generated
// instances with a unique A*, the exact decision agrees with NRC3(A*)
// computed at 30 digits: a fail has NRC3 ≤ 1e-20 (rounding at 30 digits),
// and NRC3 > 1e-10 is a holds. (Between the two, only holds is possible:
// with tiny λ's, NRC3(A*) is positive but far below 30 digits — e.g.
// ∝ √c for Σ with eigenvalues σ₁ ≠ σ₂ > 0 = σ₃.)
func TestGramFreePositiveAgreesWithNRC3(t *testing.T) {
	c := claim(t, "gram-free-at-zero")
	rng := rand.New(rand.NewPCG(14, 9))
	counts := map[proofs.Verdict]int{}
	trials := 200
	if testing.Short() {
		trials = 60
	}
	for trial := 0; trial < trials; trial++ {
		in := c.Generate(rng, proofs.GenOptions{Outside: true})
		in.Digits = 30
		out := proofs.CheckOne(c, in, proofs.CheckConfig{Seed: 1})
		pred, err := theory.Predict(in, 30)
		if err != nil {
			t.Fatal(err)
		}
		if out.Verdict == proofs.Inconclusive || pred.Rank == 0 || pred.Rank == pred.N {
			continue
		}
		v, _, err := nrc3(pred.WW, pred)
		if err != nil {
			t.Fatal(err)
		}
		fails := out.Verdict == proofs.Fails
		counts[out.Verdict]++
		if fails && v.Cmp(big.NewFloat(1e-20)) > 0 || !fails && v.Cmp(big.NewFloat(1e-10)) > 0 && out.Verdict != proofs.Holds {
			t.Errorf("%s: %s, but NRC3(A*) = %s (%s)", in.Name, out.Verdict, v.Text('g', 5), out.Reason)
		}
	}
	t.Logf("compared: %v", counts)
	if counts[proofs.Fails] == 0 || counts[proofs.Holds] == 0 {
		t.Errorf("both verdicts should occur: %v", counts)
	}
}

// TestTwoLevelTop: the exact decision of σ₁ > σ₂ = ⋯ = σ_n, on rotated
// spectra (a rational rotation keeps Σ rational), against hand-known
// answers.
func TestTwoLevelTop(t *testing.T) {
	// Q = Cayley transform of a rational skew matrix: orthogonal, rational.
	skew := ratmat.FromInts(3, 3, 0, 1, 2, -1, 0, 3, -2, -3, 0)
	q := ratmat.Cayley(skew)
	for _, tc := range []struct {
		diag []int64
		want bool
	}{
		{[]int64{5, 1, 1}, true},
		{[]int64{5, 5, 1}, false}, // σ₁ = σ₂
		{[]int64{5, 2, 1}, false}, // σ₂ ≠ σ₃
		{[]int64{3, 3, 3}, false}, // Σ ∝ I
		{[]int64{7, 0, 0}, true},  // rank one (d = 1 < ρ does not arise, but the algebra holds)
	} {
		d := ratmat.New(3, 3)
		for i, v := range tc.diag {
			d.At(i, i).SetInt64(v)
		}
		sigma := ratmat.Mul3(q, d, q.T())
		if got, why := twoLevelTop(sigma); got != tc.want {
			t.Errorf("spectrum %v: %v (%s), want %v", tc.diag, got, why, tc.want)
		}
	}
}
