package metrics

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestFastGramExact: the 192-bit accumulation equals the big.Int one
// exactly, on random rows with zeros, both signs and magnitudes up to the
// limit 2⁶² − 1 (products near 2¹²⁴, sums over 300 rows beyond 2¹²⁸).
func TestFastGramExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const M, n = 300, 5
	for trial := 0; trial < 20; trial++ {
		f := newFastGram(n)
		g := newGramAcc(n)
		row := make([]int64, n)
		brow := make([]big.Int, n)
		for i := 0; i < M; i++ {
			for j := range row {
				var v int64
				switch rng.IntN(4) {
				case 0:
				case 1:
					v = fastLimit - 1 - rng.Int64N(3)
				case 2:
					v = rng.Int64N(fastLimit)
				default:
					v = rng.Int64N(1000)
				}
				if rng.IntN(2) == 0 {
					v = -v
				}
				row[j] = v
				brow[j].SetInt64(v)
			}
			f.add(row)
			g.add(brow)
		}
		h := f.toAcc()
		for j := 0; j < n; j++ {
			if h.s[j].Cmp(&g.s[j]) != 0 {
				t.Fatalf("s[%d]: fast %v, big %v", j, &h.s[j], &g.s[j])
			}
			for k := j; k < n; k++ {
				if h.P[j*n+k].Cmp(&g.P[j*n+k]) != 0 {
					t.Fatalf("P[%d,%d]: fast %v, big %v", j, k, &h.P[j*n+k], &g.P[j*n+k])
				}
			}
		}
	}
}
