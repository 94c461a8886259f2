package plotx

import (
	"testing"

	"gonum.org/v1/plot/plotter"
)

// TestSaveOnePointLogX: a log x axis whose data is the one value c = 1 (a
// sweep over 1e-330…1e330, of which float64 holds only c = 1) panicked in
// gonum/plot, which widened the range to [0, 2] (QA session 24). The axis
// is widened to a decade on each side instead.
func TestSaveOnePointLogX(t *testing.T) {
	for _, xy := range []plotter.XYs{{{X: 1, Y: 2}}, {{X: 0.5, Y: 2}}, {}} {
		f := New("one point", "c", "y", true, true)
		if len(xy) > 0 {
			if _, err := Line(f, "y", Positive(xy, true, true), 0, true); err != nil {
				t.Fatal(err)
			}
		}
		files, err := Save(f, t.TempDir(), "one")
		if err != nil || len(files) != 2 {
			t.Errorf("%v: files %v, error %v", xy, files, err)
		}
	}
}
