package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/verify"
)

// solveJSON is the document of 'ufm solve --json'. The first block of
// fields is the contract; the rest are extras.
type solveJSON struct {
	Name             string      `json:"name"`
	Loss             string      `json:"loss"`
	GradNorm         string      `json:"grad_norm"`
	Iterations       int         `json:"iterations"`
	Stage1Iterations int         `json:"stage1_iterations"`
	Seconds          float64     `json:"seconds"`
	Stop             string      `json:"stop"`
	Converged        bool        `json:"converged"`
	Digits           int         `json:"digits"`
	DigitsReached    int         `json:"digits_reached"`
	WW               [][]string  `json:"ww"`
	Bias             []string    `json:"bias"`
	Predictions      [][]string  `json:"predictions"`
	FeatureGram      [][]string  `json:"feature_gram"`
	Trend            []trendJSON `json:"trend"`
	Notes            []string    `json:"notes"`
	// Extras.
	BiasMode        string    `json:"bias_mode"`
	N               int       `json:"n"`
	D               int       `json:"d"`
	Samples         int       `json:"samples"`
	TrainMSE        string    `json:"train_mse"`
	GradientHistory []float64 `json:"log10_gradient_history"`
}

type trendJSON struct {
	LambdaH   string `json:"lambda_h"`
	LambdaW   string `json:"lambda_w"`
	Loss      string `json:"loss"`
	WNorm     string `json:"w_norm"`
	HNorm     string `json:"h_norm"`
	Converged bool   `json:"converged"`
}

// maxJSONGram is the largest M for which --json prints the M×M feature Gram.
const maxJSONGram = 200

func newSolveJSON(in *instance.Instance, r *solver.Result) solveJSON {
	dg := r.Digits
	sh := shownDigits(r)
	mse, mseDigits := trainMSE(in, r)
	out := solveJSON{
		Name: in.Name, Loss: scalarText(r.MinLoss, lossDigits(in, r)), GradNorm: bigmat.Text(r.GradNorm, dg),
		Iterations: r.Iterations, Stage1Iterations: r.Stage1Iterations, Seconds: r.Duration.Seconds(),
		Stop: string(r.Stop), Converged: r.Converged, Digits: dg, DigitsReached: r.DigitsReached,
		WW: resultWWRows(r, min(r.DigitsReached, sh), dg), Bias: vectorTexts(r.B, sh), Predictions: scaledMatrixRows(r.Predictions, r.PredictionsScale, entryReach(r), dg),
		Trend: []trendJSON{}, Notes: append([]string{}, r.Notes...),
		BiasMode: in.Bias.String(), N: in.N(), D: in.D, Samples: in.M(),
		TrainMSE:        scalarText(mse, mseDigits),
		GradientHistory: r.History,
	}
	if note := shownNote(r, sh); note != "" {
		out.Notes = append(out.Notes, note)
	}
	if out.GradientHistory == nil {
		out.GradientHistory = []float64{}
	}
	switch _, trace := gramHead(r, 0, 0); {
	case trace == nil:
		out.Notes = append(out.Notes, "feature_gram omitted: H was not materialized")
	case in.M() > maxJSONGram || r.FeatureGram == nil:
		out.Notes = append(out.Notes, fmt.Sprintf("feature_gram omitted: M = %d > %d (its trace is %s)", in.M(), maxJSONGram, gramTraceText(r, trace, dg, "not distinguished from 0")))
	default:
		out.FeatureGram = scaledMatrixRows(r.FeatureGram, r.FeatureGramScale, entryReach(r), dg)
	}
	for _, p := range r.Trend {
		out.Trend = append(out.Trend, trendJSON{
			LambdaH: bigmat.Text(p.LambdaH, dg), LambdaW: bigmat.Text(p.LambdaW, dg),
			Loss: bigmat.Text(p.Loss, dg), WNorm: bigmat.Text(p.WNorm, dg), HNorm: bigmat.Text(p.HNorm, dg),
			Converged: p.Converged,
		})
	}
	return out
}

