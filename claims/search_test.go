package claims

import (
	"bytes"
	"math/big"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
)

// Every claim's generator: inside instances satisfy the hypotheses,
// outside ones (mostly) do not, every instance is a valid instance (docs/formats.md)
// that round-trips exactly, and no check panics.
func TestGenerators(t *testing.T) {
	trials := 25
	if testing.Short() {
		trials = 8
	}
	for _, c := range Builtin().Claims() {
		for _, outside := range []bool{false, true} {
			violations := 0
			for i := 0; i < trials; i++ {
				in := proofs.GenerateTrial(c, 3, i, outside, 0)
				back, err := instance.Parse(in.Marshal())
				if err != nil {
					t.Fatalf("%s trial %d: generated instance does not parse: %v", c.Name, i, err)
				}
				if !bytes.Equal(back.Marshal(), in.Marshal()) {
					t.Fatalf("%s trial %d: instance does not round-trip", c.Name, i)
				}
				ok, why := c.InHypotheses(in)
				if !outside && !ok {
					t.Fatalf("%s trial %d: inside generator left the hypotheses (%s)", c.Name, i, why)
				}
				if outside && !ok {
					violations++
				}
				if i < 4 && !(c.Name == "theorem" && testing.Short()) {
					if out := proofs.CheckOne(c, in, proofs.CheckConfig{Seed: 1}); strings.Contains(out.Reason, "panicked") {
						t.Fatalf("%s trial %d: %s", c.Name, i, out.Reason)
					}
				}
			}
			if outside && violations < trials*3/4 {
				t.Errorf("%s: only %d of %d outside instances leave the hypotheses", c.Name, violations, trials)
			}
		}
	}
}

func TestTrialsAreDeterministic(t *testing.T) {
	c := claim(t, "full-collapse-all-positive")
	a := proofs.GenerateTrial(c, 42, 17, false, 0)
	b := proofs.GenerateTrial(c, 42, 17, false, 0)
	if !bytes.Equal(a.Marshal(), b.Marshal()) {
		t.Fatal("trial 17 differs between two draws")
	}
	if bytes.Equal(a.Marshal(), proofs.GenerateTrial(c, 43, 17, false, 0).Marshal()) {
		t.Fatal("the seed does not matter")
	}
}

