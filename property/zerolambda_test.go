package property

import (
	"math/big"
	"sort"
	"testing"

	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/metrics"
)

// λ_H = λ_W = 0 with d > n (docs/theory.md §3, zero regularization): every
// (W, H, b) with W H + b1ᵀ = Y minimizes L (L* = 0), and features may keep
// components outside the row space of W, so collapse is not implied.

// zeroCfg: n ≤ 3, d = n + 1 or n + 2, 2 ≤ M ≤ 8, λ = 0.
var zeroCfg = Config{
	N: [2]int{1, 3}, D: [2]int{1, 2}, DAboveN: true, M: [2]int{2, 8},
	Num: 9, Den: 9, ZeroLambda: true, BiasNone: true, Digits: 30,
}

// nullBasis returns a d×(d−rank) matrix whose columns span the null space
// of w, exactly (from the reduced row echelon form).
func nullBasis(w mat) mat {
	e, r := w.echelon()
	d := w.cols()
	pivot := make([]int, 0, r) // pivot column of each nonzero row
	isPivot := make([]bool, d)
	for i := 0; i < r; i++ {
		for j := 0; j < d; j++ {
			if e[i][j].Sign() != 0 {
				pivot = append(pivot, j)
				isPivot[j] = true
				break
			}
		}
	}
	var free []int
	for j := 0; j < d; j++ {
		if !isPivot[j] {
			free = append(free, j)
		}
	}
	nb := newMat(d, len(free))
	for k, fj := range free {
		nb[fj][k].SetInt64(1)
		for i, pj := range pivot {
			nb[pj][k].Neg(e[i][fj])
		}
	}
	return nb
}

// fullRowRank returns the n×d matrix from the draws v (entries in [−3, 3],
// row-major with stride maxD); if it is rank deficient, 10·I is added to
// its left n×n block, which is then strictly diagonally dominant (row sums
// of |entries| ≤ 9 < 10), hence invertible.
func fullRowRank(n, d, maxD int, v []int) mat {
	w := newMat(n, d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			w[i][j].SetInt64(int64(v[i*maxD+j]))
		}
	}
	if w.rank() < n {
		for i := 0; i < n; i++ {
			w[i][i].Add(w[i][i], big.NewRat(10, 1))
		}
	}
	return w
}

// centerCols returns a − (row means)1ᵀ exactly.
func centerCols(a mat) mat {
	out := newMat(a.rows(), a.cols())
	m := big.NewRat(int64(a.cols()), 1)
	for i := range a {
		mean := new(big.Rat)
		for _, v := range a[i] {
			mean.Add(mean, v)
		}
		mean.Quo(mean, m)
		for j, v := range a[i] {
			out[i][j].Sub(v, mean)
		}
	}
	return out
}

func colNorm2(a mat, j int) *big.Rat {
	s := new(big.Rat)
	var t big.Rat
	for i := range a {
		t.Mul(a[i][j], a[i][j])
		s.Add(s, &t)
	}
	return s
}

// ceilSqrt returns the least integer t ≥ 1 with t² ≥ r.
func ceilSqrt(r *big.Rat) *big.Int {
	q := new(big.Int).Quo(r.Num(), r.Denom())
	q.Add(q, big.NewInt(1)) // ≥ r
	t := new(big.Int).Sqrt(q)
	for new(big.Int).Mul(t, t).Cmp(q) < 0 {
		t.Add(t, big.NewInt(1))
	}
	if t.Sign() == 0 {
		t.SetInt64(1)
	}
	return t
}

// zeroMinimizer is the exact construction of docs/theory.md §3 for λ = 0, d > n.
type zeroMinimizer struct {
	w, h mat
	b    []*big.Rat
	p    mat // W⁺W, the projector onto the row space of W
}

