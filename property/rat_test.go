package property

import (
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/internal/ratmat"
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

// The arithmetic is package ratmat's; mat is only the [][]*big.Rat view
// that these tests index directly.

func fromRat(m *ratmat.Matrix) mat { return mat(m.Rows()) }

func (a mat) rat() *ratmat.Matrix { return ratmat.FromRows(a) }

func (a mat) mul(b mat) mat { return fromRat(ratmat.Mul(a.rat(), b.rat())) }

func (a mat) t() mat { return fromRat(a.rat().T()) }

func (a mat) add(b mat) mat { return fromRat(ratmat.Add(a.rat(), b.rat())) }

func (a mat) sub(b mat) mat { return fromRat(ratmat.Sub(a.rat(), b.rat())) }

func (a mat) scale(s *big.Rat) mat { return fromRat(ratmat.Scale(s, a.rat())) }

func (a mat) equal(b mat) bool {
	return a.rows() == b.rows() && a.cols() == b.cols() && ratmat.Equal(a.rat(), b.rat())
}

// frob2 is ‖a‖²_F exactly.
func (a mat) frob2() *big.Rat { return ratmat.Norm2(a.rat()) }

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

func (a mat) rank() int { return a.rat().Rank() }

// inverse returns a⁻¹ exactly; ok is false for a singular a.
func (a mat) inverse() (mat, bool) {
	inv, err := ratmat.Inverse(a.rat())
	if err != nil {
		return nil, false
	}
	return fromRat(inv), true
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
// skew-symmetric S.
func cayley(s mat) mat { return fromRat(ratmat.Cayley(s.rat())) }

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

// objective returns L(W, H, b) of docs/theory.md §1 exactly (b is ignored, taken
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
func (a mat) toDense(prec uint) *bigmat.Dense { return a.rat().Dense(prec) }

// sigmaMat is in.Sigma() as a mat.
func sigmaMat(in *instance.Instance) mat { return mat(in.Sigma()) }
