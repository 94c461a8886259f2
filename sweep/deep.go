package sweep

import (
	"fmt"
	"math/big"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/plotx"
	"github.com/nrc-ufm/ufm/theory"
)

// DeepTable is what a sweep of a deep instance (docs/theory.md §6: layers
// > 1 or data_term mean) adds to the table.
//
// The axes: --lambda-h sweeps λ_H; --lambda-w, when given, sets every
// layer's λ_l (l = 1 … K−1) to the same value; without it the instance's
// λ_l are kept and the λ_W column is empty. The c column is always the
// instance's c = λ_H·Π_l λ_l (for data_term mean the closed form solves
// the sum problem with c·n^K; the thresholds below are converted back).
type DeepTable struct {
	K        int    // number of factors: weight layers + 1
	DataTerm string // "sum" or "mean"
	Cap      int    // r_max = min(d_0, …, d_{K−2}, n): at most that many modes are on
	// Thresholds[j] is the c at which σ_j^{K−1} = τ (mode j switches off
	// as c rises through it): c_j = σ_j^{K−1}·c/τ, with the exact rational
	// c/τ = (K−2)^{K−2}/((K−1)^{2K−2}·s), s = 1 (sum) or n^K (mean).
	// For K ≥ 3 the optimal s_j jumps there from s₊ (s₊/t_j = (K−2)/(K−1))
	// to 0; for K = 2 it goes to 0 continuously.
	Thresholds []Value
}

func newDeepTable(in *instance.Instance) *DeepTable {
	ws := in.LayerWidths()
	c := in.N()
	for _, w := range ws[:len(ws)-1] {
		c = min(c, w)
	}
	return &DeepTable{K: in.WeightLayers() + 1, DataTerm: in.DataTerm.String(), Cap: c}
}

// fixedLambdaW is the λ_W column when --lambda-w is not swept: the
// instance's λ_W, or nil (printed empty) for layers > 1, whose λ_l are kept
// as they are.
func fixedLambdaW(in *instance.Instance) *big.Rat {
	if in.WeightLayers() > 1 {
		return nil
	}
	return in.LambdaW
}

// setLambdaW sets the weight regularization of in to v: λ_W, and for a
// deep instance every λ_l. v == nil keeps the instance's.
func setLambdaW(in *instance.Instance, v *big.Rat) {
	if v == nil {
		return
	}
	in.LambdaW = new(big.Rat).Set(v)
	if len(in.Lambdas) == 0 {
		return
	}
	for l := range in.Lambdas {
		in.Lambdas[l] = new(big.Rat).Set(v)
	}
	in.LambdaW = in.Lambdas[0]
}

// positiveForDeep refuses, for a deep instance, a grid holding λ ≤ 0: the
// deep closed form needs λ_H > 0 and every λ_l > 0 (docs/theory.md §6).
func positiveForDeep(in *instance.Instance, h, w *Axis) error {
	if !in.IsDeep() {
		return nil
	}
	for _, a := range []*Axis{h, w} {
		for _, v := range a.Values {
			if v != nil && v.Sign() <= 0 {
				return fmt.Errorf("sweep: --%s: a deep or mean-convention instance needs every λ > 0, the grid holds %s", flagName(a.Name), ExactText(v))
			}
		}
	}
	return nil
}

// lambdaText names a point's λ's for messages.
func (p *Point) lambdaText() string {
	if p.LambdaW == nil {
		return fmt.Sprintf("λ_H = %s, λ_l as in the instance", ExactText(p.LambdaH))
	}
	return fmt.Sprintf("λ_H = %s, λ_W = %s", ExactText(p.LambdaH), ExactText(p.LambdaW))
}

// fillThresholds sets the switch-off points c_j from point 0's predictions
// (c > 0 there: theory.PredictDeep refuses λ = 0).
func (d *DeepTable) fillThresholds(c *big.Rat, lo, hi *theory.Prediction, digits int) {
	ratio := new(big.Rat).Quo(c, lo.Deep.Tau)
	at := func(p *theory.Prediction, j int) *big.Float {
		s := p.Sigma[j]
		x := new(big.Float).SetPrec(p.Prec).SetInt64(1)
		for range d.K - 1 {
			x.Mul(x, s)
		}
		return x.Mul(x, new(big.Float).SetPrec(p.Prec).SetRat(ratio))
	}
	d.Thresholds = make([]Value, len(lo.Sigma))
	for j := range lo.Sigma {
		d.Thresholds[j] = agreed(at(lo, j), at(hi, j), digits)
	}
}

