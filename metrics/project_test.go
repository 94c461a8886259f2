package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestResidualSquares compares the block residuals with the row-by-row
// formula x − Σ_c (b_c·x) b_c in plain loops, for shapes around the panel
// width, an empty first or second set, and rows that lie in the span of
// the first set up to 1e-20 (exact collapse: the residual must be formed
// directly, so its norm is accurate to rounding of x, not to √ε as
// 1 − ‖Px‖² would give). Both sides compute the same quantities with sums
// of at most d + p terms of size ≤ ‖x‖; the allowed difference in the
// residual norm is 4·(d + p)·2⁻⁵²·‖x‖.
func TestResidualSquares(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, d := range []int{1, 5, 13, 40} {
		for _, sets := range [][2]int{{1, 0}, {0, 2}, {3, 4}, {5, 13}} {
			k1, r := min(sets[0], d), min(sets[1], d)
			for _, R := range []int{1, 13, 256} {
				t.Run(fmt.Sprintf("d=%d,k1=%d,r=%d,R=%d", d, k1, r, R), func(t *testing.T) {
					p := k1 + r
					basis := append(orthonormalRows(rng, k1, d), orthonormalRows(rng, r, d)...)
					x := make([]float64, R*d)
					for i := 0; i < R; i++ {
						row := x[i*d : (i+1)*d]
						for j := range row {
							row[j] = rng.NormFloat64()
						}
						if i%2 == 1 && k1 > 0 { // in span(first set) up to 1e-20
							c := make([]float64, k1)
							for q := range c {
								c[q] = rng.NormFloat64()
							}
							for j := range row {
								row[j] *= 1e-20
								for q := range c {
									row[j] += c[q] * basis[q*d+j]
								}
							}
						}
					}
					P := newProjector(basis, p, k1, d)
					out := [2][]float64{make([]float64, R), make([]float64, R)}
					var w projScratch
					P.residualSquares(x, R, &w, out)
					for i := 0; i < R; i++ {
						row := x[i*d : (i+1)*d]
						nx := math.Sqrt(dot(row, row))
						for s, lim := range [2][2]int{{0, k1}, {k1, p}} {
							if lim[0] == lim[1] {
								continue
							}
							res := append([]float64(nil), row...)
							for c := lim[0]; c < lim[1]; c++ {
								z := dot(basis[c*d:(c+1)*d], row)
								for j := range res {
									res[j] -= z * basis[c*d+j]
								}
							}
							want := math.Sqrt(dot(res, res))
							got := math.Sqrt(out[s][i])
							if tol := 4 * float64(d+p) * 0x1p-52 * nx; math.Abs(got-want) > tol {
								t.Fatalf("row %d set %d: residual %g, want %g (±%g)", i, s, got, want, tol)
							}
						}
					}
				})
			}
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// orthonormalRows returns k orthonormal rows of length d (k ≤ d) from
// the QR factorization of a Gaussian matrix.
func orthonormalRows(rng *rand.Rand, k, d int) []float64 {
	if k == 0 {
		return nil
	}
	A := mat.NewDense(d, k, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < k; j++ {
			A.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(A)
	var Q mat.Dense
	qr.QTo(&Q)
	out := make([]float64, k*d)
	for c := 0; c < k; c++ {
		for j := 0; j < d; j++ {
			out[c*d+j] = Q.At(j, c)
		}
	}
	return out
}