func runSolve(args []string, stdout, stderr io.Writer) int {
	const synopsis = "ufm solve FILE [--digits N] [--starts K] [--seed S] [--max-iterations I] [--time-limit T] [--json]"
	fs := flag.NewFlagSet("solve", flag.ContinueOnError)
	digits := fs.Int("digits", 0, "significant decimal digits (default: the instance's, else 50)")
	starts := fs.Int("starts", solver.DefaultStarts, "random starts of the float64 stage")
	seed := fs.Int64("seed", solver.DefaultSeed, "seed of the random starts (nonzero)")
	maxIter := fs.Int("max-iterations", 0, "budget of big-float Newton iterations (default 250 + 3·digits)")
	timeLimit := fs.Duration("time-limit", solver.DefaultTimeLimit, "wall-clock budget")
	asJSON := fs.Bool("json", false, "print one JSON document")
	pos, code, done := parseCommandLine(fs, args, stdout, stderr, synopsis)
	if done {
		return code
	}
	if err := checkDigits(fs, *digits); err != nil {
		return fail(stderr, "solve: %v", err)
	}
	switch {
	case *starts < 1 || *starts > maxStarts:
		return fail(stderr, "solve: --starts must be between 1 and %d, got %d", maxStarts, *starts)
	case *seed == 0:
		return fail(stderr, "solve: --seed must be nonzero")
	case *maxIter < 0 || *maxIter > 1000000:
		return fail(stderr, "solve: --max-iterations must be between 1 and 1000000 (0: default), got %d", *maxIter)
	case flagSet(fs, "max-iterations") && *maxIter == 0:
		return fail(stderr, "solve: --max-iterations must be between 1 and 1000000, got 0")
	case *timeLimit <= 0:
		return fail(stderr, "solve: --time-limit must be positive, got %v", *timeLimit)
	}
	in, err := loadInstanceArg("solve", pos, false)
	if err != nil {
		return fail(stderr, "%v", err)
	}
	if err := checkSolverSize(in); err != nil {
		return fail(stderr, "solve: %s: %v", in.Name, err)
	}
	var r *solver.Result
	serr := &lockedWriter{w: stderr} // the solver's progress and the command's share stderr
	ctx, stop := interruptContext(serr, "stopping the solver (no result)")
	defer stop()
	switch waitBounded(ctx, *timeLimit, serr, "solve", func() {
		r, err = solver.Solve(in, solver.Settings{
			Digits: *digits, Starts: *starts, Seed: *seed, MaxIterations: *maxIter, TimeLimit: *timeLimit,
			Progress: serr,
		})
	}) {
	case interrupted:
		return emitUnfinished(stdout, stderr, *asJSON, "solve", in.Name, "interrupted before the solver returned: no result", true)
	case overtime:
		emitUnfinished(stdout, stderr, *asJSON, "solve", in.Name, fmt.Sprintf("stopped at --time-limit %s: the solver had not returned (no result)", *timeLimit), false)
		return exitFailure
	}
	if errors.Is(err, solver.ErrTooLarge) {
		return fail(stderr, "solve: %s: %v", in.Name, err)
	}
	if err != nil {
		fmt.Fprintln(stderr, termSafe(fmt.Sprintf("ufm: solve: %s: internal error: %v", in.Name, err)))
		if *asJSON {
			// The JSON says why there is no result (stop "internal-error").
			writeJSON(stdout, stderr, solveFailureJSON(in, *digits, err))
		}
		return exitFailure
	}
	status := exitOK
	if !r.Converged {
		status = exitFailure
	}
	if *asJSON {
		if writeJSON(stdout, stderr, newSolveJSON(in, r)) != exitOK {
			return exitFailure
		}
		return status
	}
	writeSolveReport(stdout, in, r)
	return status
}

// lockedWriter serializes writes to w: the solver's progress lines and the
// command's own (progress ticker, interrupt notice) come from different
// goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// solveFailureJSON is the document of 'ufm solve --json' when the solver
// failed internally: stop "internal-error", converged false, the error in
// notes, and no numbers.
func solveFailureJSON(in *instance.Instance, digits int, err error) solveJSON {
	if digits <= 0 {
		digits = in.Digits
	}
	return solveJSON{
		Name: in.Name, Stop: "internal-error", Converged: false, Digits: digits,
		Trend: []trendJSON{}, Notes: []string{"internal error: " + err.Error()},
		BiasMode: in.Bias.String(), N: in.N(), D: in.D, Samples: in.M(),
		GradientHistory: []float64{},
	}
}

// humanColumns is how many columns of the n×M predictions and of the
// feature Gram the human report shows.
const humanColumns = 6

