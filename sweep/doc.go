// Package sweep evaluates the closed form of the regression UFM
// (docs/theory.md §3, package theory) over a grid of regularization
// strengths (λ_H, λ_W) — one axis or a 2-D grid — and writes the result as
// a table (CSV, JSON) and as pictures (gonum.org/v1/plot, PNG and SVG).
//
// # Points and digits
//
// Each grid point is an instance with exact rational λ: a linear axis
// A:B:K holds A + (B−A)·i/(K−1) exactly; a logarithmic one holds
// A·(B/A)^(i/(K−1)) rounded to LogDigits = 12 significant decimal digits
// (the table prints the rational actually used, so every row can be
// replayed with `ufm predict`). Regime, rank and the active count are the
// exact rational decisions of package theory.
//
// Every point is predicted twice, at the requested D digits (at most
// MaxDigits = 1980) and at D + ExtraDigits; a printed number is the more
// precise value with the digits on which every number within twice the
// two values' difference rounds alike (bigmat.StableDigits), never more
// than D (so a value whose conditioning eats digits — the shrinkage
// 1 − √(c/σ_j) just above a switch-off, NRC3 with σ_min = 0, for instance —
// is printed shorter, or left blank when nothing is resolved, with a note
// giving the value and its uncertainty). λ and c are printed exactly.
//
// # NRC at the optimum
//
// Full regime: NRC1 = NRC2 = NRC3 = 0 with γ = c (docs/theory.md §3).
// Partial regime: the optimal features H* = W*ᵀ(A* + λ_H I)⁻¹Ỹ have rank
// r ≤ n and lie in the row space of W* (R4, R5), so NRC1 = NRC2 = 0, and
// NRC3 is computed from A* and Σ with metrics.ComputeNRC3Moments (it is
// positive: A* has rank r < n while Σ^{1/2} − √γ I does not). Trivial
// regime (H* = W* = 0) and the regimes without a unique minimizer leave
// NRC blank, with a note.
//
// # Spot checks
//
// Settings.CheckEvery = N runs Settings.Checks at points 0, N, 2N, …
// SolverCheck is `ufm verify` (package verify: the independent solver
// against the closed form). Other checks plug in through the Check type;
// the certificate check of docs/theory.md §5 is meant to be added there.
// A check's error or panic is recorded as a failure of the check, never as
// a verdict.
//
// # Deep models
//
// A deep instance (layers > 1 or data_term mean, docs/theory.md §6) is
// swept over λ_H and, with a λ_W axis, over one common value of every
// layer's λ_l (DeepTable). Points come from theory.Predict (which
// dispatches to PredictDeep); the table adds the thresholds c_j at which
// σ_j^{K−1} = τ, the shrinkage columns hold s_j/t_j and S the optimal
// singular values s_j. For K ≥ 3 mode j jumps at c_j from s_j/t_j =
// (K−2)/(K−1) to exactly 0; the shrinkage picture draws the on and off
// branches as separate lines so the jump is a gap. NRC at the optimum is
// not computed for deep points (blank, with a note); the regime and nrc3
// pictures are not drawn.
//
// # Pictures
//
// Table.Plots writes loss (L* and training MSE vs c, with the σ_j where
// modes switch off), rank (the staircase r(c)), shrinkage (per direction),
// nrc3 (NRC3 at the optimum vs c) and, for 2-D grids, regime (the regime
// of every (λ_H, λ_W) with the curves λ_H·λ_W = σ_j).
package sweep
