// Package theory is the symbolic side of ufm: the closed form of THEORY §3
// for the regularized Unconstrained Feature Model, computed from exact
// rational input at any precision, with every discrete decision (regime,
// rank, which directions are active) made exactly.
//
// Predict takes an instance (package instance), computes Σ exactly in
// rationals, decides the number of eigenvalues of Σ strictly above
// c = λ_H·λ_W by the inertia of Σ − c·I (Sylvester's law, exact LDLᵀ), and
// only then rounds Σ once to the working precision to obtain its
// eigenvectors and the irrational quantities: A* = W*W*ᵀ, L*, the training
// MSE, the shrinkage factors 1 − √(c/σ_j) and the predictions.
//
// An eigenvalue equal to c is therefore always counted as inactive, as THEORY
// requires, even though no floating-point eigenvalue routine can tell
// σ_j = c from σ_j = c ± 10^-60.
//
// The numeric side (package solver) must never import this package; its
// agreement with Predict is evidence only because the two are independent.
package theory
