package certify

import (
	"path/filepath"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
)

func TestQuick(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.json")
	more, _ := filepath.Glob("/work/shared/instances/*.json")
	for _, f := range append(files, more...) {
		in, err := instance.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []int{50, 1000} {
			res, err := Build(in, Options{Digits: d})
			if err != nil {
				t.Logf("%s %d: %v", f, d, err)
				continue
			}
			gap := res.Gap
			t.Logf("%s %d: %s method %s sd %d gap~%d lower~%d %v %s", filepath.Base(f), d, res.File.Verdict, res.Report.Method, res.SolverDigits, log10Rat(gap), log10Rat(res.Report.Lower), res.Duration, res.File.Notes)
		}
	}
}
