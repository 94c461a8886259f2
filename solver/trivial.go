package solver

import (
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
)

// trivialNote is the note of a result returned by solveTrivial.
const trivialNote = "W = 0 is a global minimizer, decided exactly: the Hessian of the reduced loss at W = 0, λ_W I − Σ_k (γ_k/μ_k²) S_k, is positive semidefinite (symmetric elimination in rationals) and the loss is convex in A = W Wᵀ, so A = 0 minimizes it (uniquely: λ_W tr A > 0 along any A ⪰ 0 on which the rest is flat). The exact minimizer W = 0, H = 0, b by exact least squares is returned; no iteration was run"

// solveTrivial is solveRegular in the trivial regime: W = 0 minimizes f,
// decided exactly by red.exact.zeroIsMinimizer (zero.go). Iterating there
// only drives W toward 0 (the old stage-2 result was a tiny nonzero W Wᵀ,
// e.g. 9.3e-297 at λ_H = λ_W = 1e250, whose digits were meaningless), so
// it returns the exact minimizer instead: W = 0 and, by exact partial
// minimization over (H, b) (certify), H = 0 and b = ȳ (free), 0 (none) or
// ȳ/(1+λ_b) (regularized). L and ∇L are evaluated from their definitions
// at that point as everywhere else; L must agree with the exact value
// f(0) (zeroLoss) to the requested digits and the gradient blocks must be
// below 10^-digits of their terms (certificateFails), else the stop is
// StopUncertified. W Wᵀ = 0 is exact: DigitsReached is the requested
// digits and WWScale is 0. No stage runs: Iterations, Stage1Iterations
// and History stay empty.
func solveTrivial(in *instance.Instance, red *reduced, s Settings, res *Result) error {
	prec := red.prec + certGuardBits
	wp := bigmat.New(red.n, red.k, prec)
	f0 := newFloat(prec).SetRat(red.exact.zeroLoss())
	cert := certifyAccurate(in, wp, in.LambdaH, prec, f0)
	res.setCertificate(cert)
	res.Stop, res.Converged, res.DigitsReached = StopConverged, true, s.Digits
	res.WWScale = newFloat(cert.prec)
	res.Notes = append(res.Notes, trivialNote)
	c := &core{red: red}
	if why := c.certificateFails(cert, f0, s.Digits); why != "" {
		res.Notes = append(res.Notes, why)
		res.Stop, res.Converged = StopUncertified, false
	}
	res.GradRelative = cert.relGradientValue(c.wUnit())
	return nil
}

// zeroLoss returns f(0) exactly: Σ_k (γ_k/(2μ_k)) tr S_k
// = λ_W a0² Σ_k w_k tr S'_k/(2μ_k) (problem.go: γ_k = λ_H w_k,
// S_k = σ0 S'_k, λ_H σ0 = λ_W a0²). It is the minimum of L when W = 0 is
// a minimizer: ‖Ỹ‖²/(2M) for bias free, ‖Y‖²/(2M) for none, plus
// α‖ȳ‖²/2 for regularized.
func (e *exactProblem) zeroLoss() *big.Rat {
	sum := new(big.Rat)
	for _, b := range e.blocks {
		tr := new(big.Rat)
		for i := 0; i < e.n; i++ {
			tr.Add(tr, b.s[i*e.n+i])
		}
		tr.Mul(tr, b.w)
		tr.Quo(tr, b.mu)
		sum.Add(sum, tr)
	}
	sum.Mul(sum, e.a0sq)
	sum.Mul(sum, e.lamW)
	return sum.Quo(sum, big.NewRat(2, 1))
}
