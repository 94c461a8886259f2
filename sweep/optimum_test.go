package sweep

import (
	"math/big"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/metrics"
	"github.com/nrc-ufm/ufm/theory"
)

// TestNRCAtPartialOptimum checks the NRC columns of a partial-regime point
// against metrics.ComputeBig applied to an explicit minimizer built from
// the closed form: W* = (A*)^{1/2} padded with zero columns to n×d, and
// H* = W*ᵀ(A* + λ_H I)⁻¹Ỹ (docs/theory.md §3). NRC1 and NRC2 of that
// minimizer must vanish to the working precision (the table says 0 by R5)
// and its NRC3 must equal the table's value in every printed digit.
func TestNRCAtPartialOptimum(t *testing.T) {
	const digits = 30
	in := load(t, "partial-3x5")
	h, _ := ParseAxis("lambda_h", "1:1:1", false) // c = 1/2: σ_3 < c < σ_2
	tab, err := Run(in, h, nil, Settings{Digits: digits})
	if err != nil {
		t.Fatal(err)
	}
	pt := tab.Points[0]
	if pt.Regime != theory.Partial || pt.NRC1.Text() != "0" || pt.NRC2.Text() != "0" || pt.NRC3.X == nil {
		t.Fatalf("point: %s, NRC %q %q %q", pt.Regime, pt.NRC1.Text(), pt.NRC2.Text(), pt.NRC3.Text())
	}
	in.LambdaH = rat("1") // the sweep's point
	p, err := theory.Predict(in, digits+ExtraDigits)
	if err != nil {
		t.Fatal(err)
	}
	prec := p.Prec
	n, d, M := p.N, p.D, p.M
	root, err := bigmat.SqrtPSD(p.WW)
	if err != nil {
		t.Fatal(err)
	}
	W := bigmat.New(n, d, prec)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			W.Set(i, j, root.At(i, j))
		}
	}
	lh := new(big.Float).SetPrec(prec).SetRat(in.LambdaH)
	inv, err := bigmat.Inverse(new(bigmat.Dense).AddScaledIdentity(p.WW, lh))
	if err != nil {
		t.Fatal(err)
	}
	yt := in.CenteredTargets()
	flat := make([]*big.Rat, 0, n*M)
	for k := 0; k < n; k++ {
		flat = append(flat, yt[k]...)
	}
	Yt := bigmat.FromRat(n, M, prec, flat)
	H := new(bigmat.Dense).Mul(new(bigmat.Dense).TransMul(W, inv), Yt) // d×M
	Y := new(bigmat.Dense).T(Yt)                                       // M×n (centered: same Σ)
	r, err := metrics.ComputeBig(new(bigmat.Dense).T(H), W, Y, digits+ExtraDigits, metrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tiny := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), -3*digits) // ≈ 10^-27
	for name, v := range map[string]*big.Float{"NRC1": r.NRC1, "NRC2": r.NRC2} {
		if v == nil || v.Cmp(tiny) > 0 {
			t.Errorf("%s of the explicit minimizer = %v, want ≈ 0", name, v)
		}
	}
	if r.NRC3 == nil {
		t.Fatal("NRC3 undefined")
	}
	closeTo(t, "NRC3", pt.NRC3.Text(), r.NRC3, digits)
	closeTo(t, "NRC3 γ", pt.NRC3Gamma.Text(), r.NRC3Gamma, digits)
}
