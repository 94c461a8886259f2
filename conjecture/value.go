package conjecture

import (
	"fmt"
	"math/big"

	"github.com/ALTree/bigfloat"
)

// value is a number as a ball: the true value lies within rad of mid.
// exact, when non-nil, is the true value as a rational (mid is it rounded
// to the working precision, rad covers the rounding); sigma > 0 marks a
// value that is exactly the eigenvalue σ_sigma of Σ, so that comparisons
// with an exact rational can be decided exactly (by inertia).
type value struct {
	mid   *big.Float
	rad   *big.Float
	exact *big.Rat
	sigma int
}

// radPrec is the precision of radii; they are rounded up (away from zero,
// and all radii are ≥ 0).
const radPrec = 64

func newRad() *big.Float { return new(big.Float).SetPrec(radPrec).SetMode(big.AwayFromZero) }

// arith carries the working precision of an evaluation.
type arith struct{ prec uint }

func (a arith) newF() *big.Float { return new(big.Float).SetPrec(a.prec) }

// ulp returns |x|·2^(1−prec), a bound on the rounding error of one
// operation whose result is x.
func (a arith) ulp(x *big.Float) *big.Float {
	u := newRad().Abs(x)
	return u.SetMantExp(u, 1-int(a.prec))
}

// maxExactBits bounds the size of an exact rational (numerator plus
// denominator bits); a larger one is kept as a ball only, so that exact
// arithmetic cannot grow without bound (pow(10^9999, 1000)).
const maxExactBits = 1 << 16

func (a arith) fromRat(r *big.Rat) value {
	m := a.newF().SetRat(r)
	v := value{mid: m, rad: a.ulp(m)}
	if r.Num().BitLen()+r.Denom().BitLen() <= maxExactBits {
		v.exact = new(big.Rat).Set(r)
	}
	return v
}

func (a arith) fromInt(k int) value { return a.fromRat(new(big.Rat).SetInt64(int64(k))) }

// inexact is a ball with the given mid and radius (the radius is widened by
// one rounding of mid).
func (a arith) inexact(mid, rad *big.Float) value {
	r := newRad().Add(rad, a.ulp(mid))
	return value{mid: mid, rad: r}
}

func absRad(x *big.Float) *big.Float { return newRad().Abs(x) }

func (a arith) add(x, y value) value {
	if x.exact != nil && y.exact != nil {
		return a.fromRat(new(big.Rat).Add(x.exact, y.exact))
	}
	return a.inexact(a.newF().Add(x.mid, y.mid), newRad().Add(x.rad, y.rad))
}

func (a arith) neg(x value) value {
	if x.exact != nil {
		return a.fromRat(new(big.Rat).Neg(x.exact))
	}
	return value{mid: a.newF().Neg(x.mid), rad: x.rad}
}

func (a arith) sub(x, y value) value { return a.add(x, a.neg(y)) }

func (a arith) mul(x, y value) value {
	if x.exact != nil && y.exact != nil {
		return a.fromRat(new(big.Rat).Mul(x.exact, y.exact))
	}
	r := newRad().Mul(absRad(x.mid), y.rad)
	r.Add(r, newRad().Mul(absRad(y.mid), x.rad))
	r.Add(r, newRad().Mul(x.rad, y.rad))
	return a.inexact(a.newF().Mul(x.mid, y.mid), r)
}

// evalErr is a problem found while evaluating (a domain error, a solver
// that did not converge): the trial is inconclusive.
// broke marks a numerical breakdown (the solver or an eigendecomposition
// failed): the trial is then an Error, not inconclusive.
//
// undecided marks a comparison or a rank that the working precision could
// not decide (the two sides within their tolerance of each other): Check
// evaluates such a trial again at twice the digits before it counts as
// inconclusive.
type evalErr struct {
	pos       Pos
	msg       string
	broke     bool
	undecided bool
}

func (e *evalErr) Error() string {
	if e.pos.Line == 0 {
		return e.msg
	}
	return fmt.Sprintf("%s: %s", e.pos, e.msg)
}

func failAt(p Pos, format string, args ...any) error {
	return &evalErr{pos: p, msg: fmt.Sprintf(format, args...)}
}

// undecidedAt is failAt for a comparison the precision could not decide.
func undecidedAt(p Pos, format string, args ...any) error {
	return &evalErr{pos: p, msg: fmt.Sprintf(format, args...), undecided: true}
}

// brokeAt is failAt for a numerical breakdown.
func brokeAt(p Pos, format string, args ...any) error {
	return &evalErr{pos: p, msg: fmt.Sprintf(format, args...), broke: true}
}

