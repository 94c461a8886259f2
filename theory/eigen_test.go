package theory

import (
	"fmt"
	"math/big"
	"math/rand"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
)

// householderSpectrum returns H·diag(d)·H with the rational orthogonal
// H = I − 2vvᵀ/(vᵀv) for a random integer v: a dense rational symmetric
// matrix whose eigenvalues are exactly d.
func householderSpectrum(rng *rand.Rand, d []*big.Rat) [][]*big.Rat {
	n := len(d)
	v := make([]*big.Rat, n)
	vv := new(big.Rat)
	for i := range v {
		v[i] = big.NewRat(int64(rng.Intn(19)-9), 1)
		vv.Add(vv, new(big.Rat).Mul(v[i], v[i]))
	}
	if vv.Sign() == 0 {
		v[0].SetInt64(1)
		vv.SetInt64(1)
	}
	h := make([][]*big.Rat, n)
	for i := range h {
		h[i] = make([]*big.Rat, n)
		for j := range h[i] {
			x := new(big.Rat).Mul(v[i], v[j])
			x.Mul(x, big.NewRat(-2, 1)).Quo(x, vv)
			if i == j {
				x.Add(x, big.NewRat(1, 1))
			}
			h[i][j] = x
		}
	}
	out := make([][]*big.Rat, n)
	for i := range out {
		out[i] = make([]*big.Rat, n)
		for j := range out[i] {
			s := new(big.Rat)
			for k := 0; k < n; k++ {
				s.Add(s, new(big.Rat).Mul(new(big.Rat).Mul(h[i][k], d[k]), h[k][j]))
			}
			out[i][j] = s
		}
	}
	return out
}

