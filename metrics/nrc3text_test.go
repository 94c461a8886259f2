package metrics

import (
	"math/big"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
)

// TestNRC3TextBound is QA reproducers m2 and m4 (issue 8). Σ of the targets
// has eigenvalues 1/2 and (1/2)(1 + 1e−13)², nearly isotropic, so
// Σ^{1/2} − √γ I is 1e−13 small and its normalization amplifies rounding.
//
//   - m2: W lies along the eigenvector of the larger eigenvalue, so NRC3 is
//     0 at γ = σ_min up to the 1e−13 tilt of the data: QA's reference
//     (metref.py, mpmath) gives 2.0e−139. At 30 digits the computed value
//     was 9.17e−67 printed with 30 digits, all noise; it must print as a
//     bound "< x" with 2e−139 ≤ x ≤ 1e−60.
//   - m4: W = e_2·… on the smaller eigenvalue: NRC3 = 2 − √2 (metref.py:
//     0.58578643762697566187642992877498), which keeps all 30 digits.
func TestNRC3TextBound(t *testing.T) {
	const digits = 30
	for _, tc := range []struct {
		name, h, w, y string
		want          string // "" for a bound
	}{
		{"m2", "1\n-2\n3\n-4\n", "-0.8\n0.6\n", "0.6,0.8\n-0.6,-0.8\n-0.80000000000008,0.60000000000006\n0.80000000000008,-0.60000000000006\n", ""},
		{"m4", "1\n-2\n3\n-4\n", "1\n0\n", "1,0\n-1,0\n0,1.0000000000001\n0,-1.0000000000001\n", "0.58578643762697566187642992877498"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prec := bigmat.Bits(digits)
			read := func(s string) *bigmat.Dense {
				m, err := ReadCSVBig(strings.NewReader(s), tc.name, prec)
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
			// Weights and targets exactly, as the command line reads them:
			// WWᵀ and Σ are those of the decimals, not of their roundings.
			exact := func(s string) *Exact {
				m, err := ReadCSVExact(strings.NewReader(s), tc.name)
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
			r, err := ComputeBigExact(read(tc.h), exact(tc.w), exact(tc.y), digits, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := r.NRC3Text()
			if tc.want == "" {
				b, ok := strings.CutPrefix(got, "< ")
				x, _, err := big.ParseFloat(b, 10, 64, big.ToNearestEven)
				if !ok || err != nil || x.Cmp(big.NewFloat(2.0e-139)) < 0 || x.Cmp(big.NewFloat(1e-60)) > 0 {
					t.Fatalf("NRC3 printed %q, want a bound \"< x\" with 2e-139 ≤ x ≤ 1e-60", got)
				}
				return
			}
			g, _, err := big.ParseFloat(got, 10, 256, big.ToNearestEven)
			w, _, _ := big.ParseFloat(tc.want, 10, 256, big.ToNearestEven)
			d := new(big.Float).Sub(g, w)
			d.Quo(d.Abs(d), w)
			if err != nil || len(strings.TrimLeft(strings.ReplaceAll(got, ".", ""), "0")) < digits || d.Cmp(big.NewFloat(1e-29)) > 0 {
				t.Fatalf("NRC3 printed %q, want %s to %d digits", got, tc.want, digits)
			}
		})
	}
}
