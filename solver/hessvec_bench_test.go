package solver

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
)

// BenchmarkHessVec: the big-float pieces of one CG iteration on the
// issue-15 shape (d = 2n, M = 5n) at a random point: the product
// (H + R*R + νI)E (system: apply, gauge, damping), the operator's
// construction at a new point (newOp) and one inner product (dot). The
// precision is the working precision of digits (bigmat.Bits), or
// mixedPrec (pcgMixed's inner solves) for "mixed".
func BenchmarkHessVec(b *testing.B) {
	for _, c := range []struct {
		n, digits int
		mixed     bool
	}{{12, 50, false}, {17, 50, false}, {32, 50, false}, {12, 1000, true}, {12, 1000, false}} {
		in := mkInstance(b, "bench", benchTargets(c.n, 5*c.n, 1), "0.01", "0.03", 2*c.n, "free", "")
		red, err := newReduced(in, in.LambdaH, in.LambdaW, bigmat.Bits(c.digits))
		if err != nil {
			b.Fatal(err)
		}
		pt, err := red.eval(randDense(red.n, red.k, red.prec, 5))
		if err != nil {
			b.Fatal(err)
		}
		prec, label := red.prec, fmt.Sprintf("n=%d/digits=%d", c.n, c.digits)
		if c.mixed {
			prec, label = mixedPrec, label+"/mixed"
		}
		op := red.newHessOp(pt, red.prec)
		if c.mixed {
			op = op.rounded(prec)
		}
		e := fullMantissas(randDense(red.n, red.k, prec, 6))
		nu := new(big.Float).SetPrec(prec).SetFloat64(1e-20)
		b.Run("system/"+label, func(b *testing.B) {
			for range b.N {
				op.system(e, nu)
			}
		})
		b.Run("newOp/"+label, func(b *testing.B) {
			for range b.N {
				red.newHessOp(pt, prec)
			}
		})
		b.Run("dot/"+label, func(b *testing.B) {
			for range b.N {
				dotBig(e, e, prec)
			}
		})
	}
}

// fullMantissas returns m/3 at m's precision: entries with full-length
// mantissas, as CG's directions have (randDense's come from float64).
func fullMantissas(m *bigmat.Dense) *bigmat.Dense {
	third := new(big.Float).SetPrec(m.Prec()).Quo(big.NewFloat(1), big.NewFloat(3))
	return m.Scale(third, m)
}

// BenchmarkEvalCertify: one evaluation of φ and ∇φ (eval) and one
// certificate (certify: H, b, L, ∇L, WWᵀ, predictions, HᵀH) on the
// issue-15 shape (d = 2n, M = 5n) at a random point, at the working
// precision of digits.
func BenchmarkEvalCertify(b *testing.B) {
	for _, c := range []struct{ n, digits int }{{17, 50}, {32, 50}, {12, 1000}} {
		in := mkInstance(b, "bench", benchTargets(c.n, 5*c.n, 1), "0.01", "0.03", 2*c.n, "free", "")
		red, err := newReduced(in, in.LambdaH, in.LambdaW, bigmat.Bits(c.digits))
		if err != nil {
			b.Fatal(err)
		}
		v := fullMantissas(randDense(red.n, red.k, red.prec, 5))
		label := fmt.Sprintf("n=%d/digits=%d", c.n, c.digits)
		b.Run("eval/"+label, func(b *testing.B) {
			for range b.N {
				if _, err := red.eval(v); err != nil {
					b.Fatal(err)
				}
			}
		})
		w := new(bigmat.Dense).Scale(red.sqrtA0, v)
		b.Run("certify/"+label, func(b *testing.B) {
			for range b.N {
				certify(in, w, in.LambdaH, red.prec)
			}
		})
	}
}
