package solver

import (
	"fmt"
	"math"
	"math/big"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
)

// Matrix-free preconditioner (issue 15: removing the cap on n·k).
//
// The dense float64 preconditioner of krylov.go (ensurePrecond) stores the
// (nk)×(nk) Hessian, 8·(nk)² bytes, and factors it in O((nk)³) flops:
// 134 MB and about 10 s of the 27 s n = 64 solve; 1.2 GB at n = 96 and
// 2.1 GB at n = 128 (k = n). Above precondDenseMax unknowns the
// preconditioner is instead an inner float64 solve that never forms the
// matrix: conjugate gradients on (H + R*R + ν'I)z = r with float64
// Hessian–vector products (hessOp.apply64, the formula of hessOp.apply as
// gonum BLAS products, O(n²k) flops and O(n² + nk) memory), Jacobi-scaled
// by the exact diagonal of H + R*R + ν'I, run to a relative residual of
// innerTol or at most innerMaxIter products. ν' is chosen as for the dense
// factor (ensurePrecond).
//
// Such an inner solve is not a fixed linear map (it depends on r through
// the Krylov space and the stopping test), which breaks the conjugacy
// standard PCG relies on; the outer big-float CG (cgSolve) therefore uses
// the flexible form, β = ⟨r₊, z₊ − z⟩/⟨r, z⟩ (Polak–Ribière, Notay's
// FCG(1)), which equals the usual β for a linear preconditioner and keeps
// the outer iteration convergent for a variable one. Everything that
// decides anything is unchanged: the outer residuals, products and
// stopping test (cgDone on the true residual at the system's precision)
// are the same big-float ones as on the dense path, and negative
// curvature and stalls are detected by the outer iteration; the inner
// solve only proposes directions. Where it meets negative curvature in
// float64 (far from a minimizer) it stops and returns what it has (the
// Jacobi-scaled residual if nothing), and the outer iteration decides.
//
// The gauge-fixed system is well conditioned at the bench instances'
// minimizers (H + R*R has eigenvalues 0.61–4.9 at n = 8, 12 and 16, d = 2n,
// M = 5n; condition ≈ 8, not growing with n): the inner CG reaches 10⁻¹²
// in a few dozen float64 products, and each outer iteration gains about
// as many digits as the dense factor's (10–14). Near a degenerate valley
// the inner solve is poorer and the outer iteration takes more steps
// (bounded by maxCGIterations, after which ν is raised as on the dense
// path).

// PrecondDenseMax is the largest number of unknowns n·k for which the
// Newton–Krylov preconditioner is the dense float64 Cholesky factor;
// above it the matrix-free inner solve is used. Measured (2-core machine,
// shared): on the bench instances (d = 2n, M = 5n, 50 digits) the
// matrix-free solve is as fast or faster — the n = 64 solve took 5.0 s
// CPU and 74 MB against 11.8 s and 332 MB with the dense factor, and one
// Newton step (BenchmarkPrecondStep) costs about the same at n = 12–32 —
// but on targets spanning 60 orders of magnitude (testdata
// qa_r3, TestMatrixFreeAdversarial) the float64 inner CG is too weak and
// the solve stops without a claim where the dense factor converges. The
// dense factor therefore stays where its memory, 8·(nk)² bytes, is
// affordable: up to 4096 unknowns (134 MB, n = 64 with d ≥ n; n = 96 would
// need 680 MB, n = 128 2.1 GB), the cap it had before.
const PrecondDenseMax = 4096

// precondDenseMax is PrecondDenseMax; tests lower it to run small problems
// through the matrix-free preconditioner.
var precondDenseMax = PrecondDenseMax

// MatrixFreeFirst is the number of unknowns above which the matrix-free
// inner solve is tried first also where the dense factor fits (n·k ≤
// precondDenseMax): it is faster there (the n = 64 solve, above) and
// needs a fraction of the memory. A PCG solve that stalls with it hands
// the problem to the dense factor for good (mfGaveUp), so the instances
// where the float64 inner CG is too weak (qa_r3's 60 orders of
// magnitude) keep the dense factor's robustness. At and below it the
// dense factor is used from the start. Measured with ufm verify (CPU
// seconds, user + sys, interleaved runs, d = 2n, M = 5n, 50 digits): at
// n = 32 (1024 unknowns) the dense factor's float64 Cholesky was 16 % of
// the profile and matrix-free first took a median 0.82 s against 1.04 s
// (7 runs each); at n = 28 (784) 0.65 s against 0.68 s; at n = 24 (576)
// 0.71 s against 0.67 s, and at n = 32, d = 16 (512) 1.24 s against
// 1.19 s, so 576 is the crossover (it was 1024).
const MatrixFreeFirst = 576

