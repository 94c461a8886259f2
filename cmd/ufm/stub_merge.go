package main

import "io"

// runMerge is a placeholder until the command is built; it answers with a
// clear line and exit status 2. Delete this file when merge.go exists.
func runMerge(args []string, stdout, stderr io.Writer) int {
	return fail(stderr, "merge: not implemented yet")
}
