package sweep

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/nrc-ufm/ufm/internal/plotx"
	"github.com/nrc-ufm/ufm/theory"
)

// Plots draws the sweep into dir as PNG and SVG and returns the files
// written:
//   - loss: L* and the training MSE against c, with dashed lines at the
//     eigenvalues σ_j of Σ inside the range (where direction j switches off);
//   - rank: r = min(d, #{σ_j > c}) against c, a staircase (the line is the
//     exact step function of the σ_j, the markers the table's exact ranks);
//   - shrinkage: 1 − √(c/σ_j) per direction against c;
//   - nrc3: NRC3 at the optimum against c;
//   - regime: for a 2-D grid, the regime of every (λ_H, λ_W), with the
//     curves λ_H·λ_W = σ_j where the regime changes.
//
// Axes are logarithmic when the grid is (values ≤ 0 are then left out).
// Points whose values lie beyond float64's range are left out of the
// pictures (never of the table).
//
// For a deep table (DeepTable) the dashed lines are the thresholds c_j
// (σ_j^{K−1} = τ) instead of the σ_j, the rank staircase counts the c_j
// above c (capped), shrinkage is s_j/t_j with the jump at c_j drawn as a
// gap (plotSwitchOff), and there is no nrc3 or regime picture.
func (t *Table) Plots(dir string) ([]string, error) {
	var files []string
	plots := []func(string) ([]string, error){t.plotLoss, t.plotRank, t.plotShrinkage, t.plotNRC3, t.plotRegime}
	if t.Deep != nil {
		plots = []func(string) ([]string, error){t.plotLoss, t.plotRank, t.plotSwitchOff}
	}
	for _, f := range plots {
		out, err := f(dir)
		if err != nil {
			return files, err
		}
		files = append(files, out...)
	}
	return files, plotx.RemoveStale(dir, pictureNames, files)
}

// pictureNames are the base names of every picture a sweep can draw.
var pictureNames = []string{"loss", "rank", "shrinkage", "nrc3", "regime"}

// PictureNames returns the base names of every picture Plots can draw
// (each as .png and .svg), so that a caller moving the pictures into
// place can remove those of an earlier run that were not redrawn.
func (t *Table) PictureNames() []string { return append([]string(nil), pictureNames...) }

func (t *Table) logScale() bool { return t.H.Log || t.W.Log }

// byC returns the points ordered by c (then index), skipping those with
// c ≤ 0 on a log axis or c outside float64.
func (t *Table) byC() []*Point {
	var ps []*Point
	for k := range t.Points {
		p := &t.Points[k]
		c, ok := p.CValue.Float64()
		if !ok || t.logScale() && c <= 0 {
			continue
		}
		ps = append(ps, p)
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].C.Cmp(ps[j].C) < 0 })
	return ps
}

// series returns (c, value) for the points where value is defined.
func series(ps []*Point, value func(*Point) Value) plotter.XYs {
	xy := plotter.XYs{}
	for _, p := range ps {
		c, _ := p.CValue.Float64()
		if v, ok := value(p).Float64(); ok {
			xy = append(xy, plotter.XY{X: c, Y: v})
		}
	}
	return xy
}

// cRange returns the smallest and largest plotted c.
func cRange(ps []*Point) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range ps {
		c, _ := p.CValue.Float64()
		lo, hi = math.Min(lo, c), math.Max(hi, c)
	}
	return lo, hi
}

// markSigma draws σ_j lines for the eigenvalues inside [lo, hi], from y0
// to y1. Equal eigenvalues share one line and label.
// For a deep table the lines are at the thresholds c_j instead, labelled
// σ_j^{K−1} = τ.
func (t *Table) markSigma(p *plotx.Figure, lo, hi, y0, y1 float64) error {
	last := math.NaN()
	for j, s := range t.switchOffs() {
		v, ok := s.Float64()
		if !ok || v < lo || v > hi || v == last {
			continue
		}
		last = v
		label := fmt.Sprintf("σ%s", subscript(j+1))
		if t.Deep != nil {
			label += " = τ"
			if t.Deep.K > 2 {
				label = fmt.Sprintf("σ%s%s = τ", subscript(j+1), superscript(t.Deep.K-1))
			}
		}
		if err := plotx.VLine(p, v, y0, y1, label); err != nil {
			return err
		}
	}
	return nil
}

