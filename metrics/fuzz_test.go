package metrics

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// addFixtures seeds a fuzz target with every committed fixture whose name
// ends in one of exts and that is small: the fuzzer minimizes each new
// interesting input byte by byte, so a few-kilobyte seed costs tens of
// seconds of minimization per finding.
func addFixtures(f *testing.F, exts ...string) {
	paths, _ := filepath.Glob("testdata/*")
	for _, p := range paths {
		for _, e := range exts {
			if !strings.HasSuffix(p, e) {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			if len(b) <= 1500 {
				f.Add(b)
			}
		}
	}
}

// FuzzReadNPY: the .npy reader never panics, accepts only finite values in
// a consistent shape, agrees with its file-size-checking variant, and
// what it accepts survives a write/read round trip.
func FuzzReadNPY(f *testing.F) {
	addFixtures(f, ".npy")
	f.Add([]byte("\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'}"))
	f.Add([]byte("\x93NUMPY\x02\x00\x00\x00\x01\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadNPY(bytes.NewReader(data), "fuzz")
		m2, err2 := readNPY(bytes.NewReader(data), "fuzz", int64(len(data)))
		if (err == nil) != (err2 == nil) {
			t.Fatalf("stream and sized readers disagree: %v / %v", err, err2)
		}
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		r, c := m.Dims()
		if r2, c2 := m2.Dims(); r2 != r || c2 != c {
			t.Fatalf("shapes %d×%d and %d×%d", r, c, r2, c2)
		}
		if _, _, _, bad := m.firstNonFinite(); bad {
			t.Fatal("accepted a non-finite value")
		}
		for _, typ := range []NPYType{Float64, Float32} {
			if typ == Float32 && !m.Float32() {
				continue
			}
			for _, fortran := range []bool{false, true} {
				var buf bytes.Buffer
				if err := WriteNPY(&buf, m, typ, fortran); err != nil {
					t.Fatal(err)
				}
				back, err := ReadNPY(&buf, "round trip")
				if err != nil {
					t.Fatalf("round trip: %v", err)
				}
				if br, bc := back.Dims(); br != r || bc != c || back.OneD() != m.OneD() {
					t.Fatalf("round trip shape %d×%d, want %d×%d", br, bc, r, c)
				}
				for i := 0; i < r && c > 0; i++ {
					for j := 0; j < c; j++ {
						if back.At(i, j) != m.At(i, j) {
							t.Fatalf("round trip (%d,%d): %v != %v", i, j, back.At(i, j), m.At(i, j))
						}
					}
				}
			}
		}
	})
}

// FuzzReadCSV: the text readers never panic, accept only finite values in
// a rectangular shape, and the big-float reader reads what the float64
// reader reads to the same values (within the double rounding of a
// decimal to the working precision and then to float64).
func FuzzReadCSV(f *testing.F) {
	addFixtures(f, ".csv")
	for _, s := range []string{
		"1,2\n3,4\n", "a,b\n1,2\n", "# c\n1 2\n3 4\n", "1,NaN\n", "1,2\n3\n", "x,1\n",
		"\ufeff1.5e3, -2\r\n0x1p-2, 7\r\n", "1e400\n", "1e-400\n", "\n\n1\n\n", "a\n", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadCSV(bytes.NewReader(data), "fuzz")
		b, errb := ReadCSVBig(bytes.NewReader(data), "fuzz", 100)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		r, c := m.Dims()
		if r < 1 || c < 1 {
			t.Fatalf("accepted an empty %d×%d matrix", r, c)
		}
		if _, _, _, bad := m.firstNonFinite(); bad {
			t.Fatal("accepted a non-finite value")
		}
		if errb != nil {
			t.Fatalf("float64 reader accepts, big reader refuses: %v", errb)
		}
		if br, bc := b.Dims(); br != r || bc != c {
			t.Fatalf("shapes %d×%d and %d×%d", r, c, br, bc)
		}
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				x, y := m.At(i, j), b.Float64(i, j)
				if x != y && math.Abs(x-y) > 1e-15*math.Abs(x) {
					t.Fatalf("(%d,%d): float64 %v, big %v", i, j, x, y)
				}
			}
		}
	})
}

// FuzzReadCSVExact: the exact reader never panics, accepts what the
// big-float reader accepts (unless a value's exponent is beyond
// maxDecimalExponent) in the same shape, and its exact values round to the
// big-float reader's values at 100 bits.
func FuzzReadCSVExact(f *testing.F) {
	addFixtures(f, ".csv")
	for _, s := range []string{
		"1,2\n3,4\n", "a,b\n1,2\n", "+.5,5.\n-0e-0,1E+3\n", "1e-400,1e400\n", "1.0000000000000000000000000000000000000001,1\n",
		"1e99999999999\n", "0x1p-2\n", "1,NaN\n", "\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := ReadCSVExact(bytes.NewReader(data), "fuzz")
		b, errb := ReadCSVBig(bytes.NewReader(data), "fuzz", 100)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			if errb == nil && !strings.Contains(err.Error(), "exponent out of range") {
				t.Fatalf("big reader accepts, exact reader refuses: %v", err)
			}
			return
		}
		if errb != nil {
			if !strings.Contains(errb.Error(), "exponent range") {
				t.Fatalf("exact reader accepts, big reader refuses: %v", errb)
			}
			return
		}
		r, c := x.Dims()
		if br, bc := b.Dims(); br != r || bc != c {
			t.Fatalf("shapes %d×%d and %d×%d", r, c, br, bc)
		}
		d := x.Dense(100)
		if d == nil {
			return // values too far apart for exact products: reported by Covariance
		}
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if d.At(i, j).Cmp(b.At(i, j)) != 0 {
					t.Fatalf("(%d,%d): exact %v, big %v", i, j, d.At(i, j), b.At(i, j))
				}
			}
		}
	})
}
