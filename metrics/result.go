package metrics

import (
	"context"
	"fmt"
	"math"
)

// Options adjust a computation; the zero value is the default of docs/theory.md §4.
type Options struct {
	// Uncentered selects the uncentered variant: the features are not
	// centered before normalization, their principal directions and
	// explained variances come from the raw second moment (1/M)·Σ h hᵀ,
	// and Σ is the raw target second moment (1/M)·Σ y yᵀ (docs/theory.md §1,
	// bias mode "none").
	Uncentered bool

	// EVRCount is the number of explained-variance ratios reported:
	// 0 means min(d, n+5) (the n directions collapse predicts and five
	// beyond, enough to see the drop); a negative value means all d.
	EVRCount int

	// ZeroTol is a relative threshold: a (centered) feature vector whose
	// norm is ≤ ZeroTol times the largest norm of a raw feature row is
	// treated as zero and skipped. 0 selects the default, DefaultZeroTol
	// (float64) or 10^-(digits-1) (big-float); setting it to the default
	// value gives the same result as leaving it 0. Negative, NaN and
	// infinite values are errors.
	ZeroTol float64

	// RankTol is a relative threshold: singular values of W at most
	// RankTol times the largest count as zero when the row space of W is
	// formed. 0 selects the default, max(n, d)·2^-52 (float64, as numpy's
	// matrix_rank) or 10^-digits (big-float).
	RankTol float64

	// Unnormalized skips the row normalization ĥ_i = h̃_i/‖h̃_i‖: NRC1 and
	// NRC2 then average the squared distances of the (centered) features
	// themselves, ‖h̃_i − P h̃_i‖², which carry the features' units and are
	// not bounded by 1 (some public scripts do this). Not the seed paper's
	// definition; see the README's table of conventions. Float64 path
	// only (ComputeBig refuses it).
	Unnormalized bool

	// PerCoordinate divides the sums of NRC1 and NRC2 by M·d instead of
	// M, as np.mean over an M×d residual array does. Not the seed paper's
	// definition (that is /M). Float64 path only.
	PerCoordinate bool

	// FullEigen computes every eigenpair of the d×d feature covariance
	// (O(d³)) instead of the top ones by subspace iteration (see
	// topeigen.go; that path falls back to this one when it does not
	// converge).
	FullEigen bool

	// Context, when not nil, stops Compute between blocks of rows once
	// it is done: Compute then returns an error wrapping ErrStopped and
	// the context's error.
	Context context.Context

	// Progress, when not nil, is called after each block of rows of
	// each streaming pass of Compute (pass is "features", "targets" or
	// "residuals"), from the pass's goroutines: it must be safe for
	// concurrent use and quick.
	Progress func(pass string, rowsDone, rowsTotal int)

	// Workers bounds the goroutines of the streaming passes over a
	// *Matrix (other Rows are read by one goroutine). 0 means
	// min(GOMAXPROCS, 4). The passes cut the rows into four ranges
	// with a d×d accumulator each whatever Workers is, so the result
	// does not depend on it (only the time does).
	Workers int
}

// check refuses tolerances that have no meaning.
func (o Options) check() error {
	for _, t := range []struct {
		name string
		v    float64
	}{{"ZeroTol", o.ZeroTol}, {"RankTol", o.RankTol}} {
		if math.IsNaN(t.v) || math.IsInf(t.v, 0) || t.v < 0 {
			return fmt.Errorf("metrics: Options.%s must be a finite number ≥ 0, got %v", t.name, t.v)
		}
	}
	return nil
}

// DefaultZeroTol is the default relative threshold below which a centered
// feature vector counts as zero in the float64 computation: its norm is at
// most DefaultZeroTol = 64·2^-52 times the largest raw feature norm, i.e.
// it is rounding noise of the centering at float64 accuracy. (It was
// 10^-12, which called features with a common offset of 10^12 and a spread
// of 1 "collapsed to a point": QA session 21. A vector just above it has
// a direction known only roughly; NRC1Err and NRC2Err account for that,
// vector by vector.)
const DefaultZeroTol = 64 * 0x1p-52

