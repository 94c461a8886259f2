package metrics

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
)

// The .npy format (numpy.lib.format): the magic "\x93NUMPY", a major and a
// minor version byte, the header length (2 bytes little-endian in version
// 1, 4 bytes in versions 2 and 3), then the header, a Python dict literal
// such as {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), },
// then the raw data.

const npyMagic = "\x93NUMPY"

// MaxNPYHeader is the largest .npy header accepted, in bytes. numpy itself
// refuses headers above 10000 bytes by default.
const MaxNPYHeader = 1 << 16

// MaxElements is the largest number of entries a reader accepts in one
// array (2^36 ≈ 6.9e10, far beyond M = 10⁶ samples × d = 1024).
const MaxElements = 1 << 36

// npyHeader is the parsed header of a .npy file.
type npyHeader struct {
	itemSize  int  // 4 or 8
	bigEndian bool // byte order of the data
	fortran   bool
	shape     []int
}

// ReadNPYFile reads a .npy file holding a 1-D or 2-D array of float32 or
// float64 in either byte order and either C or Fortran order. The file size
// is checked against the header before anything large is allocated. A 1-D
// array of length k is returned as a k×1 matrix with OneD() true.
// NaN and ±Inf are refused with their position.
func ReadNPYFile(path string) (*Matrix, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return readNPY(bufio.NewReaderSize(f, 1<<20), path, st.Size())
}

// ReadNPY reads a .npy array from r as ReadNPYFile does; name labels the
// error messages. Memory grows with the data actually read, so a header
// that lies about its shape cannot make it allocate much.
func ReadNPY(r io.Reader, name string) (*Matrix, error) {
	return readNPY(r, name, -1)
}

// NPYInfo is what the header of a .npy file says of its array.
type NPYInfo struct {
	Rows, Cols int  // a 1-D array of length k is k×1
	OneD       bool // the array is 1-D
	ItemSize   int  // bytes per entry in the file and in memory: 4 (float32) or 8 (float64)
}

// Bytes is the memory the array takes once read (Rows·Cols·ItemSize).
func (i NPYInfo) Bytes() int64 { return int64(i.Rows) * int64(i.Cols) * int64(i.ItemSize) }

