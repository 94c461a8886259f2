package main

import "io"

// runSolve is a placeholder until the command is built; it answers with a
// clear line and exit status 2. Delete this file when solve.go exists.
func runSolve(args []string, stdout, stderr io.Writer) int {
	return fail(stderr, "solve: not implemented yet")
}
