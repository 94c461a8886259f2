package conjecture_test

import (
	"fmt"

	"github.com/nrc-ufm/ufm/conjecture"
	"github.com/nrc-ufm/ufm/proofs"
)

// A conjecture written in Go with the expressions of a conjecture file,
// searched like any claim.
func ExampleNew() {
	c, err := conjecture.New(conjecture.Spec{
		Name:       "training-mse-wrong",
		Statement:  "The training MSE is Σ_j min(σ_j, √(c σ_j)) (wrong on purpose).",
		Hypotheses: "lambda_h > 0 && lambda_w > 0 && d >= n",
		Quantity:   "train_mse",
		Formula:    "sum(j, 1, n, min(sigma(j), sqrt(c * sigma(j))))",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	claim := c.Claim()
	res, err := proofs.Search(&claim, proofs.SearchOptions{Budget: 20, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	ce := res.Counterexample
	fmt.Println("refuted:", ce != nil)
	fmt.Printf("shrunk to n = %d, M = %d\n", ce.Instance.N(), ce.Instance.M())
	// Output:
	// refuted: true
	// shrunk to n = 1, M = 2
}

// Errors name the line and column.
func ExampleParse() {
	src := "name: t\nstatement: s\nquantity: train_mse\nformula: sum(j, 1, n, min(sigma(j), c)\n"
	_, err := conjecture.Parse("mse.conj", []byte(src))
	fmt.Println(err)
	// Output:
	// mse.conj:4:39: expected ',' or ')' in the arguments of sum( at line 4, column 13, found the end of the expression
}
