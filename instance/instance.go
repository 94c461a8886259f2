package instance

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Caps on what an instance may ask for. They bound memory and time, not
// mathematics; each is far above the sizes the theory is usually checked on.
const (
	MaxDigits       = 2000    // significant decimal digits
	MaxTargetDim    = 256     // n
	MaxSamples      = 100000  // M
	MaxEntries      = 1000000 // M·n
	MaxFeatureDim   = 100000  // d
	MaxNumberLength = 25000   // characters in one number (so that Marshal's exact p/q of any accepted decimal re-parses)
	MaxExponent     = 10000   // |e| in a decimal exponent
	MaxFileBytes    = 64 << 20
	DefaultDigits   = 50

	// MaxTargetBits bounds the exact targets: the bit lengths of their
	// numerators and denominators add up to at most this (32 MiB of
	// integers), checked number by number while parsing, so that 10⁶
	// entries of ±1e10000 (4 GiB as integers) are refused after about
	// 8 000 of them instead of exhausting memory.
	MaxTargetBits = 1 << 28
)

// Bias is the bias mode of docs/theory.md §1.
type Bias int

const (
	BiasFree        Bias = iota // b optimized (the paper's setting)
	BiasNone                    // b ≡ 0
	BiasRegularized             // b optimized with penalty λ_b/2 ‖b‖²
)

// String returns the docs/formats.md name of the mode.
func (b Bias) String() string {
	switch b {
	case BiasFree:
		return "free"
	case BiasNone:
		return "none"
	case BiasRegularized:
		return "regularized"
	}
	return fmt.Sprintf("Bias(%d)", int(b))
}

// Instance is a problem: targets Y (Targets[i] is sample y_i, of length n),
// λ's, d, bias mode and digits. All numbers are exact. Parse and Load return
// valid instances; one built by hand is checked by Validate, which every
// public entry point of theory, solver, verify and proofs calls first. The
// methods below assume a valid instance.
type Instance struct {
	Name    string
	Targets [][]*big.Rat
	LambdaH *big.Rat
	LambdaW *big.Rat
	LambdaB *big.Rat // nil unless Bias == BiasRegularized
	D       int
	Bias    Bias
	Digits  int

	// Deep model and data-term convention (docs/theory.md §6; parsed in
	// deep.go). Layers is the number of weight layers K − 1 (default 1);
	// Widths the Layers − 1 hidden widths d_1 … d_{K−2}, from the features
	// toward the output; Lambdas[l−1] the λ of weight layer W_l (W_1 acts on
	// the features, W_{K−1} has n rows); for Layers = 1, Lambdas = [LambdaW]
	// and LambdaW is also set. For Layers > 1 LambdaW is Lambdas[0] only for
	// display; use Lambdas. DataTerm is sum (default) or mean.
	Layers   int
	Widths   []int
	Lambdas  []*big.Rat
	DataTerm DataTerm
}

// Error is a one-line description of what is wrong with an instance.
type Error struct {
	Field   string // e.g. "lambda_h", "targets[3][1]"; empty for the document
	Problem string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return e.Field + ": " + e.Problem
}

func errorf(field, format string, a ...any) *Error {
	return &Error{Field: field, Problem: fmt.Sprintf(format, a...)}
}

// M returns the number of samples.
func (in *Instance) M() int { return len(in.Targets) }

// N returns the target dimension.
func (in *Instance) N() int {
	if len(in.Targets) == 0 {
		return 0
	}
	return len(in.Targets[0])
}

// C returns c = λ_H·λ_W exactly (for Layers > 1: λ_H·Π_l λ_l, see DeepC).
func (in *Instance) C() *big.Rat {
	if in.Layers > 1 {
		return in.DeepC()
	}
	return new(big.Rat).Mul(in.LambdaH, in.LambdaW)
}

