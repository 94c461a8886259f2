package instance_test

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/certify"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/sweep"
	"github.com/nrc-ufm/ufm/theory"
	"github.com/nrc-ufm/ufm/verify"
)

// validInstance is a small full-regime instance (n = 2, M = 3, d = 2).
func validInstance() *instance.Instance {
	r := func(a, b int64) *big.Rat { return big.NewRat(a, b) }
	return &instance.Instance{
		Name:    "valid",
		Targets: [][]*big.Rat{{r(1, 1), r(2, 1)}, {r(3, 1), r(-1, 1)}, {r(0, 1), r(5, 1)}},
		LambdaH: r(1, 10),
		LambdaW: r(1, 5),
		D:       2,
		Bias:    instance.BiasFree,
		Digits:  20,
	}
}

// badInstance is one hand-built instance that Validate must refuse, and
// the field its *instance.Error must name.
type badInstance struct {
	name  string
	field string
	edit  func(in *instance.Instance) *instance.Instance
}

func badInstances() []badInstance {
	set := func(f func(in *instance.Instance)) func(*instance.Instance) *instance.Instance {
		return func(in *instance.Instance) *instance.Instance { f(in); return in }
	}
	return []badInstance{
		{"nil instance", "", func(*instance.Instance) *instance.Instance { return nil }},
		{"no targets (M = 0)", "targets", set(func(in *instance.Instance) { in.Targets = nil })},
		{"empty rows (n = 0)", "targets[0]", set(func(in *instance.Instance) { in.Targets = [][]*big.Rat{{}, {}} })},
		{"ragged rows", "targets[2]", set(func(in *instance.Instance) { in.Targets[2] = in.Targets[2][:1] })},
		{"longer later row", "targets[1]", set(func(in *instance.Instance) { in.Targets[1] = append(in.Targets[1], big.NewRat(1, 1)) })},
		{"nil target entry", "targets[1][0]", set(func(in *instance.Instance) { in.Targets[1][0] = nil })},
		{"too many samples", "targets", set(func(in *instance.Instance) {
			row := in.Targets[0]
			in.Targets = make([][]*big.Rat, instance.MaxSamples+1)
			for i := range in.Targets {
				in.Targets[i] = row
			}
		})},
		{"nil lambda_h", "lambda_h", set(func(in *instance.Instance) { in.LambdaH = nil })},
		{"nil lambda_w", "lambda_w", set(func(in *instance.Instance) { in.LambdaW = nil })},
		{"negative lambda_h", "lambda_h", set(func(in *instance.Instance) { in.LambdaH = big.NewRat(-1, 10) })},
		{"negative lambda_w", "lambda_w", set(func(in *instance.Instance) { in.LambdaW = big.NewRat(-1, 1000) })},
		{"d = 0", "d", set(func(in *instance.Instance) { in.D = 0 })},
		{"d < 0", "d", set(func(in *instance.Instance) { in.D = -3 })},
		{"d too large", "d", set(func(in *instance.Instance) { in.D = instance.MaxFeatureDim + 1 })},
		{"digits = 0", "digits", set(func(in *instance.Instance) { in.Digits = 0 })},
		{"digits < 0", "digits", set(func(in *instance.Instance) { in.Digits = -5 })},
		{"digits too large", "digits", set(func(in *instance.Instance) { in.Digits = instance.MaxDigits + 1 })},
		{"unknown bias mode", "bias", set(func(in *instance.Instance) { in.Bias = instance.Bias(7) })},
		{"regularized bias without lambda_b", "lambda_b", set(func(in *instance.Instance) { in.Bias = instance.BiasRegularized })},
		{"lambda_b with free bias", "lambda_b", set(func(in *instance.Instance) { in.LambdaB = big.NewRat(1, 2) })},
		{"lambda_b with bias none", "lambda_b", set(func(in *instance.Instance) { in.Bias, in.LambdaB = instance.BiasNone, big.NewRat(1, 2) })},
		{"negative lambda_b", "lambda_b", set(func(in *instance.Instance) {
			in.Bias, in.LambdaB = instance.BiasRegularized, big.NewRat(-1, 2)
		})},
		{"two-line name", "name", set(func(in *instance.Instance) { in.Name = "a\nb" })},
		{"long name", "name", set(func(in *instance.Instance) { in.Name = strings.Repeat("x", 201) })},
	}
}

// noPanic runs f and turns a panic into an error, so that a missing check
// shows up as a test failure naming the case rather than a crash.
func noPanic(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panicked: %v", r)
		}
	}()
	return f()
}

func TestValidateNamesTheField(t *testing.T) {
	if err := validInstance().Validate(); err != nil {
		t.Fatalf("valid instance refused: %v", err)
	}
	for _, tc := range badInstances() {
		err := noPanic(func() error { return tc.edit(validInstance()).Validate() })
		var ie *instance.Error
		switch {
		case err == nil:
			t.Errorf("%s: accepted", tc.name)
		case !errors.As(err, &ie):
			t.Errorf("%s: %v is not an *instance.Error", tc.name, err)
		case ie.Field != tc.field:
			t.Errorf("%s: error %q names field %q, want %q", tc.name, err, ie.Field, tc.field)
		}
	}
}

