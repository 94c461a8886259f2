package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/big"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/internal/sysmem"
	"github.com/nrc-ufm/ufm/metrics"
)

// metricsJSON is the document of 'ufm metrics --json' (docs/formats.md). Undefined
// metrics are null, never NaN. Values are JSON numbers on the float64 path
// and decimal strings with the requested digits under --digits.
type metricsJSON struct {
	// evrTop is the human report's "top n together" text, with the digits
	// its bound leaves (not in the JSON).
	evrTop string

	NRC1       any   `json:"nrc1"`
	NRC2       any   `json:"nrc2"`
	NRC3       any   `json:"nrc3"`
	NRC3Gamma  any   `json:"nrc3_gamma"`
	EVR        []any `json:"evr"`
	Samples    int   `json:"samples"`
	FeatureDim int   `json:"feature_dim"`
	TargetDim  int   `json:"target_dim"`
	// Beyond docs/formats.md.
	Centered          bool     `json:"centered"`
	Digits            *int     `json:"digits"` // null on the float64 path
	SigmaMin          any      `json:"sigma_min"`
	PrincipalDims     int      `json:"principal_dims"`
	WeightsRank       int      `json:"weights_rank"`
	ZeroFeatures      int      `json:"zero_features"`
	FeaturesCollapsed bool     `json:"features_collapsed"`
	NRC3Undefined     *string  `json:"nrc3_undefined"`
	NRC3Flat          bool     `json:"nrc3_flat"`
	Normalized        bool     `json:"normalized"`
	Divisor           string   `json:"divisor"`                // "M" or "M·d"
	EigenMethod       string   `json:"eigen_method,omitempty"` // "subspace" or "full" (float64 path)
	Notes             []string `json:"notes"`
	// Float64 path: bounds of the absolute error of nrc1, nrc2 and each
	// evr entry, and why nrc1 is null though the features did not
	// collapse (absent under --digits, whose strings carry their digits).
	NRC1Err       any     `json:"nrc1_error,omitempty"`
	NRC2Err       any     `json:"nrc2_error,omitempty"`
	NRC3Err       any     `json:"nrc3_error,omitempty"`
	SigmaMinErr   any     `json:"sigma_min_error,omitempty"`
	NRC3GammaErr  any     `json:"nrc3_gamma_error,omitempty"`
	EVRErr        any     `json:"evr_error,omitempty"`
	NRC1Undefined *string `json:"nrc1_undefined,omitempty"`
}

// maxBigWork bounds M·d² for --digits, where every operation is a big.Float
// one (about a microsecond each).
const maxBigWork = 2e7

// maxBigBytes bounds the memory of the --digits inputs: (M·d + n·d + M·n)
// big.Floats of (digits·log2(10))/8 + 40 bytes each, checked from the
// shapes before any big.Float is made.
const maxBigBytes = 1 << 30

// maxDenseFeatureDim bounds d on the float64 path, which forms d×d
// covariance blocks (8·d² bytes each, one per worker): refused before the
// computation starts. Lift it when metrics no longer forms the d×d block.
const maxDenseFeatureDim = 4096

// checkMetricsShape refuses, before any large allocation, inputs beyond
// the caps above: M samples of d features, n targets, at digits (0:
// float64).
func checkMetricsShape(M, d, n, digits int) error {
	if digits == 0 {
		if d > maxDenseFeatureDim {
			return fmt.Errorf("feature dimension d = %d is beyond %d (the float64 path forms d×d covariance blocks of 8·d² bytes)", d, maxDenseFeatureDim)
		}
		return nil
	}
	if work := float64(M) * float64(d) * float64(d); work > maxBigWork {
		return fmt.Errorf("--digits on M = %d samples of d = %d features: M·d² = %.3g > %.0g big-float operations; drop --digits for the float64 path", M, d, work, maxBigWork)
	}
	per := float64(bigmat.Bits(digits))/8 + 40
	if bytes := (float64(M)*float64(d) + float64(n)*float64(d) + float64(M)*float64(n)) * per; bytes > maxBigBytes {
		return fmt.Errorf("--digits %d on M = %d, d = %d, n = %d needs about %.3g bytes of big floats, beyond %d MiB; use fewer digits or drop --digits", digits, M, d, n, bytes, maxBigBytes>>20)
	}
	return nil
}