// scaled returns the targets over one common denominator: integers
// Z[i][k] and D > 0 (the least common multiple of every denominator) with
// Targets[i][k] = Z[i][k]/D. Clearing the denominators once keeps Mean and
// Sigma free of the rational blow-up of summing M fractions one by one
// (M = 2000 distinct 10-digit denominators: a gcd of 20 000-digit numbers
// at every addition).
func (in *Instance) scaled() ([][]*big.Int, *big.Int) {
	D := big.NewInt(1)
	var g, q big.Int
	for _, row := range in.Targets {
		for _, v := range row {
			den := v.Denom()
			if den.IsInt64() && den.Int64() == 1 {
				continue
			}
			g.GCD(nil, nil, D, den)
			q.Quo(den, &g)
			D.Mul(D, &q)
		}
	}
	Z := make([][]*big.Int, len(in.Targets))
	for i, row := range in.Targets {
		Z[i] = make([]*big.Int, len(row))
		for k, v := range row {
			z := new(big.Int).Quo(D, v.Denom())
			Z[i][k] = z.Mul(z, v.Num())
		}
	}
	return Z, D
}

// columnSums returns s_k = Σ_i Z[i][k].
func columnSums(Z [][]*big.Int, n int) []*big.Int {
	s := make([]*big.Int, n)
	for k := range s {
		s[k] = new(big.Int)
		for _, row := range Z {
			s[k].Add(s[k], row[k])
		}
	}
	return s
}

// Mean returns ȳ = (1/M) Σ_i y_i exactly (whatever the bias mode).
func (in *Instance) Mean() []*big.Rat {
	Z, D := in.scaled()
	s := columnSums(Z, in.N())
	den := new(big.Int).Mul(D, big.NewInt(int64(in.M())))
	mean := make([]*big.Rat, len(s))
	for k := range s {
		mean[k] = new(big.Rat).SetFrac(s[k], den)
	}
	return mean
}

// CenteredTargets returns the n×M matrix Ỹ used by the theory, row-major as
// Ỹ[k][i]: Y − ȳ1ᵀ for bias modes free and regularized, Y itself for none.
// Centered entries are formed over the common denominator M·D:
// y_ik − ȳ_k = (M·z_ik − s_k)/(M·D).
func (in *Instance) CenteredTargets() [][]*big.Rat {
	n, m := in.N(), in.M()
	out := make([][]*big.Rat, n)
	if in.Bias == BiasNone {
		for k := 0; k < n; k++ {
			out[k] = make([]*big.Rat, m)
			for i := 0; i < m; i++ {
				out[k][i] = new(big.Rat).Set(in.Targets[i][k])
			}
		}
		return out
	}
	Z, D := in.scaled()
	s := columnSums(Z, n)
	M := big.NewInt(int64(m))
	den := new(big.Int).Mul(D, M)
	for k := 0; k < n; k++ {
		out[k] = make([]*big.Rat, m)
		for i := 0; i < m; i++ {
			num := new(big.Int).Mul(M, Z[i][k])
			out[k][i] = new(big.Rat).SetFrac(num.Sub(num, s[k]), den)
		}
	}
	return out
}

// Sigma returns Σ = (1/M) Ỹ Ỹᵀ exactly as an n×n row-major slice: the target
// covariance for bias modes free and regularized, the uncentered second
// moment for none (docs/theory.md §1). It works in integers over the common
// denominator D of the targets (y = z/D, s_k = Σ_i z_ik):
// Σ_kl = (M·Σ_i z_ik z_il − s_k s_l)/(M²D²), or Σ_i z_ik z_il/(M·D²) for
// bias none, with one normalization per entry.
func (in *Instance) Sigma() [][]*big.Rat {
	n, m := in.N(), in.M()
	Z, D := in.scaled()
	M := big.NewInt(int64(m))
	den := new(big.Int).Mul(D, D)
	den.Mul(den, M)
	var s []*big.Int
	if in.Bias != BiasNone {
		s = columnSums(Z, n)
		den.Mul(den, M)
	}
	out := make([][]*big.Rat, n)
	for k := range out {
		out[k] = make([]*big.Rat, n)
	}
	var t big.Int
	for k := 0; k < n; k++ {
		for l := k; l < n; l++ {
			acc := new(big.Int)
			for i := 0; i < m; i++ {
				acc.Add(acc, t.Mul(Z[i][k], Z[i][l]))
			}
			if s != nil {
				acc.Mul(acc, M)
				acc.Sub(acc, t.Mul(s[k], s[l]))
			}
			v := new(big.Rat).SetFrac(acc, den)
			out[k][l] = v
			out[l][k] = v
		}
	}
	return out
}

