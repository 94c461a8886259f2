package solver

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/nrc-ufm/ufm/instance"
)

// forceMatrixFree runs f with every k > 1 problem on the Newton–Krylov
// path and, when mf is true, its matrix-free preconditioner (precondDenseMax
// 0) instead of the dense float64 factor.
func forceMatrixFree(mf bool, f func()) {
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
	forceMatrixFree(false, func() { dense = solveOK(t, in, Settings{Digits: 30}) })
	forceMatrixFree(true, func() { mf = solveOK(t, in, Settings{Digits: 30}) })
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
	forceMatrixFree(true, func() { res, err = Solve(in, Settings{Progress: os.Stderr, TimeLimit: 30 * time.Minute}) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s after %d Newton steps, %d digits, %v; history %.1f", f, res.Stop, res.Iterations, res.DigitsReached, res.Duration, res.History)
}
