package property

import (
	"path/filepath"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
)

// TestPropertyCounterexamples replays the shrunk counterexamples that the
// properties have found (testdata/counterexamples/*.json, each an instance
// file whose name says what failed and how it was found) through the
// check of TestPropertyClosedForm.
//
// They were findings against the solver (W Wᵀ to 21–24 of 30 digits with
// tiny c and a rank-deficient optimum), fixed by raising the working
// precision when progress stops short; they now run in every make test as
// regression tests.
func TestPropertyCounterexamples(t *testing.T) {
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
