package theory

import (
	"math"
	"math/big"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/nrc-ufm/ufm/bigmat"
)

// refineMinN is the order from which Σ's eigendecomposition starts from
// float64 (gonum) and is refined at the working precision (refinedEigen)
// instead of running cyclic Jacobi from scratch. Below it Jacobi is cheap.
const refineMinN = 16

// maxRefineSteps bounds the refinement; each step doubles the digits of a
// converging decomposition, so 16 → 2000+ digits take 8.
const maxRefineSteps = 10

// symEigen returns the eigenvalues of the symmetric a (descending) and
// orthonormal eigenvectors, at a's precision: Jacobi for small orders,
// else refinement of start (or of a float64 decomposition when start is
// nil), falling back to Jacobi when the refinement does not converge.
// Whatever the path, Predict checks the result (two precisions must agree,
// and the exact decisions carry their own error bounds).
func symEigen(a, start *bigmat.Dense) ([]*big.Float, *bigmat.Dense, error) {
	n, _ := a.Dims()
	if n >= refineMinN {
		if start == nil {
			start = float64Eigenvectors(a)
		}
		if start != nil {
			if vals, v, ok := refinedEigen(a, start); ok {
				return vals, v, nil
			}
		}
	}
	var e bigmat.SymEigen
	if err := e.Factorize(a); err != nil {
		return nil, nil, err
	}
	return e.Values, e.Vectors, nil
}

// float64Eigenvectors returns gonum's eigenvectors of a rounded to float64,
// or nil when a does not fit float64 or the decomposition fails.
func float64Eigenvectors(a *bigmat.Dense) *bigmat.Dense {
	n, _ := a.Dims()
	data := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			x := (a.Float64(i, j) + a.Float64(j, i)) / 2
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return nil
			}
			data[i*n+j] = x
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(mat.NewSymDense(n, data), true) {
		return nil
	}
	var v mat.Dense
	eig.VectorsTo(&v)
	return bigmat.FromFloat64(n, n, a.Prec(), v.RawMatrix().Data)
}

// refinedEigen refines approximate eigenvectors x of symmetric a by the
// iteration of Ogita and Aishima (Japan J. Indust. Appl. Math. 35, 2018,
// "Iterative refinement for symmetric eigenvalue decomposition"): with
// R = I − XᵀX and S = XᵀAX, λ̃_i = s_ii/(1 − r_ii), and for eigenvalues
// further apart than δ = 2(‖S − diag λ̃‖ + ‖A‖‖R‖) the correction
// E_ij = (s_ij + λ̃_j r_ij)/(λ̃_j − λ̃_i), else r_ij/2; X ← X + XE. The
// error roughly squares each step. Eigenvalues closer than δ (a cluster)
// are separated by Jacobi on the cluster's block of S, the Rayleigh–Ritz
// step the method needs there. It reports success once a correction is
// below 2^-(prec/2 + 4) in Frobenius norm (the next error is then at the
// precision), and failure after maxRefineSteps.
func refinedEigen(a, x *bigmat.Dense) ([]*big.Float, *bigmat.Dense, bool) {
	n, _ := a.Dims()
	prec := a.Prec()
	x = x.Clone().SetPrec(prec)
	normA := a.FrobeniusNorm()
	if normA.Sign() == 0 {
		return nil, nil, false
	}
	tolE := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), -int(prec/2)-4)
	for step := 0; step < maxRefineSteps; step++ {
		ax := new(bigmat.Dense).Mul(a, x)
		s := new(bigmat.Dense).TransMul(x, ax)
		r := new(bigmat.Dense).TransMul(x, x)
		for i := 0; i < n; i++ {
			r.At(i, i).Sub(new(big.Float).SetPrec(prec).SetInt64(1), r.At(i, i))
			for j := 0; j < n; j++ {
				if i != j {
					r.At(i, j).Neg(r.At(i, j))
				}
			}
		}
		lam := make([]*big.Float, n)
		for i := 0; i < n; i++ {
			den := new(big.Float).SetPrec(prec).Sub(big.NewFloat(1), r.At(i, i))
			lam[i] = new(big.Float).SetPrec(prec).Quo(s.At(i, i), den)
		}
		offS := offDiagonalNorm(s)
		normR := r.FrobeniusNorm()
		delta := new(big.Float).SetPrec(prec).Mul(normA, normR)
		delta.Add(delta, offS)
		delta.SetMantExp(delta, 1)
		if clustered := separateClusters(s, x, lam, delta); clustered {
			continue // the Ritz step changed x: recompute S and R
		}
		e := bigmat.New(n, n, prec)
		var gap, t big.Float
		gap.SetPrec(prec)
		t.SetPrec(prec)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if i == j {
					e.At(i, i).SetMantExp(r.At(i, i), -1)
					continue
				}
				gap.Sub(lam[j], lam[i])
				if new(big.Float).Abs(&gap).Cmp(delta) <= 0 {
					e.At(i, j).SetMantExp(r.At(i, j), -1)
					continue
				}
				t.Mul(lam[j], r.At(i, j))
				t.Add(&t, s.At(i, j))
				e.At(i, j).Quo(&t, &gap)
			}
		}
		x = new(bigmat.Dense).Add(x, new(bigmat.Dense).Mul(x, e))
		// The error squares each step: a correction below 2^-(prec/2)
		// leaves x and λ̃ (which is off by O(‖E‖²·‖A‖)) at the precision.
		if e.FrobeniusNorm().Cmp(tolE) <= 0 {
			return sortedPairs(lam, x)
		}
	}
	return nil, nil, false
}

