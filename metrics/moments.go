package metrics

import (
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
)

// NRC3Moments is NRC3 of docs/theory.md §4 computed from the moments themselves
// instead of arrays: A = WWᵀ (n×n, PSD) and the target covariance Σ
// (n×n, PSD), both at the precision the caller trusts to digits
// significant digits (the arithmetic runs at A's precision). It is what
// ComputeBig does after forming A and Σ, for callers that have them in
// closed form (the UFM optimum of package theory).
//
// Value is the minimum over γ ∈ [0, σ_min] and Gamma its argmin; both are
// nil and Undefined names the reason when NRC3 is undefined (A = 0 or
// Σ = 0). Flat is true when Σ ∝ I (γ = 0 is reported).
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
	r, err := nrc3Big(A, sigma, true, digits)
	if err != nil {
		return nil, err
	}
	out := &NRC3Moments{SigmaMin: r.sigmaMin, Undefined: r.undefined, Flat: r.flat, Notes: r.notes}
	if r.undefined == "" {
		out.Value, out.Gamma = r.value, r.gamma
	}
	return out, nil
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
