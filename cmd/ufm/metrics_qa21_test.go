package main

import (
	"encoding/json"
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
