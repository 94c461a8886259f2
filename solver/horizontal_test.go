package solver

import (
	"math/big"
	"testing"

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
