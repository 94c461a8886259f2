package series

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nlpodyssey/safetensors"

	"github.com/nrc-ufm/ufm/internal/testinst"
	"github.com/nrc-ufm/ufm/metrics"
)

const example = "../examples/series"

// TestExampleMatchesMetrics: every epoch's row is exactly what
// metrics.Compute and metrics.Fit give for that epoch's files read
// directly (the same float64 computation, so equality is exact).
func TestExampleMatchesMetrics(t *testing.T) {
	tab, err := Run(example, Settings{C: exLambdaH * exLambdaW, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) != 5 {
		t.Fatalf("%d epochs, want 5", len(tab.Rows))
	}
	y, err := metrics.ReadNPYFile(filepath.Join(example, "targets.npy"))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range tab.Rows {
		if r.Epoch != i+1 {
			t.Fatalf("row %d is epoch %d", i, r.Epoch)
		}
		base := filepath.Join(example, "epoch-"+itoa(r.Epoch))
		h, _ := metrics.ReadNPYFile(base + ".features.npy")
		w, _ := metrics.ReadNPYFile(base + ".weights.npy")
		bm, _ := metrics.ReadNPYFile(base + ".bias.npy")
		want, err := metrics.Compute(h, w, y, metrics.Options{})
		if err != nil {
			t.Fatal(err)
		}
		fit, err := metrics.Fit(h, w, bm.RowMajor(), y)
		if err != nil {
			t.Fatal(err)
		}
		got := r.Metrics
		if got.NRC1 != want.NRC1 || got.NRC2 != want.NRC2 || got.NRC3 != want.NRC3 || got.NRC3Gamma != want.NRC3Gamma {
			t.Errorf("epoch %d: %v %v %v %v, metrics says %v %v %v %v", r.Epoch, got.NRC1, got.NRC2, got.NRC3, got.NRC3Gamma, want.NRC1, want.NRC2, want.NRC3, want.NRC3Gamma)
		}
		for j := range want.EVR {
			if got.EVR[j] != want.EVR[j] {
				t.Errorf("epoch %d: EVR[%d] = %v, want %v", r.Epoch, j, got.EVR[j], want.EVR[j])
			}
		}
		if r.Fit.MSE != fit.MSE || r.Fit.R2 != fit.R2 || !r.HasBias {
			t.Errorf("epoch %d: fit %+v, want %+v", r.Epoch, r.Fit, fit)
		}
		if !r.GammaOverCValid || r.GammaOverC != got.NRC3Gamma/(exLambdaH*exLambdaW) {
			t.Errorf("epoch %d: γ/c = %v", r.Epoch, r.GammaOverC)
		}
	}
	// The shipped run converges to the UFM optimum (full regime): the last
	// epoch has collapsed, γ → c and the training MSE → n·c (docs/theory.md §3).
	last := tab.Rows[4]
	if last.Metrics.NRC1 > 1e-9 || last.Metrics.NRC3 > 1e-9 {
		t.Errorf("last epoch not collapsed: %+v", last.Metrics)
	}
	if g := last.GammaOverC; math.Abs(g-1) > 1e-2 {
		t.Errorf("last epoch γ/c = %v, want ≈ 1", g)
	}
	if mse := last.Fit.MSE; math.Abs(mse-exN*exLambdaH*exLambdaW) > 1e-6 {
		t.Errorf("last epoch MSE = %v, want ≈ n·c = %v", mse, exN*exLambdaH*exLambdaW)
	}
}

func itoa(k int) string { return strconv.Itoa(k) }

// TestSafeTensorsEqualsNPY: the same epoch written as safetensors (F32,
// and F64) gives the same row as the .npy files.
func TestSafeTensorsEqualsNPY(t *testing.T) {
	dir := t.TempDir()
	y, _ := metrics.ReadNPYFile(filepath.Join(example, "targets.npy"))
	for e := 1; e <= 2; e++ {
		base := filepath.Join(example, "epoch-"+itoa(e))
		h, _ := metrics.ReadNPYFile(base + ".features.npy")
		w, _ := metrics.ReadNPYFile(base + ".weights.npy")
		b, _ := metrics.ReadNPYFile(base + ".bias.npy")
		dt := safetensors.F32
		if e == 2 {
			dt = safetensors.F64
		}
		views := map[string]safetensors.TensorView{
			TensorFeatures: view(t, h, dt), TensorWeights: view(t, w, dt), TensorBias: view(t, b, dt), TensorTargets: view(t, y, dt),
		}
		buf, err := safetensors.Serialize(views, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "epoch-"+itoa(e)+".safetensors"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := Run(dir, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	npy, err := Run(example, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range st.Rows {
		a, b := st.Rows[i], npy.Rows[i]
		if a.Metrics.NRC1 != b.Metrics.NRC1 || a.Metrics.NRC3 != b.Metrics.NRC3 || a.Fit.MSE != b.Fit.MSE {
			t.Errorf("epoch %d: safetensors %v %v %v, npy %v %v %v", a.Epoch, a.Metrics.NRC1, a.Metrics.NRC3, a.Fit.MSE, b.Metrics.NRC1, b.Metrics.NRC3, b.Fit.MSE)
		}
	}
}

// view encodes m (float32 data) as a little-endian tensor of dtype dt.
func view(t *testing.T, m *metrics.Matrix, dt safetensors.DType) safetensors.TensorView {
	r, c := m.Dims()
	var buf bytes.Buffer
	for _, v := range m.RowMajor() {
		if dt == safetensors.F32 {
			binary.Write(&buf, binary.LittleEndian, float32(v))
		} else {
			binary.Write(&buf, binary.LittleEndian, v)
		}
	}
	shape := []uint64{uint64(r), uint64(c)}
	if r == 1 {
		shape = []uint64{uint64(c)}
	}
	tv, err := safetensors.NewTensorView(dt, shape, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return tv
}

func TestHalf(t *testing.T) {
	for _, c := range []struct {
		bits uint16
		want float32
	}{{0x3c00, 1}, {0xc000, -2}, {0x0001, float32(math.Ldexp(1, -24))}, {0x7bff, 65504}, {0x3555, 0.333251953125}, {0x0000, 0}} {
		if got := half(c.bits); got != c.want {
			t.Errorf("half(%#04x) = %v, want %v", c.bits, got, c.want)
		}
	}
	if !math.IsInf(float64(half(0x7c00)), 1) || !math.IsNaN(float64(half(0x7e00))) {
		t.Error("half: Inf/NaN")
	}
}

// TestLayoutErrors: a clear error naming the problem, no partial table.
func TestLayoutErrors(t *testing.T) {
	write := func(dir, name string) {
		src := filepath.Join(example, "epoch-1.features.npy")
		switch {
		case strings.HasSuffix(name, "weights.npy"):
			src = filepath.Join(example, "epoch-1.weights.npy")
		case strings.HasSuffix(name, "targets.npy"):
			src = filepath.Join(example, "targets.npy")
		}
		b, _ := os.ReadFile(src)
		if strings.HasSuffix(name, ".bad") {
			b = []byte("not npy")
			name = strings.TrimSuffix(name, ".bad")
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	for _, c := range []struct {
		files []string
		err   string
	}{
		{nil, "no epoch files"},
		{[]string{"epoch-1.features.npy", "targets.npy"}, "no epoch-1.weights.npy"},
		{[]string{"epoch-1.weights.npy", "targets.npy"}, "no epoch-1.features.npy"},
		{[]string{"epoch-1.features.npy", "epoch-1.weights.npy"}, "no targets"},
		{[]string{"epoch-1.features.npy", "epoch-1.weights.npy", "epoch-01.weights.npy", "targets.npy"}, "written both"},
		{[]string{"epoch-1.features.npy", "epoch-1.weights.npy", "epoch-1.safetensors", "targets.npy"}, "both a .safetensors"},
		{[]string{"epoch-1.features.npy", "epoch-1.weights.npy", "targets.npy", "epoch-2.features.npy.bad", "epoch-2.weights.npy"}, "epoch 2"},
		{[]string{"epoch-1.features.npy", "epoch-1.weights.npy", "epoch-1.targets.npy.bad"}, "epoch 1"},
		{[]string{"epoch-1.safetensors.bad", "targets.npy"}, "epoch 1"},
	} {
		dir := t.TempDir()
		for _, f := range c.files {
			write(dir, f)
		}
		_, err := Run(dir, Settings{})
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%v: error %v, want one containing %q", c.files, err, c.err)
		}
	}
	if _, err := Run(filepath.Join(t.TempDir(), "missing"), Settings{}); err == nil {
		t.Error("missing directory accepted")
	}
}

// TestMemoryBudget: a budget below one epoch's footprint runs the epochs
// one at a time; a large one runs them in parallel; results do not
// depend on it.
func TestMemoryBudget(t *testing.T) {
	small, err := Run(example, Settings{MemoryBudget: 1, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if small.Parallel != 1 {
		t.Errorf("budget 1 byte: %d epochs in flight", small.Parallel)
	}
	big, err := Run(example, Settings{MemoryBudget: 1 << 30, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if small.Footprint <= 0 || big.Footprint != small.Footprint {
		t.Errorf("footprints %d, %d", small.Footprint, big.Footprint)
	}
	for i := range small.Rows {
		if small.Rows[i].Metrics.NRC1 != big.Rows[i].Metrics.NRC1 {
			t.Errorf("epoch %d differs with the budget", small.Rows[i].Epoch)
		}
	}
}

// TestTablesAndPlots: CSV header and JSON shape; every plot decodes.
func TestTablesAndPlots(t *testing.T) {
	tab, err := Run(example, Settings{C: 1e-4})
	if err != nil {
		t.Fatal(err)
	}
	var csvb, jsonb bytes.Buffer
	if err := tab.WriteCSV(&csvb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csvb.String()), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "epoch,samples,feature_dim,target_dim,nrc1,nrc2,nrc3,nrc3_gamma,c,gamma_over_c,evr_1") {
		t.Errorf("CSV:\n%s", csvb.String())
	}
	if err := tab.WriteJSON(&jsonb); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Epochs []map[string]any `json:"epochs"`
	}
	if err := json.Unmarshal(jsonb.Bytes(), &doc); err != nil || len(doc.Epochs) != 5 {
		t.Fatalf("JSON: %v", err)
	}
	if testing.Short() {
		return
	}
	dir := t.TempDir()
	files, err := tab.Plots(dir)
	if err != nil || len(files) != 10 {
		t.Fatalf("plots: %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(f) {
		case ".png":
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		case ".svg":
			if !bytes.Contains(b, []byte("<svg")) || !bytes.HasSuffix(bytes.TrimSpace(b), []byte("</svg>")) {
				t.Errorf("%s is not a complete SVG document", f)
			}
		}
	}
}

// TestShapesBeforeData: an epoch whose shapes disagree is refused from
// the .npy headers, before its data are read (QA session 24: a 2 GiB
// features file was read whole, whatever the memory budget, before
// "sample counts differ"). The features here hold a NaN: reading the
// data first reports the NaN instead.
func TestShapesBeforeData(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"epoch-1.weights.npy", "targets.npy"} {
		b, err := os.ReadFile(filepath.Join(example, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	y, err := metrics.ReadNPYFile(filepath.Join(example, "targets.npy"))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := y.Dims()
	_, d := mustDims(t, filepath.Join(example, "epoch-1.features.npy"))
	v := make([]float64, (m+1)*d)
	v[len(v)-1] = math.NaN()
	testinst.WriteNPY(t, dir, "epoch-1.features.npy", m+1, d, v)
	_, err = Run(dir, Settings{})
	if err == nil || !strings.Contains(err.Error(), "sample counts differ") {
		t.Fatalf("error %v, want the shapes named", err)
	}
}

func mustDims(t *testing.T, path string) (int, int) {
	t.Helper()
	info, err := metrics.ReadNPYInfoFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Rows, info.Cols
}
