package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/nrc-ufm/ufm/bigmat"
)

func mustMatrix(t testing.TB, r, c int, v []float64) *Matrix {
	t.Helper()
	m, err := NewMatrix(r, c, v)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func randn(rng *rand.Rand, r, c int) []float64 {
	v := make([]float64, r*c)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// matmul returns the r×c product of a (r×k) and b (k×c), row-major.
func matmul(a, b []float64, r, k, c int) []float64 {
	out := make([]float64, r*c)
	for i := 0; i < r; i++ {
		for l := 0; l < k; l++ {
			for j := 0; j < c; j++ {
				out[i*c+j] += a[i*k+l] * b[l*c+j]
			}
		}
	}
	return out
}

func randOrthogonal(rng *rand.Rand, d int) []float64 {
	var qr mat.QR
	qr.Factorize(mat.NewDense(d, d, randn(rng, d, d)))
	var q mat.Dense
	qr.QTo(&q)
	return q.RawMatrix().Data
}

func compute(t testing.TB, M, d, n int, h, w, y []float64, opt Options) *Result {
	t.Helper()
	r, err := Compute(mustMatrix(t, M, d, h), mustMatrix(t, n, d, w), mustMatrix(t, M, n, y), opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func close(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestCollapsedFeatures: features that lie exactly (up to float64
// rounding) in the row space of W, plus a common offset, give NRC1 = NRC2
// = 0 to ~1e-14.
func TestCollapsedFeatures(t *testing.T) {
	for _, tc := range []struct {
		name       string
		M, d, n    int
		offset     float64
		uncentered bool
		f32        bool
	}{
		{"centered with offset", 200, 16, 3, 5, false, false},
		{"uncentered, no offset", 200, 16, 3, 0, true, false},
		{"n=1", 50, 8, 1, -2, false, false},
		{"d=n+1", 40, 5, 4, 1, false, false},
		{"float32 storage", 100, 12, 2, 3, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.M+tc.d)))
			W := randn(rng, tc.n, tc.d)
			C := randn(rng, tc.M, tc.n)
			H := matmul(C, W, tc.M, tc.n, tc.d)
			off := randn(rng, 1, tc.d)
			for i := range H {
				H[i] += tc.offset * off[i%tc.d]
			}
			Y := randn(rng, tc.M, tc.n)
			var hm *Matrix
			if tc.f32 {
				// Rows in span(W) are not exactly representable in float32;
				// use W with small integer entries and integer coefficients.
				for i := range W {
					W[i] = math.Round(4 * W[i])
				}
				for i := range C {
					C[i] = math.Round(8 * C[i])
				}
				H = matmul(C, W, tc.M, tc.n, tc.d)
				h32 := make([]float32, len(H))
				for i, v := range H {
					h32[i] = float32(v + tc.offset)
				}
				var err error
				if hm, err = NewMatrix32(tc.M, tc.d, h32); err != nil {
					t.Fatal(err)
				}
			} else {
				hm = mustMatrix(t, tc.M, tc.d, H)
			}
			r, err := Compute(hm, mustMatrix(t, tc.n, tc.d, W), mustMatrix(t, tc.M, tc.n, Y), Options{Uncentered: tc.uncentered})
			if err != nil {
				t.Fatal(err)
			}
			if r.NRC1 > 1e-14 || r.NRC2 > 1e-14 || r.NRC1 < 0 || r.NRC2 < 0 {
				t.Errorf("NRC1 = %g, NRC2 = %g, want 0 to 1e-14", r.NRC1, r.NRC2)
			}
			if r.WeightsRank != tc.n {
				t.Errorf("rank %d, want %d", r.WeightsRank, tc.n)
			}
			// EVR: the top n carry everything.
			s := 0.0
			for c := 0; c < tc.n; c++ {
				s += r.EVR[c]
			}
			if !close(s, 1, 1e-12) {
				t.Errorf("top-%d EVR sum %g, want 1 (EVR %v)", tc.n, s, r.EVR)
			}
		})
	}
}

// TestHandComputed: four centered features (±2, ±1, 0) with an offset;
// the top principal direction is e1, so every normalized feature has
// squared residual 1/5 from it: NRC1 = 0.2. NRC2 against W rows computed
// by hand.
func TestHandComputed(t *testing.T) {
	base := []float64{2, 1, 0, 2, -1, 0, -2, 1, 0, -2, -1, 0}
	off := []float64{10, -3, 7}
	H := make([]float64, 12)
	for i := range H {
		H[i] = base[i] + off[i%3]
	}
	Y := []float64{1, 2, 4, 8}
	for _, tc := range []struct {
		name string
		w    []float64
		nrc2 float64
	}{
		{"W=e1", []float64{1, 0, 0}, 0.2},
		{"W=e2", []float64{0, 1, 0}, 0.8},
		{"W=e3", []float64{0, 0, 3}, 1},
		{"W=(1,1,0)", []float64{1, 1, 0}, 0.5}, // residuals 1/10, 9/10, 9/10, 1/10
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := compute(t, 4, 3, 1, H, tc.w, Y, Options{})
			if !close(r.NRC1, 0.2, 1e-15) {
				t.Errorf("NRC1 = %.17g, want 0.2", r.NRC1)
			}
			if !close(r.NRC2, tc.nrc2, 1e-15) {
				t.Errorf("NRC2 = %.17g, want %g", r.NRC2, tc.nrc2)
			}
			if !close(r.EVR[0], 0.8, 1e-15) || !close(r.EVR[1], 0.2, 1e-15) || !close(r.EVR[2], 0, 1e-15) {
				t.Errorf("EVR = %v, want [0.8 0.2 0]", r.EVR)
			}
			// n = 1: Σ is 1×1, Σ ∝ I, NRC3(γ) = ‖[1] − [1]‖² = 0.
			if !r.NRC3Flat || r.NRC3 != 0 || r.NRC3Gamma != 0 {
				t.Errorf("NRC3 = %g at γ = %g (flat %v), want 0 at 0, flat", r.NRC3, r.NRC3Gamma, r.NRC3Flat)
			}
		})
	}
}

