package instance

import (
	"errors"
	"math/big"
	"strings"
	"testing"
)

const deepGood = `{"targets":[[1,2],[3,"1/2"],[0,1]],"lambda_h":"1/2","lambdas":["1/3",2,"0.25"],"layers":3,"widths":[4,2],"d":5,"data_term":"mean"}`

func TestParseDeep(t *testing.T) {
	in, err := Parse([]byte(deepGood))
	if err != nil {
		t.Fatal(err)
	}
	if in.Layers != 3 || in.WeightLayers() != 3 || !in.IsDeep() || in.DataTerm != DataMean {
		t.Fatalf("parsed layers %d, data term %v", in.Layers, in.DataTerm)
	}
	if got := in.LayerWidths(); len(got) != 4 || got[0] != 5 || got[1] != 4 || got[2] != 2 || got[3] != 2 {
		t.Errorf("widths d_0…d_{K−1} = %v, want [5 4 2 2]", got)
	}
	// c = λ_H·λ_1·λ_2·λ_3 = 1/2 · 1/3 · 2 · 1/4 = 1/12.
	if in.C().Cmp(big.NewRat(1, 12)) != 0 || in.DeepC().Cmp(big.NewRat(1, 12)) != 0 {
		t.Errorf("c = %s, want 1/12", in.C().RatString())
	}
	back, err := Parse(in.Marshal())
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, in.Marshal())
	}
	if string(back.Marshal()) != string(in.Marshal()) || back.Layers != 3 || back.DataTerm != DataMean {
		t.Errorf("round trip changed the instance:\n%s", back.Marshal())
	}
	cl := in.Clone()
	cl.Lambdas[1].SetInt64(7)
	cl.Widths[0] = 9
	if in.Lambdas[1].Cmp(big.NewRat(2, 1)) != 0 || in.Widths[0] != 4 {
		t.Error("Clone shares the deep fields")
	}
}

func TestParseDeepDefaults(t *testing.T) {
	// An old one-layer document is unchanged: layers 1, sum, λ_1 = λ_W.
	in, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if in.Layers != 1 || in.IsDeep() || in.DataTerm != DataSum || len(in.LayerLambdas()) != 1 || in.LayerLambdas()[0] != in.LambdaW {
		t.Fatalf("defaults: layers %d, deep %v, %v", in.Layers, in.IsDeep(), in.LayerLambdas())
	}
	if strings.Contains(string(in.Marshal()), "layers") || strings.Contains(string(in.Marshal()), "data_term") {
		t.Errorf("Marshal of a one-layer sum instance writes deep fields:\n%s", in.Marshal())
	}
	// lambdas with one entry is lambda_w.
	one, err := Parse([]byte(`{"targets":[[1]],"lambda_h":1,"lambdas":["2/3"],"d":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if one.LambdaW.Cmp(big.NewRat(2, 3)) != 0 || one.IsDeep() {
		t.Errorf("lambdas [2/3] gave λ_W = %v, deep %v", one.LambdaW, one.IsDeep())
	}
}

func TestParseDeepRejects(t *testing.T) {
	const y = `"targets":[[1,2],[3,4]],"d":2,"lambda_h":1`
	tests := []struct{ doc, field string }{
		{`{` + y + `,"layers":2,"lambdas":[1,1]}`, "widths"},
		{`{` + y + `,"layers":2,"widths":[],"lambdas":[1,1]}`, "widths"},
		{`{` + y + `,"layers":2,"widths":[2,2],"lambdas":[1,1]}`, "widths"},
		{`{` + y + `,"layers":1,"widths":[2],"lambda_w":1}`, "widths"},
		{`{` + y + `,"layers":2,"widths":[2],"lambda_w":1}`, "lambda_w"},
		{`{` + y + `,"layers":2,"widths":[2]}`, "lambdas"},
		{`{` + y + `,"layers":2,"widths":[2],"lambdas":[1]}`, "lambdas"},
		{`{` + y + `,"layers":2,"widths":[2],"lambdas":[1,1,1]}`, "lambdas"},
		{`{` + y + `,"lambdas":[1],"lambda_w":1}`, "lambdas"},
		{`{` + y + `,"lambdas":[]}`, "lambdas"},
		{`{` + y + `,"layers":2,"widths":[2],"lambdas":[1,-1]}`, "lambdas[1]"},
		{`{` + y + `,"layers":2,"widths":[2],"lambdas":[1,0]}`, "lambdas[1]"},
		{`{` + y + `,"layers":2,"widths":[0],"lambdas":[1,1]}`, "widths[0]"},
		{`{` + y + `,"layers":2,"widths":["2"],"lambdas":[1,1]}`, "widths[0]"},
		{`{` + y + `,"layers":0,"lambda_w":1}`, "layers"},
		{`{` + y + `,"layers":9,"lambda_w":1}`, "layers"},
		{`{` + y + `,"layers":1.5,"lambda_w":1}`, "layers"},
		{`{` + y + `,"lambda_w":1,"data_term":"avg"}`, "data_term"},
		{`{` + y + `,"lambda_w":0,"data_term":"mean"}`, "lambda_w"},
		{`{` + y + `,"lambda_w":1,"data_term":"mean","bias":"regularized","lambda_b":1}`, "bias"},
		{`{"targets":[[1]],"d":1,"lambda_h":0,"layers":2,"widths":[1],"lambdas":[1,1]}`, "lambda_h"},
		{`{` + y + `,"layers":2,"widths":[2],"lambdas":{"a":1}}`, "lambdas"},
		{`{` + y + `,"layers":2,"widths":[2],"lambdas":[1,1],"layers":2}`, "layers"},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(tc.doc))
		var ie *Error
		if !errors.As(err, &ie) {
			t.Errorf("%s: got %v, want an *Error", tc.doc, err)
			continue
		}
		if ie.Field != tc.field {
			t.Errorf("%s: error names %q (%v), want %q", tc.doc, ie.Field, err, tc.field)
		}
	}
}

// TestValidateDeep: hand-built deep instances with inconsistent fields are
// refused by Validate with the field named (what Parse refuses in files).
func TestValidateDeep(t *testing.T) {
	base := func() *Instance {
		in, err := Parse([]byte(deepGood))
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	if err := base().Validate(); err != nil {
		t.Fatalf("valid deep instance refused: %v", err)
	}
	tests := []struct {
		field string
		edit  func(in *Instance)
	}{
		{"layers", func(in *Instance) { in.Layers = MaxLayers + 1 }},
		{"layers", func(in *Instance) { in.Layers = -1 }},
		{"widths", func(in *Instance) { in.Widths = in.Widths[:1] }},
		{"widths[1]", func(in *Instance) { in.Widths[1] = 0 }},
		{"lambdas", func(in *Instance) { in.Lambdas = in.Lambdas[:2] }},
		{"lambdas[2]", func(in *Instance) { in.Lambdas[2] = nil }},
		{"lambdas[1]", func(in *Instance) { in.Lambdas[1] = big.NewRat(0, 1) }},
		{"lambda_h", func(in *Instance) { in.LambdaH = new(big.Rat) }},
		{"data_term", func(in *Instance) { in.DataTerm = 7 }},
		{"bias", func(in *Instance) { in.Bias, in.LambdaB = BiasRegularized, big.NewRat(1, 1) }},
	}
	for _, tc := range tests {
		in := base()
		tc.edit(in)
		err := in.Validate()
		var ie *Error
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("%s: Validate gave %v", tc.field, err)
		}
	}
}