// constructZero builds W (full row rank), W⁺ = Wᵀ(WWᵀ)⁻¹, a null-space
// basis N of W and Z = t·N·G, and returns H = W⁺Ỹ + (I − W⁺W)Z and
// b = ȳ (0 for bias none), with Ỹ the targets the features fit. G is
// made non-constant across samples and the integer t is the least with
// t²·min ‖N g̃_i‖² ≥ max ‖W⁺ỹ_c,i‖² (g̃, ỹ_c centered over samples), so
// that every centered feature with a component outside the row space has
// at least half of its squared norm there.
func constructZero(in *instance.Instance, wv, gv []int, maxD, stride int) *zeroMinimizer {
	n, d, m := in.N(), in.D, in.M()
	w := fullRowRank(n, d, maxD, wv)
	wwt, ok := w.mul(w.t()).inverse()
	if !ok {
		panic("property: W Wᵀ singular for a full-row-rank W")
	}
	pinv := w.t().mul(wwt)
	nb := nullBasis(w)
	g := newMat(d-n, m)
	for i := range g {
		for j := range g[i] {
			g[i][j].SetInt64(int64(gv[i*stride+j]))
		}
	}
	if centerCols(g).frob2().Sign() == 0 {
		g[0][0].Add(g[0][0], big.NewRat(1, 1))
	}
	yt := mat(in.CenteredTargets())
	row := pinv.mul(centerCols(targetsMat(in)))
	null := nb.mul(centerCols(g))
	maxRow, minNull := new(big.Rat), (*big.Rat)(nil)
	for j := 0; j < m; j++ {
		if r := colNorm2(row, j); r.Cmp(maxRow) > 0 {
			maxRow = r
		}
		if r := colNorm2(null, j); r.Sign() > 0 && (minNull == nil || r.Cmp(minNull) < 0) {
			minNull = r
		}
	}
	t := new(big.Rat).SetInt(ceilSqrt(new(big.Rat).Quo(maxRow, minNull)))
	z := nb.mul(g).scale(t)
	p := pinv.mul(w)
	h := pinv.mul(yt).add(ident(d).sub(p).mul(z))
	b := make([]*big.Rat, n)
	mean := in.Mean()
	for k := range b {
		b[k] = new(big.Rat)
		if in.Bias != instance.BiasNone {
			b[k].Set(mean[k])
		}
	}
	return &zeroMinimizer{w: w, h: h, b: b, p: p}
}

// exactNRC2 is NRC2 of docs/theory.md §4 (centered features) in rationals: each
// term ‖(I − P)h̃_i‖²/‖h̃_i‖² is a ratio of rationals, P = W⁺W rational.
func exactNRC2(z *zeroMinimizer) *big.Rat {
	ht := centerCols(z.h)
	d, m := ht.rows(), ht.cols()
	out := ident(d).sub(z.p).mul(ht)
	s := new(big.Rat)
	for j := 0; j < m; j++ {
		den := colNorm2(ht, j)
		if den.Sign() == 0 {
			continue
		}
		s.Add(s, new(big.Rat).Quo(colNorm2(out, j), den))
	}
	return s.Quo(s, big.NewRat(int64(m), 1))
}

// TestPropertyZeroLambdaNonCollapsed: λ = 0, d > n. The constructed
// (W, H, b) has L = 0 exactly (it is a global minimizer), NRC2 ≥ 1/M
// exactly (bounded away from 0: at least two samples have half of their
// centered feature outside the row space of W), metrics.ComputeBig agrees
// with the exact NRC2, and NRC1 > 0 exactly when the centered features
// span more than n dimensions (NRC1 ≈ 0 otherwise).
func TestPropertyZeroLambdaNonCollapsed(t *testing.T) {
	cfg := zeroCfg
	maxN, maxD, maxExtra := cfg.N[1], cfg.N[1]+cfg.D[1], cfg.D[1]
	minNRC2 := big.NewRat(1, 1)
	check(t, "λ = 0, d > n: exact minimizers with L = 0 and NRC2 ≥ 1/M exist", defaultTrials, prop.ForAll(
		func(c *Case, wv, gv []int) string {
			in := c.In
			z := constructZero(in, wv, gv, maxD, cfg.M[1])
			var f failures
			if l := objective(in, z.w, z.h, z.b); l.Sign() != 0 {
				f.addf("L = %s ≠ 0 at the constructed minimizer", l.RatString())
			}
			nrc2 := exactNRC2(z)
			if nrc2.Cmp(big.NewRat(1, int64(in.M()))) < 0 {
				f.addf("exact NRC2 = %s < 1/M", nrc2.RatString())
			}
			if nrc2.Cmp(minNRC2) < 0 {
				minNRC2 = nrc2
			}
			prec := bigmat.Bits(in.Digits)
			// Centered NRCs (the default of docs/theory.md §4), as exactNRC2.
			res, err := nrcWith(in, z.w.toDense(prec), z.h.toDense(prec), in.Digits, metrics.Options{})
			if err != nil {
				f.addf("metrics: %v", err)
				return f.String()
			}
			dg := in.Digits - margin
			tol := pow10(-dg, prec)
			exact := ratF(nrc2, prec)
			if res.NRC2 == nil || !within(res.NRC2, exact, big.NewFloat(1), dg) {
				f.addf("metrics NRC2 %v vs exact %s", res.NRC2, nrc2.RatString())
			}
			spread := centerCols(z.h).rank() // dim of the centered features' span
			switch {
			case res.NRC1 == nil:
				f.addf("metrics NRC1 undefined (%v)", res.Notes)
			case spread > in.N() && res.NRC1.Cmp(tol) <= 0:
				f.addf("features span %d > n = %d dimensions but metrics NRC1 = %s", spread, in.N(), bigmat.Text(res.NRC1, 6))
			case spread <= in.N() && res.NRC1.Cmp(tol) > 0:
				f.addf("features span %d ≤ n = %d dimensions but metrics NRC1 = %s", spread, in.N(), bigmat.Text(res.NRC1, 6))
			}
			return f.String()
		},
		Instances(cfg), gen.SliceOfN(maxN*maxD, gen.IntRange(-3, 3)), gen.SliceOfN(maxExtra*cfg.M[1], gen.IntRange(-3, 3)),
	))
	t.Logf("smallest exact NRC2 of a constructed minimizer: %s ≈ %.4g", minNRC2.RatString(), ratFloat(minNRC2))
}

