package solver_test

import (
	"fmt"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
)

// The solver minimizes L(W, H, b) itself, without the closed form. On the
// instance of theory's example (Σ = diag(3, 4/3, 1/3), c = 1, d = 3) it
// reaches L* = 2.0534180126… and W Wᵀ = diag(√3 − 1, √(4/3) − 1, 0) =
// diag(0.7320508…, 0.1547005…, 0) (docs/theory.md §2, R6), values that the
// theory predicts independently.
func ExampleSolve() {
	in, err := instance.Parse([]byte(`{
		"targets": [["3","0","0"], ["-3","0","0"], ["0","2","0"], ["0","-2","0"], ["0","0","1"], ["0","0","-1"]],
		"lambda_h": "1", "lambda_w": "1", "d": 3, "digits": 30}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := solver.Solve(in, solver.Settings{Digits: 30})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("stop:", res.Stop, "converged:", res.Converged)
	fmt.Println("L =", res.MinLoss.Text('g', 10))
	fmt.Println("WWᵀ diagonal:", res.WW.At(0, 0).Text('g', 7), res.WW.At(1, 1).Text('g', 7))
	// Output:
	// stop: converged converged: true
	// L = 2.053418013
	// WWᵀ diagonal: 0.7320508 0.1547005
}

// In the trivial regime (c = λ_Hλ_W at or above every variance; here
// Σ = diag(3, 4/3, 1/3) and c = 16) W = 0 is a global minimizer, which the
// solver decides exactly in rationals (no spectrum, no closed form) and
// then returns exactly, without iterating: W Wᵀ = 0, H = 0, b = ȳ and
// L* = tr Σ/2 = 7/3.
func ExampleSolve_trivial() {
	in, err := instance.Parse([]byte(`{
		"targets": [["3","0","0"], ["-3","0","0"], ["0","2","0"], ["0","-2","0"], ["0","0","1"], ["0","0","-1"]],
		"lambda_h": "4", "lambda_w": "4", "d": 3, "digits": 30}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := solver.Solve(in, solver.Settings{Digits: 30})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("stop:", res.Stop, "converged:", res.Converged, "iterations:", res.Iterations)
	fmt.Println("L =", res.MinLoss.Text('g', 10))
	fmt.Println("max |W Wᵀ| =", res.WW.MaxAbs().Text('g', 5), "scale of its digits:", res.WWScale.Text('g', 5))
	// Output:
	// stop: converged converged: true iterations: 0
	// L = 2.333333333
	// max |W Wᵀ| = 0 scale of its digits: 0
}
