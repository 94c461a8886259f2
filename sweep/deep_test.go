package sweep

import (
	"math/big"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/theory"
)

// The instance examples/deep-k3-3x8.json (K = 3, λ_1 = 1/4, λ_2 = 1/2) has
// Σ with eigenvalues 4, 1, 1/4 (checked with numpy: eigvalsh of ỸᵀỸ/M).
// Mode j is on iff σ_j² > τ = 2⁴·c/1¹ = 16c (docs/theory.md §6.3), so the
// thresholds are c_j = σ_j²/16 = 1, 1/16, 1/256, and c = λ_H/8: mode 1
// switches off at λ_H = 8.

// TestSweepDeepSwitchOff sweeps λ_H across λ_H = 8 (c_1 = 1): just below,
// s_1/t_1 stays above the jump height (K−2)/(K−1) = 1/2 (bounded away
// from 0); at and above the threshold s_1 = 0 exactly (the default
// prediction counts a mode at the threshold as off). The thresholds are
// the hand-computed c_j.
func TestSweepDeepSwitchOff(t *testing.T) {
	const digits = 25
	in := load(t, "deep-k3-3x8")
	h, err := ParseAxis("lambda_h", "7.998:8.002:5", false) // c = 0.99975 … 1.00025, c_1 = 1 in the middle
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Run(in, h, nil, Settings{Digits: digits})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Deep == nil || tab.Deep.K != 3 || tab.Deep.Cap != 3 {
		t.Fatalf("deep table: %+v", tab.Deep)
	}
	for j, want := range []string{"1", "1/16", "1/256"} {
		got := tab.Deep.Thresholds[j]
		if !nearRat(got, rat(want), got.Digits) || got.Digits != digits {
			t.Errorf("c_%d = %s (%d digits), want %s", j+1, got.Text(), got.Digits, want)
		}
	}
	half := big.NewFloat(0.5)
	for _, p := range tab.Points {
		s1 := p.Shrinkage[0]
		switch cmp := p.C.Cmp(big.NewRat(1, 1)); {
		case cmp < 0:
			// On: s₊/t decreases to 1/2 at the threshold; 0.6 bounds the
			// branch this close (|c − 1| ≤ 2.5·10⁻⁴) to it.
			if s1.X == nil || s1.X.Cmp(half) <= 0 || s1.X.Cmp(big.NewFloat(0.6)) >= 0 || p.Active != 1 || p.Rank != 1 {
				t.Errorf("c = %s below c_1: s_1/t_1 = %s, active %d, rank %d; want in (1/2, 0.6), 1, 1", p.C.RatString(), s1.Text(), p.Active, p.Rank)
			}
		default:
			if s1.X == nil || s1.X.Sign() != 0 || p.S[0].X == nil || p.S[0].X.Sign() != 0 || p.Rank != 0 {
				t.Errorf("c = %s at/above c_1: s_1/t_1 = %s, s_1 = %s, rank %d; want exactly 0", p.C.RatString(), s1.Text(), p.S[0].Text(), p.Rank)
			}
		}
	}
	// The jump height: at the threshold the other global minimizer (mode 1
	// on) has s_1/t_1 = (K−2)/(K−1) = 1/2.
	at := in.Clone()
	at.LambdaH = rat("8")
	on, err := theory.PredictDeep(at, digits, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !nearRat(Value{X: on.Shrinkage[0], Digits: digits - 2}, big.NewRat(1, 2), digits-2) {
		t.Errorf("s₊/t at the threshold = %s, want 1/2", on.Shrinkage[0].Text('g', 30))
	}
}

// TestSweepDeepRowsAgreeWithPredict: every row of a deep 2-D sweep (λ_H and
// every λ_l set to the --lambda-w value) equals theory.Predict on an
// instance built here with those λ's, evaluated at more digits than the
// sweep (so the two are different computations), in every printed digit;
// and the rank and active counts are the same. Also for data_term mean,
// whose c column is the instance's c (not n^K·c).
func TestSweepDeepRowsAgreeWithPredict(t *testing.T) {
	const digits = 20
	for _, name := range []string{"deep-k3-3x8", "deep-k3-mean-3x8", "deep-k4-3x8"} {
		in := load(t, name)
		h, _ := ParseAxis("lambda_h", "0.05:20:5", true)
		w, _ := ParseAxis("lambda_w", "0.1:0.9:3", false)
		tab, err := Run(in, h, w, Settings{Digits: digits})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tab.Points {
			ref := in.Clone()
			ref.LambdaH = new(big.Rat).Set(p.LambdaH)
			for l := range ref.Lambdas {
				ref.Lambdas[l] = new(big.Rat).Set(p.LambdaW)
			}
			ref.LambdaW = ref.Lambdas[0]
			want, err := theory.Predict(ref, digits+7)
			if err != nil {
				t.Fatal(err)
			}
			c := new(big.Rat).Set(ref.LambdaH)
			for range ref.Lambdas {
				c.Mul(c, p.LambdaW)
			}
			if p.C.Cmp(c) != 0 {
				t.Errorf("%s point %d: c = %s, want λ_H·λ^%d = %s", name, p.Index, p.C.RatString(), len(ref.Lambdas), c.RatString())
			}
			if p.Rank != want.Rank || p.Active != want.Active || p.Regime != want.Regime {
				t.Errorf("%s point %d: rank %d active %d %s, want %d %d %s", name, p.Index, p.Rank, p.Active, p.Regime, want.Rank, want.Active, want.Regime)
			}
			agree(t, name, p.Index, "L*", p.MinLoss, want.MinLoss)
			agree(t, name, p.Index, "MSE", p.TrainMSE, want.TrainMSE)
			for j := range want.Deep.Modes {
				agree(t, name, p.Index, "s_j/t_j", p.Shrinkage[j], want.Shrinkage[j])
				agree(t, name, p.Index, "s_j", p.S[j], want.Deep.Modes[j].S)
			}
		}
	}
}

// agree fails unless v is defined and equals want to v's printed digits:
// |v − want| ≤ 10^(1−k)·|want| (one unit in the k-th digit).
func agree(t *testing.T, name string, k int, what string, v Value, want *big.Float) {
	t.Helper()
	if v.X == nil {
		t.Errorf("%s point %d: %s undefined", name, k, what)
		return
	}
	if want.Sign() == 0 {
		if v.X.Sign() != 0 {
			t.Errorf("%s point %d: %s = %s, want 0", name, k, what, v.Text())
		}
		return
	}
	r, _ := want.Rat(nil)
	if !nearRat(v, r, v.Digits) || v.Digits < 15 {
		t.Errorf("%s point %d: %s = %s (%d digits), want %s", name, k, what, v.Text(), v.Digits, want.Text('g', 30))
	}
}

// nearRat reports |v − want| ≤ 10^(1−k)·|want|.
func nearRat(v Value, want *big.Rat, k int) bool {
	if v.X == nil {
		return false
	}
	got, _ := v.X.Rat(nil)
	d := new(big.Rat).Sub(got, want)
	tol := new(big.Rat).Abs(want)
	tol.Mul(tol, new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k-1)), nil)))
	return d.Abs(d).Cmp(tol) <= 0
}

// TestSweepDeepRefusesZeroLambda: the deep closed form needs every λ > 0;
// a grid through 0 is refused before any point is evaluated.
func TestSweepDeepRefusesZeroLambda(t *testing.T) {
	in := load(t, "deep-k3-3x8")
	zero, _ := ParseAxis("lambda_h", "0:1:3", false)
	one, _ := ParseAxis("lambda_w", "0:1:2", false)
	for _, c := range []struct{ h, w *Axis }{{zero, nil}, {nil, one}} {
		if tab, err := Run(in, c.h, c.w, Settings{Digits: 10}); err == nil || !strings.Contains(err.Error(), "needs every λ > 0") {
			t.Errorf("err = %v, table %v", err, tab != nil)
		}
	}
}
