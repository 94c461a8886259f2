package solver

import (
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
)

// mkInstance builds an instance from sample-major targets given as strings.
func mkInstance(t testing.TB, name string, targets [][]string, lamH, lamW string, d int, bias, lamB string) *instance.Instance {
	t.Helper()
	doc := map[string]any{
		"name": name, "targets": targets, "lambda_h": lamH, "lambda_w": lamW, "d": d,
	}
	if bias != "" {
		doc["bias"] = bias
	}
	if lamB != "" {
		doc["lambda_b"] = lamB
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	in, err := instance.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return in
}

func loadTestdata(t testing.TB, name string) *instance.Instance {
	t.Helper()
	in, err := instance.Load(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func randDense(r, c int, prec uint, seed uint64) *bigmat.Dense {
	rng := rand.New(rand.NewPCG(seed, 7))
	v := make([]float64, r*c)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return bigmat.FromFloat64(r, c, prec, v)
}

func bf(prec uint, s string) *big.Float {
	x, _, err := big.ParseFloat(s, 10, prec, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	return x
}

func ratF(prec uint, r *big.Rat) *big.Float { return new(big.Float).SetPrec(prec).SetRat(r) }

// relErr returns log10(|a−b| / max(|scale|, tiny)), −Inf if equal.
func relErr(a, b, scale *big.Float) float64 {
	d := new(big.Float).SetPrec(a.Prec()).Sub(a, b)
	if d.Sign() == 0 {
		return math.Inf(-1)
	}
	return log10Float(d) - log10Float(scale)
}

// maxEntryErr returns log10 of max |a_ij − b_ij| / scale.
func maxEntryErr(a, b *bigmat.Dense, scale *big.Float) float64 {
	d := new(bigmat.Dense).Sub(a, b)
	m := d.MaxAbs()
	if m.Sign() == 0 {
		return math.Inf(-1)
	}
	return log10Float(m) - log10Float(scale)
}

// rawLoss evaluates L(W, H, b) of docs/theory.md §1 straight from its definition:
// 1/(2M)‖WH + b1ᵀ − Y‖² + λ_H/(2M)‖H‖² + λ_W/2‖W‖² (+ λ_b/2‖b‖² for bias
// regularized). W is n×p and H p×M for any p (zero-padding is immaterial).
// b has n entries (ignored for bias none).
func rawLoss(in *instance.Instance, w, h *bigmat.Dense, b []*big.Float, prec uint) *big.Float {
	n, m := in.N(), in.M()
	wh := new(bigmat.Dense).Mul(w, h)
	s := new(big.Float).SetPrec(prec)
	var t, y big.Float
	t.SetPrec(prec)
	y.SetPrec(prec)
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			y.SetRat(in.Targets[j][i])
			t.Sub(wh.At(i, j), &y)
			if in.Bias != instance.BiasNone {
				t.Add(&t, b[i])
			}
			t.Mul(&t, &t)
			s.Add(s, &t)
		}
	}
	hn := h.FrobeniusNorm()
	hn.Mul(hn, hn)
	hn.Mul(hn, ratF(prec, in.LambdaH))
	s.Add(s, hn)
	s.Quo(s, new(big.Float).SetPrec(prec).SetInt64(int64(m)))
	wn := w.FrobeniusNorm()
	wn.Mul(wn, wn)
	wn.Mul(wn, ratF(prec, in.LambdaW))
	s.Add(s, wn)
	if in.Bias == instance.BiasRegularized {
		for i := 0; i < n; i++ {
			t.Mul(b[i], b[i])
			t.Mul(&t, ratF(prec, in.LambdaB))
			s.Add(s, &t)
		}
	}
	return s.SetMantExp(s, -1)
}

// rawGradNormFD returns ‖∇L‖ over (W, H, b) by central differences of
// rawLoss with unit steps. L is a quadratic polynomial in each single
// coordinate, so the unit-step central difference is exact up to rounding;
// it is computed at prec + 64 bits. This uses nothing of the solver but the
// definition of L.
func rawGradNormFD(in *instance.Instance, w, h *bigmat.Dense, b []*big.Float, prec uint) *big.Float {
	hp := prec + 64
	w = w.Clone().SetPrec(hp)
	h = h.Clone().SetPrec(hp)
	bb := make([]*big.Float, len(b))
	for i := range b {
		bb[i] = new(big.Float).SetPrec(hp).Set(b[i])
	}
	one := new(big.Float).SetPrec(hp).SetInt64(1)
	sum := new(big.Float).SetPrec(hp)
	var d big.Float
	d.SetPrec(hp)
	probe := func(x *big.Float) {
		x.Add(x, one)
		lp := rawLoss(in, w, h, bb, hp)
		x.Sub(x, one)
		x.Sub(x, one)
		lm := rawLoss(in, w, h, bb, hp)
		x.Add(x, one)
		d.Sub(lp, lm)
		d.SetMantExp(&d, -1)
		d.Mul(&d, &d)
		sum.Add(sum, &d)
	}
	for _, m := range []*bigmat.Dense{w, h} {
		r, c := m.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				probe(m.At(i, j))
			}
		}
	}
	if in.Bias != instance.BiasNone {
		for _, x := range bb {
			probe(x)
		}
	}
	return sum.Sqrt(sum)
}