func writeSolveReport(w io.Writer, in *instance.Instance, r *solver.Result) {
	dg := r.Digits
	fmt.Fprintf(w, "ufm solve: %s  (n = %d targets, d = %d features, M = %d samples, bias %s, %d digits)\n\n",
		termSafe(in.Name), in.N(), in.D, in.M(), in.Bias, dg)
	state := "yes"
	if !r.Converged {
		state = "NO"
	}
	switch {
	case r.Stop == solver.StopUnattained:
		fmt.Fprintf(w, "Stop: %s; converged: NO (L has no minimizer; see the trend)\n", r.Stop)
	case r.Converged && r.WWScale != nil && r.WWScale.Sign() == 0:
		fmt.Fprintf(w, "Stop: %s; converged: %s; W Wᵀ = 0 exactly (W = 0 is a minimizer, decided exactly; see the notes)\n", r.Stop, state)
	case r.Stop == solver.StopNotAPoint:
		// W Wᵀ is not determined by L here: its digits are those of the
		// one minimizer returned, not of "the" W Wᵀ.
		fmt.Fprintf(w, "Stop: %s; converged: %s; W Wᵀ below is one minimizer's (they form a set), to about %d digits\n", r.Stop, state, r.DigitsReached)
	default:
		fmt.Fprintf(w, "Stop: %s; converged: %s; about %d correct digits of W Wᵀ\n", r.Stop, state, r.DigitsReached)
	}
	fmt.Fprintf(w, "Iterations: %d big-float Newton (after %d float64 BFGS), %s\n",
		r.Iterations, r.Stage1Iterations, r.Duration.Round(time.Millisecond))
	if len(r.History) > 0 {
		hs := make([]string, len(r.History))
		for i, h := range r.History {
			hs[i] = fmt.Sprintf("%.0f", h)
		}
		fmt.Fprintf(w, "log10 ‖gradient‖ (scaled) per Newton step: %s\n", strings.Join(hs, ", "))
	}
	if g := gradientRelative(r); g != "" {
		fmt.Fprintf(w, "‖∇L‖ over (W, H, b)%s\n", g)
	}
	fmt.Fprintln(w)
	label := "Loss L"
	if r.Stop == solver.StopUnattained {
		label = "Loss L at the last point of the trend"
	}
	sh := shownDigits(r)
	fmt.Fprintf(w, "%s = %s\n", label, residualScalar(r.MinLoss, lossDigits(in, r), sh))
	fmt.Fprintf(w, "‖∇L‖ over (W, H, b) = %s\n", bigmat.Text(r.GradNorm, 6))
	mse, mseDigits := trainMSE(in, r)
	fmt.Fprintf(w, "Training MSE = %s\n\n", residualScalar(mse, mseDigits, sh))
	md := min(matrixDigits, sh)
	fmt.Fprintf(w, "Gram matrix of the weights, W Wᵀ (%d digits shown; --json for all):\n", md)
	writeShownRows(w, resultWWRows(r, min(r.DigitsReached, sh), md), md, sh)
	fmt.Fprintf(w, "\nBias b = %s\n\n", strings.Join(vectorTexts(r.B, md), ", "))
	cols := min(humanColumns, in.M())
	fmt.Fprintf(w, "Predictions W H + b 1ᵀ (n×M = %d×%d; first %d columns):\n", in.N(), in.M(), cols)
	writeShownRows(w, scaledMatrixRows(r.Predictions.Slice(0, in.N(), 0, cols), r.PredictionsScale, entryReach(r), md), md, sh)
	rows := min(3, in.M())
	if head, trace := gramHead(r, rows, cols); trace != nil {
		fmt.Fprintf(w, "\nFeature Gram HᵀH: %d×%d, trace %s; first %d rows, %d columns:\n",
			in.M(), in.M(), gramTraceText(r, trace, md, "(no digit justified: below the accuracy of the feature Gram)"), rows, cols)
		writeShownRows(w, scaledMatrixRows(head, r.FeatureGramScale, entryReach(r), md), md, sh)
	}
	if note := shownNote(r, sh); note != "" {
		r.Notes = append(r.Notes, note)
	}
	if len(r.Trend) > 0 {
		fmt.Fprintln(w, "\nTrend (minimizers of the problem with the λ's shown; loss with the instance's λ's):")
		fmt.Fprintf(w, "  %-14s %-14s %-22s %-14s %-14s\n", "λ_H", "λ_W", "loss", "‖W‖_F", "‖H‖_F")
		for _, p := range r.Trend {
			fmt.Fprintf(w, "  %-14s %-14s %-22s %-14s %-14s\n", bigmat.Text(p.LambdaH, 6), bigmat.Text(p.LambdaW, 6),
				bigmat.Text(p.Loss, 16), bigmat.Text(p.WNorm, 6), bigmat.Text(p.HNorm, 6))
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
}

// gradientRelative is the rest of a report line after "‖∇L‖" that says
// what the certificate bounds: the largest gradient block relative to the
// terms that cancel in it (Result.GradRelative). ‖∇L‖ itself is absolute
// and scales with the λ's (1e+101 at a converged point with
// λ_H = λ_W = 1e250, issue 8), so alone it looks alarming. "" when the
// solver made no relative certificate.
func gradientRelative(r *solver.Result) string {
	if r == nil || r.GradRelative == nil {
		return ""
	}
	return fmt.Sprintf(" relative to the terms that cancel in it: %s (the certificate needs it below 1e-%d)", bigmat.Text(r.GradRelative, 2), r.Digits)
}

// gramTraceText is the feature Gram's trace with the digits its accuracy
// justifies against FeatureGramScale (as each entry: QA session 21, a
// trace of 5.1e-366 printed with 12 digits where every mode is off and
// H = 0 to the solver's accuracy), or none when it lies below that
// accuracy.
func gramTraceText(r *solver.Result, trace *big.Float, shown int, none string) string {
	k := shownDigits(r)
	if r.FeatureGramScale != nil && r.FeatureGramScale.Sign() > 0 && trace.Sign() != 0 {
		k = min(k, shown, digitsBelow(trace, r.FeatureGramScale, entryReach(r)))
	}
	if k < 1 && trace.Sign() != 0 && shownDigits(r) > 0 {
		return none
	}
	return humanScalar(trace, min(k, shown))
}

// gramHead returns the leading rows×cols block of the feature Gram HᵀH and
// its trace, from r.FeatureGram or, when the solver did not form the M×M
// matrix, from H itself (nil, nil if neither is available).
func gramHead(r *solver.Result, rows, cols int) (*bigmat.Dense, *big.Float) {
	if r.FeatureGram != nil {
		return r.FeatureGram.Slice(0, rows, 0, cols), r.FeatureGram.Trace()
	}
	if r.H == nil {
		return nil, nil
	}
	d, _ := r.H.Dims()
	head := bigmat.New(rows, cols, r.Prec)
	var t big.Float
	t.SetPrec(r.Prec)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			e := head.At(i, j)
			for k := 0; k < d; k++ {
				t.Mul(r.H.At(k, i), r.H.At(k, j))
				e.Add(e, &t)
			}
		}
	}
	trace := r.H.FrobeniusNorm()
	return head, trace.Mul(trace, trace)
}

