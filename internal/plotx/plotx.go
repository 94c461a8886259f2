// Package plotx holds the few conventions the project's plots share
// (gonum.org/v1/plot): sizes, colours, log axes that never see a
// non-positive value, and writing each figure as PNG and SVG.
package plotx

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Size of every figure, and the PNG resolution.
const (
	Width  = 16 * vg.Centimeter
	Height = 10 * vg.Centimeter
	DPI    = 150
)

// Colors is a qualitative palette (Okabe–Ito, readable by colour-blind
// people), cycled by series index.
var Colors = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{213, 94, 0, 255},    // vermillion
	color.RGBA{0, 158, 115, 255},   // bluish green
	color.RGBA{204, 121, 167, 255}, // reddish purple
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{240, 228, 66, 255},  // yellow
	color.RGBA{0, 0, 0, 255},       // black
}

// Color returns the i-th palette colour (cycling).
func Color(i int) color.Color { return Colors[i%len(Colors)] }

// Gray is the colour of reference marks (eigenvalue lines, thresholds).
var Gray = color.RGBA{120, 120, 120, 255}

// Figure is a plot and how its y values are mapped: with LogY the data
// are drawn as log10(y) on a linear axis whose ticks are labelled with
// the powers of ten. (gonum/plot's LogScale places the glyph box of a
// vertical axis label at the arithmetic middle of the range, near the top
// of a log axis, and pads the plot by half the label's length.)
type Figure struct {
	*plot.Plot
	LogY bool
}

// MapY maps a data value to the axis coordinate.
func (f *Figure) MapY(v float64) float64 {
	if f.LogY {
		return math.Log10(v)
	}
	return v
}

// New returns a figure with a title, axis labels and a light grid; logX
// and logY select logarithmic axes (the caller must add only positive
// values on them: see Positive).
func New(title, xLabel, yLabel string, logX, logY bool) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.Title.Padding = vg.Points(8)
	p.X.Label.TextStyle.Font.Size = vg.Points(12)
	p.Y.Label.TextStyle.Font.Size = vg.Points(12)
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = LogTicks{}
	}
	if logY {
		p.Y.Tick.Marker = log10Ticks{}
	}
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 225}
	g.Horizontal.Color = color.Gray{Y: 225}
	p.Add(g)
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	return &Figure{Plot: p, LogY: logY}
}

// mapY returns xy with the y values mapped by f.MapY.
func (f *Figure) mapY(xy plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, len(xy))
	for i, q := range xy {
		out[i] = plotter.XY{X: q.X, Y: f.MapY(q.Y)}
	}
	return out
}

// SetYRange sets the y range in data values.
func (f *Figure) SetYRange(lo, hi float64) { f.Plot.Y.Min, f.Plot.Y.Max = f.MapY(lo), f.MapY(hi) }

// Positive returns the points of xy whose coordinates are finite and, on
// a log axis, positive.
func Positive(xy plotter.XYs, logX, logY bool) plotter.XYs {
	out := plotter.XYs{}
	for _, p := range xy {
		ok := !math.IsNaN(p.X) && !math.IsInf(p.X, 0) && !math.IsNaN(p.Y) && !math.IsInf(p.Y, 0)
		if ok && (!logX || p.X > 0) && (!logY || p.Y > 0) {
			out = append(out, p)
		}
	}
	return out
}

// Line adds a line with markers in colour i, named in the legend (unless
// name is empty); it
// returns false (adding nothing) when xy is empty.
func Line(f *Figure, name string, xy plotter.XYs, i int, markers bool) (bool, error) {
	if len(xy) == 0 {
		return false, nil
	}
	p := f.Plot
	l, s, err := plotter.NewLinePoints(f.mapY(xy))
	if err != nil {
		return false, err
	}
	l.Color = Color(i)
	l.Width = vg.Points(1.6)
	p.Add(l)
	if markers {
		s.Color = Color(i)
		s.Shape = draw.CircleGlyph{}
		s.Radius = vg.Points(2)
		p.Add(s)
		if name != "" {
			p.Legend.Add(name, l, s)
		}
	} else if name != "" {
		p.Legend.Add(name, l)
	}
	return true, nil
}

// VLine adds a dashed vertical reference line at x from y0 to y1 with a
// label at the top.
func VLine(f *Figure, x, y0, y1 float64, label string) error {
	p := f.Plot
	y0, y1 = f.MapY(y0), f.MapY(y1)
	l, err := plotter.NewLine(plotter.XYs{{X: x, Y: y0}, {X: x, Y: y1}})
	if err != nil {
		return err
	}
	l.Color = Gray
	l.Width = vg.Points(0.8)
	l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(l)
	if label == "" {
		return nil
	}
	lb, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: y1}}, Labels: []string{label}})
	if err != nil {
		return err
	}
	lb.Offset = vg.Point{X: vg.Points(2), Y: vg.Points(-12)}
	for i := range lb.TextStyle {
		lb.TextStyle[i].Color = Gray
		lb.TextStyle[i].Font.Size = vg.Points(9)
	}
	p.Add(lb)
	return nil
}

