package check

import "math/big"

// Exact rational helpers on row-major [][]*big.Rat. Inputs are never
// modified; every result is freshly allocated.

func rat(p, q int64) *big.Rat { return big.NewRat(p, q) }

func add(a, b *big.Rat) *big.Rat { return new(big.Rat).Add(a, b) }
func sub(a, b *big.Rat) *big.Rat { return new(big.Rat).Sub(a, b) }
func mul(a, b *big.Rat) *big.Rat { return new(big.Rat).Mul(a, b) }

// matMul returns a·b.
func matMul(a, b [][]*big.Rat) [][]*big.Rat {
	inner, cols := len(b), 0
	if inner > 0 {
		cols = len(b[0])
	}
	out := make([][]*big.Rat, len(a))
	var t big.Rat
	for i := range a {
		out[i] = make([]*big.Rat, cols)
		for j := 0; j < cols; j++ {
			s := new(big.Rat)
			for l := 0; l < inner; l++ {
				s.Add(s, t.Mul(a[i][l], b[l][j]))
			}
			out[i][j] = s
		}
	}
	return out
}

// gram returns a·aᵀ.
func gram(a [][]*big.Rat) [][]*big.Rat {
	out := make([][]*big.Rat, len(a))
	for i := range out {
		out[i] = make([]*big.Rat, len(a))
	}
	for i := range a {
		for j := i; j < len(a); j++ {
			s := dot(a[i], a[j])
			out[i][j], out[j][i] = s, new(big.Rat).Set(s)
		}
	}
	return out
}

func dot(u, v []*big.Rat) *big.Rat {
	s := new(big.Rat)
	var t big.Rat
	for i := range u {
		s.Add(s, t.Mul(u[i], v[i]))
	}
	return s
}

// frob2 returns ‖a‖²_F.
func frob2(a [][]*big.Rat) *big.Rat {
	s := new(big.Rat)
	for _, row := range a {
		s.Add(s, dot(row, row))
	}
	return s
}

// inner returns ⟨a, b⟩ = Σ a_ij b_ij.
func inner(a, b [][]*big.Rat) *big.Rat {
	s := new(big.Rat)
	for i := range a {
		s.Add(s, dot(a[i], b[i]))
	}
	return s
}

// shifted returns s·I − a (a square).
func shifted(s *big.Rat, a [][]*big.Rat) [][]*big.Rat {
	out := make([][]*big.Rat, len(a))
	for i := range a {
		out[i] = make([]*big.Rat, len(a))
		for j := range a {
			out[i][j] = new(big.Rat).Neg(a[i][j])
		}
		out[i][i].Add(out[i][i], s)
	}
	return out
}

// Inertia returns the numbers of positive and negative pivots of the LDLᵀ
// factorization without pivoting of the symmetric matrix a, and ok = false
// if a pivot is zero (then nothing is claimed). By Sylvester's law of
// inertia, with no zero pivot these are the numbers of positive and
// negative eigenvalues of a, and a is nonsingular.
func Inertia(a [][]*big.Rat) (pos, neg int, ok bool) {
	n := len(a)
	w := make([][]*big.Rat, n)
	for i := range a {
		w[i] = make([]*big.Rat, n)
		for j := range a {
			w[i][j] = new(big.Rat).Set(a[i][j])
		}
	}
	var f, t big.Rat
	for k := 0; k < n; k++ {
		p := w[k][k]
		switch p.Sign() {
		case 0:
			return 0, 0, false
		case 1:
			pos++
		default:
			neg++
		}
		for i := k + 1; i < n; i++ {
			if w[i][k].Sign() == 0 {
				continue
			}
			f.Quo(w[i][k], p)
			for j := k + 1; j < n; j++ {
				w[i][j].Sub(w[i][j], t.Mul(&f, w[k][j]))
			}
		}
	}
	return pos, neg, true
}