// ReadNPYInfoFile reads only the header of the .npy file at path: the
// shape and entry size, after the same checks ReadNPYFile makes before it
// reads any data (magic, version, header, dimensions, MaxElements, and the
// file size against the shape). A caller can so refuse an input too large
// for it before the data are read.
func ReadNPYInfoFile(path string) (NPYInfo, error) {
	f, err := openInput(path)
	if err != nil {
		return NPYInfo{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return NPYInfo{}, fmt.Errorf("%s: %v", path, err)
	}
	l, err := readNPYLayout(bufio.NewReader(f), path, st.Size())
	if err != nil {
		return NPYInfo{}, err
	}
	return NPYInfo{Rows: l.rows, Cols: l.cols, OneD: l.oneD, ItemSize: l.h.itemSize}, nil
}

// npyLayout is a parsed header with the array's dimensions.
type npyLayout struct {
	h          *npyHeader
	rows, cols int
	oneD       bool
	want       int64 // bytes of data
}

// readNPYLayout reads the magic, version and header from r and checks the
// shape against MaxElements and, when size ≥ 0 (the total number of bytes
// r holds), against the bytes that follow the header.
func readNPYLayout(r io.Reader, name string, size int64) (*npyLayout, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: not a valid .npy file: %s", name, fmt.Sprintf(format, a...))
	}
	var pre [8]byte
	if n, err := io.ReadFull(r, pre[:]); err != nil {
		if n == 0 {
			return nil, bad("empty file")
		}
		if n >= 6 && string(pre[:6]) == npyMagic || n < 6 && string(pre[:n]) == npyMagic[:n] {
			return nil, bad("truncated before the header")
		}
		return nil, bad("missing the \\x93NUMPY magic")
	}
	if string(pre[:6]) != npyMagic {
		return nil, bad("missing the \\x93NUMPY magic")
	}
	major, minor := pre[6], pre[7]
	var hlen int
	var hsize int64
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, bad("truncated before the header")
		}
		hlen, hsize = int(binary.LittleEndian.Uint16(b[:])), 10
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, bad("truncated before the header")
		}
		h := binary.LittleEndian.Uint32(b[:])
		if h > MaxNPYHeader {
			return nil, bad("header of %d bytes (at most %d accepted)", h, MaxNPYHeader)
		}
		hlen, hsize = int(h), 12
	default:
		return nil, bad("format version %d.%d (want 1.x, 2.x or 3.x)", major, minor)
	}
	if hlen > MaxNPYHeader {
		return nil, bad("header of %d bytes (at most %d accepted)", hlen, MaxNPYHeader)
	}
	hbuf := make([]byte, hlen)
	if _, err := io.ReadFull(r, hbuf); err != nil {
		return nil, bad("header truncated (%d bytes announced)", hlen)
	}
	h, err := parseNPYHeader(hbuf)
	if err != nil {
		return nil, bad("%v", err)
	}
	l := &npyLayout{h: h, rows: 0, cols: 1}
	switch len(h.shape) {
	case 1:
		l.rows, l.oneD = h.shape[0], true
	case 2:
		l.rows, l.cols = h.shape[0], h.shape[1]
	default:
		return nil, fmt.Errorf("%s: array has %d dimensions, shape %s (want a 2-D array, or 1-D for a single column)", name, len(h.shape), shapeText(h.shape))
	}
	if l.cols != 0 && l.rows > MaxElements/l.cols {
		return nil, fmt.Errorf("%s: array of shape %s is too large (at most %d entries)", name, shapeText(h.shape), MaxElements)
	}
	l.want = int64(l.rows*l.cols) * int64(h.itemSize)
	if size >= 0 {
		have := size - hsize - int64(hlen)
		if have < l.want {
			return nil, fmt.Errorf("%s: truncated: shape %s needs %d bytes of data, the file has %d", name, shapeText(h.shape), l.want, have)
		}
		if have > l.want {
			return nil, fmt.Errorf("%s: %d bytes of trailing data after the array of shape %s", name, have-l.want, shapeText(h.shape))
		}
	}
	return l, nil
}

// readNPY reads from r; size is the total number of bytes r holds, or −1
// if unknown.
func readNPY(r io.Reader, name string, size int64) (*Matrix, error) {
	l, err := readNPYLayout(r, name, size)
	if err != nil {
		return nil, err
	}
	h, rows, cols, oneD, want := l.h, l.rows, l.cols, l.oneD, l.want
	n := rows * cols
	m := &Matrix{rows: rows, cols: cols, colMajor: h.fortran && !oneD, oneD: oneD}
	if h.itemSize == 4 {
		m.f32, err = readFloat32s(r, n, h.bigEndian, size >= 0)
	} else {
		m.f64, err = readFloat64s(r, n, h.bigEndian, size >= 0)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: truncated: shape %s needs %d bytes of data (%v)", name, shapeText(h.shape), want, err)
	}
	if size < 0 {
		var one [1]byte
		if k, _ := io.ReadFull(r, one[:]); k > 0 {
			return nil, fmt.Errorf("%s: trailing data after the array of shape %s", name, shapeText(h.shape))
		}
	}
	if i, j, v, found := m.firstNonFinite(); found {
		return nil, fmt.Errorf("%s: non-finite value %v at row %d, column %d (counting from 0)", name, v, i, j)
	}
	return m, nil
}

// chunk is the number of bytes decoded at a time.
const chunk = 1 << 20

func readFloat64s(r io.Reader, n int, big, prealloc bool) ([]float64, error) {
	var out []float64
	if prealloc {
		out = make([]float64, 0, n)
	}
	buf := make([]byte, min(chunk, 8*n))
	for len(out) < n {
		k := min(len(buf), 8*(n-len(out)))
		if _, err := io.ReadFull(r, buf[:k]); err != nil {
			return nil, err
		}
		m := len(out)
		out = slices.Grow(out, k/8)[:m+k/8]
		decode64(out[m:], buf[:k], big)
	}
	if out == nil {
		out = []float64{}
	}
	return out, nil
}

