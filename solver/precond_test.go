package solver

import (
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"gonum.org/v1/gonum/floats"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
)

// forcePrecond runs f with every k > 1 problem on the Newton–Krylov
// path and, when mf is true, its matrix-free preconditioner (precondDenseMax
// 0) instead of the dense float64 factor.
func forcePrecond(mf bool, f func()) {
	old := precondDenseMax
	defer func() { precondDenseMax = old }()
	precondDenseMax = math.MaxInt
	if mf {
		precondDenseMax = 0
	}
	forcePath(true, f)
}

// TestMatrixFreeMatchesDenseFactor: the bench-shaped instance n = 12,
// d = 24, M = 60 solved at 30 digits with the matrix-free preconditioner
// and with the dense float64 factor converges on both, to the same
// W Wᵀ to 29 digits relative to max|W Wᵀ| (both claim 30) and the same
// minimum loss, in as many Newton steps (the preconditioner changes only
// how the Newton systems are solved, not their tolerance).
func TestMatrixFreeMatchesDenseFactor(t *testing.T) {
	in := mkInstance(t, "bench12", benchTargets(12, 60, 1), "0.01", "0.03", 24, "free", "")
	var dense, mf *Result
	forcePrecond(false, func() { dense = solveOK(t, in, Settings{Digits: 30}) })
	forcePrecond(true, func() { mf = solveOK(t, in, Settings{Digits: 30}) })
	if !dense.Converged || !mf.Converged {
		t.Fatalf("dense factor %s %v, matrix-free %s %v", dense.Stop, dense.Notes, mf.Stop, mf.Notes)
	}
	if e := maxEntryErr(dense.WW, mf.WW, dense.WW.MaxAbs()); e > -29 {
		t.Errorf("W Wᵀ of the two preconditioners differ by 1e%.1f relative", e)
	}
	if el := relErr(dense.MinLoss, mf.MinLoss, dense.MinLoss); el > -29 {
		t.Errorf("minimum losses differ by 1e%.1f relative", el)
	}
	t.Logf("dense factor %d Newton steps, matrix-free %d", dense.Iterations, mf.Iterations)
	if mf.Iterations > dense.Iterations+1 {
		t.Errorf("matrix-free preconditioner took %d Newton steps, the dense factor %d", mf.Iterations, dense.Iterations)
	}
}

