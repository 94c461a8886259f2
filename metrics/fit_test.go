package metrics

import (
	"math"
	"math/big"
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

// exactFit returns MSE, R² and the uniform R² of the float64 inputs in
// exact rational arithmetic (the reference of TestFitBounds).
func exactFit(M, d, n int, h, w, b, y []float64) (mse, r2, r2u *big.Rat) {
	rat := func(x float64) *big.Rat { return new(big.Rat).SetFloat64(x) }
	res, tot := make([]*big.Rat, n), make([]*big.Rat, n)
	for k := 0; k < n; k++ {
		mean := new(big.Rat)
		for i := 0; i < M; i++ {
			mean.Add(mean, rat(y[i*n+k]))
		}
		mean.Quo(mean, big.NewRat(int64(M), 1))
		res[k], tot[k] = new(big.Rat), new(big.Rat)
		for i := 0; i < M; i++ {
			e := rat(b[k])
			for j := 0; j < d; j++ {
				e.Add(e, new(big.Rat).Mul(rat(w[k*d+j]), rat(h[i*d+j])))
			}
			e.Sub(e, rat(y[i*n+k]))
			res[k].Add(res[k], new(big.Rat).Mul(e, e))
			c := new(big.Rat).Sub(rat(y[i*n+k]), mean)
			tot[k].Add(tot[k], c.Mul(c, c))
		}
	}
	R, T, u := new(big.Rat), new(big.Rat), new(big.Rat)
	for k := 0; k < n; k++ {
		R.Add(R, res[k])
		T.Add(T, tot[k])
		u.Add(u, new(big.Rat).Sub(big.NewRat(1, 1), new(big.Rat).Quo(res[k], tot[k])))
	}
	mse = new(big.Rat).Quo(R, big.NewRat(int64(M), 1))
	r2 = new(big.Rat).Sub(big.NewRat(1, 1), new(big.Rat).Quo(R, T))
	return mse, r2, u.Quo(u, big.NewRat(int64(n), 1))
}

// TestFitBounds: MSE, R² and the uniform R² are within their bounds of the
// exact values of the float64 inputs, on fits from poor to exact to the
// last bit, with large offsets and at scales down to 2^-540 (squares
// subnormal) — and the bounds are not vacuous. Removing the cross term
// 2√(R·E) from the residual bound, or the rounding of 1 − R/T, fails it
// (good fits: the residuals lose digits to cancellation, and R² ≈ 1).
func TestFitBounds(t *testing.T) {
	const M, d, n = 60, 5, 3
	rng := rand.New(rand.NewPCG(11, 12))
	// mseRel caps MSEErr/MSE: the residuals lose the digits the fit
	// cancels (a fit to 1e-12 of targets of size 1 leaves about 4 of the
	// residuals' 16; with offsets of 1e8 a residual of 1e-9 has none, and
	// the bound says so: no cap).
	for _, c := range []struct {
		name         string
		noise, shift float64
		scale        int
		mseRel       float64
	}{
		{"poor", 1, 0, 0, 1e-12}, {"good 1e-6", 1e-6, 0, 0, 1e-8}, {"good 1e-12", 1e-12, 0, 0, 0.1}, {"last bit", 1e-17, 0, 0, math.Inf(1)},
		{"offset 1e8", 1e-9, 1e8, 0, math.Inf(1)}, {"scale 2^-540", 1e-3, 0, -540, 1e-9}, {"scale 2^500", 1e-3, 0, 500, 1e-9},
		// QA session 22: a bias carrying an offset of 1e15 over a spread of
		// 1 — the residual is formed as pred + (b − y), and the deviations
		// from a mean corrected in a second pass, so both keep their digits
		// (pred − y + b and a float64 mean left R² wrong in the 3rd digit).
		{"offset 1e15", 1, 1e15, 0, 1e-10},
	} {
		h, w, y := randn(rng, M, d), randn(rng, n, d), make([]float64, M*n)
		b := []float64{c.shift + 0.5, c.shift - 1, c.shift + 2}
		for i := 0; i < M; i++ {
			for k := 0; k < n; k++ {
				p := b[k]
				for j := 0; j < d; j++ {
					p += w[k*d+j] * h[i*d+j]
				}
				y[i*n+k] = p + c.noise*rng.NormFloat64()
			}
		}
		// Scale features, bias and targets by 2^scale (exact).
		for i := range h {
			h[i] = math.Ldexp(h[i], c.scale)
		}
		for i := range y {
			y[i] = math.Ldexp(y[i], c.scale)
		}
		for k := range b {
			b[k] = math.Ldexp(b[k], c.scale)
		}
		got, err := Fit(mustMatrix(t, M, d, h), mustMatrix(t, n, d, w), b, mustMatrix(t, M, n, y))
		if err != nil {
			t.Fatal(err)
		}
		mse, r2, r2u := exactFit(M, d, n, h, w, b, y)
		for _, q := range []struct {
			what     string
			got, err float64
			want     *big.Rat
			maxRel   float64 // the bound must be below this, relative to |want| (or 1 for R²)
		}{
			{"MSE", got.MSE, got.MSEErr, mse, c.mseRel},
			{"R2", got.R2, got.R2Err, r2, 1e-9},
			{"R2Uniform", got.R2Uniform, got.R2UniformErr, r2u, 1e-9},
		} {
			if q.what == "MSE" && got.MSEOutOfRange {
				if w, _ := q.want.Float64(); w >= 0x1p-1022 && w <= math.MaxFloat64 {
					t.Errorf("%s: MSE out of range, but it is %g", c.name, w)
				}
				continue
			}
			diff := new(big.Rat).Sub(new(big.Rat).SetFloat64(q.got), q.want)
			if diff.Abs(diff).Cmp(new(big.Rat).SetFloat64(q.err)) > 0 {
				f, _ := diff.Float64()
				t.Errorf("%s: %s = %.17g, exact %s: off by %.3g, bound %.3g", c.name, q.what, q.got, q.want.FloatString(25), f, q.err)
			}
			ref, _ := q.want.Float64()
			if q.what != "MSE" {
				ref = 1
			}
			if q.err > q.maxRel*math.Abs(ref) {
				t.Errorf("%s: %s bound %.3g is vacuous (value %.3g)", c.name, q.what, q.err, ref)
			}
		}
	}
}

// TestFitScaleInvariant: R² does not depend on the scale of the data; it
// came out −17.4 for −5.74 at 10^-162 (QA session 22), where the squares
// of the residuals are subnormal. Here the data are scaled by 2^-540,
// 2^-1000 and 2^1000 (exact): R² is bit-identical, and an MSE beyond
// float64's normal range is flagged, not printed as 0 or a subnormal.
func TestFitScaleInvariant(t *testing.T) {
	const M, d, n = 50, 4, 2
	rng := rand.New(rand.NewPCG(5, 6))
	h, w, y := randn(rng, M, d), randn(rng, n, d), randn(rng, M, n)
	base, err := Fit(mustMatrix(t, M, d, h), mustMatrix(t, n, d, w), nil, mustMatrix(t, M, n, y))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []int{-540, -1000, 1000} {
		hs, ys := make([]float64, len(h)), make([]float64, len(y))
		for i := range h {
			hs[i] = math.Ldexp(h[i], e)
		}
		for i := range y {
			ys[i] = math.Ldexp(y[i], e)
		}
		got, err := Fit(mustMatrix(t, M, d, hs), mustMatrix(t, n, d, w), nil, mustMatrix(t, M, n, ys))
		if err != nil {
			t.Fatal(err)
		}
		if got.R2 != base.R2 || got.R2Uniform != base.R2Uniform {
			t.Errorf("2^%d: R² %.17g, %.17g; unscaled %.17g, %.17g", e, got.R2, got.R2Uniform, base.R2, base.R2Uniform)
		}
		wantMSE := math.Ldexp(base.MSE, 2*e)
		switch {
		case wantMSE >= 0x1p-1022 && !math.IsInf(wantMSE, 0):
			if got.MSEOutOfRange || got.MSE != wantMSE {
				t.Errorf("2^%d: MSE %g (out of range %v), want %g", e, got.MSE, got.MSEOutOfRange, wantMSE)
			}
		case !got.MSEOutOfRange || !math.IsNaN(got.MSE):
			t.Errorf("2^%d: MSE %g not flagged out of range (true value 2^%d·%g)", e, got.MSE, 2*e, base.MSE)
		}
	}
}
