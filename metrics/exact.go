package metrics

import (
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/internal/ratmat"
)

// Exact targets (issue 8 item 7). Whether Σ is a multiple of I decides
// whether NRC3 depends on γ at all, and no rounding threshold can decide
// it: an anisotropy of 10⁻⁴⁰ moves NRC3's minimum from 2 − √2 to 0. The
// inputs are exact rationals (decimals from text, dyadic rationals from
// float64 or big.Float), so ComputeBig forms Σ exactly, as a rational
// matrix, from integers over a common scale per column, and decides
// Σ = 0 and Σ ∝ I exactly.

// ExactMaxBits bounds the size of one scaled target numerator, in bits.
// A column whose values span more than this many bits (about 4 900
// decimal digits) between its smallest and largest exponent is refused:
// its exact covariance would be too large to form.
const ExactMaxBits = 1 << 14

// Exact is a matrix of exact rationals: entry (i, j) is N_ij·B^e with
// integers N_ij, one exponent e for the whole matrix (the smallest of its
// entries) and base B = 2 or 10.
type Exact struct {
	rows, cols int
	base       int64
	num        []big.Int // row-major
	exp        int
	tooWide    error // set (and num nil) when the values span beyond ExactMaxBits
}

// Dims returns the numbers of rows and columns.
func (e *Exact) Dims() (rows, cols int) { return e.rows, e.cols }

// Dense rounds e to big floats of precision prec (one rounding per entry);
// nil when a column spans beyond ExactMaxBits.
func (e *Exact) Dense(prec uint) *bigmat.Dense {
	if e.tooWide != nil {
		return nil
	}
	d := bigmat.New(e.rows, e.cols, prec)
	s := e.scale(1)
	for k := range e.num {
		v := new(big.Rat).SetInt(&e.num[k])
		d.At(k/e.cols, k%e.cols).SetRat(v.Mul(v, s))
	}
	return d
}

// scale returns (B^e)^k exactly.
func (e *Exact) scale(k int) *big.Rat {
	p := new(big.Int).Exp(big.NewInt(e.base), big.NewInt(int64(abs(k*e.exp))), nil)
	if k*e.exp < 0 {
		return new(big.Rat).SetFrac(big.NewInt(1), p)
	}
	return new(big.Rat).SetInt(p)
}

func abs(k int) int {
	if k < 0 {
		return -k
	}
	return k
}

// rawEntry is one value m·base^e before the columns share an exponent.
type rawEntry struct {
	m big.Int
	e int
}

// newExact scales the raw entries to the smallest exponent among them. A
// matrix whose values span too wide a range is not an error of the input:
// Covariance then reports it (name labels the message).
func newExact(rows, cols int, base int64, raw []rawEntry, name string) *Exact {
	x := &Exact{rows: rows, cols: cols, base: base, num: make([]big.Int, rows*cols)}
	bitsPer := 1.0
	if base == 10 {
		bitsPer = 3.33
	}
	lo, hi, seen := 0, 0, false
	for k := range raw {
		r := &raw[k]
		if r.m.Sign() == 0 {
			continue
		}
		if !seen || r.e < lo {
			lo = r.e
		}
		if !seen || r.e > hi {
			hi = r.e
		}
		seen = true
	}
	if span := float64(hi-lo) * bitsPer; span > ExactMaxBits {
		x.num, x.tooWide = nil, fmt.Errorf("%s: the values' exponents span about %.0f bits: their exact products would need integers beyond %d bits (ExactMaxBits)", name, span, ExactMaxBits)
		return x
	}
	x.exp = lo
	b := big.NewInt(base)
	for k := range raw {
		r := &raw[k]
		z := &x.num[k]
		switch {
		case r.m.Sign() == 0:
		case base == 2:
			z.Lsh(&r.m, uint(r.e-lo))
		default:
			z.Mul(&r.m, new(big.Int).Exp(b, big.NewInt(int64(r.e-lo)), nil))
		}
	}
	return x
}

