package check

import (
	"bytes"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestFieldNames: fieldNames is exactly the set of JSON names of File and
// the types it contains, all lower case ASCII (exactKeys relies on it).
func TestFieldNames(t *testing.T) {
	want := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		switch ty.Kind() {
		case reflect.Pointer, reflect.Slice:
			walk(ty.Elem())
		case reflect.Struct:
			for i := range ty.NumField() {
				name, _, _ := strings.Cut(ty.Field(i).Tag.Get("json"), ",")
				want[name] = true
				walk(ty.Field(i).Type)
			}
		}
	}
	walk(reflect.TypeOf(File{}))
	if !reflect.DeepEqual(want, fieldNames) {
		t.Errorf("fieldNames = %v, want the struct tags %v", fieldNames, want)
	}
	lower := regexp.MustCompile(`^[a-z_]+$`)
	for name := range want {
		if !lower.MatchString(name) {
			t.Errorf("field name %q is not lower case ASCII", name)
		}
	}
}

// TestExactKeys: encoding/json matches field names case-insensitively
// (and through Unicode folds) and keeps the last of a repeated field; the
// certificate reader refuses both (QA session 13, F8: the Python checker
// must agree with it, and another reader of the file may keep the first
// value where this one verified the last).
func TestExactKeys(t *testing.T) {
	good := load(t, "full-4x10")
	if _, err := Parse(good); err != nil {
		t.Fatal(err)
	}
	cases := map[string][2]string{
		"upper case":           {`"format"`, `"FORMAT"`},
		"capitalized, nested":  {`"lambda_h"`, `"Lambda_h"`},
		"long s (U+017F)":      {`"lemmas"`, `"lemmaſ"`},
		"other case, optional": {`"radius"`, `"rADIUS"`},
		"escaped, other case":  {`"verdict"`, `"\u0056erdict"`},
		"twice":                {`"digits"`, `"lower": "0", "digits"`},
		"twice, nested":        {`"bias"`, `"bias": "free", "bias"`},
		"twice in a lemma":     {`"statement"`, `"id": "x", "statement"`},
	}
	for name, c := range cases {
		if !bytes.Contains(good, []byte(c[0])) {
			t.Fatalf("%s: %s not in the fixture", name, c[0])
		}
		_, err := Parse(bytes.Replace(good, []byte(c[0]), []byte(c[1]), 1))
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "field") {
			t.Errorf("%s: %v, want a ParseError naming the field", name, err)
		}
	}
	// An escaped key in its exact spelling is the same name.
	if _, err := Parse(bytes.Replace(good, []byte(`"verdict"`), []byte(`"\u0076erdict"`), 1)); err != nil {
		t.Errorf("escaped exact key: %v", err)
	}
}

// TestTrainMSENeedsPredictions: the train_mse enclosure is built from
// predictions.radius; without it the checker used to verify nothing of
// train_mse and report the certificate valid, however false the interval.
func TestTrainMSENeedsPredictions(t *testing.T) {
	for _, mse := range []string{"", "0"} {
		mut := mutate(t, load(t, "full-4x10"), func(doc map[string]any) {
			delete(doc, "predictions")
			if mse != "" {
				m := doc["train_mse"].(map[string]any)
				for k := range m {
					m[k] = mse
				}
			}
		})
		c, err := Parse(mut)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Check(c)
		var ie *InvalidError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "train_mse needs predictions") {
			t.Errorf("train_mse %q without predictions: %v, want an InvalidError", mse, err)
		}
	}
	// Without either, nothing is claimed and the certificate stays valid.
	c, err := Parse(mutate(t, load(t, "full-4x10"), func(doc map[string]any) {
		delete(doc, "predictions")
		delete(doc, "train_mse")
	}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Check(c); err != nil {
		t.Errorf("no predictions, no train_mse: %v", err)
	}
}
