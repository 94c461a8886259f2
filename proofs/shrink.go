package proofs

import (
	"math/big"
	"time"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/ratmat"
)

// Shrinking a failure: greedy simplification. Candidate instances are
// tried in a fixed order; the first one on which the claim still fails —
// and which is inside the claim's hypotheses exactly when the original
// was, and if outside, violates the same hypothesis — replaces the current
// instance, and the passes repeat until no
// candidate is accepted, or the time or check budget runs out. The order
// (every step deterministic, so shrinking is too when no budget runs out):
//
//  1. drop a target dimension together with a feature dimension (keeps
//     d − n, so that a failure at d = n stays at d = n);
//  2. drop a sample;
//  3. drop a target dimension; lower d by one; set d = n;
//  4. simplify λ's (to 1, to a power of ten, to one significant digit; a
//     zero λ stays zero and a positive one stays positive);
//  5. simplify targets: all rounded to integers; one entry to 0; one entry
//     rounded to an integer, then to a short fraction;
//  6. bias none → free.

type shrunk struct {
	in     *instance.Instance
	reason string
	steps  int
	checks int
}

const maxShrinkChecks = 2000

func shrink(claim *Claim, in *instance.Instance, cfg CheckConfig, inside bool, deadline time.Time) shrunk {
	cur := in.Clone()
	out := shrunk{in: cur, reason: CheckOne(claim, cur, cfg).Reason}
	_, why := claim.InHypotheses(in)
	for progress := true; progress; {
		progress = false
		for _, cand := range candidates(cur) {
			if time.Now().After(deadline) || out.checks >= maxShrinkChecks {
				return out
			}
			if ok, w := claim.InHypotheses(cand); ok != inside || (!inside && w != why) {
				continue // crossed the hypotheses, or now violates another one
			}
			out.checks++
			o := CheckOne(claim, cand, cfg)
			if o.Verdict == Fails {
				cur = cand
				out.in, out.reason = cur, o.Reason
				out.steps++
				progress = true
				break
			}
		}
	}
	return out
}

// candidates lists the simplifications of in, simplest-first within each
// kind (see the file comment).
func candidates(in *instance.Instance) []*instance.Instance {
	var out []*instance.Instance
	n, m := in.N(), in.M()
	if in.D == n && n > 1 {
		for k := n - 1; k >= 0; k-- {
			c := dropColumn(in, k)
			c.D--
			out = append(out, c)
		}
	}
	if m > 1 {
		for i := m - 1; i >= 0; i-- {
			c := in.Clone()
			c.Targets = append(c.Targets[:i:i], c.Targets[i+1:]...)
			out = append(out, c)
		}
	}
	if n > 1 {
		for k := n - 1; k >= 0; k-- {
			out = append(out, dropColumn(in, k))
		}
	}
	if in.D > 1 {
		c := in.Clone()
		c.D--
		out = append(out, c)
	}
	if in.D != n {
		c := in.Clone()
		c.D = n
		out = append(out, c)
	}
	for _, which := range []int{0, 1} {
		lam := in.LambdaH
		if which == 1 {
			lam = in.LambdaW
		}
		for _, s := range simplerPositive(lam) {
			c := in.Clone()
			if which == 0 {
				c.LambdaH = s
			} else {
				c.LambdaW = s
			}
			out = append(out, c)
		}
	}
	if !allIntegers(in) {
		c := in.Clone()
		for _, row := range c.Targets {
			for k, v := range row {
				row[k] = roundRat(v)
			}
		}
		out = append(out, c)
	}
	for i := 0; i < m; i++ {
		for k := 0; k < n; k++ {
			v := in.Targets[i][k]
			if v.Sign() == 0 {
				continue
			}
			c := in.Clone()
			c.Targets[i][k] = new(big.Rat)
			out = append(out, c)
			if !v.IsInt() {
				c := in.Clone()
				c.Targets[i][k] = roundRat(v)
				out = append(out, c)
				if s := shortFraction(v); s != nil {
					c := in.Clone()
					c.Targets[i][k] = s
					out = append(out, c)
				}
			}
		}
	}
	if in.Bias == instance.BiasNone {
		c := in.Clone()
		c.Bias = instance.BiasFree
		out = append(out, c)
	}
	return out
}

func dropColumn(in *instance.Instance, k int) *instance.Instance {
	c := in.Clone()
	for i, row := range c.Targets {
		c.Targets[i] = append(row[:k:k], row[k+1:]...)
	}
	return c
}

func allIntegers(in *instance.Instance) bool {
	for _, row := range in.Targets {
		for _, v := range row {
			if !v.IsInt() {
				return false
			}
		}
	}
	return true
}

// roundRat rounds to the nearest integer (halves away from zero).
func roundRat(v *big.Rat) *big.Rat {
	num := new(big.Int).Mul(v.Num(), big.NewInt(2))
	den := new(big.Int).Mul(v.Denom(), big.NewInt(2))
	num.Add(num, v.Denom())
	if v.Sign() < 0 {
		num.Sub(num, new(big.Int).Mul(v.Denom(), big.NewInt(2)))
	}
	q := new(big.Int).Quo(num, den)
	return new(big.Rat).SetInt(q)
}

// shortFraction returns the closest fraction with denominator ≤ 10 when it
// differs from v, else nil.
func shortFraction(v *big.Rat) *big.Rat {
	f, _ := v.Float64()
	var best *big.Rat
	bestErr := 0.0
	for q := int64(2); q <= 10; q++ {
		p := int64(f*float64(q) + 0.5)
		if f < 0 {
			p = int64(f*float64(q) - 0.5)
		}
		r := big.NewRat(p, q)
		e, _ := new(big.Rat).Sub(r, v).Float64()
		if e < 0 {
			e = -e
		}
		if best == nil || e < bestErr {
			best, bestErr = r, e
		}
	}
	if best == nil || best.Cmp(v) == 0 {
		return nil
	}
	return best
}

// simplerPositive returns simpler values for a positive λ: 1, the nearest
// power of ten, one significant digit. Zero gets no candidates.
func simplerPositive(l *big.Rat) []*big.Rat {
	if l.Sign() <= 0 {
		return nil
	}
	var out []*big.Rat
	one := big.NewRat(1, 1)
	if l.Cmp(one) != 0 {
		out = append(out, one)
	}
	f, _ := l.Float64()
	e := 0
	for x := f; x >= 10; x /= 10 {
		e++
	}
	for x := f; x < 1 && e > -400; x *= 10 {
		e--
	}
	p := ratmat.Pow10(e)
	if p.Cmp(l) != 0 && p.Cmp(one) != 0 {
		out = append(out, p)
	}
	lead := new(big.Rat).Quo(l, p)
	d := roundRat(lead)
	if d.Sign() > 0 {
		s := new(big.Rat).Mul(d, p)
		if s.Cmp(l) != 0 && s.Cmp(p) != 0 {
			out = append(out, s)
		}
	}
	return out
}
