package verify

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ALTree/bigfloat"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/theory"
)

// digitsExact is the definition of digitsOf in exact integer arithmetic:
// the largest d in [0, cap] with |err|·10^d ≤ |den| (cap when err = 0).
func digitsExact(err, den *big.Float, cap int) int {
	if err.Sign() == 0 {
		return cap
	}
	if den.Sign() == 0 {
		return 0
	}
	a, ea := intMant(err)
	b, eb := intMant(den)
	// |err| = a·2^ea, |den| = b·2^eb: compare a·10^d·2^(ea−eb) with b.
	if ea > eb {
		a.Lsh(a, uint(ea-eb))
	} else {
		b.Lsh(b, uint(eb-ea))
	}
	d := 0
	ten := big.NewInt(10)
	a.Mul(a, ten)
	for d < cap && a.Cmp(b) <= 0 {
		d++
		a.Mul(a, ten)
	}
	return d
}

// intMant returns the integer m and exponent e with |x| = m·2^e.
func intMant(x *big.Float) (*big.Int, int) {
	var m big.Float
	e := x.MantExp(&m)
	p := int(x.MinPrec())
	m.SetMantExp(m.Abs(&m), p)
	i, acc := m.Int(nil)
	if acc != big.Exact {
		panic("intMant: not exact")
	}
	return i, e - p
}

// digitsOfLog is digitsOf as it was before the exact version (commit
// 436cd11): −log10 of the quotient rounded to 128 bits, by bigfloat.Log at
// 128 bits, rounded to float64, floored.
func digitsOfLog(err, den *big.Float, cap int) int {
	if err.Sign() == 0 {
		return cap
	}
	if den.Sign() == 0 {
		return 0
	}
	const bits = 128
	rel := new(big.Float).SetPrec(bits).Quo(err, den)
	lnRel := bigfloat.Log(rel)
	ln10 := bigfloat.Log(new(big.Float).SetPrec(bits).SetInt64(10))
	q, _ := new(big.Float).SetPrec(bits).Quo(lnRel, ln10).Float64()
	d := int(math.Floor(-q))
	return min(max(d, 0), cap)
}

// digitsCase is one (err, den) pair of the comparison.
type digitsCase struct {
	name     string
	err, den *big.Float
}

// pow10Exact returns 10^e (e ≥ 0) exactly.
func pow10Exact(e int) *big.Float {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e)), nil)
	return new(big.Float).SetPrec(uint(max(p.BitLen(), 1))).SetInt(p)
}

// digitsCases: exact powers of ten on both sides, quotients 10^-d·(1 ± 2^-k)
// (just above and below a boundary, from far to closer than float64
// resolves), random quotients of random size at 50 to 1000 digits, and
// signs.
func digitsCases(rng *rand.Rand) []digitsCase {
	var cs []digitsCase
	one := big.NewFloat(1)
	for d := 0; d <= 1100; d += 1 + d/7 {
		cs = append(cs, digitsCase{"1/10^d", one, pow10Exact(d)})
		cs = append(cs, digitsCase{"10^d/10^2d", pow10Exact(d), pow10Exact(2 * d)})
		for _, k := range []uint{2, 20, 45, 52, 53, 54, 60, 100, 126, 127, 128, 129, 130, 200, 3000} {
			up := new(big.Float).SetPrec(k+2).SetMantExp(one, -int(k))
			lo := new(big.Float).SetPrec(k+2).Sub(one, up)
			up.Add(one, up)
			cs = append(cs, digitsCase{"(1+2^-k)/10^d", up, pow10Exact(d)})
			cs = append(cs, digitsCase{"(1-2^-k)/10^d", lo, pow10Exact(d)})
			cs = append(cs, digitsCase{"10^d(1+2^-k)/10^2d", new(big.Float).Mul(up, pow10Exact(d)), pow10Exact(2 * d)})
		}
	}
	for i := 0; i < 3000; i++ {
		prec := uint(170 + rng.IntN(3300))
		e := new(big.Float).SetPrec(prec).SetFloat64(rng.Float64() + 0.01)
		e.SetMantExp(e, -rng.IntN(3400))
		dn := new(big.Float).SetPrec(prec).SetFloat64(rng.NormFloat64())
		dn.SetMantExp(dn, rng.IntN(60)-30)
		if dn.Sign() == 0 {
			continue
		}
		cs = append(cs, digitsCase{"random", e, dn})
	}
	return cs
}

