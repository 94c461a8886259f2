package metrics

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func mustRead(t *testing.T, path string) *Matrix {
	t.Helper()
	var m *Matrix
	var err error
	if strings.HasSuffix(path, ".npy") {
		m, err = ReadNPYFile(filepath.Join("testdata", path))
	} else {
		m, err = ReadCSVFile(filepath.Join("testdata", path))
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameEntries(t *testing.T, a, b *Matrix, what string) {
	t.Helper()
	ar, ac := a.Dims()
	br, bc := b.Dims()
	if ar != br || ac != bc {
		t.Fatalf("%s: shapes %d×%d and %d×%d", what, ar, ac, br, bc)
	}
	for i := 0; i < ar; i++ {
		for j := 0; j < ac; j++ {
			if a.At(i, j) != b.At(i, j) {
				t.Fatalf("%s: (%d,%d): %v != %v", what, i, j, a.At(i, j), b.At(i, j))
			}
		}
	}
}

// TestReadFixtures: files written by numpy (testdata/*.npy, *.csv) read
// back to the same values in every storage variant.
func TestReadFixtures(t *testing.T) {
	h := mustRead(t, "hand_features_f32_c.npy")
	if !h.Float32() || h.ColMajor() || h.OneD() {
		t.Errorf("hand features: float32 %v colmajor %v oneD %v", h.Float32(), h.ColMajor(), h.OneD())
	}
	if r, c := h.Dims(); r != 4 || c != 3 || h.At(1, 1) != -4 || h.At(3, 0) != 8 {
		t.Errorf("hand features %d×%d, (1,1) = %v, (3,0) = %v", r, c, h.At(1, 1), h.At(3, 0))
	}
	// numpy writes a 1×3 array as C order even from asfortranarray; the
	// 3×6 random weights are really Fortran order.
	w := mustRead(t, "hand_weights_f64_fortran.npy")
	if w.At(0, 1) != 1 || w.At(0, 2) != 0 {
		t.Errorf("hand weights: %v", w.RowMajor())
	}
	if wf := mustRead(t, "rand_weights_f64_fortran.npy"); !wf.ColMajor() || wf.Float32() {
		t.Errorf("random weights: colmajor %v float32 %v", wf.ColMajor(), wf.Float32())
	}
	y1 := mustRead(t, "hand_targets_1d.npy")
	if r, c := y1.Dims(); !y1.OneD() || r != 4 || c != 1 || y1.At(3, 0) != 8 {
		t.Errorf("1-D targets: %d×%d oneD %v", r, c, y1.OneD())
	}
	if r, c := y1.T().Dims(); r != 1 || c != 4 || y1.T().At(0, 2) != 4 {
		t.Errorf("transposed 1-D: %d×%d", r, c)
	}
	sameEntries(t, mustRead(t, "hand_targets_f64_c.npy"), y1, "2-D vs 1-D targets")
	f32 := mustRead(t, "rand_features_f32_c.npy")
	sameEntries(t, f32, mustRead(t, "rand_features_f64_fortran.npy"), "float32 C vs float64 Fortran")
	sameEntries(t, f32, mustRead(t, "rand_features.csv"), "npy vs csv with header")
	sameEntries(t, mustRead(t, "rand_weights_f64_fortran.npy"), mustRead(t, "rand_weights.txt.csv"), "npy vs whitespace text")
	sameEntries(t, mustRead(t, "rand_targets_f64_be.npy"), mustRead(t, "rand_targets.csv"), "big-endian npy vs csv")
}

func TestWriteNPYRoundTrip(t *testing.T) {
	m := mustMatrix(t, 3, 2, []float64{1, -2.5, 3e-300, math.Pi, 0, math.Copysign(0, -1)})
	for _, typ := range []NPYType{Float64, Float32} {
		for _, fortran := range []bool{false, true} {
			var buf bytes.Buffer
			if err := WriteNPY(&buf, m, typ, fortran); err != nil {
				t.Fatal(err)
			}
			if buf.Len()%64 != 3*2*map[NPYType]int{Float64: 8, Float32: 4}[typ]%64 {
				t.Errorf("header not padded to 64 bytes: %d bytes", buf.Len())
			}
			back, err := ReadNPY(&buf, "rt")
			if err != nil {
				t.Fatal(err)
			}
			if back.ColMajor() != fortran || back.Float32() != (typ == Float32) {
				t.Errorf("storage: colmajor %v float32 %v", back.ColMajor(), back.Float32())
			}
			for i := 0; i < 3; i++ {
				for j := 0; j < 2; j++ {
					want := m.At(i, j)
					if typ == Float32 {
						want = float64(float32(want))
					}
					if back.At(i, j) != want {
						t.Errorf("(%d,%d) = %v, want %v", i, j, back.At(i, j), want)
					}
				}
			}
		}
	}
}

// npyBytes builds a version 1.0 .npy file from a header and data.
func npyBytes(header string, data []byte) []byte {
	b := []byte("\x93NUMPY\x01\x00")
	b = append(b, byte(len(header)), byte(len(header)>>8))
	b = append(b, header...)
	return append(b, data...)
}

func TestNPYErrors(t *testing.T) {
	f8 := func(vs ...float64) []byte {
		var b []byte
		for _, v := range vs {
			u := math.Float64bits(v)
			for k := 0; k < 8; k++ {
				b = append(b, byte(u>>(8*k)))
			}
		}
		return b
	}
	hdr := func(descr, order, shape string) string {
		return "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }\n"
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"csv", []byte("1,2,3\n"), "missing the \\x93NUMPY magic"},
		{"short", []byte("\x93NUM"), "truncated before the header"},
		{"version", []byte("\x93NUMPY\x04\x00\x00\x00"), "format version 4.0"},
		{"header cut", []byte("\x93NUMPY\x01\x00\x50\x00{'descr'"), "header truncated (80 bytes announced)"},
		{"not a dict", npyBytes("[1, 2]", nil), "header is not a dict"},
		{"unknown key", npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", f8(1)), `unknown key "x"`},
		{"missing key", npyBytes("{'descr': '<f8', 'shape': (1,)}", f8(1)), "lacks one of"},
		{"int dtype", npyBytes(hdr("<i4", "False", "(1,)"), []byte{1, 0, 0, 0}), `dtype "<i4" is not supported`},
		{"structured", npyBytes("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,)}", f8(1)), "'descr'"},
		{"bad bool", npyBytes("{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}", f8(1)), "expected True or False"},
		{"negative dim", npyBytes(hdr("<f8", "False", "(-1,)"), nil), "non-negative integer"},
		{"huge dim", npyBytes(hdr("<f8", "False", "(99999999999999999999,)"), nil), "too large"},
		{"too many entries", npyBytes(hdr("<f8", "False", "(68719476736, 2)"), nil), "too large"},
		{"0-D", npyBytes(hdr("<f8", "False", "()"), f8(1)), "array has 0 dimensions"},
		{"3-D", npyBytes(hdr("<f8", "False", "(1, 1, 1)"), f8(1)), "array has 3 dimensions, shape (1, 1, 1)"},
		{"truncated data", npyBytes(hdr("<f8", "False", "(2, 2)"), f8(1, 2, 3)), "truncated"},
		{"trailing data", npyBytes(hdr("<f8", "False", "(1, 2)"), f8(1, 2, 3)), "trailing data"},
		{"NaN C order", npyBytes(hdr("<f8", "False", "(2, 3)"), f8(1, 2, 3, 4, math.NaN(), 6)), "non-finite value NaN at row 1, column 1"},
		{"Inf Fortran order", npyBytes(hdr("<f8", "True", "(2, 3)"), f8(1, 2, 3, math.Inf(1), 5, 6)), "non-finite value +Inf at row 1, column 1"},
		{"text after dict", npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} x", f8(1)), "text after the dict"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadNPY(bytes.NewReader(tc.data), "x.npy")
			_, err2 := readNPY(bytes.NewReader(tc.data), "x.npy", int64(len(tc.data)))
			for _, e := range []error{err, err2} {
				if e == nil || !strings.Contains(e.Error(), tc.want) || !strings.HasPrefix(e.Error(), "x.npy: ") {
					t.Errorf("got %v, want %q", e, tc.want)
				}
			}
		})
	}
}

