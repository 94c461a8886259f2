package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// validShard is the JSON of a small real search (shard 0 of 2).
func validShard(t testing.TB, dir string, args ...string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"search", "--claim", "r4-residual", "--budget", "6", "--shard", "0/2", "--out", dir, "--json"}, args...), &out, &errb)
	if code != 0 && code != 1 {
		t.Fatalf("search: exit %d: %s", code, errb.String())
	}
	return out.Bytes()
}

// edit decodes doc, applies f to the generic map and re-encodes it.
func edit(t *testing.T, doc []byte, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, _ := json.Marshal(m)
	return b
}

// Hostile merge inputs of issue 10: each is one line on stderr and exit 2,
// quickly and without allocating what the input claims.
func TestMergeRefusesHostileInput(t *testing.T) {
	dir := t.TempDir()
	good := validShard(t, dir)
	cases := map[string][]byte{
		"two billion shards":  []byte(`{"claim":"theorem","shards":2000000000,"shard_indices":[0]}`),
		"unknown claim":       edit(t, good, func(m map[string]any) { m["claim"] = "made-up" }),
		"negative trials":     edit(t, good, func(m map[string]any) { m["trials"] = -5; m["held"] = -5 }),
		"trials beyond plan":  edit(t, good, func(m map[string]any) { m["trials"] = 1000; m["held"] = 1000 }),
		"counts do not add":   edit(t, good, func(m map[string]any) { m["held"] = 0 }),
		"planned forged":      edit(t, good, func(m map[string]any) { m["planned"] = 7 }),
		"unknown field":       edit(t, good, func(m map[string]any) { m["surprise"] = 1 }),
		"wrong type":          edit(t, good, func(m map[string]any) { m["trials"] = "three" }),
		"shard out of range":  edit(t, good, func(m map[string]any) { m["shard_indices"] = []int{5} }),
		"duplicate shard":     edit(t, good, func(m map[string]any) { m["shard_indices"] = []int{0, 0} }),
		"expect forged":       edit(t, good, func(m map[string]any) { m["expect"] = "fails" }),
		"digits zero":         edit(t, good, func(m map[string]any) { m["digits"] = 0 }),
		"residual not number": edit(t, good, func(m map[string]any) { m["worst_residual"] = "lots" }),
		"trailing garbage":    append(append([]byte{}, good...), []byte(" {}")...),
		"empty":               {},
		"array":               []byte(`[1,2]`),
		"bad counterexample": edit(t, good, func(m map[string]any) {
			m["counterexample"] = map[string]any{"instance": map[string]any{"x": 1}, "shrunk_from": nil, "trial": 0, "file": "/etc/passwd"}
			m["held"] = m["held"].(float64) - 1
		}),
	}
	for name, data := range cases {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
		os.WriteFile(p, data, 0o644)
		start := time.Now()
		code, out, errs := runCmd(t, "merge", "--out", dir, p)
		if code != exitUsage || out != "" || strings.Count(strings.TrimSpace(errs), "\n") != 0 || time.Since(start) > 2*time.Second {
			t.Errorf("%s: exit %d in %s, stderr %q", name, code, time.Since(start), errs)
		}
	}
	// A file larger than the cap is refused without reading it all.
	if _, err := os.Stat("/dev/zero"); err == nil {
		code, _, errs := runCmd(t, "merge", "/dev/zero")
		if code != exitUsage {
			t.Errorf("/dev/zero: exit %d: %s", code, errs)
		}
	}
	for _, size := range []int{maxMergeBytes, maxMergeBytes + 1} {
		// A document of exactly size bytes that is valid JSON but not a
		// search document: at the cap it is read (and refused for what it
		// says), one past it for its size.
		doc := []byte(`{"claim": "`)
		doc = append(doc, bytes.Repeat([]byte("a"), size-len(doc)-2)...)
		doc = append(doc, '"', '}')
		p := filepath.Join(dir, "big.json")
		os.WriteFile(p, doc, 0o644)
		code, _, errs := runCmd(t, "merge", p)
		if code != exitUsage || strings.Contains(errs, "MiB") != (size > maxMergeBytes) {
			t.Errorf("%d bytes: exit %d: %.200s", size, code, errs)
		}
	}
	// Many missing shards: named briefly.
	many := edit(t, good, func(m map[string]any) {
		m["shards"] = 1000000
		m["budget"] = 6
		m["planned"] = 1
		m["trials"], m["held"], m["inconclusive"] = 1, 1, 0
		m["inconclusive_notes"] = []any{}
	})
	p := filepath.Join(dir, "many.json")
	os.WriteFile(p, many, 0o644)
	code, _, errs := runCmd(t, "merge", p)
	if code != exitUsage || len(errs) > 300 || !strings.Contains(errs, "and 999989 more") {
		t.Errorf("missing shards: exit %d: %q", code, errs)
	}
}

