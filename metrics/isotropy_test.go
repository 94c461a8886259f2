package metrics

import (
	"math/big"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
)

// nearIsotropic is issue 8 item 7: the four targets (±a, ±1) with
// a = 1 + 10⁻¹³ (as a float64) have mean 0 and Σ = diag(a², 1), anisotropic
// by 2·10⁻¹³. With WWᵀ = diag(1, 0) and γ = σ_min = 1,
// Σ^{1/2} − √γ·I = diag(a − 1, 0) ∝ WWᵀ, so the true minimum of NRC3 is 0
// (at γ = 1), while at γ = 0 NRC3 = ‖diag(1,0) − I/√2‖² = 2 − √2 ≈ 0.586.
func nearIsotropic() (M, d, n int, h, w, y []float64) {
	a := 1 + 1e-13
	y = []float64{a, 1, -a, 1, a, -1, -a, -1}
	h = []float64{1, 0.5, -1, 0.25, 0.5, -1, -0.5, 0.75}
	w = []float64{1, 0, 0, 0}
	return 4, 2, 2, h, w, y
}

// TestNearIsotropicFloat64: the float64 path must not call Σ ∝ I, and must
// either find NRC3 ≈ 0 or say it cannot resolve it — never report 0.586.
func TestNearIsotropicFloat64(t *testing.T) {
	M, d, n, h, w, y := nearIsotropic()
	r := compute(t, M, d, n, h, w, y, Options{})
	if r.NRC3Flat {
		t.Fatalf("Σ anisotropic by 2e-13 declared ∝ I: %+v", r)
	}
	switch {
	case r.NRC3Undefined != "":
		if !strings.Contains(r.NRC3Undefined, "--digits") {
			t.Errorf("undetermined NRC3 without a way out: %q", r.NRC3Undefined)
		}
	case r.NRC3 > nrc3Tol64:
		t.Errorf("NRC3 = %g, the true minimum is 0 (at γ = 1)", r.NRC3)
	}
}

// TestNearIsotropicBig: the big-float path resolves the anisotropy and
// finds the minimum 0 at γ = σ_min = 1 to the requested digits.
func TestNearIsotropicBig(t *testing.T) {
	M, d, n, h, w, y := nearIsotropic()
	const digits = 30
	prec := bigmat.Bits(digits)
	r, err := ComputeBig(toBig(M, d, h, prec), toBig(n, d, w, prec), toBig(M, n, y, prec), digits, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.NRC3Flat || r.NRC3 == nil {
		t.Fatalf("flat %v, undefined %q", r.NRC3Flat, r.NRC3Undefined)
	}
	tiny := new(big.Float).SetFloat64(1e-25)
	if r.NRC3.Cmp(tiny) > 0 {
		t.Errorf("NRC3 = %s, want 0 to 25 digits", r.NRC3.Text('g', 10))
	}
	if g, _ := r.NRC3Gamma.Float64(); !close(g, 1, 1e-12) {
		t.Errorf("γ = %g, want σ_min = 1", g)
	}
}

// TestExactlyIsotropicStillFlat: Σ = I exactly (targets (±1, ±1)) is flat
// in float64, and NRC3 = ‖Â − I/√2‖² there.
func TestExactlyIsotropicStillFlat(t *testing.T) {
	M, d, n, h, w, _ := nearIsotropic()
	y := []float64{1, 1, -1, 1, 1, -1, -1, -1}
	r := compute(t, M, d, n, h, w, y, Options{})
	if !r.NRC3Flat || r.NRC3Undefined != "" {
		t.Fatalf("Σ = I: flat %v, undefined %q", r.NRC3Flat, r.NRC3Undefined)
	}
	if want := 2 - 1.4142135623730951; !close(r.NRC3, want, 1e-15) {
		t.Errorf("NRC3 = %.17g, want 2 − √2", r.NRC3)
	}
}

// TestBigRankThresholdSquared: ComputeBig decides the rank of W from the
// eigenvalues of WᵀW, which are squared singular values, so the threshold
// 10^-digits on singular values is 10^-2·digits on eigenvalues. Here
// W = diag(1, 10⁻²²) at 30 digits has rank 2: its small eigenvalue 10⁻⁴⁴
// is above 10⁻⁶⁰ but below 10⁻³⁰ (an unsquared threshold says rank 1).
func TestBigRankThresholdSquared(t *testing.T) {
	M, d, n, h, _, y := nearIsotropic()
	const digits = 30
	prec := bigmat.Bits(digits)
	w := toBig(n, d, []float64{1, 0, 0, 1e-22}, prec)
	r, err := ComputeBig(toBig(M, d, h, prec), w, toBig(M, n, y, prec), digits, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.WeightsRank != 2 {
		t.Errorf("rank of diag(1, 1e-22) at 30 digits = %d, want 2", r.WeightsRank)
	}
	w = toBig(n, d, []float64{1, 0, 0, 1e-31}, prec)
	if r, err = ComputeBig(toBig(M, d, h, prec), w, toBig(M, n, y, prec), digits, Options{}); err != nil {
		t.Fatal(err)
	}
	if r.WeightsRank != 1 {
		t.Errorf("rank of diag(1, 1e-31) at 30 digits = %d, want 1", r.WeightsRank)
	}
}
