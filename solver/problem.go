package solver

import (
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
)

// The reduced problem.
//
// For fixed W the loss L(W, H, b) is a convex quadratic in (H, b); its
// minimum over (H, b) is, for every bias mode with λ_H > 0,
//
//	f(W) = Σ_k (γ_k/2) tr((WWᵀ + μ_k I)⁻¹ S_k) + (λ_W/2) ‖W‖²_F
//
// with the blocks (γ_k, μ_k, S_k):
//
//	free:         (λ_H, λ_H, Ỹ Ỹᵀ/M)                       Ỹ = Y − ȳ1ᵀ
//	none:         (λ_H, λ_H, Y Yᵀ/M)
//	regularized:  (λ_H, λ_H, Ỹ Ỹᵀ/M) and (λ_H, λ_H/α, ȳ ȳᵀ), α = λ_b/(1+λ_b)
//
// (derivation in doc.go; tests compare f with a direct minimization of L
// over (H, b)). Only the n×n matrices S_k enter, so the cost of an
// iteration does not depend on M.
//
// Scaling. With σ0 = Σ_k tr S_k / n (1 if that is 0) and
// a0 = √(λ_H σ0/λ_W), substitute W = √a0 · V and S_k = σ0 · S'_k:
//
//	f(W) = λ_W a0 · φ(V),   φ(V) = Σ_k (w_k/2) tr((VVᵀ + ρ_k I)⁻¹ S'_k) + ½‖V‖²_F
//
// with w_k = γ_k/λ_H and ρ_k = μ_k/a0. φ is dimensionless, its minimizers
// have entries of order one, and both stages work with φ.
type reduced struct {
	in         *instance.Instance
	lamH, lamW *big.Rat
	n, k       int
	prec       uint
	blocks     []block
	a0         *big.Float // W = √a0 · V
	sqrtA0     *big.Float
	fScale     *big.Float // f = fScale · φ
	zeroData   bool       // every S_k is zero (constant targets): φ = ½‖V‖²
	exact      *exactProblem
}

// block is one term (w/2) tr((VVᵀ + ρI)⁻¹ S) of φ.
type block struct {
	w, rho *big.Float
	s      *bigmat.Dense
	w64    float64
	rho64  float64
	s64    []float64 // row-major n×n
}

// ErrTooLarge is returned (wrapped) for an instance beyond the solver's
// reach (see MaxUnknowns, MaxKrylovUnknowns); callers treat it as bad input.
var ErrTooLarge = errors.New("solver: instance too large")

// ErrInternal marks an internal failure of the solver (a bug): a panic
// inside Solve is recovered at its boundary and returned wrapping
// ErrInternal, with the panic's message, so that no caller sees a crash
// and none mistakes it for a result.
var ErrInternal = errors.New("solver: internal error (a bug; please report it)")

// minRho64 is the smallest shift ρ stage 1 works with in float64.
const minRho64 = 1e-7

// MaxUnknowns bounds the number of unknowns where the solver needs the
// dense big.Float Hessian: deep instances, and the unregularized
// rank-constrained case (λ_H = λ_W = 0 with d < n, whose Grassmann
// iteration, lowrank.go, is dense), n·d there. Below it the Newton–Krylov
// path may still fall back to the dense Hessian where its own tests
// cannot decide (horizontal_krylov.go, globalcert.go).
const MaxUnknowns = 1024

// MaxKrylovUnknowns bounds n·d when d < n: the rank-constrained
// second-order test factors the float64 Hessian (localFloat64), 8·N²
// bytes (134 MB at N = 4096). Up to this many unknowns the Newton–Krylov
// preconditioner is that dense factor too (PrecondDenseMax).
const MaxKrylovUnknowns = 4096

// MaxMatrixFreeUnknowns bounds n·min(n, d) = n² when d ≥ n. Above
// PrecondDenseMax nothing of order (n·k)² is stored (the preconditioner is
// matrix-free, precond.go; the second-order check is the n×n global
// certificate): memory grows like n² big.Floats (330 MB peak for verify at
// n = 128, measured) and time like n³ (46 CPU seconds for verify at
// n = 128, 50 digits; README "Solver scale"). The bound is the instance
// format's n ≤ 256.
const MaxMatrixFreeUnknowns = 65536

