package main

import "io"

// runClaims is a placeholder until the command is built; it answers with a
// clear line and exit status 2. Delete this file when claims.go exists.
func runClaims(args []string, stdout, stderr io.Writer) int {
	return fail(stderr, "claims: not implemented yet")
}