// The same search with 1 and 4 workers gives the same result, bit for bit.
func TestSearchIndependentOfWorkers(t *testing.T) {
	for _, name := range []string{"landscape", "nocollapse-at-zero", "r6-kkt"} {
		c := claim(t, name)
		var docs []string
		for _, w := range []int{1, 4} {
			res, err := proofs.Search(c, proofs.SearchOptions{Budget: 30, Seed: 9, Workers: w, ShrinkTime: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, summary(res))
		}
		if docs[0] != docs[1] {
			t.Fatalf("%s: 1 worker:\n%s\n4 workers:\n%s", name, docs[0], docs[1])
		}
	}
}

func summary(r *proofs.SearchResult) string {
	var b strings.Builder
	b.WriteString(strings.Join([]string{r.Claim, itoa(r.Trials), itoa(r.Held), itoa(r.Inconclusive), r.ResidualText()}, " "))
	if ce := r.Counterexample; ce != nil {
		b.WriteString("\n" + itoa(ce.Trial) + " " + ce.Reason + "\n")
		b.Write(ce.Instance.Marshal())
	}
	return b.String()
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

// Shards partition the trials: their trial sets are disjoint, their union
// is the unsharded run's, and their counts add up.
func TestShardsPartition(t *testing.T) {
	c := claim(t, "r4-residual")
	const budget = 37
	record := func(k, n int) ([]int, *proofs.SearchResult) {
		var mu sync.Mutex
		var seen []int
		res, err := proofs.Search(c, proofs.SearchOptions{Budget: budget, Seed: 5, Shard: k, Shards: n, Workers: 3,
			OnTrial: func(i int, _ proofs.Outcome) { mu.Lock(); seen = append(seen, i); mu.Unlock() }})
		if err != nil {
			t.Fatal(err)
		}
		sort.Ints(seen)
		return seen, res
	}
	single, one := record(0, 1)
	if len(single) != budget || one.Trials != budget {
		t.Fatalf("single run: %d trials", len(single))
	}
	for _, n := range []int{2, 4, 5} {
		var union []int
		held := 0
		for k := 0; k < n; k++ {
			seen, res := record(k, n)
			for _, i := range seen {
				if i%n != k {
					t.Fatalf("shard %d/%d ran trial %d", k, n, i)
				}
			}
			if res.Trials != len(seen) || res.Planned != proofs.ShardTrials(budget, k, n) {
				t.Fatalf("shard %d/%d: %d trials, %d seen, %d planned", k, n, res.Trials, len(seen), res.Planned)
			}
			union = append(union, seen...)
			held += res.Held
		}
		sort.Ints(union)
		if len(union) != len(single) {
			t.Fatalf("N = %d: union has %d trials, single run %d", n, len(union), len(single))
		}
		for i := range union {
			if union[i] != single[i] {
				t.Fatalf("N = %d: union differs from the single run at %d", n, i)
			}
		}
		if held != one.Held {
			t.Fatalf("N = %d: %d held over shards, %d in one run", n, held, one.Held)
		}
	}
	if _, err := proofs.Search(c, proofs.SearchOptions{Shard: 3, Shards: 3}); err == nil {
		t.Fatal("shard 3/3 accepted")
	}
	if _, err := proofs.Search(c, proofs.SearchOptions{Shard: -1, Shards: 2}); err == nil {
		t.Fatal("shard -1/2 accepted")
	}
}

// The ISSUE's acceptance: within the default budget the search refutes
// nocollapse-at-zero with d = n and full-collapse-all-positive, and finds
// nothing against the theorem inside its hypotheses.
func TestSearchRefutesNocollapseAtDEqualsN(t *testing.T) {
	c := claim(t, "nocollapse-at-zero")
	start := time.Now()
	res, err := proofs.Search(c, proofs.SearchOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ce := res.Counterexample
	if ce == nil {
		t.Fatalf("no counterexample in %d trials", res.Trials)
	}
	if !ce.Inside || ce.Instance.D != ce.Instance.N() || !strings.Contains(ce.Reason, "collapse is forced") {
		t.Fatalf("counterexample inside=%v d=%d n=%d: %s", ce.Inside, ce.Instance.D, ce.Instance.N(), ce.Reason)
	}
	if ce.Instance.M() < 2 {
		t.Fatal("the counterexample has M < 2 (NRC undefined)")
	}
	t.Logf("refuted after %d trials in %s: n = d = %d, M = %d: %s", res.Trials, time.Since(start), ce.Instance.N(), ce.Instance.M(), ce.Reason)
	for seed := uint64(2); seed < 8; seed++ {
		res, _ := proofs.Search(c, proofs.SearchOptions{Seed: seed})
		if ce := res.Counterexample; ce == nil || ce.Instance.D != ce.Instance.N() {
			t.Fatalf("seed %d: counterexample %+v", seed, ce)
		}
	}
}

func TestSearchRefutesFullCollapse(t *testing.T) {
	res, err := proofs.Search(claim(t, "full-collapse-all-positive"), proofs.SearchOptions{Seed: 1})
	if err != nil || res.Counterexample == nil || !res.Counterexample.Inside {
		t.Fatalf("not refuted: %v %+v", err, res)
	}
	ce := res.Counterexample
	if ce.Instance.N() != 1 || ce.Instance.M() != 1 || ce.ShrinkSteps == 0 {
		t.Errorf("shrunk to n = %d, M = %d in %d steps", ce.Instance.N(), ce.Instance.M(), ce.ShrinkSteps)
	}
}

func TestSearchTheoremHolds(t *testing.T) {
	budget := 300
	if testing.Short() {
		budget = 60
	}
	res, err := proofs.Search(claim(t, "theorem"), proofs.SearchOptions{Seed: 1, Budget: budget})
	if err != nil {
		t.Fatal(err)
	}
	if res.Counterexample != nil {
		t.Fatalf("theorem refuted at trial %d: %s\n%s", res.Counterexample.Trial, res.Counterexample.Reason, res.Counterexample.Instance.Marshal())
	}
	if res.Held < budget*9/10 {
		t.Fatalf("only %d of %d trials held (%d inconclusive: %v)", res.Held, budget, res.Inconclusive, res.Notes)
	}
}

// Outside the hypotheses the searches show which hypothesis is needed, and
// shrinking stays outside.
func TestSearchOutside(t *testing.T) {
	for _, name := range []string{"theorem", "r6-kkt", "multitask-mse", "r1-bias"} {
		res, err := proofs.Search(claim(t, name), proofs.SearchOptions{Seed: 1, Budget: 50, Outside: true})
		if err != nil {
			t.Fatal(err)
		}
		ce := res.Counterexample
		if ce == nil {
			t.Fatalf("%s: nothing found outside the hypotheses", name)
		}
		if ce.Inside || ce.HypothesisNote == "" {
			t.Fatalf("%s: the shrunk counterexample is inside the hypotheses: %s", name, ce.Reason)
		}
	}
}

func TestSearchTimeLimit(t *testing.T) {
	res, err := proofs.Search(claim(t, "theorem"), proofs.SearchOptions{Seed: 1, Budget: 1 << 30, Time: 200 * time.Millisecond, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimeLimited || res.Trials == 0 || res.Trials >= res.Planned {
		t.Fatalf("time-limited %v, %d of %d trials", res.TimeLimited, res.Trials, res.Planned)
	}
}

func TestSearchProgress(t *testing.T) {
	var buf syncBuffer
	_, err := proofs.Search(claim(t, "theorem"), proofs.SearchOptions{Seed: 1, Budget: 1 << 30, Time: 1500 * time.Millisecond, Progress: &buf})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "trials/s, ETA") || !strings.Contains(out, "done,") {
		t.Fatalf("progress:\n%s", out)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
