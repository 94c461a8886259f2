package main

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/internal/testinst"
)

// writeNPYData writes a rows×cols float64 .npy with the given row-major
// values.
func writeNPYData(t *testing.T, dir, name string, rows, cols int, v []float64) string {
	t.Helper()
	return testinst.WriteNPY(t, dir, name, rows, cols, v)
}

// TestMetricsDigitsExactIsotropy is QA's reproducer for issue 8 item 7 on
// the command line: targets (±a, ±1), W = diag(1, 0), the features of
// QA's files. Σ = diag(a², 1) is not ∝ I, and NRC3's minimum
// is 0 at γ = σ_min = 1 (docs/theory.md §4; at γ = 0 it is 2 − √2, which
// the threshold printed for a = 1 + 10⁻⁴⁰). Text input with a = 1 + 10^-k
// (k = 40, 45, 50) and .npy input with a = 1 + 2⁻⁵²; Σ = I exactly stays flat
// with NRC3 = 2 − √2.
func TestMetricsDigitsExactIsotropy(t *testing.T) {
	dir := t.TempDir()
	h := writeFile(t, "H.csv", "1,0.5\n-1,0.25\n0.5,-1\n-0.5,0.75\n")
	w := writeFile(t, "W.csv", "1,0\n0,0\n")
	csvY := func(a string) string {
		return writeFile(t, "Y"+a+".csv", a+",1\n-"+a+",1\n"+a+",-1\n-"+a+",-1\n")
	}
	a := 1 + 0x1p-52
	hN := writeNPYData(t, dir, "H.npy", 4, 2, []float64{1, 0.5, -1, 0.25, 0.5, -1, -0.5, 0.75})
	wN := writeNPYData(t, dir, "W.npy", 2, 2, []float64{1, 0, 0, 0})
	yN := writeNPYData(t, dir, "Y.npy", 4, 2, []float64{a, 1, -a, 1, a, -1, -a, -1})
	for _, tc := range []struct {
		name    string
		h, w, y string
		flat    bool
	}{
		{"csv 1e-40", h, w, csvY("1." + strings.Repeat("0", 39) + "1"), false},
		{"csv 1e-45", h, w, csvY("1." + strings.Repeat("0", 44) + "1"), false},
		// Below the 2^-153 a 30-digit big.Float keeps: read rounded, Σ = I.
		{"csv 1e-50", h, w, csvY("1." + strings.Repeat("0", 49) + "1"), false},
		{"npy 2^-52", hN, wN, yN, false},
		{"csv isotropic", h, w, csvY("1"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCmd(t, "metrics", "--features", tc.h, "--weights", tc.w, "--targets", tc.y, "--digits", "30", "--json")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var doc struct {
				NRC3      *string `json:"nrc3"`
				NRC3Gamma *string `json:"nrc3_gamma"`
				Flat      bool    `json:"nrc3_flat"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.NRC3 == nil {
				t.Fatalf("%v: %s", err, out)
			}
			v, _, err := big.ParseFloat(strings.TrimPrefix(*doc.NRC3, "< "), 10, 200, big.ToNearestEven)
			if err != nil {
				t.Fatal(err)
			}
			want := new(big.Float) // 0 at γ = 1
			if tc.flat {
				want.SetPrec(200).SetInt64(2)
				want.Sub(want, new(big.Float).SetPrec(200).Sqrt(big.NewFloat(2)))
			}
			d := new(big.Float).Sub(v, want)
			if doc.Flat != tc.flat || d.Abs(d).Cmp(big.NewFloat(1e-30)) > 0 {
				t.Errorf("nrc3 %s (flat %v), want %s to 30 digits (flat %v)", *doc.NRC3, doc.Flat, want.Text('g', 31), tc.flat)
			}
			if tc.flat {
				return
			}
			g, _, err := big.ParseFloat(*doc.NRC3Gamma, 10, 200, big.ToNearestEven)
			if err != nil || g.Sub(g, big.NewFloat(1)).Abs(g).Cmp(big.NewFloat(1e-29)) > 0 {
				t.Errorf("γ %s, want σ_min = 1", *doc.NRC3Gamma)
			}
		})
	}
}

// TestMetricsFloat64DecimalIsotropy: without --digits the targets are read
// as float64, and (±(1 + 10⁻⁴⁰), ±1) rounds to (±1, ±1), whose Σ = I. The
// decimals' Σ is not ∝ I and the true NRC3 minimum is 0, so NRC3 must not
// be reported as 2 − √2 (flat): it is null and points to --digits. Targets
// (±1, ±1) as written stay flat with 2 − √2.
func TestMetricsFloat64DecimalIsotropy(t *testing.T) {
	h := writeFile(t, "H.csv", "1,0.5\n-1,0.25\n0.5,-1\n-0.5,0.75\n")
	w := writeFile(t, "W.csv", "1,0\n0,0\n")
	a := "1." + strings.Repeat("0", 39) + "1"
	for _, tc := range []struct {
		name, y string
		flat    bool
	}{
		{"aniso", writeFile(t, "Ya.csv", a+",1\n-"+a+",1\n"+a+",-1\n-"+a+",-1\n"), false},
		{"iso", writeFile(t, "Yi.csv", "1,1\n-1,1\n1,-1\n-1,-1\n"), true},
	} {
		code, out, errs := runCmd(t, "metrics", "--features", h, "--weights", w, "--targets", tc.y, "--json")
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", tc.name, code, errs)
		}
		var doc struct {
			NRC3      *float64 `json:"nrc3"`
			Flat      bool     `json:"nrc3_flat"`
			Undefined *string  `json:"nrc3_undefined"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if tc.flat {
			if !doc.Flat || doc.NRC3 == nil || *doc.NRC3-(2-1.4142135623730951) > 1e-15 || *doc.NRC3-(2-1.4142135623730951) < -1e-15 {
				t.Errorf("%s: %s", tc.name, out)
			}
			continue
		}
		if doc.Flat || doc.NRC3 != nil || doc.Undefined == nil || !strings.Contains(*doc.Undefined, "--digits") {
			t.Errorf("%s: want nrc3 null pointing to --digits: %s", tc.name, out)
		}
	}
}