// Load reads and validates the instance file at path. A file without a
// "name" is named after the file. Errors do not repeat path (callers name
// the file once).
func Load(path string) (*Instance, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Problem: fmt.Sprintf("cannot read: %v", unwrapPathError(err))}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, &Error{Problem: fmt.Sprintf("cannot read: %v", unwrapPathError(err))}
	}
	if len(data) > MaxFileBytes {
		return nil, &Error{Problem: fmt.Sprintf("larger than %d MiB (MaxFileBytes)", MaxFileBytes>>20)}
	}
	in, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if in.Name == "" {
		in.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return in, nil
}

// unwrapPathError returns the cause of an *os.PathError without its path.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

var (
	decimalPattern  = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE]([+-]?[0-9]+))?$`)
	rationalPattern = regexp.MustCompile(`^[+-]?[0-9]+/[0-9]+$`)
)

// ParseNumber reads a decimal ("-1.25e-3") or rational ("-3/7") string
// exactly. It refuses NaN, Inf, hexadecimal, empty strings, zero
// denominators, numbers longer than MaxNumberLength characters and
// exponents beyond ±MaxExponent.
func ParseNumber(s string) (*big.Rat, error) {
	if len(s) > MaxNumberLength {
		return nil, fmt.Errorf("number has %d characters (at most %d)", len(s), MaxNumberLength)
	}
	if m := decimalPattern.FindStringSubmatch(s); m != nil {
		if m[4] != "" {
			e, err := strconv.Atoi(m[4])
			if err != nil || e > MaxExponent || e < -MaxExponent {
				return nil, fmt.Errorf("exponent in %q is beyond ±%d", s, MaxExponent)
			}
		}
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return nil, fmt.Errorf("%q is not a decimal number", s)
		}
		return r, nil
	}
	if rationalPattern.MatchString(s) {
		den := s[strings.IndexByte(s, '/')+1:]
		if strings.Trim(den, "0") == "" {
			return nil, fmt.Errorf("%q has a zero denominator", s)
		}
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return nil, fmt.Errorf("%q is not a rational number", s)
		}
		return r, nil
	}
	return nil, fmt.Errorf("%q is not a decimal or rational number", s)
}

// Parse reads an instance document (docs/formats.md) and validates it. Unknown and
// duplicate fields, missing required fields, non-numbers, NaN/Inf, negative
// λ's, ragged or empty targets, sizes beyond the caps and trailing data are
// all refused with an *Error. A leading UTF-8 byte order mark is ignored
// (RFC 8259 §8.1 allows it; editors on Windows write one).
func Parse(data []byte) (*Instance, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, &Error{Problem: "not a JSON document: " + jsonProblem(err)}
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, &Error{Problem: "the instance must be a JSON object"}
	}
	in := &Instance{Digits: DefaultDigits, Bias: BiasFree}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, &Error{Problem: "malformed JSON: " + jsonProblem(err)}
		}
		key, ok := tok.(string)
		if !ok {
			return nil, &Error{Problem: "malformed JSON object"}
		}
		if seen[key] {
			return nil, errorf(key, "field appears twice")
		}
		seen[key] = true
		switch key {
		case "name":
			s, err := readString(dec, key)
			if err != nil {
				return nil, err
			}
			if len(s) > 200 || strings.ContainsAny(s, "\n\r") {
				return nil, errorf(key, "must be one line of at most 200 characters")
			}
			in.Name = s
		case "targets":
			t, err := readTargets(dec)
			if err != nil {
				return nil, err
			}
			in.Targets = t
		case "layers", "widths", "lambdas", "data_term":
			if err := in.parseDeepField(dec, key); err != nil {
				return nil, err
			}
		case "lambda_h", "lambda_w", "lambda_b":
			r, err := readNumber(dec, key)
			if err != nil {
				return nil, err
			}
			if r.Sign() < 0 {
				return nil, errorf(key, "must be ≥ 0, got %s", r.RatString())
			}
			switch key {
			case "lambda_h":
				in.LambdaH = r
			case "lambda_w":
				in.LambdaW = r
			default:
				in.LambdaB = r
			}
		case "d":
			v, err := readInt(dec, key, 1, MaxFeatureDim)
			if err != nil {
				return nil, err
			}
			in.D = v
		case "digits":
			v, err := readInt(dec, key, 1, MaxDigits)
			if err != nil {
				return nil, err
			}
			in.Digits = v
		case "bias":
			s, err := readString(dec, key)
			if err != nil {
				return nil, err
			}
			switch s {
			case "free":
				in.Bias = BiasFree
			case "none":
				in.Bias = BiasNone
			case "regularized":
				in.Bias = BiasRegularized
			default:
				return nil, errorf(key, "must be \"free\", \"none\" or \"regularized\", got %q", s)
			}
		default:
			return nil, errorf(key, "unknown field (known: name, targets, lambda_h, lambda_w, lambda_b, d, bias, digits, layers, widths, lambdas, data_term)")
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, &Error{Problem: "malformed JSON: " + jsonProblem(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{Problem: "trailing data after the instance object"}
	}
	if err := in.finishDeep(); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name    string
		missing bool
	}{
		{"targets", in.Targets == nil},
		{"lambda_h", in.LambdaH == nil},
		{"lambda_w", in.LambdaW == nil},
		{"d", in.D == 0},
	} {
		if f.missing {
			return nil, errorf(f.name, "missing (required)")
		}
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return in, nil
}

// Validate reports the first problem that makes in unusable, as an *Error
// naming the field, or nil. It is what Parse enforces, for instances built
// by hand: M ≥ 1 samples of n ≥ 1 numbers each (no ragged rows, no nil
// entries), λ_H and λ_W present and ≥ 0, 1 ≤ d ≤ MaxFeatureDim,
// 1 ≤ Digits ≤ MaxDigits, a known bias mode, λ_b present and ≥ 0 exactly
// when Bias is BiasRegularized, sizes within the caps, and a one-line name
// of at most 200 bytes. Every public entry point that takes an instance
// (theory.Predict, solver.Solve, verify.Run and Compare, proofs.CheckOne,
// sweep.Run, certify.Build) calls it and returns its error instead of
// panicking.
func (in *Instance) Validate() error {
	if in == nil {
		return &Error{Problem: "nil instance"}
	}
	if len(in.Name) > 200 || strings.ContainsAny(in.Name, "\n\r") {
		return errorf("name", "must be one line of at most 200 characters")
	}
	if err := validateTargets(in.Targets); err != nil {
		return err
	}
	for _, l := range []struct {
		field string
		v     *big.Rat
	}{{"lambda_h", in.LambdaH}, {"lambda_w", in.LambdaW}} {
		switch {
		case l.v == nil:
			return errorf(l.field, "missing (nil)")
		case l.v.Sign() < 0:
			return errorf(l.field, "must be ≥ 0, got %s", l.v.RatString())
		}
	}
	switch {
	case in.D < 1 || in.D > MaxFeatureDim:
		return errorf("d", "must be between 1 and %d, got %d", MaxFeatureDim, in.D)
	case in.Digits < 1 || in.Digits > MaxDigits:
		return errorf("digits", "must be between 1 and %d, got %d", MaxDigits, in.Digits)
	case in.Bias != BiasFree && in.Bias != BiasNone && in.Bias != BiasRegularized:
		return errorf("bias", "unknown bias mode %v", in.Bias)
	case in.Bias == BiasRegularized && in.LambdaB == nil:
		return errorf("lambda_b", "missing (required with bias \"regularized\")")
	case in.Bias != BiasRegularized && in.LambdaB != nil:
		return errorf("lambda_b", "only allowed with bias \"regularized\"")
	case in.LambdaB != nil && in.LambdaB.Sign() < 0:
		return errorf("lambda_b", "must be ≥ 0, got %s", in.LambdaB.RatString())
	}
	return in.validateDeep()
}

// validateTargets checks the shape and caps of the targets (M rows of n
// non-nil numbers).
func validateTargets(t [][]*big.Rat) error {
	switch {
	case len(t) == 0:
		return errorf("targets", "no samples (M must be ≥ 1)")
	case len(t) > MaxSamples:
		return errorf("targets", "more than %d samples", MaxSamples)
	case len(t[0]) == 0:
		return errorf("targets[0]", "empty row (n must be ≥ 1)")
	case len(t[0]) > MaxTargetDim:
		return errorf("targets[0]", "more than %d target dimensions", MaxTargetDim)
	case len(t)*len(t[0]) > MaxEntries:
		return errorf("targets", "more than %d numbers", MaxEntries)
	}
	for i, row := range t {
		if len(row) != len(t[0]) {
			return errorf(fmt.Sprintf("targets[%d]", i), "has %d numbers but targets[0] has %d (ragged rows)", len(row), len(t[0]))
		}
		for j, v := range row {
			if v == nil {
				return errorf(fmt.Sprintf("targets[%d][%d]", i, j), "missing (nil)")
			}
		}
	}
	return nil
}

func jsonProblem(err error) string {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return "unexpected end of input"
	}
	return err.Error()
}

func readString(dec *json.Decoder, field string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", errorf(field, "malformed JSON: %s", jsonProblem(err))
	}
	s, ok := tok.(string)
	if !ok {
		return "", errorf(field, "must be a string, got %s", describe(tok))
	}
	return s, nil
}

// readNumber reads one JSON number or string into an exact rational.
func readNumber(dec *json.Decoder, field string) (*big.Rat, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, errorf(field, "malformed JSON: %s", jsonProblem(err))
	}
	var s string
	switch v := tok.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	default:
		return nil, errorf(field, "must be a number, got %s", describe(tok))
	}
	r, err := ParseNumber(s)
	if err != nil {
		return nil, errorf(field, "%v", err)
	}
	return r, nil
}

func readInt(dec *json.Decoder, field string, lo, hi int) (int, error) {
	tok, err := dec.Token()
	if err != nil {
		return 0, errorf(field, "malformed JSON: %s", jsonProblem(err))
	}
	num, ok := tok.(json.Number)
	if !ok {
		return 0, errorf(field, "must be a whole number, got %s", describe(tok))
	}
	v, err := strconv.ParseInt(num.String(), 10, 64)
	if err != nil {
		return 0, errorf(field, "must be a whole number, got %s", num)
	}
	if v < int64(lo) || v > int64(hi) {
		return 0, errorf(field, "must be between %d and %d, got %d", lo, hi, v)
	}
	return int(v), nil
}

func readTargets(dec *json.Decoder) ([][]*big.Rat, error) {
	const field = "targets"
	if err := expectDelim(dec, field, '['); err != nil {
		return nil, err
	}
	var rows [][]*big.Rat
	entries, bits := 0, 0
	for dec.More() {
		i := len(rows)
		if i >= MaxSamples {
			return nil, errorf(field, "more than %d samples", MaxSamples)
		}
		rowField := fmt.Sprintf("targets[%d]", i)
		if err := expectDelim(dec, rowField, '['); err != nil {
			return nil, err
		}
		var row []*big.Rat
		for dec.More() {
			j := len(row)
			if j >= MaxTargetDim {
				return nil, errorf(rowField, "more than %d target dimensions", MaxTargetDim)
			}
			entries++
			if entries > MaxEntries {
				return nil, errorf(field, "more than %d numbers", MaxEntries)
			}
			r, err := readNumber(dec, fmt.Sprintf("targets[%d][%d]", i, j))
			if err != nil {
				return nil, err
			}
			bits += r.Num().BitLen() + r.Denom().BitLen()
			if bits > MaxTargetBits {
				return nil, errorf(fmt.Sprintf("targets[%d][%d]", i, j), "the exact targets up to here take more than %d bits (MaxTargetBits: too many digits or too large exponents)", MaxTargetBits)
			}
			row = append(row, r)
		}
		if _, err := dec.Token(); err != nil {
			return nil, errorf(rowField, "malformed JSON: %s", jsonProblem(err))
		}
		if len(row) == 0 {
			return nil, errorf(rowField, "empty row (n must be ≥ 1)")
		}
		if i > 0 && len(row) != len(rows[0]) {
			return nil, errorf(rowField, "has %d numbers but targets[0] has %d (ragged rows)", len(row), len(rows[0]))
		}
		rows = append(rows, row)
	}
	if _, err := dec.Token(); err != nil {
		return nil, errorf(field, "malformed JSON: %s", jsonProblem(err))
	}
	if len(rows) == 0 {
		return nil, errorf(field, "no samples (M must be ≥ 1)")
	}
	return rows, nil
}

func expectDelim(dec *json.Decoder, field string, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return errorf(field, "malformed JSON: %s", jsonProblem(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		what := "an array"
		if want == '{' {
			what = "an object"
		}
		return errorf(field, "must be %s, got %s", what, describe(tok))
	}
	return nil
}

func describe(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case string:
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		return strconv.Quote(v)
	case json.Number:
		return v.String()
	case json.Delim:
		switch v {
		case '[':
			return "an array"
		case '{':
			return "an object"
		}
		return string(v)
	}
	return fmt.Sprintf("%v", tok)
}

// Marshal writes the instance as an instance document (docs/formats.md) with every number
// as an exact rational string, so that Parse(Marshal(in)) equals in.
func (in *Instance) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString("{\n")
	name, _ := json.Marshal(in.Name) // a Go string always encodes
	fmt.Fprintf(&b, "  \"name\": %s,\n", name)
	b.WriteString("  \"targets\": [\n")
	for i, row := range in.Targets {
		b.WriteString("    [")
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(v.RatString()))
		}
		b.WriteString("]")
		if i+1 < len(in.Targets) {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("  ],\n")
	fmt.Fprintf(&b, "  \"lambda_h\": %q,\n", in.LambdaH.RatString())
	if in.Layers <= 1 {
		fmt.Fprintf(&b, "  \"lambda_w\": %q,\n", in.LambdaW.RatString())
	}
	if in.Bias == BiasRegularized && in.LambdaB != nil {
		fmt.Fprintf(&b, "  \"lambda_b\": %q,\n", in.LambdaB.RatString())
	}
	in.marshalDeep(&b)
	fmt.Fprintf(&b, "  \"d\": %d,\n", in.D)
	fmt.Fprintf(&b, "  \"bias\": %q,\n", in.Bias.String())
	fmt.Fprintf(&b, "  \"digits\": %d\n", in.Digits)
	b.WriteString("}\n")
	return b.Bytes()
}

// Clone returns a deep copy of in.
func (in *Instance) Clone() *Instance {
	out := *in
	out.Targets = make([][]*big.Rat, len(in.Targets))
	for i, row := range in.Targets {
		out.Targets[i] = make([]*big.Rat, len(row))
		for j, v := range row {
			out.Targets[i][j] = new(big.Rat).Set(v)
		}
	}
	out.LambdaH = new(big.Rat).Set(in.LambdaH)
	out.LambdaW = new(big.Rat).Set(in.LambdaW)
	if in.LambdaB != nil {
		out.LambdaB = new(big.Rat).Set(in.LambdaB)
	}
	in.cloneDeep(&out)
	return &out
}

//go:embed default.json
var defaultInstance []byte

// Default returns the built-in default instance (a full-regime problem with
// n = 3, d = 6, M = 12), used by 'ufm verify' without a file and 'make run'.
func Default() *Instance {
	in, err := Parse(defaultInstance)
	if err != nil {
		panic("instance: built-in default is invalid: " + err.Error())
	}
	return in
}
