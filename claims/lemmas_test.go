package claims

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/internal/ratmat"
	"github.com/nrc-ufm/ufm/proofs"
)

// The derivatives read off values of L (lineDerivs) agree exactly with the
// gradient formula and the closed-form second derivative, for both bias
// modes: the two routes are independent, so this checks both.
func TestLineDerivsMatchFormulas(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, bias := range []string{"free", "none"} {
		for trial := 0; trial < 10; trial++ {
			in := Family{NMax: 3, MMax: 5, BiasNone: bias == "none"}.Draw(rng, "lines")
			if bias == "none" {
				in.Bias = none
			} else {
				in.Bias = free
			}
			p := newProblem(in)
			x := randPoint(p, rng)
			e := randPoint(p, rng)
			d1, d2 := p.lineDerivs(x, e)
			g := p.grad(x)
			if bias == "none" {
				e.B = ratmat.New(p.n, 1)
			}
			if want := g.dot(e); d1.Cmp(want) != 0 {
				t.Fatalf("%s: D_e L = %s from values, %s from the gradient formula", bias, d1.RatString(), want.RatString())
			}
			if want := p.secondDeriv(x, e); d2.Cmp(want) != 0 {
				t.Fatalf("%s: second derivative %s from values, %s from the closed form", bias, d2.RatString(), want.RatString())
			}
		}
	}
}

// The identity machinery catches a false identity that is wrong by a
// relative 2^-40 only: exactness, not a tolerance, decides.
func TestIdentityCheckCatchesNearIdentity(t *testing.T) {
	in := partial3x5(t)
	wrong := func(p *problem, rng *rand.Rand) string {
		w := randMatS(rng, p.n, p.d)
		h, _ := p.hOfW(w)
		lhs := p.loss(point{w, h, p.meanVec()})
		a := ratmat.Mul(w, w.T())
		s, _ := ratmat.Solve(ratmat.AddScaledIdentity(a, p.lh), p.sigma)
		rhs := new(big.Rat).Mul(p.lh, s.Trace())
		tw := new(big.Rat).Mul(p.lw, a.Trace())
		tw.Mul(tw, big.NewRat(1<<40+1, 1<<40)) // the deliberate error
		rhs.Add(rhs, tw)
		rhs.Mul(rhs, big.NewRat(1, 2))
		if lhs.Cmp(rhs) != 0 {
			return "mismatch"
		}
		return ""
	}
	out := checkIdentity(in, proofs.CheckConfig{Seed: 3, Points: 2}, 15, "perturbed R3", wrong)
	if out.Verdict != proofs.Fails || !strings.Contains(out.Reason, "mismatch") {
		t.Fatalf("a wrong identity passed: %+v", out)
	}
}

func TestSchwartzZippelBound(t *testing.T) {
	got := szBoundLog10(5, 12)
	want := 12 * (math.Log10(5) - 20*math.Log10(2))
	if math.Abs(got-want) > 1e-12 {
		t.Fatalf("bound %v, want %v", got, want)
	}
	txt := szBoundText(5, 12)
	for _, s := range []string{"degree ≤ 5", "2^20", "12 point(s)", "(5/2^20)^12", "1e-64"} {
		if !strings.Contains(txt, s) {
			t.Errorf("bound text %q lacks %q", txt, s)
		}
	}
	// Every check states the bound it achieved.
	out := wantVerdict(t, "r2-push-through", partial3x5(t), proofs.Holds, "Schwartz–Zippel")
	if out.BoundLog10 >= -40 || !out.Exact || out.Residual.Sign() != 0 {
		t.Fatalf("R2: bound %v exact %v residual %v", out.BoundLog10, out.Exact, out.Residual)
	}
}

func TestR1(t *testing.T) {
	wantVerdict(t, "r1-bias", partial3x5(t), proofs.Holds, "R1 holds exactly")
	in := partial3x5(t)
	in.LambdaH = new(big.Rat)
	wantVerdict(t, "r1-bias", in, proofs.Fails, "needs λ_H > 0", "∇L = 0 exactly")
	in = partial3x5(t)
	in.Bias = none
	wantVerdict(t, "r1-bias", in, proofs.Inconclusive, "free bias")
}

func TestR2R3R4(t *testing.T) {
	for _, name := range []string{"r2-push-through", "r3-reduced-objective", "r4-residual"} {
		wantVerdict(t, name, partial3x5(t), proofs.Holds)
		in := partial3x5(t)
		in.Bias = none
		wantVerdict(t, name, in, proofs.Holds)
	}
	// λ_H = 0 and d > n: WᵀW is singular, H(W) of the d×d form undefined.
	in := mk(t, [][]string{{"1", "2"}, {"3", "-1"}, {"0", "5"}}, "0", "1", 3, free)
	wantVerdict(t, "r2-push-through", in, proofs.Fails, "singular")
	// λ_H = 0 and d < n: WWᵀ is singular.
	in = mk(t, [][]string{{"1", "2", "0"}, {"3", "-1", "1"}, {"0", "5", "2"}, {"1", "1", "1"}}, "0", "1", 2, free)
	wantVerdict(t, "r3-reduced-objective", in, proofs.Fails, "singular")
	wantVerdict(t, "r4-residual", in, proofs.Fails, "singular")
}

func TestR5(t *testing.T) {
	out := wantVerdict(t, "r5-balance", partial3x5(t), proofs.Holds, "critical points")
	if out.Residual == nil || out.Residual.Cmp(big.NewFloat(1e-30)) > 0 {
		t.Fatalf("residual %v", out.Residual)
	}
	// λ_W = 0 with rank-deficient targets: W ≠ 0 stationary with H = 0.
	in := mk(t, [][]string{{"1", "2"}, {"2", "4"}, {"-1", "-2"}}, "1", "0", 2, free)
	wantVerdict(t, "r5-balance", in, proofs.Fails, "λ_W = 0", "HHᵀ = 0")
	// λ_H = 0: W = 0 stationary with features H ≠ 0.
	in = mk(t, [][]string{{"1", "2"}, {"3", "4"}, {"-1", "0"}}, "0", "1", 2, free)
	wantVerdict(t, "r5-balance", in, proofs.Fails, "λ_H = 0")
}
