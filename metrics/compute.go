package metrics

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync/atomic"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// blockRows is the number of samples handled by one BLAS call.
const blockRows = 256

// Compute returns NRC1–3 and the explained-variance ratios of features H
// (M×d, a row per sample), weights W (n×d) and targets Y (M×n) in float64.
//
// It streams over the samples: one pass for the means (and a check that
// every value is finite), one for the d×d feature covariance and the n×n
// target covariance, one for the projections of the normalized features.
// Besides the inputs it keeps O(d² + n·d) numbers (four d×d accumulators), never an M×d
// copy. Bad shapes and non-finite values are errors naming the input; the
// degenerate cases of docs/theory.md §4 (features collapsed to a point, W = 0,
// Σ = 0, Σ ∝ I) are not errors but flags and notes in the Result.
func Compute(h, w, y Rows, opt Options) (*Result, error) {
	if err := checkInputs(h, w, y, opt); err != nil {
		return nil, err
	}
	M, d := h.Dims()
	n, wd := w.Dims()
	yM, yn := y.Dims()
	if err := CheckShapes(M, d, n, wd, yM, yn); err != nil {
		return nil, err
	}
	res := &Result{Report: Report{Samples: M, FeatureDim: d, TargetDim: n, Centered: !opt.Uncentered}}
	center := !opt.Uncentered

	// Features: mean, covariance (d×d), largest raw row norm.
	hs := newStream(h, "features", opt.Workers).observe(opt)
	hMean, hCov, maxNorm, err := hs.moments(center)
	if err != nil {
		return nil, err
	}
	// Targets: Σ (n×n).
	ys := newStream(y, "targets", opt.Workers).observe(opt)
	_, sigma, _, err := ys.moments(center)
	if err != nil {
		return nil, err
	}
	// Weights.
	wData := make([]float64, n*d)
	if err := w.Block(0, n, wData); err != nil {
		return nil, fmt.Errorf("weights: %v", err)
	}
	if i, ok := firstBad(wData); ok {
		return nil, fmt.Errorf("weights: non-finite value %v at row %d, column %d (counting from 0)", wData[i], i/d, i%d)
	}
	// Every metric is invariant under W → aW; a power of 2 keeps WWᵀ
	// in range (W of size 10^-200 was "W = 0": QA session 21).
	scaleBy(wData, unitScale(norm2(wData)))
	W := mat.NewDense(n, d, wData)

	// Principal directions of the (centered) features: the top k1
	// eigenvectors and the eigenvalues the report needs (topeigen.go).
	k1 := min(n, d)
	res.PrincipalDims = k1
	need := opt.evrCount(n, d)
	if k1 < d {
		need = max(need, k1+1)
	}
	top, U, method, ok := principal(hCov, d, k1, need, opt.FullEigen)
	if !ok {
		return nil, fmt.Errorf("features: eigendecomposition of the %d×%d covariance failed", d, d)
	}
	res.EigenMethod = method
	if k1 < d {
		ln, ln1 := top[k1-1], top[k1]
		if ln > 1e-12*top[0] && ln-ln1 <= 1e-8*ln {
			u := math.Ldexp(1, -2*math.Ilogb(hs.scale)) // the variances in the input's units
			res.note("the %s and %s principal variances are equal to within 1e-8 (%.6g, %.6g): the top-%d principal subspace P_n is not well defined and NRC1 depends on rounding", ordinal(k1), ordinal(k1+1), ln*u, ln1*u, k1)
		}
	} else {
		U = nil // P_n is the identity
		res.note("n = %d ≥ d = %d: the top-n principal subspace is all of R^d, so NRC1 = 0 trivially", n, d)
	}
	trace := 0.0
	for i := 0; i < d; i++ {
		trace += hCov[i*d+i]
	}

	// Row space of W.
	Q, rank, condW, ok := rowSpace(W, opt.RankTol)
	if !ok {
		return nil, fmt.Errorf("weights: the singular value decomposition of the %d×%d W failed (internal error: W is finite and scaled to unit size)", n, d)
	}
	res.WeightsRank = rank
	switch {
	case rank == 0:
		res.note("W = 0: its row space is {0}, so P_W = 0 and NRC2 is the fraction of non-vanishing feature vectors")
	case rank < min(n, d):
		res.note("W has numerical rank %d < min(n, d) = %d (singular values below max(n, d)·2^-52 of the largest dropped, as numpy's matrix_rank; its exact rank may be higher, which --digits decides): P_W projects onto that %d-dimensional row space", rank, min(n, d), rank)
	}

	// Third pass: residuals of the normalized features.
	zeroTol := DefaultZeroTol
	if opt.ZeroTol > 0 {
		zeroTol = opt.ZeroTol
	}
	zeroTol *= maxNorm                                // relative to the largest raw row norm
	varUnit := math.Ldexp(1, -2*math.Ilogb(hs.scale)) // features' squared unit (notes, unnormalized)
	hs.pass = "residuals"
	sums, err := hs.residuals(hMean, U, Q, zeroTol, !opt.Unnormalized)
	if err != nil {
		return nil, err
	}
	res.ZeroFeatures = sums.zero
	if sums.zero == M {
		res.FeaturesCollapsed = true
		if sums.exactZero == M {
			res.note("every %sfeature vector vanishes: the features collapsed to a point, so NRC1 and NRC2 are undefined and there are no principal components", centeredWord(center))
		} else {
			res.note("every %sfeature vector is within float64's rounding of the centering (norm ≤ %.3g): the features are a single point to float64 accuracy, so NRC1 and NRC2 are not given; whether they collapse exactly is not decided here (rerun with --digits)", centeredWord(center), zeroTol/hs.scale)
		}
	} else {
		res.NRC1, res.NRC2 = opt.averages(sums, M, d)
		unitSq := 1.0 // unnormalized sums carry the features' squared unit
		if opt.Unnormalized {
			unitSq = varUnit
			res.NRC1, res.NRC2 = res.NRC1*unitSq, res.NRC2*unitSq
			if math.IsInf(res.NRC1, 0) || math.IsInf(res.NRC2, 0) {
				res.note("the unnormalized NRC1/NRC2 lie beyond float64's range in the features' squared units (they are printed as null): rescale the features, or use the normalized metrics, which do not depend on the scale")
			}
		}
		res.errors64(opt, sums, errInputs{top: top, trace: trace, projected: k1 < d, rank: rank, condW: condW, zeroTol: zeroTol, unitSq: unitSq, varUnit: varUnit})
		if sums.zero > 0 {
			res.note("%d of %d %sfeature vectors vanish (norm ≤ %.3g) and are skipped; the sums are still divided by M (the bounds allow for each being nonzero)", sums.zero, M, centeredWord(center), zeroTol/hs.scale)
		}
		if trace > 0 {
			cnt := opt.evrCount(n, d)
			res.EVR = make([]float64, cnt)
			for c := 0; c < cnt; c++ {
				res.EVR[c] = clamp(top[c]/trace, 0, 1)
			}
		}
	}

	// NRC3.
	A := mat.NewSymDense(n, nil)
	A.SymOuterK(1, W)
	r3 := nrc3Float64(A, mat.NewSymDense(n, sigma), center)
	r3 = exactIsotropy64(r3, A, y, center) // nrc3exact64.go
	// Σ was formed from the targets times ys.scale = 2^e: γ and σ_min
	// are in units of 2^(2e) (NRC3 itself is invariant). Undone exactly;
	// beyond float64's range they become ±Inf or 0 (the caller says so).
	e2 := -2 * math.Ilogb(ys.scale)
	res.NRC3, res.NRC3Undefined, res.NRC3Flat = r3.value, r3.undefined, r3.flat
	res.NRC3Err = r3.err
	res.SigmaMin, res.SigmaMinErr = unscaleBounded(r3.sigmaMin, r3.sigmaMinErr, e2)
	// γ's bound carries a factor 4 of margin over 2t·accS + accS²: a
	// float32 case measured 1.6 times that first-order bound (QA session
	// 21, round 3).
	res.NRC3Gamma, res.NRC3GammaErr = unscaleBounded(r3.gamma, 4*r3.gammaErr, e2)
	if math.IsNaN(res.SigmaMin) {
		res.note("σ_min lies beyond float64's range in the targets' units (it is not 0): rerun with --digits")
	}
	if math.IsNaN(res.NRC3Gamma) && res.NRC3Undefined == "" {
		res.note("the minimizing γ lies beyond float64's range in the targets' units: rerun with --digits")
	}
	res.Notes = append(res.Notes, r3.notes...)
	return res, nil
}

