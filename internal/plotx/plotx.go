// Package plotx holds the few conventions the project's plots share
// (gonum.org/v1/plot): sizes, colours, log axes that never see a
// non-positive value, and writing each figure as PNG and SVG.
package plotx

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"

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

// New returns a plot with a title, axis labels and a light grid; logX and
// logY select logarithmic axes (the caller must add only positive values
// on them: see Positive).
func New(title, xLabel, yLabel string, logX, logY bool) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.TextStyle.Font.Size = vg.Points(12)
	p.Y.Label.TextStyle.Font.Size = vg.Points(12)
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 225}
	g.Horizontal.Color = color.Gray{Y: 225}
	p.Add(g)
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	return p
}

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

// Line adds a line with markers in colour i, named in the legend; it
// returns false (adding nothing) when xy is empty.
func Line(p *plot.Plot, name string, xy plotter.XYs, i int, markers bool) (bool, error) {
	if len(xy) == 0 {
		return false, nil
	}
	l, s, err := plotter.NewLinePoints(xy)
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
		p.Legend.Add(name, l, s)
	} else {
		p.Legend.Add(name, l)
	}
	return true, nil
}

// VLine adds a dashed vertical reference line at x from y0 to y1 with a
// label at the top.
func VLine(p *plot.Plot, x, y0, y1 float64, label string) error {
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

// Save writes p as DIR/BASE.png (DPI dots per inch) and DIR/BASE.svg and
// returns the two paths. Each file is written to a temporary name and
// renamed, so a failure leaves no half-written picture.
func Save(p *plot.Plot, dir, base string) ([]string, error) {
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
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