func runMetrics(args []string, stdout, stderr io.Writer) int {
	const synopsis = "ufm metrics --features H --weights W --targets Y [--center=false] [--evr K] [--digits N] [--json]"
	fs := flag.NewFlagSet("metrics", flag.ContinueOnError)
	hPath := fs.String("features", "", "features H: M×d, a row per sample (.npy or .csv); for several layers H_0,…,H_{L−1} comma-separated")
	wPath := fs.String("weights", "", "last-layer weights W: n×d, a row per target (.npy or .csv); for several layers W_1,…,W_L comma-separated (layer l is measured against W_L⋯W_{l+1})")
	yPath := fs.String("targets", "", "targets Y: M×n, a row per sample (.npy or .csv)")
	center := fs.Bool("center", true, "center features and targets (false: the uncentered variant)")
	normalize := fs.Bool("normalize", true, "normalize each feature row before NRC1/NRC2 (false: raw squared distances, as some scripts do)")
	perCoord := fs.Bool("per-coordinate", false, "divide NRC1/NRC2 by M·d instead of M (as np.mean over the residual array)")
	evr := fs.Int("evr", 0, "explained-variance ratios to report: 0 = min(d, n+5), -1 = all d")
	digits := fs.Int("digits", 0, "work in big floats with N significant digits (CSV decimals read exactly); without it, float64")
	asJSON := fs.Bool("json", false, "print one JSON document")
	pos, err := parseFlags(fs, args, stdout, synopsis)
	if errors.Is(err, errHelp) {
		fmt.Fprintln(stdout, `
Inputs: .npy (float32 or float64, C or Fortran order, a 1-D array is one
column; for --weights one row) or text (.csv: comma- or whitespace-separated
numbers, an optional header row of names, '#' comment lines).

NRC1: mean squared distance of the normalized features from their top-n
principal subspace; NRC2: from the row space of W; NRC3: distance of
WWᵀ/‖WWᵀ‖ from (Σ^{1/2} − √γ I)/‖·‖, minimized over γ ∈ [0, σ_min].
0 means collapse; NRC1, NRC2 ≤ 1, NRC3 ≤ 2. See docs/theory.md §4.`)
		return exitOK
	}
	if err != nil {
		return fail(stderr, "%v", err)
	}
	if len(pos) > 0 {
		return fail(stderr, "metrics: unexpected argument %q (inputs are given with --features, --weights, --targets)", pos[0])
	}
	var missing []string
	for _, f := range []struct{ flag, val string }{{"--features", *hPath}, {"--weights", *wPath}, {"--targets", *yPath}} {
		if f.val == "" {
			missing = append(missing, f.flag)
		}
	}
	if len(missing) > 0 {
		return fail(stderr, "metrics: missing %s (usage: %s)", strings.Join(missing, ", "), synopsis)
	}
	if err := checkDigits(fs, *digits); err != nil {
		return fail(stderr, "metrics: %v", err)
	}
	if *evr < -1 {
		return fail(stderr, "metrics: --evr must be ≥ -1, got %d", *evr)
	}
	opt := metrics.Options{Uncentered: !*center, EVRCount: *evr, Unnormalized: !*normalize, PerCoordinate: *perCoord}
	if *digits > 0 && (opt.Unnormalized || opt.PerCoordinate) {
		return fail(stderr, "metrics: --normalize=false and --per-coordinate are float64-only conventions; drop --digits")
	}
	if err := preflightMetrics(splitList(*hPath), splitList(*wPath), *yPath, *digits); err != nil {
		return fail(stderr, "metrics: %v", err)
	}
	if hs := splitList(*hPath); len(hs) > 1 || len(splitList(*wPath)) > 1 {
		return runLayerMetrics(hs, splitList(*wPath), *yPath, *digits, opt, *asJSON, stdout, stderr) // metrics_layers.go
	}
	if *digits > 0 {
		return metricsBig(*hPath, *wPath, *yPath, *digits, opt, *asJSON, stdout, stderr)
	}

	h, err := loadArray(*hPath, false)
	if err != nil {
		return fail(stderr, "metrics: %v", err)
	}
	w, err := loadArray(*wPath, true)
	if err != nil {
		return fail(stderr, "metrics: %v", err)
	}
	y, err := loadArray(*yPath, false)
	if err != nil {
		return fail(stderr, "metrics: %v", err)
	}
	M, d := h.Dims()
	_, n := y.Dims()
	if err := checkMetricsShape(M, d, n, 0); err != nil {
		return fail(stderr, "metrics: %v", err)
	}
	ctx, stop := interruptContext(stderr, "stopping the pass over the rows (no result)")
	defer stop()
	opt.Context, opt.Progress = ctx, newPassProgress(stderr).report
	r, err := metrics.Compute(h, w, y, opt)
	if errors.Is(err, metrics.ErrStopped) {
		fmt.Fprintf(stderr, "ufm: metrics: interrupted: %v\n", err)
		return exitInterrupted
	}
	if err != nil {
		return fail(stderr, "metrics: %v", err)
	}
	decimalIsotropy(r, *yPath, !opt.Uncentered) // metrics_iso.go
	doc := newMetricsJSON(r.Report, nil)
	doc.conventions(opt)
	doc.float64Values(r)
	if *asJSON {
		return writeJSON(stdout, stderr, doc)
	}
	writeMetricsReport(stdout, r.Report, doc.float64Shown(r), func(x any) string {
		if s, ok := x.(string); ok {
			return s
		}
		return fmt.Sprintf("%.6g", x)
	}, 0)
	return exitOK
}