func centeredWord(center bool) string {
	if center {
		return "centered "
	}
	return ""
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

// firstBad returns the index of the first NaN or ±Inf in v.
func firstBad(v []float64) (int, bool) {
	for i, x := range v {
		if x-x != 0 {
			return i, true
		}
	}
	return 0, false
}

// rowSpace returns an orthonormal basis (d×r, columns) of the row space of
// the n×d matrix W, its numerical rank r — the right singular vectors
// whose singular values exceed tol times the largest (tol 0 selects
// max(n, d)·2^-52) — and σ_1/σ_r (0 when r = 0). ok is false when gonum's
// SVD fails, which only non-finite input should make it do (inputs are
// checked and scaled; a subnormal W scaled to +Inf did, QA session 24):
// an error for the caller, never a panic.
func rowSpace(W *mat.Dense, tol float64) (q *mat.Dense, rank int, cond float64, ok bool) {
	n, d := W.Dims()
	if tol <= 0 {
		tol = float64(max(n, d)) * 0x1p-52
	}
	var svd mat.SVD
	if !svd.Factorize(W, mat.SVDThin) {
		return nil, 0, 0, false
	}
	s := svd.Values(nil)
	r := 0
	for _, v := range s {
		if s[0] > 0 && v > tol*s[0] {
			r++
		}
	}
	if r == 0 {
		return nil, 0, 0, true
	}
	var v mat.Dense
	svd.VTo(&v)
	return mat.DenseCopyOf(v.Slice(0, d, 0, r)), r, s[0] / s[r-1], true
}

// stream runs passes over a Rows source, in parallel when it is a *Matrix.
type stream struct {
	src        Rows
	name       string
	rows, cols int
	workers    int    // goroutines
	ranges     int    // ranges of blocks, each with its own accumulators
	pass       string // the pass Progress reports: name unless set
	// scale multiplies every value read after the first pass (0: none).
	// It is a power of 2 that brings the largest row norm into [1/2, 1),
	// so the scaling is exact and the products of the covariance pass can
	// neither overflow nor underflow (features of size 10^±160 gave a
	// silently wrong NRC1 or a failed eigendecomposition: QA session 21).
	scale    float64
	ctx      context.Context                  // nil: never stopped
	progress func(pass string, done, all int) // nil: silent
}

// ErrStopped is wrapped by the error of a computation whose
// Options.Context was done before it finished.
var ErrStopped = errors.New("stopped before the end of the data")

// observe attaches opt's Context and Progress to s.
func (s *stream) observe(opt Options) *stream {
	s.ctx, s.progress, s.pass = opt.Context, opt.Progress, s.name
	return s
}

// stopped returns a non-nil error once s's context is done.
func (s *stream) stopped() error {
	if s.ctx == nil || s.ctx.Err() == nil {
		return nil
	}
	return fmt.Errorf("%s: %w (%w)", s.name, ErrStopped, s.ctx.Err())
}

// streamRanges is the number of contiguous ranges of blocks a pass is
// cut into (fewer only when there are fewer blocks), whatever the number
// of goroutines: each range has its own accumulators, summed in range
// order, so the result does not depend on Options.Workers or GOMAXPROCS.
const streamRanges = 4

func newStream(src Rows, name string, workers int) *stream {
	r, c := src.Dims()
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), streamRanges)
	}
	if _, ok := src.(*Matrix); !ok {
		workers = 1
	}
	nb := (r + blockRows - 1) / blockRows
	ranges := max(1, min(streamRanges, nb))
	workers = max(1, min(workers, ranges))
	return &stream{src: src, name: name, rows: r, cols: c, workers: workers, ranges: ranges}
}

