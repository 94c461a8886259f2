package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
)

// Format is the value of a certificate's "format" field.
const Format = "ufm-certificate/1"

// Caps on what a certificate may contain. They bound the checker's time and
// memory (exact arithmetic grows with every digit), not mathematics.
const (
	MaxFileBytes    = 64 << 20
	MaxNumberLength = 60000 // characters of one "p/q"
	MaxTargetDim    = 32    // n
	MaxSamples      = 4096  // M
	MaxEntries      = 20000 // n·M
	MaxFeatureDim   = 1 << 30
	MaxDigits       = 2000
)

// File is the JSON document of a certificate (docs/formats.md, section
// "Certificates"). Every number is an exact rational written "p/q" or "p".
type File struct {
	Format       string         `json:"format"`
	Instance     InstanceJSON   `json:"instance"`
	Digits       int            `json:"digits"`
	Lower        string         `json:"lower"`
	Upper        string         `json:"upper"`
	Lemmas       []Lemma        `json:"lemmas"`
	Point        PointJSON      `json:"point"`
	LowerBound   LowerBoundJSON `json:"lower_bound"`
	Spectrum     *SpectrumJSON  `json:"spectrum,omitempty"`    // absent for bias regularized
	ClosedForm   *IntervalJSON  `json:"closed_form,omitempty"` // absent for bias regularized
	Predictions  *RadiusJSON    `json:"predictions,omitempty"`
	TrainMSE     *MSEJSON       `json:"train_mse,omitempty"`
	Verdict      string         `json:"verdict"`
	ProvedDigits int            `json:"proved_digits"`
	Notes        []string       `json:"notes,omitempty"`
}

// InstanceJSON is the instance (docs/formats.md instance fields, numbers as "p/q").
type InstanceJSON struct {
	Name    string     `json:"name"`
	Targets [][]string `json:"targets"` // M rows of n
	LambdaH string     `json:"lambda_h"`
	LambdaW string     `json:"lambda_w"`
	D       int        `json:"d"`
	Bias    string     `json:"bias"`               // "free", "none" or "regularized"
	LambdaB string     `json:"lambda_b,omitempty"` // bias regularized only
}

// Lemma is one mathematical fact the certificate relies on.
type Lemma struct {
	ID        string `json:"id"`
	Statement string `json:"statement"`
}

// PointJSON is the explicit point of the upper bound: W is n×k, H is k×M
// (k ≤ d; the remaining d − k columns of W and rows of H are zero), b has n
// entries (all zero for bias none).
type PointJSON struct {
	W [][]string `json:"w"`
	H [][]string `json:"h"`
	B []string   `json:"b"`
}

// LowerBoundJSON says how the lower bound is proved: "dual" with the n×M
// matrix Lambda, or "mirsky" from the spectrum enclosures.
type LowerBoundJSON struct {
	Method string     `json:"method"`
	Lambda [][]string `json:"lambda,omitempty"`
}

// SpectrumJSON encloses the top k = min(d, n) eigenvalues of Σ:
// Lower[i] ≤ σ_{i+1} ≤ Upper[i], and square-root bounds
// RootUpper[i] ≤ √(c·Upper[i]), RootLower[i] ≥ √(c·Lower[i]).
type SpectrumJSON struct {
	Upper     []string `json:"upper"`
	Lower     []string `json:"lower"`
	RootUpper []string `json:"root_c_upper"`
	RootLower []string `json:"root_c_lower"`
}

// IntervalJSON is a closed rational interval.
type IntervalJSON struct {
	Lower string `json:"lower"`
	Upper string `json:"upper"`
}

// RadiusJSON: every global minimizer's centered predictions lie within
// 2·Radius (Frobenius) of the point's, both within Radius of Z*.
type RadiusJSON struct {
	Radius string `json:"radius"`
}

