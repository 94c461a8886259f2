package theory

import (
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
)

// TestNoPanicUnresolvedSigma holds the QA reproducers (issue 8) on which
// fillRegularized took √ of a computed σ_j ≤ 0 (a positive eigenvalue far
// below σ_1, rounded through zero) or divided 0/0 in the shrinkage. Predict
// must not panic; on these instances the escalation resolves σ_j, so the
// values must also be right. Expected values from the QA reference
// /work/wt/qa/ref.py (exact characteristic polynomial, mpmath at 300
// digits), cross-checked by hand:
//
//   - tiny rotated tail: samples ±(−0.6, 0.8) and ±(8e−31, 6e−31), free
//     bias, so Σ = ½·u uᵀ + ½·10⁻⁶⁰·v vᵀ with orthonormal u, v: σ = 1/2 and
//     5e−61; c = 10⁻¹⁴⁰ so s_2 = 1 − √(c/σ_2) = 1 − √2·10⁻⁴⁰ (1 to 30
//     digits), train MSE = 2c.
//   - r3 (bias none, means 1e60): Σ = (1/6)[[2e120+2, 4e120], [4e120,
//     8e120+8]], det Σ = (32e120+16)/36, so σ_2 = det/σ_1 = 0.5333…
//     (8/15 up to 1e−120) and s_2 = 1 − √(0.01/σ_2) = 0.86306936…
func TestNoPanicUnresolvedSigma(t *testing.T) {
	const digits = 30
	for _, tc := range []struct {
		name, doc                 string
		sigma1, shrink1, trainMSE string
	}{
		{"tiny-tail", `{"targets":[["-0.6","0.8"],["8e-31","6e-31"],["0.6","-0.8"],["-8e-31","-6e-31"]],"lambda_h":"1e-70","lambda_w":"1e-70","d":2,"digits":30}`,
			"5e-61", "0.99999999999999999999999999999999999999985857864376269", "2e-140"},
		{"r3", `{"targets":[["1e60","2e60"],["1e60","2e60"],["1","0"],["-1","0"],["0","2"],["0","-2"]],"lambda_h":"1/10","lambda_w":"1/10","d":2,"bias":"none","digits":30}`,
			"0.533333333333333333333333333333333333", "0.863069360623708471635757554299799466", "0.02"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Predict(mustParse(t, tc.doc), digits)
			if err != nil {
				t.Fatal(err)
			}
			if p.Justified.Sigma < digits || p.Justified.Shrinkage < digits {
				t.Fatalf("justified %+v, want %d for sigma and shrinkage (warnings %q)", p.Justified, digits, p.Warnings)
			}
			checkOwnSize(t, "sigma_2", p.Sigma[1], tc.sigma1, digits)
			checkClose(t, "shrinkage_2", p.Shrinkage[1], tc.shrink1, digits)
			checkOwnSize(t, "train_mse", p.TrainMSE, tc.trainMSE, digits)
		})
	}
}

// checkOwnSize is checkClose relative to |want| itself (want ≠ 0).
func checkOwnSize(t *testing.T, what string, got *big.Float, want string, digits int) {
	t.Helper()
	w := ratFloat(want, got.Prec())
	if a := digitsAgree(got, w, new(big.Float).Abs(w)); a < float64(digits) {
		t.Errorf("%s = %s, want %s (agree to %.1f digits relative to itself, need %d)", what, got.Text('g', 30), want, a, digits)
	}
}

