package theory

import (
	"fmt"
	"math/big"
	"math/rand"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
)

// distinctDenominators is an instance whose targets have many distinct
// 10-digit denominators: their lcm has hundreds of digits, so the moments
// are formed in floating point.
func distinctDenominators(t *testing.T, n, m int, bias string) *instance.Instance {
	rng := rand.New(rand.NewSource(int64(10*n + m)))
	rows := make([]string, m)
	for i := range rows {
		row := make([]string, n)
		for k := range row {
			row[k] = fmt.Sprintf("%q", fmt.Sprintf("%d/%d", rng.Int63n(2e10)-1e10, 1e9+rng.Int63n(9e9)))
		}
		rows[i] = "[" + strings.Join(row, ",") + "]"
	}
	return mustParse(t, fmt.Sprintf(`{"targets":[%s],"lambda_h":"1/10","lambda_w":"1/10","d":2,"bias":%q}`, strings.Join(rows, ","), bias))
}

// TestFloatMomentsBound: the floating Σ̃ is within its bound of the exact
// Σ (from rationals), and the bound is small (≈ 2^-prec·‖Σ‖).
func TestFloatMomentsBound(t *testing.T) {
	for _, bias := range []string{"free", "none"} {
		in := distinctDenominators(t, 3, 40, bias)
		mo := newMoments(in)
		if mo.fl == nil {
			t.Fatal("integer moments for a 400-digit common denominator")
		}
		const prec = 200
		s, bound := mo.sigmaFloat(prec)
		exact := in.Sigma()
		diff := new(big.Float).SetPrec(2000)
		for k := range exact {
			for l := range exact[k] {
				d := new(big.Float).SetPrec(2000).SetRat(exact[k][l])
				d.Sub(d, s.At(k, l))
				diff.Add(diff, d.Mul(d, d))
			}
		}
		diff.Sqrt(diff)
		if diff.Cmp(bound) > 0 {
			t.Errorf("bias %s: ‖Σ̃ − Σ‖ = %s above the bound %s", bias, diff.Text('e', 3), bound.Text('e', 3))
		}
		if lim := new(big.Float).SetMantExp(s.FrobeniusNorm(), 16-prec); bound.Cmp(lim) > 0 {
			t.Errorf("bias %s: bound %s is loose (> 2^16·2^-prec·‖Σ‖ = %s)", bias, bound.Text('e', 3), lim.Text('e', 3))
		}
		if mo.trace.Cmp(traceOf(exact)) != 0 {
			t.Errorf("bias %s: tr Σ = %s, exactly %s", bias, mo.trace.RatString(), traceOf(exact).RatString())
		}
	}
}

func traceOf(a [][]*big.Rat) *big.Rat {
	t := new(big.Rat)
	for k := range a {
		t.Add(t, a[k][k])
	}
	return t
}

// TestFloatMomentsPredict: Predict from floating moments agrees with
// Predict from integer moments (threshold raised) on every quantity to the
// requested digits, with the same exact decisions.
func TestFloatMomentsPredict(t *testing.T) {
	in := distinctDenominators(t, 3, 40, "free")
	pf, err := Predict(in, 40)
	if err != nil {
		t.Fatal(err)
	}
	saved := maxIntegerDenominatorBits
	maxIntegerDenominatorBits = 1 << 20
	pi, err := Predict(in, 40)
	maxIntegerDenominatorBits = saved
	if err != nil {
		t.Fatal(err)
	}
	if pf.Active != pi.Active || pf.TargetRank != pi.TargetRank || pf.Regime != pi.Regime {
		t.Fatalf("decisions differ: %d/%d/%s vs %d/%d/%s", pf.Active, pf.TargetRank, pf.Regime, pi.Active, pi.TargetRank, pi.Regime)
	}
	checkJustified(t, pf)
	checkRel(t, "min_loss", pf.MinLoss, pi.MinLoss, 40)
	checkRel(t, "train_mse", pf.TrainMSE, pi.TrainMSE, 40)
	for j := range pf.Sigma {
		checkRel(t, fmt.Sprintf("σ_%d", j+1), pf.Sigma[j], pi.Sigma[j], 40)
	}
	if d := entryDigits(pf.WW.Clone().SetPrec(pi.Prec), pi.WW); d < 40 {
		t.Errorf("ww agrees to %d digits", d)
	}
}

// TestDotInt64: the 192-bit accumulation of int64 products equals the
// big.Int sum, at the extremes of its range (|x|, |y| just below 2^62,
// signs mixed, sums that cancel and sums that pass 2^128).
func TestDotInt64(t *testing.T) {
	const top = 1<<62 - 1
	tops := make([]int64, 40) // Σ top² ≈ 40·2^124 > 2^128
	for i := range tops {
		tops[i] = top
	}
	cases := [][2][]int64{
		{tops, tops},
		{{top, -top, top, -top}, {top, top, top, top}},
		{{-top, -top, 3}, {top, top, -5}},
		{{0, 1, -1}, {7, -7, 7}},
		{{}, {}},
	}
	rng := rand.New(rand.NewSource(16))
	for len(cases) < 30 {
		n := rng.Intn(50)
		x, y := make([]int64, n), make([]int64, n)
		for i := range x {
			x[i], y[i] = rng.Int63n(2*top)-top, rng.Int63n(2*top)-top
		}
		cases = append(cases, [2][]int64{x, y})
	}
	for ci, c := range cases {
		want := new(big.Int)
		for i := range c[0] {
			want.Add(want, new(big.Int).Mul(big.NewInt(c[0][i]), big.NewInt(c[1][i])))
		}
		if got := dotInt64(c[0], c[1]); got.Cmp(want) != 0 {
			t.Errorf("case %d: dotInt64 = %s, want %s", ci, got, want)
		}
	}
}
