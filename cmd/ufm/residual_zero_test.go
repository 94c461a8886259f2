package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// QA session 20: quantities made of the residual R = P − Y whose true value
// is 0 were printed as rounding noise with every digit. The true values
// follow from the definition of L (docs/theory.md §1), not from ufm:
//   - zero-reg-3x7 has λ_H = λ_W = 0 and d ≥ n, so a W of full row rank and
//     least-squares H fit Y exactly: L* = 0 and the training MSE is 0
//     (printed 2.98e-130 and 5.9e-130 with 50 digits);
//   - identical samples (0.1, 0.3) with bias free give Σ = 0, so W = 0 and
//     b = ȳ = y_i fit exactly: the training MSE is 0 (printed 3.7e-199).
//
// Each must print "" (no digit justified) or "0", from solve and verify.
func TestResidualZeroHasNoDigits(t *testing.T) {
	same := filepath.Join(t.TempDir(), "same.json")
	doc := map[string]any{"name": "same-samples", "targets": [][]string{{"0.1", "0.3"}, {"0.1", "0.3"}, {"0.1", "0.3"}},
		"lambda_h": "0.1", "lambda_w": "0.2", "d": 2, "bias": "free", "digits": 50}
	raw, _ := json.Marshal(doc)
	if err := os.WriteFile(same, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file   string
		fields []string
	}{
		{example("zero-reg-3x7"), []string{"loss", "train_mse"}},
		{same, []string{"train_mse"}},
	} {
		out := solveDoc(t, exitOK, tc.file, "--json")
		for _, f := range tc.fields {
			if s := out[f].(string); s != "" && s != "0" {
				t.Errorf("%s: solve %s = %q, true value 0", filepath.Base(tc.file), f, s)
			}
		}
		code, text, errs := runCmd(t, "solve", tc.file)
		if code != exitOK {
			t.Fatalf("%s: solve exit %d: %s", tc.file, code, errs)
		}
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "Training MSE = ") && !strings.Contains(line, "no digit justified: below the accuracy") && line != "Training MSE = 0" {
				t.Errorf("%s: %q, true value 0", filepath.Base(tc.file), line)
			}
		}
	}
	code, out, errs := runCmd(t, "verify", example("zero-reg-3x7"), "--json")
	if code != exitOK {
		t.Fatalf("verify zero-reg-3x7: exit %d: %s", code, errs)
	}
	var v struct{ Solver struct{ Loss string } }
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.Solver.Loss != "" && v.Solver.Loss != "0" {
		t.Errorf("verify zero-reg-3x7: solver.loss = %q, true value 0", v.Solver.Loss)
	}
}
