package certify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/certify/check"
)

// goStatus is the exit status `ufm check` gives data (cmd/ufm/check.go):
// 2 unreadable (*check.ParseError), 1 invalid (*check.InvalidError), 0
// valid; msg is the checker's message.
func goStatus(t *testing.T, data []byte) (code int, msg string) {
	t.Helper()
	c, err := check.Parse(data)
	var pe *check.ParseError
	if errors.As(err, &pe) {
		return 2, err.Error()
	}
	if err != nil {
		t.Fatalf("Parse returned %T: %v", err, err)
	}
	_, err = check.Check(c)
	var ie *check.InvalidError
	if errors.As(err, &ie) {
		return 1, err.Error()
	}
	if err != nil {
		t.Fatalf("Check returned %T: %v", err, err)
	}
	return 0, ""
}

// python3 returns the interpreter able to run scripts/check_certificate.py
// (standard library only: json, fractions, re), or "" and why not. CI
// does not depend on Python.
func python3() (py, why string) {
	py, err := exec.LookPath("python3")
	if err != nil {
		return "", "python3 not found: the Python checker scripts/check_certificate.py is not exercised here"
	}
	if out, err := exec.Command(py, "-c", "import json, fractions, re, sys; sys.exit(sys.version_info < (3, 6))").CombinedOutput(); err != nil {
		return "", fmt.Sprintf("python3 cannot run the Python checker (it needs Python ≥ 3.6 with json, fractions, re): %v %s", err, out)
	}
	return py, ""
}

// pythonStatus runs scripts/check_certificate.py on data.
func pythonStatus(t *testing.T, py string, data []byte) (code int, out string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "cert.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := exec.Command(py, "../scripts/check_certificate.py", file).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(b)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(b)
}

// rawException is what a Python exception's text looks like when it
// reaches the user: KeyError's "'spectrum'", "'str' object has no
// attribute 'get'", "list index out of range", a traceback.
var rawException = regexp.MustCompile(`^'[^']*'$|object has no attribute|object is not|index out of range|unsupported operand|Traceback|Error\b`)

// editFunc turns a base certificate into a case of TestCheckersAgree.
type editFunc func(t *testing.T, data []byte) []byte

