package main

import "io"

// runSearch is a placeholder until the command is built; it answers with a
// clear line and exit status 2. Delete this file when search.go exists.
func runSearch(args []string, stdout, stderr io.Writer) int {
	return fail(stderr, "search: not implemented yet")
}
