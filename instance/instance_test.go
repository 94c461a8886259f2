package instance

import (
	"bytes"
	"errors"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const good = `{"name":"g","targets":[["1.5","-0.25"],[2,"-3/7"]],"lambda_h":"0.1","lambda_w":0.02,"d":3}`

func TestParseExact(t *testing.T) {
	in, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if in.M() != 2 || in.N() != 2 || in.D != 3 || in.Bias != BiasFree || in.Digits != DefaultDigits {
		t.Fatalf("parsed %+v", in)
	}
	// "0.1" and the JSON number 0.02 are exact tenths/fiftieths, not doubles.
	if in.LambdaH.Cmp(big.NewRat(1, 10)) != 0 || in.LambdaW.Cmp(big.NewRat(1, 50)) != 0 {
		t.Errorf("λ_H = %s, λ_W = %s", in.LambdaH.RatString(), in.LambdaW.RatString())
	}
	if in.Targets[1][1].Cmp(big.NewRat(-3, 7)) != 0 {
		t.Errorf("targets[1][1] = %s", in.Targets[1][1].RatString())
	}
	// ȳ = ((1.5+2)/2, (−1/4 − 3/7)/2) = (7/4, −19/56).
	mean := in.Mean()
	if mean[0].Cmp(big.NewRat(7, 4)) != 0 || mean[1].Cmp(big.NewRat(-19, 56)) != 0 {
		t.Errorf("mean = %s, %s", mean[0].RatString(), mean[1].RatString())
	}
	// Σ_00 = ((1.5−1.75)² + (2−1.75)²)/2 = 1/16.
	if s := in.Sigma(); s[0][0].Cmp(big.NewRat(1, 16)) != 0 {
		t.Errorf("Σ_00 = %s", s[0][0].RatString())
	}
	if in.C().Cmp(big.NewRat(1, 500)) != 0 {
		t.Errorf("c = %s", in.C().RatString())
	}
}

func TestParseNumber(t *testing.T) {
	ok := map[string]string{
		"0.1": "1/10", "-1.25e-3": "-1/800", "-3/7": "-3/7", "+2": "2", ".5": "1/2",
		"5.": "5", "1E2": "100", "0/5": "0", "3/07": "3/7",
	}
	for s, want := range ok {
		r, err := ParseNumber(s)
		if err != nil {
			t.Errorf("ParseNumber(%q): %v", s, err)
			continue
		}
		if r.RatString() != want {
			t.Errorf("ParseNumber(%q) = %s, want %s", s, r.RatString(), want)
		}
	}
	for _, s := range []string{"", "NaN", "nan", "Inf", "-Inf", "infinity", "0x10", "1/0", "1/00", "1e", "--1",
		"1.2.3", "1/2/3", "1e99999", "1 2", "½", "1/-2", "0b101", "1_000", strings.Repeat("9", MaxNumberLength+1)} {
		if _, err := ParseNumber(s); err == nil {
			t.Errorf("ParseNumber(%q) accepted", s)
		}
	}
}

// TestParseRejects lists invalid documents with the field their error must
// name. Every case must fail with an *Error, never panic.
func TestParseRejects(t *testing.T) {
	tests := []struct{ doc, field string }{
		{``, ""},
		{`[]`, ""},
		{`{`, ""},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1}`, "d"},
		{`{"targets":[[1]],"lambda_h":1,"d":1}`, "lambda_w"},
		{`{"targets":[[1]],"lambda_w":1,"d":1}`, "lambda_h"},
		{`{"lambda_h":1,"lambda_w":1,"d":1}`, "targets"},
		{`{"targets":[],"lambda_h":1,"lambda_w":1,"d":1}`, "targets"},
		{`{"targets":[[]],"lambda_h":1,"lambda_w":1,"d":1}`, "targets[0]"},
		{`{"targets":[[1,2],[3]],"lambda_h":1,"lambda_w":1,"d":1}`, "targets[1]"},
		{`{"targets":[[1,"NaN"]],"lambda_h":1,"lambda_w":1,"d":1}`, "targets[0][1]"},
		{`{"targets":[[1,"Inf"]],"lambda_h":1,"lambda_w":1,"d":1}`, "targets[0][1]"},
		{`{"targets":[[1,null]],"lambda_h":1,"lambda_w":1,"d":1}`, "targets[0][1]"},
		{`{"targets":[[1,true]],"lambda_h":1,"lambda_w":1,"d":1}`, "targets[0][1]"},
		{`{"targets":[1],"lambda_h":1,"lambda_w":1,"d":1}`, "targets[0]"},
		{`{"targets":"x","lambda_h":1,"lambda_w":1,"d":1}`, "targets"},
		{`{"targets":[[1]],"lambda_h":-1,"lambda_w":1,"d":1}`, "lambda_h"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":"-1/2","d":1}`, "lambda_w"},
		{`{"targets":[[1]],"lambda_h":"abc","lambda_w":1,"d":1}`, "lambda_h"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":0}`, "d"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":-3}`, "d"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":2.5}`, "d"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":"3"}`, "d"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":3000000000}`, "d"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":1,"digits":0}`, "digits"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":1,"digits":100000}`, "digits"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":1,"bias":"maybe"}`, "bias"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":1,"bias":"regularized"}`, "lambda_b"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":1,"lambda_b":1}`, "lambda_b"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":1,"extra":1}`, "extra"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":1,"d":2}`, "d"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":1} x`, ""},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":1}{}`, ""},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":1,"name":7}`, "name"},
		{`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":1,"name":"a\nb"}`, "name"},
		{`{"targets":[[1]],"lambda_h":1e100000,"lambda_w":1,"d":1}`, "lambda_h"},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(tc.doc))
		var ie *Error
		if !errors.As(err, &ie) {
			t.Errorf("Parse(%q) = %v, want an *Error", tc.doc, err)
			continue
		}
		if ie.Field != tc.field {
			t.Errorf("Parse(%q): field %q, want %q (%v)", tc.doc, ie.Field, tc.field, err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q): error spans lines: %q", tc.doc, err)
		}
	}
}

