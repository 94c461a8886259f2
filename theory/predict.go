package theory

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/recoverpanic"
)

// Regime names the case of docs/theory.md §3 an instance falls in.
type Regime string

const (
	Full          Regime = "full"          // c < σ_n and d ≥ n: rank-n collapse
	Partial       Regime = "partial"       // 0 < r < n
	Trivial       Regime = "trivial"       // c ≥ σ_1 (or Σ = 0): W* = 0
	Unregularized Regime = "unregularized" // λ_H = λ_W = 0
	Unattained    Regime = "unattained"    // exactly one λ zero: infimum not attained
)

// ErrNoClosedForm is returned for bias mode "regularized", for which docs/theory.md
// claims no closed form.
var ErrNoClosedForm = errors.New("bias mode \"regularized\" has no closed form (docs/theory.md §1); use ufm solve")

// ErrInternal marks an internal failure of Predict (a bug): a panic inside
// it is recovered at its boundary and returned wrapping ErrInternal, with
// the panic's message, never as a prediction or a crash.
var ErrInternal = errors.New("theory: internal error (a bug; please report it)")

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

	// Unresolved names (by their JSON names) the quantities reported as not
	// unique only because this precision could not decide it: an undecided
	// cut-off σ_k ≟ σ_{k+1} at the precision cap. docs/theory.md does not
	// say they are not unique — they may well be; a consumer must not read
	// WWUnique/PredictionUnique = false as "mathematically not determined"
	// for these. Empty when every uniqueness decision is exact.
	Unresolved []string

	// ExtraDigits is how many decimal digits beyond Digits + GuardDigits
	// the working precision Prec carries (raised until the printed
	// quantities are justified; see the package documentation, "Digits").
	ExtraDigits int
	// Justified is, per printed quantity, the number of significant digits
	// (at most Digits) that the working precision justifies.
	Justified QuantityDigits
	// Warnings says which quantities carry fewer than Digits digits, and
	// why. Empty when every quantity carries Digits digits.
	Warnings []string

	// Deep is set for deep and mean-convention instances (docs/theory.md
	// §6; see PredictDeep): K, the exact threshold, each mode's status and
	// the per-layer invariants. WW is then W_{K−1}W_{K−1}ᵀ and C the c of
	// the equivalent sum problem.
	Deep *DeepPrediction

	exactSigma [][]*big.Rat // set by tests; else from ex on demand
	ex         *exactFacts
	// cert bounds the eigenvalues of the exact Σ from this evaluation's.
	cert *spectralCert
	// unresolved is set when this precision cannot resolve an exact fact
	// (a positive eigenvalue or a positive σ_j − c rounded to ≤ 0).
	unresolved bool
}

// Predict computes the closed form of docs/theory.md §3 for in at digits
// significant decimal digits (digits ≤ 0 means in.Digits).
//
// Every discrete decision is exact. The irrational quantities are computed
// at a working precision that Predict raises until two evaluations, at
// precisions EscalationStep digits apart, agree on every printed quantity
// to the requested digits relative to that quantity's own size (see the
// package documentation, "Digits"). When MaxExtraDigits extra digits do
// not suffice, the quantities keep the digits the last two evaluations
// share, recorded in Justified, and a warning says so. A panic inside is
// returned as an error wrapping ErrInternal.
func Predict(in *instance.Instance, digits int) (p *Prediction, err error) {
	defer recoverpanic.Into(&p, &err, ErrInternal)
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("theory: invalid instance: %w", err)
	}
	if digits > instance.MaxDigits {
		return nil, fmt.Errorf("theory: %d digits requested (at most %d)", digits, instance.MaxDigits)
	}
	if in.Bias == instance.BiasRegularized {
		return nil, ErrNoClosedForm
	}
	if in.IsDeep() {
		return PredictDeep(in, digits, -1)
	}
	if digits <= 0 {
		digits = in.Digits
	}
	ex := newExactFacts(in)
	maxExtra := MaxExtraDigits(digits)
	lo, err := predictAt(in, ex, digits, 0)
	if err != nil {
		return nil, err
	}
	hi, err := predictAt(in, ex, digits, EscalationStep)
	if err != nil {
		return nil, err
	}
	for {
		tie := hi.decideCutoff()
		k := agreement(lo, hi)
		if k.minFor(hi) >= digits && tie != tieUnknown {
			hi.Justified = k.clamp(digits)
			return hi, nil
		}
		if hi.ExtraDigits >= maxExtra {
			hi.Justified = k.clamp(digits)
			hi.warnShortfall(tie)
			return hi, nil
		}
		// hi carries about k.minFor(hi) + EscalationStep digits; ask for the
		// missing ones, and at least EscalationStep more.
		next := hi.ExtraDigits + max(digits-k.minFor(hi)-EscalationStep, 0) + EscalationStep
		if tie == tieUnknown {
			next = max(next, 2*hi.ExtraDigits+EscalationStep)
		}
		next = min(next, maxExtra)
		lo = hi
		if hi, err = predictAt(in, ex, digits, next); err != nil {
			return nil, err
		}
	}
}

