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

// TestBlockedResidualsMatchRowPath: NRC1 and NRC2 do not change when the
// features are scaled by 2^350 (exactly), but such rows leave the range
// in which the residual pass runs as block products (projSafe), so the
// scaled input takes the row-by-row path with the scaled norm. The two
// paths agree to 1e-12 relative (both are float64 sums of d-term inner
// products, relative error ~d·2⁻⁵² each); a wrong tile index or a lost
// row in the block path changes NRC1/NRC2 by far more.
func TestBlockedResidualsMatchRowPath(t *testing.T) {
	const M, d, n = 700, 70, 5 // M not a multiple of 256, d of 12
	h, w, y := benchData(M, d, n)
	big := make([]float64, len(h))
	for i, v := range h {
		big[i] = math.Ldexp(v, 350)
	}
	if normsSafe([]float64{math.Ldexp(1, 350)}, 0) {
		t.Fatal("2^350 is inside the blocked range: the test would not reach the row path")
	}
	r1 := compute(t, M, d, n, h, w, y, Options{})
	r2 := compute(t, M, d, n, big, w, y, Options{})
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"NRC1", r1.NRC1, r2.NRC1}, {"NRC2", r1.NRC2, r2.NRC2}} {
		if math.Abs(c.got-c.want) > 1e-12*math.Abs(c.want) {
			t.Errorf("%s: blocked %v, row path %v", c.name, c.got, c.want)
		}
	}
	if r1.NRC1 < 1e-4 || r1.NRC2 < 1e-4 {
		t.Fatalf("NRC1 %g NRC2 %g: too small for a 1e-12 relative comparison to mean much", r1.NRC1, r1.NRC2)
	}
}
