// Package testinst builds small instances for tests from numbers written
// as strings, the way instance files write them (docs/formats.md §1).
package testinst

import (
	"math/big"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
)

// Make builds an instance (30 digits) from sample-major targets written as
// decimal or rational strings, and round-trips it through the file format,
// so that every test instance is a valid instance file.
func Make(tb testing.TB, targets [][]string, lh, lw string, d int, bias instance.Bias) *instance.Instance {
	tb.Helper()
	in := &instance.Instance{Name: "test", D: d, Bias: bias, Digits: 30}
	for _, row := range targets {
		var r []*big.Rat
		for _, s := range row {
			r = append(r, Num(tb, s))
		}
		in.Targets = append(in.Targets, r)
	}
	in.LambdaH, in.LambdaW = Num(tb, lh), Num(tb, lw)
	back, err := instance.Parse(in.Marshal())
	if err != nil {
		tb.Fatalf("test instance does not parse: %v", err)
	}
	return back
}

// Num reads one number as instance files do ("1.5e-3", "-3/7").
func Num(tb testing.TB, s string) *big.Rat {
	tb.Helper()
	r, err := instance.ParseNumber(s)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}