// run calls fn for every block of rows. The blocks are cut into s.ranges
// contiguous ranges; goroutine g handles ranges g, g + s.workers, …, each
// in order, with its own buffer, and fn's k is the range (with one
// goroutine every block comes in row order). The error returned is that
// of the earliest range.
func (s *stream) run(fn func(k, i0, i1 int, buf []float64) error) error {
	nb := (s.rows + blockRows - 1) / blockRows
	errs := make([]error, s.ranges)
	done := make(chan struct{}, s.workers)
	var rowsDone atomic.Int64
	for g := 0; g < s.workers; g++ {
		go func(g int) {
			defer func() { done <- struct{}{} }()
			buf := make([]float64, blockRows*s.cols)
			for k := g; k < s.ranges; k += s.workers {
				if errs[k] = s.runRange(fn, k, nb, buf, &rowsDone); errs[k] != nil {
					return
				}
			}
		}(g)
	}
	for g := 0; g < s.workers; g++ {
		<-done
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// runRange calls fn for the blocks of range k of s.ranges, in order.
func (s *stream) runRange(fn func(k, i0, i1 int, buf []float64) error, k, nb int, buf []float64, rowsDone *atomic.Int64) error {
	for b := k * nb / s.ranges; b < (k+1)*nb/s.ranges; b++ {
		i0, i1 := b*blockRows, min((b+1)*blockRows, s.rows)
		if err := s.src.Block(i0, i1, buf[:(i1-i0)*s.cols]); err != nil {
			return fmt.Errorf("%s: %v", s.name, err)
		}
		if s.scale != 0 {
			scaleBy(buf[:(i1-i0)*s.cols], s.scale)
		}
		if err := fn(k, i0, i1, buf[:(i1-i0)*s.cols]); err != nil {
			return err
		}
		if s.progress != nil {
			s.progress(s.pass, int(rowsDone.Add(int64(i1-i0))), s.rows)
		}
		if err := s.stopped(); err != nil {
			return err
		}
	}
	return nil
}

// kahan is a Neumaier-compensated running sum.
type kahan struct{ s, c float64 }

func (k *kahan) add(x float64) {
	t := k.s + x
	if math.Abs(k.s) >= math.Abs(x) {
		k.c += (k.s - t) + x
	} else {
		k.c += (x - t) + k.s
	}
	k.s = t
}

func (k *kahan) sum() float64 { return k.s + k.c }

// moments returns the mean (zero if !center), the covariance (or raw second
// moment) as a row-major d×d slice, and the largest raw row norm, after
// checking that every value is finite. The covariance is accumulated around
// a first estimate of the mean and corrected by the mean of the deviations
// (the corrected two-pass algorithm), so a large common offset costs no
// accuracy.
func (s *stream) moments(center bool) (mean, cov []float64, maxNorm float64, err error) {
	d := s.cols
	var maxAbs float64
	if mean, maxNorm, maxAbs, err = s.meanPass(center); err != nil {
		return nil, nil, 0, err
	}
	// From here on every value is read times s.scale (exact): the mean,
	// the covariance and the largest norm are in those units. The scale
	// brings the largest entry below 1/√d, so no row norm overflows.
	s.scale = unitScale(maxAbs) * unitScale(math.Sqrt(float64(d)))
	if finite(mean) && !math.IsInf(maxNorm, 0) {
		scaleBy(mean, s.scale)
		maxNorm *= s.scale
	} else if mean, maxNorm, _, err = s.meanPass(center); err != nil {
		// Column sums or row norms of values near the float64 limit
		// overflowed (QA session 21: entries of 1e308, "eigendecomposition
		// failed"): summed again, scaled.
		return nil, nil, 0, err
	}
	M := float64(s.rows)
	// The second pass: per range of blocks a dp×dp accumulator (dp = d rounded up
	// to the panel width) of the products of the shifted rows, packed
	// block by block (syrk.go), and the column sums of the shifted rows.
	dp := paddedDim(d)
	covs := make([][]float64, s.ranges)
	devs := make([][]float64, s.ranges)
	packs := make([][]float64, s.ranges)
	err = s.run(func(k, i0, i1 int, buf []float64) error {
		if covs[k] == nil {
			covs[k] = make([]float64, dp*dp)
			devs[k] = make([]float64, d)
			packs[k] = make([]float64, blockRows*dp)
		}
		packCentered(packs[k], buf, mean, devs[k], i1-i0, d)
		syrkBlock(packs[k], i1-i0, d, covs[k])
		return nil
	})
	if err != nil {
		return nil, nil, 0, err
	}
	// Sum the ranges' accumulators in range order (the same for any
	// number of goroutines), upper triangle only.
	cov = make([]float64, d*d)
	delta := make([]float64, d)
	for k := range covs {
		if covs[k] == nil {
			continue
		}
		for i := 0; i < d; i++ {
			row, src := cov[i*d+i:(i+1)*d], covs[k][i*dp+i:i*dp+d]
			for j, v := range src {
				row[j] += v
			}
		}
		for j := range delta {
			delta[j] += devs[k][j]
		}
	}
	for j := range delta {
		delta[j] /= M
	}
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			v := cov[i*d+j] / M
			if center {
				v -= delta[i] * delta[j]
			}
			cov[i*d+j], cov[j*d+i] = v, v
		}
	}
	if center {
		for j := range mean {
			mean[j] += delta[j]
		}
	}
	return mean, cov, maxNorm, nil
}