// Report holds what both computations say besides the numbers.
type Report struct {
	Samples    int  // M
	FeatureDim int  // d
	TargetDim  int  // n
	Centered   bool // false for the uncentered variant

	// ZeroFeatures counts the feature vectors that vanish after centering
	// (norm ≤ the zero threshold). They are skipped in the sums, which are
	// still divided by M as in docs/theory.md §4.
	ZeroFeatures int

	// FeaturesCollapsed is true when every feature vector vanishes: the
	// features collapsed to a point, NRC1 and NRC2 are undefined and
	// reported as 0 with this flag set.
	FeaturesCollapsed bool

	// PrincipalDims is the dimension of the principal subspace of NRC1,
	// min(n, d).
	PrincipalDims int

	// EigenMethod says how the principal directions were found: "full"
	// (every eigenpair of the covariance) or "subspace" (the top ones by
	// subspace iteration, converged to SubspaceTol).
	EigenMethod string

	// WeightsRank is the numerical rank of W (the dimension of the row
	// space NRC2 projects on); 0 when W = 0.
	WeightsRank int

	// SigmaMin is the smallest eigenvalue of Σ, the right end of the γ
	// range of NRC3.
	SigmaMin float64

	// NRC3Undefined is empty when NRC3 is defined, otherwise the reason
	// (W = 0, or Σ = 0).
	NRC3Undefined string

	// NRC3Flat is true when Σ ∝ I, so that NRC3(γ) does not depend on γ;
	// γ = 0 is then reported.
	NRC3Flat bool

	// Notes are sentences about degenerate cases and conditioning, for
	// people reading the output.
	Notes []string
}

// Result is the float64 computation's answer. NRC1 and NRC2 are meaningful
// unless FeaturesCollapsed; NRC3 and NRC3Gamma unless NRC3Undefined != "".
// No field is NaN except SigmaMin and NRC3Gamma, which are NaN when they
// lie beyond float64's range in the targets' units (a note says so).
type Result struct {
	Report
	NRC1, NRC2 float64
	NRC3       float64 // min over γ ∈ [0, σ_min] of NRC3(γ)
	NRC3Gamma  float64 // the minimizing γ
	EVR        []float64
	// NRC1Err, NRC2Err and EVRErr bound the absolute float64 error of
	// NRC1, NRC2 and each EVR entry (errors64): the covariance's rounding
	// over the eigenvalue gap for P_n, the SVD's over σ_r/σ_1 for P_W, the
	// projections' arithmetic, and each vector's centering error over its
	// centered norm. A value below its bound carries no digit (the report
	// prints "< x").
	NRC1Err, NRC2Err, EVRErr float64
	// NRC3Err bounds NRC3's absolute error: 4·accS/‖Σ^{1/2} − √γ I‖_F
	// (nrc3.go); 0 for an isotropic Σ decided exactly (flat, exact).
	NRC3Err float64
	// SigmaMinErr and NRC3GammaErr bound the absolute errors of SigmaMin
	// and NRC3Gamma (nrc3.go: Weyl's bound on Σ's rounding; γ = t² with t
	// known to accS). QA session 21: σ_min of a nearly singular Σ printed
	// 1.249e-16 for 6.17e-17 and 3.9e-18 for an exact 0.
	SigmaMinErr, NRC3GammaErr float64
	// NRC1Undefined, when not "", says why NRC1 is not given although the
	// features did not collapse: P_n is not determined at float64
	// accuracy (an eigenvalue gap within the covariance's rounding).
	NRC1Undefined string
}

func (r *Report) note(format string, a ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, a...))
}

// CheckShapes validates the shapes of features H (M×d), weights W (n×d) and
// targets Y (M×n) and returns an error naming both shapes of the first
// mismatch found.
func CheckShapes(hRows, hCols, wRows, wCols, yRows, yCols int) error {
	h, w, y := Shape(hRows, hCols), Shape(wRows, wCols), Shape(yRows, yCols)
	switch {
	case hRows < 1:
		return fmt.Errorf("features are %s: no samples", h)
	case hCols < 1:
		return fmt.Errorf("features are %s: feature dimension 0", h)
	case wRows < 1:
		return fmt.Errorf("weights are %s: no weight vectors (target dimension 0)", w)
	case yCols < 1:
		return fmt.Errorf("targets are %s: target dimension 0", y)
	case hRows != yRows:
		return fmt.Errorf("features are %s but targets are %s (sample counts differ)", h, y)
	case hCols != wCols:
		return fmt.Errorf("features are %s but weights are %s (feature dimensions differ)", h, w)
	case wRows != yCols:
		return fmt.Errorf("weights are %s but targets are %s (target dimensions differ)", w, y)
	}
	return nil
}

// evrCount returns how many explained-variance ratios to report.
func (o Options) evrCount(n, d int) int {
	switch {
	case o.EVRCount < 0:
		return d
	case o.EVRCount == 0:
		return min(d, n+5)
	}
	return min(d, o.EVRCount)
}

// ordinal is "1st", "2nd", "3rd", "4th", …, "11th", "12th", "13th", "21st".
func ordinal(k int) string {
	suffix := "th"
	if k%100 < 11 || k%100 > 13 {
		switch k % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", k, suffix)
}
