// Package solver minimizes the UFM loss L(W, H, b) of THEORY §1 numerically,
// to many digits, independently of the closed form in package theory.
package solver
