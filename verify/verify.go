package verify

import (
	"fmt"
	"math"
	"math/big"

	"github.com/ALTree/bigfloat"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/theory"
)

// Margin is how many digits below the requested ones a quantity may fall
// and still count as agreeing. The solver stops when its gradient is below
// 10^-(digits+guard) of the problem's scale; the invariants inherit that
// accuracy up to the conditioning of the problem (tiny λ or a nearly
// inactive direction costs a few digits), which 5 digits cover on every
// instance the project tests.
const Margin = 5

// Status is the verdict of a comparison (SPEC: agree | disagree | unattained).
type Status string

const (
	Agree      Status = "agree"
	Disagree   Status = "disagree"
	Unattained Status = "unattained"
)

// Agreement counts decimal digits agreed; nil means "not compared" because
// THEORY says the quantity is not determined by the instance.
type Agreement struct {
	MinLoss, WW, Bias, Predictions *int
}

// Report is the outcome of Run.
type Report struct {
	Prediction *theory.Prediction
	Solver     *solver.Result
	Agreement  Agreement
	Status     Status
	Required   int    // digits each compared quantity must reach
	Worst      string // the quantity with the fewest digits (empty if none compared)
	Reason     string // one sentence explaining the status
}

// Run solves in with the solver, predicts it with the theory, and compares.
func Run(in *instance.Instance, digits int, settings solver.Settings) (*Report, error) {
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("verify: invalid instance: %w", err)
	}
	if digits <= 0 {
		digits = in.Digits
	}
	pred, err := theory.Predict(in, digits)
	if err != nil {
		return nil, err
	}
	settings.Digits = digits
	res, err := solver.Solve(in, settings)
	if err != nil {
		return nil, fmt.Errorf("solver: %w", err)
	}
	return Compare(in, pred, res)
}

// Compare measures the agreement of a prediction and a solver result for
// the same instance at pred.Digits. It returns an error, not a report, when
// in is invalid (instance.Validate), pred or res is nil, or their sizes do
// not match in's (n, M, d).
func Compare(in *instance.Instance, pred *theory.Prediction, res *solver.Result) (*Report, error) {
	if err := checkInputs(in, pred, res); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	r := &Report{Prediction: pred, Solver: res, Required: pred.Digits - Margin}
	cap := pred.Digits + bigmat.GuardDigits
	prec := pred.Prec
	trace := new(big.Float).SetPrec(prec).SetRat(targetEnergy(in, pred.TraceSigma))

	if pred.Regime == theory.Unattained {
		r.compareUnattained(pred, res, trace)
		return r, nil
	}

	// Below, "tr Σ" stands for targetEnergy: tr Σ unless Σ = 0.
	//
	// min_loss: relative to |L*|, or to tr(Σ)/2 (the loss of predicting the
	// mean) when L* = 0 exactly.
	// A nonzero L* is compared purely relatively (no scale floor): L* can
	// lie hundreds of orders of magnitude below tr(Σ)/2 (c = 1e-600), and a
	// floor there would hide an error in every digit.
	lossScale := new(big.Float).SetPrec(prec).Quo(trace, big.NewFloat(2))
	if pred.MinLoss.Sign() != 0 {
		lossScale.SetInt64(0)
	}
	r.Agreement.MinLoss = ptr(Digits(res.MinLoss, pred.MinLoss, lossScale, cap))

	// ww: relative to ‖A*‖_F, or to √(λ_H/λ_W)·√(tr Σ) — the size A* would
	// have if one direction were active — when A* = 0.
	if pred.WW != nil && pred.WWUnique {
		wwScale := new(big.Float).SetPrec(prec).Sqrt(trace)
		if in.LambdaW.Sign() > 0 {
			ratio := new(big.Float).SetPrec(prec).SetRat(new(big.Rat).Quo(in.LambdaH, in.LambdaW))
			wwScale.Mul(wwScale, ratio.Sqrt(ratio))
		}
		r.Agreement.WW = ptr(MatrixDigits(res.WW, pred.WW, wwScale, cap))
	}
	// bias: relative to ‖b*‖, or to √(tr Σ) (the spread of the targets).
	if pred.BiasUnique {
		biasScale := new(big.Float).SetPrec(prec).Sqrt(trace)
		r.Agreement.Bias = ptr(VectorDigits(res.B, pred.B, biasScale, cap))
	}
	// predictions: relative to ‖W*H* + b*1ᵀ‖_F, or to √(M·tr Σ) = ‖Ỹ‖_F.
	if pred.PredictionUnique {
		predScale := new(big.Float).SetPrec(prec).SetInt64(int64(pred.M))
		predScale.Mul(predScale, trace)
		predScale.Sqrt(predScale)
		r.Agreement.Predictions = ptr(MatrixDigits(res.Predictions, pred.Predictions, predScale, cap))
	}

	r.Status = Agree
	worst := math.MaxInt
	for _, q := range []struct {
		name string
		v    *int
	}{{"min_loss", r.Agreement.MinLoss}, {"ww", r.Agreement.WW}, {"bias", r.Agreement.Bias}, {"predictions", r.Agreement.Predictions}} {
		if q.v != nil && *q.v < worst {
			worst, r.Worst = *q.v, q.name
		}
	}
	if !res.Converged && pred.Regime != theory.Unregularized {
		r.Reason = fmt.Sprintf("the solver did not converge (stop: %s); ", res.Stop)
	}
	switch {
	case worst < r.Required:
		r.Status = Disagree
		r.Reason += fmt.Sprintf("%s agrees to %d digits, below the %d required (%d requested less a margin of %d)", r.Worst, worst, r.Required, pred.Digits, Margin)
	default:
		r.Reason += fmt.Sprintf("every compared quantity agrees to at least %d digits (worst: %s, %d)", r.Required, r.Worst, worst)
	}
	return r, nil
}

