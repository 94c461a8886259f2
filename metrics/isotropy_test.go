package metrics

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/internal/ratmat"
)

// nearIsotropic is issue 8 item 7: the four targets (±a, ±1) with
// a = 1 + 10⁻¹³ (as a float64) have mean 0 and Σ = diag(a², 1), anisotropic
// by 2·10⁻¹³. With WWᵀ = diag(1, 0) and γ = σ_min = 1,
// Σ^{1/2} − √γ·I = diag(a − 1, 0) ∝ WWᵀ, so the true minimum of NRC3 is 0
// (at γ = 1), while at γ = 0 NRC3 = ‖diag(1,0) − I/√2‖² = 2 − √2 ≈ 0.586.
func nearIsotropic() (M, d, n int, h, w, y []float64) {
	a := 1 + 1e-13
	y = []float64{a, 1, -a, 1, a, -1, -a, -1}
	h = []float64{1, 0.5, -1, 0.25, 0.5, -1, -0.5, 0.75}
	w = []float64{1, 0, 0, 0}
	return 4, 2, 2, h, w, y
}

// TestNearIsotropicFloat64: the float64 path must not call Σ ∝ I, and must
// either find NRC3 ≈ 0 or say it cannot resolve it — never report 0.586.
func TestNearIsotropicFloat64(t *testing.T) {
	M, d, n, h, w, y := nearIsotropic()
	r := compute(t, M, d, n, h, w, y, Options{})
	if r.NRC3Flat {
		t.Fatalf("Σ anisotropic by 2e-13 declared ∝ I: %+v", r)
	}
	switch {
	case r.NRC3Undefined != "":
		if !strings.Contains(r.NRC3Undefined, "--digits") {
			t.Errorf("undetermined NRC3 without a way out: %q", r.NRC3Undefined)
		}
	case r.NRC3 > nrc3Tol64:
		t.Errorf("NRC3 = %g, the true minimum is 0 (at γ = 1)", r.NRC3)
	}
}

