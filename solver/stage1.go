package solver

import (
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// stage1Result is the best float64 local minimizer of φ over the random
// starts.
type stage1Result struct {
	v          []float64 // n×k row-major
	f          float64
	gradNorm   float64
	iterations int // major iterations summed over the starts
	starts     int // starts that ran
	status     optimize.Status
}

// phi64 evaluates φ and, if grad is not nil, its gradient in float64 (the
// same formulas as eval, with gonum's Cholesky).
func (r *reduced) phi64(x, grad []float64) float64 {
	n, k := r.n, r.k
	v := mat.NewDense(n, k, x)
	var vvt mat.SymDense
	vvt.SymOuterK(1, v)
	f := 0.0
	for i := range x {
		f += x[i] * x[i] / 2
	}
	var gd *mat.Dense
	if grad != nil {
		copy(grad, x)
		gd = mat.NewDense(n, k, grad)
	}
	for _, blk := range r.blocks {
		a := mat.NewSymDense(n, nil)
		a.CopySym(&vvt)
		for i := 0; i < n; i++ {
			a.SetSym(i, i, a.At(i, i)+blk.rho64)
		}
		var ch mat.Cholesky
		if !ch.Factorize(a) {
			return math.Inf(1)
		}
		var b mat.SymDense
		if err := ch.InverseTo(&b); err != nil {
			return math.Inf(1)
		}
		s := mat.NewDense(n, n, blk.s64)
		var bs mat.Dense
		bs.Mul(&b, s)
		f += blk.w64 / 2 * mat.Trace(&bs)
		if gd != nil {
			var p, pv mat.Dense
			p.Mul(&bs, &b)
			pv.Mul(&p, v)
			gd.Apply(func(i, j int, g float64) float64 { return g - blk.w64*pv.At(i, j) }, gd)
		}
	}
	return f
}

// startsFor returns the number of stage-1 starts for a request of
// starts: one when k = n (d ≥ n), else starts. With k = n the map V ↦ VVᵀ
// takes every neighbourhood of V onto a neighbourhood of VVᵀ in the
// positive semidefinite cone, so a local minimizer of φ(V) = ψ(VVᵀ) is one
// of the convex ψ there, hence global (globalcert.go), and stage 2's
// global certificate says so at the end: further starts can only cost
// time (about a third of verify at n = 32). With k < n (the
// rank-constrained case) local minimizers need not be global, and the
// starts are kept.
func (r *reduced) startsFor(starts int) int {
	if r.k == r.n {
		return min(starts, 1)
	}
	return starts
}

// stage1 minimizes φ in float64 with BFGS from starts seeded random points
// and returns the best. The scaling of φ makes entries of order one natural,
// so starts are standard normal entries divided by √k (rows of norm ≈ 1).
func (r *reduced) stage1(starts int, seed int64, deadline time.Time) stage1Result {
	n, k := r.n, r.k
	N := n * k
	best := stage1Result{f: math.Inf(1)}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x75666d2d73746731))
	prob := optimize.Problem{
		Func: func(x []float64) float64 { return r.phi64(x, nil) },
		Grad: func(grad, x []float64) { r.phi64(x, grad) },
	}
	for s := 0; s < starts; s++ {
		x0 := make([]float64, N)
		for i := range x0 {
			x0[i] = rng.NormFloat64() / math.Sqrt(float64(k))
		}
		if s > 0 && time.Now().After(deadline) {
			break
		}
		settings := &optimize.Settings{
			GradientThreshold: 1e-11,
			MajorIterations:   2000,
			Converger:         &optimize.FunctionConverge{Absolute: 1e-15, Relative: 1e-15, Iterations: 50},
		}
		if left := time.Until(deadline); left > 0 {
			settings.Runtime = left
		}
		res, err := optimize.Minimize(prob, x0, settings, stage1Method(N))
		best.starts++
		if res == nil {
			continue
		}
		best.iterations += res.MajorIterations
		_ = err // a failed line search still leaves the best location found
		if res.F < best.f {
			best.v = append([]float64(nil), res.X...)
			best.f = res.F
			best.status = res.Status
			g := make([]float64, N)
			r.phi64(res.X, g)
			best.gradNorm = mat.Norm(mat.NewVecDense(N, g), 2)
		}
	}
	if best.v == nil {
		// Every start failed (cannot happen for ρ64 > 0 short of
		// overflow). V = 0 is a stationary point of φ, so never fall back
		// to it: use a random point and let stage 2 descend.
		best.v = make([]float64, N)
		for i := range best.v {
			best.v[i] = rng.NormFloat64() / math.Sqrt(float64(k))
		}
		best.f = r.phi64(best.v, nil)
	}
	return best
}

// stage1Method is BFGS up to maxBFGSUnknowns unknowns and limited-memory
// BFGS beyond (BFGS keeps a dense N×N inverse Hessian: O(N²) work per
// iteration, which dominated the whole solve at N = 4096).
func stage1Method(N int) optimize.Method {
	if N <= maxBFGSUnknowns {
		return &optimize.BFGS{}
	}
	return &optimize.LBFGS{}
}

// maxBFGSUnknowns is where stage 1 switches to limited-memory BFGS:
// above the dense stage-2 path's size (DenseCrossover), LBFGS reaches the
// same minimum in about a third of the iterations at 5-16× less time
// (measured for n = 7…32 on the bench shape d = 2n, M = 5n).
const maxBFGSUnknowns = 64
