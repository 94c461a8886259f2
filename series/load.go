package series

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/nlpodyssey/safetensors"

	"github.com/nrc-ufm/ufm/internal/sysmem"
	"github.com/nrc-ufm/ufm/metrics"
)

// arrays are one epoch's inputs.
type arrays struct {
	H, W, Y *metrics.Matrix
	Bias    []float64 // nil: no bias
}

// loadNPY reads one epoch's .npy files; shared holds targets.npy (nil if
// absent).
func loadNPY(ep Epoch, shared *metrics.Matrix) (*arrays, error) {
	if err := preflightNPY(ep, shared); err != nil {
		return nil, err
	}
	a := &arrays{Y: shared}
	var err error
	if a.H, err = metrics.ReadNPYFile(ep.Features); err != nil {
		return nil, err
	}
	if a.W, err = metrics.ReadNPYFile(ep.Weights); err != nil {
		return nil, err
	}
	if a.W.OneD() {
		a.W = a.W.T() // a single weight vector w_1 (n = 1)
	}
	if ep.Targets != "" {
		if a.Y, err = metrics.ReadNPYFile(ep.Targets); err != nil {
			return nil, err
		}
	}
	if ep.Bias != "" {
		b, err := metrics.ReadNPYFile(ep.Bias)
		if err != nil {
			return nil, err
		}
		if a.Bias, err = vector(b, ep.Bias); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// preflightNPY decides from the .npy headers, before any data is read,
// whether the epoch's shapes agree and whether its arrays and the
// covariance work space (8·(4+3)·d² bytes, Table.one) fit in the memory
// this process may use (sysmem.Physical). A (2, 2^27) features file was
// read whole (2 GiB, whatever --memory-mb) before "sample counts differ"
// (QA session 24); a larger one dies with a runtime out-of-memory crash.
func preflightNPY(ep Epoch, shared *metrics.Matrix) error {
	h, err := metrics.ReadNPYInfoFile(ep.Features)
	if err != nil {
		return err
	}
	w, err := metrics.ReadNPYInfoFile(ep.Weights)
	if err != nil {
		return err
	}
	if w.OneD {
		w.Rows, w.Cols = w.Cols, w.Rows
	}
	need := h.Bytes() + w.Bytes() + 8*7*int64(h.Cols)*int64(h.Cols)
	var yRows, yCols int
	switch {
	case ep.Targets != "":
		y, err := metrics.ReadNPYInfoFile(ep.Targets)
		if err != nil {
			return err
		}
		yRows, yCols = y.Rows, y.Cols
		need += y.Bytes()
	case shared != nil:
		yRows, yCols = shared.Dims()
	default:
		return nil // the reading names the missing targets
	}
	if err := metrics.CheckShapes(h.Rows, h.Cols, w.Rows, w.Cols, yRows, yCols); err != nil {
		return err
	}
	if mem := sysmem.Physical(); mem > 0 && need > mem {
		return fmt.Errorf("the arrays and the %d×%d covariance work space take %.3g GiB, more than the %.3g GiB this machine has", h.Cols, h.Cols, float64(need)/(1<<30), float64(mem)/(1<<30))
	}
	return nil
}

// vector returns a 1-D array, or a 1×n or n×1 one, as a slice.
func vector(m *metrics.Matrix, name string) ([]float64, error) {
	r, c := m.Dims()
	if r != 1 && c != 1 {
		return nil, fmt.Errorf("%s: bias is %s, want a vector", name, metrics.Shape(r, c))
	}
	return m.RowMajor(), nil
}

// SafeTensors tensor names of an epoch file.
const (
	TensorFeatures = "features"
	TensorWeights  = "weights"
	TensorBias     = "bias"
	TensorTargets  = "targets"
)

// loadSafeTensors reads epoch-N.safetensors (tensors features, weights,
// optional bias and targets; F64, F32, BF16 or F16, widened exactly).
func loadSafeTensors(path string, shared *metrics.Matrix) (*arrays, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseSafeTensors(buf, path, shared)
}

// parseSafeTensors is loadSafeTensors on the bytes of a file named path.
func parseSafeTensors(buf []byte, path string, shared *metrics.Matrix) (*arrays, error) {
	st, err := safetensors.Deserialize(buf)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	a := &arrays{Y: shared}
	get := func(name string, required bool) (*metrics.Matrix, error) {
		row := name == TensorWeights
		tv, ok := st.Tensor(name)
		if !ok {
			if required {
				return nil, fmt.Errorf("%s: no tensor %q (has %s)", path, name, strings.Join(st.Names(), ", "))
			}
			return nil, nil
		}
		m, err := tensorMatrix(tv, row)
		if err != nil {
			return nil, fmt.Errorf("%s: tensor %q: %v", path, name, err)
		}
		return m, nil
	}
	if a.H, err = get(TensorFeatures, true); err != nil {
		return nil, err
	}
	if a.W, err = get(TensorWeights, true); err != nil {
		return nil, err
	}
	y, err := get(TensorTargets, shared == nil)
	if err != nil {
		return nil, err
	}
	if y != nil {
		a.Y = y
	}
	b, err := get(TensorBias, false)
	if err != nil {
		return nil, err
	}
	if b != nil {
		if a.Bias, err = vector(b, path+" bias"); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// tensorMatrix converts a 1-D or 2-D float tensor (little-endian, as the
// format prescribes) to a Matrix; 1-D is one column, or one row if row.
func tensorMatrix(tv safetensors.TensorView, row bool) (*metrics.Matrix, error) {
	shape := tv.Shape()
	var rows, cols int
	switch len(shape) {
	case 1:
		rows, cols = int(shape[0]), 1
		if row {
			rows, cols = 1, rows
		}
	case 2:
		rows, cols = int(shape[0]), int(shape[1])
	default:
		return nil, fmt.Errorf("%d dimensions (want 1 or 2)", len(shape))
	}
	data := tv.Data()
	n := rows * cols
	switch tv.DType() {
	case safetensors.F64:
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
		return metrics.NewMatrix(rows, cols, v)
	case safetensors.F32:
		v := make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		return metrics.NewMatrix32(rows, cols, v)
	case safetensors.BF16:
		v := make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(data[2*i:])) << 16)
		}
		return metrics.NewMatrix32(rows, cols, v)
	case safetensors.F16:
		v := make([]float32, n)
		for i := range v {
			v[i] = half(binary.LittleEndian.Uint16(data[2*i:]))
		}
		return metrics.NewMatrix32(rows, cols, v)
	}
	return nil, fmt.Errorf("dtype %s (want F64, F32, BF16 or F16)", tv.DType())
}

// half widens an IEEE 754 binary16 value exactly.
func half(h uint16) float32 {
	sign := float32(1)
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float32(h & 0x3ff)
	switch exp {
	case 0: // subnormal
		return sign * frac * float32(math.Ldexp(1, -24))
	case 0x1f:
		if frac == 0 {
			return sign * float32(math.Inf(1))
		}
		return float32(math.NaN())
	}
	return sign * (1 + frac/1024) * float32(math.Ldexp(1, exp-15))
}
