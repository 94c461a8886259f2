package claims

import (
	"math/big"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/ratmat"
)

// problem is the UFM objective of one instance in exact arithmetic:
//
//	L(W, H, b) = 1/(2M) ‖W H + b 1ᵀ − Y‖²_F + λ_H/(2M) ‖H‖²_F + λ_W/2 ‖W‖²_F
//
// with Y n×M (docs/theory.md §1). For bias none b is fixed at 0 and never moves.
type problem struct {
	n, d, m int
	y       *ratmat.Matrix // n×M targets
	yt      *ratmat.Matrix // Ỹ: centered for bias free, Y for none
	sigma   *ratmat.Matrix // Σ = Ỹ Ỹᵀ / M
	mean    []*big.Rat     // ȳ (zeros for bias none)
	lh, lw  *big.Rat
	biasOn  bool
	invM    *big.Rat
}

func newProblem(in *instance.Instance) *problem {
	n, m := in.N(), in.M()
	p := &problem{n: n, d: in.D, m: m, lh: in.LambdaH, lw: in.LambdaW, biasOn: in.Bias != instance.BiasNone}
	p.invM = big.NewRat(1, int64(m))
	p.y = ratmat.New(n, m)
	for i, row := range in.Targets {
		for k, v := range row {
			p.y.Set(k, i, v)
		}
	}
	p.yt = ratmat.FromRows(in.CenteredTargets())
	p.sigma = ratmat.FromRows(in.Sigma())
	p.mean = make([]*big.Rat, n)
	if p.biasOn {
		p.mean = in.Mean()
	} else {
		for k := range p.mean {
			p.mean[k] = new(big.Rat)
		}
	}
	return p
}

// point is (W, H, b): W n×d, H d×M, b n×1.
type point struct {
	W, H, B *ratmat.Matrix
}

// axpy returns x + t·e.
func (x point) axpy(t *big.Rat, e point) point {
	return point{
		ratmat.Add(x.W, ratmat.Scale(t, e.W)),
		ratmat.Add(x.H, ratmat.Scale(t, e.H)),
		ratmat.Add(x.B, ratmat.Scale(t, e.B)),
	}
}

func (x point) dot(e point) *big.Rat {
	s := ratmat.Dot(x.W, e.W)
	s.Add(s, ratmat.Dot(x.H, e.H))
	return s.Add(s, ratmat.Dot(x.B, e.B))
}

// zeroPoint returns the zero point of the problem's shape.
func (p *problem) zeroPoint() point {
	return point{ratmat.New(p.n, p.d), ratmat.New(p.d, p.m), ratmat.New(p.n, 1)}
}

// residual returns R = W H + b 1ᵀ − Y (b ignored for bias none).
func (p *problem) residual(x point) *ratmat.Matrix {
	r := ratmat.Sub(ratmat.Mul(x.W, x.H), p.y)
	if p.biasOn {
		for k := 0; k < p.n; k++ {
			for i := 0; i < p.m; i++ {
				r.At(k, i).Add(r.At(k, i), x.B.At(k, 0))
			}
		}
	}
	return r
}

// loss evaluates L from its definition.
func (p *problem) loss(x point) *big.Rat {
	fit := ratmat.Norm2(p.residual(x))
	reg := new(big.Rat).Mul(p.lh, ratmat.Norm2(x.H))
	fit.Add(fit, reg)
	fit.Mul(fit, p.invM)
	w := new(big.Rat).Mul(p.lw, ratmat.Norm2(x.W))
	fit.Add(fit, w)
	return fit.Mul(fit, big.NewRat(1, 2))
}

// grad returns ∇L from the formulas ∇_W = R Hᵀ/M + λ_W W,
// ∇_H = (Wᵀ R + λ_H H)/M, ∇_b = R 1/M (0 for bias none). The lemma checks
// never trust these formulas: lineDerivs extracts directional derivatives
// from values of L alone, and the tests compare the two.
func (p *problem) grad(x point) point {
	r := p.residual(x)
	gw := ratmat.Add(ratmat.Scale(p.invM, ratmat.Mul(r, x.H.T())), ratmat.Scale(p.lw, x.W))
	gh := ratmat.Scale(p.invM, ratmat.Add(ratmat.Mul(x.W.T(), r), ratmat.Scale(p.lh, x.H)))
	gb := ratmat.New(p.n, 1)
	if p.biasOn {
		for k := 0; k < p.n; k++ {
			s := gb.At(k, 0)
			for i := 0; i < p.m; i++ {
				s.Add(s, r.At(k, i))
			}
			s.Mul(s, p.invM)
		}
	}
	return point{gw, gh, gb}
}