// separateClusters finds groups of λ̃ closer than delta (after sorting)
// whose block of S is not yet diagonal to delta, diagonalizes each such
// block by Jacobi and rotates the matching columns of x. It reports
// whether x changed.
func separateClusters(s, x *bigmat.Dense, lam []*big.Float, delta *big.Float) bool {
	n := len(lam)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return lam[order[i]].Cmp(lam[order[j]]) > 0 })
	changed := false
	var gap big.Float
	gap.SetPrec(s.Prec())
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n {
			gap.Sub(lam[order[hi-1]], lam[order[hi]])
			if gap.Cmp(delta) > 0 {
				break
			}
			hi++
		}
		if hi-lo > 1 && rotateCluster(s, x, order[lo:hi], delta) {
			changed = true
		}
		lo = hi
	}
	return changed
}

// rotateCluster diagonalizes the block of s on the indices idx when some
// off-diagonal entry exceeds delta/len(idx), and applies the rotation to
// those columns of x.
func rotateCluster(s, x *bigmat.Dense, idx []int, delta *big.Float) bool {
	k := len(idx)
	prec := s.Prec()
	block := bigmat.New(k, k, prec)
	off := false
	lim := new(big.Float).SetPrec(prec).Quo(delta, new(big.Float).SetInt64(int64(4*k)))
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			block.Set(a, b, s.At(idx[a], idx[b]))
			if a != b && new(big.Float).Abs(s.At(idx[a], idx[b])).Cmp(lim) > 0 {
				off = true
			}
		}
	}
	if !off {
		return false
	}
	var e bigmat.SymEigen
	if e.Factorize(block) != nil {
		return false
	}
	n, _ := x.Dims()
	cols := bigmat.New(n, k, prec)
	for i := 0; i < n; i++ {
		for a := 0; a < k; a++ {
			cols.Set(i, a, x.At(i, idx[a]))
		}
	}
	rot := new(bigmat.Dense).Mul(cols, e.Vectors)
	for i := 0; i < n; i++ {
		for a := 0; a < k; a++ {
			x.Set(i, idx[a], rot.At(i, a))
		}
	}
	return true
}

// offDiagonalNorm is the Frobenius norm of s minus its diagonal.
func offDiagonalNorm(s *bigmat.Dense) *big.Float {
	n, _ := s.Dims()
	sum := new(big.Float).SetPrec(s.Prec())
	var t big.Float
	t.SetPrec(s.Prec())
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				t.Mul(s.At(i, j), s.At(i, j))
				sum.Add(sum, &t)
			}
		}
	}
	return sum.Sqrt(sum)
}

// sortedPairs orders eigenpairs by descending eigenvalue.
func sortedPairs(lam []*big.Float, x *bigmat.Dense) ([]*big.Float, *bigmat.Dense, bool) {
	n := len(lam)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return lam[order[i]].Cmp(lam[order[j]]) > 0 })
	vals := make([]*big.Float, n)
	v := bigmat.New(n, n, x.Prec())
	for k, idx := range order {
		vals[k] = lam[idx]
		for i := 0; i < n; i++ {
			v.Set(i, k, x.At(i, idx))
		}
	}
	return vals, v, true
}