// TestDigitsOfExact checks digitsOf against the exact definition, and
// against the bigfloat.Log version it replaced: they agree everywhere except
// within float64's resolution of a power of ten, where the old version
// rounded −log10 to float64 before the floor and could claim one digit too
// many (the exact definition decides; the new version never claims more).
func TestDigitsOfExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 17))
	oldWrong := 0
	for _, c := range digitsCases(rng) {
		exact := digitsExact(c.err, c.den, 2000)
		// (the old version needed positive operands: its callers pass |·|)
		old2000 := digitsOfLog(new(big.Float).Abs(c.err), new(big.Float).Abs(c.den), 2000)
		for _, cap := range []int{50, 1000, 2000} {
			want := min(exact, cap)
			got := digitsOf(c.err, c.den, cap)
			if got != want {
				t.Fatalf("%s: digitsOf(%s, %s, %d) = %d, exact %d", c.name, c.err.Text('g', 20), c.den.Text('g', 20), cap, got, want)
			}
			if old := min(old2000, cap); old != want {
				if old != want+1 {
					t.Fatalf("%s: the old digitsOf gave %d, exact %d (not the expected boundary overclaim)", c.name, old, want)
				}
				oldWrong++
			}
		}
	}
	t.Logf("the old digitsOf claimed one digit too many in %d boundary cases", oldWrong)
}

// TestDigitsOfSpecial: zeros, infinities and negative operands.
func TestDigitsOfSpecial(t *testing.T) {
	inf := new(big.Float).SetInf(false)
	tests := []struct {
		err, den *big.Float
		want     int
	}{
		{big.NewFloat(0), big.NewFloat(1), 50},
		{big.NewFloat(0), big.NewFloat(0), 50},
		{big.NewFloat(1), big.NewFloat(0), 0},
		{inf, big.NewFloat(1), 0},
		{big.NewFloat(1), inf, 50},
		{big.NewFloat(0x1p-10), big.NewFloat(-1), 3}, // −log10 = 3.01
		{big.NewFloat(-0x1p-10), big.NewFloat(1), 3},
		// the float64 nearest 10^-3 is 1.00000000000000002e-3: floor 2
		{big.NewFloat(1e-3), big.NewFloat(1), 2},
		{big.NewFloat(1), big.NewFloat(1e3), 3}, // exact 10^-3
		{big.NewFloat(2), big.NewFloat(1), 0},
		{big.NewFloat(1e-80), big.NewFloat(1), 50},
	}
	for _, tc := range tests {
		if tc.err.IsInf() || tc.den.IsInf() || tc.den.Sign() == 0 {
		} else if ex := digitsExact(tc.err, tc.den, 50); ex != tc.want {
			t.Fatalf("test table: exact digits of %g/%g are %d", tc.err, tc.den, ex)
		}
		if got := digitsOf(tc.err, tc.den, 50); got != tc.want {
			t.Errorf("digitsOf(%s, %s) = %d, want %d", tc.err, tc.den, got, tc.want)
		}
	}
}

// BenchmarkDigitsOf: 1000-digit operands at a relative 10^-995.
func BenchmarkDigitsOf(b *testing.B) {
	prec := uint(3330)
	den := new(big.Float).SetPrec(prec).SetFloat64(1.2345)
	err := new(big.Float).SetPrec(prec).Quo(den, pow10Exact(995))
	err.Mul(err, big.NewFloat(3.3))
	for range b.N {
		digitsOf(err, den, 1000)
	}
}

// TestDigitsDecimalBoundary: 3.0000003e-40 against 3e-40, both parsed to
// 200 bits, differ by 10^-7 relative in decimal but by slightly more in
// binary: exactly 6 digits (the old version rounded to 7).
func TestDigitsDecimalBoundary(t *testing.T) {
	got, _, _ := big.ParseFloat("3.0000003e-40", 10, 200, big.ToNearestEven)
	want, _, _ := big.ParseFloat("3e-40", 10, 200, big.ToNearestEven)
	diff := new(big.Float).SetPrec(200).Sub(got, want)
	if ex := digitsExact(diff, want, 50); ex != 6 {
		t.Fatalf("exact digits %d, want 6", ex)
	}
	if d := Digits(got, want, big.NewFloat(3), 50); d != 6 {
		t.Errorf("Digits = %d, want 6", d)
	}
}

