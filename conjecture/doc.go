// Package conjecture reads conjectures that theorists write without Go —
// a small text file, or a Spec in Go — and turns each into a
// proofs.Claim, so that proofs.Search checks it on generated instances
// against the independent solver and refutes it with a shrunk
// counterexample (`ufm conjecture FILE`).
//
// # The file
//
// A conjecture file is UTF-8 text of `key: value` lines; a line starting
// with # is a comment, and an indented line continues the value above it
// (long formulas). Keys:
//
//	name:       lower-case words joined by '-' (required)
//	statement:  the conjecture in words (required)
//	expect:     holds (default) | fails — what the author expects
//	hypotheses: a condition on the instance (default: none)
//	forall:     i in LO..HI — check for every index i (optional)
//	quantity:   an expression (required), usually a solver output
//	relation:   == (default) | <= | >=
//	formula:    an expression (required)
//	digits:     working digits (default 30)
//	budget:     default number of search trials (default 100)
//	family:     the instances to draw, as indented lines:
//	  n: 1..3            target dimension (default 1..3)
//	  M: 1..16           samples (default 1..16)
//	  d: any | >= n | < n | = n | near | LO..HI   (default any: 1..n+3)
//	  lambda: positive | zero | one-zero          (default positive)
//	  lambda_h: LO..HI   λ_H range, rationals such as 1/100..10 (optional)
//	  lambda_w: LO..HI   λ_W range (optional)
//	  lambda_b: LO..HI   λ_b range for bias regularized (default 1/10..9/10)
//	  bias: free | none | regularized | mixed     (default free; mixed: free or none)
//	  spectrum: mixed | random | exact | boundary | repeated | low-rank | full-rank | distinct
//
// The family maps onto claims.Family: random targets (small integers,
// decimals, fractions, low rank, scaled by 10^±20) and exact spectra
// (Σ = Q diag(σ) Qᵀ with rational Q, eigenvalues above, at and below c,
// repeated, zero). spectrum: boundary keeps only instances with c = σ_j
// exactly (decided by exact inertia), low-rank those with Σ singular,
// repeated those with two eigenvalues equal to 20 digits. Each trial draws
// until an instance satisfies the family and the hypotheses (at most 200
// draws; a trial without one is inconclusive).
//
// # Why a text format and not JSON
//
// The file is written by hand and is mostly formulas. In JSON every
// formula would be a quoted string — no comments, no line breaks inside a
// formula, escapes for every quote — and an error could only point into
// the string. Here every token has a line and a column in the file, and a
// formula can span lines with comments beside it.
//
// # Expressions
//
// Numbers are exact rationals: 3, 0.25, 1e-3, and 1/3 is the exact
// quotient. Operators, loosest first: || ; && ; ! ; comparisons < <= > >=
// == != (not chained) ; + - ; * / ; unary - ; ^ (right-associative,
// -x^2 = -(x^2)). Names:
//
//	instance (exact, or from ufm's theory side):
//	  n d M c lambda_h lambda_w lambda_b trace norm_ybar
//	  sigma(j)   eigenvalues of Σ, descending, j = 1…n
//	  ybar(i)    the target mean;  cov(i, j)  entries of Σ
//	  y(k, i)    entry k of target sample i
//	  v(k, j)    entry k of the unit eigenvector of sigma(j), its first
//	             clearly nonzero entry positive (undetermined, so the
//	             trial inconclusive, when σ_j is repeated)
//	solver (at the independent solver's optimum):
//	  min_loss train_mse rank nrc1 nrc2 nrc3
//	  bias(i)  ww(i, j)  predictions(k, i)  (k target, i sample)
//	functions:
//	  sum(j, lo, hi, expr)  min(a, b, …)  max(a, b, …)  pos(x) = max(x, 0)
//	  abs  sqrt  log  exp  pow(x, y)  if(condition, a, b)
//
// Indices count from 1 and must be whole numbers. Hypotheses may use
// instance names only. Errors are reported as FILE:LINE:COL: what was
// expected; an unknown name lists the known ones; a type error (a number
// where a condition is needed, or the reverse) names the operand.
//
// # Why a hand-written parser and not expr-lang/expr
//
// expr-lang/expr can overload operators on a big.Float type, but its
// literals are float64 (0.1 would arrive already rounded), its errors
// point into one string rather than a line and column of the file, and
// its type checker knows Go types, not "a number" and "a condition" with
// the operand at fault. The language here is small (about 300 lines of
// recursive descent), every literal is an exact rational, and every node
// keeps its position in the file.
//
// # Evaluation: balls of big.Float, exact where possible
//
// Every number is evaluated as a ball — a big.Float midpoint at the
// working precision plus 64 bits, and a radius that bounds its error — and,
// when it is rational, also exactly as a big.Rat. No float64 enters the
// path. Exact operations stay exact (+ − × ÷, min, max, pos, abs, whole
// powers, sqrt of a rational square). Inexact ones propagate the radius
// to first order plus one rounding (sums add radii; products |x|r_y +
// |y|r_x + r_x r_y; quotients need |y| > r_y; sqrt, log, exp and pow are
// evaluated at the ends of the ball since they are monotone).
//
// The sources of radius are stated, not guessed:
//   - an exact rational: one rounding;
//   - sigma(j): 10^-(digits+8)·tr Σ (Jacobi at bigmat.Bits(digits) bits,
//     16 guard digits; Weyl's bound with ‖Σ‖₂ ≤ tr Σ); σ_j = 0 is exact
//     (from the exact rank of Σ); v(k, j): 2·10^-(digits+8)·tr Σ/gap_j
//     (Davis–Kahan, gap_j the distance of σ_j to the other eigenvalues);
//   - a solver quantity: the solver is trusted, when it converged, to
//     s = digits − verify.Margin digits on the scales verify.Compare uses
//     (E = (1/M)‖Y‖²_F): min_loss 10^-s·max(|L|, 10^-s·E); ww
//     10^-s·max(‖WWᵀ‖_F, √(λ_H/λ_W)·√E); bias 10^-s·max(‖b‖, √E);
//     predictions 10^-s·max(‖P‖_F, √(M·E)) =: r_P; train_mse
//     (2‖P − Y‖_F·r_P + r_P²)/M; nrc1–3 10^-s absolute. rank is decided
//     by two bounds (δ = n·r_ww ≥ ‖WWᵀ − W*W*ᵀ‖₂): at least the number of
//     eigenvalues of WWᵀ above 10³·δ (Weyl), at most min(n, d) and, with
//     λ_H, λ_W > 0 (one weight layer, bias free or none), n minus the
//     eigenvalues of the gradient G = (λ_W/2)I − (λ_H/2)BΣB, B = (WWᵀ +
//     λ_H I)⁻¹, above 10³·tr Σ·δ/λ_H² in magnitude (stationarity G*W* = 0
//     puts the range of W*W*ᵀ in the null space of G*). When the two
//     differ (σ_j within the noise of c) the rank is undecided; at σ_j = c
//     exactly both vanish and it stays undecided (inconclusive).
//
// A value whose midpoint or radius leaves 2^±2^29 (about 10^±1.6·10⁸) is
// refused (the trial inconclusive): beyond it one more operation could
// underflow to 0 or overflow unnoticed in big.Float's exponent.
//
// Comparisons. Two exact rationals compare exactly; sigma(j) against an
// exact rational is decided exactly by the inertia of Σ − qI (so the
// boundary c = σ_j is seen exactly: sigma(j) > c is false there); two
// balls that do not overlap compare by their order. In the statement's
// relation two balls that overlap count as equal: == holds when
// |quantity − formula| ≤ r_q + r_f, <= holds when quantity ≤ formula +
// r_q + r_f. That sum is the tolerance, and the report states it (absolute
// and relative to the larger side) for every trial. In a condition (if,
// hypotheses) overlapping balls decide nothing: the condition is
// undecided (a && b and a || b are still decided by a side that settles
// them: false && _, true || _). When a relation held with a relative tolerance above
// 10^-(digits/2), or a condition or the rank was undecided, the trial is
// evaluated again at twice the digits (up to 240) before it counts; still
// undecided there, it is inconclusive.
//
// With λ_H = λ_W = 0 the minimizers form a set and the solver returns one
// of them: only min_loss, train_mse and (bias none) bias are values of the
// optimum; any other solver name makes the trial inconclusive. On a deep
// instance the closed form decides whether the solver's mode count is
// globally optimal (if not, every solver name is inconclusive) and whether
// more than one count is (a mode exactly at its threshold): then only
// min_loss is shared by the global minimizers.
//
// A trial is inconclusive, never held, when the solver did not converge,
// an evaluation failed (a domain error, an index out of range, a division
// by a ball containing 0, a value out of range, an undecided condition or
// rank, an empty forall range or one of more than MaxForallIndices
// indices) or no instance of the family met the hypotheses. A forall with
// literal bounds that is empty or too long is refused when the file is
// read. A trial whose two sides are both within the tolerance of 0
// held "only absolutely" and is counted apart.
package conjecture
