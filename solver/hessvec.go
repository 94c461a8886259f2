package solver

import (
	"math"
	"math/big"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/nrc-ufm/ufm/bigmat"
)

// hessOp is the Hessian of φ at one point as an operator, for problems too
// large for the dense big.Float Hessian (reduced.hessian): applying it to
// a direction E costs a few n×n×k and n×k×k products, O(n²k) big.Float
// operations instead of the O((nk)²) entries and O((nk)³) factorization of
// the dense Newton system. With, per block, B = (VVᵀ + ρI)⁻¹, P = B S' B,
// T = BV, Q = PV, G1 = VᵀPV and G2 = VᵀBV (dB = −B(EVᵀ + VEᵀ)B, see
// reduced.hessian),
//
//	∇²φ[E] = E + Σ_k w_k (B E G1 + T (EᵀQ) + P E (G2 − I) + Q (EᵀT)).
//
// Every factor is rounded once to the operator's precision prec (the
// precision the Newton system is solved at, stepPrec).
//
// Products. Every matrix product of the operator (its factors and each
// application) is a bigmat fixed-point product (MulFixed,
// MulFixedPrepared): entry (i, j) of a·b is within 2^-p·|(a·b)_ij| +
// 2^-(p+14)·‖a_i‖₂‖b_j‖₂ of the exact product of the operands, p = prec
// (a_i row i of a, b_j column j of b), which is below the
// k·2^-p·Σ_l |a_il||b_lj| of a product rounded at every operation
// (bigmat.Mul) that it replaces. That is what conjugate gradients at
// precision p need: each product, and so H·E, is exact to about 2^-p
// relative to the norms of its rows and columns. The operator's factors
// are held in fixed point once (hessBlock's Fixed fields); an application
// converts only E and its intermediate products.
type hessOp struct {
	n, k int
	prec uint
	blks []hessBlock
	v    *bigmat.Dense // V at prec (the gauge term)
	v64  []float64
	fv   *bigmat.Fixed // V as a left operand (V·S)
	fvT  *bigmat.Fixed // Vᵀ as a left operand (Vᵀ·E)

	logGrad float64 // log10 ‖∇φ‖ at the point (krylov.go's staleness test)

	floor *big.Float // provedFloor's value once computed
}

// hessBlock holds one block's factors of the Hessian–vector product.
type hessBlock struct {
	w            *big.Float
	b, p, t, q   *bigmat.Dense // n×n, n×n, n×k, n×k
	g1, g2m      *bigmat.Dense // k×k: VᵀPV and VᵀBV − I
	b64, p64     []float64     // row-major float64 copies (float64 Hessian)
	t64, q64     []float64
	g1_64, g2m64 []float64
	w64          float64
	// the factors in fixed point at prec: left operands B, P, T, Q (B·E,
	// P·E, T·(EᵀQ), Q·(EᵀT)) and right operands Q, T, G1, G2m (Eᵀ·Q, Eᵀ·T,
	// (BE)·G1, (PE)·G2m).
	fb, fp, ft, fq     *bigmat.Fixed
	fqR, ftR, fg1, fg2 *bigmat.Fixed
}

// newHessOp builds the operator of φ's Hessian at pt (from pt.parts) at
// precision prec ≤ r.prec.
func (r *reduced) newHessOp(pt *point, prec uint) *hessOp {
	v := pt.v.Clone().SetPrec(prec)
	op := &hessOp{n: r.n, k: r.k, prec: prec, v: v, v64: v.Float64s(), logGrad: log10Float(pt.gnorm)}
	fvR := bigmat.NewFixedRight(v, prec)
	op.fv, op.fvT = bigmat.NewFixedLeft(v, prec), fvR.T()
	one := newFloat(prec).SetInt64(1)
	for bi, blk := range r.blocks {
		b := pt.parts[bi].b.Clone().SetPrec(prec)
		p := pt.parts[bi].p.Clone().SetPrec(prec)
		t := new(bigmat.Dense).MulFixedPrepared(bigmat.NewFixedLeft(b, prec), fvR)
		q := new(bigmat.Dense).MulFixedPrepared(bigmat.NewFixedLeft(p, prec), fvR)
		g1 := new(bigmat.Dense).MulFixedPrepared(op.fvT, bigmat.NewFixedRight(q, prec))
		g2m := new(bigmat.Dense).MulFixedPrepared(op.fvT, bigmat.NewFixedRight(t, prec))
		for i := 0; i < r.k; i++ {
			e := g2m.At(i, i)
			e.Sub(e, one)
		}
		op.blks = append(op.blks, newHessBlock(newFloat(prec).Set(blk.w), b, p, t, q, g1, g2m, prec))
	}
	return op
}