// resultWWRows is wwRows for the solver's W Wᵀ, with the digits measured
// against the scale the solver certified DigitsReached against
// (Result.WWScale: ‖W Wᵀ‖_F for a relative certificate, larger for an
// absolute one, 0 for an exact W Wᵀ), so that an absolute certificate is
// never printed as relative digits (issue 8: 9.3e-297 with 29 digits for a
// true 0 at λ_H = λ_W = 1e250). Without a scale it falls back to ‖W Wᵀ‖_F.
func resultWWRows(r *solver.Result, reached, digits int) [][]string {
	if r.WWScale == nil {
		return wwRows(r.WW, reached, digits)
	}
	return scaledRows(r.WW, r.WWScale, reached, digits)
}

// wwRows formats the solver's W Wᵀ entry by entry with the digits its
// accuracy justifies: the solver certifies W Wᵀ to about reached digits
// relative to ‖W Wᵀ‖_F, so an entry e carries reached + ⌊log10(|e|/‖W Wᵀ‖_F)⌋
// digits of its own, at most digits; an entry with none prints "" (not a
// rounded 0 and not noise: QA h1_n2_e2 printed 4e-348 for a true 2.3e-1000).
// Exact zeros print "0".
func wwRows(ww *bigmat.Dense, reached, digits int) [][]string {
	return scaledRows(ww, ww.FrobeniusNorm(), reached, digits)
}

// scaledRows is wwRows with the accuracy stated relative to scale (an
// upper bound of the error is 10^-reached·scale) instead of ‖ww‖_F.
func scaledRows(ww *bigmat.Dense, norm *big.Float, reached, digits int) [][]string {
	r, c := ww.Dims()
	rows := make([][]string, r)
	for i := range rows {
		rows[i] = make([]string, c)
		for j := range rows[i] {
			rows[i][j] = entryText(ww.At(i, j), norm, reached, digits)
		}
	}
	return rows
}

