// Package ufm is the root of the ufm module, which checks the theory of
// Neural Regression Collapse in the Unconstrained Feature Model
// (docs/theory.md) to many digits. It holds no code; the library is its
// packages:
//
//   - instance: the problem (targets Y, λ_H, λ_W, d, bias mode, digits),
//     read exactly from JSON (docs/formats.md) or built by hand and checked
//     with Instance.Validate.
//   - theory: the closed form — regime, A* = W*W*ᵀ, L*, predictions — at
//     any precision, with exact decisions.
//   - solver: the independent numerical minimization of L(W, H, b).
//   - verify: the comparison of the two, digit by digit.
//   - metrics: NRC1–NRC3 of features, weights and targets (float64 arrays
//     from .npy/.csv, or bigmat matrices).
//   - bigmat: the big.Float matrices the above exchange.
//   - proofs: claims, registries, checks and counterexample searches;
//     claims: the built-in claims.
//
// The command is cmd/ufm. testdata/extmod is a program outside the module
// that uses the library; TestExternalModule builds and runs it.
package ufm
