package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/theory"
	"github.com/nrc-ufm/ufm/verify"
)

// defaultVerifyTimeLimit is the solver's default budget in ufm verify:
// generous, because running out is an undecided "unfinished", never a
// verdict.
const defaultVerifyTimeLimit = 10 * time.Minute

type solverJSON struct {
	Loss       string   `json:"loss"`
	GradNorm   string   `json:"grad_norm"`
	Iterations int      `json:"iterations"`
	Seconds    float64  `json:"seconds"`
	Stop       string   `json:"stop"`
	Converged  bool     `json:"converged"`
	OutOfTime  bool     `json:"out_of_time"`
	Stage1     int      `json:"stage1_iterations"`
	Notes      []string `json:"notes"`
}

type agreementJSON struct {
	MinLoss     *int `json:"min_loss"`
	WW          *int `json:"ww"`
	Bias        *int `json:"bias"`
	Predictions *int `json:"predictions"`
	TrainMSE    *int `json:"train_mse"`
	Shrinkage   *int `json:"shrinkage"`
}

type verifyJSON struct {
	predictJSON
	Solver    solverJSON      `json:"solver"`
	Agreement agreementJSON   `json:"agreement"`
	Status    string          `json:"status"`
	Required  int             `json:"required_digits"`
	Margin    int             `json:"margin"`
	Worst     string          `json:"worst"`
	Reason    string          `json:"reason"`
	Deep      *deepVerifyJSON `json:"deep,omitempty"`
}

// deepVerifyJSON is the deep part of verify --json (docs/theory.md §6).
type deepVerifyJSON struct {
	SolverModes   int    `json:"solver_modes_on"`
	GlobalModes   []int  `json:"global_modes_on"`
	ComparedModes int    `json:"compared_modes_on"`
	ProductGrams  []*int `json:"product_grams"`
	Basin         string `json:"basin"`
}

func newDeepVerifyJSON(d *verify.DeepAgreement) *deepVerifyJSON {
	if d == nil {
		return nil
	}
	return &deepVerifyJSON{d.SolverModes, d.GlobalModes, d.ComparedModes, d.ProductGrams, d.Basin}
}

func runVerify(args []string, stdout, stderr io.Writer) int {
	const synopsis = "ufm verify [FILE] [--digits N] [--starts K] [--seed S] [--max-iterations I] [--time-limit T] [--certify] [--json]"
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	digits := fs.Int("digits", 0, "significant decimal digits (default: the instance's, else 50)")
	starts := fs.Int("starts", 8, "random starts of the solver's float64 stage")
	seed := fs.Int64("seed", 1, "seed of the solver's random starts (nonzero)")
	maxIter := fs.Int("max-iterations", 0, "budget of the solver's big-float Newton iterations (default 250 + 3·digits)")
	timeLimit := fs.Duration("time-limit", defaultVerifyTimeLimit, "wall-clock budget of the solver (running out is status \"unfinished\", exit 1)")
	asJSON := fs.Bool("json", false, "print one JSON document")
	withCert := fs.Bool("certify", false, "also prove exact rational bounds on L* (as ufm certify does) and say whether the closed form is proved")
	pos, code, done := parseCommandLine(fs, args, stdout, stderr, synopsis)
	if done {
		return code
	}
	if err := checkDigits(fs, *digits); err != nil {
		return fail(stderr, "verify: %v", err)
	}
	switch {
	case *starts < 1 || *starts > maxStarts:
		return fail(stderr, "verify: --starts must be between 1 and %d, got %d", maxStarts, *starts)
	case *seed == 0:
		return fail(stderr, "verify: --seed must be nonzero")
	case *maxIter < 0 || *maxIter > 1000000:
		return fail(stderr, "verify: --max-iterations must be between 1 and 1000000 (0: default), got %d", *maxIter)
	case flagSet(fs, "max-iterations") && *maxIter == 0:
		return fail(stderr, "verify: --max-iterations must be between 1 and 1000000, got 0")
	case *timeLimit <= 0:
		return fail(stderr, "verify: --time-limit must be positive, got %v", *timeLimit)
	}
	in, err := loadInstanceArg("verify", pos, true)
	if err != nil {
		return fail(stderr, "%v", err)
	}
	if err := checkSolverSize(in); err != nil {
		return fail(stderr, "verify: %s: %v", in.Name, err)
	}
	var rep *verify.Report
	serr := &lockedWriter{w: stderr} // the solver's progress and the command's share stderr
	ctx, stop := interruptContext(serr, "stopping (no result)")
	defer stop()
	switch waitBounded(ctx, *timeLimit, serr, "verify", func() {
		rep, err = verify.Run(in, *digits, solver.Settings{Starts: *starts, Seed: *seed, MaxIterations: *maxIter, TimeLimit: *timeLimit, Progress: serr})
	}) {
	case interrupted:
		return emitUnfinished(stdout, stderr, *asJSON, "verify", in.Name, "interrupted before the comparison finished: no result", true)
	case overtime:
		emitUnfinished(stdout, stderr, *asJSON, "verify", in.Name, fmt.Sprintf("stopped at --time-limit %s: no result", *timeLimit), false)
		return exitFailure
	}
	if errors.Is(err, theory.ErrNoClosedForm) || errors.Is(err, solver.ErrTooLarge) {
		return fail(stderr, "verify: %s: %v", in.Name, err)
	}
	if err != nil {
		fmt.Fprintln(stderr, termSafe(fmt.Sprintf("ufm: verify: %s: %v", in.Name, err)))
		return exitFailure
	}
	code = exitOK
	if rep.Status == verify.Disagree || rep.Status == verify.Unfinished || rep.Status == verify.Unresolved {
		code = exitFailure
	}
	if *withCert {
		return verifyCertified(in, rep, solver.Settings{Starts: *starts, Seed: *seed, TimeLimit: *timeLimit}, *asJSON, code, stdout, stderr)
	}
	if *asJSON {
		if c := writeJSON(stdout, stderr, newVerifyJSON(in, rep)); c != exitOK {
			return c
		}
		return code
	}
	writeVerifyReport(stdout, in, rep)
	return code
}

