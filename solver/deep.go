package solver

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/ALTree/bigfloat"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
)

// The deep solver (docs/theory.md §6): minimizes
//
//	L = ω/(2M)‖W_{K−1}⋯W_1 H + b1ᵀ − Y‖² + λ_H/(2M)‖H‖² + Σ_l λ_l/2 ‖W_l‖²
//
// (ω = 1 for data_term sum, 1/n for mean) directly over all weight layers.
// For fixed W's, L is a convex quadratic in (H, b); with P = W_{K−1}⋯W_1
// and μ = λ_H/ω its minimum is (λ_H/2) tr((PPᵀ + μI)⁻¹ Σ) + Σ λ_l/2 ‖W_l‖²
// (the same elimination as the one-layer solver, with P for W). Scaling
// W_l = α_l V_l with λ_l α_l² = E and E^K = λ_H σ0 Π λ_l (σ0 = tr Σ / n)
// makes it E·φ(V),
//
//	φ(V) = ½ tr((QQᵀ + ρI)⁻¹ S') + ½ Σ_l ‖V_l‖²,  Q = V_{K−1}⋯V_1,
//
// S' = Σ/σ0, ρ = E/(ωσ0): dimensionless, minimizers of order one.
// Widths: a layer of width d_l > n is searched in its first n dimensions
// only (the rank of every factor of an n-row product that matters is ≤ n);
// restricting the search can only raise the loss found, never fake a lower
// one.
//
// Stage 1 runs BFGS in float64 from Settings.Starts random points; stage 2
// runs Levenberg–Marquardt-damped Newton in big.Float from the best of
// them, with the Hessian from forward differences of the exact gradient at
// twice the working precision (accurate to about the working precision).
// For K ≥ 3 V = 0 is a strict local minimum (the data term is of order
// K ≥ 3 there), so the landscape has non-global minima: the result says
// which basin it ended in and that it is the best of N starts, not a
// certified global minimum.

// DeepStart is one stage-1 run.
type DeepStart struct {
	Phi    float64 // scaled objective φ at the end of BFGS
	Rank   int     // numerical rank of Q there (singular values > 1e-6·max(1, σ_max))
	Pruned bool    // a pruned restart (weak modes of the best point switched off), not a random start
}

// DeepResult is what Result carries for a deep or mean-convention instance.
type DeepResult struct {
	K      int
	Widths []int           // the widths searched: min(d_l, n) for l < K−1, then n
	Layers []*bigmat.Dense // W_1 … W_{K−1} at the solution (Widths[l] × Widths[l−1])
	// Rank is the number of nonzero singular values of Z = W_{K−1}⋯W_1 H at
	// the solution: pivots of ZZᵀ above 10^-digits·‖Ỹ‖²_F (gramRank). A
	// switched-off mode sits at an exact zero of the iteration, at the
	// rounding level. ModeValues are Z's singular values, descending.
	Rank       int
	ModeValues []float64   // float64: entries below ~1e-16·max are noise
	Starts     []DeepStart // every stage-1 start, in order
	Distinct   int         // distinct stage-1 local minimum values (relative gap > 1e-8)
	Basin      string      // one sentence: which basin, and that it is the best of N starts
}

// solveDeep is Solve for in.IsDeep().
func solveDeep(in *instance.Instance, s Settings, prec uint, deadline time.Time, res *Result) error {
	for _, l := range in.LayerLambdas() {
		if l.Sign() <= 0 {
			return fmt.Errorf("solver: the deep solver needs every λ_l > 0")
		}
	}
	if in.LambdaH.Sign() <= 0 {
		return fmt.Errorf("solver: the deep solver needs λ_H > 0")
	}
	dp, err := newDeepProblem(in, prec)
	if err != nil {
		return err
	}
	// Stage 1 works in float64 with ρ ≥ minRho64 (as the one-layer solver):
	// for tinier ρ the 1/ρ-sized terms of φ swamp float64. Stage 2 then
	// solves the true problem from there. A mode that is on at the true ρ
	// but off at minRho64 would be missed (its origin is a local minimum for
	// K ≥ 3): the basin report and verify then say so.
	s1 := dp
	if dp.rho64 < minRho64 {
		s1 = dp.withRho64(minRho64)
		res.Notes = append(res.Notes, fmt.Sprintf("deep solver: ρ = %.3g < %.0g, so the float64 starts use ρ = %.0g; the big-float stage solves the true problem", dp.rho64, minRho64, minRho64))
	}
	starts, best := s1.stage1(s.Starts, s.Seed, deadline)
	res.Stage1Iterations = best.iterations
	x := bigmat.FromFloat64(len(best.x), 1, prec, best.x)
	// ρ-continuation from stage 1's ρ down to the true one, a factor 10 at
	// a time, each step solved to 20 digits from the previous solution.
	iters := 0
	for r := s1.rho64 / 10; s1 != dp && r > dp.rho64 && time.Now().Before(deadline); r /= 10 {
		step := dp.withRho(new(big.Float).SetPrec(dp.rho.Prec()).SetFloat64(r))
		o := step.stage2(x, min(20, s.Digits), s.MaxIterations, deadline)
		iters += o.iterations
		x = o.x
	}
	out := dp.stage2(x, s.Digits, s.MaxIterations, deadline)
	res.Iterations = out.iterations + iters
	// Precision escalation: when progress stops short of the requested
	// digits (the gradient's rounding noise, about 2^-prec times the size of
	// its intermediate terms, is above 10^-(digits+8): tiny ρ makes
	// (QQᵀ + ρI)⁻¹ large), double the precision and continue from there,
	// at most twice.
	for esc := 0; esc < 2 && out.stop == StopStalled && time.Now().Before(deadline); esc++ {
		prec *= 2
		if dp, err = newDeepProblem(in, prec); err != nil {
			return err
		}
		out = dp.stage2(out.x.Clone().SetPrec(prec), s.Digits, s.MaxIterations, deadline)
		res.Iterations += out.iterations
		res.Notes = append(res.Notes, fmt.Sprintf("deep solver: progress stalled short of %d digits; continued at %d bits", s.Digits, prec))
	}
	res.History = out.history
	res.Stop, res.Converged, res.DigitsReached = out.stop, out.stop == StopConverged, out.digits
	if err := dp.fill(out.x, res); err != nil {
		return err
	}
	res.Deep.Starts = starts
	res.Deep.Distinct = distinctMinima(starts)
	res.Deep.Basin = dp.basinSentence(res.Deep, len(starts))
	res.Notes = append(res.Notes, fmt.Sprintf("deep UFM, K − 1 = %d weight layers (data term %s): WW is W_{K−1}W_{K−1}ᵀ; %s", dp.K-1, in.DataTerm, res.Deep.Basin))
	return nil
}

