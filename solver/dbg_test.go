package solver

import "testing"

func TestDbgHugeC(t *testing.T) {
	sig := []string{"3", "2", "1"}
	targets := diagTargets([]string{"1", "-2", "0.5"}, sig)
	in := mkInstance(t, "diag-huge-c", targets, "1e300", "1e300", 3, "free", "")
	res := solveOK(t, in, Settings{Digits: 50})
	t.Logf("stop %s conv %v digits %d grad %s W %s hist %v notes %v", res.Stop, res.Converged, res.DigitsReached, res.GradNorm.Text('g', 5), res.W.FrobeniusNorm().Text('g', 5), res.History, res.Notes)
}
