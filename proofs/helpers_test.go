package proofs

import (
	"math/big"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/testinst"
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
