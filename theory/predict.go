package theory

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
)

// Regime names the case of THEORY §3 an instance falls in.
type Regime string

const (
	Full          Regime = "full"          // c < σ_n and d ≥ n: rank-n collapse
	Partial       Regime = "partial"       // 0 < r < n
	Trivial       Regime = "trivial"       // c ≥ σ_1 (or Σ = 0): W* = 0
	Unregularized Regime = "unregularized" // λ_H = λ_W = 0
	Unattained    Regime = "unattained"    // exactly one λ zero: infimum not attained
)

// ErrNoClosedForm is returned for bias mode "regularized", for which THEORY
// claims no closed form.
var ErrNoClosedForm = errors.New("bias mode \"regularized\" has no closed form (THEORY §1); use ufm solve")

// Prediction is the closed-form answer for one instance. Matrices and
// numbers are at precision Prec = bigmat.Bits(Digits); they are accurate to
// Digits significant digits relative to the scale of each quantity.
type Prediction struct {
	Name   string
	Regime Regime
	Digits int
	Prec   uint
	Bias   instance.Bias

	N, D, M int

	C      *big.Float // c = λ_H·λ_W
	CExact *big.Rat

	// Active is the exact number of eigenvalues of Σ strictly above c; Rank
	// is r = min(d, Active) (for λ's both zero, the rank of the best fit).
	Active int
	Rank   int
	// TargetRank is the exact rank of Σ (equivalently of Ỹ).
	TargetRank int

	Sigma        []*big.Float // eigenvalues of Σ, descending
	SigmaMatrix  *bigmat.Dense
	Eigenvectors *bigmat.Dense // column j belongs to Sigma[j]
	TraceSigma   *big.Rat      // tr Σ exactly

	Mean         []*big.Float  // ȳ (zero vector for bias none)
	B            []*big.Float  // b* (= ȳ for free bias, 0 for none)
	WW           *bigmat.Dense // A* = W*W*ᵀ; nil when not determined
	MinLoss      *big.Float    // L* (the infimum when Unattained)
	MinLossExact *big.Rat      // L* exactly when it is rational (trivial regime, unregularized with L* = 0), else nil
	TrainMSE     *big.Float
	Shrinkage    []*big.Float  // 1 − √(c/σ_j) for j < Rank, 0 after
	Gamma        *big.Float    // c in the full regime, nil otherwise
	Predictions  *bigmat.Dense // W*H* + b*1ᵀ, n×M

	// Determined says which invariants every global minimizer shares.
	// WWUnique is false when A* is not unique (ties at the cut-off when
	// d < Active, or zero regularization).
	WWUnique, BiasUnique, PredictionUnique bool

	Notes []string

	exactSigma [][]*big.Rat
}

// Predict computes the closed form of THEORY §3 for in at digits
// significant decimal digits (digits ≤ 0 means in.Digits).
func Predict(in *instance.Instance, digits int) (*Prediction, error) {
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("theory: invalid instance: %w", err)
	}
	if digits > instance.MaxDigits {
		return nil, fmt.Errorf("theory: %d digits requested (at most %d)", digits, instance.MaxDigits)
	}
	if in.Bias == instance.BiasRegularized {
		return nil, ErrNoClosedForm
	}
	if digits <= 0 {
		digits = in.Digits
	}
	prec := bigmat.Bits(digits)
	n, m := in.N(), in.M()
	p := &Prediction{
		Name: in.Name, Digits: digits, Prec: prec, Bias: in.Bias,
		N: n, D: in.D, M: m,
	}
	newF := func() *big.Float { return new(big.Float).SetPrec(prec) }

	sigmaRat := in.Sigma()
	p.exactSigma = sigmaRat
	p.CExact = in.C()
	p.C = newF().SetRat(p.CExact)
	p.TraceSigma = new(big.Rat)
	for k := 0; k < n; k++ {
		p.TraceSigma.Add(p.TraceSigma, sigmaRat[k][k])
	}
	p.TargetRank = Rank(sigmaRat)
	p.Active = CountAbove(sigmaRat, p.CExact)

	flat := make([]*big.Rat, 0, n*n)
	for k := 0; k < n; k++ {
		flat = append(flat, sigmaRat[k]...)
	}
	p.SigmaMatrix = bigmat.FromRat(n, n, prec, flat)
	var eig bigmat.SymEigen
	if err := eig.Factorize(p.SigmaMatrix); err != nil {
		return nil, fmt.Errorf("eigendecomposition of Σ: %w", err)
	}
	p.Sigma = eig.Values
	p.Eigenvectors = eig.Vectors
	// Σ is PSD exactly; eigenvalues that round below zero are zero, and so
	// are the n − rank Σ smallest (rank decided exactly): what the
	// floating eigensolver leaves there is rounding residue of size
	// ‖Σ‖·2^−prec (1e19964 for entries ±1e10000), not a digit of σ_j.
	for j, s := range p.Sigma {
		if s.Sign() < 0 || j >= p.TargetRank {
			s.SetInt64(0)
		}
	}

	// Bias and mean.
	p.Mean = make([]*big.Float, n)
	p.B = make([]*big.Float, n)
	mean := in.Mean()
	for k := 0; k < n; k++ {
		p.Mean[k] = newF()
		p.B[k] = newF()
		if in.Bias != instance.BiasNone {
			p.Mean[k].SetRat(mean[k])
			p.B[k].SetRat(mean[k])
		}
	}
	p.BiasUnique = true
	p.PredictionUnique = true
	p.WWUnique = true

	lh, lw := in.LambdaH.Sign(), in.LambdaW.Sign()
	switch {
	case lh == 0 && lw == 0:
		p.fillUnregularized(in)
	case lh == 0 || lw == 0:
		p.fillUnattained(in)
	default:
		p.fillRegularized(in)
	}
	p.Predictions = p.predictions(in)
	return p, nil
}