// newReduced builds φ for instance in with the given λ_H, λ_W (both > 0,
// possibly differing from the instance's: the unattained and unregularized
// cases substitute small positive values) at precision prec.
func newReduced(in *instance.Instance, lamH, lamW *big.Rat, prec uint) (*reduced, error) {
	if lamH.Sign() <= 0 || lamW.Sign() <= 0 {
		return nil, fmt.Errorf("solver: reduced problem needs λ_H, λ_W > 0")
	}
	if err := checkUnknowns(in.N(), min(in.N(), in.D)); err != nil {
		return nil, err
	}
	return newExact(in, lamH, lamW).atPrec(prec), nil
}

// CheckSize returns an error wrapping ErrTooLarge when the instance is
// beyond the solver's reach: n·d > MaxKrylovUnknowns with d < n,
// n² > MaxMatrixFreeUnknowns with d ≥ n, or deep
// instances and λ_H = λ_W = 0 with d < n with n·min(n, d) > MaxUnknowns.
// Commands call it before any work.
func CheckSize(in *instance.Instance) error {
	n := in.N()
	k := min(n, in.D)
	if in.IsDeep() && n*k > MaxUnknowns {
		return fmt.Errorf("%w: n·min(n,d) = %d unknowns, the deep solver handles at most %d", ErrTooLarge, n*k, MaxUnknowns)
	}
	if k < n && in.LambdaH != nil && in.LambdaW != nil && in.LambdaH.Sign() == 0 && in.LambdaW.Sign() == 0 && n*k > MaxUnknowns {
		return fmt.Errorf("%w: λ_H = λ_W = 0 with d < n and n·d = %d unknowns; the best rank-d fit's subspace iteration uses the dense Hessian, at most %d unknowns", ErrTooLarge, n*k, MaxUnknowns)
	}
	return checkUnknowns(n, k)
}

// checkUnknowns applies the caps of the reduced problem to n and
// k = min(n, d): MaxKrylovUnknowns when d < n, MaxMatrixFreeUnknowns
// when d ≥ n.
func checkUnknowns(n, k int) error {
	if k < n && n*k > MaxKrylovUnknowns {
		return fmt.Errorf("%w: d < n with n·d = %d unknowns; the rank-constrained curvature test's float64 Hessian handles at most %d", ErrTooLarge, n*k, MaxKrylovUnknowns)
	}
	if n*k > MaxMatrixFreeUnknowns {
		return fmt.Errorf("%w: n·min(n,d) = %d unknowns; the Newton–Krylov solver handles at most %d (n = 256 with d ≥ n)", ErrTooLarge, n*k, MaxMatrixFreeUnknowns)
	}
	return nil
}

// exactProblem is the reduced problem in exact rationals: the blocks
// (w_k, μ_k, S_k/σ0) and a0². Stage 2 rebuilds its big.Float problem from
// it whenever it changes precision.
type exactProblem struct {
	in         *instance.Instance
	lamH, lamW *big.Rat
	n, k       int
	blocks     []ratBlock
	a0sq       *big.Rat
	zeroData   bool
	zeroState              // whether W = 0 is a minimizer (zero.go), decided once
	kry        krylovCache // Newton–Krylov preconditioner (krylov.go)
}

// ratBlock is one block in exact arithmetic: weight w = γ/λ_H, shift μ,
// and S/σ0 (row-major).
type ratBlock struct {
	w, mu *big.Rat
	s     []*big.Rat
}

func newExact(in *instance.Instance, lamH, lamW *big.Rat) *exactProblem {
	n := in.N()
	type rawBlock struct {
		gamma, mu *big.Rat
		s         [][]*big.Rat
	}
	raw := []rawBlock{{lamH, lamH, in.Sigma()}}
	if in.Bias == instance.BiasRegularized && in.LambdaB != nil && in.LambdaB.Sign() > 0 {
		// α = λ_b/(1+λ_b), μ = λ_H/α = λ_H (1+λ_b)/λ_b.
		mu := new(big.Rat).Add(big.NewRat(1, 1), in.LambdaB)
		mu.Mul(mu, lamH)
		mu.Quo(mu, in.LambdaB)
		mean := in.Mean()
		s := make([][]*big.Rat, n)
		for i := range s {
			s[i] = make([]*big.Rat, n)
			for j := range s[i] {
				s[i][j] = new(big.Rat).Mul(mean[i], mean[j])
			}
		}
		raw = append(raw, rawBlock{lamH, mu, s})
	}
	// σ0 = Σ_k tr S_k / n, exactly.
	sigma0 := new(big.Rat)
	for _, b := range raw {
		for i := 0; i < n; i++ {
			sigma0.Add(sigma0, b.s[i][i])
		}
	}
	sigma0.Quo(sigma0, big.NewRat(int64(n), 1))
	e := &exactProblem{in: in, lamH: lamH, lamW: lamW, n: n, k: min(n, in.D), zeroData: sigma0.Sign() == 0}
	if e.zeroData {
		sigma0.SetInt64(1)
	}
	// a0² = λ_H σ0 / λ_W.
	e.a0sq = new(big.Rat).Mul(lamH, sigma0)
	e.a0sq.Quo(e.a0sq, lamW)
	for _, rb := range raw {
		vals := make([]*big.Rat, 0, n*n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				vals = append(vals, new(big.Rat).Quo(rb.s[i][j], sigma0))
			}
		}
		e.blocks = append(e.blocks, ratBlock{w: new(big.Rat).Quo(rb.gamma, lamH), mu: rb.mu, s: vals})
	}
	return e
}

