package metrics

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"strconv"
	"strings"

	"github.com/nrc-ufm/ufm/bigmat"
)

// MaxCSVLine is the longest line accepted, in bytes.
const MaxCSVLine = 1 << 26

// csvCell is called for every numeric field: row and col count from 0.
type csvCell func(line, row, col int, field string) error

// scanCSV splits r into rows and fields per the format above and calls cell
// for each field of every data row. It returns the shape.
func scanCSV(r io.Reader, name string, cell csvCell) (rows, cols int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), MaxCSVLine)
	line := 0
	comma := false
	decided := false
	var fields []string
	for sc.Scan() {
		line++
		text := sc.Bytes()
		if line == 1 {
			text = bytes.TrimPrefix(text, []byte("\xef\xbb\xbf"))
		}
		s := strings.TrimSpace(string(text))
		if s == "" || s[0] == '#' {
			continue
		}
		if !decided {
			comma = strings.Contains(s, ",")
			decided = true
		}
		fields = fields[:0]
		if comma {
			for _, f := range strings.Split(s, ",") {
				fields = append(fields, strings.TrimSpace(f))
			}
		} else {
			fields = append(fields, strings.Fields(s)...)
		}
		if rows == 0 && cols == 0 {
			numeric := 0
			for _, f := range fields {
				if looksNumeric(f) {
					numeric++
				}
			}
			if numeric == 0 {
				cols = -len(fields) // header seen: remember its width
				continue
			}
		}
		if cols <= 0 {
			if cols < 0 && -cols != len(fields) {
				return 0, 0, fmt.Errorf("%s: line %d has %d fields but the header has %d", name, line, len(fields), -cols)
			}
			cols = len(fields)
		} else if len(fields) != cols {
			return 0, 0, fmt.Errorf("%s: line %d has %d fields, earlier rows have %d (ragged rows)", name, line, len(fields), cols)
		}
		if rows >= MaxElements/cols {
			return 0, 0, fmt.Errorf("%s: more than %d entries", name, MaxElements)
		}
		for j, f := range fields {
			if f == "" {
				return 0, 0, fmt.Errorf("%s: line %d, column %d is empty", name, line, j)
			}
			if err := cell(line, rows, j, f); err != nil {
				return 0, 0, err
			}
		}
		rows++
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return 0, 0, fmt.Errorf("%s: line %d is longer than %d bytes", name, line+1, MaxCSVLine)
		}
		return 0, 0, fmt.Errorf("%s: %v", name, err)
	}
	if rows == 0 {
		return 0, 0, fmt.Errorf("%s: no data rows", name)
	}
	return rows, cols, nil
}