// RemoveStale removes DIR/BASE.png and DIR/BASE.svg for every base in
// bases whose pictures are not among written (the paths Save returned in
// this run): a picture an earlier run left in a reused directory must not
// pass for one of this run (QA session 22: a 1-D sweep kept the regime
// map of an earlier 2-D sweep of another instance). A file that is not
// there is fine; any other error is returned.
func RemoveStale(dir string, bases, written []string) error {
	keep := map[string]bool{}
	for _, w := range written {
		keep[w] = true
	}
	for _, b := range bases {
		for _, ext := range []string{".png", ".svg"} {
			f := filepath.Join(dir, b+ext)
			if keep[f] {
				continue
			}
			if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// Save writes p as DIR/BASE.png (DPI dots per inch) and DIR/BASE.svg and
// returns the two paths. Each file is written to a temporary name and
// renamed, so a failure leaves no half-written picture.
func Save(f *Figure, dir, base string) ([]string, error) {
	p := f.Plot
	widenLogX(p)
	png := filepath.Join(dir, base+".png")
	svg := filepath.Join(dir, base+".svg")
	img := vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(DPI), vgimg.UseBackgroundColor(color.White))
	p.Draw(draw.New(img))
	if err := writeAtomic(png, vgimg.PngCanvas{Canvas: img}); err != nil {
		return nil, err
	}
	sv := vgsvg.New(Width, Height)
	fill := draw.New(sv)
	fill.SetColor(color.White)
	fill.Fill(fill.Rectangle.Path())
	p.Draw(fill)
	if err := writeAtomic(svg, sv); err != nil {
		return nil, err
	}
	return []string{png, svg}, nil
}

// widenLogX gives a logarithmic x axis whose data span one value v a
// decade on each side, [v/10, 10v]. gonum/plot widens such a range to
// [v − 1, v + 1], which is ≤ 0 for v ≤ 1 and panics on a log scale (QA
// session 24: a sweep over 1e-330…1e330 kept the one point c = 1 that
// float64 holds). An axis without data (Min > Max) is given [0.1, 10].
func widenLogX(p *plot.Plot) {
	if _, ok := p.X.Scale.(plot.LogScale); !ok {
		return
	}
	switch {
	case p.X.Min > p.X.Max || p.X.Max <= 0:
		p.X.Min, p.X.Max = 0.1, 10
	case p.X.Min == p.X.Max:
		p.X.Min, p.X.Max = p.X.Max/10, p.X.Max*10
	case p.X.Min <= 0:
		p.X.Min = p.X.Max / 10
	}
}

// writeAtomic writes wt to path through a temporary file in the same
// directory.
func writeAtomic(path string, wt io.WriterTo) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = wt.WriteTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// LogTicks marks the powers of ten of a log axis with short labels
// ("0.01", "1e-12"), every decade when at most 8 are shown and every
// k-th otherwise, with unlabelled minor ticks at 2…9 × 10^k when the axis
// spans at most 4 decades. (plot.LogTicks prints 0.009999999999999998.)
type LogTicks struct{}

// Ticks implements plot.Ticker.
func (LogTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > 0) || hi < lo {
		return nil
	}
	k0, k1 := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	decades := k1 - k0
	step := max(1, (decades+7)/8)
	var ticks []plot.Tick
	for k := k0; k <= k1; k++ {
		v := math.Pow10(k)
		if v >= lo*(1-1e-9) && v <= hi*(1+1e-9) {
			label := ""
			if (k-k0)%step == 0 {
				label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
		if decades > 4 {
			continue
		}
		for m := 2; m <= 9; m++ {
			if w := float64(m) * v; w >= lo && w <= hi {
				ticks = append(ticks, plot.Tick{Value: w})
			}
		}
	}
	return ticks
}

// log10Ticks marks a linear axis holding log10 values with the powers of
// ten they stand for (as LogTicks does on a log axis).
type log10Ticks struct{}

// Ticks implements plot.Ticker.
func (log10Ticks) Ticks(lo, hi float64) []plot.Tick {
	ticks := LogTicks{}.Ticks(math.Pow(10, lo), math.Pow(10, hi))
	for i := range ticks {
		ticks[i].Value = math.Log10(ticks[i].Value)
	}
	return ticks
}
