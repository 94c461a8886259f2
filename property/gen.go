package property

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"

	"github.com/nrc-ufm/ufm/instance"
)

// Config bounds the instances Instances generates. Ranges are inclusive.
type Config struct {
	N [2]int // target dimension n
	M [2]int // samples M
	// D is the range of the feature dimension d; with DAboveN set it is
	// instead the range of d − n (so [1, 2] gives d ∈ {n+1, n+2}).
	D       [2]int
	DAboveN bool
	Num     int // numerators of targets in [−Num, Num]
	Den     int // denominators of targets in [1, Den]
	// LambdaExp is the range of k in λ = m·10^k (m ∈ [1, 9]); both λ's are
	// drawn independently. ZeroLambda makes λ_H = λ_W = 0 instead.
	LambdaExp  [2]int
	ZeroLambda bool
	// BiasNone lets half the instances use bias mode "none" (the others
	// use "free"); shrinking moves toward "free".
	BiasNone bool
	Digits   int
}

// Small is the configuration of the solver-backed properties: n ≤ 3,
// d ≤ 5, M ≤ 8, targets p/q with |p| ≤ 9, q ≤ 9, λ = m·10^k with
// k ∈ [−8, 4], 30 digits.
var Small = Config{
	N: [2]int{1, 3}, D: [2]int{1, 5}, M: [2]int{1, 8},
	Num: 9, Den: 9, LambdaExp: [2]int{-8, 4}, BiasNone: true, Digits: 30,
}

// Case is one generated instance together with the raw draws it was made
// from. The draws are what gopter shrinks: a smaller n, d or M, a
// numerator closer to 0, a denominator closer to 1, a λ mantissa closer to
// 1 and an exponent closer to 0 each give a smaller instance.
//
// Its String method is the instance as an instance file (docs/formats.md)
// (instance.Marshal), so that gopter's report of a falsified property
// shows the shrunk instance ready to be saved and replayed with ufm.
type Case struct {
	In *instance.Instance

	n, dRaw, m int
	num, den   []int // sample-major grid of stride Config.N[1]; entries outside the instance are 0 and 1
	lam        [4]int
	bias       int
}

// String returns the instance file, preceded by a newline so that it
// starts on a line of its own in gopter's report.
func (c *Case) String() string {
	if c == nil || c.In == nil {
		return "<nil case>"
	}
	return "\n" + string(c.In.Marshal())
}

// Lambda returns m·10^k exactly.
func Lambda(m, k int) *big.Rat {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(k))), nil)
	r := new(big.Rat).SetInt64(int64(m))
	if k >= 0 {
		return r.Mul(r, new(big.Rat).SetInt(p))
	}
	return r.Quo(r, new(big.Rat).SetInt(p))
}

func abs(k int) int {
	if k < 0 {
		return -k
	}
	return k
}

// rangeGen is gen.IntRange, or a constant when the range is a single value
// (gen.IntRange(v, v) would still try to shrink toward 0 and sieve it out).
func rangeGen(lo, hi int) gopter.Gen {
	if lo == hi {
		return gen.Const(lo)
	}
	return gen.IntRange(lo, hi)
}

// Instances generates instances within cfg. It is a gopter.DeriveGen over
// integer generators, so shrinking works on the draws and maps back
// through the instance.
func Instances(cfg Config) gopter.Gen {
	maxN, maxM := cfg.N[1], cfg.M[1]
	cells := maxN * maxM
	down := func(n, dRaw, m int, num, den []int, mh, kh, mw, kw, bias int) *Case {
		return build(cfg, n, dRaw, m, num, den, [4]int{mh, kh, mw, kw}, bias)
	}
	up := func(c *Case) (int, int, int, []int, []int, int, int, int, int, int) {
		return c.n, c.dRaw, c.m, c.num, c.den, c.lam[0], c.lam[1], c.lam[2], c.lam[3], c.bias
	}
	mant, exp := rangeGen(1, 9), rangeGen(cfg.LambdaExp[0], cfg.LambdaExp[1])
	if cfg.ZeroLambda {
		mant, exp = gen.Const(0), gen.Const(0)
	}
	bias := gen.Const(0)
	if cfg.BiasNone {
		bias = gen.IntRange(0, 1)
	}
	return gopter.DeriveGen(down, up,
		rangeGen(cfg.N[0], cfg.N[1]),
		rangeGen(cfg.D[0], cfg.D[1]),
		rangeGen(cfg.M[0], cfg.M[1]),
		gen.SliceOfN(cells, gen.IntRange(-cfg.Num, cfg.Num)),
		gen.SliceOfN(cells, gen.IntRange(1, cfg.Den)),
		mant, exp, mant, exp, bias,
	)
}

// build makes the Case for one set of draws. Grid cells that the instance
// does not use are reset to 0/1 so that shrinking never spends a step on
// a draw that cannot change the instance.
//
// gopter maps a shrunk draw through build before its range sieves reject
// it, so build must accept draws out of range (a denominator 0, M = 0):
// it then returns a Case without an instance that keeps the draws as they
// are, which the sieves discard.
func build(cfg Config, n, dRaw, m int, num, den []int, lam [4]int, bias int) *Case {
	stride := cfg.N[1]
	if !inRange(n, cfg.N) || !inRange(m, cfg.M) || !inRange(dRaw, cfg.D) ||
		len(num) != stride*cfg.M[1] || len(den) != len(num) || slices.Contains(den, 0) {
		return &Case{n: n, dRaw: dRaw, m: m, lam: lam, bias: bias, num: num, den: den}
	}
	c := &Case{n: n, dRaw: dRaw, m: m, lam: lam, bias: bias,
		num: make([]int, len(num)), den: make([]int, len(den))}
	for i := range c.den {
		c.den[i] = 1
	}
	d := dRaw
	if cfg.DAboveN {
		d = n + dRaw
	}
	in := &instance.Instance{
		Name:    fmt.Sprintf("property-n%d-d%d-M%d", n, d, m),
		Targets: make([][]*big.Rat, m),
		LambdaH: Lambda(lam[0], lam[1]),
		LambdaW: Lambda(lam[2], lam[3]),
		D:       d,
		Bias:    instance.BiasFree,
		Digits:  cfg.Digits,
	}
	if bias == 1 {
		in.Bias = instance.BiasNone
	}
	for i := 0; i < m; i++ {
		in.Targets[i] = make([]*big.Rat, n)
		for k := 0; k < n; k++ {
			j := i*stride + k
			c.num[j], c.den[j] = num[j], den[j]
			in.Targets[i][k] = big.NewRat(int64(num[j]), int64(den[j]))
		}
	}
	c.In = in
	return c
}

func inRange(v int, r [2]int) bool { return v >= r[0] && v <= r[1] }
