package property

import (
	"math/big"
	"slices"
	"testing"

	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/theory"
	"github.com/nrc-ufm/ufm/verify"
)

// Properties of the deep UFM (docs/theory.md §6) for K ≥ 3. A deep case
// is a Small instance made deep: K − 1 ∈ {2, 3} weight layers, hidden
// widths n, λ_l = m_l·10^k_l; drawn λ's are positive (k ∈ [−2, 1]) so
// that modes are on and off across trials.

// deepen returns in with K − 1 = layers weight layers and the given λ's.
func deepen(in *instance.Instance, layers int, lm, lk []int, mean bool) *instance.Instance {
	out := in.Clone()
	out.Layers = layers
	out.Widths = nil
	out.Lambdas = nil
	for l := 0; l < layers; l++ {
		out.Lambdas = append(out.Lambdas, Lambda(lm[l], lk[l]))
		if l > 0 {
			out.Widths = append(out.Widths, in.N())
		}
	}
	out.LambdaW = out.Lambdas[0]
	if mean {
		out.DataTerm = instance.DataMean
	}
	return out
}

func deepPredict(in *instance.Instance) *theory.Prediction {
	p, err := theory.Predict(in, in.Digits)
	if err != nil {
		panic(err)
	}
	return p
}

var deepCfg = Config{
	N: [2]int{1, 3}, D: [2]int{1, 4}, M: [2]int{1, 6},
	Num: 9, Den: 5, LambdaExp: [2]int{-2, 1}, BiasNone: true, Digits: 30,
}

// TestPropertyDeepScaling: Y → sY, λ_H → uλ_H, λ_l → v_lλ_l with
// u·Π v_l = s^{2K−2} maps (H, W_l) ↦ ((s/√u)H, (s/√v_l)W_l) and L to s²L
// (docs/theory.md §6; derived like the K = 2 law). So the exact mode
// decisions are unchanged, L* and the MSE scale by s², b* and the
// predictions by s, and the product Gram (W_{K−1}⋯W_l)(…)ᵀ by
// Π_{m≥l} s²/v_m.
func TestPropertyDeepScaling(t *testing.T) {
	check(t, "deep scaling law", defaultTrials, prop.ForAll(
		func(c *Case, layers int, lm, lk []int, sNum, sDen int, vExp []int) string {
			in := deepen(c.In, layers, lm, lk, false)
			K := layers + 1
			s := big.NewRat(int64(sNum), int64(sDen))
			sc := in.Clone()
			for _, row := range sc.Targets {
				for _, y := range row {
					y.Mul(y, s)
				}
			}
			s2K := new(big.Rat).SetInt64(1)
			for i := 0; i < 2*K-2; i++ {
				s2K.Mul(s2K, s)
			}
			prodV := new(big.Rat).SetInt64(1)
			vs := make([]*big.Rat, layers)
			for l := range vs {
				vs[l] = Lambda(1, vExp[l])
				sc.Lambdas[l].Mul(sc.Lambdas[l], vs[l])
				prodV.Mul(prodV, vs[l])
			}
			sc.LambdaW = sc.Lambdas[0]
			u := new(big.Rat).Quo(s2K, prodV)
			sc.LambdaH.Mul(sc.LambdaH, u)
			a, b := deepPredict(in), deepPredict(sc)
			var f failures
			if a.Deep.Above != b.Deep.Above || a.Deep.AtThresh != b.Deep.AtThresh || a.Rank != b.Rank {
				f.addf("exact mode counts %d/%d/%d became %d/%d/%d", a.Deep.Above, a.Deep.AtThresh, a.Rank, b.Deep.Above, b.Deep.AtThresh, b.Rank)
				return f.String()
			}
			prec := a.Prec
			sF := new(big.Float).SetPrec(prec).SetRat(s)
			s2 := new(big.Float).SetPrec(prec).Mul(sF, sF)
			scl := scalesOf(in, a)
			dg := in.Digits - margin
			wantL := new(big.Float).SetPrec(prec).Mul(a.MinLoss, s2)
			lossScale := new(big.Float).SetPrec(prec).Mul(scl.loss, s2)
			if !within(b.MinLoss, wantL, lossScale, dg) {
				f.addf("L* → %s, want s²L* (%s)", bigmat.Text(b.MinLoss, 20), relErr(b.MinLoss, wantL, lossScale))
			}
			wantMSE := new(big.Float).SetPrec(prec).Mul(a.TrainMSE, s2)
			if !within(b.TrainMSE, wantMSE, lossScale, dg) {
				f.addf("MSE → %s, want s²·MSE", bigmat.Text(b.TrainMSE, 20))
			}
			predScale := new(big.Float).SetPrec(prec).Mul(scl.pred, new(big.Float).Abs(sF))
			if a.PredictionUnique && !withinMat(b.Predictions, new(bigmat.Dense).Scale(sF, a.Predictions), predScale, dg) {
				f.addf("predictions do not scale by s")
			}
			if a.WWUnique {
				factor := new(big.Float).SetPrec(prec).SetInt64(1)
				for l := layers; l >= 1; l-- {
					fl := new(big.Float).SetPrec(prec).Quo(s2, new(big.Float).SetPrec(prec).SetRat(vs[l-1]))
					factor.Mul(factor, fl)
					want := new(bigmat.Dense).Scale(factor, a.Deep.ProductGrams[l-1])
					gs := want.FrobeniusNorm()
					if gs.Sign() == 0 {
						gs.SetInt64(1)
					}
					if !withinMat(b.Deep.ProductGrams[l-1], want, gs, dg) {
						f.addf("product Gram %d does not scale by Π s²/v_m (%s)", l, relErrMat(b.Deep.ProductGrams[l-1], want, gs))
					}
				}
			}
			return f.String()
		},
		Instances(deepCfg), gen.IntRange(2, 3), gen.SliceOfN(3, gen.IntRange(1, 9)), gen.SliceOfN(3, gen.IntRange(-2, 1)),
		gen.IntRange(1, 7).Map(func(v int) int { return v * (1 - 2*(v%2)) }), gen.IntRange(1, 5), gen.SliceOfN(3, gen.IntRange(-2, 2)),
	))
}

