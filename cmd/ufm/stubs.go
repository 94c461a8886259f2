package main

import "io"

// Commands not built yet answer with a clear line and exit status 2.

func runSolve(args []string, stdout, stderr io.Writer) int {
	return fail(stderr, "solve: not implemented yet")
}
func runVerify(args []string, stdout, stderr io.Writer) int {
	return fail(stderr, "verify: not implemented yet")
}
func runMetrics(args []string, stdout, stderr io.Writer) int {
	return fail(stderr, "metrics: not implemented yet")
}
func runClaims(args []string, stdout, stderr io.Writer) int {
	return fail(stderr, "claims: not implemented yet")
}
func runProofs(args []string, stdout, stderr io.Writer) int {
	return fail(stderr, "proofs: not implemented yet")
}
func runSearch(args []string, stdout, stderr io.Writer) int {
	return fail(stderr, "search: not implemented yet")
}
func runMerge(args []string, stdout, stderr io.Writer) int {
	return fail(stderr, "merge: not implemented yet")
}
func runPredict(args []string, stdout, stderr io.Writer) int {
	return fail(stderr, "predict: not implemented yet")
}
