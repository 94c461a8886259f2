package theory

import (
	"fmt"
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
)

// benchInstance returns a reproducible instance with n targets, M = ratio·n
// samples of three-decimal targets in [−100, 100], d = d, at 50 digits.
func benchInstance(tb testing.TB, n, d, m int) *instance.Instance {
	tb.Helper()
	rng := rand.New(rand.NewSource(int64(n*7 + m)))
	rows := make([]string, m)
	for i := range rows {
		row := make([]string, n)
		for k := range row {
			row[k] = fmt.Sprintf("%q", fmt.Sprintf("%.3f", float64(rng.Intn(199999)-99999)/1000))
		}
		rows[i] = "[" + strings.Join(row, ",") + "]"
	}
	doc := fmt.Sprintf(`{"targets":[%s],"lambda_h":"1/100","lambda_w":"1/50","d":%d,"digits":50}`, strings.Join(rows, ","), d)
	in, err := instance.Parse([]byte(doc))
	if err != nil {
		tb.Fatal(err)
	}
	return in
}

// BenchmarkPredict: the closed form at 50 digits, d = 2n (n = 256: d = n),
// M = 5n (n = 256: M = 1000), as in issue 15. n = 256 (about 15 CPU
// seconds per run) only with UFM_BENCH_LARGE=1. cpu-s/op is the CPU time
// of the process (all threads) per operation.
func BenchmarkPredict(b *testing.B) {
	for _, sz := range []struct{ n, d, m int }{{8, 16, 40}, {16, 32, 80}, {32, 64, 160}, {64, 128, 320}, {128, 256, 640}, {256, 256, 1000}} {
		b.Run(fmt.Sprintf("n=%d", sz.n), func(b *testing.B) {
			if sz.n > 128 && os.Getenv("UFM_BENCH_LARGE") == "" {
				b.Skip("n > 128: set UFM_BENCH_LARGE=1")
			}
			benchPredict(b, benchInstance(b, sz.n, sz.d, sz.m), 50)
		})
	}
}

// benchPredict times Predict(in, digits), reporting CPU seconds per op.
func benchPredict(b *testing.B, in *instance.Instance, digits int) {
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		if _, err := Predict(in, digits); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((processCPU()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkInertia: the exact count of eigenvalues of Σ above c.
func BenchmarkInertia(b *testing.B) {
	for _, sz := range []struct{ n, m int }{{16, 80}, {32, 160}} {
		b.Run(fmt.Sprintf("n=%d", sz.n), func(b *testing.B) {
			in := benchInstance(b, sz.n, sz.n, sz.m)
			sigma, c := in.Sigma(), in.C()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				CountAbove(sigma, c)
			}
		})
	}
}

// BenchmarkPredictDigits: the closed form at n = 12, d = 24, M = 60 (the
// issue's 1000-digit case) across the precision.
func BenchmarkPredictDigits(b *testing.B) {
	in := benchInstance(b, 12, 24, 60)
	for _, digits := range []int{50, 300, 1000, 2000} {
		b.Run(fmt.Sprintf("digits=%d", digits), func(b *testing.B) {
			benchPredict(b, in, digits)
		})
	}
}