// float64Values fills doc from a float64 result: the values as JSON
// numbers (binary64 results), with nrc1_error, nrc2_error and evr_error
// bounding their absolute error (metrics.Result), and nrc1 null where
// P_n is not determined at float64 accuracy.
func (doc *metricsJSON) float64Values(r *metrics.Result) {
	num := finiteOrNil
	if !r.FeaturesCollapsed {
		doc.NRC2, doc.NRC2Err = num(r.NRC2), num(r.NRC2Err)
		if r.NRC1Undefined == "" {
			doc.NRC1, doc.NRC1Err = num(r.NRC1), num(r.NRC1Err)
		} else {
			s := r.NRC1Undefined
			doc.NRC1Undefined = &s
		}
	}
	if r.NRC3Undefined == "" {
		doc.NRC3, doc.NRC3Gamma = num(r.NRC3), num(r.NRC3Gamma)
		doc.NRC3Err = num(r.NRC3Err)
	}
	for _, v := range r.EVR {
		doc.EVR = append(doc.EVR, num(v))
	}
	if len(r.EVR) > 0 {
		doc.EVRErr = num(r.EVRErr)
	}
	doc.SigmaMin, doc.SigmaMinErr = num(r.SigmaMin), num(r.SigmaMinErr)
	if doc.NRC3Gamma != nil {
		doc.NRC3GammaErr = num(r.NRC3GammaErr)
	}
}

// bigEVRTop is the human report's "top n together" text of a --digits
// result: the sum of the top min(n, d) EVR entries with the digits (at
// most 6) that k times their bound leaves ("" without entries).
func bigEVRTop(r *metrics.BigResult) string {
	k := min(r.PrincipalDims, len(r.EVR))
	if k == 0 {
		return ""
	}
	s := new(big.Float).SetPrec(r.EVR[0].Prec())
	for _, v := range r.EVR[:k] {
		s.Add(s, v)
	}
	var err *big.Float
	if r.EVRErr != nil {
		err = new(big.Float).Mul(r.EVRErr, big.NewFloat(float64(k)))
	}
	return metrics.BoundText(s, err, 6)
}

