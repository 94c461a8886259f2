package series

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/nrc-ufm/ufm/internal/plotx"
)

// Plots draws the run into dir as PNG and SVG and returns the files:
//   - nrc: NRC1, NRC2, NRC3 against the epoch (log scale: collapse is a
//     decay over orders of magnitude; zeros are left out);
//   - evr: the explained-variance ratio of each of the top principal
//     components and of the top n together;
//   - gamma: NRC3's optimal γ against the epoch, with c = λ_H·λ_W when
//     known (log scale);
//   - fit: the training MSE (log scale);
//   - r2: R² (variance-weighted and uniform).
func (t *Table) Plots(dir string) ([]string, error) {
	var files []string
	for _, f := range []func(string) ([]string, error){t.plotNRC, t.plotEVR, t.plotGamma, t.plotMSE, t.plotR2} {
		out, err := f(dir)
		if err != nil {
			return files, err
		}
		files = append(files, out...)
	}
	return files, plotx.RemoveStale(dir, pictureNames, files)
}

// pictureNames are the base names of every picture Plots draws.
var pictureNames = []string{"nrc", "evr", "gamma", "fit", "r2"}

// PictureNames returns the base names of every picture Plots can draw
// (each as .png and .svg), so that a caller moving the pictures into
// place can remove those of an earlier run that were not redrawn.
func (t *Table) PictureNames() []string { return append([]string(nil), pictureNames...) }

func (t *Table) title(what string) string {
	if len(t.Rows) == 0 {
		return what
	}
	m := t.Rows[0].Metrics
	s := fmt.Sprintf("%s (n = %d, d = %d, M = %d)", what, m.TargetDim, m.FeatureDim, m.Samples)
	if t.Interrupted {
		// A partial run says so on every picture (QA session 22).
		s += fmt.Sprintf(" — INTERRUPTED: %d of %d epochs", len(t.Rows), t.Planned)
	}
	return s
}

// column returns (epoch, value) for the rows where value is defined.
func (t *Table) column(value func(Row) (float64, bool)) plotter.XYs {
	xy := plotter.XYs{}
	for _, r := range t.Rows {
		if v, ok := value(r); ok {
			xy = append(xy, plotter.XY{X: float64(r.Epoch), Y: v})
		}
	}
	return xy
}

