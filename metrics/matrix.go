package metrics

import (
	"fmt"
	"math"
)

// Rows is a source of sample rows that the streaming computation can read
// more than once. A Matrix is one; a caller whose data do not fit in memory
// can implement Rows over a file or a database instead.
type Rows interface {
	// Dims returns the number of rows (samples) and columns.
	Dims() (rows, cols int)
	// Block copies rows [i0, i1) into dst, row-major: row i0+k, column j
	// goes to dst[k*cols+j]. len(dst) ≥ (i1−i0)·cols.
	Block(i0, i1 int, dst []float64) error
}

// Matrix is a dense rows×cols array of float64 or float32 values stored in
// row-major (C) or column-major (Fortran) order, as read from a .npy or a
// .csv file. Float32 data stay float32 in memory and are widened (exactly)
// when rows are read, so a large float32 file costs no more than its size.
type Matrix struct {
	rows, cols int
	f64        []float64
	f32        []float32
	colMajor   bool
	oneD       bool // read from a 1-D array (a single column)
}

// NewMatrix returns the rows×cols matrix with row-major entries data (not
// copied). It fails if the sizes do not agree.
func NewMatrix(rows, cols int, data []float64) (*Matrix, error) {
	if err := checkSize(rows, cols, len(data)); err != nil {
		return nil, err
	}
	return &Matrix{rows: rows, cols: cols, f64: data}, nil
}

// NewMatrix32 is NewMatrix for float32 data.
func NewMatrix32(rows, cols int, data []float32) (*Matrix, error) {
	if err := checkSize(rows, cols, len(data)); err != nil {
		return nil, err
	}
	return &Matrix{rows: rows, cols: cols, f32: data}, nil
}

// NewMatrixColMajor returns the rows×cols matrix whose entries data are
// stored column by column (Fortran order), not copied.
func NewMatrixColMajor(rows, cols int, data []float64) (*Matrix, error) {
	m, err := NewMatrix(rows, cols, data)
	if err == nil {
		m.colMajor = true
	}
	return m, err
}

func checkSize(rows, cols, n int) error {
	if rows < 0 || cols < 0 {
		return fmt.Errorf("negative shape %d×%d", rows, cols)
	}
	if cols != 0 && rows > math.MaxInt/cols || rows*cols != n {
		return fmt.Errorf("%d values do not make a %d×%d matrix", n, rows, cols)
	}
	return nil
}

// Dims returns the number of rows and columns.
func (m *Matrix) Dims() (rows, cols int) { return m.rows, m.cols }

// Float32 reports whether the entries are stored as float32.
func (m *Matrix) Float32() bool { return m.f32 != nil }

// OneD reports whether the matrix was read from a 1-D array, as a single
// column.
func (m *Matrix) OneD() bool { return m.oneD }

// ColMajor reports whether the entries are stored column by column.
func (m *Matrix) ColMajor() bool { return m.colMajor }

// index returns the storage index of entry (i, j).
func (m *Matrix) index(i, j int) int {
	if m.colMajor {
		return j*m.rows + i
	}
	return i*m.cols + j
}

// At returns entry (i, j). It panics if (i, j) is out of range.
func (m *Matrix) At(i, j int) float64 {
	if i < 0 || i >= m.rows || j < 0 || j >= m.cols {
		panic(fmt.Sprintf("metrics: index (%d,%d) out of range %d×%d", i, j, m.rows, m.cols))
	}
	k := m.index(i, j)
	if m.f32 != nil {
		return float64(m.f32[k])
	}
	return m.f64[k]
}

// Block implements Rows. It never fails.
func (m *Matrix) Block(i0, i1 int, dst []float64) error {
	if i0 < 0 || i1 > m.rows || i0 > i1 || len(dst) < (i1-i0)*m.cols {
		return fmt.Errorf("metrics: block [%d,%d) of a %d-row matrix into %d values", i0, i1, m.rows, len(dst))
	}
	c := m.cols
	switch {
	case !m.colMajor && m.f64 != nil:
		copy(dst, m.f64[i0*c:i1*c])
	case !m.colMajor:
		for k, v := range m.f32[i0*c : i1*c] {
			dst[k] = float64(v)
		}
	case m.f64 != nil:
		for j := 0; j < c; j++ {
			col := m.f64[j*m.rows+i0 : j*m.rows+i1]
			for k, v := range col {
				dst[k*c+j] = v
			}
		}
	default:
		for j := 0; j < c; j++ {
			col := m.f32[j*m.rows+i0 : j*m.rows+i1]
			for k, v := range col {
				dst[k*c+j] = float64(v)
			}
		}
	}
	return nil
}

// RowMajor returns the entries as a new row-major float64 slice.
func (m *Matrix) RowMajor() []float64 {
	out := make([]float64, m.rows*m.cols)
	_ = m.Block(0, m.rows, out)
	return out
}

// T returns the transpose, sharing the storage (a row-major r×c matrix is
// a column-major c×r one).
func (m *Matrix) T() *Matrix {
	return &Matrix{rows: m.cols, cols: m.rows, f64: m.f64, f32: m.f32, colMajor: !m.colMajor}
}

// firstNonFinite returns the position of the first NaN or ±Inf entry in
// storage order, or ok = false.
func (m *Matrix) firstNonFinite() (i, j int, v float64, ok bool) {
	n := m.rows * m.cols
	for k := 0; k < n; k++ {
		var x float64
		if m.f32 != nil {
			x = float64(m.f32[k])
		} else {
			x = m.f64[k]
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if m.colMajor {
				return k % m.rows, k / m.rows, x, true
			}
			return k / m.cols, k % m.cols, x, true
		}
	}
	return 0, 0, 0, false
}

// Shape formats a shape as "100×8".
func Shape(rows, cols int) string { return fmt.Sprintf("%d×%d", rows, cols) }
