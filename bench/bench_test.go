// Package bench holds the side-by-side timing scripts (README.md); this
// test checks them against package theory where Python and mpmath exist.
package bench

import (
	"math/big"
	"os/exec"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/theory"
	"github.com/nrc-ufm/ufm/verify"
)

const python = "/usr/bin/python3"

// TestScriptsAgreeWithTheory: gen.py writes an instance ufm parses, and
// mp_closed.py's L* agrees with theory.Predict's to at least 28 of 30
// digits (mpmath works at 46 digits; its last printed digit may be
// rounded the other way).
func TestScriptsAgreeWithTheory(t *testing.T) {
	if err := exec.Command(python, "-c", "import mpmath").Run(); err != nil {
		t.Skipf("%s with mpmath not available (%v): the scripts are not checked here", python, err)
	}
	out, err := exec.Command(python, "gen.py", "4", "8", "20", "30").Output()
	if err != nil {
		t.Fatalf("gen.py: %v", err)
	}
	in, err := instance.Parse(out)
	if err != nil {
		t.Fatalf("gen.py's instance: %v", err)
	}
	pred, err := theory.Predict(in, 30)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "mp_closed.py", "/dev/stdin", "30")
	cmd.Stdin = strings.NewReader(string(out))
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("mp_closed.py: %v", err)
	}
	var loss string
	for _, line := range strings.Split(string(res), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "min_loss" {
			loss = f[1]
		}
	}
	want, err := instance.ParseNumber(loss)
	if err != nil {
		t.Fatalf("mp_closed.py printed min_loss %q: %v", loss, err)
	}
	got := pred.MinLoss
	w := new(big.Float).SetPrec(got.Prec()).SetRat(want)
	if d := verify.Digits(got, w, w, 30); d < 28 {
		t.Errorf("L*: theory %s, mpmath %s: %d digits", got.Text('g', 30), loss, d)
	}
}
