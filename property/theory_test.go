package property

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/theory"
)

// Properties of the closed form and of the objective that need no solver:
// exact where the statement is exact (L under W → WQ, Σ under rotation,
// ranks and regimes), to the working precision less margin digits where
// theory.Predict rounds (eigenvalues, square roots).

// scales are the natural sizes of the closed form's quantities, used as
// floors in relative comparisons (as verify): tr Σ/2 for losses,
// √(λ_H/λ_W)·√(tr Σ) for W Wᵀ, √(tr Σ) for the bias, √(M·tr Σ) for
// predictions. When Σ = 0 (constant targets) there is no scale in the
// data; tr Σ is then replaced by n, the solver's convention (σ0 = 1), so
// that a loss of 10^-100 still counts as 0.
type scales struct{ loss, ww, bias, pred *big.Float }

func scalesOf(in *instance.Instance, p *theory.Prediction) scales {
	prec := p.Prec
	tr := new(big.Float).SetPrec(prec).SetRat(p.TraceSigma)
	if tr.Sign() == 0 {
		tr.SetInt64(int64(p.N))
	}
	s := scales{
		loss: new(big.Float).SetPrec(prec).Quo(tr, big.NewFloat(2)),
		bias: new(big.Float).SetPrec(prec).Sqrt(tr),
		pred: new(big.Float).SetPrec(prec).Mul(tr, new(big.Float).SetInt64(int64(p.M))),
	}
	s.pred.Sqrt(s.pred)
	s.ww = new(big.Float).SetPrec(prec).Sqrt(tr)
	if in.LambdaW.Sign() > 0 && in.LambdaH.Sign() > 0 {
		r := new(big.Float).SetPrec(prec).SetRat(new(big.Rat).Quo(in.LambdaH, in.LambdaW))
		s.ww.Mul(s.ww, r.Sqrt(r))
	}
	return s
}

func predict(in *instance.Instance) *theory.Prediction {
	p, err := theory.Predict(in, in.Digits)
	if err != nil {
		panic(err) // the generators make only bias modes with a closed form
	}
	return p
}

// sameExact compares the exactly decided parts of two predictions.
func sameExact(f *failures, a, b *theory.Prediction) {
	if a.Regime != b.Regime || a.Active != b.Active || a.Rank != b.Rank || a.TargetRank != b.TargetRank {
		f.addf("regime/active/rank/target rank %s/%d/%d/%d became %s/%d/%d/%d",
			a.Regime, a.Active, a.Rank, a.TargetRank, b.Regime, b.Active, b.Rank, b.TargetRank)
	}
}

