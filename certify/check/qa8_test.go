package check

import (
	"math/big"
	"strings"
	"testing"
)

// Tests added by the second mutation round of issue 8 (QA session 2): each
// tampered certificate makes one claim false in a way that no other check
// sees, so only the check named in the comment can refuse it.

// ratString returns r·f as "p/q".
func ratTimes(t *testing.T, s string, f *big.Rat) string {
	t.Helper()
	r, err := ParseRat(s)
	if err != nil {
		t.Fatal(err)
	}
	return new(big.Rat).Mul(r, f).RatString()
}

func mustRefuse(t *testing.T, what string, data []byte) {
	t.Helper()
	c, err := Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if _, err := Check(c); err == nil {
		t.Errorf("%s: accepted", what)
	}
}

// TestSpectrumUpperBelowSigma1: spectrum.upper[0] := spectrum.lower[0],
// which lies below σ₁ (lower[0] < σ₁ is itself certified), with
// root_c_upper[0] := root_c_lower[0]·(1 − 10⁻⁸⁰)² so that its square stays
// below c·upper[0]. Σ − upper[0]·I then has one positive eigenvalue: the
// claim "σ₁ ≤ upper[0]" is false and must be refused.
// Kills: the upper-bound inertia test relaxed to pos > i + 1.
func TestSpectrumUpperBelowSigma1(t *testing.T) {
	shrink := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(80), nil))
	shrink.Sub(big.NewRat(1, 1), shrink)
	shrink.Mul(shrink, shrink)
	for _, name := range []string{"full-4x10", "nobias-3x6", "d-less-than-n-4x2", "zero-reg-3x7"} {
		mut := mutate(t, load(t, name), func(doc map[string]any) {
			getL, _ := at(doc, "spectrum", "lower", 0)
			_, setU := at(doc, "spectrum", "upper", 0)
			setU(getL())
			getRL, _ := at(doc, "spectrum", "root_c_lower", 0)
			_, setRU := at(doc, "spectrum", "root_c_upper", 0)
			setRU(ratTimes(t, getRL(), shrink))
		})
		mustRefuse(t, name+": spectrum.upper[0] below σ₁", mut)
	}
}

// TestRootCLowerJustBelow: spectrum.root_c_lower[0] := c·lower[0]/S for
// the certificate's S = root_c_lower[0] ≥ √(c·lower[0]): the new value is
// below √(c·lower[0]) by as little as S is above it, so the closed form's
// upper end moves by a negligible amount and nothing but the
// root_c_lower check can see that the lemma's hypothesis is false.
// Kills: root_c_lower not checked.
func TestRootCLowerJustBelow(t *testing.T) {
	for _, name := range []string{"full-4x10", "nobias-3x6", "d-less-than-n-4x2"} {
		changed := false
		mut := mutate(t, load(t, name), func(doc map[string]any) {
			getH, _ := at(doc, "instance", "lambda_h")
			getW, _ := at(doc, "instance", "lambda_w")
			getL, _ := at(doc, "spectrum", "lower", 0)
			get, set := at(doc, "spectrum", "root_c_lower", 0)
			c := new(big.Rat).Mul(mustRatT(t, getH()), mustRatT(t, getW()))
			cl := c.Mul(c, mustRatT(t, getL()))
			old := mustRatT(t, get())
			if new(big.Rat).Mul(old, old).Cmp(cl) == 0 {
				return // exact root: nothing lies strictly below it this way
			}
			set(new(big.Rat).Quo(cl, old).RatString())
			changed = true
		})
		if !changed {
			continue
		}
		mustRefuse(t, name+": root_c_lower[0] just below √(c·lower[0])", mut)
	}
}

func mustRatT(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, err := ParseRat(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRadiusHalved: the prediction radius must satisfy
// radius² ≥ 2M(upper − lower) (strong convexity); the fixtures' radius
// is that bound rounded up, so half of it violates it.
// Kills: the radius test weakened to radius² ≥ M(upper − lower)/2.
func TestRadiusHalved(t *testing.T) {
	for _, name := range []string{"full-4x10", "nobias-3x6"} {
		data := load(t, name)
		if !strings.Contains(string(data), `"radius"`) {
			t.Fatalf("%s: no radius", name)
		}
		mut := mutate(t, data, func(doc map[string]any) {
			get, set := at(doc, "predictions", "radius")
			set(ratTimes(t, get(), big.NewRat(1, 2)))
		})
		mustRefuse(t, name+": radius halved", mut)
	}
}

// TestDualInfeasibleOneDirection: Λ' = Λ + ε·e₁e₁ᵀ(Ỹ/M − Λ) moves the first
// row of the dual point toward that of the unconstrained maximizer Ỹ/M of
// the concave ℓ (ε = 10⁻¹²), so ℓ(Λ') ≥ ℓ(Λ)
// and the claimed lower bound still lies below it; but where the
// constraint Λ Λᵀ ≼ (c/M) I is tight, Λ' leaves the feasible set, and then
// ℓ(Λ') is no lower bound at all. Weak duality needs (c/M)I − Λ'Λ'ᵀ
// positive definite in every direction.
// Kills: the feasibility test accepting one non-positive direction.
func TestDualInfeasibleOneDirection(t *testing.T) {
	eps := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(12), nil))
	for _, name := range []string{"full-4x10", "nobias-3x6"} {
		c, err := Parse(load(t, name))
		if err != nil {
			t.Fatal(err)
		}
		d := newData(c)
		infeasible := 0
		mut := mutate(t, load(t, name), func(doc map[string]any) {
			for i := range c.Lambda[:1] {
				for j := range c.Lambda[i] {
					target := new(big.Rat).Quo(d.yt[i][j], d.mr)
					step := new(big.Rat).Sub(target, c.Lambda[i][j])
					v := new(big.Rat).Add(c.Lambda[i][j], step.Mul(step, eps))
					_, set := at(doc, "lower_bound", "lambda", i, j)
					set(v.RatString())
				}
			}
		})
		c2, err := Parse(mut)
		if err != nil {
			t.Fatal(err)
		}
		k := shifted(new(big.Rat).Quo(d.c, d.mr), gram(c2.Lambda))
		if pos, _, ok := Inertia(k); ok {
			infeasible = d.n - pos
		}
		if infeasible == 0 {
			t.Logf("%s: Λ' stays feasible (no tight direction): nothing to test", name)
			continue
		}
		t.Logf("%s: Λ' infeasible in %d of %d directions", name, infeasible, d.n)
		mustRefuse(t, name+": infeasible Λ'", mut)
	}
}