// newHessBlock returns the block with factors w, B, P, T, Q, G1, G2m
// (already at prec) and their fixed-point forms at prec.
func newHessBlock(w *big.Float, b, p, t, q, g1, g2m *bigmat.Dense, prec uint) hessBlock {
	hb := hessBlock{w: w, b: b, p: p, t: t, q: q, g1: g1, g2m: g2m}
	hb.fb, hb.fp = bigmat.NewFixedLeft(b, prec), bigmat.NewFixedLeft(p, prec)
	hb.ft, hb.fq = bigmat.NewFixedLeft(t, prec), bigmat.NewFixedLeft(q, prec)
	hb.fqR, hb.ftR = bigmat.NewFixedRight(q, prec), bigmat.NewFixedRight(t, prec)
	hb.fg1, hb.fg2 = bigmat.NewFixedRight(g1, prec), bigmat.NewFixedRight(g2m, prec)
	return hb
}

// apply returns ∇²φ[e] for an n×k direction e (at the operator's
// precision; the products as stated at hessOp).
func (op *hessOp) apply(e *bigmat.Dense) *bigmat.Dense {
	p := op.prec
	fe := bigmat.NewFixedRight(e, p) // E's columns: E as a right operand, fe.T() Eᵀ as a left one
	feT := fe.T()
	out := e.Clone().SetPrec(p)
	for i := range op.blks {
		hb := &op.blks[i]
		be := new(bigmat.Dense).MulFixedPrepared(hb.fb, fe)
		acc := new(bigmat.Dense).MulFixedPrepared(bigmat.NewFixedLeft(be, p), hb.fg1)
		etq := new(bigmat.Dense).MulFixedPrepared(feT, hb.fqR)
		acc.Add(acc, new(bigmat.Dense).MulFixedPrepared(hb.ft, bigmat.NewFixedRight(etq, p)))
		pe := new(bigmat.Dense).MulFixedPrepared(hb.fp, fe)
		acc.Add(acc, new(bigmat.Dense).MulFixedPrepared(bigmat.NewFixedLeft(pe, p), hb.fg2))
		ett := new(bigmat.Dense).MulFixedPrepared(feT, hb.ftR)
		acc.Add(acc, new(bigmat.Dense).MulFixedPrepared(hb.fq, bigmat.NewFixedRight(ett, p)))
		acc.Scale(hb.w, acc)
		out.Add(out, acc)
	}
	return out
}

// gauge returns R*R[e] = V·(Vᵀe − eᵀV)/2, the Gram operator of the
// rotation gauge R(e) = skew(Vᵀe) (R* maps a skew S to VS). It vanishes on
// the directions with Vᵀe symmetric (orthogonal to the rotation orbit
// {VΩ : Ω skew}) and is positive on the orbit's tangent where VΩ ≠ 0, where
// φ is flat: krylovStep adds it to the damping (see krylov.go).
func (op *hessOp) gauge(e *bigmat.Dense) *bigmat.Dense {
	p := op.prec
	vte := new(bigmat.Dense).MulFixedPrepared(op.fvT, bigmat.NewFixedRight(e, p))
	skew := new(bigmat.Dense).Sub(vte, new(bigmat.Dense).T(vte))
	out := new(bigmat.Dense).MulFixedPrepared(op.fv, bigmat.NewFixedRight(skew, p))
	for i := 0; i < op.n; i++ {
		for j := 0; j < op.k; j++ {
			x := out.At(i, j)
			x.SetMantExp(x, -1)
		}
	}
	return out
}

