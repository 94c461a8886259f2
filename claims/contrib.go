package claims

import (
	"fmt"
	"math/big"
	"math/rand/v2"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/verify"
)

// contributedClaims are claims added by the tool's users. Append yours
// here (README, "Adding a claim"): `ufm claims`, `ufm proofs` and
// `ufm search --claim` pick them up, listed after the built-in ones.
// Everything below uses exported API only, so a claim can equally live in
// a program of its own that registers it into claims.Default().
func contributedClaims() []proofs.Claim {
	return []proofs.Claim{biasShrinkClaim()}
}

// biasShrinkClaim is the README's worked example: a conjecture about the
// regularized bias, for which docs/theory.md claims no closed form. It is false
// (the optimal bias is (ȳ − W h̄)/(1 + λ_b) with h̄ ≠ 0 whenever W*ᵀȳ ≠ 0),
// and the search finds that within a few trials.
func biasShrinkClaim() proofs.Claim {
	return proofs.Claim{
		Name:   "bias-shrinks-uniformly",
		Source: "worked example (README): a conjecture for bias mode regularized",
		Statement: "With bias regularized (λ_b > 0) and λ_H, λ_W > 0, the optimal bias is the mean shrunk uniformly, b* = ȳ/(1 + λ_b). " +
			"Checked against the solver: b* must agree with ȳ/(1 + λ_b) to digits − 5.",
		Hypotheses: "bias regularized with λ_b > 0; λ_H, λ_W > 0",
		Method:     "solver",
		Expect:     proofs.Fails, Budget: 100, Trials: 20, Digits: 30,
		Generate: func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
			in := Family{NMax: 3, MMax: 6, NoSingle: true}.Draw(rng, "bias-shrinks")
			in.Bias = instance.BiasRegularized
			in.LambdaB = big.NewRat(int64(1+rng.IntN(9)), 10)
			if opts.Outside {
				in.Bias, in.LambdaB = instance.BiasFree, nil
			}
			return in
		},
		InHypotheses: func(in *instance.Instance) (bool, string) {
			return proofs.Hypotheses(
				proofs.Hyp{Violated: in.Bias != instance.BiasRegularized, Why: "bias is not regularized"},
				proofs.Hyp{Violated: in.LambdaH.Sign() == 0 || in.LambdaW.Sign() == 0, Why: "a λ is zero"})
		},
		Check: func(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
			res, err := solver.Solve(in, solver.Settings{Digits: cfg.Digits, Starts: 4, Seed: int64(cfg.Seed>>2) + 1, TimeLimit: cfg.SolverTime})
			if err != nil {
				return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "solver: " + err.Error()}
			}
			if !res.Converged {
				return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: fmt.Sprintf("the solver did not converge (%s)", res.Stop)}
			}
			lb := new(big.Rat).SetInt64(0)
			if in.LambdaB != nil {
				lb = in.LambdaB
			}
			shrink := new(big.Rat).Inv(new(big.Rat).Add(big.NewRat(1, 1), lb))
			want := make([]*big.Float, in.N())
			scale := new(big.Float).SetPrec(res.Prec)
			for k, m := range in.Mean() {
				want[k] = new(big.Float).SetPrec(res.Prec).SetRat(new(big.Rat).Mul(m, shrink))
				scale.Add(scale, new(big.Float).Abs(want[k]))
			}
			if scale.Sign() == 0 {
				scale.SetInt64(1)
			}
			got, err := verify.VectorDigits(res.B, want, scale, cfg.Digits+bigmat.GuardDigits)
			if err != nil {
				return proofs.Outcome{Verdict: proofs.Error, Reason: fmt.Sprintf("internal error comparing b*: %v", err)}
			}
			if got < cfg.Digits-verify.Margin {
				return proofs.Outcome{Verdict: proofs.Fails, Reason: fmt.Sprintf("the solver's b* = (%s) agrees with ȳ/(1 + λ_b) = (%s) to only %d digits",
					joinTexts(res.B, 8), joinTexts(want, 8), got)}
			}
			tenth := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(got)), nil))
			return proofs.Outcome{Verdict: proofs.Holds, Residual: new(big.Float).SetRat(tenth), Points: 1, Reason: fmt.Sprintf("b* = ȳ/(1 + λ_b) to %d digits", got)}
		},
	}
}

func joinTexts(v []*big.Float, digits int) string {
	s := ""
	for i, x := range v {
		if i > 0 {
			s += ", "
		}
		s += bigmat.Text(x, digits)
	}
	return s
}
