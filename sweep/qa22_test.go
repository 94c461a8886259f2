package sweep

import (
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
)

// QA session 22 (an adversarial run of ufm sweep against mpmath).

func qa22Instance(t *testing.T, name string) *instance.Instance {
	t.Helper()
	in, err := instance.Load(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestQA22NRC3LastDigit: def0 (n = 4, M = 4, bias free, so σ_min = 0
// exactly) at c = 0.00587801607227 and 60 digits. NRC3 agreed between
// the two evaluations on 47 digits and was printed with them, the last 7
// where the truth, …2213787|64, rounds to 8. Every printed digit must be
// the correctly rounded one of the mpmath value (computed at 260 digits
// by the QA's independent script, from the closed form of docs/theory.md
// §3 and the definition of §4).
func TestQA22NRC3LastDigit(t *testing.T) {
	const truth = "0.000005146615340738422478143347169453576384512221378763977859211687449983696"
	in := qa22Instance(t, "qa22_def0.json")
	ax, err := ParseAxis("lambda_h", "0.00587801607227:0.00587801607227:1", false)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Run(in, ax, nil, Settings{Digits: 60})
	if err != nil {
		t.Fatal(err)
	}
	v := tab.Points[0].NRC3
	if v.X == nil || v.Digits < 30 {
		t.Fatalf("NRC3 %v with %d digits: want at least 30", v.X, v.Digits)
	}
	want, _, err := big.ParseFloat(truth, 10, 400, big.ToNearestEven)
	if err != nil {
		t.Fatal(err)
	}
	if got, exact := v.Text(), want.Text('g', v.Digits); got != exact {
		t.Errorf("NRC3 printed %s (%d digits); the truth rounds to %s", got, v.Digits, exact)
	}
}

// TestQA22NRC3Blank: tie2 (Σ = diag(9, 1)) in the partial regime has NRC3
// = 0 exactly at γ = 1; where the two evaluations leave no certain digit
// the value is blank, and the point's notes now say why (they said
// nothing).
func TestQA22NRC3Blank(t *testing.T) {
	in := qa22Instance(t, "qa22_tie2.json")
	ax, err := ParseAxis("lambda_h", "1:9:81", false)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Run(in, ax, nil, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	blank := 0
	for _, p := range tab.Points {
		if p.NRC3.X != nil || p.Regime != "partial" {
			continue
		}
		blank++
		if !strings.Contains(strings.Join(p.Notes, "; "), "NRC3 at the optimum is not resolved") {
			t.Errorf("c = %s: NRC3 blank, notes %q", p.C, p.Notes)
		}
	}
	t.Logf("%d blank NRC3 values, each with its note", blank)
}

// TestQA22DigitsCap: a sweep beyond MaxDigits is refused before any point
// is evaluated (it evaluated every point, then failed asking theory for
// 2020 digits).
func TestQA22DigitsCap(t *testing.T) {
	in := qa22Instance(t, "qa22_tie2.json")
	ax, err := ParseAxis("lambda_h", "1:9:3", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(in, ax, nil, Settings{Digits: MaxDigits + 1}); err == nil || !strings.Contains(err.Error(), "at most 1980") {
		t.Errorf("%d digits: %v, want refused (at most 1980)", MaxDigits+1, err)
	}
}

// TestQA22StalePictures: a 1-D sweep written into the directory of an
// earlier 2-D one removes the regime map it does not draw (it was kept,
// passing for a picture of this run).
func TestQA22StalePictures(t *testing.T) {
	if testing.Short() {
		t.Skip("draws two sets of pictures")
	}
	in := qa22Instance(t, "qa22_tie2.json")
	dir := t.TempDir()
	h, err := ParseAxis("lambda_h", "1:9:3", false)
	if err != nil {
		t.Fatal(err)
	}
	w, err := ParseAxis("lambda_w", "1:2:2", false)
	if err != nil {
		t.Fatal(err)
	}
	two, err := Run(in, h, w, Settings{Digits: 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := two.Plots(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "regime.png")); err != nil {
		t.Fatalf("the 2-D sweep drew no regime map: %v", err)
	}
	one, err := Run(in, h, nil, Settings{Digits: 20})
	if err != nil {
		t.Fatal(err)
	}
	files, err := one.Plots(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.Contains(f, "regime") {
			t.Fatalf("the 1-D sweep drew %s", f)
		}
	}
	for _, ext := range []string{".png", ".svg"} {
		if _, err := os.Stat(filepath.Join(dir, "regime"+ext)); err == nil {
			t.Errorf("regime%s of the earlier 2-D sweep is still there", ext)
		}
	}
}

// TestQA22UnregularizedNRC1: with λ_H = λ_W = 0 and d ≤ n, theory notes
// that NRC1 is trivially 0; the sweep's NRC1 column is 0 too (it was
// blank under that note).
func TestQA22UnregularizedNRC1(t *testing.T) {
	in, err := instance.Parse([]byte(`{"targets": [["1", "2", "0"], ["3", "-1", "2"], ["0", "4", "1"], ["2", "2", "5"]], "lambda_h": "0", "lambda_w": "0", "d": 2, "bias": "free"}`))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Run(in, nil, nil, Settings{Digits: 20})
	if err != nil {
		t.Fatal(err)
	}
	p := tab.Points[0]
	if p.NRC1.X == nil || p.NRC1.X.Sign() != 0 || p.NRC2.X != nil || p.NRC3.X != nil {
		t.Errorf("NRC1 %v, NRC2 %v, NRC3 %v; want 0, blank, blank (notes %q)", p.NRC1.X, p.NRC2.X, p.NRC3.X, p.Notes)
	}
}
