package verify_test

import (
	"fmt"
	"math/big"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/theory"
	"github.com/nrc-ufm/ufm/verify"
)

const example = `{
	"targets": [["3","0","0"], ["-3","0","0"], ["0","2","0"], ["0","-2","0"], ["0","0","1"], ["0","0","-1"]],
	"lambda_h": "1", "lambda_w": "1", "d": 3, "digits": 30}`

// Run predicts, solves and compares: the two independent sides agree on
// every quantity the theory determines, to the requested digits less
// verify.Margin.
func ExampleRun() {
	in, err := instance.Parse([]byte(example))
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := verify.Run(in, 30, solver.Settings{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Status, "— required digits:", rep.Required)
	fmt.Println("min_loss digits ≥ required:", *rep.Agreement.MinLoss >= rep.Required)
	// Output:
	// agree — required digits: 25
	// min_loss digits ≥ required: true
}

// Compare is not a rubber stamp: a solver result whose W Wᵀ is off by three
// parts in 10¹¹ (10 digits right) disagrees, and the report names the
// quantity.
func ExampleCompare() {
	in, err := instance.Parse([]byte(example))
	if err != nil {
		fmt.Println(err)
		return
	}
	pred, err := theory.Predict(in, 30)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := solver.Solve(in, solver.Settings{Digits: 30})
	if err != nil {
		fmt.Println(err)
		return
	}
	res.WW = res.WW.Clone()
	x := res.WW.At(0, 0)
	x.Mul(x, big.NewFloat(1+3e-11))
	rep, err := verify.Compare(in, pred, res)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Status, "— worst:", rep.Worst, *rep.Agreement.WW, "digits")
	// Output:
	// disagree — worst: ww 10 digits
}
