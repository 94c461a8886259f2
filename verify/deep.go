package verify

import (
	"fmt"
	"math"
	"math/big"
	"slices"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/theory"
)

// DeepAgreement is the part of a Report specific to deep and
// mean-convention instances (docs/theory.md §6).
type DeepAgreement struct {
	// SolverModes is the number of modes on at the solver's point (the
	// rank of Z = W_{K−1}⋯W_1H); GlobalModes the mode counts of the global
	// minimizers (more than one when a mode sits exactly at the threshold).
	SolverModes int
	GlobalModes []int
	// ComparedModes is the global minimizer compared against: the one with
	// SolverModes modes on when that is global, else the default.
	ComparedModes int
	// ProductGrams[l−1]: digits of (W_{K−1}⋯W_l)(W_{K−1}⋯W_l)ᵀ, which every
	// global minimizer shares (gauge invariant); nil when not unique.
	ProductGrams []*int
	MSE          *int
	Basin        string // the solver's own basin sentence
}

// compareDeep is Compare for a prediction with Deep set.
func (r *Report) compareDeep(in *instance.Instance, pred *theory.Prediction, res *solver.Result) {
	da := &DeepAgreement{GlobalModes: pred.DeepAlternatives(), SolverModes: -1}
	r.Deep = da
	if res.Deep == nil {
		r.Status, r.Worst = Disagree, "min_loss"
		r.Reason = "the solver returned no deep solution for a deep instance"
		return
	}
	if err := layerChainOK(res.Deep.Layers, pred.Deep.K, pred.N); err != nil {
		r.Status, r.Worst = Disagree, "ww"
		r.Reason = "the solver's weight layers are unusable: " + err.Error()
		return
	}
	da.SolverModes, da.Basin = res.Deep.Rank, res.Deep.Basin
	want := pred
	da.ComparedModes = pred.Rank
	basinNote := ""
	if slices.Contains(da.GlobalModes, res.Deep.Rank) && res.Deep.Rank != pred.Rank {
		alt, err := theory.PredictDeep(in, pred.Digits, res.Deep.Rank)
		if err != nil {
			r.Status, r.Worst = Disagree, "min_loss"
			r.Reason = "internal error predicting the solver's basin: " + err.Error()
			return
		}
		want, da.ComparedModes = alt, res.Deep.Rank
		basinNote = fmt.Sprintf("the solver ended in the global minimizer with %d modes on (a mode exactly at the threshold switched on; same L*); ", res.Deep.Rank)
	} else if !slices.Contains(da.GlobalModes, res.Deep.Rank) {
		basinNote = fmt.Sprintf("the solver ended in a basin with %d modes on but the global minimizers have %v: a non-global local minimum (best of its starts) or a failure; ", res.Deep.Rank, da.GlobalModes)
	}
	prec := pred.Prec
	cap := pred.Digits + bigmat.GuardDigits
	trace := new(big.Float).SetPrec(prec).SetRat(targetEnergy(in, pred.TraceSigma))
	zero := new(big.Float).SetPrec(prec)
	r.Agreement.MinLoss = ptr(Digits(res.MinLoss, want.MinLoss, zero, cap))
	mse := solverMSE(in, res.Predictions, prec)
	da.MSE = ptr(Digits(mse, want.TrainMSE, trace, cap))
	if want.BiasUnique {
		r.Agreement.Bias = ptr(VectorDigits(res.B, want.B, new(big.Float).SetPrec(prec).Sqrt(trace), cap))
	}
	if want.PredictionUnique {
		ps := new(big.Float).SetPrec(prec).SetInt64(int64(pred.M))
		ps.Mul(ps, trace)
		r.Agreement.Predictions = ptr(MatrixDigits(res.Predictions, want.Predictions, ps.Sqrt(ps), cap))
	}
	if want.WWUnique {
		r.Agreement.WW = ptr(MatrixDigits(res.WW, want.WW, gramScale(want.WW), cap))
		got := solverProductGrams(res.Deep.Layers)
		for l, g := range got {
			w := want.Deep.ProductGrams[l]
			da.ProductGrams = append(da.ProductGrams, ptr(MatrixDigits(g, w, gramScale(w), cap)))
		}
	}
	qs := []struct {
		name string
		v    *int
	}{{"min_loss", r.Agreement.MinLoss}, {"mse", da.MSE}, {"ww", r.Agreement.WW}, {"bias", r.Agreement.Bias}, {"predictions", r.Agreement.Predictions}}
	for l, v := range da.ProductGrams {
		qs = append(qs, struct {
			name string
			v    *int
		}{fmt.Sprintf("product_gram_%d", l+1), v})
	}
	worst := math.MaxInt
	for _, q := range qs {
		if q.v != nil && *q.v < worst {
			worst, r.Worst = *q.v, q.name
		}
	}
	r.Status = Agree
	r.Reason = basinNote
	if !res.Converged {
		r.Reason += fmt.Sprintf("the solver did not converge (stop: %s); ", res.Stop)
	}
	if worst < r.Required {
		r.Status = Disagree
		r.Reason += fmt.Sprintf("%s agrees to %d digits, below the %d required (%d requested less a margin of %d)", r.Worst, worst, r.Required, pred.Digits, Margin)
		return
	}
	r.Reason += fmt.Sprintf("every compared quantity agrees to at least %d digits (worst: %s, %d)", r.Required, r.Worst, worst)
}

