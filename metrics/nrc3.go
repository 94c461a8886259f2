package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// NRC3 minimization in closed form (docs/theory.md §4). With S = Σ^{1/2} (the
// symmetric root), Â = WWᵀ/‖WWᵀ‖_F, t = √γ ∈ [0, s_min] (s_min = √σ_min)
// and B(t) = S − t·I, the PSD matrices Â and B(t)/‖B(t)‖_F have unit norm,
// so
//
//	NRC3(γ) = 2 − 2·f(t),  f(t) = ⟨Â, B(t)⟩/‖B(t)‖_F = (a − b·t)/√(p − 2q·t + n·t²)
//
// with a = ⟨Â, S⟩, b = tr Â, p = ‖S‖²_F = tr Σ, q = tr S. The derivative
// of f has the sign of the linear function (a·q − b·p) + (b·q − a·n)·t, so
// f has at most one stationary point,
//
//	t* = (b·p − a·q)/(b·q − a·n).
//
// Writing S = s̄·I + S₀ and Â = (b/n)·I + A₀ with s̄ = q/n (S₀, A₀
// traceless) turns numerator and denominator into cancellation-free forms,
// b·q − a·n = −n·⟨A₀, S₀⟩ and b·p − a·q = b·‖S₀‖² − n·s̄·⟨A₀, S₀⟩, hence
//
//	t* = s̄ − (b/n)·‖S₀‖²_F/⟨A₀, S₀⟩.
//
// (When WWᵀ ∝ S − t₀·I exactly this gives t* = t₀.) The minimum over the
// interval is at t = 0, t = s_min or t*, if inside: each candidate is
// evaluated as ‖Â − B(t)/‖B(t)‖‖²_F, formed entry by entry so that values
// near 0 keep their relative accuracy, and the smallest is taken. B(t) = 0
// happens only at t = s_min when Σ ∝ I; then f is constant on [0, s_min)
// and γ = 0 is reported.

// nrc3Out is the answer of either NRC3 computation.
type nrc3Out struct {
	value, gamma float64
	sigmaMin     float64
	undefined    string
	flat         bool
	notes        []string
	// nearIso: Σ^{1/2} is ∝ I to float64 accuracy (flat or undefined
	// above); exactIsotropy64 then decides Σ ∝ I exactly.
	nearIso bool
	normA   float64
	// err bounds the absolute error of value (4·accS/‖B‖ at the
	// minimizer, below); 0 where not computed. sigmaMinErr and gammaErr
	// bound those of σ_min and γ (γ = t² with t known to accS).
	err, sigmaMinErr, gammaErr float64
}

// Float64 accuracy of NRC3 (issue 8 item 7). Σ comes from Kahan-summed
// float64 moments, so its entries are known to about δ = 8·n·ε·‖Σ‖_F
// (ε = 2⁻⁵²), and S = Σ^{1/2} to accS = √n·min(√δ, δ/(2·s_min)) in
// Frobenius norm (|√(σ+δ) − √σ| ≤ min(√δ, δ/(2√σ))). Σ counts as ∝ I only
// when the traceless part of S is below accS: an anisotropy the float64
// computation can resolve is never called isotropy. NRC3(γ) =
// 2 − 2⟨Â, B/‖B‖⟩ with B = S − √γ·I then carries an absolute error of at
// most 4·accS/‖B‖; when the minimum lies where that exceeds nrc3Tol64, the
// float64 path does not report a value (it says so, and --digits decides).
const nrc3Tol64 = 1e-6

// accuracyS64 returns accS for Σ with Frobenius norm normSigma, n×n, and
// smallest root sMin (see above).
func accuracyS64(normSigma, sMin float64, n int) float64 {
	delta := 8 * float64(n) * 0x1p-52 * normSigma
	acc := math.Sqrt(delta)
	if sMin > 0 {
		acc = math.Min(acc, delta/(2*sMin))
	}
	return math.Sqrt(float64(n)) * acc
}

