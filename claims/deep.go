package claims

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"

	"github.com/ALTree/bigfloat"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/ratmat"
	"github.com/nrc-ufm/ufm/proofs"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/theory"
	"github.com/nrc-ufm/ufm/verify"
)

// Claims about the deep UFM and the mean data term (docs/theory.md §6).

func deepClaims() []proofs.Claim {
	return []proofs.Claim{
		deepClosedFormClaim(), deepLocalMinimaClaim(), deepRankMonotoneClaim(),
		deepThresholdJumpClaim(), deepMeanScalingClaim(), deepLayerCollapseClaim(), deepNRC3Claim(),
	}
}

// ---- generators ----

// deepFamily draws small deep instances: K ∈ [KMin, KMax], n ∈ {2, 3},
// M ∈ [n+1, 6], integer-over-2 targets, widths n or n+1, λ's from
// {1/4, 1/2, 1, 2}, λ_H rescaled (by powers of 1/8) until at least one mode
// is on (exact).
type deepFamily struct {
	KMin, KMax int
	Mean       bool // draw data_term mean half of the time
	AlwaysMean bool // always data_term mean
	// Full makes n = 3, d and widths ≥ n, and rescales λ_H until all n
	// modes are on (the full regime).
	Full bool
	// Small makes n = 2, M ≤ n + 2 and d = n (≤ 26 unknowns for exact
	// Hessians).
	Small bool
}

func (g deepFamily) draw(rng *rand.Rand, name string) *instance.Instance {
	K := g.KMin + rng.IntN(g.KMax-g.KMin+1)
	n := 2 + rng.IntN(2)
	if g.Full {
		n = 3
	}
	if g.Small {
		n = 2
	}
	m := n + 1 + rng.IntN(6-n)
	if g.Small {
		m = n + 1 + rng.IntN(2)
	}
	targets := make([][]*big.Rat, m)
	for i := range targets {
		targets[i] = make([]*big.Rat, n)
		for k := range targets[i] {
			targets[i][k] = big.NewRat(int64(rng.IntN(13)-6), 2)
		}
	}
	choices := []*big.Rat{big.NewRat(1, 4), big.NewRat(1, 2), big.NewRat(1, 1), big.NewRat(2, 1)}
	in := &instance.Instance{Name: name, Targets: targets, D: n + rng.IntN(2), Bias: instance.BiasFree, Digits: 30, Layers: K - 1}
	if g.Small {
		in.D = n
	}
	if rng.IntN(4) == 0 {
		in.Bias = instance.BiasNone
	}
	if (g.Mean && rng.IntN(2) == 0) || g.AlwaysMean {
		in.DataTerm = instance.DataMean
	}
	for l := 0; l < K-1; l++ {
		in.Lambdas = append(in.Lambdas, new(big.Rat).Set(choices[rng.IntN(len(choices))]))
		if l > 0 {
			in.Widths = append(in.Widths, n+rng.IntN(2))
		}
	}
	in.LambdaW = in.Lambdas[0]
	in.LambdaH = new(big.Rat).Set(choices[rng.IntN(len(choices))])
	if K == 2 {
		in.Lambdas, in.Layers = nil, 1
	}
	for try := 0; try < 40 && deepActive(in) == 0; try++ {
		in.LambdaH.Mul(in.LambdaH, big.NewRat(1, 8))
	}
	for try := 0; g.Full && try < 40 && deepActive(in) < n; try++ {
		in.LambdaH.Mul(in.LambdaH, big.NewRat(1, 8))
	}
	return in
}

// zeroLambdaInstance is a one-layer sum instance with λ_H = 0: outside
// every deep claim's hypotheses (the instance format refuses zero λ's for
// deep and mean instances, so this is the only valid way out).
func zeroLambdaInstance(rng *rand.Rand, name string) *instance.Instance {
	in := deepFamily{KMin: 2, KMax: 2}.draw(rng, name)
	in.LambdaH = new(big.Rat)
	in.DataTerm = instance.DataSum
	return in
}

// deepActive is the exact number of modes with σ_j^{K−1} > τ.
func deepActive(in *instance.Instance) int {
	p, err := theory.Predict(in, 20)
	if err != nil {
		return 0
	}
	if p.Deep == nil {
		return p.Active
	}
	return p.Deep.Above
}

func deepHyps(in *instance.Instance, kMin int) (bool, string) {
	pos := in.LambdaH.Sign() > 0
	for _, l := range in.LayerLambdas() {
		pos = pos && l.Sign() > 0
	}
	return proofs.Hypotheses(
		proofs.Hyp{Violated: in.WeightLayers()+1 < kMin, Why: fmt.Sprintf("K = %d < %d", in.WeightLayers()+1, kMin)},
		proofs.Hyp{Violated: !pos, Why: "a λ is zero"},
		proofs.Hyp{Violated: in.Bias == instance.BiasRegularized, Why: "bias regularized"},
	)
}

// ---- deep closed form ----