// deepProblem is φ for one instance.
type deepProblem struct {
	in         *instance.Instance
	K, n       int
	widths     []int // w_0 … w_{K−1} = n
	prec       uint
	omega      *big.Rat // 1 or 1/n
	lambdas    []*big.Rat
	sigma0     *big.Rat
	e          *big.Float // E
	rho        *big.Float
	sp         *bigmat.Dense // S' = Σ/σ0
	rho64      float64
	sp64       *mat.SymDense
	zeroData   bool
	numUnknown int
}

func newDeepProblem(in *instance.Instance, prec uint) (*deepProblem, error) {
	n := in.N()
	K := in.WeightLayers() + 1
	dp := &deepProblem{in: in, K: K, n: n, prec: prec, lambdas: in.LayerLambdas()}
	for _, w := range in.LayerWidths()[:K-1] {
		dp.widths = append(dp.widths, min(w, n))
	}
	dp.widths = append(dp.widths, n)
	for l := 1; l < K; l++ {
		dp.numUnknown += dp.widths[l] * dp.widths[l-1]
	}
	if dp.numUnknown > MaxUnknowns/4 {
		return nil, fmt.Errorf("%w: %d unknowns over the weight layers, the deep Newton solver handles at most %d", ErrTooLarge, dp.numUnknown, MaxUnknowns/4)
	}
	dp.omega = big.NewRat(1, 1)
	if in.DataTerm == instance.DataMean {
		dp.omega.SetFrac64(1, int64(n))
	}
	sig := in.Sigma()
	dp.sigma0 = new(big.Rat)
	for i := 0; i < n; i++ {
		dp.sigma0.Add(dp.sigma0, sig[i][i])
	}
	dp.sigma0.Quo(dp.sigma0, big.NewRat(int64(n), 1))
	if dp.sigma0.Sign() == 0 {
		dp.zeroData = true
		dp.sigma0.SetInt64(1)
	}
	flat := make([]*big.Rat, 0, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			flat = append(flat, new(big.Rat).Quo(sig[i][j], dp.sigma0))
		}
	}
	wp := prec + 64
	dp.sp = bigmat.FromRat(n, n, wp, flat)
	// E = (λ_H σ0 Π λ_l)^{1/K}, ρ = E/(ω σ0).
	prod := new(big.Rat).Mul(in.LambdaH, dp.sigma0)
	for _, l := range dp.lambdas {
		prod.Mul(prod, l)
	}
	dp.e = kthRoot(new(big.Float).SetPrec(wp).SetRat(prod), K)
	den := new(big.Float).SetPrec(wp).SetRat(new(big.Rat).Mul(dp.omega, dp.sigma0))
	dp.rho = new(big.Float).SetPrec(wp).Quo(dp.e, den)
	dp.rho64, _ = dp.rho.Float64()
	dp.sp64 = mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v, _ := dp.sp.At(i, j).Float64()
			dp.sp64.SetSym(i, j, v)
		}
	}
	return dp, nil
}

// withRho64 returns a copy of dp whose float64 stage uses ρ = rho (the
// big-float problem is unchanged).
func (dp *deepProblem) withRho64(rho float64) *deepProblem {
	c := *dp
	c.rho64 = rho
	return &c
}

// withRho returns a copy of dp for the problem with ρ = rho (both stages):
// a point on the ρ-continuation path, not the instance's problem.
func (dp *deepProblem) withRho(rho *big.Float) *deepProblem {
	c := *dp
	c.rho = rho
	c.rho64, _ = rho.Float64()
	return &c
}

// kthRoot returns x^{1/k} for x > 0 at the precision of x, as
// exp(log(x)/k) at 64 extra bits (ALTree/bigfloat).
func kthRoot(x *big.Float, k int) *big.Float {
	prec := x.Prec()
	if k == 1 {
		return new(big.Float).SetPrec(prec).Set(x)
	}
	if k == 2 {
		return new(big.Float).SetPrec(prec).Sqrt(x)
	}
	wx := new(big.Float).SetPrec(prec + 64).Set(x)
	l := bigfloat.Log(wx)
	l.Quo(l, new(big.Float).SetPrec(prec+64).SetInt64(int64(k)))
	return new(big.Float).SetPrec(prec).Set(bigfloat.Exp(l))
}

