package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSeriesEqualsMetrics is the bar of issue 14: on the shipped 5-epoch
// example, every epoch's NRC1–3, γ and EVR from `ufm series --json` equal
// (exactly: the same float64 computation) what `ufm metrics --json` prints
// for that epoch's files, and the plots are written.
func TestSeriesEqualsMetrics(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "series")
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "series", dir, "--out", out, "--json", "--lambda-h", "0.01", "--lambda-w", "1/100")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "5/5 epochs") {
		t.Errorf("no progress on stderr: %q", stderr)
	}
	var doc struct {
		C      float64          `json:"c"`
		Epochs []map[string]any `json:"epochs"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Epochs) != 5 || doc.C != 1e-4 {
		t.Fatalf("%d epochs, c = %v", len(doc.Epochs), doc.C)
	}
	for _, e := range doc.Epochs {
		n := int(e["epoch"].(float64))
		base := filepath.Join(dir, fmt.Sprintf("epoch-%d", n))
		code, mout, merr := runCmd(t, "metrics", "--features", base+".features.npy", "--weights", base+".weights.npy",
			"--targets", filepath.Join(dir, "targets.npy"), "--json")
		if code != exitOK {
			t.Fatalf("metrics: %s", merr)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(mout), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"nrc1", "nrc2", "nrc3", "nrc3_gamma", "samples", "feature_dim", "target_dim", "weights_rank", "zero_features"} {
			if e[k] != m[k] {
				t.Errorf("epoch %d: %s = %v, ufm metrics says %v", n, k, e[k], m[k])
			}
		}
		se, me := e["evr"].([]any), m["evr"].([]any)
		if len(se) != len(me) {
			t.Fatalf("epoch %d: %d EVR, metrics %d", n, len(se), len(me))
		}
		for j := range se {
			if se[j] != me[j] {
				t.Errorf("epoch %d: evr[%d] = %v, ufm metrics says %v", n, j, se[j], me[j])
			}
		}
	}
	for _, f := range []string{"table.csv", "table.json", "nrc.png", "nrc.svg", "evr.png", "gamma.png", "fit.png", "r2.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestSeriesConventions: the convention flags reach the metrics (and match
// `ufm metrics` with the same flags).
func TestSeriesConventions(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "series")
	flags := []string{"--normalize=false", "--per-coordinate", "--center=false"}
	code, stdout, stderr := runCmd(t, append([]string{"series", dir, "--out", t.TempDir(), "--json", "--no-plots"}, flags...)...)
	if code != exitOK {
		t.Fatal(stderr)
	}
	var doc struct {
		Normalized bool             `json:"normalized"`
		Divisor    string           `json:"divisor"`
		Centered   bool             `json:"centered"`
		Epochs     []map[string]any `json:"epochs"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Normalized || doc.Centered || doc.Divisor != "M·d" {
		t.Errorf("conventions not recorded: %+v", doc)
	}
	base := filepath.Join(dir, "epoch-3")
	_, mout, _ := runCmd(t, append([]string{"metrics", "--features", base + ".features.npy", "--weights", base + ".weights.npy",
		"--targets", filepath.Join(dir, "targets.npy"), "--json"}, flags...)...)
	var m map[string]any
	if err := json.Unmarshal([]byte(mout), &m); err != nil {
		t.Fatal(err)
	}
	if doc.Epochs[2]["nrc1"] != m["nrc1"] || m["divisor"] != "M·d" || m["normalized"] != false {
		t.Errorf("epoch 3: series nrc1 %v, metrics %v (%v %v)", doc.Epochs[2]["nrc1"], m["nrc1"], m["divisor"], m["normalized"])
	}
}

// TestSeriesBadInput: one line, exit 2, nothing written.
func TestSeriesBadInput(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "series")
	for _, args := range [][]string{
		{"series"},
		{"series", dir, dir},
		{"series", filepath.Join(t.TempDir(), "none")},
		{"series", t.TempDir()},
		{"series", dir, "--lambda-h", "0.1"},
		{"series", dir, "--lambda-h", "x", "--lambda-w", "1"},
		{"series", dir, "--memory-mb", "0"},
	} {
		out := filepath.Join(t.TempDir(), "out")
		code, stdout, stderr := runCmd(t, append(args, "--out", out)...)
		if code != exitUsage || stdout != "" || !strings.HasPrefix(stderr, "ufm: ") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: wrote %s", args, out)
		}
	}
}

// TestSeriesFailedEpochOneLine: a run whose third epoch is bad input (a
// NaN) exits 2 with the error as the only line: the progress bar neither
// counts the failed epoch as done nor stays on screen (QA session 24:
// "2/2 epochs", then the error, two lines).
func TestSeriesFailedEpochOneLine(t *testing.T) {
	src := filepath.Join("..", "..", "examples", "series")
	dir := t.TempDir()
	for _, f := range []string{"targets.npy", "epoch-1.features.npy", "epoch-1.weights.npy", "epoch-2.features.npy", "epoch-2.weights.npy", "epoch-3.weights.npy"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	v := make([]float64, 120*12)
	v[5] = math.NaN()
	writeNPYData(t, dir, "epoch-3.features.npy", 120, 12, v)
	code, stdout, stderr := runCmd(t, "series", dir, "--out", filepath.Join(t.TempDir(), "out"), "--workers", "1")
	visible := stderr[strings.LastIndex(stderr, "\r")+1:]
	if code != exitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(visible, "ufm: series: epoch 3") || strings.Contains(stderr, "3/3") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