func deepClosedFormClaim() proofs.Claim {
	return proofs.Claim{
		Name:   "deep-closed-form",
		Source: "derived (docs/theory.md §6.4)",
		Statement: "For K − 1 ≥ 1 weight layers, all λ > 0 and either data term, the global minimizers have L*, MSE, b*, predictions and the per-layer product Grams " +
			"(W_{K−1}⋯W_l)(W_{K−1}⋯W_l)ᵀ of docs/theory.md §6.4 (mode j on iff σ_j^{K−1} > τ, within the width cap). Checked against the independent deep solver " +
			"(verify): agreement to digits − 5 when the solver ends in a global basin; a solver loss below L* refutes the claim; a solver ending in a non-global basin is inconclusive.",
		Hypotheses: "all λ > 0; bias free or none; K ≥ 2",
		Method:     "theory vs deep solver (verify)",
		Expect:     proofs.Holds, Budget: 200, Trials: 12, Digits: 30,
		Generate: func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
			if opts.Outside {
				return zeroLambdaInstance(rng, "deep-closed-form-outside")
			}
			in := deepFamily{KMin: 2, KMax: 4, Mean: true}.draw(rng, "deep-closed-form")
			if !in.IsDeep() { // K = 2 with sum is the theorem claim's
				in.DataTerm = instance.DataMean
			}
			return in
		},
		InHypotheses: func(in *instance.Instance) (bool, string) { return deepHyps(in, 2) },
		Check:        checkDeepClosedForm,
	}
}

func checkDeepClosedForm(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	if ok, why := deepHyps(in, 2); !ok {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "outside the hypotheses: " + why}
	}
	if !in.IsDeep() {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "a one-layer sum instance: the theorem claim covers it"}
	}
	rep, err := verify.Run(in, cfg.Digits, solverSettings(cfg))
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Error, Reason: "verify failed: " + err.Error()}
	}
	d := rep.Deep
	res, pred := rep.Solver, rep.Prediction
	if d == nil {
		return proofs.Outcome{Verdict: proofs.Error, Reason: "internal error: no deep comparison"}
	}
	if !slices.Contains(d.GlobalModes, d.SolverModes) {
		if verify.BelowMinimum(in, pred, res, cfg.Digits-verify.Margin) {
			return proofs.Outcome{Verdict: proofs.Fails, Reason: fmt.Sprintf("the solver attains L = %s below the closed form's L* = %s by more than its rounding (%s)", bigmat.Text(res.MinLoss, 20), bigmat.Text(pred.MinLoss, 20), bigmat.Text(verify.LossNoise(in, pred, res), 2))}
		}
		below := new(big.Float).Sub(res.MinLoss, pred.MinLoss)
		tol := new(big.Float).Mul(new(big.Float).Abs(pred.MinLoss), pow10Float(-(cfg.Digits-verify.Margin), pred.Prec))
		if new(big.Float).Abs(below).Cmp(tol) <= 0 && res.Converged {
			return proofs.Outcome{Verdict: proofs.Fails, Reason: fmt.Sprintf("the solver attains L* = %s with %d modes on, a mode count the closed form does not list among the global minimizers (%v)", bigmat.Text(res.MinLoss, 20), d.SolverModes, d.GlobalModes)}
		}
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: fmt.Sprintf("the solver ended in a non-global basin (%d modes on; global: %v) with a higher loss: %s", d.SolverModes, d.GlobalModes, d.Basin)}
	}
	worst := pred.Digits + bigmat.GuardDigits
	for _, v := range []*int{rep.Agreement.MinLoss, rep.Agreement.WW, rep.Agreement.Bias, rep.Agreement.Predictions, rep.Agreement.TrainMSE} {
		if v != nil {
			worst = min(worst, *v)
		}
	}
	for _, v := range d.ProductGrams {
		if v != nil {
			worst = min(worst, *v)
		}
	}
	resid := pow10Float(-worst, 64)
	switch {
	case rep.Status == verify.Agree:
		return proofs.Outcome{Verdict: proofs.Holds, Residual: resid, Points: 1, Reason: fmt.Sprintf("K = %d, %s: %s", in.WeightLayers()+1, in.DataTerm, rep.Reason)}
	case !res.Converged:
		return proofs.Outcome{Verdict: proofs.Inconclusive, Residual: resid, Reason: "the solver did not converge: " + rep.Reason}
	}
	return proofs.Outcome{Verdict: proofs.Fails, Residual: resid, Reason: rep.Reason}
}

// ---- exact evaluation of the deep objective ----

// deepPoint is (W_1 … W_{K−1}, H, b) in exact rationals.
type deepPoint struct {
	ws []*ratmat.Matrix
	h  *ratmat.Matrix
	b  []*big.Rat
}

// deepLossExact evaluates L of docs/theory.md §6 exactly from its
// definition (bias none: b is ignored).
func deepLossExact(in *instance.Instance, x deepPoint) *big.Rat {
	n, m := in.N(), in.M()
	z := x.h
	for _, w := range x.ws {
		z = ratmat.Mul(w, z)
	}
	data := new(big.Rat)
	var t big.Rat
	for i, row := range in.Targets {
		for k, y := range row {
			t.Sub(z.At(k, i), y)
			if in.Bias != instance.BiasNone {
				t.Add(&t, x.b[k])
			}
			data.Add(data, new(big.Rat).Mul(&t, &t))
		}
	}
	den := big.NewRat(int64(2*m), 1)
	if in.DataTerm == instance.DataMean {
		den.Mul(den, big.NewRat(int64(n), 1))
	}
	loss := data.Quo(data, den)
	hp := ratmat.Norm2(x.h)
	hp.Mul(hp, in.LambdaH)
	loss.Add(loss, hp.Quo(hp, big.NewRat(int64(2*m), 1)))
	for l, w := range x.ws {
		wp := ratmat.Norm2(w)
		wp.Mul(wp, in.LayerLambdas()[l])
		loss.Add(loss, wp.Quo(wp, big.NewRat(2, 1)))
	}
	return loss
}