// BenchmarkMatrixDigits: the predictions comparison of n = 17 (17×100) at
// 50 digits and n = 12 (12×60) at 1000 digits, entries agreeing to about
// digits + 3.
func BenchmarkMatrixDigits(b *testing.B) {
	for _, c := range []struct{ r, c, digits int }{{17, 100, 50}, {12, 60, 1000}} {
		rng := rand.New(rand.NewPCG(uint64(c.r), uint64(c.digits)))
		prec := bigmat.Bits(c.digits + 10)
		want := bigmat.New(c.r, c.c, prec)
		got := bigmat.New(c.r, c.c, prec)
		eps := new(big.Float).SetPrec(prec).Quo(big.NewFloat(1), pow10Exact(c.digits+3))
		for i := 0; i < c.r; i++ {
			for j := 0; j < c.c; j++ {
				w := want.At(i, j).SetFloat64(rng.NormFloat64())
				g := got.At(i, j).SetFloat64(rng.NormFloat64())
				g.Mul(g, eps)
				g.Mul(g, w)
				g.Add(g, w)
			}
		}
		b.Run(fmt.Sprintf("%dx%d/digits=%d", c.r, c.c, c.digits), func(b *testing.B) {
			for range b.N {
				if _, err := MatrixDigits(got, want, big.NewFloat(1), c.digits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompare: Compare alone (digits of every quantity, TrainMSE,
// the shrinkage factors) on the issue-15 shape n = 17, d = 34, M = 85
// (λ_H = 0.01, λ_W = 0.03, free bias, two-decimal targets) at 50 digits;
// both sides are computed once, outside the timing.
func BenchmarkCompare(b *testing.B) {
	const n, m = 17, 85
	rng := rand.New(rand.NewPCG(17, 85))
	rows := make([]string, m)
	for i := range rows {
		vals := make([]string, n)
		for j := range vals {
			vals[j] = fmt.Sprintf("\"%.2f\"", rng.Float64()*20-10)
		}
		rows[i] = "[" + strings.Join(vals, ",") + "]"
	}
	doc := fmt.Sprintf(`{"targets":[%s],"lambda_h":"0.01","lambda_w":"0.03","d":%d,"bias":"free","digits":50}`, strings.Join(rows, ","), 2*n)
	in, err := instance.Parse([]byte(doc))
	if err != nil {
		b.Fatal(err)
	}
	pred, err := theory.Predict(in, 50)
	if err != nil {
		b.Fatal(err)
	}
	res, err := solver.Solve(in, solver.Settings{Digits: 50})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		rep, err := Compare(in, pred, res)
		if err != nil || rep.Status != Agree {
			b.Fatalf("%v %v", err, rep)
		}
	}
}

// TestResidualDiff: residualDiff gives bit for bit what rounding the
// rational x − y once gives (big.Float.SetRat of x read as a rational minus
// y), for floats of either sign, tiny and huge exponents, zero, and
// rationals with binary and non-binary denominators, at several precisions.
func TestResidualDiff(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 21))
	var rd residualDiff
	for trial := 0; trial < 20000; trial++ {
		prec := uint(24 + rng.IntN(3400))
		x := new(big.Float).SetPrec(uint(1 + rng.IntN(3400))).SetFloat64(rng.NormFloat64())
		x.Quo(x, big.NewFloat(3))
		x.SetMantExp(x, rng.IntN(400)-200)
		if trial%50 == 0 {
			x.SetInt64(0)
		}
		y := big.NewRat(rng.Int64N(2000001)-1000000, []int64{1, 100, 7, 1 << 20, 3 * 1024}[rng.IntN(5)])
		if trial%3 == 0 {
			// y within rounding of x: the cancellation TrainMSE keeps.
			y, _ = x.Rat(nil)
			y.Add(y, big.NewRat(rng.Int64N(100)-50, 1_000_000_007))
		}
		xr, _ := x.Rat(nil)
		want := new(big.Float).SetPrec(prec).SetRat(new(big.Rat).Sub(xr, y))
		got := rd.set(new(big.Float).SetPrec(prec), x, y)
		if got.Cmp(want) != 0 || got.Prec() != prec {
			t.Fatalf("x = %s, y = %s, prec %d: got %s, want %s", x.Text('g', 30), y.String(), prec, got.Text('g', 40), want.Text('g', 40))
		}
	}
}
