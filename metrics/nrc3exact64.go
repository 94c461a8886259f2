package metrics

import (
	"fmt"
	"math"
	"math/big"

	"gonum.org/v1/gonum/mat"

	"github.com/nrc-ufm/ufm/internal/ratmat"
)

// exactIsotropy64 settles the float64 path's near-isotropic case (issue 8
// item 7). When Σ^{1/2} is a multiple of I to float64 accuracy (r.nearIso),
// rounding cannot say whether Σ ∝ I, which decides whether NRC3 depends on
// γ at all. The float64 targets are exact dyadic rationals, so it is
// decided exactly on them: y is streamed once more and Σ formed in integer
// arithmetic (M·n(n+1)/2 big.Int multiply-adds, only in this case). Σ ∝ I
// exactly: NRC3 = ‖Â − I/√n‖²_F for every γ (flat). Otherwise NRC3 is not
// reported and the reason points to --digits, which resolves it. A is WWᵀ.
func exactIsotropy64(r nrc3Out, A *mat.SymDense, y Rows, center bool) nrc3Out {
	if !r.nearIso {
		return r
	}
	var shape sigmaShape
	cov, err := exactCovRows(y, center)
	if err == nil {
		shape = classifySigma(cov)
	}
	out := nrc3Out{sigmaMin: r.sigmaMin, sigmaMinErr: r.sigmaMinErr, nearIso: true, normA: r.normA}
	switch {
	case err != nil:
		out.undefined = fmt.Sprintf("Σ is a multiple of I to float64 accuracy and whether it is exactly cannot be decided (%v): rerun with --digits", err)
	case shape.isotropic:
		n := A.SymmetricDim()
		sum := 0.0
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				e := A.At(i, j) / r.normA
				if i == j {
					e -= 1 / math.Sqrt(float64(n))
				}
				sum += e * e
			}
		}
		out.flat, out.value = true, clamp(sum, 0, 2)
		// Only Â's rounding remains: each entry within 8n·2^-53.
		out.err = projectionBound(out.value, 8*float64(n)*0x1p-53)
		out.notes = append(out.notes, "Σ ∝ I (decided exactly on the float64 targets): NRC3(γ) is the same for every γ in [0, σ_min) and is reported at γ = 0")
		return out
	default:
		out.undefined = fmt.Sprintf("Σ is a multiple of I to float64 accuracy but not exactly (relative anisotropy %s): NRC3 may be anywhere down to 0 near γ = σ_min, which float64 cannot resolve; rerun with --digits", shape.aniso.Text('g', 3))
	}
	out.notes = append(out.notes, "NRC3 is not reported: "+out.undefined)
	return out
}

// exactCovRows returns the exact covariance of the float64 rows of y
// (exactly as Exact.Covariance) in two streaming passes: the range of
// binary exponents, then the integers N_ij = y_ij·2^-e (e the smallest
// exponent of a significant bit) accumulated without storing them.
func exactCovRows(y Rows, center bool) (*ratmat.Matrix, error) {
	M, n := y.Dims()
	buf := make([]float64, blockRows*n)
	lo, hi, seen := 0, 0, false
	for i0 := 0; i0 < M; i0 += blockRows {
		i1 := min(i0+blockRows, M)
		if err := y.Block(i0, i1, buf); err != nil {
			return nil, fmt.Errorf("targets: %v", err)
		}
		for _, v := range buf[:(i1-i0)*n] {
			if v == 0 {
				continue
			}
			_, exp := math.Frexp(v)
			if !seen || exp-53 < lo {
				lo = exp - 53
			}
			if !seen || exp > hi {
				hi = exp
			}
			seen = true
		}
	}
	if hi-lo > ExactMaxBits {
		return nil, fmt.Errorf("the targets' binary exponents span %d bits, beyond ExactMaxBits = %d", hi-lo, ExactMaxBits)
	}
	if hi-lo <= 62 { // every |v·2^-lo| < 2⁶²: the int64 fast path (exactfast.go)
		return fastCovRows(y, center, lo, buf)
	}
	acc := newGramAcc(n)
	row := make([]big.Int, n)
	f := new(big.Float)
	for i0 := 0; i0 < M; i0 += blockRows {
		i1 := min(i0+blockRows, M)
		if err := y.Block(i0, i1, buf); err != nil {
			return nil, fmt.Errorf("targets: %v", err)
		}
		for i := 0; i < i1-i0; i++ {
			for j, v := range buf[i*n : (i+1)*n] {
				f.SetFloat64(v)      // exact
				f.SetMantExp(f, -lo) // v·2^-lo, an integer
				f.Int(&row[j])
			}
			acc.add(row)
		}
	}
	return acc.covariance(M, center, pow2Rat(2*lo)), nil
}

// fastCovRows is exactCovRows's second pass when every v·2^-lo is an
// integer below 2⁶² in magnitude (math.Ldexp is then exact, and so is the
// conversion to int64).
func fastCovRows(y Rows, center bool, lo int, buf []float64) (*ratmat.Matrix, error) {
	M, n := y.Dims()
	f := newFastGram(n)
	row := make([]int64, n)
	for i0 := 0; i0 < M; i0 += blockRows {
		i1 := min(i0+blockRows, M)
		if err := y.Block(i0, i1, buf); err != nil {
			return nil, fmt.Errorf("targets: %v", err)
		}
		for i := 0; i < i1-i0; i++ {
			for j, v := range buf[i*n : (i+1)*n] {
				row[j] = int64(math.Ldexp(v, -lo))
			}
			f.add(row)
		}
	}
	return f.toAcc().covariance(M, center, pow2Rat(2*lo)), nil
}

// pow2Rat returns 2^k exactly.
func pow2Rat(k int) *big.Rat {
	if k >= 0 {
		return new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(k)))
	}
	return new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), uint(-k)))
}