// deepShapes returns the layer widths d_0 … d_{K−1} (hidden widths capped
// at n + 1 to keep the exact Hessian small: the claim is about the origin,
// whose Hessian is block diagonal, so the cap changes nothing but its size).
func deepShapes(in *instance.Instance) []int {
	w := in.LayerWidths()
	for i := range w {
		w[i] = min(w[i], in.N()+1)
	}
	return w
}

// flatten/unflatten a deepPoint to a vector of unknowns (W's, H, b).
func deepUnflatten(in *instance.Instance, shapes []int, v []*big.Rat) deepPoint {
	var x deepPoint
	off := 0
	take := func(r, c int) *ratmat.Matrix {
		mt := ratmat.New(r, c)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				mt.Set(i, j, v[off])
				off++
			}
		}
		return mt
	}
	for l := 1; l < len(shapes); l++ {
		x.ws = append(x.ws, take(shapes[l], shapes[l-1]))
	}
	x.h = take(shapes[0], in.M())
	x.b = make([]*big.Rat, in.N())
	for k := range x.b {
		x.b[k] = new(big.Rat)
		if in.Bias != instance.BiasNone {
			x.b[k].Set(v[off])
			off++
		}
	}
	return x
}

func deepUnknowns(in *instance.Instance, shapes []int) int {
	n := shapes[0] * in.M()
	for l := 1; l < len(shapes); l++ {
		n += shapes[l] * shapes[l-1]
	}
	if in.Bias != instance.BiasNone {
		n += in.N()
	}
	return n
}

// interpolator extracts the h¹ and h² coefficients of a polynomial of
// degree ≤ deg from its values at h = 0 … deg: rows 1 and 2 of the inverse
// Vandermonde matrix, computed once exactly.
type interpolator struct {
	deg    int
	r1, r2 []*big.Rat
}

func newInterpolator(deg int) (*interpolator, error) {
	vand := ratmat.New(deg+1, deg+1)
	for i := 0; i <= deg; i++ {
		pw := big.NewRat(1, 1)
		for j := 0; j <= deg; j++ {
			vand.Set(i, j, pw)
			pw = new(big.Rat).Mul(pw, big.NewRat(int64(i), 1))
		}
	}
	inv, err := ratmat.Inverse(vand)
	if err != nil {
		return nil, err
	}
	ip := &interpolator{deg: deg}
	for j := 0; j <= deg; j++ {
		ip.r1 = append(ip.r1, inv.At(1, j))
		ip.r2 = append(ip.r2, inv.At(2, j))
	}
	return ip, nil
}

// coefficients returns the coefficients of h¹ and h² of
// p(h) = L(x0 + hE) exactly.
func (ip *interpolator) coefficients(in *instance.Instance, shapes []int, x0, e []*big.Rat) (c1, c2 *big.Rat) {
	c1, c2 = new(big.Rat), new(big.Rat)
	for i := 0; i <= ip.deg; i++ {
		h := big.NewRat(int64(i), 1)
		v := make([]*big.Rat, len(x0))
		for k := range v {
			v[k] = new(big.Rat).Mul(h, e[k])
			v[k].Add(v[k], x0[k])
		}
		val := deepLossExact(in, deepUnflatten(in, shapes, v))
		c1.Add(c1, new(big.Rat).Mul(ip.r1[i], val))
		c2.Add(c2, new(big.Rat).Mul(ip.r2[i], val))
	}
	return c1, c2
}

// ---- K ≥ 3: non-global local minima ----

func deepLocalMinimaClaim() proofs.Claim {
	return proofs.Claim{
		Name:   "deep-local-minima",
		Source: "derived (docs/theory.md §6.6)",
		Statement: "For K ≥ 3 and all λ > 0 the point W_l = 0, H = 0, b = ȳ is a strict local minimum of L (gradient exactly 0; Hessian positive definite, " +
			"its inertia decided exactly from the exact Hessian, each entry the h² coefficient of L(x0 + hE) interpolated exactly), and it is not global whenever a mode is on: " +
			"a rational rank-one point along the top mode has an exactly smaller loss. So the K = 2 strict-saddle property fails for every K ≥ 3 (for K = 2 the same point is a saddle: the control).",
		Hypotheses: "K ≥ 3, all λ > 0, at least one σ_j^{K−1} > τ; bias free or none",
		Method:     "exact Hessian inertia + exact loss",
		Expect:     proofs.Holds, Budget: 60, Trials: 6, Digits: 30,
		Generate: func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
			if opts.Outside {
				return deepFamily{KMin: 2, KMax: 2}.draw(rng, "deep-local-minima-outside")
			}
			return deepFamily{KMin: 3, KMax: 4, Small: true}.draw(rng, "deep-local-minima")
		},
		InHypotheses: func(in *instance.Instance) (bool, string) {
			ok, why := deepHyps(in, 3)
			if ok && deepActive(in) == 0 {
				return false, "no mode is on (σ_j^{K−1} ≤ τ for all j): the origin is then global"
			}
			return ok, why
		},
		Check: checkDeepLocalMinima,
	}
}