// epochTicks labels integer epochs when there are few of them.
func (t *Table) epochTicks(p *plotx.Figure) {
	if len(t.Rows) > 20 {
		return
	}
	var ticks []plot.Tick
	for _, r := range t.Rows {
		ticks = append(ticks, plot.Tick{Value: float64(r.Epoch), Label: fmt.Sprint(r.Epoch)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	if n := len(t.Rows); n > 0 {
		lo, hi := float64(t.Rows[0].Epoch), float64(t.Rows[n-1].Epoch)
		pad := math.Max((hi-lo)*0.04, 0.2)
		p.X.Min, p.X.Max = lo-pad, hi+pad
	}
}

func (t *Table) plotNRC(dir string) ([]string, error) {
	p := plotx.New(t.title("Neural regression collapse during training"), "epoch", "NRC1, NRC2, NRC3 (log scale)", false, true)
	drawn := false
	for i, c := range []struct {
		name string
		v    func(Row) (float64, bool)
	}{
		{"NRC1 (features vs their top-n PCs)", func(r Row) (float64, bool) { return r.Metrics.NRC1, !r.Metrics.FeaturesCollapsed }},
		{"NRC2 (features vs row space of W)", func(r Row) (float64, bool) { return r.Metrics.NRC2, !r.Metrics.FeaturesCollapsed }},
		{"NRC3 (WWᵀ vs Σ^½ − √γ I)", func(r Row) (float64, bool) { return r.Metrics.NRC3, r.Metrics.NRC3Undefined == "" }},
	} {
		ok, err := plotx.Line(p, c.name, plotx.Positive(t.column(c.v), false, true), i, true)
		if err != nil {
			return nil, err
		}
		drawn = drawn || ok
	}
	if !drawn {
		return nil, nil
	}
	t.epochTicks(p)
	p.Legend.Top, p.Legend.Left = false, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), vg.Points(8)
	return plotx.Save(p, dir, "nrc")
}

func (t *Table) plotEVR(dir string) ([]string, error) {
	k := t.evrColumns()
	if k == 0 {
		return nil, nil
	}
	p := plotx.New(t.title("Explained variance of the top principal components"), "epoch", "explained variance ratio", false, false)
	if _, err := plotx.Line(p, "top n together", t.column(topN), 7, true); err != nil {
		return nil, err
	}
	// PCs 1…n+1: the n that collapse predicts, and the first beyond.
	n := t.Rows[0].Metrics.TargetDim
	for j := 0; j < min(k, n+1); j++ {
		xy := t.column(func(r Row) (float64, bool) {
			if j < len(r.Metrics.EVR) {
				return r.Metrics.EVR[j], true
			}
			return 0, false
		})
		if _, err := plotx.Line(p, fmt.Sprintf("PC %d", j+1), xy, j, true); err != nil {
			return nil, err
		}
	}
	t.epochTicks(p)
	p.Y.Min, p.Y.Max = 0, 1.4
	p.Legend.Top = true
	return plotx.Save(p, dir, "evr")
}

func (t *Table) plotGamma(dir string) ([]string, error) {
	xy := plotx.Positive(t.column(func(r Row) (float64, bool) { return r.Metrics.NRC3Gamma, r.Metrics.NRC3Undefined == "" }), false, true)
	if len(xy) == 0 {
		return nil, nil
	}
	p := plotx.New(t.title("Optimal γ of NRC3"), "epoch", "γ (log scale)", false, true)
	if err := t.gammaLine(p, xy); err != nil {
		return nil, err
	}
	if t.C > 0 && len(t.Rows) > 0 {
		ref := plotter.XYs{{X: float64(t.Rows[0].Epoch), Y: t.C}, {X: float64(t.Rows[len(t.Rows)-1].Epoch), Y: t.C}}
		if _, err := plotx.Line(p, "c = λ_H·λ_W (the UFM optimum's γ)", ref, 1, false); err != nil {
			return nil, err
		}
	}
	t.epochTicks(p)
	p.Legend.Top = true
	return plotx.Save(p, dir, "gamma")
}

func (t *Table) plotMSE(dir string) ([]string, error) {
	xy := plotx.Positive(t.column(func(r Row) (float64, bool) { return r.Fit.MSE, true }), false, true)
	if len(xy) == 0 {
		return nil, nil
	}
	p := plotx.New(t.title("Training MSE"), "epoch", "(1/M) Σ‖W h_i + b − y_i‖² (log scale)", false, true)
	if _, err := plotx.Line(p, "training MSE", xy, 1, true); err != nil {
		return nil, err
	}
	t.epochTicks(p)
	p.Legend.Top = true
	return plotx.Save(p, dir, "fit")
}

func (t *Table) plotR2(dir string) ([]string, error) {
	w := t.column(func(r Row) (float64, bool) { return r.Fit.R2, r.Fit.Valid })
	if len(w) == 0 {
		return nil, nil
	}
	p := plotx.New(t.title("Coefficient of determination"), "epoch", "R²", false, false)
	if _, err := plotx.Line(p, "R² (variance-weighted)", w, 0, true); err != nil {
		return nil, err
	}
	u := t.column(func(r Row) (float64, bool) { return r.Fit.R2Uniform, r.Fit.Valid })
	if _, err := plotx.Line(p, "R² (uniform over outputs)", u, 1, true); err != nil {
		return nil, err
	}
	t.epochTicks(p)
	p.Legend.Top, p.Legend.Left = false, false
	return plotx.Save(p, dir, "r2")
}

// gammaLine draws γ with lines only between consecutive epochs that both
// have γ > 0, and names the epochs with γ = 0 (not drawable on a log
// axis) in the legend.
func (t *Table) gammaLine(p *plotx.Figure, xy plotter.XYs) error {
	var zeros []string
	present := map[float64]bool{}
	for _, q := range xy {
		present[q.X] = true
	}
	var seg plotter.XYs
	first := true
	flush := func() error {
		if len(seg) == 0 {
			return nil
		}
		name := ""
		if first {
			name = "γ minimizing NRC3(γ) over [0, σ_min]"
		}
		if _, err := plotx.Line(p, name, seg, 0, true); err != nil {
			return err
		}
		first = false
		seg = nil
		return nil
	}
	for _, r := range t.Rows {
		x := float64(r.Epoch)
		if present[x] {
			seg = append(seg, plotter.XY{X: x, Y: r.Metrics.NRC3Gamma})
			continue
		}
		if r.Metrics.NRC3Undefined == "" && r.Metrics.NRC3Gamma == 0 {
			zeros = append(zeros, fmt.Sprint(r.Epoch))
		}
		if err := flush(); err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if len(zeros) > 0 {
		p.Legend.Add(fmt.Sprintf("γ = 0 at epoch %s (off the log scale)", strings.Join(zeros, ", ")))
	}
	return nil
}
