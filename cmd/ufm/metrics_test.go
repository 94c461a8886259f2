package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
)

func metricsFixture(name string) string { return filepath.Join("testdata", "metrics", name) }

// runMetricsArgs runs 'ufm metrics' in-process.
func runMetricsArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runMetrics(args, &out, &errb)
	return code, out.String(), errb.String()
}

func metricsDoc(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, out, errs := runMetricsArgs(t, append(args, "--json")...)
	if code != exitOK || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("bad JSON %q: %v", out, err)
	}
	for _, f := range []string{"nrc1", "nrc2", "nrc3", "nrc3_gamma", "evr", "samples", "feature_dim", "target_dim"} {
		if _, ok := doc[f]; !ok {
			t.Errorf("JSON lacks docs/formats.md field %q", f)
		}
	}
	return doc
}

func num(t *testing.T, v any) float64 {
	t.Helper()
	switch x := v.(type) {
	case float64:
		return x
	case string:
		f, _, err := big.ParseFloat(x, 10, 200, big.ToNearestEven)
		if err != nil {
			t.Fatalf("not a decimal: %q", x)
		}
		r, _ := f.Float64()
		return r
	}
	t.Fatalf("not a number: %#v", v)
	return 0
}

// TestMetricsFixtures: the hand example of metrics/TestHandComputed (four
// centered features (±2, ±1, 0) plus an offset; W rows (1,1,0) and 0) read
// from .npy (float32 C order, float64 Fortran order) and from text gives
// NRC1 = 0 (n = 2 principal directions hold everything), NRC2 = 0.5,
// EVR (0.8, 0.2, 0), rank W = 1.
func TestMetricsFixtures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		h, w, y string
	}{
		{"npy", "features_f32.npy", "weights_fortran.npy", "targets.npy"},
		{"csv with header, whitespace targets", "features.csv", "weights_fortran.npy", "targets.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := metricsDoc(t, "--features", metricsFixture(tc.h), "--weights", metricsFixture(tc.w), "--targets", metricsFixture(tc.y))
			if v := num(t, doc["nrc1"]); v < 0 || v > 1e-15 {
				t.Errorf("nrc1 = %g, want 0", v)
			}
			if v := num(t, doc["nrc2"]); math.Abs(v-0.5) > 1e-15 {
				t.Errorf("nrc2 = %g, want 0.5", v)
			}
			if v := num(t, doc["nrc3"]); v < 0 || v > 2 {
				t.Errorf("nrc3 = %g outside [0, 2]", v)
			}
			g, smin := num(t, doc["nrc3_gamma"]), num(t, doc["sigma_min"])
			if g < 0 || g > smin {
				t.Errorf("γ = %g outside [0, %g]", g, smin)
			}
			evr := doc["evr"].([]any)
			want := []float64{0.8, 0.2, 0}
			if len(evr) != 3 {
				t.Fatalf("evr %v, want 3 values (min(d, n+5) = 3)", evr)
			}
			for i, w := range want {
				if math.Abs(num(t, evr[i])-w) > 1e-15 {
					t.Errorf("evr %v, want %v", evr, want)
				}
			}
			if doc["samples"].(float64) != 4 || doc["feature_dim"].(float64) != 3 || doc["target_dim"].(float64) != 2 {
				t.Errorf("shape fields %v %v %v", doc["samples"], doc["feature_dim"], doc["target_dim"])
			}
			if doc["weights_rank"].(float64) != 1 || doc["centered"] != true {
				t.Errorf("weights_rank %v centered %v", doc["weights_rank"], doc["centered"])
			}
		})
	}
}

func TestMetricsHumanAndUncentered(t *testing.T) {
	args := []string{"--features", metricsFixture("features_f32.npy"), "--weights", metricsFixture("weights_fortran.npy"), "--targets", metricsFixture("targets.npy")}
	code, out, errs := runMetricsArgs(t, args...)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, s := range []string{"NRC1 = ", "NRC2 = ", "NRC3 = ", "principal subspace", "row space of W", "minimum is at γ = ", "Explained variance"} {
		if !strings.Contains(out, s) {
			t.Errorf("human output lacks %q:\n%s", s, out)
		}
	}
	doc := metricsDoc(t, append(args, "--center=false")...)
	if doc["centered"] != false {
		t.Errorf("centered = %v with --center=false", doc["centered"])
	}
	// Uncentered, the offset (10, −3, 7) dominates: NRC1 with n = 2 of
	// 3 directions is no longer 0.
	if v := num(t, doc["nrc1"]); v <= 1e-6 {
		t.Errorf("uncentered nrc1 = %g, want > 0", v)
	}
	code, out, _ = runMetricsArgs(t, "--help")
	if code != 0 || !strings.Contains(out, "usage: ufm metrics") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
}

