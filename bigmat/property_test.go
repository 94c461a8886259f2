package bigmat

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// TestProperties runs randomized checks over sizes 1..10 and precisions
// 20..400 digits (gopter with a fixed seed, so failures reproduce). The
// tolerances are those of the table-driven tests: n·2^(−prec+8) times the
// natural scale.
func TestProperties(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(20240917)
	params.MinSuccessfulTests = 60
	props := gopter.NewProperties(params)

	props.Property("SymEigen: VΛVᵀ = A, VᵀV = I, descending", prop.ForAll(
		func(n, digits int, seed uint64) bool {
			prec := Bits(digits)
			a := randomSymmetric(rand.New(rand.NewPCG(seed, 1)), n, prec)
			var e SymEigen
			if e.Factorize(a) != nil {
				return false
			}
			for i := 1; i < n; i++ {
				if e.Values[i].Cmp(e.Values[i-1]) > 0 {
					return false
				}
			}
			recon, orth := eigenResiduals(a, &e)
			return recon.Cmp(tolFor(n, prec, a.FrobeniusNorm())) <= 0 &&
				orth.Cmp(tolFor(n, prec, bf(prec, 1))) <= 0
		},
		gen.IntRange(1, 10), gen.IntRange(20, 400), gen.UInt64(),
	))

	props.Property("Cholesky and LU solve GGᵀ+I", prop.ForAll(
		func(n, digits int, seed uint64) bool {
			prec := Bits(digits)
			rng := rand.New(rand.NewPCG(seed, 2))
			g := randomSymmetric(rng, n, prec)
			a := new(Dense).MulTrans(g, g)
			a.AddScaledIdentity(a, bf(prec, 1))
			b := randomSymmetric(rng, n, prec).Column(0)
			var ch Cholesky
			var f LU
			if ch.Factorize(a) != nil || f.Factorize(a) != nil {
				return false
			}
			for _, x := range []*Dense{ch.SolveTo(new(Dense), b), f.SolveTo(new(Dense), b)} {
				res := diffNorm(new(Dense).Mul(a, x), b)
				if res.Cmp(tolFor(n, prec, new(big.Float).Mul(a.FrobeniusNorm(), x.FrobeniusNorm()))) > 0 {
					return false
				}
			}
			// det from both factorizations agree to the rounding level
			// (κ ≤ ‖A‖_F·√n since λ_min ≥ 1).
			dc, dl := ch.Det(), f.Det()
			kappa := new(big.Float).Mul(a.FrobeniusNorm(), bf(prec, float64(n)))
			return absDiff(prec, dc, dl).Cmp(tolFor(n, prec, kappa.Mul(kappa, dc))) <= 0
		},
		gen.IntRange(1, 10), gen.IntRange(20, 400), gen.UInt64(),
	))

	props.TestingRun(t)
}
