package proofs

import (
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/nrc-ufm/ufm/instance"
)

// nonzeroTargets is a test claim for the framework alone: "every target is
// zero", which fails on any instance with a nonzero target. Its
// hypothesis is λ_H > 0, so shrinking must keep λ_H positive.
func nonzeroTargets() *Claim {
	return &Claim{
		Name: "targets-vanish", Source: "test", Statement: "every target is zero",
		Hypotheses: "λ_H > 0", Method: "exact", Expect: Fails,
		Generate: func(rng *rand.Rand, _ GenOptions) *instance.Instance { return nil },
		InHypotheses: func(in *instance.Instance) (bool, string) {
			return Hypotheses(Hyp{Violated: in.LambdaH.Sign() <= 0, Why: "λ_H ≤ 0"})
		},
		Check: func(in *instance.Instance, _ CheckConfig) Outcome {
			for _, row := range in.Targets {
				for _, v := range row {
					if v.Sign() != 0 {
						return Outcome{Verdict: Fails, Reason: "a target is nonzero", Exact: true}
					}
				}
			}
			return Outcome{Verdict: Holds, Reason: "all targets vanish", Exact: true}
		},
	}
}

func TestShardTrials(t *testing.T) {
	for budget := 0; budget < 30; budget++ {
		for n := 1; n < 7; n++ {
			sum := 0
			for k := 0; k < n; k++ {
				sum += ShardTrials(budget, k, n)
			}
			if sum != budget {
				t.Fatalf("budget %d, N = %d: shards plan %d", budget, n, sum)
			}
		}
	}
}

func TestShrinkHelpers(t *testing.T) {
	for _, c := range []struct{ in, want string }{{"5/2", "3"}, {"-5/2", "-3"}, {"7/3", "2"}, {"-7/3", "-2"}, {"-1/3", "0"}, {"4", "4"}} {
		if got := roundRat(num(t, c.in)); got.Cmp(num(t, c.want)) != 0 {
			t.Errorf("roundRat(%s) = %s, want %s", c.in, got.RatString(), c.want)
		}
	}
	got := simplerPositive(num(t, "0.00037"))
	var s []string
	for _, r := range got {
		s = append(s, r.RatString())
	}
	if strings.Join(s, " ") != "1 1/10000 1/2500" {
		t.Errorf("simplerPositive(0.00037) = %v", s)
	}
	if simplerPositive(new(big.Rat)) != nil {
		t.Error("a zero λ must stay zero")
	}
	if f := shortFraction(num(t, "0.333333")); f == nil || f.Cmp(big.NewRat(1, 3)) != 0 {
		t.Errorf("shortFraction(0.333333) = %v", f)
	}
}

// Shrinking never leaves the hypotheses and never makes the claim hold,
// and it does simplify.
func TestShrinkStaysFailing(t *testing.T) {
	c := nonzeroTargets()
	in := mk(t, [][]string{{"1.5", "0"}, {"-1", "0.25"}, {"0", "1"}, {"0.125", "-1"}, {"3", "3"}}, "0.1", "1", 1, instance.BiasFree)
	cfg := CheckConfig{Seed: 1}.withDefaults(c)
	if CheckOne(c, in, cfg).Verdict != Fails {
		t.Fatal("the starting instance must fail")
	}
	sh := shrink(c, in, cfg, true, time.Now().Add(time.Minute))
	if CheckOne(c, sh.in, cfg).Verdict != Fails {
		t.Fatal("the shrunk instance holds")
	}
	if ok, why := c.InHypotheses(sh.in); !ok {
		t.Fatalf("shrinking left the hypotheses: %s", why)
	}
	if sh.in.M() >= in.M() || !allIntegers(sh.in) {
		t.Fatalf("nothing was simplified: %s", sh.in.Marshal())
	}
}
