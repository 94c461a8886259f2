package main

import "io"

// runMetrics is a placeholder until the command is built; it answers with a
// clear line and exit status 2. Delete this file when metrics.go exists.
func runMetrics(args []string, stdout, stderr io.Writer) int {
	return fail(stderr, "metrics: not implemented yet")
}
