package claims

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
)

// TestSampleSetsMatchTheBound: the sets the identity checks draw from are
// as large as the Schwartz–Zippel bound says (|S|, |S₊| ≥ 2^szSetLog),
// measured from the draws themselves, not from the constants. 4096 draws
// from a set of 2^20 or more collide about 8 times on average (birthday:
// 4096²/2^21), so at least 4000 distinct values are expected; a set of
// 2^10 (or 2^11 + 1) values cannot give more than 2049. The extreme
// numerators seen must also reach half the claimed range: with 4096 draws
// the chance that none exceeds it is 2^-4096.
func TestSampleSetsMatchTheBound(t *testing.T) {
	if 1<<szSetLog > szNumMax || 1<<szSetLog > 2*szNumMax+1 {
		t.Fatalf("szSetLog = %d claims more than the sets hold (numerators up to %d)", szSetLog, szNumMax)
	}
	rng := rand.New(rand.NewPCG(20, 10))
	for _, tc := range []struct {
		name     string
		draw     func(*rand.Rand) *big.Rat
		positive bool
	}{{"S", randS, false}, {"S₊", randSPos, true}} {
		seen := map[string]bool{}
		maxNum := int64(0)
		for i := 0; i < 4096; i++ {
			x := tc.draw(rng)
			seen[x.RatString()] = true
			if tc.positive && x.Sign() <= 0 {
				t.Fatalf("%s: drew %s ≤ 0", tc.name, x.RatString())
			}
			// x = k/1024 exactly: k is an integer.
			k := new(big.Rat).Mul(x, big.NewRat(szDen, 1))
			if !k.IsInt() {
				t.Fatalf("%s: %s is not a multiple of 1/%d", tc.name, x.RatString(), szDen)
			}
			if a := new(big.Int).Abs(k.Num()); a.IsInt64() && a.Int64() > maxNum {
				maxNum = a.Int64()
			}
		}
		if len(seen) < 4000 {
			t.Errorf("%s: %d distinct values in 4096 draws: the set is far smaller than 2^%d", tc.name, len(seen), szSetLog)
		}
		if maxNum < 1<<(szSetLog-1) {
			t.Errorf("%s: largest numerator %d in 4096 draws, below 2^%d: the set does not span 2^%d values", tc.name, maxNum, szSetLog-1, szSetLog)
		}
	}
}

// TestLemmaDegreesNotUnderstated: the degree each identity check states
// (recovered from the bound it reports) is at least the total degree of its
// cleared polynomial in (Y, λ_H, λ_W, W, H, b and the random directions) as
// the check computes the two sides — before any cancellation, because a
// bug in one side would undo the cancellation — derived here by hand,
// independently of the code's comments. (TestLemmaDegreesMeasured measures
// the degree after cancellation, a lower bound, on random lines.)
//
//   - R1: (a) ‖WH + b1ᵀ − Y‖² has degree 4, with b* = ȳ − W h̄ (degree 2)
//     still 4; (b) ⟨∇_H L, u1ᵀ⟩ = ⟨(WᵀR + λ_H H)/M, u1ᵀ⟩ (R = WH + b1ᵀ − Y,
//     degree 2) has degree 3 + 1 = 4, ⟨∇_b L, −Wu⟩ = ⟨R1/M, −Wu⟩ degree 4;
//     (c) degree 3. At least 4.
//   - R2: with K_d = WᵀW + λ_H I (entries of degree 2), (i) cleared as
//     adj(K_d)WᵀỸ·det K_n − det K_d·Wᵀadj(K_n)Ỹ: 2(d−1)+2+2n = 2(n+d);
//     (ii) the quadratic form in H − H(W) = (H det K_d − adj(K_d)WᵀỸ)/det K_d
//     has numerator degree 2(2d+1) + 2 = 4d+4 over (det K_d)². At least
//     max(2(n+d), 4d+4).
//   - R3: H(W) = Wᵀadj(K_n)Ỹ/det K_n; WH − Ỹ has numerator degree 2n+1,
//     and λ_W‖W‖²·(det K_n)² degree 4n+3. At least 4n+3.
//   - R4: W H(W) − Ỹ, numerator degree 2n+1 over det K_n. At least 2n+1.
//   - R5: ⟨∇_W L, WU⟩ with ∇_W L = R Hᵀ/M + λ_W W (degree 3): 3 + 2 = 5.
//     At least 5.
func TestLemmaDegreesNotUnderstated(t *testing.T) {
	for _, tc := range []struct {
		claim   string
		targets [][]string
		d       int
		want    func(n, d int) int
	}{
		{"r1-bias", [][]string{{"1", "2"}, {"3", "-1"}, {"0", "5"}}, 2, func(n, d int) int { return 4 }},
		{"r2-push-through", [][]string{{"1", "2"}, {"3", "-1"}, {"0", "5"}}, 2, func(n, d int) int { return max(2*(n+d), 4*d+4) }},
		{"r2-push-through", [][]string{{"1", "2", "0", "1"}, {"3", "-1", "1", "0"}, {"0", "5", "2", "2"}}, 1, func(n, d int) int { return max(2*(n+d), 4*d+4) }},
		{"r3-reduced-objective", [][]string{{"1", "2", "0"}, {"3", "-1", "1"}, {"0", "5", "2"}, {"1", "1", "1"}}, 2, func(n, d int) int { return 4*n + 3 }},
		{"r4-residual", [][]string{{"1", "2", "0"}, {"3", "-1", "1"}, {"0", "5", "2"}, {"1", "1", "1"}}, 2, func(n, d int) int { return 2*n + 1 }},
		{"r5-balance", [][]string{{"1", "2"}, {"3", "-1"}, {"0", "5"}}, 2, func(n, d int) int { return 5 }},
	} {
		in := mk(t, tc.targets, "1/10", "1/5", tc.d, instance.BiasFree)
		const points = 3
		out := proofs.CheckOne(claim(t, tc.claim), in, proofs.CheckConfig{Seed: 5, Points: points})
		if out.Verdict != proofs.Holds || out.BoundLog10 == 0 {
			t.Fatalf("%s: %s (%s), bound %v", tc.claim, out.Verdict, out.Reason, out.BoundLog10)
		}
		// BoundLog10 = k·(log10 D − szSetLog·log10 2), k = universalFactor·points.
		k := float64(universalFactor * points)
		stated := math.Pow(10, out.BoundLog10/k+szSetLog*math.Log10(2))
		want := tc.want(in.N(), in.D)
		if math.Round(stated) < float64(want) {
			t.Errorf("%s (n = %d, d = %d): states degree %.0f, but its cleared polynomial has degree %d", tc.claim, in.N(), in.D, stated, want)
		}
	}
}
