package certify

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/certify/check"
	"github.com/nrc-ufm/ufm/instance"
)

// setDual builds Λ from the solver's point: Λ̃ = (Ỹ − W H̃)/M, projected
// onto {ΛΛᵀ ⪯ t²I}, t = (1 − ε)√(c/M), by clipping its singular values at t
// (Λ = Q·diag(min(1, t/s_i))·Qᵀ·Λ̃ from the eigendecomposition
// Λ̃Λ̃ᵀ = Q diag(s_i²) Qᵀ); singular values within a relative 10^-10 below t
// are raised to t as well (they are the active directions, where the
// optimal Λ* has singular value exactly √(c/M); leaving them a little
// low would cost ℓ an error of first order in the solver's). Then Λ is rounded to the grid of D + 12 significant
// digits. The clipping makes the loss of ℓ first order in ε only (which
// is chosen as 10^-(D+8)); everything else is second order in the point's
// error. Feasibility is then decided exactly; if rounding broke it, ε
// grows.
func (b *builder) setDual(p point) error {
	lt := b.lambdaTilde(p)
	var eig bigmat.SymEigen
	if err := eig.Factorize(new(bigmat.Dense).MulTrans(lt, lt)); err != nil {
		return err
	}
	cm := new(big.Rat).Quo(b.c, new(big.Rat).SetInt64(int64(b.m)))
	tmax := new(big.Float).SetPrec(b.prec).SetRat(cm)
	tmax.Sqrt(tmax)
	q := eig.Vectors
	snap := new(big.Float).SetPrec(b.prec).SetRat(new(big.Rat).Sub(big.NewRat(1, 1), pow10(-10)))
	for try, eps := 0, pow10(-(b.digits + 8)); try < 8; try, eps = try+1, eps.Mul(eps, big.NewRat(100, 1)) {
		t := new(big.Float).SetPrec(b.prec).SetRat(new(big.Rat).Sub(big.NewRat(1, 1), eps))
		t.Mul(t, tmax)
		near := new(big.Float).SetPrec(b.prec).Mul(t, snap)
		dq := q.Clone()
		for j, v := range eig.Values {
			if v.Sign() <= 0 {
				continue
			}
			s := new(big.Float).SetPrec(b.prec).Sqrt(v)
			if s.Cmp(near) < 0 {
				continue
			}
			f := new(big.Float).SetPrec(b.prec).Quo(t, s)
			for i := 0; i < b.n; i++ {
				dq.At(i, j).Mul(dq.At(i, j), f)
			}
		}
		proj := new(bigmat.Dense).MulTrans(dq, q)
		lam := new(bigmat.Dense).Mul(proj, lt)
		rl := denseToRat(lam, b.n, b.m, gridExponent(lam.MaxAbs(), b.digits+12))
		pos, _, ok := check.Inertia(shiftedGram(cm, rl))
		if ok && pos == b.n {
			b.file.LowerBound = check.LowerBoundJSON{Method: "dual", Lambda: ratStrings(rl)}
			return nil
		}
	}
	return errors.New("no feasible Λ found")
}

// lambdaTilde returns (Ỹ − W H̃)/M at the solver's point, at b.prec.
func (b *builder) lambdaTilde(p point) *bigmat.Dense {
	w, h := p.w, p.h.Clone()
	if b.in.Bias == instance.BiasFree {
		inv := new(big.Float).SetPrec(b.prec).SetInt64(int64(b.m))
		for i := 0; i < b.k; i++ {
			mean := new(big.Float).SetPrec(b.prec)
			for j := 0; j < b.m; j++ {
				mean.Add(mean, h.At(i, j))
			}
			mean.Quo(mean, inv)
			for j := 0; j < b.m; j++ {
				h.At(i, j).Sub(h.At(i, j), mean)
			}
		}
	}
	z := new(bigmat.Dense).Mul(w, h)
	if b.reg { // residual of the full predictions W H + b1ᵀ
		for i := 0; i < b.n; i++ {
			for j := 0; j < b.m; j++ {
				z.At(i, j).Add(z.At(i, j), p.b[i])
			}
		}
	}
	lt := ratDense(b.yt, b.prec)
	lt.Sub(lt, z)
	inv := new(big.Float).SetPrec(b.prec).SetRat(big.NewRat(1, int64(b.m)))
	return lt.Scale(inv, lt)
}

// shiftedGram returns s·I − a aᵀ.
func shiftedGram(s *big.Rat, a [][]*big.Rat) [][]*big.Rat {
	n := len(a)
	out := make([][]*big.Rat, n)
	for i := range out {
		out[i] = make([]*big.Rat, n)
	}
	var t big.Rat
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := new(big.Rat)
			for l := range a[i] {
				v.Add(v, t.Mul(a[i][l], a[j][l]))
			}
			v.Neg(v)
			if i == j {
				v.Add(v, s)
			}
			out[i][j], out[j][i] = v, v
		}
	}
	return out
}

// setClaims writes the bounds and the implied enclosures, rounded outward
// to a grid of D + 20 significant digits of U, and the verdict.
func (b *builder) setClaims(v *check.Values) {
	f := b.file
	e := b.digits + 20 - log10Rat(v.PointLoss)
	lower := onGrid(v.Bound, e, down)
	upper := onGrid(v.PointLoss, e, up)
	if b.reg {
		v.CFLower, v.CFUpper = new(big.Rat), new(big.Rat) // unused: no closed form
	}
	cfl, cfu := onGrid(v.CFLower, e, down), onGrid(v.CFUpper, e, up)
	f.Lower, f.Upper = lower.RatString(), upper.RatString()
	f.Predictions, f.TrainMSE = nil, nil
	f.ProvedDigits = 0
	if b.reg {
		f.Verdict = "bounds"
		if narrowEnough(lower, upper, b.digits) {
			f.Verdict = fmt.Sprintf("enclosed to %d digits", b.digits)
			f.ProvedDigits = b.digits
		}
		return
	}
	f.ClosedForm = &check.IntervalJSON{Lower: cfl.RatString(), Upper: cfu.RatString()}
	if f.LowerBound.Method == "dual" {
		mr := new(big.Rat).SetInt64(int64(b.m))
		gap := new(big.Rat).Sub(upper, lower)
		r := sqrtBound(gap.Mul(gap, new(big.Rat).Mul(big.NewRat(2, 1), mr)), e, up)
		f.Predictions = &check.RadiusJSON{Radius: r.RatString()}
		alo, ahi := sqrtBound(v.Residual2, e, down), sqrtBound(v.Residual2, e, up)
		r2 := new(big.Rat).Mul(big.NewRat(2, 1), r)
		lo := new(big.Rat).Sub(alo, r2)
		if lo.Sign() < 0 {
			lo.SetInt64(0)
		}
		lo.Quo(lo.Mul(lo, lo), mr)
		hi := new(big.Rat).Add(ahi, r2)
		hi.Quo(hi.Mul(hi, hi), mr)
		f.TrainMSE = &check.MSEJSON{Lower: onGrid(lo, e, down).RatString(), Upper: onGrid(hi, e, up).RatString(),
			NormLower: alo.RatString(), NormUpper: ahi.RatString()}
	}
	disjoint := cfl.Cmp(upper) > 0 || cfu.Cmp(lower) < 0
	switch {
	case disjoint:
		f.Verdict = "refuted"
	case narrowEnough(lower, upper, b.digits) && narrowEnough(cfl, cfu, b.digits):
		f.Verdict = fmt.Sprintf("proved to %d digits", b.digits)
		f.ProvedDigits = b.digits
	default:
		f.Verdict = "bounds"
	}
}
