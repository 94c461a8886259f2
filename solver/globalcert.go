package solver

import "github.com/nrc-ufm/ufm/bigmat"

// The global second-order certificate (issue 15).
//
// φ depends on V only through A = VVᵀ, and as a function of A,
//
//	ψ(A) = Σ_k (w_k/2) tr((A + ρ_k I)⁻¹ S'_k) + ½ tr A,
//
// is convex on the positive semidefinite cone (docs/theory.md §1 for f;
// tr(X⁻¹S) is convex on X ≻ 0 for S ⪰ 0, the argument of zero.go). Its
// gradient is
//
//	G = ∇_A ψ = ½ (I − Σ_k w_k B_k S'_k B_k) = ½ (I − Σ_k w_k P_k),
//
// and ∇φ(V) = 2GV. For any A* ⪰ 0, convexity gives ψ(A*) ≥ ψ(A) +
// ⟨G, A* − A⟩; if 2G ⪰ −τI then ⟨G, A*⟩ ≥ −(τ/2) tr A*, so
//
//	ψ(A) − min ψ ≤ ⟨G, A⟩ + (τ/2) tr A* = ½⟨∇φ, V⟩ + (τ/2) tr A*.
//
// So a point with ∇φ ≈ 0 and 2G ⪰ −τI is a global minimizer up to that
// gap (not merely a point without negative curvature), and the test costs
// one n×n Cholesky of 2G + τI at the working precision instead of the
// (nk)×(nk) Hessian's. It also implies the local check it replaces: the
// Hessian's quadratic form is ψ″(A)[VΔᵀ + ΔVᵀ] + 2⟨G, ΔΔᵀ⟩ ≥ −τ‖Δ‖²
// (ψ convex). τ is the dense check's tolerance, 2^(1−prec/2)·max(1,
// max|(2G)_ij|) (secondOrderTau). At a minimizer whose rank is at most k
// the certificate always holds (with k = n = min(n, d), every second-order
// stationary point of φ is one); it can fail at a minimizer of the
// rank-constrained problem (k = d < n with more than d active directions),
// where the dense Hessian decides instead (secondOrderAt).

// globalCert reports whether 2G + τI = I − Σ_k w_k P_k + τI is positive
// definite at pt (Cholesky at the working precision), τ as above.
func (r *reduced) globalCert(pt *point) bool {
	prec := r.prec
	m := bigmat.Identity(r.n, prec)
	for bi, blk := range r.blocks {
		m.Sub(m, new(bigmat.Dense).Scale(blk.w, pt.parts[bi].p))
	}
	m.Symmetrize(m)
	tau := secondOrderTau(m, prec)
	var ch bigmat.Cholesky
	return ch.Factorize(new(bigmat.Dense).AddScaledIdentity(m, tau)) == nil
}

// secondOrderAt is the second-order check of the certificate at pt. With
// the dense Hessian h (small problems) it is secondOrder(h), unchanged.
// Without it (Newton–Krylov sizes) it is the global certificate, and
// where that fails (the rank-constrained case k < n: a minimizer with
// more than k active directions has G indefinite; with k = n, a saddle)
// the horizontal Hessian Ĥ ⪰ −τ proved in float64 with a rigorous error
// bound (localFloat64, τ = 2^(1−prec/2)·s_H as in secondOrder), and
// failing that the dense Hessian's check when n·k ≤ MaxUnknowns.
func (r *reduced) secondOrderAt(pt *point, h *bigmat.Dense) bool {
	if h != nil {
		return r.secondOrder(h)
	}
	if r.globalCert(pt) {
		return true
	}
	op := r.hessOpAt(pt, r.prec)
	tol := op.diagScale()
	tol.SetMantExp(tol, 1-int(r.prec/2))
	if r.localFloat64(op, tol.Neg(tol)) {
		return true
	}
	return r.n*r.k <= MaxUnknowns && r.secondOrder(r.hessian(pt))
}

// hessVecFlat returns H·vec(d) as an N×1 column: from the dense Hessian h
// when given, else from the Hessian operator at the Newton system's
// precision (acceptable's predicted decrease needs no more).
func (r *reduced) hessVecFlat(pt *point, h, d *bigmat.Dense) *bigmat.Dense {
	if h != nil {
		return new(bigmat.Dense).Mul(h, vec(d))
	}
	hd := r.hessOpAt(pt, r.krylovPrec(pt)).apply(d)
	return vec(hd.SetPrec(r.prec))
}
