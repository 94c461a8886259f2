package solver

import (
	"math"
	"math/big"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
)

// TestHessVecMatchesDense checks the Hessian–vector product of hessOp
// against the dense Hessian (itself checked against finite differences in
// TestHessianFiniteDifferences) on every derivative case, at 600 bits: the
// two evaluate the same sums in different orders, so they agree to the
// rounding of about nk terms of size ≤ max|h|·|e|, far below the stated
// tolerance 1e-150 relative to max(1, ‖H‖_F‖E‖_F). It also checks the
// float64 Hessian (dense64) entrywise to 1e-12 relative to max(1, max|h|)
// (float64 rounding of O(n) terms).
func TestHessVecMatchesDense(t *testing.T) {
	const prec = 600
	for ci, in := range derivativeCases(t) {
		red, err := newReduced(in, in.LambdaH, in.LambdaW, prec)
		if err != nil {
			t.Fatal(err)
		}
		v := randDense(red.n, red.k, prec, uint64(ci+21))
		pt, err := red.eval(v)
		if err != nil {
			t.Fatal(err)
		}
		h := red.hessian(pt)
		op := red.newHessOp(pt, prec)
		for trial := 0; trial < 3; trial++ {
			e := randDense(red.n, red.k, prec, uint64(100*ci+trial))
			got := op.apply(e)
			want := unvec(new(bigmat.Dense).Mul(h, vec(e)), red.n, red.k)
			diff := new(bigmat.Dense).Sub(got, want).FrobeniusNorm()
			scale := new(big.Float).Mul(h.FrobeniusNorm(), e.FrobeniusNorm())
			maxBig(scale, big.NewFloat(1))
			if diff.Sign() != 0 && log10Float(diff)-log10Float(scale) > -150 {
				t.Errorf("%s: H·E differs from the dense Hessian by %s (scale %s)", in.Name, bigmat.Text(diff, 3), bigmat.Text(scale, 3))
			}
		}
		h64, ok := op.dense64()
		if !ok {
			t.Fatalf("%s: dense64 not finite", in.Name)
		}
		ref, _ := h.MaxAbs().Float64()
		ref = math.Max(ref, 1)
		N := red.n * red.k
		for i := 0; i < N; i++ {
			for j := 0; j < N; j++ {
				if d := math.Abs(h64[i*N+j] - h.Float64(i, j)); d > 1e-12*ref {
					t.Fatalf("%s: float64 Hessian entry (%d,%d) = %g, dense %g", in.Name, i, j, h64[i*N+j], h.Float64(i, j))
				}
			}
		}
	}
}