// ---- float64 stage ----

// unpack64 views x as the layers V_1 … V_{K−1}.
func (dp *deepProblem) unpack64(x []float64) []*mat.Dense {
	vs := make([]*mat.Dense, dp.K-1)
	off := 0
	for l := 1; l < dp.K; l++ {
		r, c := dp.widths[l], dp.widths[l-1]
		vs[l-1] = mat.NewDense(r, c, x[off:off+r*c])
		off += r * c
	}
	return vs
}

// chain64 returns prefix[l] = V_l⋯V_1 (prefix[0] = I) for l = 0 … K−1.
func chain64(vs []*mat.Dense, w0 int) []*mat.Dense {
	id := mat.NewDense(w0, w0, nil)
	for i := 0; i < w0; i++ {
		id.Set(i, i, 1)
	}
	pre := []*mat.Dense{id}
	for _, v := range vs {
		var p mat.Dense
		p.Mul(v, pre[len(pre)-1])
		pre = append(pre, &p)
	}
	return pre
}

// phi64 is φ in float64; grad (if not nil) receives ∇φ. It returns +Inf if
// QQᵀ + ρI is not numerically positive definite.
func (dp *deepProblem) phi64(x, grad []float64) float64 {
	vs := dp.unpack64(x)
	pre := chain64(vs, dp.widths[0])
	q := pre[len(pre)-1]
	n := dp.n
	g := mat.NewSymDense(n, nil)
	var qq mat.Dense
	qq.Mul(q, q.T())
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := qq.At(i, j)
			if i == j {
				v += dp.rho64
			}
			g.SetSym(i, j, v)
		}
	}
	var ch mat.Cholesky
	if ok := ch.Factorize(g); !ok {
		return math.Inf(1)
	}
	var y, xm mat.Dense
	if err := ch.SolveTo(&y, dp.sp64); err != nil { // G⁻¹S'
		return math.Inf(1)
	}
	f := 0.5 * mat.Trace(&y)
	for _, v := range vs {
		nv := mat.Norm(v, 2)
		f += 0.5 * nv * nv
	}
	if grad == nil {
		return f
	}
	if err := ch.SolveTo(&xm, y.T()); err != nil { // X = G⁻¹S'G⁻¹
		return math.Inf(1)
	}
	// ∂φ/∂V_l = −A_lᵀ X Q B_lᵀ + V_l, A_l = V_{K−1}⋯V_{l+1}, B_l = pre[l−1].
	var xq mat.Dense
	xq.Mul(&xm, q)
	upper := mat.DenseCopyOf(&xq) // A_lᵀ X Q as l descends
	off := 0
	offs := make([]int, len(vs))
	for l := range vs {
		offs[l] = off
		r, c := vs[l].Dims()
		off += r * c
	}
	for l := len(vs) - 1; l >= 0; l-- {
		var gl mat.Dense
		gl.Mul(upper, pre[l].T())
		r, c := vs[l].Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				grad[offs[l]+i*c+j] = -gl.At(i, j) + vs[l].At(i, j)
			}
		}
		var next mat.Dense
		next.Mul(vs[l].T(), upper)
		upper = &next
	}
	return f
}

type deepStage1 struct {
	x          []float64
	f          float64
	iterations int
}

// stage1 runs BFGS from `starts` random points (entries N(0, 1/w) so that
// every layer has rows of norm about one) and returns every run and the
// best.
func (dp *deepProblem) stage1(starts int, seed int64, deadline time.Time) ([]DeepStart, deepStage1) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x64656570))
	prob := optimize.Problem{
		Func: func(x []float64) float64 { return dp.phi64(x, nil) },
		Grad: func(grad, x []float64) { dp.phi64(x, grad) },
	}
	best := deepStage1{f: math.Inf(1)}
	var runs []DeepStart
	for s := 0; s < starts; s++ {
		if s > 0 && time.Now().After(deadline) {
			break
		}
		x0 := make([]float64, dp.numUnknown)
		off := 0
		for l := 1; l < dp.K; l++ {
			r, c := dp.widths[l], dp.widths[l-1]
			for i := 0; i < r*c; i++ {
				x0[off+i] = rng.NormFloat64() / math.Sqrt(float64(c))
			}
			off += r * c
		}
		settings := &optimize.Settings{
			GradientThreshold: 1e-11,
			MajorIterations:   3000,
			Converger:         &optimize.FunctionConverge{Absolute: 1e-15, Relative: 1e-15, Iterations: 50},
		}
		if left := time.Until(deadline); left > 0 {
			settings.Runtime = left
		}
		res, _ := optimize.Minimize(prob, x0, settings, &optimize.BFGS{}) // a failed line search still leaves the best point found
		if res == nil {
			continue
		}
		best.iterations += res.MajorIterations
		runs = append(runs, DeepStart{Phi: res.F, Rank: dp.rank64(res.X)})
		if res.F < best.f {
			best.x, best.f = append([]float64(nil), res.X...), res.F
		}
	}
	if best.x == nil {
		best.x = make([]float64, dp.numUnknown)
		for i := range best.x {
			best.x[i] = rng.NormFloat64()
		}
		return runs, best
	}
	// Pruned restarts: for K ≥ 3 a weak mode can sit in its own positive
	// local minimum while switching it off is better (and random starts of
	// order one rarely land in the off basin). From the best point, project
	// the output of the last layer onto the top r' left singular vectors of
	// Q (r' = rank − 1 … 0), re-run BFGS, and keep any lower φ.
	for {
		r := dp.rank64(best.x)
		improved := false
		for rp := r - 1; rp >= 0; rp-- {
			if time.Now().After(deadline) {
				break
			}
			x0 := dp.prune(best.x, rp)
			if x0 == nil {
				break
			}
			settings := &optimize.Settings{GradientThreshold: 1e-11, MajorIterations: 3000,
				Converger: &optimize.FunctionConverge{Absolute: 1e-15, Relative: 1e-15, Iterations: 50}}
			res, _ := optimize.Minimize(prob, x0, settings, &optimize.BFGS{})
			if res == nil {
				continue
			}
			best.iterations += res.MajorIterations
			runs = append(runs, DeepStart{Phi: res.F, Rank: dp.rank64(res.X), Pruned: true})
			if res.F < best.f-1e-12*math.Abs(best.f) {
				best.x, best.f = append([]float64(nil), res.X...), res.F
				improved = true
				break
			}
		}
		if !improved {
			break
		}
	}
	return runs, best
}