// checkInputs refuses what Compare cannot compare: an invalid instance, a
// missing side, or a side whose sizes are not the instance's.
func checkInputs(in *instance.Instance, pred *theory.Prediction, res *solver.Result) error {
	if err := in.Validate(); err != nil {
		return fmt.Errorf("invalid instance: %w", err)
	}
	n, m := in.N(), in.M()
	switch {
	case pred == nil:
		return fmt.Errorf("nil prediction")
	case res == nil:
		return fmt.Errorf("nil solver result")
	case pred.N != n || pred.M != m || pred.D != in.D:
		return fmt.Errorf("the prediction is for n=%d, M=%d, d=%d, the instance has n=%d, M=%d, d=%d", pred.N, pred.M, pred.D, n, m, in.D)
	case pred.Digits < 1 || pred.MinLoss == nil || pred.TraceSigma == nil:
		return fmt.Errorf("incomplete prediction (not made by theory.Predict)")
	case pred.Regime != theory.Unattained && res.MinLoss == nil:
		return fmt.Errorf("the solver result has no loss")
	}
	for _, c := range []struct {
		what       string
		compared   bool
		ok         bool
		rows, cols int
	}{
		{"ww", pred.WW != nil && pred.WWUnique, shapeIs(pred.WW, n, n) && shapeIs(res.WW, n, n), n, n},
		{"bias", pred.BiasUnique, len(pred.B) == n && len(res.B) == n && noNil(res.B), n, 1},
		{"predictions", pred.PredictionUnique, shapeIs(pred.Predictions, n, m) && shapeIs(res.Predictions, n, m), n, m},
	} {
		if pred.Regime != theory.Unattained && c.compared && !c.ok {
			return fmt.Errorf("%s: both sides must be %d×%d (missing or of another size)", c.what, c.rows, c.cols)
		}
	}
	return nil
}

func shapeIs(a *bigmat.Dense, rows, cols int) bool {
	if a == nil {
		return false
	}
	r, c := a.Dims()
	return r == rows && c == cols
}

func noNil(v []*big.Float) bool {
	for _, x := range v {
		if x == nil {
			return false
		}
	}
	return true
}

// compareUnattained: THEORY says no minimizer exists. The solver must not
// claim one, and nothing it attains may lie below the infimum.
func (r *Report) compareUnattained(pred *theory.Prediction, res *solver.Result, trace *big.Float) {
	r.Status = Unattained
	if res.Converged {
		r.Status = Disagree
		r.Worst = "min_loss"
		r.Reason = "the theory says the infimum is not attained, but the solver reports a converged minimizer"
		return
	}
	// A value the solver attains may approach the infimum from above only:
	// res.Loss ≥ L_inf − 10^-(digits)·scale.
	scale := new(big.Float).SetPrec(pred.Prec).Quo(trace, big.NewFloat(2))
	tol := new(big.Float).SetPrec(pred.Prec).Mul(scale, pow10(-pred.Digits, pred.Prec))
	low := new(big.Float).SetPrec(pred.Prec).Sub(pred.MinLoss, tol)
	if res.MinLoss != nil && res.MinLoss.Cmp(low) < 0 {
		r.Status = Disagree
		r.Worst = "min_loss"
		r.Reason = fmt.Sprintf("the solver attains L = %s below the theory's infimum %s", bigmat.Text(res.MinLoss, 20), bigmat.Text(pred.MinLoss, 20))
		return
	}
	r.Reason = "both sides agree that no minimizer exists; every loss the solver attains lies above the theory's infimum"
}