// fillRegularized handles λ_H, λ_W > 0 (THEORY §3).
func (p *Prediction) fillRegularized(in *instance.Instance) {
	prec := p.Prec
	newF := func() *big.Float { return new(big.Float).SetPrec(prec) }
	n := p.N
	p.Rank = min(p.D, p.Active)
	switch {
	case p.Active == 0:
		p.Regime = Trivial
	case p.Rank == n:
		p.Regime = Full
	default:
		p.Regime = Partial
	}
	if p.Active > p.D && p.D < n {
		p.checkCutoffTie()
	}
	sqrtC := newF().Sqrt(p.C)
	// scale = √(λ_H/λ_W)
	ratio := new(big.Rat).Quo(in.LambdaH, in.LambdaW)
	scale := newF().SetRat(ratio)
	scale.Sqrt(scale)

	weights := make([]*big.Float, n) // √(λ_H/λ_W)(√σ_j − √c) on active j
	p.Shrinkage = make([]*big.Float, n)
	loss := newF()
	var t big.Float
	t.SetPrec(prec)
	halfC := newF().Quo(p.C, newF().SetInt64(2))
	for j := 0; j < n; j++ {
		weights[j] = newF()
		p.Shrinkage[j] = newF()
		if j >= p.Rank {
			continue
		}
		sj := p.Sigma[j]
		root := newF().Sqrt(sj)
		weights[j].Sub(root, sqrtC)
		if weights[j].Sign() < 0 { // only from rounding when σ_j − c is below the precision
			weights[j].SetInt64(0)
		}
		weights[j].Mul(weights[j], scale)
		// shrinkage 1 − √(c/σ_j) = (√σ_j − √c)/√σ_j
		p.Shrinkage[j].Sub(root, sqrtC)
		p.Shrinkage[j].Quo(p.Shrinkage[j], root)
		// loss term √(cσ_j) − c/2
		t.Mul(p.C, sj)
		t.Sqrt(&t)
		loss.Add(loss, &t)
		loss.Sub(loss, halfC)
	}
	rest := p.tailSum(p.Rank)
	halfRest := newF().Quo(rest, newF().SetInt64(2))
	p.MinLoss = loss.Add(loss, halfRest)
	mse := newF().SetInt64(int64(p.Rank))
	mse.Mul(mse, p.C)
	p.TrainMSE = mse.Add(mse, rest)
	if p.Rank == 0 {
		half := new(big.Rat).Quo(p.TraceSigma, big.NewRat(2, 1))
		p.MinLossExact = half
	}
	p.WW = spectral(p.Eigenvectors, weights)
	if p.Regime == Full {
		p.Gamma = newF().Set(p.C)
	}
	switch p.Regime {
	case Full:
		p.note("full regime: c < σ_n and d ≥ n, so W*W*ᵀ has rank n = %d and NRC1–NRC3 vanish at the optimum (NRC3 with γ = c)", n)
	case Partial:
		if p.Active < n {
			p.note("partial regime: %d of %d eigenvalues of Σ exceed c; the other directions are not learned (an eigenvalue equal to c counts as inactive)", p.Active, n)
		}
		if p.D < p.Active {
			p.note("partial regime: d = %d < %d active directions, so only the top d are learned", p.D, p.Active)
		}
	case Trivial:
		p.note("trivial regime: c ≥ σ_1, so W* = 0, H* = 0, b* = ȳ and L* = tr(Σ)/2")
	}
}