// prune returns x with the last layer V_{K−1} replaced by U_r U_rᵀ V_{K−1},
// U_r the top r left singular vectors of Q = V_{K−1}⋯V_1 (float64 SVD).
func (dp *deepProblem) prune(x []float64, r int) []float64 {
	out := append([]float64(nil), x...)
	vs := dp.unpack64(out)
	last := vs[len(vs)-1]
	if r == 0 {
		last.Zero()
		return out
	}
	pre := chain64(vs, dp.widths[0])
	var svd mat.SVD
	if !svd.Factorize(pre[len(pre)-1], mat.SVDThinU) {
		return nil
	}
	var u mat.Dense
	svd.UTo(&u)
	ur := u.Slice(0, dp.n, 0, r)
	var proj, v mat.Dense
	proj.Mul(ur, ur.T())
	v.Mul(&proj, last)
	last.Copy(&v) // writes through to out
	return out
}

// rank64 is the numerical rank of Q = V_{K−1}⋯V_1 in float64.
func (dp *deepProblem) rank64(x []float64) int {
	pre := chain64(dp.unpack64(x), dp.widths[0])
	var svd mat.SVD
	if !svd.Factorize(pre[len(pre)-1], mat.SVDNone) {
		return -1
	}
	vals := svd.Values(nil)
	r := 0
	for _, v := range vals {
		if v > 1e-6*math.Max(1, vals[0]) {
			r++
		}
	}
	return r
}

func distinctMinima(runs []DeepStart) int {
	vals := make([]float64, 0, len(runs))
	for _, r := range runs {
		if !math.IsInf(r.Phi, 0) && !math.IsNaN(r.Phi) {
			vals = append(vals, r.Phi)
		}
	}
	sort.Float64s(vals)
	d := 0
	for i, v := range vals {
		if i == 0 || math.Abs(v-vals[i-1]) > 1e-8*math.Max(1, math.Abs(v)) {
			d++
		}
	}
	return d
}

// ---- big-float stage ----

// unpack views the column x (N×1) as the layers, at x's precision.
func (dp *deepProblem) unpack(x *bigmat.Dense) []*bigmat.Dense {
	vs := make([]*bigmat.Dense, dp.K-1)
	off := 0
	for l := 1; l < dp.K; l++ {
		r, c := dp.widths[l], dp.widths[l-1]
		v := bigmat.New(r, c, x.Prec())
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				v.Set(i, j, x.At(off+i*c+j, 0))
			}
		}
		vs[l-1] = v
		off += r * c
	}
	return vs
}

// phiBig returns φ and ∇φ (as an N×1 column) at x, at x's precision.
func (dp *deepProblem) phiBig(x *bigmat.Dense) (*big.Float, *bigmat.Dense, error) {
	prec := x.Prec()
	vs := dp.unpack(x)
	pre := []*bigmat.Dense{bigmat.Identity(dp.widths[0], prec)}
	for _, v := range vs {
		pre = append(pre, new(bigmat.Dense).Mul(v, pre[len(pre)-1]))
	}
	q := pre[len(pre)-1]
	rho := new(big.Float).SetPrec(prec).Set(dp.rho)
	g := new(bigmat.Dense).MulTrans(q, q)
	g.AddScaledIdentity(g, rho)
	var ch bigmat.Cholesky
	if err := ch.Factorize(g); err != nil {
		return nil, nil, fmt.Errorf("solver: QQᵀ + ρI not positive definite at %d bits: %w", prec, err)
	}
	sp := dp.sp.Clone().SetPrec(prec)
	y := ch.SolveTo(new(bigmat.Dense), sp)
	f := new(big.Float).SetPrec(prec).Set(y.Trace())
	for _, v := range vs {
		nv := v.FrobeniusNorm()
		f.Add(f, nv.Mul(nv, nv))
	}
	f.Quo(f, new(big.Float).SetPrec(prec).SetInt64(2))
	xm := ch.SolveTo(new(bigmat.Dense), new(bigmat.Dense).T(y))
	upper := new(bigmat.Dense).Mul(xm, q)
	grad := bigmat.New(dp.numUnknown, 1, prec)
	offs := make([]int, len(vs))
	off := 0
	for l := range vs {
		offs[l] = off
		r, c := vs[l].Dims()
		off += r * c
	}
	for l := len(vs) - 1; l >= 0; l-- {
		gl := new(bigmat.Dense).MulTrans(upper, pre[l])
		r, c := vs[l].Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				e := grad.At(offs[l]+i*c+j, 0)
				e.Sub(vs[l].At(i, j), gl.At(i, j))
			}
		}
		upper = new(bigmat.Dense).TransMul(vs[l], upper)
	}
	return f, grad, nil
}