// set replaces the JSON value at path (keys and array indices joined by
// "."; the last key may be new) with the JSON text raw; raw "" deletes it.
// The document is re-encoded (keys sorted), its numbers kept as written.
func set(path, raw string) editFunc {
	return func(t *testing.T, data []byte) []byte {
		t.Helper()
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var doc any
		if err := dec.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		keys := strings.Split(path, ".")
		parent := doc
		for _, k := range keys[:len(keys)-1] {
			switch p := parent.(type) {
			case map[string]any:
				parent = p[k]
			case []any:
				i, _ := strconv.Atoi(k)
				parent = p[i]
			}
		}
		last := keys[len(keys)-1]
		switch p := parent.(type) {
		case map[string]any:
			if raw == "" {
				if _, ok := p[last]; !ok {
					t.Fatalf("set %s: no such field", path)
				}
				delete(p, last)
			} else {
				p[last] = json.RawMessage(raw)
			}
		case []any:
			i, _ := strconv.Atoi(last)
			p[i] = json.RawMessage(raw)
		default:
			t.Fatalf("set %s: no object or array there", path)
		}
		out, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

// replace edits the text itself (for what an encoder would not write: a
// key twice, a key in another case, NaN), n times (-1 for all; at least one).
func replace(old, new string, n int) editFunc {
	return func(t *testing.T, data []byte) []byte {
		t.Helper()
		if !bytes.Contains(data, []byte(old)) {
			t.Fatalf("replace: %q not in the certificate", old)
		}
		return bytes.Replace(data, []byte(old), []byte(new), n)
	}
}

// then applies edits in order.
func then(edits ...editFunc) editFunc {
	return func(t *testing.T, data []byte) []byte {
		for _, e := range edits {
			data = e(t, data)
		}
		return data
	}
}

// TestCheckersAgree gives `ufm check` (package certify/check) and
// scripts/check_certificate.py the same malformed and tampered
// certificates: both must exit with the same status, the expected one
// (0 valid, 1 invalid, 2 unreadable), each with one line naming the
// problem (why: a part of both messages; never a bare exception text). The
// qa13-F8 files are QA session 13's finding F8: the Python checker read
// leniently (an unknown field was ignored, exit 0) where the Go checker
// reads strictly (exit 2). Without python3 (CI does not depend on it) each
// case checks the Go status and skips the comparison.
func TestCheckersAgree(t *testing.T) {
	const (
		tie2   = "testdata/checkers/tie2.json" // dual, bias free, with predictions and train_mse
		mirsky = "check/testdata/d-less-than-n-4x2.cert.json"
		reg    = "check/testdata/regularized-bias-2x3.cert.json"
		none   = "check/testdata/nobias-3x6.cert.json"
	)
	cases := []struct {
		name string
		base string
		edit editFunc // nil: the base file as it is
		want int
		why  string // in both checkers' messages (a refusal names its problem)
	}{
		// The finding's files, and the certificate they were made from.
		{"qa13-F8 unknown field", "testdata/checkers/tie2__unknown-field.json", nil, 2, "unknown field \"extra\""},
		{"qa13-F8 method mirsky with lambda", "testdata/checkers/tie2__method-mirsky.json", nil, 2, "mirsky takes no lambda"},
		{"qa13-F8 bias regularized to free", "testdata/checkers/x__reg-to-free.json", nil, 2, "spectrum and closed_form are required"},
		{"valid dual", tie2, nil, 0, ""},
		{"valid mirsky", mirsky, nil, 0, ""},
		{"valid bias regularized", reg, nil, 0, ""},
		{"valid bias none", none, nil, 0, ""},

		// Unknown fields, at every level; names are exact (case-sensitive),
		// and a field may appear once.
		{"unknown field null", tie2, set("extra", "null"), 2, "unknown field \"extra\""},
		{"unknown field in instance", tie2, set("instance.extra", `"x"`), 2, "unknown field \"extra\""},
		{"unknown field in point", tie2, set("point.extra", "[]"), 2, "unknown field \"extra\""},
		{"unknown field in lower_bound", tie2, set("lower_bound.extra", "1"), 2, "unknown field \"extra\""},
		{"unknown field in spectrum", tie2, set("spectrum.extra", "1"), 2, "unknown field \"extra\""},
		{"unknown field in closed_form", tie2, set("closed_form.extra", "1"), 2, "unknown field \"extra\""},
		{"unknown field in predictions", tie2, set("predictions.extra", "1"), 2, "unknown field \"extra\""},
		{"unknown field in train_mse", tie2, set("train_mse.extra", "1"), 2, "unknown field \"extra\""},
		{"unknown field in a lemma", tie2, set("lemmas.0.extra", `"x"`), 2, "unknown field \"extra\""},
		{"unknown field in bias regularized", reg, set("instance.Lambda_b", `"1"`), 2, "unknown field \"Lambda_b\""},
		{"field name upper case", tie2, replace(`"format"`, `"FORMAT"`, 1), 2, "unknown field \"FORMAT\""},
		{"field name with a long s", tie2, replace(`"lemmas"`, `"lemmaſ"`, 1), 2, "unknown field \"lemmaſ\""},
		{"field twice", tie2, replace(`"digits": 50`, `"lower": "1000", "digits": 50`, 1), 2, "field \"lower\" appears twice"},
		{"field twice in instance", tie2, replace(`"d": 3`, `"d": 3, "d": 3`, 1), 2, "field \"d\" appears twice"},

		// Missing fields read as zero values: a number is then unreadable,
		// a claim fails, an optional part is simply absent.
		{"missing lower", tie2, set("lower", ""), 2, "lower: \"\" is not an exact rational"},
		{"missing lambda_h", tie2, set("instance.lambda_h", ""), 2, "instance.lambda_h: \"\""},
		{"missing targets", tie2, set("instance.targets", ""), 2, "instance.targets has 0 rows"},
		{"missing d", tie2, set("instance.d", ""), 2, "instance.d = 0"},
		{"missing spectrum", tie2, set("spectrum", ""), 2, "spectrum and closed_form are required"},
		{"missing closed_form.upper", tie2, set("closed_form.upper", ""), 2, "closed_form.upper: \"\""},
		{"missing point.b", tie2, set("point.b", ""), 2, "point.b has 0 entries"},
		{"missing lower_bound.lambda", tie2, set("lower_bound.lambda", ""), 2, "lower_bound.lambda has 0 rows"},
		{"missing lambda_b", reg, set("instance.lambda_b", ""), 2, "lambda_b goes with bias regularized"},
		{"missing format", tie2, set("format", ""), 2, "format is \"\""},
		{"missing verdict", tie2, set("verdict", ""), 1, "verdict \"\" does not match"},
		{"missing proved_digits", tie2, set("proved_digits", ""), 1, "is not one of"},
		{"missing lemmas", tie2, set("lemmas", ""), 1, "lemma \"bias-split\" is used but not named"},
		{"missing lemma id", tie2, set("lemmas.2.id", ""), 1, "lemma \"weak-duality\" is used but not named"},
		{"missing name, notes, predictions, train_mse", tie2,
			then(set("instance.name", ""), set("notes", ""), set("predictions", ""), set("train_mse", "")), 0, ""},
		{"null spectrum", tie2, set("spectrum", "null"), 2, "spectrum and closed_form are required"},
		{"null lambda, method mirsky", mirsky, set("lower_bound.lambda", "null"), 0, ""},
		{"null note", tie2, set("notes.0", "null"), 0, ""},

		// Wrong JSON types.
		{"digits a string", tie2, set("digits", `"50"`), 2, "digits"},
		{"d a fraction", tie2, replace(`"d": 3`, `"d": 3.0`, 1), 2, "instance.d"},
		{"d an exponent", tie2, replace(`"d": 3`, `"d": 3e0`, 1), 2, "instance.d"},
		{"d beyond 64 bits", tie2, replace(`"d": 3`, `"d": 9223372036854775808`, 1), 2, "instance.d"},
		{"d true", tie2, set("instance.d", "true"), 2, "instance.d"},
		{"digits NaN", tie2, replace(`"digits": 50`, `"digits": NaN`, 1), 2, "JSON"},
		{"proved_digits a boolean", tie2, set("proved_digits", "true"), 2, "proved_digits"},
		{"lower a JSON number", tie2, set("lower", "1"), 2, "lower"},
		{"targets an object", tie2, set("instance.targets", `{}`), 2, "instance.targets"},
		{"targets entry a number", tie2, set("instance.targets.0.0", "2"), 2, "instance.targets"},
		{"lemma id a number", tie2, set("lemmas.0.id", "5"), 2, "lemmas"},
		{"predictions a string", tie2, set("predictions", `"x"`), 2, "predictions"},
		{"point an array", tie2, set("point", "[]"), 2, "point"},
		{"notes a string", tie2, set("notes", `"x"`), 2, "notes"},
		{"document an array", tie2, func(t *testing.T, d []byte) []byte { return append(append([]byte("["), d...), ']') }, 2, "array"},

		// Numbers and syntax.
		{"number with a final newline", tie2, set("instance.lambda_h", `"1\n"`), 2, "instance.lambda_h: \"1\\n\" is not an exact rational"},
		{"number with a space", tie2, set("instance.lambda_h", `" 1"`), 2, "instance.lambda_h: \" 1\" is not an exact rational"},
		{"number with an underscore", tie2, set("instance.lambda_h", `"1_0"`), 2, "instance.lambda_h: \"1_0\" is not an exact rational"},
		{"number with a zero denominator", tie2, set("instance.lambda_h", `"1/0"`), 2, "instance.lambda_h: \"1/0\" is not an exact rational"},
		{"trailing data", tie2, func(t *testing.T, d []byte) []byte { return append(d, " {}"...) }, 2, "trailing data after the JSON document"},
		{"truncated", tie2, func(t *testing.T, d []byte) []byte { return d[:len(d)/2] }, 2, "JSON"},
		{"empty", tie2, func(t *testing.T, d []byte) []byte { return nil }, 2, "JSON"},
		{"invalid UTF-8 in the name", tie2, replace(`"name": "tie2"`, "\"name\": \"tie2\xff\"", 1), 0, ""},

		// Field combinations per method and bias.
		{"method mirsky with lambda []", mirsky, set("lower_bound.lambda", "[]"), 2, "mirsky takes no lambda"},
		{"lambda_h = lambda_w = 0, method dual", tie2, then(set("instance.lambda_h", `"0"`), set("instance.lambda_w", `"0"`)), 2, "is certified with method mirsky"},
		{"method guess", tie2, set("lower_bound.method", `"guess"`), 2, "lower_bound.method is \"guess\""},
		{"bias free with lambda_b", tie2, set("instance.lambda_b", `"1"`), 2, "lambda_b goes with bias regularized"},
		{"bias free with empty lambda_b", tie2, set("instance.lambda_b", `""`), 0, ""},
		{"bias regularized with closed_form", reg, set("closed_form", `{"lower": "0", "upper": "1"}`), 2, "bias regularized: a certificate has a dual lower bound"},
		{"bias regularized, method mirsky", reg, then(set("lower_bound.method", `"mirsky"`), set("lower_bound.lambda", "")), 2, "bias regularized: a certificate has a dual lower bound"},
		{"bias regularized to none", reg, replace(`"bias": "regularized"`, `"bias": "none"`, 1), 2, "lambda_b goes with bias regularized"},
		{"predictions with method mirsky", mirsky, set("predictions", `{"radius": "1"}`), 1, "need a dual lower bound"},
		{"train_mse without predictions", tie2, set("predictions", ""), 1, "train_mse needs predictions.radius"},
		{"point.b not zero, bias none", none, set("point.b.0", `"1/1000"`), 1, "point.b must be zero"},
		{"w wider than d", tie2, set("point.w", `[["1","0","0","0"],["0","1","0","0"]]`), 2, "point.w has 4 columns"},

		// Tampered claims.
		{"lower raised", tie2, set("lower", `"101/100"`), 1, "lower > upper"},
		{"verdict refuted", tie2, set("verdict", `"refuted"`), 1, "verdict refuted, but"},
		{"more digits claimed", tie2, then(set("proved_digits", "60"), set("verdict", `"proved to 60 digits"`)), 1, "proved_digits = 60 is not implied"},
		{"bias regularized verdict", reg, set("verdict", `"proved to 40 digits"`), 1, "is not implied (bias regularized"},
	}
	py, why := python3()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(tc.base)
			if err != nil {
				t.Fatal(err)
			}
			if tc.edit != nil {
				data = tc.edit(t, data)
			}
			gc, gmsg := goStatus(t, data)
			if gc != tc.want || !strings.Contains(gmsg, tc.why) {
				t.Errorf("ufm check: exit %d, want %d mentioning %q: %s", gc, tc.want, tc.why, gmsg)
			}
			if strings.Contains(gmsg, "\n") {
				t.Errorf("ufm check: message of several lines: %q", gmsg)
			}
			if py == "" {
				t.Skip(why) // the Go status is checked above
			}
			pc, out := pythonStatus(t, py, data)
			t.Logf("ufm check: %d %s; Python: %d %s", gc, gmsg, pc, strings.TrimSpace(out))
			if pc != gc || pc != tc.want || !strings.Contains(out, tc.why) {
				t.Errorf("Python checker: exit %d, ufm check %d, want %d mentioning %q: %s", pc, gc, tc.want, tc.why, out)
			}
			prefix := map[int]string{1: "invalid certificate: ", 2: "unreadable certificate: "}[pc]
			line := strings.TrimSuffix(out, "\n")
			if strings.Contains(line, "\n") || !strings.HasPrefix(line, prefix) || (pc == 0 && !strings.Contains(line, ": VALID (")) ||
				rawException.MatchString(strings.TrimPrefix(line, prefix)) {
				t.Errorf("Python checker: want one line %q and a problem in words, got %q", prefix, out)
			}
		})
	}
}
