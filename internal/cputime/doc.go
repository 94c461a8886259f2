// Package cputime measures the CPU time of this process, for the
// benchmarks that report cpu-s/op on a shared machine (where wall time
// says more about the other processes than about ours).
package cputime
