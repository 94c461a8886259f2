package main

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/solver"
)

// qaK6N2X3 is QA's held-out k6_n2_x3 (issue 8): targets ±(24, 32)/25,
// ±(−52, 39)/25 (mean 0), λ_H = λ_W = 1e250, so c = 1e500 is far above
// every variance and W* = 0: W*W*ᵀ = 0, b = 0, predictions 0, and
// L* = ‖Y‖²/(2M) = (2·64/25 + 2·169/25)/8 = 2.33. ufm solve printed
// ww[0][0] = 9.3360297543455924638581275953e-297 (29 digits) and exit 0.
const qaK6N2X3 = `{"name": "k6_n2_x3", "targets": [["24/25", "32/25"], ["-24/25", "-32/25"], ["-52/25", "39/25"], ["52/25", "-39/25"]], "lambda_h": "1e250", "lambda_w": "1e250", "d": 2, "bias": "free", "digits": 30}`

// TestSolveTrivialExactCLI: ufm solve prints the exact minimizer in the
// trivial regime (values above, from the mathematics).
func TestSolveTrivialExactCLI(t *testing.T) {
	path := writeFile(t, "k6_n2_x3.json", qaK6N2X3)
	code, out, errs := runCmd(t, "solve", path, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Loss          string     `json:"loss"`
		Converged     bool       `json:"converged"`
		DigitsReached int        `json:"digits_reached"`
		WW            [][]string `json:"ww"`
		Bias          []string   `json:"bias"`
		Predictions   [][]string `json:"predictions"`
		Notes         []string   `json:"notes"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if !doc.Converged || doc.Loss != "2.33" || doc.DigitsReached != 30 {
		t.Errorf("converged %v, loss %q (want 2.33), digits_reached %d", doc.Converged, doc.Loss, doc.DigitsReached)
	}
	for _, m := range [][][]string{doc.WW, doc.Predictions, {doc.Bias}} {
		for _, row := range m {
			for _, e := range row {
				if e != "0" {
					t.Errorf("entry %q, want exactly 0 (W* = 0, b = ȳ = 0): %s", e, out)
				}
			}
		}
	}
	if !strings.Contains(strings.Join(doc.Notes, " "), "decided exactly") {
		t.Errorf("no note on the exact decision: %v", doc.Notes)
	}
	code, out, _ = runCmd(t, "solve", path)
	if code != 0 || !strings.Contains(out, "W Wᵀ = 0 exactly") {
		t.Errorf("human report (exit %d) should state W Wᵀ = 0 exactly:\n%s", code, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "  [") && strings.Trim(line, " []0") != "" {
			t.Errorf("matrix row %q: W Wᵀ, predictions and HᵀH are exactly 0", line)
		}
	}
	code, out, _ = runCmd(t, "verify", path)
	if code != 0 || !strings.Contains(out, "relative to the terms that cancel in it") || strings.Contains(out, "e+") {
		t.Errorf("verify (exit %d) should print ‖∇L‖ with its relative size and no huge number:\n%s", code, out)
	}
}

// TestResultWWRowsScale: the digits of a W Wᵀ entry count against the
// scale the solver certified (Result.WWScale), not against ‖W Wᵀ‖_F. The
// entry is 9.336e-297 (issue 8's stage-2 iterate at λ = 1e250); with 30
// digits certified against scale s, it carries 30 + ⌊log10(9.336e-297/s)⌋
// digits (the rule may give one less, never more): none for s = 2.5e-250
// (⌊−46.4⌋ = −47) or s = 0 (W Wᵀ = 0 exact: a nonzero entry has no digit),
// 23 for s = 1e-290 (⌊−6.03⌋ = −7), and 30 relative to itself (s nil,
// the fallback ‖W Wᵀ‖_F = |e|).
func TestResultWWRowsScale(t *testing.T) {
	const prec = 300
	ww := bigmat.New(1, 1, prec)
	ww.At(0, 0).SetPrec(prec).Parse("9.33602975435459246385812759531e-297", 10)
	for _, tc := range []struct {
		scale string // "" for nil
		want  int
	}{{"2.5e-250", 0}, {"0", 0}, {"1e-290", 23}, {"", 30}} {
		r := &solver.Result{WW: ww, DigitsReached: 30}
		if tc.scale != "" {
			r.WWScale, _, _ = big.ParseFloat(tc.scale, 10, prec, big.ToNearestEven)
		}
		got := resultWWRows(r, r.DigitsReached, 30)[0][0]
		n := sigDigits(got)
		if n > tc.want || n < tc.want-1 || (tc.want == 0 && got != "") {
			t.Errorf("scale %q: %q (%d digits), want %d", tc.scale, got, n, tc.want)
		}
	}
}
