package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nrc-ufm/ufm/claims"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
)

// withPanickyClaim makes the command line's registry the built-in claims
// plus "panicky", whose check panics in 8 of every 10 trials.
func withPanickyClaim(t *testing.T) {
	t.Helper()
	reg := claims.Builtin()
	reg.MustRegister(proofs.Claim{
		Name: "panicky", Source: "test", Statement: "panics", Hypotheses: "none", Method: "test",
		Expect: proofs.Holds, Budget: 10, Trials: 10, Digits: 10,
		Generate: func(rng *rand.Rand, _ proofs.GenOptions) *instance.Instance {
			return &instance.Instance{
				Targets: [][]*big.Rat{{big.NewRat(rng.Int64N(9)+1, 1)}, {big.NewRat(0, 1)}},
				LambdaH: big.NewRat(1, 10), LambdaW: big.NewRat(1, 10), D: 1, Digits: 10,
			}
		},
		InHypotheses: func(*instance.Instance) (bool, string) { return true, "" },
		Check: func(in *instance.Instance, _ proofs.CheckConfig) proofs.Outcome {
			i := strings.LastIndex(in.Name, "-t")
			if in.Name[i+2:] != "8" && in.Name[i+2:] != "9" {
				panic("index out of range (on purpose)")
			}
			return proofs.Outcome{Verdict: proofs.Holds, Reason: "fine", Exact: true}
		},
	})
	old := registry
	registry = func() *proofs.Registry { return reg }
	t.Cleanup(func() { registry = old })
}

// A claim that panics in 8 of 10 trials: ufm proofs exits 3 and its row
// says error, in the table and in the JSON; ufm search exits 3 too.
func TestProofsPanickingClaimIsError(t *testing.T) {
	withPanickyClaim(t)
	code, out, errs := runCmd(t, "proofs", "--claim", "panicky", "--trials", "10")
	if code != exitError {
		t.Fatalf("exit %d, want %d: %s\n%s", code, exitError, errs, out)
	}
	var row string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "panicky ") {
			row = l
		}
	}
	if !strings.Contains(row, "ERROR") || !strings.Contains(row, "8 error") || strings.Contains(row, "holds") {
		t.Fatalf("row %q\n%s", row, out)
	}
	code, out, _ = runCmd(t, "proofs", "--claim", "panicky", "--trials", "10", "--json")
	var doc proofsJSON
	if code != exitError || json.Unmarshal([]byte(out), &doc) != nil || doc.Claims[0].Verdict != "error" || doc.Claims[0].Errored != 8 || doc.AsExpected {
		t.Fatalf("exit %d: %s", code, out)
	}
	code, out, _ = runCmd(t, "search", "--claim", "panicky", "--out", t.TempDir(), "--json")
	d := searchDoc(t, out)
	if code != exitError || d.Errored != 8 || len(d.ErrorNotes) != 5 || !strings.Contains(d.ErrorNotes[0].Reason, "panicked") {
		t.Fatalf("search: exit %d, %+v", code, d)
	}
}

// Outputs are checked before the search starts: a file, /dev/null or an
// unwritable directory as --out is exit 2 at once.
func TestSearchOutCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	cases := [][]string{{"--out", file}, {"--out", "/dev/null"}, {"--out", filepath.Join(file, "sub")}}
	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o500)
		cases = append(cases, []string{"--out", ro})
	}
	for _, c := range cases {
		start := time.Now()
		code, out, errs := runCmd(t, append([]string{"search", "--claim", "theorem", "--budget", "1000000"}, c...)...)
		if code != exitUsage || out != "" || strings.Count(strings.TrimSpace(errs), "\n") != 0 || time.Since(start) > 2*time.Second {
			t.Errorf("%v: exit %d in %s, stderr %q", c, code, time.Since(start), errs)
		}
	}
}

