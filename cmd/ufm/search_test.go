package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
)

func searchDoc(t *testing.T, out string) searchJSON {
	t.Helper()
	var doc searchJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var raw map[string]any
	json.Unmarshal([]byte(out), &raw)
	for _, f := range []string{"claim", "trials", "seed", "counterexample"} {
		if _, ok := raw[f]; !ok {
			t.Errorf("JSON lacks docs/formats.md field %q", f)
		}
	}
	return doc
}

func TestSearchRefutesNocollapse(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCmd(t, "search", "--claim", "nocollapse-at-zero", "--out", dir, "--json")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errs)
	}
	doc := searchDoc(t, out)
	ce := doc.Counterexample
	if ce == nil || ce.File == "" || !ce.InsideHypotheses || ce.Reason == "" || len(ce.ShrunkFrom) == 0 {
		t.Fatalf("counterexample %+v", ce)
	}
	in, err := instance.Parse(ce.Instance)
	if err != nil {
		t.Fatal(err)
	}
	if in.D != in.N() {
		t.Fatalf("d = %d, n = %d", in.D, in.N())
	}
	// The file is an instance (docs/formats.md) that ufm verify replays.
	file, err := instance.Load(ce.File)
	if err != nil {
		t.Fatal(err)
	}
	if string(file.Marshal()) != string(in.Marshal()) {
		t.Fatal("the file differs from the JSON's instance")
	}
	if code, _, errs := runCmd(t, "verify", ce.File, "--digits", "20"); code != 0 {
		t.Fatalf("ufm verify on the counterexample: exit %d: %s", code, errs)
	}
	if strings.Contains(out, "search nocollapse") {
		t.Fatal("progress on stdout")
	}
}

func TestSearchHumanReport(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCmd(t, "search", "--claim", "full-collapse-all-positive", "--out", dir, "--seed", "3")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	for _, s := range []string{"COUNTEREXAMPLE at trial", "inside the claim's hypotheses", "shrunk from", "written to", "ufm verify"} {
		if !strings.Contains(out, s) {
			t.Errorf("report lacks %q:\n%s", s, out)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "full-collapse-all-positive-s3-t*.json"))
	if len(files) != 1 {
		t.Fatalf("files %v", files)
	}
}

func TestSearchTheoremNothingFound(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCmd(t, "search", "--claim", "theorem", "--budget", "40", "--out", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	doc := searchDoc(t, out)
	if doc.Counterexample != nil || doc.Trials != 40 || doc.Held+doc.Inconclusive != 40 || !doc.Deterministic {
		t.Fatalf("doc %+v", doc)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatal("a file was written without a counterexample")
	}
}

func TestSearchUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"search"},
		{"search", "--claim", "no-such-claim"},
		{"search", "--claim", "theorem", "--shard", "2/2"},
		{"search", "--claim", "theorem", "--shard", "3"},
		{"search", "--claim", "theorem", "--shard", "a/b"},
		{"search", "--claim", "theorem", "--shard", "0/0"},
		{"search", "--claim", "theorem", "--shard", "-1/3"},
		{"search", "--claim", "theorem", "--budget", "0"},
		{"search", "--claim", "theorem", "--time", "-1s"},
		{"search", "--claim", "theorem", "--digits", "-3"},
		{"search", "--claim", "theorem", "--bogus"},
		{"search", "--claim", "theorem", "extra"},
		{"proofs", "--claim", "nope"},
		{"proofs", "--trials", "-1"},
		{"claims", "nope"},
		{"merge"},
	} {
		code, out, errs := runCmd(t, args...)
		if code != 2 || out != "" || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.HasPrefix(errs, "ufm: ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q (want 2, nothing, one line)", args, code, out, errs)
		}
	}
}