func readFloat32s(r io.Reader, n int, big, prealloc bool) ([]float32, error) {
	var out []float32
	if prealloc {
		out = make([]float32, 0, n)
	}
	buf := make([]byte, min(chunk, 4*n))
	for len(out) < n {
		k := min(len(buf), 4*(n-len(out)))
		if _, err := io.ReadFull(r, buf[:k]); err != nil {
			return nil, err
		}
		m := len(out)
		out = slices.Grow(out, k/4)[:m+k/4]
		decode32(out[m:], buf[:k], big)
	}
	if out == nil {
		out = []float32{}
	}
	return out, nil
}

// decode64 sets dst[i] to the float64 in bytes buf[8i : 8i+8] (big- or
// little-endian); len(buf) = 8·len(dst). One loop per byte order, so the
// loop body is a single load.
func decode64(dst []float64, buf []byte, big bool) {
	buf = buf[:8*len(dst)]
	if big {
		for i := range dst {
			dst[i] = math.Float64frombits(binary.BigEndian.Uint64(buf[8*i:]))
		}
		return
	}
	for i := range dst {
		dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(buf[8*i:]))
	}
}

// decode32 is decode64 for float32 (4 bytes each).
func decode32(dst []float32, buf []byte, big bool) {
	buf = buf[:4*len(dst)]
	if big {
		for i := range dst {
			dst[i] = math.Float32frombits(binary.BigEndian.Uint32(buf[4*i:]))
		}
		return
	}
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
	}
}

func shapeText(s []int) string {
	var b bytes.Buffer
	b.WriteByte('(')
	for i, v := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(v))
	}
	if len(s) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// parseNPYHeader parses the header dict. It accepts exactly the keys
// descr, fortran_order and shape, in any order, with a trailing comma and
// surrounding spaces allowed, as numpy writes them.
func parseNPYHeader(b []byte) (*npyHeader, error) {
	p := &pyParser{s: b}
	p.space()
	if !p.eat('{') {
		return nil, errors.New("header is not a dict")
	}
	var (
		h                   npyHeader
		haveD, haveF, haveS bool
		descr               string
	)
	for {
		p.space()
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return nil, fmt.Errorf("header key: %v", err)
		}
		p.space()
		if !p.eat(':') {
			return nil, fmt.Errorf("header: missing ':' after %q", key)
		}
		p.space()
		switch key {
		case "descr":
			if haveD {
				return nil, errors.New("header: repeated key 'descr'")
			}
			haveD = true
			if descr, err = p.str(); err != nil {
				return nil, fmt.Errorf("header 'descr' (only simple float dtypes are supported): %v", err)
			}
		case "fortran_order":
			if haveF {
				return nil, errors.New("header: repeated key 'fortran_order'")
			}
			haveF = true
			if h.fortran, err = p.boolean(); err != nil {
				return nil, fmt.Errorf("header 'fortran_order': %v", err)
			}
		case "shape":
			if haveS {
				return nil, errors.New("header: repeated key 'shape'")
			}
			haveS = true
			if h.shape, err = p.tuple(); err != nil {
				return nil, fmt.Errorf("header 'shape': %v", err)
			}
		default:
			return nil, fmt.Errorf("header: unknown key %q", key)
		}
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if !p.eat('}') {
			return nil, errors.New("header: expected ',' or '}'")
		}
		break
	}
	p.space()
	if p.i != len(p.s) {
		return nil, errors.New("header: text after the dict")
	}
	if !haveD || !haveF || !haveS {
		return nil, errors.New("header lacks one of 'descr', 'fortran_order', 'shape'")
	}
	switch descr {
	case "<f8", "=f8":
		h.itemSize = 8
	case ">f8":
		h.itemSize, h.bigEndian = 8, true
	case "<f4", "=f4":
		h.itemSize = 4
	case ">f4":
		h.itemSize, h.bigEndian = 4, true
	default:
		return nil, fmt.Errorf("dtype %q is not supported (want float32 '<f4' or float64 '<f8', either byte order)", descr)
	}
	return &h, nil
}