// fillDeep sets the optimal singular values s_j of a deep point. NRC at the
// optimum is not part of a deep sweep: those columns stay blank.
func (p *Point) fillDeep(lo, hi *theory.Prediction, digits int) error {
	if lo.Deep == nil || hi.Deep == nil || lo.Deep.On != hi.Deep.On {
		return fmt.Errorf("internal error: the deep prediction differs between %d and %d digits", digits, digits+ExtraDigits)
	}
	p.S = make([]Value, len(lo.Deep.Modes))
	for j := range lo.Deep.Modes {
		p.S[j] = agreed(lo.Deep.Modes[j].S, hi.Deep.Modes[j].S, digits)
		if p.S[j].X == nil {
			p.note("s_%d is below the resolution of %d digits and is left blank", j+1, digits)
		}
	}
	p.note("NRC1–NRC3 at the optimum are not computed for deep models")
	return nil
}

// plotSwitchOff draws s_j/t_j against c for every mode of a deep table:
// each run of consecutive grid points with the mode on (s_j > 0) or off
// (s_j = 0) is one line, so the jump at the threshold c_j shows as a gap
// between the branches, not as a steep line. Dashed lines mark the c_j
// (σ_j^{K−1} = τ), and for K ≥ 3 a dotted line the jump height
// s₊/t_j = (K−2)/(K−1) at the threshold.
func (t *Table) plotSwitchOff(dir string) ([]string, error) {
	ps := t.byC()
	lg := t.logScale()
	K := t.Deep.K
	p := plotx.New(fmt.Sprintf("Switch-off of each mode, K = %d — %s", K, t.Name), t.cLabel(), "s_j / t_j  (optimal / target singular value)", lg, false)
	drawn := false
	for j := 0; j < t.N; j++ {
		name := fmt.Sprintf("mode j = %d", j+1)
		for _, run := range onOffRuns(ps, j) {
			xy := plotx.Positive(series(run, func(p *Point) Value { return p.Shrinkage[j] }), lg, false)
			ok, err := plotx.Line(p, name, xy, j, len(ps) <= 80)
			if err != nil {
				return nil, err
			}
			if ok {
				name, drawn = "", true
			}
		}
	}
	if !drawn {
		return nil, nil
	}
	lo, hi := cRange(ps)
	if K >= 3 {
		h := float64(K-2) / float64(K-1)
		if err := hLine(p, lo, hi, h, fmt.Sprintf("jump height s_+/t_j = (K−2)/(K−1) = %.3g", h)); err != nil {
			return nil, err
		}
	}
	if err := t.markSigma(p, lo, hi, 0, 1.08); err != nil {
		return nil, err
	}
	p.Y.Min, p.Y.Max = -0.03, 1.1
	p.Legend.Top, p.Legend.Left = false, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(90), vg.Points(40)
	return plotx.Save(p, dir, "shrinkage")
}

// onOffRuns splits the c-ordered points into maximal runs on which mode j
// is all on (s_j > 0) or all off; points where s_j is undefined end a run.
func onOffRuns(ps []*Point, j int) [][]*Point {
	var runs [][]*Point
	var cur []*Point
	state := 0 // 1 on, −1 off, 0 none
	for _, p := range ps {
		s := 0
		if j < len(p.S) && p.S[j].X != nil {
			s = 1
			if p.S[j].X.Sign() == 0 {
				s = -1
			}
		}
		if s != state && len(cur) > 0 {
			runs = append(runs, cur)
			cur = nil
		}
		state = s
		if s != 0 {
			cur = append(cur, p)
		}
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

// hLine adds a dotted horizontal reference line at y from x0 to x1, named in
// the legend.
func hLine(f *plotx.Figure, x0, x1, y float64, name string) error {
	l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: f.MapY(y)}, {X: x1, Y: f.MapY(y)}})
	if err != nil {
		return err
	}
	l.Color = plotx.Gray
	l.Width = vg.Points(0.8)
	l.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
	f.Plot.Add(l)
	f.Plot.Legend.Add(name, l)
	return nil
}
