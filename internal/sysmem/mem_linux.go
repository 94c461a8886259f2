//go:build linux

package sysmem

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Physical returns the memory this process can use, in bytes: the
// machine's total RAM, or the cgroup's limit (cgroup v2 memory.max) when
// that is lower; 0 when unknown.
func Physical() int64 {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		return 0
	}
	total := int64(si.Totalram) * int64(si.Unit)
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 && v < total {
			total = v
		}
	}
	return total
}
