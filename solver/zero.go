package solver

import (
	"math/big"
	"sync"
)

// zeroIsMinimizer reports, exactly, whether W = 0 minimizes f (the
// trivial regime, W Wᵀ = 0 at the optimum). It decides the second-order
// condition at the stationary point W = 0 in rational arithmetic: the
// Hessian of f at 0 acts on each column w of W as the quadratic form
//
//	λ_W ‖w‖² − Σ_k (γ_k/μ_k²) wᵀ S_k w,
//
// i.e., after division by λ_W and S_k = σ0 S'_k, γ_k = λ_H w_k,
// a0² = λ_H σ0/λ_W, as the matrix Z = I − Σ_k (a0² w_k/μ_k²) S'_k. When Z
// is positive semidefinite, W = 0 is a global minimizer: f depends on W
// only through A = WWᵀ ⪰ 0, g(A) = Σ_k (γ_k/2) tr((A + μ_k I)⁻¹ S_k) +
// (λ_W/2) tr A is convex on A ⪰ 0 (tr(X⁻¹S) is convex on positive
// definite X for S ⪰ 0), and its directional derivative at A = 0 along
// any A ⪰ 0 is ½ tr(Z A)·λ_W ≥ 0. When Z is not positive semidefinite,
// some w has negative curvature at 0, so W = 0 is a saddle and
// W* Wᵀ* ≠ 0: the solver must then measure W Wᵀ relative to its own size,
// however small (relChange). The decision is exact (symmetric
// elimination on rationals); it uses neither a closed form nor a
// spectrum. The result is computed once per exact problem.
func (e *exactProblem) zeroIsMinimizer() bool {
	e.zeroOnce.Do(func() { e.zeroMin = e.decideZero() })
	return e.zeroMin
}

// decideZero builds Z (see zeroIsMinimizer) and tests it.
func (e *exactProblem) decideZero() bool {
	n := e.n
	z := make([][]*big.Rat, n)
	for i := range z {
		z[i] = make([]*big.Rat, n)
		for j := range z[i] {
			z[i][j] = new(big.Rat)
		}
		z[i][i].SetInt64(1)
	}
	for _, b := range e.blocks {
		coef := new(big.Rat).Mul(e.a0sq, b.w)
		mu2 := new(big.Rat).Mul(b.mu, b.mu)
		coef.Quo(coef, mu2)
		var t big.Rat
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				t.Mul(coef, b.s[i*n+j])
				z[i][j].Sub(z[i][j], &t)
			}
		}
	}
	return ratPSD(z)
}

// ratPSD reports whether the symmetric rational matrix a is positive
// semidefinite, exactly, by symmetric Gaussian elimination without
// pivoting: a negative pivot refutes it; a zero pivot is allowed only
// with a zero row (a PSD matrix with a_ii = 0 has row i zero). a is
// overwritten.
func ratPSD(a [][]*big.Rat) bool {
	n := len(a)
	var t big.Rat
	for p := 0; p < n; p++ {
		switch a[p][p].Sign() {
		case -1:
			return false
		case 0:
			for j := p + 1; j < n; j++ {
				if a[p][j].Sign() != 0 {
					return false
				}
			}
			continue
		}
		for i := p + 1; i < n; i++ {
			if a[i][p].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Quo(a[i][p], a[p][p])
			for j := p + 1; j < n; j++ {
				t.Mul(f, a[p][j])
				a[i][j].Sub(a[i][j], &t)
			}
		}
	}
	return true
}

// zeroState caches exactProblem.zeroIsMinimizer.
type zeroState struct {
	zeroOnce sync.Once
	zeroMin  bool
}