// yRange returns the range of the y values of the given series.
func yRange(xys ...plotter.XYs) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, xy := range xys {
		for _, p := range xy {
			lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
		}
	}
	return lo, hi
}

func (t *Table) title(what string) string {
	s := fmt.Sprintf("%s — %s (n = %d, d = %d, M = %d)", what, t.Name, t.N, t.D, t.M)
	if t.Interrupted {
		// A partial sweep says so on every picture (QA session 22).
		s += fmt.Sprintf(" — INTERRUPTED: %d of %d points", len(t.Points), t.Planned)
	}
	return s
}

func (t *Table) plotLoss(dir string) ([]string, error) {
	ps := t.byC()
	lg := t.logScale()
	p := plotx.New(t.title("Minimal loss and training MSE"), t.cLabel(), "L*, training MSE", lg, lg)
	loss := plotx.Positive(series(ps, func(p *Point) Value { return p.MinLoss }), lg, lg)
	mse := plotx.Positive(series(ps, func(p *Point) Value { return p.TrainMSE }), lg, lg)
	if len(loss)+len(mse) == 0 {
		return nil, nil
	}
	if _, err := plotx.Line(p, "L* (minimal loss)", loss, 0, true); err != nil {
		return nil, err
	}
	if _, err := plotx.Line(p, "training MSE", mse, 1, true); err != nil {
		return nil, err
	}
	lo, hi := cRange(ps)
	y0, y1 := yRange(loss, mse)
	if err := t.markSigma(p, lo, hi, y0, y1); err != nil {
		return nil, err
	}
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.YOffs = vg.Points(8)
	return plotx.Save(p, dir, "loss")
}

// rankAt is min(d, #{σ_j > c}) from the plotted eigenvalues (for the
// staircase line only; the table's ranks are exact).
func (t *Table) rankAt(c float64) int {
	k := 0
	for _, s := range t.switchOffs() {
		if v, ok := s.Float64(); ok && v > c {
			k++
		}
	}
	return min(k, t.rankCap())
}

// switchOffs are the c where a mode switches off: the σ_j for the
// one-layer model, the thresholds c_j for a deep one.
func (t *Table) switchOffs() []Value {
	if t.Deep != nil {
		return t.Deep.Thresholds
	}
	return t.Sigma
}

// rankCap is d (one layer) or r_max = min(d_0, …, d_{K−2}, n) (deep).
func (t *Table) rankCap() int {
	if t.Deep != nil {
		return t.Deep.Cap
	}
	return t.D
}

// cLabel is the x-axis label: c in the model's notation.
func (t *Table) cLabel() string {
	if t.Deep != nil {
		return "c = λ_H·Π_l λ_l"
	}
	return "c = λ_H·λ_W"
}

func (t *Table) plotRank(dir string) ([]string, error) {
	ps := t.byC()
	lg := t.logScale()
	var reg []*Point
	for _, p := range ps {
		if p.C.Sign() > 0 && p.LambdaH.Sign() > 0 {
			reg = append(reg, p)
		}
	}
	if len(reg) == 0 {
		return nil, nil
	}
	what, rule := "Rank of W*W*ᵀ", "r = min(d, #{j : σ_j > c})"
	if t.Deep != nil {
		what, rule = "Modes switched on", fmt.Sprintf("r = min(r_max, #{j : σ_j^%d > τ})", t.Deep.K-1)
	}
	p := plotx.New(t.title(what), t.cLabel(), "rank r", lg, false)
	lo, hi := cRange(reg)
	xs := []float64{lo}
	for _, s := range t.switchOffs() {
		if v, ok := s.Float64(); ok && v > lo && v < hi {
			xs = append(xs, v)
		}
	}
	xs = append(xs, hi)
	sort.Float64s(xs)
	stair := plotter.XYs{}
	for _, x := range xs {
		stair = append(stair, plotter.XY{X: x, Y: float64(t.rankAt(x))})
	}
	l, err := plotter.NewLine(stair)
	if err != nil {
		return nil, err
	}
	l.StepStyle = plotter.PostStep
	l.Color = plotx.Color(0)
	l.Width = vg.Points(1.8)
	p.Add(l)
	p.Legend.Add(rule, l)
	pts := plotter.XYs{}
	for _, q := range reg {
		c, _ := q.CValue.Float64()
		pts = append(pts, plotter.XY{X: c, Y: float64(q.Rank)})
	}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	s.Color = plotx.Color(1)
	s.Shape = draw.CircleGlyph{}
	s.Radius = vg.Points(2)
	p.Add(s)
	p.Legend.Add("grid points (exact rank)", s)
	top := min(t.N, t.rankCap())
	if err := t.markSigma(p, lo, hi, 0, float64(top)+0.5); err != nil {
		return nil, err
	}
	var ticks []plot.Tick
	for r := 0; r <= top; r++ {
		ticks = append(ticks, plot.Tick{Value: float64(r), Label: fmt.Sprint(r)})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = -0.2, float64(top)+0.6
	p.Legend.Top, p.Legend.Left = false, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), vg.Points(8)
	return plotx.Save(p, dir, "rank")
}

