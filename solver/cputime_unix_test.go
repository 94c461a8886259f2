//go:build unix

package solver

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system, all threads) this
// process has used, for benchmarks on a shared machine where wall time
// says more about the other processes than about ours.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
