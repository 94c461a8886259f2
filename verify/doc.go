// Package verify holds the closed form of package theory against the
// independent minimization of package solver and measures, quantity by
// quantity, how many decimal digits they share.
//
// It is the only place (besides proofs and property) that sees both sides;
// solver never imports theory, so agreement here is evidence.
package verify