// permutation builds a permutation of m from swap draws v (Fisher–Yates:
// position i swaps with i + v[i] mod (m − i)); draws of 0 give the
// identity, so shrinking moves toward it.
func permutation(m int, v []int) []int {
	p := make([]int, m)
	for i := range p {
		p[i] = i
	}
	for i := 0; i < m; i++ {
		j := i + v[i]%(m-i)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

func permuted(in *instance.Instance, p []int) *instance.Instance {
	out, src := in.Clone(), in.Clone()
	for i, j := range p {
		out.Targets[i] = src.Targets[j]
	}
	return out
}

// permuteCols returns the matrix whose column i is column p[i] of a.
func permuteCols(a *bigmat.Dense, p []int) *bigmat.Dense {
	r, c := a.Dims()
	out := bigmat.New(r, c, a.Prec())
	for i, j := range p {
		for k := 0; k < r; k++ {
			out.Set(k, i, a.At(k, j))
		}
	}
	return out
}

// TestPropertyPermutation: permuting the samples leaves Σ, A*, L*, the
// regime and the bias unchanged and permutes the predictions' columns.
func TestPropertyPermutation(t *testing.T) {
	cfg := Small
	check(t, "permuting samples leaves the closed form invariant", defaultTrials, prop.ForAll(
		func(c *Case, swaps []int) string {
			in := c.In
			p := permutation(in.M(), swaps)
			pin := permuted(in, p)
			var f failures
			if !mat(in.Sigma()).equal(mat(pin.Sigma())) {
				f.addf("Σ changed under the permutation %v", p)
			}
			a, b := predict(in), predict(pin)
			sameExact(&f, a, b)
			sc := scalesOf(in, a)
			dg := in.Digits - margin
			if !within(b.MinLoss, a.MinLoss, sc.loss, dg) {
				f.addf("L* changed by %s", relErr(b.MinLoss, a.MinLoss, sc.loss))
			}
			if a.WW != nil && a.WWUnique && !withinMat(b.WW, a.WW, sc.ww, dg) {
				f.addf("A* changed by %s", relErrMat(b.WW, a.WW, sc.ww))
			}
			if a.PredictionUnique {
				want := permuteCols(a.Predictions, p)
				if !withinMat(b.Predictions, want, sc.pred, dg) {
					f.addf("predictions are not the permuted ones (%s)", relErrMat(b.Predictions, want, sc.pred))
				}
			}
			return f.String()
		},
		Instances(cfg), gen.SliceOfN(cfg.M[1], gen.IntRange(0, cfg.M[1]-1)),
	))
}

// TestPropertyRotationW: for a rational orthogonal Q (Cayley transform of
// a random skew matrix), L(WQ, QᵀH, b) = L(W, H, b) exactly at random
// rational points, and W Wᵀ and the feature Gram HᵀH are unchanged
// exactly, so no invariant the project compares depends on the choice of W.
func TestPropertyRotationW(t *testing.T) {
	cfg := Small
	maxD := cfg.D[1]
	check(t, "L(WQ, QᵀH, b) = L(W, H, b) exactly for rational orthogonal Q", defaultTrials, prop.ForAll(
		func(c *Case, sv []int, pointSeed uint64) string {
			in := c.In
			n, d, m := in.N(), in.D, in.M()
			q := cayley(skew(d, sv))
			var f failures
			if !q.t().mul(q).equal(ident(d)) {
				f.addf("QᵀQ ≠ I for the Cayley transform of %v", sv[:d*(d-1)/2])
				return f.String()
			}
			rng := rand.New(rand.NewPCG(pointSeed, 7))
			w, h := randRat(rng, n, d), randRat(rng, d, m)
			b := randRat(rng, n, 1).t()[0]
			wq, qh := w.mul(q), q.t().mul(h)
			l0, l1 := objective(in, w, h, b), objective(in, wq, qh, b)
			if l0.Cmp(l1) != 0 {
				f.addf("L(W, H, b) = %s but L(WQ, QᵀH, b) = %s", l0.RatString(), l1.RatString())
			}
			if !w.mul(w.t()).equal(wq.mul(wq.t())) {
				f.addf("W Wᵀ changed")
			}
			if !h.t().mul(h).equal(qh.t().mul(qh)) {
				f.addf("HᵀH changed")
			}
			return f.String()
		},
		Instances(cfg), gen.SliceOfN(maxD*(maxD-1)/2, gen.IntRange(-3, 3)), gen.UInt64(),
	))
}

// randRat returns an r×c matrix of random rationals p/q, |p| ≤ 9, q ≤ 5.
func randRat(rng *rand.Rand, r, c int) mat {
	a := newMat(r, c)
	for i := range a {
		for j := range a[i] {
			a[i][j].SetFrac64(int64(rng.IntN(19)-9), int64(rng.IntN(5)+1))
		}
	}
	return a
}

// TestPropertyRotationTargets: rotating the targets y_i → U y_i by a
// rational orthogonal U gives Σ → UΣUᵀ exactly, the same regime, ranks and
// L*, A* → U A* Uᵀ and predictions → U·predictions (to the working
// precision less margin digits).
func TestPropertyRotationTargets(t *testing.T) {
	cfg := Small
	maxN := cfg.N[1]
	check(t, "rotating the targets rotates A* and keeps L*", defaultTrials, prop.ForAll(
		func(c *Case, sv []int) string {
			in := c.In
			n := in.N()
			u := cayley(skew(n, sv))
			var f failures
			if !u.t().mul(u).equal(ident(n)) {
				f.addf("UᵀU ≠ I")
				return f.String()
			}
			rin := withTargets(in, u.mul(targetsMat(in)))
			sig := sigmaMat(in)
			if !sigmaMat(rin).equal(u.mul(sig).mul(u.t())) {
				f.addf("Σ of the rotated targets is not UΣUᵀ")
			}
			a, b := predict(in), predict(rin)
			sameExact(&f, a, b)
			sc := scalesOf(in, a)
			dg := in.Digits - margin
			ud := u.toDense(a.Prec)
			if !within(b.MinLoss, a.MinLoss, sc.loss, dg) {
				f.addf("L* changed by %s", relErr(b.MinLoss, a.MinLoss, sc.loss))
			}
			if !within(b.TrainMSE, a.TrainMSE, sc.loss, dg) {
				f.addf("training MSE changed by %s", relErr(b.TrainMSE, a.TrainMSE, sc.loss))
			}
			if a.WW != nil && a.WWUnique {
				want := new(bigmat.Dense).MulTrans(new(bigmat.Dense).Mul(ud, a.WW), ud)
				if !withinMat(b.WW, want, sc.ww, dg) {
					f.addf("A* of the rotated targets is not U A* Uᵀ (%s)", relErrMat(b.WW, want, sc.ww))
				}
			}
			if a.PredictionUnique {
				want := new(bigmat.Dense).Mul(ud, a.Predictions)
				if !withinMat(b.Predictions, want, sc.pred, dg) {
					f.addf("predictions of the rotated targets are not U·predictions (%s)", relErrMat(b.Predictions, want, sc.pred))
				}
			}
			return f.String()
		},
		Instances(cfg), gen.SliceOfN(maxN*(maxN-1)/2, gen.IntRange(-3, 3)),
	))
}

// Scaling law (derived here, checked below and, with the solver, in
// solver_test.go). For s ≠ 0 and u > 0 map
//
//	Y → sY,  λ_H → u·λ_H,  λ_W → (s²/u)·λ_W      (so c → s²c).
//
// Then (W, H, b) ↦ (√u·W, (s/√u)·H, s·b) maps the objective to s² times
// itself: the fit term is s²·(1/2M)‖WH + b1ᵀ − Y‖², λ_H's term becomes
// uλ_H·(s²/u)‖H‖²/(2M) and λ_W's (s²/u)λ_W·u‖W‖²/2. It is a bijection, so
// minimizers correspond and
//
//	L* → s²L*,  A* = W*W*ᵀ → u·A*,  b* → s·b*,  predictions → s·predictions,
//	training MSE → s²·MSE,  Σ → s²Σ, and the regime, r and the shrinkage
//	factors 1 − √(c/σ_j) are unchanged (σ_j > c ⇔ s²σ_j > s²c).
//
// The closed form agrees: √(λ_H'/λ_W') = (u/|s|)√(λ_H/λ_W) and
// √σ_j' − √c' = |s|(√σ_j − √c), product u·A*. Special cases: u = s (both
// λ's times s), u = 1 (A* fixed, λ_W → s²λ_W), u = s² (λ_W fixed).

// scaleCase draws a scaling (s, u): s = ±ms·10^ks, u = mu·10^ku.
type scaling struct{ s, u *big.Rat }

func scalingOf(ms, ks, neg, mu, ku int) scaling {
	s := Lambda(ms, ks)
	if neg == 1 {
		s.Neg(s)
	}
	return scaling{s: s, u: Lambda(mu, ku)}
}

func (sc scaling) apply(in *instance.Instance) *instance.Instance {
	out := withTargets(in, targetsMat(in).scale(sc.s))
	out.LambdaH = new(big.Rat).Mul(in.LambdaH, sc.u)
	s2 := new(big.Rat).Mul(sc.s, sc.s)
	out.LambdaW = new(big.Rat).Mul(in.LambdaW, s2.Quo(s2, sc.u))
	return out
}

func scalingGens() []gopter.Gen {
	return []gopter.Gen{gen.IntRange(1, 9), gen.IntRange(-3, 3), gen.IntRange(0, 1), gen.IntRange(1, 9), gen.IntRange(-4, 4)}
}

func ratF(r *big.Rat, prec uint) *big.Float { return new(big.Float).SetPrec(prec).SetRat(r) }

// TestPropertyScaling checks the scaling law on the closed form.
func TestPropertyScaling(t *testing.T) {
	cfg := Small
	gens := append([]gopter.Gen{Instances(cfg)}, scalingGens()...)
	check(t, "scaling law Y→sY, λ_H→uλ_H, λ_W→(s²/u)λ_W: L*→s²L*, A*→uA*", defaultTrials, prop.ForAll(
		func(c *Case, ms, ks, neg, mu, ku int) string {
			in := c.In
			sl := scalingOf(ms, ks, neg, mu, ku)
			sin := sl.apply(in)
			var f failures
			if sin.C().Cmp(new(big.Rat).Mul(in.C(), new(big.Rat).Mul(sl.s, sl.s))) != 0 {
				f.addf("c did not scale by s²")
			}
			a, b := predict(in), predict(sin)
			sameExact(&f, a, b)
			prec := a.Prec
			s, u := ratF(sl.s, prec), ratF(sl.u, prec)
			s2 := new(big.Float).SetPrec(prec).Mul(s, s)
			sc := scalesOf(sin, b)
			dg := in.Digits - margin
			if want := new(big.Float).SetPrec(prec).Mul(s2, a.MinLoss); !within(b.MinLoss, want, sc.loss, dg) {
				f.addf("L* is not s²L* (%s)", relErr(b.MinLoss, want, sc.loss))
			}
			if want := new(big.Float).SetPrec(prec).Mul(s2, a.TrainMSE); !within(b.TrainMSE, want, sc.loss, dg) {
				f.addf("MSE is not s²·MSE (%s)", relErr(b.TrainMSE, want, sc.loss))
			}
			if a.WW != nil && a.WWUnique {
				want := new(bigmat.Dense).Scale(u, a.WW)
				if !withinMat(b.WW, want, sc.ww, dg) {
					f.addf("A* is not u·A* (%s)", relErrMat(b.WW, want, sc.ww))
				}
			}
			if a.PredictionUnique {
				want := new(bigmat.Dense).Scale(s, a.Predictions)
				if !withinMat(b.Predictions, want, sc.pred, dg) {
					f.addf("predictions are not s·predictions (%s)", relErrMat(b.Predictions, want, sc.pred))
				}
			}
			for j := range a.Shrinkage {
				if !within(b.Shrinkage[j], a.Shrinkage[j], big.NewFloat(1), dg) {
					f.addf("shrinkage %d changed (%s)", j+1, relErr(b.Shrinkage[j], a.Shrinkage[j], big.NewFloat(1)))
				}
			}
			return f.String()
		},
		gens...,
	))
}

// TestPropertyRegimeMonotone: for fixed targets and d, the rank r of A*
// never increases as c = λ_H·λ_W grows, the regime moves only from full
// to partial to trivial, r = min(d, #{σ_j > c}) with the count decided
// exactly, and c = tr Σ (≥ σ_1) is trivial. The c's are random m·10^k
// together with Σ's diagonal entries and tr Σ/n, which land on or near
// the spectrum.
func TestPropertyRegimeMonotone(t *testing.T) {
	cfg := Small
	const k = 8
	order := map[theory.Regime]int{theory.Full: 0, theory.Partial: 1, theory.Trivial: 2}
	check(t, "the rank r never increases as c grows", defaultTrials, prop.ForAll(
		func(c *Case, mants, exps []int) string {
			in := c.In
			sig := sigmaMat(in)
			n := in.N()
			tr := new(big.Rat)
			for j := 0; j < n; j++ {
				tr.Add(tr, sig[j][j])
			}
			var cs []*big.Rat
			for i := 0; i < k; i++ {
				cs = append(cs, Lambda(mants[i], exps[i]))
			}
			for j := 0; j < n; j++ {
				if sig[j][j].Sign() > 0 {
					cs = append(cs, new(big.Rat).Set(sig[j][j]))
				}
			}
			if tr.Sign() > 0 {
				cs = append(cs, new(big.Rat).Quo(tr, big.NewRat(int64(n), 1)), new(big.Rat).Set(tr))
			}
			slices.SortFunc(cs, func(a, b *big.Rat) int { return a.Cmp(b) })
			cs = slices.CompactFunc(cs, func(a, b *big.Rat) bool { return a.Cmp(b) == 0 })
			var f failures
			prevRank, prevOrder := n+1, -1
			for _, cv := range cs {
				ci := in.Clone()
				ci.LambdaW = new(big.Rat).Quo(cv, in.LambdaH) // λ_H λ_W = c exactly
				p := predict(ci)
				if want := min(in.D, theory.CountAbove(sig, cv)); p.Rank != want {
					f.addf("at c = %s: rank %d, want min(d, #{σ_j > c}) = %d", cv.RatString(), p.Rank, want)
				}
				if p.Rank > prevRank {
					f.addf("rank rose from %d to %d at c = %s", prevRank, p.Rank, cv.RatString())
				}
				o, ok := order[p.Regime]
				if !ok {
					f.addf("unexpected regime %s at c = %s > 0", p.Regime, cv.RatString())
				} else if o < prevOrder {
					f.addf("regime went back to %s at c = %s", p.Regime, cv.RatString())
				}
				if cv.Cmp(tr) >= 0 && p.Regime != theory.Trivial {
					f.addf("c = %s ≥ tr Σ but regime %s", cv.RatString(), p.Regime)
				}
				prevRank, prevOrder = p.Rank, o
			}
			return f.String()
		},
		Instances(cfg), gen.SliceOfN(k, gen.IntRange(1, 9)), gen.SliceOfN(k, gen.IntRange(-10, 6)),
	))
}