type deepStage2 struct {
	x          *bigmat.Dense
	iterations int
	stop       StopReason
	digits     int
	history    []float64
}

// hessian returns the Hessian of φ at x by forward differences of the
// exact gradient at precision 2·prec + 64 with step 2^-(prec+32): the
// truncation error (of order the step) and the rounding error (2^-(2prec+64)
// divided by the step) are both about 2^-(prec+32) relative to the
// derivatives' scale. It is symmetrized.
func (dp *deepProblem) hessian(x *bigmat.Dense, prec uint) (*bigmat.Dense, error) {
	hp := 2*prec + 64
	xh := x.Clone().SetPrec(hp)
	_, g0, err := dp.phiBig(xh)
	if err != nil {
		return nil, err
	}
	N := dp.numUnknown
	h := new(big.Float).SetPrec(hp).SetMantExp(new(big.Float).SetPrec(hp).SetInt64(1), -int(prec+32))
	hs := bigmat.New(N, N, hp)
	for i := 0; i < N; i++ {
		xi := xh.Clone()
		xi.At(i, 0).Add(xi.At(i, 0), h)
		_, gi, err := dp.phiBig(xi)
		if err != nil {
			return nil, err
		}
		for j := 0; j < N; j++ {
			e := hs.At(j, i)
			e.Sub(gi.At(j, 0), g0.At(j, 0))
			e.Quo(e, h)
		}
	}
	hs.Symmetrize(hs)
	return hs.SetPrec(prec), nil
}

// stage2 runs damped Newton: (∇²φ + νI) δ = −∇φ with ν = ‖∇φ‖ (the
// Levenberg–Marquardt choice that keeps quadratic convergence when the
// minimum is a manifold, as the O(w) gauge symmetry of hidden layers makes
// it), ν multiplied by 10 while the matrix is not positive definite, and a
// halving line search on φ. It stops, reporting converged, when
// ‖∇φ‖ ≤ 10^-(digits+8) or ‖δ‖_∞ < 10^-(digits+4) (entries of V are of
// order one). The distance to the minimum manifold is about ‖∇φ‖ divided
// by the smallest nonzero curvature; DigitsReached assumes that curvature
// is at least 10^-8 (in the scaled variables) and so reports
// −log10‖∇φ‖ − 8 digits. verify measures the actual agreement.
func (dp *deepProblem) stage2(x *bigmat.Dense, digits, maxIter int, deadline time.Time) deepStage2 {
	prec := x.Prec()
	out := deepStage2{x: x, stop: StopIterationLimit}
	tol := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), -int(math.Ceil(float64(digits+4)*math.Log2(10))))
	gtol := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), -int(math.Ceil(float64(digits+8)*math.Log2(10))))
	f, g, err := dp.phiBig(x)
	if err != nil {
		out.stop = StopStalled
		return out
	}
	N := dp.numUnknown
	for it := 0; it < maxIter; it++ {
		if time.Now().After(deadline) {
			out.stop = StopTimeLimit
			return out
		}
		gn := g.FrobeniusNorm()
		// log10 in big-float exponent range: float64 clamped it at −300,
		// so above 292 digits the history ended in −300 and DigitsReached
		// said 292 (QA session 21, --digits 400). An exact 0 counts as
		// the precision's floor (the history is JSON: no −Inf).
		lg := log10Float(gn)
		if math.IsInf(lg, -1) {
			lg = -float64(prec) * math.Log10(2)
		}
		out.history = append(out.history, lg)
		if gn.Cmp(gtol) <= 0 {
			out.stop = StopConverged
			out.digits = min(digits, int(math.Floor(-lg))-8)
			return out
		}
		out.iterations++
		hs, err := dp.hessian(x, prec)
		if err != nil {
			out.stop = StopStalled
			return out
		}
		// ν = max(‖∇φ‖, 2^-(prec/2)): the floor keeps rounding noise in the
		// gradient (about 2^-prec) from driving steps of size noise/ν along
		// the flat gauge directions.
		nu := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), -int(prec)/2)
		if gn.Cmp(nu) > 0 {
			nu.Set(gn)
		}
		var delta *bigmat.Dense
		for try := 0; try < 60; try++ {
			a := new(bigmat.Dense).AddScaledIdentity(hs, nu)
			var ch bigmat.Cholesky
			if ch.Factorize(a) == nil {
				neg := new(bigmat.Dense).Scale(new(big.Float).SetPrec(prec).SetInt64(-1), g)
				delta = ch.SolveTo(new(bigmat.Dense), neg)
				break
			}
			if nu.Sign() == 0 {
				nu.SetMantExp(big.NewFloat(1), -int(prec)/2)
			}
			nu.Mul(nu, new(big.Float).SetInt64(10))
		}
		if delta == nil {
			out.stop = StopStalled
			return out
		}
		step := delta.MaxAbs()
		if step.Cmp(tol) < 0 {
			out.stop = StopConverged
			out.digits = digitsOfStep(step, digits)
			return out
		}
		accepted := false
		// Below φ's rounding noise (about 2^-prec·|φ|, reached early when φ
		// is large: tiny ρ) a decrease of φ cannot be seen; the full step is
		// then accepted when φ does not rise beyond that noise and ‖∇φ‖ at
		// least halves (the gradient as the merit function near the minimum).
		if xn := new(bigmat.Dense).Add(x, delta); true {
			fn, gNew, err := dp.phiBig(xn)
			if err == nil && fn.Cmp(f) > 0 && withinNoise(fn, f, prec) && gNew.FrobeniusNorm().Cmp(new(big.Float).Quo(gn, big.NewFloat(2))) <= 0 {
				x, f, g = xn, fn, gNew
				accepted = true
			}
		}
		for half := 0; half < 40 && !accepted; half++ {
			xn := new(bigmat.Dense).Add(x, delta)
			fn, gnNew, err := dp.phiBig(xn)
			if err == nil && fn.Cmp(f) <= 0 {
				x, f, g = xn, fn, gnNew
				accepted = true
				break
			}
			delta.Scale(big.NewFloat(0.5), delta)
		}
		out.x = x
		if !accepted {
			// No decrease at the working precision: the step is below φ's
			// rounding noise. Converged only if that step is tiny already.
			out.digits = digitsOfStep(step, digits)
			if out.digits >= digits {
				out.stop = StopConverged
			} else {
				out.stop = StopStalled
			}
			return out
		}
	}
	_ = N
	return out
}

