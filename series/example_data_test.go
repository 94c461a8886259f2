package series

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/nrc-ufm/ufm/metrics"
)

// Shipped example (examples/series): gradient descent on the UFM objective
// of docs/theory.md §1, checkpointed five times.
const (
	exM, exD, exN    = 120, 12, 3
	exLambdaH        = 0.01
	exLambdaW        = 0.01
	exStep           = 0.2
	exampleDirectory = "../examples/series"
)

// exCheckpoints are the gradient steps after which epochs 1…5 are dumped.
var exCheckpoints = []int{10, 60, 300, 1500, 6000}

// TestWriteSeriesExample regenerates examples/series when
// UFM_WRITE_SERIES_EXAMPLE=1 (make examples); otherwise it is skipped.
func TestWriteSeriesExample(t *testing.T) {
	if os.Getenv("UFM_WRITE_SERIES_EXAMPLE") != "1" {
		t.Skip("set UFM_WRITE_SERIES_EXAMPLE=1 to regenerate examples/series")
	}
	if err := writeExample(exampleDirectory); err != nil {
		t.Fatal(err)
	}
}

// writeExample trains the UFM by plain gradient descent (per-sample step
// for H) from a small random start and writes the checkpoints as float32
// .npy files: epoch-K.features.npy (M×d), epoch-K.weights.npy (n×d),
// epoch-K.bias.npy (n), and targets.npy (M×n) once.
func writeExample(dir string) error {
	rng := rand.New(rand.NewPCG(2024, 9))
	// Targets with well-separated principal variances (≈ 4, 1, 0.25).
	Y := mat.NewDense(exN, exM, nil)
	scales := []float64{2, 1, 0.5}
	for k := 0; k < exN; k++ {
		for i := 0; i < exM; i++ {
			Y.Set(k, i, scales[k]*rng.NormFloat64()+float64(k))
		}
	}
	W := mat.NewDense(exN, exD, nil)
	H := mat.NewDense(exD, exM, nil)
	for _, m := range []*mat.Dense{W, H} {
		r, c := m.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				m.Set(i, j, 0.1*rng.NormFloat64())
			}
		}
	}
	b := mat.NewVecDense(exN, nil)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeF32(filepath.Join(dir, "targets.npy"), mat.DenseCopyOf(Y.T())); err != nil {
		return err
	}
	var R, gW, gH mat.Dense
	step := 0
	for e, until := range exCheckpoints {
		for ; step < until; step++ {
			// R = W H + b 1ᵀ − Y
			R.Mul(W, H)
			for k := 0; k < exN; k++ {
				for i := 0; i < exM; i++ {
					R.Set(k, i, R.At(k, i)+b.AtVec(k)-Y.At(k, i))
				}
			}
			gW.Mul(&R, H.T()) // M·∇_W − M λ_W W
			gW.Scale(1.0/exM, &gW)
			gW.Add(&gW, scaled(exLambdaW, W))
			gH.Mul(W.T(), &R) // per-sample gradient of h_i
			gH.Add(&gH, scaled(exLambdaH, H))
			for k := 0; k < exN; k++ {
				s := 0.0
				for i := 0; i < exM; i++ {
					s += R.At(k, i)
				}
				b.SetVec(k, b.AtVec(k)-exStep*s/exM)
			}
			W.Sub(W, scaled(exStep, &gW))
			H.Sub(H, scaled(exStep, &gH))
		}
		base := filepath.Join(dir, fmt.Sprintf("epoch-%d", e+1))
		if err := writeF32(base+".features.npy", mat.DenseCopyOf(H.T())); err != nil {
			return err
		}
		if err := writeF32(base+".weights.npy", W); err != nil {
			return err
		}
		if err := writeF32(base+".bias.npy", mat.NewDense(1, exN, mat.VecDenseCopyOf(b).RawVector().Data)); err != nil {
			return err
		}
	}
	return nil
}

func scaled(s float64, m mat.Matrix) *mat.Dense {
	var out mat.Dense
	out.Scale(s, m)
	return &out
}

// writeF32 writes m as a float32 C-order .npy file.
func writeF32(path string, m *mat.Dense) error {
	r, c := m.Dims()
	v := make([]float32, 0, r*c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			v = append(v, float32(m.At(i, j)))
		}
	}
	mm, err := metrics.NewMatrix32(r, c, v)
	if err != nil {
		return err
	}
	return metrics.WriteNPYFile(path, mm, metrics.Float32, false)
}
