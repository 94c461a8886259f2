package claims

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/ratmat"
	"github.com/nrc-ufm/ufm/proofs"
)

// Instance generators shared by the claims. Every instance is exact
// (rational targets and λ's) and small: the checks are exact or run at
// many digits, and a counterexample is most useful when it is small.
//
// The adversarial features the search needs (ISSUE: c exactly at an
// eigenvalue, repeated eigenvalues, d < n, d = n, rank-deficient targets,
// M = 1, λ from 1e-12 to 1e6, huge and tiny target scales) come from two
// families:
//
//   - random targets: small integers, decimals or fractions, optionally of
//     low rank (a product of n×k and k×M integer matrices), a single
//     sample, or scaled by 10^e with |e| ≤ 20; λ = m·10^e with m ∈ 1..9
//     and e ∈ [−12, 6];
//   - exact spectra (spectral): Ỹ = Q·diag(s)·P with Q a rational
//     orthogonal matrix (Cayley transform) and P with P Pᵀ = M·I and
//     P 1 = 0, so that Σ = Q diag(s²) Qᵀ has the chosen eigenvalues σ_j =
//     s_j² exactly. With λ_W = 1/w² and λ_H = γ² w² (c = γ²), s_j = γ
//     puts c exactly at an eigenvalue, s_j = s_i repeats one, s_j = 0
//     makes the targets rank-deficient, and active s_j = γ(1 + u²) makes
//     A* = W*W*ᵀ rational (α_j = γ² w² u²), so that the global minimizer
//     and every critical point of the landscape are exact rationals.

// LambdaMode selects the λ's a Family draws.
type LambdaMode int

const (
	LambdaPositive LambdaMode = iota // λ_H, λ_W > 0
	LambdaZero                       // λ_H = λ_W = 0
	LambdaOneZero                    // exactly one λ zero
)

// DMode selects the feature dimension d relative to n.
type DMode int

const (
	DAny  DMode = iota // d ∈ [1, n+3]
	DGeqN              // d ∈ [n, n+3]
	DLtN               // d ∈ [1, n−1] (forces n ≥ 2)
	DNear              // d ∈ {n−1, n, n+1}, d = n half of the time
)

// Family describes random instances; Draw draws one. It is the generator
// the built-in claims use, exported so that a claim written outside this
// package can use it too. The zero value draws n ∈ 1…4, M ∈ 1…8, positive
// λ's, any d, bias free, 30 digits.
type Family struct {
	NMin, NMax int        // target dimension range (default 1…4)
	MMax       int        // samples of random targets (default 8)
	Lambda     LambdaMode // which λ's
	D          DMode      // d relative to n
	BiasNone   bool       // half of the instances use bias none
	Spectral   float64    // probability of an exact-spectrum instance
	Distinct   bool       // exact spectra have distinct eigenvalues
	FullRank   bool       // Σ nonsingular (no zero eigenvalue, M > n)
	NoSingle   bool       // never M = 1
	Digits     int        // the instances' digits (default 30)
}

func (g Family) withDefaults() Family {
	if g.NMin <= 0 {
		g.NMin = 1
	}
	if g.NMax < g.NMin {
		g.NMax = max(g.NMin, 4)
	}
	if g.MMax <= 0 {
		g.MMax = 8
	}
	if g.Digits <= 0 {
		g.Digits = 30
	}
	return g
}

// Draw draws one instance of the family, named name-n…-d…-M….
func (g Family) Draw(rng *rand.Rand, name string) *instance.Instance {
	return g.generate(rng, name)
}

// generate draws one instance of the family.
func (g Family) generate(rng *rand.Rand, name string) *instance.Instance {
	g = g.withDefaults()
	nMin := g.NMin
	if g.D == DLtN && nMin < 2 {
		nMin = 2
	}
	n := nMin + rng.IntN(g.NMax-nMin+1)
	d := drawD(rng, g.D, n)
	bias := instance.BiasFree
	if g.BiasNone && rng.IntN(2) == 0 {
		bias = instance.BiasNone
	}
	var in *instance.Instance
	if rng.Float64() < g.Spectral {
		in = g.spectralInstance(rng, n, bias)
	} else {
		in = g.randomInstance(rng, n, bias)
	}
	in.D = d
	in.Digits = g.Digits
	in.Name = fmt.Sprintf("%s-n%d-d%d-M%d", name, in.N(), in.D, in.M())
	return in
}

