package solver

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
)

// TestCertificateFailsDetectsPerturbation (QA mutation round 2): the
// certificate from the definition of L is the solver's second line of
// defence, so it must refuse a point or a loss that is off at a level the
// requested digits can see. From a converged 30-digit solve of the default
// instance:
//   - the reduced objective's loss off by 10⁻²⁰ relative: L from the
//     definition and λ_W a0·φ disagree at 20 < 30 digits;
//   - W' scaled by 1 + 10⁻²⁰ (not a rotation, so it leaves the minimizer's
//     orbit): the gradient of L is about 10⁻²⁰ of its terms;
//   - W' scaled by 1 + 10⁻²⁷: still 3 digits short of 10⁻³⁰.
//
// Kills: the definition checks weakened to 10^-(digits/3), and the natural
// unit of ∇_W inflated.
func TestCertificateFailsDetectsPerturbation(t *testing.T) {
	in := instance.Default()
	const digits = 30
	s := Settings{Digits: digits}.withDefaults(in)
	c, err := solveCore(in, in.LambdaH, in.LambdaW, s, bigmat.Bits(digits), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !c.s2.converged {
		t.Fatalf("baseline did not converge: %s", c.s2.stop)
	}
	prec := c.red.prec + certGuardBits
	fr := newFloat(c.red.prec).Mul(c.red.fScale, c.s2.pt.f)
	cert := certifyAccurate(in, c.wp, in.LambdaH, prec, fr)
	if why := c.certificateFails(cert, fr, digits); why != "" {
		t.Fatalf("baseline certificate fails: %s", why)
	}
	off := newFloat(fr.Prec()).Mul(fr, pow10(-20, fr.Prec()))
	if c.certificateFails(cert, off.Add(off, fr), digits) == "" {
		t.Error("L from the definition and λ_W a0·φ differ by 1e-20 relative, certificate accepted at 30 digits")
	}
	for _, e := range []int{20, 27} {
		f := newFloat(prec).Add(newFloat(prec).SetInt64(1), pow10(-e, prec))
		wp := new(bigmat.Dense).Scale(f, c.wp.Clone().SetPrec(prec))
		moved := certifyAccurate(in, wp, in.LambdaH, prec, fr)
		if c.certificateFails(moved, moved.loss, digits) == "" {
			t.Errorf("W' scaled by 1 + 1e-%d: certificate accepted at 30 digits (relative gradient 1e%.1f)", e, moved.relGradient(newFloat(prec).Mul(c.red.lamWFloat(), c.red.sqrtA0)))
		}
	}
}

// TestLowRankStartAtSaddle (QA mutation round 2): λ = 0, d = 1 and the
// eight samples (±3, ±2, ±1) give Σ = diag(9, 4, 1). The best rank-1 fit
// keeps e₁: L* = (4 + 1)/2 = 5/2. The subspace span(e₂) is a critical
// point (its gradient Q⊥ᵀΣQ vanishes exactly) with L = (9 + 1)/2 = 5, a
// saddle: the Hessian X ↦ XA − BX has the eigenvalue 4 − 9 < 0. Started
// exactly there, the subspace iteration must not stop "converged" at 5.
// Kills: the second-order check of atCritical removed.
func TestLowRankStartAtSaddle(t *testing.T) {
	in, err := instance.Parse([]byte(`{"targets":[["3","2","1"],["-3","2","1"],["3","-2","1"],["-3","-2","1"],["3","2","-1"],["-3","2","-1"],["3","-2","-1"],["-3","-2","-1"]],"lambda_h":"0","lambda_w":"0","d":1,"digits":30}`))
	if err != nil {
		t.Fatal(err)
	}
	s := Settings{Digits: 30}.withDefaults(in)
	prec := bigmat.Bits(30)
	lr, err := newLowRank(in, prec, s.Seed)
	if err != nil {
		t.Fatal(err)
	}
	e := func(idx ...int) *bigmat.Dense {
		m := bigmat.New(3, len(idx), prec)
		for j, i := range idx {
			m.At(i, j).SetInt64(1)
		}
		return m
	}
	if err := lr.setBases(e(1), e(0, 2)); err != nil {
		t.Fatal(err)
	}
	run := &lowRankRun{lr: lr, s: s, deadline: time.Now().Add(time.Minute), mu: 1,
		gtol: pow10(-(s.Digits + 8), prec), rng: rand.New(rand.NewPCG(1, 2)), out: &lowRankResult{}}
	for {
		done, err := run.iterate()
		if err != nil {
			t.Fatal(err)
		}
		if done {
			break
		}
	}
	out := run.finish()
	if !out.converged {
		t.Logf("honest stop %q", out.stop)
		return
	}
	want := newFloat(out.loss.Prec()).SetFloat64(2.5)
	diff := newFloat(out.loss.Prec()).Sub(out.loss, want)
	if diff.Abs(diff).Cmp(pow10(-25, out.loss.Prec())) > 0 {
		t.Errorf("converged with L = %s, want 5/2 (span(e₂) is a saddle with L = 5)", out.loss.Text('g', 20))
	}
}

// TestNoiseFloorStopRule (QA mutation round 2): a stall at the working
// precision's noise floor counts as converged only when the change
// estimate is below 10^-digits AND ‖∇φ‖ ≤ 10^-digits (doc.go, "Stopping").
// From the converged 30-digit point V* of the default instance:
//   - V* itself with a change estimate of 10^-25: five digits short, not
//     converged;
//   - V*·(1 + 10⁻²²) (off the rotation orbit, so ‖∇φ‖ is about 10⁻²²)
//     with a change estimate of 10⁻³¹: the gradient is 8 digits short,
//     not converged;
//   - V* with a change estimate of 10⁻³¹: converged (the rule is not
//     simply "never").
//
// Kills: the stall rule accepting 10 digits short, and its gradient test
// at 10^-(digits/2).
func TestNoiseFloorStopRule(t *testing.T) {
	in := instance.Default()
	const digits = 30
	s := Settings{Digits: digits}.withDefaults(in)
	c, err := solveCore(in, in.LambdaH, in.LambdaW, s, bigmat.Bits(digits), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !c.s2.converged {
		t.Fatalf("baseline did not converge: %s", c.s2.stop)
	}
	prec := c.red.prec
	off := new(bigmat.Dense).Scale(newFloat(prec).Add(newFloat(prec).SetInt64(1), pow10(-22, prec)), c.s2.pt.v)
	for _, tc := range []struct {
		what      string
		v         *bigmat.Dense
		logChange float64
		want      bool
	}{
		{"change 1e-25 at V*", c.s2.pt.v, -25, false},
		{"gradient ~1e-22, change 1e-31", off, -31, false},
		{"change 1e-31 at V*", c.s2.pt.v, -31, true},
	} {
		it, err := newIteration(c.red, tc.v.Clone(), digits, 10, time.Now().Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		it.out.stop, it.out.logChange = StopStalled, tc.logChange
		out := it.finish()
		if out.converged != tc.want {
			t.Errorf("%s (‖∇φ‖ = %s): converged %v, want %v", tc.what, it.pt.gnorm.Text('g', 3), out.converged, tc.want)
		}
	}
}

// TestDampedStepPSDShortcut (QA mutation round 2): a damped factorization
// of h + νI that succeeds at once proves h ⪰ −νI only; it certifies the
// second-order condition (h ⪰ −τI) only when ν ≤ τ. With h = I except one
// curvature of −10⁻¹⁰ (far below −τ ≈ −2^(1−prec/2)) and a gradient of
// order one (ν = μ‖∇φ‖ ≫ 10⁻¹⁰), the shortcut must not claim it.
// Kills: psd set from "first factorization succeeded" alone.
func TestDampedStepPSDShortcut(t *testing.T) {
	in := instance.Default()
	prec := bigmat.Bits(30)
	red, err := newReduced(in, in.LambdaH, in.LambdaW, prec)
	if err != nil {
		t.Fatal(err)
	}
	v0 := bigmat.New(red.n, red.k, prec)
	for i := 0; i < red.n; i++ {
		for j := 0; j < red.k; j++ {
			v0.At(i, j).SetFloat64(0.1 * float64(1+i+2*j))
		}
	}
	it, err := newIteration(red, v0, 30, 10, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if it.pt.gnorm.Cmp(pow10(-6, prec)) < 0 {
		t.Fatalf("start too close to stationary: ‖∇φ‖ = %s", it.pt.gnorm.Text('g', 3))
	}
	N := red.n * red.k
	h := bigmat.New(N, N, prec)
	for i := 0; i < N; i++ {
		h.At(i, i).SetInt64(1)
	}
	h.At(N-1, N-1).Neg(pow10(-10, prec))
	if _, _, err := it.dampedStep(h); err != nil {
		t.Fatal(err)
	}
	if it.psd {
		t.Error("a curvature of −1e-10 was certified positive semidefinite by a damped factorization with ν ≫ τ")
	}
}