func TestCaps(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"targets":[[`)
	for i := 0; i <= MaxTargetDim; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("1")
	}
	b.WriteString(`]],"lambda_h":1,"lambda_w":1,"d":1}`)
	if _, err := Parse(b.Bytes()); err == nil || !strings.Contains(err.Error(), "target dimensions") {
		t.Errorf("n > MaxTargetDim: %v", err)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	in, err := Parse([]byte(`{"name":"r","targets":[["1/3","-2.5e-7"],["4","0"]],"lambda_h":"1e-12","lambda_w":"7/3","lambda_b":"1/2","d":5,"bias":"regularized","digits":80}`))
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(in.Marshal())
	if err != nil {
		t.Fatalf("%v\n%s", err, in.Marshal())
	}
	if !bytes.Equal(back.Marshal(), in.Marshal()) {
		t.Errorf("round trip changed the instance:\n%s\n%s", in.Marshal(), back.Marshal())
	}
	if back.LambdaB.Cmp(big.NewRat(1, 2)) != 0 || back.Digits != 80 || back.Bias != BiasRegularized {
		t.Errorf("round trip: %+v", back)
	}
}

// TestMarshalExtremeExponents: the largest and smallest accepted decimals
// are written as exact rationals of about 10⁴ digits, which must re-parse.
func TestMarshalExtremeExponents(t *testing.T) {
	doc := `{"targets":[["1e10000","-9.99e-10000"]],"lambda_h":"1e-10000","lambda_w":"1e10000","d":1}`
	in, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(in.Marshal())
	if err != nil {
		t.Fatalf("re-parse: %v", err)
	}
	if back.Targets[0][1].Cmp(in.Targets[0][1]) != 0 || back.LambdaH.Cmp(in.LambdaH) != 0 {
		t.Error("round trip changed a value")
	}
}

func TestLoadNamesFromFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "my-case.json")
	if err := os.WriteFile(path, []byte(`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if in.Name != "my-case" {
		t.Errorf("name = %q", in.Name)
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("missing file: %v", err)
	}
}

