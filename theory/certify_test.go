package theory

import (
	"math/big"
	"math/rand"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
)

// certFor rounds the exact sigma to prec bits, decomposes it and bounds it.
func certFor(t *testing.T, sigma [][]*big.Rat, prec uint) (*spectralCert, *bigmat.Dense, *bigmat.SymEigen) {
	t.Helper()
	n := len(sigma)
	flat := make([]*big.Rat, 0, n*n)
	for _, row := range sigma {
		flat = append(flat, row...)
	}
	s := bigmat.FromRat(n, n, prec, flat)
	var e bigmat.SymEigen
	if err := e.Factorize(s); err != nil {
		t.Fatal(err)
	}
	return newSpectralCert(s, e.Values, e.Vectors, roundingError(s)), s, &e
}

// TestSpectralCertAgreesWithExact: on random rational Σ (rank-deficient
// ones included) and shifts at, between and near the eigenvalues, every
// count the certificate decides equals the exact inertia, and shifts equal
// to an eigenvalue are never decided.
func TestSpectralCertAgreesWithExact(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	decided := 0
	for trial := 0; trial < 40; trial++ {
		n := 1 + rng.Intn(5)
		m := 1 + rng.Intn(7)
		rows := make([][]*big.Rat, m)
		for i := range rows {
			rows[i] = make([]*big.Rat, n)
			for k := range rows[i] {
				rows[i][k] = big.NewRat(int64(rng.Intn(21)-10), int64(1+rng.Intn(9)))
			}
		}
		sigma := make([][]*big.Rat, n)
		for k := range sigma {
			sigma[k] = make([]*big.Rat, n)
			for j := range sigma[k] {
				s := new(big.Rat)
				for i := range rows {
					s.Add(s, new(big.Rat).Mul(rows[i][k], rows[i][j]))
				}
				sigma[k][j] = s.Quo(s, big.NewRat(int64(m), 1))
			}
		}
		cert, _, e := certFor(t, sigma, 200)
		shifts := []*big.Rat{new(big.Rat), big.NewRat(1, 3), big.NewRat(7, 2)}
		for _, v := range e.Values {
			r, _ := v.Rat(nil)
			shifts = append(shifts, r, new(big.Rat).Add(r, big.NewRat(1, 1000)))
		}
		for _, sh := range shifts {
			cnt, ok := cert.countAbove(sh)
			if !ok {
				continue
			}
			decided++
			if want := CountAbove(sigma, sh); cnt != want {
				t.Fatalf("trial %d: certified %d eigenvalues above %s, exactly %d", trial, cnt, sh.RatString(), want)
			}
		}
		// Shifting by an exact eigenvalue (0 when Σ is singular).
		if Rank(sigma) < n {
			if _, ok := cert.countAbove(new(big.Rat)); ok {
				t.Fatalf("trial %d: Σ is singular but the count above 0 was certified", trial)
			}
		}
	}
	if decided < 100 {
		t.Errorf("only %d shifts decided by the certificate", decided)
	}
}

// TestSpectralCertWrongEigenvalue: a computed eigenvalue that is wrong by
// 10⁻³⁰ must not certify a count: Σ = diag(4, 1), λ̃₂ replaced by
// 1 + 10⁻³⁰ and t = 1 + 10⁻⁴⁰ (truly one eigenvalue above t). The residual
// Σ̃V − VΛ̃ carries the error into the bound.
func TestSpectralCertWrongEigenvalue(t *testing.T) {
	sigma := [][]*big.Rat{{big.NewRat(4, 1), new(big.Rat)}, {new(big.Rat), big.NewRat(1, 1)}}
	_, s, e := certFor(t, sigma, 300)
	vals := []*big.Float{e.Values[0], ratFloat("1.000000000000000000000000000001", 300)}
	cert := newSpectralCert(s, vals, e.Vectors, roundingError(s))
	tt, _ := new(big.Rat).SetString("1.0000000000000000000000000000000000000001")
	if cnt, ok := cert.countAbove(tt); ok && cnt != 1 {
		t.Fatalf("certified %d eigenvalues above 1 + 1e-40, exactly 1", cnt)
	}
	// With the right eigenvalue the count is decided.
	if cnt, ok := newSpectralCert(s, e.Values, e.Vectors, roundingError(s)).countAbove(tt); !ok || cnt != 1 {
		t.Errorf("count above 1 + 1e-40: %d, decided %v; want 1, true", cnt, ok)
	}
}

// roundingError bounds ‖s − Σ‖_F for s = Σ rounded entrywise to nearest at
// s.Prec() bits: 2^-prec·‖Σ‖_F ≤ 2^(1−prec)·‖s‖_F.
func roundingError(s *bigmat.Dense) *big.Float {
	return new(big.Float).SetMantExp(s.FrobeniusNorm(), 1-int(s.Prec()))
}