// A forged counterexample path is never repeated: merge writes the
// (validated) instance into --out itself.
func TestMergeForgedCounterexamplePath(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"search", "--claim", "full-collapse-all-positive", "--no-shrink", "--out", dir, "--json"}, &out, &errb); code != 1 {
		t.Fatalf("search: exit %d: %s", code, errb.String())
	}
	forged := edit(t, out.Bytes(), func(m map[string]any) {
		m["counterexample"].(map[string]any)["file"] = "/etc/passwd"
	})
	p := filepath.Join(dir, "forged.json")
	os.WriteFile(p, forged, 0o644)
	outDir := filepath.Join(dir, "merged")
	code, report, errs := runCmd(t, "merge", "--out", outDir, p)
	if code != exitFailure || strings.Contains(report, "/etc/passwd") {
		t.Fatalf("exit %d: %s\n%s", code, errs, report)
	}
	files, _ := filepath.Glob(filepath.Join(outDir, "*.json"))
	if len(files) != 1 || !strings.Contains(report, files[0]) {
		t.Fatalf("files %v, report:\n%s", files, report)
	}
}

// FuzzMerge: no input makes merge panic, and whatever it accepts it can
// merge and report.
func FuzzMerge(f *testing.F) {
	dir := f.TempDir()
	f.Add(validShard(f, dir))
	f.Add(validShard(f, dir, "--outside"))
	f.Add([]byte(`{"claim":"theorem","shards":2000000000,"shard_indices":[0]}`))
	f.Add([]byte(`{"claim":"theorem","trials":1,"seed":1,"counterexample":{"instance":{},"trial":0}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := parseSearchDoc(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		m, err := mergeDocs([]*searchJSON{d}, []string{"f"}, true)
		if err != nil {
			return
		}
		writeSearchReport(io.Discard, m)
		if m.Counterexample != nil && m.Counterexample.File != "" {
			t.Fatalf("a path from the input survived: %q", m.Counterexample.File)
		}
	})
}

// FuzzCommandLine: parsing any command line (flags of every type, shard
// specs, digits) never panics, and every error is one line.
func FuzzCommandLine(f *testing.F) {
	for _, s := range []string{
		"--claim theorem --budget 5", "--shard 3/2", "--digits 0", "--time -1s", "x --json y",
		"--budget=99999999999999999999", "--seed -1", "--shard 0/1000001", "--", "-h",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if !utf8.ValidString(line) {
			return
		}
		fs := flag.NewFlagSet("search", flag.ContinueOnError)
		fs.String("claim", "", "")
		fs.Int("budget", 0, "")
		fs.Duration("time", 0, "")
		fs.Uint64("seed", 1, "")
		shard := fs.String("shard", "0/1", "")
		digits := fs.Int("digits", 0, "")
		fs.Bool("json", false, "")
		args := strings.Fields(line)
		// The whole command line of the commands that do no heavy work:
		// never a panic, exit 0 or 2, and an error is one line.
		if len(args) > 0 && (args[0] == "claims" || !knownCommand(args[0])) {
			var out, errb bytes.Buffer
			code := run(args, &out, &errb)
			if code != exitOK && code != exitUsage || (code == exitUsage && strings.Count(strings.TrimSpace(errb.String()), "\n") > 1) {
				t.Fatalf("%q: exit %d, stderr %q", args, code, errb.String())
			}
		}
		_, err := parseFlags(fs, args, io.Discard, "test")
		if err != nil {
			if err != errHelp && strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if k, n, err := parseShard(*shard); err == nil && (k < 0 || k >= n || n > maxShards) {
			t.Fatalf("shard %q accepted as %d/%d", *shard, k, n)
		}
		checkDigits(fs, *digits)
	})
}

func knownCommand(name string) bool {
	for _, c := range commands() {
		if c.name == name {
			return true
		}
	}
	return false
}

// TestMergeRechecksCounterexample: a shard edited by hand to turn a held
// trial into a "counterexample" (an instance on which the claim holds) was
// merged and announced as refuting the claim (QA session 22). merge
// re-runs the claim's check on the counterexample and refuses it.
func TestMergeRechecksCounterexample(t *testing.T) {
	dir := filepath.Join("testdata", "qa22merge")
	code, out, errs := runCmd(t, "merge", filepath.Join(dir, "s0.json"), filepath.Join(dir, "s1_tampered.json"), filepath.Join(dir, "s2.json"), "--out", t.TempDir())
	if code != exitUsage || out != "" || !strings.Contains(errs, "refutes nothing") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 refusing the counterexample", code, out, errs)
	}
}

// TestMergeFurtherCounterexamples: four shards that each stopped at a
// counterexample of their own merged to trials 7 = held 3 + one
// counterexample, and merge refused its own output (QA session 22). The
// other shards' counterexamples are counted in further_counterexamples,
// and the merged document merges again.
func TestMergeFurtherCounterexamples(t *testing.T) {
	dir := filepath.Join("testdata", "qa22merge4")
	var files []string
	for k := 0; k < 4; k++ {
		files = append(files, filepath.Join(dir, fmt.Sprintf("f%d.json", k)))
	}
	code, out, errs := runCmd(t, append([]string{"merge", "--json", "--out", t.TempDir()}, files...)...)
	if code != exitFailure {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	doc := searchDoc(t, out)
	if doc.FurtherCounterexamples != 3 || doc.Trials != doc.Held+doc.Inconclusive+doc.Errored+1+doc.FurtherCounterexamples {
		t.Fatalf("trials %d, held %d, inconclusive %d, errored %d, further %d: they do not add up", doc.Trials, doc.Held, doc.Inconclusive, doc.Errored, doc.FurtherCounterexamples)
	}
	merged := filepath.Join(t.TempDir(), "merged.json")
	if err := os.WriteFile(merged, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCmd(t, "merge", merged, "--out", t.TempDir()); code != exitFailure {
		t.Errorf("merging the merged document: exit %d: %s", code, errs)
	}
}

// TestMergeNaNResidual: worst_residual "NaN" was accepted and dropped in
// the merge (QA session 22); it is refused like "1e400".
func TestMergeNaNResidual(t *testing.T) {
	code, _, errs := runCmd(t, "merge", filepath.Join("testdata", "qa22merge", "t_nanres.json"))
	if code != exitUsage || !strings.Contains(errs, "worst_residual") {
		t.Fatalf("exit %d: %s; want exit 2 naming worst_residual", code, errs)
	}
}

// TestMergeReportsItsOwnRecheck: a shard of gram-free-at-zero (hypotheses
// λ_H = λ_W = 0) edited to λ_H = 1 still fails the claim's check, and
// merge reported it "inside_hypotheses": true with the original
// instance's reason (QA session 24). What merge says of the
// counterexample is its own re-check's.
func TestMergeReportsItsOwnRecheck(t *testing.T) {
	code, out, errs := runCmd(t, "merge", filepath.Join("testdata", "qa24merge", "outside.json"), "--allow-partial", "--json", "--out", t.TempDir())
	if code != exitFailure {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	doc := searchDoc(t, out)
	ce := doc.Counterexample
	if ce == nil || ce.InsideHypotheses || !strings.Contains(ce.HypothesisNote, "positive") || strings.Contains(ce.Reason, "every nonzero 1×1 Gram") {
		t.Errorf("counterexample %+v: want it outside the hypotheses with the re-check's reason", ce)
	}
}
