package claims

import (
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/ratmat"
	"github.com/nrc-ufm/ufm/metrics"
	"github.com/nrc-ufm/ufm/proofs"
	"github.com/nrc-ufm/ufm/theory"
)

func rats(v ...string) []*big.Rat {
	out := make([]*big.Rat, len(v))
	for i, s := range v {
		out[i], _ = new(big.Rat).SetString(s)
	}
	return out
}

// spectralInstance is an exact-spectrum instance: √c = 1/2, λ_W = 1/w²,
// λ_H = w²/4 and √σ_j = ratios[j]/2.
func spectralInstance(seed uint64, d int, bias instance.Bias, ratios ...string) *spectral {
	rng := rand.New(rand.NewPCG(seed, 1))
	sp := buildSpectral(rng, big.NewRat(1, 2), big.NewRat(2, 1), rats(ratios...), bias)
	sp.in.D = d
	return sp
}

func TestSpectralFamilyIsExact(t *testing.T) {
	for _, bias := range []instance.Bias{free, none} {
		sp := spectralInstance(5, 3, bias, "5", "2", "1", "0")
		n := len(sp.s)
		d := ratmat.New(n, n)
		for j, s := range sp.s {
			d.At(j, j).Mul(s, s)
		}
		want := ratmat.Mul3(sp.q, d, sp.q.T())
		if !ratmat.Equal(ratmat.FromRows(sp.in.Sigma()), want) {
			t.Fatalf("bias %s: Σ ≠ Q diag(s²) Qᵀ", bias)
		}
		if !ratmat.Equal(ratmat.Mul(sp.q.T(), sp.q), ratmat.Identity(n)) {
			t.Fatal("Q is not orthogonal")
		}
		// c = γ² = 1/4 = σ_3 exactly: one eigenvalue at c, counted inactive.
		if sp.in.C().Cmp(big.NewRat(1, 4)) != 0 || theory.CountAbove(sp.in.Sigma(), sp.in.C()) != 2 {
			t.Fatalf("c = %s, %d above", sp.in.C().RatString(), theory.CountAbove(sp.in.Sigma(), sp.in.C()))
		}
	}
}

func TestR6(t *testing.T) {
	// Exact certificate on an exact-spectrum instance (active √σ = γ(1+u²)).
	sp := spectralInstance(1, 4, free, "5", "2", "1", "1/2")
	wantVerdict(t, "r6-kkt", sp.in, proofs.Holds, "exact KKT certificate")
	// High precision on a random instance.
	out := wantVerdict(t, "r6-kkt", partial3x5(t), proofs.Holds, "Z ⪰ 0")
	if out.Exact || out.Residual.Cmp(big.NewFloat(1e-40)) > 0 {
		t.Fatalf("exact %v residual %v", out.Exact, out.Residual)
	}
	// d < n with more active directions than d: Z is indefinite.
	sp = spectralInstance(2, 1, free, "5", "3", "2")
	wantVerdict(t, "r6-kkt", sp.in, proofs.Fails, "d = 1 < n = 3")
}

// The conditioning fix: a target scale of 1e17 against c ~ 1e-10 needs
// ~45 extra digits for Z, which the check adds.
func TestR6IllConditioned(t *testing.T) {
	in := mk(t, [][]string{
		{"-112500000000000000", "800000000000000000/7", "60000000000000000"},
		{"-20000000000000000", "800000000000000000", "-300000000000000000"},
	}, "40", "7/1000000000000", 6, free)
	if conditionDigits(in) < 40 {
		t.Fatalf("condition digits %d", conditionDigits(in))
	}
	wantVerdict(t, "r6-kkt", in, proofs.Holds)
}

func TestTheorem(t *testing.T) {
	for _, f := range []string{"partial-3x5", "full-4x10", "nobias-3x6", "d-less-than-n-4x2", "boundary-exact-2x4", "trivial-2x2"} {
		in, err := instance.Load("../examples/" + f + ".json")
		if err != nil {
			t.Fatal(err)
		}
		wantVerdict(t, "theorem", in, proofs.Holds, "agree with the solver")
	}
	in := partial3x5(t)
	in.LambdaW = new(big.Rat)
	wantVerdict(t, "theorem", in, proofs.Fails, "no global minimizer exists")
}