// entryText is one entry of wwRows: "0" for an exact zero, "" (no digit)
// for a nonzero entry of a matrix known exactly to be zero (norm 0).
func entryText(e, norm *big.Float, reached, digits int) string {
	if e.Sign() == 0 {
		return "0"
	}
	if norm.Sign() == 0 {
		return ""
	}
	k := digitsBelow(e, norm, reached)
	if k < 1 {
		return ""
	}
	return bigmat.Text(e, min(k, digits))
}

// digitsBelow is reached + ⌊log10(|e|/norm)⌋ (or one less): the digits of
// its own that e carries when an error of 10^-reached·norm is allowed.
// norm must be positive.
func digitsBelow(e, norm *big.Float, reached int) int {
	var ratio big.Float
	ratio.Quo(new(big.Float).Abs(e), norm)
	// ratio = m·2^e, m ∈ [1/2, 1): log10 ratio ≥ (e − 1)·log10 2, so this is
	// ⌊log10 ratio⌋ or one less (never more; e·3/10 truncated toward zero
	// was above it for negative e, QA session 2).
	return reached + int(math.Floor(float64(ratio.MantExp(nil)-1)*math.Log10(2)))
}

// residualDigits is how many significant digits a sum of squared
// residuals R = P − Y (the training MSE, mse = ‖R‖²_F/M) may carry: the
// predictions P are known to about 10^-entryReach·PredictionsScale, so R
// and ‖R‖² to about entryReach + ⌊log10(‖R‖_F/PredictionsScale)⌋ digits
// of their own, at most shown. A residual at the rounding level (a true 0)
// has none (QA session 20: train_mse 3.7e-199 with 50 digits for a true 0
// where Σ = 0, and the loss 8.2e-132 for a true 0 with λ_H = λ_W = 0).
func residualDigits(r *solver.Result, mse *big.Float, m, shown int) int {
	scale := r.PredictionsScale
	if r.ResidualScale != nil {
		scale = r.ResidualScale
	}
	if mse == nil || mse.Sign() == 0 || scale == nil || scale.Sign() == 0 {
		return shown
	}
	norm := new(big.Float).SetPrec(mse.Prec()).Mul(mse, new(big.Float).SetInt64(int64(m)))
	norm.Sqrt(norm)
	return max(0, min(shown, digitsBelow(norm, scale, entryReach(r))))
}

// trainMSE is the solver's training MSE and the digits it may carry.
func trainMSE(in *instance.Instance, r *solver.Result) (*big.Float, int) {
	mse := verify.SolverTrainMSE(in, r, r.Prec)
	return mse, residualDigits(r, mse, in.M(), shownDigits(r))
}

// lossDigits is how many digits the solver's loss may carry: shownDigits,
// and where L is the residual term alone (λ_H = λ_W = 0, bias not
// regularized, not deep) the residual rule of residualDigits too.
func lossDigits(in *instance.Instance, r *solver.Result) int {
	sh := shownDigits(r)
	if in.IsDeep() || in.LambdaH.Sign() != 0 || in.LambdaW.Sign() != 0 || in.Bias == instance.BiasRegularized || r.Predictions == nil {
		return sh
	}
	_, k := trainMSE(in, r)
	return min(sh, k)
}

// shownDigits is how many significant digits a solve result's numbers
// (loss, training MSE, W Wᵀ, bias, predictions, feature Gram) may carry:
// all requested ones when it converged (the certificate), and otherwise
// only what the last Newton step's change estimate of W Wᵀ justifies
// (DigitsReached less certMargin), none at all after a stop that refutes the point (a
// saddle, or a certificate that failed). The unattained trend keeps its
// own convention (the loss along the path, docs/formats.md).
func shownDigits(r *solver.Result) int {
	switch {
	case r.Converged || r.Stop == solver.StopUnattained:
		return r.Digits
	case r.Stop == solver.StopSaddle || r.Stop == solver.StopUncertified:
		return 0
	}
	return max(0, min(r.Digits, r.DigitsReached-certMargin))
}

