package bigmat

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
)

// fastTextMinDigits is where textG takes over from big.Float.Text: below
// it the standard conversion is as fast (go test -bench Text ./bigmat).
const fastTextMinDigits = 120

// textG returns x.Text('g', digits) for a finite nonzero x and digits ≥ 1,
// byte for byte, in O(M(n) log n) time rather than the standard library's
// O(n²) decimal conversion (about 1 ms per number at 2000 digits, which
// made --json output of a 60×60 feature Gram take 4 s). The decimal
// mantissa is q = round(|x|·10^(digits−1−E)) with E = ⌊log10 |x|⌋, formed
// exactly in integers and rounded half to even as big.Float does; E is
// estimated in float64 and corrected when q has too many or too few
// digits. ok is false where it gives up (the caller falls back).
func textG(x *big.Float, digits int) (s string, ok bool) {
	mant, exp2 := intMantExp(x)
	e := estimateLog10(x)
	for range 4 {
		q := scaledRound(mant, exp2, digits-1-e)
		ds := q.Text(10)
		switch {
		case len(ds) > digits:
			e++
		case len(ds) < digits:
			e--
		default:
			return formatG(x.Signbit(), strings.TrimRight(ds, "0"), e+1, digits), true
		}
	}
	return "", false
}

// intMantExp returns the integer m ≥ 1 and e with |x| = m·2^e exactly.
func intMantExp(x *big.Float) (*big.Int, int) {
	var frac big.Float
	e := x.MantExp(&frac) // |frac| in [1/2, 1)
	p := int(x.MinPrec())
	frac.SetMantExp(&frac, p) // an integer of p bits
	m, _ := frac.Int(nil)
	return m.Abs(m), e - p
}

// estimateLog10 is ⌊log10 |x|⌋ or one off.
func estimateLog10(x *big.Float) int {
	var frac big.Float
	e := x.MantExp(&frac)
	f, _ := frac.Float64()
	return int(math.Floor(math.Log10(math.Abs(f)) + float64(e)*math.Log10(2)))
}

// scaledRound returns round(m·2^e2·10^s) to the nearest integer, ties to
// even.
func scaledRound(m *big.Int, e2, s int) *big.Int {
	num := new(big.Int).Set(m)
	den := big.NewInt(1)
	if s >= 0 {
		num.Mul(num, pow10Int(s))
	} else {
		den.Set(pow10Int(-s))
	}
	if e2 >= 0 {
		num.Lsh(num, uint(e2))
	} else {
		den.Lsh(den, uint(-e2))
	}
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	r.Lsh(r, 1)
	if c := r.Cmp(den); c > 0 || (c == 0 && q.Bit(0) == 1) {
		q.Add(q, big.NewInt(1))
	}
	return q
}

var pow10Cache sync.Map // int → *big.Int (read only once stored)

// pow10Int returns 10^k (k ≥ 0); the result must not be modified.
func pow10Int(k int) *big.Int {
	if v, ok := pow10Cache.Load(k); ok {
		return v.(*big.Int)
	}
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
	if k <= 1<<14 {
		pow10Cache.Store(k, p)
	}
	return p
}

// formatG lays out the decimal 0.mant·10^dexp (mant without trailing
// zeros) as big.Float's 'g' format with precision prec does.
func formatG(neg bool, mant string, dexp, prec int) string {
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	eprec := prec
	if eprec > len(mant) && len(mant) >= dexp {
		eprec = len(mant)
	}
	if exp := dexp - 1; exp < -4 || exp >= eprec {
		prec = min(prec, len(mant))
		b.WriteByte(mant[0])
		if prec > 1 {
			b.WriteByte('.')
			b.WriteString(mant[1:prec])
		}
		b.WriteByte('e')
		if exp < 0 {
			b.WriteByte('-')
			exp = -exp
		} else {
			b.WriteByte('+')
		}
		if exp < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(exp))
		return b.String()
	}
	if prec > dexp {
		prec = len(mant)
	}
	frac := max(prec-dexp, 0)
	digitAt := func(i int) byte {
		if i < 0 || i >= len(mant) {
			return '0'
		}
		return mant[i]
	}
	if dexp > 0 {
		for i := range dexp {
			b.WriteByte(digitAt(i))
		}
	} else {
		b.WriteByte('0')
	}
	if frac > 0 {
		b.WriteByte('.')
		for i := range frac {
			b.WriteByte(digitAt(dexp + i))
		}
	}
	return b.String()
}
