package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// FitResult is how well the last layer fits the targets: predictions
// ŷ_i = W h_i + b.
type FitResult struct {
	// MSE is (1/M) Σ_i ‖ŷ_i − y_i‖² (docs/theory.md §1: no 1/2, summed over the
	// n outputs, averaged over the samples).
	MSE float64
	// R2 is 1 − Σ_k SS_res,k / Σ_k SS_tot,k with SS_tot,k = Σ_i (y_ik −
	// ȳ_k)² (variance-weighted over the outputs; scikit-learn's
	// multioutput="variance_weighted"). Undefined (Valid false) when every
	// output is constant; NaN (with Valid true) when its error bound is
	// not finite, and so for R2Uniform.
	R2 float64
	// R2Uniform is the mean over the outputs of 1 − SS_res,k/SS_tot,k
	// (scikit-learn's default, "uniform_average"), over the outputs that
	// are not constant.
	R2Uniform float64
	// R2PerOutput[k] is output k's R² (NaN-free: 0 for a constant output,
	// which is also counted in ConstantOutputs).
	R2PerOutput     []float64
	ConstantOutputs int
	Valid           bool

	// MSEErr, R2Err and R2UniformErr bound the errors of MSE, R2 and
	// R2Uniform (fitBounds). MSE is NaN, with MSEOutOfRange set, when it
	// lies outside float64's normal range in the targets' units (a
	// subnormal or underflowed MSE carries no digit; its R² is exact to
	// its bound, being a ratio).
	MSEErr, R2Err, R2UniformErr float64
	MSEOutOfRange               bool
}

// Fit computes the training MSE and R² of predictions W h_i + b for
// features H (M×d), weights W (n×d), bias b (length n; nil means b = 0)
// and targets Y (M×n), with error bounds. It streams: one pass over Y for
// the means, one over H and Y together, in blocks; besides the inputs it
// keeps O(blockRows·(d + n) + n·d) numbers.
//
// Sums of squares are accumulated scaled by a power of two (sumSq), so
// that residuals of 10^-161 (whose squares are subnormal) or 10^-300
// (whose squares underflow) keep every digit: R² is a ratio and comes
// out exact to its bound at any scale (QA session 22: R² −17.4 for
// −5.74 at 10^-162, and an MSE of 3·10^-599 printed as 0).
//
// Error bounds (u = 2^-53, γ_k = k·u/(1 − k·u)). A residual
// ê_ik = fl(Σ_j W_kj h_ij + (b_k − y_ik)), formed in that order so that a
// bias carrying the targets' offset cancels it first, is within ε_ik =
// γ_{d+2}·(‖W_k‖₂‖h_i‖₂ + |b_k − y_ik|) of the exact one (Cauchy–Schwarz
// bounds Σ_j |W_kj||h_ij|),
// so with R = Σ ê², E = Σ ε² the exact sum of squares is within
// 2√(R·E) + E + 4u·R of R (the squares' and the compensated sum's
// roundings: 4u). The deviations y_ik − ȳ_k use a mean hi_k + lo_k within
// δ_k = 2u·max_i |y_ik − hi_k| + u·|lo_k| of ȳ_k (meanCorrection), which
// adds M·δ_k² to T_k = Σ_i (y_ik − ȳ_k)²
// exactly (the deviations sum to 0) and 8u·T_k of roundings (each
// deviation is formed as (y_ik − hi_k) − lo_k, within 2u of itself, and
// squared and summed). Then
// |δMSE| ≤ bound(R)/M, and |δ(R/T)| ≤ (bound(R) + (R/T)·bound(T))/(T −
// bound(T)) for R² and each output's R².
func Fit(h, w Rows, b []float64, y Rows) (*FitResult, error) {
	M, d := h.Dims()
	n, wd := w.Dims()
	yM, yn := y.Dims()
	if err := CheckShapes(M, d, n, wd, yM, yn); err != nil {
		return nil, err
	}
	if b != nil && len(b) != n {
		return nil, fmt.Errorf("bias has %d entries but the weights are %s (want %d)", len(b), Shape(n, wd), n)
	}
	if i, bad := firstBad(b); bad {
		return nil, fmt.Errorf("bias: non-finite value %v at entry %d", b[i], i)
	}
	wData := make([]float64, n*d)
	if err := w.Block(0, n, wData); err != nil {
		return nil, fmt.Errorf("weights: %v", err)
	}
	if i, bad := firstBad(wData); bad {
		return nil, fmt.Errorf("weights: non-finite value %v at row %d, column %d (counting from 0)", wData[i], i/d, i%d)
	}
	ys := newStream(y, "targets", 1)
	yMean, _, _, err := ys.moments(true)
	if err != nil {
		return nil, err
	}
	scaleBy(yMean, 1/ys.scale) // moments returns it in units of ys.scale
	ys.scale = 0
	acc := newFitSums(n, d, wData)
	if err := acc.meanCorrection(y, yMean); err != nil {
		return nil, err
	}
	hBuf := make([]float64, blockRows*d)
	yBuf := make([]float64, blockRows*n)
	pred := make([]float64, blockRows*n)
	W := blas64.General{Rows: n, Cols: d, Stride: d, Data: wData}
	for i0 := 0; i0 < M; i0 += blockRows {
		i1 := min(i0+blockRows, M)
		rows := i1 - i0
		if err := h.Block(i0, i1, hBuf[:rows*d]); err != nil {
			return nil, fmt.Errorf("features: %v", err)
		}
		if i, bad := firstBad(hBuf[:rows*d]); bad {
			return nil, fmt.Errorf("features: non-finite value %v at row %d, column %d (counting from 0)", hBuf[i], i0+i/d, i%d)
		}
		if err := y.Block(i0, i1, yBuf[:rows*n]); err != nil {
			return nil, fmt.Errorf("targets: %v", err)
		}
		// pred = H_block · Wᵀ (rows×n).
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, blas64.General{Rows: rows, Cols: d, Stride: d, Data: hBuf}, W,
			0, blas64.General{Rows: rows, Cols: n, Stride: n, Data: pred})
		for r := 0; r < rows; r++ {
			acc.addSample(hBuf[r*d:(r+1)*d], pred[r*n:(r+1)*n], yBuf[r*n:(r+1)*n], b)
		}
	}
	return acc.result(M), nil
}