// deepOrigin returns x0 = (0, …, 0, ȳ) as a vector of unknowns.
func deepOrigin(in *instance.Instance, shapes []int) []*big.Rat {
	N := deepUnknowns(in, shapes)
	x0 := make([]*big.Rat, N)
	for i := range x0 {
		x0[i] = new(big.Rat)
	}
	if in.Bias != instance.BiasNone {
		mean := in.Mean()
		for k := range mean {
			x0[N-in.N()+k].Set(mean[k])
		}
	}
	return x0
}

func checkDeepLocalMinima(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	if ok, why := deepHyps(in, 2); !ok {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "outside the hypotheses: " + why}
	}
	shapes := deepShapes(in)
	N := deepUnknowns(in, shapes)
	if N > 60 {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: fmt.Sprintf("%d unknowns: the exact Hessian is limited to 60", N)}
	}
	x0 := deepOrigin(in, shapes)
	ip, err := newInterpolator(2 * (in.WeightLayers() + 1))
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "interpolation failed: " + err.Error()}
	}
	unit := func(i int) []*big.Rat {
		e := make([]*big.Rat, N)
		for k := range e {
			e[k] = new(big.Rat)
		}
		e[i].SetInt64(1)
		return e
	}
	// Q(E) = 2·(h² coefficient) is the Hessian's quadratic form; gradient
	// entries are the h¹ coefficients along unit vectors.
	diag := make([]*big.Rat, N)
	hess := make([][]*big.Rat, N)
	for i := 0; i < N; i++ {
		hess[i] = make([]*big.Rat, N)
		c1, c2 := ip.coefficients(in, shapes, x0, unit(i))
		if c1.Sign() != 0 {
			return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: fmt.Sprintf("the gradient at (0, …, 0, ȳ) is not zero (entry %d = %s)", i, c1.RatString())}
		}
		diag[i] = c2
		hess[i][i] = new(big.Rat).Mul(c2, big.NewRat(2, 1))
	}
	for i := 0; i < N; i++ {
		for j := i + 1; j < N; j++ {
			e := unit(i)
			e[j].SetInt64(1)
			_, c2 := ip.coefficients(in, shapes, x0, e)
			// c2(e_i + e_j) = c2_i + c2_j + H_ij.
			hij := new(big.Rat).Sub(c2, diag[i])
			hij.Sub(hij, diag[j])
			hess[i][j], hess[j][i] = hij, new(big.Rat).Set(hij)
		}
	}
	pos, neg, zero := theory.Inertia(hess)
	K := in.WeightLayers() + 1
	if neg > 0 || zero > 0 {
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Points: N * (N + 1) / 2,
			Reason: fmt.Sprintf("K = %d: the Hessian at (0, …, 0, ȳ) has inertia (%d, %d, %d): not a strict local minimum", K, pos, neg, zero)}
	}
	// Not global: a rational rank-one point along the top mode, built from
	// the closed form's s₊ and rounded, has an exactly smaller loss (the
	// witness is checked exactly, so where it comes from does not matter).
	origin := deepLossExact(in, deepUnflatten(in, shapes, x0))
	lower, err := topModeWitness(in, shapes)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: fmt.Sprintf("the origin is a strict local minimum (inertia (%d, 0, 0), exact); no lower point built: %v", pos, err)}
	}
	lv := deepLossExact(in, lower)
	if lv.Cmp(origin) >= 0 {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Exact: true, Reason: fmt.Sprintf("the origin is a strict local minimum (inertia (%d, 0, 0), exact) but the top-mode witness is not lower (L = %s vs %s)", pos, lv.FloatString(12), origin.FloatString(12))}
	}
	return proofs.Outcome{Verdict: proofs.Holds, Exact: true, Points: N * (N + 1) / 2, Residual: new(big.Float),
		Reason: fmt.Sprintf("K = %d: (0, …, 0, ȳ) is stationary with Hessian inertia (%d, 0, 0) over %d unknowns (exact), L there = %s, and a rational point has L = %s < it (exact): a non-global strict local minimum", K, pos, N, origin.FloatString(10), lv.FloatString(10))}
}

