// Package sysmem tells how much memory this process may use (the
// machine's RAM, or a lower cgroup limit), so that readers can refuse an
// input larger than that with one line before reading it, instead of
// dying with a runtime out-of-memory crash.
package sysmem