// fitSums are Fit's accumulators, per output k: the residuals' squares
// res[k], their rounding bounds' squares eps[k], the deviations' squares
// tot[k] and max |y_ik|.
type fitSums struct {
	d, n          int
	wNorm         []float64
	res, eps, tot []sumSq
	// The targets' mean ȳ_k ≈ hi[k] + lo[k] (meanCorrection) and the
	// bound meanErr[k] on its error.
	hi, lo, meanErr []float64
}

func newFitSums(n, d int, w []float64) *fitSums {
	a := &fitSums{d: d, n: n, wNorm: make([]float64, n), res: make([]sumSq, n), eps: make([]sumSq, n), tot: make([]sumSq, n)}
	for k := range a.wNorm {
		a.wNorm[k] = norm2(w[k*d : (k+1)*d])
	}
	return a
}

// gammaU is γ_k of Fit's bounds.
func gammaU(k int) float64 {
	ku := float64(k) * 0x1p-53
	return ku / (1 - ku)
}

// meanCorrection sets ȳ_k = hi[k] + lo[k] with hi the float64 mean and
// lo = (1/M) Σ_i (y_ik − hi[k]) (compensated), one more pass over the
// targets: the deviations y_ik − hi[k] − lo[k] then lose nothing to a large
// common offset (QA session 22: targets offset by 1e15 with spread 1 gave
// R² wrong in the third digit, a mean known only to u·1e15). The mean's
// error is at most meanErr[k] = 2u·max_i |y_ik − hi[k]| + u·|lo[k]|.
func (a *fitSums) meanCorrection(y Rows, mean []float64) error {
	const u = 0x1p-53
	M, n := y.Dims()
	a.hi, a.lo, a.meanErr = mean, make([]float64, n), make([]float64, n)
	sum, spread := make([]kahan, n), make([]float64, n)
	buf := make([]float64, blockRows*n)
	for i0 := 0; i0 < M; i0 += blockRows {
		i1 := min(i0+blockRows, M)
		if err := y.Block(i0, i1, buf[:(i1-i0)*n]); err != nil {
			return fmt.Errorf("targets: %v", err)
		}
		for i, v := range buf[:(i1-i0)*n] {
			k := i % n
			dv := v - mean[k]
			sum[k].add(dv)
			spread[k] = math.Max(spread[k], math.Abs(dv))
		}
	}
	for k := range a.lo {
		a.lo[k] = sum[k].sum() / float64(M)
		a.meanErr[k] = 2*u*spread[k] + u*math.Abs(a.lo[k])
	}
	return nil
}

