package proofs_test

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/nrc-ufm/ufm/claims"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
	"github.com/nrc-ufm/ufm/theory"
)

// A theorist's claim: the training MSE of the global minimizer never
// exceeds the targets' total variance tr Σ (what predicting the mean
// costs). Its check uses the closed form; its generator the exported
// instance family.
func mseBelowTrace() proofs.Claim {
	return proofs.Claim{
		Name:       "mse-below-trace",
		Source:     "derived",
		Statement:  "For λ_H, λ_W > 0 the training MSE Σ_{j≤r} c + Σ_{j>r} σ_j is at most tr Σ.",
		Hypotheses: "λ_H > 0, λ_W > 0",
		Method:     "closed form",
		Expect:     proofs.Holds,
		Budget:     200,
		Generate: func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
			f := claims.Family{NMax: 3, Spectral: 0.3}
			if opts.Outside {
				f.Lambda = claims.LambdaOneZero
			}
			return f.Draw(rng, "mse")
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
				return proofs.Outcome{Verdict: proofs.Fails, Reason: fmt.Sprintf("MSE %s > tr Σ %s", p.TrainMSE.Text('g', 10), trace.Text('g', 10))}
			}
			return proofs.Outcome{Verdict: proofs.Holds, Reason: "MSE ≤ tr Σ"}
		},
	}
}

// Registering a claim and searching for counterexamples to it.
func ExampleRegistry_Register() {
	reg := claims.Builtin() // or claims.Default(), which the ufm command uses
	if err := reg.Register(mseBelowTrace()); err != nil {
		fmt.Println(err)
		return
	}
	c, _ := reg.Lookup("mse-below-trace")
	res, err := proofs.Search(c, proofs.SearchOptions{Seed: 1, Budget: 100})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d trials, counterexample: %v\n", c.Name, res.Trials, res.Counterexample != nil)

	// Outside the hypotheses (one λ zero) the closed form reports the
	// infimum, and the check still holds: the λ > 0 hypothesis is not
	// needed for this inequality.
	res, _ = proofs.Search(c, proofs.SearchOptions{Seed: 1, Budget: 100, Outside: true})
	fmt.Printf("outside: %d trials, counterexample: %v\n", res.Trials, res.Counterexample != nil)
	// Output:
	// mse-below-trace: 100 trials, counterexample: false
	// outside: 100 trials, counterexample: false
}

func TestRegistry(t *testing.T) {
	reg := proofs.NewRegistry()
	c := mseBelowTrace()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(c); !errors.Is(err, proofs.ErrDuplicate) {
		t.Fatalf("duplicate: %v", err)
	}
	bad := c
	bad.Name = "Bad Name"
	if reg.Register(bad) == nil {
		t.Fatal("a malformed name was accepted")
	}
	bad = c
	bad.Name, bad.Check = "no-check", nil
	if reg.Register(bad) == nil {
		t.Fatal("a claim without a check was accepted")
	}
	bad = c
	bad.Name, bad.Expect = "no-expect", ""
	if reg.Register(bad) == nil {
		t.Fatal("a claim without Expect was accepted")
	}
	got, ok := reg.Lookup("mse-below-trace")
	if !ok || got.Trials != 10 || got.Digits != 30 {
		t.Fatalf("defaults not filled: %+v", got)
	}
	// The built-in list: every claim the ISSUE names, in the documented order.
	want := []string{"r1-bias", "r2-push-through", "r3-reduced-objective", "r4-residual", "r5-balance", "r6-kkt",
		"theorem", "theorem-certified", "landscape", "nocollapse-at-zero", "gram-free-at-zero", "multitask-mse", "whitening",
		"full-collapse-all-positive",
		"deep-closed-form", "deep-local-minima", "deep-rank-monotone", "deep-threshold-jump", "deep-mean-scaling",
		"deep-layer-collapse", "deep-nrc3-every-layer", // issue 13
		"bias-shrinks-uniformly"}
	names := claims.Builtin().Names()
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Fatalf("built-in claims %v", names)
	}
	a, b := claims.Default(), claims.Default()
	if a != b {
		t.Fatal("Default is not a single registry")
	}
}

// ufm proofs' runner: every built-in claim behaves as registered on a few
// trials.
func TestRunProofs(t *testing.T) {
	trials := 6
	if testing.Short() {
		trials = 3
	}
	rows := proofs.RunProofs(claims.Builtin().Claims(), proofs.ProofOptions{Seed: 1, Trials: trials})
	for _, r := range rows {
		if !r.Matches {
			t.Errorf("%s: verdict %s, expected %s: %s", r.Claim.Name, r.Verdict, r.Claim.Expect, r.Summary)
		}
		if r.Summary == "" {
			t.Errorf("%s: no summary", r.Claim.Name)
		}
	}
}
