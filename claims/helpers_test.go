package claims

import (
	"math/big"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
)

// mk builds an instance from sample-major targets written as decimal or
// rational strings.
func mk(t *testing.T, targets [][]string, lh, lw string, d int, bias instance.Bias) *instance.Instance {
	t.Helper()
	in := &instance.Instance{Name: "test", D: d, Bias: bias, Digits: 30}
	for _, row := range targets {
		var r []*big.Rat
		for _, s := range row {
			r = append(r, num(t, s))
		}
		in.Targets = append(in.Targets, r)
	}
	in.LambdaH, in.LambdaW = num(t, lh), num(t, lw)
	// Round-trip through the file format: every test instance is a valid
	// docs/formats.md instance.
	back, err := instance.Parse(in.Marshal())
	if err != nil {
		t.Fatalf("test instance does not parse: %v", err)
	}
	return back
}

func num(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, err := instance.ParseNumber(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func claim(t *testing.T, name string) *proofs.Claim {
	t.Helper()
	c, ok := Builtin().Lookup(name)
	if !ok {
		t.Fatalf("no claim %s", name)
	}
	return c
}

// check runs a claim's check with a fixed config.
func check(t *testing.T, name string, in *instance.Instance) proofs.Outcome {
	t.Helper()
	c := claim(t, name)
	out := proofs.CheckOne(c, in, proofs.CheckConfig{Seed: 7})
	if strings.Contains(out.Reason, "panicked") {
		t.Fatalf("%s: %s", name, out.Reason)
	}
	return out
}

func wantVerdict(t *testing.T, name string, in *instance.Instance, want proofs.Verdict, reasonHas ...string) proofs.Outcome {
	t.Helper()
	out := check(t, name, in)
	if out.Verdict != want {
		t.Fatalf("%s on %s: verdict %s, want %s (%s)", name, in.Name, out.Verdict, want, out.Reason)
	}
	for _, s := range reasonHas {
		if !strings.Contains(out.Reason, s) {
			t.Errorf("%s: reason %q lacks %q", name, out.Reason, s)
		}
	}
	return out
}

var (
	free = instance.BiasFree
	none = instance.BiasNone
)

// A partial-regime instance: n = 3, M = 5 (examples/partial-3x5.json).
func partial3x5(t *testing.T) *instance.Instance {
	in, err := instance.Load("../examples/partial-3x5.json")
	if err != nil {
		t.Fatal(err)
	}
	return in
}
