package check_test

import (
	"fmt"
	"os"

	"github.com/nrc-ufm/ufm/certify/check"
)

// Check a certificate file: parse (unreadable → *ParseError), then verify
// every claim with exact rationals (false → *InvalidError).
func ExampleCheck() {
	data, err := os.ReadFile("testdata/tiny-1x2.cert.json")
	if err != nil {
		panic(err)
	}
	c, err := check.Parse(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := check.Check(c)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Name, rep.Method, rep.ProvedDigits)
	// Output:
	// tiny-1x2 dual 5
}
