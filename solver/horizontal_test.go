package solver

import (
	"math/big"
	"testing"
	"time"

	"github.com/nrc-ufm/ufm/bigmat"
)

// TestVerticalPenalty: Ĥ − h = λP with P vec(E) = V(VᵀE − EᵀV), so P
// vanishes on the horizontal space {E : VᵀE symmetric} and maps a
// vertical E = VΩ (Ω skew) to V(VᵀVΩ + ΩVᵀV), which is nonzero with
// ⟨E, P E⟩ = ‖VΩ‖²-like positive. Checked on random V, E at 200 bits
// against the formula itself (h = 0, so Ĥ = λP with λ = 1/‖V‖²_F).
func TestVerticalPenalty(t *testing.T) {
	const prec = 200
	seed := uint64(3)
	for _, dims := range [][2]int{{3, 2}, {4, 3}, {4, 4}} {
		n, k := dims[0], dims[1]
		r := &reduced{n: n, k: k, prec: prec}
		v := randDense(n, k, prec, seed)
		hhat := r.horizontalHessian(v, bigmat.New(n*k, n*k, prec))
		vn := v.FrobeniusNorm()
		lam := new(big.Float).SetPrec(prec).Quo(big.NewFloat(1), vn.Mul(vn, vn))
		// A horizontal E: E = V S + F with S symmetric, F ⊥ col V (here F
		// = 0 and a random symmetric S): VᵀE = VᵀV S is not symmetric in
		// general, so use E = V (VᵀV)⁻¹ S instead: VᵀE = S.
		s := randDense(k, k, prec, seed+1)
		s.Symmetrize(s)
		var ch bigmat.Cholesky
		if err := ch.Factorize(new(bigmat.Dense).TransMul(v, v)); err != nil {
			t.Fatal(err)
		}
		eh := new(bigmat.Dense).Mul(v, ch.SolveTo(new(bigmat.Dense), s))
		if got := new(bigmat.Dense).Mul(hhat, vec(eh)).FrobeniusNorm(); log10Float(got) > -55 {
			t.Errorf("%d×%d: P on a horizontal E = %s, want 0", n, k, got.Text('g', 5))
		}
		// Vertical E = VΩ.
		om := randDense(k, k, prec, seed+2)
		om.Sub(om, new(bigmat.Dense).T(om))
		ev := new(bigmat.Dense).Mul(v, om)
		vtv := new(bigmat.Dense).TransMul(v, v)
		wantM := new(bigmat.Dense).Mul(v, new(bigmat.Dense).Add(new(bigmat.Dense).Mul(vtv, om), new(bigmat.Dense).Mul(om, vtv)))
		wantM.Scale(lam, wantM)
		got := unvec(new(bigmat.Dense).Mul(hhat, vec(ev)), n, k)
		if d := new(bigmat.Dense).Sub(got, wantM).FrobeniusNorm(); log10Float(d) > -55 {
			t.Errorf("%d×%d: P on a vertical E off by %s", n, k, d.Text('g', 5))
		}
		if dot(ev, got).Sign() <= 0 {
			t.Errorf("%d×%d: ⟨E, PE⟩ ≤ 0 on a vertical E", n, k)
		}
		seed += 10
	}
}

// TestEscapeHorizontal: diagonal targets with amplitudes (3, 2, 2(1 −
// 10⁻²⁰)), λ_H = λ_W = 1/100, d = 2 < n = 3: the cut-off falls in the
// near tie σ₂ ≈ σ₃, so the minimizer takes e₁, e₂ and the column space
// {e₁, e₃} is a saddle whose negative curvature (~10⁻²⁰) lies across the
// rotations. At that saddle (each column at its one-dimensional optimum
// √(√s_j − ρ), a stationary point) escapeHorizontal must find the
// direction, turn the column space and lower φ: the new column space
// contains e₂ to within 10⁻¹⁰. (The polar horizontal steps alone solve
// the QA instances, so this checks the escape itself.)
func TestEscapeHorizontal(t *testing.T) {
	in := mkInstance(t, "tie-cutoff", diagTargets([]string{"0", "0", "0"}, []string{"3", "2", "1.99999999999999999998"}), "1/100", "1/100", 2, "free", "")
	const prec = 400
	r, err := newReduced(in, in.LambdaH, in.LambdaW, prec)
	if err != nil {
		t.Fatal(err)
	}
	if r.k != 2 || len(r.blocks) != 1 {
		t.Fatalf("k = %d, %d blocks", r.k, len(r.blocks))
	}
	blk := r.blocks[0]
	v := bigmat.New(3, 2, prec)
	for col, j := range []int{0, 2} { // the wrong column space {e₁, e₃}
		a := new(big.Float).SetPrec(prec).Sqrt(blk.s.At(j, j))
		a.Mul(a, new(big.Float).SetPrec(prec).Sqrt(blk.w))
		a.Sub(a, blk.rho)
		v.At(j, col).Sqrt(a)
	}
	it, err := newIteration(r, v, 30, 100, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if g := log10Float(it.pt.gnorm); g > -100 {
		t.Fatalf("the constructed saddle is not stationary: ‖∇φ‖ = 1e%.1f", g)
	}
	f0 := it.pt.f
	h := it.r.hessian(it.pt)
	verdict := it.r.horizontal(it.pt, h)
	if !verdict.negative {
		t.Fatalf("negative curvature across the rotations not resolved at %d bits", prec)
	}
	escaped, err := it.escapeHorizontal(verdict.hhat)
	if err != nil || !escaped {
		t.Fatalf("no escape (err %v)", err)
	}
	if it.pt.f.Cmp(f0) >= 0 {
		t.Errorf("φ did not decrease: %s → %s", f0.Text('g', 30), it.pt.f.Text('g', 30))
	}
	// ‖(I − P)e₂‖ with P the projector onto col V'.
	nv := it.pt.v
	var ch bigmat.Cholesky
	if err := ch.Factorize(new(bigmat.Dense).TransMul(nv, nv)); err != nil {
		t.Fatal(err)
	}
	e2 := bigmat.New(3, 1, prec)
	e2.At(1, 0).SetInt64(1)
	coef := ch.SolveTo(new(bigmat.Dense), new(bigmat.Dense).TransMul(nv, e2))
	res := new(bigmat.Dense).Sub(e2, new(bigmat.Dense).Mul(nv, coef))
	if d := log10Float(res.FrobeniusNorm()); d > -10 {
		t.Errorf("the turned column space misses e₂ by 1e%.1f", d)
	}
}
