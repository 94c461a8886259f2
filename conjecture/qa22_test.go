package conjecture

import (
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
)

// QA session 22 (testdata/qa22, found by an adversarial run of ufm
// conjecture): wrong verdicts where a comparison or the rank was decided on
// balls that overlap, a value that underflowed to 0 ± 0, and an empty
// forall range.

func loadInstance(t *testing.T, name string) *instance.Instance {
	t.Helper()
	in, err := instance.Load(filepath.Join("testdata", "qa22", name))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// check runs c's Check on in with the default digits of the search.
func check(c *Conjecture, in *instance.Instance) proofs.Outcome {
	return c.Check(in, proofs.CheckConfig{Digits: 30, Seed: 1})
}

// TestQA22DecidedComparisons: if(σ_2 − c > 0, 1, 0) == if(σ_2 > c, 1, 0)
// is a tautology. On near2.json σ_2 − c = 10⁻⁵⁰ lies inside σ_2's radius
// at 30 digits: the left condition was counted false (overlap as
// equality), the trial FAILS, "both sides exact". It must hold (the
// undecided condition is evaluated again at more digits, where σ_2's
// radius no longer reaches c).
func TestQA22DecidedComparisons(t *testing.T) {
	c := load(t, filepath.Join("testdata", "qa22", "tauto-if.conj"))
	out := check(c, loadInstance(t, "near2.json"))
	if out.Verdict != proofs.Holds {
		t.Fatalf("verdict %s (%s), want holds", out.Verdict, out.Reason)
	}
}

// TestQA22UndecidedConditions: a condition whose sides overlap is
// undecided (an error that makes the trial inconclusive), never true or
// false.
func TestQA22UndecidedConditions(t *testing.T) {
	in := diagInstance()
	for _, src := range []string{"sqrt(2) * sqrt(2) == 2", "sqrt(2) * sqrt(2) > 2", "sqrt(2) * sqrt(2) != 2", "exp(log(3)) <= 3"} {
		n, _ := compileFor(t, src)
		got, err := newEnv(in, 30, 1, 0).cond(n)
		if !undecided(err) {
			t.Errorf("%s = %v, %v; want undecided", src, got, err)
		}
	}
}

// TestQA22RankNearTie: σ_2 − c = 10⁻²⁶ and 10⁻⁴⁰ (d ≥ n), true rank 2.
// The shipped rank-of-optimum conjecture failed there: the eigenvalue of
// the solver's W Wᵀ below its noise was counted as 0, "rank = 1 (both sides
// exact)". It must hold (decided at more digits).
func TestQA22RankNearTie(t *testing.T) {
	c := load(t, filepath.Join("..", "examples", "conjectures", "rank-of-optimum.conj"))
	for _, name := range []string{"near2e26.json", "near2e40.json"} {
		if out := check(c, loadInstance(t, name)); out.Verdict != proofs.Holds {
			t.Errorf("%s: verdict %s (%s), want holds", name, out.Verdict, out.Reason)
		}
	}
}

// TestQA22Underflow: e^(−1.05·10¹¹) ≤ 0 is false. Its value underflowed
// big.Float's exponent to 0 with radius 0, and the trial held. It must be
// inconclusive (the value leaves the range of the evaluation).
func TestQA22Underflow(t *testing.T) {
	c := load(t, filepath.Join("testdata", "qa22", "uflow0.conj"))
	out := check(c, diagInstance())
	if out.Verdict != proofs.Inconclusive || !strings.Contains(out.Reason, "range") {
		t.Fatalf("verdict %s (%s), want inconclusive: out of range", out.Verdict, out.Reason)
	}
}

// TestQA22EmptyForall: forall i in 2..n with n = 1 panicked (the last of
// no comparisons). The trial is inconclusive and says the range is empty.
func TestQA22EmptyForall(t *testing.T) {
	c := load(t, filepath.Join("testdata", "qa22", "forall-2n.conj"))
	in := loadInstance(t, "near2.json")
	in.Targets = [][]*big.Rat{{big.NewRat(1, 1)}, {big.NewRat(3, 1)}}
	out := check(c, in)
	if out.Verdict != proofs.Inconclusive || !strings.Contains(out.Reason, "empty") {
		t.Fatalf("verdict %s (%s), want inconclusive: empty range", out.Verdict, out.Reason)
	}
}

// TestQA22ByteOrderMark: a file saved with a UTF-8 byte order mark parses
// as without it (it was refused: "\ufeffname:" is not a key).
func TestQA22ByteOrderMark(t *testing.T) {
	src := "name: bom\nstatement: s\nquantity: train_mse\nrelation: <=\nformula: trace\n"
	plain, err := Parse("plain.conj", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	bom, err := Parse("bom.conj", append([]byte("\uFEFF"), src...))
	if err != nil {
		t.Fatalf("with a byte order mark: %v", err)
	}
	if bom.Name != plain.Name || bom.Formula != plain.Formula {
		t.Errorf("with a byte order mark: name %q formula %q, want %q %q", bom.Name, bom.Formula, plain.Name, plain.Formula)
	}
}

// TestQA22NotAPoint: with λ_H = λ_W = 0 the minimizers form a set; on
// z_r1 (d = n = 2, Ỹ of rank 1) they include W of rank 1 and of rank 2,
// and "rank == 2" HELD on the solver's one. Such a quantity makes the
// trial inconclusive; the loss, shared by every minimizer, still decides.
func TestQA22NotAPoint(t *testing.T) {
	in := loadInstance(t, "z_r1.json")
	for _, c := range []struct {
		quantity, formula string
		want              proofs.Verdict
	}{
		{"rank", "2", proofs.Inconclusive},
		{"ww(2, 2)", "0", proofs.Inconclusive},
		{"min_loss", "0", proofs.Holds},
	} {
		conj, err := New(Spec{Name: "nap", Statement: "s", Quantity: c.quantity, Relation: "==", Formula: c.formula, Expect: proofs.Holds})
		if err != nil {
			t.Fatal(err)
		}
		if out := check(conj, in); out.Verdict != c.want {
			t.Errorf("%s == %s: verdict %s (%s), want %s", c.quantity, c.formula, out.Verdict, out.Reason, c.want)
		}
	}
}

// TestQA22HypothesesRetried: a hypothesis sigma(2) − c > 0 with σ_2 − c =
// 10⁻⁵⁰ is undecided at 30 digits; it was never evaluated again at more
// digits (and --digits did not reach it), so the trial stayed
// inconclusive. It is decided at the escalated digits now, and the
// conjecture holds there.
func TestQA22HypothesesRetried(t *testing.T) {
	c, err := New(Spec{Name: "h1", Statement: "s", Hypotheses: "sigma(2) - c > 0", Quantity: "rank", Relation: "==", Formula: "2", Expect: proofs.Holds})
	if err != nil {
		t.Fatal(err)
	}
	if out := check(c, loadInstance(t, "im50.json")); out.Verdict != proofs.Holds {
		t.Errorf("verdict %s (%s), want holds", out.Verdict, out.Reason)
	}
}

// TestQA22FamilyFallback: a family (n = 1, spectrum boundary: σ_1 = c)
// none of whose members meets the hypotheses σ_1 > c. After 200 draws the
// generator handed back its last draw, not a member of the family, and the
// conjecture (min_loss ≤ −1, false on any instance) was refuted there.
// Every trial must be inconclusive, saying why.
func TestQA22FamilyFallback(t *testing.T) {
	c := load(t, filepath.Join("testdata", "qa22", "vac.conj"))
	res, _ := search(t, c, 4)
	if res.Counterexample != nil || res.Held != 0 || res.Inconclusive != res.Trials {
		t.Fatalf("counterexample %v, held %d, inconclusive %d of %d; want all inconclusive", res.Counterexample != nil, res.Held, res.Inconclusive, res.Trials)
	}
	for _, note := range res.Notes {
		if !strings.Contains(note.Reason, "no instance of the family met the hypotheses") {
			t.Errorf("trial %d: %q does not say why", note.Trial, note.Reason)
		}
	}
}

// TestQA22LogicalUndecided: an undecided side does not make a && b or
// a || b undecided when the other side decides it.
func TestQA22LogicalUndecided(t *testing.T) {
	in := diagInstance()
	for _, c := range []struct {
		src       string
		want      bool
		undecided bool
	}{
		{"sqrt(2) * sqrt(2) == 2 || n == 2", true, false},
		{"sqrt(2) * sqrt(2) == 2 && n == 3", false, false},
		{"n == 3 || sqrt(2) * sqrt(2) == 2", false, true},
		{"sqrt(2) * sqrt(2) == 2 && n == 2", false, true},
	} {
		nd, _ := compileFor(t, c.src)
		got, err := newEnv(in, 30, 1, 0).cond(nd)
		if undecided(err) != c.undecided || (!c.undecided && (err != nil || got != c.want)) {
			t.Errorf("%s = %v, %v; want %v (undecided %v)", c.src, got, err, c.want, c.undecided)
		}
	}
}
