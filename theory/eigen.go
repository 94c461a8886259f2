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

// refineMinPrec is the precision (bits) from which refinement replaces
// Jacobi whatever the order: a Jacobi sweep costs O(n³) operations at the
// full precision, while refinement climbs a precision ladder and needs one
// or two steps at the full precision.
const refineMinPrec = 1024

// maxRefineSteps bounds the refinement; each step doubles the digits of a
// converging decomposition, so 16 → 2000+ digits take 8.
const maxRefineSteps = 10

// symEigen returns the eigenvalues of the symmetric a (descending),
// eigenvectors and their rigorous bounds (spectralCert), at a's precision:
// Jacobi for small orders, else refinement of start (the vectors of a
// lower-precision evaluation, accurate to about startBits bits) or of a
// float64 decomposition, accepted only when the bounds put every eigenvalue
// within 2^-(prec−24)·‖A‖_F of the computed one, and Jacobi otherwise.
// Refinement from the previous evaluation squares its error, so the two
// evaluations Predict compares still differ by the first one's error.
//
// sigmaErr bounds ‖a − Σ‖_F for the exact Σ that the certificate is about.
func symEigen(a *bigmat.Dense, sigmaErr *big.Float, start *bigmat.Dense, startBits int) ([]*big.Float, *bigmat.Dense, *spectralCert, error) {
	n, _ := a.Dims()
	if n >= refineMinN || start != nil || a.Prec() >= refineMinPrec {
		if start == nil {
			start, startBits = float64Eigenvectors(a), 40
		}
		if start != nil {
			if vals, v, ok := refinedEigen(a, start, startBits); ok {
				cert := newSpectralCert(a, vals, v, sigmaErr)
				if cert.eigenvalueError().Cmp(refineTolerance(a)) <= 0 {
					return vals, v, cert, nil
				}
			}
		}
	}
	var e bigmat.SymEigen
	if err := e.Factorize(a); err != nil {
		return nil, nil, nil, err
	}
	return e.Values, e.Vectors, newSpectralCert(a, e.Values, e.Vectors, sigmaErr), nil
}

// refineTolerance is 2^-(prec−24)·‖a‖_F.
func refineTolerance(a *bigmat.Dense) *big.Float {
	return new(big.Float).SetMantExp(a.FrobeniusNorm(), 24-int(a.Prec()))
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
// precision) or the corrections stall at the conditioning limit (two steps
// without a 4-fold decrease), and failure after maxRefineSteps.
//
// accBits is the accuracy of x in bits (about 50 from float64): a step
// whose input is accurate to k bits is carried out at min(prec, 2k + 40)
// bits only, since its output cannot be better than 2k bits.
func refinedEigen(a0, x *bigmat.Dense, accBits int) ([]*big.Float, *bigmat.Dense, bool) {
	n, _ := a0.Dims()
	full := a0.Prec()
	normA := a0.FrobeniusNorm()
	if normA.Sign() == 0 {
		return nil, nil, false
	}
	tolE := new(big.Float).SetPrec(full).SetMantExp(big.NewFloat(1), -int(full/2)-4)
	var prevE *big.Float
	stalls := 0
	for step := 0; step < maxRefineSteps; step++ {
		prec := min(full, uint(2*accBits+40))
		a := a0
		if prec < full {
			a = a0.Clone().SetPrec(prec)
		}
		x = x.Clone().SetPrec(prec)
		ax := new(bigmat.Dense).MulFixed(a, x)
		xt := new(bigmat.Dense).T(x)
		s := new(bigmat.Dense).MulFixedSym(xt, ax)
		r := new(bigmat.Dense).MulFixedSym(xt, x)
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
		// Ritz-rotate groups within 2^10·δ, not only δ: a pair that leaves
		// its cluster must already have s_ij ≪ gap, or the correction
		// s_ij/gap is of order one (Ogita and Aishima's part II).
		separateClusters(s, r, x, lam, new(big.Float).SetMantExp(delta, 10))
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
		ne := e.FrobeniusNorm()
		if ne.Sign() > 0 {
			// the error after this correction is about ‖E‖²
			accBits = max(accBits, -2*ne.MantExp(nil)-8)
		} else {
			accBits = int(full)
		}
		if prec < full {
			x = new(bigmat.Dense).Add(x, correction(x, e, ne))
			continue
		}
		if debugRefine {
			println(step, ne.Text('g', 4), delta.Text('g', 4), offS.Text('g', 4), normR.Text('g', 4))
		}
		if prevE != nil && new(big.Float).SetMantExp(ne, 2).Cmp(prevE) > 0 {
			stalls++
		} else {
			stalls = 0
		}
		if stalls >= 2 {
			// Stalled at the conditioning limit: keep the subspaces,
			// restore orthonormality to O(‖R‖²) by X ← X(I + R/2).
			rh := new(bigmat.Dense).Scale(new(big.Float).SetPrec(prec).SetFloat64(0.5), r)
			x = new(bigmat.Dense).Add(x, new(bigmat.Dense).MulFixed(x, rh))
			return sortedPairs(lam, x)
		}
		prevE = ne
		x = new(bigmat.Dense).Add(x, correction(x, e, ne))
		// The error squares each step: a correction below 2^-(prec/2)
		// leaves x and λ̃ (which is off by O(‖E‖²·‖A‖)) at the precision.
		// Eigenvectors of eigenvalues closer than about 2^-prec·‖A‖/angle
		// are only determined to that angle at this precision: the
		// corrections then stall, and x is as good as the precision allows
		// (the eigenvalues, well conditioned, are accurate).
		if ne.Cmp(tolE) <= 0 {
			return sortedPairs(lam, x)
		}
	}
	return nil, nil, false
}

// correction returns X·E for the refinement X ← X + X·E. Its entries are
// of the size of ‖E‖ = ne, so that they need only 2^-prec/ne relative
// accuracy (prec that of x) for X + X·E to be accurate to 2^-prec: the
// product is formed at prec − log₂(1/ne) + 32 bits (at least 64), which
// lets MulFixed hold X and E in fewer words.
func correction(x, e *bigmat.Dense, ne *big.Float) *bigmat.Dense {
	n, _ := x.Dims()
	p := int(x.Prec())
	if ne.Sign() != 0 {
		p = min(p, max(64, p+ne.MantExp(nil)+32))
	}
	return bigmat.New(n, n, uint(p)).MulFixed(x, e)
}

// separateClusters finds groups of λ̃ closer than delta (after sorting),
// diagonalizes each group's block of S by Jacobi (W, k×k) and applies the
// rotation: X_c ← X_c·W, and S, R ← WᵀSW, WᵀRW on the group's rows and
// columns, refreshing λ̃ there. This is the Rayleigh–Ritz step that keeps
// the corrections bounded when a cluster later splits (gap > delta).
func separateClusters(s, r, x *bigmat.Dense, lam []*big.Float, delta *big.Float) {
	n := len(lam)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return lam[order[i]].Cmp(lam[order[j]]) > 0 })
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
		if hi-lo > 1 {
			rotateCluster(s, r, x, lam, order[lo:hi])
		}
		lo = hi
	}
}

