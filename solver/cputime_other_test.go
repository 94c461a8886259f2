//go:build !unix

package solver

import "time"

// processCPU is not measured on this platform.
func processCPU() time.Duration { return 0 }