// float64Shown is doc for the human report: NRC1, NRC2 and the EVR with
// the digits (at most 6) their error bounds leave, or "< x" (QA session
// 21: an exact 0 printed as 1.42572e-30, EVR tails of 1e-33 as 9.08e-17,
// NRC1 at an eigenvalue gap of 10^-14 with 6 digits, 3 wrong).
func (doc metricsJSON) float64Shown(r *metrics.Result) metricsJSON {
	shown := doc
	if doc.NRC1 != nil {
		shown.NRC1 = doc.ratioText(r.NRC1, r.NRC1Err)
	}
	if doc.NRC2 != nil {
		shown.NRC2 = doc.ratioText(r.NRC2, r.NRC2Err)
	}
	if doc.NRC3 != nil {
		shown.NRC3 = metrics.BoundText64(r.NRC3, r.NRC3Err, 6)
	}
	if doc.SigmaMin != nil {
		shown.SigmaMin = metrics.BoundText64(r.SigmaMin, r.SigmaMinErr, 6)
	}
	if doc.NRC3Gamma != nil {
		shown.NRC3Gamma = metrics.BoundText64(r.NRC3Gamma, r.NRC3GammaErr, 6)
	}
	shown.EVR = make([]any, len(r.EVR))
	for i, v := range r.EVR {
		shown.EVR[i] = metrics.BoundText64(v, r.EVRErr, 6)
	}
	if k := min(r.PrincipalDims, len(r.EVR)); k > 0 {
		// The top-k sum from the float64 values, with k bounds and the
		// sum's roundings (QA session 22: adding the 6-digit texts gave
		// 0.487804 for 0.48780488).
		s := 0.0
		for _, v := range r.EVR[:k] {
			s += v
		}
		err := float64(k)*r.EVRErr + 2*float64(k)*0x1p-53*math.Abs(s)
		shown.evrTop = metrics.BoundText64(s, err, 6)
	}
	return shown
}

// ratioText is metrics.BoundText64 for NRC1 or NRC2, except that a
// normalized metric (in [0, 1]) whose bound is 1/2 or more is "not
// resolved" rather than a bound above its range ("< 7e1": QA session 21).
func (doc metricsJSON) ratioText(x, err float64) string {
	if doc.Normalized && err >= 0.5 {
		return fmt.Sprintf("not resolved in float64 (±%.2g; rerun with --digits)", err)
	}
	return metrics.BoundText64(x, err, 6)
}

// conventions records the feature conventions of opt in the document.
func (doc *metricsJSON) conventions(opt metrics.Options) {
	doc.Normalized = !opt.Unnormalized
	doc.Divisor = "M"
	if opt.PerCoordinate {
		doc.Divisor = "M·d"
	}
}

func newMetricsJSON(rep metrics.Report, digits *int) metricsJSON {
	doc := metricsJSON{Normalized: true, Divisor: "M", EigenMethod: rep.EigenMethod,
		EVR: []any{}, Samples: rep.Samples, FeatureDim: rep.FeatureDim, TargetDim: rep.TargetDim,
		Centered: rep.Centered, Digits: digits, PrincipalDims: rep.PrincipalDims, WeightsRank: rep.WeightsRank,
		ZeroFeatures: rep.ZeroFeatures, FeaturesCollapsed: rep.FeaturesCollapsed, NRC3Flat: rep.NRC3Flat,
		Notes: rep.Notes,
	}
	if doc.Notes == nil {
		doc.Notes = []string{}
	}
	if rep.NRC3Undefined != "" {
		s := rep.NRC3Undefined
		doc.NRC3Undefined = &s
	}
	return doc
}