// MSEJSON encloses the training MSE of every global minimizer; NormLower ≤
// ‖Z_pt − Ỹ‖_F ≤ NormUpper are the square-root bounds it is built from.
type MSEJSON struct {
	Lower     string `json:"lower"`
	Upper     string `json:"upper"`
	NormLower string `json:"norm_lower"`
	NormUpper string `json:"norm_upper"`
}

// Cert is a parsed certificate: the File with every number read exactly
// and every shape checked.
type Cert struct {
	File      *File
	Name      string
	Y         [][]*big.Rat // n×M, Y[k][i] = target k of sample i
	LambdaH   *big.Rat
	LambdaW   *big.Rat
	D         int
	BiasNone  bool
	BiasReg   bool     // bias regularized: L has + λ_b/2 ‖b‖², no closed form
	LambdaB   *big.Rat // nil unless BiasReg
	Lower     *big.Rat
	Upper     *big.Rat
	W, H      [][]*big.Rat
	B         []*big.Rat
	Lambda    [][]*big.Rat // nil unless method dual
	SigUpper  []*big.Rat
	SigLower  []*big.Rat
	RootUpper []*big.Rat
	RootLower []*big.Rat
	CFLower   *big.Rat
	CFUpper   *big.Rat
	Radius    *big.Rat // nil if absent
	MSE       []*big.Rat
}

// ParseError is a certificate that cannot be read: malformed JSON, a wrong
// shape, a number that is not an exact rational, a size beyond the caps.
type ParseError struct{ Problem string }

func (e *ParseError) Error() string { return "unreadable certificate: " + e.Problem }

func perr(format string, a ...any) error { return &ParseError{Problem: fmt.Sprintf(format, a...)} }

