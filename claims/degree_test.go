package claims

import (
	"math"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/ratmat"
	"github.com/nrc-ufm/ufm/proofs"
)

// TestLemmaDegreesMeasured measures the degree each identity check must
// state, instead of deriving it by hand: every variable of the identity —
// the targets Y, λ_H, λ_W and the random W, H, b, u, v, U — is put on one
// random line x(t) = a + t·e, each side of each identity becomes a
// rational function of t. Written over the least common denominator of the
// two sides, lhs − rhs has a numerator polynomial: that is what a false
// identity makes nonzero, and its degree is the numerator degree of
// lhs + c·rhs for a generic constant c, found by rational interpolation at
// 70 points (mod the prime 2^61 − 1). On a random line it is the total
// degree with high probability. The degree the check states (recovered
// from the bound it reports) must be at least that: an understated degree
// overstates the Schwartz–Zippel confidence.
func TestLemmaDegreesMeasured(t *testing.T) {
	for _, tc := range []struct {
		claim string
		f     sidesFn
		n, d  int
	}{
		{"r1-bias", r1Sides, 2, 2},
		{"r2-push-through", r2Sides, 2, 2},
		{"r2-push-through", r2Sides, 3, 1},
		{"r3-reduced-objective", r3Sides, 2, 2},
		{"r4-residual", r4Sides, 2, 2},
		{"r5-balance", r5Sides, 2, 2},
	} {
		const m = 3
		rng := rand.New(rand.NewPCG(uint64(tc.n), uint64(tc.d)))
		measured := measureDegree(t, tc.f, tc.n, tc.d, m, rng)
		stated := statedDegree(t, tc.claim, tc.n, tc.d, m)
		t.Logf("%s (n = %d, d = %d, M = %d): measured %d, stated %d", tc.claim, tc.n, tc.d, m, measured, stated)
		if stated < measured {
			t.Errorf("%s (n = %d, d = %d): states degree %d, but its cleared polynomial has degree %d on a random line", tc.claim, tc.n, tc.d, stated, measured)
		}
	}
}

// statedDegree runs the claim on a random instance of the shape and reads
// the degree off the bound it reports: BoundLog10 = k·(log10 D − szSetLog·log10 2).
func statedDegree(t *testing.T, name string, n, d, m int) int {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	in := newInstance("shape", randMatS(rng, n, m), randSPos(rng), randSPos(rng), d, instance.BiasFree, 30)
	const points = 3
	out := proofs.CheckOne(claim(t, name), in, proofs.CheckConfig{Seed: 5, Points: points})
	if out.Verdict != proofs.Holds || out.BoundLog10 == 0 {
		t.Fatalf("%s: %s (%s)", name, out.Verdict, out.Reason)
	}
	k := float64(universalFactor * points)
	return int(math.Round(math.Pow(10, out.BoundLog10/k+szSetLog*math.Log10(2))))
}

const (
	maxDegree  = 30
	linePoints = 2*maxDegree + 10
	modP       = 1<<61 - 1
)

// measureDegree returns the largest numerator degree of lhs − rhs (over the
// common denominator) among f's identities, on a random line through all
// variables (matrix sides are reduced to a fixed linear combination of
// their entries).
func measureDegree(t *testing.T, f sidesFn, n, d, m int, rng *rand.Rand) int {
	t.Helper()
	base, dir := lineEnds(rng, n, d, m), lineEnds(rng, n, d, m)
	var ts []uint64
	var ls, rs [][]uint64 // per identity
	for k := int64(1); len(ts) < linePoints; k++ {
		if k > 4*linePoints {
			t.Fatal("too many points where a side is undefined")
		}
		p, x := base.at(dir, big.NewRat(k, 1), d)
		all := f(p, x)
		lv, rv, ok := reduceSides(all, rng)
		if !ok {
			continue
		}
		if ls == nil {
			ls, rs = make([][]uint64, len(all)), make([][]uint64, len(all))
		}
		ts = append(ts, uint64(k))
		for i := range all {
			ls[i], rs[i] = append(ls[i], lv[i]), append(rs[i], rv[i])
		}
	}
	worst := 0
	for i := range ls {
		// lhs + c·rhs for a fixed c: its reduced denominator is
		// lcm(den lhs, den rhs) and its numerator degree is that of the
		// numerator of lhs − rhs written over that lcm — the polynomial a
		// false identity would make nonzero.
		const c = 987654321
		h := make([]uint64, len(ts))
		for k := range ts {
			h[k] = addMod(ls[i][k], mulMod(c, rs[i][k]))
		}
		p, _ := ratDegrees(t, ts, h)
		worst = max(worst, p)
	}
	return worst
}

// lineData holds one end of the line: every variable of a lemma point.
type lineData struct {
	y      *ratmat.Matrix
	lh, lw *big.Rat
	x      lemmaVars
}

func lineEnds(rng *rand.Rand, n, d, m int) lineData {
	return lineData{
		y: randMatS(rng, n, m), lh: randSPos(rng), lw: randSPos(rng),
		x: lemmaVars{W: randMatS(rng, n, d), H: randMatS(rng, d, m), B: randMatS(rng, n, 1),
			Uvec: randMatS(rng, d, 1), V: randMatS(rng, n, 1), U: randMatS(rng, d, d)},
	}
}

