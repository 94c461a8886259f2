package main

import "io"

// runPredict is a placeholder until the command is built; it answers with a
// clear line and exit status 2. Delete this file when predict.go exists.
func runPredict(args []string, stdout, stderr io.Writer) int {
	return fail(stderr, "predict: not implemented yet")
}