// errInputs is what errors64 needs from Compute: the leading eigenvalues
// and trace of the (scaled) feature covariance, whether P_n projects
// (k1 < d), W's numerical rank and σ_1/σ_r, the zero tolerance (scaled
// units), the unnormalized metrics' squared unit (1 when normalized) and
// the features' squared unit (for notes).
type errInputs struct {
	top                      []float64
	trace                    float64
	projected                bool
	rank                     int
	condW                    float64
	zeroTol, unitSq, varUnit float64
}

// errors64 sets NRC1Err, NRC2Err, EVRErr and NRC1Undefined (Result):
//   - the covariance is accumulated in blocks of 256 rows with one
//     compensated addition per block: each entry within 2^10·2^-53 of
//     tr C, so P_n moves by δU ≤ 2^-43·tr C/(λ_n − λ_{n+1}) and each
//     eigenvalue by 2^-43·tr C (EVRErr = 2^-43);
//   - gonum's SVD gives P_W to δQ ≤ 64·max(n, d)·2^-53·σ_1/σ_r;
//   - forming x − PPᵀx costs 8√d·2^-53 relative to ‖x‖;
//   - a ratio in [0, 1] from a projector known to δ moves by ≤ 2√x·δ + δ²
//     (unnormalized: 2√(x·T)·δ + T·δ², T the mean squared norm);
//   - each vector's centering error adds dirErr/M (absErr/M unnormalized);
//   - a vector skipped as vanishing may not be 0 (after centering its true
//     norm is unknown below the tolerance): each adds 1/M to a normalized
//     metric, tol² to an unnormalized one (QA session 21: an offset of
//     1.1·10^14 skipped 13 of 26 real vectors; NRC2 0.498 ± 0.036, true
//     0.995).
//
// δU ≥ 1/2 leaves P_n undetermined: NRC1 is then not given.
func (res *Result) errors64(opt Options, sums residualSums, in errInputs) {
	const u = 0x1p-53
	M, d, n := float64(res.Samples), res.FeatureDim, res.TargetDim
	div := M
	if opt.PerCoordinate {
		div *= float64(d)
	}
	if in.trace > 0 {
		res.EVRErr = 0x1p-43
	}
	skipped := float64(sums.zero)
	if !res.Centered {
		skipped -= float64(sums.exactZero) // an exact 0 of the raw data is 0
	}
	arith := 8 * math.Sqrt(float64(d)) * u
	extra := (sums.dirErr + skipped) / div
	meanSq := 1.0
	if opt.Unnormalized {
		meanSq = in.trace * M / div * in.unitSq // mean squared norm per divisor
		extra = (sums.absErr + skipped*in.zeroTol*in.zeroTol) / div * in.unitSq
	}
	res.NRC1Err, res.NRC2Err = extra, extra
	if in.projected {
		k1 := res.PrincipalDims
		gap := in.top[k1-1] - in.top[k1]
		deltaU := math.Inf(1)
		if gap > 0 {
			deltaU = 0x1p-43 * in.trace / gap
		}
		if floor := 0x1p-43 * in.trace; in.top[k1-1] <= floor {
			// λ_n is at the rounding level: the features have no
			// component beyond it along the directions P_n may or may not
			// include, so NRC1 does not depend on the choice; only the r
			// resolved eigenvectors matter (a tie at 0 is no ambiguity).
			r := 0
			for r < k1 && in.top[r] > floor {
				r++
			}
			if r > 0 {
				deltaU = floor / in.top[r-1]
			}
		}
		if deltaU >= 0.5 {
			res.NRC1Undefined = fmt.Sprintf("P_n is not determined at float64 accuracy: the %s and %s principal variances (%.6g, %.6g) differ by less than the covariance's rounding (about %.2g); rerun with --digits", ordinal(k1), ordinal(k1+1), in.top[k1-1]*in.varUnit, in.top[k1]*in.varUnit, 0x1p-43*in.trace*in.varUnit)
			res.note("NRC1 is not given: %s", res.NRC1Undefined)
		}
		res.NRC1Err += scaledProjectionBound(res.NRC1, deltaU+arith, meanSq)
	}
	if in.rank > 0 && in.rank < d {
		res.NRC2Err += scaledProjectionBound(res.NRC2, 64*float64(max(n, d))*u*in.condW+arith, meanSq)
	}
}