// nrc3Float64 computes min over γ ∈ [0, σ_min] of NRC3(γ) for A = WWᵀ and
// the target covariance sigma.
func nrc3Float64(A, sigma *mat.SymDense, center bool) nrc3Out {
	n := A.SymmetricDim()
	var out nrc3Out
	var eig mat.EigenSym
	if !eig.Factorize(sigma, true) {
		out.undefined = "the eigendecomposition of Σ failed"
		return out
	}
	vals := eig.Values(nil) // ascending
	var V mat.Dense
	eig.VectorsTo(&V)
	sq := make([]float64, n)
	for i, v := range vals {
		sq[i] = math.Sqrt(math.Max(v, 0))
	}
	out.sigmaMin = math.Max(vals[0], 0)
	// Weyl: an eigenvalue moves by at most ‖δΣ‖_2 ≤ n·8n·ε·‖Σ‖_F
	// (entries of Σ to 8n·ε·‖Σ‖_F, accuracyS64), plus the eigensolver's
	// own backward error of the same order.
	out.sigmaMinErr = 16 * float64(n*n) * 0x1p-52 * mat.Norm(sigma, 2)
	sMin := sq[0]
	// S = V diag(sq) Vᵀ.
	var VD mat.Dense
	VD.Apply(func(_, j int, v float64) float64 { return v * sq[j] }, &V)
	var S mat.Dense
	S.Mul(&VD, V.T())
	symmetrize(&S)

	normA := mat.Norm(A, 2)
	normS := mat.Norm(&S, 2)
	switch {
	case normA == 0:
		out.undefined = "W = 0, so WWᵀ/‖WWᵀ‖_F is undefined"
	case normS == 0 && center:
		out.undefined = "the targets are constant (Σ = 0), so Σ^{1/2}/‖Σ^{1/2}‖_F is undefined"
	case normS == 0:
		out.undefined = "the targets are all zero (Σ = 0), so Σ^{1/2}/‖Σ^{1/2}‖_F is undefined"
	}
	if out.undefined != "" {
		out.notes = append(out.notes, "NRC3 is undefined: "+out.undefined)
		return out
	}
	Ah := mat.NewDense(n, n, nil)
	Ah.Scale(1/normA, A)
	b := mat.Trace(Ah)
	sbar := mat.Trace(&S) / float64(n)
	S0 := mat.DenseCopyOf(&S)
	A0 := mat.DenseCopyOf(Ah)
	for i := 0; i < n; i++ {
		S0.Set(i, i, S0.At(i, i)-sbar)
		A0.Set(i, i, A0.At(i, i)-b/float64(n))
	}
	normS0 := mat.Norm(S0, 2)
	accS := accuracyS64(mat.Norm(sigma, 2), sMin, n)

	// eval returns NRC3 at t = √γ and its absolute error bound.
	eval := func(t float64) (value, errBound float64) {
		B := mat.DenseCopyOf(&S)
		for i := 0; i < n; i++ {
			B.Set(i, i, B.At(i, i)-t)
		}
		nb := mat.Norm(B, 2)
		if nb == 0 {
			return 0, math.Inf(1)
		}
		sum := 0.0
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				e := Ah.At(i, j) - B.At(i, j)/nb
				sum += e * e
			}
		}
		return sum, 4 * accS / nb
	}
	if normS0 > 0 && normS0 <= accS {
		// Isotropic to float64 accuracy but not exactly: an anisotropy
		// below accS could still put NRC3's minimum anywhere near σ_min.
		out.nearIso, out.normA = true, normA
		out.undefined = fmt.Sprintf("Σ is a multiple of I only to float64 accuracy (anisotropy %.3g ≤ %.3g): whether NRC3 depends on γ near σ_min cannot be decided in float64; rerun with --digits", normS0, accS)
		out.notes = append(out.notes, "NRC3 is not reported: "+out.undefined)
		return out
	}
	if normS0 == 0 {
		out.nearIso, out.normA = true, normA
		out.flat = true
		out.value, out.err = eval(0)
		out.value = clamp(out.value, 0, 2)
		out.notes = append(out.notes, "Σ ∝ I: NRC3(γ) is the same for every γ in [0, σ_min) and is reported at γ = 0")
		return out
	}
	cands := []float64{0}
	if c := floats.Dot(A0.RawMatrix().Data, S0.RawMatrix().Data); c != 0 {
		t := sbar - (b/float64(n))*normS0*normS0/c
		if t > 0 && t < sMin {
			cands = append(cands, t)
		}
	}
	if sMin > 0 {
		cands = append(cands, sMin)
	}
	best, bestErr := math.Inf(1), math.Inf(1)
	lowest := math.Inf(1) // the least value any candidate could have
	for _, t := range cands {
		v, e := eval(t)
		lowest = math.Min(lowest, v-e)
		if e <= nrc3Tol64 && v < best {
			best, bestErr, out.gamma = v, e, t*t
		}
	}
	if bestErr > nrc3Tol64 || lowest < best-bestErr-nrc3Tol64 {
		out.undefined = fmt.Sprintf("float64 cannot resolve NRC3 here: its minimum may lie at γ near σ_min, where Σ^{1/2} − √γ I (norm ≈ %.3g) is within float64 accuracy (≈ %.3g) of singular; rerun with --digits", math.Max(normS0, accS), accS)
		out.notes = append(out.notes, "NRC3 is not reported: "+out.undefined)
		out.gamma = 0
		return out
	}
	out.value, out.err = clamp(best, 0, 2), bestErr
	// The minimizer's t is known to accS, γ = t² to 2t·accS + accS²
	// (also at t = 0: a stationary point within accS of 0 is not told
	// apart from it; QA session 21 printed γ = 0 for 4.7e-19).
	t := math.Sqrt(out.gamma)
	out.gammaErr = 2*t*accS + accS*accS
	return out
}

func symmetrize(m *mat.Dense) {
	n, _ := m.Dims()
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			v := (m.At(i, j) + m.At(j, i)) / 2
			m.Set(i, j, v)
			m.Set(j, i, v)
		}
	}
}
