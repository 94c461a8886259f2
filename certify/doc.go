// Package certify turns a numerical minimization of the UFM loss into a
// proof: exact rationals lower ≤ L* ≤ upper and a certificate (format
// ufm-certificate/1, docs/formats.md "Certificates") that package
// certify/check — or scripts/check_certificate.py — re-verifies with exact
// rational arithmetic, without trusting this package, the solver or the
// closed form. The mathematics is docs/theory.md §5.
//
// Build proceeds as follows (D = the requested digits):
//
//  1. Upper bound. solver.Solve at D/2 + 20 digits (the loss error is
//     quadratic in the point's), its minimizer rounded to rationals with
//     solver digits + 10 significant digits, and L evaluated exactly. Two
//     more candidates compete on exact loss: the solver's point with the
//     tiny eigen-directions of W Wᵀ dropped and H, b re-minimized (at c =
//     σ_j the solver converges only linearly and leaves such directions
//     small but nonzero), and W = 0, H = 0, b = ȳ (exact in the trivial
//     regime). For λ_H = λ_W = 0 and d ≥ n the interpolation W = [I 0],
//     H = Ỹ gives L = 0 exactly. The point never comes from the closed
//     form.
//  2. Lower bound, dual. Λ̃ = (Ỹ − W H̃)/M from the point; its singular
//     values above (1 − 10^-10)·t are set to t = (1 − 10^-(D+8))·√(c/M)
//     (the active directions of the optimal Λ*, which sits on the
//     boundary: leaving them low would cost ℓ an error of first order);
//     rounded to D + 12 significant digits; feasibility (c/M)I − ΛΛᵀ ≻ 0
//     decided exactly (fraction-free LDLᵀ pivots). ℓ = ⟨Λ, Ỹ⟩ − M/2‖Λ‖².
//     Bias regularized: the same with Y and − ‖Λ1‖²/(2λ_b).
//  3. Lower bound, Mirsky. Where the dual is not tight (d < #{σ_j > c})
//     or c = 0: eigenvalues of Σ by Jacobi at high precision, widened to
//     rational enclosures whose eigenvalue counts are certified by the
//     inertia of Σ − tI, and rational √ bounds; ℓ = tr Σ/2 − Σ_{i≤k} φ⁺_i.
//  4. Implied enclosures: the closed form of docs/theory.md §3 (from the
//     same enclosures), and for dual certificates the distance of every
//     minimizer's predictions from the point's and the training MSE
//     (strong convexity). Verdict "proved to D digits" when [ℓ, U] and
//     the closed form's interval are both narrower than 10^-D relative and
//     meet; if the first solve falls short, the solve is repeated at
//     D + 10 digits.
//  5. The certificate passes check.Check before Build returns it.
//
// Exactly one λ zero (no minimizer), λ = 0 with bias regularized and sizes
// beyond the caps of package check give a *CannotError with a one-line
// reason.
package certify
