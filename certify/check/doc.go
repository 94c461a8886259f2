// Package check re-verifies a ufm certificate (format ufm-certificate/1,
// docs/formats.md "Certificates") with exact rational arithmetic only: no
// floating point, no solver, no closed form (independence_test.go enforces
// its imports). It is the part of ufm a skeptic has to read; package
// certify builds the certificates, and scripts/check_certificate.py is a
// second, standard-library Python implementation of the same checks.
//
// What a valid certificate proves, for the instance it contains (λ_H,
// λ_W > 0, bias free or none; c = λ_H λ_W; Ỹ the centered targets, Y for
// bias none; Σ = ỸỸᵀ/M; k = min(d, n)):
//
//   - upper ≥ L(W, H, b) at the explicit rational point, so L* ≤ upper;
//   - method dual: (c/M)I − ΛΛᵀ is positive definite (all LDLᵀ pivots
//     positive) and lower ≤ ⟨Λ, Ỹ⟩ − (M/2)‖Λ‖²_F, so lower ≤ L* (lemmas
//     bias-split, factorization-nuclear, weak-duality);
//   - method mirsky: lower ≤ tr Σ/2 − Σ_{i≤k} φ⁺_i with φ⁺_i an upper
//     bound of φ(σ_i) = (√σ_i − √c)²₊/2 from σ_i ≤ spectrum.upper[i] and
//     root_c_upper[i] ≤ √(c·upper[i]) (lemma mirsky-von-neumann);
//   - spectrum.lower[i] < σ_{i+1} ≤ spectrum.upper[i], each by the count
//     of positive LDLᵀ pivots of Σ − tI (lemma sylvester-inertia; a zero
//     pivot makes the claim fail, it is never guessed around);
//   - the closed form of docs/theory.md §3, tr Σ/2 − Σ_{i≤k} φ(σ_i), lies
//     in closed_form (lemma closed-form-spectral);
//   - dual only: predictions.radius² ≥ 2M(upper − lower), so every global
//     minimizer's centered predictions lie within 2·radius of the point's;
//     train_mse (only with predictions) encloses every global minimizer's
//     training MSE (lemma strong-convexity);
//   - verdict "proved to D digits": both intervals have width at most
//     10^-D times their lower end and they intersect; "refuted": they are
//     disjoint, so the closed form is not the minimum.
//
// Parse refuses a file it cannot read (malformed JSON, unknown or
// duplicate fields, a field name in another case, wrong types or shapes,
// numbers that are not "p/q" with q > 0, sizes beyond the caps) with a
// *ParseError; Check refuses a false claim with an *InvalidError. Neither
// panics. A missing field or null reads as its zero value ("", 0, none),
// as encoding/json has it: a missing number is then unreadable, a missing
// verdict or lemma list makes a claim fail.
package check