// metricsBig is the --digits path: CSV features are read into big floats
// at the working precision (one rounding), .npy values converted exactly;
// weights and targets are read exactly (loadExact), since NRC3 decides
// Σ ∝ I on their exact values.
// preflightMetrics reads the headers of the .npy inputs (text inputs
// have no shape until parsed; their caps are checked after reading) and
// refuses, before any data are read, inputs that together take more
// memory than the machine has (sysmem.Physical) and features beyond the
// caps of checkMetricsShape. It used to read a (2, 2^31) float32 array
// whole before refusing d = 2^31 > 4096: 2 GiB, or a fatal out-of-memory
// crash with a runtime stack for larger ones (QA session 24).
func preflightMetrics(hPaths, wPaths []string, yPath string, digits int) error {
	var total int64
	shapes := make(map[string]metrics.NPYInfo)
	for _, p := range append(append(slices.Clone(hPaths), wPaths...), yPath) {
		if kind, err := fileKind(p); err != nil || kind != "npy" {
			continue // named by the reading that follows
		}
		info, err := metrics.ReadNPYInfoFile(p)
		if err != nil {
			return err
		}
		shapes[p] = info
		total += info.Bytes()
	}
	if mem := sysmem.Physical(); mem > 0 && total > mem {
		return fmt.Errorf("the inputs take %.3g GiB in memory once read, more than the %.3g GiB this machine has", float64(total)/(1<<30), float64(mem)/(1<<30))
	}
	y, yKnown := shapes[yPath]
	n := y.Cols
	work := 0
	if digits > 0 {
		work = workDigits(digits)
	}
	for _, h := range hPaths {
		if info, ok := shapes[h]; ok {
			if err := checkMetricsShape(info.Rows, info.Cols, n, work); err != nil {
				return fmt.Errorf("%s: %v", h, err)
			}
		}
	}
	if len(hPaths) == 1 && len(wPaths) == 1 {
		h, hKnown := shapes[hPaths[0]]
		w, wKnown := shapes[wPaths[0]]
		if w.OneD { // a 1-D weights array is the single row w_1 (loadArray)
			w.Rows, w.Cols = w.Cols, w.Rows
		}
		if hKnown && wKnown && yKnown {
			if err := metrics.CheckShapes(h.Rows, h.Cols, w.Rows, w.Cols, y.Rows, y.Cols); err != nil {
				return err
			}
		}
	}
	for _, hp := range hPaths {
		if h, ok := shapes[hp]; ok && yKnown && h.Rows != y.Rows {
			return fmt.Errorf("features %s are %s but targets are %s (sample counts differ)", hp, metrics.Shape(h.Rows, h.Cols), metrics.Shape(y.Rows, y.Cols))
		}
	}
	return nil
}

func metricsBig(hPath, wPath, yPath string, digits int, opt metrics.Options, asJSON bool, stdout, stderr io.Writer) int {
	// Shapes first (the .npy headers, the text's rows and fields), so that
	// the caps are checked before any big.Float is made. They were read as
	// float64 arrays, which refused a text 1e-999 that --digits reads
	// exactly (QA session 24).
	M, d, err := inputShape(hPath)
	if err != nil {
		return fail(stderr, "metrics: %v", err)
	}
	_, n, err := inputShape(yPath)
	if err != nil {
		return fail(stderr, "metrics: %v", err)
	}
	if err := checkMetricsShape(M, d, n, workDigits(digits)); err != nil {
		return fail(stderr, "metrics: %v", err)
	}
	prec := bigmat.Bits(workDigits(digits))
	h, err := loadBig(hPath, prec, false)
	if err != nil {
		return fail(stderr, "metrics: %v", err)
	}
	w, err := loadExact(wPath, true)
	if err != nil {
		return fail(stderr, "metrics: %v", err)
	}
	y, err := loadExact(yPath, false)
	if err != nil {
		return fail(stderr, "metrics: %v", err)
	}
	r, err := metrics.ComputeBigExact(h, w, y, workDigits(digits), opt)
	if err != nil {
		return fail(stderr, "metrics: %v", err)
	}
	doc := newBigMetricsJSON(r, digits)
	if asJSON {
		return writeJSON(stdout, stderr, doc)
	}
	short := func(x any) string {
		f, _, err := big.ParseFloat(x.(string), 10, 256, big.ToNearestEven)
		if err != nil {
			return x.(string)
		}
		return f.Text('g', 6)
	}
	writeMetricsReport(stdout, r.Report, doc, short, digits)
	return exitOK
}

// fileKind returns "npy" or "csv" from the extension of path.
func fileKind(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		return "npy", nil
	case ".csv", ".txt", ".tsv":
		return "csv", nil
	}
	return "", fmt.Errorf("%s: unknown file type %q (want .npy, or .csv/.txt for text)", path, filepath.Ext(path))
}