func TestCSV(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		rows, cols int
		first      float64
		want       string // error substring, or "" for success
	}{
		{"comma", "1,2\n3,4\n", 2, 2, 1, ""},
		{"spaces around commas, CRLF, BOM", "\ufeff 1 , 2\r\n3,4\r\n", 2, 2, 1, ""},
		{"whitespace", "1 2\t3\n4   5 6\n", 2, 3, 1, ""},
		{"header", "a,b\n1,2\n", 1, 2, 1, ""},
		{"comments and blank lines", "# x\n\n1,2\n\n# y\n3,4\n\n", 2, 2, 1, ""},
		{"exponents", "1e-3,-2.5E+2\n", 1, 2, 1e-3, ""},
		{"header only", "a,b\n", 0, 0, 0, "no data rows"},
		{"empty", "", 0, 0, 0, "no data rows"},
		{"half header", "a,1\n2,3\n", 0, 0, 0, `not a number: "a" at line 1 (row 0, column 0`},
		{"header width", "a,b,c\n1,2\n", 0, 0, 0, "line 2 has 2 fields but the header has 3"},
		{"ragged", "1,2\n3\n", 0, 0, 0, "line 2 has 1 fields, earlier rows have 2 (ragged rows)"},
		{"empty field", "1,,2\n", 0, 0, 0, "line 1, column 1 is empty"},
		{"NaN", "1,2\n3,nan\n", 0, 0, 0, `non-finite value "nan" at line 2 (row 1, column 1`},
		{"Inf after header", "x,y\n1,2\nInf,3\n", 0, 0, 0, `non-finite value "Inf" at line 3 (row 1, column 0`},
		{"overflow", "1e999\n", 0, 0, 0, "beyond the float64 range"},
		{"garbage", "1,2\n3,4x\n", 0, 0, 0, `not a number: "4x" at line 2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadCSV(strings.NewReader(tc.text), "x.csv")
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("got %v, want %q", err, tc.want)
				}
				_, errb := ReadCSVBig(strings.NewReader(tc.text), "x.csv", 100)
				if errb == nil && !strings.Contains(tc.want, "float64 range") {
					t.Errorf("big reader accepts what the float64 reader refuses")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r, c := m.Dims(); r != tc.rows || c != tc.cols || m.At(0, 0) != tc.first {
				t.Errorf("%d×%d first %v, want %d×%d first %v", r, c, m.At(0, 0), tc.rows, tc.cols, tc.first)
			}
		})
	}
}

// TestCSVBigExact: decimals are rounded once to the working precision.
func TestCSVBigExact(t *testing.T) {
	b, err := ReadCSVBig(strings.NewReader("0.1,1e-500\n"), "x", 300)
	if err != nil {
		t.Fatal(err)
	}
	tenth := b.At(0, 0)
	ten := tenth.Mul(tenth, tenPow(1, 300))
	ten.Sub(ten, one(300))
	if ten.MantExp(nil) > -290 && ten.Sign() != 0 {
		t.Errorf("0.1·10 − 1 = %s, want |·| < 2^-290", ten.Text('g', 5))
	}
	if got := b.At(0, 1).Text('g', 5); got != "1e-500" {
		t.Errorf("1e-500 read as %s", got)
	}
}

// TestReadCSVRefusesSeparatorsAndUnderflow (QA session 21): "1_0" was read
// as 10 (Go's digit separators) and "1e-400" as 0; both are refused with
// the cell named. An exact zero with a tiny exponent stays 0.
func TestReadCSVRefusesSeparatorsAndUnderflow(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"1_0,2\n3,4\n", "not a number"},
		{"1e-400,2\n3,4\n", "below the float64 range"},
		{"-2.5E-999,2\n3,4\n", "below the float64 range"},
	} {
		_, err := ReadCSV(strings.NewReader(c.text), "x.csv")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "row 0, column 0") {
			t.Errorf("%q: %v, want an error with %q naming row 0, column 0", c.text, err, c.want)
		}
	}
	m, err := ReadCSV(strings.NewReader("0e-400,2\n3,4\n"), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	if v := make([]float64, 2); m.Block(0, 1, v) != nil || v[0] != 0 || v[1] != 2 {
		t.Errorf("0e-400 should read as 0")
	}
}