func (a arith) div(p Pos, x, y value) (value, error) {
	if y.exact != nil && y.exact.Sign() == 0 {
		return value{}, failAt(p, "division by zero")
	}
	if x.exact != nil && y.exact != nil {
		return a.fromRat(new(big.Rat).Quo(x.exact, y.exact)), nil
	}
	ay := absRad(y.mid)
	if ay.Cmp(y.rad) <= 0 {
		return value{}, failAt(p, "division by %s, which is not certainly nonzero at this precision", a.text(y))
	}
	num := newRad().Mul(absRad(x.mid), y.rad)
	num.Add(num, newRad().Mul(ay, x.rad))
	den := new(big.Float).SetPrec(radPrec).SetMode(big.ToZero).Sub(ay, y.rad)
	den.Mul(den, ay)
	return a.inexact(a.newF().Quo(x.mid, y.mid), num.Quo(num, den)), nil
}

func (a arith) abs(x value) value {
	if x.mid.Sign() < 0 || x.exact != nil && x.exact.Sign() < 0 {
		return a.neg(x)
	}
	return x
}

// monotone evaluates an increasing function f on the ball x: the radius is
// the larger distance of f(mid) to f at the ends, lo clamped at floor.
func (a arith) monotone(x value, f func(*big.Float) *big.Float, floor *big.Float) value {
	m := f(x.mid)
	hi := f(a.newF().Add(x.mid, x.rad))
	lo := a.newF().Sub(x.mid, x.rad)
	if floor != nil && lo.Cmp(floor) < 0 {
		lo.Set(floor)
	}
	lo = f(lo)
	r1 := newRad().Sub(hi, m)
	r2 := newRad().Sub(m, lo)
	if r2.Cmp(r1) > 0 {
		r1 = r2
	}
	r1.Abs(r1)
	return a.inexact(m, r1.Add(r1, a.ulp(m)))
}

func (a arith) sqrt(p Pos, x value) (value, error) {
	if x.exact != nil {
		if x.exact.Sign() < 0 {
			return value{}, failAt(p, "sqrt of the negative number %s", x.exact.RatString())
		}
		if r, ok := ratSqrt(x.exact); ok {
			return a.fromRat(r), nil
		}
	}
	top := a.newF().Add(x.mid, x.rad)
	if top.Sign() < 0 {
		return value{}, failAt(p, "sqrt of the negative number %s", a.text(x))
	}
	zero := a.newF()
	sq := func(v *big.Float) *big.Float {
		if v.Sign() <= 0 {
			return a.newF()
		}
		return a.newF().Sqrt(v)
	}
	return a.monotone(x, sq, zero), nil
}

// ratSqrt returns √r when it is rational.
func ratSqrt(r *big.Rat) (*big.Rat, bool) {
	n, d := new(big.Int).Sqrt(r.Num()), new(big.Int).Sqrt(r.Denom())
	if new(big.Int).Mul(n, n).Cmp(r.Num()) != 0 || new(big.Int).Mul(d, d).Cmp(r.Denom()) != 0 {
		return nil, false
	}
	return new(big.Rat).SetFrac(n, d), true
}

func (a arith) log(p Pos, x value) (value, error) {
	if x.exact != nil && x.exact.Cmp(big.NewRat(1, 1)) == 0 {
		return a.fromInt(0), nil
	}
	lo := a.newF().Sub(x.mid, x.rad)
	if lo.Sign() <= 0 {
		return value{}, failAt(p, "log of %s, which is not certainly positive", a.text(x))
	}
	f := func(v *big.Float) *big.Float { return bigfloat.Log(a.newF().Set(v)) }
	return a.monotone(x, f, nil), nil
}

// maxExpArg bounds |x| in exp(x) (e^100000 has 43430 digits).
const maxExpArg = 100000

func (a arith) exp(p Pos, x value) (value, error) {
	if x.exact != nil && x.exact.Sign() == 0 {
		return a.fromInt(1), nil
	}
	top := absRad(x.mid)
	top.Add(top, x.rad)
	if x.exact != nil {
		top.SetRat(new(big.Rat).Abs(x.exact)) // exp(−100000) is within the bound
	}
	if top.Cmp(big.NewFloat(maxExpArg)) > 0 {
		return value{}, failAt(p, "exp of %s: the argument is beyond ±%d", a.text(x), maxExpArg)
	}
	f := func(v *big.Float) *big.Float { return bigfloat.Exp(a.newF().Set(v)) }
	return a.monotone(x, f, nil), nil
}

