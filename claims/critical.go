package claims

import (
	"fmt"
	"math"
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/ratmat"
	"github.com/nrc-ufm/ufm/theory"
)

// critical is one critical point of the theory's list (§3, landscape): for a
// subset S of the active directions {j : σ_j > c} with |S| ≤ d,
//
//	W_S = Σ_{j∈S} √α_j v_j e_{k(j)}ᵀ,  α_j = √(λ_H/λ_W)(√σ_j − √c),
//
// (column k(j) is the position of j in S), H_S = H(W_S) of R2 and b = ȳ.
// W_S is computed at the working precision and then read exactly as a
// dyadic rational; H_S, the loss and the gradient are evaluated exactly at
// that point, so the only error is the rounding of W_S.
type critical struct {
	S      []int // 0-based indices into the descending spectrum
	x      point
	alpha  []*big.Float // α_j for j ∈ S
	loss   *big.Rat
	grad   *big.Float // ‖∇L‖_F at the rounded point
	gscale *big.Float // size of the terms that cancel in ∇L (relative scale)
}

// landscape holds the spectral data of an instance with λ_H, λ_W > 0 and
// its critical points.
type landscape struct {
	p      *problem
	pred   *theory.Prediction
	prec   uint
	active int // #{σ_j > c}, exact
	vec    *ratmat.Matrix
	points []*critical
	global int // index into points of S* = top min(d, active)
}

// maxSubsets bounds the enumeration (2^n subsets at most).
const maxSubsets = 1 << 8

// conditionDigits returns ⌈log10(tr Σ / c)⌉ when positive, else 0: the
// digits the closed form loses to conditioning. A* + λ_H I has condition
// number √(σ_1/c) ≤ √(tr Σ/c), and Z = ∇F(A*) (and the gradient of L at a
// critical point) is a difference of terms of size λ_W whose ingredients
// are of size σ_1/λ_H, i.e. a cancellation of σ_1/c. Checks that expect a
// residual below 10^-digits work at digits + conditionDigits.
func conditionDigits(in *instance.Instance) int {
	c := in.C()
	if c.Sign() == 0 {
		return 0
	}
	tr := new(big.Rat)
	for k, row := range in.Sigma() {
		tr.Add(tr, row[k])
	}
	if tr.Sign() == 0 {
		return 0
	}
	ratio := new(big.Rat).Quo(tr, c)
	// log10 via the decimal exponent of the ratio's float value.
	f := new(big.Float).SetPrec(64).SetRat(ratio)
	exp := f.MantExp(nil) // ratio = m·2^exp, m ∈ [0.5, 1)
	d := int(math.Ceil(float64(exp) * math.Log10(2)))
	return max(d, 0)
}

// buildLandscape enumerates the critical points of the theory's list, working
// at digits plus the conditioning digits of the instance.
func buildLandscape(in *instance.Instance, digits int) (*landscape, error) {
	if in.LambdaH.Sign() <= 0 || in.LambdaW.Sign() <= 0 {
		return nil, fmt.Errorf("the critical points of the theory's list need λ_H, λ_W > 0")
	}
	pred, err := theory.Predict(in, digits+conditionDigits(in))
	if err != nil {
		return nil, err
	}
	prec := pred.Prec
	l := &landscape{p: newProblem(in), pred: pred, prec: prec, active: pred.Active}
	l.vec = ratmat.FromDense(pred.Eigenvectors)
	kappa := new(big.Float).SetPrec(prec).SetRat(new(big.Rat).Quo(in.LambdaH, in.LambdaW))
	kappa.Sqrt(kappa)
	sqrtC := new(big.Float).SetPrec(prec).Sqrt(pred.C)
	alpha := make([]*big.Float, pred.N)
	for j := 0; j < pred.Active; j++ {
		a := new(big.Float).SetPrec(prec).Sqrt(pred.Sigma[j])
		a.Sub(a, sqrtC)
		if a.Sign() < 0 {
			a.SetInt64(0)
		}
		alpha[j] = a.Mul(a, kappa)
	}
	if 1<<pred.Active > maxSubsets {
		return nil, fmt.Errorf("%d active directions: too many subsets to enumerate", pred.Active)
	}
	top := min(in.D, pred.Active)
	for mask := 0; mask < 1<<pred.Active; mask++ {
		var s []int
		for j := 0; j < pred.Active; j++ {
			if mask&(1<<j) != 0 {
				s = append(s, j)
			}
		}
		if len(s) > in.D {
			continue
		}
		cp, err := l.point(s, alpha)
		if err != nil {
			return nil, err
		}
		if len(s) == top && mask == (1<<top)-1 {
			l.global = len(l.points)
		}
		l.points = append(l.points, cp)
	}
	return l, nil
}