func TestDefault(t *testing.T) {
	in := Default()
	if in.N() != 3 || in.D != 6 || in.M() != 12 {
		t.Errorf("default instance is %d×%d, d = %d", in.M(), in.N(), in.D)
	}
}

// FuzzParse: Parse never panics, and what it accepts survives a round trip
// through Marshal unchanged.
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"d":1,"bias":"none","digits":10}`))
	f.Add([]byte(`{"targets":[["1/3"]],"lambda_h":"0","lambda_w":"1e-3","lambda_b":"2","d":1,"bias":"regularized"}`))
	f.Add([]byte(`{"targets":[[1,2],[3]]}`))
	f.Add([]byte(deepGood))
	f.Add([]byte(`{"targets":[[1],[2]],"lambda_h":1,"lambdas":[1,"1/2"],"layers":2,"widths":[3],"d":1}`))
	f.Add([]byte(`{"targets":[[1]],"lambda_h":1,"lambdas":[2],"d":1,"data_term":"mean"}`))
	f.Add([]byte(`{"targets":[[1]],"lambda_h":1,"lambda_w":1,"layers":2,"widths":[1,2],"d":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Parse(data)
		if err != nil {
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if in.Name == "" {
			in.Name = "x"
		}
		back, err := Parse(in.Marshal())
		if err != nil {
			t.Fatalf("re-parse: %v\n%s", err, in.Marshal())
		}
		if !bytes.Equal(back.Marshal(), in.Marshal()) {
			t.Fatalf("round trip changed the instance")
		}
	})
}

// targetsWithBits returns an instance document whose exact targets take
// exactly bits bits (numerator plus denominator bit lengths), built from
// copies of 1e10000 and one power of two.
func targetsWithBits(t *testing.T, bits int) []byte {
	t.Helper()
	one := new(big.Int).Exp(big.NewInt(10), big.NewInt(10000), nil)
	b0 := one.BitLen() + 1 // denominator 1 has bit length 1
	k := (bits - 2) / b0
	rest := bits - k*b0                                   // in [2, b0+1]
	last := new(big.Int).Lsh(big.NewInt(1), uint(rest-2)) // bit length rest−1
	var sb strings.Builder
	sb.WriteString(`{"lambda_h": "1", "lambda_w": "1", "d": 1, "targets": [`)
	for i := 0; i < k; i++ {
		sb.WriteString(`["1e10000"],`)
	}
	sb.WriteString(`["` + last.String() + `"]]}`)
	return []byte(sb.String())
}

// MaxTargetBits holds at the cap and one past it.
func TestMaxTargetBits(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 32 MiB of integers")
	}
	if _, err := Parse(targetsWithBits(t, MaxTargetBits)); err != nil {
		t.Fatalf("at the cap: %v", err)
	}
	_, err := Parse(targetsWithBits(t, MaxTargetBits+1))
	if err == nil || !strings.Contains(err.Error(), "MaxTargetBits") {
		t.Fatalf("one past the cap: %v", err)
	}
}

// 10⁶ entries of ±1e10000 (10 MB of text) are refused early, without
// building 4 GiB of integers.
func TestHugeExponentsRefusedEarly(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`{"lambda_h": "1", "lambda_w": "1", "d": 4, "targets": [`)
	for i := 0; i < 250000; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(`["1e10000", "-1e10000", "1e-10000", "-1e10000"]`)
	}
	sb.WriteString(`]}`)
	_, err := Parse([]byte(sb.String()))
	if err == nil || !strings.Contains(err.Error(), "MaxTargetBits") {
		t.Fatalf("got %v", err)
	}
}