// withinNoise reports whether a exceeds b by at most 2^-(prec−16)·|b|, the
// rounding noise of φ evaluated at precision prec.
func withinNoise(a, b *big.Float, prec uint) bool {
	d := new(big.Float).Sub(a, b)
	tol := new(big.Float).Abs(b)
	tol.SetMantExp(tol, -int(prec)+16)
	return d.Cmp(tol) <= 0
}

// digitsOfStep estimates the correct digits of V from the size of the last
// Newton step (quadratic convergence: the error after it is far smaller).
func digitsOfStep(step *big.Float, digits int) int {
	if step.Sign() == 0 {
		return digits
	}
	e := step.MantExp(nil)
	d := int(math.Floor(-float64(e) * math.Log10(2)))
	return min(max(d, 0), digits)
}

// fill computes the unscaled solution and every reported quantity from the
// definition of L.
func (dp *deepProblem) fill(x *bigmat.Dense, res *Result) error {
	prec := x.Prec()
	in := dp.in
	n, m := dp.n, in.M()
	newF := func() *big.Float { return new(big.Float).SetPrec(prec) }
	vs := dp.unpack(x)
	ws := make([]*bigmat.Dense, len(vs))
	for l, v := range vs {
		a := newF().Quo(newF().Set(dp.e), newF().SetRat(dp.lambdas[l]))
		ws[l] = new(bigmat.Dense).Scale(a.Sqrt(a), v)
	}
	pre := []*bigmat.Dense{bigmat.Identity(dp.widths[0], prec)}
	for _, w := range ws {
		pre = append(pre, new(bigmat.Dense).Mul(w, pre[len(pre)-1]))
	}
	p := pre[len(pre)-1]
	// H = Pᵀ(PPᵀ + μI)⁻¹Ỹ, μ = λ_H/ω: the exact minimizer over H for fixed
	// W's. Its columns sum to zero (Ỹ1 = 0), so with a free bias the
	// optimal b = mean of Y − PH is the targets' mean ȳ exactly, whatever
	// the W's (docs/theory.md §6.7). The residual PH + b1ᵀ − Y = PH − Ỹ is
	// −μ(PPᵀ + μI)⁻¹Ỹ, formed without the cancellation of PH − Ỹ: near
	// interpolation (tiny ρ, targets ×10^30) PH − Ỹ lost about 40 digits of
	// the residual, the bias and the training MSE (QA session 21).
	mu := newF().SetRat(new(big.Rat).Quo(in.LambdaH, dp.omega))
	g := new(bigmat.Dense).MulTrans(p, p)
	g.AddScaledIdentity(g, mu)
	var ch bigmat.Cholesky
	if err := ch.Factorize(g); err != nil {
		return fmt.Errorf("solver: PPᵀ + μI not positive definite: %w", err)
	}
	yt := in.CenteredTargets()
	flat := make([]*big.Rat, 0, n*m)
	for k := 0; k < n; k++ {
		flat = append(flat, yt[k]...)
	}
	ytilde := bigmat.FromRat(n, m, prec, flat)
	solved := ch.SolveTo(new(bigmat.Dense), ytilde)
	h := new(bigmat.Dense).TransMul(p, solved)
	z := new(bigmat.Dense).Mul(p, h)
	r := new(bigmat.Dense).Scale(newF().Neg(mu), solved)
	b := dp.optimalBias(prec)
	pred := bigmat.New(n, m, prec)
	for i, row := range in.Targets {
		for k, v := range row {
			pred.At(k, i).SetRat(v)
			pred.At(k, i).Add(pred.At(k, i), r.At(k, i))
		}
	}
	mF := newF().SetInt64(int64(m))
	omega := newF().SetRat(dp.omega)
	lamH := newF().SetRat(in.LambdaH)
	// L from its definition.
	loss := sq(r.FrobeniusNorm())
	loss.Mul(loss, omega)
	hn := sq(h.FrobeniusNorm())
	loss.Add(loss, hn.Mul(hn, lamH))
	loss.Quo(loss, newF().Mul(mF, newF().SetInt64(2)))
	for l, w := range ws {
		t := sq(w.FrobeniusNorm())
		t.Mul(t, newF().SetRat(dp.lambdas[l]))
		loss.Add(loss, t.Quo(t, newF().SetInt64(2)))
	}
	res.MinLoss = loss
	res.GradNorm = dp.fullGradNorm(ws, pre, h, r, omega, lamH, in.Bias != instance.BiasNone)
	res.Predictions = pred
	res.B = b
	res.WW = new(bigmat.Dense).MulTrans(ws[len(ws)-1], ws[len(ws)-1])
	res.Prec = prec
	d := in.D
	if d*m <= MaxDenseEntries {
		hf := bigmat.New(d, m, prec)
		for i := 0; i < dp.widths[0]; i++ {
			for j := 0; j < m; j++ {
				hf.Set(i, j, h.At(i, j))
			}
		}
		res.H = hf
	}
	if m <= MaxGramSamples {
		res.hp = h
	}
	res.Residual = r
	dp.setScales(g, h, r, ytilde, mu, res)
	res.Deep = &DeepResult{K: dp.K, Widths: dp.widths, Layers: ws}
	res.Deep.ModeValues = modeValues(z)
	// Scale of ZZᵀ: ‖Ỹ‖² = M·n·σ0 (tr of ỸỸᵀ), not tr(ZZᵀ), which is itself
	// rounding noise when every mode is off.
	energy := newF().SetRat(new(big.Rat).Mul(dp.sigma0, big.NewRat(int64(n*m), 1)))
	res.Deep.Rank = gramRank(new(bigmat.Dense).MulTrans(z, z), energy, res.Digits)
	return nil
}