// dense64 returns the Hessian as a row-major N×N float64 matrix, N = n·k,
// unknown (a, b) ↦ a·k + b (the layout of reduced.hessian), rounded from
// the operator's factors; ok is false when a factor or an entry is not a
// finite float64 (huge 1/ρ: the float64 preconditioner is then useless).
// Entry (a,b),(i,j): δ_ai δ_jb + Σ w (B_ai G1_jb + T_aj Q_ib + P_ai G2m_jb
// + Q_aj T_ib), the formula of apply read off entrywise.
func (op *hessOp) dense64() ([]float64, bool) {
	n, k := op.n, op.k
	N := n * k
	h := make([]float64, N*N)
	for bi := range op.blks {
		hb := &op.blks[bi]
		if !hb.to64() {
			return nil, false
		}
		for a := 0; a < n; a++ {
			for b := 0; b < k; b++ {
				row := h[(a*k+b)*N:]
				for i := 0; i < n; i++ {
					bai, pai := hb.b64[a*n+i], hb.p64[a*n+i]
					for j := 0; j < k; j++ {
						row[i*k+j] += hb.w64 * (bai*hb.g1_64[j*k+b] + hb.t64[a*k+j]*hb.q64[i*k+b] +
							pai*hb.g2m64[j*k+b] + hb.q64[a*k+j]*hb.t64[i*k+b])
					}
				}
			}
		}
	}
	for i := 0; i < N; i++ {
		h[i*N+i]++
		if math.IsInf(h[i*N+i], 0) || math.IsNaN(h[i*N+i]) {
			return nil, false
		}
		for j := 0; j < i; j++ {
			s := (h[i*N+j] + h[j*N+i]) / 2
			if math.IsInf(s, 0) || math.IsNaN(s) {
				return nil, false
			}
			h[i*N+j], h[j*N+i] = s, s
		}
	}
	return h, true
}

// to64 fills the float64 copies of the block's factors; false if one is
// not finite.
func (hb *hessBlock) to64() bool {
	hb.w64, _ = hb.w.Float64()
	hb.b64, hb.p64 = hb.b.Float64s(), hb.p.Float64s()
	hb.t64, hb.q64 = hb.t.Float64s(), hb.q.Float64s()
	hb.g1_64, hb.g2m64 = hb.g1.Float64s(), hb.g2m.Float64s()
	for _, s := range [][]float64{hb.b64, hb.p64, hb.t64, hb.q64, hb.g1_64, hb.g2m64, {hb.w64}} {
		for _, x := range s {
			if math.IsInf(x, 0) || math.IsNaN(x) || math.Abs(x) > 1e150 {
				return false
			}
		}
	}
	return true
}

// dotBig returns ⟨a, b⟩ = Σ a_ij b_ij at precision prec.
func dotBig(a, b *bigmat.Dense, prec uint) *big.Float {
	r, c := a.Dims()
	s := newFloat(prec)
	var t big.Float
	t.SetPrec(prec)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			t.Mul(a.At(i, j), b.At(i, j))
			s.Add(s, &t)
		}
	}
	return s
}

// addGauge64 adds β·R*R to the row-major float64 matrix h (N×N, the layout
// of dense64): entry (a,b),(i,j) of R*R is ½(δ_bj (VVᵀ)_ai − V_aj V_ib).
func (op *hessOp) addGauge64(h []float64, beta float64) {
	n, k := op.n, op.k
	N := n * k
	v := op.v64
	a := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for c := 0; c < k; c++ {
				s += v[i*k+c] * v[j*k+c]
			}
			a[i*n+j] = s
		}
	}
	for ai := 0; ai < n; ai++ {
		for b := 0; b < k; b++ {
			row := h[(ai*k+b)*N:]
			for i := 0; i < n; i++ {
				row[i*k+b] += beta * a[ai*n+i] / 2
				for j := 0; j < k; j++ {
					row[i*k+j] -= beta * v[ai*k+j] * v[i*k+b] / 2
				}
			}
		}
	}
}

// rounded returns a copy of op with every factor rounded to prec bits.
func (op *hessOp) rounded(prec uint) *hessOp {
	v := op.v.Clone().SetPrec(prec)
	out := &hessOp{n: op.n, k: op.k, prec: prec, v: v, v64: op.v64, logGrad: op.logGrad}
	out.fv, out.fvT = bigmat.NewFixedLeft(v, prec), bigmat.NewFixedRight(v, prec).T()
	for _, hb := range op.blks {
		out.blks = append(out.blks, newHessBlock(newFloat(prec).Set(hb.w),
			hb.b.Clone().SetPrec(prec), hb.p.Clone().SetPrec(prec),
			hb.t.Clone().SetPrec(prec), hb.q.Clone().SetPrec(prec),
			hb.g1.Clone().SetPrec(prec), hb.g2m.Clone().SetPrec(prec), prec))
	}
	return out
}

