package theory

import (
	"math/big"
	"testing"
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