// setScales sets the scales of the deep result's accuracy (doc.go "Scale
// of DigitsReached"; Result.WWScale, PredictionsScale, FeatureGramScale,
// ResidualScale). Stage 2 makes the scaled layers V_l (W_l =
// √(E/λ_l)·V_l, entries of order one where a mode is on) right to about
// 10^-digits absolutely, so each output's error is measured against the
// size it has when V is of order one, or its own norm when larger:
//   - W Wᵀ: max(‖W Wᵀ‖_F, E/λ_{K−1});
//   - HᵀH: max(‖H‖²_F, M·E/λ_H) (at a stationary point λ_H HHᵀ/M =
//     λ_1 W_1ᵀW_1);
//   - predictions: max(‖P‖_F, ‖Ỹ‖_F);
//   - the residual R = −μ(PPᵀ + μI)⁻¹Ỹ moves by −(PPᵀ + μI)⁻¹δ(PPᵀ)R to
//     first order, so its scale is min(predictions' scale,
//     10·‖R‖_F·s_P/(λ_min(PPᵀ) + μ)), with s_P = max(‖PPᵀ‖_F, Π E/λ_l)
//     the scale of δ(PPᵀ)/10^-digits and λ_min bounded below in float64.
//
// Without these every output was measured against its own norm: with all
// modes off (W ≈ 10^-161) that printed rounding noise with every digit
// (QA session 21).
func (dp *deepProblem) setScales(g, h, r, ytilde *bigmat.Dense, mu *big.Float, res *Result) {
	prec := g.Prec()
	newF := func() *big.Float { return new(big.Float).SetPrec(prec) }
	unit := func(l *big.Rat) *big.Float { return newF().Quo(dp.e, newF().SetRat(l)) }
	res.WWScale = maxBig(res.WW.FrobeniusNorm(), unit(dp.lambdas[dp.K-2]))
	hUnit := unit(dp.in.LambdaH)
	hn := sq(h.FrobeniusNorm())
	res.FeatureGramScale = maxBig(hn, hUnit.Mul(hUnit, newF().SetInt64(int64(dp.in.M()))))
	res.PredictionsScale = maxBig(res.Predictions.FrobeniusNorm(), ytilde.FrobeniusNorm())
	pp := new(bigmat.Dense).AddScaledIdentity(g, new(big.Float).Neg(mu)) // PPᵀ, from fill's PPᵀ + μI
	sp := pp.FrobeniusNorm()
	cp := newF().SetInt64(1)
	for _, l := range dp.lambdas {
		cp.Mul(cp, unit(l))
	}
	maxBig(sp, cp)
	den := newF().Add(lambdaMinBelow(pp), mu)
	amp := newF().Quo(sp, den)
	amp.Mul(amp, newF().SetInt64(10))
	amp.Mul(amp, r.FrobeniusNorm())
	res.ResidualScale = newF().Set(res.PredictionsScale)
	if amp.Cmp(res.ResidualScale) < 0 {
		res.ResidualScale = amp
	}
}

// lambdaMinBelow returns a lower bound ≥ 0 of the least eigenvalue of the
// symmetric PSD matrix a: float64 eigenvalues of a/‖a‖_F (each within
// about n·2^-52 of the truth) less 10^-12, times ‖a‖_F, or 0.
func lambdaMinBelow(a *bigmat.Dense) *big.Float {
	n, _ := a.Dims()
	norm := a.FrobeniusNorm()
	out := new(big.Float).SetPrec(a.Prec())
	if norm.Sign() == 0 {
		return out
	}
	s := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v, _ := new(big.Float).Quo(a.At(i, j), norm).Float64()
			s.SetSym(i, j, v)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(s, false) {
		return out
	}
	low := eig.Values(nil)[0] - 1e-12
	if low <= 0 {
		return out
	}
	return out.Mul(norm, new(big.Float).SetFloat64(low))
}