// topModeWitness returns a rational point with the top mode on: Z = s v rᵀ
// (v the top eigenvector of Σ, r = Ỹᵀv/t, s = s₊ of the closed form), in
// balanced rank-one factors H = σ_H e_1 rᵀ, W_l = σ_l e_1 e_1ᵀ,
// W_{K−1} = σ_{K−1} v e_1ᵀ with σ_i² = κ s^{2/K}/a_i, b = ȳ; every number
// is the exact rational value of its 30-digit float.
func topModeWitness(in *instance.Instance, shapes []int) (deepPoint, error) {
	p, err := theory.Predict(in, 30)
	if err != nil {
		return deepPoint{}, err
	}
	if p.Deep == nil || p.Deep.Above == 0 {
		return deepPoint{}, fmt.Errorf("no mode above the threshold")
	}
	md := p.Deep.Modes[0]
	K, n, m := p.Deep.K, in.N(), in.M()
	prec := p.Prec
	rat := func(x *big.Float) *big.Rat { r, _ := x.Rat(nil); return r }
	v := make([]*big.Rat, n)
	for k := range v {
		v[k] = rat(p.Eigenvectors.At(k, 0))
	}
	tRat := rat(md.T)
	yt := in.CenteredTargets()
	r := make([]*big.Rat, m)
	for i := range r {
		r[i] = new(big.Rat)
		for k := 0; k < n; k++ {
			r[i].Add(r[i], new(big.Rat).Mul(yt[k][i], v[k]))
		}
		r[i].Quo(r[i], tRat)
	}
	// σ_i = (κ s^{2/K}/a_i)^{1/2}, a = λ_H/M for H and λ_l for W_l (of the
	// equivalent sum problem: every λ times n for data_term mean).
	u2 := theory.Root(md.SPlus, K)
	u2.Mul(u2, u2)
	base := new(big.Float).SetPrec(prec).Mul(p.Deep.Kappa, u2)
	f := big.NewRat(1, 1)
	if in.DataTerm == instance.DataMean {
		f.SetInt64(int64(n))
	}
	scale := func(a *big.Rat) *big.Rat {
		x := new(big.Float).SetPrec(prec).Quo(base, new(big.Float).SetPrec(prec).SetRat(new(big.Rat).Mul(a, f)))
		return rat(x.Sqrt(x))
	}
	var x deepPoint
	x.h = ratmat.New(shapes[0], m)
	sh := scale(new(big.Rat).Quo(in.LambdaH, big.NewRat(int64(m), 1)))
	for i := 0; i < m; i++ {
		x.h.Set(0, i, new(big.Rat).Mul(sh, r[i]))
	}
	lams := in.LayerLambdas()
	for l := 1; l < len(shapes); l++ {
		w := ratmat.New(shapes[l], shapes[l-1])
		sl := scale(lams[l-1])
		if l == len(shapes)-1 {
			for k := 0; k < n; k++ {
				w.Set(k, 0, new(big.Rat).Mul(sl, v[k]))
			}
		} else {
			w.Set(0, 0, sl)
		}
		x.ws = append(x.ws, w)
	}
	x.b = in.Mean()
	if in.Bias == instance.BiasNone {
		for k := range x.b {
			x.b[k] = new(big.Rat)
		}
	}
	return x, nil
}

// ---- rank monotone in κ ----

func deepRankMonotoneClaim() proofs.Claim {
	return proofs.Claim{
		Name:   "deep-rank-monotone",
		Source: "derived (docs/theory.md §6.3)",
		Statement: "The number of active modes of the deep closed form is nonincreasing in κ: scaling λ_H by 4^k, k = −4 … 4, the exact counts #{σ_j^{K−1} > τ} (inertia of Σ^{K−1} − τI) " +
			"never increase with k, and the solver's rank at each scaling equals the count whenever it ends in a global basin.",
		Hypotheses: "K ≥ 2, all λ > 0, bias free or none",
		Method:     "exact inertia + solver rank",
		Expect:     proofs.Holds, Budget: 60, Trials: 4, Digits: 20,
		Generate:     deepGenerator("deep-rank-monotone", "deep-rank-monotone-outside", deepFamily{KMin: 2, KMax: 4, Mean: true}),
		InHypotheses: func(in *instance.Instance) (bool, string) { return deepHyps(in, 2) },
		Check:        checkDeepRankMonotone,
	}
}

func checkDeepRankMonotone(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	if ok, why := deepHyps(in, 2); !ok {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "outside the hypotheses: " + why}
	}
	prev := -1
	var counts []int
	solverChecked := 0
	for k := -4; k <= 4; k++ {
		c := in.Clone()
		f := new(big.Rat).SetInt64(1)
		for i := 0; i < abs(k); i++ {
			f.Mul(f, big.NewRat(4, 1))
		}
		if k < 0 {
			f.Inv(f)
		}
		c.LambdaH.Mul(c.LambdaH, f)
		p, err := theory.PredictDeep(c, cfg.Digits, -1)
		if err != nil {
			return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
		}
		counts = append(counts, p.Rank)
		if prev >= 0 && p.Rank > prev {
			return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: fmt.Sprintf("the active rank rises from %d to %d as λ_H grows 4×: %v", prev, p.Rank, counts)}
		}
		prev = p.Rank
		if k%2 == 0 {
			res, err := solver.Solve(c, solverSettings(cfg))
			if err == nil && res.Deep != nil && slices.Contains(p.DeepAlternatives(), res.Deep.Rank) {
				solverChecked++
			} else if err == nil && res.Deep != nil && verify.BelowMinimum(c, p, res, cfg.Digits-verify.Margin) {
				return proofs.Outcome{Verdict: proofs.Fails, Reason: fmt.Sprintf("at λ_H·%s the solver has rank %d and a loss below L* by more than its rounding", f.RatString(), res.Deep.Rank)}
			}
		}
	}
	return proofs.Outcome{Verdict: proofs.Holds, Exact: true, Points: len(counts),
		Reason: fmt.Sprintf("exact active ranks for λ_H·4^k, k = −4…4: %v (nonincreasing); the solver's basin matched a global minimizer at %d of 5 scalings", counts, solverChecked)}
}

func abs(k int) int {
	if k < 0 {
		return -k
	}
	return k
}

// ---- the jump at t* ----

