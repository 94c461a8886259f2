package instance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// MaxLayers caps the number of weight layers K − 1 of a deep instance. The
// cap bounds the cost of the solver (one dense Newton system over all
// layers), not the mathematics.
const MaxLayers = 8

// DataTerm is the reduction of the data term (docs/theory.md §6).
type DataTerm int

const (
	// DataSum is the paper's 1/(2M)‖·‖²_F (the default).
	DataSum DataTerm = iota
	// DataMean is 1/(2Mn)‖·‖²_F: the data term also averaged over the n
	// target dimensions, as PyTorch's mse_loss with reduction "mean" does.
	DataMean
)

// String returns the instance-file name of the convention.
func (t DataTerm) String() string {
	switch t {
	case DataSum:
		return "sum"
	case DataMean:
		return "mean"
	}
	return fmt.Sprintf("DataTerm(%d)", int(t))
}

// WeightLayers returns K − 1, the number of weight layers (1 for an
// instance built without the deep fields).
func (in *Instance) WeightLayers() int { return max(1, in.Layers) }

// IsDeep reports whether the instance needs the deep model of
// docs/theory.md §6: more than one weight layer, or the mean data term.
func (in *Instance) IsDeep() bool { return in.WeightLayers() > 1 || in.DataTerm == DataMean }

// LayerLambdas returns λ_1 … λ_{K−1} (the weight layers' λ's, W_1 first):
// Lambdas, or [LambdaW] for an instance built without the deep fields. The
// values are shared, not copied.
func (in *Instance) LayerLambdas() []*big.Rat {
	if len(in.Lambdas) > 0 {
		return in.Lambdas
	}
	return []*big.Rat{in.LambdaW}
}

// LayerWidths returns the widths d_0 … d_{K−1}: d, the hidden widths, n.
func (in *Instance) LayerWidths() []int {
	w := []int{in.D}
	if in.WeightLayers() > 1 {
		w = append(w, in.Widths...)
	}
	return append(w, in.N())
}

// DeepC returns c = λ_H · Π_l λ_l exactly (λ_H·λ_W for one layer).
func (in *Instance) DeepC() *big.Rat {
	c := new(big.Rat).Set(in.LambdaH)
	for _, l := range in.LayerLambdas() {
		c.Mul(c, l)
	}
	return c
}

// parseDeepField reads one of layers, widths, lambdas, data_term.
func (in *Instance) parseDeepField(dec *json.Decoder, key string) error {
	switch key {
	case "layers":
		v, err := readInt(dec, key, 1, MaxLayers)
		if err != nil {
			return err
		}
		in.Layers = v
	case "widths":
		w, err := readIntArray(dec, key, 1, MaxFeatureDim, MaxLayers-1)
		if err != nil {
			return err
		}
		in.Widths = w
	case "lambdas":
		l, err := readNumberArray(dec, key, MaxLayers)
		if err != nil {
			return err
		}
		in.Lambdas = l
	case "data_term":
		s, err := readString(dec, key)
		if err != nil {
			return err
		}
		switch s {
		case "sum":
			in.DataTerm = DataSum
		case "mean":
			in.DataTerm = DataMean
		default:
			return errorf(key, "must be \"sum\" or \"mean\", got %q", s)
		}
	}
	return nil
}

// finishDeep checks the deep fields against each other and fills the
// defaults. It runs before the required-field check, so a valid lambdas
// stands in for lambda_w.
func (in *Instance) finishDeep() error {
	if in.Layers == 0 {
		in.Layers = 1
	}
	k1 := in.Layers
	if in.Widths != nil && len(in.Widths) != k1-1 {
		return errorf("widths", "has %d entries but layers = %d needs layers − 1 = %d hidden widths", len(in.Widths), k1, k1-1)
	}
	if in.Widths == nil && k1 > 1 {
		return errorf("widths", "missing (required with layers = %d: the %d hidden widths)", k1, k1-1)
	}
	if k1 == 1 {
		in.Widths = nil // an empty array is the same as none
	}
	switch {
	case in.Lambdas != nil && in.LambdaW != nil:
		return errorf("lambdas", "give either lambda_w (one layer) or lambdas, not both")
	case in.Lambdas != nil && len(in.Lambdas) != k1:
		return errorf("lambdas", "has %d entries but layers = %d needs one λ per weight layer", len(in.Lambdas), k1)
	case in.Lambdas == nil && k1 > 1 && in.LambdaW != nil:
		return errorf("lambda_w", "only valid for one weight layer; with layers = %d give lambdas (one per layer)", k1)
	case in.Lambdas == nil && k1 > 1:
		return errorf("lambdas", "missing (required with layers = %d)", k1)
	}
	if in.Lambdas != nil {
		in.LambdaW = in.Lambdas[0]
		if k1 == 1 {
			in.Lambdas = nil // stored as lambda_w
		}
	}
	if !in.IsDeep() {
		return nil
	}
	if in.Bias == BiasRegularized {
		return errorf("bias", "\"regularized\" is only supported for one weight layer with data_term \"sum\"")
	}
	if in.LambdaH != nil && in.LambdaH.Sign() <= 0 {
		return errorf("lambda_h", "must be > 0 for a deep or mean-convention instance (zero regularization is only handled for one layer with data_term \"sum\")")
	}
	for l, lam := range in.LayerLambdas() {
		if lam.Sign() <= 0 {
			field := fmt.Sprintf("lambdas[%d]", l)
			if in.Lambdas == nil {
				field = "lambda_w"
			}
			return errorf(field, "must be > 0 for a deep or mean-convention instance (zero regularization is only handled for one layer with data_term \"sum\")")
		}
	}
	return nil
}

