package solver

import (
	"fmt"
	"math"
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
)

// Caps on what the certificate materializes. The optimization never needs
// these matrices (it works with n×n sufficient statistics); they are
// reported for the user and for comparison.
const (
	MaxDenseEntries = 1 << 22 // full W (n×d) and H (d×M) are returned up to this many entries
	MaxGramSamples  = 500     // the feature Gram HᵀH (M×M) is returned up to this M
)

// certificate is the full (W, H, b) built from the reduced solution and
// everything evaluated from the definition of L.
//
// Its matrix products are bigmat.Mul's (entry (i, j) within
// 2^-p·|(ab)_ij| + 2^-(p+61)·max_l |a_il b_lj|, an entrywise bound), not bigmat's fixed-point
// products: their normwise bound 2^-(p+14)·‖a_i‖‖b_j‖ is far weaker where
// W's columns differ by many orders of magnitude, and the residual of a
// tiny loss cancels entry by entry. (With them in eval, QA h2_n2_t0_l3
// printed a train_mse right to 25 of 30 claimed digits,
// TestQAFixedPointCertificate; the certificate avoids them for the same
// reason.)
type certificate struct {
	w, h     *bigmat.Dense // n×d, d×M (nil beyond MaxDenseEntries)
	b        []*big.Float
	ww       *bigmat.Dense
	pred     *bigmat.Dense
	hp       *bigmat.Dense // H' (k×M) for the feature Gram; nil if M > MaxGramSamples
	loss     *big.Float
	gradNorm *big.Float
	gradW    *bigmat.Dense // ∇_W L, n×k (the other columns vanish)
	gradH    *bigmat.Dense // ∇_H L, k×M (the other rows vanish)
	gradB    *bigmat.Dense // ∇_b L, n×1 (nil for bias none)
	// termsW, termsH, termsB are the sizes of the terms that cancel in
	// each gradient block at a stationary point: ‖RHᵀ‖/M + λ_W‖W‖,
	// (‖WᵀR‖ + λ_H‖H‖)/M and ‖R‖_F/√M + λ_b‖b‖ (see relGradient).
	termsW, termsH, termsB *big.Float
	hNorm                  *big.Float // ‖H‖_F
	wNorm                  *big.Float // ‖W‖_F
	logData                float64    // log10(‖Y‖²/(2M)): the size of the terms that cancel in L
	prec                   uint
	notes                  []string
}

// targets returns Y (n×M), ȳ (n×1) and the matrix Ỹ the features fit
// (Y − ȳ1ᵀ for bias free and regularized, Y for none) at precision prec.
func targets(in *instance.Instance, prec uint) (y, ybar, yt *bigmat.Dense) {
	n, m := in.N(), in.M()
	y = bigmat.New(n, m, prec)
	for i := 0; i < m; i++ {
		for k := 0; k < n; k++ {
			y.At(k, i).SetRat(in.Targets[i][k])
		}
	}
	mean := in.Mean()
	ybar = bigmat.New(n, 1, prec)
	for k := 0; k < n; k++ {
		ybar.At(k, 0).SetRat(mean[k])
	}
	ytr := in.CenteredTargets()
	yt = bigmat.New(n, m, prec)
	for k := 0; k < n; k++ {
		for i := 0; i < m; i++ {
			yt.At(k, i).SetRat(ytr[k][i])
		}
	}
	return y, ybar, yt
}

// solveRidge returns X with (WᵀW + μI) X = Wᵀ rhs for W n×k. With μ = 0
// and WᵀW singular it falls back to a tiny ridge μ = 2^(−prec/2)·(tr WᵀW+1)
// and says so in the returned note (a minimum-norm-like least-squares
// solution to half the working precision).
func solveRidge(w, rhs *bigmat.Dense, mu *big.Float) (*bigmat.Dense, string) {
	prec := w.Prec()
	g := new(bigmat.Dense).TransMul(w, w)
	wr := new(bigmat.Dense).TransMul(w, rhs)
	var ch bigmat.Cholesky
	if err := ch.Factorize(new(bigmat.Dense).AddScaledIdentity(g, mu)); err == nil {
		return ch.SolveTo(new(bigmat.Dense), wr), ""
	}
	delta := g.Trace()
	delta.Add(delta, newFloat(prec).SetInt64(1))
	delta.SetMantExp(delta, -int(prec/2))
	delta.Add(delta, mu)
	if err := ch.Factorize(new(bigmat.Dense).AddScaledIdentity(g, delta)); err != nil {
		// Cannot happen: g + δI with δ > 0 is positive definite.
		panic(fmt.Sprintf("solver: ridge system not positive definite: %v", err))
	}
	return ch.SolveTo(new(bigmat.Dense), wr),
		"WᵀW is singular with λ_H = 0: H was computed as a least-squares solution with a ridge of 2^(−prec/2) relative size (half precision)"
}

