package metrics

import (
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Top principal directions without a full eigendecomposition (issue 15).
//
// NRC1 needs the top k = min(n, d) eigenvectors of the d×d feature
// covariance C and the report needs the top m = max(k + 1, #EVR)
// eigenvalues; a full symmetric eigendecomposition costs O(d³) (about 16 s
// at d = 1024 with gonum) where these need O(d²·p) per iteration. The
// subspace path is block subspace iteration with Rayleigh–Ritz
// projection on p = min(d, m + max(10, m/2)) vectors, accelerated by a
// Chebyshev filter with locking of converged pairs:
//
//	Q ← orth(C·V);  H = Qᵀ C Q = S Θ Sᵀ;  V ← Q S  (Ritz vectors, Θ descending)
//
// It stops when every wanted Ritz pair has residual ‖C v_i − θ_i v_i‖ ≤
// SubspaceTol·θ_1 — then each θ_i is within that residual of an eigenvalue
// of C and the angle between span(v_1…v_k) and the true top-k space is at
// most the residual norm over the gap θ_k − λ_{k+1} (Davis–Kahan), the
// same order as the rounding error of a full float64 decomposition
// (≈ d·2^-52·θ_1 over the gap). If it has not converged after
// subspaceMaxIter iterations (a tiny gap between the wanted and the
// unwanted eigenvalues), the full decomposition is used instead, so the
// result never depends on convergence.

// SubspaceTol is the relative residual at which subspace iteration stops.
const SubspaceTol = 1e-13

const (
	subspaceMaxIter = 60
	// chebDegree is the degree of the Chebyshev filter per iteration.
	chebDegree = 8
	// subspaceMinDim: below it the full decomposition is cheap enough.
	subspaceMinDim = 64
)

// principal returns at least need of the largest eigenvalues of the
// symmetric d×d matrix cov (row-major), descending, and the top-k
// eigenvectors as the columns of a d×k matrix (nil when k = 0). It uses
// subspace iteration when that is worthwhile (full false, d ≥ 64 and p ≤
// d/2) and converges, the full decomposition otherwise; method says which.
func principal(cov []float64, d, k, need int, full bool) (vals []float64, U *mat.Dense, method string, ok bool) {
	C := mat.NewSymDense(d, cov)
	m := max(k, need)
	p := min(d, m+max(10, m/2))
	if !full && d >= subspaceMinDim && 2*p <= d {
		if vals, U, ok := subspaceEigen(C, m, k, p); ok {
			return vals, U, "subspace", true
		}
	}
	vals, U, ok = fullEigen(C, k)
	return vals, U, "full", ok
}

// fullEigen is the O(d³) path: every eigenvalue, descending.
func fullEigen(C *mat.SymDense, k int) ([]float64, *mat.Dense, bool) {
	d := C.SymmetricDim()
	var eig mat.EigenSym
	if !eig.Factorize(C, true) {
		return nil, nil, false
	}
	asc := eig.Values(nil)
	vals := make([]float64, d)
	for i := range vals {
		vals[i] = asc[d-1-i]
	}
	if k == 0 {
		return vals, nil, true
	}
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	U := mat.NewDense(d, k, nil)
	for c := 0; c < k; c++ {
		for i := 0; i < d; i++ {
			U.Set(i, c, vecs.At(i, d-1-c))
		}
	}
	return vals, U, true
}

// subspaceEigen runs block subspace iteration on p vectors for the top m
// eigenpairs of C; ok is false when it did not converge.
func subspaceEigen(C *mat.SymDense, m, k, p int) ([]float64, *mat.Dense, bool) {
	d := C.SymmetricDim()
	rng := rand.New(rand.NewPCG(0x5eed, uint64(d)))
	CV := mat.NewDense(d, p, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < p; j++ {
			CV.Set(i, j, rng.NormFloat64())
		}
	}
	Q := mat.NewDense(d, p, nil)
	Z := mat.NewDense(d, p, nil)
	V := mat.NewDense(d, p, nil)
	var H mat.Dense
	var eig mat.EigenSym
	var S mat.Dense
	col, vcol := make([]float64, d), make([]float64, d)
	F := mat.NewDense(d, p, nil)
	Cp := newPackedSym(C)
	var theta []float64
	locked := 0
	for it := 0; it < subspaceMaxIter; it++ {
		// The first step is a power step from the random block; later ones
		// apply a Chebyshev filter of degree chebDegree that damps the
		// interval [0, θ_p] (C is PSD) and amplifies the eigenvalues above
		// it, so each iteration gains what chebDegree power steps would
		// on a well-separated spectrum and much more on a clustered one.
		switch {
		case it == 0 || theta[p-1] <= 1e-12*theta[0]:
			F.Copy(CV)
		default:
			// Converged leading pairs are locked: the filter acts on the
			// other columns with C deflated by them ((I − LLᵀ)C), so the
			// large top eigenvalues cannot swamp the small wanted ones.
			F.Copy(V)
			active := F.Slice(0, d, locked, p).(*mat.Dense)
			chebFilter(Cp, V.Slice(0, d, 0, locked).(*mat.Dense), active, theta[p-1])
		}
		orthonormalize(Q, F, rng)
		Cp.mulTo(Z, Q)
		H.Mul(Q.T(), Z)
		if !eig.Factorize(symmetricOf(&H), true) {
			return nil, nil, false
		}
		asc := eig.Values(nil)
		eig.VectorsTo(&S)
		order := descending(asc)
		Sd := mat.NewDense(p, p, nil)
		theta = make([]float64, p)
		for c, j := range order {
			theta[c] = asc[j]
			for i := 0; i < p; i++ {
				Sd.Set(i, c, S.At(i, j))
			}
		}
		V.Mul(Q, Sd)
		CV.Mul(Z, Sd)
		scale := math.Max(math.Abs(theta[0]), math.SmallestNonzeroFloat64)
		converged := true
		locked = 0
		for i := 0; i < m; i++ {
			mat.Col(col, i, CV)
			floats.AddScaled(col, -theta[i], mat.Col(vcol, i, V))
			converged = converged && floats.Norm(col, 2) <= SubspaceTol*scale
			if converged {
				locked = i + 1
			}
		}
		if converged {
			U := (*mat.Dense)(nil)
			if k > 0 {
				U = mat.DenseCopyOf(V.Slice(0, d, 0, k))
			}
			return theta[:m], U, true
		}
	}
	return nil, nil, false
}

// chebFilter replaces X by T_q((C' − c I)/e)·X (q = chebDegree), where
// C' = (I − LLᵀ) C (I − LLᵀ) is C deflated by the orthonormal columns of
// L, and T_q is the Chebyshev polynomial mapping the unwanted interval
// [0, b] onto [−1, 1] (c = e = b/2), by the three-term recurrence. Each
// column is rescaled by the same factor in both terms of the recurrence
// at every step (it is linear), so nothing overflows.
func chebFilter(C *packedSym, L, X *mat.Dense, b float64) {
	d, p := X.Dims()
	e, c := b/2, b/2
	apply := func(dst, src *mat.Dense) { // dst = (C' − c I) src / e
		C.mulTo(dst, src)
		deflate(dst, L)
		var cs mat.Dense
		cs.Scale(c, src)
		dst.Sub(dst, &cs)
		dst.Scale(1/e, dst)
	}
	X0 := mat.DenseCopyOf(X)
	deflate(X0, L)
	X1 := mat.NewDense(d, p, nil)
	apply(X1, X0)
	X2 := mat.NewDense(d, p, nil)
	for step := 2; step <= chebDegree; step++ {
		apply(X2, X1)
		X2.Scale(2, X2)
		X2.Sub(X2, X0)
		rescaleColumns(X2, X1)
		X0, X1, X2 = X1, X2, X0
	}
	X.Copy(X1)
}

// deflate removes from the columns of X their components along the
// orthonormal columns of L: X ← X − L(LᵀX).
func deflate(X, L *mat.Dense) {
	if L == nil {
		return
	}
	if _, k := L.Dims(); k == 0 {
		return
	}
	var P, LP mat.Dense
	P.Mul(L.T(), X)
	LP.Mul(L, &P)
	X.Sub(X, &LP)
}

// rescaleColumns divides column j of A and of B by the norm of A's
// column j.
func rescaleColumns(A, B *mat.Dense) {
	d, p := A.Dims()
	for j := 0; j < p; j++ {
		s := mat.Norm(A.ColView(j), 2)
		if s == 0 {
			continue
		}
		for i := 0; i < d; i++ {
			A.Set(i, j, A.At(i, j)/s)
			B.Set(i, j, B.At(i, j)/s)
		}
	}
}

// orthonormalize writes an orthonormal basis of the columns of X into Q
// (modified Gram–Schmidt, twice); a column that vanishes against the
// previous ones is replaced by a random one (C may have rank < p). It
// works on the transpose, where the columns are contiguous rows.
func orthonormalize(Q, X *mat.Dense, rng *rand.Rand) {
	_, p := X.Dims()
	t := mat.DenseCopyOf(X.T())
	for j := 0; j < p; j++ {
		v := t.RawRowView(j)
		orig := floats.Norm(v, 2)
		for attempt := 0; ; attempt++ {
			for pass := 0; pass < 2; pass++ {
				for i := 0; i < j; i++ {
					qi := t.RawRowView(i)
					floats.AddScaled(v, -floats.Dot(qi, v), qi)
				}
			}
			nv := floats.Norm(v, 2)
			if nv > 1e-10*orig && nv > 0 || attempt == 3 {
				floats.Scale(1/nv, v)
				break
			}
			for i := range v {
				v[i] = rng.NormFloat64()
			}
			orig = floats.Norm(v, 2)
		}
	}
	Q.Copy(t.T())
}

func symmetricOf(H *mat.Dense) *mat.SymDense {
	p, _ := H.Dims()
	s := mat.NewSymDense(p, nil)
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			s.SetSym(i, j, (H.At(i, j)+H.At(j, i))/2)
		}
	}
	return s
}

// descending returns the indices of v sorted by decreasing value.
func descending(v []float64) []int {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] > v[idx[b]] })
	return idx
}