func drawD(rng *rand.Rand, mode DMode, n int) int {
	switch mode {
	case DGeqN:
		return n + rng.IntN(4)
	case DLtN:
		return 1 + rng.IntN(n-1)
	case DNear:
		switch rng.IntN(4) {
		case 0:
			return max(1, n-1)
		case 1:
			return n + 1
		}
		return n
	}
	return 1 + rng.IntN(n+3)
}

// randomInstance draws random targets of one of several kinds and λ's.
func (g Family) randomInstance(rng *rand.Rand, n int, bias instance.Bias) *instance.Instance {
	m := 1 + rng.IntN(g.MMax)
	kind := rng.IntN(6)
	if g.FullRank {
		m = n + 1 + rng.IntN(g.MMax)
		if bias == instance.BiasNone {
			m = n + rng.IntN(g.MMax)
		}
		kind = rng.IntN(3) // plain or scaled only
		if kind == 2 {
			kind = 3
		}
	}
	if g.NoSingle && m == 1 {
		m = 2
	}
	var y *ratmat.Matrix // n×M
	switch kind {
	case 0, 1: // plain
		y = plainTargets(rng, n, m)
	case 2: // low rank
		k := rng.IntN(n) // 0 … n−1
		y = lowRankTargets(rng, n, m, k)
	case 3: // scaled
		y = plainTargets(rng, n, m)
		e := rng.IntN(41) - 20
		y = ratmat.Scale(ratmat.Pow10(e), y)
	case 4: // one sample (free bias: Σ = 0)
		if g.NoSingle {
			y = plainTargets(rng, n, m)
		} else {
			y = plainTargets(rng, n, 1)
		}
	default: // small integers with a repeated sample
		y = plainTargets(rng, n, m)
		if m >= 2 {
			for k := 0; k < n; k++ {
				y.Set(k, m-1, y.At(k, 0))
			}
		}
	}
	if g.FullRank {
		y = ensureFullRank(rng, y, bias)
	}
	lh, lw := g.drawLambdas(rng)
	return &instance.Instance{Targets: targetsOf(y), LambdaH: lh, LambdaW: lw, Bias: bias}
}

// ensureFullRank redraws until Σ is nonsingular (random integer targets
// with M > n almost always are).
func ensureFullRank(rng *rand.Rand, y *ratmat.Matrix, bias instance.Bias) *ratmat.Matrix {
	n, m := y.Dims()
	for try := 0; ; try++ {
		c := centered(y, bias)
		if c.Rank() == n {
			return y
		}
		y = plainTargets(rng, n, m)
		if try > 100 {
			panic("proofs: cannot draw full-rank targets")
		}
	}
}

func centered(y *ratmat.Matrix, bias instance.Bias) *ratmat.Matrix {
	if bias == instance.BiasNone {
		return y.Clone()
	}
	n, m := y.Dims()
	out := y.Clone()
	for k := 0; k < n; k++ {
		s := new(big.Rat)
		for i := 0; i < m; i++ {
			s.Add(s, y.At(k, i))
		}
		s.Quo(s, big.NewRat(int64(m), 1))
		for i := 0; i < m; i++ {
			out.At(k, i).Sub(out.At(k, i), s)
		}
	}
	return out
}

func (g Family) drawLambdas(rng *rand.Rand) (lh, lw *big.Rat) {
	switch g.Lambda {
	case LambdaZero:
		return new(big.Rat), new(big.Rat)
	case LambdaOneZero:
		if rng.IntN(2) == 0 {
			return new(big.Rat), randLambda(rng)
		}
		return randLambda(rng), new(big.Rat)
	}
	return randLambda(rng), randLambda(rng)
}

// randLambda draws m·10^e with m ∈ 1..9 and e ∈ [−12, 6]; a third of the
// time e ∈ [−2, 1], where all regimes are common for targets of unit size.
func randLambda(rng *rand.Rand) *big.Rat {
	m := int64(1 + rng.IntN(9))
	e := rng.IntN(19) - 12
	if rng.IntN(3) == 0 {
		e = rng.IntN(4) - 2
	}
	return new(big.Rat).Mul(big.NewRat(m, 1), ratmat.Pow10(e))
}