// sqrtSym returns the symmetric PSD square root of the n×n symmetric a.
func sqrtSym(a []float64, n int) []float64 {
	var e mat.EigenSym
	e.Factorize(mat.NewSymDense(n, append([]float64(nil), a...)), true)
	vals := e.Values(nil)
	var v mat.Dense
	e.VectorsTo(&v)
	out := make([]float64, n*n)
	for k, l := range vals {
		s := math.Sqrt(math.Max(l, 0))
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				out[i*n+j] += s * v.At(i, k) * v.At(j, k)
			}
		}
	}
	return out
}

// targetCov returns Σ (centered, 1/M) of the M×n targets and its
// eigenvalues ascending.
func targetCov(y []float64, M, n int) ([]float64, []float64) {
	mean := make([]float64, n)
	for i := 0; i < M; i++ {
		for j := 0; j < n; j++ {
			mean[j] += y[i*n+j] / float64(M)
		}
	}
	s := make([]float64, n*n)
	for i := 0; i < M; i++ {
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				s[a*n+b] += (y[i*n+a] - mean[a]) * (y[i*n+b] - mean[b]) / float64(M)
			}
		}
	}
	var e mat.EigenSym
	e.Factorize(mat.NewSymDense(n, append([]float64(nil), s...)), false)
	return s, e.Values(nil)
}

// weightsFor returns an n×d W (d ≥ n) with WWᵀ = A, rotated by a random
// orthogonal Q so that W itself is not structured.
func weightsFor(rng *rand.Rand, A []float64, n, d int) []float64 {
	r := sqrtSym(A, n)
	w := make([]float64, n*d)
	for i := 0; i < n; i++ {
		copy(w[i*d:i*d+n], r[i*n:(i+1)*n])
	}
	return matmul(w, randOrthogonal(rng, d), n, d, d)
}

// TestNRC3ZeroAtConstruction: WWᵀ = c·(Σ^{1/2} − √γ₀ I) gives NRC3 = 0 at
// γ = γ₀, for γ₀ at both ends of [0, σ_min] and inside.
func TestNRC3ZeroAtConstruction(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n, d     int
		frac, c  float64 // γ₀ = frac·σ_min
		wantFrac float64
	}{
		{"interior n=3", 3, 7, 0.4, 2.5, 0.4},
		{"interior n=5", 5, 5, 0.9, 0.01, 0.9},
		{"gamma=0", 4, 9, 0, 1, 0},
		{"gamma=sigma_min", 3, 6, 1, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(tc.n*tc.d)))
			M := 60
			Y := matmul(randn(rng, M, tc.n), randn(rng, tc.n, tc.n), M, tc.n, tc.n)
			sigma, vals := targetCov(Y, M, tc.n)
			g0 := tc.frac * vals[0]
			A := sqrtSym(sigma, tc.n)
			for i := 0; i < tc.n; i++ {
				A[i*tc.n+i] -= math.Sqrt(g0)
			}
			for i := range A {
				A[i] *= tc.c
			}
			W := weightsFor(rng, A, tc.n, tc.d)
			H := randn(rng, M, tc.d)
			r := compute(t, M, tc.d, tc.n, H, W, Y, Options{})
			if r.NRC3 > 1e-13 {
				t.Errorf("NRC3 = %g, want 0", r.NRC3)
			}
			if !close(r.NRC3Gamma, tc.wantFrac*vals[0], 1e-6*vals[0]) {
				t.Errorf("γ = %.12g, want %.12g (σ_min %g)", r.NRC3Gamma, tc.wantFrac*vals[0], vals[0])
			}
			if !close(r.SigmaMin, vals[0], 1e-12*vals[len(vals)-1]) {
				t.Errorf("σ_min = %g, want %g", r.SigmaMin, vals[0])
			}
		})
	}
}

