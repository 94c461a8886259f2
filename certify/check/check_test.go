package check

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/theory"
)

// fixtures are certificates written by `ufm certify --digits 40` for the
// shipped examples of the same name (inputs to the checker, not expected
// outputs): a dual one, a bias-none dual one, a Mirsky one, a
// bias-regularized one and a λ_H = λ_W = 0 one (L* = 0 exactly).
var fixtures = []string{"full-4x10", "nobias-3x6", "d-less-than-n-4x2", "regularized-bias-2x3", "zero-reg-3x7"}

func load(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".cert.json"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// truth returns L* of the example from package theory at 60 digits, or
// for bias regularized the solver's converged loss at 60 digits (an
// independent computation; the certificates claim 40 digits, so a
// tolerance of 10^-55 relative cannot hide a wrong claim).
func truth(t testing.TB, name string) (lo, hi *big.Rat) {
	t.Helper()
	in, err := instance.Load(filepath.Join("..", "..", "examples", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var l *big.Rat
	if in.Bias == instance.BiasRegularized {
		res, err := solver.Solve(in, solver.Settings{Digits: 60})
		if err != nil || !res.Converged {
			t.Fatalf("solver: %v", err)
		}
		l, _ = res.MinLoss.Rat(nil)
	} else {
		p, err := theory.Predict(in, 60)
		if err != nil {
			t.Fatal(err)
		}
		l, _ = p.MinLoss.Rat(nil)
	}
	tol := new(big.Rat).Mul(l, big.NewRat(1, 1))
	tol.Mul(tol, new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(55), nil)))
	return new(big.Rat).Sub(l, tol), new(big.Rat).Add(l, tol)
}

func TestFixturesValid(t *testing.T) {
	for _, name := range fixtures {
		c, err := Parse(load(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rep, err := Check(c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		lo, hi := truth(t, name)
		if rep.Lower.Cmp(hi) > 0 || rep.Upper.Cmp(lo) < 0 {
			t.Errorf("%s: [lower, upper] misses theory's L*", name)
		}
		if rep.CFLower == nil {
			if rep.EnclosedDigits != 40 {
				t.Errorf("%s: enclosed %d", name, rep.EnclosedDigits)
			}
			continue
		}
		if rep.CFLower.Cmp(hi) > 0 || rep.CFUpper.Cmp(lo) < 0 {
			t.Errorf("%s: the closed-form enclosure misses theory's L*", name)
		}
		if rep.ProvedDigits != 40 || rep.Refuted {
			t.Errorf("%s: proved %d refuted %v", name, rep.ProvedDigits, rep.Refuted)
		}
	}
}

// mutate applies f to the decoded document and re-encodes it.
func mutate(t testing.TB, data []byte, f func(doc map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	f(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// at walks a path of keys and indices to the string there; set replaces it.
func at(doc map[string]any, path ...any) (get func() string, set func(string)) {
	var parent any = doc
	for _, p := range path[:len(path)-1] {
		parent = step(parent, p)
	}
	last := path[len(path)-1]
	switch p := parent.(type) {
	case map[string]any:
		k := last.(string)
		return func() string { return p[k].(string) }, func(s string) { p[k] = s }
	case []any:
		i := last.(int)
		return func() string { return p[i].(string) }, func(s string) { p[i] = s }
	}
	panic("bad path")
}

func step(v any, p any) any {
	if k, ok := p.(string); ok {
		return v.(map[string]any)[k]
	}
	return v.([]any)[p.(int)]
}

// changeDigit replaces the digit at position pos (counted from the end of
// the numerator, 0 = last) by (digit + delta) mod 10.
func changeDigit(s string, pos, delta int) string {
	num := s
	rest := ""
	if i := strings.IndexByte(s, '/'); i >= 0 {
		num, rest = s[:i], s[i:]
	}
	b := []byte(num)
	i := len(b) - 1 - pos
	if i < 0 || b[i] == '-' {
		return s
	}
	b[i] = byte('0' + (int(b[i]-'0')+delta+10)%10)
	out := string(b) + rest
	if r, err := ParseRat(out); err != nil || r == nil {
		return s // a leading zero: not a one-digit change of a number
	}
	return out
}

// TestTamper changes one digit of Λ, of the point, of the spectrum
// enclosures, of the bounds and of the implied enclosures. Each tampered
// certificate must be refused, or accepted with claims that are still
// true (compared with theory's L*); tightening lower or upper by one unit
// in the last place must be refused.
func TestTamper(t *testing.T) {
	for _, name := range fixtures {
		data := load(t, name)
		lo, hi := truth(t, name)
		paths := [][]any{{"lower"}, {"upper"}, {"point", "w", 0, 0}, {"point", "h", 0, 1}, {"point", "b", 0}}
		reg := strings.HasPrefix(name, "regularized")
		if reg {
			paths = append(paths, []any{"lower_bound", "lambda", 0, 0}, []any{"lower_bound", "lambda", 1, 2}, []any{"instance", "lambda_b"})
		} else {
			paths = append(paths, []any{"closed_form", "lower"}, []any{"closed_form", "upper"},
				[]any{"spectrum", "upper", 0}, []any{"spectrum", "lower", 0}, []any{"spectrum", "root_c_upper", 0}, []any{"spectrum", "root_c_lower", 0})
		}
		if strings.Contains(string(data), `"method": "dual"`) && !reg {
			paths = append(paths, []any{"lower_bound", "lambda", 0, 0}, []any{"lower_bound", "lambda", 1, 2},
				[]any{"predictions", "radius"}, []any{"train_mse", "lower"}, []any{"train_mse", "upper"})
		}
		refused, accepted := 0, 0
		for _, path := range paths {
			for _, pos := range []int{0, 3, 20, 1000} {
				for _, delta := range []int{1, -1, 5} {
					var changed bool
					mut := mutate(t, data, func(doc map[string]any) {
						get, set := at(doc, path...)
						old := get()
						set(changeDigit(old, pos, delta))
						changed = get() != old
					})
					if !changed {
						continue
					}
					what := fmt.Sprintf("%s %v digit %d %+d", name, path, pos, delta)
					c, err := Parse(mut)
					if err != nil && path[0] == "instance" {
						refused++ // λ_b = 0 is not a certifiable instance
						continue
					}
					if err != nil {
						t.Fatalf("%s: %v", what, err)
					}
					rep, err := Check(c)
					if err != nil {
						var inv *InvalidError
						if !errors.As(err, &inv) {
							t.Errorf("%s: error of type %T: %v", what, err, err)
						}
						refused++
						continue
					}
					accepted++
					if path[0] == "instance" {
						// another instance: its L* is not the fixture's, so
						// only refusal is acceptable
						t.Errorf("%s: a certificate was accepted for a changed instance", what)
						continue
					}
					if rep.Lower.Cmp(hi) > 0 || rep.Upper.Cmp(lo) < 0 || (rep.CFLower != nil && (rep.CFLower.Cmp(hi) > 0 || rep.CFUpper.Cmp(lo) < 0)) {
						t.Errorf("%s: accepted with a false interval", what)
					}
					tighter := pos == 0 && ((path[0] == "lower" && delta == 1) || (path[0] == "upper" && delta == -1))
					if tighter && !strings.HasSuffix(c.File.Upper, "0") {
						t.Errorf("%s: a bound tightened past its proof was accepted", what)
					}
				}
			}
		}
		t.Logf("%s: %d tampered certificates refused, %d accepted (all with true claims)", name, refused, accepted)
		if refused == 0 {
			t.Errorf("%s: no tampering was refused", name)
		}
	}
}

// TestTightenedBoundsRefused moves lower up and upper down by one unit of
// their own denominator: both must be refused.
func TestTightenedBoundsRefused(t *testing.T) {
	for _, name := range fixtures {
		data := load(t, name)
		for _, field := range []string{"lower", "upper"} {
			mut := mutate(t, data, func(doc map[string]any) {
				r, _ := ParseRat(doc[field].(string))
				unit := new(big.Rat).SetFrac(big.NewInt(1), r.Denom())
				if field == "lower" {
					r.Add(r, unit)
				} else {
					r.Sub(r, unit)
				}
				doc[field] = r.RatString()
			})
			c, err := Parse(mut)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Check(c); err == nil {
				t.Errorf("%s: %s tightened by one unit was accepted", name, field)
			}
		}
	}
}

// TestBadFiles: unreadable certificates give a *ParseError, never a panic.
func TestBadFiles(t *testing.T) {
	good := load(t, "full-4x10")
	cases := map[string][]byte{
		"empty":          {},
		"not json":       []byte("certificate"),
		"truncated 10":   good[:10],
		"truncated half": good[:len(good)/2],
		"truncated -2":   good[:len(good)-2],
		"trailing":       append(append([]byte{}, good...), []byte("{}")...),
		"array":          []byte("[1,2]"),
	}
	edits := map[string]func(doc map[string]any){
		"wrong format":      func(d map[string]any) { d["format"] = "ufm-certificate/0" },
		"unknown field":     func(d map[string]any) { d["extra"] = 1 },
		"zero denominator":  func(d map[string]any) { d["lower"] = "1/0" },
		"zero denominator2": func(d map[string]any) { d["upper"] = "3/00" },
		"decimal":           func(d map[string]any) { d["upper"] = "0.5" },
		"float number":      func(d map[string]any) { d["upper"] = 0.5 },
		"huge number":       func(d map[string]any) { d["upper"] = strings.Repeat("9", MaxNumberLength+1) },
		"leading zero":      func(d map[string]any) { d["upper"] = "01" },
		"negative den":      func(d map[string]any) { d["upper"] = "1/-2" },
		"short row":         func(d map[string]any) { p := d["point"].(map[string]any); p["w"] = p["w"].([]any)[:1] },
		"ragged targets": func(d map[string]any) {
			in := d["instance"].(map[string]any)
			rows := in["targets"].([]any)
			rows[1] = rows[1].([]any)[:1]
		},
		"no targets":  func(d map[string]any) { d["instance"].(map[string]any)["targets"] = []any{} },
		"d zero":      func(d map[string]any) { d["instance"].(map[string]any)["d"] = 0 },
		"bias":        func(d map[string]any) { d["instance"].(map[string]any)["bias"] = "regularized" },
		"lambda zero": func(d map[string]any) { d["instance"].(map[string]any)["lambda_h"] = "0" },
		"digits":      func(d map[string]any) { d["digits"] = 0 },
		"method":      func(d map[string]any) { d["lower_bound"].(map[string]any)["method"] = "guess" },
		"lambda shape": func(d map[string]any) {
			lb := d["lower_bound"].(map[string]any)
			lb["lambda"] = lb["lambda"].([]any)[:2]
		},
		"spectrum size": func(d map[string]any) { s := d["spectrum"].(map[string]any); s["upper"] = s["upper"].([]any)[:1] },
		"w too wide": func(d map[string]any) {
			p := d["point"].(map[string]any)
			rows := p["w"].([]any)
			for i := range rows {
				r := rows[i].([]any)
				for len(r) <= 10 {
					r = append(r, "0")
				}
				rows[i] = r
			}
		},
	}
	for name, f := range edits {
		cases[name] = mutate(t, good, f)
	}
	for name, data := range cases {
		_, err := Parse(data)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: got %v, want a ParseError", name, err)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: message has several lines: %q", name, err)
		}
	}
}

// FuzzParse: Parse never panics, and whatever it accepts Check handles
// without panicking.
func FuzzParse(f *testing.F) {
	f.Add(load(f, "tiny-1x2"))
	f.Add([]byte(`{"format":"ufm-certificate/1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		_, _ = Check(c)
	})
}

// TestInfeasibleLambdaRefused scales Λ up by 1 + 10^-20, which raises
// ⟨Λ, Ỹ⟩ − (M/2)‖Λ‖² above L* (the constraint is active at the optimum),
// and claims lower = upper: only the exact feasibility test stands
// between this certificate and a false lower bound.
func TestInfeasibleLambdaRefused(t *testing.T) {
	for _, name := range fixtures[:2] {
		s := new(big.Rat).Add(big.NewRat(1, 1), new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(20), nil)))
		mut := mutate(t, load(t, name), func(doc map[string]any) {
			for _, row := range doc["lower_bound"].(map[string]any)["lambda"].([]any) {
				r := row.([]any)
				for j := range r {
					x, _ := ParseRat(r[j].(string))
					r[j] = x.Mul(x, s).RatString()
				}
			}
			doc["lower"] = doc["upper"] // L* = upper: false (L* < upper here)
			doc["verdict"], doc["proved_digits"] = "bounds", 0
			delete(doc, "predictions")
			delete(doc, "train_mse")
		})
		c, err := Parse(mut)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Check(c); err == nil || !strings.Contains(err.Error(), "positive definite") {
			t.Errorf("%s: scaled-up Λ: %v, want refused as infeasible", name, err)
		}
	}
}

// TestWrongEnclosureRefused claims σ_1 ≤ 0 in the Mirsky certificate,
// which would make the Mirsky bound exceed L*, and claims lower = upper:
// only the exact inertia test of Σ − tI refuses it.
func TestWrongEnclosureRefused(t *testing.T) {
	mut := mutate(t, load(t, "d-less-than-n-4x2"), func(doc map[string]any) {
		s := doc["spectrum"].(map[string]any)
		s["upper"].([]any)[0] = "0"
		s["root_c_upper"].([]any)[0] = "0"
		doc["lower"] = doc["upper"]
		doc["verdict"], doc["proved_digits"] = "bounds", 0
	})
	c, err := Parse(mut)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Check(c); err == nil || !strings.Contains(err.Error(), "spectrum.upper[0]") {
		t.Errorf("σ_1 ≤ 0 claimed: %v, want refused", err)
	}
}

// TestShortMessageNumbers: numbers in the checker's error messages carry
// 12 significant digits, whatever their size (a loss of 10^119997 made a
// 120 000-character line, QA session 24). Expected strings by hand.
func TestShortMessageNumbers(t *testing.T) {
	huge, _ := new(big.Int).SetString("4531639471257"+strings.Repeat("0", 119984), 10)
	for _, c := range []struct {
		x    *big.Rat
		want string
	}{
		{big.NewRat(0, 1), "0"},
		{big.NewRat(1, 1), "1.00000000000e+0"},
		{big.NewRat(-1, 3), "-3.33333333333e-1"},
		{big.NewRat(999999999999, 1), "9.99999999999e+11"},
		{big.NewRat(1000000000000, 1), "1.00000000000e+12"},
		{big.NewRat(2, 3000000000000000000), "6.66666666666e-19"},
		{new(big.Rat).SetInt(huge), "4.53163947125e+119996"},
	} {
		if got := short(c.x); got != c.want {
			t.Errorf("short(%s…) = %q, want %q", c.x.FloatString(3)[:min(20, len(c.x.FloatString(3)))], got, c.want)
		}
	}
}
