package property

import (
	"fmt"
	"math/big"
	"os"
	"strconv"
	"testing"

	"github.com/leanovate/gopter"

	"github.com/nrc-ufm/ufm/bigmat"
)

// Trials and seeds.
//
// Every property runs UFM_PROPERTY_TRIALS trials (make property sets 500)
// or, without it, its own small default (defaultTrials for the exact and
// closed-form properties, solverTrials for those that call the solver), so
// that make test stays fast. Every property has its own gopter parameters
// seeded with UFM_PROPERTY_SEED (default defaultSeed), so a property
// reproduces on its own: go test -run TestPropertyRotation ./property/.
const (
	defaultTrials = 40
	solverTrials  = 12
	defaultSeed   = 20240917
	// maxShrinks bounds gopter's shrinking (each step re-runs the check,
	// which may call the solver).
	maxShrinks = 300
	// margin is the number of digits below the working precision that a
	// compared quantity may lose (as verify.Margin).
	margin = 5
)

func trials(t *testing.T, def int) int {
	s := os.Getenv("UFM_PROPERTY_TRIALS")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("UFM_PROPERTY_TRIALS=%q: want a positive whole number", s)
	}
	return n
}

func seed(t *testing.T) int64 {
	s := os.Getenv("UFM_PROPERTY_SEED")
	if s == "" {
		return defaultSeed
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("UFM_PROPERTY_SEED=%q: want a whole number", s)
	}
	return v
}

func parameters(t *testing.T, n int) *gopter.TestParameters {
	p := gopter.DefaultTestParametersWithSeed(seed(t))
	p.MinSuccessfulTests = n
	p.MaxShrinkCount = maxShrinks
	p.MaxDiscardRatio = 20
	return p
}

// check runs one property with gopter's console report (the usual
// "+ name: OK, passed N tests." line), lines up to 200 characters wide so
// that a shrunk instance file prints unbroken.
func check(t *testing.T, name string, def int, p gopter.Prop) {
	t.Helper()
	n := trials(t, def)
	params := parameters(t, n)
	t.Logf("%s: seed %d, %d trials", name, params.Seed(), n)
	props := gopter.NewProperties(params)
	props.Property(name, p)
	props.TestingRun(t, gopter.NewFormatedReporter(true, 200, os.Stdout))
}

// Tolerances.

// pow10 returns 10^e at precision prec.
func pow10(e int, prec uint) *big.Float {
	r := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(e))), nil))
	if e < 0 {
		r.Inv(r)
	}
	return new(big.Float).SetPrec(prec).SetRat(r)
}

// within reports whether |got − want| ≤ 10^-digits·max(|want|, scale).
func within(got, want, scale *big.Float, digits int) bool {
	prec := max(got.Prec(), want.Prec(), 64)
	diff := new(big.Float).SetPrec(prec).Sub(got, want)
	return withinErr(diff.Abs(diff), new(big.Float).Abs(want), scale, digits)
}

// withinMat is within for the Frobenius norm of a matrix difference.
func withinMat(got, want *bigmat.Dense, scale *big.Float, digits int) bool {
	gr, gc := got.Dims()
	wr, wc := want.Dims()
	if gr != wr || gc != wc {
		return false
	}
	g := got.Clone().SetPrec(max(got.Prec(), want.Prec()))
	diff := new(bigmat.Dense).Sub(g, want)
	return withinErr(diff.FrobeniusNorm(), want.FrobeniusNorm(), scale, digits)
}

func withinErr(err, size, scale *big.Float, digits int) bool {
	den := size
	if scale != nil && den.Cmp(scale) < 0 {
		den = scale
	}
	tol := new(big.Float).SetPrec(max(err.Prec(), 64)).Mul(den, pow10(-digits, max(err.Prec(), 64)))
	return err.Cmp(tol) <= 0
}

// relErr is |got − want|/max(|want|, scale) as a short string for labels.
func relErr(got, want, scale *big.Float) string {
	prec := max(got.Prec(), want.Prec(), 64)
	diff := new(big.Float).SetPrec(prec).Sub(got, want)
	diff.Abs(diff)
	den := new(big.Float).Abs(want)
	if scale != nil && den.Cmp(scale) < 0 {
		den = scale
	}
	if den.Sign() == 0 {
		return diff.Text('g', 3) + " (absolute)"
	}
	return diff.Quo(diff, den).Text('g', 3)
}

func relErrMat(got, want *bigmat.Dense, scale *big.Float) string {
	g := got.Clone().SetPrec(max(got.Prec(), want.Prec()))
	diff := new(bigmat.Dense).Sub(g, want)
	return relErr(new(big.Float).Add(want.FrobeniusNorm(), diff.FrobeniusNorm()), want.FrobeniusNorm(), scale)
}

// failures collects the reasons a trial fails; its String is the label
// gopter reports (empty: passed).
type failures []string

func (f *failures) addf(format string, a ...any) { *f = append(*f, fmt.Sprintf(format, a...)) }

func (f failures) String() string {
	s := ""
	for i, x := range f {
		if i > 0 {
			s += "; "
		}
		s += x
	}
	return s
}