// nrc3At evaluates NRC3(γ) from its definition, with nothing shared with
// the package: A = WWᵀ, S = Σ^{1/2}.
func nrc3At(A, S []float64, n int, gamma float64) float64 {
	na, nb := 0.0, 0.0
	B := append([]float64(nil), S...)
	for i := 0; i < n; i++ {
		B[i*n+i] -= math.Sqrt(gamma)
	}
	for i := range A {
		na += A[i] * A[i]
		nb += B[i] * B[i]
	}
	na, nb = math.Sqrt(na), math.Sqrt(nb)
	s := 0.0
	for i := range A {
		e := A[i]/na - B[i]/nb
		s += e * e
	}
	return s
}

// TestNRC3ClosedFormMatchesGrid: the closed-form minimizer agrees with a
// brute-force search over a fine grid of γ ∈ [0, σ_min], on random and on
// nearly aligned weights (where the interior stationary point wins).
func TestNRC3ClosedFormMatchesGrid(t *testing.T) {
	interior := 0
	for seed := uint64(0); seed < 40; seed++ {
		rng := rand.New(rand.NewPCG(11, seed))
		n := 2 + int(seed%4)
		d := n + int(seed%3)
		M := 30
		Y := matmul(randn(rng, M, n), randn(rng, n, n), M, n, n)
		// Make σ_min comparable to the others so the range is not tiny.
		for i := range Y {
			Y[i] += 0.5 * rng.NormFloat64()
		}
		sigma, vals := targetCov(Y, M, n)
		S := sqrtSym(sigma, n)
		var W []float64
		if seed%2 == 0 {
			W = randn(rng, n, d)
		} else {
			A := append([]float64(nil), S...)
			g := rng.Float64() * vals[0]
			for i := 0; i < n; i++ {
				A[i*n+i] -= math.Sqrt(g)
			}
			for i := range A {
				A[i] += 0.05 * rng.NormFloat64() * math.Sqrt(vals[0])
			}
			At := make([]float64, n*n) // symmetrize and keep PSD
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					At[i*n+j] = (A[i*n+j] + A[j*n+i]) / 2
				}
			}
			W = weightsFor(rng, sqrtSym(matmul(At, At, n, n, n), n), n, d)
		}
		H := randn(rng, M, d)
		r := compute(t, M, d, n, H, W, Y, Options{})
		A := matmul(W, transpose(W, n, d), n, d, n)
		const steps = 20000
		best, bestG := math.Inf(1), 0.0
		for k := 0; k <= steps; k++ {
			// Uniform in t = √γ, where NRC3 is smooth.
			tt := math.Sqrt(vals[0]) * float64(k) / steps
			if v := nrc3At(A, S, n, tt*tt); v < best {
				best, bestG = v, tt*tt
			}
		}
		if r.NRC3 > best+1e-12 {
			t.Errorf("seed %d: closed form NRC3 %.15g above grid minimum %.15g (γ %g vs %g)", seed, r.NRC3, best, r.NRC3Gamma, bestG)
		}
		if best-r.NRC3 > 1e-6 {
			t.Errorf("seed %d: grid minimum %.15g far above closed form %.15g", seed, best, r.NRC3)
		}
		if v := nrc3At(A, S, n, r.NRC3Gamma); !close(v, r.NRC3, 1e-12) {
			t.Errorf("seed %d: NRC3(γ*) = %.15g by definition, reported %.15g", seed, v, r.NRC3)
		}
		if r.NRC3Gamma > 0 && r.NRC3Gamma < vals[0] {
			interior++
			if !close(math.Sqrt(r.NRC3Gamma), math.Sqrt(bestG), 2*math.Sqrt(vals[0])/steps+1e-9) {
				t.Errorf("seed %d: interior argmin γ %.12g, grid %.12g", seed, r.NRC3Gamma, bestG)
			}
		}
	}
	if interior < 5 {
		t.Errorf("only %d of 40 cases had an interior minimizer; the test does not exercise t*", interior)
	}
}

func transpose(a []float64, r, c int) []float64 {
	out := make([]float64, r*c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out[j*r+i] = a[i*c+j]
		}
	}
	return out
}