func (a *fitSums) addSample(h, pred, y, b []float64) {
	hn := norm2(h)
	g := gammaU(a.d+2) * (1 + 1e-14) // and the bound's own roundings
	for k := range pred {
		// b − y first: a bias that carries the targets' offset cancels it
		// before the prediction is added (QA session 22: with an offset of
		// 1e15, pred − y + b lost the residual to the rounding of 1e15).
		t := -y[k]
		if b != nil {
			t = b[k] - y[k]
		}
		e := pred[k] + t
		a.res[k].add(e)
		// ‖W_k‖‖h_i‖ can overflow where its factors do not; the bound is
		// then +Inf, which the result reports as unresolved.
		a.eps[k].add(g * (a.wNorm[k]*hn + math.Abs(t)))
		// (y − hi) − lo: within 2u·|y − ȳ| + meanErr of the exact deviation.
		a.tot[k].add((y[k] - a.hi[k]) - a.lo[k])
	}
}

// result forms the FitResult of M samples from the sums (see Fit).
func (a *fitSums) result(M int) *FitResult {
	const u = 0x1p-53
	out := &FitResult{R2PerOutput: make([]float64, a.n)}
	var R, E, T, TB sumSq
	uniform, uniformErr, uniformAbs, counted := 0.0, 0.0, 0.0, 0
	for k := 0; k < a.n; k++ {
		R.merge(a.res[k])
		E.merge(a.eps[k])
		T.merge(a.tot[k])
		tb := totBound(a.tot[k], a.meanErr[k], a.lo[k], M)
		TB.merge(tb)
		if a.tot[k].zero() {
			out.ConstantOutputs++
			continue
		}
		q, qe := ratioBound(a.res[k], resBound(a.res[k], a.eps[k]), a.tot[k], tb)
		out.R2PerOutput[k] = 1 - q
		uniform += out.R2PerOutput[k]
		uniformErr += qe + 2*u*(math.Abs(1-q)+q) // and the rounding of 1 − q
		uniformAbs += math.Abs(out.R2PerOutput[k])
		counted++
	}
	rb := resBound(R, E)
	out.MSE, out.MSEErr = R.ldexpDiv(M), rb.ldexpDiv(M)
	if !R.zero() && (out.MSE == 0 || !normal(out.MSE)) {
		out.MSE, out.MSEOutOfRange = math.NaN(), true
	}
	if out.MSEErr == 0 && !rb.zero() {
		out.MSEErr = math.SmallestNonzeroFloat64 // a bound that underflows is never 0
	}
	if counted > 0 {
		out.Valid = true
		q, qe := ratioBound(R, rb, T, TB)
		out.R2, out.R2Err = 1-q, qe+2*u*(math.Abs(1-q)+q) // and the rounding of 1 − q
		// The mean's sum and division round too: γ_{counted+1} of Σ|R²_k|.
		out.R2Uniform = uniform / float64(counted)
		out.R2UniformErr = (uniformErr + gammaU(counted+1)*uniformAbs) / float64(counted) * (1 + 1e-12)
		// A value without a finite bound is not given (QA session 22: R²
		// was printed with a null bound, wrong in its third digit).
		if math.IsInf(out.R2Err, 0) || math.IsNaN(out.R2Err) {
			out.R2 = math.NaN()
		}
		if math.IsInf(out.R2UniformErr, 0) || math.IsNaN(out.R2UniformErr) {
			out.R2Uniform = math.NaN()
		}
	}
	return out
}

// normal reports whether x is a finite float64 that is 0 or at least the
// smallest normal number in magnitude.
func normal(x float64) bool {
	return !math.IsInf(x, 0) && !math.IsNaN(x) && (x == 0 || math.Abs(x) >= 0x1p-1022)
}

// resBound is 2√(R·E) + E + 4u·R (see Fit), as a scaled sum.
func resBound(r, e sumSq) sumSq {
	b := r.scaled(4 * 0x1p-53)
	b.merge(e)
	b.merge(r.geoMean(e).scaled(2))
	return b
}

