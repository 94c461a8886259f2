// Package bench holds the side-by-side timing scripts (README.md); this
// test checks them against package theory where Python and mpmath exist.
package bench

import (
	"math/big"
	"os/exec"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/theory"
	"github.com/nrc-ufm/ufm/verify"
)

const python = "/usr/bin/python3"

// TestScriptsAgreeWithTheory: gen.py writes an instance ufm parses, and
// every number mp_closed.py --full prints (L*, the eigenvalues σ_j, the
// shrinkages, W*W*ᵀ, the bias, the training MSE and the predictions)
// agrees with theory.Predict's to at least 28 of 30 digits (mpmath works at
// 46 digits; its last printed digit may be rounded the other way), relative
// to the largest entry of its kind (a shrinkage or entry that is exactly 0
// in theory is printed as 0.0 by mpmath).
func TestScriptsAgreeWithTheory(t *testing.T) {
	if err := exec.Command(python, "-c", "import mpmath").Run(); err != nil {
		t.Skipf("%s with mpmath not available (%v): the scripts are not checked here", python, err)
	}
	out, err := exec.Command(python, "gen.py", "4", "8", "20", "30").Output()
	if err != nil {
		t.Fatalf("gen.py: %v", err)
	}
	in, err := instance.Parse(out)
	if err != nil {
		t.Fatalf("gen.py's instance: %v", err)
	}
	pred, err := theory.Predict(in, 30)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "mp_closed.py", "/dev/stdin", "30", "--full")
	cmd.Stdin = strings.NewReader(string(out))
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("mp_closed.py: %v", err)
	}
	printed := map[string][]string{}
	for _, line := range strings.Split(string(res), "\n") {
		if f := strings.Fields(line); len(f) >= 2 {
			if f[0] == "predictions" {
				f = f[1:] // the row index; rows come in order
				f[0] = "predictions"
			}
			printed[f[0]] = append(printed[f[0]], f[1:]...)
		}
	}
	n, m := pred.Predictions.Dims()
	want := map[string][]*big.Float{
		"min_loss":          {pred.MinLoss},
		"train_mse":         {pred.TrainMSE},
		"sigma_eigenvalues": pred.Sigma,
		"shrinkage":         pred.Shrinkage,
		"bias":              pred.Mean,
		"ww":                entries(pred.WW, n, n),
		"predictions":       entries(pred.Predictions, n, m),
	}
	for name, w := range want {
		got := printed[name]
		if len(got) != len(w) {
			t.Errorf("%s: mp_closed.py printed %d numbers, theory has %d", name, len(got), len(w))
			continue
		}
		scale := new(big.Float)
		for _, x := range w {
			if new(big.Float).Abs(x).Cmp(scale) > 0 {
				scale.Abs(x)
			}
		}
		for i, g := range got {
			r, err := instance.ParseNumber(g)
			if err != nil {
				t.Fatalf("mp_closed.py printed %s %q: %v", name, g, err)
			}
			mp := new(big.Float).SetPrec(w[i].Prec()).SetRat(r)
			if d := verify.Digits(mp, w[i], scale, 30); d < 28 {
				t.Errorf("%s[%d]: theory %s, mpmath %s: %d digits", name, i, w[i].Text('g', 30), g, d)
			}
		}
	}
}

// entries returns the r×c entries of a, row by row.
func entries(a *bigmat.Dense, r, c int) []*big.Float {
	var out []*big.Float
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out = append(out, a.At(i, j))
		}
	}
	return out
}