func deepThresholdJumpClaim() proofs.Claim {
	return proofs.Claim{
		Name:   "deep-threshold-jump",
		Source: "derived (docs/theory.md §6.3)",
		Statement: "For K ≥ 3, with c chosen so that a rational eigenvalue σ of Σ sits exactly at the threshold (σ^{K−1} = τ): the exact decision finds it there; " +
			"s = t(K−2)/(K−1) (t = √(Mσ)) is stationary for g and g(s) = g(0) (to the working digits, g evaluated from its definition); and moving c by a factor (1 ∓ 10^-6) " +
			"switches the mode on/off exactly, its singular value jumping from 0 to at least max((1 − 10^-3)·t(K−2)/(K−1), 10^-3·t) > 0: the threshold is discontinuous (for K = 2 the jump is 0: the control).",
		Hypotheses: "K ≥ 3, all λ > 0",
		Method:     "exact inertia + high-precision g",
		Expect:     proofs.Holds, Budget: 100, Trials: 10, Digits: 40,
		Generate: func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
			k := 3 + rng.IntN(2)
			if opts.Outside {
				k = 2
			}
			return thresholdInstance(rng, k)
		},
		InHypotheses: func(in *instance.Instance) (bool, string) { return deepHyps(in, 3) },
		Check:        checkDeepThresholdJump,
	}
}

// thresholdInstance builds targets with Σ = Q diag(σ_1, σ_2, σ_3) Qᵀ (rational
// eigenvalues, Q a rational rotation) and λ's with σ_2 exactly at the
// threshold: c = σ_2^{K−1} (K−2)^{K−2}/(K−1)^{2K−2}.
func thresholdInstance(rng *rand.Rand, K int) *instance.Instance {
	a := []*big.Rat{big.NewRat(int64(3+rng.IntN(4)), 1), big.NewRat(int64(1+rng.IntN(2)), 1), big.NewRat(1, int64(2+rng.IntN(3)))}
	// 4 samples (±a, ±b, ±c) with Σ = diag(a², b², c²), rotated.
	signs := [][3]int64{{1, 1, 1}, {1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}}
	q := pythagoreanRotation(rng)
	targets := make([][]*big.Rat, 4)
	for i, s := range signs {
		raw := []*big.Rat{new(big.Rat).Mul(a[0], big.NewRat(s[0], 1)), new(big.Rat).Mul(a[1], big.NewRat(s[1], 1)), new(big.Rat).Mul(a[2], big.NewRat(s[2], 1))}
		targets[i] = make([]*big.Rat, 3)
		for r := 0; r < 3; r++ {
			v := new(big.Rat)
			for c := 0; c < 3; c++ {
				v.Add(v, new(big.Rat).Mul(q[r][c], raw[c]))
			}
			targets[i][r] = v.Add(v, big.NewRat(int64(r), 3))
		}
	}
	sigma2 := new(big.Rat).Mul(a[1], a[1])
	c := new(big.Rat).SetInt64(1)
	for i := 0; i < K-1; i++ {
		c.Mul(c, sigma2)
	}
	c.Quo(c, theory.Tau(K, big.NewRat(1, 1)))
	in := &instance.Instance{Name: fmt.Sprintf("deep-threshold-k%d", K), Targets: targets, D: 3, Bias: instance.BiasFree, Digits: 40, Layers: K - 1}
	lh := new(big.Rat).Set(c)
	for l := 0; l < K-1; l++ {
		lam := big.NewRat(int64(1+rng.IntN(3)), int64(1+rng.IntN(3)))
		in.Lambdas = append(in.Lambdas, lam)
		lh.Quo(lh, lam)
		if l > 0 {
			in.Widths = append(in.Widths, 3)
		}
	}
	in.LambdaH, in.LambdaW = lh, in.Lambdas[0]
	if K == 2 {
		in.Lambdas = nil
	}
	return in
}

// pythagoreanRotation is a random product of two rational plane rotations.
func pythagoreanRotation(rng *rand.Rand) [3][3]*big.Rat {
	triples := [][3]int64{{3, 4, 5}, {5, 12, 13}, {8, 15, 17}, {7, 24, 25}}
	t1, t2 := triples[rng.IntN(4)], triples[rng.IntN(4)]
	r1 := [3][3]*big.Rat{{big.NewRat(t1[0], t1[2]), big.NewRat(-t1[1], t1[2]), new(big.Rat)}, {big.NewRat(t1[1], t1[2]), big.NewRat(t1[0], t1[2]), new(big.Rat)}, {new(big.Rat), new(big.Rat), big.NewRat(1, 1)}}
	r2 := [3][3]*big.Rat{{big.NewRat(1, 1), new(big.Rat), new(big.Rat)}, {new(big.Rat), big.NewRat(t2[0], t2[2]), big.NewRat(-t2[1], t2[2])}, {new(big.Rat), big.NewRat(t2[1], t2[2]), big.NewRat(t2[0], t2[2])}}
	var q [3][3]*big.Rat
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			q[i][j] = new(big.Rat)
			for k := 0; k < 3; k++ {
				q[i][j].Add(q[i][j], new(big.Rat).Mul(r1[i][k], r2[k][j]))
			}
		}
	}
	return q
}

