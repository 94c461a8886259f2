package metrics

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// BenchmarkPrincipal times the principal directions alone at d = 1024,
// n = 16 (the case of issue 15): subspace iteration for the top 21
// eigenvalues and 16 vectors against the full O(d³) eigendecomposition, on
// the covariance of benchData features (near a 16-dimensional subspace);
// also at d = 256 and 512 for the growth exponent. The full path at
// d = 1024 takes tens of seconds and runs only with UFM_BENCH_LARGE=1.
//
//	go test -run '^$' -bench Principal -benchtime 3x ./metrics
func BenchmarkPrincipal(b *testing.B) {
	for _, d := range []int{256, 512, 1024} {
		benchPrincipal(b, 4000, d, 16, d < 1024 || os.Getenv("UFM_BENCH_LARGE") != "")
	}
}

// BenchmarkMoments times the streaming covariance pass alone (the mean
// pass and the d×d accumulation of Compute, O(M·d²)) at M = 8192 rows and
// d = 256, 512, 1024, for its growth exponent in d.
//
//	go test -run '^$' -bench Moments -benchtime 3x ./metrics
func BenchmarkMoments(b *testing.B) {
	const M, n = 8192, 16
	for _, d := range []int{256, 512, 1024} {
		h, _, _ := benchData(M, d, n)
		hm := mustMatrix(b, M, d, h)
		b.Run(fmt.Sprintf("M=%d,d=%d", M, d), func(b *testing.B) {
			c0 := processCPU()
			for b.Loop() {
				if _, _, _, err := newStream(hm, "features", 0).moments(true); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, c0)
		})
	}
}

func benchPrincipal(b *testing.B, M, d, n int, withFull bool) {
	h, _, _ := benchData(M, d, n)
	s := newStream(mustMatrix(b, M, d, h), "features", 0)
	_, cov, _, err := s.moments(true)
	if err != nil {
		b.Fatal(err)
	}
	need := Options{}.evrCount(n, d)
	for _, full := range []bool{false, true} {
		if full && !withFull {
			continue
		}
		name := map[bool]string{true: "full", false: "subspace"}[full]
		b.Run(fmt.Sprintf("d=%d,n=%d,%s", d, n, name), func(b *testing.B) {
			c0 := processCPU()
			for b.Loop() {
				c := append([]float64(nil), cov...)
				if _, _, method, ok := principal(c, d, n, need, full); !ok || method != name {
					b.Fatalf("method %q ok %v", method, ok)
				}
			}
			reportCPU(b, c0)
		})
	}
}

// BenchmarkComputeD1024 is Compute end to end at M = 4000, d = 1024,
// n = 16 on both paths (the covariance pass, O(M·d²), is shared).
func BenchmarkComputeD1024(b *testing.B) {
	const M, d, n = 4000, 1024, 16
	h, w, y := benchData(M, d, n)
	hm, wm, ym := mustMatrix(b, M, d, h), mustMatrix(b, n, d, w), mustMatrix(b, M, n, y)
	for _, full := range []bool{true, false} {
		b.Run(map[bool]string{true: "full", false: "subspace"}[full], func(b *testing.B) {
			for b.Loop() {
				if _, err := Compute(hm, wm, ym, Options{FullEigen: full}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// reportCPU reports the process CPU time since c0 per operation, in
// seconds ("cpu-s/op"), next to the wall time.
func reportCPU(b *testing.B, c0 time.Duration) {
	if b.N > 0 {
		b.ReportMetric((processCPU()-c0).Seconds()/float64(b.N), "cpu-s/op")
	}
}
