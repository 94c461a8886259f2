package theory_test

import (
	"fmt"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/theory"
)

// The targets ±3e₁, ±2e₂, ±e₃ (M = 6) have Σ = diag(3, 4/3, 1/3). With
// λ_H = λ_W = 1 (c = 1) the two eigenvalues above c are active: the
// partial regime, rank 2, with (docs/theory.md §3)
//
//	L* = (√3 − ½) + (√(4/3) − ½) + (1/3)/2 = 2.0534180126…
//	MSE = c + c + 1/3 = 7/3
//	shrinkage 1 − √(c/σ_j) = 1 − 1/√3, 1 − √3/2, 0.
func ExamplePredict() {
	in, err := instance.Parse([]byte(`{
		"targets": [["3","0","0"], ["-3","0","0"], ["0","2","0"], ["0","-2","0"], ["0","0","1"], ["0","0","-1"]],
		"lambda_h": "1", "lambda_w": "1", "d": 3, "digits": 30}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := theory.Predict(in, 0) // 0: the instance's 30 digits
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("regime:", p.Regime, "rank:", p.Rank)
	fmt.Println("L* =", p.MinLoss.Text('g', 10))
	fmt.Println("train MSE =", p.TrainMSE.Text('g', 10))
	for j, s := range p.Shrinkage {
		fmt.Printf("σ_%d = %s, shrinkage %s\n", j+1, p.Sigma[j].Text('g', 6), s.Text('g', 6))
	}
	// Output:
	// regime: partial rank: 2
	// L* = 2.053418013
	// train MSE = 2.333333333
	// σ_1 = 3, shrinkage 0.42265
	// σ_2 = 1.33333, shrinkage 0.133975
	// σ_3 = 0.333333, shrinkage 0
}

// A hand-built instance is checked before anything is computed: a
// negative λ is an error, not a panic.
func ExamplePredict_invalid() {
	in, _ := instance.Parse([]byte(`{"targets": [["1"], ["-1"]], "lambda_h": "1", "lambda_w": "1", "d": 1}`))
	in.LambdaW.SetInt64(-1)
	_, err := theory.Predict(in, 0)
	fmt.Println(err)
	// Output:
	// theory: invalid instance: lambda_w: must be ≥ 0, got -1
}
