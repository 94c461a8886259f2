package solver

import (
	"math/big"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
)

// derivativeCases are small instances of every bias mode, with d ≥ n and
// d < n, on which the reduced objective's derivatives are checked.
func derivativeCases(t *testing.T) []*instance.Instance {
	targets := [][]string{
		{"1.5", "-0.25", "3"}, {"2", "0.5", "-1e-3"}, {"-3/7", "1", "0.75"},
		{"0.2", "-2", "1"}, {"-1", "0.3", "-0.6"},
	}
	return []*instance.Instance{
		mkInstance(t, "free-d5", targets, "0.3", "0.7", 5, "free", ""),
		mkInstance(t, "free-d2", targets, "0.3", "0.7", 2, "free", ""),
		mkInstance(t, "none-d4", targets, "1/3", "2", 4, "none", ""),
		mkInstance(t, "reg-d3", targets, "0.05", "0.4", 3, "regularized", "0.6"),
		mkInstance(t, "reg-d1", targets, "0.5", "0.1", 1, "regularized", "2"),
	}
}

// TestGradientFiniteDifferences compares ∇φ with central differences of φ
// at 600 bits with step h = 1e-40: truncation error O(h²) = 1e-80, rounding
// error 2^-600/h ≈ 1e-141. The tolerance 1e-70 leaves ten digits of margin.
func TestGradientFiniteDifferences(t *testing.T) {
	const prec = 600
	h := bf(prec, "1e-40")
	twoH := new(big.Float).SetPrec(prec).Mul(h, big.NewFloat(2))
	for ci, in := range derivativeCases(t) {
		red, err := newReduced(in, in.LambdaH, in.LambdaW, prec)
		if err != nil {
			t.Fatal(err)
		}
		v := randDense(red.n, red.k, prec, uint64(ci+1))
		pt, err := red.eval(v)
		if err != nil {
			t.Fatal(err)
		}
		worst := -1000.0
		for i := 0; i < red.n; i++ {
			for j := 0; j < red.k; j++ {
				vp, vm := v.Clone(), v.Clone()
				vp.At(i, j).Add(vp.At(i, j), h)
				vm.At(i, j).Sub(vm.At(i, j), h)
				fp, _ := red.eval(vp)
				fm, _ := red.eval(vm)
				fd := new(big.Float).SetPrec(prec).Sub(fp.f, fm.f)
				fd.Quo(fd, twoH)
				e := relErr(fd, pt.g.At(i, j), big.NewFloat(1))
				worst = max(worst, e)
			}
		}
		if worst > -70 {
			t.Errorf("%s: gradient differs from finite differences by 1e%.1f", in.Name, worst)
		}
	}
}

// TestHessianFiniteDifferences compares each column of the Hessian with
// central differences of the gradient (same step and tolerance as above),
// and checks the invariance behind the gauge argument: φ is constant along
// V → V exp(tK), K antisymmetric, so ⟨∇φ, VK⟩ = 0 at every V.
func TestHessianFiniteDifferences(t *testing.T) {
	const prec = 600
	h := bf(prec, "1e-40")
	twoH := new(big.Float).SetPrec(prec).Mul(h, big.NewFloat(2))
	for ci, in := range derivativeCases(t) {
		red, err := newReduced(in, in.LambdaH, in.LambdaW, prec)
		if err != nil {
			t.Fatal(err)
		}
		v := randDense(red.n, red.k, prec, uint64(ci+11))
		pt, _ := red.eval(v)
		hess := red.hessian(pt)
		worst := -1000.0
		for i := 0; i < red.n; i++ {
			for j := 0; j < red.k; j++ {
				vp, vm := v.Clone(), v.Clone()
				vp.At(i, j).Add(vp.At(i, j), h)
				vm.At(i, j).Sub(vm.At(i, j), h)
				gp, _ := red.eval(vp)
				gm, _ := red.eval(vm)
				col := i*red.k + j
				for a := 0; a < red.n; a++ {
					for b := 0; b < red.k; b++ {
						fd := new(big.Float).SetPrec(prec).Sub(gp.g.At(a, b), gm.g.At(a, b))
						fd.Quo(fd, twoH)
						worst = max(worst, relErr(fd, hess.At(a*red.k+b, col), big.NewFloat(1)))
					}
				}
			}
		}
		if worst > -70 {
			t.Errorf("%s: Hessian differs from finite differences by 1e%.1f", in.Name, worst)
		}
		// Invariance: ⟨∇φ, VK⟩ = 0 for antisymmetric K.
		if red.k >= 2 {
			k := bigmat.New(red.k, red.k, prec)
			k.At(0, 1).SetInt64(1)
			k.At(1, 0).SetInt64(-1)
			vk := new(bigmat.Dense).Mul(v, k)
			dot := new(big.Float).SetPrec(prec)
			var tt big.Float
			tt.SetPrec(prec)
			for a := 0; a < red.n; a++ {
				for b := 0; b < red.k; b++ {
					tt.Mul(pt.g.At(a, b), vk.At(a, b))
					dot.Add(dot, &tt)
				}
			}
			if e := log10Float(dot); e > -150 {
				t.Errorf("%s: gradient not orthogonal to the rotation orbit: 1e%.1f", in.Name, e)
			}
		}
	}
}