// TestNearIsotropicBig: the big-float path resolves the anisotropy and
// finds the minimum 0 at γ = σ_min = 1 to the requested digits.
func TestNearIsotropicBig(t *testing.T) {
	M, d, n, h, w, y := nearIsotropic()
	const digits = 30
	prec := bigmat.Bits(digits)
	r, err := ComputeBig(toBig(M, d, h, prec), toBig(n, d, w, prec), toBig(M, n, y, prec), digits, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.NRC3Flat || r.NRC3 == nil {
		t.Fatalf("flat %v, undefined %q", r.NRC3Flat, r.NRC3Undefined)
	}
	tiny := new(big.Float).SetFloat64(1e-25)
	if r.NRC3.Cmp(tiny) > 0 {
		t.Errorf("NRC3 = %s, want 0 to 25 digits", r.NRC3.Text('g', 10))
	}
	if g, _ := r.NRC3Gamma.Float64(); !close(g, 1, 1e-12) {
		t.Errorf("γ = %g, want σ_min = 1", g)
	}
}

// TestExactlyIsotropicStillFlat: Σ = I exactly (targets (±1, ±1)) is flat
// in float64, and NRC3 = ‖Â − I/√2‖² there.
func TestExactlyIsotropicStillFlat(t *testing.T) {
	M, d, n, h, w, _ := nearIsotropic()
	y := []float64{1, 1, -1, 1, 1, -1, -1, -1}
	r := compute(t, M, d, n, h, w, y, Options{})
	if !r.NRC3Flat || r.NRC3Undefined != "" {
		t.Fatalf("Σ = I: flat %v, undefined %q", r.NRC3Flat, r.NRC3Undefined)
	}
	if want := 2 - 1.4142135623730951; !close(r.NRC3, want, 1e-15) {
		t.Errorf("NRC3 = %.17g, want 2 − √2", r.NRC3)
	}
}

// TestBigRankThresholdSquared: ComputeBig decides the rank of W from the
// eigenvalues of WᵀW, which are squared singular values, so the threshold
// 10^-digits on singular values is 10^-2·digits on eigenvalues. Here
// W = diag(1, 10⁻²²) at 30 digits has rank 2: its small eigenvalue 10⁻⁴⁴
// is above 10⁻⁶⁰ but below 10⁻³⁰ (an unsquared threshold says rank 1).
func TestBigRankThresholdSquared(t *testing.T) {
	M, d, n, h, _, y := nearIsotropic()
	const digits = 30
	prec := bigmat.Bits(digits)
	w := toBig(n, d, []float64{1, 0, 0, 1e-22}, prec)
	r, err := ComputeBig(toBig(M, d, h, prec), w, toBig(M, n, y, prec), digits, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.WeightsRank != 2 {
		t.Errorf("rank of diag(1, 1e-22) at 30 digits = %d, want 2", r.WeightsRank)
	}
	w = toBig(n, d, []float64{1, 0, 0, 1e-31}, prec)
	if r, err = ComputeBig(toBig(M, d, h, prec), w, toBig(M, n, y, prec), digits, Options{}); err != nil {
		t.Fatal(err)
	}
	if r.WeightsRank != 1 {
		t.Errorf("rank of diag(1, 1e-31) at 30 digits = %d, want 1", r.WeightsRank)
	}
}

// anisoCSV returns the targets (±a, ±1), a = 1 + 10^-k, as text: mean 0,
// Σ = diag(a², 1) exactly, anisotropic by (a² − 1)/√2 ≈ √2·10^-k in
// Frobenius norm.
func anisoCSV(k int) string {
	a := "1." + strings.Repeat("0", k-1) + "1"
	return a + ",1\n-" + a + ",1\n" + a + ",-1\n-" + a + ",-1\n"
}

// exactInputs reads h, w and y from text, h at the precision of digits and
// w, y exactly (as the command line does).
func exactInputs(t *testing.T, h, w, y string, digits int) (*bigmat.Dense, *Exact, *Exact) {
	t.Helper()
	hb, err := ReadCSVBig(strings.NewReader(h), "h", bigmat.Bits(digits))
	if err != nil {
		t.Fatal(err)
	}
	wx, err := ReadCSVExact(strings.NewReader(w), "w")
	if err != nil {
		t.Fatal(err)
	}
	yx, err := ReadCSVExact(strings.NewReader(y), "y")
	if err != nil {
		t.Fatal(err)
	}
	return hb, wx, yx
}

const isoH = "1,0.5\n-1,0.25\n0.5,-1\n-0.5,0.75\n"

// TestExactAnisotropy is QA's reproducer for issue 8 item 7 and its kin:
// targets (±a, ±1) with a = 1 + 10^-k and WWᵀ = diag(1, 0). Σ = diag(a², 1)
// is not ∝ I, σ_min = 1, and at γ = 1 Σ^{1/2} − √γ·I = diag(a − 1, 0) ∝ WWᵀ:
// the true minimum of NRC3 is 0, at γ = 1 (at γ = 0 it is 2 − √2). Any
// threshold on the anisotropy called such a Σ isotropic for k large enough
// (k = 40 at 30 digits printed 0.585786…). The bound asserted, NRC3 ≤
// 10^-30 read from its text, is what 30 digits promise of a value that is 0.
func TestExactAnisotropy(t *testing.T) {
	const digits = 30
	for _, k := range []int{13, 40, 45, 200} {
		t.Run(fmt.Sprintf("1e-%d", k), func(t *testing.T) {
			h, w, y := exactInputs(t, isoH, "1,0\n0,0\n", anisoCSV(k), digits)
			r, err := ComputeBigExact(h, w, y, digits, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.NRC3Flat || r.NRC3 == nil {
				t.Fatalf("Σ anisotropic by 1e-%d: flat %v, undefined %q", k, r.NRC3Flat, r.NRC3Undefined)
			}
			txt := strings.TrimPrefix(r.NRC3Text(), "< ")
			v, _, err := big.ParseFloat(txt, 10, 64, big.ToNearestEven)
			if err != nil || v.Cmp(big.NewFloat(1e-30)) > 0 {
				t.Errorf("NRC3 printed %q, want 0 (≤ 1e-30)", r.NRC3Text())
			}
			one := new(big.Float).SetInt64(1)
			if d := new(big.Float).Sub(r.NRC3Gamma, one); d.Abs(d).Cmp(big.NewFloat(1e-30)) > 0 {
				t.Errorf("γ = %s, want σ_min = 1", r.NRC3Gamma.Text('g', 35))
			}
		})
	}
}

// TestExactAnisotropyBeyondCap: an anisotropy of 10^-1200 needs more than
// NRC3MaxDigits working digits: NRC3 is not given (nil, with the reason),
// never 2 − √2.
func TestExactAnisotropyBeyondCap(t *testing.T) {
	h, w, y := exactInputs(t, isoH, "1,0\n0,0\n", anisoCSV(1200), 30)
	r, err := ComputeBigExact(h, w, y, 30, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.NRC3 != nil || r.NRC3Flat || !strings.Contains(r.NRC3Undefined, "cannot be given") {
		t.Fatalf("NRC3 %v, flat %v, undefined %q; want not given", r.NRC3, r.NRC3Flat, r.NRC3Undefined)
	}
}

// TestExactIsotropyDecimal: targets whose Σ is exactly (1/20)·I as
// decimals, (±0.3, ±0.1) and (±0.1, ∓0.3), are flat: NRC3 = ‖diag(1, 0) −
// I/√2‖² = 2 − √2 for every γ, to all 30 digits (2 − √2 from mpmath:
// 0.585786437626904951198311275790301921...).
func TestExactIsotropyDecimal(t *testing.T) {
	const digits = 30
	y := "0.3,0.1\n-0.3,-0.1\n0.1,-0.3\n-0.1,0.3\n"
	h, w, yx := exactInputs(t, isoH, "1,0\n0,0\n", y, digits)
	r, err := ComputeBigExact(h, w, yx, digits, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.NRC3Flat || r.NRC3 == nil {
		t.Fatalf("Σ = I/20 exactly: flat %v, undefined %q", r.NRC3Flat, r.NRC3Undefined)
	}
	want, _, _ := big.ParseFloat("0.585786437626904951198311275790301921", 10, 200, big.ToNearestEven)
	got, _, err := big.ParseFloat(r.NRC3Text(), 10, 200, big.ToNearestEven)
	d := new(big.Float).Sub(got, want)
	if err != nil || d.Abs(d).Cmp(big.NewFloat(1e-30)) > 0 {
		t.Errorf("NRC3 printed %q, want 2 − √2 to 30 digits", r.NRC3Text())
	}
}

// TestExactDyadicAnisotropy: float64 targets (the .npy case) with
// a = 1 + 2⁻⁵², the smallest float64 anisotropy: exact, so not flat, and
// the minimum 0 at γ = 1, through ComputeBig (big.Float inputs are exact
// dyadic rationals).
func TestExactDyadicAnisotropy(t *testing.T) {
	M, d, n, h, w, _ := nearIsotropic()
	a := 1 + 0x1p-52
	y := []float64{a, 1, -a, 1, a, -1, -a, -1}
	const digits = 30
	prec := bigmat.Bits(digits)
	r, err := ComputeBig(toBig(M, d, h, prec), toBig(n, d, w, prec), toBig(M, n, y, prec), digits, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.NRC3Flat || r.NRC3 == nil || r.NRC3.Cmp(big.NewFloat(1e-30)) > 0 {
		t.Fatalf("a = 1 + 2⁻⁵²: flat %v, NRC3 %v, undefined %q; want 0 at γ = 1", r.NRC3Flat, r.NRC3, r.NRC3Undefined)
	}
}

// TestClassifySigma: the exact decisions themselves.
func TestClassifySigma(t *testing.T) {
	for _, tc := range []struct {
		name      string
		v         []int64 // 2×2, row-major, over 10^40
		zero, iso bool
	}{
		{"zero", []int64{0, 0, 0, 0}, true, false},
		{"isotropic", []int64{3, 0, 0, 3}, false, true},
		{"off-diagonal", []int64{3, 1, 1, 3}, false, false},
		{"diagonal", []int64{3, 0, 0, 4}, false, false},
	} {
		m := ratmat.FromInts(2, 2, tc.v...)
		// Shift by an exact 1: isotropy of I + m·10^-40 is that of m.
		m = ratmat.Scale(ratmat.Pow10(-40), m)
		if !tc.zero {
			m = ratmat.AddScaledIdentity(m, big.NewRat(1, 1))
		}
		s := classifySigma(m)
		if s.zero != tc.zero || s.isotropic != tc.iso || (s.aniso == nil) != (tc.zero || tc.iso) {
			t.Errorf("%s: %+v", tc.name, s)
		}
	}
}

// TestExactAnisotropyRotated: the anisotropy along (1, 1), so that its
// direction, not only its sign, must be resolved. Targets ±(1, 0),
// ±(0, 1), ±(e, e) with e = 10^-k: Σ = (1/3)(I + e²·J), J the all-ones
// matrix, eigenvalues 1/3 and (1 + 2e²)/3, v = (1, 1)/√2 the top
// eigenvector. With both rows of W equal to (1, 0), WWᵀ = J = 2vvᵀ, and
// at γ = σ_min = 1/3, Σ^{1/2} − √γ·I ∝ vvᵀ: NRC3's minimum is 0 at
// γ = 1/3. Σ rounded at the requested precision would make the direction
// of Σ^{1/2} − √γ·I rounding noise.
func TestExactAnisotropyRotated(t *testing.T) {
	const digits = 30
	for _, k := range []int{20, 23} {
		t.Run(fmt.Sprintf("e=1e-%d", k), func(t *testing.T) {
			e := fmt.Sprintf("1e-%d", k)
			y := "1,0\n-1,0\n0,1\n0,-1\n" + e + "," + e + "\n-" + e + ",-" + e + "\n"
			h := "1,0.5\n-1,0.25\n0.5,-1\n-0.5,0.75\n2,1\n0,3\n"
			hb, w, yx := exactInputs(t, h, "1,0\n1,0\n", y, digits)
			r, err := ComputeBigExact(hb, w, yx, digits, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.NRC3Flat || r.NRC3 == nil {
				t.Fatalf("flat %v, undefined %q", r.NRC3Flat, r.NRC3Undefined)
			}
			v, _, err := big.ParseFloat(strings.TrimPrefix(r.NRC3Text(), "< "), 10, 64, big.ToNearestEven)
			if err != nil || v.Cmp(big.NewFloat(1e-30)) > 0 {
				t.Errorf("NRC3 printed %q, want 0 (≤ 1e-30)", r.NRC3Text())
			}
			third := new(big.Float).SetPrec(200).Quo(big.NewFloat(1), big.NewFloat(3))
			if d := new(big.Float).Sub(r.NRC3Gamma, third); d.Abs(d).Cmp(big.NewFloat(1e-31)) > 0 {
				t.Errorf("γ = %s, want σ_min = 1/3", r.NRC3Gamma.Text('g', 35))
			}
		})
	}
}

// TestFloat64ExactIsotropy: the float64 path decides Σ ∝ I exactly on the
// float64 targets when rounding cannot. Targets ±(1, 1), ±(1, −1),
// ±(10⁻²⁰, 0): Σ = diag(2/3 + 10⁻⁴⁰/3, 2/3) is not ∝ I, but every float64
// sum of it rounds to diag(2/3, 2/3), so the computed Σ^{1/2} is exactly
// isotropic. With W = diag(1, 0) the true minimum is 0 at γ = σ_min, so
// NRC3 must not be reported (rerun with --digits), never 2 − √2. The
// decimals (0.3, 0.1)-type targets are exactly isotropic as float64
// values: flat, NRC3 = 2 − √2.
func TestFloat64ExactIsotropy(t *testing.T) {
	h6 := []float64{1, 0.5, -1, 0.25, 0.5, -1, -0.5, 0.75, 2, 1, 0, 3}
	w := []float64{1, 0, 0, 0}
	y := []float64{1, 1, -1, -1, 1, -1, -1, 1, 1e-20, 0, -1e-20, 0}
	r := compute(t, 6, 2, 2, h6, w, y, Options{})
	if r.NRC3Flat || r.NRC3Undefined == "" || !strings.Contains(r.NRC3Undefined, "--digits") {
		t.Errorf("Σ anisotropic by 1e-40: flat %v, NRC3 %g, undefined %q; want not reported, pointing to --digits", r.NRC3Flat, r.NRC3, r.NRC3Undefined)
	}
	yIso := []float64{0.3, 0.1, -0.3, -0.1, 0.1, -0.3, -0.1, 0.3}
	r = compute(t, 4, 2, 2, h6[:8], w, yIso, Options{})
	if !r.NRC3Flat || r.NRC3Undefined != "" || !close(r.NRC3, 2-math.Sqrt2, 1e-15) {
		t.Errorf("Σ ∝ I exactly: flat %v, NRC3 %.17g, undefined %q; want flat, 2 − √2", r.NRC3Flat, r.NRC3, r.NRC3Undefined)
	}
}

// TestNRC3RotatedAnisotropy: Σ = I + ε·E with E = Q·diag(0, 1, …, n−1)·Qᵀ,
// Q a rational rotation (Cayley transform), so σ_min = 1 and
// Σ^{1/2} − I = Q·diag(√(1 + εk) − 1)·Qᵀ = (ε/2)·E·(1 + O(ε)). With
// WWᵀ = E, NRC3's minimum (at γ = 1) is O(ε²): ≤ 10⁻³⁰ for ε = 10⁻⁴⁰ and
// 10⁻³⁰⁰. At the requested precision alone Σ is I to rounding and the
// direction of Σ^{1/2} − √γ·I is noise.
func TestNRC3RotatedAnisotropy(t *testing.T) {
	const n, digits = 6, 30
	K := ratmat.New(n, n)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			K.At(i, j).SetFrac64(int64((i*7+j*3)%5+1), 3)
			K.At(j, i).Neg(K.At(i, j))
		}
	}
	Q := ratmat.Cayley(K)
	D := ratmat.New(n, n)
	for k := 0; k < n; k++ {
		D.At(k, k).SetInt64(int64(k))
	}
	E := ratmat.Mul3(Q, D, Q.T())
	for _, k := range []int{40, 300} {
		sigma := ratmat.Add(ratmat.Identity(n), ratmat.Scale(ratmat.Pow10(-k), E))
		r, err := ComputeNRC3Moments(E.Dense(bigmat.Bits(digits)), sigma.Dense(bigmat.Bits(k+2*digits)), digits)
		if err != nil || r.Value == nil || r.Flat {
			t.Fatalf("ε = 1e-%d: %v, %+v", k, err, r)
		}
		if r.Value.Cmp(big.NewFloat(1e-30)) > 0 {
			t.Errorf("ε = 1e-%d: NRC3 = %s, want ≤ 1e-30 (O(ε²))", k, r.Value.Text('g', 10))
		}
		if g, _ := r.Gamma.Float64(); math.Abs(g-1) > 1e-15 {
			t.Errorf("ε = 1e-%d: γ = %g, want σ_min = 1", k, g)
		}
	}
}

// TestNRC3NearIsotropicInterior: a minimum that is neither 0 nor at an
// end point. Targets ±e₁, ±e₂, ±e₃, ±10⁻²⁰·(1, 2, 3): Σ = I/4 + (10⁻⁴⁰/4)·vvᵀ,
// v = (1, 2, 3); W has rows (1, 0.3), (0.2, 1), (0.5, 0.5). The reference,
// computed independently with mpmath at 150 digits (sqrtm by eigsy, NRC3(γ)
// on a 2000-point grid of √γ ∈ [0, √σ_min], refined by golden section):
// min 0.33911990480963153408077590484824379 at γ = 0.25 − O(10⁻⁴⁰), where
// γ = 0 gives 0.58169493… (what "Σ ∝ I" reported before).
func TestNRC3NearIsotropicInterior(t *testing.T) {
	const digits = 30
	y := "1,0,0\n-1,0,0\n0,1,0\n0,-1,0\n0,0,1\n0,0,-1\n1e-20,2e-20,3e-20\n-1e-20,-2e-20,-3e-20\n"
	h := "1,0.5\n-1,0.25\n0.5,-1\n-0.5,0.75\n2,1\n0,3\n1,1\n-2,0.5\n"
	hb, w, yx := exactInputs(t, h, "1,0.3\n0.2,1\n0.5,0.5\n", y, digits)
	r, err := ComputeBigExact(hb, w, yx, digits, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := big.ParseFloat("0.33911990480963153408077590484824379", 10, 200, big.ToNearestEven)
	got, _, err := big.ParseFloat(r.NRC3Text(), 10, 200, big.ToNearestEven)
	if err != nil || r.NRC3Flat {
		t.Fatalf("NRC3 %q, flat %v, undefined %q", r.NRC3Text(), r.NRC3Flat, r.NRC3Undefined)
	}
	d := new(big.Float).Sub(got, want)
	if d.Abs(d).Cmp(big.NewFloat(1e-30)) > 0 {
		t.Errorf("NRC3 printed %q, want %s to 30 digits", r.NRC3Text(), want.Text('g', 31))
	}
}

// TestMomentsRoundingLevelAnisotropy: Σ = diag(1, 1 + 2⁻¹⁵⁰) given at
// 153 bits is isotropic to within the rounding of its entries, so
// ComputeNRC3Moments cannot know whether it is exactly: NRC3 undefined.
// At 2⁻⁸⁰ the anisotropy is far above the rounding: resolved (W = diag(0, 1)
// along the larger eigenvalue: minimum 0 at γ = 1).
func TestMomentsRoundingLevelAnisotropy(t *testing.T) {
	const prec = 153
	for _, tc := range []struct {
		exp       int
		undefined bool
	}{{-150, true}, {-80, false}} {
		sigma := bigmat.New(2, 2, prec)
		x := new(big.Float).SetPrec(prec).SetInt64(1)
		x.Add(x, new(big.Float).SetMantExp(big.NewFloat(1), tc.exp))
		sigma.Set(0, 0, big.NewFloat(1))
		sigma.Set(1, 1, x)
		if sigma.At(1, 1).Cmp(big.NewFloat(1)) == 0 {
			t.Fatal("test setup: 1 + 2^exp rounded to 1")
		}
		A := bigmat.New(2, 2, prec)
		A.Set(1, 1, big.NewFloat(1))
		r, err := ComputeNRC3Moments(A, sigma, 30)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Undefined != ""; got != tc.undefined {
			t.Errorf("2^%d: undefined %q, want undefined %v", tc.exp, r.Undefined, tc.undefined)
		}
		if !tc.undefined && (r.Value == nil || r.Value.Cmp(big.NewFloat(1e-30)) > 0) {
			t.Errorf("2^%d: NRC3 %v, want 0", tc.exp, r.Value)
		}
	}
}