// Shards partition the trials; ufm merge adds them up to the single run
// and keeps the first counterexample by trial index.
func TestShardedSearchAndMerge(t *testing.T) {
	dir := t.TempDir()
	run1 := func(args ...string) searchJSON {
		t.Helper()
		base := []string{"search", "--out", dir, "--json"}
		if !slices.Contains(args, "--seed") {
			base = append(base, "--seed", "4") // a flag may be given once
		}
		code, out, errs := runCmd(t, append(base, args...)...)
		if code == 2 {
			t.Fatalf("%v: %s", args, errs)
		}
		return searchDoc(t, out)
	}
	single := run1("--claim", "r4-residual", "--budget", "23")
	var paths []string
	for k := 0; k < 3; k++ {
		doc := run1("--claim", "r4-residual", "--budget", "23", "--shard", fmt.Sprintf("%d/3", k))
		b, _ := json.Marshal(doc)
		p := filepath.Join(dir, fmt.Sprintf("shard%d.json", k))
		os.WriteFile(p, b, 0o644)
		paths = append(paths, p)
	}
	code, out, errs := runCmd(t, append([]string{"merge", "--json"}, paths...)...)
	if code != 0 {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	merged := searchDoc(t, out)
	if merged.Trials != single.Trials || merged.Held != single.Held || merged.Shard != "all/3" || merged.Planned != 23 {
		t.Fatalf("merged %+v, single %+v", merged, single)
	}
	// Missing shard, duplicate shard, different seed: exit 2.
	if code, _, _ := runCmd(t, "merge", paths[0], paths[1]); code != 2 {
		t.Fatalf("missing shard: exit %d", code)
	}
	if code, _, _ := runCmd(t, "merge", "--allow-partial", paths[0], paths[1]); code != 0 {
		t.Fatalf("--allow-partial: exit %d", code)
	}
	if code, _, _ := runCmd(t, "merge", paths[0], paths[0], paths[1], paths[2]); code != 2 {
		t.Fatalf("duplicate shard: exit %d", code)
	}
	other := run1("--claim", "r4-residual", "--budget", "23", "--shard", "0/3", "--seed", "5")
	b, _ := json.Marshal(other)
	p := filepath.Join(dir, "other.json")
	os.WriteFile(p, b, 0o644)
	if code, _, errs := runCmd(t, "merge", p, paths[1], paths[2]); code != 2 || !strings.Contains(errs, "seed") {
		t.Fatalf("different seeds: exit %d: %s", code, errs)
	}
	garbage := filepath.Join(dir, "garbage.json")
	os.WriteFile(garbage, []byte("{\"x\": 1}"), 0o644)
	if code, _, _ := runCmd(t, "merge", garbage); code != 2 {
		t.Fatal("garbage accepted")
	}

	// With counterexamples: the merged one is the smallest trial index,
	// the one the unsharded search reports.
	singleCE := run1("--claim", "full-collapse-all-positive", "--no-shrink")
	paths = nil
	for k := 0; k < 4; k++ {
		doc := run1("--claim", "full-collapse-all-positive", "--shard", fmt.Sprintf("%d/4", k), "--no-shrink")
		b, _ := json.Marshal(doc)
		p := filepath.Join(dir, fmt.Sprintf("ce%d.json", k))
		os.WriteFile(p, b, 0o644)
		paths = append(paths, p)
	}
	code, out, _ = runCmd(t, append([]string{"merge", "--json", "--out", dir}, paths...)...)
	if code != 1 {
		t.Fatalf("merge with a counterexample: exit %d", code)
	}
	merged = searchDoc(t, out)
	if merged.Counterexample == nil || merged.Counterexample.Trial != singleCE.Counterexample.Trial {
		t.Fatalf("merged counterexample %+v, single run's at trial %d", merged.Counterexample, singleCE.Counterexample.Trial)
	}
}

func TestClaimsCommand(t *testing.T) {
	code, out, _ := runCmd(t, "claims")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, name := range []string{"r1-bias", "r6-kkt", "theorem", "landscape", "nocollapse-at-zero", "gram-free-at-zero", "multitask-mse", "whitening", "full-collapse-all-positive"} {
		if !strings.Contains(out, name) {
			t.Errorf("ufm claims lacks %s", name)
		}
	}
	code, out, _ = runCmd(t, "claims", "nocollapse-at-zero")
	if code != 0 || !strings.Contains(out, "d > ρ") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	code, out, _ = runCmd(t, "claims", "--json")
	var list []claimJSON
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) < 13 {
		t.Fatalf("claims --json: exit %d, %d claims", code, len(list))
	}
	for _, c := range list {
		if c.Source == "" || c.Hypotheses == "" || c.Statement == "" || (c.Expect != "holds" && c.Expect != "fails") {
			t.Errorf("claim %+v", c)
		}
	}
}

func TestProofsCommand(t *testing.T) {
	code, out, errs := runCmd(t, "proofs", "--trials", "3", "--claim", "r2-push-through,landscape,full-collapse-all-positive")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	for _, s := range []string{"claim", "method", "trials", "worst residual", "verdict", "REFUTED (expected)", "0 (exact)", "Every claim behaved as registered"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	code, out, _ = runCmd(t, "proofs", "--trials", "2", "--claim", "r4-residual,nocollapse-at-zero", "--json")
	var doc proofsJSON
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || !doc.AsExpected || len(doc.Claims) != 2 {
		t.Fatalf("proofs --json: exit %d: %s", code, out)
	}
	if doc.Claims[0].BoundLog10 >= 0 || doc.Claims[1].Verdict != "fails" {
		t.Fatalf("rows %+v", doc.Claims)
	}
}