// TestUnresolvedNeverPrintsZero: a quantity with no justified digit must
// print "" (docs/formats.md, "Digits per quantity"), never "0", which
// would be a wrong number. QA reproducers (issue 8, testdata/qa), truths
// from /work/wt/qa/ref.py (exact characteristic polynomial) and by hand:
//
//   - r4: samples ±(−0.6, 0.8), ±(8e−151, 6e−151), free bias: σ = 1/2 and
//     ½·10⁻³⁰⁰ = 5e−301 (as in TestNoPanicUnresolvedSigma); was "0".
//   - r5: σ_2 = 1/4 up to 1e−300 (see verify's TestCompareUnresolvedSigmaNoPanic);
//     was "0".
//   - h1_n2_e1: σ_1 − c = 10⁻³⁰⁰·c-ish, active shrinkage 1e−300; was "0".
//
// Exact zeros (σ_j beyond rank Σ, shrinkage beyond r) still print "0".
func TestUnresolvedNeverPrintsZero(t *testing.T) {
	for _, tc := range []struct {
		file          string
		sigma, shrink []string // truths; "0" only where exactly zero
	}{
		{"r4.json", []string{"0.5", "5e-301"}, nil},
		{"r5.json", []string{"2.5e300", "0.25"}, []string{"1", "0"}},
		{"h1_n2_e1.json", nil, []string{"1e-300", "0"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join("testdata", "qa", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			in := mustParse(t, string(doc))
			p, err := Predict(in, 0)
			if err != nil {
				t.Fatal(err)
			}
			checkPrinted(t, "sigma", p.SigmaText(p.Digits), tc.sigma)
			checkPrinted(t, "shrinkage", p.ShrinkageText(p.Digits), tc.shrink)
			if p.WW == nil {
				return
			}
			for i, row := range MatrixText(p.WW, p.Justified.WW) {
				for j, s := range row {
					if s == "0" && p.Justified.WW == 0 {
						t.Errorf("ww[%d][%d] printed %q with 0 justified digits", i, j, s)
					}
				}
			}
		})
	}
}

// checkPrinted checks each printed number against its truth: "" is always
// honest; "0" only for a true 0; any other text must agree with the truth
// to as many significant digits as it shows, less one for the rounding of
// the last.
func checkPrinted(t *testing.T, what string, got, want []string) {
	t.Helper()
	for j, w := range want {
		g := got[j]
		switch {
		case g == "":
			continue
		case g == "0" || w == "0":
			if g != w {
				t.Errorf("%s_%d printed %q, truth %s", what, j+1, g, w)
			}
			continue
		}
		shown := significant(g)
		x := ratFloat(g, 2000)
		y := ratFloat(w, 2000)
		if a := digitsAgree(x, y, new(big.Float).Abs(y)); a < float64(shown-1) {
			t.Errorf("%s_%d printed %q (%d digits), truth %s: agrees to %.1f", what, j+1, g, shown, w, a)
		}
	}
}

// significant counts the significant digits of a printed number.
func significant(s string) int {
	mant, _, _ := strings.Cut(strings.TrimPrefix(s, "-"), "e")
	return len(strings.TrimLeft(strings.ReplaceAll(mant, ".", ""), "0"))
}

// TestUnresolvedCutoff is QA reproducer r6 (issue 8): d = 1 and σ_1, σ_2
// differ by about 1e−250 relative (the targets are built so), beyond what
// the precision cap at 30 digits separates. The theory cannot tell
// whether W*W*ᵀ and the predictions are unique, and must say so in
// Unresolved (not only WWUnique = false, which also means "not unique by
// docs/theory.md"). Contrast: an exact tie (±e_1, ±e_2, σ_1 = σ_2 = 1/2)
// is certified, so it is "not unique" and nothing is unresolved.
func TestUnresolvedCutoff(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("testdata", "qa", "r6.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Predict(mustParse(t, string(doc)), 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.WWUnique || p.PredictionUnique || !slices.Equal(p.Unresolved, []string{"ww", "predictions"}) {
		t.Errorf("r6: WWUnique %v, PredictionUnique %v, Unresolved %q; want false, false, [ww predictions]", p.WWUnique, p.PredictionUnique, p.Unresolved)
	}
	tie, err := Predict(mustParse(t, doc2(`[["1","0"],["-1","0"],["0","1"],["0","-1"]]`)), 30)
	if err != nil {
		t.Fatal(err)
	}
	if tie.WWUnique || len(tie.Unresolved) != 0 {
		t.Errorf("exact tie: WWUnique %v, Unresolved %q; want false and none", tie.WWUnique, tie.Unresolved)
	}
}

func doc2(targets string) string { return doc(targets, "1/100", "1/100", 1, "free") }

// TestDeepUnresolvedSigma: the tiny rotated tail of TestNoPanicUnresolvedSigma
// in a two-weight-layer model (found after the QA run, issue 8). With the
// tail at 1e−30 the computed σ_2 first rounds to 0, and ScalarMinimizer's
// Newton step divided 0/0 (panic); with escalation σ_2 = ½·10⁻⁶⁰ = 5e−61
// (by hand, as in the shallow case) to 30 digits. With the tail at 1e−150
// (σ_2 = 5e−301, beyond the precision cap) σ_2 was printed "0" with 30
// justified digits; it must print "" instead.
func TestDeepUnresolvedSigma(t *testing.T) {
	deep := func(e string) string {
		return `{"targets":[["-0.6","0.8"],["8` + e + `","6` + e + `"],["0.6","-0.8"],["-8` + e + `","-6` + e + `"]],"lambda_h":"1e-70","lambdas":["1e-70","1e-70"],"layers":2,"widths":[2],"d":2,"digits":30}`
	}
	p, err := Predict(mustParse(t, deep("e-31")), 30)
	if err != nil {
		t.Fatal(err)
	}
	if p.Justified.Sigma < 30 {
		t.Fatalf("e-31: σ justified to %d digits, want 30", p.Justified.Sigma)
	}
	checkOwnSize(t, "sigma_2", p.Sigma[1], "5e-61", 30)
	p, err = Predict(mustParse(t, deep("e-151")), 30)
	if err != nil {
		t.Fatal(err)
	}
	checkPrinted(t, "sigma", p.SigmaText(p.Digits), []string{"0.5", "5e-301"})
}

// QA h2_n3_t1_l3: σ = 3, 4/3 and 10⁻³⁰⁰/3 rotated, c = 10⁻³²⁰. The
// smallest σ is lost in rounding at every precision up to the cap, and the
// two evaluations then agreed on a shrinkage of 1 where the truth is
// 1 − √(c/σ_3) = 1 − √(3·10⁻²⁰) = 0.99999999982679… (9 correct digits).
// A shrinkage factor is no better known than its σ_j: "" (unresolved), or
// the right digits.
func TestShrinkageNoBetterThanSigma(t *testing.T) {
	in, err := instance.Load("testdata/qa-h2-n3-t1-l3.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Predict(in, 30)
	if err != nil {
		t.Fatal(err)
	}
	got := p.ShrinkageText(30)
	truth := []string{"1", "1", "0.999999999826794919243112270647"}
	for j, s := range got {
		if s != "" && s != truth[j] {
			t.Errorf("shrinkage_%d printed %q; the truth is %s (or \"\" when σ_%d is unresolved)", j+1, s, truth[j], j+1)
		}
	}
	if p.Justified.Shrinkage > p.Justified.Sigma {
		t.Errorf("shrinkage justified to %d digits, its σ only to %d", p.Justified.Shrinkage, p.Justified.Sigma)
	}
}