// plainTargets draws an n×M matrix of small integers, short decimals or
// small fractions (one style per instance).
func plainTargets(rng *rand.Rand, n, m int) *ratmat.Matrix {
	y := ratmat.New(n, m)
	style := rng.IntN(3)
	for k := 0; k < n; k++ {
		for i := 0; i < m; i++ {
			switch style {
			case 0:
				y.At(k, i).SetInt64(rng.Int64N(19) - 9)
			case 1:
				y.At(k, i).SetFrac64(rng.Int64N(2001)-1000, 100)
			default:
				y.At(k, i).SetFrac64(rng.Int64N(19)-9, 1+rng.Int64N(9))
			}
		}
	}
	return y
}

// lowRankTargets draws ȳ1ᵀ + A·B with A n×k, B k×M small integers, so the
// centered targets have rank ≤ k.
func lowRankTargets(rng *rand.Rand, n, m, k int) *ratmat.Matrix {
	a := ratmat.New(n, k)
	b := ratmat.New(k, m)
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			a.At(i, j).SetInt64(rng.Int64N(7) - 3)
		}
	}
	for i := 0; i < k; i++ {
		for j := 0; j < m; j++ {
			b.At(i, j).SetInt64(rng.Int64N(7) - 3)
		}
	}
	y := ratmat.New(n, m)
	if k > 0 {
		y = ratmat.Mul(a, b)
	}
	for i := 0; i < n; i++ {
		mu := big.NewRat(rng.Int64N(11)-5, 1)
		for j := 0; j < m; j++ {
			y.At(i, j).Add(y.At(i, j), mu)
		}
	}
	return y
}

// targetsOf converts n×M targets to the instance's sample-major rows.
func targetsOf(y *ratmat.Matrix) [][]*big.Rat {
	n, m := y.Dims()
	out := make([][]*big.Rat, m)
	for i := range out {
		out[i] = make([]*big.Rat, n)
		for k := 0; k < n; k++ {
			out[i][k] = new(big.Rat).Set(y.At(k, i))
		}
	}
	return out
}

// spectrum kinds of an exact-spectrum instance, relative to γ = √c.
const (
	specActive   = iota // s = γ(1 + u²): σ > c, rational α
	specAtC             // s = γ: σ = c exactly
	specInactive        // s = γ·v, v ∈ [0, 1): σ < c
	specRepeat          // s equal to the previous one
	specZero            // s = 0: rank-deficient targets
)

// spectral is an exact-spectrum instance: its parts are kept so that the
// claims can build exact critical points.
type spectral struct {
	in    *instance.Instance
	q     *ratmat.Matrix // n×n rational orthogonal: column j is v_j
	s     []*big.Rat     // Σ = Q diag(s²) Qᵀ
	gamma *big.Rat       // √c
	w     *big.Rat       // λ_W = 1/w², λ_H = γ² w²
}

// spectralInstance draws an exact-spectrum instance (see the file comment).
func (g Family) spectralInstance(rng *rand.Rand, n int, bias instance.Bias) *instance.Instance {
	return g.drawSpectral(rng, n, bias).in
}

func (g Family) drawSpectral(rng *rand.Rand, n int, bias instance.Bias) *spectral {
	// γ = m·10^e, w = m'·10^e'.
	gamma := new(big.Rat).Mul(big.NewRat(int64(1+rng.IntN(9)), 1), ratmat.Pow10(rng.IntN(7)-4))
	w := new(big.Rat).Mul(big.NewRat(int64(1+rng.IntN(9)), 1), ratmat.Pow10(rng.IntN(5)-2))
	if g.Lambda == LambdaPositive && rng.IntN(3) == 0 {
		w = big.NewRat(int64(1+rng.IntN(3)), 1)
	}
	uChoices := []*big.Rat{big.NewRat(1, 2), big.NewRat(1, 1), big.NewRat(3, 2), big.NewRat(2, 1), big.NewRat(3, 1), big.NewRat(5, 1), big.NewRat(10, 1), big.NewRat(1, 10)}
	vChoices := []*big.Rat{big.NewRat(1, 4), big.NewRat(1, 2), big.NewRat(3, 4), big.NewRat(1, 3), big.NewRat(9, 10)}
	ratios := make([]*big.Rat, n)
	used := map[string]bool{}
	for j := 0; j < n; j++ {
		for try := 0; ; try++ {
			kind := rng.IntN(5)
			if g.FullRank && kind == specZero {
				continue
			}
			if kind == specRepeat && (j == 0 || g.Distinct) {
				continue
			}
			var r *big.Rat
			switch kind {
			case specActive:
				u := uChoices[rng.IntN(len(uChoices))]
				r = new(big.Rat).Add(big.NewRat(1, 1), new(big.Rat).Mul(u, u))
			case specAtC:
				r = big.NewRat(1, 1)
			case specInactive:
				r = new(big.Rat).Set(vChoices[rng.IntN(len(vChoices))])
			case specRepeat:
				r = new(big.Rat).Set(ratios[j-1])
			default:
				r = new(big.Rat)
			}
			if g.Distinct && used[r.RatString()] && try < 1000 {
				continue
			}
			used[r.RatString()] = true
			ratios[j] = r
			break
		}
	}
	sp := buildSpectral(rng, gamma, w, ratios, bias)
	switch g.Lambda {
	case LambdaZero:
		sp.in.LambdaH, sp.in.LambdaW = new(big.Rat), new(big.Rat)
	case LambdaOneZero:
		sp.in.LambdaH, sp.in.LambdaW = g.drawLambdas(rng)
	}
	return sp
}