// ExactFromDense returns the exact values of a big-float matrix (every
// finite big.Float is a dyadic rational m·2^e). ±Inf is an error.
func ExactFromDense(d *bigmat.Dense, name string) (*Exact, error) {
	r, c := d.Dims()
	raw := make([]rawEntry, r*c)
	mant := new(big.Float)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			x := d.At(i, j)
			if x.IsInf() {
				return nil, fmt.Errorf("%s: non-finite value %v at row %d, column %d (counting from 0)", name, x, i, j)
			}
			if x.Sign() == 0 {
				continue
			}
			p := int(x.MinPrec())
			ex := x.MantExp(mant.SetPrec(x.Prec())) // x = mant·2^ex, ½ ≤ |mant| < 1
			mant.SetMantExp(mant, p)                // an integer: mant had p significant bits
			mant.Int(&raw[i*c+j].m)
			raw[i*c+j].e = ex - p
		}
	}
	return newExact(r, c, 2, raw, name), nil
}

// ReadCSVExact reads text as ReadCSV does, but keeps every decimal field
// exactly (as m·10^e). Fields longer than MaxBigField bytes and values
// ReadCSV refuses are refused, as are columns whose exponents span more
// than ExactMaxBits bits.
func ReadCSVExact(r io.Reader, name string) (*Exact, error) {
	var raw []rawEntry
	rows, cols, err := scanCSV(r, name, func(line, row, col int, f string) error {
		if len(f) > MaxBigField {
			return cellError(name, line, row, col, f, fmt.Sprintf("field longer than %d bytes", MaxBigField))
		}
		if !looksNumeric(f) {
			return cellError(name, line, row, col, f, "not a number:")
		}
		var e rawEntry
		if what := parseDecimal(f, &e); what != "" {
			return cellError(name, line, row, col, f, what)
		}
		raw = append(raw, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return newExact(rows, cols, 10, raw, name), nil
}

// ReadCSVExactFile reads the file at path with ReadCSVExact.
func ReadCSVExactFile(path string) (*Exact, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadCSVExact(f, path)
}

// maxDecimalExponent bounds |exponent| of a decimal field.
const maxDecimalExponent = 1 << 20

// parseDecimal sets e to the exact value of the decimal f
// ([+-]digits[.digits][(e|E)[+-]digits], as strconv.ParseFloat accepts
// without hexadecimal, Inf or NaN). It returns "" or what is wrong, in
// the words cellError puts before the field.
func parseDecimal(f string, e *rawEntry) string {
	s := strings.ReplaceAll(f, "_", "") // digit separators ParseFloat accepts ("1_000")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	ex := 0
	if k := strings.IndexAny(s, "eE"); k >= 0 {
		v, err := strconv.Atoi(s[k+1:])
		if err != nil || v > maxDecimalExponent || v < -maxDecimalExponent {
			return "exponent out of range:"
		}
		ex, s = v, s[:k]
	}
	if k := strings.IndexByte(s, '.'); k >= 0 {
		ex -= len(s) - k - 1
		s = s[:k] + s[k+1:]
	}
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return "not a decimal number:"
	}
	if _, ok := e.m.SetString(s, 10); !ok {
		return "not a decimal number:"
	}
	if neg {
		e.m.Neg(&e.m)
	}
	e.e = ex
	return ""
}

// Covariance returns the target covariance Σ exactly:
// (1/M) Σ_i (y_i − ȳ)(y_i − ȳ)ᵀ when center, else (1/M) Σ_i y_i y_iᵀ.
// With the numerators N_ij it forms the integers P_jk = Σ_i N_ij N_ik and
// s_j = Σ_i N_ij, and Σ_jk = (M·P_jk − s_j s_k)·B^(2e)/M² (centered) or
// P_jk·B^(2e)/M: M·n(n+1)/2 integer multiply-adds, no rounding. The error says when a
// column's values span too wide a range for that (ExactMaxBits).
func (e *Exact) Covariance(center bool) (*ratmat.Matrix, error) {
	if e.tooWide != nil {
		return nil, e.tooWide
	}
	return e.gram().covariance(e.rows, center, e.scale(2)), nil // exactfast.go
}

// gramAcc accumulates P = Σ_i N_i N_iᵀ (upper triangle) and s = Σ_i N_i
// over integer rows N_i, exactly.
type gramAcc struct {
	n    int
	P, s []big.Int
	t    big.Int
}

func newGramAcc(n int) *gramAcc {
	return &gramAcc{n: n, P: make([]big.Int, n*n), s: make([]big.Int, n)}
}

func (a *gramAcc) add(row []big.Int) {
	n := a.n
	for j := 0; j < n; j++ {
		if row[j].Sign() == 0 {
			continue
		}
		a.s[j].Add(&a.s[j], &row[j])
		for k := j; k < n; k++ {
			if row[k].Sign() != 0 {
				a.P[j*n+k].Add(&a.P[j*n+k], a.t.Mul(&row[j], &row[k]))
			}
		}
	}
}

// covariance returns Σ_jk = (M·P_jk − s_j s_k)·s2/M² (center) or
// P_jk·s2/M, exactly; s2 is the square of the rows' common scale.
func (a *gramAcc) covariance(M int, center bool, s2 *big.Rat) *ratmat.Matrix {
	n := a.n
	out := ratmat.New(n, n)
	mInt := big.NewInt(int64(M))
	den := new(big.Int).Set(mInt)
	if center {
		den.Mul(den, mInt)
	}
	for j := 0; j < n; j++ {
		for k := j; k < n; k++ {
			g := new(big.Int).Set(&a.P[j*n+k])
			if center {
				g.Mul(g, mInt)
				g.Sub(g, a.t.Mul(&a.s[j], &a.s[k]))
			}
			v := out.At(j, k)
			v.SetFrac(g, den)
			v.Mul(v, s2)
			out.Set(k, j, v)
		}
	}
	return out
}

// GramRows returns the exact n×n matrix X Xᵀ of this n×d matrix X (WWᵀ
// for the weights W): n(n+1)/2·d integer multiply-adds. The error says
// when the values span too wide a range (ExactMaxBits).
func (e *Exact) GramRows() (*ratmat.Matrix, error) {
	if e.tooWide != nil {
		return nil, e.tooWide
	}
	n, d := e.rows, e.cols
	out := ratmat.New(n, n)
	s2 := e.scale(2)
	var g, t big.Int
	for j := 0; j < n; j++ {
		for k := j; k < n; k++ {
			g.SetInt64(0)
			for c := 0; c < d; c++ {
				g.Add(&g, t.Mul(&e.num[j*d+c], &e.num[k*d+c]))
			}
			v := out.At(j, k)
			v.SetInt(&g)
			v.Mul(v, s2)
			out.Set(k, j, v)
		}
	}
	return out, nil
}

// sigmaShape is the exact classification of Σ that NRC3 needs.
type sigmaShape struct {
	zero      bool       // Σ = 0
	isotropic bool       // Σ = (tr Σ/n)·I, Σ ≠ 0
	aniso     *big.Float // ‖Σ − (tr Σ/n)·I‖_F/‖Σ‖_F (64 bits), when neither
}

// classifySigma decides Σ = 0 and Σ ∝ I exactly and measures the relative
// anisotropy otherwise.
func classifySigma(sigma *ratmat.Matrix) sigmaShape {
	n, _ := sigma.Dims()
	if sigma.IsZero() {
		return sigmaShape{zero: true}
	}
	mean := sigma.Trace()
	mean.Quo(mean, new(big.Rat).SetInt64(int64(n)))
	s0 := ratmat.AddScaledIdentity(sigma, new(big.Rat).Neg(mean))
	if s0.IsZero() {
		return sigmaShape{isotropic: true}
	}
	ratio := new(big.Rat).Quo(ratmat.Norm2(s0), ratmat.Norm2(sigma))
	a := new(big.Float).SetPrec(64).SetRat(ratio)
	return sigmaShape{aniso: a.Sqrt(a)}
}

// anisotropyDigits returns how many decimal digits the relative anisotropy
// a > 0 costs: ⌈−log10 a⌉ (0 for a ≥ 1).
func anisotropyDigits(a *big.Float) int {
	k := 0
	ten := new(big.Float).SetPrec(64).SetInt64(10)
	x := new(big.Float).SetPrec(64).Set(a)
	// Coarse steps by the binary exponent, then exact steps by 10.
	if e := x.MantExp(nil); e < -10 {
		j := int(float64(-e-4) * 0.30103)
		x.Mul(x, tenPow(j, 64))
		k += j
	}
	for x.Cmp(one(64)) < 0 {
		x.Mul(x, ten)
		k++
	}
	return k
}

// SigmaIsotropic reports whether the exact covariance of e (centered when
// center) is a non-zero multiple of I, decided exactly.
func (e *Exact) SigmaIsotropic(center bool) (bool, error) {
	cov, err := e.Covariance(center)
	if err != nil {
		return false, err
	}
	return classifySigma(cov).isotropic, nil
}
