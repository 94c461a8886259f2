package property

import (
	"math/big"

	"ufm/internal/bigmat"
	"ufm/internal/instance"
)

// mat is an exact rational matrix, row-major.
type mat [][]*big.Rat

func newMat(r, c int) mat {
	a := make(mat, r)
	for i := range a {
		a[i] = make([]*big.Rat, c)
		for j := range a[i] {
			a[i][j] = new(big.Rat)
		}
	}
	return a
}

func ident(n int) mat {
	a := newMat(n, n)
	for i := 0; i < n; i++ {
		a[i][i].SetInt64(1)
	}
	return a
}

func (a mat) rows() int { return len(a) }

func (a mat) cols() int {
	if len(a) == 0 {
		return 0
	}
	return len(a[0])
}

func (a mat) mul(b mat) mat {
	if a.cols() != b.rows() {
		panic("property: mat.mul dimension mismatch")
	}
	out := newMat(a.rows(), b.cols())
	var t big.Rat
	for i := range a {
		for k, aik := range a[i] {
			if aik.Sign() == 0 {
				continue
			}
			for j := range b[k] {
				t.Mul(aik, b[k][j])
				out[i][j].Add(out[i][j], &t)
			}
		}
	}
	return out
}

func (a mat) t() mat {
	out := newMat(a.cols(), a.rows())
	for i := range a {
		for j := range a[i] {
			out[j][i].Set(a[i][j])
		}
	}
	return out
}

func (a mat) add(b mat) mat {
	out := newMat(a.rows(), a.cols())
	for i := range a {
		for j := range a[i] {
			out[i][j].Add(a[i][j], b[i][j])
		}
	}
	return out
}

func (a mat) sub(b mat) mat {
	out := newMat(a.rows(), a.cols())
	for i := range a {
		for j := range a[i] {
			out[i][j].Sub(a[i][j], b[i][j])
		}
	}
	return out
}

func (a mat) scale(s *big.Rat) mat {
	out := newMat(a.rows(), a.cols())
	for i := range a {
		for j := range a[i] {
			out[i][j].Mul(a[i][j], s)
		}
	}
	return out
}

func (a mat) equal(b mat) bool {
	if a.rows() != b.rows() || a.cols() != b.cols() {
		return false
	}
	for i := range a {
		for j := range a[i] {
			if a[i][j].Cmp(b[i][j]) != 0 {
				return false
			}
		}
	}
	return true
}

// frob2 is ‖a‖²_F exactly.
func (a mat) frob2() *big.Rat {
	s := new(big.Rat)
	var t big.Rat
	for i := range a {
		for _, v := range a[i] {
			t.Mul(v, v)
			s.Add(s, &t)
		}
	}
	return s
}

// echelon returns the reduced row echelon form of a copy of a and its rank.
func (a mat) echelon() (mat, int) {
	e := a.add(newMat(a.rows(), a.cols()))
	r := 0
	var t big.Rat
	for c := 0; c < a.cols() && r < a.rows(); c++ {
		p := -1
		for i := r; i < a.rows(); i++ {
			if e[i][c].Sign() != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		e[r], e[p] = e[p], e[r]
		inv := new(big.Rat).Inv(e[r][c])
		for j := range e[r] {
			e[r][j].Mul(e[r][j], inv)
		}
		for i := range e {
			if i == r || e[i][c].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Set(e[i][c])
			for j := range e[i] {
				t.Mul(f, e[r][j])
				e[i][j].Sub(e[i][j], &t)
			}
		}
		r++
	}
	return e, r
}

func (a mat) rank() int {
	_, r := a.echelon()
	return r
}

// inverse returns a⁻¹ exactly (Gauss–Jordan on [a | I]); ok is false for a
// singular a.
func (a mat) inverse() (mat, bool) {
	n := a.rows()
	aug := newMat(n, 2*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			aug[i][j].Set(a[i][j])
		}
		aug[i][n+i].SetInt64(1)
	}
	e, _ := aug.echelon()
	// a is invertible iff the pivots are the first n columns, i.e. the
	// left block of the echelon form is I.
	for i := 0; i < n; i++ {
		if e[i][i].Cmp(big.NewRat(1, 1)) != 0 {
			return nil, false
		}
	}
	inv := newMat(n, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			inv[i][j].Set(e[i][n+j])
		}
	}
	return inv, true
}

// skew returns the n×n skew-symmetric matrix whose upper triangle, read
// row by row, is v (v may be longer than n(n−1)/2; the rest is ignored).
func skew(n int, v []int) mat {
	s := newMat(n, n)
	k := 0
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			s[i][j].SetInt64(int64(v[k]))
			s[j][i].SetInt64(-int64(v[k]))
			k++
		}
	}
	return s
}

// cayley returns the rational orthogonal matrix (I − S)(I + S)⁻¹ of a
// skew-symmetric S (I + S is always invertible: its eigenvalues are
// 1 + iθ).
func cayley(s mat) mat {
	n := s.rows()
	i := ident(n)
	inv, ok := i.add(s).inverse()
	if !ok {
		panic("property: I + S singular for a skew S")
	}
	return i.sub(s).mul(inv)
}

// targetsMat returns Y as an n×M matrix (column i is sample y_i).
func targetsMat(in *instance.Instance) mat {
	y := newMat(in.N(), in.M())
	for i, row := range in.Targets {
		for k, v := range row {
			y[k][i].Set(v)
		}
	}
	return y
}

// withTargets returns a copy of in whose targets are the columns of y.
func withTargets(in *instance.Instance, y mat) *instance.Instance {
	out := in.Clone()
	for i := range out.Targets {
		for k := range out.Targets[i] {
			out.Targets[i][k] = new(big.Rat).Set(y[k][i])
		}
	}
	return out
}

// objective returns L(W, H, b) of THEORY §1 exactly (b is ignored, taken
// as 0, for bias none).
func objective(in *instance.Instance, w, h mat, b []*big.Rat) *big.Rat {
	m := in.M()
	r := w.mul(h).sub(targetsMat(in))
	if in.Bias != instance.BiasNone {
		for k := range r {
			for i := range r[k] {
				r[k][i].Add(r[k][i], b[k])
			}
		}
	}
	twoM := big.NewRat(int64(2*m), 1)
	l := new(big.Rat).Quo(r.frob2(), twoM)
	t := new(big.Rat).Mul(in.LambdaH, h.frob2())
	l.Add(l, t.Quo(t, twoM))
	t = new(big.Rat).Mul(in.LambdaW, w.frob2())
	return l.Add(l, t.Quo(t, big.NewRat(2, 1)))
}

// toDense rounds a to a bigmat matrix at precision prec.
func (a mat) toDense(prec uint) *bigmat.Dense {
	flat := make([]*big.Rat, 0, a.rows()*a.cols())
	for i := range a {
		flat = append(flat, a[i]...)
	}
	return bigmat.FromRat(a.rows(), a.cols(), prec, flat)
}

// sigmaMat is in.Sigma() as a mat.
func sigmaMat(in *instance.Instance) mat { return mat(in.Sigma()) }
