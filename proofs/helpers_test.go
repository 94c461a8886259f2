package proofs

import (
	"math/big"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
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
