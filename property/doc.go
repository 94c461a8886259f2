// Package property holds the gopter property tests of ufm: randomized
// checks that the closed form (package theory), the numerical solver
// (package solver) and the NRC metrics (package metrics) obey the laws of
// docs/theory.md on many small exact instances.
//
// The generator (Instances) draws n, d, M, exact rational targets p/q and
// λ's of the form m·10^k across many orders of magnitude. It is derived
// (gopter.DeriveGen) from integer generators, so a falsified property is
// shrunk on the draws: fewer samples, smaller dimensions, simpler targets
// and λ's. A Case prints as an instance file (docs/formats.md), so gopter's report of a
// failure is an instance file ready for ufm predict/solve/verify.
//
// The properties (in the test files; every test name starts with
// TestProperty so that make property, which runs -run Property, picks it
// up):
//
//   - ClosedForm (solver): λ_H, λ_W > 0: the solver's optimum agrees with
//     the closed form (loss, W Wᵀ, bias, predictions where determined) to
//     the working precision less a margin, and in the full regime NRC1 =
//     NRC2 = 0, NRC3(c) = 0 and metrics' minimizing γ is c.
//   - ZeroLambdaNonCollapsed (exact): λ = 0, d > n: a rational minimizer
//     H = W⁺Ỹ + (I − W⁺W)Z with L = 0 exactly and NRC2 ≥ 1/M exactly, NRC1
//     > 0 whenever the features span more than n dimensions, and metrics
//     agreeing with the exact NRC2.
//   - ZeroLambdaSolver (solver): what the solver finds at λ = 0 from random
//     seeds (loss 0 asserted; its NRC values are logged).
//   - Permutation and SolverPermutation, RotationW (exact), RotationTargets,
//     Scaling and SolverScaling: invariances, with exact rational
//     orthogonal matrices from the Cayley transform; the scaling law is
//     derived in theory_test.go.
//   - RegimeMonotone (exact ranks): r never increases as c grows.
//   - ShrinkSamples, ShrinkTargets, GeneratorRanges: the generator itself.
//   - Counterexamples: replays testdata/counterexamples (open findings;
//     make property only).
//   - VerifyAgrees (build tag ufm_verify): verify's verdict matches
//     the independent comparison of ClosedForm.
//
// Each property runs UFM_PROPERTY_TRIALS trials (make property: 500) or a
// small default, from the seed UFM_PROPERTY_SEED (a fixed default).
package property
