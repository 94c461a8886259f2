package cputime

import (
	"runtime"
	"testing"
	"time"
)

// TestProcessGrows: a busy loop of 50 ms of wall time adds CPU time (on
// unix; elsewhere Process is 0 by definition).
func TestProcessGrows(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("not measured on " + runtime.GOOS)
	}
	c0 := Process()
	x := 0.0
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
		x += 1
	}
	if d := Process() - c0; d < 10*time.Millisecond || x == 0 {
		t.Errorf("50 ms of busy loop added %v of CPU time", d)
	}
}
