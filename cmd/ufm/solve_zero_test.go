package main

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
)

// QA (mpmath-adversarial suite, session 19): a converged solve printed
// predictions and feature-Gram entries whose true value is exactly 0 as
// rounding noise with every requested digit (-1.759e-64 with 60 digits in
// examples/boundary-exact-2x4.json). Targets: y_1 = −y_2 = 4·(3/5, 4/5)
// and y_3 = −y_4 = 2·(−4/5, 3/5), orthogonal directions, so Σ = YᵀY/M has
// eigenvalues 8 and 2 along them, bias free leaves Y centered, and for
// c = λ_Hλ_W ≥ 2 (docs/theory.md §3) the second direction is shrunk to 0:
// the predictions of samples 3 and 4 and their features vanish exactly,
// while sample 1 is predicted as (1 − √(c/8))·y_1. The cases put c at the
// boundary 2 (the example), inside (2, 8), and inside with λ_W = 10⁴⁵.
func TestSolveZeroEntriesHaveNoDigits(t *testing.T) {
	base, err := os.ReadFile(example("boundary-exact-2x4"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lamH, lamW, c string }{
		{"1", "2", "2"}, {"1", "4", "4"}, {"4e-45", "1e45", "4"},
	} {
		var doc map[string]any
		if err := json.Unmarshal(base, &doc); err != nil {
			t.Fatal(err)
		}
		doc["lambda_h"], doc["lambda_w"], doc["digits"] = tc.lamH, tc.lamW, 50
		path := filepath.Join(t.TempDir(), "case.json")
		raw, _ := json.Marshal(doc)
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		out := solveDoc(t, exitOK, path, "--json")
		if out["converged"] != true {
			t.Fatalf("λ_H = %s, λ_W = %s: not converged (%v)", tc.lamH, tc.lamW, out["stop"])
		}
		pred := stringRows(t, out["predictions"])
		gram := stringRows(t, out["feature_gram"])
		for i := range pred {
			for _, k := range []int{2, 3} {
				mustBeZeroText(t, tc.lamH, "predictions", pred[i][k])
			}
		}
		for i := range gram {
			for j := range gram[i] {
				if i >= 2 || j >= 2 {
					mustBeZeroText(t, tc.lamH, "feature_gram", gram[i][j])
				}
			}
		}
		checkShrunk(t, tc.c, pred[0][0], "12/5")
		checkShrunk(t, tc.c, pred[1][0], "16/5")
	}
}

func stringRows(t *testing.T, v any) [][]string {
	t.Helper()
	rows, ok := v.([]any)
	if !ok {
		t.Fatalf("not a matrix: %v", v)
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		for _, e := range r.([]any) {
			out[i] = append(out[i], e.(string))
		}
	}
	return out
}

// mustBeZeroText: an entry whose true value is 0 prints "0" (exact) or
// "" (no digit justified); anything else claims digits of noise.
func mustBeZeroText(t *testing.T, lamH, what, s string) {
	t.Helper()
	if s != "" && s != "0" {
		t.Errorf("λ_H = %s: %s entry with true value 0 printed as %q", lamH, what, s)
	}
}

// checkShrunk: the printed s is (1 − √(c/8))·y to every digit it carries
// (error at most one unit in its last place), and carries at least 45 of
// the 50 requested (an entry of the largest size).
func checkShrunk(t *testing.T, c, s, y string) {
	t.Helper()
	const prec = 400
	cr, _ := new(big.Rat).SetString(c)
	yr, _ := new(big.Rat).SetString(y)
	q := new(big.Float).SetPrec(prec).SetRat(cr.Quo(cr, big.NewRat(8, 1)))
	want := new(big.Float).SetPrec(prec).SetInt64(1)
	want.Sub(want, q.Sqrt(q))
	want.Mul(want, new(big.Float).SetPrec(prec).SetRat(yr))
	got, _, err := big.ParseFloat(s, 10, prec, big.ToNearestEven)
	if err != nil {
		t.Fatalf("c = %s: prediction %q: %v", c, s, err)
	}
	n := sigDigits(s)
	if n < 45 && got.Cmp(want) != 0 {
		t.Errorf("c = %s: prediction %q carries %d digits, want ≥ 45", c, s, n)
	}
	diff := new(big.Float).SetPrec(prec).Sub(got, want)
	tol := new(big.Float).SetPrec(prec).Abs(want)
	ulp, _, _ := big.ParseFloat(fmt.Sprintf("1e-%d", n-1), 10, prec, big.ToNearestEven)
	tol.Mul(tol, ulp)
	if diff.Abs(diff).Cmp(tol) > 0 {
		t.Errorf("c = %s: prediction %q differs from (1 − √(c/8))·%s = %s by more than its last digit", c, s, y, want.Text('g', 60))
	}
}