func (t *Table) plotShrinkage(dir string) ([]string, error) {
	ps := t.byC()
	lg := t.logScale()
	p := plotx.New(t.title("Shrinkage of each principal direction"), "c = λ_H·λ_W", "1 − √(c/σ_j)", lg, false)
	drawn := false
	for j := 0; j < t.N; j++ {
		xy := plotx.Positive(series(ps, func(p *Point) Value { return p.Shrinkage[j] }), lg, false)
		ok, err := plotx.Line(p, fmt.Sprintf("direction j = %d", j+1), xy, j, len(xy) <= 60)
		if err != nil {
			return nil, err
		}
		drawn = drawn || ok
	}
	if !drawn {
		return nil, nil
	}
	lo, hi := cRange(ps)
	if err := t.markSigma(p, lo, hi, 0, 1.08); err != nil {
		return nil, err
	}
	p.Y.Min, p.Y.Max = 0, 1.1
	p.Legend.Top, p.Legend.Left = false, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), vg.Points(8)
	return plotx.Save(p, dir, "shrinkage")
}

func (t *Table) plotNRC3(dir string) ([]string, error) {
	ps := t.byC()
	lg := t.logScale()
	xy := plotx.Positive(series(ps, func(p *Point) Value { return p.NRC3 }), lg, false)
	if len(xy) == 0 {
		return nil, nil
	}
	p := plotx.New(t.title("NRC3 at the optimum"), "c = λ_H·λ_W", "NRC3 (minimized over γ)", lg, false)
	if _, err := plotx.Line(p, "NRC3 (0 in the full regime)", xy, 2, len(xy) <= 60); err != nil {
		return nil, err
	}
	lo, hi := cRange(ps)
	_, y1 := yRange(xy)
	y1 = math.Max(y1*1.1, 0.05)
	if err := t.markSigma(p, lo, hi, 0, y1); err != nil {
		return nil, err
	}
	p.Y.Min, p.Y.Max = 0, y1*1.05
	p.Legend.Left = true
	return plotx.Save(p, dir, "nrc3")
}

// regimeColors fixes one colour per regime.
var regimeColors = map[theory.Regime]color.Color{
	theory.Full:          plotx.Color(2),
	theory.Partial:       plotx.Color(4),
	theory.Trivial:       color.RGBA{170, 170, 170, 255},
	theory.Unregularized: plotx.Color(0),
	theory.Unattained:    plotx.Color(3),
}

var regimeOrder = []theory.Regime{theory.Full, theory.Partial, theory.Trivial, theory.Unregularized, theory.Unattained}

