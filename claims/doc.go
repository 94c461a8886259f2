// Package claims holds ufm's built-in claims about the regression
// Unconstrained Feature Model (docs/theory.md), each a proofs.Claim with
// its instance generator and its check, and the registry the command line
// uses (Default). The framework that checks and searches them is package
// proofs.
//
// The claims (Builtin, listed by `ufm claims` in this order):
//
//   - r1-bias … r5-balance: the reduction lemmas of docs/theory.md §2 as
//     exact identities in big.Rat at random rational points, with the
//     Schwartz–Zippel bound each achieves (sampling.go); derivatives of L
//     are read off exact values of L along lines (exact.go), never taken
//     from the gradient formulas under test;
//   - r6-kkt: the KKT certificate of the convex reduced problem, exact when
//     A* is rational (exact-spectrum instances), at high precision
//     otherwise;
//   - theorem: docs/theory.md §3 against the independent solver (package
//     verify);
//   - landscape: every critical point of the theory's list other than the
//     global one is a strict saddle (explicit directions, exact curvature);
//   - nocollapse-at-zero, gram-free-at-zero: zero regularization, decided
//     exactly on each instance, with the dimension conditions found;
//   - multitask-mse, whitening: the follow-up paper's claims;
//   - full-collapse-all-positive: a deliberately false control.
//
// Contributed claims (contrib.go) follow the built-in ones. Family (gen.go)
// draws the exact instances the claims and searches use: random rational
// targets, or exact spectra with c placed at, between or beyond the
// eigenvalues.
package claims