func TestLandscapeEscapes(t *testing.T) {
	// Three active directions (√σ/γ = 5, 2, 3/2 … distinct), one inactive,
	// d = 2 < 3 active: subsets of size 2 other than {1,2} need a swap,
	// smaller ones an add.
	sp := spectralInstance(3, 2, free, "5", "2", "5/4", "1/2")
	l, err := buildLandscape(sp.in, 30)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for idx, cp := range l.points {
		if idx == l.global {
			if l.escapeDirection(cp) != nil {
				t.Fatal("the global minimizer has an escape direction")
			}
			continue
		}
		e := l.escapeDirection(cp)
		if e == nil {
			t.Fatalf("S = %s: no escape", subsetText(cp.S))
		}
		kinds[strings.Fields(e.kind)[0]]++
		got := new(big.Float).SetPrec(l.prec).SetRat(e.curvature)
		if got.Sign() >= 0 {
			t.Fatalf("S = %s: curvature %s ≥ 0", subsetText(cp.S), got.Text('e', 5))
		}
		// Exact curvature at the rounded point = the predicted closed form
		// to the working precision.
		diff := new(big.Float).Sub(got, e.predicted)
		if rel := relative(diff.Abs(diff), new(big.Float).Abs(e.predicted)); rel.Cmp(big.NewFloat(1e-30)) > 0 {
			t.Fatalf("S = %s, %s: curvature %s, predicted %s", subsetText(cp.S), e.kind, got.Text('e', 10), e.predicted.Text('e', 10))
		}
	}
	if kinds["add"] == 0 || kinds["swap"] == 0 {
		t.Fatalf("escape kinds %v: want both add and swap", kinds)
	}
	wantVerdict(t, "landscape", sp.in, proofs.Holds, "strict saddles")
	// Random instance, bias none.
	in := partial3x5(t)
	in.Bias = none
	wantVerdict(t, "landscape", in, proofs.Holds)
}

func TestNocollapse(t *testing.T) {
	// d = n = 2, full-rank targets: refuted.
	full := [][]string{{"1", "0"}, {"0", "2"}, {"-3", "1"}, {"2", "2"}}
	wantVerdict(t, "nocollapse-at-zero", mk(t, full, "0", "0", 2, free), proofs.Fails, "d = 2 ≤ rank Ỹ = 2")
	// d = n = 2, rank-1 targets: holds (W of rank 1, features leave its row space).
	low := [][]string{{"1", "2"}, {"2", "4"}, {"-1", "-2"}, {"0", "0"}}
	wantVerdict(t, "nocollapse-at-zero", mk(t, low, "0", "0", 2, free), proofs.Holds, "NRC2")
	// d > n: holds.
	in := mk(t, full, "0", "0", 3, free)
	out := wantVerdict(t, "nocollapse-at-zero", in, proofs.Holds, "L = 0 = L*")
	if !out.Exact {
		t.Fatal("the witness must be exact")
	}
	// The witness's NRC2 equals what package metrics computes from it.
	p := newProblem(in)
	x, rho := zeroWitness(p, p.yt.Rank())
	want := exactNRC2(x.H, rho)
	prec := bigmat.Bits(40)
	res, err := metrics.ComputeBig(x.H.T().Dense(prec), x.W.Dense(prec), p.y.T().Dense(prec), 40, metrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	diff := new(big.Float).Sub(res.NRC2, new(big.Float).SetPrec(prec).SetRat(want))
	if diff.Abs(diff).Cmp(big.NewFloat(1e-35)) > 0 {
		t.Fatalf("NRC2: exact %s, metrics %s", want.RatString(), res.NRC2.Text('g', 20))
	}
	// M = 1 is outside the hypotheses (NRC undefined) and refutes.
	wantVerdict(t, "nocollapse-at-zero", mk(t, [][]string{{"1", "2"}}, "0", "0", 5, free), proofs.Fails, "M = 1")
	// λ > 0: collapse forced by R5.
	wantVerdict(t, "nocollapse-at-zero", mk(t, full, "1/10", "1/10", 3, free), proofs.Fails, "R5")
}

func TestGramFree(t *testing.T) {
	cases := []struct {
		name    string
		targets [][]string
		d       int
		want    proofs.Verdict
		has     string
	}{
		{"n=1", [][]string{{"1"}, {"3"}, {"-2"}}, 3, proofs.Fails, "n = 1"},
		{"n=2,d=2", [][]string{{"1", "0"}, {"0", "2"}, {"-3", "1"}, {"2", "2"}}, 2, proofs.Holds, "NRC3"},
		{"n=2,d=1,σ1>σ2", [][]string{{"1", "0"}, {"0", "2"}, {"-3", "1"}, {"2", "2"}}, 1, proofs.Fails, "σ₂ = ⋯ = σ_n"},
		{"n=2,d=1,Σ∝I", [][]string{{"1", "0"}, {"-1", "0"}, {"0", "1"}, {"0", "-1"}}, 1, proofs.Holds, "NRC3"},
		{"n=3,d=1,σ1>σ2=σ3", [][]string{{"3", "0", "0"}, {"-3", "0", "0"}, {"0", "1", "0"}, {"0", "-1", "0"}, {"0", "0", "1"}, {"0", "0", "-1"}}, 1, proofs.Fails, "σ₂ = ⋯ = σ_n"},
		{"n=3,d=1,distinct", [][]string{{"3", "0", "0"}, {"-3", "0", "0"}, {"0", "2", "0"}, {"0", "-2", "0"}, {"0", "0", "1"}, {"0", "0", "-1"}}, 1, proofs.Holds, "NRC3"},
		{"rank 1, d=1", [][]string{{"1", "2"}, {"2", "4"}, {"0", "0"}}, 1, proofs.Fails, "rank Ỹ = 1"},
		{"rank 1, d=2", [][]string{{"1", "2"}, {"2", "4"}, {"0", "0"}}, 2, proofs.Holds, "NRC3"},
		{"constant", [][]string{{"1", "2"}, {"1", "2"}}, 2, proofs.Fails, "Σ = 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantVerdict(t, "gram-free-at-zero", mk(t, c.targets, "0", "0", c.d, free), c.want, c.has)
		})
	}
}