func (t *Table) plotRegime(dir string) ([]string, error) {
	if len(t.H.Values) < 2 || len(t.W.Values) < 2 {
		return nil, nil
	}
	lg := t.logScale()
	p := plotx.New(t.title("Regime map"), "λ_H", "λ_W", t.H.Log, t.W.Log)
	hEdges, hOK := cellEdges(t.H)
	wEdges, wOK := cellEdges(t.W)
	if !hOK || !wOK {
		return nil, nil
	}
	// One rectangle per run of equal regimes along λ_H (fewer shapes
	// than cells: a 40×40 grid draws about a hundred).
	first := map[theory.Regime]*plotter.Polygon{}
	nh := len(t.H.Values)
	for iw := range t.W.Values {
		if (iw+1)*nh > len(t.Points) {
			break // an interrupted sweep: complete rows only
		}
		y0, y1 := p.MapY(wEdges[iw]), p.MapY(wEdges[iw+1])
		for start := 0; start < nh; {
			r := t.Points[iw*nh+start].Regime
			end := start + 1
			for end < nh && t.Points[iw*nh+end].Regime == r {
				end++
			}
			x0, x1 := hEdges[start], hEdges[end]
			cell, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
			if err != nil {
				return nil, err
			}
			cell.Color = regimeColors[r]
			cell.LineStyle.Width = vg.Points(0.3)
			cell.LineStyle.Color = regimeColors[r]
			p.Add(cell)
			if first[r] == nil {
				first[r] = cell
			}
			start = end
		}
	}
	for _, r := range regimeOrder {
		if first[r] != nil {
			p.Legend.Add(string(r), first[r])
		}
	}
	// Curves λ_W = σ_j/λ_H inside the box.
	hx0, _ := t.H.Values[0].Float64()
	hx1, _ := t.H.Values[len(t.H.Values)-1].Float64()
	wy0, _ := t.W.Values[0].Float64()
	wy1, _ := t.W.Values[len(t.W.Values)-1].Float64()
	hlo, hhi := math.Min(hx0, hx1), math.Max(hx0, hx1)
	wlo, whi := math.Min(wy0, wy1), math.Max(wy0, wy1)
	last := math.NaN()
	for j, s := range t.Sigma {
		v, ok := s.Float64()
		if !ok || v <= 0 || v == last {
			continue
		}
		last = v
		curve := plotter.XYs{}
		const steps = 200
		for i := 0; i <= steps; i++ {
			var x float64
			if lg && hlo > 0 {
				x = hlo * math.Pow(hhi/hlo, float64(i)/steps)
			} else {
				x = hlo + (hhi-hlo)*float64(i)/steps
			}
			if x <= 0 {
				continue
			}
			y := v / x
			if y >= wlo && y <= whi {
				curve = append(curve, plotter.XY{X: x, Y: p.MapY(y)})
			}
		}
		if len(curve) < 2 {
			continue
		}
		l, err := plotter.NewLine(curve)
		if err != nil {
			return nil, err
		}
		l.Color = color.Black
		l.Width = vg.Points(1)
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: curve[len(curve)/2 : len(curve)/2+1], Labels: []string{fmt.Sprintf("λ_H·λ_W = σ%s", subscript(j+1))}})
		if err != nil {
			return nil, err
		}
		lb.TextStyle[0].Font.Size = vg.Points(9)
		lb.Offset = vg.Point{X: vg.Points(3), Y: vg.Points(3)}
		p.Add(lb)
	}
	p.Legend.Top = true
	return plotx.Save(p, dir, "regime")
}

// cellEdges returns the K+1 cell boundaries of an axis's K points: the
// midpoints between neighbours (geometric on a log axis), and the ends
// reflected outward. ok is false when a log axis holds a value ≤ 0 or a
// value is outside float64.
func cellEdges(a *Axis) ([]float64, bool) {
	k := len(a.Values)
	v := make([]float64, k)
	for i, r := range a.Values {
		f, _ := r.Float64()
		if math.IsInf(f, 0) || a.Log && f <= 0 {
			return nil, false
		}
		v[i] = f
	}
	mid := func(x, y float64) float64 {
		if a.Log {
			return math.Sqrt(x * y)
		}
		return (x + y) / 2
	}
	e := make([]float64, k+1)
	for i := 1; i < k; i++ {
		e[i] = mid(v[i-1], v[i])
	}
	if a.Log {
		e[0], e[k] = v[0]*v[0]/e[1], v[k-1]*v[k-1]/e[k-1]
	} else {
		e[0], e[k] = 2*v[0]-e[1], 2*v[k-1]-e[k-1]
	}
	return e, true
}

// subscript writes k with Unicode subscript digits (σ₁, σ₁₂).
func subscript(k int) string {
	return digitsIn(k, "₀₁₂₃₄₅₆₇₈₉")
}

// superscript writes k with Unicode superscript digits (σ²).
func superscript(k int) string {
	return digitsIn(k, "⁰¹²³⁴⁵⁶⁷⁸⁹")
}

func digitsIn(k int, digits string) string {
	s := fmt.Sprint(k)
	out := ""
	for _, c := range s {
		out += string([]rune(digits)[c-'0'])
	}
	return out
}
