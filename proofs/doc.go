// Package proofs is the theorist's side of ufm: a registry of claims about
// the regression Unconstrained Feature Model, each with the instances it is
// about and a check that decides it on one instance, and a counterexample
// search that hunts for instances that break a claim.
//
// # Claims
//
// A Claim has a name, a source (paper section or "derived"), a statement,
// hypotheses, a generator of instances (inside the hypotheses, or outside
// them on purpose with GenOptions.Outside), a predicate saying whether an
// instance satisfies the hypotheses, and a Check. Checks are deterministic
// functions of (instance, CheckConfig) and say Holds, Fails (with the
// reason) or Inconclusive (e.g. the solver did not converge: that refutes
// nothing). The built-in claims (Builtin, listed by `ufm claims`):
//
//   - r1-bias … r5-balance: the reduction lemmas of THEORY §2 as exact
//     identities in big.Rat at random rational points, with the
//     Schwartz–Zippel bound each achieves (sampling.go); derivatives of L
//     are read off exact values of L along lines (exact.go), never taken
//     from the gradient formulas under test;
//   - r6-kkt: the KKT certificate of the convex reduced problem, exact when
//     A* is rational (exact-spectrum instances), at high precision
//     otherwise;
//   - theorem: THEORY §3 against the independent solver (internal/verify);
//   - landscape: every critical point of THEORY's list other than the
//     global one is a strict saddle (explicit directions, exact curvature);
//   - nocollapse-at-zero, gram-free-at-zero: zero regularization, decided
//     exactly on each instance, with the dimension conditions found;
//   - multitask-mse, whitening: the follow-up paper's claims;
//   - full-collapse-all-positive: a deliberately false control.
//
// Claims registered with Expect = Fails are kept as stated because the
// statement is common (or as a control); `ufm proofs` passes when every
// claim's verdict matches its Expect.
//
// Adding a claim: build a Claim and Register it into a Registry (Default()
// is the one the command line uses); see the package example and
// README-section.md.
//
// # Search
//
// Search runs trials 0 … Budget−1: trial i generates its instance from a
// source seeded by (seed, i) and checks it with a config seeded by
// (seed, i), so results depend on neither worker count nor machine. Shard
// k/N runs the trials i ≡ k (mod N), a partition. The first failing trial
// is shrunk (shrink.go) to a small instance that still fails and is inside
// the hypotheses exactly when the original was.
//
// Subpackage ratmat is the exact rational matrix arithmetic the checks use.
package proofs
