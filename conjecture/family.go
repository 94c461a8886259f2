package conjecture

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"

	"github.com/nrc-ufm/ufm/claims"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/theory"
)

// Family is the instance family of a conjecture: the sizes, λ's, bias
// mode and spectrum shape it draws. The zero value is completed by
// defaults: n ∈ 1…3, M ∈ 1…16, any d ∈ 1…n+3, λ_H, λ_W > 0, bias free,
// spectrum mixed, λ_b ∈ [1/10, 9/10] for bias regularized.
type Family struct {
	NMin, NMax int
	MMin, MMax int
	// D is "any" (1…n+3), ">= n", "< n", "= n", "near" (n−1…n+1) or
	// "range" (DMin…DMax).
	D          string
	DMin, DMax int
	Lambda     string      // "positive", "zero" (λ_H = λ_W = 0) or "one-zero"
	LambdaH    [2]*big.Rat // optional range of λ_H (random-spectrum instances)
	LambdaW    [2]*big.Rat // optional range of λ_W
	LambdaB    [2]*big.Rat // range of λ_b for bias regularized
	Bias       string      // "free", "none", "regularized" or "mixed" (free or none)
	// Spectrum is "mixed" (random targets and exact spectra), "random",
	// "exact" (exact spectra: eigenvalues at, above and below c, repeated,
	// zero), "boundary" (c equals an eigenvalue of Σ exactly), "repeated"
	// (a repeated eigenvalue), "low-rank" (Σ singular), "full-rank" or
	// "distinct" (distinct eigenvalues).
	Spectrum string
}

var (
	dModes        = []string{"any", ">= n", "< n", "= n", "near"}
	lambdaModes   = []string{"positive", "zero", "one-zero"}
	biasModes     = []string{"free", "none", "regularized", "mixed"}
	spectrumModes = []string{"mixed", "random", "exact", "boundary", "repeated", "low-rank", "full-rank", "distinct"}
)

func (f Family) withDefaults() Family {
	if f.NMax == 0 {
		f.NMin, f.NMax = 1, 3
	}
	if f.MMax == 0 {
		f.MMin, f.MMax = 1, 16
	}
	if f.D == "" {
		f.D = "any"
	}
	if f.Lambda == "" {
		f.Lambda = "positive"
	}
	if f.Bias == "" {
		f.Bias = "free"
	}
	if f.Spectrum == "" {
		f.Spectrum = "mixed"
	}
	if f.LambdaB[0] == nil {
		f.LambdaB = [2]*big.Rat{big.NewRat(1, 10), big.NewRat(9, 10)}
	}
	return f
}

func oneOf(e *entry, modes []string) (string, error) {
	v := strings.Join(strings.Fields(e.text()), " ")
	for _, m := range modes {
		if v == m {
			return v, nil
		}
	}
	return "", errAt(e.vpos, "%s must be one of: %s; found %q", e.key, strings.Join(modes, " | "), v)
}

// parseFamily reads the family entries of a file.
func parseFamily(fam map[string]*entry) (Family, error) {
	var f Family
	var err error
	if e := fam["n"]; e != nil {
		if f.NMin, f.NMax, err = intRange(e, 1, 8); err != nil {
			return f, err
		}
	}
	if e := fam["M"]; e != nil {
		if f.MMin, f.MMax, err = intRange(e, 1, 64); err != nil {
			return f, err
		}
	}
	if e := fam["d"]; e != nil {
		if strings.ContainsAny(e.text(), "0123456789") {
			f.D = "range"
			if f.DMin, f.DMax, err = intRange(e, 1, 16); err != nil {
				return f, err
			}
		} else if f.D, err = oneOf(e, dModes); err != nil {
			return f, err
		}
	}
	if e := fam["lambda"]; e != nil {
		if f.Lambda, err = oneOf(e, lambdaModes); err != nil {
			return f, err
		}
	}
	if e := fam["bias"]; e != nil {
		if f.Bias, err = oneOf(e, biasModes); err != nil {
			return f, err
		}
	}
	if e := fam["spectrum"]; e != nil {
		if f.Spectrum, err = oneOf(e, spectrumModes); err != nil {
			return f, err
		}
	}
	for _, k := range []string{"lambda_h", "lambda_w", "lambda_b"} {
		e := fam[k]
		if e == nil {
			continue
		}
		lo, hi, err := ratRange(e)
		if err != nil {
			return f, err
		}
		switch {
		case k == "lambda_b" && f.Bias != "regularized":
			return f, errAt(e.vpos, "lambda_b ranges need bias: regularized (λ_b is not drawn otherwise)")
		case k == "lambda_b":
			f.LambdaB = [2]*big.Rat{lo, hi}
		case f.Spectrum == "exact" || f.Spectrum == "boundary":
			return f, errAt(e.vpos, "%s ranges cannot be combined with spectrum %s (exact spectra tie c to the eigenvalues)", k, f.Spectrum)
		case f.Lambda != "" && f.Lambda != "positive":
			return f, errAt(e.vpos, "%s ranges need lambda: positive", k)
		case lo.Sign() == 0:
			return f, errAt(e.vpos, "%s range must be positive (use lambda: zero or one-zero for zero λ's)", k)
		case k == "lambda_h":
			f.LambdaH = [2]*big.Rat{lo, hi}
		default:
			f.LambdaW = [2]*big.Rat{lo, hi}
		}
	}
	if f.D == "< n" && f.NMax < 2 {
		return f, errAt(fam["d"].vpos, "d: < n needs n ≥ 2 in the family")
	}
	return f, nil
}

