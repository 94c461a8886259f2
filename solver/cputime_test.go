package solver

import (
	"time"

	"github.com/nrc-ufm/ufm/internal/cputime"
)

// processCPU is cputime.Process (CPU seconds for the benchmarks).
func processCPU() time.Duration { return cputime.Process() }
