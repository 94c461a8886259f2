package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSubspaceMatchesFull: the subspace path gives the full path's
// NRC1, NRC2 and EVR to within 1e-9 relative (plus 1e-14 absolute, the
// rounding level of values of order 1): the Ritz residuals are ≤ 1e-13·θ_1,
// so eigenvalues agree to that and the top-k projector to that over the
// gap, which these data keep ≥ 1e-3·θ_1.
func TestSubspaceMatchesFull(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	type data struct {
		name    string
		M, d, n int
		h, w, y []float64
	}
	var cases []data
	// Near an n-dimensional subspace, with a common offset (as benchData).
	h, w, y := benchData(3000, 128, 5)
	cases = append(cases, data{"near-collapse", 3000, 128, 5, h, w, y})
	// Exactly collapsed: rank-n features (NRC1 ≈ 1e-30 on both paths).
	M, d, n := 800, 96, 3
	coef, basis := randn(rng, M, n), randn(rng, n, d)
	cases = append(cases, data{"exact-collapse", M, d, n, matmul(coef, basis, M, n, d), basis, randn(rng, M, n)})
	// Decaying spectrum without a collapse.
	M, d, n = 2000, 100, 4
	hd := randn(rng, M, d)
	for i := 0; i < M; i++ {
		for j := 0; j < d; j++ {
			hd[i*d+j] *= math.Pow(0.93, float64(j))
		}
	}
	cases = append(cases, data{"decaying", M, d, n, hd, randn(rng, n, d), randn(rng, M, n)})
	for _, c := range cases {
		sub := compute(t, c.M, c.d, c.n, c.h, c.w, c.y, Options{})
		full := compute(t, c.M, c.d, c.n, c.h, c.w, c.y, Options{FullEigen: true})
		if sub.EigenMethod != "subspace" || full.EigenMethod != "full" {
			t.Errorf("%s: methods %q and %q", c.name, sub.EigenMethod, full.EigenMethod)
		}
		agree := func(what string, a, b float64) {
			if math.Abs(a-b) > 1e-9*math.Abs(b)+1e-14 {
				t.Errorf("%s: %s subspace %.17g, full %.17g", c.name, what, a, b)
			}
		}
		agree("NRC1", sub.NRC1, full.NRC1)
		agree("NRC2", sub.NRC2, full.NRC2)
		if len(sub.EVR) != len(full.EVR) {
			t.Fatalf("%s: %d and %d EVR", c.name, len(sub.EVR), len(full.EVR))
		}
		for j := range sub.EVR {
			agree("EVR", sub.EVR[j], full.EVR[j])
		}
		if c.name == "exact-collapse" && sub.NRC1 > 1e-20 {
			t.Errorf("exact collapse: NRC1 = %g on the subspace path", sub.NRC1)
		}
	}
}

// TestSubspaceFallsBack: when the wanted eigenvalues are not separated
// from the rest (isotropic noise), the iteration does not converge in
// its budget and the full path answers.
func TestSubspaceFallsBack(t *testing.T) {
	d := 128
	cov := make([]float64, d*d)
	for i := 0; i < d; i++ {
		cov[i*d+i] = 1 + 1e-9*float64(i%7)
	}
	vals, U, method, ok := principal(cov, d, 4, 9, false)
	if !ok || method != "full" || len(vals) != d || U == nil {
		t.Fatalf("method %q ok %v, %d values", method, ok, len(vals))
	}
	// A well-separated spectrum converges.
	for i := 0; i < d; i++ {
		cov[i*d+i] = math.Pow(0.5, float64(i))
	}
	vals, _, method, ok = principal(cov, d, 4, 9, false)
	if !ok || method != "subspace" || len(vals) != 9 {
		t.Fatalf("separated spectrum: method %q ok %v", method, ok)
	}
	for i, v := range vals {
		if want := math.Pow(0.5, float64(i)); math.Abs(v-want) > 1e-13 {
			t.Errorf("eigenvalue %d = %.17g, want %.17g", i, v, want)
		}
	}
}