// buildSpectral builds the exact-spectrum instance with √c = γ,
// λ_W = 1/w², λ_H = γ²w² and √σ_j = γ·ratios[j] (n = len(ratios)), with a
// random rational orthogonal Q and sample matrix P.
func buildSpectral(rng *rand.Rand, gamma, w *big.Rat, ratios []*big.Rat, bias instance.Bias) *spectral {
	n := len(ratios)
	s := make([]*big.Rat, n)
	for j := range s {
		s[j] = new(big.Rat).Mul(gamma, ratios[j])
	}
	q := ratmat.Cayley(randSkew(rng, n))
	root := int(math.Ceil(math.Sqrt(float64(n))))
	k := root * root
	p0 := ratmat.Cayley(randSkew(rng, k))
	// Ỹ block = root · Q diag(s) P0[:n, :]  (n×k)
	qs := ratmat.New(n, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			qs.At(i, j).Mul(q.At(i, j), s[j])
		}
	}
	top := ratmat.New(n, k)
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			top.Set(i, j, p0.At(i, j))
		}
	}
	block := ratmat.Scale(big.NewRat(int64(root), 1), ratmat.Mul(qs, top))
	reps := 1 + rng.IntN(2)
	var y *ratmat.Matrix
	if bias == instance.BiasNone {
		y = ratmat.New(n, k*reps)
		for r := 0; r < reps; r++ {
			for i := 0; i < n; i++ {
				for j := 0; j < k; j++ {
					y.Set(i, r*k+j, block.At(i, j))
				}
			}
		}
	} else {
		y = ratmat.New(n, 2*k*reps)
		mean := make([]*big.Rat, n)
		for i := range mean {
			mean[i] = big.NewRat(rng.Int64N(11)-5, 1)
		}
		for r := 0; r < reps; r++ {
			for i := 0; i < n; i++ {
				for j := 0; j < k; j++ {
					y.At(i, 2*r*k+j).Add(block.At(i, j), mean[i])
					y.At(i, 2*r*k+k+j).Sub(mean[i], block.At(i, j))
				}
			}
		}
	}
	lw := new(big.Rat).Inv(new(big.Rat).Mul(w, w))
	lh := new(big.Rat).Mul(gamma, gamma)
	lh.Mul(lh, new(big.Rat).Mul(w, w))
	in := &instance.Instance{Targets: targetsOf(y), LambdaH: lh, LambdaW: lw, Bias: bias, D: n, Digits: 30, Name: "spectral"}
	return &spectral{in: in, q: q, s: s, gamma: gamma, w: w}
}

// randSkew draws a skew-symmetric k×k matrix of small integers.
func randSkew(rng *rand.Rand, k int) *ratmat.Matrix {
	s := ratmat.New(k, k)
	for i := 0; i < k; i++ {
		for j := i + 1; j < k; j++ {
			v := rng.Int64N(5) - 2
			s.At(i, j).SetInt64(v)
			s.At(j, i).SetInt64(-v)
		}
	}
	return s
}

// newInstance assembles an instance with the given parts.
func newInstance(name string, y *ratmat.Matrix, lh, lw *big.Rat, d int, bias instance.Bias, digits int) *instance.Instance {
	return &instance.Instance{Name: name, Targets: targetsOf(y), LambdaH: new(big.Rat).Set(lh), LambdaW: new(big.Rat).Set(lw), D: d, Bias: bias, Digits: digits}
}

func lambdaZero(in *instance.Instance) proofs.Hyp {
	return proofs.Hyp{Violated: in.LambdaH.Sign() == 0 || in.LambdaW.Sign() == 0, Why: "a λ is zero"}
}