// checkCutoffTie marks A* as not unique when σ_d and σ_{d+1} cannot be
// separated: it looks for a rational t strictly between them with exactly d
// eigenvalues above it (an exact certificate of σ_d > σ_{d+1}).
func (p *Prediction) checkCutoffTie() {
	d := p.D
	if p.separated(d) {
		return
	}
	p.WWUnique = false
	p.PredictionUnique = false
	p.note("σ_%d and σ_%d agree to the working precision and no rational separates them: with d = %d the minimizer's W*W*ᵀ is not unique (any d-dimensional subspace of the tied eigenspace is optimal); L* and the MSE are still determined", d, d+1, d)
}

// fillUnregularized handles λ_H = λ_W = 0: the best rank-min(d, n) fit of
// the centered targets (Eckart–Young); the minimizers form a set, not a point.
func (p *Prediction) fillUnregularized(in *instance.Instance) {
	p.Regime = Unregularized
	p.Rank = min(p.D, p.TargetRank)
	p.fillBestFit()
	p.WWUnique = false
	p.BiasUnique = in.Bias == instance.BiasNone
	if p.D >= p.TargetRank {
		p.MinLossExact = new(big.Rat)
		p.note("zero regularization and d = %d ≥ rank(Ỹ) = %d: L* = 0, attained by every (W, H, b) with W H + b 1ᵀ = Y", p.D, p.TargetRank)
	} else {
		p.note("zero regularization and d = %d < rank(Ỹ) = %d: L* is half the energy of Ỹ outside its top d principal directions (Eckart–Young)", p.D, p.TargetRank)
	}
	if p.D > p.N {
		p.note("minimizers need not collapse: H = W⁺Ỹ + (I − W⁺W)Z for any Z keeps feature components outside the row space of W (d = %d > n = %d), so NRC1 and NRC2 can be bounded away from 0", p.D, p.N)
	} else {
		p.note("with d ≤ n every feature set lies in at most n dimensions, so NRC1 is trivially 0; W W*ᵀ is still not determined")
	}
	if !p.BiasUnique {
		p.note("b is not determined: b + W h̄ = ȳ for any feature mean h̄; the bias reported is the one with h̄ = 0")
	}
}

// fillUnattained handles exactly one λ zero: the infimum is the best
// rank-d fit, approached as W → 0 (λ_H = 0) or W → ∞ (λ_W = 0) but attained
// only when Σ = 0.
func (p *Prediction) fillUnattained(in *instance.Instance) {
	p.Rank = min(p.D, p.TargetRank)
	p.fillBestFit()
	p.WWUnique = false
	p.BiasUnique = in.Bias == instance.BiasNone
	lhZero := in.LambdaH.Sign() == 0
	if p.TargetRank == 0 {
		p.Regime = Trivial
		p.MinLossExact = new(big.Rat)
		if lhZero {
			p.note("λ_H = 0 and Σ = 0: L* = 0 is attained at W = 0 with any H; the minimizer is not unique")
		} else {
			p.note("λ_W = 0 and Σ = 0: L* = 0 is attained at H = 0 with any W; the minimizer is not unique")
		}
		return
	}
	p.Regime = Unattained
	if lhZero {
		p.note("λ_H = 0 < λ_W: scaling W → tW, H → H/t leaves the fit unchanged and shrinks λ_W‖W‖²/2, so the infimum (the best rank-%d fit) is approached as t → 0 (‖W‖ → 0, ‖H‖ → ∞) and no minimizer exists", p.Rank)
	} else {
		p.note("λ_W = 0 < λ_H: scaling W → tW, H → H/t leaves the fit unchanged and shrinks λ_H‖H‖²/(2M), so the infimum (the best rank-%d fit) is approached as t → ∞ (‖W‖ → ∞, ‖H‖ → 0) and no minimizer exists", p.Rank)
	}
	p.note("min_loss is the infimum and the predictions are their limit along minimizing sequences")
}