// matrixFreeFirst is MatrixFreeFirst; tests change it.
var matrixFreeFirst = MatrixFreeFirst

// useMatrixFree reports whether the Newton–Krylov preconditioner is the
// matrix-free inner solve: n·k > precondDenseMax, or n·k >
// matrixFreeFirst until a solve with it stalled.
func (r *reduced) useMatrixFree() bool {
	N := r.n * r.k
	return N > precondDenseMax || (N > matrixFreeFirst && !r.exact.kry.mfGaveUp)
}

// giveUpMatrixFree switches a problem whose matrix-free solve stalled to
// the dense factor when that fits; it reports whether it did.
func (r *reduced) giveUpMatrixFree() bool {
	kc := &r.exact.kry
	if kc.mf == nil || kc.mfGaveUp || r.n*r.k > precondDenseMax {
		return false
	}
	kc.mfGaveUp, kc.mf, kc.chol = true, nil, nil
	return true
}

const (
	// innerTol: the inner solve stops at ‖r − Az‖ ≤ innerTol·‖r‖, near
	// the attainable accuracy of float64 CG on a well-conditioned system.
	innerTol = 1e-12
	// innerMaxIter bounds the float64 products of one inner solve.
	innerMaxIter = 250
)

// mfPrecond is the matrix-free preconditioner at one point: the Hessian
// operator's float64 factors, the shift ν' and the Jacobi scaling, with
// the scratch of the inner CG.
type mfPrecond struct {
	op           *hessOp
	shift        float64
	invDiag      []float64 // 1/diag(H + R*R + ν'I) where positive, else 1
	ws           *hessWork64
	vte          []float64 // k×k scratch of the gauge product
	res, z, d, q []float64
	// iterations counts the inner float64 products (statistics).
	iterations int
}

// ensureMatrixFree is ensurePrecond above precondDenseMax: it builds the
// inner solve at op's point (cheap, O(n²k), so it is always current) with
// the shift rule of ensurePrecond, and reuses it while op and the shift
// stay. It returns an error wrapping errOutOfRange when a factor of the
// Hessian is not a finite float64.
func (r *reduced) ensureMatrixFree(op *hessOp, nu *big.Float) (bool, error) {
	kc := &r.exact.kry
	nu64, _ := nu.Float64()
	if mf := kc.mf; mf != nil && mf.op == op {
		want := kc.floorShift
		if nu64 > kc.maxAbs*largeDamping {
			want = nu64
		}
		if mf.shift == want {
			return true, nil
		}
	}
	for bi := range op.blks {
		if !op.blks[bi].to64() {
			return false, fmt.Errorf("%w: %w (tiny shifts ρ), which the Newton–Krylov preconditioner needs", ErrTooLarge, errOutOfRange)
		}
	}
	diag := op.diag64()
	// For H + R*R ⪰ 0 (near a minimizer) the largest entry is on the
	// diagonal (|h_ij| ≤ √(h_ii h_jj)): this is the dense path's
	// max(1, max|h_ij|) there, without forming the matrix.
	maxAbs := 1.0
	for _, x := range diag {
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return false, fmt.Errorf("%w: %w (tiny shifts ρ), which the Newton–Krylov preconditioner needs", ErrTooLarge, errOutOfRange)
		}
		maxAbs = math.Max(maxAbs, math.Abs(x))
	}
	floor := math.Ldexp(maxAbs, -precondFloorBits)
	shift := floor
	if nu64 > maxAbs*largeDamping {
		shift = nu64
	}
	N := r.n * r.k
	mf := &mfPrecond{op: op, shift: shift, invDiag: diag, ws: newHessWork64(r.n, r.k), vte: make([]float64, r.k*r.k),
		res: make([]float64, N), z: make([]float64, N), d: make([]float64, N), q: make([]float64, N)}
	for i, x := range diag {
		mf.invDiag[i] = 1
		if x+shift > 0 {
			mf.invDiag[i] = 1 / (x + shift)
		}
	}
	kc.mf, kc.chol = mf, nil
	kc.cholOp, kc.shift, kc.cholLogG = op, shift, op.logGrad
	kc.floorShift, kc.maxAbs = floor, maxAbs
	kc.factorizations++
	return true, nil
}