// Small points of issue 10: zero-valued flags are errors, bare ufm is two
// lines, --starts caps agree, a too-large instance is exit 2 for verify as
// for solve.
func TestFlagEdges(t *testing.T) {
	for _, args := range [][]string{
		{"predict", "x.json", "--digits", "0"},
		{"proofs", "--trials", "0"},
		{"proofs", "--digits", "0"},
		{"search", "--claim", "theorem", "--digits", "0"},
		{"solve", "x.json", "--starts", "10001"},
		{"verify", "--starts", "10001"},
		{"verify", "--seed", "0"},
		{"verify", "--max-iterations", "0"},
		{"verify", "--max-iterations", "1000001"},
		{"solve", "x.json", "--max-iterations", "0"},
		{"metrics", "--features", "a", "--weights", "b", "--targets", "c", "--digits", "0"},
		{"search", "--claim", "theorem", "--shard", "0/1000001"},
		{"search", "--claim", "theorem", "--workers", "0"},
		{"search", "--claim", "theorem", "--workers", "1025"},
		{"proofs", "--workers", "1000000000"},
	} {
		code, out, errs := runCmd(t, args...)
		if code != exitUsage || out != "" || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	code, _, errs := runCmd(t)
	if code != exitUsage || strings.Count(errs, "\n") != 2 {
		t.Errorf("bare ufm: exit %d, %q", code, errs)
	}
	// n = 129, d = 32 < n: n·min(n, d) = 4128 > 4096 unknowns (the
	// rank-constrained cap; with d ≥ n the cap, 65536 = 256², is the
	// instance format's n ≤ 256, TestCapsAtAndPast); λ = 0 with
	// n = 33, d = 32 < n: 1056 > 1024 (the dense Grassmann iteration's).
	for _, c := range []struct {
		n, d int
		lam  string
		cap  string
	}{{129, 32, "0.1", "4096"}, {33, 32, "0", "1024"}} {
		var rows []string
		for i := 0; i < 2; i++ {
			var r []string
			for k := 0; k < c.n; k++ {
				r = append(r, `"`+big.NewInt(int64(i*c.n+k)).String()+`"`)
			}
			rows = append(rows, "["+strings.Join(r, ",")+"]")
		}
		big := writeFile(t, "big.json", `{"targets": [`+strings.Join(rows, ",")+`], "lambda_h": "`+c.lam+`", "lambda_w": "`+c.lam+`", "d": `+fmt.Sprint(c.d)+`}`)
		for _, cmd := range []string{"solve", "verify"} {
			start := time.Now()
			code, _, errs := runCmd(t, cmd, big)
			if code != exitUsage || !strings.Contains(errs, c.cap) || time.Since(start) > 2*time.Second {
				t.Errorf("%s on a too-large instance (n = %d, d = %d): exit %d in %s: %s", cmd, c.n, c.d, code, time.Since(start), errs)
			}
		}
	}
}

// Control characters from an instance name or a path never reach the
// terminal raw.
func TestControlCharactersEscaped(t *testing.T) {
	p := writeFile(t, "ctl.json", `{"name": "a\u001b[2Jb", "targets": [["1"], ["2"]], "lambda_h": "0.1", "lambda_w": "0.1", "d": 1}`)
	code, out, errs := runCmd(t, "predict", p)
	if code != 0 || strings.ContainsRune(out+errs, 0x1b) || !strings.Contains(out, `a\x1b[2Jb`) {
		t.Fatalf("exit %d: %q", code, out)
	}
	code, _, errs = runCmd(t, "predict", "no\x07such.json")
	if code != exitUsage || strings.ContainsRune(errs, 7) {
		t.Fatalf("exit %d: %q", code, errs)
	}
	// The path is named once, not three times.
	dir := t.TempDir()
	_, _, errs = runCmd(t, "predict", dir)
	if strings.Count(errs, dir) != 1 {
		t.Errorf("path repeated: %q", errs)
	}
}

// buildUFM builds the binary for the tests that need a real process.
func buildUFM(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "ufm")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// SIGINT on a running search: exit 130, a JSON document marked
// interrupted with the trials done, which merge accepts.
func TestSearchSIGINTIsMergeable(t *testing.T) {
	bin := buildUFM(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "search", "--claim", "theorem", "--time", "1h", "--out", dir, "--json", "--workers", "2")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit %d (%v): %s", code, err, stderr.String())
	}
	d := searchDoc(t, stdout.String())
	if !d.Interrupted || d.Trials < 1 || d.Held+d.Inconclusive != d.Trials {
		t.Fatalf("doc %+v", d)
	}
	if d.Deterministic {
		t.Fatal("an interrupted search says it is deterministic")
	}
	p := filepath.Join(dir, "shard.json")
	os.WriteFile(p, stdout.Bytes(), 0o644)
	code, out, errs := runCmd(t, "merge", "--json", p)
	if code != exitInterrupted {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	if m := searchDoc(t, out); !m.Interrupted || m.Trials != d.Trials || m.Deterministic {
		t.Fatalf("merged %+v", m)
	}
}

// The caps of the command line at the cap and one past it.
func TestCapsAtAndPast(t *testing.T) {
	sized := func(n, d int, lam int64) *instance.Instance {
		in := &instance.Instance{D: d, LambdaH: big.NewRat(lam, 10), LambdaW: big.NewRat(lam, 10)}
		in.Targets = [][]*big.Rat{make([]*big.Rat, n)}
		return in
	}
	for _, c := range []struct {
		n, d int
		lam  int64
		ok   bool
	}{
		{32, 32, 1, true}, {32, 33, 1, true}, {33, 31, 1, true}, {41, 25, 1, true}, {32, 1000, 1, true},
		{64, 128, 1, true}, {64, 64, 1, true}, {65, 130, 1, true}, {65, 64, 1, false},
		{256, 256, 1, true}, {256, 512, 1, true}, {257, 257, 1, false}, {257, 514, 1, false},
		{128, 32, 1, true}, {129, 32, 1, false}, {256, 16, 1, true}, {256, 17, 1, false},
		{32, 32, 0, true}, {33, 31, 0, true}, {33, 32, 0, false}, {64, 16, 0, true}, {65, 16, 0, false},
	} {
		if err := checkSolverSize(sized(c.n, c.d, c.lam)); (err == nil) != c.ok {
			t.Errorf("n = %d, d = %d, λ = %d/10: %v", c.n, c.d, c.lam, err)
		}
	}
	if code, _, errs := runCmd(t, "solve", "../../examples/trivial-2x2.json", "--starts", "10000", "--digits", "20"); code != 0 {
		t.Errorf("--starts 10000: exit %d: %s", code, errs)
	}
	if code, _, _ := runCmd(t, "solve", "../../examples/trivial-2x2.json", "--starts", "10001"); code != exitUsage {
		t.Errorf("--starts 10001: exit %d", code)
	}
	dir := t.TempDir()
	if code, _, errs := runCmd(t, "search", "--claim", "r4-residual", "--shard", "0/1000000", "--budget", "1", "--out", dir); code != 0 {
		t.Errorf("--shard 0/1000000: exit %d: %s", code, errs)
	}
	if code, _, _ := runCmd(t, "search", "--claim", "r4-residual", "--shard", "0/1000001", "--budget", "1", "--out", dir); code != exitUsage {
		t.Errorf("--shard 0/1000001: exit %d", code)
	}
	if code, _, errs := runCmd(t, "search", "--claim", "r4-residual", "--budget", "2", "--workers", "1024", "--out", dir); code != 0 {
		t.Errorf("--workers 1024: exit %d: %s", code, errs)
	}
	if code, _, _ := runCmd(t, "proofs", "--trials", "100001"); code != exitUsage {
		t.Errorf("--trials 100001: exit %d", code)
	}
}

// A command whose work ignores its time limit is stopped 2 s + 10 % after
// it, with exit status 1 and a message.
func TestWaitBoundedOvertime(t *testing.T) {
	var errb bytes.Buffer
	start := time.Now()
	r := waitBounded(context.Background(), 100*time.Millisecond, &errb, "test", func() { time.Sleep(10 * time.Second) })
	if el := time.Since(start); r != overtime || el > 3*time.Second || el < 2*time.Second {
		t.Fatalf("result %v after %s", r, el)
	}
	if r := waitBounded(context.Background(), time.Second, &errb, "test", func() {}); r != finished {
		t.Fatalf("quick work: %v", r)
	}
}

// --report writes the JSON document atomically, and is checked first.
func TestSearchReportFile(t *testing.T) {
	dir := t.TempDir()
	rep := filepath.Join(dir, "shard.json")
	code, out, errs := runCmd(t, "search", "--claim", "r4-residual", "--budget", "3", "--out", dir, "--report", rep)
	if code != 0 || !strings.Contains(out, "No counterexample") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	if d := searchDoc(t, string(data)); d.Trials != 3 {
		t.Fatalf("report %+v", d)
	}
	if code, _, _ := runCmd(t, "merge", rep); code != 0 {
		t.Fatalf("merge of the report: exit %d", code)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	for _, bad := range []string{dir, filepath.Join(dir, "no", "such", "x.json")} {
		if code, _, errs := runCmd(t, "search", "--claim", "r4-residual", "--budget", "1000000", "--out", dir, "--report", bad); code != exitUsage {
			t.Errorf("--report %s: exit %d: %s", bad, code, errs)
		}
	}
}

// Device files report size 0 to Stat: every reader of a user file must
// still stop one byte past its cap (issue 10; ufm conjecture read
// /dev/zero without a limit).
func TestDevZeroRefused(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	for _, args := range [][]string{
		{"conjecture", "/dev/zero"}, {"predict", "/dev/zero"}, {"verify", "/dev/zero"},
		{"certify", "/dev/zero"}, {"check", "/dev/zero"}, {"merge", "/dev/zero"},
	} {
		code, out, errs := runCmd(t, args...)
		if code != exitUsage || out != "" || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("ufm %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errs)
		}
	}
}

// --out is checked before any work, with exit 2 (issue 10): sweep and
// series used to compute first and then fail with exit 1, certify to
// write a temporary file next to a directory's parent.
func TestOutCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "afile")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"sweep", "../../examples/partial-3x5.json", "--lambda-h", "0.1:1:3", "--out", file},
		{"series", "../../examples/series", "--out", file},
		{"certify", "../../examples/full-3x8.json", "--out", dir},
		{"certify", "../../examples/full-3x8.json", "--out", filepath.Join(dir, "missing", "x.json")},
	} {
		start := time.Now()
		code, out, errs := runCmd(t, args...)
		if code != exitUsage || out != "" || !strings.Contains(errs, "--out") || time.Since(start) > 5*time.Second {
			t.Errorf("ufm %s: exit %d in %s, stderr %q", strings.Join(args, " "), code, time.Since(start), errs)
		}
	}
}

// A flag given twice is refused with exit 2 naming it (the flag package
// kept the last value silently: QA session 21).
func TestRepeatedFlagRefused(t *testing.T) {
	for _, args := range [][]string{
		{"metrics", "--features", "a.npy", "--features", "b.npy", "--weights", "w.npy", "--targets", "y.npy"},
		{"predict", example("full-3x8"), "--digits", "5", "-digits=6"},
	} {
		code, out, errs := runCmd(t, args...)
		if code != exitUsage || out != "" || !strings.Contains(errs, "more than once") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}
