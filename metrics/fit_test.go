package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFit against a direct loop (different order of operations), on a
// sample count that is not a multiple of the block size.
func TestFit(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const M, d, n = 700, 5, 3
	h, w, y := randn(rng, M, d), randn(rng, n, d), randn(rng, M, n)
	for i := range y {
		y[i] = 2*y[i] + 1
	}
	b := []float64{0.5, -1, 2}
	got, err := Fit(mustMatrix(t, M, d, h), mustMatrix(t, n, d, w), b, mustMatrix(t, M, n, y))
	if err != nil {
		t.Fatal(err)
	}
	var sse float64
	res, tot, mean := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := 0; i < M; i++ {
		for k := 0; k < n; k++ {
			mean[k] += y[i*n+k] / M
		}
	}
	for i := 0; i < M; i++ {
		for k := 0; k < n; k++ {
			p := b[k]
			for j := 0; j < d; j++ {
				p += w[k*d+j] * h[i*d+j]
			}
			e := p - y[i*n+k]
			sse += e * e
			res[k] += e * e
			tot[k] += (y[i*n+k] - mean[k]) * (y[i*n+k] - mean[k])
		}
	}
	wantR2 := 1 - (res[0]+res[1]+res[2])/(tot[0]+tot[1]+tot[2])
	wantU := 0.0
	for k := range res {
		wantU += (1 - res[k]/tot[k]) / n
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"MSE", got.MSE, sse / M}, {"R2", got.R2, wantR2}, {"R2Uniform", got.R2Uniform, wantU}} {
		if math.Abs(c.got-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
			t.Errorf("%s = %.17g, want %.17g", c.name, c.got, c.want)
		}
	}
	// A perfect fit: Y = H Wᵀ + b exactly representable → MSE 0, R² 1.
	yp := make([]float64, M*n)
	for i := 0; i < M; i++ {
		for k := 0; k < n; k++ {
			yp[i*n+k] = float64(i%7 - k)
		}
	}
	hp := make([]float64, M*n)
	copy(hp, yp)
	eye := []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	perfect, err := Fit(mustMatrix(t, M, n, hp), mustMatrix(t, n, n, eye), nil, mustMatrix(t, M, n, yp))
	if err != nil || perfect.MSE != 0 || perfect.R2 != 1 || !perfect.Valid {
		t.Errorf("perfect fit: %+v %v", perfect, err)
	}
	// Errors.
	if _, err := Fit(mustMatrix(t, M, d, h), mustMatrix(t, n, d, w), []float64{1}, mustMatrix(t, M, n, y)); err == nil {
		t.Error("short bias accepted")
	}
	if _, err := Fit(mustMatrix(t, M, d, h), mustMatrix(t, n, d, w), []float64{1, math.NaN(), 0}, mustMatrix(t, M, n, y)); err == nil {
		t.Error("NaN bias accepted")
	}
	// Constant targets: R² undefined.
	yc := make([]float64, M*n)
	c, _ := Fit(mustMatrix(t, M, d, h), mustMatrix(t, n, d, w), nil, mustMatrix(t, M, n, yc))
	if c.Valid || c.ConstantOutputs != n {
		t.Errorf("constant targets: %+v", c)
	}
}