// atPrec rounds the exact problem to precision prec.
func (e *exactProblem) atPrec(prec uint) *reduced {
	n := e.n
	r := &reduced{in: e.in, lamH: e.lamH, lamW: e.lamW, n: n, k: e.k, prec: prec, zeroData: e.zeroData, exact: e}
	r.a0 = newFloat(prec).SetRat(e.a0sq)
	r.a0.Sqrt(r.a0)
	r.sqrtA0 = newFloat(prec).Sqrt(r.a0)
	r.fScale = newFloat(prec).SetRat(e.lamW)
	r.fScale.Mul(r.fScale, r.a0)
	for _, rb := range e.blocks {
		blk := block{w: newFloat(prec).SetRat(rb.w)}
		blk.rho = newFloat(prec).SetRat(rb.mu)
		blk.rho.Quo(blk.rho, r.a0)
		blk.s = bigmat.FromRat(n, n, prec, rb.s)
		blk.w64, _ = blk.w.Float64()
		blk.rho64, _ = blk.rho.Float64()
		blk.s64 = blk.s.Float64s()
		// Stage 1 only needs a float64 stand-in for ρ; the exact value is
		// used from stage 2 on. Below ~1e-7, VVᵀ + ρI is numerically
		// singular in float64 for rank-deficient V (and φ's inactive part,
		// of size 1/ρ, swamps the rest), so stage 1 solves the problem
		// with ρ raised to 1e-7: directions whose variance lies between the
		// two thresholds are grown by stage 2 (see stage2's saddle check).
		blk.rho64 = math.Min(math.Max(blk.rho64, minRho64), 1e290)
		r.blocks = append(r.blocks, blk)
	}
	return r
}

// lamWFloat returns λ_W (of this reduced problem) at its precision.
func (r *reduced) lamWFloat() *big.Float { return newFloat(r.prec).SetRat(r.lamW) }

func newFloat(prec uint) *big.Float { return new(big.Float).SetPrec(prec) }

// point is φ and its derivatives' ingredients at one V.
type point struct {
	v     *bigmat.Dense // n×k
	f     *big.Float
	g     *bigmat.Dense // n×k
	gnorm *big.Float
	parts []blockParts
	// log2Kappa is log2 of max_k tr(VVᵀ+ρ_k I)·tr(B_k), an upper bound
	// (within a factor n²) on cond(VVᵀ + ρ_k I): how many bits φ's
	// evaluation loses.
	log2Kappa float64
}

// blockParts caches, per block, B = (VVᵀ+ρI)⁻¹ and P = B S B.
type blockParts struct {
	b, p *bigmat.Dense
}

