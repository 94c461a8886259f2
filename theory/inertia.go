package theory

import (
	"fmt"
	"math/big"
)

// Inertia returns the numbers of positive, negative and zero eigenvalues of
// the symmetric rational matrix a, decided exactly.
//
// It computes a congruence a = P·L·D·Lᵀ·Pᵀ in exact rational arithmetic
// with symmetric pivoting, D block diagonal with 1×1 and 2×2 blocks; by
// Sylvester's law of inertia a and D have the same inertia. A 1×1 pivot is
// any nonzero diagonal entry of the remaining block; when all remaining
// diagonal entries are zero but an off-diagonal entry a_pq is not, the 2×2
// pivot [[0, a_pq], [a_pq, 0]] has one positive and one negative eigenvalue.
// When the remaining block is zero, its size is the number of zero
// eigenvalues. No rounding happens anywhere, so an eigenvalue that is
// exactly zero is counted as zero, which floating point cannot promise.
//
// Only the upper triangle of a is read; a is not modified.
func Inertia(a [][]*big.Rat) (pos, neg, zero int) {
	n := len(a)
	s := make([][]*big.Rat, n)
	for i := range s {
		if len(a[i]) != n {
			panic(fmt.Sprintf("theory: Inertia of a ragged %d-row matrix", n))
		}
		s[i] = make([]*big.Rat, n)
		for j := range s[i] {
			if j >= i {
				s[i][j] = new(big.Rat).Set(a[i][j])
			} else {
				s[i][j] = new(big.Rat).Set(a[j][i])
			}
		}
	}
	swap := func(p, q int) { // symmetric permutation of rows and columns p, q
		s[p], s[q] = s[q], s[p]
		for i := range s {
			s[i][p], s[i][q] = s[i][q], s[i][p]
		}
	}
	var t, f big.Rat
	k := 0
	for k < n {
		piv := -1
		for i := k; i < n; i++ {
			if s[i][i].Sign() != 0 {
				piv = i
				break
			}
		}
		if piv >= 0 {
			swap(k, piv)
			d := s[k][k]
			if d.Sign() > 0 {
				pos++
			} else {
				neg++
			}
			// Schur complement: s_ij −= s_ik s_kj / d for i, j > k.
			for i := k + 1; i < n; i++ {
				if s[i][k].Sign() == 0 {
					continue
				}
				f.Quo(s[i][k], d)
				for j := k + 1; j < n; j++ {
					t.Mul(&f, s[k][j])
					s[i][j].Sub(s[i][j], &t)
				}
			}
			k++
			continue
		}
		p, q := -1, -1
		for i := k; i < n && p < 0; i++ {
			for j := i + 1; j < n; j++ {
				if s[i][j].Sign() != 0 {
					p, q = i, j
					break
				}
			}
		}
		if p < 0 {
			zero += n - k
			break
		}
		swap(k, p)
		swap(k+1, q)
		// 2×2 pivot E = [[0, e], [e, 0]], E⁻¹ = [[0, 1/e], [1/e, 0]].
		pos++
		neg++
		e := new(big.Rat).Set(s[k][k+1])
		// Schur complement: S −= C E⁻¹ Cᵀ where C = s[k+2:, k:k+2]:
		// (C E⁻¹ Cᵀ)_ij = (c_i0 c_j1 + c_i1 c_j0) / e.
		for i := k + 2; i < n; i++ {
			for j := k + 2; j < n; j++ {
				t.Mul(s[i][k], s[j][k+1])
				f.Mul(s[i][k+1], s[j][k])
				t.Add(&t, &f)
				if t.Sign() == 0 {
					continue
				}
				t.Quo(&t, e)
				s[i][j].Sub(s[i][j], &t)
			}
		}
		k += 2
	}
	return pos, neg, zero
}

// CountAbove returns the exact number of eigenvalues of the symmetric
// rational matrix a that are strictly greater than t, as the positive
// inertia of a − t·I.
func CountAbove(a [][]*big.Rat, t *big.Rat) int {
	n := len(a)
	b := make([][]*big.Rat, n)
	for i := range a {
		b[i] = make([]*big.Rat, n)
		for j := range a[i] {
			b[i][j] = new(big.Rat).Set(a[i][j])
			if i == j {
				b[i][j].Sub(b[i][j], t)
			}
		}
	}
	pos, _, _ := Inertia(b)
	return pos
}

// Rank returns the exact rank of the symmetric rational matrix a.
func Rank(a [][]*big.Rat) int {
	pos, neg, _ := Inertia(a)
	return pos + neg
}
