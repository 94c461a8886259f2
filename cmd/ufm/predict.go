package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/theory"
)

// predictJSON is the document of 'ufm predict --json' (docs/formats.md), with a few
// fields beyond docs/formats.md (marked).
type predictJSON struct {
	Name             string     `json:"name"`
	Regime           string     `json:"regime"`
	C                string     `json:"c"`
	Rank             int        `json:"rank"`
	SigmaEigenvalues []string   `json:"sigma_eigenvalues"`
	Bias             []string   `json:"bias"`
	WW               [][]string `json:"ww"`
	MinLoss          string     `json:"min_loss"`
	TrainMSE         string     `json:"train_mse"`
	Gamma            *string    `json:"gamma"`
	Digits           int        `json:"digits"`
	// Beyond docs/formats.md.
	CExact        string   `json:"c_exact"`
	ActiveCount   int      `json:"active_directions"`
	TargetRank    int      `json:"target_rank"`
	Shrinkage     []string `json:"shrinkage"`
	MinLossExact  *string  `json:"min_loss_exact"`
	BiasMode      string   `json:"bias_mode"`
	Unique        uniqueJS `json:"unique"`
	Notes         []string `json:"notes"`
	N, D, Samples int
	// Digits each printed quantity carries (issue 8; docs/formats.md).
	Justified     justifiedJS `json:"justified_digits"`
	WorkingDigits int         `json:"working_digits"`
	Warnings      []string    `json:"warnings"`
	Unresolved    []string    `json:"unresolved"`
	// Deep UFM and mean data term (docs/theory.md §6); absent otherwise.
	Deep *deepPredictJSON `json:"deep,omitempty"`
	// Predictions W*H* + b*1ᵀ (n×M): predict --json only (verify's JSON
	// leaves them out), where unique (at the mode count) and n·M ≤
	// maxPredictionsJSON; otherwise absent, with a note.
	Predictions [][]string `json:"predictions,omitempty"`
}

// maxPredictionsJSON bounds the n·M entries predict --json prints.
const maxPredictionsJSON = 100000

// addPredictions sets out.Predictions from p, or says in a note why not.
func (out *predictJSON) addPredictions(p *theory.Prediction) {
	n, m := p.N, p.M
	switch {
	case p.Regime == theory.Unattained:
		out.Notes = append(out.Notes, "predictions omitted: no minimizer exists (the infimum is not attained)")
	case p.Predictions == nil || !(p.PredictionUnique || p.DeterminedAtCount()):
		out.Notes = append(out.Notes, "predictions omitted: the global minimizers do not share them")
	case n*m > maxPredictionsJSON:
		out.Notes = append(out.Notes, fmt.Sprintf("predictions omitted: n·M = %d > %d entries", n*m, maxPredictionsJSON))
	case p.Justified.Predictions < 1:
		out.Notes = append(out.Notes, "predictions omitted: no digit is justified at the precision cap (see warnings)")
	default:
		out.Predictions = theory.MatrixText(p.Predictions, p.Justified.Predictions)
	}
}

// justifiedJS is theory.QuantityDigits under the JSON field names.
type justifiedJS struct {
	Sigma       int `json:"sigma_eigenvalues"`
	Shrinkage   int `json:"shrinkage"`
	WW          int `json:"ww"`
	Bias        int `json:"bias"`
	MinLoss     int `json:"min_loss"`
	TrainMSE    int `json:"train_mse"`
	Predictions int `json:"predictions"`
}

type uniqueJS struct {
	WW          bool `json:"ww"`
	Bias        bool `json:"bias"`
	Predictions bool `json:"predictions"`
}