// EscalationStep is the number of decimal digits by which the second of
// two evaluations exceeds the first; their agreement bounds the error of
// the first, and so (errors shrinking like 10^-precision) of the second.
const EscalationStep = 8

// MaxExtraDigits is how many decimal digits beyond digits + GuardDigits
// Predict may add before it gives up on the requested digits:
// max(2·digits, 200).
func MaxExtraDigits(digits int) int { return max(2*digits, 200) }

// exactFacts are the precision-independent, exactly decided inputs.
// targetRank and active are decided on the first evaluation, from its
// eigendecomposition with rigorous error bounds (spectralCert), and in
// exact rational arithmetic only when the bounds cannot tell.
type exactFacts struct {
	mo         *moments
	sigma      [][]*big.Rat // exact Σ, formed on first use (exactSigma)
	c          *big.Rat
	trace      *big.Rat
	targetRank int
	active     int
	decided    bool
	// exact counts the decisions that needed exact rational inertia.
	exact int
	// lastVectors (accurate to about lastBits bits) are the eigenvectors
	// of the previous evaluation, where the next one's refinement starts.
	lastVectors *bigmat.Dense
	lastBits    int
}

func newExactFacts(in *instance.Instance) *exactFacts {
	mo := newMoments(in)
	return &exactFacts{mo: mo, c: in.C(), trace: mo.trace}
}

// exactSigma returns Σ in rationals (normalizing n² fractions: done only
// when an exact fallback needs it).
func (ex *exactFacts) exactSigma() [][]*big.Rat {
	if ex.sigma == nil {
		ex.sigma = ex.mo.sigma()
	}
	return ex.sigma
}

// decide fixes targetRank = rank Σ and active = #{σ_j > c} from cert,
// falling back to exact inertia.
func (ex *exactFacts) decide(in *instance.Instance, cert *spectralCert) {
	n, m := in.N(), in.M()
	rankMax := min(n, m)
	if in.Bias != instance.BiasNone {
		rankMax = min(n, m-1)
	}
	if lb := cert.positiveLowerBound(); lb == rankMax {
		ex.targetRank = lb
	} else {
		ex.exact++
		ex.targetRank = Rank(ex.exactSigma())
	}
	switch {
	case ex.c.Sign() == 0:
		ex.active = ex.targetRank
	default:
		if cnt, ok := cert.countAbove(ex.c); ok {
			ex.active = cnt
		} else {
			ex.exact++
			ex.active = CountAbove(ex.exactSigma(), ex.c)
		}
	}
	ex.decided = true
}

