package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestComputeScaleInvariant: NRC1–NRC3 do not depend on the scale of H,
// W or Y, and γ, σ_min scale with Y's square. Compute scales each input
// by a power of 2 internally, so inputs scaled by 2^±531 or 2^-664 (sizes
// 10^±160, 10^-200, where the products of the covariance overflow or
// underflow in float64) give bit-identical metrics. QA session 21 found
// NRC1 0.700028 for 0.576915 at 10^-200, "W = 0" for W of size 10^-200,
// "Σ = 0" for targets of size 10^-170, an internal error (NaN) for targets
// of size 10^160 and a failed eigendecomposition for features of 10^160.
func TestComputeScaleInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 1))
	const M, d, n = 60, 6, 2
	h, w, y := randn(rng, M, d), randn(rng, n, d), randn(rng, M, n)
	base, err := Compute(mustMatrix(t, M, d, h), mustMatrix(t, n, d, w), mustMatrix(t, M, n, y), Options{})
	if err != nil {
		t.Fatal(err)
	}
	scaled := func(v []float64, e int) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = math.Ldexp(x, e)
		}
		return out
	}
	for _, c := range []struct {
		name       string
		eh, ew, ey int
	}{
		{"features 2^-664", -664, 0, 0}, {"features 2^531", 531, 0, 0},
		{"weights 2^-664", 0, -664, 0}, {"weights 2^600", 0, 600, 0},
		{"targets 2^-565", 0, 0, -565}, {"targets 2^-400", 0, 0, -400}, {"targets 2^300", 0, 0, 300},
	} {
		r, err := Compute(mustMatrix(t, M, d, scaled(h, c.eh)), mustMatrix(t, n, d, scaled(w, c.ew)), mustMatrix(t, M, n, scaled(y, c.ey)), Options{})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if r.NRC1 != base.NRC1 || r.NRC2 != base.NRC2 || r.NRC3 != base.NRC3 || r.NRC3Undefined != "" || r.WeightsRank != base.WeightsRank {
			t.Errorf("%s: NRC1 %v NRC2 %v NRC3 %v (%q) rank %d; unscaled %v %v %v rank %d", c.name, r.NRC1, r.NRC2, r.NRC3, r.NRC3Undefined, r.WeightsRank, base.NRC1, base.NRC2, base.NRC3, base.WeightsRank)
		}
		if want := math.Ldexp(base.SigmaMin, 2*c.ey); r.SigmaMin != want && !(c.ey < -500) {
			t.Errorf("%s: σ_min %v, want %v", c.name, r.SigmaMin, want)
		}
	}
}

// TestComputeSubnormalInputs: finite inputs of subnormal size (below
// 2^-1022) are inputs like any other. The power of 2 that brings them to
// unit size was 2^1040 = +Inf, so weights of size 10^-310 panicked in the
// SVD ("SVD of W failed") and features of that size were refused as a
// failed eigendecomposition (QA session 24). Entries rounded to 19
// significant bits stay exact at 2^-1040 (34 bits there), so the inputs
// are the same numbers times a power of 2. Weights and targets are
// brought to the same unit size as unscaled ones, so their metrics must
// be bit-identical; features this small are brought only to 2^-13 of it
// (the factor stops at 2^1023), where the covariance kernel's fixed
// accumulator ranges round differently, so their metrics must agree
// within the float64 error bounds both results state (NRC1Err, NRC2Err,
// NRC3Err).
func TestComputeSubnormalInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 1))
	const M, d, n = 60, 6, 2
	round := func(v []float64) []float64 {
		for i, x := range v {
			v[i] = math.Round(x*0x1p16) / 0x1p16 // |x| < 8: at most 19 bits
		}
		return v
	}
	h, w, y := round(randn(rng, M, d)), round(randn(rng, n, d)), round(randn(rng, M, n))
	base, err := Compute(mustMatrix(t, M, d, h), mustMatrix(t, n, d, w), mustMatrix(t, M, n, y), Options{})
	if err != nil {
		t.Fatal(err)
	}
	sub := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = math.Ldexp(x, -1040)
			if math.Ldexp(out[i], 1040) != x {
				t.Fatalf("%v is not exact at 2^-1040", x)
			}
		}
		return out
	}
	for _, c := range []struct {
		name    string
		h, w, y []float64
	}{
		{"features", sub(h), w, y}, {"weights", h, sub(w), y}, {"targets", h, w, sub(y)}, {"all three", sub(h), sub(w), sub(y)},
	} {
		r, err := Compute(mustMatrix(t, M, d, c.h), mustMatrix(t, n, d, c.w), mustMatrix(t, M, n, c.y), Options{})
		if err != nil {
			t.Errorf("%s of size 2^-1040: %v", c.name, err)
			continue
		}
		exact := r.NRC1 == base.NRC1 && r.NRC2 == base.NRC2 && r.NRC3 == base.NRC3
		within := math.Abs(r.NRC1-base.NRC1) <= r.NRC1Err+base.NRC1Err &&
			math.Abs(r.NRC2-base.NRC2) <= r.NRC2Err+base.NRC2Err &&
			math.Abs(r.NRC3-base.NRC3) <= r.NRC3Err+base.NRC3Err
		scaledFeatures := &c.h[0] != &h[0]
		if r.WeightsRank != base.WeightsRank || !(exact || scaledFeatures && within) {
			t.Errorf("%s of size 2^-1040: NRC1 %v NRC2 %v NRC3 %v rank %d; unscaled %v %v %v rank %d (bounds %.2g %.2g %.2g)", c.name, r.NRC1, r.NRC2, r.NRC3, r.WeightsRank, base.NRC1, base.NRC2, base.NRC3, base.WeightsRank, base.NRC1Err, base.NRC2Err, base.NRC3Err)
		}
	}
}

// TestRowSpaceFailureIsAnError: gonum's SVD fails on some non-finite
// input, such as the 3×5 W of ±Inf that a subnormal W scaled by +Inf
// became (QA session 24, W_sub.npy: it panicked). rowSpace reports the
// failure (ok false, an error from Compute) instead.
func TestRowSpaceFailureIsAnError(t *testing.T) {
	i := math.Inf(1)
	W := mat.NewDense(3, 5, []float64{i, i, -i, -i, -i, -i, -i, i, -i, -i, -i, -i, i, i, i})
	if _, _, _, ok := rowSpace(W, 0); ok {
		t.Error("SVD of the ±Inf W reported as fine")
	}
	if _, r, _, ok := rowSpace(mat.NewDense(2, 3, []float64{1, 0, 0, 0, 1, 0}), 0); !ok || r != 2 {
		t.Errorf("rank %d, ok %v for a rank-2 W", r, ok)
	}
}