// base returns the claims.Family that draws the raw instances.
func (f Family) base(digits int) claims.Family {
	g := claims.Family{NMin: f.NMin, NMax: f.NMax, MMax: min(f.MMax, 8), NoSingle: f.MMin >= 2, Digits: digits, Spectral: 0.4}
	switch f.D {
	case ">= n", "= n":
		g.D = claims.DGeqN
	case "< n":
		g.D = claims.DLtN
	case "near":
		g.D = claims.DNear
	}
	switch f.Lambda {
	case "zero":
		g.Lambda = claims.LambdaZero
	case "one-zero":
		g.Lambda = claims.LambdaOneZero
	}
	g.BiasNone = f.Bias == "none" || f.Bias == "mixed"
	switch f.Spectrum {
	case "random":
		g.Spectral = 0
	case "exact", "boundary", "repeated":
		g.Spectral = 1
	case "low-rank":
		g.Spectral = 0.5
	case "full-rank":
		g.FullRank, g.Spectral = true, 0.3
	case "distinct":
		g.Distinct, g.Spectral = true, 0.5
	}
	return g
}

// draw draws one instance of the family (not yet checked against the
// hypotheses); ok is false when it falls outside a filter of the family.
func (f Family) draw(rng *rand.Rand, name string, digits int) (in *instance.Instance, ok bool) {
	in = f.base(digits).Draw(rng, name)
	switch f.D {
	case "= n":
		in.D = in.N()
	case "range":
		in.D = f.DMin + rng.IntN(f.DMax-f.DMin+1)
	}
	if f.Bias == "none" && in.Bias != instance.BiasNone {
		return in, false
	}
	if f.Bias == "regularized" {
		in.Bias = instance.BiasRegularized
		in.LambdaB = drawRange(rng, f.LambdaB)
	}
	if f.LambdaH[0] != nil {
		in.LambdaH = drawRange(rng, f.LambdaH)
	}
	if f.LambdaW[0] != nil {
		in.LambdaW = drawRange(rng, f.LambdaW)
	}
	if in.M() < f.MMin || in.M() > f.MMax {
		return in, false
	}
	in.Name = fmt.Sprintf("%s-n%d-d%d-M%d", name, in.N(), in.D, in.M())
	return in, f.shapeOK(in)
}

// shapeOK applies the spectrum filters, decided exactly where possible.
func (f Family) shapeOK(in *instance.Instance) bool {
	switch f.Spectrum {
	case "boundary":
		s := in.Sigma()
		c := in.C()
		for i := range s {
			s[i][i] = new(big.Rat).Sub(s[i][i], c)
		}
		_, _, zero := theory.Inertia(s)
		return zero > 0
	case "low-rank":
		return theory.Rank(in.Sigma()) < in.N()
	case "repeated":
		return hasRepeated(in)
	}
	return true
}

// hasRepeated reports whether two eigenvalues of Σ agree to 20 digits (the
// exact-spectrum generator makes them exactly equal).
func hasRepeated(in *instance.Instance) bool {
	e := newEnv(in, 30, 0, 0)
	if e.computeSpectrum() != nil {
		return false
	}
	for j := 1; j < len(e.spectrum); j++ {
		a, b := e.spectrum[j-1].mid, e.spectrum[j].mid
		d := e.newF().Sub(a, b)
		tol := newRad().Mul(absRad(a), pow10Rad(-20))
		if absRad(d).Cmp(tol) <= 0 {
			return true
		}
	}
	return false
}

// drawRange draws m·10^e (m ∈ 1…9) inside [lo, hi], falling back to lo
// (or hi when lo is 0) after 200 tries; a degenerate range gives lo.
func drawRange(rng *rand.Rand, r [2]*big.Rat) *big.Rat {
	lo, hi := r[0], r[1]
	if lo.Cmp(hi) == 0 {
		return new(big.Rat).Set(lo)
	}
	top := decExp(hi) + 1
	bottom := top - 12
	if lo.Sign() > 0 {
		bottom = decExp(lo) - 1
	}
	for try := 0; try < 200; try++ {
		e := bottom + rng.IntN(top-bottom+1)
		v := new(big.Rat).SetInt64(int64(1 + rng.IntN(9)))
		v.Mul(v, pow10Rat(e))
		if v.Cmp(lo) >= 0 && v.Cmp(hi) <= 0 {
			return v
		}
	}
	if lo.Sign() == 0 {
		return new(big.Rat).Set(hi)
	}
	return new(big.Rat).Set(lo)
}

// decExp returns ⌊log10 r⌋ for r > 0 (within one).
func decExp(r *big.Rat) int {
	return len(new(big.Int).Abs(r.Num()).String()) - len(r.Denom().String())
}

func pow10Rat(e int) *big.Rat {
	p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(absInt(e))), nil))
	if e < 0 {
		p.Inv(p)
	}
	return p
}
