package claims

import (
	"math/big"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
)

// TestDeepClaimsHoldOnTheirFamilies: every deep claim behaves as
// registered on two generated trials (the controls refute or are
// inconclusive, never hold wrongly).
func TestDeepClaimsHoldOnTheirFamilies(t *testing.T) {
	for _, name := range []string{"deep-closed-form", "deep-local-minima", "deep-rank-monotone", "deep-threshold-jump", "deep-mean-scaling", "deep-layer-collapse"} {
		c := claim(t, name)
		for i := 0; i < 2; i++ {
			in := proofs.GenerateTrial(c, 11, i, false, 0)
			out := proofs.CheckOne(c, in, proofs.CheckConfig{Seed: 1})
			if out.Verdict == proofs.Fails {
				t.Errorf("%s trial %d: %s", name, i, out.Reason)
			}
		}
	}
}

// TestDeepLocalMinimaControl: for K = 2 the same point (0, 0, ȳ) is a
// saddle when σ_1 > c: the exact inertia has a negative eigenvalue, so the
// check fails — it can fail, and does where the mathematics says so.
func TestDeepLocalMinimaControl(t *testing.T) {
	in := deepFamily{KMin: 2, KMax: 2, Small: true}.draw(rand.New(rand.NewPCG(2, 2)), "k2")
	out := proofs.CheckOne(claim(t, "deep-local-minima"), in, proofs.CheckConfig{Seed: 1})
	if out.Verdict != proofs.Fails || !strings.Contains(out.Reason, "inertia") {
		t.Errorf("K = 2: %s — %s", out.Verdict, out.Reason)
	}
	// K = 3 on the shipped example: a strict local minimum, not global.
	in3, err := instance.Load(filepath.Join("..", "examples", "deep-k3-3x8.json"))
	if err != nil {
		t.Fatal(err)
	}
	in3.D, in3.Widths = 3, []int{3}
	in3.Targets = in3.Targets[:4] // fewer unknowns; σ changes but a mode stays on
	out = proofs.CheckOne(claim(t, "deep-local-minima"), in3, proofs.CheckConfig{Seed: 1})
	if out.Verdict != proofs.Holds {
		t.Errorf("K = 3: %s — %s", out.Verdict, out.Reason)
	}
}

// TestDeepThresholdJumpControl: K = 2 has no jump (s₊ = t − Mκ → 0 at the
// threshold): the claim fails there.
func TestDeepThresholdJumpControl(t *testing.T) {
	in := thresholdInstance(rand.New(rand.NewPCG(3, 4)), 2)
	out := proofs.CheckOne(claim(t, "deep-threshold-jump"), in, proofs.CheckConfig{Seed: 1, Digits: 40})
	if out.Verdict != proofs.Fails {
		t.Errorf("K = 2: %s — %s", out.Verdict, out.Reason)
	}
	for _, K := range []int{3, 4, 5} {
		in := thresholdInstance(rand.New(rand.NewPCG(uint64(K), 4)), K)
		out := proofs.CheckOne(claim(t, "deep-threshold-jump"), in, proofs.CheckConfig{Seed: 1, Digits: 40})
		if out.Verdict != proofs.Holds {
			t.Errorf("K = %d: %s — %s", K, out.Verdict, out.Reason)
		}
	}
}

// TestDeepMeanScalingDetectsWrongFactor: the exact identity n·L_mean =
// L_sum(nλ) holds, and with the λ's scaled by n² instead (the wrong
// convention for K ≥ 3 bookkeeping) it does not.
func TestDeepMeanScalingDetectsWrongFactor(t *testing.T) {
	in := deepFamily{KMin: 3, KMax: 3, AlwaysMean: true}.draw(rand.New(rand.NewPCG(9, 9)), "x")
	shapes := deepShapes(in)
	v := make([]*big.Rat, deepUnknowns(in, shapes))
	for i := range v {
		v[i] = big.NewRat(int64(i%7-3), int64(1+i%5))
	}
	x := deepUnflatten(in, shapes, v)
	n := big.NewRat(int64(in.N()), 1)
	lm := deepLossExact(in, x)
	lm.Mul(lm, n)
	for _, f := range []*big.Rat{n, new(big.Rat).Mul(n, n)} {
		sum := in.Clone()
		sum.DataTerm = instance.DataSum
		sum.LambdaH.Mul(sum.LambdaH, f)
		for _, l := range sum.Lambdas {
			l.Mul(l, f)
		}
		ok := deepLossExact(sum, x).Cmp(lm) == 0
		if want := f.Cmp(n) == 0; ok != want {
			t.Errorf("λ × %s: identity %v, want %v", f.RatString(), ok, want)
		}
	}
}