// TestRanges: on random inputs of many shapes NRC1, NRC2 ∈ [0,1], NRC3 ∈
// [0,2], γ ∈ [0, σ_min], EVR ∈ [0,1] and descending; no NaN.
func TestRanges(t *testing.T) {
	for seed := uint64(0); seed < 60; seed++ {
		rng := rand.New(rand.NewPCG(5, seed))
		M := 1 + rng.IntN(80)
		d := 1 + rng.IntN(12)
		n := 1 + rng.IntN(6)
		H := randn(rng, M, d)
		if seed%5 == 0 {
			for i := range H {
				H[i] = math.Round(H[i]) // ties and zero rows
			}
		}
		W := randn(rng, n, d)
		if seed%7 == 0 {
			copy(W[:d], make([]float64, d)) // a zero weight row
		}
		Y := randn(rng, M, n)
		for _, unc := range []bool{false, true} {
			r := compute(t, M, d, n, H, W, Y, Options{Uncentered: unc})
			vals := []float64{r.NRC1, r.NRC2, r.NRC3, r.NRC3Gamma}
			for _, v := range append(vals, r.EVR...) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("seed %d: non-finite output %+v", seed, r)
				}
			}
			if r.NRC1 < 0 || r.NRC1 > 1 || r.NRC2 < 0 || r.NRC2 > 1 || r.NRC3 < 0 || r.NRC3 > 2 {
				t.Errorf("seed %d: out of range: NRC1 %g NRC2 %g NRC3 %g", seed, r.NRC1, r.NRC2, r.NRC3)
			}
			if r.NRC3Gamma < 0 || r.NRC3Gamma > r.SigmaMin*(1+1e-12) {
				t.Errorf("seed %d: γ = %g outside [0, σ_min = %g]", seed, r.NRC3Gamma, r.SigmaMin)
			}
			for c, v := range r.EVR {
				if v < 0 || v > 1 || c > 0 && v > r.EVR[c-1]+1e-15 {
					t.Errorf("seed %d: EVR %v not descending in [0,1]", seed, r.EVR)
				}
			}
			if want := min(d, n+5); !r.FeaturesCollapsed && len(r.EVR) != want {
				t.Errorf("seed %d: %d EVR values, want %d", seed, len(r.EVR), want)
			}
		}
	}
}

// TestInvariances: permuting the samples changes nothing; W → WQ changes
// nothing in NRC3; (H, W) → (HQ, WQ) changes nothing at all.
func TestInvariances(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	M, d, n := 120, 9, 3
	W := randn(rng, n, d)
	H := matmul(randn(rng, M, n), W, M, n, d)
	noise := randn(rng, M, d)
	for i := range H {
		H[i] += 0.3*noise[i] + 2
	}
	Y := randn(rng, M, n)
	base := compute(t, M, d, n, H, W, Y, Options{})

	perm := rng.Perm(M)
	Hp, Yp := make([]float64, M*d), make([]float64, M*n)
	for i, p := range perm {
		copy(Hp[i*d:(i+1)*d], H[p*d:(p+1)*d])
		copy(Yp[i*n:(i+1)*n], Y[p*n:(p+1)*n])
	}
	Q := randOrthogonal(rng, d)
	WQ := matmul(W, Q, n, d, d)
	HQ := matmul(H, Q, M, d, d)
	for _, tc := range []struct {
		name  string
		h, w  []float64
		y     []float64
		all   bool
		evrOK bool
	}{
		{"permuted samples", Hp, W, Yp, true, true},
		{"W→WQ", H, WQ, Y, false, true},
		{"H→HQ, W→WQ", HQ, WQ, Y, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := compute(t, M, d, n, tc.h, tc.w, tc.y, Options{})
			if !close(r.NRC3, base.NRC3, 1e-12) || !close(r.NRC3Gamma, base.NRC3Gamma, 1e-10) {
				t.Errorf("NRC3 %.15g at γ %.15g, base %.15g at %.15g", r.NRC3, r.NRC3Gamma, base.NRC3, base.NRC3Gamma)
			}
			if tc.all && (!close(r.NRC1, base.NRC1, 1e-12) || !close(r.NRC2, base.NRC2, 1e-12)) {
				t.Errorf("NRC1 %.15g NRC2 %.15g, base %.15g %.15g", r.NRC1, r.NRC2, base.NRC1, base.NRC2)
			}
			for c := range r.EVR {
				if !close(r.EVR[c], base.EVR[c], 1e-12) {
					t.Errorf("EVR %v, base %v", r.EVR, base.EVR)
					break
				}
			}
		})
	}
}