// at returns the problem and variables at a + t·e.
func (a lineData) at(e lineData, t *big.Rat, d int) (*problem, lemmaVars) {
	mat := func(x, y *ratmat.Matrix) *ratmat.Matrix { return ratmat.Add(x, ratmat.Scale(t, y)) }
	num := func(x, y *big.Rat) *big.Rat { return new(big.Rat).Add(x, new(big.Rat).Mul(t, y)) }
	in := newInstance("line", mat(a.y, e.y), num(a.lh, e.lh), num(a.lw, e.lw), d, instance.BiasFree, 30)
	return newProblem(in), lemmaVars{
		W: mat(a.x.W, e.x.W), H: mat(a.x.H, e.x.H), B: mat(a.x.B, e.x.B),
		Uvec: mat(a.x.Uvec, e.x.Uvec), V: mat(a.x.V, e.x.V), U: mat(a.x.U, e.x.U),
	}
}

// reduceSides maps each identity's sides to residues mod modP of a random
// (but per-entry fixed) linear combination of their entries.
func reduceSides(all []sides, rng *rand.Rand) (l, r []uint64, ok bool) {
	for i, s := range all {
		if s.undefined != "" {
			return nil, nil, false
		}
		lv, ok1 := combine(s.lhs, i)
		rv, ok2 := combine(s.rhs, i)
		if !ok1 || !ok2 {
			return nil, nil, false
		}
		l, r = append(l, lv), append(r, rv)
	}
	return l, r, true
}

// combine returns Σ c_ij a_ij mod modP with fixed small weights c_ij.
func combine(a *ratmat.Matrix, salt int) (uint64, bool) {
	rows, cols := a.Dims()
	sum := uint64(0)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			v, ok := ratMod(a.At(i, j))
			if !ok {
				return 0, false
			}
			w := uint64(3 + 7*i + 13*j + 17*salt)
			sum = addMod(sum, mulMod(w, v))
		}
	}
	return sum, true
}

func ratMod(x *big.Rat) (uint64, bool) {
	p := new(big.Int).SetUint64(modP)
	num := new(big.Int).Mod(x.Num(), p).Uint64()
	den := new(big.Int).Mod(x.Denom(), p).Uint64()
	if den == 0 {
		return 0, false
	}
	return mulMod(num, powMod(den, modP-2)), true
}

func mulMod(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	_, rem := bits.Div64(hi, lo, modP)
	return rem
}

func addMod(a, b uint64) uint64 { return (a + b) % modP }

func subMod(a, b uint64) uint64 { return (a + modP - b) % modP }

func powMod(a, e uint64) uint64 {
	r := uint64(1)
	for ; e > 0; e >>= 1 {
		if e&1 == 1 {
			r = mulMod(r, a)
		}
		a = mulMod(a, a)
	}
	return r
}

// ratDegrees returns the reduced degrees (p, q) of the rational function
// taking the values ys at ts: q is the least denominator degree for which
// N(t_i) = y_i D(t_i) has a solution with deg N ≤ maxDegree, p then the
// least numerator degree. With more than 2·maxDegree + 1 points a solution
// is the function itself, so the degrees are exact (mod modP).
func ratDegrees(t *testing.T, ts, ys []uint64) (p, q int) {
	t.Helper()
	for q = 0; q <= maxDegree; q++ {
		if interpolates(ts, ys, maxDegree, q) {
			break
		}
	}
	if q > maxDegree {
		t.Fatalf("a side has denominator degree above %d", maxDegree)
	}
	for p = 0; p <= maxDegree; p++ {
		if interpolates(ts, ys, p, q) {
			return p, q
		}
	}
	t.Fatalf("a side has numerator degree above %d", maxDegree)
	return 0, 0
}

// interpolates reports whether N(t_i) − y_i D(t_i) = 0 (deg N ≤ p,
// deg D ≤ q) has a nonzero solution: the rank of its matrix is below p+q+2.
func interpolates(ts, ys []uint64, p, q int) bool {
	cols := p + q + 2
	a := make([][]uint64, len(ts))
	for i, t := range ts {
		row := make([]uint64, cols)
		pw := uint64(1)
		for j := 0; j <= max(p, q); j++ {
			if j <= p {
				row[j] = pw
			}
			if j <= q {
				row[p+1+j] = subMod(0, mulMod(ys[i], pw))
			}
			pw = mulMod(pw, t)
		}
		a[i] = row
	}
	return rankMod(a, cols) < cols
}

func rankMod(a [][]uint64, cols int) int {
	rank := 0
	for c := 0; c < cols && rank < len(a); c++ {
		piv := -1
		for r := rank; r < len(a); r++ {
			if a[r][c] != 0 {
				piv = r
				break
			}
		}
		if piv < 0 {
			continue
		}
		a[rank], a[piv] = a[piv], a[rank]
		inv := powMod(a[rank][c], modP-2)
		for r := rank + 1; r < len(a); r++ {
			if a[r][c] == 0 {
				continue
			}
			f := mulMod(a[r][c], inv)
			for k := c; k < cols; k++ {
				a[r][k] = subMod(a[r][k], mulMod(f, a[rank][k]))
			}
		}
		rank++
	}
	return rank
}