// TestFloat64MatchesBig checks stage 1's float64 φ and gradient against the
// big-float ones.
func TestFloat64MatchesBig(t *testing.T) {
	for ci, in := range derivativeCases(t) {
		red, err := newReduced(in, in.LambdaH, in.LambdaW, 200)
		if err != nil {
			t.Fatal(err)
		}
		v := randDense(red.n, red.k, 200, uint64(ci+21))
		pt, _ := red.eval(v)
		x := v.Float64s()
		g := make([]float64, len(x))
		f := red.phi64(x, g)
		fb, _ := pt.f.Float64()
		if d := (f - fb) / max(1, fb); d > 1e-12 || d < -1e-12 {
			t.Errorf("%s: φ64 = %v, φ = %v", in.Name, f, fb)
		}
		for i, gi := range pt.g.Float64s() {
			if d := g[i] - gi; d > 1e-11 || d < -1e-11 {
				t.Errorf("%s: ∇φ64[%d] = %v, ∇φ = %v", in.Name, i, g[i], gi)
			}
		}
	}
}

// quadraticMin minimizes a function q of N real unknowns known to be a
// convex quadratic, using only its values: with unit vectors e_i,
// c_i = (q(e_i) − q(−e_i))/2 and Q_ij = q(e_i+e_j) − q(e_i) − q(e_j) + q(0)
// are exact (up to rounding); the minimum is q(0) − ½ cᵀQ⁻¹c at x = −Q⁻¹c.
func quadraticMin(n int, prec uint, q func(x []*big.Float) *big.Float) (*big.Float, []*big.Float, error) {
	x := make([]*big.Float, n)
	for i := range x {
		x[i] = new(big.Float).SetPrec(prec)
	}
	q0 := q(x)
	qi := make([]*big.Float, n)
	c := bigmat.New(n, 1, prec)
	for i := 0; i < n; i++ {
		x[i].SetInt64(1)
		qi[i] = q(x)
		x[i].SetInt64(-1)
		qm := q(x)
		x[i].SetInt64(0)
		c.At(i, 0).Sub(qi[i], qm)
		c.At(i, 0).SetMantExp(c.At(i, 0), -1)
	}
	Q := bigmat.New(n, n, prec)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			x[i].SetInt64(1)
			x[j].SetInt64(1)
			if i == j {
				x[i].SetInt64(2)
			}
			v := q(x)
			x[i].SetInt64(0)
			x[j].SetInt64(0)
			if i == j {
				// q(t e_i) = q0 + t c_i + t² Q_ii/2, so
				// q(2e_i) − 2q(e_i) + q0 = Q_ii.
				v.Sub(v, qi[i])
				v.Sub(v, qi[i])
				v.Add(v, q0)
			} else {
				v.Sub(v, qi[i])
				v.Sub(v, qi[j])
				v.Add(v, q0)
			}
			Q.At(i, j).Set(v)
			Q.At(j, i).Set(v)
		}
	}
	var lu bigmat.LU
	if err := lu.Factorize(Q); err != nil {
		return nil, nil, err
	}
	sol := lu.SolveTo(new(bigmat.Dense), c)
	val := new(big.Float).SetPrec(prec).Set(q0)
	out := make([]*big.Float, n)
	var t big.Float
	t.SetPrec(prec)
	for i := 0; i < n; i++ {
		out[i] = new(big.Float).SetPrec(prec).Neg(sol.At(i, 0))
		t.Mul(c.At(i, 0), sol.At(i, 0))
		t.SetMantExp(&t, -1)
		val.Sub(val, &t)
	}
	return val, out, nil
}

