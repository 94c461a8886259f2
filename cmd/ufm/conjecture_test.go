package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/instance"
)

const conjDir = "../../examples/conjectures"

// TestConjectureRefutes: the wrong training-MSE formula is refuted with a
// small counterexample file that ufm verify replays, and the JSON is the
// one of ufm search.
func TestConjectureRefutes(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCmd(t, "conjecture", filepath.Join(conjDir, "training-mse-wrong.conj"), "--out", dir, "--json")
	if code != exitFailure {
		t.Fatalf("exit %d, want 1: %s", code, errs)
	}
	doc := searchDoc(t, out)
	ce := doc.Counterexample
	if ce == nil || ce.File == "" || !ce.InsideHypotheses || !strings.Contains(ce.Reason, "share") {
		t.Fatalf("counterexample %+v", ce)
	}
	in, err := instance.Load(ce.File)
	if err != nil {
		t.Fatal(err)
	}
	if in.N() > 2 || in.M() > 3 {
		t.Fatalf("shrunk only to n = %d, M = %d", in.N(), in.M())
	}
	if code, _, errs := runCmd(t, "verify", ce.File); code != 0 {
		t.Fatalf("ufm verify on the counterexample: exit %d: %s", code, errs)
	}
	// The text report shows both sides side by side.
	code, out, _ = runCmd(t, "conjecture", filepath.Join(conjDir, "training-mse-wrong.conj"), "--out", dir)
	if code != exitFailure || !strings.Contains(out, "REFUTED") || !strings.Contains(out, "quantity  train_mse") || !strings.Contains(out, "share") {
		t.Fatalf("exit %d, report:\n%s", code, out)
	}
}

// TestConjectureHolds: a true conjecture exits 0 and says on how many
// trials it held and to how many digits; sharded runs merge. (Two of the
// twelve trials draw σ_j = c exactly, where the solver's rank is not
// decided — A* and the gradient both vanish in that direction — and they
// are inconclusive, never held.)
func TestConjectureHolds(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(conjDir, "rank-of-optimum.conj")
	code, out, errs := runCmd(t, "conjecture", path, "--budget", "12", "--out", dir)
	if code != exitOK || !strings.Contains(out, "held on 10 trials") || !strings.Contains(out, "2 inconclusive of 12") {
		t.Fatalf("exit %d: %s\n%s", code, out, errs)
	}
	var files []string
	for _, s := range []string{"0/2", "1/2"} {
		code, out, errs := runCmd(t, "conjecture", path, "--budget", "12", "--shard", s, "--json")
		if code != exitOK {
			t.Fatalf("shard %s: exit %d: %s", s, code, errs)
		}
		f := filepath.Join(dir, strings.ReplaceAll(s, "/", "-")+".json")
		if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	code, out, errs = runCmd(t, append([]string{"merge", "--json"}, files...)...)
	if code != exitOK {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	if doc := searchDoc(t, out); doc.Trials != 12 || doc.Held != 10 || doc.ConjectureSource == nil {
		t.Fatalf("merged: %d trials, %d held", doc.Trials, doc.Held)
	}
	// A shard from an edited conjecture file does not merge.
	data, _ := os.ReadFile(files[1])
	edited := strings.Replace(string(data), "min(d, sum(j", "min(d + 0, sum(j", 1)
	if edited == string(data) {
		t.Fatal("the edit did not apply")
	}
	os.WriteFile(files[1], []byte(edited), 0o644)
	if code, _, errs := runCmd(t, append([]string{"merge"}, files...)...); code != exitUsage || !strings.Contains(errs, "different conjecture files") {
		t.Fatalf("merge of different conjectures: exit %d: %s", code, errs)
	}
}

// TestConjectureReplay: --replay checks the conjecture on an instance file.
func TestConjectureReplay(t *testing.T) {
	dir := t.TempDir()
	wrong := filepath.Join(conjDir, "training-mse-wrong.conj")
	code, out, _ := runCmd(t, "conjecture", wrong, "--out", dir)
	if code != exitFailure || !strings.Contains(out, "ufm conjecture "+wrong+" --replay") {
		t.Fatalf("exit %d, no replay line:\n%s", code, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("%d counterexample files", len(files))
	}
	if code, out, errs := runCmd(t, "conjecture", wrong, "--replay", files[0]); code != exitFailure || !strings.Contains(out, "FAILS") {
		t.Fatalf("replay on the wrong formula: exit %d: %s %s", code, out, errs)
	}
	right := filepath.Join(conjDir, "training-mse.conj")
	if code, out, errs := runCmd(t, "conjecture", right, "--replay", files[0]); code != exitOK || !strings.Contains(out, "HOLDS") {
		t.Fatalf("replay on the right formula: exit %d: %s %s", code, out, errs)
	}
}

// TestConjectureBadInput: malformed files and flags exit 2 with one line
// on stderr naming the file, line and column, and nothing on stdout.
func TestConjectureBadInput(t *testing.T) {
	bad, _ := filepath.Glob("../../conjecture/testdata/bad/*.conj")
	if len(bad) < 30 {
		t.Fatalf("only %d malformed files", len(bad))
	}
	for _, f := range bad {
		code, out, errs := runCmd(t, "conjecture", f)
		if code != exitUsage || out != "" || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, f+":") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", f, code, out, errs)
		}
	}
	good := filepath.Join(conjDir, "training-mse.conj")
	for _, args := range [][]string{
		{"conjecture"},
		{"conjecture", "/nonexistent.conj"},
		{"conjecture", conjDir},
		{"conjecture", good, "--budget", "0"},
		{"conjecture", good, "--shard", "2/2"},
		{"conjecture", good, "--digits", "5"},
		{"conjecture", good, "--time", "-1s"},
		{"conjecture", good, good},
	} {
		code, out, errs := runCmd(t, args...)
		if code != exitUsage || out != "" || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

// TestConjectureWorkersCap: --workers has search's range, 1 to maxWorkers
// (QA session 24: 1 000 000 was accepted and took 4.5 GB; 0 ran with
// GOMAXPROCS although given).
func TestConjectureWorkersCap(t *testing.T) {
	conj := filepath.Join("..", "..", "examples", "conjectures", "training-mse.conj")
	for _, w := range []string{"0", "-1", "1025", "1000000"} {
		code, out, errs := runCmd(t, "conjecture", conj, "--budget", "1", "--workers", w)
		if code != exitUsage || out != "" || !strings.Contains(errs, "between 1 and 1024") || strings.Count(errs, "\n") != 1 {
			t.Errorf("--workers %s: exit %d, stdout %q, stderr %q", w, code, out, errs)
		}
	}
	if code, _, errs := runCmd(t, "conjecture", conj, "--budget", "1", "--workers", "1024"); code == exitUsage {
		t.Errorf("--workers 1024 (the cap) refused: %s", errs)
	}
}