// certMargin is the margin between the change estimate and the digits a
// result may claim: a converged stop needs the change below
// 10^-(digits+2) (solver.StopConverged), and a result that is not
// converged keeps the same two digits back (QA h2_n2_t1_l3 at one
// estimated digit printed train_mse 1e-320 for 2e-320).
const certMargin = 2

// shownNote says, for a result printed with fewer digits than requested,
// why ("" when all are shown).
func shownNote(r *solver.Result, shown int) string {
	switch {
	case shown >= r.Digits:
		return ""
	case shown == 0:
		return fmt.Sprintf("not converged (stop %s): no digit of the loss, W Wᵀ, bias, predictions or feature Gram is justified, so they are left empty", r.Stop)
	}
	return fmt.Sprintf("not converged (stop %s): the loss, W Wᵀ, bias, predictions and feature Gram carry only the %d digits that the last Newton step's change estimate justifies (entries small next to their matrix fewer)", r.Stop, shown)
}

// scalarText is x with shown significant digits, "" when shown is 0
// (exact zeros print "0").
func scalarText(x *big.Float, shown int) string {
	if x == nil {
		return ""
	}
	if x.Sign() == 0 {
		return "0"
	}
	if shown < 1 {
		return ""
	}
	return bigmat.Text(x, shown)
}

// humanScalar is scalarText for the text report, which says so when no
// digit is justified.
func humanScalar(x *big.Float, shown int) string {
	if s := scalarText(x, shown); s != "" {
		return s
	}
	return "(no digit justified: not converged)"
}

// residualScalar is humanScalar for a quantity under residualDigits: k
// digits of a result that may show sh; with none left where sh > 0, the
// value is below the accuracy of the predictions it is computed from.
func residualScalar(x *big.Float, k, sh int) string {
	if k < 1 && sh > 0 && x != nil && x.Sign() != 0 {
		return "(no digit justified: below the accuracy of the predictions, not distinguished from 0)"
	}
	return humanScalar(x, k)
}

// vectorTexts is scalarText entry by entry, relative to the vector's own
// norm as wwRows does for matrices.
func vectorTexts(v []*big.Float, shown int) []string {
	norm := new(big.Float)
	for _, x := range v {
		t := new(big.Float).Mul(x, x)
		norm.Add(norm, t)
	}
	norm.Sqrt(norm)
	out := make([]string, len(v))
	for i, x := range v {
		if norm.Sign() == 0 {
			out[i] = scalarText(x, shown)
			continue
		}
		out[i] = entryText(x, norm, shown, shown)
	}
	return out
}

// scaledMatrixRows is scaledRows for a matrix of the solver's result
// against its scale from the Result (PredictionsScale, FeatureGramScale;
// the matrix's own norm when nil), so that an entry whose true value is
// far below the matrix's accuracy prints "" rather than rounding noise with
// every digit (QA: predictions 1.8e-64 with 60 digits for a true 0 in
// examples/boundary-exact-2x4.json, a converged solve).
func scaledMatrixRows(m *bigmat.Dense, scale *big.Float, reached, digits int) [][]string {
	if m == nil {
		return nil
	}
	if scale == nil {
		scale = m.FrobeniusNorm()
	}
	return scaledRows(m, scale, reached, digits)
}

// entryReach is the digits the largest entries of the predictions and the
// feature Gram may carry: DigitsReached, capped by shownDigits; shownDigits
// alone for an unattained trend, whose DigitsReached is 0 by definition.
func entryReach(r *solver.Result) int {
	if r.Stop == solver.StopUnattained {
		return shownDigits(r)
	}
	return min(r.DigitsReached, shownDigits(r))
}

// writeShownRows is writeRows, or one line saying that no digit is
// justified (shown = 0: a result that did not converge). An entry with no
// digit of its own ("" in the JSON: below its matrix's accuracy) prints as
// noDigitMark, and a line after the rows says what the mark means.
func writeShownRows(w io.Writer, rows [][]string, digits, shown int) {
	if shown < 1 {
		fmt.Fprintln(w, "  (no digit justified: not converged)")
		return
	}
	marked := false
	for _, row := range rows {
		for j := range row {
			if row[j] == "" {
				row[j], marked = noDigitMark, true
			}
		}
	}
	writeRows(w, rows, digits)
	if marked {
		fmt.Fprintf(w, "  (%s: no digit justified, the entry is below the accuracy of the whole matrix)\n", noDigitMark)
	}
}

// noDigitMark stands in the text report of solve for a matrix entry
// without a justified digit.
const noDigitMark = "·"
