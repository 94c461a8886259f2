package sweep

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"image/png"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/theory"
)

func load(t *testing.T, name string) *instance.Instance {
	t.Helper()
	in, err := instance.Load(filepath.Join("..", "examples", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

func TestParseAxis(t *testing.T) {
	cases := []struct {
		spec string
		log  bool
		want []string // exact values
		err  string
	}{
		{spec: "0:1:5", want: []string{"0", "1/4", "1/2", "3/4", "1"}},
		{spec: "1/3:1:3", want: []string{"1/3", "2/3", "1"}},
		{spec: "2:1:3", want: []string{"2", "3/2", "1"}},
		{spec: "0.5:0.5:1", want: []string{"1/2"}},
		{spec: "1e-3:1e3:7", log: true, want: []string{"1/1000", "1/100", "1/10", "1", "10", "100", "1000"}},
		{spec: "1e-600:1:3", log: true, want: []string{"1e-600", "1e-300", "1"}},
		{spec: "1:2", err: "want A:B:K"},
		{spec: "1:2:0", err: "point count"},
		{spec: "1:2:x", err: "point count"},
		{spec: "-1:2:3", err: "≥ 0"},
		{spec: "0:2:3", log: true, err: "A, B > 0"},
		{spec: "1:2:1", err: "A ≠ B"},
		{spec: "1:1:3", err: "A = B"},
		{spec: "nan:1:3", err: "start"},
		{spec: "1:2:100000", err: "point count"},
	}
	for _, c := range cases {
		ax, err := ParseAxis("lambda_h", c.spec, c.log)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want one containing %q", c.spec, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.spec, err)
			continue
		}
		if len(ax.Values) != len(c.want) {
			t.Errorf("%q: %d values, want %d", c.spec, len(ax.Values), len(c.want))
			continue
		}
		for i, w := range c.want {
			want := rat(w)
			if ax.Values[i].Cmp(want) != 0 {
				t.Errorf("%q: value %d = %s, want %s", c.spec, i, ax.Values[i].RatString(), want.RatString())
			}
		}
	}
}

// TestLogPointDigits: interior points of a log grid are decimals of at
// most LogDigits significant digits, strictly increasing, within 1e-11
// relative of the exact geometric point.
func TestLogPointDigits(t *testing.T) {
	ax, err := ParseAxis("lambda_w", "0.003:70:23", true)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range ax.Values {
		if i > 0 && v.Cmp(ax.Values[i-1]) <= 0 {
			t.Fatalf("not increasing at %d", i)
		}
		s := ExactText(v)
		mant := strings.TrimLeft(strings.Split(strings.ReplaceAll(s, ".", ""), "e")[0], "0")
		if len(mant) > LogDigits {
			t.Errorf("point %d = %s has %d digits", i, s, len(mant))
		}
		f, _ := v.Float64()
		want := 0.003 * pow(70/0.003, float64(i)/22)
		if d := (f - want) / want; d > 1e-11 || d < -1e-11 {
			t.Errorf("point %d = %g, want %g", i, f, want)
		}
	}
}

func TestExactText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"0", "0"}, {"3", "3"}, {"-7/2", "-3.5"}, {"1/3", "1/3"}, {"1/1000", "0.001"},
		{"1/10000000", "1e-7"}, {"-123/100000000000", "-1.23e-9"}, {"12345/100", "123.45"},
		{"1e30", "1000000000000000000000000000000"}, {"1e-600", "1e-600"}, {"7/20", "0.35"},
	} {
		if got := ExactText(rat(c.in)); got != c.want {
			t.Errorf("ExactText(%s) = %q, want %q", c.in, got, c.want)
		}
		// The text reads back as the same rational.
		if r, ok := new(big.Rat).SetString(ExactText(rat(c.in))); !ok || r.Cmp(rat(c.in)) != 0 {
			t.Errorf("ExactText(%s) does not read back", c.in)
		}
	}
}