// certify builds (H, b) for the weights wp = W' (n×k, W = [W' 0]) by exact
// minimization of L over (H, b), with λ_H replaced by lamHSolve in that
// minimization only (the unattained trend substitutes ε for a zero λ_H),
// and evaluates L and ‖∇L‖ over (W, H, b) from the definitions of docs/theory.md §1
// with the instance's own λ's.
func certify(in *instance.Instance, wp *bigmat.Dense, lamHSolve *big.Rat, prec uint) *certificate {
	y, ybar, yt := targets(in, prec)
	c := &certificate{prec: prec}
	hp, b := c.fitFeatures(in, wp, lamHSolve, ybar, yt)
	// Predictions W'H' + b1ᵀ and residual R.
	n, m := in.N(), in.M()
	pred := new(bigmat.Dense).Mul(wp, hp)
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			e := pred.At(i, j)
			e.Add(e, b.At(i, 0))
		}
	}
	res := new(bigmat.Dense).Sub(pred, y)
	c.evaluate(in, wp, hp, b, res)
	c.logData = 2*log10Float(y.FrobeniusNorm()) - math.Log10(2*float64(m))
	c.materialize(in, wp, hp, b, pred)
	return c
}

// fitFeatures returns H' (k×M) and b (n×1) minimizing L for W = [W' 0]
// with λ_H replaced by lamHSolve: the centered part
// H̃ = (W'ᵀW' + λ_H I)⁻¹ W'ᵀ Ỹ, and the mean part h̄ (added to every column)
// and b by bias mode.
func (c *certificate) fitFeatures(in *instance.Instance, wp *bigmat.Dense, lamHSolve *big.Rat, ybar, yt *bigmat.Dense) (hp, b *bigmat.Dense) {
	prec := c.prec
	n, m := in.N(), in.M()
	_, k := wp.Dims()
	hp, note := solveRidge(wp, yt, newFloat(prec).SetRat(lamHSolve))
	c.addNote(note)
	b = bigmat.New(n, 1, prec)
	hbar := bigmat.New(k, 1, prec)
	switch {
	case in.Bias == instance.BiasNone:
		// b ≡ 0 and Ỹ = Y: H̃ already fits Y itself.
	case in.Bias == instance.BiasFree || in.LambdaB.Sign() == 0:
		b.Copy(ybar)
	default:
		// Regularized: α = λ_b/(1+λ_b), μ_b = λ_H/α;
		// h̄ = (W'ᵀW' + μ_b I)⁻¹ W'ᵀ ȳ, b = (ȳ − W'h̄)/(1+λ_b).
		onePlus := new(big.Rat).Add(big.NewRat(1, 1), in.LambdaB)
		mub := new(big.Rat).Mul(lamHSolve, onePlus)
		mub.Quo(mub, in.LambdaB)
		hbar, note = solveRidge(wp, ybar, newFloat(prec).SetRat(mub))
		c.addNote(note)
		b.Mul(wp, hbar)
		b.Sub(ybar, b)
		b.Scale(newFloat(prec).Quo(newFloat(prec).SetInt64(1), newFloat(prec).SetRat(onePlus)), b)
	}
	for i := 0; i < k; i++ {
		for j := 0; j < m; j++ {
			e := hp.At(i, j)
			e.Add(e, hbar.At(i, 0))
		}
	}
	return hp, b
}

func (c *certificate) addNote(note string) {
	if note != "" {
		c.notes = append(c.notes, note)
	}
}

func square(x *big.Float) *big.Float { return newFloat(x.Prec()).Mul(x, x) }

