package certify

import (
	"testing"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/verify"
)

// The speed bar: certify at 50 digits within 3× verify at 50
// digits on the same instance. Compare BenchmarkCertify50/NAME with
// BenchmarkVerify50/NAME.
var benchFiles = []string{"full-4x10", "partial-3x5", "d-less-than-n-4x2"}

func BenchmarkCertify50(b *testing.B) {
	for _, name := range benchFiles {
		in := benchInstance(b, name)
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Build(in, Options{Digits: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify50(b *testing.B) {
	for _, name := range benchFiles {
		in := benchInstance(b, name)
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := verify.Run(in, 50, solver.Settings{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchInstance(b *testing.B, name string) *instance.Instance {
	in, err := instance.Load("../examples/" + name + ".json")
	if err != nil {
		b.Fatal(err)
	}
	return in
}