// TestPropertyDeepPermutation: permuting the samples leaves Σ's exact mode
// decisions, L*, the MSE and every product Gram unchanged and permutes the
// predictions' columns (K ≥ 3, both data terms).
func TestPropertyDeepPermutation(t *testing.T) {
	check(t, "permuting samples leaves the deep closed form invariant", defaultTrials, prop.ForAll(
		func(c *Case, layers int, lm, lk []int, mean bool, swaps []int) string {
			in := deepen(c.In, layers, lm, lk, mean)
			p := permutation(in.M(), swaps)
			pin := permuted(in, p)
			a, b := deepPredict(in), deepPredict(pin)
			var f failures
			if a.Deep.Above != b.Deep.Above || a.Deep.AtThresh != b.Deep.AtThresh || a.Rank != b.Rank {
				f.addf("exact mode counts changed")
				return f.String()
			}
			sc := scalesOf(in, a)
			dg := in.Digits - margin
			if !within(b.MinLoss, a.MinLoss, sc.loss, dg) || !within(b.TrainMSE, a.TrainMSE, sc.loss, dg) {
				f.addf("L* or MSE changed: %s", relErr(b.MinLoss, a.MinLoss, sc.loss))
			}
			for l, g := range a.Deep.ProductGrams {
				gs := g.FrobeniusNorm()
				if gs.Sign() == 0 {
					gs.SetInt64(1)
				}
				if a.WWUnique && !withinMat(b.Deep.ProductGrams[l], g, gs, dg) {
					f.addf("product Gram %d changed", l+1)
				}
			}
			if a.PredictionUnique && !withinMat(b.Predictions, permuteCols(a.Predictions, p), sc.pred, dg) {
				f.addf("predictions are not the permuted ones")
			}
			return f.String()
		},
		Instances(deepCfg), gen.IntRange(2, 3), gen.SliceOfN(3, gen.IntRange(1, 9)), gen.SliceOfN(3, gen.IntRange(-2, 1)),
		gen.Bool(), gen.SliceOfN(deepCfg.M[1], gen.IntRange(0, deepCfg.M[1]-1)),
	))
}