// TestMatrixFreeTrace is a developer tool like TestKrylovTrace:
// UFM_MF_TRACE=FILE solves FILE with the matrix-free preconditioner forced
// (whatever n·k), one stderr line per PCG solve and the progress lines.
func TestMatrixFreeTrace(t *testing.T) {
	f := os.Getenv("UFM_MF_TRACE")
	if f == "" {
		t.Skip("set UFM_MF_TRACE=instance.json")
	}
	in, err := instance.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	krylovTrace = os.Stderr
	defer func() { krylovTrace = nil }()
	var res *Result
	forcePrecond(true, func() { res, err = Solve(in, Settings{Progress: os.Stderr, TimeLimit: 30 * time.Minute}) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s after %d Newton steps, %d digits, %v; history %.1f", f, res.Stop, res.Iterations, res.DigitsReached, res.Duration, res.History)
}

// BenchmarkPrecondStep: one Newton–Krylov step (preconditioner build plus
// PCG to cgDone) from the point one Newton step after the float64 stage-1
// point of the bench-shaped
// instance (d = 2n, M = 5n, 50 digits), with the dense float64 Cholesky
// factor and with the matrix-free inner solve, on the same system. n = 48
// and 64 run only with UFM_BENCH_LARGE=1. Reports the outer CG iterations
// (big-float products), the inner float64 products per step and the CPU
// seconds per step (cpu-s/op, all threads: the machine is shared).
func BenchmarkPrecondStep(b *testing.B) {
	ns := []int{12, 24, 32}
	if os.Getenv("UFM_BENCH_LARGE") != "" {
		ns = append(ns, 48, 64)
	}
	for _, n := range ns {
		in := mkInstance(b, "bench", benchTargets(n, 5*n, 1), "0.01", "0.03", 2*n, "free", "")
		red, err := newReduced(in, in.LambdaH, in.LambdaW, bigmat.Bits(50)+64)
		if err != nil {
			b.Fatal(err)
		}
		s1 := red.stage1(2, 1, time.Now().Add(time.Minute))
		pt, err := red.eval(bigmat.FromFloat64(red.n, red.k, red.prec, s1.v))
		if err != nil {
			b.Fatal(err)
		}
		// One Newton step first: the benchmarked step starts at ‖∇φ‖ ≈
		// 1e-15 and needs about 30 digits of residual reduction.
		d, _, _, err := red.krylovStep(pt, red.nuFor(pt, 1))
		if err != nil {
			b.Fatal(err)
		}
		if pt, err = red.eval(new(bigmat.Dense).Add(pt.v, d)); err != nil {
			b.Fatal(err)
		}
		for _, path := range []string{"dense", "matrixfree"} {
			b.Run(fmt.Sprintf("n%d-d%d/%s", n, 2*n, path), func(b *testing.B) {
				old := precondDenseMax
				defer func() { precondDenseMax = old }()
				precondDenseMax = math.MaxInt
				if path == "matrixfree" {
					precondDenseMax = 0
				}
				var kc krylovCache
				c0 := processCPU()
				for i := 0; i < b.N; i++ {
					red.exact.kry = krylovCache{}
					if _, _, _, err := red.krylovStep(pt, red.nuFor(pt, 1)); err != nil {
						b.Fatal(err)
					}
					kc = red.exact.kry
				}
				b.ReportMetric((processCPU()-c0).Seconds()/float64(b.N), "cpu-s/op")
				b.ReportMetric(float64(kc.cgIterations), "cg-iters")
				b.ReportMetric(float64(kc.innerIterations), "inner-iters")
			})
		}
	}
}

// TestMatrixFreeAdversarial runs the testdata instances of
// TestKrylovMatchesDense (degenerate valleys c = σ_j, targets spanning 60
// orders, tiny c) on the Newton–Krylov path with each preconditioner. The
// preconditioner only proposes CG directions, so the two must reach the
// same point: where each reports DigitsReached, W Wᵀ agree to
// min(D, D') − 1 digits relative to max|W Wᵀ| (absolute in the unit a0
// where W* = 0, as in TestKrylovMatchesDense), and the matrix-free one
// must not fail its certificate where the dense factor's converged.
func TestMatrixFreeAdversarial(t *testing.T) {
	if testing.Short() {
		t.Skip("solves every testdata instance twice")
	}
	for _, f := range adversarialPathFiles {
		in := loadTestdata(t, f)
		if min(in.N(), in.D) < 2 {
			continue
		}
		var dense, mf *Result
		forcePrecond(false, func() { dense = solveOK(t, in, Settings{Digits: 40}) })
		forcePrecond(true, func() { mf = solveOK(t, in, Settings{Digits: 40}) })
		t.Logf("%s: dense factor %s %d digits %d steps, matrix-free %s %d digits %d steps", f, dense.Stop, dense.DigitsReached, dense.Iterations, mf.Stop, mf.DigitsReached, mf.Iterations)
		if !mf.Converged {
			switch {
			case !dense.Converged:
			case f == "qa_r3.json":
				// Known limit (precond.go): targets spanning 60 orders
				// leave the float64 inner CG far from the inverse; the
				// solve ends without a claim (iteration-limit or
				// linear-convergence, depending on the run's timing).
				t.Logf("%s: matrix-free preconditioner stops %s (known, precond.go)", f, mf.Stop)
			default:
				t.Errorf("%s: matrix-free preconditioner %s %v where the dense factor converged", f, mf.Stop, mf.Notes)
			}
			continue
		}
		e, ok := wwDisagreement(t, in, dense, mf)
		if !ok {
			continue
		}
		d := min(dense.DigitsReached, mf.DigitsReached)
		if e > -float64(d-1) {
			t.Errorf("%s: W Wᵀ of the two preconditioners differ by 1e%.1f relative, both claim ≥ %d digits", f, e, d)
		}
	}
}

// TestHessVec64: on every derivative case, the float64 product apply64
// and the float64 system product (H + R*R + ν'I)e match the big-float
// operator (apply, gauge) at 600 bits to 1e-12 relative to
// max(1, ‖H‖-scale)·‖e‖ (float64 rounding of O(n) terms), and diag64 is
// the diagonal of dense64 + addGauge64 to 1e-12 relative to max(1, max|h|).
func TestHessVec64(t *testing.T) {
	const prec = 600
	for ci, in := range derivativeCases(t) {
		red, err := newReduced(in, in.LambdaH, in.LambdaW, prec)
		if err != nil {
			t.Fatal(err)
		}
		pt, err := red.eval(randDense(red.n, red.k, prec, uint64(ci+21)))
		if err != nil {
			t.Fatal(err)
		}
		op := red.newHessOp(pt, prec)
		h, ok := op.dense64()
		if !ok {
			t.Fatalf("%s: dense64 not finite", in.Name)
		}
		op.addGauge64(h, 1)
		N := red.n * red.k
		ref := 1.0
		for _, x := range h {
			ref = math.Max(ref, math.Abs(x))
		}
		diag := op.diag64()
		for i := 0; i < N; i++ {
			if d := math.Abs(diag[i] - h[i*N+i]); d > 1e-12*ref {
				t.Fatalf("%s: diag64[%d] = %g, dense %g", in.Name, i, diag[i], h[i*N+i])
			}
		}
		mf := &mfPrecond{op: op, shift: 0.25, ws: newHessWork64(red.n, red.k), vte: make([]float64, red.k*red.k)}
		e := randDense(red.n, red.k, prec, uint64(100*ci+7))
		e64 := e.Float64s()
		want := new(bigmat.Dense).Add(op.apply(e), op.gauge(e))
		want.Add(want, new(bigmat.Dense).Scale(newFloat(prec).SetFloat64(0.25), e))
		got := make([]float64, N)
		mf.system64(got, e64)
		wantH := op.apply(e).Float64s()
		gotH := make([]float64, N)
		op.apply64(gotH, e64, mf.ws)
		w64 := want.Float64s()
		tol := 1e-12 * ref * float64(N) * floats.Norm(e64, math.Inf(1))
		for i := 0; i < N; i++ {
			if d := math.Abs(gotH[i] - wantH[i]); d > tol {
				t.Fatalf("%s: apply64 entry %d = %g, apply %g", in.Name, i, gotH[i], wantH[i])
			}
			if d := math.Abs(got[i] - w64[i]); d > tol {
				t.Fatalf("%s: system64 entry %d = %g, big-float %g", in.Name, i, got[i], w64[i])
			}
		}
	}
}

// TestMatrixFreeGivesUp: with the matrix-free preconditioner tried first
// at every size (matrixFreeFirst 0) on the Newton–Krylov path, qa_r3
// (targets spanning 60 orders of magnitude, where the float64 inner CG
// stalls) must still converge: the stalled solve hands the problem to the
// dense factor, which converges there.
func TestMatrixFreeGivesUp(t *testing.T) {
	old := matrixFreeFirst
	defer func() { matrixFreeFirst = old }()
	matrixFreeFirst = 0
	in := loadTestdata(t, "qa_r3.json")
	var res *Result
	forcePath(true, func() { res = solveOK(t, in, Settings{Digits: 30}) })
	if !res.Converged {
		t.Errorf("qa_r3 with the matrix-free preconditioner first: %s %v", res.Stop, res.Notes)
	}
}
