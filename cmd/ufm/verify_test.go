package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyDefault is `make run`: the built-in instance agrees, exit 0.
func TestVerifyDefault(t *testing.T) {
	code, out, errs := runCmd(t, "verify")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	if !strings.Contains(out, "Status: AGREE") {
		t.Errorf("report:\n%s", out)
	}
}

// TestVerifyJSON checks the verify fields of docs/formats.md and statuses on shipped
// examples of several regimes.
func TestVerifyJSON(t *testing.T) {
	for name, status := range map[string]string{
		"full-4x10": "agree", "partial-3x5": "agree", "trivial-2x2": "agree", "nobias-3x6": "agree",
		"d-less-than-n-4x2": "agree", "zero-reg-3x7": "agree", "unattained-2x3": "unattained",
	} {
		code, out, errs := runCmd(t, "verify", filepath.Join("..", "..", "examples", name+".json"), "--json", "--digits", "40")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errs)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range []string{"name", "regime", "c", "rank", "sigma_eigenvalues", "bias", "ww", "min_loss", "train_mse", "gamma", "digits", "solver", "agreement", "status"} {
			if _, ok := doc[f]; !ok {
				t.Errorf("%s: JSON lacks %q", name, f)
			}
		}
		s := doc["solver"].(map[string]any)
		for _, f := range []string{"loss", "grad_norm", "iterations", "seconds"} {
			if _, ok := s[f]; !ok {
				t.Errorf("%s: solver lacks %q", name, f)
			}
		}
		a := doc["agreement"].(map[string]any)
		for _, f := range []string{"min_loss", "ww", "bias", "predictions"} {
			if _, ok := a[f]; !ok {
				t.Errorf("%s: agreement lacks %q", name, f)
			}
		}
		if doc["status"] != status {
			t.Errorf("%s: status %v, want %s (%v)", name, doc["status"], status, doc["reason"])
		}
		if status == "agree" {
			if v, ok := a["min_loss"].(float64); !ok || v < 35 {
				t.Errorf("%s: min_loss agreement %v at 40 digits", name, a["min_loss"])
			}
		}
	}
}

func TestVerifyBadInput(t *testing.T) {
	reg := filepath.Join("..", "..", "examples", "regularized-bias-2x3.json")
	for _, args := range [][]string{
		{"verify", "/nonexistent.json"},
		{"verify", reg},
		{"verify", "--starts", "0"},
		{"verify", "--time-limit", "0s"},
		{"verify", "--time-limit", "soon"},
		{"verify", "--digits", "abc"},
		{"verify", "a.json", "b.json"},
	} {
		code, out, errs := runCmd(t, args...)
		if code != 2 || out != "" || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

// TestVerifyTimeLimit: a solver that runs out of time is "unfinished"
// (exit 1), never "disagree", and the JSON says so.
func TestVerifyTimeLimit(t *testing.T) {
	code, out, errs := runCmd(t, "verify", filepath.Join("..", "..", "examples", "full-4x10.json"), "--json", "--time-limit", "1ns")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errs)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc["solver"].(map[string]any)
	if doc["status"] != "unfinished" || s["out_of_time"] != true || s["converged"] != false {
		t.Errorf("status %v, solver %v, reason %v", doc["status"], s, doc["reason"])
	}
	if !strings.Contains(doc["reason"].(string), "did not finish") {
		t.Errorf("reason %v", doc["reason"])
	}
}