// TestAgreesWithPredict: every table value lies within its printed digits
// of theory.Predict computed independently at that point's λ.
func TestAgreesWithPredict(t *testing.T) {
	for _, c := range []struct {
		name   string
		h, w   string
		log    bool
		digits int
	}{
		{"partial-3x5", "0.01:100:13", "", true, 30},
		{"d-less-than-n-4x2", "0.05:3:6", "0.1:2:4", false, 40},
		{"full-4x10", "1e-6:10:9", "1/3:3:3", true, 25},
		{"nobias-3x6", "0:2:5", "", false, 30},
	} {
		in := load(t, c.name)
		h, err := ParseAxis("lambda_h", c.h, c.log)
		if err != nil {
			t.Fatal(err)
		}
		var w *Axis
		if c.w != "" {
			if w, err = ParseAxis("lambda_w", c.w, c.log); err != nil {
				t.Fatal(err)
			}
		}
		tab, err := Run(in, h, w, Settings{Digits: c.digits, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := tab.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, name := range rows[0] {
			col[name] = i
		}
		if len(rows)-1 != len(tab.Points) {
			t.Fatalf("%s: %d rows for %d points", c.name, len(rows)-1, len(tab.Points))
		}
		for _, row := range rows[1:] {
			pin := in.Clone()
			pin.LambdaH = rat(row[col["lambda_h"]])
			pin.LambdaW = rat(row[col["lambda_w"]])
			p, err := theory.Predict(pin, c.digits)
			if err != nil {
				t.Fatal(err)
			}
			where := c.name + " λ_H=" + row[col["lambda_h"]] + " λ_W=" + row[col["lambda_w"]]
			if row[col["regime"]] != string(p.Regime) || row[col["rank"]] != strconv.Itoa(p.Rank) {
				t.Errorf("%s: regime %s rank %s, predict says %s %d", where, row[col["regime"]], row[col["rank"]], p.Regime, p.Rank)
			}
			if rat(row[col["c"]]).Cmp(p.CExact) != 0 {
				t.Errorf("%s: c = %s, want %s", where, row[col["c"]], p.CExact.RatString())
			}
			closeTo(t, where+" min_loss", row[col["min_loss"]], p.MinLoss, c.digits)
			closeTo(t, where+" train_mse", row[col["train_mse"]], p.TrainMSE, c.digits)
			for j := range p.Shrinkage {
				closeTo(t, where+" shrinkage_"+strconv.Itoa(j+1), row[col["shrinkage_"+strconv.Itoa(j+1)]], p.Shrinkage[j], c.digits)
			}
			if p.Regime == theory.Full {
				for _, name := range []string{"nrc1", "nrc2", "nrc3"} {
					if row[col[name]] != "0" {
						t.Errorf("%s: %s = %q in the full regime, want 0", where, name, row[col[name]])
					}
				}
				closeTo(t, where+" nrc3_gamma", row[col["nrc3_gamma"]], p.C, c.digits)
			}
		}
	}
}

// closeTo checks a table field against the reference: it has k ≥ 1
// significant digits, so |field − ref| ≤ 10^(1−k)·|ref| (rounding to k
// digits costs half a unit in the k-th digit; the reference itself is good
// to `digits` digits). An empty field fails: these quantities are defined.
func closeTo(t *testing.T, what, field string, ref *big.Float, digits int) {
	t.Helper()
	if field == "" {
		t.Errorf("%s: empty", what)
		return
	}
	got, _, err := big.ParseFloat(field, 10, ref.Prec(), big.ToNearestEven)
	if err != nil {
		t.Errorf("%s: %q: %v", what, field, err)
		return
	}
	if ref.Sign() == 0 {
		if got.Sign() != 0 {
			t.Errorf("%s = %s, want 0", what, field)
		}
		return
	}
	k := significantDigits(field)
	if k > digits {
		t.Errorf("%s = %s carries %d digits, more than the %d requested", what, field, k, digits)
	}
	diff := new(big.Float).Sub(got, ref)
	diff.Abs(diff)
	tol := new(big.Float).Abs(ref)
	tol.Mul(tol, new(big.Float).SetFloat64(pow(10, float64(1-k))))
	if diff.Cmp(tol) > 0 {
		t.Errorf("%s = %s, predict says %s (%d digits)", what, field, ref.Text('g', digits), k)
	}
}

// significantDigits counts the significant digits of a decimal string.
func significantDigits(s string) int {
	m := strings.TrimLeft(strings.Split(strings.ToLower(s), "e")[0], "-+")
	m = strings.ReplaceAll(m, ".", "")
	return len(strings.TrimLeft(m, "0"))
}

// TestChecks: spot checks run at every N-th point; the solver agrees; a
// failing check is a failure and a panicking one an error, never a verdict.
func TestChecks(t *testing.T) {
	in := load(t, "partial-3x5")
	h, _ := ParseAxis("lambda_h", "0.1:10:5", true)
	bad := Check{Name: "always-disagree", Run: func(*instance.Instance, int) (Outcome, error) {
		return Outcome{Status: "disagree", Failed: true}, nil
	}}
	broken := Check{Name: "broken", Run: func(*instance.Instance, int) (Outcome, error) { panic("boom") }}
	erring := Check{Name: "erring", Run: func(*instance.Instance, int) (Outcome, error) { return Outcome{}, errors.New("no") }}
	checks := []Check{SolverCheck(solverSettings()), bad, broken, erring}
	if testing.Short() {
		// The solver under the race detector takes most of a minute;
		// the stand-ins still exercise the concurrent bookkeeping.
		checks[0] = Check{Name: "solver", Run: func(*instance.Instance, int) (Outcome, error) {
			d := 20
			return Outcome{Status: "agree", Digits: &d}, nil
		}}
	}
	tab, err := Run(in, h, nil, Settings{Digits: 20, CheckEvery: 2, Checks: checks})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Checked != 3 {
		t.Fatalf("checked %d points, want 3 (0, 2, 4)", tab.Checked)
	}
	for _, p := range tab.Points {
		if (p.Index%2 == 0) != (len(p.Checks) == 4) {
			t.Fatalf("point %d has %d checks", p.Index, len(p.Checks))
		}
		for _, c := range p.Checks {
			switch c.Name {
			case "solver":
				if c.Status != "agree" || c.Digits == nil || *c.Digits < 15 || c.Err != "" {
					t.Errorf("point %d: solver check %+v", p.Index, c)
				}
			case "always-disagree":
				if !c.Failed {
					t.Errorf("point %d: failing check not marked failed", p.Index)
				}
			case "broken":
				if !strings.Contains(c.Err, "panic") {
					t.Errorf("point %d: panicking check gave %+v", p.Index, c)
				}
			case "erring":
				if c.Err != "no" {
					t.Errorf("point %d: erring check gave %+v", p.Index, c)
				}
			}
		}
	}
}

// TestPlots: every picture is a PNG that decodes and an SVG that parses.
func TestPlots(t *testing.T) {
	if testing.Short() {
		t.Skip("rasterizing under the race detector is slow; plotting is not concurrent (run without -short)")
	}
	in := load(t, "partial-3x5")
	h, _ := ParseAxis("lambda_h", "0.01:100:8", true)
	w, _ := ParseAxis("lambda_w", "0.01:100:6", true)
	tab, err := Run(in, h, w, Settings{Digits: 20})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := tab.Plots(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"loss", "rank", "shrinkage", "nrc3", "regime"}
	if len(files) != 2*len(want) {
		t.Fatalf("wrote %v", files)
	}
	for _, base := range want {
		checkPNG(t, filepath.Join(dir, base+".png"))
		checkSVG(t, filepath.Join(dir, base+".svg"))
	}
	// A 1-D sweep draws no regime map.
	tab1, err := Run(in, h, nil, Settings{Digits: 20})
	if err != nil {
		t.Fatal(err)
	}
	files, err = tab1.Plots(t.TempDir())
	if err != nil || len(files) != 8 {
		t.Fatalf("1-D sweep wrote %v (%v)", files, err)
	}
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 400 {
		t.Errorf("%s is only %v", path, b)
	}
}

func checkSVG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	root := ""
	for {
		tok, err := d.Token()
		if err != nil {
			if root == "" {
				t.Fatalf("%s: %v", path, err)
			}
			break
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("%s: root element %q", path, root)
	}
}

// TestRegularizedBiasRefused: no closed form, a clear error.
func TestRegularizedBiasRefused(t *testing.T) {
	in := load(t, "regularized-bias-2x3")
	h, _ := ParseAxis("lambda_h", "0.1:1:2", false)
	if _, err := Run(in, h, nil, Settings{}); !errors.Is(err, theory.ErrNoClosedForm) {
		t.Fatalf("err = %v", err)
	}
}

// FuzzParseAxis: any grid text gives an axis or an error, never a panic;
// an axis has K exact non-negative points from A to B.
func FuzzParseAxis(f *testing.F) {
	for _, s := range []string{"0:1:5", "1e-3:1e3:7", "1/3:2:4", "1:2", "::", "1e-999999:1:3", "1:1e999999:3", "-0:0:1"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, spec string, log bool) {
		ax, err := ParseAxis("lambda_h", spec, log)
		if err != nil {
			return
		}
		if len(ax.Values) < 1 || len(ax.Values) > MaxPoints {
			t.Fatalf("%q: %d points", spec, len(ax.Values))
		}
		for _, v := range ax.Values {
			if v.Sign() < 0 {
				t.Fatalf("%q: negative point %s", spec, v.RatString())
			}
		}
	})
}

// TestCertificateCheck: at a regularized point the certificate proves L*
// and contains the closed form; where no minimizer exists it says "not
// certifiable" without failing.
func TestCertificateCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds certificates (solver + exact checker)")
	}
	in := load(t, "partial-3x5")
	h, _ := ParseAxis("lambda_h", "0:1:2", false)
	tab, err := Run(in, h, nil, Settings{Digits: 20, CheckEvery: 1, Checks: []Check{CertificateCheck(solverSettings())}})
	if err != nil {
		t.Fatal(err)
	}
	c0, c1 := tab.Points[0].Checks[0], tab.Points[1].Checks[0]
	if c0.Status != "not certifiable" || c0.Failed || c0.Err != "" {
		t.Errorf("λ_H = 0: %+v", c0)
	}
	if c1.Status != "proved" || c1.Failed || c1.Digits == nil || *c1.Digits < 15 {
		t.Errorf("λ_H = 1: %+v", c1)
	}
}