// pyParser reads the small subset of Python literal syntax used by .npy
// headers.
type pyParser struct {
	s []byte
	i int
}

func (p *pyParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *pyParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a quoted string without escapes.
func (p *pyParser) str() (string, error) {
	if p.i >= len(p.s) || p.s[p.i] != '\'' && p.s[p.i] != '"' {
		return "", errors.New("expected a quoted string")
	}
	q := p.s[p.i]
	j := bytes.IndexByte(p.s[p.i+1:], q)
	if j < 0 {
		return "", errors.New("unterminated string")
	}
	v := string(p.s[p.i+1 : p.i+1+j])
	if bytes.IndexByte([]byte(v), '\\') >= 0 {
		return "", errors.New("escapes in strings are not supported")
	}
	p.i += j + 2
	return v, nil
}

func (p *pyParser) boolean() (bool, error) {
	rest := p.s[p.i:]
	switch {
	case bytes.HasPrefix(rest, []byte("True")):
		p.i += 4
		return true, nil
	case bytes.HasPrefix(rest, []byte("False")):
		p.i += 5
		return false, nil
	}
	return false, errors.New("expected True or False")
}

// tuple reads a tuple of non-negative integers: (), (3,), (3, 4).
func (p *pyParser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, errors.New("expected a tuple")
	}
	out := []int{}
	for {
		p.space()
		if p.eat(')') {
			return out, nil
		}
		j := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if j == p.i {
			return nil, errors.New("expected a non-negative integer")
		}
		v, err := strconv.Atoi(string(p.s[j:p.i]))
		if err != nil || v > MaxElements {
			return nil, fmt.Errorf("dimension %s is too large", p.s[j:p.i])
		}
		p.eat('L') // Python 2 long suffix
		out = append(out, v)
		if len(out) > 32 {
			return nil, errors.New("more than 32 dimensions")
		}
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if !p.eat(')') {
			return nil, errors.New("expected ',' or ')'")
		}
		return out, nil
	}
}

// NPYType selects the dtype WriteNPY writes.
type NPYType int

// The dtypes WriteNPY can write.
const (
	Float64 NPYType = iota
	Float32
)

// WriteNPY writes m as a version 1.0 .npy file of float64 or float32
// (little-endian) in C order, or in Fortran order if fortran is true.
// float32 output rounds each entry to the nearest float32.
func WriteNPY(w io.Writer, m *Matrix, t NPYType, fortran bool) error {
	descr, size := "<f8", 8
	if t == Float32 {
		descr, size = "<f4", 4
	}
	order := "False"
	if fortran {
		order = "True"
	}
	shape := fmt.Sprintf("(%d, %d)", m.rows, m.cols)
	if m.oneD {
		shape = fmt.Sprintf("(%d,)", m.rows)
	}
	hdr := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, order, shape)
	// Pad so that magic + length + header + '\n' is a multiple of 64.
	total := 10 + len(hdr) + 1
	hdr += string(bytes.Repeat([]byte{' '}, (64-total%64)%64)) + "\n"
	if len(hdr) > math.MaxUint16 {
		return errors.New("metrics: .npy header too long")
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(npyMagic)
	bw.Write([]byte{1, 0})
	var b [8]byte
	binary.LittleEndian.PutUint16(b[:], uint16(len(hdr)))
	bw.Write(b[:2])
	bw.WriteString(hdr)
	put := func(v float64) {
		if t == Float32 {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(v)))
		} else {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		}
		bw.Write(b[:size])
	}
	if m.rows == 0 || m.cols == 0 {
		return bw.Flush()
	}
	if fortran {
		for j := 0; j < m.cols; j++ {
			for i := 0; i < m.rows; i++ {
				put(m.At(i, j))
			}
		}
	} else {
		for i := 0; i < m.rows; i++ {
			for j := 0; j < m.cols; j++ {
				put(m.At(i, j))
			}
		}
	}
	return bw.Flush()
}

// WriteNPYFile writes m to path with WriteNPY.
func WriteNPYFile(path string, m *Matrix, t NPYType, fortran bool) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := WriteNPY(f, m, t, fortran); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
