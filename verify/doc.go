// Package verify holds the closed form of package theory against the
// independent minimization of package solver and measures, quantity by
// quantity, how many decimal digits they share.
//
// It is the only place (besides proofs and property) that sees both sides;
// solver never imports theory, so agreement here is evidence.
//
// # Digits
//
// Agreement counts decimal digits per quantity: the digits of a value got
// against want relative to a size s are floor(−log10(|got − want|/s)),
// exactly for the floats given (the largest d with |got − want|·10^d ≤ s,
// decided in integer arithmetic near a power of ten), between 0 and the
// cap. Each quantity is measured relative to its own size: min_loss and train_mse relative to the theory's value; each
// shrinkage factor relative to itself (the solver's factor on v_j is
// v_jᵀ P Ỹᵀ v_j/(M σ_j), P = W H its predictions without the bias, which
// Ỹᵀ annihilates only in exact arithmetic); each entry of ww, bias and
// predictions relative to max(|entry|, 10^-theory.EntryRange·‖whole‖_F),
// the rule by which theory prints them. Only an exactly zero quantity is
// measured against a scale: tr Σ/2 for L*, tr Σ for the MSE, √(λ_H/λ_W)·√tr Σ
// for A*, √tr Σ for bias and predictions, 1 for a shrinkage factor (whose
// floor 10^-EntryRange grows by √(Σ_i s_i²σ_i/σ_j) on a direction
// carrying a small part of the predictions' energy: directionFloor). Each
// count is capped by the digits the theory justifies for that quantity
// (theory.Prediction.Justified), so Agree means both sides are right to
// Required = digits − Margin digits. A count below Required that equals
// the theory's justified digits (the sides agree on all of them) is the
// theory's shortfall, not a disagreement: status Unresolved. An unattained infimum is compared at
// the same digits: no solver loss may lie below it by more than
// 10^-Required of the infimum itself and the loss's own rounding
// (LossNoise; BelowMinimum is that test, also for a minimum and an
// unfinished solver).
package verify