var ratPattern = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(/[1-9][0-9]*)?$`)

// ParseRat reads "p/q" or "p" exactly (no leading zeros, no sign on q,
// q ≠ 0, at most MaxNumberLength characters).
func ParseRat(s string) (*big.Rat, error) {
	if len(s) > MaxNumberLength {
		return nil, fmt.Errorf("a number has %d characters (at most %d)", len(s), MaxNumberLength)
	}
	if !ratPattern.MatchString(s) {
		return nil, fmt.Errorf("%.40q is not an exact rational \"p/q\"", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("%.40q is not an exact rational", s)
	}
	return r, nil
}

// Parse reads a certificate document. Any problem is a *ParseError.
func Parse(data []byte) (*Cert, error) {
	if len(data) > MaxFileBytes {
		return nil, perr("file has %d bytes (at most %d)", len(data), MaxFileBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, perr("JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, perr("trailing data after the JSON document")
	}
	if err := exactKeys(data); err != nil {
		return nil, err
	}
	if f.Format != Format {
		return nil, perr("format is %.40q, want %q", f.Format, Format)
	}
	return convert(&f)
}

// fieldNames are the JSON names of every field of File and of the types
// it contains (TestFieldNames compares them with the struct tags). All
// are lower case, so a key in this set that encoding/json matched to a
// field (it also accepts other cases and Unicode folds: "LOWER",
// "ſtatement" with a long s) is that field's exact name.
var fieldNames = map[string]bool{
	"format": true, "instance": true, "digits": true, "lower": true, "upper": true, "lemmas": true,
	"point": true, "lower_bound": true, "spectrum": true, "closed_form": true, "predictions": true,
	"train_mse": true, "verdict": true, "proved_digits": true, "notes": true,
	"name": true, "targets": true, "lambda_h": true, "lambda_w": true, "d": true, "bias": true, "lambda_b": true,
	"id": true, "statement": true, "w": true, "h": true, "b": true, "method": true, "lambda": true,
	"root_c_upper": true, "root_c_lower": true, "radius": true, "norm_lower": true, "norm_upper": true,
}

// exactKeys refuses what encoding/json lets through after a successful
// decode: a field name matched only case-insensitively, and a field that
// appears twice in one object (the decoder would keep the last value, or
// merge two objects, where another reader of the file may keep the
// first). data is one JSON document that Decode has accepted.
func exactKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var open []map[string]bool // keys seen in each open object; nil for an array
	key := false               // the next string token is a key
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return perr("JSON: %v", err)
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				open, key = append(open, map[string]bool{}), true
				continue
			case '[':
				open, key = append(open, nil), false
				continue
			default:
				open = open[:len(open)-1]
			}
		case string:
			if key {
				seen := open[len(open)-1]
				if !fieldNames[v] {
					return perr("JSON: unknown field %.40q (field names are case-sensitive)", v)
				}
				if seen[v] {
					return perr("JSON: field %q appears twice in one object", v)
				}
				seen[v], key = true, false
				continue
			}
		}
		// A value has ended: in an object the next token is a key.
		key = len(open) > 0 && open[len(open)-1] != nil
	}
}

// reader converts strings to rationals, remembering the first error.
type reader struct{ err error }

func (r *reader) rat(field, s string) *big.Rat {
	if r.err != nil {
		return nil
	}
	x, err := ParseRat(s)
	if err != nil {
		r.err = perr("%s: %v", field, err)
	}
	return x
}

func (r *reader) vec(field string, v []string, n int) []*big.Rat {
	if r.err != nil {
		return nil
	}
	if len(v) != n {
		r.err = perr("%s has %d entries, want %d", field, len(v), n)
		return nil
	}
	out := make([]*big.Rat, n)
	for i, s := range v {
		out[i] = r.rat(fmt.Sprintf("%s[%d]", field, i), s)
	}
	return out
}

func (r *reader) mat(field string, m [][]string, rows, cols int) [][]*big.Rat {
	if r.err != nil {
		return nil
	}
	if len(m) != rows {
		r.err = perr("%s has %d rows, want %d", field, len(m), rows)
		return nil
	}
	out := make([][]*big.Rat, rows)
	for i, row := range m {
		out[i] = r.vec(fmt.Sprintf("%s[%d]", field, i), row, cols)
	}
	return out
}

func convert(f *File) (*Cert, error) {
	in := f.Instance
	m := len(in.Targets)
	if m < 1 || m > MaxSamples {
		return nil, perr("instance.targets has %d rows (1 to %d)", m, MaxSamples)
	}
	n := len(in.Targets[0])
	if n < 1 || n > MaxTargetDim || n*m > MaxEntries {
		return nil, perr("instance.targets is %d×%d (n ≤ %d, n·M ≤ %d)", m, n, MaxTargetDim, MaxEntries)
	}
	if in.D < 1 || in.D > MaxFeatureDim {
		return nil, perr("instance.d = %d is not a feature dimension", in.D)
	}
	if in.Bias != "free" && in.Bias != "none" && in.Bias != "regularized" {
		return nil, perr("instance.bias is %.20q (free, none or regularized)", in.Bias)
	}
	if (in.Bias == "regularized") != (in.LambdaB != "") {
		return nil, perr("instance.lambda_b goes with bias regularized, and only with it")
	}
	if f.Digits < 1 || f.Digits > MaxDigits {
		return nil, perr("digits = %d (1 to %d)", f.Digits, MaxDigits)
	}
	k := min(n, in.D)
	r := &reader{}
	c := &Cert{File: f, Name: in.Name, D: in.D, BiasNone: in.Bias == "none", BiasReg: in.Bias == "regularized"}
	ys := r.mat("instance.targets", in.Targets, m, n)
	c.LambdaH = r.rat("instance.lambda_h", in.LambdaH)
	c.LambdaW = r.rat("instance.lambda_w", in.LambdaW)
	c.Lower = r.rat("lower", f.Lower)
	c.Upper = r.rat("upper", f.Upper)
	if r.err == nil && (c.LambdaH.Sign() < 0 || c.LambdaW.Sign() < 0 || (c.LambdaH.Sign() == 0) != (c.LambdaW.Sign() == 0)) {
		return nil, perr("instance: a certificate needs λ_H, λ_W both > 0 or both 0 (one zero: the infimum is not attained)")
	}
	if r.err == nil && c.LambdaH.Sign() == 0 && (in.Bias == "regularized" || f.LowerBound.Method != "mirsky") {
		return nil, perr("instance: λ_H = λ_W = 0 is certified with method mirsky, bias free or none")
	}
	if c.BiasReg {
		if c.LambdaB = r.rat("instance.lambda_b", in.LambdaB); r.err == nil && c.LambdaB.Sign() <= 0 {
			return nil, perr("instance.lambda_b must be > 0")
		}
		if f.Spectrum != nil || f.ClosedForm != nil || f.Predictions != nil || f.TrainMSE != nil || f.LowerBound.Method != "dual" {
			return nil, perr("bias regularized: a certificate has a dual lower bound and no spectrum, closed_form, predictions or train_mse")
		}
	} else if f.Spectrum == nil || f.ClosedForm == nil {
		return nil, perr("spectrum and closed_form are required (bias free or none)")
	}
	pk := len(f.Point.W)
	if pk != n {
		return nil, perr("point.w has %d rows, want n = %d", pk, n)
	}
	kp := 0
	if n > 0 && len(f.Point.W) > 0 {
		kp = len(f.Point.W[0])
	}
	if kp < 1 || kp > in.D || kp > MaxTargetDim {
		return nil, perr("point.w has %d columns (1 to min(d, %d))", kp, MaxTargetDim)
	}
	c.W = r.mat("point.w", f.Point.W, n, kp)
	c.H = r.mat("point.h", f.Point.H, kp, m)
	c.B = r.vec("point.b", f.Point.B, n)
	switch f.LowerBound.Method {
	case "dual":
		c.Lambda = r.mat("lower_bound.lambda", f.LowerBound.Lambda, n, m)
	case "mirsky":
		if f.LowerBound.Lambda != nil {
			return nil, perr("lower_bound: method mirsky takes no lambda")
		}
	default:
		return nil, perr("lower_bound.method is %.20q (dual or mirsky)", f.LowerBound.Method)
	}
	if !c.BiasReg {
		c.SigUpper = r.vec("spectrum.upper", f.Spectrum.Upper, k)
		c.SigLower = r.vec("spectrum.lower", f.Spectrum.Lower, k)
		c.RootUpper = r.vec("spectrum.root_c_upper", f.Spectrum.RootUpper, k)
		c.RootLower = r.vec("spectrum.root_c_lower", f.Spectrum.RootLower, k)
		c.CFLower = r.rat("closed_form.lower", f.ClosedForm.Lower)
		c.CFUpper = r.rat("closed_form.upper", f.ClosedForm.Upper)
	}
	if f.Predictions != nil {
		c.Radius = r.rat("predictions.radius", f.Predictions.Radius)
	}
	if f.TrainMSE != nil {
		c.MSE = []*big.Rat{
			r.rat("train_mse.lower", f.TrainMSE.Lower), r.rat("train_mse.upper", f.TrainMSE.Upper),
			r.rat("train_mse.norm_lower", f.TrainMSE.NormLower), r.rat("train_mse.norm_upper", f.TrainMSE.NormUpper),
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	c.Y = transpose(ys)
	return c, nil
}

func transpose(a [][]*big.Rat) [][]*big.Rat {
	if len(a) == 0 {
		return nil
	}
	out := make([][]*big.Rat, len(a[0]))
	for j := range out {
		out[j] = make([]*big.Rat, len(a))
		for i := range a {
			out[j][i] = a[i][j]
		}
	}
	return out
}

// FromFile validates the shapes of f and reads its numbers exactly, as
// Parse does after decoding JSON.
func FromFile(f *File) (*Cert, error) {
	if f.Format != Format {
		return nil, perr("format is %.40q, want %q", f.Format, Format)
	}
	return convert(f)
}