func checkDeepThresholdJump(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	if ok, why := deepHyps(in, 2); !ok {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "outside the hypotheses: " + why}
	}
	p, err := theory.PredictDeep(in, cfg.Digits, -1)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
	}
	dp := p.Deep
	if dp.AtThresh != 1 {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Exact: true, Reason: fmt.Sprintf("%d eigenvalues sit exactly at the threshold (the generator puts one there)", dp.AtThresh)}
	}
	j := dp.Above // the mode at the threshold
	K, prec := dp.K, p.Prec
	m := new(big.Float).SetPrec(prec).SetInt64(int64(p.M))
	t := dp.Modes[j].T
	s := new(big.Float).SetPrec(prec).Mul(t, new(big.Float).SetInt64(int64(K-2)))
	s.Quo(s, new(big.Float).SetInt64(int64(K-1)))
	// g and g' from the definitions, with s^{2/K} = exp((2/K) log s).
	g0 := gDeep(0, K, nil, t, dp.Kappa, m)
	gs := gDeep(0, K, s, t, dp.Kappa, m)
	dgs := gDeep(1, K, s, t, dp.Kappa, m)
	gap := relative(new(big.Float).Sub(gs, g0), g0)
	gap.Abs(gap)
	stat := relative(dgs, new(big.Float).Quo(t, m))
	stat.Abs(stat)
	tol := pow10Float(-(cfg.Digits - 5), prec)
	resid := gap
	if stat.Cmp(resid) > 0 {
		resid = stat
	}
	if resid.Cmp(tol) > 0 {
		return proofs.Outcome{Verdict: proofs.Fails, Residual: resid, Reason: fmt.Sprintf("at the exact threshold, |g(s) − g(0)|/g(0) = %s and |g'(s)|·M/t = %s with s = t(K−2)/(K−1)", sci(gap), sci(stat))}
	}
	// Perturb c: λ_H·(1 − 10^-6) switches the mode on, ·(1 + 10^-6) off.
	on, off := in.Clone(), in.Clone()
	on.LambdaH.Mul(on.LambdaH, big.NewRat(999999, 1000000))
	off.LambdaH.Mul(off.LambdaH, big.NewRat(1000001, 1000000))
	pOn, err1 := theory.PredictDeep(on, cfg.Digits, -1)
	pOff, err2 := theory.PredictDeep(off, cfg.Digits, -1)
	if err1 != nil || err2 != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: fmt.Sprintf("perturbed predictions failed: %v %v", err1, err2)}
	}
	if pOn.Rank != p.Rank+1 || pOff.Rank != p.Rank {
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: fmt.Sprintf("perturbing c by 10^-6 gives ranks %d (below) and %d (above), not %d and %d", pOn.Rank, pOff.Rank, p.Rank+1, p.Rank)}
	}
	// A continuous branch moves by O(10^-6·t) under a 10^-6 change of c; a
	// jump is at least 10^-3·t and at least 0.999·t(K−2)/(K−1).
	jump := pOn.Deep.Modes[j].S
	floor := new(big.Float).Mul(s, big.NewFloat(0.999))
	if minJump := new(big.Float).Mul(t, big.NewFloat(1e-3)); floor.Cmp(minJump) < 0 {
		floor = minJump
	}
	if jump.Cmp(floor) < 0 {
		return proofs.Outcome{Verdict: proofs.Fails, Residual: resid, Reason: fmt.Sprintf("just below the threshold the mode's singular value is %s, not ≥ max(0.999·t(K−2)/(K−1), 10^-3·t) = %s: no jump", bigmat.Text(jump, 12), bigmat.Text(floor, 12))}
	}
	return proofs.Outcome{Verdict: proofs.Holds, Residual: resid, Points: 3,
		Reason: fmt.Sprintf("K = %d: σ_%d exactly at the threshold (exact); g(s) = g(0) and g'(s) = 0 to %s at s = t(K−2)/(K−1); c·(1∓10^-6) gives %d and %d modes on (exact), the mode jumping from 0 to %s", K, j+1, sci(resid), pOn.Rank, pOff.Rank, bigmat.Text(jump, 10))}
}

// gDeep returns g(s) = (s − t)²/(2M) + (K/2)κ s^{2/K} (order 0) or
// g'(s) = (s − t)/M + κ s^{2/K − 1} (order 1), with fractional powers as
// exp(q log s) (bigfloat), independently of theory's Newton solution.
func gDeep(order, K int, s, t, kappa, m *big.Float) *big.Float {
	prec := t.Prec()
	if s == nil {
		s = new(big.Float).SetPrec(prec)
	}
	d := new(big.Float).SetPrec(prec).Sub(s, t)
	if order == 1 {
		d.Quo(d, m)
		q := new(big.Float).SetPrec(prec).SetRat(big.NewRat(int64(2-K), int64(K)))
		return d.Add(d, new(big.Float).SetPrec(prec).Mul(kappa, powReal(s, q)))
	}
	d.Mul(d, d)
	d.Quo(d, new(big.Float).SetPrec(prec).Mul(m, big.NewFloat(2)))
	if s.Sign() == 0 {
		return d
	}
	q := new(big.Float).SetPrec(prec).SetRat(big.NewRat(2, int64(K)))
	pen := powReal(s, q)
	pen.Mul(pen, kappa)
	pen.Mul(pen, new(big.Float).SetPrec(prec).SetRat(big.NewRat(int64(K), 2)))
	return d.Add(d, pen)
}

// ---- mean = sum with scaled λ's ----

