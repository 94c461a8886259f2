package verify

import (
	"os"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
)

func TestZZProf(t *testing.T) {
	path := os.Getenv("ZZINST")
	if path == "" {
		t.Skip()
	}
	digits, _ := strconv.Atoi(os.Getenv("ZZDIGITS"))
	in, err := instance.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Create(os.Getenv("ZZPROF"))
	pprof.StartCPUProfile(f)
	t0 := time.Now()
	rep, err := Run(in, digits, solver.Settings{TimeLimit: 600 * time.Second, Progress: os.Stderr})
	pprof.StopCPUProfile()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v status %v worst %s iters %d stop %v notes %v", time.Since(t0), rep.Status, rep.Worst, rep.Solver.Iterations, rep.Solver.Stop, rep.Solver.Notes)
}
