// Package bigmat is the dense arbitrary-precision linear algebra shared by
// the symbolic side (theory) and the numeric side (solver) of ufm.
//
// A Dense holds an r×c matrix of big.Float values stored row-major, all at
// one precision (in bits) chosen when the matrix is made. Operations follow
// the conventions of math/big: the receiver z of z.Op(a, b) receives the
// result and is returned, and a non-empty receiver keeps its precision (the
// result is rounded to it). A zero-value Dense receiver takes its shape from
// the operation and its precision from the first operand. Element-wise
// operations (Copy, T, Add, Sub, Scale, AddScaledIdentity, Symmetrize)
// write into the receiver's entries; the products (Mul, MulSym, MulTrans,
// TransMul, MulFixed, MulFixedSym) compute into fresh storage, so that z
// may alias an operand, and the receiver's old entries are dropped, not
// reused. Rounding is always big.ToNearestEven. Mul (and MulSym, MulTrans,
// TransMul, and the sums of Cholesky) sums each dot product exactly in
// integers down to 2^-(p+64) of its largest term and rounds once: an
// entrywise bound below that of rounding every product and partial sum.
// MulFixed holds whole rows and columns in one fixed-point scale, which is
// several times faster again at a few hundred bits but bounds the error
// relative to the norms of the row and the column (its documentation),
// so it is used only where that is the accuracy needed (Hessian–vector
// products of the solver).
//
// Dimension mismatches between matrices are programming errors and panic, as
// in gonum/mat; every user-supplied size is checked at the boundary (package
// instance) long before it reaches this package.
//
// Precision and guard digits. A caller asks for D significant decimal digits;
// Bits(D) returns the working precision ceil((D+GuardDigits)·log2 10) bits.
// GuardDigits = 16 is chosen so that the relative rounding error of the
// algorithms here (Jacobi eigendecomposition, Cholesky, LU with partial
// pivoting, matrix products), which grows at most like a small multiple of
// n·2^-prec per operation chain for n up to a few hundred (at most about
// log10(n³) ≤ 8 digits), plus the cancellation lost when forming differences
// of nearly equal square roots (√σ − √c with σ within 10^-8 of c costs ≤ 8
// digits of relative accuracy in that difference), still leaves the D
// requested digits intact.
package bigmat