// fillBestFit sets MinLoss, TrainMSE and Shrinkage for the best rank-Rank
// fit (shrinkage 1 on the top Rank directions).
func (p *Prediction) fillBestFit() {
	prec := p.Prec
	newF := func() *big.Float { return new(big.Float).SetPrec(prec) }
	p.Shrinkage = make([]*big.Float, p.N)
	for j := 0; j < p.N; j++ {
		p.Shrinkage[j] = newF()
		if j < p.Rank {
			p.Shrinkage[j].SetInt64(1)
		}
	}
	rest := p.tailSum(p.Rank)
	p.TrainMSE = rest
	p.MinLoss = newF().Quo(rest, newF().SetInt64(2))
	if p.Rank < p.TargetRank && p.Rank < p.N {
		// Tie at the cut-off makes the fitted subspace, hence the
		// predictions, non-unique.
		p.checkCutoffTieAt(p.Rank)
	}
}

// checkCutoffTieAt is checkCutoffTie for the cut-off after index k.
func (p *Prediction) checkCutoffTieAt(k int) {
	if p.separated(k) {
		return
	}
	p.PredictionUnique = false
	p.note("σ_%d and σ_%d cannot be separated at the working precision: the best rank-%d fit, and so the predictions, are not unique", k, k+1, k)
}

// predictions returns Σ_j s_j v_j v_jᵀ Ỹ + b*1ᵀ (n×M) with s_j the
// shrinkage factors.
func (p *Prediction) predictions(in *instance.Instance) *bigmat.Dense {
	n, m := p.N, p.M
	yt := in.CenteredTargets()
	flat := make([]*big.Rat, 0, n*m)
	for k := 0; k < n; k++ {
		flat = append(flat, yt[k]...)
	}
	ytilde := bigmat.FromRat(n, m, p.Prec, flat)
	shrink := spectral(p.Eigenvectors, p.Shrinkage)
	out := new(bigmat.Dense).Mul(shrink, ytilde)
	for k := 0; k < n; k++ {
		for i := 0; i < m; i++ {
			e := out.At(k, i)
			e.Add(e, p.B[k])
		}
	}
	return out
}

// spectral returns V·diag(w)·Vᵀ.
func spectral(v *bigmat.Dense, w []*big.Float) *bigmat.Dense {
	n, k := v.Dims()
	scaled := bigmat.New(n, k, v.Prec())
	for j := 0; j < k; j++ {
		if w[j].Sign() == 0 {
			continue
		}
		for i := 0; i < n; i++ {
			scaled.At(i, j).Mul(v.At(i, j), w[j])
		}
	}
	return new(bigmat.Dense).MulTrans(scaled, v)
}

func (p *Prediction) note(format string, a ...any) {
	p.Notes = append(p.Notes, fmt.Sprintf(format, a...))
}

// separated reports whether σ_k > σ_{k+1} (1-based) is certified exactly:
// the midpoint t of the computed values, read as a rational, has exactly k
// eigenvalues of Σ strictly above it.
func (p *Prediction) separated(k int) bool {
	mid := new(big.Float).SetPrec(p.Prec).Add(p.Sigma[k-1], p.Sigma[k])
	mid.SetMantExp(mid, -1)
	t, _ := mid.Rat(nil)
	return CountAbove(p.exactSigma, t) == k
}

// tailSum returns Σ_{j≥k} σ_j (0-based k), the energy of Σ outside its top
// k directions. It is exactly zero when k ≥ rank Σ (decided exactly), and
// otherwise the sum of the trailing computed eigenvalues — never
// tr Σ − Σ_{j<k} σ_j, which cancels catastrophically when the tail is many
// orders of magnitude below tr Σ (tiny c, or huge target scales).
func (p *Prediction) tailSum(k int) *big.Float {
	rest := new(big.Float).SetPrec(p.Prec)
	if k >= p.TargetRank {
		return rest
	}
	if k == 0 {
		return rest.SetRat(p.TraceSigma) // exact
	}
	for j := k; j < p.N; j++ {
		rest.Add(rest, p.Sigma[j])
	}
	return rest
}
