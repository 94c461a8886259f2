package claims

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"

	"github.com/nrc-ufm/ufm/internal/ratmat"
)

// The sample set of the exact identity checks (Schwartz–Zippel).
//
// Every random coordinate (an entry of W, H, b, of a direction, and in
// `ufm proofs` also of Y) is drawn uniformly from
//
//	S = { k/1024 : k integer, |k| ≤ 2^20 },   |S| = 2^21 + 1,
//
// and every random λ from S₊ = { k/1024 : 1 ≤ k ≤ 2^20 }, |S₊| = 2^20.
// Schwartz–Zippel: a nonzero polynomial of total degree D vanishes at a
// point drawn so with probability at most D/min|S| = D/2^20. A rational
// identity f = g is checked as the polynomial identity obtained by clearing
// its denominators (each claim states the degree D of that polynomial; the
// points where a denominator vanishes are never drawn, as every denominator
// there is det(positive-definite) or M). So a false identity survives one
// point with probability ≤ D/2^20, and k independent points with
// probability ≤ (D/2^20)^k.
//
// When the instance (Y, λ) is fixed by a search rather than drawn, the
// same bound holds for the identity as a polynomial in the remaining
// random variables at that (Y, λ): its degree in them is at most D.
const (
	szDen    = 1024
	szNumMax = 1 << 20
	szSetLog = 20 // log2 of min(|S|, |S₊|)
)

// randS draws from S.
func randS(rng *rand.Rand) *big.Rat {
	k := rng.Int64N(2*szNumMax+1) - szNumMax
	return big.NewRat(k, szDen)
}

// randSPos draws from S₊.
func randSPos(rng *rand.Rand) *big.Rat {
	return big.NewRat(1+rng.Int64N(szNumMax), szDen)
}

// randMatS draws an r×c matrix with entries from S.
func randMatS(rng *rand.Rand, r, c int) *ratmat.Matrix {
	m := ratmat.New(r, c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, randS(rng))
		}
	}
	return m
}

// szBoundLog10 returns log10 of (D/2^20)^points, the probability that an
// identity whose cleared polynomial has total degree D and is not
// identically zero passes points independent random points.
func szBoundLog10(degree, points int) float64 {
	return float64(points) * (math.Log10(float64(degree)) - szSetLog*math.Log10(2))
}

// szBoundText states the bound of one check.
func szBoundText(degree, points int) string {
	return fmt.Sprintf("Schwartz–Zippel: cleared polynomial of degree ≤ %d, points from |S| ≥ 2^%d, so a false identity passes %d point(s) with probability ≤ (%d/2^%d)^%d ≈ 1e%.0f",
		degree, szSetLog, points, degree, szSetLog, points, math.Floor(szBoundLog10(degree, points)))
}
