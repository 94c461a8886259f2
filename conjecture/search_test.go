package conjecture

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nrc-ufm/ufm/proofs"
)

func load(t *testing.T, path string) *Conjecture {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(path, src)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// search runs c's claim with its own budget and seed 1.
func search(t *testing.T, c *Conjecture, budget int) (*proofs.SearchResult, time.Duration) {
	t.Helper()
	cl := c.Claim()
	start := time.Now()
	res, err := proofs.Search(&cl, proofs.SearchOptions{Budget: budget, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return res, time.Since(start)
}

// checkVerdict asserts the documented verdict: a holding conjecture has no
// counterexample and held on at least 80% of its trials; a failing one is
// refuted inside its hypotheses.
func checkVerdict(t *testing.T, c *Conjecture, res *proofs.SearchResult) {
	t.Helper()
	switch c.Expect {
	case proofs.Holds:
		if ce := res.Counterexample; ce != nil {
			t.Fatalf("%s: counterexample %s: %s", c.Name, ce.Instance.Marshal(), ce.Reason)
		}
		if res.Held < res.Trials*4/5 {
			t.Fatalf("%s: held on only %d of %d trials (%d inconclusive: %v)", c.Name, res.Held, res.Trials, res.Inconclusive, res.Notes)
		}
	case proofs.Fails:
		ce := res.Counterexample
		if ce == nil {
			t.Fatalf("%s: not refuted in %d trials (held %d)", c.Name, res.Trials, res.Held)
		}
		if !ce.Inside {
			t.Fatalf("%s: the counterexample is outside the hypotheses: %s", c.Name, ce.HypothesisNote)
		}
	}
}

// TestShippedExamples runs every conjecture in examples/conjectures and
// checks the verdict its file documents (expect:). The wrong training-MSE
// formula must be refuted within 10 s and shrunk to M ≤ 3, n ≤ 2.
func TestShippedExamples(t *testing.T) {
	files, _ := filepath.Glob("../examples/conjectures/*.conj")
	for _, path := range files {
		c := load(t, path)
		t.Run(c.Name, func(t *testing.T) {
			res, took := search(t, c, c.Budget)
			checkVerdict(t, c, res)
			t.Logf("%s: %d trials, held %d, inconclusive %d, %s", c.Name, res.Trials, res.Held, res.Inconclusive, took.Round(time.Millisecond))
			if ce := res.Counterexample; ce != nil {
				in := ce.Instance
				t.Logf("refuted at trial %d, shrunk to n = %d, d = %d, M = %d: %s", ce.Trial, in.N(), in.D, in.M(), ce.Reason)
				if c.Name == "training-mse-wrong" && (in.M() > 3 || in.N() > 2 || took > 10*time.Second) {
					t.Errorf("wrong formula: shrunk to n = %d, M = %d in %s; want n ≤ 2, M ≤ 3 within 10 s", in.N(), in.M(), took)
				}
			}
		})
	}
}

// TestLibraryConjectures builds conjectures in Go (conjecture.New) about
// the regimes, the bias and the loss, true and false ones, and checks their
// verdicts.
func TestLibraryConjectures(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the shipped examples cover the concurrent search (make test runs them under -race)")
	}
	type tc struct {
		name, hyp, quantity, rel, formula string
		forall                            string
		family                            Family
		expect                            proofs.Verdict
	}
	cases := []tc{
		{name: "min-loss", hyp: "lambda_h > 0 && lambda_w > 0", quantity: "min_loss", rel: "==",
			formula: "sum(j, 1, n, if(sigma(j) > c && j <= d, sqrt(c*sigma(j)) - c/2, sigma(j)/2))", expect: proofs.Holds},
		{name: "min-loss-ignoring-d", hyp: "lambda_h > 0 && lambda_w > 0", quantity: "min_loss", rel: "==",
			formula: "sum(j, 1, n, if(sigma(j) > c, sqrt(c*sigma(j)) - c/2, sigma(j)/2))",
			family:  Family{NMin: 2, NMax: 3, D: "< n", Spectrum: "random"}, expect: proofs.Fails},
		{name: "bias-is-mean", hyp: "lambda_h > 0 && lambda_w > 0", forall: "i in 1..n", quantity: "bias(i)", rel: "==",
			formula: "ybar(i)", expect: proofs.Holds},
		{name: "full-rank-when-c-below-top", hyp: "lambda_h > 0 && lambda_w > 0 && d >= n && c < sigma(1)", quantity: "rank", rel: "==",
			formula: "n", family: Family{NMin: 2, NMax: 3, Spectrum: "exact"}, expect: proofs.Fails},
		{name: "mse-at-most-trace", hyp: "lambda_h > 0 && lambda_w > 0", quantity: "train_mse", rel: "<=",
			formula: "trace", expect: proofs.Holds},
		{name: "mse-at-least-trace", hyp: "lambda_h > 0 && lambda_w > 0", quantity: "train_mse", rel: ">=",
			formula: "trace", expect: proofs.Fails},
		{name: "trivial-regime-loss", hyp: "lambda_h > 0 && lambda_w > 0 && c >= sigma(1)", quantity: "min_loss", rel: "==",
			formula: "trace/2", family: Family{Spectrum: "exact"}, expect: proofs.Holds},
		{name: "ww-spectral", hyp: "lambda_h > 0 && lambda_w > 0 && d >= n", forall: "i in 1..n", quantity: "ww(i, 1)", rel: "==",
			formula: "sqrt(lambda_h/lambda_w) * sum(j, 1, n, pos(sqrt(sigma(j)) - sqrt(c)) * v(i, j) * v(1, j))",
			family:  Family{NMin: 2, NMax: 3, D: ">= n", Spectrum: "distinct"}, expect: proofs.Holds},
		{name: "predictions-shrink", hyp: "lambda_h > 0 && lambda_w > 0 && d >= n", forall: "k in 1..n", quantity: "predictions(k, 1)", rel: "==",
			formula: "ybar(k) + sum(j, 1, n, if(sigma(j) > c, (1 - sqrt(c/sigma(j))) * v(k, j) * sum(l, 1, n, v(l, j) * (y(l, 1) - ybar(l))), 0))",
			family:  Family{Spectrum: "distinct"}, expect: proofs.Holds},
		{name: "predictions-unshrunk", hyp: "lambda_h > 0 && lambda_w > 0 && d >= n", forall: "k in 1..n", quantity: "predictions(k, 1)", rel: "==",
			formula: "ybar(k) + sum(j, 1, n, if(sigma(j) > c, v(k, j) * sum(l, 1, n, v(l, j) * (y(l, 1) - ybar(l))), 0))",
			family:  Family{Spectrum: "distinct"}, expect: proofs.Fails},
		{name: "ww-trace", hyp: "lambda_h > 0 && lambda_w > 0 && d >= n", quantity: "sum(i, 1, n, ww(i, i))", rel: "==",
			formula: "sqrt(lambda_h/lambda_w) * sum(j, 1, n, pos(sqrt(sigma(j)) - sqrt(c)))", expect: proofs.Holds},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			c, err := New(Spec{Name: k.name, Statement: "library test", Hypotheses: k.hyp, ForAll: k.forall,
				Quantity: k.quantity, Relation: k.rel, Formula: k.formula, Family: k.family, Expect: k.expect})
			if err != nil {
				t.Fatal(err)
			}
			res, took := search(t, c, 40)
			checkVerdict(t, c, res)
			t.Logf("%d trials, held %d, inconclusive %d, %s", res.Trials, res.Held, res.Inconclusive, took.Round(time.Millisecond))
			if ce := res.Counterexample; ce != nil && !strings.Contains(ce.Reason, "share") {
				t.Errorf("the reason does not give the shared digits: %s", ce.Reason)
			}
		})
	}
}