// TestRefinedEigen: the decomposition of H·diag(d)·H (n = 20: refined, or
// Jacobi when the refinement's bounds are not tight enough) has the
// eigenvalues d (sorted) to within 2^-(prec−16)·‖d‖ and orthonormal
// vectors, for spectra with exact ties, a near-tie of 10⁻⁴⁰, tiny and zero
// eigenvalues (reference: d itself, exact).
func TestRefinedEigen(t *testing.T) {
	rng := rand.New(rand.NewSource(15))
	r := func(s string) *big.Rat { x, _ := new(big.Rat).SetString(s); return x }
	spectra := [][]string{
		{"1", "1", "1", "2", "2", "3", "5", "7", "1/3", "1/3", "0", "0", "1e-50", "4", "4", "9", "10", "11", "12", "13"},
		{"1", "1.0000000000000000000000000000000000000001", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19"},
		{"1e30", "1", "1e-30", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18"},
	}
	const prec = 300
	for si, sp := range spectra {
		d := make([]*big.Rat, len(sp))
		for i, s := range sp {
			d[i] = r(s)
		}
		a := householderSpectrum(rng, d)
		n := len(a)
		flat := make([]*big.Rat, 0, n*n)
		for _, row := range a {
			flat = append(flat, row...)
		}
		m := bigmat.FromRat(n, n, prec, flat)
		vals, v, _, err := symEigen(m, roundingError(m), nil, 0)
		if err != nil {
			t.Fatalf("spectrum %d: %v", si, err)
		}
		want := make([]*big.Float, n)
		for i := range d {
			want[i] = new(big.Float).SetPrec(prec).SetRat(d[i])
		}
		sortDesc(want)
		tol := new(big.Float).SetPrec(prec).SetMantExp(m.FrobeniusNorm(), 16-prec)
		for i := range vals {
			diff := new(big.Float).SetPrec(prec).Sub(vals[i], want[i])
			if diff.Abs(diff).Cmp(tol) > 0 {
				t.Errorf("spectrum %d: λ_%d = %s, want %s (diff %s, tol %s)", si, i, vals[i].Text('g', 50), want[i].Text('g', 50), diff.Text('e', 3), tol.Text('e', 3))
			}
		}
		f := new(bigmat.Dense).TransMul(v, v)
		for i := 0; i < n; i++ {
			f.At(i, i).Sub(f.At(i, i), big.NewFloat(1))
		}
		if f.FrobeniusNorm().Cmp(new(big.Float).SetMantExp(big.NewFloat(1), 16-prec)) > 0 {
			t.Errorf("spectrum %d: ‖VᵀV − I‖ = %s", si, f.FrobeniusNorm().Text('g', 5))
		}
	}
}

func sortDesc(v []*big.Float) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j].Cmp(v[j-1]) > 0; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

// TestRefinedPathTaken: on a generic Σ (n = 24) the refinement converges
// and its rigorous bounds are tight enough, so Jacobi is not needed.
func TestRefinedPathTaken(t *testing.T) {
	in := benchInstance(t, 24, 24, 72)
	ex := newExactFacts(in)
	n := in.N()
	flat := make([]*big.Rat, 0, n*n)
	for _, row := range ex.exactSigma() {
		flat = append(flat, row...)
	}
	m := bigmat.FromRat(n, n, bigmat.Bits(50), flat)
	vals, v, ok := refinedEigen(m, float64Eigenvectors(m), 40)
	if !ok {
		t.Fatal("refinement did not converge")
	}
	if e := newSpectralCert(m, vals, v, roundingError(m)).eigenvalueError(); e.Cmp(refineTolerance(m)) > 0 {
		t.Fatalf("eigenvalue bound %s above %s", e.Text('e', 3), refineTolerance(m).Text('e', 3))
	}
}

// TestRefinedEigenSmallHighPrecision: from refineMinPrec bits on, and for
// the second evaluation (refining vectors of a lower precision), small
// orders are refined too; the eigenvalues must be the exact d to within
// 2^-(prec−16)·‖Σ‖ and the vectors orthonormal, with exact ties, a
// near-tie and zeros in the spectrum.
func TestRefinedEigenSmallHighPrecision(t *testing.T) {
	rng := rand.New(rand.NewSource(16))
	r := func(s string) *big.Rat { x, _ := new(big.Rat).SetString(s); return x }
	spectra := [][]string{
		{"1", "1", "2", "1/3", "0", "1e-50", "4", "4"},
		{"1", "1.0000000000000000000000000000000000000001", "2", "3", "7/9", "5"},
		{"1e30", "1", "1e-30", "2", "3"},
	}
	for si, sp := range spectra {
		d := make([]*big.Rat, len(sp))
		for i, s := range sp {
			d[i] = r(s)
		}
		a := householderSpectrum(rng, d)
		n := len(a)
		flat := make([]*big.Rat, 0, n*n)
		for _, row := range a {
			flat = append(flat, row...)
		}
		low := bigmat.FromRat(n, n, 300, flat)
		_, lowVecs, _, err := symEigen(low, roundingError(low), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name      string
			prec      uint
			start     *bigmat.Dense
			startBits int
		}{
			{"from float64 at 1400 bits", 1400, nil, 0},
			{"from 300-bit vectors at 340 bits", 340, lowVecs, 268},
		} {
			m := bigmat.FromRat(n, n, tc.prec, flat)
			start, bits := tc.start, tc.startBits
			if start == nil {
				start, bits = float64Eigenvectors(m), 40
			}
			// The refinement itself must succeed (not fall back to Jacobi).
			rv, rx, ok := refinedEigen(m, start, bits)
			if !ok {
				t.Fatalf("spectrum %d, %s: refinement did not converge", si, tc.name)
			}
			if e := newSpectralCert(m, rv, rx, roundingError(m)).eigenvalueError(); e.Cmp(refineTolerance(m)) > 0 {
				t.Fatalf("spectrum %d, %s: eigenvalue bound %s above %s", si, tc.name, e.Text('e', 3), refineTolerance(m).Text('e', 3))
			}
			vals, v, _, err := symEigen(m, roundingError(m), tc.start, tc.startBits)
			if err != nil {
				t.Fatalf("spectrum %d, %s: %v", si, tc.name, err)
			}
			want := make([]*big.Float, n)
			for i := range d {
				want[i] = new(big.Float).SetPrec(tc.prec).SetRat(d[i])
			}
			sortDesc(want)
			tol := new(big.Float).SetPrec(tc.prec).SetMantExp(m.FrobeniusNorm(), 16-int(tc.prec))
			for i := range vals {
				diff := new(big.Float).SetPrec(tc.prec).Sub(vals[i], want[i])
				if diff.Abs(diff).Cmp(tol) > 0 {
					t.Errorf("spectrum %d, %s: λ_%d off by %s (tol %s)", si, tc.name, i, diff.Text('e', 3), tol.Text('e', 3))
				}
			}
			f := new(bigmat.Dense).TransMul(v, v)
			for i := 0; i < n; i++ {
				f.At(i, i).Sub(f.At(i, i), big.NewFloat(1))
			}
			if f.FrobeniusNorm().Cmp(new(big.Float).SetMantExp(big.NewFloat(1), 16-int(tc.prec))) > 0 {
				t.Errorf("spectrum %d, %s: ‖VᵀV − I‖ = %s", si, tc.name, f.FrobeniusNorm().Text('g', 5))
			}
		}
	}
}

// TestPredictMatchesJacobi: on the refined paths — n = 20 (n ≥ 16) at 40
// digits and n = 12 at 300 digits (above refineMinPrec) — Predict's σ_j
// agree with a Jacobi eigendecomposition of the exact Σ at the same
// precision to the requested digits.
func TestPredictMatchesJacobi(t *testing.T) {
	for _, c := range []struct{ n, d, m, digits int }{{20, 10, 60, 40}, {12, 24, 60, 300}} {
		in := benchInstance(t, c.n, c.d, c.m)
		p, err := Predict(in, c.digits)
		if err != nil {
			t.Fatal(err)
		}
		checkJustified(t, p)
		ex := newExactFacts(in)
		var e bigmat.SymEigen
		n := in.N()
		flat := make([]*big.Rat, 0, n*n)
		for _, row := range ex.exactSigma() {
			flat = append(flat, row...)
		}
		if err := e.Factorize(bigmat.FromRat(n, n, p.Prec, flat)); err != nil {
			t.Fatal(err)
		}
		for j := range e.Values {
			checkRel(t, fmt.Sprintf("n=%d, %d digits: σ_%d", c.n, c.digits, j+1), p.Sigma[j], e.Values[j], c.digits)
		}
	}
}
