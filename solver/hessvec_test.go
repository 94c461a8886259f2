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

// TestHessVecPrecision: the operator at p bits, built from a point
// evaluated at 4p bits, against the dense Hessian at 4p bits (exact in
// comparison), on every derivative case and on a bench-shaped instance
// (n = 12, k = 12), at p = 200 and 384. Every product of apply is within
// 2^-p of its operands' row and column norms and the factors are rounded
// to p bits, so H·E is within a small multiple of 2^-p·scale, scale the
// sum of the terms' norms ‖E‖ + Σ w(‖B‖‖E‖‖G1‖ + ‖T‖‖E‖‖Q‖ +
// ‖P‖‖E‖‖G2−I‖ + ‖Q‖‖E‖‖T‖) (Frobenius): the tolerance is 2^(12−p)·scale.
// The gauge term V(VᵀE − EᵀV)/2 likewise, against a 4p-bit evaluation,
// relative to ‖V‖²‖E‖.
func TestHessVecPrecision(t *testing.T) {
	cases := derivativeCases(t)
	cases = append(cases, mkInstance(t, "bench-n12", benchTargets(12, 60, 1), "0.01", "0.03", 24, "free", ""))
	for ci, in := range cases {
		for _, p := range []uint{200, 384} {
			hi := 4 * p
			red, err := newReduced(in, in.LambdaH, in.LambdaW, hi)
			if err != nil {
				t.Fatal(err)
			}
			pt, err := red.eval(fullMantissas(randDense(red.n, red.k, hi, uint64(ci+41))))
			if err != nil {
				t.Fatal(err)
			}
			h := red.hessian(pt)
			op := red.newHessOp(pt, p)
			ref := red.newHessOp(pt, hi)
			for trial := 0; trial < 2; trial++ {
				e := fullMantissas(randDense(red.n, red.k, p, uint64(100*ci+trial+7)))
				got := op.apply(e)
				want := unvec(new(bigmat.Dense).Mul(h, vec(e)), red.n, red.k)
				checkWithin(t, in.Name+" H·E", got, want, p, hessTermScale(op, e))
				vn := op.v.FrobeniusNorm()
				gscale := new(big.Float).Mul(vn, vn)
				gscale.Mul(gscale, e.FrobeniusNorm())
				checkWithin(t, in.Name+" gauge", op.gauge(e), ref.gauge(e), p, gscale)
			}
		}
	}
}

// hessTermScale is the sum of the Frobenius norms of the terms of
// op.apply(e) (see TestHessVecPrecision).
func hessTermScale(op *hessOp, e *bigmat.Dense) *big.Float {
	en := e.FrobeniusNorm()
	s := new(big.Float).Set(en)
	for _, hb := range op.blks {
		var t big.Float
		for _, f := range [][3]*bigmat.Dense{{hb.b, e, hb.g1}, {hb.t, e, hb.q}, {hb.p, e, hb.g2m}, {hb.q, e, hb.t}} {
			t.Mul(f[0].FrobeniusNorm(), f[1].FrobeniusNorm())
			t.Mul(&t, f[2].FrobeniusNorm())
			t.Mul(&t, new(big.Float).Abs(hb.w))
			s.Add(s, &t)
		}
	}
	return s
}

// checkWithin fails unless ‖got − want‖_F ≤ 2^(12−p)·scale.
func checkWithin(t *testing.T, what string, got, want *bigmat.Dense, p uint, scale *big.Float) {
	t.Helper()
	diff := new(bigmat.Dense).Sub(got.Clone().SetPrec(4*p), want).FrobeniusNorm()
	tol := new(big.Float).SetMantExp(scale, 12-int(p))
	if diff.Cmp(tol) > 0 {
		t.Errorf("%s at %d bits: error %s above 2^(12−p)·scale = %s", what, p, bigmat.Text(diff, 3), bigmat.Text(tol, 3))
	}
}