// TestMetricsBadInput: every bad input or usage gives exit 2, nothing on
// stdout and one line on stderr that says what is wrong.
func TestMetricsBadInput(t *testing.T) {
	good := map[string]string{"--features": metricsFixture("features_f32.npy"), "--weights": metricsFixture("weights_fortran.npy"), "--targets": metricsFixture("targets.npy")}
	with := func(flag, path string) []string {
		var a []string
		for _, f := range []string{"--features", "--weights", "--targets"} {
			p := good[f]
			if f == flag {
				p = path
			}
			a = append(a, f, p)
		}
		return a
	}
	dir := filepath.Join(t.TempDir(), "dir.npy")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"NaN in .npy", with("--features", metricsFixture("features_nan.npy")), "features_nan.npy: non-finite value NaN at row 2, column 1"},
		{"3-D array", with("--features", metricsFixture("features_3d.npy")), "array has 3 dimensions, shape (2, 2, 3)"},
		{"integer dtype", with("--features", metricsFixture("features_int.npy")), `dtype "<i8" is not supported`},
		{"truncated", with("--targets", metricsFixture("targets_truncated.npy")), "truncated"},
		{"sample counts", with("--targets", metricsFixture("targets_short.npy")), "features are 4×3 but targets are 3×2 (sample counts differ)"},
		{"feature dims", with("--weights", metricsFixture("targets.npy")), "features are 4×3 but weights are 4×2 (feature dimensions differ)"},
		{"target dims", with("--weights", metricsFixture("features.csv")), "weights are 4×3 but targets are 4×2 (target dimensions differ)"},
		{"ragged csv", with("--features", metricsFixture("features_ragged.csv")), "line 2 has 2 fields, earlier rows have 3 (ragged rows)"},
		{"-inf in csv", with("--features", metricsFixture("features_inf.csv")), `non-finite value "-inf" at line 3 (row 2, column 1`},
		{"missing file", with("--targets", metricsFixture("nope.npy")), "nope.npy: no such file or directory"},
		{"directory", with("--targets", dir), "is a directory"},
		{"unknown type", with("--targets", "targets.json"), `unknown file type ".json"`},
		{"missing flags", []string{"--features", good["--features"]}, "missing --weights, --targets"},
		{"unknown flag", append(with("", ""), "--bogus"), "flag provided but not defined: -bogus"},
		{"positional", append(with("", ""), "extra"), `unexpected argument "extra"`},
		{"bad digits", append(with("", ""), "--digits", "-3"), "--digits"},
		{"bad evr", append(with("", ""), "--evr", "-5"), "--evr must be ≥ -1"},
		{"NaN under --digits", append(with("--features", metricsFixture("features_nan.npy")), "--digits", "20"), "non-finite value NaN at row 2, column 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runMetricsArgs(t, append(tc.args, "--json")...)
			if code != exitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			if out != "" {
				t.Errorf("stdout not empty: %q", out)
			}
			if strings.Count(errs, "\n") != 1 || !strings.HasSuffix(errs, "\n") {
				t.Errorf("stderr is not one line: %q", errs)
			}
			if !strings.Contains(errs, tc.want) {
				t.Errorf("stderr %q lacks %q", errs, tc.want)
			}
		})
	}
}

