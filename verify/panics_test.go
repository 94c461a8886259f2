package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareUnresolvedSigmaNoPanic is QA reproducer r5 (issue 8): bias
// none, four samples (1e150, 2e150) and ±e_1, ±e_2, so (M = 8)
// Σ = (1/8)[[4e300+2, 8e300], [8e300, 16e300+2]], σ_1 ≈ 2.5e300 and
// σ_2 = det Σ/σ_1 ≈ (40e300/64)/2.5e300 = 1/4. Resolving σ_2 next to σ_1
// needs about 300 digits, beyond the theory's cap at 30 requested digits,
// so the computed σ_2 is 0 and shrinkageDigits divided 0/0. Compare must
// not panic, and must not say AGREE: no digit of σ_2 is justified.
func TestCompareUnresolvedSigmaNoPanic(t *testing.T) {
	in := mustInstance(t, `{"targets":[["1e150","2e150"],["1e150","2e150"],["1e150","2e150"],["1e150","2e150"],["1","0"],["-1","0"],["0","1"],["0","-1"]],"lambda_h":"1/10","lambda_w":"1/10","d":1,"bias":"none","digits":30}`)
	p, r := solveBoth(t, in, 30)
	rep := mustCompare(t, in, p, r)
	if rep.Status == Agree {
		t.Fatalf("status %s (%s), want a non-agree status: σ_2 is not resolved", rep.Status, rep.Reason)
	}
	if rep.Agreement.Shrinkage != nil && *rep.Agreement.Shrinkage != 0 {
		t.Errorf("shrinkage agreement %d, want 0 (σ_2 unresolved)", *rep.Agreement.Shrinkage)
	}
}

// TestCompareUnresolvedCutoff is QA reproducer r6 (issue 8): a near tie
// σ_1 − σ_2 ≈ 1e−250 at the cut-off d = 1, which the theory can neither
// separate nor show equal at its precision cap (theory's
// TestUnresolvedCutoff). ww and the predictions are then not compared —
// not because they are not unique, but because the theory could not tell
// — so the verdict must not be AGREE (it was, exit 0).
func TestCompareUnresolvedCutoff(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("testdata", "qa_r6.json"))
	if err != nil {
		t.Fatal(err)
	}
	in := mustInstance(t, string(doc))
	p, r := solveBoth(t, in, 30)
	rep := mustCompare(t, in, p, r)
	if rep.Status != Unresolved || !strings.Contains(rep.Reason, "could not resolve ww, predictions") {
		t.Fatalf("status %s (%s), want %s naming ww and predictions", rep.Status, rep.Reason, Unresolved)
	}
}
