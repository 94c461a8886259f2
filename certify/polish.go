package certify

import (
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
)

// point is a candidate (W', H', b) for the upper bound: W' is n×k, H' is
// k×M, b has n entries.
type point struct {
	w, h   *bigmat.Dense
	b      []*big.Float
	bExact []*big.Rat   // if set, b exactly (ȳ or 0), written without rounding
	hExact [][]*big.Rat // if set, H exactly, written without rounding
	what   string
}

// solverPoint is the solver's minimizer restricted to its first k
// columns of W and rows of H (the others are zero).
func (b *builder) solverPoint(sol *solver.Result) point {
	bias := make([]*big.Float, b.n)
	for i := range bias {
		bias[i] = new(big.Float).SetPrec(b.prec)
		if b.in.Bias != instance.BiasNone {
			bias[i].Set(sol.B[i])
		}
	}
	return point{w: sol.W.Slice(0, b.n, 0, b.k).SetPrec(b.prec), h: sol.H.Slice(0, b.k, 0, b.m).SetPrec(b.prec), b: bias, what: "solver"}
}

// truncated polishes the solver's point where its W Wᵀ has eigenvalues
// below 10^-(sd/3) of the largest: those directions are dropped (W ← P W,
// P the projector onto the others) and H, b are re-minimized exactly for
// that W (H = Wᵀ(WWᵀ + λ_H I)⁻¹Ỹ, b = ȳ; docs/theory.md §2 R1–R2, a
// partial minimization, not the closed form). At a rank-deficient optimum
// — most of all at c = σ_j, where the solver converges only linearly —
// the solver leaves such directions small but nonzero, and they cost the
// bound an error of the order of their size. ok is false when nothing is
// dropped or the solve fails.
func (b *builder) truncated(p point) (point, bool) {
	a := new(bigmat.Dense).MulTrans(p.w, p.w)
	var eig bigmat.SymEigen
	if err := eig.Factorize(a); err != nil || eig.Values[0].Sign() <= 0 {
		return point{}, false
	}
	thr := new(big.Float).SetPrec(b.prec).SetRat(pow10(-(b.sd / 3)))
	thr.Mul(thr, eig.Values[0])
	keep := bigmat.New(b.n, b.n, b.prec)
	dropped := false
	for j, v := range eig.Values {
		if v.Cmp(thr) < 0 {
			dropped = true
			continue
		}
		for r := 0; r < b.n; r++ {
			for s := 0; s < b.n; s++ {
				t := new(big.Float).SetPrec(b.prec).Mul(eig.Vectors.At(r, j), eig.Vectors.At(s, j))
				keep.At(r, s).Add(keep.At(r, s), t)
			}
		}
	}
	if !dropped {
		return point{}, false
	}
	w := new(bigmat.Dense).Mul(keep, p.w)
	g := new(bigmat.Dense).MulTrans(w, w)
	lh := new(big.Float).SetPrec(b.prec).SetRat(b.in.LambdaH)
	g.AddScaledIdentity(g, lh)
	var ch bigmat.Cholesky
	if err := ch.Factorize(g); err != nil {
		return point{}, false
	}
	x := ch.SolveTo(new(bigmat.Dense), ratDense(b.yt, b.prec))
	h := new(bigmat.Dense).TransMul(w, x)
	bias := make([]*big.Float, b.n)
	var mean []*big.Rat
	if b.in.Bias != instance.BiasNone {
		mean = b.in.Mean()
	}
	for i := range bias {
		bias[i] = new(big.Float).SetPrec(b.prec)
		if mean != nil {
			bias[i].SetRat(mean[i])
		}
	}
	return point{w: w, h: h, b: bias, bExact: exactBias(b.n, mean), what: "polished"}, true
}

// zeroPoint is W = 0, H = 0, b = ȳ (0 for bias none): the exact minimizer
// when c ≥ σ_1, where the solver can only approach it, and L = 0 exactly
// when the targets are constant. It is a candidate like any other: the
// smallest exact loss wins.
func (b *builder) zeroPoint() point {
	bias := make([]*big.Float, b.n)
	var mean []*big.Rat
	if b.in.Bias != instance.BiasNone {
		mean = b.in.Mean()
	}
	if b.reg { // b = ȳ/(1 + λ_b) minimizes the bias terms at W = 0
		f := new(big.Rat).Add(big.NewRat(1, 1), b.in.LambdaB)
		for i := range mean {
			mean[i].Quo(mean[i], f)
		}
	}
	for i := range bias {
		bias[i] = new(big.Float).SetPrec(b.prec)
		if mean != nil {
			bias[i].SetRat(mean[i])
		}
	}
	return point{w: bigmat.New(b.n, b.k, b.prec), h: bigmat.New(b.k, b.m, b.prec), b: bias, bExact: exactBias(b.n, mean), what: "zero"}
}

// exactBias is ȳ, or zeros when mean is nil (bias none).
func exactBias(n int, mean []*big.Rat) []*big.Rat {
	out := make([]*big.Rat, n)
	for i := range out {
		out[i] = new(big.Rat)
		if mean != nil {
			out[i].Set(mean[i])
		}
	}
	return out
}

// interpolation is W = [I_n 0], H = Ỹ, b = ȳ (0 for bias none), exactly:
// W H + b1ᵀ = Y, so L = 0 when λ_H = λ_W = 0. Only for c = 0 and d ≥ n.
func (b *builder) interpolation() (point, bool) {
	if b.c.Sign() != 0 || b.k != b.n {
		return point{}, false
	}
	w := bigmat.Identity(b.n, b.prec)
	h := ratDense(b.yt, b.prec) // exact: Ỹ's entries are converted below without rounding
	var mean []*big.Rat
	if b.in.Bias != instance.BiasNone {
		mean = b.in.Mean()
	}
	bias := make([]*big.Float, b.n)
	for i := range bias {
		bias[i] = new(big.Float).SetPrec(b.prec)
	}
	return point{w: w, h: h, hExact: b.yt, b: bias, bExact: exactBias(b.n, mean), what: "interpolation"}, true
}