// TestDegenerate: the cases of docs/theory.md §4 that have no number are flagged,
// never NaN.
func TestDegenerate(t *testing.T) {
	M, d, n := 6, 4, 2
	rng := rand.New(rand.NewPCG(2, 2))
	H := randn(rng, M, d)
	W := randn(rng, n, d)
	Y := randn(rng, M, n)
	same := make([]float64, M*d)
	for i := range same {
		same[i] = 0.1 * float64(i%d+1) // every row (0.1, 0.2, 0.3, 0.4)
	}
	constY := make([]float64, M*n)
	for i := range constY {
		constY[i] = 3
	}
	isoY := []float64{1, 1, -1, -1, 1, -1, -1, 1, 0, 0, 0, 0} // Σ = (2/3)·I
	rank1 := []float64{1, 2, 3, 4, 2, 4, 6, 8}
	t.Run("features collapsed to a point", func(t *testing.T) {
		r := compute(t, M, d, n, same, W, Y, Options{})
		if !r.FeaturesCollapsed || r.ZeroFeatures != M || r.NRC1 != 0 || r.NRC2 != 0 || len(r.EVR) != 0 {
			t.Errorf("got %+v", r)
		}
		if !strings.Contains(strings.Join(r.Notes, " "), "collapsed to a point") {
			t.Errorf("notes %q do not say so", r.Notes)
		}
	})
	t.Run("W = 0", func(t *testing.T) {
		r := compute(t, M, d, n, H, make([]float64, n*d), Y, Options{})
		if r.WeightsRank != 0 || r.NRC2 != 1 || r.NRC3Undefined == "" || !strings.Contains(r.NRC3Undefined, "W = 0") {
			t.Errorf("got %+v", r)
		}
	})
	t.Run("constant targets", func(t *testing.T) {
		r := compute(t, M, d, n, H, W, constY, Options{})
		if !strings.Contains(r.NRC3Undefined, "constant") {
			t.Errorf("got %+v", r)
		}
		r = compute(t, M, d, n, H, W, make([]float64, M*n), Options{Uncentered: true})
		if !strings.Contains(r.NRC3Undefined, "all zero") {
			t.Errorf("uncentered zero targets: got %+v", r)
		}
	})
	t.Run("Σ ∝ I", func(t *testing.T) {
		r := compute(t, M, d, n, H, W, isoY, Options{})
		if !r.NRC3Flat || r.NRC3Gamma != 0 || r.NRC3Undefined != "" {
			t.Errorf("got %+v", r)
		}
		// NRC3 = ‖Â − I/√n‖².
		A := matmul(W, transpose(W, n, d), n, d, n)
		if want := nrc3At(A, []float64{1, 0, 0, 1}, n, 0); !close(r.NRC3, want, 1e-14) {
			t.Errorf("NRC3 = %g, want %g", r.NRC3, want)
		}
	})
	t.Run("rank-deficient W", func(t *testing.T) {
		r := compute(t, M, d, n, H, rank1, Y, Options{})
		if r.WeightsRank != 1 {
			t.Errorf("rank %d, want 1", r.WeightsRank)
		}
		// P_W projects on (1,2,3,4)/√30.
		want := 0.0
		mean := make([]float64, d)
		for i := 0; i < M; i++ {
			for j := 0; j < d; j++ {
				mean[j] += H[i*d+j] / float64(M)
			}
		}
		for i := 0; i < M; i++ {
			var nn, p float64
			for j := 0; j < d; j++ {
				x := H[i*d+j] - mean[j]
				nn += x * x
				p += x * float64(j+1) / math.Sqrt(30)
			}
			want += (1 - p*p/nn) / float64(M)
		}
		if !close(r.NRC2, want, 1e-14) {
			t.Errorf("NRC2 = %.16g, want %.16g", r.NRC2, want)
		}
	})
	t.Run("some zero rows", func(t *testing.T) {
		h := append([]float64(nil), H...)
		// Rows 0 and 1 equal to the mean of the others... simpler: make
		// rows symmetric so that the mean is 0 and set two rows to 0.
		for j := 0; j < d; j++ {
			h[0*d+j], h[1*d+j] = 0, 0
			h[3*d+j] = -h[2*d+j]
			h[5*d+j] = -h[4*d+j]
		}
		r := compute(t, M, d, n, h, W, Y, Options{})
		if r.ZeroFeatures != 2 || r.FeaturesCollapsed {
			t.Errorf("zero features %d, want 2", r.ZeroFeatures)
		}
	})
	t.Run("n ≥ d", func(t *testing.T) {
		r := compute(t, M, 2, 3, H[:M*2], randn(rng, 3, 2), randn(rng, M, 3), Options{})
		if r.NRC1 != 0 || r.NRC2 != 0 || r.PrincipalDims != 2 {
			t.Errorf("got %+v", r)
		}
	})
}

