package property

import (
	"bytes"
	"math/big"
	"strings"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/nrc-ufm/ufm/instance"
)

// The generator's shrinking, checked on properties that fail on purpose.
// They run with their own reporter writing to a buffer, so the suite's
// output shows no falsified property; the test inspects the result.

// falsify runs p, which must fail, and returns the shrunk Case and
// gopter's report.
func falsify(t *testing.T, name string, p gopter.Prop) (*Case, string) {
	t.Helper()
	params := parameters(t, 100)
	props := gopter.NewProperties(params)
	props.Property(name, p)
	var buf bytes.Buffer
	if props.Run(gopter.NewFormatedReporter(false, 200, &buf)) {
		t.Fatalf("%s: expected the property to be falsified; report:\n%s", name, buf.String())
	}
	res := p.Check(parameters(t, 100)) // same seed: the same failure, for its arguments
	if res.Status != gopter.TestFailed || len(res.Args) == 0 {
		t.Fatalf("%s: status %v, want a falsified property with arguments", name, res.Status)
	}
	c, ok := res.Args[0].Arg.(*Case)
	if !ok || c.In == nil {
		t.Fatalf("%s: shrunk argument is %T, want a *Case with an instance", name, res.Args[0].Arg)
	}
	return c, buf.String()
}

// reportedInstance extracts the instance file printed after "ARG_0:" in a
// gopter report.
func reportedInstance(t *testing.T, report string) *instance.Instance {
	t.Helper()
	_, rest, ok := strings.Cut(report, "ARG_0:")
	if !ok {
		t.Fatalf("no ARG_0 in the report:\n%s", report)
	}
	start := strings.Index(rest, "{")
	end := strings.Index(rest, "\n}")
	if start < 0 || end < start {
		t.Fatalf("no instance file after ARG_0:\n%s", report)
	}
	in, err := instance.Parse([]byte(rest[start : end+2]))
	if err != nil {
		t.Fatalf("the reported instance does not parse: %v\n%s", err, rest[start:end+2])
	}
	return in
}

// TestPropertyShrinkSamples: "M < 3" fails for M ≥ 3 and must shrink to the
// smallest counterexample: M = 3, n = d = 1, zero targets, λ_H = λ_W = 1,
// bias free, printed as an instance file (docs/formats.md) that parses back to it.
func TestPropertyShrinkSamples(t *testing.T) {
	cfg := Small
	c, report := falsify(t, "M < 3", prop.ForAll(func(c *Case) bool { return c.In.M() < 3 }, Instances(cfg)))
	in := c.In
	t.Logf("shrunk counterexample of M < 3:%s", c)
	if in.M() != 3 || in.N() != cfg.N[0] || in.D != cfg.D[0] {
		t.Errorf("shrunk to M = %d, n = %d, d = %d; want M = 3, n = %d, d = %d", in.M(), in.N(), in.D, cfg.N[0], cfg.D[0])
	}
	for i, row := range in.Targets {
		for k, v := range row {
			if v.Sign() != 0 {
				t.Errorf("target [%d][%d] = %s did not shrink to 0", i, k, v.RatString())
			}
		}
	}
	one := big.NewRat(1, 1)
	if in.LambdaH.Cmp(one) != 0 || in.LambdaW.Cmp(one) != 0 || in.Bias != instance.BiasFree {
		t.Errorf("λ_H = %s, λ_W = %s, bias %s; want 1, 1, free", in.LambdaH.RatString(), in.LambdaW.RatString(), in.Bias)
	}
	if got := reportedInstance(t, report); !bytes.Equal(got.Marshal(), in.Marshal()) {
		t.Errorf("the report shows\n%s\nbut the shrunk instance is\n%s", got.Marshal(), in.Marshal())
	}
}

// TestPropertyShrinkTargets: "every target is an integer" must shrink to
// an instance with a single nonzero target ±1/2, d = 1, λ's 1.
func TestPropertyShrinkTargets(t *testing.T) {
	cfg := Small
	c, report := falsify(t, "targets are integers", prop.ForAll(func(c *Case) bool {
		for _, row := range c.In.Targets {
			for _, v := range row {
				if !v.IsInt() {
					return false
				}
			}
		}
		return true
	}, Instances(cfg)))
	in := c.In
	t.Logf("shrunk counterexample of 'targets are integers':%s", c)
	var nonzero []*big.Rat
	for _, row := range in.Targets {
		for _, v := range row {
			if v.Sign() != 0 {
				nonzero = append(nonzero, v)
			}
		}
	}
	half := big.NewRat(1, 2)
	if len(nonzero) != 1 || new(big.Rat).Abs(nonzero[0]).Cmp(half) != 0 {
		t.Errorf("want exactly one nonzero target, ±1/2; got %d nonzero: %v", len(nonzero), nonzero)
	}
	if in.D != cfg.D[0] || in.LambdaH.Cmp(big.NewRat(1, 1)) != 0 || in.LambdaW.Cmp(big.NewRat(1, 1)) != 0 {
		t.Errorf("d = %d, λ_H = %s, λ_W = %s; want d = %d and λ's 1", in.D, in.LambdaH.RatString(), in.LambdaW.RatString(), cfg.D[0])
	}
	if got := reportedInstance(t, report); !bytes.Equal(got.Marshal(), in.Marshal()) {
		t.Errorf("the report shows\n%s\nbut the shrunk instance is\n%s", got.Marshal(), in.Marshal())
	}
}

// TestPropertyGeneratorRanges: generated instances respect the
// configuration and round-trip through the format of docs/formats.md.
func TestPropertyGeneratorRanges(t *testing.T) {
	for _, cfg := range []Config{Small, zeroCfg} {
		check(t, "generated instances are valid, in range and round-trip", defaultTrials, prop.ForAll(
			func(c *Case) string {
				in := c.In
				var f failures
				d := in.D
				if cfg.DAboveN {
					d -= in.N()
				}
				if !inRange(in.N(), cfg.N) || !inRange(in.M(), cfg.M) || !inRange(d, cfg.D) {
					f.addf("n = %d, M = %d, d = %d outside the configuration", in.N(), in.M(), in.D)
				}
				if cfg.ZeroLambda != (in.LambdaH.Sign() == 0 && in.LambdaW.Sign() == 0) {
					f.addf("λ_H = %s, λ_W = %s", in.LambdaH.RatString(), in.LambdaW.RatString())
				}
				back, err := instance.Parse(in.Marshal())
				if err != nil {
					f.addf("Marshal does not parse: %v", err)
				} else if !bytes.Equal(back.Marshal(), in.Marshal()) {
					f.addf("Marshal does not round-trip")
				}
				return f.String()
			},
			Instances(cfg),
		))
	}
}
