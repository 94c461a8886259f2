// Package metrics computes the neural regression collapse metrics NRC1,
// NRC2 and NRC3 of docs/theory.md §4 for the features, last-layer weights and
// targets of a trained network or of a solver's minimizer.
//
// # Inputs
//
// Features H are M×d (a row h_i per sample — note: the theory's H is d×M, so
// transpose solver output), weights W are n×d (row k is w_k), targets Y
// are M×n (a row y_i per sample). CheckShapes names both shapes of a
// mismatch ("features are 100×8 but targets are 90×3 (sample counts
// differ)"); NaN and ±Inf are refused with their row and column.
//
// Readers: ReadNPYFile/ReadNPY read .npy files (format versions 1–3) of
// float32 or float64, either byte order, C or Fortran order, without
// copying or widening: a Matrix keeps float32 data as float32 and reads
// Fortran-order data in place. A 1-D array is one column (OneD reports
// it; the command line takes a 1-D weights array as the single row of W).
// Other dtypes and more than two dimensions are refused. ReadCSVFile reads
// text: comma-separated, or whitespace-separated as numpy.savetxt writes
// by default; '#' lines and blank lines are skipped; the first row may be
// a header of names (skipped only if none of its fields is a number); see
// ReadCSV for the exact rules. ReadCSVBig reads the same text into big
// floats without a detour through float64.
//
// # Definitions (docs/theory.md §4)
//
// h̃_i = h_i − h̄ (centered, the default) or h_i (Options.Uncentered), and
// ĥ_i = h̃_i/‖h̃_i‖. Vanishing h̃_i are skipped, but the sums are still
// divided by M, exactly as docs/theory.md writes them; Report.ZeroFeatures counts
// them. "Vanishing" means ‖h̃_i‖ ≤ DefaultZeroTol = 64·2^-52 times the largest
// raw row norm in float64 (rounding noise of the centering), or ≤
// 10^-(digits-1) times it in ComputeBig (below the stated accuracy of the
// input). If every h̃_i vanishes, the features collapsed to a point:
// Report.FeaturesCollapsed is set and NRC1, NRC2 are undefined.
//
//   - NRC1 = (1/M) Σ ‖ĥ_i − P_n ĥ_i‖², P_n the projector onto the top
//     min(n, d) eigenvectors of the feature covariance (1/M) Σ h̃_i h̃_iᵀ
//     (the raw second moment in the uncentered variant). n ≥ d makes NRC1
//     trivially 0 (a note says so); a tie between the n-th and (n+1)-th
//     variances, which leaves P_n undefined, is reported in a note.
//   - NRC2 = (1/M) Σ ‖ĥ_i − P_W ĥ_i‖², P_W the projector onto the row
//     space of W, from the right singular vectors whose singular values
//     exceed Options.RankTol (default max(n, d)·2^-52, as numpy's
//     matrix_rank) times the largest. Report.WeightsRank is that rank.
//     W = 0 has row space {0}: P_W = 0 and NRC2 is the fraction of
//     non-vanishing features (1 when none vanish), with a note.
//   - NRC3 = min over γ ∈ [0, σ_min] of ‖WWᵀ/‖WWᵀ‖_F − (Σ^{1/2} − √γ I)/
//     ‖Σ^{1/2} − √γ I‖_F‖²_F, with Σ = (1/M) Σ (y_i − ȳ)(y_i − ȳ)ᵀ (no
//     centering in the uncentered variant), its symmetric square root, and
//     σ_min its smallest eigenvalue. The minimizer is found in closed form
//     (see nrc3.go): with t = √γ the problem is to maximize
//     (a − b t)/√(p − 2q t + n t²), whose derivative has the sign of a
//     linear function of t, so the candidates are t = 0, t = √σ_min and
//     one stationary point; each is evaluated and the best is reported
//     with its γ (NRC3Gamma). Undefined cases are named in
//     Report.NRC3Undefined: W = 0, or Σ = 0 (constant targets). When
//     Σ ∝ I the value does not depend on γ (Report.NRC3Flat) and γ = 0 is
//     reported.
//
// # Σ ∝ I is decided exactly
//
// Whether Σ is a multiple of I decides whether NRC3 depends on γ at all,
// and no threshold can decide it: targets (±(1 + 10⁻⁴⁰), ±1) with
// WWᵀ = diag(1, 0) have NRC3 = 0 at γ = σ_min = 1, while Σ = I would give
// 2 − √2 (issue 8 item 7). The inputs are exact rationals (decimals in
// text, dyadic rationals in float64 and big.Float), so the question is
// exact, and is answered exactly (exact.go):
//
//   - ComputeBig/ComputeBigExact form WWᵀ and Σ exactly, from integers over
//     one power-of-2 or power-of-10 scale (M·n(n+1)/2 integer
//     multiply-adds for Σ), and decide Σ = 0 and Σ ∝ I on them. When
//     Σ is not ∝ I, its relative anisotropy ρ = ‖Σ − (tr Σ/n)I‖_F/‖Σ‖_F is
//     known exactly, and NRC3 is evaluated with D + ⌈log10(1/ρ)⌉ + 1
//     working digits (Σ rounded once from its exact value), so that
//     Σ^{1/2} − √γ·I is resolved relative to its own size near σ_min; the
//     error estimate comes from an evaluation NRC3ErrDigits digits higher.
//     Beyond NRC3MaxDigits working digits NRC3 is not given
//     (NRC3Undefined says so). ComputeBig takes its big.Float weights and
//     targets as exact values; text read with ReadCSVBig is rounded, so the
//     command line reads weights and targets with ReadCSVExact.
//   - Compute (float64) decides it exactly on the float64 targets whenever
//     Σ^{1/2} is ∝ I to float64 accuracy (one more pass over the targets,
//     in integers): exactly isotropic is flat; otherwise NRC3 is not
//     reported and NRC3Undefined points to --digits. The command line
//     also checks a flat Σ of text targets against the decimals as
//     written, since their float64 roundings may be isotropic when they
//     are not.
//
// NRC1 and NRC2 lie in [0, 1], NRC3 in [0, 2]; results are clamped to
// these ranges against rounding and are never NaN. The explained-variance
// ratios (EVR) are the eigenvalues of the same covariance divided by its
// trace, descending; by default the top min(d, n+5) are reported (the n
// that collapse predicts carry everything, and five more show the drop),
// Options.EVRCount changes that.
//
// # The float64 path: Compute
//
// Compute streams over the samples in blocks of 256 rows through any Rows
// source (a *Matrix is one, handled by up to four goroutines): pass 1 checks finiteness and forms the
// mean with compensated summation; pass 2 accumulates the d×d covariance
// around that mean and corrects it by the mean of the deviations (the
// corrected two-pass algorithm, accurate under a large common offset);
// pass 3 projects each centered row on the top principal directions and
// on the row space of W and forms the residuals directly (not as
// 1 − ‖Pĥ‖², so exact collapse shows as ~1e-30, not 1e-16). The last pass
// costs O(M·d·(n + rank W)), cheaper than a second d×d moment of the
// normalized features. Besides the input it keeps one d×d accumulator
// for each of four contiguous ranges of blocks, the d×d covariance, and
// n×d and n×n matrices. The ranges' sums are added in range order and do
// not depend on the number of goroutines (Options.Workers, at most
// four): the result is the same bit for bit for any number of them
// (between the AVX2 and the portable kernel below it may differ in the
// last bits, as FMA rounds once).
//
// Passes 2 and 3 and the products of subspace iteration run on one
// register-tile kernel (syrk.go): a block of rows is packed into panels
// of 12 columns and each 4×12 tile of the product is summed over the
// block in registers before it is added once, in AVX2/FMA assembly on
// amd64 processors that have it (golang.org/x/sys/cpu decides) and in a
// Go loop elsewhere or with the purego build tag. Its sums are ordinary
// float64 inner products in a fixed order (in the covariance pass at most
// 256 products per block, then one addition to the running total), as
// accurate as a BLAS rank-k update.
//
// The principal directions are the top min(n, d) eigenvectors of that
// covariance and the report needs its top max(n+1, #EVR) eigenvalues:
// for d ≥ 64 they come from Chebyshev-filtered block subspace iteration
// with locking (topeigen.go), stopped when every wanted Ritz pair has
// residual ≤ SubspaceTol = 1e-13 times the largest eigenvalue, instead of
// the O(d³) full decomposition; if it does not converge in 60 iterations
// (a wanted eigenvalue not separated from the rest) the full
// decomposition answers. Report.EigenMethod says which ("subspace" or
// "full"); Options.FullEigen forces the full one.
//
// # The big-float path: ComputeBig
//
// ComputeBig takes bigmat.Dense inputs trusted to a number of significant
// digits D (NRC3 takes the weights and targets as exact, see above), works
// at bigmat.Bits(D) bits and forms the Gram matrices whose
// small eigenvalues decide subspaces and ranks at twice that. Features
// within 10^-D of an n-dimensional subspace then give NRC1 ≈ 10^(-2D) —
// the metrics square distances — instead of float64 noise. Its rank
// threshold for W defaults to 10^-D.
package metrics