// rotateCluster applies the Jacobi rotation of s's block on idx.
func rotateCluster(s, r, x *bigmat.Dense, lam []*big.Float, idx []int) {
	k := len(idx)
	prec := s.Prec()
	block := bigmat.New(k, k, prec)
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			block.Set(a, b, s.At(idx[a], idx[b]))
		}
	}
	var e bigmat.SymEigen
	if e.Factorize(block) != nil {
		return
	}
	w := e.Vectors
	rotateColumns(x, idx, w)
	for _, m := range []*bigmat.Dense{s, r} {
		rotateColumns(m, idx, w)
		rotateRows(m, idx, w)
	}
	one := new(big.Float).SetPrec(prec).SetInt64(1)
	for _, i := range idx {
		den := new(big.Float).SetPrec(prec).Sub(one, r.At(i, i))
		lam[i] = new(big.Float).SetPrec(prec).Quo(s.At(i, i), den)
	}
}

// rotateColumns sets the columns idx of m to (those columns)·w.
func rotateColumns(m *bigmat.Dense, idx []int, w *bigmat.Dense) {
	n, _ := m.Dims()
	k := len(idx)
	cols := bigmat.New(n, k, m.Prec())
	for i := 0; i < n; i++ {
		for a := 0; a < k; a++ {
			cols.Set(i, a, m.At(i, idx[a]))
		}
	}
	rot := new(bigmat.Dense).Mul(cols, w)
	for i := 0; i < n; i++ {
		for a := 0; a < k; a++ {
			m.Set(i, idx[a], rot.At(i, a))
		}
	}
}

// rotateRows sets the rows idx of m to wᵀ·(those rows).
func rotateRows(m *bigmat.Dense, idx []int, w *bigmat.Dense) {
	_, n := m.Dims()
	k := len(idx)
	rows := bigmat.New(k, n, m.Prec())
	for a := 0; a < k; a++ {
		for j := 0; j < n; j++ {
			rows.Set(a, j, m.At(idx[a], j))
		}
	}
	rot := new(bigmat.Dense).TransMul(w, rows)
	for a := 0; a < k; a++ {
		for j := 0; j < n; j++ {
			m.Set(idx[a], j, rot.At(a, j))
		}
	}
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

var debugRefine = false