// hessWork64 is the scratch of apply64 (n×k and k×k buffers), reused
// across the products of one inner solve.
type hessWork64 struct{ be, etq []float64 }

func newHessWork64(n, k int) *hessWork64 {
	return &hessWork64{be: make([]float64, n*k), etq: make([]float64, k*k)}
}

// apply64 sets out (row-major n×k) to ∇²φ[e] in float64: the formula of
// apply, E + Σ_k w_k (B E G1 + T (EᵀQ) + P E (G2 − I) + Q (EᵀT)), as
// eight gonum BLAS products per block, O(n²k) flops, on the float64
// copies of the factors. Every block's to64 must have returned true (the
// preconditioner's build checks it). out and e must not overlap.
func (op *hessOp) apply64(out, e []float64, ws *hessWork64) {
	n, k := op.n, op.k
	copy(out, e)
	nk := func(d []float64) blas64.General { return blas64.General{Rows: n, Cols: k, Stride: k, Data: d} }
	kk := func(d []float64) blas64.General { return blas64.General{Rows: k, Cols: k, Stride: k, Data: d} }
	nn := func(d []float64) blas64.General { return blas64.General{Rows: n, Cols: n, Stride: n, Data: d} }
	E, O, BE, ETQ := nk(e), nk(out), nk(ws.be), kk(ws.etq)
	for bi := range op.blks {
		hb := &op.blks[bi]
		w := hb.w64
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, nn(hb.b64), E, 0, BE)
		blas64.Gemm(blas.NoTrans, blas.NoTrans, w, BE, kk(hb.g1_64), 1, O)
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, nn(hb.p64), E, 0, BE)
		blas64.Gemm(blas.NoTrans, blas.NoTrans, w, BE, kk(hb.g2m64), 1, O)
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, E, nk(hb.q64), 0, ETQ)
		blas64.Gemm(blas.NoTrans, blas.NoTrans, w, nk(hb.t64), ETQ, 1, O)
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, E, nk(hb.t64), 0, ETQ)
		blas64.Gemm(blas.NoTrans, blas.NoTrans, w, nk(hb.q64), ETQ, 1, O)
	}
}

// provedFloorMax bounds n·k for provedFloor: one float64 Hessian (8·(nk)²
// bytes) and up to len(floorExps) float64 Cholesky factorizations of order
// nk per operator, which above a few hundred unknowns cost more than the
// conjugate gradient iterations they save.
const provedFloorMax = 576

// floorExps are the candidate floors tried by provedFloor, as powers of two
// below max_i |ĥ_ii|.
var floorExps = []int{8, 20, 32}

// provedFloor returns λ_L ≥ 0 with H + R*R ⪰ λ_L·I proved for the exact
// operator of op's factors (the Newton system without its damping,
// krylov.go): the first t = max_i|ĥ_ii|·2^-j, j in floorExps, that
// hessian64.proveAbove proves. It is 0 when none is proved: n·k above
// provedFloorMax, a curvature below 2^-32 of the scale (a flat or
// negative direction, a nearly inactive column of V), factors beyond
// float64's range. The result is cached in op.
//
// cgDone uses it: with (H + R*R + νI) ⪰ (ν + λ_L)·I, a residual below
// (ν + λ_L)‖x‖/10 bounds the error of x by ‖x‖/10, where ν alone (as small
// as 2^-prec/2 in a damped step, the noise level in the end game's
// verdict) demanded hundreds of digits more of the residual.
func (op *hessOp) provedFloor() *big.Float {
	if op.floor != nil {
		return op.floor
	}
	op.floor = newFloat(op.prec)
	if op.n*op.k > provedFloorMax {
		return op.floor
	}
	h, ok := op.hessian64(1)
	if !ok {
		return op.floor
	}
	for _, j := range floorExps {
		if t := math.Ldexp(h.maxDiag, -j); t > 0 && h.proveAbove(t) {
			op.floor.SetFloat64(t)
			break
		}
	}
	return op.floor
}
