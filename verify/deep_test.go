package verify

import (
	"math/big"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/theory"
)

// TestDeepExamples: ufm verify's comparison on the shipped deep examples
// agrees to ≥ 45 of 50 digits on every quantity, including the MSE and the
// per-layer product Grams; each is compared against the global minimizer
// of the solver's basin.
func TestDeepExamples(t *testing.T) {
	for _, f := range []string{"deep-k3-3x8.json", "deep-k4-3x8.json", "deep-k3-mean-3x8.json"} {
		in, err := instance.Load(filepath.Join("..", "examples", f))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Run(in, 50, solver.Settings{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Status != Agree || rep.Deep == nil {
			t.Fatalf("%s: %s — %s", f, rep.Status, rep.Reason)
		}
		d := rep.Deep
		if !slices.Equal(d.GlobalModes, []int{1, 2}) || d.ComparedModes != d.SolverModes {
			t.Errorf("%s: global %v, compared %d, solver %d", f, d.GlobalModes, d.ComparedModes, d.SolverModes)
		}
		if len(d.ProductGrams) != in.WeightLayers() || rep.Agreement.TrainMSE == nil || *rep.Agreement.TrainMSE < 45 {
			t.Errorf("%s: %d product Grams, MSE digits %v", f, len(d.ProductGrams), rep.Agreement.TrainMSE)
		}
		for l, v := range d.ProductGrams {
			if v == nil || *v < 45 {
				t.Errorf("%s: product Gram %d: %v digits", f, l+1, v)
			}
		}
	}
}

// TestDeepDetectsWrongBasin: a solver point in the other global minimizer
// is compared with that one; a point whose rank matches no global
// minimizer, or whose loss is perturbed at the 40th digit, disagrees.
func TestDeepDetectsWrongBasin(t *testing.T) {
	in, err := instance.Load(filepath.Join("..", "examples", "deep-k3-3x8.json"))
	if err != nil {
		t.Fatal(err)
	}
	pred, err := theory.Predict(in, 50)
	if err != nil {
		t.Fatal(err)
	}
	res, err := solver.Solve(in, solver.Settings{Digits: 50})
	if err != nil {
		t.Fatal(err)
	}
	if rep, _ := Compare(in, pred, res); rep.Status != Agree {
		t.Fatalf("baseline: %s", rep.Reason)
	}
	bad := *res
	deep := *res.Deep
	deep.Rank = 3
	bad.Deep = &deep
	if rep, _ := Compare(in, pred, &bad); rep.Status != Disagree {
		t.Errorf("rank 3 (no global minimizer has it) gave %s: %s", rep.Status, rep.Reason)
	}
	bad = *res
	eps, _, _ := big.ParseFloat("1e-40", 10, res.MinLoss.Prec(), big.ToNearestEven)
	bad.MinLoss = new(big.Float).Mul(res.MinLoss, eps.Add(eps, big.NewFloat(1)))
	if rep, _ := Compare(in, pred, &bad); rep.Status != Disagree || rep.Worst != "min_loss" {
		t.Errorf("L perturbed at 1e-40 gave %s (worst %s)", rep.Status, rep.Worst)
	}
	bad = *res
	bad.Deep = nil
	if rep, _ := Compare(in, pred, &bad); rep.Status != Disagree {
		t.Errorf("no deep result gave %s", rep.Status)
	}
}