// TestPropertyDeepRankMonotone: raising any one λ never switches a mode
// on (exact counts), and the MSE does not decrease (to the working
// precision): κ grows with every λ and τ ∝ c.
func TestPropertyDeepRankMonotone(t *testing.T) {
	check(t, "deep active rank is nonincreasing in each λ", defaultTrials, prop.ForAll(
		func(c *Case, layers int, lm, lk []int, which, up int) string {
			in := deepen(c.In, layers, lm, lk, false)
			big2 := in.Clone()
			factor := big.NewRat(int64(up), 1)
			if which == 0 {
				big2.LambdaH.Mul(big2.LambdaH, factor)
			} else {
				l := (which - 1) % layers
				big2.Lambdas[l].Mul(big2.Lambdas[l], factor)
				big2.LambdaW = big2.Lambdas[0]
			}
			a, b := deepPredict(in), deepPredict(big2)
			var f failures
			if b.Rank > a.Rank || b.Deep.Above > a.Deep.Above {
				f.addf("raising λ #%d by %d raised the active rank %d → %d", which, up, a.Rank, b.Rank)
			}
			tol := new(big.Float).Mul(scalesOf(in, a).loss, pow10(-(in.Digits-margin), a.Prec))
			if d := new(big.Float).Sub(a.TrainMSE, b.TrainMSE); d.Cmp(tol) > 0 {
				f.addf("raising a λ lowered the MSE by %s", bigmat.Text(d, 5))
			}
			return f.String()
		},
		Instances(deepCfg), gen.IntRange(2, 3), gen.SliceOfN(3, gen.IntRange(1, 9)), gen.SliceOfN(3, gen.IntRange(-2, 1)),
		gen.IntRange(0, 3), gen.IntRange(2, 50),
	))
}

// TestPropertyDeepSolver: on K ≥ 3 instances the independent solver either
// ends in a global minimizer's basin and then agrees with the closed form
// to digits − 5 (verify), or ends in a non-global basin with a loss not
// below L*. A loss below L* or a disagreement in a global basin fails.
func TestPropertyDeepSolver(t *testing.T) {
	if testing.Short() {
		t.Skip("solver-backed")
	}
	check(t, "deep solver agrees with the deep closed form", 12, prop.ForAll(
		func(c *Case, layers int, lm, lk []int, mean bool) string {
			in := deepen(c.In, layers, lm, lk, mean)
			rep, err := verify.Run(in, in.Digits, solver.Settings{Starts: 4})
			var f failures
			if err != nil {
				f.addf("verify: %v", err)
				return f.String()
			}
			d := rep.Deep
			if slices.Contains(d.GlobalModes, d.SolverModes) {
				if rep.Status != verify.Agree {
					f.addf("%s", rep.Reason)
				}
				return f.String()
			}
			tol := new(big.Float).Mul(new(big.Float).Abs(rep.Prediction.MinLoss), pow10(-(in.Digits-margin), rep.Prediction.Prec))
			if diff := new(big.Float).Sub(rep.Prediction.MinLoss, rep.Solver.MinLoss); diff.Cmp(tol) > 0 {
				f.addf("the solver's loss %s is below L* %s", bigmat.Text(rep.Solver.MinLoss, 20), bigmat.Text(rep.Prediction.MinLoss, 20))
			}
			return f.String()
		},
		Instances(deepCfg), gen.IntRange(2, 3), gen.SliceOfN(3, gen.IntRange(1, 9)), gen.SliceOfN(3, gen.IntRange(-2, 1)), gen.Bool(),
	))
}
