package property

import (
	"os"
	"path/filepath"
	"testing"

	"ufm/internal/instance"
)

// TestPropertyCounterexamples replays the shrunk counterexamples that the
// properties have found (testdata/counterexamples/*.json, each an instance
// file whose name says what failed and how it was found) through the
// check of TestPropertyClosedForm.
//
// They are open findings against the solver, not regressions of this
// package, so they run with make property (UFM_PROPERTY_TRIALS set) and
// are skipped by make test; once the solver passes them, drop the skip to
// keep them as regression tests.
func TestPropertyCounterexamples(t *testing.T) {
	if os.Getenv("UFM_PROPERTY_TRIALS") == "" {
		t.Skip("open findings: replayed by make property (UFM_PROPERTY_TRIALS set)")
	}
	files, err := filepath.Glob(filepath.Join("testdata", "counterexamples", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no counterexamples found (%v)", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			in, err := instance.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			if msg, _ := closedForm(in); msg != "" {
				t.Errorf("%s\n%s", in.Name, msg)
			}
		})
	}
}