// TestReductionMatchesRawObjective checks, for every bias mode and random
// W = [W' 0], that minimizing the raw L over (H, b) (through its values
// only) gives λ_W a0 φ(W'/√a0), that the certificate's (H, b) attains that
// minimum, that its ∇_H and ∇_b vanish, and that its ∇_W equals the chain
// rule λ_W √a0 ∇φ.
func TestReductionMatchesRawObjective(t *testing.T) {
	const prec = 400
	targets := [][]string{{"1.5", "-0.25"}, {"2", "0.5"}, {"-3/7", "1"}, {"0.2", "-2"}}
	cases := []*instance.Instance{
		mkInstance(t, "free", targets, "0.3", "0.7", 3, "free", ""),
		mkInstance(t, "free-d1", targets, "0.3", "0.7", 1, "free", ""),
		mkInstance(t, "none", targets, "1/3", "2", 3, "none", ""),
		mkInstance(t, "reg", targets, "0.05", "0.4", 3, "regularized", "0.6"),
		mkInstance(t, "reg-d1", targets, "0.5", "0.1", 1, "regularized", "2"),
	}
	for ci, in := range cases {
		t.Run(in.Name, func(t *testing.T) {
			n, m, d := in.N(), in.M(), in.D
			red, err := newReduced(in, in.LambdaH, in.LambdaW, prec)
			if err != nil {
				t.Fatal(err)
			}
			wp := randDense(n, red.k, prec, uint64(100+ci))
			w := bigmat.New(n, d, prec)
			for i := 0; i < n; i++ {
				for j := 0; j < red.k; j++ {
					w.At(i, j).Set(wp.At(i, j))
				}
			}
			nb := n
			if in.Bias == instance.BiasNone {
				nb = 0
			}
			N := d*m + nb
			raw := func(x []*big.Float) *big.Float {
				h := bigmat.New(d, m, prec)
				for i := 0; i < d; i++ {
					for j := 0; j < m; j++ {
						h.At(i, j).Set(x[i*m+j])
					}
				}
				b := make([]*big.Float, n)
				for i := range b {
					b[i] = new(big.Float).SetPrec(prec)
					if nb > 0 {
						b[i].Set(x[d*m+i])
					}
				}
				return rawLoss(in, w, h, b, prec)
			}
			minRaw, _, err := quadraticMin(N, prec, raw)
			if err != nil {
				t.Fatal(err)
			}
			v := new(bigmat.Dense).Scale(new(big.Float).SetPrec(prec).Quo(big.NewFloat(1), red.sqrtA0), wp)
			pt, err := red.eval(v)
			if err != nil {
				t.Fatal(err)
			}
			fred := new(big.Float).SetPrec(prec).Mul(red.fScale, pt.f)
			if e := relErr(fred, minRaw, minRaw); e > -100 {
				t.Errorf("reduced objective %s vs min over (H,b) of raw L %s: rel. error 1e%.1f", fred.Text('g', 30), minRaw.Text('g', 30), e)
			}
			cert := certify(in, wp, in.LambdaH, prec)
			if e := relErr(cert.loss, minRaw, minRaw); e > -100 {
				t.Errorf("certificate loss %s vs min raw %s: 1e%.1f", cert.loss.Text('g', 30), minRaw.Text('g', 30), e)
			}
			if e := log10Float(cert.gradH.FrobeniusNorm()); e > -100 {
				t.Errorf("‖∇_H L‖ at the certificate's H = 1e%.1f, want 0", e)
			}
			if cert.gradB != nil {
				if e := log10Float(cert.gradB.FrobeniusNorm()); e > -100 {
					t.Errorf("‖∇_b L‖ at the certificate's b = 1e%.1f, want 0", e)
				}
			}
			chain := new(bigmat.Dense).Scale(new(big.Float).SetPrec(prec).Mul(ratF(prec, in.LambdaW), red.sqrtA0), pt.g)
			if e := maxEntryErr(chain, cert.gradW, big.NewFloat(1)); e > -100 {
				t.Errorf("∇_W L differs from λ_W √a0 ∇φ by 1e%.1f", e)
			}
			// The certificate's gradient norm agrees with the definition's
			// finite differences.
			full := bigmat.New(d, m, prec)
			r, _ := cert.h.Dims()
			if r != d {
				t.Fatalf("H has %d rows, want d = %d", r, d)
			}
			full.Copy(cert.h)
			fd := rawGradNormFD(in, w, full, cert.b, prec)
			if e := relErr(fd, cert.gradNorm, fd); e > -90 {
				t.Errorf("‖∇L‖ certificate %s vs finite differences %s", cert.gradNorm.Text('g', 20), fd.Text('g', 20))
			}
		})
	}
}
