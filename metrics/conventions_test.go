package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// bruteResiduals computes Σ_i ‖x_i − P x_i‖² (x_i the centered rows, P the
// projector onto the top-k eigenvectors of their covariance) with dense
// gonum matrices: an independent check of the streaming pass.
func bruteResiduals(h []float64, M, d, k int) float64 {
	X := mat.NewDense(M, d, append([]float64(nil), h...))
	for j := 0; j < d; j++ {
		m := 0.0
		for i := 0; i < M; i++ {
			m += X.At(i, j)
		}
		m /= float64(M)
		for i := 0; i < M; i++ {
			X.Set(i, j, X.At(i, j)-m)
		}
	}
	var C mat.SymDense
	C.SymOuterK(1/float64(M), X.T())
	var eig mat.EigenSym
	eig.Factorize(&C, true)
	if k == 0 {
		return math.Pow(mat.Norm(X, 2), 2)
	}
	var V mat.Dense
	eig.VectorsTo(&V)
	U := V.Slice(0, d, d-k, d)
	var P, R mat.Dense
	P.Mul(U, U.T())
	R.Mul(X, &P)
	R.Sub(X, &R)
	return math.Pow(mat.Norm(&R, 2), 2)
}

func TestConventions(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const M, d, n = 300, 6, 2
	h := randn(rng, M, d)
	for i := range h {
		h[i] *= 3 // features with units: unnormalized residuals are not ≤ 1
	}
	w := randn(rng, n, d)
	y := randn(rng, M, n)
	base := compute(t, M, d, n, h, w, y, Options{})
	per := compute(t, M, d, n, h, w, y, Options{PerCoordinate: true})
	raw := compute(t, M, d, n, h, w, y, Options{Unnormalized: true})
	rawPer := compute(t, M, d, n, h, w, y, Options{Unnormalized: true, PerCoordinate: true})

	if !close(per.NRC1, base.NRC1/d, 1e-15) || !close(per.NRC2, base.NRC2/d, 1e-15) {
		t.Errorf("per-coordinate: %g %g, want %g %g", per.NRC1, per.NRC2, base.NRC1/d, base.NRC2/d)
	}
	want := bruteResiduals(h, M, d, n) / M
	if math.Abs(raw.NRC1-want) > 1e-12*want {
		t.Errorf("unnormalized NRC1 = %.17g, dense computation %.17g", raw.NRC1, want)
	}
	if raw.NRC1 <= 1 {
		t.Errorf("unnormalized NRC1 = %g should carry the features' scale (> 1 here)", raw.NRC1)
	}
	if !close(rawPer.NRC1, raw.NRC1/d, 1e-12*raw.NRC1) {
		t.Errorf("unnormalized per-coordinate %g, want %g", rawPer.NRC1, raw.NRC1/d)
	}
	// NRC3 and the EVR do not depend on these conventions.
	if raw.NRC3 != base.NRC3 || raw.EVR[0] != base.EVR[0] {
		t.Errorf("NRC3/EVR changed with the feature conventions")
	}
	// W = 0: the unnormalized NRC2 is the mean squared norm.
	zero := make([]float64, n*d)
	r0 := compute(t, M, d, n, h, zero, y, Options{Unnormalized: true})
	ms := bruteResiduals(h, M, d, 0) / M
	if math.Abs(r0.NRC2-ms) > 1e-12*ms {
		t.Errorf("W = 0: unnormalized NRC2 = %g, want mean squared norm %g", r0.NRC2, ms)
	}
}

func TestConventionsBigRefused(t *testing.T) {
	a := toBig(2, 2, []float64{1, 0, 0, 1}, 100)
	if _, err := ComputeBig(a, a, a, 10, Options{PerCoordinate: true}); err == nil {
		t.Fatal("ComputeBig accepted PerCoordinate")
	}
}
