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
	out := solveJSON{
		Name: in.Name, Loss: bigmat.Text(r.MinLoss, dg), GradNorm: bigmat.Text(r.GradNorm, dg),
		Iterations: r.Iterations, Stage1Iterations: r.Stage1Iterations, Seconds: r.Duration.Seconds(),
		Stop: string(r.Stop), Converged: r.Converged, Digits: dg, DigitsReached: r.DigitsReached,
		WW: wwRows(r.WW, r.DigitsReached, dg), Bias: bigmat.Texts(r.B, dg), Predictions: r.Predictions.Rows(dg),
		Trend: []trendJSON{}, Notes: append([]string{}, r.Notes...),
		BiasMode: in.Bias.String(), N: in.N(), D: in.D, Samples: in.M(),
		TrainMSE:        bigmat.Text(verify.TrainMSE(in, r.Predictions, r.Prec), dg),
		GradientHistory: r.History,
	}
	if out.GradientHistory == nil {
		out.GradientHistory = []float64{}
	}
	switch _, trace := gramHead(r, 0, 0); {
	case trace == nil:
		out.Notes = append(out.Notes, "feature_gram omitted: H was not materialized")
	case in.M() > maxJSONGram || r.FeatureGram == nil:
		out.Notes = append(out.Notes, fmt.Sprintf("feature_gram omitted: M = %d > %d (its trace is %s)", in.M(), maxJSONGram, bigmat.Text(trace, dg)))
	default:
		out.FeatureGram = r.FeatureGram.Rows(dg)
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
	if r.Stop == solver.StopUnattained {
		fmt.Fprintf(w, "Stop: %s; converged: NO (L has no minimizer; see the trend)\n", r.Stop)
	} else {
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
	fmt.Fprintln(w)
	label := "Loss L"
	if r.Stop == solver.StopUnattained {
		label = "Loss L at the last point of the trend"
	}
	fmt.Fprintf(w, "%s = %s\n", label, bigmat.Text(r.MinLoss, dg))
	fmt.Fprintf(w, "‖∇L‖ over (W, H, b) = %s\n", bigmat.Text(r.GradNorm, 6))
	fmt.Fprintf(w, "Training MSE = %s\n\n", bigmat.Text(verify.TrainMSE(in, r.Predictions, r.Prec), dg))
	fmt.Fprintf(w, "Gram matrix of the weights, W Wᵀ (%d digits shown; --json for all):\n", matrixDigits)
	writeRows(w, wwRows(r.WW, r.DigitsReached, matrixDigits), matrixDigits)
	fmt.Fprintf(w, "\nBias b = %s\n\n", strings.Join(bigmat.Texts(r.B, matrixDigits), ", "))
	cols := min(humanColumns, in.M())
	fmt.Fprintf(w, "Predictions W H + b 1ᵀ (n×M = %d×%d; first %d columns):\n", in.N(), in.M(), cols)
	writeMatrix(w, r.Predictions.Slice(0, in.N(), 0, cols), matrixDigits)
	rows := min(3, in.M())
	if head, trace := gramHead(r, rows, cols); trace != nil {
		fmt.Fprintf(w, "\nFeature Gram HᵀH: %d×%d, trace %s; first %d rows, %d columns:\n",
			in.M(), in.M(), bigmat.Text(trace, matrixDigits), rows, cols)
		writeMatrix(w, head, matrixDigits)
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

// wwRows formats the solver's W Wᵀ entry by entry with the digits its
// accuracy justifies: the solver certifies W Wᵀ to about reached digits
// relative to ‖W Wᵀ‖_F, so an entry e carries reached + ⌊log10(|e|/‖W Wᵀ‖_F)⌋
// digits of its own, at most digits; an entry with none prints "" (not a
// rounded 0 and not noise: QA h1_n2_e2 printed 4e-348 for a true 2.3e-1000).
// Exact zeros print "0".
func wwRows(ww *bigmat.Dense, reached, digits int) [][]string {
	r, c := ww.Dims()
	norm := ww.FrobeniusNorm()
	rows := make([][]string, r)
	for i := range rows {
		rows[i] = make([]string, c)
		for j := range rows[i] {
			rows[i][j] = entryText(ww.At(i, j), norm, reached, digits)
		}
	}
	return rows
}

// entryText is one entry of wwRows.
func entryText(e, norm *big.Float, reached, digits int) string {
	if e.Sign() == 0 {
		return "0"
	}
	var ratio big.Float
	ratio.Quo(new(big.Float).Abs(e), norm)
	// ratio = m·2^e, m ∈ [1/2, 1): log10 ratio ≥ (e − 1)·log10 2, so this is
	// ⌊log10 ratio⌋ or one less (never more; e·3/10 truncated toward zero
	// was above it for negative e, QA session 2).
	k := reached + int(math.Floor(float64(ratio.MantExp(nil)-1)*math.Log10(2)))
	if k < 1 {
		return ""
	}
	return bigmat.Text(e, min(k, digits))
}
