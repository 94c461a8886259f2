// Package theory is the symbolic side of ufm: the closed form of docs/theory.md §3
// for the regularized Unconstrained Feature Model, computed from exact
// rational input at any precision, with every discrete decision (regime,
// rank, which directions are active) made exactly.
//
// Predict takes an instance (package instance), computes Σ exactly (as
// integers over one common denominator), rounds it once to the working
// precision and decomposes it: cyclic Jacobi for n < 16 below 1024 bits,
// else Ogita–Aishima refinement, of a float64 decomposition for the first
// evaluation and of the first evaluation's vectors for the second; the
// matrix products are exact fixed-point integer dot products rounded once
// (bigmat.MulFixed). The number of eigenvalues of Σ
// strictly above c = λ_H·λ_W (and rank Σ, and σ_d > σ_{d+1} at a cut-off)
// is decided exactly: by rigorous bounds on the computed decomposition
// (Sylvester's law with Ostrowski's and Weyl's inequalities, spectralCert)
// when they separate every eigenvalue from the shift, and otherwise by the
// exact inertia of Σ − c·I in rationals (LDLᵀ). The irrational quantities
// follow: A* = W*W*ᵀ, L*, the training MSE, the shrinkage factors
// 1 − √(c/σ_j) and the predictions.
//
// An eigenvalue equal to c is therefore always counted as inactive, as docs/theory.md
// requires, even though no floating-point eigenvalue routine can tell
// σ_j = c from σ_j = c ± 10^-60: there the bounds cannot separate, and the
// exact inertia decides.
//
// # Digits
//
// Predict promises, for each printed quantity, the number of significant
// digits recorded in Prediction.Justified (the requested D unless a
// warning says otherwise):
//
//   - min_loss, train_mse, each σ_j and each shrinkage factor: D digits
//     relative to the number itself, however small (an L* of 10⁻⁶¹ next to
//     σ₁ = 1/2, a shrinkage of 10⁻⁴⁰ when σ_j is within 10⁻⁴⁰ of c);
//   - each entry of ww = A*, of the bias and of the predictions: D digits
//     relative to the entry itself when it is at least 10^-EntryRange of the
//     Frobenius norm of the whole, else absolutely to 10^-(D+EntryRange)
//     of that norm (EntryText prints such an entry with fewer digits, or 0);
//   - quantities that are exactly zero (σ_j beyond the exact rank, inactive
//     shrinkage factors, the trivial regime's A*) are exact.
//
// Why these hold: every exact fact (rank, number of active directions,
// ties at the cut-off) is decided in rationals, and each evaluation at p
// decimal digits is repeated at p + EscalationStep. The first evaluation's
// error is at least the difference of the two, and errors shrink like
// 10^-p, so two evaluations that agree to D digits justify D digits of the
// second. Where they do not (σ_j − c, σ_d − σ_{d+1} or σ_j/σ₁ tiny, a huge
// mean with bias none), the precision is raised by the digits missing,
// up to MaxExtraDigits; the √σ_j − √c that cancels is formed as
// (σ_j − c)/(√σ_j + √c). c and ȳ are exact rationals rounded once.
//
// The numeric side (package solver) must never import this package; its
// agreement with Predict is evidence only because the two are independent.
package theory
