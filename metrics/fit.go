package metrics

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// FitResult is how well the last layer fits the targets: predictions
// ŷ_i = W h_i + b.
type FitResult struct {
	// MSE is (1/M) Σ_i ‖ŷ_i − y_i‖² (docs/theory.md §1: no 1/2, summed over the
	// n outputs, averaged over the samples).
	MSE float64
	// R2 is 1 − Σ_k SS_res,k / Σ_k SS_tot,k with SS_tot,k = Σ_i (y_ik −
	// ȳ_k)² (variance-weighted over the outputs; scikit-learn's
	// multioutput="variance_weighted"). Undefined (Valid false) when every
	// output is constant.
	R2 float64
	// R2Uniform is the mean over the outputs of 1 − SS_res,k/SS_tot,k
	// (scikit-learn's default, "uniform_average"), over the outputs that
	// are not constant.
	R2Uniform float64
	// R2PerOutput[k] is output k's R² (NaN-free: 0 for a constant output,
	// which is also counted in ConstantOutputs).
	R2PerOutput     []float64
	ConstantOutputs int
	Valid           bool
}

// Fit computes the training MSE and R² of predictions W h_i + b for
// features H (M×d), weights W (n×d), bias b (length n; nil means b = 0)
// and targets Y (M×n). It streams: one pass over Y for the means, one over
// H and Y together, in blocks; besides the inputs it keeps O(blockRows·
// (d + n) + n·d) numbers.
func Fit(h, w Rows, b []float64, y Rows) (*FitResult, error) {
	M, d := h.Dims()
	n, wd := w.Dims()
	yM, yn := y.Dims()
	if err := CheckShapes(M, d, n, wd, yM, yn); err != nil {
		return nil, err
	}
	if b != nil && len(b) != n {
		return nil, fmt.Errorf("bias has %d entries but the weights are %s (want %d)", len(b), Shape(n, wd), n)
	}
	if i, bad := firstBad(b); bad {
		return nil, fmt.Errorf("bias: non-finite value %v at entry %d", b[i], i)
	}
	wData := make([]float64, n*d)
	if err := w.Block(0, n, wData); err != nil {
		return nil, fmt.Errorf("weights: %v", err)
	}
	if i, bad := firstBad(wData); bad {
		return nil, fmt.Errorf("weights: non-finite value %v at row %d, column %d (counting from 0)", wData[i], i/d, i%d)
	}
	ys := newStream(y, "targets", 1)
	yMean, _, _, err := ys.moments(true)
	if err != nil {
		return nil, err
	}
	scaleBy(yMean, 1/ys.scale) // moments returns it in units of ys.scale
	ys.scale = 0
	res := make([]kahan, n)
	tot := make([]kahan, n)
	hBuf := make([]float64, blockRows*d)
	yBuf := make([]float64, blockRows*n)
	pred := make([]float64, blockRows*n)
	W := blas64.General{Rows: n, Cols: d, Stride: d, Data: wData}
	for i0 := 0; i0 < M; i0 += blockRows {
		i1 := min(i0+blockRows, M)
		rows := i1 - i0
		if err := h.Block(i0, i1, hBuf[:rows*d]); err != nil {
			return nil, fmt.Errorf("features: %v", err)
		}
		if i, bad := firstBad(hBuf[:rows*d]); bad {
			return nil, fmt.Errorf("features: non-finite value %v at row %d, column %d (counting from 0)", hBuf[i], i0+i/d, i%d)
		}
		if err := y.Block(i0, i1, yBuf[:rows*n]); err != nil {
			return nil, fmt.Errorf("targets: %v", err)
		}
		// pred = H_block · Wᵀ (rows×n).
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, blas64.General{Rows: rows, Cols: d, Stride: d, Data: hBuf}, W,
			0, blas64.General{Rows: rows, Cols: n, Stride: n, Data: pred})
		for r := 0; r < rows; r++ {
			for k := 0; k < n; k++ {
				e := pred[r*n+k] - yBuf[r*n+k]
				if b != nil {
					e += b[k]
				}
				res[k].add(e * e)
				c := yBuf[r*n+k] - yMean[k]
				tot[k].add(c * c)
			}
		}
	}
	out := &FitResult{R2PerOutput: make([]float64, n)}
	var sumRes, sumTot kahan
	uniform, counted := 0.0, 0
	for k := 0; k < n; k++ {
		r, t := res[k].sum(), tot[k].sum()
		sumRes.add(r)
		sumTot.add(t)
		if t == 0 {
			out.ConstantOutputs++
			continue
		}
		out.R2PerOutput[k] = 1 - r/t
		uniform += out.R2PerOutput[k]
		counted++
	}
	out.MSE = sumRes.sum() / float64(M)
	if counted > 0 {
		out.Valid = true
		out.R2 = 1 - sumRes.sum()/sumTot.sum()
		out.R2Uniform = uniform / float64(counted)
	}
	return out, nil
}