// predictAt evaluates every quantity at bigmat.Bits(digits+extra) bits.
// Uniqueness at a cut-off tie is left to decideCutoff.
func predictAt(in *instance.Instance, ex *exactFacts, digits, extra int) (*Prediction, error) {
	prec := bigmat.Bits(digits + extra)
	n, m := in.N(), in.M()
	p := &Prediction{
		Name: in.Name, Digits: digits, Prec: prec, ExtraDigits: extra, Bias: in.Bias,
		N: n, D: in.D, M: m,
	}
	newF := func() *big.Float { return new(big.Float).SetPrec(prec) }

	p.ex = ex
	p.CExact = ex.c
	p.C = newF().SetRat(p.CExact)
	p.TraceSigma = ex.trace

	var sigmaErr *big.Float
	p.SigmaMatrix, sigmaErr = ex.mo.sigmaFloat(prec)
	vals, vecs, cert, err := symEigen(p.SigmaMatrix, sigmaErr, ex.lastVectors, ex.lastBits)
	if err != nil {
		return nil, fmt.Errorf("eigendecomposition of Σ: %w", err)
	}
	ex.lastVectors, ex.lastBits = vecs, int(prec)-32
	p.cert = cert
	if !ex.decided {
		ex.decide(in, p.cert)
	}
	p.TargetRank = ex.targetRank
	p.Active = ex.active
	p.Sigma = vals
	p.Eigenvectors = vecs
	// Σ is PSD with exactly TargetRank positive eigenvalues: the others are
	// exactly zero, and a positive one that rounds to ≤ 0 means this
	// precision cannot resolve it.
	for j, s := range p.Sigma {
		if j >= p.TargetRank {
			s.SetInt64(0)
		} else if s.Sign() <= 0 {
			p.unresolved = true
		}
	}

	// Bias and mean.
	p.Mean = make([]*big.Float, n)
	p.B = make([]*big.Float, n)
	for k := 0; k < n; k++ {
		p.Mean[k] = newF()
		p.B[k] = newF()
		if in.Bias != instance.BiasNone {
			p.Mean[k].SetRat(ex.mo.mean[k])
			p.B[k].SetRat(ex.mo.mean[k])
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
	p.Predictions = p.predictions(ex.mo.centeredScaled(prec))
	return p, nil
}

// fillRegularized handles λ_H, λ_W > 0 (docs/theory.md §3).
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
		if sj.Sign() <= 0 {
			// σ_j > c ≥ 0 exactly (j is active), so a computed σ_j ≤ 0 means
			// this precision cannot resolve it (predictAt has already marked
			// the evaluation unresolved): leave the direction's weight,
			// shrinkage and loss term at 0 — never √ of a negative, never
			// 0/0 — and let Predict raise the precision or report it.
			p.unresolved = true
			continue
		}
		root := newF().Sqrt(sj)
		// √σ_j − √c = (σ_j − c)/(√σ_j + √c): no cancellation beyond that
		// of σ_j − c itself, which is exactly positive here (j is active);
		// rounding it to ≤ 0 means the precision is too low.
		gap := newF().Sub(sj, p.C)
		if gap.Sign() <= 0 {
			p.unresolved = true
			gap.SetInt64(0)
		}
		diff := newF().Add(root, sqrtC)
		diff.Quo(gap, diff)
		weights[j].Mul(diff, scale)
		// shrinkage 1 − √(c/σ_j) = (√σ_j − √c)/√σ_j
		p.Shrinkage[j].Quo(diff, root)
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
		// L* = 0 forces the regularizer that is on to vanish: W = 0
		// (λ_H = 0) or H = 0 (λ_W = 0), so W H = 0 and the bias fits the
		// targets alone, b* = ȳ (free), unique either way; W*W*ᵀ = 0 is
		// unique when W = 0 is forced (QA session 24: both were printed
		// "not unique").
		p.BiasUnique = true
		if lhZero {
			p.WWUnique = true
			p.WW = bigmat.New(p.N, p.N, p.Prec)
			p.note("λ_H = 0 and Σ = 0: L* = 0 is attained at W = 0 with any H (W*W*ᵀ = 0 and b* are unique, H is not)")
		} else {
			p.note("λ_W = 0 and Σ = 0: L* = 0 is attained at H = 0 with any W (b* is unique, W*W*ᵀ is not)")
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
}

// predictions returns Σ_j s_j v_j v_jᵀ Ỹ + b*1ᵀ (n×M) with s_j the
// shrinkage factors, from Ỹ = u/div (u integer where it can be, so that the
// product is cheap).
func (p *Prediction) predictions(u *bigmat.Dense, div *big.Float) *bigmat.Dense {
	n, m := p.N, p.M
	shrink := spectral(p.Eigenvectors, p.Shrinkage)
	out := new(bigmat.Dense).MulFixed(shrink, u)
	for k := 0; k < n; k++ {
		for i := 0; i < m; i++ {
			e := out.At(k, i)
			e.Quo(e, div)
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
	return new(bigmat.Dense).MulFixedSym(scaled, new(bigmat.Dense).T(v))
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
	if cnt, ok := p.cert.countAbove(t); ok {
		return cnt == k
	}
	return CountAbove(p.sigmaExact(), t) == k
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

// sigmaExact returns the exact Σ (for the exact fallbacks).
func (p *Prediction) sigmaExact() [][]*big.Rat {
	if p.exactSigma == nil && p.ex != nil {
		p.exactSigma = p.ex.exactSigma()
	}
	return p.exactSigma
}
