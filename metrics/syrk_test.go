package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestSyrkBlock compares the packed tile update with the plain triple loop
// XᵀX for shapes around the panel width (d = 1 … 2·syrkPanel + 1 and a
// large d, rows 1 … 256, with and without a mean shift), for the Go kernel
// and, where the CPU has it, the AVX2 kernel. The sums of rows ≤ 256
// products of numbers in [−1, 1] (after the shift, in [−2, 2]) differ
// between summation orders and fused/unfused multiply-adds by at most
// rows·4·2⁻⁵² (the γ_rows bound on |Σ|x||y| ≤ 4·rows); the test allows
// 2·rows·4·2⁻⁵², so a wrong index or a lost row (an error ≥ 2⁻⁵ for these
// values) fails.
func TestSyrkBlock(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	kernels := map[string]bool{"go": false}
	if useSyrkAVX2 {
		kernels["avx2"] = true
	}
	for _, d := range []int{1, 3, 4, 5, 11, 12, 13, 16, 24, 25, 77} {
		for _, rows := range []int{1, 2, 7, 256} {
			for _, shift := range []bool{false, true} {
				x := make([]float64, rows*d)
				for i := range x {
					x[i] = 2*rng.Float64() - 1
				}
				var mean []float64
				if shift {
					mean = make([]float64, d)
					for j := range mean {
						mean[j] = 2*rng.Float64() - 1
					}
				}
				want := make([]float64, d*d)
				wantDev := make([]float64, d)
				for r := 0; r < rows; r++ {
					for i := 0; i < d; i++ {
						xi := x[r*d+i]
						if shift {
							xi -= mean[i]
						}
						wantDev[i] += xi
						for j := 0; j < d; j++ {
							xj := x[r*d+j]
							if shift {
								xj -= mean[j]
							}
							want[i*d+j] += xi * xj
						}
					}
				}
				for name, avx := range kernels {
					t.Run(fmt.Sprintf("d=%d,rows=%d,shift=%v,%s", d, rows, shift, name), func(t *testing.T) {
						dp := paddedDim(d)
						panels := make([]float64, rows*dp)
						dev := make([]float64, d)
						packCentered(panels, x, mean, dev, rows, d)
						c := make([]float64, dp*dp)
						c[0] = 1 // the update adds to what is there
						withKernel(avx, func() { syrkBlock(panels, rows, d, c) })
						tol := 2 * float64(rows) * 4 * 0x1p-52
						for i := 0; i < d; i++ {
							if math.Abs(dev[i]-wantDev[i]) > tol {
								t.Fatalf("column sum %d: %v, want %v", i, dev[i], wantDev[i])
							}
							for j := i; j < d; j++ {
								w := want[i*d+j]
								if i == 0 && j == 0 {
									w++
								}
								if got := c[i*dp+j]; math.Abs(got-w) > tol {
									t.Fatalf("C[%d][%d] = %v, want %v", i, j, got, w)
								}
							}
						}
					})
				}
			}
		}
	}
}

// withKernel runs f with the AVX2 kernel on or off.
func withKernel(avx bool, f func()) {
	if useSyrkAVX2 == avx {
		f()
		return
	}
	setSyrkAVX2(avx)
	defer setSyrkAVX2(!avx)
	f()
}

func setSyrkAVX2(on bool) { useSyrkAVX2 = on }

// TestPackedSymMul compares packedSym.mulTo with gonum's product for
// shapes around the panel width and a strided source. Entries lie in
// [−1, 1], so each entry is a sum of d products with Σ|c||x| ≤ d, and two
// summation orders differ by at most 2·γ_d·d ≈ d²·2⁻⁵²; the test allows
// twice that, far below the error of a wrong index (order 1).
func TestPackedSymMul(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, d := range []int{1, 4, 5, 12, 13, 30, 67} {
		for _, p := range []int{1, 3, 12, 14, 31} {
			C := mat.NewSymDense(d, nil)
			for i := 0; i < d; i++ {
				for j := i; j < d; j++ {
					C.SetSym(i, j, 2*rng.Float64()-1)
				}
			}
			X := mat.NewDense(d, p+2, nil)
			for i := 0; i < d; i++ {
				for j := 0; j < p+2; j++ {
					X.Set(i, j, 2*rng.Float64()-1)
				}
			}
			Xs := X.Slice(0, d, 1, p+1).(*mat.Dense)
			var want mat.Dense
			want.Mul(C, Xs)
			got := mat.NewDense(d, p, nil)
			newPackedSym(C).mulTo(got, Xs)
			tol := 2 * float64(d) * 0x1p-52 * float64(d)
			for i := 0; i < d; i++ {
				for j := 0; j < p; j++ {
					if math.Abs(got.At(i, j)-want.At(i, j)) > tol {
						t.Fatalf("d=%d p=%d: (CX)[%d][%d] = %v, want %v", d, p, i, j, got.At(i, j), want.At(i, j))
					}
				}
			}
		}
	}
}
