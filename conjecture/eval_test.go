package conjecture

import (
	"math/big"
	"strings"
	"testing"

	"github.com/ALTree/bigfloat"
	"github.com/nrc-ufm/ufm/instance"
)

// diagInstance has bias none and targets y_1 = (2, 0), y_2 = (0, 1), so
// Σ = (1/2)·diag(4, 1) = diag(2, 1/2) exactly; λ_H = 1/2, λ_W = 3, d = 3.
func diagInstance() *instance.Instance {
	r := func(a, b int64) *big.Rat { return big.NewRat(a, b) }
	return &instance.Instance{
		Name:    "diag",
		Targets: [][]*big.Rat{{r(2, 1), r(0, 1)}, {r(0, 1), r(1, 1)}},
		LambdaH: r(1, 2), LambdaW: r(3, 1), D: 3, Bias: instance.BiasNone, Digits: 30,
	}
}

func compileFor(t *testing.T, src string) (node, typ) {
	t.Helper()
	n, err := parseExpr([]segment{{src, Pos{1, 1}}})
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	ty, err := (&checker{bound: map[string]bool{}}).check(n)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return n, ty
}

// TestExactValues: expressions of exact quantities evaluate to the exact
// rational, worked out by hand.
func TestExactValues(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"1/3 + 1/6", "1/2"},
		{"n*d - M", "4"},
		{"c", "3/2"},
		{"min(1/3, 1/4, 1/2)", "1/4"},
		{"max(1/3, 1/4)", "1/3"},
		{"pos(-2) + pos(3)", "3"},
		{"pow(2/3, 3)", "8/27"},
		{"pow(2, -2)", "1/4"},
		{"2^3^2", "512"},
		{"-2^2", "-4"},
		{"sqrt(9/4)", "3/2"},
		{"if(n > 1, 7, 8)", "7"},
		{"if(n > 2 || d < 3, 7, 8)", "8"},
		{"sum(j, 1, 4, j^2)", "30"},
		{"sum(j, 1, n, sum(k, j, n, j*k))", "7"}, // 1·1 + 1·2 + 2·2
		{"sum(j, 3, 2, 1)", "0"},
		{"abs(-5/2)", "5/2"},
		{"1e-3 + 2.5E2", "250001/1000"},
		{"trace", "5/2"},
		{"cov(1, 1) - cov(2, 2) + cov(1, 2)", "3/2"},
		{"ybar(1) + ybar(2)", "3/2"},
		{"lambda_b", "0"},
		{"y(1, 1) + 10*y(2, 2) + 100*y(2, 1)", "12"}, // y_1 = (2, 0), y_2 = (0, 1)
		{"sigma(1) * 0 + min(sigma(1), 5/2)", ""},    // inexact: checked below
		{"exp(0) + log(1)", "1"},
	}
	in := diagInstance()
	for _, tc := range cases {
		if tc.want == "" {
			continue
		}
		n, _ := compileFor(t, tc.expr)
		e := newEnv(in, 30, 1, 0)
		v, err := e.num(n)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if v.exact == nil || v.exact.RatString() != tc.want {
			t.Errorf("%s = %v (exact %v), want exactly %s", tc.expr, v.mid, v.exact, tc.want)
		}
	}
}

// TestBallsContainTruth: inexact results are balls that contain the true
// value, computed independently at 600 bits, and are narrow (radius below
// 10^-(digits) relative).
func TestBallsContainTruth(t *testing.T) {
	const ref = 600
	f := func(x int64) *big.Float { return new(big.Float).SetPrec(ref).SetInt64(x) }
	two := f(2)
	third := new(big.Float).SetPrec(ref).Quo(f(1), f(3))
	cases := []struct {
		expr string
		want *big.Float
	}{
		{"sqrt(2)", new(big.Float).SetPrec(ref).Sqrt(two)},
		{"log(2)", bigfloat.Log(two)},
		{"exp(1/3)", bigfloat.Exp(third)},
		{"pow(2, 1/3)", bigfloat.Pow(two, third)},
		{"sqrt(2) * sqrt(2)", two},
		{"1 / sqrt(2)", new(big.Float).SetPrec(ref).Quo(f(1), new(big.Float).SetPrec(ref).Sqrt(two))},
		{"sigma(1)", two}, // Σ = diag(2, 1/2)
		{"sigma(2) + 0", new(big.Float).SetPrec(ref).Quo(f(1), two)},
		{"norm_ybar", new(big.Float).SetPrec(ref).Quo(new(big.Float).SetPrec(ref).Sqrt(f(5)), two)},
		{"sum(j, 1, n, min(sigma(j), c))", new(big.Float).SetPrec(ref).Quo(f(4), f(2))}, // min(2, 3/2) + min(1/2, 3/2) = 2
		{"v(1, 1) + 2*v(2, 2)", f(3)},         // Σ diagonal: v_1 = e_1, v_2 = e_2
		{"v(2, 1) + v(1, 2)", new(big.Float)}, // zero entries
		{"sum(j, 1, n, sigma(j) * v(1, j) * v(2, j)) - cov(1, 2)", new(big.Float)},
	}
	in := diagInstance()
	for _, tc := range cases {
		n, _ := compileFor(t, tc.expr)
		e := newEnv(in, 30, 1, 0)
		v, err := e.num(n)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		diff := new(big.Float).SetPrec(ref).Sub(v.mid, tc.want)
		diff.Abs(diff)
		if diff.Cmp(v.rad) > 0 {
			t.Errorf("%s = %v ± %v does not contain %v", tc.expr, v.mid, v.rad, tc.want)
		}
		rel := new(big.Float).Quo(v.rad, new(big.Float).Abs(tc.want))
		if tc.want.Sign() == 0 {
			rel = v.rad
		}
		if rel.Cmp(big.NewFloat(1e-30)) > 0 {
			t.Errorf("%s: radius %v is wider than 10^-30 relative", tc.expr, v.rad)
		}
	}
}