func ratFloat(r *big.Rat) float64 {
	f, _ := r.Float64()
	return f
}

// TestPropertyZeroLambdaSolver reports what the solver finds at λ = 0
// (d > n ≥ rank Ỹ, so L* = 0) from random seeds: the property asserts
// only that its loss is 0 to the working precision and that it says it
// converged; the NRC values of its points are logged.
func TestPropertyZeroLambdaSolver(t *testing.T) {
	cfg := zeroCfg
	var nrc1, nrc2, nrc3 []float64
	collapsed := 0
	check(t, "λ = 0, d > n: the solver reaches L = 0 from random starts", solverTrials, prop.ForAll(
		func(c *Case, s int64) string {
			in := c.In
			res, err := solve(in, s)
			if err != nil {
				return "solver: " + err.Error()
			}
			var f failures
			p := predict(in)
			sc := scalesOf(in, p)
			zero := new(big.Float)
			dg := in.Digits - margin
			if !within(res.MinLoss, zero, sc.loss, dg) {
				f.addf("loss %s, want 0 (L* = 0 since d ≥ rank Ỹ)", bigmat.Text(res.MinLoss, 6))
			}
			if !res.Converged {
				f.addf("solver did not converge (stop %s)", res.Stop)
			}
			m, err := nrcOf(in, res.W, res.H, in.Digits)
			if err != nil {
				f.addf("metrics: %v", err)
				return f.String()
			}
			if m.FeaturesCollapsed {
				collapsed++
			}
			if v, ok := bigFloat64(m.NRC1); ok {
				nrc1 = append(nrc1, v)
			}
			if v, ok := bigFloat64(m.NRC2); ok {
				nrc2 = append(nrc2, v)
			}
			if v, ok := bigFloat64(m.NRC3); ok {
				nrc3 = append(nrc3, v)
			}
			return f.String()
		},
		Instances(cfg), gen.Int64Range(1, 1<<40),
	))
	t.Logf("solver at λ = 0 (d > n), %d points: NRC1 %s; NRC2 %s; NRC3 (min over γ) %s; features collapsed to a point: %d",
		len(nrc1), summary(nrc1), summary(nrc2), summary(nrc3), collapsed)
}

func bigFloat64(x *big.Float) (float64, bool) {
	if x == nil {
		return 0, false
	}
	v, _ := x.Float64()
	return v, true
}

// summary is "min … median … max" of v.
func summary(v []float64) string {
	if len(v) == 0 {
		return "none"
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return "min " + fmtG(s[0]) + ", median " + fmtG(s[len(s)/2]) + ", max " + fmtG(s[len(s)-1])
}

func fmtG(x float64) string { return big.NewFloat(x).Text('g', 3) }