// writeCSV writes rows of decimal strings to a temporary .csv file.
func writeCSV(t *testing.T, name string, rows [][]string) string {
	t.Helper()
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMetricsDigits: solver-like output written with 40 digits, features
// within ε = 1e-25 of the row space of W: with --digits 40 NRC1 and NRC2
// come out ≈ ε²·(mean of 1/‖h‖²), i.e. of order 1e-50, as decimal strings;
// the float64 path cannot see ε at all.
func TestMetricsDigits(t *testing.T) {
	const eps = "1e-25"
	var H, Y [][]string
	// Rows (s1·c1, s1·c2, 0, s2·ε) for the four sign pairs: mean zero, the
	// ε part uncorrelated with the rest.
	wantSum := 0.0
	for _, c := range [][2]int{{1, 2}, {3, 1}, {2, 5}} {
		for k := 0; k < 4; k++ {
			s1, s2 := 1-2*(k&1), 1-(k&2)
			e := eps
			if s2 < 0 {
				e = "-" + eps
			}
			H = append(H, []string{fmt.Sprint(s1 * c[0]), fmt.Sprint(s1 * c[1]), "0", e})
			Y = append(Y, []string{fmt.Sprint(5 * s1), fmt.Sprint(10 * s2)})
		}
		wantSum += 4 / float64(c[0]*c[0]+c[1]*c[1])
	}
	hp := writeCSV(t, "h.csv", H)
	wp := writeCSV(t, "w.csv", [][]string{{"2", "0", "0", "0"}, {"0", "3", "0", "0"}})
	yp := writeCSV(t, "y.csv", Y)
	doc := metricsDoc(t, "--features", hp, "--weights", wp, "--targets", yp, "--digits", "40")
	want := 1e-50 * wantSum / 12
	for _, f := range []string{"nrc1", "nrc2"} {
		s, ok := doc[f].(string)
		if !ok {
			t.Fatalf("%s = %#v, want a decimal string", f, doc[f])
		}
		if v := num(t, s); math.Abs(v-want) > 1e-10*want {
			t.Errorf("%s = %s, want %.12g", f, s, want)
		}
	}
	if doc["digits"].(float64) != 40 {
		t.Errorf("digits %v", doc["digits"])
	}
	doc = metricsDoc(t, "--features", hp, "--weights", wp, "--targets", yp)
	if v := num(t, doc["nrc1"]); v > 1e-30 {
		t.Errorf("float64 nrc1 = %g", v)
	}
}

// TestMetricsDegenerate: W = 0 and features collapsed to a point give null
// metrics with reasons, never NaN, and exit 0.
func TestMetricsDegenerate(t *testing.T) {
	h := writeCSV(t, "h.csv", [][]string{{"1", "2"}, {"1", "2"}, {"1", "2"}})
	w := writeCSV(t, "w.csv", [][]string{{"0", "0"}})
	w1 := writeCSV(t, "w1.csv", [][]string{{"1", "0"}})
	y := writeCSV(t, "y.csv", [][]string{{"1"}, {"2"}, {"4"}})
	code, out, _ := runMetricsArgs(t, "--features", h, "--weights", w, "--targets", y, "--json")
	if code != 0 || strings.Contains(out, "NaN") {
		t.Fatalf("exit %d: %s", code, out)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["nrc1"] != nil || doc["nrc2"] != nil || doc["features_collapsed"] != true {
		t.Errorf("collapsed features: %v", doc)
	}
	if doc["nrc3"] != nil || doc["nrc3_undefined"] == nil || !strings.Contains(doc["nrc3_undefined"].(string), "W = 0") {
		t.Errorf("W = 0: %v", doc)
	}
	_, out, _ = runMetricsArgs(t, "--features", h, "--weights", w1, "--targets", y)
	if !strings.Contains(out, "collapsed to a point") || strings.Contains(out, "NaN") {
		t.Errorf("human output:\n%s", out)
	}
}

// The metrics caps, at the cap and one past it (checked from the shapes,
// before any allocation).
func TestMetricsShapeCaps(t *testing.T) {
	for _, c := range []struct {
		M, d, n, digits int
		ok              bool
	}{
		{3, maxDenseFeatureDim, 2, 0, true},
		{3, maxDenseFeatureDim + 1, 2, 0, false},
		{3, 20000, 2, 0, false},
		{20000000 / 4, 2, 1, 30, true},    // M·d² = 2e7 exactly
		{20000000/4 + 1, 2, 1, 30, false}, // one past
		{1000000, 1, 1, 2000, false},      // 10⁶ samples at 2000 digits: 1.7 GB of big floats
		{100000, 1, 1, 2000, true},        // 10⁵: 170 MB
	} {
		err := checkMetricsShape(c.M, c.d, c.n, c.digits)
		if (err == nil) != c.ok {
			t.Errorf("%+v: %v", c, err)
		}
	}
	// The byte cap at its edge (d = n = 1: (2M + 1) big floats).
	per := float64(bigmat.Bits(50))/8 + 40
	m := int((maxBigBytes/per - 1) / 2)
	if err := checkMetricsShape(m, 1, 1, 50); err != nil {
		t.Errorf("at the byte cap (M = %d): %v", m, err)
	}
	if err := checkMetricsShape(m+1, 1, 1, 50); err == nil {
		t.Errorf("one past the byte cap (M = %d) accepted", m+1)
	}
}

// writeNPY writes a rows×cols float64 .npy of small values.
func writeNPY(t *testing.T, dir, name string, rows, cols int) string {
	t.Helper()
	v := make([]float64, rows*cols)
	for i := range v {
		v[i] = float64(i%7) - 3
	}
	return writeNPYData(t, dir, name, rows, cols, v)
}

// M = 3, d = 20 000 (a 480 KB npy) is refused at once with one line
// naming the cap, instead of allocating a 3.2 GB d×d block.
func TestMetricsWideFeaturesRefused(t *testing.T) {
	dir := t.TempDir()
	h := writeNPY(t, dir, "h.npy", 3, 20000)
	w := writeNPY(t, dir, "w.npy", 2, 20000)
	y := writeNPY(t, dir, "y.npy", 3, 2)
	code, _, errs := runCmd(t, "metrics", "--features", h, "--weights", w, "--targets", y)
	if code != exitUsage || !strings.Contains(errs, "4096") || strings.Count(errs, "\n") != 1 {
		t.Fatalf("exit %d: %q", code, errs)
	}
}

// CSV refuses hexadecimal floats, as instance files do.
func TestMetricsCSVHexRefused(t *testing.T) {
	for _, digits := range []string{"", "30"} {
		p := writeCSV(t, "hex.csv", [][]string{{"1", "2"}, {"0x1p-2", "3"}})
		args := []string{"metrics", "--features", p, "--weights", p, "--targets", p}
		if digits != "" {
			args = append(args, "--digits", digits)
		}
		code, _, errs := runCmd(t, args...)
		if code != exitUsage || !strings.Contains(errs, "0x1p-2") {
			t.Errorf("digits %q: exit %d: %s", digits, code, errs)
		}
	}
}