// naiveSigma is the definition, summed rational by rational: the
// reference for Mean, CenteredTargets and Sigma.
func naiveSigma(in *Instance) (mean []*big.Rat, yt, sigma [][]*big.Rat) {
	n, m := in.N(), in.M()
	mean = make([]*big.Rat, n)
	for k := range mean {
		mean[k] = new(big.Rat)
		for i := 0; i < m; i++ {
			mean[k].Add(mean[k], in.Targets[i][k])
		}
		mean[k].Quo(mean[k], big.NewRat(int64(m), 1))
	}
	yt = make([][]*big.Rat, n)
	for k := range yt {
		yt[k] = make([]*big.Rat, m)
		for i := 0; i < m; i++ {
			yt[k][i] = new(big.Rat).Set(in.Targets[i][k])
			if in.Bias != BiasNone {
				yt[k][i].Sub(yt[k][i], mean[k])
			}
		}
	}
	sigma = make([][]*big.Rat, n)
	for k := range sigma {
		sigma[k] = make([]*big.Rat, n)
		for l := range sigma[k] {
			acc := new(big.Rat)
			for i := 0; i < m; i++ {
				acc.Add(acc, new(big.Rat).Mul(yt[k][i], yt[l][i]))
			}
			sigma[k][l] = acc.Quo(acc, big.NewRat(int64(m), 1))
		}
	}
	return mean, yt, sigma
}

// Mean, CenteredTargets and Sigma over a common denominator equal the
// definition exactly, for every bias mode, on targets with mixed
// denominators, signs and zeros.
func TestSigmaCommonDenominator(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 60; trial++ {
		n, m := 1+rng.IntN(4), 1+rng.IntN(6)
		in := &Instance{D: 2, Bias: Bias(trial % 3), LambdaH: big.NewRat(1, 2), LambdaW: big.NewRat(1, 3)}
		for i := 0; i < m; i++ {
			var row []*big.Rat
			for k := 0; k < n; k++ {
				num := rng.Int64N(2001) - 1000
				if rng.IntN(5) == 0 {
					num = 0
				}
				row = append(row, big.NewRat(num, 1+rng.Int64N(97)))
			}
			in.Targets = append(in.Targets, row)
		}
		mean, yt, sigma := naiveSigma(in)
		eq := func(a, b [][]*big.Rat) bool {
			for i := range a {
				for j := range a[i] {
					if a[i][j].Cmp(b[i][j]) != 0 {
						return false
					}
				}
			}
			return true
		}
		if !eq([][]*big.Rat{mean}, [][]*big.Rat{in.Mean()}) || !eq(yt, in.CenteredTargets()) || !eq(sigma, in.Sigma()) {
			t.Fatalf("trial %d (bias %s): differs from the definition", trial, in.Bias)
		}
	}
}

// manyDenominators is n = 1, M = 2000 targets with distinct 10-digit
// denominators: the rational blow-up case of issue 10.
func manyDenominators() *Instance {
	rng := rand.New(rand.NewPCG(1, 2))
	in := &Instance{D: 1}
	for i := 0; i < 2000; i++ {
		in.Targets = append(in.Targets, []*big.Rat{big.NewRat(1+rng.Int64N(1e9), 1e9+rng.Int64N(9e9))})
	}
	return in
}

// TestSigmaManyDenominatorsFast guards against the blow-up itself, not a
// speed: the one-by-one rational sum ran for minutes (7 s for the mean
// alone), the common-denominator sum takes well under a second
// (BenchmarkSigmaManyDenominators). The bound is a minute so that a loaded
// machine cannot fail it; only the blow-up can.
func TestSigmaManyDenominatorsFast(t *testing.T) {
	in := manyDenominators()
	start := time.Now()
	in.Sigma()
	in.Mean()
	if el := time.Since(start); el > time.Minute {
		t.Fatalf("Sigma and Mean took %s: rational blow-up", el)
	}
}

func BenchmarkSigmaManyDenominators(b *testing.B) {
	in := manyDenominators()
	for b.Loop() {
		in.Sigma()
		in.Mean()
	}
}