// TestConditions: exact decisions (σ_j against rationals by inertia) and
// ties of inexact values.
func TestConditions(t *testing.T) {
	cases := []struct {
		expr string
		want bool
	}{
		{"sigma(1) > 2", false},
		{"sigma(1) >= 2", true},
		{"sigma(1) == 2", true},
		{"2 == sigma(1)", true},
		{"sigma(2) < 1/2", false},
		{"sigma(2) == 1/2", true},
		{"sigma(2) > 499999/1000000", true},
		{"sigma(1) != 2", false},
		{"sqrt(2) > 1414213562373095/1000000000000000", true},
		{"!(n == 2) || d == 3", true},
		{"n == 2 && d == 4", false},
		{"min(sigma(1), c) == c", true},          // 2 > 3/2 decided exactly
		{"sqrt(2) * sqrt(2) < 2 + 10^-30", true}, // balls apart: decided
		// Within the radius of σ_j (tr Σ·10^-38): only the exact decision
		// by inertia gets these right.
		{"sigma(2) > 1/2 - 10^-40", true},
		{"sigma(1) < 2 + 10^-45", true},
		{"sigma(1) == 2 + 10^-45", false},
	}
	in := diagInstance()
	for _, tc := range cases {
		n, ty := compileFor(t, tc.expr)
		if ty != tyBool {
			t.Fatalf("%s is not a condition", tc.expr)
		}
		got, err := newEnv(in, 30, 1, 0).cond(n)
		if err != nil || got != tc.want {
			t.Errorf("%s = %v, %v; want %v", tc.expr, got, err, tc.want)
		}
	}
}

// TestDomainErrors: evaluation errors name the problem (they make a trial
// inconclusive, never held).
func TestDomainErrors(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"sqrt(-1)", "sqrt of the negative number"},
		{"log(0)", "not certainly positive"},
		{"1/(n-2)", "division by zero"},
		{"sigma(3)", "outside 1…2"},
		{"sigma(1/2)", "whole number"},
		{"ybar(0)", "outside 1…2"},
		{"sum(j, 1, 1/2, 1)", "whole number"},
		{"exp(10^6)", "beyond"},
		{"pow(-2, 1/2)", "needs x > 0"},
		{"1/(sqrt(2)*sqrt(2) - 2)", "not certainly nonzero"},
		{"sum(j, 1, 10^6, 1)", "summands"},
		{"v(1, 3)", "outside 1…2"},
		{"sum(j, 1, 10^12, 1)", "within ±(2^31 − 1)"}, // whole, out of range (QA session 24)
		{"ybar(10^30)", "within ±(2^31 − 1)"},
	}
	in := diagInstance()
	for _, tc := range cases {
		n, _ := compileFor(t, tc.expr)
		_, err := newEnv(in, 30, 1, 0).num(n)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.expr, err, tc.want)
		}
	}
}

// TestRepeatedEigenvector: Σ = I/2 has no determined eigenvectors.
func TestRepeatedEigenvector(t *testing.T) {
	in := diagInstance()
	in.Targets[0][0] = big.NewRat(1, 1) // y_1 = (1, 0), y_2 = (0, 1): Σ = I/2
	n, _ := compileFor(t, "v(1, 1)")
	_, err := newEnv(in, 30, 1, 0).num(n)
	if err == nil || !strings.Contains(err.Error(), "repeated") {
		t.Fatalf("error %v, want one about a repeated eigenvalue", err)
	}
}
