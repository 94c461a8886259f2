package check

import "math/big"

// Exact rational helpers on row-major [][]*big.Rat. Inputs are never
// modified; every result is freshly allocated.

func rat(p, q int64) *big.Rat { return big.NewRat(p, q) }

func add(a, b *big.Rat) *big.Rat { return new(big.Rat).Add(a, b) }
func sub(a, b *big.Rat) *big.Rat { return new(big.Rat).Sub(a, b) }
func mul(a, b *big.Rat) *big.Rat { return new(big.Rat).Mul(a, b) }

// scaled returns the integer matrix A and the positive integer l with
// a = A/l (l the least common multiple of the denominators): products of
// integer matrices need no gcd per operation, which is where exact
// rational arithmetic spends its time.
func scaled(a [][]*big.Rat) ([][]*big.Int, *big.Int) {
	l := big.NewInt(1)
	var g big.Int
	for _, row := range a {
		for _, x := range row {
			if d := x.Denom(); !d.IsInt64() || d.Int64() != 1 {
				g.GCD(nil, nil, l, d)
				l.Mul(l, new(big.Int).Quo(d, &g))
			}
		}
	}
	out := make([][]*big.Int, len(a))
	for i, row := range a {
		out[i] = make([]*big.Int, len(row))
		for j, x := range row {
			f := new(big.Int).Quo(l, x.Denom())
			out[i][j] = f.Mul(f, x.Num())
		}
	}
	return out, l
}

// intDot returns Σ u_i v_i.
func intDot(u, v []*big.Int) *big.Int {
	s := new(big.Int)
	var t big.Int
	for i := range u {
		s.Add(s, t.Mul(u[i], v[i]))
	}
	return s
}

// matMul returns a·b.
func matMul(a, b [][]*big.Rat) [][]*big.Rat {
	ai, la := scaled(a)
	bi, lb := scaled(b)
	den := new(big.Int).Mul(la, lb)
	inner, cols := len(b), 0
	if inner > 0 {
		cols = len(b[0])
	}
	col := make([]*big.Int, inner)
	out := make([][]*big.Rat, len(a))
	for i := range out {
		out[i] = make([]*big.Rat, cols)
	}
	for j := 0; j < cols; j++ {
		for l := range col {
			col[l] = bi[l][j]
		}
		for i := range a {
			out[i][j] = new(big.Rat).SetFrac(intDot(ai[i], col), den)
		}
	}
	return out
}

// gram returns a·aᵀ.
func gram(a [][]*big.Rat) [][]*big.Rat {
	ai, l := scaled(a)
	den := new(big.Int).Mul(l, l)
	out := make([][]*big.Rat, len(a))
	for i := range out {
		out[i] = make([]*big.Rat, len(a))
	}
	for i := range a {
		for j := i; j < len(a); j++ {
			s := new(big.Rat).SetFrac(intDot(ai[i], ai[j]), den)
			out[i][j], out[j][i] = s, new(big.Rat).Set(s)
		}
	}
	return out
}

// frob2 returns ‖a‖²_F.
func frob2(a [][]*big.Rat) *big.Rat {
	ai, l := scaled(a)
	s := new(big.Int)
	for _, row := range ai {
		s.Add(s, intDot(row, row))
	}
	return new(big.Rat).SetFrac(s, new(big.Int).Mul(l, l))
}

// inner returns ⟨a, b⟩ = Σ a_ij b_ij.
func inner(a, b [][]*big.Rat) *big.Rat {
	ai, la := scaled(a)
	bi, lb := scaled(b)
	s := new(big.Int)
	for i := range ai {
		s.Add(s, intDot(ai[i], bi[i]))
	}
	return new(big.Rat).SetFrac(s, new(big.Int).Mul(la, lb))
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
//
// The pivots are d_k = m_k/m_{k−1}, m_k the k-th leading principal minor
// (m_0 = 1). They are computed fraction-free (Bareiss) on the integer
// matrix l·a, l > 0 the common denominator, which has the same inertia:
// after step k the diagonal entry is the minor m_{k+1} exactly.
func Inertia(a [][]*big.Rat) (pos, neg int, ok bool) {
	w, _ := scaled(a)
	n := len(w)
	prev := big.NewInt(1)
	var t big.Int
	for k := 0; k < n; k++ {
		p := w[k][k]
		switch p.Sign() * prev.Sign() {
		case 0:
			return 0, 0, false
		case 1:
			pos++
		default:
			neg++
		}
		for i := k + 1; i < n; i++ {
			for j := k + 1; j < n; j++ {
				w[i][j].Mul(w[i][j], p)
				w[i][j].Sub(w[i][j], t.Mul(w[i][k], w[k][j]))
				w[i][j].Quo(w[i][j], prev) // exact (Sylvester's identity)
			}
		}
		prev = p
	}
	return pos, neg, true
}
