package solver

import (
	"fmt"
	"os"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
)

func TestKrylovDebug(t *testing.T) {
	f := os.Getenv("KDBG")
	if f == "" {
		t.Skip()
	}
	in, err := instance.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	krylovTrace = os.Stderr
	defer func() { krylovTrace = nil }()
	res, err := Solve(in, Settings{Progress: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(res.Stop, res.Converged, res.Iterations, res.Stage1Iterations, res.DigitsReached, res.Duration, res.History, res.Notes)
}
