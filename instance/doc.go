// Package instance reads, validates and writes the instance files of
// docs/formats.md: targets Y (M rows of n numbers), λ_H, λ_W, the feature dimension
// d, the bias mode and the requested digits.
//
// Every number is read exactly into a big.Rat: "0.1" is one tenth, "-3/7"
// is minus three sevenths, and a JSON number is read from its decimal text,
// never through float64. Derived exact quantities (the target mean ȳ and the
// target covariance Σ of docs/theory.md §1, uncentered for bias mode "none") are
// computed in rationals; rounding happens once, by the caller, at its
// working precision.
//
// Invalid input never panics: Parse returns an *Error naming the field and
// the problem in one line. Sizes and precisions beyond the caps below are
// refused before any large allocation, so a hostile file cannot exhaust
// memory.
//
// Both theory (the closed form) and solver (the independent minimization)
// import this package; it contains no mathematics of the theorem itself.
package instance
