package bigmat

import (
	"math/rand/v2"
	"testing"
)

var benchDigits = []int{50, 100, 300}

// BenchmarkSymEigen: cyclic Jacobi on random symmetric matrices. The
// sweeps/op metric shows the (logarithmic) growth of the sweep count with
// the precision.
func BenchmarkSymEigen(b *testing.B) {
	for _, n := range []int{4, 16, 64} {
		for _, digits := range benchDigits {
			b.Run(name("n=%d/digits=%d", n, digits), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(uint64(n), uint64(digits)))
				a := randomSymmetric(rng, n, Bits(digits))
				var e SymEigen
				b.ResetTimer()
				for range b.N {
					if err := e.Factorize(a); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(e.Sweeps), "sweeps/op")
			})
		}
	}
}

func BenchmarkSqrtPSD(b *testing.B) {
	for _, n := range []int{4, 16} {
		for _, digits := range benchDigits {
			b.Run(name("n=%d/digits=%d", n, digits), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(uint64(n), 1))
				prec := Bits(digits)
				g := randomSymmetric(rng, n, prec)
				a := new(Dense).Mul(g, g) // PSD
				b.ResetTimer()
				for range b.N {
					if _, err := SqrtPSD(a); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkCholesky(b *testing.B) {
	for _, n := range []int{16, 64} {
		for _, digits := range benchDigits {
			b.Run(name("n=%d/digits=%d", n, digits), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(uint64(n), 2))
				prec := Bits(digits)
				g := randomSymmetric(rng, n, prec)
				a := new(Dense).Mul(g, g).AddScaledIdentity(new(Dense).Mul(g, g), bf(prec, 1))
				rhs := randomSymmetric(rng, n, prec).Column(0)
				var ch Cholesky
				x := new(Dense)
				b.ResetTimer()
				for range b.N {
					if err := ch.Factorize(a); err != nil {
						b.Fatal(err)
					}
					ch.SolveTo(x, rhs)
				}
			})
		}
	}
}

func BenchmarkLU(b *testing.B) {
	for _, n := range []int{16, 64} {
		b.Run(name("n=%d/digits=100", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(uint64(n), 3))
			a := randomRat(rng, n, n).dense(Bits(100))
			var f LU
			b.ResetTimer()
			for range b.N {
				if err := f.Factorize(a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMul(b *testing.B) {
	for _, n := range []int{16, 64} {
		for _, digits := range benchDigits {
			b.Run(name("n=%d/digits=%d", n, digits), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(uint64(n), 4))
				prec := Bits(digits)
				x := randomSymmetric(rng, n, prec)
				y := randomSymmetric(rng, n, prec)
				z := New(n, n, prec)
				b.ResetTimer()
				for range b.N {
					z.Mul(x, y)
				}
			})
		}
	}
}

// BenchmarkMulFixed compares MulFixed with Mul (exact dot products, one
// rounding) and with the product rounded at every operation (mulRounded,
// Mul before issue 15's last round) on n×n products of random
// full-precision matrices (entries spread over 2^-20…1).
func BenchmarkMulFixed(b *testing.B) {
	for _, n := range []int{16, 64} {
		for _, digits := range []int{50, 300, 1000} {
			if n == 64 && digits == 1000 {
				continue
			}
			rng := rand.New(rand.NewPCG(uint64(n), uint64(digits)))
			prec := Bits(digits)
			x := randomSpread(rng, n, n, prec, 20, 0)
			y := randomSpread(rng, n, n, prec, 20, 0)
			b.Run(name("Mul/n=%d/digits=%d", n, digits), func(b *testing.B) {
				for range b.N {
					new(Dense).Mul(x, y)
				}
			})
			b.Run(name("MulRounded/n=%d/digits=%d", n, digits), func(b *testing.B) {
				for range b.N {
					mulRounded(x, y, prec)
				}
			})
			b.Run(name("MulFixed/n=%d/digits=%d", n, digits), func(b *testing.B) {
				for range b.N {
					new(Dense).MulFixed(x, y)
				}
			})
		}
	}
}
