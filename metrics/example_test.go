package metrics_test

import (
	"fmt"
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/metrics"
)

// Four features in R³ (a row per sample), weights W = [e₁; e₂] (n = 2) and
// targets with Σ = diag(2, 1/2). By hand (docs/theory.md §4): the centered
// features ±e₁, ±(e₂ + e₃) span two dimensions, so NRC1 = 0; the last two
// have half their squared norm outside the row space of W, so
// NRC2 = (½ + ½)/4 = 0.25; and W Wᵀ = I against Σ^{1/2} − √γ I is closest
// at γ = 0, where NRC3 = 2 − 2·3/√10 = 0.1026334….
var (
	features = []float64{1, 0, 0, -1, 0, 0, 0, 1, 1, 0, -1, -1}
	weights  = []float64{1, 0, 0, 0, 1, 0}
	targets  = []float64{2, 0, -2, 0, 0, 1, 0, -1}
)

func ExampleCompute() {
	h, _ := metrics.NewMatrix(4, 3, features)
	w, _ := metrics.NewMatrix(2, 3, weights)
	y, _ := metrics.NewMatrix(4, 2, targets)
	r, err := metrics.Compute(h, w, y, metrics.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("NRC1 = %.4f, NRC2 = %.4f, NRC3 = %.4f at γ = %.4f\n", r.NRC1, r.NRC2, r.NRC3, r.NRC3Gamma)
	// Output:
	// NRC1 = 0.0000, NRC2 = 0.2500, NRC3 = 0.1026 at γ = 0.0000
}

// ComputeBig takes big.Float matrices (solver output, for instance) and
// works at the precision of the requested digits.
func ExampleComputeBig() {
	prec := bigmat.Bits(40)
	h := bigmat.FromFloat64(4, 3, prec, features)
	w := bigmat.FromFloat64(2, 3, prec, weights)
	y := bigmat.FromFloat64(4, 2, prec, targets)
	r, err := metrics.ComputeBig(h, w, y, 40, metrics.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	tiny := big.NewFloat(1e-35)
	fmt.Println("NRC1 below 1e-35:", r.NRC1.Cmp(tiny) < 0)
	fmt.Println("NRC2 =", r.NRC2.Text('g', 10))
	fmt.Println("NRC3 =", r.NRC3.Text('g', 10))
	// Output:
	// NRC1 below 1e-35: true
	// NRC2 = 0.25
	// NRC3 = 0.1026334039
}
