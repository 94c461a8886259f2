package bigmat

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
)

// ErrNoConvergence is returned when the Jacobi iteration has not reduced the
// off-diagonal part below the working precision within MaxJacobiSweeps.
var ErrNoConvergence = errors.New("bigmat: Jacobi eigendecomposition did not converge")

// MaxJacobiSweeps bounds the number of cyclic Jacobi sweeps. Cyclic Jacobi
// converges quadratically once the off-diagonal mass is small, so the number
// of sweeps grows like log2 of the precision: 300 digits need about 10.
const MaxJacobiSweeps = 60

// SymEigen is the eigendecomposition a = V·diag(Values)·Vᵀ of a symmetric
// matrix, eigenvalues in descending order and V orthogonal (column j is the
// eigenvector of Values[j]).
type SymEigen struct {
	Values  []*big.Float
	Vectors *Dense
	Sweeps  int
}

// Factorize computes the eigendecomposition of symmetric a by the cyclic
// Jacobi method at precision a.Prec(). Only the matrix (a+aᵀ)/2 is used, so
// a tiny asymmetry from rounding is harmless. The iteration stops when the
// off-diagonal Frobenius norm is below 2^-prec times the Frobenius norm of
// a; the eigenvalues are then accurate to a few units in the last place of
// ‖a‖_F (Jacobi is backward stable) and V is orthogonal to the same
// accuracy. Repeated eigenvalues are handled: V then spans the eigenspace.
func (e *SymEigen) Factorize(a *Dense) error {
	if a.rows != a.cols {
		panic(fmt.Sprintf("bigmat: SymEigen of %d×%d", a.rows, a.cols))
	}
	n := a.rows
	prec := a.prec
	s := new(Dense).Symmetrize(a)
	v := Identity(n, prec)

	norm := s.FrobeniusNorm()
	tol := new(big.Float).SetPrec(prec).SetMantExp(norm, -int(prec))
	var (
		theta, t, c, sn, tmp, tmp2, off big.Float
		one                             = new(big.Float).SetPrec(prec).SetInt64(1)
	)
	for _, x := range []*big.Float{&theta, &t, &c, &sn, &tmp, &tmp2, &off} {
		x.SetPrec(prec)
	}
	converged := n <= 1 || norm.Sign() == 0
	sweeps := 0
	for !converged && sweeps < MaxJacobiSweeps {
		sweeps++
		for p := 0; p < n-1; p++ {
			for q := p + 1; q < n; q++ {
				apq := s.At(p, q)
				if apq.Sign() == 0 {
					continue
				}
				// theta = (a_qq − a_pp) / (2 a_pq);
				// t = sign(theta) / (|theta| + sqrt(theta² + 1)).
				theta.Sub(s.At(q, q), s.At(p, p))
				tmp.SetMantExp(apq, 1)
				theta.Quo(&theta, &tmp)
				tmp.Mul(&theta, &theta)
				tmp.Add(&tmp, one)
				tmp.Sqrt(&tmp)
				tmp2.Abs(&theta)
				tmp.Add(&tmp, &tmp2)
				t.Quo(one, &tmp)
				if theta.Sign() < 0 {
					t.Neg(&t)
				}
				// c = 1/sqrt(t²+1), s = t·c.
				tmp.Mul(&t, &t)
				tmp.Add(&tmp, one)
				tmp.Sqrt(&tmp)
				c.Quo(one, &tmp)
				sn.Mul(&t, &c)
				rotate(s, v, p, q, &t, &c, &sn, prec)
			}
		}
		off.SetInt64(0)
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				tmp.Mul(s.At(i, j), s.At(i, j))
				off.Add(&off, &tmp)
			}
		}
		off.SetMantExp(&off, 1)
		off.Sqrt(&off)
		converged = off.Cmp(tol) <= 0
	}
	if !converged {
		return ErrNoConvergence
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		return s.At(order[i], order[i]).Cmp(s.At(order[j], order[j])) > 0
	})
	e.Values = make([]*big.Float, n)
	e.Vectors = New(n, n, prec)
	for k, idx := range order {
		e.Values[k] = new(big.Float).SetPrec(prec).Set(s.At(idx, idx))
		for i := 0; i < n; i++ {
			e.Vectors.At(i, k).Set(v.At(i, idx))
		}
	}
	e.Sweeps = sweeps
	return nil
}