// maxValueExp bounds the binary exponent of every value's midpoint and
// radius (checkRange). With both operands within 2^±maxValueExp, the exact
// result of one operation lies within 2^±(2·maxValueExp + 1), inside
// big.Float's exponent range (±2^31), so that nothing underflows to 0 or
// overflows to ±Inf unnoticed. QA session 22: e^(−1.05·10¹¹), formed as
// pow(pow(exp(−99999), 1024), 1024), underflowed to 0 ± 0, and "≤ 0" held.
const maxValueExp = 1 << 29

// checkRange returns an error at p when x's midpoint or radius lies
// beyond 2^±maxValueExp (or is infinite).
func checkRange(p Pos, x value) error {
	for _, f := range []*big.Float{x.mid, x.rad} {
		if f == nil || f.Sign() == 0 {
			continue
		}
		if f.IsInf() || absInt(f.MantExp(nil)) > maxValueExp {
			return failAt(p, "a value leaves the range of the evaluation (beyond 2^±%d, about 10^±%d)", maxValueExp, maxValueExp*30103/100000)
		}
	}
	return nil
}

// maxIntPow bounds |k| in x^k evaluated by repeated multiplication.
const maxIntPow = 1024

func (a arith) pow(p Pos, x, y value) (value, error) {
	if k, ok := smallInt(y); ok && k >= -maxIntPow && k <= maxIntPow {
		return a.intPow(p, x, k)
	}
	if x.exact != nil && x.exact.Sign() == 0 && y.exact != nil && y.exact.Sign() > 0 {
		return a.fromInt(0), nil
	}
	lx, err := a.log(p, x)
	if err != nil {
		return value{}, failAt(p, "pow(x, y) with y not a whole number needs x > 0 (%s)", err.(*evalErr).msg)
	}
	return a.exp(p, a.mul(y, lx))
}

// smallInt returns v as an int when it is an exact whole number of
// moderate size.
func smallInt(v value) (int, bool) {
	if v.exact == nil || !v.exact.IsInt() || v.exact.Num().BitLen() > 31 {
		return 0, false
	}
	return int(v.exact.Num().Int64()), true
}

func (a arith) intPow(p Pos, x value, k int) (value, error) {
	if k < 0 {
		q, err := a.intPow(p, x, -k)
		if err != nil {
			return value{}, err
		}
		return a.div(p, a.fromInt(1), q)
	}
	out := a.fromInt(1)
	sq := x
	for ; k > 0; k >>= 1 {
		if k&1 == 1 {
			out = a.mul(out, sq)
		}
		if k > 1 {
			sq = a.mul(sq, sq)
		}
		// Every square and product is checked: a repeated square can
		// leave the range (and underflow to 0) within one power.
		if err := checkRange(p, out); err != nil {
			return value{}, err
		}
		if err := checkRange(p, sq); err != nil {
			return value{}, err
		}
	}
	return out, nil
}

// digitsOf returns how many significant decimal digits of x its radius
// justifies (at most cap, at least 0).
func digitsOf(x value, cap int) int {
	if x.rad.Sign() == 0 {
		return cap
	}
	if x.mid.Sign() == 0 {
		return 0
	}
	// log10(|mid|/rad) from the binary exponents: within one digit, rounded down.
	e := x.mid.MantExp(nil) - x.rad.MantExp(nil) - 1
	d := e * 30103 / 100000
	return min(max(d, 0), cap)
}

// text formats x with the digits its radius justifies, and the radius.
func (a arith) text(x value) string {
	if x.exact != nil {
		if x.exact.IsInt() || len(x.exact.RatString()) <= 24 {
			return x.exact.RatString()
		}
	}
	capDigits := int(a.prec)*30103/100000 - 16
	d := digitsOf(x, capDigits)
	if d < 1 {
		return fmt.Sprintf("%s ± %s", floatText(x.mid, 'g', 3), floatText(x.rad, 'e', 1))
	}
	return fmt.Sprintf("%s (± %s)", floatText(x.mid, 'g', d), floatText(x.rad, 'e', 1))
}

// maxTextExp bounds the binary exponent of numbers formatted in decimal:
// converting 2^(10^7) to decimal takes minutes.
const maxTextExp = 1 << 14

// floatText is x.Text(format, digits), except that a number beyond
// 2^±maxTextExp is given as a power of ten (its decimal exponent, within
// one).
func floatText(x *big.Float, format byte, digits int) string {
	e := x.MantExp(nil)
	if x.Sign() == 0 || absInt(e) <= maxTextExp {
		return x.Text(format, digits)
	}
	sign := ""
	if x.Sign() < 0 {
		sign = "-"
	}
	return fmt.Sprintf("%s~1e%+d", sign, (e-1)*30103/100000)
}