// diag64 returns the diagonal of H + R*R in float64 (the layout of
// dense64, unknown (a, b) ↦ a·k + b): 1 + Σ w (B_aa G1_bb + 2 T_ab Q_ab +
// P_aa G2m_bb) + ½((VVᵀ)_aa − V_ab²), the entries (a,b),(a,b) of dense64
// and addGauge64. The blocks' to64 must have been called.
func (op *hessOp) diag64() []float64 {
	n, k := op.n, op.k
	out := make([]float64, n*k)
	v := op.v64
	for a := 0; a < n; a++ {
		vv := floats.Dot(v[a*k:(a+1)*k], v[a*k:(a+1)*k])
		for b := 0; b < k; b++ {
			s := 1 + (vv-v[a*k+b]*v[a*k+b])/2
			for bi := range op.blks {
				hb := &op.blks[bi]
				s += hb.w64 * (hb.b64[a*n+a]*hb.g1_64[b*k+b] + 2*hb.t64[a*k+b]*hb.q64[a*k+b] + hb.p64[a*n+a]*hb.g2m64[b*k+b])
			}
			out[a*k+b] = s
		}
	}
	return out
}

// system64 sets out = (H + R*R + ν'I)e in float64.
func (mf *mfPrecond) system64(out, e []float64) {
	op := mf.op
	n, k := op.n, op.k
	op.apply64(out, e, mf.ws)
	// R*R e = ½ V (Vᵀe − eᵀV) (hessOp.gauge).
	V := blas64.General{Rows: n, Cols: k, Stride: k, Data: op.v64}
	E := blas64.General{Rows: n, Cols: k, Stride: k, Data: e}
	S := blas64.General{Rows: k, Cols: k, Stride: k, Data: mf.vte}
	blas64.Gemm(blas.Trans, blas.NoTrans, 1, V, E, 0, S)
	for i := 0; i < k; i++ {
		for j := 0; j < i; j++ {
			x := (mf.vte[i*k+j] - mf.vte[j*k+i]) / 2
			mf.vte[i*k+j], mf.vte[j*k+i] = x, -x
		}
		mf.vte[i*k+i] = 0
	}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, V, S, 1, blas64.General{Rows: n, Cols: k, Stride: k, Data: out})
	floats.AddScaled(out, mf.shift, e)
}

// solve returns an approximation of (H + R*R + ν'I)⁻¹ r (float64, r of
// order one) by Jacobi-preconditioned CG from zero: innerMaxIter products
// at most, stopping at ‖r − Az‖ ≤ innerTol·‖r‖ or at the first direction
// of non-positive curvature (then the iterate so far, or the
// Jacobi-scaled r if there is none).
func (mf *mfPrecond) solve(r []float64) []float64 {
	x := make([]float64, len(r))
	res, z, d, q := mf.res, mf.z, mf.d, mf.q
	copy(res, r)
	stop := innerTol * floats.Norm(r, 2)
	floats.MulTo(z, mf.invDiag, res)
	copy(d, z)
	rz := floats.Dot(res, z)
	for it := 0; it < innerMaxIter; it++ {
		mf.iterations++
		mf.system64(q, d)
		dq := floats.Dot(d, q)
		if !(dq > 0) || !(rz > 0) {
			if it == 0 {
				floats.MulTo(x, mf.invDiag, r)
			}
			return x
		}
		alpha := rz / dq
		floats.AddScaled(x, alpha, d)
		floats.AddScaled(res, -alpha, q)
		if floats.Norm(res, 2) <= stop {
			return x
		}
		floats.MulTo(z, mf.invDiag, res)
		rzNew := floats.Dot(res, z)
		floats.AddScaledTo(d, z, rzNew/rz, d)
		rz = rzNew
	}
	return x
}
