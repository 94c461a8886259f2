// Package property holds the gopter property tests of ufm: randomized
// checks that the closed form (package theory), the numerical solver
// (package solver) and the NRC metrics (package metrics) obey the laws of
// THEORY.md on many small exact instances.
//
// The generator (Instances) draws n, d, M, exact rational targets p/q and
// λ's of the form m·10^k across many orders of magnitude. It is derived
// (gopter.DeriveGen) from integer generators, so a falsified property is
// shrunk on the draws: fewer samples, smaller dimensions, simpler targets
// and λ's. A Case prints as a SPEC instance file, so gopter's report of a
// failure is an instance file ready for ufm predict/solve/verify.
//
// The properties (all in the test files; names start with TestProperty so
// that make property, which runs -run Property, picks them up):
//
//   - ClosedForm: λ_H, λ_W > 0: the solver's optimum agrees with the
//     closed form (loss, W Wᵀ, bias, predictions), and in the full regime
//     NRC1 = NRC2 = 0 and NRC3(c) = 0 at the solver's point, to the
//     working precision less a margin.
//   - ZeroLambdaNonCollapsed: λ = 0, d > n: an exact rational minimizer
//     H = W⁺Ỹ + (I − W⁺W)Z with L = 0 exactly and NRC2 ≥ 1/M exactly (and
//     NRC1 > 0 whenever the features span more than n dimensions).
//   - ZeroLambdaSolver: what the solver finds at λ = 0 from random starts
//     (loss 0 asserted; NRC values reported).
//   - Permutation, RotationW, RotationTargets, Scaling: invariances, with
//     exact rational orthogonal matrices from the Cayley transform.
//   - RegimeMonotone: the rank r never increases as c grows.
//
// Each property runs UFM_PROPERTY_TRIALS trials (make property: 500) or a
// small default, from the seed UFM_PROPERTY_SEED (a fixed default).
package property
