package metrics

import (
	"math/big"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
)

// TestNearIsotropicBigResolved (QA mutation round 2): the targets
// (±a, ±1) with a = 1 + 10⁻²⁰ give Σ = diag(a², 1), anisotropic by about
// 2·10⁻²⁰ — far above what 30 digits resolve. As in nearIsotropic, with
// WWᵀ = diag(1, 0) the minimum of NRC3 is 0 at γ = σ_min = 1, whereas a
// "Σ ∝ I" verdict reports 2 − √2 at γ = 0.
// Kills: the big path's isotropy tolerance loosened to 10^-(digits/2).
func TestNearIsotropicBigResolved(t *testing.T) {
	M, d, n, h, w, _ := nearIsotropic()
	const digits = 30
	prec := bigmat.Bits(digits)
	a, _, err := big.ParseFloat("1.00000000000000000001", 10, prec, big.ToNearestEven)
	if err != nil {
		t.Fatal(err)
	}
	one := new(big.Float).SetPrec(prec).SetInt64(1)
	y := bigmat.New(M, n, prec)
	for i, row := range [][2]int{{1, 1}, {-1, 1}, {1, -1}, {-1, -1}} {
		y.At(i, 0).Mul(a, new(big.Float).SetInt64(int64(row[0])))
		y.At(i, 1).Mul(one, new(big.Float).SetInt64(int64(row[1])))
	}
	r, err := ComputeBig(toBig(M, d, h, prec), toBig(n, d, w, prec), y, digits, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.NRC3Flat || r.NRC3 == nil {
		t.Fatalf("anisotropy 2e-20 at 30 digits: flat %v, undefined %q", r.NRC3Flat, r.NRC3Undefined)
	}
	if r.NRC3.Cmp(new(big.Float).SetFloat64(1e-25)) > 0 {
		t.Errorf("NRC3 = %s, want 0 (at γ = σ_min = 1) to 25 digits", r.NRC3.Text('g', 10))
	}
}