// lineDerivs returns the first and second derivatives at t = 0 of
// φ(t) = L(x + t e), exactly, from five values of L. φ is a polynomial of
// degree ≤ 4 in t (L is quartic), φ(t) = Σ a_k t^k; its odd part
// O(t) = (φ(t) − φ(−t))/2 = a1 t + a3 t³ gives a1 = (8 O(1) − O(2))/6, its
// even part E(t) = (φ(t) + φ(−t))/2 − φ(0) = a2 t² + a4 t⁴ gives
// a2 = (16 E(1) − E(2))/12. So φ'(0) = a1 and φ”(0) = 2 a2, with no
// truncation error: these are the derivatives of L itself, independent of
// the gradient formulas. For bias none the direction's b part is ignored.
func (p *problem) lineDerivs(x, e point) (first, second *big.Rat) {
	if !p.biasOn {
		e = point{e.W, e.H, ratmat.New(p.n, 1)}
	}
	f := func(t int64) *big.Rat { return p.loss(x.axpy(big.NewRat(t, 1), e)) }
	f0, f1, fm1, f2, fm2 := f(0), f(1), f(-1), f(2), f(-2)
	half := big.NewRat(1, 2)
	o1 := new(big.Rat).Mul(new(big.Rat).Sub(f1, fm1), half)
	o2 := new(big.Rat).Mul(new(big.Rat).Sub(f2, fm2), half)
	e1 := new(big.Rat).Mul(new(big.Rat).Add(f1, fm1), half)
	e1.Sub(e1, f0)
	e2 := new(big.Rat).Mul(new(big.Rat).Add(f2, fm2), half)
	e2.Sub(e2, f0)
	first = new(big.Rat).Mul(o1, big.NewRat(8, 1))
	first.Sub(first, o2)
	first.Quo(first, big.NewRat(6, 1))
	a2 := new(big.Rat).Mul(e1, big.NewRat(16, 1))
	a2.Sub(a2, e2)
	a2.Quo(a2, big.NewRat(12, 1))
	second = a2.Mul(a2, big.NewRat(2, 1))
	return first, second
}

// secondDeriv returns φ”(0) for φ(t) = L(x + t e) from the closed form
// (1/M)(‖R₁‖² + 2⟨R, R₂⟩) + (λ_H/M)‖E_H‖² + λ_W‖E_W‖², where
// R(t) = R + t R₁ + t² R₂, R₁ = E_W H + W E_H + e_b 1ᵀ, R₂ = E_W E_H.
func (p *problem) secondDeriv(x, e point) *big.Rat {
	r := p.residual(x)
	r1 := ratmat.Add(ratmat.Mul(e.W, x.H), ratmat.Mul(x.W, e.H))
	if p.biasOn {
		for k := 0; k < p.n; k++ {
			for i := 0; i < p.m; i++ {
				r1.At(k, i).Add(r1.At(k, i), e.B.At(k, 0))
			}
		}
	}
	r2 := ratmat.Mul(e.W, e.H)
	s := ratmat.Norm2(r1)
	cross := ratmat.Dot(r, r2)
	s.Add(s, cross.Add(cross, cross))
	s.Add(s, new(big.Rat).Mul(p.lh, ratmat.Norm2(e.H)))
	s.Mul(s, p.invM)
	return s.Add(s, new(big.Rat).Mul(p.lw, ratmat.Norm2(e.W)))
}

// gradNorm2 returns ‖∇L(x)‖²_F over (W, H, b) (b omitted for bias none).
func (p *problem) gradNorm2(x point) *big.Rat {
	g := p.grad(x)
	return g.dot(g)
}

// featureMean returns h̄ = H 1/M (d×1).
func (p *problem) featureMean(h *ratmat.Matrix) *ratmat.Matrix {
	d, m := h.Dims()
	hb := ratmat.New(d, 1)
	for j := 0; j < d; j++ {
		s := hb.At(j, 0)
		for i := 0; i < m; i++ {
			s.Add(s, h.At(j, i))
		}
		s.Mul(s, p.invM)
	}
	return hb
}

// meanVec returns ȳ as an n×1 matrix.
func (p *problem) meanVec() *ratmat.Matrix {
	v := ratmat.New(p.n, 1)
	for k, x := range p.mean {
		v.Set(k, 0, x)
	}
	return v
}

// hOfW returns H(W) = Wᵀ (W Wᵀ + λ_H I_n)⁻¹ Ỹ (docs/theory.md §2 R2, the n×n form).
func (p *problem) hOfW(w *ratmat.Matrix) (*ratmat.Matrix, error) {
	a := ratmat.AddScaledIdentity(ratmat.Mul(w, w.T()), p.lh)
	s, err := ratmat.Solve(a, p.yt)
	if err != nil {
		return nil, err
	}
	return ratmat.Mul(w.T(), s), nil
}

// onesRow returns 1ᵀ (1×M).
func onesRow(m int) *ratmat.Matrix {
	o := ratmat.New(1, m)
	for i := 0; i < m; i++ {
		o.At(0, i).SetInt64(1)
	}
	return o
}
