package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// QA session 21 (helper 31) found the --digits path of metrics printing
// digits it did not have. References: the QA's mpmath implementation of
// docs/theory.md §4 at 100–150 digits, quoted in each case.

func qa21Metrics(t *testing.T, dir, h, w, y string, args ...string) map[string]any {
	t.Helper()
	base := filepath.Join("testdata", "metrics", "qa21", dir)
	all := append([]string{"metrics", "--features", filepath.Join(base, h), "--weights", filepath.Join(base, w), "--targets", filepath.Join(base, y), "--json"}, args...)
	code, out, errs := runCmd(t, all...)
	if code != exitOK {
		t.Fatalf("%s: exit %d: %s", dir, code, errs)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// --digits 3 used 10^-2 of the largest row norm as the zero tolerance and
// dropped 12 real feature vectors (nrc1 0.458, nrc2 0.566; mpmath 0.508,
// 0.621); --digits 1 and 2 called the features collapsed.
func TestMetricsLowDigitsKeepFeatures(t *testing.T) {
	for _, c := range []struct {
		digits     string
		nrc1, nrc2 string
	}{{"3", "0.508", "0.621"}, {"2", "0.51", "0.62"}, {"1", "0.5", "0.6"}} {
		doc := qa21Metrics(t, "lowdigits-random", "H.npy", "W.npy", "Y.npy", "--digits", c.digits)
		if doc["nrc1"] != c.nrc1 || doc["nrc2"] != c.nrc2 {
			t.Errorf("--digits %s: nrc1 %v nrc2 %v, want %s %s", c.digits, doc["nrc1"], doc["nrc2"], c.nrc1, c.nrc2)
		}
		if notes := strings.Join(asStrings(doc["notes"]), " "); strings.Contains(notes, "vanish") || strings.Contains(notes, "nearly equal") {
			t.Errorf("--digits %s: false notes %s", c.digits, notes)
		}
	}
}

// Exactly collapsed integer features (true NRC1 = NRC2 = 0, EVR[3…] = 0)
// printed 1.5e-164 and 5.3e-85 with 25 digits; now bounds.
func TestMetricsExactZeroIsABound(t *testing.T) {
	doc := qa21Metrics(t, "exact-collapse", "H.npy", "W.npy", "Y.npy", "--digits", "25")
	for _, f := range []string{"nrc1", "nrc2"} {
		if s, _ := doc[f].(string); !strings.HasPrefix(s, "< ") {
			t.Errorf("%s = %v, true value 0: want a bound \"< x\"", f, doc[f])
		}
	}
	evr := asStrings(doc["evr"])
	for i := 3; i < len(evr); i++ {
		if !strings.HasPrefix(evr[i], "< ") {
			t.Errorf("evr[%d] = %s, true value 0", i, evr[i])
		}
	}
}

// The feature covariance is exactly 0.8·I with n = 1: P_n, and so NRC1, is
// undefined (any value in [0.2, 0.8]); --digits 30 printed "0.8".
func TestMetricsExactTieUndefined(t *testing.T) {
	doc := qa21Metrics(t, "tie2d", "H.csv", "W.csv", "Y.csv", "--digits", "30")
	if doc["nrc1"] != nil {
		t.Errorf("nrc1 = %v, want null (P_n undefined)", doc["nrc1"])
	}
}

// W's second row is 2·row 1 + 10^-31·v, read exactly: rank 2 (--digits 30
// said rank 1 and printed NRC2 0.8058…, all 30 digits wrong); NRC2 by the
// definition is 0.5586913347532306638… (mpmath). σ_min went through
// float64 and printed 17 digits, the last wrong (mpmath
// 0.578246849455896341997).
func TestMetricsExactRankAndSigmaMin(t *testing.T) {
	doc := qa21Metrics(t, "rankW-exact", "H.csv", "W31.csv", "Y.csv", "--digits", "30")
	if doc["weights_rank"] != 2.0 || !strings.HasPrefix(doc["nrc2"].(string), "0.5586913347532306638") {
		t.Errorf("weights_rank %v, nrc2 %v; want 2 and 0.5586913347532306638…", doc["weights_rank"], doc["nrc2"])
	}
	doc = qa21Metrics(t, "sigma-min-17", "H.npy", "W.npy", "Y.npy", "--digits", "30")
	if s := doc["sigma_min"].(string); !agreesToPrinted(t, s, "0.578246849455896341997") && sigDigits(s) <= 21 || !strings.HasPrefix(s, "0.57824684945589634") {
		t.Errorf("sigma_min %s, mpmath 0.578246849455896341997", s)
	}
}

func asStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// The float64 path. Each JSON value comes with an absolute error bound
// (nrc1_error, nrc2_error, nrc3_error, evr_error), and the human report
// prints only the digits the bound leaves. References (mpmath, QA):
//   - offset: features 0.5·N(0,1) + 10^12 (spread 10^-12 of the offset),
//     NRC1 = 0.695652913960124399, NRC2 = 0.741809080845217160 (mpmath
//     at 50 digits on the float64 input); float64 said "collapsed to a
//     point" (a 10^-12 zero tolerance);
//   - exact-collapse: NRC1 = NRC2 = 0 exactly, printed 1.42572e-30;
//   - collapsed-float-evr: EVR[2…] ≈ 1.5e-33, printed 9.08e-17 …;
//   - nrc3-zero: NRC3 = 0 exactly (at γ = 1/4), printed 2.77334e-32;
//   - tie2d: covariance exactly 0.8·I, n = 1: NRC1 undefined, printed 0.2.
func TestMetricsFloat64Bounds(t *testing.T) {
	doc := qa21Metrics(t, "offset", "H1e+12.npy", "W.npy", "Y.npy")
	if doc["features_collapsed"] == true {
		t.Fatalf("offset: features called collapsed: %v", doc["notes"])
	}
	withinBound(t, "offset nrc1", doc["nrc1"], doc["nrc1_error"], 0.69565291396012439865)
	withinBound(t, "offset nrc2", doc["nrc2"], doc["nrc2_error"], 0.74180908084521715955)
	if b := doc["nrc1_error"].(float64); b > 0.05 {
		t.Errorf("offset: nrc1_error %v is too loose to be useful", b)
	}
	doc = qa21Metrics(t, "exact-collapse", "H.npy", "W.npy", "Y.npy")
	withinBound(t, "exact-collapse nrc1", doc["nrc1"], doc["nrc1_error"], 0)
	withinBound(t, "exact-collapse nrc2", doc["nrc2"], doc["nrc2_error"], 0)
	doc = qa21Metrics(t, "collapsed-float-evr", "Hc.npy", "Wc.npy", "Yc.npy")
	evr := doc["evr"].([]any)
	for i, want := range []float64{1.53043e-33, 1.26137e-33, 8.90111e-34, 5.65947e-34, 4.44037e-34} {
		if 2+i < len(evr) {
			withinBound(t, fmt.Sprintf("evr[%d]", 2+i), evr[2+i], doc["evr_error"], want)
		}
	}
	doc = qa21Metrics(t, "nrc3-zero", "H4.csv", "W4.csv", "Y.csv")
	withinBound(t, "nrc3-zero nrc3", doc["nrc3"], doc["nrc3_error"], 0)
	doc = qa21Metrics(t, "tie2d", "H.csv", "W.csv", "Y.csv")
	if doc["nrc1"] != nil || doc["nrc1_undefined"] == nil {
		t.Errorf("tie2d: nrc1 %v, nrc1_undefined %v; want null with a reason", doc["nrc1"], doc["nrc1_undefined"])
	}
	// The human report prints the exact zeros as bounds.
	base := filepath.Join("testdata", "metrics", "qa21", "exact-collapse")
	_, text, _ := runCmd(t, "metrics", "--features", filepath.Join(base, "H.npy"), "--weights", filepath.Join(base, "W.npy"), "--targets", filepath.Join(base, "Y.npy"))
	if !strings.Contains(text, "NRC1 = < ") || !strings.Contains(text, "NRC2 = < ") {
		t.Errorf("exact-collapse report does not print NRC1, NRC2 as bounds:\n%s", text)
	}
}

// QA session 21, second metrics round (helper 32), mpmath references:
//   - offset-zero-skip: a common offset of 1.1e14 on a spread of 1; 13 of
//     26 real vectors fell under the zero tolerance and were skipped
//     without entering the bound: nrc2 0.498 ± 0.036, true 0.99541856;
//   - unnormalized: bounds were 0; true NRC1 1.00446e-27, NRC2 2.13178e-27
//     (printed 3.6e-27, 4.7e-27 with 6 digits);
//   - digits-neartie: a gap of 10^-45 in the feature covariance, true NRC1
//     exactly 0.8; --digits 3 printed 0.797, --digits 20 0.7969848…;
//   - digits-rankW: W of exact rank 2 (a 10^-31 perturbation), true NRC2
//     0.31957211512424295552390393726971913 (the QA's mpmath ref.py at 150
//     digits); --digits 1–20 said rank 1 and printed 0.765….
func TestMetricsBoundsRound2(t *testing.T) {
	qa := func(dir, h, w, y string, args ...string) map[string]any {
		t.Helper()
		return qa21Metrics(t, filepath.Join("..", "qa21b", dir), h, w, y, args...)
	}
	doc := qa("offset-zero-skip", "H.npy", "W.npy", "Y.npy")
	withinBound(t, "offset-zero-skip nrc2", doc["nrc2"], doc["nrc2_error"], 0.99541856)
	doc = qa("unnormalized", "H.npy", "W.npy", "Y.npy", "--normalize=false")
	withinBound(t, "unnormalized nrc1", doc["nrc1"], doc["nrc1_error"], 1.00446e-27)
	withinBound(t, "unnormalized nrc2", doc["nrc2"], doc["nrc2_error"], 2.13178e-27)
	for _, d := range []string{"3", "20", "30"} {
		doc = qa("digits-neartie", "Hgap45.csv", "W.csv", "Y.csv", "--digits", d)
		if s, ok := doc["nrc1"].(string); ok && !strings.HasPrefix(s, "0.8") && !strings.HasPrefix(s, "0.79999999999999999999") {
			t.Errorf("gap 1e-45, --digits %s: nrc1 %q, true 0.8 exactly", d, s)
		}
	}
	for _, d := range []string{"1", "3", "10", "20"} {
		doc = qa("digits-rankW", "H3.csv", "Wr31.csv", "Y3.csv", "--digits", d)
		s, _ := doc["nrc2"].(string)
		if doc["weights_rank"] != 2.0 || (s != "" && !agreesToPrinted(t, s, "0.3195721151242429555239039372697191326203")) {
			t.Errorf("--digits %s: weights_rank %v, nrc2 %q; want 2 and 0.319572115…", d, doc["weights_rank"], s)
		}
	}
}

// σ_min and γ of the float64 path carry bounds too (QA session 21, round
// 2; mpmath): s17 σ_min = 6.1697e-17 (printed 1.249e-16), s16 γ = 4.7452e-19
// (printed an exact 0), zero/ σ_min = 0 exactly (printed 3.90694e-18).
func TestMetricsSigmaMinBounds(t *testing.T) {
	for _, c := range []struct {
		dir, field, errField string
		want                 float64
	}{
		{"s17", "sigma_min", "sigma_min_error", 6.1697e-17},
		{"s16", "nrc3_gamma", "nrc3_gamma_error", 4.7452e-19},
		{"zero", "sigma_min", "sigma_min_error", 0},
	} {
		doc := qa21Metrics(t, filepath.Join("..", "qa21b", "sigma-min-float64", c.dir), "H.npy", "W.npy", "Y.npy")
		g, ok1 := doc[c.field].(float64)
		b, ok2 := doc[c.errField].(float64)
		if !ok1 || !ok2 || math.Abs(g-c.want) > b {
			t.Errorf("%s: %s = %v ± %v, true %v", c.dir, c.field, doc[c.field], doc[c.errField], c.want)
		}
	}
}

// Entries near the float64 limit (0.5e308–1.5e308): the column sums and
// row norms of the first pass overflowed before the power-of-2 scaling,
// and metrics exited 2 ("eigendecomposition failed") on valid input, or
// gave NRC3 null with a NaN reason. mpmath (QA session 21): NRC1 0.199984,
// NRC2 0.228818, NRC3 0.519012 (6 digits).
func TestMetricsNearFloat64Limit(t *testing.T) {
	near := func(name string, got any, want float64) {
		t.Helper()
		if g, ok := got.(float64); !ok || math.Abs(g-want) > 1e-6 {
			t.Errorf("%s = %v, mpmath %v", name, got, want)
		}
	}
	dir := filepath.Join("..", "qa21b", "overflow-mean")
	doc := qa21Metrics(t, dir, "H2.npy", "W2.npy", "Y2.npy")
	near("nrc1", doc["nrc1"], 0.199984)
	near("nrc2", doc["nrc2"], 0.228818)
	doc = qa21Metrics(t, dir, "H3.npy", "W2.npy", "Y3.npy")
	near("nrc3", doc["nrc3"], 0.519012)
}

// withinBound checks that a printed float64 value (JSON) lies within its
// printed bound of the true value.
func withinBound(t *testing.T, name string, got, bound any, want float64) {
	t.Helper()
	g, ok1 := got.(float64)
	b, ok2 := bound.(float64)
	if !ok1 || !ok2 || math.Abs(g-want) > b {
		t.Errorf("%s = %v ± %v, true %v", name, got, bound, want)
	}
}

// QA session 21, third metrics round (helper 33), mpmath at 150 digits:
//   - gamma-bound-f32: γ = 0.00139128363173127392, printed ± 1.96e-16 with
//     an error of 3.13e-16 (the bound now has a factor 4 of margin);
//   - sigma-min-underflow: σ_min = 4.352e-502 printed as an exact 0 ± 0
//     (now null, with a note);
//   - series-nan-1e307: data near 1e307 made series exit 1 ("json:
//     unsupported value: NaN") and write nothing;
//   - series-gamma: γ = 0 printed 6.934e-17 with 4 digits and no bound.
func TestMetricsRound3(t *testing.T) {
	base := filepath.Join("..", "qa21c")
	doc := qa21Metrics(t, filepath.Join(base, "gamma-bound-f32"), "H.npy", "W.npy", "Y.npy")
	withinBound(t, "gamma-bound-f32 nrc3_gamma", doc["nrc3_gamma"], doc["nrc3_gamma_error"], 0.00139128363173127392)
	doc = qa21Metrics(t, filepath.Join(base, "sigma-min-underflow"), "H.npy", "W.npy", "Y.npy")
	if doc["sigma_min"] != nil || !strings.Contains(strings.Join(asStrings(doc["notes"]), " "), "σ_min lies beyond float64's range") {
		t.Errorf("sigma-min-underflow: sigma_min %v, notes %v; want null with a note", doc["sigma_min"], doc["notes"])
	}
	for _, c := range []struct {
		dir   string
		epoch int
	}{{"series-nan-1e307", 6}, {"series-gamma", 8}} {
		out := filepath.Join(t.TempDir(), "o")
		code, _, errs := runCmd(t, "series", filepath.Join("testdata", "metrics", "qa21c", c.dir), "--out", out, "--no-plots")
		if code != exitOK {
			t.Errorf("%s: exit %d: %s", c.dir, code, errs)
			continue
		}
		raw, err := os.ReadFile(filepath.Join(out, "table.json"))
		if err != nil {
			t.Fatal(err)
		}
		var tab struct {
			Epochs []map[string]any
		}
		if err := json.Unmarshal(raw, &tab); err != nil || len(tab.Epochs) != 1 {
			t.Fatalf("%s: table.json: %v", c.dir, err)
		}
		if c.dir == "series-gamma" {
			withinBound(t, "series-gamma nrc3_gamma", tab.Epochs[0]["nrc3_gamma"], tab.Epochs[0]["nrc3_gamma_error"], 0)
		}
	}
}

// TestMetricsEVRTopSum: the report's "top n together" line added the
// 6-digit texts of the entries and printed 0.487804; the true sum
// (mpmath at 130 digits, QA session 22) is 0.4878048780362879…, whose
// 6 digits are 0.487805. Both the float64 and the --digits report must
// print that.
func TestMetricsEVRTopSum(t *testing.T) {
	dir := filepath.Join("testdata", "metrics", "qa22evr")
	args := []string{"metrics", "--features", filepath.Join(dir, "H.npy"), "--weights", filepath.Join(dir, "W.npy"), "--targets", filepath.Join(dir, "Y.npy")}
	for _, extra := range [][]string{nil, {"--digits", "40"}} {
		code, out, errs := runCmd(t, append(append([]string{}, args...), extra...)...)
		if code != exitOK || !strings.Contains(out, "(the top 2 together: 0.487805)") {
			t.Errorf("%v: exit %d: %s\n%s", extra, code, out, errs)
		}
	}
}
