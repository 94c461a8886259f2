package claims

import (
	"math/big"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/testinst"
	"github.com/nrc-ufm/ufm/proofs"
)

// mk and num: see package testinst.
func mk(t *testing.T, targets [][]string, lh, lw string, d int, bias instance.Bias) *instance.Instance {
	t.Helper()
	return testinst.Make(t, targets, lh, lw, d, bias)
}

func num(t *testing.T, s string) *big.Rat {
	t.Helper()
	return testinst.Num(t, s)
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