// eval computes φ(V) and its gradient
//
//	∇φ = V − Σ_k w_k B_k S_k B_k V.
//
// Its matrix products are bigmat.Mul's (each dot product summed exactly
// down to 2^-(p+64) of its largest term and rounded once: entry (i, j)
// within 2^-p·|(ab)_ij| + 2^-(p+61)·max_l |a_il b_lj|), not bigmat's fixed-point
// products, whose normwise bound 2^-(p+14)·‖a_i‖‖b_j‖ is far weaker where
// V's columns differ by many orders of magnitude (a tiny active
// direction, QA h2: 25 digits of train_mse where 30 were claimed).
//
// It returns an error only if VVᵀ + ρI is not positive definite at the
// working precision, which cannot happen for ρ > 0 unless V is enormous.
func (r *reduced) eval(v *bigmat.Dense) (*point, error) {
	prec := r.prec
	vvt := new(bigmat.Dense).MulTrans(v, v)
	f := newFloat(prec)
	g := v.Clone()
	parts := make([]blockParts, len(r.blocks))
	log2Kappa := math.Inf(-1)
	for bi, blk := range r.blocks {
		a := new(bigmat.Dense).AddScaledIdentity(vvt, blk.rho)
		var ch bigmat.Cholesky
		if err := ch.Factorize(a); err != nil {
			return nil, fmt.Errorf("solver: VVᵀ+ρI not positive definite at %d bits: %w", prec, err)
		}
		b := ch.SolveTo(new(bigmat.Dense), bigmat.Identity(r.n, prec))
		b.Symmetrize(b)
		log2Kappa = math.Max(log2Kappa, (log10Float(a.Trace())+log10Float(b.Trace()))*math.Log2(10))
		bs := new(bigmat.Dense).Mul(b, blk.s)
		p := new(bigmat.Dense).MulSym(bs, b) // B S B, symmetric
		parts[bi] = blockParts{b: b, p: p}
		// φ += (w/2) tr(B S).
		tr := bs.Trace()
		tr.Mul(tr, blk.w)
		tr.SetMantExp(tr, -1)
		f.Add(f, tr)
		// g −= w P V.
		pv := new(bigmat.Dense).Mul(p, v)
		pv.Scale(blk.w, pv)
		g.Sub(g, pv)
	}
	vn := v.FrobeniusNorm()
	vn.Mul(vn, vn)
	vn.SetMantExp(vn, -1)
	f.Add(f, vn)
	return &point{v: v, f: f, g: g, gnorm: g.FrobeniusNorm(), parts: parts, log2Kappa: log2Kappa}, nil
}

// hessian returns the Hessian of φ at pt as an N×N matrix, N = n·k, with
// unknown (a, b) ↦ a·k + b. For one block, with B, P = BSB, T = BV,
// Q = PV, G1 = VᵀPV, G2 = VᵀBV, the directional derivative of ∇φ along E is
//
//	w (B E G1 + T Eᵀ Q + P E G2 + Q Eᵀ T − P E) + E,
//
// (from dB = −B(EVᵀ + VEᵀ)B), so the entry for output (a, b) and input
// (i, j) is w (B_ai G1_jb + T_aj Q_ib + P_ai G2_jb + Q_aj T_ib − P_ai δ_jb)
// + δ_ai δ_jb.
func (r *reduced) hessian(pt *point) *bigmat.Dense {
	n, k, prec := r.n, r.k, r.prec
	N := n * k
	h := bigmat.New(N, N, prec)
	var t, acc big.Float
	t.SetPrec(prec)
	acc.SetPrec(prec)
	for bi, blk := range r.blocks {
		bm, p := pt.parts[bi].b, pt.parts[bi].p
		tm := new(bigmat.Dense).Mul(bm, pt.v)
		q := new(bigmat.Dense).Mul(p, pt.v)
		g1 := new(bigmat.Dense).TransMul(pt.v, q)
		g2 := new(bigmat.Dense).TransMul(pt.v, tm)
		for a := 0; a < n; a++ {
			for b := 0; b < k; b++ {
				row := a*k + b
				for i := 0; i < n; i++ {
					for j := 0; j < k; j++ {
						col := i*k + j
						if col < row {
							continue // filled by symmetry below
						}
						acc.Mul(bm.At(a, i), g1.At(j, b))
						t.Mul(tm.At(a, j), q.At(i, b))
						acc.Add(&acc, &t)
						t.Mul(p.At(a, i), g2.At(j, b))
						acc.Add(&acc, &t)
						t.Mul(q.At(a, j), tm.At(i, b))
						acc.Add(&acc, &t)
						if j == b {
							acc.Sub(&acc, p.At(a, i))
						}
						acc.Mul(&acc, blk.w)
						e := h.At(row, col)
						e.Add(e, &acc)
					}
				}
			}
		}
	}
	one := newFloat(prec).SetInt64(1)
	for i := 0; i < N; i++ {
		e := h.At(i, i)
		e.Add(e, one)
		for j := i + 1; j < N; j++ {
			h.At(j, i).Set(h.At(i, j))
		}
	}
	return h
}

// vec flattens an n×k matrix into an N×1 column (row-major order).
func vec(m *bigmat.Dense) *bigmat.Dense {
	r, c := m.Dims()
	out := bigmat.New(r*c, 1, m.Prec())
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out.At(i*c+j, 0).Set(m.At(i, j))
		}
	}
	return out
}

// unvec is the inverse of vec.
func unvec(x *bigmat.Dense, r, c int) *bigmat.Dense {
	out := bigmat.New(r, c, x.Prec())
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out.At(i, j).Set(x.At(i*c+j, 0))
		}
	}
	return out
}
