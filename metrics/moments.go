package metrics

import (
	"fmt"
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/internal/ratmat"
)

// NRC3Moments is NRC3 of docs/theory.md §4 computed from the moments themselves
// instead of arrays: A = WWᵀ (n×n, PSD) and the target covariance Σ
// (n×n, PSD), both at the precision the caller trusts to digits
// significant digits (the arithmetic runs at A's precision). It is what
// ComputeBig does after forming A and Σ, for callers that have them in
// closed form (the UFM optimum of package theory).
//
// The entries of Σ are taken as exact (every big.Float is a dyadic
// rational): Σ = 0 and Σ ∝ I are decided exactly on them, and a Σ that is
// not ∝ I is resolved at the working precision its anisotropy needs
// (nrc3exact.go), up to NRC3MaxDigits. An anisotropy at the level of the
// entries' own rounding (n·2^(4−p) relative, p their precision) cannot be
// told from the rounding of an isotropic Σ: NRC3 is then undefined.
//
// Value is the minimum over γ ∈ [0, σ_min] and Gamma its argmin; both are
// nil and Undefined names the reason when NRC3 is undefined (A = 0 or
// Σ = 0, or an anisotropy beyond NRC3MaxDigits). Flat is true when Σ ∝ I
// exactly (γ = 0 is reported).
type NRC3Moments struct {
	Value, Gamma, SigmaMin *big.Float
	Undefined              string
	Flat                   bool
	Notes                  []string
}

// ComputeNRC3Moments returns NRC3 for A = WWᵀ and Σ; see NRC3Moments.
// The dimensions must agree (n×n both); a mismatch is an error.
func ComputeNRC3Moments(A, sigma *bigmat.Dense, digits int) (*NRC3Moments, error) {
	if err := checkSquarePair(A, sigma); err != nil {
		return nil, err
	}
	exact := ratmat.FromDense(sigma)
	if u := roundingLevel(sigma); u != nil {
		if a := classifySigma(exact).aniso; a != nil && a.Cmp(u) <= 0 {
			why := fmt.Sprintf("Σ is a multiple of I to within the rounding of its %d-bit entries (relative anisotropy %s): whether it is exactly, which decides NRC3, is not known from these values", sigma.Prec(), a.Text('g', 3))
			return &NRC3Moments{Undefined: why, Notes: []string{"NRC3 is not reported: " + why}}, nil
		}
	}
	r, _, err := nrc3Exact(ratmat.FromDense(A), exact, true, digits)
	if err != nil {
		return nil, err
	}
	out := &NRC3Moments{SigmaMin: r.sigmaMin, Undefined: r.undefined, Flat: r.flat, Notes: r.notes}
	if r.undefined == "" {
		out.Value, out.Gamma = r.value, r.gamma
	}
	return out, nil
}

// roundingLevel returns n·2^(4−p) for Σ (n×n) of precision p: a relative
// anisotropy below it may be the rounding of an isotropic Σ. nil for p = 0.
func roundingLevel(sigma *bigmat.Dense) *big.Float {
	n, _ := sigma.Dims()
	p := sigma.Prec()
	if p == 0 {
		return nil
	}
	return new(big.Float).SetPrec(64).SetMantExp(big.NewFloat(float64(n)), 4-int(p))
}

func checkSquarePair(A, sigma *bigmat.Dense) error {
	ar, ac := A.Dims()
	sr, sc := sigma.Dims()
	if ar != ac || sr != sc || ar != sr || ar == 0 {
		return &shapeError{"WWᵀ is " + Shape(ar, ac) + " and Σ is " + Shape(sr, sc) + ": both must be n×n with n ≥ 1"}
	}
	return nil
}

type shapeError struct{ msg string }

func (e *shapeError) Error() string { return e.msg }