func deepMeanScalingClaim() proofs.Claim {
	return proofs.Claim{
		Name:   "deep-mean-scaling",
		Source: "derived (docs/theory.md §6.5; issue: public NRC code uses mse_loss with mean reduction)",
		Statement: "n·L_mean(x; λ_H, λ_1, …) = L_sum(x; nλ_H, nλ_1, …) exactly at random rational points x (so the minimizers coincide and L*_mean = L*_sum(nλ)/n); " +
			"the exact thresholds satisfy τ_mean = n^K τ(c) (c → n^K c; n²c for K = 2); and the closed forms agree: L*_mean from the deep code path equals L*_sum(nλ)/n " +
			"from Predict (for K = 2 the one-layer code, a different path) to the working digits, with identical exact active counts.",
		Hypotheses: "all λ > 0, bias free or none, K ≥ 2",
		Method:     "exact identity + theory paths",
		Expect:     proofs.Holds, Budget: 400, Trials: 20, Digits: 40,
		Generate:     deepGenerator("deep-mean-scaling", "deep-mean-scaling-outside", deepFamily{KMin: 2, KMax: 4, AlwaysMean: true}),
		InHypotheses: func(in *instance.Instance) (bool, string) { return deepHyps(in, 2) },
		Check:        checkDeepMeanScaling,
	}
}

func checkDeepMeanScaling(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	if ok, why := deepHyps(in, 2); !ok {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "outside the hypotheses: " + why}
	}
	mean := in.Clone()
	mean.DataTerm = instance.DataMean
	n := big.NewRat(int64(in.N()), 1)
	sum := in.Clone()
	sum.DataTerm = instance.DataSum
	sum.LambdaH.Mul(sum.LambdaH, n)
	if sum.Lambdas != nil {
		for _, l := range sum.Lambdas {
			l.Mul(l, n)
		}
		sum.LambdaW = sum.Lambdas[0]
	} else {
		sum.LambdaW.Mul(sum.LambdaW, n)
	}
	// Exact identity at random rational points.
	rng := cfg.Rand()
	shapes := deepShapes(in)
	N := deepUnknowns(in, shapes)
	for pt := 0; pt < cfg.Points; pt++ {
		v := make([]*big.Rat, N)
		for i := range v {
			v[i] = big.NewRat(int64(rng.IntN(2001)-1000), int64(1+rng.IntN(97)))
		}
		x := deepUnflatten(in, shapes, v)
		lm := deepLossExact(mean, x)
		lm.Mul(lm, n)
		if ls := deepLossExact(sum, x); lm.Cmp(ls) != 0 {
			return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: fmt.Sprintf("n·L_mean = %s ≠ L_sum(nλ) = %s at a random point", lm.FloatString(10), ls.FloatString(10))}
		}
	}
	K := in.WeightLayers() + 1
	nk := new(big.Rat).SetInt64(1)
	for i := 0; i < K; i++ {
		nk.Mul(nk, n)
	}
	pm, err := theory.Predict(mean, cfg.Digits)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
	}
	ps, err := theory.Predict(sum, cfg.Digits)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
	}
	wantTau := theory.Tau(K, new(big.Rat).Mul(nk, in.DeepC()))
	if pm.Deep.Tau.Cmp(wantTau) != 0 {
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: fmt.Sprintf("τ_mean = %s, not n^K τ(c) = %s", pm.Deep.Tau.RatString(), wantTau.RatString())}
	}
	if pm.Rank != ps.Rank || pm.Active != ps.Active {
		return proofs.Outcome{Verdict: proofs.Fails, Exact: true, Reason: fmt.Sprintf("active counts differ: mean %d/%d, scaled sum %d/%d", pm.Rank, pm.Active, ps.Rank, ps.Active)}
	}
	want := new(big.Float).SetPrec(ps.Prec).Quo(ps.MinLoss, new(big.Float).SetPrec(ps.Prec).SetRat(n))
	resid := relative(new(big.Float).Sub(pm.MinLoss, want), want)
	resid.Abs(resid)
	if resid.Cmp(pow10Float(-(cfg.Digits-2), ps.Prec)) > 0 {
		return proofs.Outcome{Verdict: proofs.Fails, Residual: resid, Reason: fmt.Sprintf("L*_mean = %s but L*_sum(nλ)/n = %s", bigmat.Text(pm.MinLoss, 20), bigmat.Text(want, 20))}
	}
	return proofs.Outcome{Verdict: proofs.Holds, Residual: resid, Points: cfg.Points, Exact: false,
		Reason: fmt.Sprintf("K = %d, n = %d: n·L_mean = L_sum(nλ) exactly at %d random rational points; τ_mean = n^K τ(c) exactly; L*_mean = L*_sum(nλ)/n to %s with %d modes on in both", K, in.N(), cfg.Points, sci(resid), pm.Rank)}
}

// powReal returns s^q = exp(q·log s) for s > 0 at s's precision (32 guard
// bits), by ALTree/bigfloat.
func powReal(s, q *big.Float) *big.Float {
	prec := s.Prec()
	switch {
	case q.Sign() == 0:
		return new(big.Float).SetPrec(prec).SetInt64(1)
	case s.Sign() == 0 && q.Sign() > 0:
		return new(big.Float).SetPrec(prec)
	case s.Sign() == 0:
		return new(big.Float).SetPrec(prec).SetInf(false)
	}
	ws := new(big.Float).SetPrec(prec + 32).Set(s)
	l := bigfloat.Log(ws)
	l.Mul(l, q)
	return new(big.Float).SetPrec(prec).Set(bigfloat.Exp(l))
}

// deepGenerator draws from fam, or with GenOptions.Outside a zero-λ
// instance (outside every deep claim's hypotheses); name and outsideName
// label the instances.
func deepGenerator(name, outsideName string, fam deepFamily) func(*rand.Rand, proofs.GenOptions) *instance.Instance {
	return func(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
		if opts.Outside {
			return zeroLambdaInstance(rng, outsideName)
		}
		return fam.draw(rng, name)
	}
}