func TestShapeErrors(t *testing.T) {
	m := func(r, c int) *Matrix { return mustMatrix(t, r, c, make([]float64, r*c)) }
	for _, tc := range []struct {
		h, w, y *Matrix
		want    string
	}{
		{m(100, 8), m(3, 8), m(90, 3), "features are 100×8 but targets are 90×3 (sample counts differ)"},
		{m(100, 8), m(3, 7), m(100, 3), "features are 100×8 but weights are 3×7 (feature dimensions differ)"},
		{m(100, 8), m(3, 8), m(100, 4), "weights are 3×8 but targets are 100×4 (target dimensions differ)"},
		{m(0, 8), m(3, 8), m(0, 3), "features are 0×8: no samples"},
		{m(5, 0), m(3, 0), m(5, 3), "features are 5×0: feature dimension 0"},
	} {
		_, err := Compute(tc.h, tc.w, tc.y, Options{})
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
	h := mustMatrix(t, 3, 2, []float64{1, 2, 3, math.NaN(), 5, 6})
	_, err := Compute(h, m(1, 2), m(3, 1), Options{})
	if err == nil || !strings.Contains(err.Error(), "features: non-finite value NaN at row 1, column 1") {
		t.Errorf("NaN: got %v", err)
	}
	w := mustMatrix(t, 1, 2, []float64{1, math.Inf(-1)})
	_, err = Compute(m(3, 2), w, m(3, 1), Options{})
	if err == nil || !strings.Contains(err.Error(), "weights: non-finite value -Inf at row 0, column 1") {
		t.Errorf("Inf: got %v", err)
	}
}

// toBig converts a row-major float64 matrix exactly.
func toBig(r, c int, v []float64, prec uint) *bigmat.Dense {
	return bigmat.FromFloat64(r, c, prec, v)
}

// TestBigAgreesWithFloat64: the two computations agree to ~1e-10 on
// random, well-conditioned inputs, centered and not.
func TestBigAgreesWithFloat64(t *testing.T) {
	for seed := uint64(0); seed < 6; seed++ {
		rng := rand.New(rand.NewPCG(13, seed))
		M, d, n := 25, 5+int(seed%3), 2+int(seed%2)
		H := randn(rng, M, d)
		for i := range H {
			H[i] += 1
		}
		W := randn(rng, n, d)
		Y := randn(rng, M, n)
		for _, unc := range []bool{false, true} {
			r := compute(t, M, d, n, H, W, Y, Options{Uncentered: unc})
			prec := bigmat.Bits(30)
			b, err := ComputeBig(toBig(M, d, H, prec), toBig(n, d, W, prec), toBig(M, n, Y, prec), 30, Options{Uncentered: unc})
			if err != nil {
				t.Fatal(err)
			}
			pairs := [][2]float64{{r.NRC1, f64(b.NRC1)}, {r.NRC2, f64(b.NRC2)}, {r.NRC3, f64(b.NRC3)}, {r.NRC3Gamma, f64(b.NRC3Gamma)}}
			for c := range r.EVR {
				pairs = append(pairs, [2]float64{r.EVR[c], f64(b.EVR[c])})
			}
			for k, p := range pairs {
				if !close(p[0], p[1], 1e-10) {
					t.Errorf("seed %d uncentered %v: value %d: float64 %.15g, big %.15g", seed, unc, k, p[0], p[1])
				}
			}
			if b.WeightsRank != r.WeightsRank || b.ZeroFeatures != r.ZeroFeatures {
				t.Errorf("seed %d: rank/zero differ: %d/%d vs %d/%d", seed, b.WeightsRank, b.ZeroFeatures, r.WeightsRank, r.ZeroFeatures)
			}
		}
	}
}

func f64(x *big.Float) float64 {
	if x == nil {
		return math.NaN()
	}
	v, _ := x.Float64()
	return v
}

// TestBigCollapse: features within 10^-D of the row space of W give
// NRC1, NRC2 ≈ 10^(-2D) in the big-float computation (float64 would give
// rounding noise ~1e-32), and exactly aligned WWᵀ gives NRC3 ≈ 0 at the
// constructed γ.
func TestBigCollapse(t *testing.T) {
	for _, D := range []int{20, 40, 60} {
		prec := bigmat.Bits(D)
		M, d, n := 12, 5, 2
		rng := rand.New(rand.NewPCG(17, uint64(D)))
		// W with orthonormal rows e1, e2 (rotated exactly by integers would
		// break orthonormality; keep the axes) and features
		// h_i = c_i1 e1 + c_i2 e2 + ε·s_i·e4 with ε = 10^-D, s_i = ±1,
		// arranged so that the mean is zero.
		W := bigmat.New(n, d, prec)
		W.SetFloat64(0, 0, 2)
		W.SetFloat64(1, 1, 3)
		eps := tenPow(-D, prec)
		H := bigmat.New(M, d, prec)
		want := new(big.Float).SetPrec(prec)
		for g := 0; g < M/4; g++ {
			c1, c2 := float64(1+rng.IntN(9)), float64(1+rng.IntN(9))
			// Four rows (s1·c1, s1·c2, 0, s2·ε, 0): mean zero and no
			// correlation between the e4 part and the rest, so the top-2
			// principal subspace is span(e1, e2) exactly.
			for k := 0; k < 4; k++ {
				row := 4*g + k
				s1, s2 := float64(1-2*(k&1)), float64(1-(k&2))
				H.SetFloat64(row, 0, s1*c1)
				H.SetFloat64(row, 1, s1*c2)
				H.At(row, 3).Mul(eps, new(big.Float).SetFloat64(s2))
			}
			// Each row contributes ε²/(c1²+c2²+ε²).
			den := new(big.Float).SetPrec(prec).SetFloat64(c1*c1 + c2*c2)
			e2 := new(big.Float).SetPrec(prec).Mul(eps, eps)
			den.Add(den, e2)
			term := new(big.Float).SetPrec(prec).Quo(e2, den)
			for k := 0; k < 4; k++ {
				want.Add(want, term)
			}
		}
		want.Quo(want, intF(M, prec))
		// Targets with Σ = diag(25, 100): rows (±5, ±10) in all four sign
		// combinations. Σ^{1/2} = diag(5, 10) = WWᵀ + 1·I with WWᵀ =
		// diag(4, 9), so NRC3 = 0 at γ₀ = 1 ≤ σ_min = 25.
		Y := bigmat.New(M, n, prec)
		for i := 0; i < M; i++ {
			Y.SetFloat64(i, 0, 5*float64(1-2*(i&1)))
			Y.SetFloat64(i, 1, 10*float64(1-(i&2)))
		}
		b, err := ComputeBig(H, W, Y, D, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for name, got := range map[string]*big.Float{"NRC1": b.NRC1, "NRC2": b.NRC2} {
			rel := new(big.Float).Quo(new(big.Float).Sub(got, want), want)
			if r, _ := rel.Float64(); math.Abs(r) > 1e-12 {
				t.Errorf("D=%d: %s = %s, want %s", D, name, got.Text('g', 12), want.Text('g', 12))
			}
		}
		if v, _ := b.NRC3.Float64(); v > math.Pow(10, -2*float64(D)) {
			t.Errorf("D=%d: NRC3 = %s, want < 1e-%d", D, b.NRC3.Text('g', 6), 2*D)
		}
		if g, _ := b.NRC3Gamma.Float64(); !close(g, 1, 1e-12) {
			t.Errorf("D=%d: γ = %s, want 1", D, b.NRC3Gamma.Text('g', 20))
		}
		// Float64 on the same data sees no out-of-subspace component.
		if D >= 20 {
			r := compute(t, M, d, n, H.Float64s(), W.Float64s(), Y.Float64s(), Options{})
			if r.NRC1 > 1e-28 || r.NRC2 > 1e-28 {
				t.Errorf("float64: NRC1 %g NRC2 %g", r.NRC1, r.NRC2)
			}
		}
	}
}

// TestNumpyReference: NRC1, NRC2 and EVR of the committed fixtures agree
// with testdata/bench_numpy.py to 1e-10 (the JSON was produced by it).
func TestNumpyReference(t *testing.T) {
	var ref map[string]struct {
		NRC1 float64   `json:"nrc1"`
		NRC2 float64   `json:"nrc2"`
		EVR  []float64 `json:"evr"`
		Rank int       `json:"weights_rank"`
	}
	b, err := os.ReadFile("testdata/rand_expected_numpy.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	h, err := ReadNPYFile("testdata/rand_features_f32_c.npy")
	if err != nil {
		t.Fatal(err)
	}
	w, err := ReadNPYFile("testdata/rand_weights_f64_fortran.npy")
	if err != nil {
		t.Fatal(err)
	}
	y, err := ReadNPYFile("testdata/rand_targets_f64_be.npy")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"centered", "uncentered"} {
		r, err := Compute(h, w, y, Options{Uncentered: mode == "uncentered", EVRCount: -1})
		if err != nil {
			t.Fatal(err)
		}
		want := ref[mode]
		if !close(r.NRC1, want.NRC1, 1e-10) || !close(r.NRC2, want.NRC2, 1e-10) || r.WeightsRank != want.Rank {
			t.Errorf("%s: NRC1 %.15g NRC2 %.15g rank %d, numpy %.15g %.15g %d", mode, r.NRC1, r.NRC2, r.WeightsRank, want.NRC1, want.NRC2, want.Rank)
		}
		for c := range want.EVR {
			if !close(r.EVR[c], want.EVR[c], 1e-10) {
				t.Errorf("%s: EVR %v, numpy %v", mode, r.EVR, want.EVR)
				break
			}
		}
	}
}

// TestWorkersAgree: the parallel passes give the same numbers as one
// worker, bit for bit (the accumulators belong to fixed ranges of rows,
// not to goroutines), and a Rows source that is not a *Matrix (read in
// order by one goroutine) gives them too.
func TestWorkersAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 1))
	M, d, n := 3000, 20, 4
	H := randn(rng, M, d)
	W := randn(rng, n, d)
	Y := randn(rng, M, n)
	r1 := compute(t, M, d, n, H, W, Y, Options{Workers: 1})
	r4 := compute(t, M, d, n, H, W, Y, Options{Workers: 4})
	rs, err := Compute(plainRows{mustMatrix(t, M, d, H)}, mustMatrix(t, n, d, W), plainRows{mustMatrix(t, M, n, Y)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r2 := compute(t, M, d, n, H, W, Y, Options{Workers: 2})
	for _, r := range []*Result{r2, r4, rs} {
		if r.NRC1 != r1.NRC1 || r.NRC2 != r1.NRC2 || r.NRC3 != r1.NRC3 || !slices.Equal(r.EVR, r1.EVR) {
			t.Errorf("%+v vs %+v", r, r1)
		}
	}
}

// plainRows hides the *Matrix type so the sequential path is used.
type plainRows struct{ m *Matrix }

func (p plainRows) Dims() (int, int)                      { return p.m.Dims() }
func (p plainRows) Block(i0, i1 int, dst []float64) error { return p.m.Block(i0, i1, dst) }

func TestMain(m *testing.M) {
	// Fixtures are read relative to the package directory.
	if _, err := os.Stat(filepath.Join("testdata", "bench_numpy.py")); err != nil {
		panic("run the tests from the package directory")
	}
	os.Exit(m.Run())
}

// TestLargeOffset: features exactly in a 3-dimensional subspace plus a
// common offset 1e6 times larger than their spread. The corrected two-pass
// covariance keeps P_n exact to ~1e-10 (the rounding of the inputs
// themselves), so NRC1 stays ~1e-20; the textbook one-pass formula
// E[hhᵀ] − h̄h̄ᵀ would lose 12 digits to cancellation here.
func TestLargeOffset(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 5))
	M, d, n := 2000, 10, 3
	W := randn(rng, n, d)
	H := matmul(randn(rng, M, n), W, M, n, d)
	off := randn(rng, 1, d)
	for i := range H {
		H[i] += 1e6 * off[i%d]
	}
	r := compute(t, M, d, n, H, W, randn(rng, M, n), Options{})
	t.Logf("NRC1 %g NRC2 %g", r.NRC1, r.NRC2)
	if r.NRC1 > 1e-18 || r.NRC2 > 1e-18 {
		t.Errorf("NRC1 = %g, NRC2 = %g, want ≤ 1e-18", r.NRC1, r.NRC2)
	}
	if s := r.EVR[0] + r.EVR[1] + r.EVR[2]; !close(s, 1, 1e-12) {
		t.Errorf("top-3 EVR sum %.17g", s)
	}
}