// evaluate sets the loss, the gradient blocks, their norms and the sizes
// of their terms from the definitions, with residual R = W'H' + b1ᵀ − Y:
//
//	L = ‖R‖²/(2M) + λ_H ‖H‖²/(2M) + λ_W ‖W‖²/2 (+ λ_b ‖b‖²/2),
//	∇_W = R Hᵀ/M + λ_W W,  ∇_H = (WᵀR + λ_H H)/M,  ∇_b = R1/M + λ_b b.
//
// Columns of W beyond k and rows of H beyond k are zero, and so are the
// corresponding gradient entries.
func (c *certificate) evaluate(in *instance.Instance, wp, hp, b, res *bigmat.Dense) {
	prec := c.prec
	lamH := newFloat(prec).SetRat(in.LambdaH)
	lamW := newFloat(prec).SetRat(in.LambdaW)
	lamB := newFloat(prec)
	if in.Bias == instance.BiasRegularized {
		lamB.SetRat(in.LambdaB)
	}
	mf := newFloat(prec).SetInt64(int64(in.M()))
	c.hNorm, c.wNorm = hp.FrobeniusNorm(), wp.FrobeniusNorm()
	bn := b.FrobeniusNorm()
	loss := newFloat(prec).Mul(lamH, square(c.hNorm))
	loss.Add(loss, square(res.FrobeniusNorm()))
	loss.Quo(loss, mf)
	loss.Add(loss, newFloat(prec).Mul(lamW, square(c.wNorm)))
	loss.Add(loss, newFloat(prec).Mul(lamB, square(bn)))
	c.loss = loss.SetMantExp(loss, -1)

	invM := newFloat(prec).Quo(newFloat(prec).SetInt64(1), mf)
	gw := new(bigmat.Dense).MulTrans(res, hp)
	gw.Scale(invM, gw)
	lwW := new(bigmat.Dense).Scale(lamW, wp)
	c.termsW = newFloat(prec).Add(gw.FrobeniusNorm(), lwW.FrobeniusNorm())
	c.gradW = gw.Add(gw, lwW)
	gh := new(bigmat.Dense).TransMul(wp, res)
	lhH := new(bigmat.Dense).Scale(lamH, hp)
	c.termsH = newFloat(prec).Add(gh.FrobeniusNorm(), lhH.FrobeniusNorm())
	c.termsH.Mul(c.termsH, invM)
	gh.Add(gh, lhH)
	c.gradH = gh.Scale(invM, gh)
	gn := square(c.gradW.FrobeniusNorm())
	gn.Add(gn, square(c.gradH.FrobeniusNorm()))
	if in.Bias != instance.BiasNone {
		n, m := in.N(), in.M()
		gb := bigmat.New(n, 1, prec)
		var t big.Float
		for i := 0; i < n; i++ {
			e := gb.At(i, 0)
			for j := 0; j < m; j++ {
				e.Add(e, res.At(i, j))
			}
			e.Quo(e, mf)
			e.Add(e, t.SetPrec(prec).Mul(lamB, b.At(i, 0)))
		}
		gn.Add(gn, square(gb.FrobeniusNorm()))
		c.gradB = gb
		c.termsB = newFloat(prec).Quo(res.FrobeniusNorm(), newFloat(prec).Sqrt(mf))
		c.termsB.Add(c.termsB, newFloat(prec).Mul(lamB, bn))
	}
	c.gradNorm = gn.Sqrt(gn)
}

// materialize sets what the certificate reports: W Wᵀ, the predictions,
// b, and — within MaxDenseEntries and MaxGramSamples — the full W, H and
// the feature Gram HᵀH.
func (c *certificate) materialize(in *instance.Instance, wp, hp, b, pred *bigmat.Dense) {
	prec := c.prec
	n, m, d := in.N(), in.M(), in.D
	_, k := wp.Dims()
	c.ww = new(bigmat.Dense).MulTrans(wp, wp)
	c.pred = pred
	c.b = make([]*big.Float, n)
	for i := range c.b {
		c.b[i] = newFloat(prec).Set(b.At(i, 0))
	}
	if n*d <= MaxDenseEntries {
		c.w = bigmat.New(n, d, prec)
		for i := 0; i < n; i++ {
			for j := 0; j < k; j++ {
				c.w.At(i, j).Set(wp.At(i, j))
			}
		}
	} else {
		c.notes = append(c.notes, fmt.Sprintf("W (%d×%d) not materialized: only its first %d columns can be nonzero", n, d, k))
	}
	if d*m <= MaxDenseEntries {
		c.h = bigmat.New(d, m, prec)
		for i := 0; i < k; i++ {
			for j := 0; j < m; j++ {
				c.h.At(i, j).Set(hp.At(i, j))
			}
		}
	} else {
		c.notes = append(c.notes, fmt.Sprintf("H (%d×%d) not materialized: only its first %d rows can be nonzero", d, m, k))
	}
	if m <= MaxGramSamples {
		c.hp = hp // the feature Gram HᵀH = H'ᵀH' is formed by Solve on request
	} else {
		c.notes = append(c.notes, fmt.Sprintf("feature Gram HᵀH not computed: M = %d > %d", m, MaxGramSamples))
	}
}