// rotate applies the Jacobi rotation J(p,q) that annihilates s[p][q]:
// s ← Jᵀ s J and v ← v J, with tangent t, cosine c and sine sn.
func rotate(s, v *Dense, p, q int, t, c, sn *big.Float, prec uint) {
	n := s.rows
	var x, y, u, w big.Float
	x.SetPrec(prec)
	y.SetPrec(prec)
	u.SetPrec(prec)
	w.SetPrec(prec)
	apq := s.At(p, q)
	// Diagonal update: a_pp −= t a_pq, a_qq += t a_pq.
	u.Mul(t, apq)
	s.At(p, p).Sub(s.At(p, p), &u)
	s.At(q, q).Add(s.At(q, q), &u)
	apq.SetInt64(0)
	s.At(q, p).SetInt64(0)
	for k := 0; k < n; k++ {
		if k == p || k == q {
			continue
		}
		akp, akq := s.At(k, p), s.At(k, q)
		// a_kp' = c a_kp − s a_kq; a_kq' = s a_kp + c a_kq.
		x.Mul(c, akp)
		y.Mul(sn, akq)
		u.Sub(&x, &y)
		x.Mul(sn, akp)
		y.Mul(c, akq)
		w.Add(&x, &y)
		akp.Set(&u)
		akq.Set(&w)
		s.At(p, k).Set(&u)
		s.At(q, k).Set(&w)
	}
	for k := 0; k < n; k++ {
		vkp, vkq := v.At(k, p), v.At(k, q)
		x.Mul(c, vkp)
		y.Mul(sn, vkq)
		u.Sub(&x, &y)
		x.Mul(sn, vkp)
		y.Mul(c, vkq)
		w.Add(&x, &y)
		vkp.Set(&u)
		vkq.Set(&w)
	}
}

// SpectralFunction returns V·diag(f(λ_j))·Vᵀ for the decomposition e, at
// e's precision. f receives each eigenvalue and must return a new value.
// The result is exactly symmetric: entry (i, j) is computed once, for i ≤ j,
// and mirrored, so callers that read one triangle (Cholesky) or compare with
// the transpose see the same numbers.
func (e *SymEigen) SpectralFunction(f func(lambda *big.Float) *big.Float) *Dense {
	n := len(e.Values)
	prec := e.Vectors.prec
	fv := make([]*big.Float, n)
	for k := 0; k < n; k++ {
		fv[k] = f(e.Values[k])
	}
	out := New(n, n, prec)
	var t, u big.Float
	t.SetPrec(prec)
	u.SetPrec(prec)
	v := e.Vectors
	for i := 0; i < n; i++ {
		for k := 0; k < n; k++ {
			if fv[k].Sign() == 0 || v.data[i*n+k].Sign() == 0 {
				continue
			}
			// t = V_ik·f_k, then out_ij += t·V_jk for j ≥ i.
			t.Mul(&v.data[i*n+k], fv[k])
			for j := i; j < n; j++ {
				u.Mul(&t, &v.data[j*n+k])
				o := &out.data[i*n+j]
				o.Add(o, &u)
			}
		}
		for j := i + 1; j < n; j++ {
			out.data[j*n+i].Set(&out.data[i*n+j])
		}
	}
	return out
}

// SqrtPSD returns the symmetric positive semidefinite square root of the
// symmetric PSD matrix a. Eigenvalues that come out negative from rounding
// (they are then at most a few ulps of ‖a‖_F in size) are treated as zero;
// a clearly negative eigenvalue (below −2^(−prec/2)·‖a‖_F) is an error.
//
// Eigenvalues of size at most the backward error of the eigensolver,
// n·2^(−prec+8)·‖a‖_F, are also set to zero before the square root is
// taken. Such an eigenvalue is indistinguishable from 0 at this precision;
// without the cut a computed 10^−60 in place of an exact zero would become
// 10^−30 in the root and cost a singular matrix half of its digits. The cut
// itself changes the root by at most √(n·2^(−prec+8)·‖a‖_F), no more than
// the rounding of such an eigenvalue already could.
func SqrtPSD(a *Dense) (*Dense, error) {
	var e SymEigen
	if err := e.Factorize(a); err != nil {
		return nil, err
	}
	prec := a.prec
	norm := a.FrobeniusNorm()
	neg := new(big.Float).SetPrec(prec).SetMantExp(norm, -int(prec/2))
	neg.Neg(neg)
	for _, l := range e.Values {
		if l.Cmp(neg) < 0 {
			return nil, fmt.Errorf("bigmat: SqrtPSD of a matrix with eigenvalue %s", l.Text('g', 10))
		}
	}
	zero := zeroEigenThreshold(a.rows, prec, norm)
	return e.SpectralFunction(func(l *big.Float) *big.Float {
		r := new(big.Float).SetPrec(prec)
		if l.Cmp(zero) <= 0 {
			return r
		}
		return r.Sqrt(l)
	}), nil
}

// zeroEigenThreshold returns n·2^(−prec+8)·norm, the size below which a
// computed eigenvalue of a matrix of Frobenius norm norm cannot be told
// from zero (the backward error bound of Factorize, with a safety factor).
func zeroEigenThreshold(n int, prec uint, norm *big.Float) *big.Float {
	t := new(big.Float).SetPrec(prec).SetInt64(int64(max(n, 1)))
	t.SetMantExp(t, 8-int(prec))
	return t.Mul(t, norm)
}
