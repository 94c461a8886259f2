package metrics

import "errors"

// errConventionsBig: the big-float path implements the seed paper's
// definitions only.
var errConventionsBig = errors.New("the unnormalized and per-coordinate conventions are implemented on the float64 path only (drop --digits)")

// averages turns the residual sums of the last pass into NRC1 and NRC2
// under the options' conventions: divided by M (docs/theory.md §4) or by M·d
// (PerCoordinate); clamped to [0, 1] only for normalized features, where
// that is the range (unnormalized residuals carry the features' units).
func (o Options) averages(s residualSums, M, d int) (nrc1, nrc2 float64) {
	div := float64(M)
	if o.PerCoordinate {
		div *= float64(d)
	}
	nrc1, nrc2 = s.nrc1/div, s.nrc2/div
	if o.Unnormalized {
		return max(nrc1, 0), max(nrc2, 0)
	}
	return clamp(nrc1, 0, 1), clamp(nrc2, 0, 1)
}