// looksNumeric reports whether f is a number for strconv.ParseFloat, even
// if out of range or not finite.
func looksNumeric(f string) bool {
	// Hexadecimal floats are refused, as in instance files, and so are
	// Go's digit separators ("1_0" read as 10: QA session 21).
	if strings.ContainsAny(f, "xX_") {
		return false
	}
	_, err := strconv.ParseFloat(f, 64)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

// nonzeroMantissa reports whether the decimal f has a nonzero digit before
// its exponent.
func nonzeroMantissa(f string) bool {
	if i := strings.IndexAny(f, "eE"); i >= 0 {
		f = f[:i]
	}
	return strings.ContainsAny(f, "123456789")
}

// cellError describes a bad field; row and column count from 0.
func cellError(name string, line, row, col int, field, what string) error {
	if len(field) > 40 {
		field = field[:40] + "…"
	}
	return fmt.Errorf("%s: %s %q at line %d (row %d, column %d, counting from 0)", name, what, field, line, row, col)
}

// ReadCSV reads a matrix of float64 from text; name labels the error
// messages. The format:
//
//   - one row per line, LF or CRLF line ends, an optional UTF-8 byte order
//     mark;
//   - fields separated by commas if the first row holds a comma, otherwise
//     by runs of spaces and tabs (the default of numpy.savetxt); spaces
//     around comma-separated fields are ignored;
//   - blank lines and lines whose first non-blank character is '#' (the
//     header numpy.savetxt writes) are skipped;
//   - the first row may be a header of column names: it is skipped if none
//     of its fields is a number; a first row with some numeric and some
//     non-numeric fields is an error, not a header;
//   - every other row holds the same number of numbers (strconv.ParseFloat
//     syntax, without digit separators or hexadecimal); NaN, ±Inf, values
//     beyond the float64 range and nonzero values that underflow to 0 are
//     refused with their line, row and column.
func ReadCSV(r io.Reader, name string) (*Matrix, error) {
	var data []float64
	rows, cols, err := scanCSV(r, name, func(line, row, col int, f string) error {
		v, err := strconv.ParseFloat(f, 64)
		switch {
		case !looksNumeric(f):
			return cellError(name, line, row, col, f, "not a number:")
		case errors.Is(err, strconv.ErrRange):
			return cellError(name, line, row, col, f, "value beyond the float64 range")
		case err != nil:
			return cellError(name, line, row, col, f, "not a number:")
		case math.IsNaN(v) || math.IsInf(v, 0):
			return cellError(name, line, row, col, f, "non-finite value")
		case v == 0 && nonzeroMantissa(f):
			// 1e-400 read as 0 silently (QA session 21): refused as
			// out of range, like 1e400; --digits reads it exactly.
			return cellError(name, line, row, col, f, "value below the float64 range (it would read as 0; use --digits)")
		}
		data = append(data, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Matrix{rows: rows, cols: cols, f64: data}, nil
}

// ReadCSVFile reads the file at path with ReadCSV.
func ReadCSVFile(path string) (*Matrix, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadCSV(f, path)
}

// CSVShapeFile returns the shape of the text array at path without
// converting its numbers (each field must still look like one), so that a
// caller can check caps before reading values that ReadCSV would refuse
// and ReadCSVBig accepts (1e-999 under --digits, QA session 24).
func CSVShapeFile(path string) (rows, cols int, err error) {
	f, err := openInput(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	return scanCSV(f, path, func(line, row, col int, field string) error {
		if !looksNumeric(field) {
			return cellError(path, line, row, col, field, "not a number:")
		}
		return nil
	})
}

// MaxBigField is the longest field ReadCSVBig accepts, in bytes.
const MaxBigField = 10000

// ReadCSVBig reads text as ReadCSV does, but converts each decimal field to
// a big.Float of precision prec bits (one rounding, no detour through
// float64), so solver output written with many digits keeps them. Values
// beyond the float64 range are accepted; an exponent beyond big.Float's
// range is refused, except that an underflow reads as 0, as in ReadCSV.
func ReadCSVBig(r io.Reader, name string, prec uint) (*bigmat.Dense, error) {
	var data []*big.Float
	rows, cols, err := scanCSV(r, name, func(line, row, col int, f string) error {
		if len(f) > MaxBigField {
			return cellError(name, line, row, col, f, fmt.Sprintf("field longer than %d bytes", MaxBigField))
		}
		if v, err := strconv.ParseFloat(f, 64); err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			return cellError(name, line, row, col, f, "non-finite value")
		}
		if !looksNumeric(f) {
			return cellError(name, line, row, col, f, "not a number:")
		}
		x, _, err := new(big.Float).SetPrec(prec).Parse(f, 0)
		if err != nil || x.IsInf() {
			// The syntax is that of ParseFloat (checked above), so the
			// exponent is beyond big.Float's range: an underflow is 0, as
			// in float64; an overflow is refused.
			if v, ferr := strconv.ParseFloat(f, 64); ferr == nil && v == 0 {
				x = new(big.Float).SetPrec(prec)
				if math.Signbit(v) {
					x.Neg(x)
				}
			} else {
				return cellError(name, line, row, col, f, "value beyond the big.Float exponent range")
			}
		}
		data = append(data, x)
		return nil
	})
	if err != nil {
		return nil, err
	}
	m := bigmat.New(rows, cols, prec)
	for k, x := range data {
		m.Set(k/cols, k%cols, x)
	}
	return m, nil
}

// ReadCSVBigFile reads the file at path with ReadCSVBig.
func ReadCSVBigFile(path string, prec uint) (*bigmat.Dense, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadCSVBig(f, path, prec)
}

func openInput(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: %v", path, pe.Err)
		}
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	return f, nil
}