func newPredictJSON(p *theory.Prediction) predictJSON {
	dg := p.Digits
	j := p.Justified
	out := predictJSON{
		Name: p.Name, Regime: string(p.Regime), C: bigmat.Text(p.C, dg), Rank: p.Rank,
		SigmaEigenvalues: p.SigmaText(dg), Bias: theory.VectorText(p.B, j.Bias),
		MinLoss: theory.ScalarText(p.MinLoss, j.MinLoss), TrainMSE: theory.ScalarText(p.TrainMSE, j.TrainMSE),
		Digits: dg, CExact: p.CExact.RatString(), ActiveCount: p.Active, TargetRank: p.TargetRank,
		Shrinkage: p.ShrinkageText(dg), BiasMode: p.Bias.String(),
		Unique: uniqueJS{p.WWUnique, p.BiasUnique, p.PredictionUnique},
		Notes:  p.Notes, N: p.N, D: p.D, Samples: p.M,
		Justified:     justifiedJS{j.Sigma, j.Shrinkage, j.WW, j.Bias, j.MinLoss, j.TrainMSE, j.Predictions},
		WorkingDigits: dg + bigmat.GuardDigits + p.ExtraDigits,
		Warnings:      p.Warnings,
		Deep:          newDeepPredictJSON(p),
	}
	if out.Notes == nil {
		out.Notes = []string{}
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	out.Unresolved = p.Unresolved
	if out.Unresolved == nil {
		out.Unresolved = []string{}
	}
	if p.Deep != nil {
		// The instance's c, as sweep's c axis (QA session 21: predict
		// printed n^K·c for data_term mean, sweep c); the sum-convention
		// c is deep.c_effective.
		out.CExact = p.Deep.CInstance.RatString()
		out.C = bigmat.Text(new(big.Float).SetPrec(p.Prec).SetRat(p.Deep.CInstance), dg)
	}
	if p.WW != nil && p.DeterminedAtCount() {
		out.WW = theory.MatrixText(p.WW, j.WW)
	}
	if p.Gamma != nil {
		g := bigmat.Text(p.Gamma, dg)
		out.Gamma = &g
	}
	if p.MinLossExact != nil {
		s := p.MinLossExact.RatString()
		out.MinLossExact = &s
	}
	return out
}

func runPredict(args []string, stdout, stderr io.Writer) int {
	const synopsis = "ufm predict FILE [--digits N] [--time-limit T] [--json]"
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	digits := fs.Int("digits", 0, "significant decimal digits (default: the instance's, else 50)")
	timeLimit := fs.Duration("time-limit", defaultPredictTime, "wall-clock budget: stop with a message after it")
	asJSON := fs.Bool("json", false, "print one JSON document")
	pos, code, done := parseCommandLine(fs, args, stdout, stderr, synopsis)
	if done {
		return code
	}
	if err := checkDigits(fs, *digits); err != nil {
		return fail(stderr, "predict: %v", err)
	}
	if *timeLimit <= 0 {
		return fail(stderr, "predict: --time-limit must be positive, got %v", *timeLimit)
	}
	in, err := loadInstanceArg("predict", pos, false)
	if err != nil {
		return fail(stderr, "%v", err)
	}
	var p *theory.Prediction
	ctx, stop := interruptContext(stderr, "stopping (no result)")
	defer stop()
	switch waitBounded(ctx, *timeLimit, stderr, "predict", func() { p, err = theory.Predict(in, *digits) }) {
	case interrupted:
		return emitUnfinished(stdout, stderr, *asJSON, "predict", in.Name, "interrupted before the prediction finished: no result", true)
	case overtime:
		emitUnfinished(stdout, stderr, *asJSON, "predict", in.Name, fmt.Sprintf("stopped at --time-limit %s: no result", *timeLimit), false)
		return exitFailure
	}
	if err != nil {
		return fail(stderr, "predict: %s: %v", in.Name, err)
	}
	if *asJSON {
		out := newPredictJSON(p)
		out.addPredictions(p)
		return writeJSON(stdout, stderr, out)
	}
	writePredictReport(stdout, p)
	return exitOK
}

// defaultPredictTime is predict's default --time-limit.
const defaultPredictTime = 5 * time.Minute

func writeJSON(stdout, stderr io.Writer, v any) int {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "ufm: internal error encoding JSON: %v\n", err)
		return exitFailure
	}
	b = append(b, '\n')
	stdout.Write(b)
	return exitOK
}

// matrixDigits is how many digits the human report shows per matrix entry;
// --json gives every entry at full precision.
const matrixDigits = 12

func regimeSentence(p *theory.Prediction) string {
	switch p.Regime {
	case theory.Full:
		return "full: every eigenvalue of Σ exceeds c and d ≥ n, so the last layer collapses onto all n principal directions of the targets"
	case theory.Partial:
		return fmt.Sprintf("partial: only r = %d of the n = %d principal directions of the targets are learned", p.Rank, p.N)
	case theory.Trivial:
		return "trivial: c ≥ σ_1, so regularization wins everywhere: W* = 0, H* = 0 and the model predicts the mean"
	case theory.Unregularized:
		return "unregularized: λ_H = λ_W = 0; the minimizers form a set, and collapse is not forced"
	case theory.Unattained:
		return "unattained: exactly one λ is zero, so the infimum of L is approached but no minimizer exists"
	}
	return string(p.Regime)
}