// inputShape returns the shape of the features or targets at path without
// reading their values: from the .npy header, or by scanning the text.
func inputShape(path string) (rows, cols int, err error) {
	kind, err := fileKind(path)
	if err != nil {
		return 0, 0, err
	}
	if kind == "csv" {
		return metrics.CSVShapeFile(path)
	}
	info, err := metrics.ReadNPYInfoFile(path)
	return info.Rows, info.Cols, err
}

// loadArray reads a float64 input. A 1-D .npy array is a column, except
// for the weights (weights = true), where it is the single row w_1 (n = 1).
func loadArray(path string, weights bool) (*metrics.Matrix, error) {
	kind, err := fileKind(path)
	if err != nil {
		return nil, err
	}
	if kind == "csv" {
		return metrics.ReadCSVFile(path)
	}
	m, err := metrics.ReadNPYFile(path)
	if err != nil {
		return nil, err
	}
	if weights && m.OneD() {
		m = m.T()
	}
	return m, nil
}

// loadBig reads a big-float input at precision prec.
func loadBig(path string, prec uint, weights bool) (*bigmat.Dense, error) {
	kind, err := fileKind(path)
	if err != nil {
		return nil, err
	}
	if kind == "csv" {
		return metrics.ReadCSVBigFile(path, prec)
	}
	m, err := loadArray(path, weights)
	if err != nil {
		return nil, err
	}
	r, c := m.Dims()
	return bigmat.FromFloat64(r, c, prec, m.RowMajor()), nil
}

// loadExact reads weights or targets exactly (NRC3 decides Σ ∝ I on the
// exact values): decimals from text as written, .npy values as the
// binary fractions they are.
func loadExact(path string, weights bool) (*metrics.Exact, error) {
	kind, err := fileKind(path)
	if err != nil {
		return nil, err
	}
	if kind == "csv" {
		return metrics.ReadCSVExactFile(path)
	}
	m, err := loadArray(path, weights)
	if err != nil {
		return nil, err
	}
	r, c := m.Dims()
	return metrics.ExactFromDense(bigmat.FromFloat64(r, c, 64, m.RowMajor()), path)
}

