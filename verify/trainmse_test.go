package verify

import (
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
)

// TestTrainMSENoCancellation: predictions P = Y + δ with δ = 1e−300 on
// every entry (P at 1400 bits: the rounding of y, ≤ 1e−421, leaves δ about 120 digits; the targets are not binary fractions, so rounding them matters) have
// training MSE (1/M)·n·M·δ² = n·δ² = 2e−600 for n = 2, whatever the
// precision asked for the result. Rounding y to 128 bits before P − y (the
// old TrainMSE) gave noise of 10^-38·|y| instead.
func TestTrainMSENoCancellation(t *testing.T) {
	in := mustInstance(t, `{"targets":[["1/3","-2/7"],["-1/3","2/7"],["5/9","1/10"]],"lambda_h":"1","lambda_w":"1","d":2}`)
	const prec = 1400
	delta := pow10(-300, prec)
	p := bigmat.New(in.N(), in.M(), prec)
	for i := 0; i < in.M(); i++ {
		for k := 0; k < in.N(); k++ {
			p.At(k, i).SetRat(in.Targets[i][k])
			p.At(k, i).Add(p.At(k, i), delta)
		}
	}
	want := new(big.Float).SetPrec(128).SetRat(new(big.Rat).SetFrac(big.NewInt(2), new(big.Int).Exp(big.NewInt(10), big.NewInt(600), nil)))
	got := TrainMSE(in, p, 128)
	if d := Digits(got, want, want, 30); d < 30 {
		t.Errorf("TrainMSE = %s, want 2e-600 (agree to %d digits, need 30)", got.Text('g', 20), d)
	}
}

// TestCompareTinyTrainMSE is QA reproducer c5tiny_n2_1 (issue 8): λ_H·λ_W
// ≈ 2e−604, so the training MSE is 4e−599 (QA's reference ref.py, exact
// characteristic polynomial) against targets of size 10. Both sides print
// 4e−599, yet train_mse agreed to 0 digits (false DISAGREE) because the
// solver's residual was formed after rounding the targets to the
// theory's precision. Every quantity must now reach the required digits.
func TestCompareTinyTrainMSE(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("testdata", "qa_c5tiny_n2_1.json"))
	if err != nil {
		t.Fatal(err)
	}
	in := mustInstance(t, string(doc))
	p, r := solveBoth(t, in, 30)
	rep := mustCompare(t, in, p, r)
	if rep.Agreement.TrainMSE == nil || *rep.Agreement.TrainMSE < rep.Required || rep.Status != Agree {
		t.Fatalf("status %s (%s), train_mse %v; want agree", rep.Status, rep.Reason, rep.Agreement.TrainMSE)
	}
}