func writePredictReport(w io.Writer, p *theory.Prediction) {
	if p.Deep != nil {
		writeDeepPredictReport(w, p)
		return
	}
	dg := p.Digits
	fmt.Fprintf(w, "ufm predict: %s  (n = %d targets, d = %d features, M = %d samples, bias %s, %d digits)\n\n",
		termSafe(p.Name), p.N, p.D, p.M, p.Bias, dg)
	fmt.Fprintf(w, "Regime: %s.\n\n", regimeSentence(p))
	fmt.Fprintf(w, "c = λ_H·λ_W = %s = %s\n\n", p.CExact.RatString(), bigmat.Text(p.C, dg))
	cov := "covariance Σ of the centered targets"
	if p.Bias.String() == "none" {
		cov = "uncentered second moment Σ = YYᵀ/M (bias none)"
	}
	fmt.Fprintf(w, "Spectrum of the %s against c (decided exactly; σ_j = c counts as inactive):\n", cov)
	sigmas := p.SigmaText(dg)
	for j := range p.Sigma {
		rel := "> c  active"
		if j >= p.Active {
			rel = "≤ c  inactive"
		}
		if p.Regime == theory.Unregularized || p.Regime == theory.Unattained {
			rel = ""
		} else if j < p.Active && j >= p.Rank {
			rel = "> c  active, but beyond d"
		}
		fmt.Fprintf(w, "  σ_%-3d %s  %s\n", j+1, padRight(orUnresolved(sigmas[j]), dg+7), rel)
	}
	fmt.Fprintf(w, "  exact: %d eigenvalues above c, rank Σ = %d, r = %d\n\n", p.Active, p.TargetRank, p.Rank)
	if p.Regime != theory.Unregularized && p.Regime != theory.Unattained {
		fmt.Fprintln(w, "Shrinkage of each principal direction in the predictions, 1 − √(c/σ_j):")
		for j, s := range p.ShrinkageText(dg) {
			fmt.Fprintf(w, "  j = %-3d %s\n", j+1, orUnresolved(s))
		}
		fmt.Fprintln(w)
	}
	if p.WW != nil {
		fmt.Fprintf(w, "Gram matrix of the optimal weights, W*W*ᵀ = A* (%d digits shown; --json for all):\n", matrixDigits)
		if p.Justified.WW <= 0 {
			fmt.Fprintf(w, "  %s\n", unresolvedText)
		} else {
			writeRows(w, theory.MatrixText(p.WW, min(matrixDigits, p.Justified.WW)), matrixDigits)
		}
		if slices.Contains(p.Unresolved, "ww") {
			fmt.Fprintln(w, "  (uniqueness not resolved at the maximum precision: see warnings)")
		} else if p.Deep != nil && p.Deep.AtCountUnique {
			fmt.Fprintf(w, "  (the global minimizer with %d mode(s) on; not unique across the mode counts %v: see notes)\n", p.Deep.On, p.DeepAlternatives())
		} else if !p.WWUnique {
			fmt.Fprintln(w, "  (not unique: see notes)")
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "Gram matrix W*W*ᵀ: not determined (no unique minimizer).")
		fmt.Fprintln(w)
	}
	bias := theory.VectorText(p.B, p.Justified.Bias)
	for k := range bias {
		bias[k] = orUnresolved(bias[k])
	}
	fmt.Fprintf(w, "Optimal bias b* = %s\n", strings.Join(bias, ", "))
	if !p.BiasUnique {
		fmt.Fprintln(w, "  (not unique: see notes)")
	}
	fmt.Fprintln(w)
	label := "Minimal loss L*"
	if p.Regime == theory.Unattained {
		label = "Infimum of the loss"
	}
	fmt.Fprintf(w, "%s = %s\n", label, orUnresolved(theory.ScalarText(p.MinLoss, p.Justified.MinLoss)))
	if p.MinLossExact != nil {
		fmt.Fprintf(w, "  exactly %s\n", p.MinLossExact.RatString())
	}
	fmt.Fprintf(w, "Training MSE (1/M)Σ‖W h_i + b − y_i‖² = %s\n", orUnresolved(theory.ScalarText(p.TrainMSE, p.Justified.TrainMSE)))
	if p.Gamma != nil {
		fmt.Fprintf(w, "NRC3 vanishes at γ = c = %s\n", bigmat.Text(p.Gamma, dg))
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintln(w, "\nWarnings (digits not justified):")
		for _, s := range p.Warnings {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
	if len(p.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, n := range p.Notes {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
}

// writeRows prints formatted matrix rows, each entry padded for digits.
func writeRows(w io.Writer, rows [][]string, digits int) {
	for _, row := range rows {
		for j := range row {
			row[j] = padLeft(row[j], digits+7)
		}
		fmt.Fprintf(w, "  [%s]\n", strings.Join(row, " "))
	}
}

func padLeft(s string, n int) string {
	if k := n - len([]rune(s)); k > 0 {
		return strings.Repeat(" ", k) + s
	}
	return s
}

func padRight(s string, n int) string {
	if k := n - len([]rune(s)); k > 0 {
		return s + strings.Repeat(" ", k)
	}
	return s
}

// unresolvedText stands, in the human output, for a quantity with no
// justified digit (the JSON prints "": docs/formats.md, "Digits per
// quantity").
const unresolvedText = "(not resolved at the maximum precision)"

// orUnresolved returns s, or unresolvedText when s is "".
func orUnresolved(s string) string {
	if s == "" {
		return unresolvedText
	}
	return s
}
