package sweep

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/nrc-ufm/ufm/instance"
)

// MaxPoints bounds the points of one axis (and, squared, of a grid).
const MaxPoints = 10000

// LogDigits is the number of significant decimal digits a logarithmic grid
// point is rounded to: λ_i = A·(B/A)^(i/(K−1)) is irrational in general, and
// the instance needs an exact rational. The table reports the rational used.
const LogDigits = 12

// Axis is the list of exact values one λ takes.
type Axis struct {
	Name   string     // "lambda_h" or "lambda_w"
	Values []*big.Rat // ascending when A < B
	Log    bool
}

// ParseAxis reads "A:B:K": K points from A to B inclusive, evenly spaced
// (exact rationals A + (B−A)·i/(K−1)) or, with log, geometrically spaced
// and rounded to LogDigits significant digits (A, B > 0). K = 1 is the
// single point A (A must equal B). A and B are decimals or rationals read
// exactly (instance.ParseNumber), ≥ 0.
func ParseAxis(name, spec string, log bool) (*Axis, error) {
	parts := strings.Split(spec, ":")
	if len(parts) != 3 {
		return nil, fmt.Errorf("--%s %q: want A:B:K (from A to B in K points)", flagName(name), spec)
	}
	a, err := instance.ParseNumber(strings.TrimSpace(parts[0]))
	if err != nil {
		return nil, fmt.Errorf("--%s: start: %v", flagName(name), err)
	}
	b, err := instance.ParseNumber(strings.TrimSpace(parts[1]))
	if err != nil {
		return nil, fmt.Errorf("--%s: end: %v", flagName(name), err)
	}
	k, err := strconv.Atoi(strings.TrimSpace(parts[2]))
	if err != nil || k < 1 || k > MaxPoints {
		return nil, fmt.Errorf("--%s: point count %q must be an integer from 1 to %d", flagName(name), parts[2], MaxPoints)
	}
	switch {
	case a.Sign() < 0 || b.Sign() < 0:
		return nil, fmt.Errorf("--%s: λ must be ≥ 0, got %s:%s", flagName(name), parts[0], parts[1])
	case log && (a.Sign() == 0 || b.Sign() == 0):
		return nil, fmt.Errorf("--%s: a logarithmic grid needs A, B > 0, got %s:%s", flagName(name), parts[0], parts[1])
	case k == 1 && a.Cmp(b) != 0:
		return nil, fmt.Errorf("--%s: one point but A ≠ B (%s:%s:1)", flagName(name), parts[0], parts[1])
	case k > 1 && a.Cmp(b) == 0:
		return nil, fmt.Errorf("--%s: %d points but A = B", flagName(name), k)
	}
	ax := &Axis{Name: name, Log: log, Values: make([]*big.Rat, k)}
	for i := range ax.Values {
		switch {
		case k == 1:
			ax.Values[i] = new(big.Rat).Set(a)
		case log:
			ax.Values[i] = logPoint(a, b, i, k)
		default:
			t := new(big.Rat).Sub(b, a)
			t.Mul(t, big.NewRat(int64(i), int64(k-1)))
			ax.Values[i] = t.Add(t, a)
		}
	}
	return ax, nil
}

// logPoint returns A·(B/A)^(i/(K−1)) rounded to LogDigits significant
// digits; the end points are A and B exactly.
func logPoint(a, b *big.Rat, i, k int) *big.Rat {
	if i == 0 {
		return new(big.Rat).Set(a)
	}
	if i == k-1 {
		return new(big.Rat).Set(b)
	}
	const prec = 128
	fa := new(big.Float).SetPrec(prec).SetRat(a)
	fb := new(big.Float).SetPrec(prec).SetRat(b)
	// log10 via float64 of the mantissa/exponent is enough: the point is
	// rounded to LogDigits anyway and only has to lie on the grid's line
	// to that accuracy.
	la, lb := log10Big(fa), log10Big(fb)
	l := la + (lb-la)*float64(i)/float64(k-1)
	ip := math.Floor(l)
	s := fmt.Sprintf("%.*fe%d", LogDigits-1, math.Pow(10, l-ip), int(ip))
	r, _ := new(big.Rat).SetString(s)
	return r
}

func flagName(name string) string { return strings.ReplaceAll(name, "_", "-") }