// nrc3 agrees with package metrics on random (H, W, Y).
func TestNRC3MatchesMetrics(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for trial := 0; trial < 5; trial++ {
		in := Family{NMin: 2, NMax: 3, MMax: 6, NoSingle: true, FullRank: true}.Draw(rng, "nrc3")
		pred, err := theory.Predict(in, 40)
		if err != nil {
			t.Fatal(err)
		}
		p := newProblem(in)
		w := randMatS(rng, p.n, p.d)
		h := randMatS(rng, p.d, p.m)
		prec := pred.Prec
		got, _, err := nrc3(ratmat.Mul(w, w.T()).Dense(prec), pred)
		if err != nil {
			t.Fatal(err)
		}
		res, err := metrics.ComputeBig(h.T().Dense(prec), w.Dense(prec), p.y.T().Dense(prec), 40, metrics.Options{})
		if err != nil {
			t.Fatal(err)
		}
		diff := new(big.Float).Sub(got, res.NRC3)
		if diff.Abs(diff).Cmp(big.NewFloat(1e-30)) > 0 {
			t.Fatalf("NRC3 %s, metrics %s", got.Text('g', 20), res.NRC3.Text('g', 20))
		}
	}
}

func TestMultitask(t *testing.T) {
	wantVerdict(t, "multitask-mse", partial3x5(t), proofs.Holds, "≤ Σ single-task")
	// d = 1 < n = 2 with Σ = I (both directions active): multi = c + 1,
	// single = 2c.
	in := mk(t, [][]string{{"1", "0"}, {"-1", "0"}, {"0", "1"}, {"0", "-1"}}, "1/10", "1", 1, free)
	wantVerdict(t, "multitask-mse", in, proofs.Fails, "d = 1 < n = 2")
}

func TestWhitening(t *testing.T) {
	in, err := instance.Load("../examples/full-4x10.json")
	if err != nil {
		t.Fatal(err)
	}
	wantVerdict(t, "whitening", in, proofs.Holds, "matches theory.Predict and the solver")
	in = mk(t, [][]string{{"1", "2"}, {"2", "4"}, {"-1", "-2"}, {"0", "0"}}, "1/10", "1/10", 2, free)
	wantVerdict(t, "whitening", in, proofs.Fails, "rank 1 < n = 2")
}

func TestFullCollapseControl(t *testing.T) {
	in, err := instance.Load("../examples/full-4x10.json")
	if err != nil {
		t.Fatal(err)
	}
	wantVerdict(t, "full-collapse-all-positive", in, proofs.Holds)
	wantVerdict(t, "full-collapse-all-positive", partial3x5(t), proofs.Fails, "regime partial")
	trivial, err := instance.Load("../examples/trivial-2x2.json")
	if err != nil {
		t.Fatal(err)
	}
	wantVerdict(t, "full-collapse-all-positive", trivial, proofs.Fails, "regime trivial")
}

func TestBiasShrinksExample(t *testing.T) {
	in := partial3x5(t)
	in.Bias = instance.BiasRegularized
	in.LambdaB = big.NewRat(1, 2)
	wantVerdict(t, "bias-shrinks-uniformly", in, proofs.Fails, "agrees with ȳ/(1 + λ_b)")
	// Trivial regime (W* = 0): b* = ȳ/(1 + λ_b) does hold.
	in.LambdaH, in.LambdaW = big.NewRat(1000, 1), big.NewRat(1000, 1)
	wantVerdict(t, "bias-shrinks-uniformly", in, proofs.Holds)
}