// TestBigDegenerate: the big-float computation flags the same degenerate
// cases as the float64 one, with nil values instead of numbers.
func TestBigDegenerate(t *testing.T) {
	prec := bigmat.Bits(20)
	M, d, n := 4, 3, 2
	same := bigmat.New(M, d, prec)
	for i := 0; i < M; i++ {
		for j := 0; j < d; j++ {
			same.SetFloat64(i, j, float64(j+1)/10)
		}
	}
	h := toBig(M, d, []float64{1, 0, 0, 0, 1, 0, -1, 0, 0, 0, -1, 0}, prec)
	w := toBig(n, d, []float64{1, 0, 0, 0, 1, 0}, prec)
	y := toBig(M, n, []float64{1, 0, 0, 2, 3, 1, 0, 0}, prec)
	r, err := ComputeBig(same, w, y, 20, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.FeaturesCollapsed || r.NRC1 != nil || r.NRC2 != nil || len(r.EVR) != 0 || r.NRC3 == nil {
		t.Errorf("collapsed: %+v", r)
	}
	r, err = ComputeBig(h, bigmat.New(n, d, prec), y, 20, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.NRC3 != nil || !strings.Contains(r.NRC3Undefined, "W = 0") || r.WeightsRank != 0 || f64(r.NRC2) != 1 {
		t.Errorf("W = 0: %+v", r)
	}
	r, err = ComputeBig(h, w, bigmat.New(M, n, prec), 20, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.NRC3 != nil || !strings.Contains(r.NRC3Undefined, "constant") {
		t.Errorf("Σ = 0: %+v", r)
	}
	// Features (±1, 0, 0), (0, ±1, 0) lie in span(e1, e2) = row space of W.
	if r.NRC1 == nil || r.NRC1.Sign() != 0 || r.NRC2.Sign() != 0 {
		t.Errorf("NRC1 %v NRC2 %v, want exactly 0", r.NRC1, r.NRC2)
	}
	if _, err := ComputeBig(h, w, y, 0, Options{}); err == nil {
		t.Error("digits 0 accepted")
	}
	bad := h.Clone()
	bad.At(2, 1).SetInf(false)
	if _, err := ComputeBig(bad, w, y, 20, Options{}); err == nil || !strings.Contains(err.Error(), "features: non-finite value +Inf at row 2, column 1") {
		t.Errorf("Inf: %v", err)
	}
	if _, err := ComputeBig(h, w, toBig(3, n, make([]float64, 3*n), prec), 20, Options{}); err == nil || !strings.Contains(err.Error(), "sample counts differ") {
		t.Errorf("shapes: %v", err)
	}
}

// Progress reports every row of every pass, and a done Context stops
// Compute with ErrStopped instead of a result.
func TestProgressAndStop(t *testing.T) {
	const M, d, n = 5000, 6, 2
	rng := rand.New(rand.NewPCG(3, 4))
	h, w, y := make([]float64, M*d), make([]float64, n*d), make([]float64, M*n)
	for i := range h {
		h[i] = rng.NormFloat64()
	}
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	H, _ := NewMatrix(M, d, h)
	W, _ := NewMatrix(n, d, w)
	Y, _ := NewMatrix(M, n, y)
	var mu sync.Mutex
	last := map[string]int{}
	opt := Options{Workers: 3, Progress: func(pass string, done, all int) {
		mu.Lock()
		defer mu.Unlock()
		if all != M || done > all {
			t.Errorf("%s: %d of %d rows", pass, done, all)
		}
		last[pass] = max(last[pass], done)
	}}
	if _, err := Compute(H, W, Y, opt); err != nil {
		t.Fatal(err)
	}
	for _, pass := range []string{"features", "targets", "residuals"} {
		if last[pass] != M {
			t.Errorf("pass %s reported %d of %d rows at most", pass, last[pass], M)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Compute(H, W, Y, Options{Context: ctx}); !errors.Is(err, ErrStopped) {
		t.Fatalf("a cancelled context gave %v, want ErrStopped", err)
	}
}
