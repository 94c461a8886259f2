package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCertifyAndCheck: certify writes a certificate that check accepts
// (exit 0), --json prints the same document with top-level lower/upper.
func TestCertifyAndCheck(t *testing.T) {
	out := filepath.Join(t.TempDir(), "c.json")
	code, stdout, stderr := runCmd(t, "certify", "../../examples/partial-3x5.json", "--digits", "30", "--out", out)
	if code != 0 {
		t.Fatalf("certify exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "PROVED TO 30 DIGITS") {
		t.Errorf("report:\n%s", stdout)
	}
	code, stdout, stderr = runCmd(t, "check", out)
	if code != 0 || !strings.Contains(stdout, "VALID") {
		t.Fatalf("check exit %d: %s%s", code, stdout, stderr)
	}
	code, stdout, _ = runCmd(t, "certify", "../../examples/partial-3x5.json", "--digits", "30", "--json")
	var doc map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &doc) != nil {
		t.Fatalf("certify --json exit %d, not one JSON document", code)
	}
	for _, f := range []string{"lower", "upper", "instance", "point", "lower_bound", "lemmas", "closed_form", "verdict"} {
		if _, ok := doc[f]; !ok {
			t.Errorf("certificate lacks %q", f)
		}
	}
	if s, _ := doc["lower"].(string); !strings.Contains(s, "/") {
		t.Errorf("lower = %v, want an exact \"p/q\"", doc["lower"])
	}
}

// TestCertifyCannot: one line on stderr, exit 1, no file written.
func TestCertifyCannot(t *testing.T) {
	out := filepath.Join(t.TempDir(), "c.json")
	code, stdout, stderr := runCmd(t, "certify", "../../examples/unattained-2x3.json", "--out", out)
	if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "cannot certify") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a certificate was written")
	}
	if code, _, _ := runCmd(t, "certify"); code != 2 {
		t.Errorf("no FILE: exit %d, want 2", code)
	}
}

// TestCheckExitCodes: invalid → 1, unreadable → 2, each one line.
func TestCheckExitCodes(t *testing.T) {
	good, err := os.ReadFile("../../certify/check/testdata/full-4x10.cert.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(good, &doc); err != nil {
		t.Fatal(err)
	}
	doc["lower"] = doc["upper"]
	doc["verdict"], doc["proved_digits"] = "bounds", 0
	invalid, _ := json.Marshal(doc)
	doc["lower"] = "1/0"
	zeroDen, _ := json.Marshal(doc)
	for _, tc := range []struct {
		name, content string
		want          int
	}{
		{"valid", string(good), 0},
		{"invalid", string(invalid), 1},
		{"truncated", string(good[:len(good)/2]), 2},
		{"zero denominator", string(zeroDen), 2},
		{"huge", `{"format":"ufm-certificate/1","lower":"` + strings.Repeat("7", 70000) + `"}`, 2},
	} {
		code, stdout, stderr := runCmd(t, "check", writeFile(t, "c.json", tc.content))
		if code != tc.want {
			t.Errorf("%s: exit %d, want %d (%s)", tc.name, code, tc.want, stderr)
		}
		if tc.want != 0 && (stdout != "" || strings.Count(stderr, "\n") != 1) {
			t.Errorf("%s: stdout %q stderr %q, want one line on stderr", tc.name, stdout, stderr)
		}
	}
	if code, _, _ := runCmd(t, "check", filepath.Join(t.TempDir(), "missing.json")); code != 2 {
		t.Errorf("missing file: exit %d, want 2", code)
	}
}

// TestVerifyCertify: --certify adds the certified interval and the
// "proved to D digits" verdict, in text and JSON.
func TestVerifyCertify(t *testing.T) {
	code, stdout, stderr := runCmd(t, "verify", "../../examples/nobias-3x6.json", "--digits", "25", "--certify")
	if code != 0 || !strings.Contains(stdout, "proved to 25 digits") || !strings.Contains(stdout, "≤ L* ≤") {
		t.Errorf("exit %d: %s%s", code, stdout, stderr)
	}
	code, stdout, _ = runCmd(t, "verify", "../../examples/nobias-3x6.json", "--digits", "25", "--certify", "--json")
	var doc struct {
		Status    string         `json:"status"`
		Certified map[string]any `json:"certified"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &doc) != nil || doc.Status != "agree" {
		t.Fatalf("exit %d: %s", code, stdout)
	}
	if doc.Certified["verdict"] != "proved to 25 digits" || doc.Certified["lower"] == nil {
		t.Errorf("certified = %v", doc.Certified)
	}
	code, stdout, _ = runCmd(t, "verify", "../../examples/unattained-2x3.json", "--digits", "25", "--certify")
	if code != 0 || !strings.Contains(stdout, "Certified: no — cannot certify: exactly one") {
		t.Errorf("unattained: exit %d: %s", code, stdout)
	}
}