// point builds the critical point of subset s.
func (l *landscape) point(s []int, alpha []*big.Float) (*critical, error) {
	p := l.p
	prec := l.prec
	w := bigmat.New(p.n, p.d, prec)
	cp := &critical{S: s}
	var root big.Float
	root.SetPrec(prec)
	for k, j := range s {
		root.Sqrt(alpha[j])
		cp.alpha = append(cp.alpha, alpha[j])
		for i := 0; i < p.n; i++ {
			w.At(i, k).Mul(l.pred.Eigenvectors.At(i, j), &root)
		}
	}
	wr := ratmat.FromDense(w)
	h, err := p.hOfW(wr)
	if err != nil {
		return nil, err
	}
	cp.x = point{wr, h, p.meanVec()}
	cp.loss = p.loss(cp.x)
	cp.grad, cp.gscale = gradResidual(p, cp.x, prec)
	return cp, nil
}

// gradResidual returns ‖∇L(x)‖_F and the size of the terms that cancel in
// it (‖RHᵀ‖/M + λ_W‖W‖ + ‖WᵀR‖/M + λ_H‖H‖/M + ‖R1‖/M), so that their ratio
// is the relative stationarity residual; both from exact values.
func gradResidual(p *problem, x point, prec uint) (norm, scale *big.Float) {
	g := p.grad(x)
	norm = sqrtRat(g.dot(g), prec)
	r := p.residual(x)
	terms := []*big.Rat{
		ratmat.Norm2(ratmat.Mul(r, x.H.T())),
		new(big.Rat).Mul(new(big.Rat).Mul(p.lw, p.lw), ratmat.Norm2(x.W)),
		ratmat.Norm2(ratmat.Mul(x.W.T(), r)),
		new(big.Rat).Mul(new(big.Rat).Mul(p.lh, p.lh), ratmat.Norm2(x.H)),
	}
	scale = new(big.Float).SetPrec(prec)
	for i, t := range terms {
		v := sqrtRat(t, prec)
		if i != 1 {
			v.Quo(v, new(big.Float).SetInt64(int64(p.m)))
		}
		scale.Add(scale, v)
	}
	return norm, scale
}

// sqrtRat returns √x at precision prec.
func sqrtRat(x *big.Rat, prec uint) *big.Float {
	f := new(big.Float).SetPrec(prec).SetRat(x)
	if f.Sign() <= 0 {
		return f.SetInt64(0)
	}
	return f.Sqrt(f)
}

// relative returns a/b (0 when a = 0, a itself when b = 0).
func relative(a, b *big.Float) *big.Float {
	if a.Sign() == 0 {
		return new(big.Float).SetPrec(a.Prec())
	}
	if b.Sign() == 0 {
		return new(big.Float).Set(a)
	}
	return new(big.Float).SetPrec(a.Prec()).Quo(a, b)
}

// escape is a direction of negative curvature at a critical point that is
// not a global minimizer.
type escape struct {
	kind      string   // "add v_j" or "swap v_i → v_j"
	dir       point    // (E_W, E_H, 0)
	curvature *big.Rat // φ''(0) of φ(t) = L(x + tE), exact at the rounded point
	predicted *big.Float
	scale     *big.Float // λ_W‖E_W‖² + (λ_H/M)‖E_H‖² + ‖R₁‖²/M: the positive terms
}