// scaledProjectionBound is 2√(x·T)·δ + T·δ²: the error of a mean squared
// residual x of vectors of mean squared norm T (1 when normalized) from a
// projector known to δ.
func scaledProjectionBound(x, delta, meanSq float64) float64 {
	return 2*math.Sqrt(max(x, 0))*math.Sqrt(meanSq)*delta + meanSq*delta*delta // no x·T: it overflows at 1e180²
}

// projectionBound is 2√x·δ + δ².
func projectionBound(x, delta float64) float64 {
	return scaledProjectionBound(x, delta, 1)
}

// meanPass is the first pass of moments: the mean (zero if !center), the
// largest row norm and the largest entry's magnitude, in units of s.scale
// (raw when 0), after checking that every value is finite.
func (s *stream) meanPass(center bool) (mean []float64, maxNorm, maxAbs float64, err error) {
	d := s.cols
	sums := make([][]kahan, s.ranges)
	blockSums := make([][]float64, s.ranges)
	norms := make([]float64, s.ranges)
	abs := make([]float64, s.ranges)
	err = s.run(func(k, i0, i1 int, buf []float64) error {
		if sums[k] == nil {
			sums[k] = make([]kahan, d)
			blockSums[k] = make([]float64, d)
		}
		for _, v := range buf {
			abs[k] = math.Max(abs[k], math.Abs(v))
		}
		if i, bad := firstBad(buf); bad {
			return fmt.Errorf("%s: non-finite value %v at row %d, column %d (counting from 0)", s.name, buf[i], i0+i/d, i%d)
		}
		bs := blockSums[k]
		clear(bs)
		for r := 0; r < i1-i0; r++ {
			row := buf[r*d : (r+1)*d]
			norms[k] = math.Max(norms[k], norm2(row))
			if center {
				for j, v := range row {
					bs[j] += v
				}
			}
		}
		if center {
			// Plain sums within a block, one compensated addition per
			// block: the error is that of 256 additions, not of M.
			for j, v := range bs {
				sums[k][j].add(v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, 0, err
	}
	for k, v := range norms {
		maxNorm, maxAbs = math.Max(maxNorm, v), math.Max(maxAbs, abs[k])
	}
	M := float64(s.rows)
	mean = make([]float64, d)
	if center {
		for j := 0; j < d; j++ {
			var t kahan
			for k := range sums {
				if sums[k] != nil {
					t.add(sums[k][j].sum())
				}
			}
			mean[j] = t.sum() / M
		}
	}
	return mean, maxNorm, maxAbs, nil
}

// finite reports whether every entry of v is finite.
func finite(v []float64) bool {
	_, bad := firstBad(v)
	return !bad
}

// unscaleBounded returns v·2^e and err·2^e (v ≥ 0 with its error bound,
// in scaled units), or NaN for the value when it leaves float64's normal
// range — an underflow to 0 or a subnormal (QA session 21: σ_min of
// targets of size 10^-250 printed as an exact 0 ± 0) or an overflow. A
// bound that underflows becomes the least subnormal (never an "exact" 0);
// one that overflows, +Inf.
func unscaleBounded(v, err float64, e int) (float64, float64) {
	if v == 0 && err == 0 {
		return 0, 0
	}
	r, re := math.Ldexp(v, e), math.Ldexp(err, e)
	if v != 0 && (math.IsInf(r, 0) || math.Abs(r) < 0x1p-1022) {
		r = math.NaN()
	}
	if err != 0 && re == 0 {
		re = 0x1p-1074
	}
	return r, re
}

// unitScale returns the power of 2 that maps x > 0 into [1/2, 1) (1 for
// x = 0 or a non-finite x), but at most 2^1023: a subnormal x (below
// 2^-1022) would need a factor beyond float64's range, which was +Inf and
// turned finite input into Inf (QA session 24: weights of size 1e-310
// panicked in the SVD, features of that size were "bad input"). 2^1023
// maps even the least subnormal 2^-1074 to 2^-51, exactly (a power of 2
// moves a subnormal into the normal range without rounding), far from
// under- or overflow in the squares the metrics form.
func unitScale(x float64) float64 {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return 1
	}
	_, e := math.Frexp(x)
	return math.Ldexp(1, min(-e, 1023))
}

// scaleBy multiplies v by s in place.
func scaleBy(v []float64, s float64) {
	if s == 1 {
		return
	}
	for i := range v {
		v[i] *= s
	}
}

// norm2 returns the Euclidean norm of v: the square root of the dot
// product, or the scaled BLAS norm when that over- or underflows.
func norm2(v []float64) float64 {
	x := blas64.Vector{N: len(v), Inc: 1, Data: v}
	ss := blas64.Dot(x, x)
	if ss > 0x1p-900 && ss < 0x1p900 {
		return math.Sqrt(ss)
	}
	return blas64.Nrm2(x)
}

type residualSums struct {
	nrc1, nrc2 float64
	zero       int
	exactZero  int     // vanishing vectors that are exactly 0
	dirErr     float64 // Σ over kept vectors of min(1, 2·δ_i), δ_i their centering's relative error
	absErr     float64 // Σ over kept vectors of 2‖x̃_i‖e_i + e_i², e_i = δ_i‖x̃_i‖ (unnormalized)
}

// residuals makes the last pass: for each centered feature x (skipped if
// ‖x‖ ≤ zeroTol) it adds ‖x − U Uᵀx‖²/‖x‖² and ‖x − Q Qᵀx‖²/‖x‖². U = nil
// means the projector is the identity (residual 0); Q = nil means W = 0
// (projector 0, residual ratio 1). The residuals are formed directly, not
// as 1 − ‖Px‖²/‖x‖², so values far below 1e-16 are accurate. A block of
// rows is handled as two products on the tile kernel (project.go), inside
// the range's goroutine; a block with a row norm outside [2^-300, 2^300]
// goes row by row (n + rank W dot products and as many AXPYs of length d)
// with the over/underflow-safe norm.
func (s *stream) residuals(mean []float64, U, Q *mat.Dense, zeroTol float64, normalize bool) (residualSums, error) {
	d := s.cols
	meanNorm := norm2(mean)
	k1, r := 0, 0
	if U != nil {
		_, k1 = U.Dims()
	}
	if Q != nil {
		_, r = Q.Dims()
	}
	p := k1 + r
	// basis holds the p basis vectors as rows: U's columns, then Q's.
	basis := make([]float64, p*d)
	for i := 0; i < d; i++ {
		for c := 0; c < k1; c++ {
			basis[c*d+i] = U.At(i, c)
		}
		for c := 0; c < r; c++ {
			basis[(k1+c)*d+i] = Q.At(i, c)
		}
	}
	vec := func(v []float64) blas64.Vector { return blas64.Vector{N: d, Inc: 1, Data: v} }
	parts := make([]residualSums, s.ranges)
	sum1 := make([]kahan, s.ranges)
	sum2 := make([]kahan, s.ranges)
	res := make([][]float64, s.ranges)
	coef := make([][]float64, s.ranges)
	// residualOf returns ‖x − Σ_c (b_c·x) b_c‖ over basis rows [c0, c1),
	// using scratch for the residual.
	residualOf := func(x, z, scratch []float64, c0, c1 int) float64 {
		copy(scratch, x)
		for c := c0; c < c1; c++ {
			blas64.Axpy(-z[c], vec(basis[c*d:(c+1)*d]), vec(scratch))
		}
		return norm2(scratch)
	}
	// The second set is empty when W's row space is all of R^d (residual 0).
	r2 := r
	if r >= d {
		r2 = 0
	}
	proj := newProjector(basis, k1+r2, k1, d)
	scratch := make([]projScratch, s.ranges)
	norms := make([][]float64, s.ranges)
	sq := make([][2][]float64, s.ranges)
	err := s.run(func(k, i0, i1 int, buf []float64) error {
		if res[k] == nil {
			res[k] = make([]float64, d)
			coef[k] = make([]float64, p)
			norms[k] = make([]float64, blockRows)
			sq[k] = [2][]float64{make([]float64, blockRows), make([]float64, blockRows)}
		}
		rows := i1 - i0
		nx := norms[k][:rows]
		for i := 0; i < rows; i++ {
			x := buf[i*d : (i+1)*d]
			raw := norm2(x)
			for j, m := range mean {
				x[j] -= m
			}
			nx[i] = norm2(x)
			// Centering rounds each entry by at most 2^-53(|x_j| + |m_j|),
			// plus the mean's own error: relative to ‖x̃‖ the direction
			// moves by δ_i ≤ 4·2^-53(‖x‖ + ‖m‖)/‖x̃‖, and a ratio in [0, 1]
			// by at most 2δ_i.
			if nx[i] > zeroTol {
				e := 4 * 0x1p-53 * (raw + meanNorm)
				parts[k].dirErr += min(1, 2*e/nx[i])
				parts[k].absErr += 2*nx[i]*e + e*e
			}
		}
		// The block as two products when the squared norms are safe to
		// sum directly; row by row with the scaled norm otherwise.
		blocked := p > 0 && normsSafe(nx, zeroTol)
		if blocked {
			proj.residualSquares(buf, rows, &scratch[k], sq[k])
		}
		z := coef[k]
		for i := 0; i < rows; i++ {
			x := buf[i*d : (i+1)*d]
			if nx[i] <= zeroTol {
				parts[k].zero++
				if nx[i] == 0 {
					parts[k].exactZero++
				}
				continue
			}
			den := nx[i]
			if !normalize {
				den = -1 // ratio(a, -1) is a²: the unnormalized residual
			}
			var a1, a2 float64
			switch {
			case blocked:
				a1, a2 = math.Sqrt(sq[k][0][i]), math.Sqrt(sq[k][1][i])
			case p > 0:
				for c := 0; c < p; c++ {
					z[c] = blas64.Dot(vec(basis[c*d:(c+1)*d]), vec(x))
				}
				a1 = residualOf(x, z, res[k], 0, k1)
				a2 = residualOf(x, z, res[k], k1, p)
			}
			if k1 > 0 {
				sum1[k].add(ratio(a1, den))
			}
			switch {
			case r == 0 && !normalize:
				sum2[k].add(nx[i] * nx[i])
			case r == 0:
				sum2[k].add(1)
			case r < d:
				sum2[k].add(ratio(a2, den))
			}
		}
		return nil
	})
	var out residualSums
	var t1, t2 kahan
	for k := range parts {
		out.zero += parts[k].zero
		out.exactZero += parts[k].exactZero
		out.dirErr += parts[k].dirErr
		out.absErr += parts[k].absErr
		t1.add(sum1[k].sum())
		t2.add(sum2[k].sum())
	}
	out.nrc1, out.nrc2 = t1.sum(), t2.sum()
	return out, err
}

// ratio returns min(1, (a/b)²) for b > 0, and a² for b < 0 (the
// unnormalized variant).
func ratio(a, b float64) float64 {
	if b < 0 {
		return a * a
	}
	q := a / b
	return math.Min(1, q*q)
}

// checkInputs refuses missing inputs (a nil Rows or nil *Matrix) and
// meaningless options before anything is read.
func checkInputs(h, w, y Rows, opt Options) error {
	for _, in := range []struct {
		name string
		r    Rows
	}{{"features", h}, {"weights", w}, {"targets", y}} {
		if m, ok := in.r.(*Matrix); in.r == nil || ok && m == nil {
			return fmt.Errorf("metrics: %s: nil matrix", in.name)
		}
	}
	return opt.check()
}