// diagTargets returns M = 2n+... sample-major targets offset ± a_j e_j, so
// that the (centered) covariance is diag(a_j²/n) and the mean is offset.
func diagTargets(offset, amp []string) [][]string {
	n := len(amp)
	var rows [][]string
	for j := 0; j < n; j++ {
		for _, sign := range []int{1, -1} {
			row := make([]string, n)
			for i := 0; i < n; i++ {
				o, _ := new(big.Rat).SetString(offset[i])
				if i == j {
					a, _ := new(big.Rat).SetString(amp[j])
					o.Add(o, a.Mul(a, big.NewRat(int64(sign), 1)))
				}
				row[i] = o.RatString()
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// adversarialPathFiles are the testdata instances run through two solver
// paths (TestKrylovMatchesDense, TestMatrixFreeAdversarial): degenerate
// valleys c = σ_j, targets spanning 60 orders, tiny c, extreme scales.
var adversarialPathFiles = []string{
	"degenerate-c-eq-sigma1.json", "degenerate-c-eq-sigma2.json", "full-3x8.json",
	"partial-3x6.json", "nobias-2x4.json", "qa_h2_n2_t2_l0.json",
	"qa_r3.json", "qa_r4.json", "extreme-target-scale-4x10.json", "extreme-tiny-c-4x10.json",
}

// wwDisagreement returns log10 of the largest entry difference of a's and
// b's W Wᵀ relative to the scale their DigitsReached refer to: max|W Wᵀ|
// of either, or, where W* = 0, the unit a0 of W Wᵀ capped by φ (absolute,
// as in relChange). ok is false when that scale is 0.
func wwDisagreement(t *testing.T, in *instance.Instance, a, b *Result) (float64, bool) {
	t.Helper()
	prec := min(a.WW.Prec(), b.WW.Prec())
	scale := maxBig(a.WW.MaxAbs(), b.WW.MaxAbs())
	red, err := newReduced(in, in.LambdaH, in.LambdaW, prec)
	if err != nil {
		t.Fatal(err)
	}
	if red.exact.zeroIsMinimizer() {
		phi := newFloat(prec).Quo(a.MinLoss, red.fScale)
		scale = newFloat(prec).Set(red.a0)
		if phi.Cmp(big.NewFloat(1)) < 0 {
			scale.Mul(scale, phi)
		}
	}
	if scale.Sign() == 0 {
		return 0, false
	}
	return maxEntryErr(a.WW.Clone().SetPrec(prec), b.WW.Clone().SetPrec(prec), scale), true
}