// escapeDirection returns the explicit direction of negative curvature at
// a critical point of subset s ≠ S*:
//
//   - add (|S| < d and an active j ∉ S): E_W = v_j e_kᵀ on a zero column k,
//     E_H = e_k v_jᵀ Ỹ/λ_H; then φ”(0) = λ_W(1 − σ_j/c) < 0;
//   - swap (|S| = d, i ∈ S and active j ∉ S with σ_j > σ_i): E_W = √α_i
//     v_j e_kᵀ on the column k of v_i, E_H the derivative of H(W) along
//     E_W (R2: Eᵀ B Ỹ − Wᵀ B (W Eᵀ + E Wᵀ) B Ỹ, B = (A + λ_H I)⁻¹); then
//     φ”(0) = −(1 − √(c/σ_i))(σ_j − σ_i) < 0.
//
// Along these lines L and the reduced objective agree to second order
// (∇_H L = 0 at H(W)), so φ”(0) < 0 makes the point a strict saddle of L
// itself. It returns nil when s has no such i, j (s is then S* or ties it).
func (l *landscape) escapeDirection(cp *critical) *escape {
	p := l.p
	prec := l.prec
	in := make(map[int]bool)
	for _, j := range cp.S {
		in[j] = true
	}
	firstOut := -1
	for j := 0; j < l.active; j++ {
		if !in[j] {
			firstOut = j
			break
		}
	}
	if firstOut < 0 {
		return nil
	}
	c := l.pred.C
	e := &escape{}
	vj := l.vec.Column(firstOut)
	if len(cp.S) < p.d {
		k := len(cp.S)
		ew := ratmat.New(p.n, p.d)
		for i := 0; i < p.n; i++ {
			ew.Set(i, k, vj.At(i, 0))
		}
		eh := ratmat.New(p.d, p.m)
		row := ratmat.Scale(new(big.Rat).Inv(p.lh), ratmat.Mul(vj.T(), p.yt))
		for i := 0; i < p.m; i++ {
			eh.Set(k, i, row.At(0, i))
		}
		e.kind = fmt.Sprintf("add v_%d on a free column", firstOut+1)
		e.dir = point{ew, eh, ratmat.New(p.n, 1)}
		// predicted λ_W(1 − σ_j/c)
		pr := new(big.Float).SetPrec(prec).Quo(l.pred.Sigma[firstOut], c)
		pr.Sub(new(big.Float).SetPrec(prec).SetInt64(1), pr)
		e.predicted = pr.Mul(pr, new(big.Float).SetPrec(prec).SetRat(p.lw))
	} else {
		// swap: the weakest i in S (largest index) against firstOut,
		// which lies above it when S is not the top set.
		ki := len(cp.S) - 1
		i := cp.S[ki]
		if i < firstOut {
			return nil // S is the top |S| = d directions: global
		}
		ai := cp.alpha[ki]
		sa, _ := new(big.Float).SetPrec(prec).Sqrt(ai).Rat(nil)
		ew := ratmat.New(p.n, p.d)
		for r := 0; r < p.n; r++ {
			ew.At(r, ki).Mul(vj.At(r, 0), sa)
		}
		a := ratmat.Mul(cp.x.W, cp.x.W.T())
		b, err := ratmat.Inverse(ratmat.AddScaledIdentity(a, p.lh))
		if err != nil {
			return nil
		}
		da := ratmat.Add(ratmat.Mul(cp.x.W, ew.T()), ratmat.Mul(ew, cp.x.W.T()))
		eh := ratmat.Sub(ratmat.Mul3(ew.T(), b, p.yt), ratmat.Mul(cp.x.W.T(), ratmat.Mul3(b, da, ratmat.Mul(b, p.yt))))
		e.kind = fmt.Sprintf("swap v_%d → v_%d", i+1, firstOut+1)
		e.dir = point{ew, eh, ratmat.New(p.n, 1)}
		// predicted −(1 − √(c/σ_i))(σ_j − σ_i)
		si, sj := l.pred.Sigma[i], l.pred.Sigma[firstOut]
		f := new(big.Float).SetPrec(prec).Quo(c, si)
		f.Sqrt(f)
		f.Sub(new(big.Float).SetPrec(prec).SetInt64(1), f)
		gap := new(big.Float).SetPrec(prec).Sub(sj, si)
		e.predicted = f.Mul(f, gap)
		e.predicted.Neg(e.predicted)
	}
	e.curvature = p.secondDeriv(cp.x, e.dir)
	r1 := ratmat.Add(ratmat.Mul(e.dir.W, cp.x.H), ratmat.Mul(cp.x.W, e.dir.H))
	pos := new(big.Rat).Mul(p.lw, ratmat.Norm2(e.dir.W))
	pos.Add(pos, new(big.Rat).Mul(new(big.Rat).Mul(p.lh, p.invM), ratmat.Norm2(e.dir.H)))
	pos.Add(pos, new(big.Rat).Mul(p.invM, ratmat.Norm2(r1)))
	e.scale = new(big.Float).SetPrec(prec).SetRat(pos)
	return e
}
