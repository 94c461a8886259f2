package metrics

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchData returns M×d features near an n-dimensional subspace (with a
// common offset and isotropic noise), W spanning that subspace, and M×n
// targets.
func benchData(M, d, n int) (h, w, y []float64) {
	rng := rand.New(rand.NewPCG(42, uint64(M*d+n)))
	w = randn(rng, n, d)
	c := randn(rng, M, n)
	h = make([]float64, M*d)
	off := randn(rng, 1, d)
	for i := 0; i < M; i++ {
		row := h[i*d : (i+1)*d]
		for k := 0; k < n; k++ {
			ck := c[i*n+k]
			for j, wj := range w[k*d : (k+1)*d] {
				row[j] += ck * wj
			}
		}
		for j := range row {
			row[j] += 0.1*rng.NormFloat64() + 3*off[j]
		}
	}
	y = make([]float64, M*n)
	for i := range y {
		y[i] = c[i] + 0.01*rng.NormFloat64()
	}
	return h, w, y
}

// BenchmarkStreaming measures Compute at M = 10⁵, d = 256, n = 8 on
// in-memory float64 data (and float32 storage), as for a real network's
// penultimate layer.
func BenchmarkStreaming(b *testing.B) {
	const M, d, n = 100000, 256, 8
	h, w, y := benchData(M, d, n)
	h32 := make([]float32, len(h))
	for i, v := range h {
		h32[i] = float32(v)
	}
	hm := mustMatrix(b, M, d, h)
	hm32, _ := NewMatrix32(M, d, h32)
	wm, ym := mustMatrix(b, n, d, w), mustMatrix(b, M, n, y)
	for _, bc := range []struct {
		name string
		h    *Matrix
		opt  Options
	}{
		{"float64", hm, Options{}},
		{"float32", hm32, Options{}},
		{"float64-1worker", hm, Options{Workers: 1}},
	} {
		b.Run(fmt.Sprintf("M=%d,d=%d,n=%d,%s", M, d, n, bc.name), func(b *testing.B) {
			for b.Loop() {
				if _, err := Compute(bc.h, wm, ym, bc.opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestWriteBenchFiles writes the benchmark arrays as .npy files into
// $UFM_METRICS_BENCH_DIR (skipped when unset; UFM_METRICS_BENCH_SHAPE=MxDxN
// changes the default 100000x256x8) together with this
// package's NRC1/NRC2 and the time of Compute (best of 3, loading
// excluded) in go.json, for testdata/bench_numpy.py to compare against:
//
//	UFM_METRICS_BENCH_DIR=/tmp/nrcbench go test -run TestWriteBenchFiles ./metrics
//	/usr/bin/python3 metrics/testdata/bench_numpy.py /tmp/nrcbench/features.npy /tmp/nrcbench/weights.npy --repeat 3
func TestWriteBenchFiles(t *testing.T) {
	dir := os.Getenv("UFM_METRICS_BENCH_DIR")
	if dir == "" {
		t.Skip("UFM_METRICS_BENCH_DIR not set")
	}
	M, d, n := 100000, 256, 8
	if s := os.Getenv("UFM_METRICS_BENCH_SHAPE"); s != "" {
		if _, err := fmt.Sscanf(s, "%dx%dx%d", &M, &d, &n); err != nil {
			t.Fatalf("UFM_METRICS_BENCH_SHAPE=%q: want MxDxN", s)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Files already there (from an earlier run) are reused, so that Go
	// and numpy can be timed alternately on the same data.
	if _, err := os.Stat(filepath.Join(dir, "targets.npy")); err != nil {
		h, w, y := benchData(M, d, n)
		hm, wm, ym := mustMatrix(t, M, d, h), mustMatrix(t, n, d, w), mustMatrix(t, M, n, y)
		for name, m := range map[string]*Matrix{"features.npy": hm, "weights.npy": wm, "targets.npy": ym} {
			if err := WriteNPYFile(filepath.Join(dir, name), m, Float64, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Time what the numpy script times: from arrays in memory.
	var in [3]*Matrix
	for k, name := range []string{"features.npy", "weights.npy", "targets.npy"} {
		m, err := ReadNPYFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		in[k] = m
	}
	var best time.Duration
	var r *Result
	var err error
	for k := 0; k < 3; k++ {
		t0 := time.Now()
		if r, err = Compute(in[0], in[1], in[2], Options{EVRCount: -1}); err != nil {
			t.Fatal(err)
		}
		if dt := time.Since(t0); k == 0 || dt < best {
			best = dt
		}
	}
	out, _ := json.Marshal(map[string]any{"nrc1": r.NRC1, "nrc2": r.NRC2, "nrc3": r.NRC3, "evr": r.EVR,
		"weights_rank": r.WeightsRank, "zero": r.ZeroFeatures, "seconds": best.Seconds()})
	if err := os.WriteFile(filepath.Join(dir, "go.json"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", out)
}