// gramScale is ‖want‖_F, or 1 when want is zero (no mode on: the solver's
// Gram must then be zero to the requested digits in absolute terms).
func gramScale(want *bigmat.Dense) *big.Float {
	s := want.FrobeniusNorm()
	if s.Sign() == 0 {
		s.SetInt64(1)
	}
	return s
}

// solverProductGrams returns (W_{K−1}⋯W_l)(W_{K−1}⋯W_l)ᵀ for l = 1 … K−1.
func solverProductGrams(layers []*bigmat.Dense) []*bigmat.Dense {
	out := make([]*bigmat.Dense, len(layers))
	var above *bigmat.Dense
	for l := len(layers) - 1; l >= 0; l-- {
		if above == nil {
			above = layers[l].Clone()
		} else {
			above = new(bigmat.Dense).Mul(above, layers[l])
		}
		out[l] = new(bigmat.Dense).MulTrans(above, above)
	}
	return out
}

// solverMSE is (1/M)‖predictions − Y‖²_F (docs/theory.md §1).
func solverMSE(in *instance.Instance, pred *bigmat.Dense, prec uint) *big.Float {
	s := new(big.Float).SetPrec(prec)
	var t, y big.Float
	t.SetPrec(prec)
	y.SetPrec(prec)
	for i, row := range in.Targets {
		for k, v := range row {
			y.SetRat(v)
			t.Sub(pred.At(k, i), &y)
			t.Mul(&t, &t)
			s.Add(s, &t)
		}
	}
	return s.Quo(s, new(big.Float).SetPrec(prec).SetInt64(int64(in.M())))
}

// layerChainOK checks that layers is W_1 … W_{K−1} with composable shapes
// and n rows at the top.
func layerChainOK(layers []*bigmat.Dense, K, n int) error {
	if len(layers) != K-1 {
		return fmt.Errorf("%d layers, want K − 1 = %d", len(layers), K-1)
	}
	for l, w := range layers {
		if w == nil {
			return fmt.Errorf("layer W_%d is missing", l+1)
		}
	}
	for l, w := range layers {
		r, _ := w.Dims()
		if l+1 < len(layers) {
			if _, c := layers[l+1].Dims(); c != r {
				return fmt.Errorf("layer W_%d has %d rows but W_%d has %d columns", l+1, r, l+2, c)
			}
		} else if r != n {
			return fmt.Errorf("layer W_%d has %d rows, want n = %d", l+1, r, n)
		}
	}
	return nil
}