func newVerifyJSON(in *instance.Instance, rep *verify.Report) verifyJSON {
	res := rep.Solver
	dg := rep.Prediction.Digits
	notes := res.Notes
	if notes == nil {
		notes = []string{}
	}
	return verifyJSON{
		predictJSON: newPredictJSON(rep.Prediction),
		Solver: solverJSON{
			Loss: scalarText(res.MinLoss, min(dg, lossDigits(in, res))), GradNorm: textOrEmpty(res.GradNorm, 6),
			Iterations: res.Iterations, Seconds: res.Duration.Seconds(), Stop: string(res.Stop),
			Converged: res.Converged, OutOfTime: res.OutOfTime, Stage1: res.Stage1Iterations, Notes: notes,
		},
		Agreement: agreementJSON{rep.Agreement.MinLoss, rep.Agreement.WW, rep.Agreement.Bias, rep.Agreement.Predictions, rep.Agreement.TrainMSE, rep.Agreement.Shrinkage},
		Status:    string(rep.Status), Required: rep.Required, Margin: verify.Margin,
		Worst: rep.Worst, Reason: rep.Reason, Deep: newDeepVerifyJSON(rep.Deep),
	}
}

func writeVerifyReport(w io.Writer, in *instance.Instance, rep *verify.Report) {
	p, res := rep.Prediction, rep.Solver
	dg := p.Digits
	fmt.Fprintf(w, "ufm verify: %s  (n = %d, d = %d, M = %d, bias %s, %d digits)\n\n", termSafe(p.Name), p.N, p.D, p.M, p.Bias, dg)
	if p.Deep != nil {
		fmt.Fprintf(w, "Theory (deep closed form, docs/theory.md §6; K − 1 = %d weight layers, data term %s): regime %s, %d modes on\n", p.Deep.K-1, p.Deep.DataTerm, p.Regime, p.Rank)
	} else {
		fmt.Fprintf(w, "Theory (closed form, docs/theory.md §3): regime %s, rank %d\n", p.Regime, p.Rank)
	}
	fmt.Fprintf(w, "  L*     = %s\n", orUnresolved(theory.ScalarText(p.MinLoss, p.Justified.MinLoss)))
	fmt.Fprintf(w, "Solver (independent minimization of L, no closed form):\n")
	fmt.Fprintf(w, "  L      = %s\n", residualScalar(res.MinLoss, min(dg, lossDigits(in, res)), shownDigits(res))) // a solver that did not converge: only its justified digits (solve.go)
	fmt.Fprintf(w, "  ‖∇L‖   = %s over (W, H, b) at the returned point\n", textOrEmpty(res.GradNorm, 6))
	fmt.Fprintf(w, "  stop: %s after %d big-float steps (+%d float64 steps) in %.3f s\n", res.Stop, res.Iterations, res.Stage1Iterations, res.Duration.Seconds())
	if g := gradientRelative(res); g != "" {
		fmt.Fprintf(w, "  ‖∇L‖%s\n", g)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	fmt.Fprintf(w, "\nDecimal digits agreed (need ≥ %d = %d requested − margin %d):\n", rep.Required, dg, verify.Margin)
	for _, q := range rep.Agreement.Quantities() {
		v := "not compared (not determined by the instance)"
		if q.Value != nil {
			v = fmt.Sprint(*q.Value)
		} else if rep.Status == verify.Unattained {
			v = "not compared (no minimizer exists)"
		} else if slices.Contains(p.Unresolved, q.Name) {
			v = "not compared (the theory could not resolve it at its precision cap)"
		} else if q.Name == "shrinkage" && slices.Contains(p.Unresolved, "predictions") {
			v = "not compared (measured through the predictions, which the theory could not resolve)"
		}
		fmt.Fprintf(w, "  %-12s %s\n", q.Name, v)
	}
	if d := rep.Deep; d != nil {
		for l, v := range d.ProductGrams {
			fmt.Fprintf(w, "  %-12s %s   ((W_K−1⋯W_%d)(W_K−1⋯W_%d)ᵀ)\n", fmt.Sprintf("gram_%d", l+1), intOrDash(v), l+1, l+1)
		}
		fmt.Fprintf(w, "Deep UFM: solver basin has %d modes on; global minimizers have %v on; compared with %d\n", d.SolverModes, d.GlobalModes, d.ComparedModes)
		fmt.Fprintf(w, "  solver: %s\n", d.Basin)
	}
	// An unfinished solver is UNFINISHED; it is DISAGREE only where its
	// loss lies below the theory's minimum by more than the loss's own
	// rounding (verify.BelowMinimum), which the reason states.
	fmt.Fprintf(w, "\nStatus: %s — %s\n", strings.ToUpper(string(rep.Status)), rep.Reason)
}

// textOrEmpty formats x with digits significant digits, or "" for nil.
func textOrEmpty(x *big.Float, digits int) string {
	if x == nil {
		return ""
	}
	return bigmat.Text(x, digits)
}

func intOrDash(v *int) string {
	if v == nil {
		return "not compared (not unique)"
	}
	return fmt.Sprint(*v)
}