// validateDeep is Validate for the deep fields (what finishDeep enforces
// on parsed documents, for instances built by hand): 0 ≤ Layers ≤
// MaxLayers, Layers − 1 widths in [1, MaxFeatureDim] and Layers non-nil
// λ's ≥ 0 when Layers > 1 (at most one λ otherwise), a known data term,
// and for deep or mean instances λ_H > 0, every λ_l > 0 and bias free or
// none.
func (in *Instance) validateDeep() error {
	if in.Layers < 0 || in.Layers > MaxLayers {
		return errorf("layers", "must be between 1 and %d, got %d", MaxLayers, in.Layers)
	}
	if in.DataTerm != DataSum && in.DataTerm != DataMean {
		return errorf("data_term", "unknown convention %v", in.DataTerm)
	}
	k1 := in.WeightLayers()
	switch {
	case k1 > 1 && len(in.Widths) != k1-1:
		return errorf("widths", "has %d entries but layers = %d needs %d", len(in.Widths), k1, k1-1)
	case k1 > 1 && len(in.Lambdas) != k1:
		return errorf("lambdas", "has %d entries but layers = %d needs %d", len(in.Lambdas), k1, k1)
	case k1 == 1 && len(in.Lambdas) > 1:
		return errorf("lambdas", "has %d entries for one weight layer", len(in.Lambdas))
	}
	for i, w := range in.Widths {
		if w < 1 || w > MaxFeatureDim {
			return errorf(fmt.Sprintf("widths[%d]", i), "must be between 1 and %d, got %d", MaxFeatureDim, w)
		}
	}
	for i, l := range in.Lambdas {
		switch {
		case l == nil:
			return errorf(fmt.Sprintf("lambdas[%d]", i), "missing (nil)")
		case l.Sign() < 0:
			return errorf(fmt.Sprintf("lambdas[%d]", i), "must be ≥ 0, got %s", l.RatString())
		}
	}
	if !in.IsDeep() {
		return nil
	}
	if in.Bias == BiasRegularized {
		return errorf("bias", "\"regularized\" is only supported for one weight layer with data_term \"sum\"")
	}
	if in.LambdaH.Sign() <= 0 {
		return errorf("lambda_h", "must be > 0 for a deep or mean-convention instance")
	}
	for i, l := range in.LayerLambdas() {
		if l.Sign() <= 0 {
			return errorf(fmt.Sprintf("lambdas[%d]", i), "must be > 0 for a deep or mean-convention instance")
		}
	}
	return nil
}

// marshalDeep writes the deep fields that differ from the defaults.
func (in *Instance) marshalDeep(b *bytes.Buffer) {
	if in.DataTerm != DataSum {
		fmt.Fprintf(b, "  \"data_term\": %q,\n", in.DataTerm.String())
	}
	if in.WeightLayers() <= 1 {
		return
	}
	fmt.Fprintf(b, "  \"layers\": %d,\n", in.Layers)
	ws := make([]string, len(in.Widths))
	for i, w := range in.Widths {
		ws[i] = strconv.Itoa(w)
	}
	fmt.Fprintf(b, "  \"widths\": [%s],\n", strings.Join(ws, ", "))
	ls := make([]string, len(in.Lambdas))
	for i, l := range in.Lambdas {
		ls[i] = strconv.Quote(l.RatString())
	}
	fmt.Fprintf(b, "  \"lambdas\": [%s],\n", strings.Join(ls, ", "))
}

// cloneDeep deep-copies the deep fields of in into out.
func (in *Instance) cloneDeep(out *Instance) {
	if in.Widths != nil {
		out.Widths = append([]int(nil), in.Widths...)
	}
	if in.Lambdas != nil {
		out.Lambdas = make([]*big.Rat, len(in.Lambdas))
		for i, l := range in.Lambdas {
			out.Lambdas[i] = new(big.Rat).Set(l)
		}
		out.LambdaW = out.Lambdas[0]
	}
}

func readIntArray(dec *json.Decoder, field string, lo, hi, maxLen int) ([]int, error) {
	if err := expectDelim(dec, field, '['); err != nil {
		return nil, err
	}
	out := []int{}
	for dec.More() {
		if len(out) >= maxLen {
			return nil, errorf(field, "more than %d entries", maxLen)
		}
		v, err := readInt(dec, fmt.Sprintf("%s[%d]", field, len(out)), lo, hi)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, errorf(field, "malformed JSON: %s", jsonProblem(err))
	}
	return out, nil
}

func readNumberArray(dec *json.Decoder, field string, maxLen int) ([]*big.Rat, error) {
	if err := expectDelim(dec, field, '['); err != nil {
		return nil, err
	}
	out := []*big.Rat{}
	for dec.More() {
		if len(out) >= maxLen {
			return nil, errorf(field, "more than %d entries", maxLen)
		}
		name := fmt.Sprintf("%s[%d]", field, len(out))
		r, err := readNumber(dec, name)
		if err != nil {
			return nil, err
		}
		if r.Sign() < 0 {
			return nil, errorf(name, "must be ≥ 0, got %s", r.RatString())
		}
		out = append(out, r)
	}
	if _, err := dec.Token(); err != nil {
		return nil, errorf(field, "malformed JSON: %s", jsonProblem(err))
	}
	if len(out) == 0 {
		return nil, errorf(field, "empty (one λ per weight layer)")
	}
	return out, nil
}
