// Command extmod is a program outside the ufm module that uses ufm as a
// library, the way a researcher would: it builds an instance by hand,
// predicts it (theory), solves it (solver), compares the two (verify),
// computes the NRC metrics of the solver's point (metrics) and registers
// and runs a claim of its own (proofs). The test in the module root
// (extmod_test.go) builds and runs it, so that a public function that
// needs an internal package breaks the build.
//
// The instance: targets ±3e₁, ±2e₂, ±e₃ (M = 6), so Σ = diag(3, 4/3, 1/3);
// λ_H = λ_W = 1 (c = 1), d = 3. Two directions are active (partial
// regime, rank 2), and L* = (√3 − ½) + (√(4/3) − ½) + (1/3)/2.
package main

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/metrics"
	"github.com/nrc-ufm/ufm/proofs"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/theory"
	"github.com/nrc-ufm/ufm/verify"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "extmod:", err)
		os.Exit(1)
	}
}

func example() *instance.Instance {
	r := func(a int64) *big.Rat { return big.NewRat(a, 1) }
	var targets [][]*big.Rat
	for k, a := range []int64{3, 2, 1} {
		for _, s := range []int64{1, -1} {
			row := []*big.Rat{r(0), r(0), r(0)}
			row[k] = r(s * a)
			targets = append(targets, row)
		}
	}
	return &instance.Instance{Name: "extmod", Targets: targets, LambdaH: r(1), LambdaW: r(1), D: 3, Bias: instance.BiasFree, Digits: 30}
}

func run() error {
	in := example()
	if err := in.Validate(); err != nil {
		return err
	}
	pred, err := theory.Predict(in, 30)
	if err != nil {
		return err
	}
	fmt.Printf("theory: regime %s, rank %d, L* = %s\n", pred.Regime, pred.Rank, pred.MinLoss.Text('g', 6))

	res, err := solver.Solve(in, solver.Settings{Digits: 30})
	if err != nil {
		return err
	}
	fmt.Printf("solver: converged %v, L = %s\n", res.Converged, res.MinLoss.Text('g', 6))

	rep, err := verify.Compare(in, pred, res)
	if err != nil {
		return err
	}
	fmt.Printf("verify: %s\n", rep.Status)

	if err := nrc(in, res); err != nil {
		return err
	}
	return customClaim(in)
}

// nrc computes the metrics of the solver's point: features H (M×d, the
// transpose of the solver's d×M H), weights W, targets Y (M×n).
func nrc(in *instance.Instance, res *solver.Result) error {
	prec := res.Prec
	var flat []*big.Rat
	for _, row := range in.Targets {
		flat = append(flat, row...)
	}
	y := bigmat.FromRat(in.M(), in.N(), prec, flat)
	h := new(bigmat.Dense).T(res.H)
	m, err := metrics.ComputeBig(h, res.W, y, 20, metrics.Options{})
	if err != nil {
		return err
	}
	tiny := new(big.Float).SetFloat64(1e-15)
	fmt.Printf("metrics: NRC1 %s, NRC2 below 1e-15 %v, NRC3 = %s at γ = %s\n",
		m.NRC1.Text('g', 3), m.NRC2.Cmp(tiny) < 0, m.NRC3.Text('g', 4), m.NRC3Gamma.Text('g', 4))
	return nil
}

// customClaim registers a claim of this program's own — the training MSE
// never exceeds tr Σ — and checks it on the instance.
func customClaim(in *instance.Instance) error {
	reg := proofs.NewRegistry()
	err := reg.Register(proofs.Claim{
		Name:       "mse-below-trace",
		Source:     "derived",
		Statement:  "For λ_H, λ_W > 0 the training MSE Σ_{j≤r} c + Σ_{j>r} σ_j is at most tr Σ.",
		Hypotheses: "λ_H > 0, λ_W > 0",
		Method:     "closed form",
		Expect:     proofs.Holds,
		Generate: func(rng *rand.Rand, _ proofs.GenOptions) *instance.Instance {
			in := example()
			in.LambdaH = big.NewRat(1+rng.Int64N(9), 4)
			return in
		},
		InHypotheses: func(in *instance.Instance) (bool, string) {
			return proofs.Hypotheses(proofs.Hyp{Violated: in.LambdaH.Sign() == 0 || in.LambdaW.Sign() == 0, Why: "a λ is zero"})
		},
		Check: func(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
			p, err := theory.Predict(in, cfg.Digits)
			if err != nil {
				return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
			}
			trace := new(big.Float).SetPrec(p.Prec).SetRat(p.TraceSigma)
			if p.TrainMSE.Cmp(trace) > 0 {
				return proofs.Outcome{Verdict: proofs.Fails, Reason: "MSE > tr Σ"}
			}
			return proofs.Outcome{Verdict: proofs.Holds, Reason: fmt.Sprintf("MSE %s ≤ tr Σ %s", p.TrainMSE.Text('g', 6), trace.Text('g', 6))}
		},
	})
	if err != nil {
		return err
	}
	c, _ := reg.Lookup("mse-below-trace")
	out := proofs.CheckOne(c, in, proofs.CheckConfig{Digits: 30})
	fmt.Printf("claim %s: %s (%s)\n", c.Name, out.Verdict, out.Reason)
	return nil
}