// totBound is M·δ² + 8u·T + 2√(T·M·ρ²) + M·ρ² (see Fit), as a scaled
// sum: δ the mean's error (common to every deviation: it adds M·δ² to T
// exactly), ρ = 2u·|lo| the part of each deviation's rounding that is not
// relative to the deviation itself (a cross term by Cauchy–Schwarz).
func totBound(t sumSq, delta, lo float64, M int) sumSq {
	b := t.scaled(8 * 0x1p-53)
	var m, r sumSq
	m.add(delta)
	b.merge(m.scaled(float64(M)))
	r.add(2 * 0x1p-53 * lo)
	r = r.scaled(float64(M))
	b.merge(t.geoMean(r).scaled(2))
	b.merge(r)
	return b
}

// ratioBound returns R/T and a bound on its error given bounds rb on R and
// tb on T: (rb + (R/T)·tb)/(T − tb), +Inf when tb ≥ T.
func ratioBound(r, rb, t, tb sumSq) (float64, float64) {
	q := r.div(t)
	den := t.div(t) - tb.div(t) // 1 − tb/T
	if !(den > 0) {
		return q, math.Inf(1)
	}
	num := rb.div(t) + q*tb.div(t)
	return q, num / den * (1 + 1e-12)
}

// sumSq is a sum of squares Σ x² kept as 2^(2e)·σ, σ a compensated
// (Kahan) sum of (x·2^-e)² and e the binary exponent of the largest |x|
// added, so that neither tiny nor huge terms underflow or overflow; a term
// more than 2^-1074 below the largest square is lost, as it would be in
// any float64 sum. Rescaling when a larger term arrives multiplies by a
// power of two (exact). inf marks an infinite term (a bound that
// overflowed float64): the sum is then +Inf.
type sumSq struct {
	e   int
	k   kahan
	any bool
	inf bool
}

func (q *sumSq) add(x float64) {
	switch {
	case math.IsInf(x, 0):
		q.inf = true
		return
	case x == 0 || math.IsNaN(x):
		return
	}
	_, ex := math.Frexp(x) // |x| < 2^ex
	q.rescale(ex)
	y := math.Ldexp(x, -q.e)
	q.k.add(y * y)
}

// rescale raises the exponent to ex when it is larger (or unset).
func (q *sumSq) rescale(ex int) {
	switch {
	case !q.any:
		q.e, q.any = ex, true
	case ex > q.e:
		f := math.Ldexp(1, 2*(q.e-ex))
		q.k.s *= f
		q.k.c *= f
		q.e = ex
	}
}

// zero reports whether the sum is exactly 0.
func (q sumSq) zero() bool { return !q.inf && (!q.any || q.k.sum() == 0) }

// merge adds the sum p to q.
func (q *sumSq) merge(p sumSq) {
	q.inf = q.inf || p.inf
	if p.zero() || p.inf {
		return
	}
	q.rescale(p.e)
	q.k.add(math.Ldexp(p.k.sum(), 2*(p.e-q.e)))
}

// scaled returns f·q for f ≥ 0.
func (q sumSq) scaled(f float64) sumSq {
	out := q
	out.k = kahan{s: q.k.sum() * f}
	return out
}

// geoMean returns √(q·p) as a scaled sum: with q = m_q·2^(2e_q) and p =
// m_p·2^(2e_p) it is √(m_q m_p)·2^s, s = e_q + e_p, held as m·2^(2e) with
// e = ⌊s/2⌋ and m = √(m_q m_p)·2^(s − 2e).
func (q sumSq) geoMean(p sumSq) sumSq {
	switch {
	case q.zero() || p.zero():
		return sumSq{}
	case q.inf || p.inf:
		return sumSq{inf: true}
	}
	s := q.e + p.e
	e := s >> 1 // ⌊s/2⌋, also for negative s
	m := math.Ldexp(math.Sqrt(q.k.sum()*p.k.sum()), s-2*e)
	return sumSq{e: e, k: kahan{s: m}, any: true}
}

// div returns q/p as a float64 (+Inf when p is 0 and q is not, or q is
// infinite; 0 when q is 0).
func (q sumSq) div(p sumSq) float64 {
	switch {
	case q.zero():
		return 0
	case p.zero() || q.inf:
		return math.Inf(1)
	case p.inf:
		return 0
	}
	return math.Ldexp(q.k.sum()/p.k.sum(), 2*(q.e-p.e))
}

// ldexpDiv returns q/M in float64 (0 when it underflows, +Inf when it
// overflows).
func (q sumSq) ldexpDiv(M int) float64 {
	switch {
	case q.inf:
		return math.Inf(1)
	case q.zero():
		return 0
	}
	return math.Ldexp(q.k.sum()/float64(M), 2*q.e)
}
