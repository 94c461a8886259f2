// Package proofs is the framework of ufm's theorist side: claims about the
// regression Unconstrained Feature Model, a registry of them, the check of
// one claim on one instance, and a deterministic, sharded counterexample
// search with shrinking. The claims themselves live in package claims, so
// that each of their files reads as mathematics; this package knows none
// of them.
//
// # Claims
//
// A Claim has a name, a source (paper section or "derived"), a statement,
// hypotheses, a generator of instances (inside the hypotheses, or outside
// them on purpose with GenOptions.Outside), a predicate saying whether an
// instance satisfies the hypotheses, and a Check. Checks are deterministic
// functions of (instance, CheckConfig) and say Holds, Fails (with the
// reason) or Inconclusive (e.g. the solver did not converge: that refutes
// nothing). A check that panics, or returns Error for an internal failure,
// is an Error: never a verdict. A run with any Error trial is an Error
// row in RunProofs, whatever the other trials said.
//
// Claims registered with Expect = Fails are kept as stated because the
// statement is common (or as a control); `ufm proofs` passes when every
// claim's verdict matches its Expect.
//
// Adding a claim: build a Claim and Register it into a Registry
// (claims.Default() is the one the command line uses); see the package
// example and the README section "Adding a claim".
//
// # Search
//
// Search runs trials 0 … Budget−1: trial i generates its instance from a
// source seeded by (seed, i) and checks it with a config seeded by
// (seed, i), so results depend on neither worker count nor machine. Shard
// k/N runs the trials i ≡ k (mod N), a partition (ShardTrials counts
// them). The first failing trial is shrunk (shrink.go) to a small instance
// that still fails and is inside the hypotheses exactly when the original
// was.
//
// A search's memory does not grow with its trials: finished trials are
// folded in order into counters (a window of at most 4·workers + 16 wait
// for an earlier, slower one), and a failure is kept as its index and
// regenerated for shrinking. A cancelled SearchOptions.Context stops it
// with the trials done counted (Interrupted).
package proofs