// TestEntryPointsRefuseInvalidInstances: every public entry point that
// takes an instance returns an error wrapping Validate's (never panics,
// never returns a result) for each bad field.
func TestEntryPointsRefuseInvalidInstances(t *testing.T) {
	good := validInstance()
	pred, err := theory.Predict(good, 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := solver.Solve(good, solver.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify.Compare(good, pred, res); err != nil {
		t.Fatalf("valid comparison refused: %v", err)
	}
	entries := []struct {
		name string
		call func(in *instance.Instance) (any, error)
	}{
		{"theory.Predict", func(in *instance.Instance) (any, error) { return theory.Predict(in, 0) }},
		{"solver.Solve", func(in *instance.Instance) (any, error) { return solver.Solve(in, solver.Settings{}) }},
		{"verify.Run", func(in *instance.Instance) (any, error) { return verify.Run(in, 0, solver.Settings{}) }},
		{"verify.Compare", func(in *instance.Instance) (any, error) { return verify.Compare(in, pred, res) }},
		{"sweep.Run", func(in *instance.Instance) (any, error) { return sweep.Run(in, nil, nil, sweep.Settings{}) }},
		{"certify.Build", func(in *instance.Instance) (any, error) { return certify.Build(in, certify.Options{}) }},
	}
	for _, e := range entries {
		for _, tc := range badInstances() {
			var out any
			err := noPanic(func() error {
				var err error
				out, err = e.call(tc.edit(validInstance()))
				return err
			})
			var ie *instance.Error
			switch {
			case err == nil:
				t.Errorf("%s, %s: accepted", e.name, tc.name)
			case strings.Contains(err.Error(), "panicked"):
				t.Errorf("%s, %s: %v", e.name, tc.name, err)
			case !errors.As(err, &ie) || ie.Field != tc.field:
				t.Errorf("%s, %s: error %q does not wrap Validate's (field %q)", e.name, tc.name, err, tc.field)
			case !isNil(out):
				t.Errorf("%s, %s: returned a result with the error", e.name, tc.name)
			}
		}
	}
}

func isNil(v any) bool {
	switch p := v.(type) {
	case *theory.Prediction:
		return p == nil
	case *solver.Result:
		return p == nil
	case *verify.Report:
		return p == nil
	case *sweep.Table:
		return p == nil
	case *certify.Result:
		return p == nil
	}
	return v == nil
}

// TestCheckOneRefusesInvalidInstances: proofs.CheckOne reports every bad
// instance as an Error outcome naming the field, without running the check
// (which here would panic on any instance it is given).
func TestCheckOneRefusesInvalidInstances(t *testing.T) {
	ran := false
	claim := &proofs.Claim{
		Name: "never-run", Expect: proofs.Holds,
		Check: func(*instance.Instance, proofs.CheckConfig) proofs.Outcome {
			ran = true
			panic("the check ran on an invalid instance")
		},
	}
	for _, tc := range badInstances() {
		var out proofs.Outcome
		err := noPanic(func() error { out = proofs.CheckOne(claim, tc.edit(validInstance()), proofs.CheckConfig{}); return nil })
		switch {
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case out.Verdict != proofs.Error || !strings.Contains(out.Reason, "invalid instance") || !strings.Contains(out.Reason, tc.field):
			t.Errorf("%s: %s (%s), want an error naming %q", tc.name, out.Verdict, out.Reason, tc.field)
		}
	}
	if ran {
		t.Error("the check ran on an invalid instance")
	}
	if out := proofs.CheckOne(nil, validInstance(), proofs.CheckConfig{}); out.Verdict != proofs.Error {
		t.Errorf("nil claim: %s (%s)", out.Verdict, out.Reason)
	}
}

// TestEntryPointsRefuseExcessDigits: digits above instance.MaxDigits are
// refused by the entry points that take digits apart from the instance.
func TestEntryPointsRefuseExcessDigits(t *testing.T) {
	in := validInstance()
	if _, err := theory.Predict(in, instance.MaxDigits+1); err == nil {
		t.Error("theory.Predict accepted MaxDigits+1 digits")
	}
	if _, err := solver.Solve(in, solver.Settings{Digits: instance.MaxDigits + 1}); err == nil {
		t.Error("solver.Solve accepted MaxDigits+1 digits")
	}
	if _, err := verify.Run(in, instance.MaxDigits+1, solver.Settings{}); err == nil {
		t.Error("verify.Run accepted MaxDigits+1 digits")
	}
}

// TestCompareRefusesMismatchedSides: Compare refuses a missing side and a
// side computed for an instance of another size.
func TestCompareRefusesMismatchedSides(t *testing.T) {
	good := validInstance()
	pred, err := theory.Predict(good, 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := solver.Solve(good, solver.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	other := validInstance()
	other.Targets = append(other.Targets, []*big.Rat{big.NewRat(7, 1), big.NewRat(0, 1)})
	otherPred, err := theory.Predict(other, 0)
	if err != nil {
		t.Fatal(err)
	}
	otherRes, err := solver.Solve(other, solver.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	trimmed := *res
	trimmed.B = res.B[:1]
	for _, tc := range []struct {
		name string
		in   *instance.Instance
		pred *theory.Prediction
		res  *solver.Result
	}{
		{"nil prediction", good, nil, res},
		{"nil result", good, pred, nil},
		{"prediction of another instance", good, otherPred, res},
		{"result of another instance", good, pred, otherRes},
		{"bias of the wrong length", good, pred, &trimmed},
	} {
		var rep *verify.Report
		err := noPanic(func() error {
			var err error
			rep, err = verify.Compare(tc.in, tc.pred, tc.res)
			return err
		})
		if err == nil || strings.Contains(err.Error(), "panicked") || rep != nil {
			t.Errorf("%s: report %v, error %v", tc.name, rep, err)
		}
	}
}
