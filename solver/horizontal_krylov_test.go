package solver

import (
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/nrc-ufm/ufm/bigmat"
)

// forceMatrixFree runs f with every k > 1 problem on the Newton–Krylov
// path and the end-game verdict made without the dense Hessian, with no
// dense fallback (horizontal_krylov.go).
func forceMatrixFree(f func()) {
	old := denseVerdictFallback
	defer func() { denseVerdictFallback = old }()
	denseVerdictFallback = false
	forcePath(true, f)
}

// TestMatrixFreeVerdictFlatValley: QA h1_n2_e2 (σ within 10⁻¹⁰⁰⁰ of c, a
// quartic valley; see TestQAFlatValleyNearC) solved with the matrix-free
// verdict alone. Without an end game on this path the solver claimed 30
// digits of a W Wᵀ wrong by 10⁶⁵²; the matrix-free first-order part must
// see the flat direction as the dense one does.
func TestMatrixFreeVerdictFlatValley(t *testing.T) {
	forceMatrixFree(func() { checkFlatValleyNearC(t) })
}

// verdictPair computes the dense and the matrix-free verdicts at v.
func verdictPair(t *testing.T, r *reduced, v *bigmat.Dense) (*point, *horizontalVerdict, *horizontalVerdict) {
	t.Helper()
	pt, err := r.eval(v)
	if err != nil {
		t.Fatal(err)
	}
	dense := r.horizontal(pt, r.hessian(pt))
	old := denseVerdictFallback
	defer func() { denseVerdictFallback = old }()
	denseVerdictFallback = false
	free := r.horizontalKrylov(pt)
	if free == nil {
		t.Fatal("the matrix-free verdict returned nil without a fallback")
	}
	return pt, dense, free
}

// TestMatrixFreeVerdictMatchesDense compares the two verdicts (k = n) at
// a minimizer and at points near it, on instances with d ≥ n: the
// certificates must agree, and the change estimates of the two Newton
// steps regularized at the noise must agree to within a factor 3 (CG's
// stopping test makes the matrix-free step accurate to 10%; the two
// gauges differ along the rotations, which move VVᵀ only at second order).
func TestMatrixFreeVerdictMatchesDense(t *testing.T) {
	for _, c := range []struct {
		name string
		n, d int
	}{{"n3d3", 3, 3}, {"n4d8", 4, 8}, {"n6d12", 6, 12}} {
		in := mkInstance(t, c.name, benchTargets(c.n, 2*c.n, 7), "1/100", "3/100", c.d, "free", "")
		const prec = 400
		r, err := newReduced(in, in.LambdaH, in.LambdaW, prec)
		if err != nil {
			t.Fatal(err)
		}
		vmin := minimizeForTest(t, r)
		for _, eps := range []float64{0, 1e-30, 1e-12, 1e-4} {
			v := vmin.Clone()
			for i := 0; i < c.n; i++ {
				for j := 0; j < r.k; j++ {
					x := v.At(i, j)
					x.Add(x, newFloat(prec).SetFloat64(eps*math.Sin(float64(3*i+j+1))))
				}
			}
			_, dense, free := verdictPair(t, r, v)
			if dense.certified() != free.certified() || dense.global != free.global {
				t.Errorf("%s, ε = %g: dense certified %v (global %v), matrix-free %v (global %v)", c.name, eps, dense.certified(), dense.global, free.certified(), free.global)
			}
			floor := -float64(prec)*math.Log10(2) + 40 // both are rounding noise below this
			dl, fl := math.Max(dense.logChange, floor), math.Max(free.logChange, floor)
			if math.Abs(dl-fl) > math.Log10(3) {
				t.Errorf("%s, ε = %g: change estimate 1e%.2f (dense) vs 1e%.2f (matrix-free)", c.name, eps, dense.logChange, free.logChange)
			}
		}
	}
}

