package metrics

import (
	"fmt"
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/internal/ratmat"
)

// NRC3 from the exact Σ (issue 8 item 7). Σ = 0 and Σ ∝ I are decided
// exactly (classifySigma). Otherwise let ρ = ‖Σ − (tr Σ/n)·I‖_F/‖Σ‖_F > 0
// be the relative anisotropy, known exactly. NRC3's minimum can lie at
// γ = σ_min, where B = Σ^{1/2} − √γ·I has norm ≥ ‖S₀‖ ≈ ρ/2·‖Σ^{1/2}‖
// (S₀ the traceless part of Σ^{1/2}): its direction B/‖B‖ is known to
// D digits only when Σ^{1/2} is known to about D + log10(1/ρ) digits
// relative to its size. So NRC3 is evaluated at D + ⌈−log10 ρ⌉ + 1
// working digits (plus bigmat.GuardDigits), with Σ rounded once from its
// exact value at that precision, and again NRC3ErrDigits digits higher
// for BigResult.NRC3Err. Beyond NRC3MaxDigits working digits NRC3 is not
// reported: NRC3Undefined says it cannot be given to D digits.

// NRC3MaxDigits caps the working precision of NRC3, in decimal digits.
const NRC3MaxDigits = 1000

// nrc3Exact returns NRC3 for the exact A = WWᵀ and the exact Σ at the
// working precision the anisotropy of Σ needs, and the estimate of its
// error: the difference from an evaluation NRC3ErrDigits digits more
// precise (nil when NRC3 is undefined).
func nrc3Exact(A, sigma *ratmat.Matrix, center bool, digits int) (nrc3BigOut, *big.Float, error) {
	shape := classifySigma(sigma)
	work := digits
	if shape.aniso != nil {
		work += anisotropyDigits(shape.aniso) + 1
	}
	if work > NRC3MaxDigits {
		return nrc3TooAnisotropic(sigma, shape.aniso, digits, work)
	}
	prec := bigmat.Bits(work)
	out, err := nrc3Big(A.Dense(prec), sigma.Dense(prec), center, shape)
	if err != nil || out.value == nil {
		return out, nil, err
	}
	prec2 := bigmat.Bits(work + NRC3ErrDigits)
	out2, err := nrc3Big(A.Dense(prec2), sigma.Dense(prec2), center, shape)
	if err != nil {
		return out, nil, err
	}
	if out2.value == nil {
		return out, nil, fmt.Errorf("metrics: NRC3 is defined at %d working digits and not at %d", work, work+NRC3ErrDigits)
	}
	if out.sigmaMin != nil && out2.sigmaMin != nil {
		out.sigmaMinErr = new(big.Float).SetPrec(prec2).Sub(out.sigmaMin, out2.sigmaMin)
		out.sigmaMinErr.Abs(out.sigmaMinErr)
	}
	e := new(big.Float).SetPrec(prec2).Sub(out.value, out2.value)
	if work > digits {
		out.notes = append(out.notes, fmt.Sprintf("Σ is not a multiple of I, but only by %s relative to its size: NRC3 was evaluated with %d working digits to resolve that", shape.aniso.Text('g', 3), work))
	}
	return out, e.Abs(e), nil
}

// nrc3TooAnisotropic is nrc3Exact's answer when the anisotropy needs more
// than NRC3MaxDigits digits: σ_min, and NRC3 undefined with the reason.
func nrc3TooAnisotropic(sigma *ratmat.Matrix, aniso *big.Float, digits, work int) (nrc3BigOut, *big.Float, error) {
	var out nrc3BigOut
	n, _ := sigma.Dims()
	var e bigmat.SymEigen
	if err := e.Factorize(sigma.Dense(bigmat.Bits(digits))); err != nil {
		return out, nil, fmt.Errorf("targets: %v", err)
	}
	out.sigmaMin = e.Values[n-1]
	out.undefined = fmt.Sprintf("Σ is not a multiple of I, but only by %s relative to its size: NRC3 to %d digits needs about %d working digits, beyond NRC3MaxDigits = %d, so it cannot be given", aniso.Text('g', 3), digits, work, NRC3MaxDigits)
	out.notes = append(out.notes, "NRC3 is not reported: "+out.undefined)
	return out, nil, nil
}
