package series

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// evrColumns is the number of explained-variance columns: the most any
// epoch reports.
func (t *Table) evrColumns() int {
	k := 0
	for _, r := range t.Rows {
		k = max(k, len(r.Metrics.EVR))
	}
	return k
}

// Header returns the CSV columns.
func (t *Table) Header() []string {
	h := []string{"epoch", "samples", "feature_dim", "target_dim", "nrc1", "nrc2", "nrc3", "nrc3_gamma", "c", "gamma_over_c"}
	for j := 1; j <= t.evrColumns(); j++ {
		h = append(h, fmt.Sprintf("evr_%d", j))
	}
	return append(h, "evr_top_n", "train_mse", "r2", "r2_uniform", "weights_rank", "zero_features", "has_bias",
		"nrc1_error", "nrc2_error", "nrc3_error", "evr_error", "nrc3_gamma_error", "train_mse_error", "r2_error", "r2_uniform_error")
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func opt(v float64, ok bool) string {
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return num(v)
}

// topN returns the explained variance of the top min(n, d) components
// together.
func topN(r Row) (float64, bool) {
	m := r.Metrics
	if len(m.EVR) < m.PrincipalDims || m.PrincipalDims == 0 {
		return 0, false
	}
	s := 0.0
	for _, v := range m.EVR[:m.PrincipalDims] {
		s += v
	}
	return s, true
}

func (t *Table) record(r Row) []string {
	m := r.Metrics
	nrcOK := !m.FeaturesCollapsed
	nrc1OK := nrcOK && m.NRC1Undefined == ""
	nrc3OK := m.NRC3Undefined == ""
	rec := []string{strconv.Itoa(r.Epoch), strconv.Itoa(m.Samples), strconv.Itoa(m.FeatureDim), strconv.Itoa(m.TargetDim),
		opt(m.NRC1, nrc1OK), opt(m.NRC2, nrcOK), opt(m.NRC3, nrc3OK), opt(m.NRC3Gamma, nrc3OK),
		opt(t.C, t.C > 0), opt(r.GammaOverC, r.GammaOverCValid)}
	for j := 0; j < t.evrColumns(); j++ {
		rec = append(rec, opt(0, false))
		if j < len(m.EVR) {
			rec[len(rec)-1] = num(m.EVR[j])
		}
	}
	top, ok := topN(r)
	return append(rec, opt(top, ok), opt(r.Fit.MSE, true), opt(r.Fit.R2, r.Fit.Valid), opt(r.Fit.R2Uniform, r.Fit.Valid),
		strconv.Itoa(m.WeightsRank), strconv.Itoa(m.ZeroFeatures), strconv.FormatBool(r.HasBias),
		opt(m.NRC1Err, nrc1OK), opt(m.NRC2Err, nrcOK), opt(m.NRC3Err, nrc3OK), opt(m.EVRErr, len(m.EVR) > 0), opt(m.NRC3GammaErr, nrc3OK),
		opt(r.Fit.MSEErr, !r.Fit.MSEOutOfRange), opt(r.Fit.R2Err, r.Fit.Valid), opt(r.Fit.R2UniformErr, r.Fit.Valid))
}

// WriteCSV writes a header and one row per epoch. Numbers are float64 in
// their shortest round-trip form (the values `ufm metrics --json`
// prints); an undefined value is an empty field.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header()); err != nil {
		return err
	}
	for _, r := range t.Rows {
		if err := cw.Write(t.record(r)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

type jsonEpoch struct {
	Epoch        int       `json:"epoch"`
	Samples      int       `json:"samples"`
	FeatureDim   int       `json:"feature_dim"`
	TargetDim    int       `json:"target_dim"`
	NRC1         *float64  `json:"nrc1"`
	NRC2         *float64  `json:"nrc2"`
	NRC3         *float64  `json:"nrc3"`
	NRC3Gamma    *float64  `json:"nrc3_gamma"`
	NRC1Err      *float64  `json:"nrc1_error"` // absolute error bounds (metrics.Result)
	NRC2Err      *float64  `json:"nrc2_error"`
	NRC3Err      *float64  `json:"nrc3_error"`
	EVRErr       *float64  `json:"evr_error"`
	NRC3GammaErr *float64  `json:"nrc3_gamma_error"`
	GammaOverC   *float64  `json:"gamma_over_c"`
	EVR          []float64 `json:"evr"`
	EVRTopN      *float64  `json:"evr_top_n"`
	TrainMSE     *float64  `json:"train_mse"` // null outside float64's normal range (a note says so)
	TrainMSEErr  *float64  `json:"train_mse_error"`
	R2Err        *float64  `json:"r2_error"`
	R2UniformErr *float64  `json:"r2_uniform_error"`
	R2           *float64  `json:"r2"`
	R2Uniform    *float64  `json:"r2_uniform"`
	WeightsRank  int       `json:"weights_rank"`
	ZeroFeatures int       `json:"zero_features"`
	HasBias      bool      `json:"has_bias"`
	Float32      bool      `json:"float32"`
	Notes        []string  `json:"notes"`
}

type jsonTable struct {
	Dir         string      `json:"dir"`
	C           *float64    `json:"c"`
	Centered    bool        `json:"centered"`
	Normalized  bool        `json:"normalized"`
	Divisor     string      `json:"divisor"`
	Interrupted bool        `json:"interrupted"`
	Planned     int         `json:"planned_epochs"`
	Epochs      []jsonEpoch `json:"epochs"`
}

// ptr is &v, or nil when !ok or v is not finite (σ_min or γ beyond
// float64's range: the JSON encoder refused NaN and the whole table was
// lost, QA session 21).
func ptr(v float64, ok bool) *float64 {
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// MSEOutOfRangeNote is the note of an epoch whose training MSE lies
// outside float64's normal range in the targets' units (its R² is still
// given: a ratio).
const MSEOutOfRangeNote = "the training MSE is outside float64's normal range in the targets' units (subnormal, underflowed or overflowed): not given; R², a ratio of sums kept scaled, is given wherever its bound is finite"

// JSON returns the document table.json holds (and `ufm series --json`
// prints).
func (t *Table) JSON() any {
	doc := jsonTable{Dir: t.Dir, C: ptr(t.C, t.C > 0), Centered: !t.Options.Uncentered, Normalized: !t.Options.Unnormalized,
		Divisor: "M", Interrupted: t.Interrupted, Planned: t.Planned, Epochs: []jsonEpoch{}}
	if t.Options.PerCoordinate {
		doc.Divisor = "M·d"
	}
	for _, r := range t.Rows {
		m := r.Metrics
		top, ok := topN(r)
		e := jsonEpoch{Epoch: r.Epoch, Samples: m.Samples, FeatureDim: m.FeatureDim, TargetDim: m.TargetDim,
			NRC1: ptr(m.NRC1, !m.FeaturesCollapsed && m.NRC1Undefined == ""), NRC2: ptr(m.NRC2, !m.FeaturesCollapsed),
			NRC3: ptr(m.NRC3, m.NRC3Undefined == ""), NRC3Gamma: ptr(m.NRC3Gamma, m.NRC3Undefined == ""),
			NRC1Err: ptr(m.NRC1Err, !m.FeaturesCollapsed && m.NRC1Undefined == ""), NRC2Err: ptr(m.NRC2Err, !m.FeaturesCollapsed),
			NRC3Err: ptr(m.NRC3Err, m.NRC3Undefined == ""), EVRErr: ptr(m.EVRErr, len(m.EVR) > 0),
			NRC3GammaErr: ptr(m.NRC3GammaErr, m.NRC3Undefined == ""),
			GammaOverC:   ptr(r.GammaOverC, r.GammaOverCValid), EVR: m.EVR, EVRTopN: ptr(top, ok),
			TrainMSE: ptr(r.Fit.MSE, true), R2: ptr(r.Fit.R2, r.Fit.Valid), R2Uniform: ptr(r.Fit.R2Uniform, r.Fit.Valid),
			TrainMSEErr: ptr(r.Fit.MSEErr, !r.Fit.MSEOutOfRange), R2Err: ptr(r.Fit.R2Err, r.Fit.Valid), R2UniformErr: ptr(r.Fit.R2UniformErr, r.Fit.Valid),
			WeightsRank: m.WeightsRank, ZeroFeatures: m.ZeroFeatures, HasBias: r.HasBias, Float32: r.Float32, Notes: m.Notes}
		if e.EVR == nil {
			e.EVR = []float64{}
		}
		if e.Notes == nil {
			e.Notes = []string{}
		}
		if !r.HasBias {
			e.Notes = append(e.Notes, "no bias file: the training MSE and R² assume b = 0")
		}
		if r.Fit.MSEOutOfRange {
			e.Notes = append(e.Notes, MSEOutOfRangeNote)
		}
		if r.Fit.Valid && (math.IsNaN(r.Fit.R2) || math.IsNaN(r.Fit.R2Uniform)) {
			e.Notes = append(e.Notes, "R² not resolved in float64: its error bound is not finite (the residuals or the targets' deviations are lost to rounding)")
		}
		doc.Epochs = append(doc.Epochs, e)
	}
	return doc
}

// WriteJSON writes JSON() indented.
func (t *Table) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(t.JSON(), "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
