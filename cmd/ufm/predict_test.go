package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs the command line in-process and returns exit status, stdout
// and stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// writeFile writes content to a temporary file and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPredictExamples: every shipped example gets the regime its file name
// announces, and the JSON has every field of docs/formats.md.
func TestPredictExamples(t *testing.T) {
	want := map[string]string{
		"full-4x10": "full", "partial-3x5": "partial", "trivial-2x2": "trivial",
		"nobias-3x6": "full", "zero-reg-3x7": "unregularized", "d-less-than-n-4x2": "partial",
		"boundary-exact-2x4": "partial", "unattained-2x3": "unattained", "tiny-lambda-3x5": "full",
	}
	for name, regime := range want {
		code, out, errs := runCmd(t, "predict", filepath.Join("..", "..", "examples", name+".json"), "--json", "--digits", "30")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errs)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range []string{"name", "regime", "c", "rank", "sigma_eigenvalues", "bias", "ww", "min_loss", "train_mse", "gamma", "digits"} {
			if _, ok := doc[f]; !ok {
				t.Errorf("%s: JSON lacks %q", name, f)
			}
		}
		if doc["regime"] != regime {
			t.Errorf("%s: regime %v, want %s", name, doc["regime"], regime)
		}
		if doc["digits"].(float64) != 30 {
			t.Errorf("%s: digits %v", name, doc["digits"])
		}
		if (regime == "full") != (doc["gamma"] != nil) {
			t.Errorf("%s: gamma %v in regime %s", name, doc["gamma"], regime)
		}
	}
}

// TestPredictSharedInstances runs on ../shared/instances when it is there
// (the project never needs it: examples/ covers the same regimes).
func TestPredictSharedInstances(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "instances")
	want := map[string]string{"full-3x8": "full", "nobias-2x4": "full", "partial-3x6": "partial", "trivial-2x3": "trivial", "zero-reg-2x5": "unregularized"}
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no ../shared/instances beside the repository")
	}
	for name, regime := range want {
		code, out, errs := runCmd(t, "predict", filepath.Join(dir, name+".json"), "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errs)
		}
		var doc struct{ Regime string }
		if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Regime != regime {
			t.Errorf("%s: regime %q (%v), want %s", name, doc.Regime, err, regime)
		}
	}
}

func TestPredictHumanReport(t *testing.T) {
	code, out, _ := runCmd(t, "predict", filepath.Join("..", "..", "examples", "boundary-exact-2x4.json"))
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, s := range []string{"Regime: partial", "≤ c  inactive", "Minimal loss L* = 4", "Gram matrix"} {
		if !strings.Contains(out, s) {
			t.Errorf("report lacks %q:\n%s", s, out)
		}
	}
}

// TestBadInputExit2: bad input or usage gives one line on stderr, nothing
// on stdout and exit status 2.
func TestBadInputExit2(t *testing.T) {
	bad := writeFile(t, "bad.json", `{"targets":[[1,2],[3]],"lambda_h":1,"lambda_w":1,"d":1}`)
	reg := writeFile(t, "reg.json", `{"targets":[[1]],"lambda_h":1,"lambda_w":1,"lambda_b":1,"d":1,"bias":"regularized"}`)
	tests := [][]string{
		{"predict"},
		{"predict", "/nonexistent/file.json"},
		{"predict", bad},
		{"predict", reg},
		{"predict", bad, "--digits", "0x"},
		{"predict", bad, "--digits", "-3"},
		{"predict", bad, "--digits", "99999"},
		{"predict", bad, bad},
		{"predict", "--frobnicate"},
		{"nosuchcommand"},
		{},
	}
	for _, args := range tests {
		code, out, errs := runCmd(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if out != "" {
			t.Errorf("%v: wrote to stdout: %q", args, out)
		}
		if len(args) > 0 && strings.Count(strings.TrimRight(errs, "\n"), "\n") != 0 {
			t.Errorf("%v: stderr is not one line: %q", args, errs)
		}
		if errs == "" {
			t.Errorf("%v: nothing on stderr", args)
		}
	}
	if code, out, _ := runCmd(t, "--help"); code != 0 || !strings.Contains(out, "predict") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
	if code, out, _ := runCmd(t, "predict", "--help"); code != 0 || !strings.Contains(out, "--digits") {
		t.Errorf("predict --help: exit %d, %q", code, out)
	}
}

// Entries ±1e10000 with rank Σ < n: the eigenvalues beyond the exact rank
// print as 0, not as the eigensolver's rounding residue (‖Σ‖·2^−prec,
// about 1e19964 before the fix).
func TestPredictHugeEntriesZeroEigenvalues(t *testing.T) {
	p := writeFile(t, "huge.json", `{"targets": [["1e10000","-1e10000","1e10000","1e10000"],["-1e10000","1e10000","1e10000","-1e10000"],["1e10000","1e10000","-1e10000","1e10000"],["-1e10000","-1e10000","-1e10000","1e10000"]], "lambda_h": "1", "lambda_w": "1", "d": 4}`)
	code, out, errs := runCmd(t, "predict", p, "--digits", "20", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc predictJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	// M = 4 centered samples span at most 3 dimensions: σ_4 = 0 exactly.
	if doc.TargetRank != 3 || doc.SigmaEigenvalues[3] != "0" {
		t.Fatalf("rank %d, eigenvalues %v", doc.TargetRank, doc.SigmaEigenvalues)
	}
}