// certifyAccurate is certify with enough precision for the loss: L is a sum
// of squared residuals of targets of size ‖Y‖, so when L is many orders of
// magnitude below ‖Y‖²/(2M) (tiny c, large target scale) rounding in the
// residual would swamp it. The certificate is then evaluated again at the
// precision that keeps the requested digits of L (W' itself is unchanged:
// L is evaluated exactly at the returned point). The size of L is taken
// from the certificate itself, or from hint (an independent estimate of L,
// such as λ_W a0·φ(V); nil if none) when that is smaller: at too low a
// precision the certificate's L is rounding noise and overstates L. The
// estimate is refined up to three times.
func certifyAccurate(in *instance.Instance, wp *bigmat.Dense, lamHSolve *big.Rat, prec uint, hint *big.Float) *certificate {
	c := certify(in, wp.Clone().SetPrec(prec), lamHSolve, prec)
	p, note := prec, ""
	for range 3 {
		lost := c.logData - lossSize(c.loss, hint)
		if math.IsInf(lost, -1) || lost <= 3 {
			break // no positive size known, or no cancellation to cover
		}
		need := min(prec+uint(math.Ceil((lost+3)*math.Log2(10))), maxPrecBits)
		if need <= p {
			break
		}
		p = need
		c = certify(in, wp.Clone().SetPrec(p), lamHSolve, p)
		note = fmt.Sprintf("L is %.0f orders of magnitude below ‖Y‖²/(2M): the certificate was evaluated at %d bits so that cancellation in the residual keeps the requested digits", lost, p)
	}
	if note != "" {
		c.notes = append(c.notes, note)
	}
	return c
}

// lossSize is log10 of the smaller of the positive ones among the
// certificate's L and hint (nil or ≤ 0: none), and +Inf when neither is
// positive. An L computed as exactly 0 is rounding (its residual cancelled
// at the working precision), not a size: hint then sizes it alone (QA
// session 22: log10 0 = −Inf made the needed precision overflow to 2^63
// bits, and the ridge solve at that precision panicked).
func lossSize(loss, hint *big.Float) float64 {
	size := math.Inf(1)
	if loss.Sign() > 0 {
		size = log10Float(loss)
	}
	if hint != nil && hint.Sign() > 0 {
		size = math.Min(size, log10Float(hint))
	}
	return size
}

// relGradient returns log10 of the largest relative gradient block of the
// certificate: ‖∇_W L‖/(termsW + wUnit), ‖∇_H L‖/termsH, ‖∇_b L‖/termsB,
// each the gradient relative to the size of the terms that cancel in it
// (a block that vanishes exactly counts as −Inf). wUnit is the natural
// unit of ∇_W (λ_W√a0 in the reduced problem's scaling), which matters
// when W* = 0 and every term vanishes with W.
func (c *certificate) relGradient(wUnit *big.Float) float64 {
	rel := func(g, terms *big.Float) float64 {
		if g.Sign() == 0 {
			return math.Inf(-1)
		}
		return log10Float(g) - log10Float(terms)
	}
	tw := newFloat(c.prec).Add(c.termsW, wUnit)
	worst := math.Max(rel(c.gradW.FrobeniusNorm(), tw), rel(c.gradH.FrobeniusNorm(), c.termsH))
	if c.gradB != nil {
		worst = math.Max(worst, rel(c.gradB.FrobeniusNorm(), c.termsB))
	}
	return worst
}
