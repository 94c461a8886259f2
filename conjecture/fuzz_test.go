package conjecture

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: Parse never panics; what it accepts has a claim that
// validates, and (when it needs no solver) evaluates on a small instance
// without panicking — an evaluation may fail, with an error.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"../examples/conjectures/*.conj", "testdata/bad/*.conj"} {
		files, _ := filepath.Glob(glob)
		for _, p := range files {
			if src, err := os.ReadFile(p); err == nil {
				f.Add(src)
			}
		}
	}
	f.Add([]byte("name: t\nstatement: s\nquantity: pow(2, 1/3) ^ -2\nformula: sum(j, 1, n, if(sigma(j) > c, 1, 0))\n"))
	in := diagInstance()
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := Parse("fuzz", src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		cl := c.Claim()
		if err := cl.Validate(); err != nil {
			t.Fatalf("accepted conjecture gives an invalid claim: %v", err)
		}
		if c.UsesSolver {
			return
		}
		_, _ = c.Evaluate(in, 20, 1, 0)
	})
}