// targetEnergy is the size against which quantities that vanish exactly
// are measured: tr Σ, or when Σ = 0 (constant targets, M = 1) the mean
// squared target ‖Y‖²_F/M, or 1 when the targets are all zero.
func targetEnergy(in *instance.Instance, traceSigma *big.Rat) *big.Rat {
	if traceSigma.Sign() > 0 {
		return traceSigma
	}
	e := new(big.Rat)
	var t big.Rat
	for _, row := range in.Targets {
		for _, y := range row {
			e.Add(e, t.Mul(y, y))
		}
	}
	if e.Sign() == 0 {
		return big.NewRat(1, 1)
	}
	return e.Quo(e, big.NewRat(int64(in.M()), 1))
}

func ptr(v int) *int { return &v }

// pow10 returns 10^e correctly rounded to prec bits: exact for e ≥ 0 when
// 10^e fits in prec bits; for e < 0, 10^e is not a binary fraction, and
// this is the nearest prec-bit value (SetRat rounds the exact rational
// once).
func pow10(e int, prec uint) *big.Float {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(e, -e))), nil)
	r := new(big.Rat).SetInt(p)
	if e < 0 {
		r.Inv(r)
	}
	return new(big.Float).SetPrec(prec).SetRat(r)
}

// Digits returns the number of decimal digits on which got agrees with
// want: floor(−log10(|got − want| / max(|want|, scale))), between 0 and cap
// (cap when they are equal).
func Digits(got, want, scale *big.Float, cap int) int {
	prec := max(got.Prec(), want.Prec())
	diff := new(big.Float).SetPrec(prec).Sub(got, want)
	return digitsOf(diff.Abs(diff), new(big.Float).Abs(want), scale, cap)
}

// MatrixDigits is Digits for the Frobenius norm of the difference of two
// matrices, relative to max(‖want‖_F, scale).
func MatrixDigits(got, want *bigmat.Dense, scale *big.Float, cap int) int {
	gr, gc := got.Dims()
	wr, wc := want.Dims()
	if gr != wr || gc != wc {
		return 0
	}
	g := got.Clone().SetPrec(max(got.Prec(), want.Prec()))
	diff := new(bigmat.Dense).Sub(g, want)
	return digitsOf(diff.FrobeniusNorm(), want.FrobeniusNorm(), scale, cap)
}

// VectorDigits is MatrixDigits for vectors.
func VectorDigits(got, want []*big.Float, scale *big.Float, cap int) int {
	if len(got) != len(want) || len(want) == 0 {
		return 0
	}
	prec := want[0].Prec()
	g := bigmat.New(len(got), 1, prec)
	w := bigmat.New(len(want), 1, prec)
	for i := range got {
		g.Set(i, 0, got[i])
		w.Set(i, 0, want[i])
	}
	return MatrixDigits(g, w, scale, cap)
}

func digitsOf(err, size, scale *big.Float, cap int) int {
	if err.Sign() == 0 {
		return cap
	}
	den := size
	if den.Cmp(scale) < 0 {
		den = scale
	}
	if den.Sign() == 0 {
		return 0
	}
	// −log10(rel) with bigfloat.Log at 128 bits: exact enough to floor
	// correctly away from integer boundaries, and free of float64's exponent
	// range (rel can be 10^-2000 at 2000 digits).
	const bits = 128
	rel := new(big.Float).SetPrec(bits).Quo(err, den)
	lnRel := bigfloat.Log(rel)
	ln10 := bigfloat.Log(new(big.Float).SetPrec(bits).SetInt64(10))
	q, _ := new(big.Float).SetPrec(bits).Quo(lnRel, ln10).Float64()
	d := int(math.Floor(-q))
	return min(max(d, 0), cap)
}
