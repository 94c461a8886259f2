package certify

import (
	"math/big"
	"testing"

	"github.com/nrc-ufm/ufm/certify/check"
	"github.com/nrc-ufm/ufm/instance"
)

// wrongLowerBound returns a rigorous lower bound of the loss the wrong
// closed form A = √(λ_H/λ_W)·Σ^{1/2} (A* without the −√c) claims as the
// minimum: F(A) = Σ_j (λ_H/2)σ_j/(√(λ_Hσ_j/λ_W) + λ_H) + (λ_W/2)√(λ_Hσ_j/λ_W)
// (docs/theory.md §2 R3 along the eigenvectors of Σ, all n of them).
// Each term is nondecreasing in σ_j, so the certified σ_j ≥ lower[j]
// and rational square-root bounds give a lower bound, in exact arithmetic.
func wrongLowerBound(c *check.Cert, in *instance.Instance) *big.Rat {
	lh, lw := in.LambdaH, in.LambdaW
	sum := new(big.Rat)
	for _, l := range c.SigLower {
		if l.Sign() < 0 {
			l = new(big.Rat)
		}
		x := new(big.Rat).Quo(new(big.Rat).Mul(lh, l), lw)
		lo, hi := sqrtBound(x, 80, down), sqrtBound(x, 80, up)
		t := new(big.Rat).Quo(new(big.Rat).Mul(lh, l), new(big.Rat).Add(hi, lh))
		t.Add(t, new(big.Rat).Mul(lw, lo))
		sum.Add(sum, t.Mul(t, big.NewRat(1, 2)))
	}
	return sum
}

// TestWrongClosedFormRefuted: the certificate of full-4x10 (d ≥ n, so the
// spectrum covers all n eigenvalues) refutes the closed form without the
// −√c shift: its value is provably above the certified upper bound of L*.
func TestWrongClosedFormRefuted(t *testing.T) {
	in, err := instance.Load("../examples/full-4x10.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Build(in, Options{Digits: 40})
	if err != nil {
		t.Fatal(err)
	}
	rep, data := roundTrip(t, res.File)
	c, err := check.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.SigLower) != in.N() {
		t.Fatalf("spectrum covers %d of %d eigenvalues", len(c.SigLower), in.N())
	}
	wrong := wrongLowerBound(c, in)
	if wrong.Cmp(rep.Upper) <= 0 {
		t.Fatalf("the wrong closed form (≥ %s) is not refuted by upper = %s", Decimal(wrong, 20, false), Decimal(rep.Upper, 20, true))
	}
	t.Logf("wrong closed form ≥ %s > certified upper bound %s of L*", Decimal(wrong, 15, false), Decimal(rep.Upper, 15, true))
	// The right closed form is not refuted by the same certificate.
	if rep.Refuted || rep.CFLower.Cmp(rep.Upper) > 0 || rep.CFUpper.Cmp(rep.Lower) < 0 {
		t.Errorf("the right closed form is refuted")
	}
}
