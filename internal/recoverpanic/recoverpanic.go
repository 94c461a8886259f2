// Package recoverpanic turns a panic at a package's boundary into an
// error: Solve, Predict and certify.Build defer Into so that an internal
// failure (a bug) reaches the caller as an error naming the panic, never as
// a crash and never as a result.
package recoverpanic

import "fmt"

// Into, deferred by a function with named results (res, err), recovers a
// panic of that goroutine and sets *res to T's zero value and *err to an
// error wrapping base with the panic's message. Without a panic it does
// nothing.
func Into[T any](res *T, err *error, base error) {
	if r := recover(); r != nil {
		var zero T
		*res, *err = zero, fmt.Errorf("%w: %v", base, r)
	}
}
