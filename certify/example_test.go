package certify_test

import (
	"fmt"

	"github.com/nrc-ufm/ufm/certify"
	"github.com/nrc-ufm/ufm/instance"
)

// Certify the minimum of a small instance to 20 digits and print the
// proved bounds (rounded outward) and the verdict. (Independently, mpmath
// at 40 digits gives L* = Σ_j (√(cσ_j) − c/2) = 0.27634358095118159331608…
// for σ = 3.25, 1.125 and c = 1/100.)
func ExampleBuild() {
	in, err := instance.Parse([]byte(`{"name": "two-by-four",
		"targets": [["1", "2"], ["-1", "0"], ["3", "1"], ["0", "-2"]],
		"lambda_h": "1/10", "lambda_w": "1/10", "d": 2}`))
	if err != nil {
		panic(err)
	}
	res, err := certify.Build(in, certify.Options{Digits: 20})
	if err != nil {
		panic(err)
	}
	r := res.Report
	fmt.Println(certify.Decimal(r.Lower, 20, false), "≤ L* ≤", certify.Decimal(r.Upper, 20, true))
	fmt.Println(r.Method, "|", res.File.Verdict)
	// Output:
	// 0.27634358095118159331 ≤ L* ≤ 0.27634358095118159332
	// dual | proved to 20 digits
}