// optimalBias is the bias minimizing L for any weights and the optimal H
// (see fill): the targets' mean with a free bias, 0 without one, rounded
// once from the exact rational.
func (dp *deepProblem) optimalBias(prec uint) []*big.Float {
	in := dp.in
	n, m := dp.n, in.M()
	b := make([]*big.Float, n)
	for k := 0; k < n; k++ {
		sum := new(big.Rat)
		if in.Bias != instance.BiasNone {
			for i := 0; i < m; i++ {
				sum.Add(sum, in.Targets[i][k])
			}
			sum.Quo(sum, big.NewRat(int64(m), 1))
		}
		b[k] = new(big.Float).SetPrec(prec).SetRat(sum)
	}
	return b
}

// gramRank is the numerical rank of the PSD matrix a by Cholesky with
// diagonal pivoting in big floats: the number of pivots above
// 10^-digits·scale (a squared singular value below that is a switched-off
// mode: at a converged solution those are at the rounding level, far
// below the cut, while a mode that is on is of order scale).
func gramRank(a *bigmat.Dense, scale *big.Float, digits int) int {
	n, _ := a.Dims()
	prec := a.Prec()
	w := a.Clone()
	cut := new(big.Float).SetPrec(prec).Set(scale)
	cut.Mul(cut, new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), -int(math.Ceil(float64(digits)*math.Log2(10)))))
	used := make([]bool, n)
	for r := 0; r < n; r++ {
		p := -1
		for i := 0; i < n; i++ {
			if !used[i] && (p < 0 || w.At(i, i).Cmp(w.At(p, p)) > 0) {
				p = i
			}
		}
		if p < 0 || w.At(p, p).Cmp(cut) <= 0 || w.At(p, p).Sign() <= 0 {
			return r
		}
		used[p] = true
		piv := new(big.Float).SetPrec(prec).Set(w.At(p, p))
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if used[i] || used[j] {
					continue
				}
				t := new(big.Float).SetPrec(prec).Mul(w.At(i, p), w.At(p, j))
				t.Quo(t, piv)
				w.At(i, j).Sub(w.At(i, j), t)
			}
		}
	}
	return n
}

func sq(x *big.Float) *big.Float { return x.Mul(x, x) }

// fullGradNorm is ‖∇L‖ over (W_1 … W_{K−1}, H, b) from the definition:
// ∂H = (ω/M)PᵀR + (λ_H/M)H, ∂b = (ω/M)R1, ∂W_l = (ω/M)A_lᵀ R Hᵀ B_lᵀ + λ_l W_l.
func (dp *deepProblem) fullGradNorm(ws, pre []*bigmat.Dense, h, r *bigmat.Dense, omega, lamH *big.Float, withBias bool) *big.Float {
	prec := h.Prec()
	m := h.Dims
	_, cols := m()
	invM := new(big.Float).SetPrec(prec).Quo(omega, new(big.Float).SetPrec(prec).SetInt64(int64(cols)))
	p := pre[len(pre)-1]
	gh := new(bigmat.Dense).TransMul(p, r)
	gh.Scale(invM, gh)
	lh := new(big.Float).SetPrec(prec).Quo(lamH, new(big.Float).SetPrec(prec).SetInt64(int64(cols)))
	gh.Add(gh, new(bigmat.Dense).Scale(lh, h))
	total := sq(gh.FrobeniusNorm())
	if withBias {
		rows, _ := r.Dims()
		for k := 0; k < rows; k++ {
			s := new(big.Float).SetPrec(prec)
			for i := 0; i < cols; i++ {
				s.Add(s, r.At(k, i))
			}
			s.Mul(s, invM)
			total.Add(total, sq(s))
		}
	}
	rh := new(bigmat.Dense).MulTrans(r, h) // n × w_0
	rh.Scale(invM, rh)
	upper := rh
	for l := len(ws) - 1; l >= 0; l-- {
		gl := new(bigmat.Dense).MulTrans(upper, pre[l])
		gl.Add(gl, new(bigmat.Dense).Scale(new(big.Float).SetPrec(prec).SetRat(dp.lambdas[l]), ws[l]))
		total.Add(total, sq(gl.FrobeniusNorm()))
		upper = new(bigmat.Dense).TransMul(ws[l], upper)
	}
	return total.Sqrt(total)
}

// modeValues returns the singular values of Z in float64 (gonum SVD), for
// display: values below about 1e-16 of the largest are rounding noise.
func modeValues(z *bigmat.Dense) []float64 {
	r, c := z.Dims()
	zf := mat.NewDense(r, c, z.Float64s())
	var svd mat.SVD
	if !svd.Factorize(zf, mat.SVDNone) {
		return nil
	}
	return svd.Values(nil)
}

func (dp *deepProblem) basinSentence(d *DeepResult, starts int) string {
	ranks := map[int]int{}
	pruned := 0
	for _, s := range d.Starts {
		ranks[s.Rank]++
		if s.Pruned {
			pruned++
		}
	}
	keys := make([]int, 0, len(ranks))
	for k := range ranks {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	parts := ""
	for i, k := range keys {
		if i > 0 {
			parts += ", "
		}
		parts += fmt.Sprintf("rank %d ×%d", k, ranks[k])
	}
	s := fmt.Sprintf("ended in the basin with %d of %d modes on (Z = W_{K−1}⋯W_1H has rank %d); best of %d random starts and %d pruned restarts, not a certified global minimum; stage-1 minima: %d distinct values (%s)", d.Rank, dp.n, d.Rank, starts-pruned, pruned, d.Distinct, parts)
	if dp.K >= 3 {
		s += "; for K ≥ 3 each switched-off mode is a strict local minimum in its own directions"
	}
	return s
}
