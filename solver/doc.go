// Package solver minimizes the UFM loss of docs/theory.md §1,
//
//	L(W, H, b) = 1/(2M) ‖W H + b 1ᵀ − Y‖²_F + λ_H/(2M) ‖H‖²_F + λ_W/2 ‖W‖²_F (+ λ_b/2 ‖b‖²),
//
// numerically and to many digits, independently of the closed form of
// package theory. It never imports theory and never looks at the spectrum
// of the target covariance Σ (independence_test.go enforces both): what it
// reports is what minimization finds, so agreement with theory is evidence
// and disagreement is a finding.
//
// # Reduction (partial minimization, exact)
//
// For fixed W, L is a convex quadratic in (H, b). Write H = H̃ + h̄1ᵀ with
// H̃1 = 0 and Y = Ỹ + ȳ1ᵀ; the cross terms vanish and L splits into a
// centered part in H̃ and a mean part in (h̄, b). The centered part is
// minimized by H̃ = (WᵀW + λ_H I)⁻¹ WᵀỸ with value
// (λ_H/2) tr((WWᵀ + λ_H I)⁻¹ S), S = ỸỸᵀ/M. The mean part is
//
//	free:        b = ȳ − W h̄, then h̄ = 0 (it only adds λ_H/2 ‖h̄‖²): value 0;
//	none:        b = 0 and Ỹ = Y throughout (S = YYᵀ/M, no mean part);
//	regularized: b = (ȳ − W h̄)/(1+λ_b) leaves (α/2)‖ȳ − W h̄‖² + (λ_H/2)‖h̄‖²,
//	             α = λ_b/(1+λ_b), minimized by h̄ = (WᵀW + μI)⁻¹Wᵀȳ,
//	             μ = λ_H/α, with value (λ_H/2) ȳᵀ(WWᵀ + μI)⁻¹ȳ.
//
// So L(W, H(W), b(W)) = f(W) = Σ_k (λ_H/2) tr((WWᵀ + μ_k I)⁻¹ S_k) + (λ_W/2)‖W‖²
// with one or two blocks (μ_k, S_k). Only n×n matrices enter: an iteration
// costs nothing in M. f depends on W only through WWᵀ, whose rank is at
// most k = min(n, d), so the solver optimizes W' ∈ R^{n×k} and returns
// W = [W' 0]. Tests compare f with a direct minimization of the raw L over
// (H, b) and the derivatives below with finite differences.
//
// Scaling: with σ0 = Σ_k tr S_k/n and a0 = √(λ_H σ0/λ_W), W' = √a0·V turns f
// into λ_W a0·φ(V), φ(V) = Σ_k ½ tr((VVᵀ + ρ_k I)⁻¹ S_k/σ0) + ½‖V‖², ρ_k = μ_k/a0,
// a dimensionless function whose minimizers have entries of order one.
// ∇φ = V − Σ_k B_k S'_k B_k V with B_k = (VVᵀ + ρ_k I)⁻¹, S'_k = S_k/σ0; the Hessian follows from dB = −B(EVᵀ + VEᵀ)B (see
// reduced.hessian).
//
// # Algorithm
//
// The trivial regime first (trivial.go). Whether W = 0 is a global
// minimizer is decided exactly before any iteration (zero.go: the Hessian
// of f at W = 0 is positive semidefinite, in rationals; f is convex in
// A = WWᵀ). When it is, Solve iterates not at all: it returns the exact
// minimizer W = 0 (unique: along any A ⪰ 0 on which the data term is
// flat, λ_W tr A/2 still grows), H = 0 and b from the exact partial
// minimization, with L and ∇L from their definitions (certificate below)
// checked against the exact value f(0) = Σ_k (γ_k/(2μ_k)) tr S_k. The
// result has Stop converged, DigitsReached = digits, WWScale = 0 (W Wᵀ =
// 0 is exact), Iterations = Stage1Iterations = 0, no History, and a note
// naming the exact decision. (Issue 8: stage 2 used to stop at a tiny
// nonzero W Wᵀ, 9.3e-297 at λ_H = λ_W = 1e250, certified only absolutely
// and printed with relative digits.) Otherwise:
//
// Stage 1 (float64): BFGS (gonum/optimize) on φ from Settings.Starts
// seeded random starts (entries N(0, 1/k)); the lowest φ wins. Shifts
// ρ < 1e-7 are raised to 1e-7 here (VVᵀ + ρI is numerically singular in
// float64 below that); stage 2 uses the exact ρ.
//
// Stage 2 (big.Float): Newton's method damped à la Levenberg–Marquardt,
// step (∇²φ + νI)Δ = −∇φ solved by Cholesky, ν = μ‖∇φ‖ floored at
// 2^(−prec/2), raised tenfold while the matrix is not positive definite.
// ν is a big.Float (a float64 ν underflows beyond ~600 digits and capped
// the digits gained per step at 324). Steps are accepted by the
// trust-region ratio of actual to predicted decrease of φ (μ ≥ 1 grows
// after poor steps and shrinks after good ones), or, where φ's rounding
// noise — bounded through cond(VVᵀ + ρI) — hides the decrease, by a
// decrease of ‖∇φ‖. The Hessian is singular along the rotations V → VQ
// (and, at rank-deficient optima, along more directions); the damping
// ν ∝ ‖∇φ‖ still gives quadratic convergence to such non-isolated minima
// under a local error bound (Yamashita–Fukushima), which holds when every
// inactive direction is strictly inactive. Digits roughly double per step;
// Result.History records log10 ‖∇φ‖ per step.
//
// Precision. The target precision is bigmat.Bits(digits) plus what φ's
// conditioning asks for: with κ = max_k tr(VVᵀ+ρ_k I)·tr(B_k) ≥
// cond(VVᵀ+ρ_k I) (tiny ρ with a rank-deficient V gives κ ≈ ‖V‖²/ρ), the
// gradient's rounding grows like κ², so 2·log2 κ − 26 bits are added; when
// VVᵀ + ρI cannot even be factored, the a-priori bound (‖V‖² + ρ)/ρ is
// used. Each Newton step runs at the precision its gradient asks for,
// about 2.2 times the gradient's digits (plus the same extra bits), never
// above the target; the certificate is always checked at the target. The
// Newton system itself is solved at max(prec/2 + 64, prec − digits of
// ‖∇φ‖ + 64) bits: the step is as small as the gradient, so it needs only
// the digits the next iterate lacks, and the Hessian's rounding stays
// below ν ≥ 2^(−prec/2). A high-precision solve thus costs about as much
// as its last step.
//
// Stopping (the certificate). Converged when ‖∇φ‖ ≤ 10^-(digits+8), the
// next Newton step would move VVᵀ by at most 10^-(digits+2) of its scale,
// and the Hessian is positive semidefinite up to
// τ = 2^(1−prec/2)·max(1, max|h_ij|) (Cholesky of h + τI at prec/2 + 64
// bits; a damped factorization with ν ≤ τ that succeeded at once already
// proves it). V = 0 is always stationary; a saddle is perturbed, at most
// three times, and one that remains is reported as StopSaddle, never as
// converged. The scale of VVᵀ is its own size ‖VVᵀ‖_F, however small,
// unless W = 0 is a minimizer; that is decided exactly (zero.go: the
// Hessian of f at W = 0 is positive semidefinite, in rationals; f is
// convex in A = WWᵀ, so W = 0 is then a global minimizer) and only then is
// the scale absolute, min(max(‖VVᵀ‖_F, 1), φ). With k = 1 outside that
// trivial regime a minimizer has a positive definite Hessian, and the
// certificate is stricter: the smallest curvature must be resolved above
// the Hessian's rounding noise 2^(96−prec)·max(1, max|h_ij|) (else the
// precision is doubled, within the escalation budget), and the change of
// VVᵀ is that of the Newton step regularized at that noise level, not of
// the damped step, whose damping floor 2^(−prec/2) would fake accuracy in
// a flat direction. (Issue 8: σ = c(1 + 2·10⁻⁴⁰) has its optimum at
// WWᵀ = 3·10⁻⁴⁰ and a near-saddle with curvature −(2/3)·10⁻⁴⁰ near 0,
// which the old absolute scale and the 2^(1−prec/2) test certified.)
// Outside the trivial regime the change also counts direction by
// direction, ‖(VVᵀ + ρI)⁻¹ΔA‖_F (ρ the smallest shift): a direction whose
// eigenvalue is many orders below ‖VVᵀ‖ (targets spanning 10^60, or an
// active direction of size 10⁻¹⁵⁰ next to one of size 1) is resolved
// relative to its own size, which is what the training residual in it
// depends on. Once the first-order certificate holds, the precision is
// raised once more to what φ's conditioning at the final point asks for,
// so that the second-order check sees the Hessian in VVᵀ's small
// directions (QA r3: W had collapsed onto the big direction, a saddle).
// For k = 1 the curvature test also discounts the tangential curvature
// 2‖∇φ‖/|v| that a radial gradient fakes, and a resolved negative
// curvature at a first-order stationary point turns v on its sphere
// toward the least-curvature tangent (power iteration, no
// eigendecomposition) by π/2 (else π/4), kept when φ decreases: near
// ties of 10⁻¹⁰⁰ (QA r2, r6) otherwise looked like minimizers.
// For k ≥ 2 (horizontal.go) the damped step is a certificate only where
// the Newton step regularized at the noise level on the horizontal space
// agrees: the rotations V → VQ are quotiented out by a penalty
// λ·V(VᵀE − EᵀV) on the vertical directions instead of damped, and the
// change of VVᵀ under (Ĥ + τI)Δ = −∇φ counts (+Inf with negative
// curvature). The second-order part is then either global — G = ∇_A φ ⪰ 0
// (φ is convex in A = VVᵀ on the PSD cone, so with GV = 0 that is a
// global minimizer over all A ⪰ 0, a fortiori over rank ≤ k) — or local:
// the smallest horizontal curvature resolved above the noise and above
// 2‖∇φ‖·√tr((VᵀV)⁻¹), the curvature a residual gradient fakes. Without
// either, a turn of the column space toward the most negative horizontal
// curvature (a Cayley rotation of the column space by π/2, else π/4) is
// kept when φ decreases, curvature below the noise raises the precision
// (the escalation budget), and when that is spent the stop is
// StopUncertified. Near a tie at the cut-off the valley is a nearly flat
// arc of rotations, so the horizontal Newton step is also tried in polar
// form (rotation by its part outside col V, capped at a radian, halved
// until φ decreases) before the damped search (QA h4_n4_g0/g1: ties of
// 10⁻¹⁰⁰ and 10⁻²⁵⁰ at d = 2, 3 were certified at the wrong column space).
// A gradient computed as exactly 0 where a horizontal curvature is
// unresolved keeps the previous change estimate (QA h1_n2_e2: σ within
// 10⁻¹⁰⁰⁰ of c, a quartic floor at 2024 bits, was certified). A negative
// curvature within 2^(1−prec/2) is tolerated where the column space
// cannot be wrong — k = n (no cut-off), or a direction that grows a
// column V lacks (VVᵀ changes only at second order), where it moves A by
// about its own size — and the step there is regularized just past it.
// The dense verdict costs a factorization of order nk at the target
// precision: it runs where the damped certificate would pass, at V = 0,
// and at every point after a first disagreement (the end game). On the
// Newton–Krylov path with k = n the verdict is matrix-free
// (horizontal_krylov.go): the noise-regularized step by the same
// preconditioned CG (its stopping test makes the step right to a digit
// along a flat direction), the second-order part by the n×n global
// certificate below (every local minimizer is global when k = n), and,
// where ∇φ is exactly zero, the curvature test in float64 with a rigorous
// error bound. Where it cannot decide (CG does not converge, the global
// test fails) the dense verdict decides within MaxUnknowns; above it the
// point is not certified.
// DigitsReached is −log10 of that last relative change (capped
// at digits; 0 for a stop that is not converged where the second-order
// check fails at the returned point, since the estimate then measures
// the distance to a saddle): the distance estimate of Newton's method, measured on the
// invariant WWᵀ so that steps along the rotation orbit do not count. The
// reference φ matters when W* = 0 (c far above the targets' variance):
// WWᵀ must then be small enough that λ_W‖W‖²/2 is below 10^-digits of L.
// A stall at the working precision's noise floor counts as converged
// only with the change estimate below 10^-digits, ‖∇φ‖ ≤ 10^-digits and
// the second-order check. Finally the certificate evaluated from the
// definition of L (below) must agree: L = λ_W a0·φ(V) to the requested
// digits, and each gradient block below 10^-digits relative to the terms
// that cancel in it; otherwise the stop is StopUncertified.
//
// Scale of DigitsReached. Result.WWScale is the scale DigitsReached is
// relative to, in units of WWᵀ (a0·‖VVᵀ‖_F, or a0 times the absolute
// scale above), so that WWᵀ's error is about 10^-DigitsReached·WWScale and
// an entry e of WWᵀ has about DigitsReached + log10(|e|/WWScale) digits of
// its own (what ufm solve prints). The absolute scale occurs only where
// W* = 0, which Solve returns exactly (WWScale 0, above) and stage 2 meets
// only when run on such a problem anyway (the ε-problems of an unattained
// trend with constant targets; tests).
//
// The predictions W H + b1ᵀ and the feature Gram HᵀH carry the same
// relative accuracy against their own Frobenius norms
// (Result.PredictionsScale, FeatureGramScale; times WWScale/‖WWᵀ‖_F where
// that certificate is absolute), so an entry e of either carries about
// DigitsReached + log10(|e|/scale) digits. An entry whose true value is 0
// (examples/boundary-exact-2x4.json: 1.8e-64 next to entries of size 1
// at 60 digits) thus has none, where the matrix's full digits would print
// rounding noise. This is an estimate like DigitsReached itself, checked
// by verify's agreement entry by entry against the closed form (QA suite:
// 116 adversarial instances). A first-order bound from H = −WᵀR/λ_H at a
// stationary point (‖ΔP‖ ≤ ‖ΔWWᵀ‖·‖Y‖_F/λ_H) was tried and rejected: it
// holds, but discards 12 digits of the predictions and 40 of the feature
// Gram of examples/tiny-lambda-3x5.json that verify confirms.
//
// Polar steps (k = 1). Near a tie at the cut-off the valley of φ is a
// nearly flat arc of a sphere |v| = r: turning v costs O(tie), leaving the
// arc O(1), and straight damped steps follow it only by tiny steps. Where
// the k = 1 certificate applies, each iteration first tries Newton's step
// (regularized at the Hessian's noise level) in polar form: its tangential
// part turns v on its sphere by the angle |Δ⊥|/|v|, its radial part moves
// |v|. It is taken when mostly tangential and φ decreases (or does not
// rise beyond its noise while ‖∇φ‖ decreases); otherwise the damped search
// runs as before.
//
// Precision escalation. When progress stops (no acceptable step, or ten
// steps without a decrease of φ or ‖∇φ‖) before the requested digits are
// reached, the evaluation of φ has lost more digits than the guard digits
// cover; stage 2 then doubles its target precision, at most three times,
// and continues.
//
// Degenerate valleys. When the error bound fails (c exactly at an eigenvalue
// of Σ: the objective is quartic along a direction leaving the optimum),
// Newton's method converges only linearly. Stage 2 detects this from its
// own history — steps shrinking by a roughly constant factor q for three
// iterations — never from the spectrum. It then (1) doubles the working
// digits (the gradient is cubic in the distance there, so the default
// precision would cap the accuracy near a third of it) and (2) tries an
// extrapolated step m·Δ, m = 1/(1−q) rounded to an integer when close
// (exact along a zero of multiplicity m of the gradient), followed by one
// Newton correction, kept when it lowers ‖∇φ‖. Convergence is then linear
// but faster; it is reported in Notes, and if the budget runs out first
// the stop reason is "linear-convergence" with DigitsReached from the last
// Newton step.
//
// Newton–Krylov steps (n·k > DenseCrossover, k > 1; krylov.go, hessvec.go).
// The dense Newton system has (nk)² entries and its big.Float Cholesky
// costs O((nk)³) = O(n⁶) for k = n. Above DenseCrossover unknowns stage 2
// never forms it: the Hessian acts on a direction E through the matrix
// formula above, ∇²φ[E] = E + Σ_k w_k (B E G1 + T EᵀQ + P E (G2 − I) +
// Q EᵀT) with T = BV, Q = PV, G1 = VᵀPV, G2 = VᵀBV, a few n×n×k products,
// O(n²k) = O(n³); the damped system is solved by conjugate gradients on
// these products, preconditioned up to PrecondDenseMax = 4096 unknowns by
// a float64 Cholesky factor (gonum lapack64) of the same Hessian built in
// float64 (8·(nk)² bytes, 134 MB at n = 64) and reused across the Newton
// iterations. Above it (n > 64 with d ≥ n, up to MaxMatrixFreeUnknowns =
// 256²) the preconditioner is matrix-free (precond.go): an inner float64
// conjugate-gradient solve of the same gauge-fixed system on float64
// Hessian–vector products (gonum BLAS, O(n²k) flops, O(nk) memory),
// Jacobi-scaled, to a relative residual 10⁻¹² or 250 products, inside a
// flexible outer CG (Polak–Ribière β, since the inner solve is not a
// fixed linear map). The outer iteration, its products and its stopping
// test are unchanged; the inner solve only proposes directions. On
// targets spanning 60 orders of magnitude (testdata qa_r3) it is too
// weak and the solve stops without a claim where the dense factor
// converges, which is why the dense factor stays where it fits. Two things
// keep this honest and fast. (1) The rotations V → VQ leave φ unchanged,
// so about half the directions are flat for k = n; the system is
// gauge-fixed, (∇²φ + R*R + νI)Δ = −∇φ with R(Δ) = skew(VᵀΔ), which
// vanishes on the directions orthogonal to the orbit and is positive
// along it: the step is Newton's step across the orbit (the gradient is
// orthogonal to it exactly). (2) CG stops when the true residual r
// satisfies ‖r‖ ≤ η‖∇φ‖ (η = min(10⁻², max(‖∇φ‖, 2^(8−prec)/‖∇φ‖)),
// floored at the rounding of the system's precision: an inexact Newton
// method that keeps the quadratic rate) and ‖r‖ ≤ (ν + λ_L)‖Δ‖/10, λ_L a
// lower bound of ∇²φ + R*R proved by a float64 Cholesky factorization with
// a rigorous error bound (hessOp.provedFloor, up to 576 unknowns; 0 where
// none is proved); since the system matrix has no eigenvalue below ν + λ_L,
// the second bound makes the step accurate to a digit also along flat
// directions (quartic valleys, where λ_L = 0), so the certificate's
// estimate of the change of VVᵀ is not faked by an unconverged CG. Negative
// curvature in CG, or no convergence within 60 + p/16 iterations (p the
// system's precision in bits) with a fresh
// preconditioner, raises ν tenfold as the dense path does. Where the
// float64 Hessian overflows (tiny ρ), a problem within MaxUnknowns falls
// back to the dense step. At 1152 bits and more each CG solve is mixed
// precision iterative refinement: residuals at full precision, corrections
// by CG at 384 bits, the same stopping test (tightened 2^24-fold); a round
// that does not cut the residual sixteenfold (a direction flatter than 384
// bits resolve) hands the solve back to full precision. The Newton–Krylov
// system drops stepPrec's floor prec/2 + 64 where λ_L ≥ 2^-32 of the
// Hessian's scale is proved (krylovPrec): the gauge-fixed operator is
// then not singular, a rounding of 2^-q moves the step by at most
// 2^(32−q) relative, and prec − digits of ‖∇φ‖ + 128 bits give the step
// all the accuracy it needs (at 1000 digits the last Newton step is
// solved at about 730 bits instead of 1752, the certificate's step at
// about 130). Tests run the
// adversarial testdata through both paths (krylov_test.go).
//
// Global certificate (globalcert.go). φ is a function of A = VVᵀ,
// ψ(A) = Σ_k (w_k/2) tr((A + ρ_k I)⁻¹ S'_k) + ½ tr A, convex on A ⪰ 0
// (docs/theory.md §1 for f; the argument of zero.go), with gradient
// G = ½(I − Σ_k w_k P_k) and ∇φ = 2GV. If 2G ⪰ −τI then for every
// A* ⪰ 0, ψ(A) − ψ(A*) ≤ ⟨G, A⟩ + (τ/2) tr A* = ½⟨∇φ, V⟩ + (τ/2) tr A*:
// a point with small gradient is a global minimizer up to that gap, and
// the Hessian of φ is positive semidefinite up to τ (its quadratic form
// is ψ″[VΔᵀ + ΔVᵀ] + 2⟨G, ΔΔᵀ⟩). On the Newton–Krylov path the
// second-order check is this test, one n×n Cholesky of 2G + τI at the
// working precision with the dense check's τ = 2^(1−prec/2)·max(1,
// max|(2G)_ij|). It holds at every minimizer of
// rank ≤ k, so always when k = n; when it fails, a problem within
// MaxUnknowns falls back to the dense Hessian's check (the
// rank-constrained case d < n, where a minimizer can have G indefinite,
// is capped at MaxUnknowns for this reason), and a larger one is a saddle
// (perturbed, as above).
//
// Progress. With Settings.Progress set, a solve that has run for
// ProgressAfter writes one line per Newton iteration (the CLI passes
// stderr). Result.OutOfTime says that Settings.TimeLimit ended the solve.
//
// # Certificate
//
// From the final W' the solver builds (H, b) by exact minimization (the
// formulas above, as k×k Cholesky solves), then evaluates L and the full
// gradient (∇_W, ∇_H, ∇_b) of L from their definitions:
// ∇_W = RHᵀ/M + λ_W W, ∇_H = (WᵀR + λ_H H)/M, ∇_b = R1/M + λ_b b with
// R = WH + b1ᵀ − Y. Result.GradNorm is its Frobenius norm (b omitted for
// bias none). It is absolute and scales with the λ's (1e101 at a
// converged point with λ = 1e250); Result.GradRelative is what the
// certificate bounds by 10^-digits: the largest block relative to the
// terms that cancel in it (relGradientValue). Loss from the definition is checked against λ_W a0·φ(V).
//
// # Cases without a unique minimizer
//
//   - exactly one λ zero: L has no minimizer. Solve replaces the zero λ by
//     ε_j = 10^(−2j)·σ0/λ_other, j = 1..UnattainedSteps, solves each, and
//     reports in Result.Trend the loss (with the instance's λ's) and ‖W‖, ‖H‖
//     there; Stop "unattained", Converged false. The one exception is
//     decided exactly first: when W = 0, H = 0 and the bias fit the targets
//     (their effective second moment is 0), L = 0 there, its least value,
//     and that point is returned converged.
//   - λ_H = λ_W = 0: Stop "not-a-point". For d ≥ n a seeded random W (full
//     row rank) with least-squares H interpolates: L = 0 to rounding,
//     Converged true. For d < n the loss with least-squares (H, b) is
//     ½ tr((I − P)S), P the projector onto W's column space, and the
//     solver minimizes it over d-dimensional subspaces by the same damped
//     Newton method (lowrank.go: gradient, Hessian, second-order check,
//     precision raised until the loss is resolved above its rounding
//     noise, up to eight raises). Converged only when that certificate
//     holds and L from the definition agrees; otherwise Stop says why
//     (iteration-limit, stalled, saddle-point, uncertified).
//   - bias regularized: solved as above; a note says that docs/theory.md has no
//     closed form there.
//
// Stop reasons are documented at the StopReason constants.
package solver