// writeMetricsReport prints the human report; show formats one value of
// doc for reading.
func writeMetricsReport(w io.Writer, rep metrics.Report, doc metricsJSON, show func(any) string, digits int) {
	mode := "centered features and targets"
	if !rep.Centered {
		mode = "uncentered features and targets"
	}
	prec := "float64"
	if digits > 0 {
		prec = fmt.Sprintf("%d significant digits; 6 shown, --json for all", digits)
	}
	fmt.Fprintf(w, "ufm metrics: M = %d samples, feature dimension d = %d, target dimension n = %d (%s; %s)\n\n",
		rep.Samples, rep.FeatureDim, rep.TargetDim, mode, prec)
	val := func(v any) string {
		if v == nil {
			return "undefined"
		}
		return show(v)
	}
	bound, feat := "at most 1", "normalized features"
	if !doc.Normalized {
		bound, feat = "in the features' squared units", "centered features (not normalized)"
		if !rep.Centered {
			feat = "features (not normalized)"
		}
	}
	if !doc.Normalized || doc.Divisor != "M" {
		fmt.Fprintf(w, "Conventions: rows normalized %v, sums divided by %s — not the seed paper's definitions (normalized, /M).\n\n", doc.Normalized, doc.Divisor)
	}
	fmt.Fprintln(w, "Neural regression collapse (0 = collapsed; docs/theory.md §4):")
	fmt.Fprintf(w, "  NRC1 = %-12s mean squared distance of the %s from their top-%d principal subspace (%s)\n",
		val(doc.NRC1), feat, rep.PrincipalDims, bound)
	fmt.Fprintf(w, "  NRC2 = %-12s mean squared distance of the %s from the row space of W, of dimension %d (%s)\n",
		val(doc.NRC2), feat, rep.WeightsRank, bound)
	fmt.Fprintf(w, "  NRC3 = %-12s squared distance between WWᵀ/‖WWᵀ‖_F and (Σ^{1/2} − √γ I)/‖Σ^{1/2} − √γ I‖_F (at most 2),\n", val(doc.NRC3))
	if doc.NRC3 != nil {
		fmt.Fprintf(w, "                      minimized over γ ∈ [0, σ_min = %s]: the minimum is at γ = %s\n", outOfRange(doc.SigmaMin, show), outOfRange(doc.NRC3Gamma, show))
	} else {
		fmt.Fprintf(w, "                      because %s\n", rep.NRC3Undefined)
	}
	if rep.FeaturesCollapsed {
		fmt.Fprintln(w, "  NRC1 and NRC2 are undefined because the features collapsed to a point.")
	}
	if len(doc.EVR) > 0 {
		var parts []string
		for _, v := range doc.EVR {
			parts = append(parts, show(v))
		}
		fmt.Fprintf(w, "\nExplained variance ratio of the top %d principal components of the %sfeatures:\n  %s\n",
			len(doc.EVR), map[bool]string{true: "centered ", false: ""}[rep.Centered], strings.Join(parts, "  "))
		if rep.PrincipalDims < len(doc.EVR) {
			fmt.Fprintf(w, "  (the top %d together: %s)\n", rep.PrincipalDims, doc.evrTop)
		}
	}
	if rep.ZeroFeatures > 0 && !rep.FeaturesCollapsed {
		fmt.Fprintf(w, "\n%d feature vectors vanish and were skipped (still counted in M).\n", rep.ZeroFeatures)
	}
	if len(rep.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, n := range rep.Notes {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
}

// metricsGuardDigits is how many digits beyond --digits the big-float
// metrics work with: the inputs are exact (CSV features rounded once at
// the working precision), so the zero and rank tolerances and the tie test
// belong to the working precision, not to the digits printed. At the
// printed precision itself --digits 3 dropped 12 real feature vectors as
// "vanishing" and --digits 30 called a rank-2 W (a 10^-31 perturbation)
// rank 1 (QA session 21).
const metricsGuardDigits = 10

// workDigits is the working precision of --digits D: D + guard, at least 30.
func workDigits(digits int) int { return max(digits+metricsGuardDigits, 30) }

// newBigMetricsJSON is the JSON of a big-float metrics result at digits
// (the single-layer and the per-layer commands share it): each value with
// the digits its error bound leaves (metrics.BoundText), at most digits.
func newBigMetricsJSON(r *metrics.BigResult, digits int) metricsJSON {
	txt := func(x *big.Float) any { return bigmat.Text(x, digits) }
	doc := newMetricsJSON(r.Report, &digits)
	doc.evrTop = bigEVRTop(r)
	if r.NRC1 != nil {
		doc.NRC1 = metrics.BoundText(r.NRC1, r.NRC1Err, digits)
	}
	if r.NRC2 != nil {
		doc.NRC2 = metrics.BoundText(r.NRC2, r.NRC2Err, digits)
	}
	if r.NRC3 != nil {
		// NRC3 carries only the digits its second, more precise evaluation
		// confirms; 0 to within its accuracy prints as a bound "< x".
		shown := *r
		shown.Digits = digits
		doc.NRC3, doc.NRC3Gamma = shown.NRC3Text(), txt(r.NRC3Gamma)
	}
	for _, v := range r.EVR {
		doc.EVR = append(doc.EVR, metrics.BoundText(v, r.EVRErr, digits))
	}
	switch {
	case r.SigmaMinBig != nil:
		doc.SigmaMin = metrics.BoundText(r.SigmaMinBig, r.SigmaMinErr, digits)
	default:
		// σ_min only as float64: its 15 digits at most (it printed 17,
		// the last one wrong).
		doc.SigmaMin = bigmat.Text(new(big.Float).SetFloat64(r.SigmaMin), min(digits, 15))
	}
	return doc
}

// finiteOrNil is v for JSON, or nil (null) when v is not finite: a σ_min
// or γ beyond float64's range after the scaling of metrics.Compute is
// undone (targets of size 10^160; the JSON encoder refused +Inf and the
// command ended in an internal error, QA session 21).
func finiteOrNil(v float64) any {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return v
}

// outOfRange is show(v), or says that v (nil here: finiteOrNil) is beyond
// float64's range.
func outOfRange(v any, show func(any) string) string {
	if v == nil {
		return "beyond float64's range (rerun with --digits)"
	}
	return show(v)
}
