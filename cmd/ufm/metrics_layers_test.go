package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
)

// writeLayerCSV writes m (rows × cols) with 40 significant digits per entry.
func writeLayerCSV(t *testing.T, path string, m *bigmat.Dense, transpose bool) {
	t.Helper()
	r, c := m.Dims()
	var b strings.Builder
	rows, cols := r, c
	if transpose {
		rows, cols = c, r
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			ri, ci := i, j
			if transpose {
				ri, ci = j, i
			}
			x := m.At(ri, ci)
			b.WriteString(x.Text('g', 40))
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestMetricsLayers: the solver's optimum of the K = 3 example, written as
// per-layer files (H_0 = H, H_1 = W_1H; W_1, W_2), gives NRC1 = NRC2 ≈ 0 at
// both layers (the deep collapse), on the float64 and the --digits paths;
// a mismatched number of weight files exits 2.
func TestMetricsLayers(t *testing.T) {
	in, err := instance.Load(filepath.Join("..", "..", "examples", "deep-k3-3x8.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := solver.Solve(in, solver.Settings{Digits: 40})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w1, w2 := res.Deep.Layers[0], res.Deep.Layers[1]
	h0 := res.H.Slice(0, res.Deep.Widths[0], 0, in.M())
	h1 := new(bigmat.Dense).Mul(w1, h0)
	y := bigmat.New(in.M(), in.N(), res.Prec)
	for i, row := range in.Targets {
		for k, v := range row {
			y.At(i, k).SetRat(v)
		}
	}
	files := map[string]*bigmat.Dense{"w1.csv": w1, "w2.csv": w2, "y.csv": y}
	for name, m := range files {
		writeLayerCSV(t, filepath.Join(dir, name), m, false)
	}
	writeLayerCSV(t, filepath.Join(dir, "h0.csv"), h0, true)
	writeLayerCSV(t, filepath.Join(dir, "h1.csv"), h1, true)
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, digits := range []string{"", "30"} {
		args := []string{"--features", p("h0.csv") + "," + p("h1.csv"), "--weights", p("w1.csv") + "," + p("w2.csv"), "--targets", p("y.csv"), "--json"}
		if digits != "" {
			args = append(args, "--digits", digits)
		}
		code, out, errOut := runMetricsArgs(t, args...)
		if code != 0 {
			t.Fatalf("digits %s: exit %d: %s", digits, code, errOut)
		}
		var doc layersJSON
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Layers) != 2 {
			t.Fatalf("%d layers", len(doc.Layers))
		}
		for _, l := range doc.Layers {
			for name, v := range map[string]any{"nrc1": l.NRC1, "nrc2": l.NRC2} {
				f, err := strconv.ParseFloat(fmt.Sprint(v), 64)
				if err != nil || f > 1e-10 {
					t.Errorf("digits %s, layer %d: %s = %v (want ≈ 0: collapse at every layer)", digits, l.Layer, name, v)
				}
			}
		}
	}
	code, _, errOut := runMetricsArgs(t, "--features", p("h0.csv")+","+p("h1.csv"), "--weights", p("w2.csv"), "--targets", p("y.csv"))
	if code != 2 || !strings.Contains(errOut, "weight files") {
		t.Errorf("mismatched weight files: exit %d, %q", code, errOut)
	}
	// y.csv (M×n) as the top weights: the product has M rows, not n.
	code, _, errOut = runMetricsArgs(t, "--features", p("h0.csv")+","+p("h1.csv"), "--weights", p("w1.csv")+","+p("y.csv"), "--targets", p("y.csv"))
	if code != 2 || strings.Count(errOut, "\n") != 1 {
		t.Errorf("top weights of the wrong shape: exit %d, %q", code, errOut)
	}
}