// minimizeForTest runs stage 2 from a fixed start to 100 digits and
// returns the minimizer's V.
func minimizeForTest(t *testing.T, r *reduced) *bigmat.Dense {
	t.Helper()
	v := bigmat.New(r.n, r.k, r.prec)
	for i := 0; i < r.n; i++ {
		for j := 0; j < r.k; j++ {
			v.At(i, j).SetFloat64(math.Cos(float64(i*r.k + j)))
			if i == j {
				v.At(i, j).SetFloat64(2)
			}
		}
	}
	it, err := newIteration(r, v, 100, 400, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	res, err := it.run()
	if err != nil {
		t.Fatal(err)
	}
	if !res.converged {
		t.Fatalf("stage 2 did not converge: %s", res.stop)
	}
	return res.pt.v
}

// TestMatrixFreeVerdictSaddle: n = d = 3 with diagonal targets of
// amplitudes (3, 2, 1) and λ_H = λ_W = 1/100, so all three directions are
// active (c is far below each σ). The point that takes only e₁ and e₂ at
// their one-dimensional optima, with V's third column zero, is stationary
// but a saddle: growing the third column lowers φ. Both verdicts must
// refuse to certify it and report resolved negative curvature.
func TestMatrixFreeVerdictSaddle(t *testing.T) {
	in := mkInstance(t, "saddle", diagTargets([]string{"0", "0", "0"}, []string{"3", "2", "1"}), "1/100", "1/100", 3, "free", "")
	const prec = 400
	r, err := newReduced(in, in.LambdaH, in.LambdaW, prec)
	if err != nil {
		t.Fatal(err)
	}
	if r.k != 3 || len(r.blocks) != 1 {
		t.Fatalf("k = %d, %d blocks", r.k, len(r.blocks))
	}
	blk := r.blocks[0]
	v := bigmat.New(3, 3, prec)
	for j := 0; j < 2; j++ {
		a := new(big.Float).SetPrec(prec).Sqrt(blk.s.At(j, j))
		a.Mul(a, new(big.Float).SetPrec(prec).Sqrt(blk.w))
		a.Sub(a, blk.rho)
		v.At(j, j).Sqrt(a)
	}
	pt, dense, free := verdictPair(t, r, v)
	if g := log10Float(pt.gnorm); g > -100 {
		t.Fatalf("the constructed saddle is not stationary: ‖∇φ‖ = 1e%.1f", g)
	}
	if dense.certified() || free.certified() {
		t.Errorf("a saddle certified: dense %v, matrix-free %v", dense.certified(), free.certified())
	}
	if !dense.negative || !free.negative {
		t.Errorf("negative curvature not resolved: dense %v, matrix-free %v", dense.negative, free.negative)
	}
}

// TestLocalFloat64: the float64 test (b) with its error bound proves
// Ĥ ⪰ τ·I at a minimizer whose curvatures are of order one, and refuses
// to prove Ĥ ⪰ tot·I for tot just above Ĥ's smallest eigenvalue, which
// inverse iteration on the dense big.Float Ĥ finds here (the minimizer's
// smallest horizontal curvature; an exact decision, since tot exceeds it
// by 10⁻⁶ of the scale while the float64 errors are about 10⁻¹³).
func TestLocalFloat64(t *testing.T) {
	in := mkInstance(t, "local", benchTargets(4, 8, 3), "1/100", "3/100", 8, "free", "")
	const prec = 300
	r, err := newReduced(in, in.LambdaH, in.LambdaW, prec)
	if err != nil {
		t.Fatal(err)
	}
	v := minimizeForTest(t, r)
	pt, err := r.eval(v)
	if err != nil {
		t.Fatal(err)
	}
	op := r.newHessOp(pt, prec)
	scale := op.diagScale()
	tau := newFloat(prec).SetMantExp(scale, curvGuardBits-prec)
	if !r.localFloat64(op, tau) {
		t.Fatalf("Ĥ ⪰ τ not proved at a minimizer")
	}
	// The gauge weight of localFloat64 on the dense matrix, and the
	// smallest eigenvalue of H + β R*R by inverse iteration.
	hh := r.hessian(pt)
	vn := pt.v.FrobeniusNorm()
	beta := newFloat(prec).Quo(newFloat(prec).Mul(scale, big.NewFloat(2)), newFloat(prec).Mul(vn, vn))
	N := r.n * r.k
	for c := 0; c < N; c++ {
		e := bigmat.New(r.n, r.k, prec)
		e.At(c/r.k, c%r.k).SetInt64(1)
		col := vec(op.gauge(e))
		for i := 0; i < N; i++ {
			x := hh.At(i, c)
			x.Add(x, newFloat(prec).Mul(beta, col.At(i, 0)))
		}
	}
	lmin := smallestEigenvalue(t, hh)
	if lmin.Sign() <= 0 {
		t.Fatalf("H + βR*R not positive definite at the minimizer: λ_min = %s", bigmat.Text(lmin, 5))
	}
	above := newFloat(prec).Add(lmin, newFloat(prec).Mul(scale, big.NewFloat(1e-6)))
	if r.localFloat64(op, above) {
		t.Errorf("proved Ĥ ⪰ %s with λ_min(Ĥ) = %s", bigmat.Text(above, 5), bigmat.Text(lmin, 5))
	}
	below := newFloat(prec).Mul(lmin, big.NewFloat(0.5))
	if !r.localFloat64(op, below) {
		t.Errorf("did not prove Ĥ ⪰ λ_min/2 = %s", bigmat.Text(below, 5))
	}
}

// smallestEigenvalue returns the smallest eigenvalue of the symmetric
// positive definite a by inverse iteration (Cholesky) with a Rayleigh
// quotient.
func smallestEigenvalue(t *testing.T, a *bigmat.Dense) *big.Float {
	t.Helper()
	N, _ := a.Dims()
	prec := a.Prec()
	var ch bigmat.Cholesky
	if err := ch.Factorize(a.Clone()); err != nil {
		return newFloat(prec) // not positive definite: report 0
	}
	x := bigmat.New(N, 1, prec)
	for i := 0; i < N; i++ {
		x.At(i, 0).SetFloat64(1 + math.Sin(float64(i)))
	}
	for range 200 {
		x = ch.SolveTo(new(bigmat.Dense), x)
		x.Scale(newFloat(prec).Quo(newFloat(prec).SetInt64(1), x.FrobeniusNorm()), x)
	}
	ax := new(bigmat.Dense).Mul(a, x)
	return dotBig(x, ax, prec)
}

// TestLMStepHugeIndefinite: lmStep's damping reaches a Hessian whose
// negative curvature is far beyond 400 tenfold raises of 2^(−prec/2)
// (entries of 10⁸⁰⁰, as with ρ ≈ 10⁻⁴²⁵ in QA h2 on the Newton–Krylov
// path, where the step failed with an internal error): the Gershgorin
// bound 2N·max|h_ij| ends the search with a positive definite system.
func TestLMStepHugeIndefinite(t *testing.T) {
	in := mkInstance(t, "lm", diagTargets([]string{"0", "0"}, []string{"3", "2"}), "1/100", "1/100", 1, "free", "")
	const prec = 200
	r, err := newReduced(in, in.LambdaH, in.LambdaW, prec)
	if err != nil {
		t.Fatal(err)
	}
	h := bigmat.New(2, 2, prec)
	h.At(0, 0).SetMantExp(big.NewFloat(-1), 2660) // about −10⁸⁰⁰
	h.At(1, 1).SetInt64(1)
	g := bigmat.New(2, 1, prec)
	g.At(0, 0).SetInt64(1)
	g.At(1, 0).SetInt64(1)
	d, nu, _, err := r.lmStep(h, g, r.nuMin())
	if err != nil {
		t.Fatalf("lmStep: %v", err)
	}
	if nu.MantExp(nil) < 2660 || d == nil {
		t.Errorf("ν = %s does not exceed the negative curvature", bigmat.Text(nu, 3))
	}
}

// TestProvedFloor: provedFloor's λ_L is a lower bound of the smallest
// eigenvalue of H + R*R (the undamped Newton system, assembled densely in
// big.Float from the operator's products and found by inverse iteration),
// at a minimizer (k = n and k < n) and at a point away from it; and
// proveAbove refuses to prove H + R*R ⪰ t for t just above that
// eigenvalue (10⁻⁶ of the scale above it, where the float64 errors are
// about 10⁻¹³), while it proves λ_min/2.
func TestProvedFloor(t *testing.T) {
	cases := []struct {
		name string
		n, d int
		away bool
	}{
		{"k=n minimizer", 4, 8, false},
		{"k<n minimizer", 5, 3, false},
		{"k=n away", 4, 8, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := mkInstance(t, "floor", benchTargets(c.n, 2*c.n, 5), "1/100", "3/100", c.d, "free", "")
			const prec = 300
			r, err := newReduced(in, in.LambdaH, in.LambdaW, prec)
			if err != nil {
				t.Fatal(err)
			}
			v := minimizeForTest(t, r)
			if c.away {
				v.At(0, 0).Add(v.At(0, 0), big.NewFloat(0.3))
			}
			pt, err := r.eval(v)
			if err != nil {
				t.Fatal(err)
			}
			op := r.newHessOp(pt, prec)
			N := r.n * r.k
			a := bigmat.New(N, N, prec)
			for col := 0; col < N; col++ {
				e := bigmat.New(r.n, r.k, prec)
				e.At(col/r.k, col%r.k).SetInt64(1)
				ae := vec(op.system(e, newFloat(prec)))
				for i := 0; i < N; i++ {
					a.At(i, col).Set(ae.At(i, 0))
				}
			}
			a.Symmetrize(a)
			lmin := smallestEigenvalue(t, a)
			floor := op.provedFloor()
			if floor.Sign() <= 0 {
				t.Fatalf("no floor proved; λ_min(H + R*R) = %s", bigmat.Text(lmin, 5))
			}
			if floor.Cmp(lmin) > 0 {
				t.Fatalf("floor %s above λ_min(H + R*R) = %s", bigmat.Text(floor, 5), bigmat.Text(lmin, 5))
			}
			h, ok := op.hessian64(1)
			if !ok {
				t.Fatal("hessian64 failed")
			}
			l64, _ := lmin.Float64()
			if h.proveAbove(l64 + 1e-6*h.maxDiag) {
				t.Errorf("proved H + R*R ⪰ λ_min + 10⁻⁶·scale, λ_min = %g", l64)
			}
			if !h.proveAbove(l64 / 2) {
				t.Errorf("did not prove H + R*R ⪰ λ_min/2 = %g", l64/2)
			}
			t.Logf("λ_min = %.6g, proved floor %s, scale %.3g", l64, bigmat.Text(floor, 3), h.maxDiag)
		})
	}
}
