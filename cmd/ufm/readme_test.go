package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README's output blocks cannot drift: every fenced block preceded by
// a line "<!-- check -->" (or "<!-- check exit=N -->") starts with
// "$ ufm ARGS" and holds what that command prints on stdout. This test
// runs each command (from a scratch directory where examples/ is the
// repo's) and compares, with wall-clock times normalized. To regenerate
// the blocks after a deliberate change: make readme (UFM_README=update).

var (
	checkMarker = regexp.MustCompile(`^<!-- check(?: exit=(\d+))? -->$`)
	// Wall-clock times are the only part of an output that may differ
	// between runs.
	timePattern = regexp.MustCompile(`\b\d+(\.\d+)? s\b`)
)

type readmeBlock struct {
	args       []string
	exit       string
	start, end int // lines of the output (the fence lines excluded)
	want       string
}

func readmeBlocks(t *testing.T, lines []string) []readmeBlock {
	t.Helper()
	var blocks []readmeBlock
	for i := 0; i+2 < len(lines); i++ {
		m := checkMarker.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		if !strings.HasPrefix(lines[i+1], "```") || !strings.HasPrefix(lines[i+2], "$ ufm ") {
			t.Fatalf("README line %d: a check marker must precede a fenced block starting with \"$ ufm \"", i+1)
		}
		cmd := lines[i+2][len("$ ufm "):]
		if k := strings.Index(cmd, "#"); k >= 0 {
			cmd = cmd[:k]
		}
		b := readmeBlock{args: strings.Fields(cmd), exit: m[1], start: i + 3}
		if b.exit == "" {
			b.exit = "0"
		}
		for b.end = b.start; b.end < len(lines) && !strings.HasPrefix(lines[b.end], "```"); b.end++ {
		}
		b.want = strings.Join(lines[b.start:b.end], "\n")
		blocks = append(blocks, b)
		i = b.end
	}
	return blocks
}

func normalizeOutput(s string) string {
	return timePattern.ReplaceAllString(strings.TrimRight(s, "\n"), "T s")
}

func TestREADMEOutputs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every command shown in the README")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme := filepath.Join(root, "README.md")
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	blocks := readmeBlocks(t, lines)
	if len(blocks) < 4 {
		t.Fatalf("only %d checked blocks in the README", len(blocks))
	}
	scratch := t.TempDir()
	if err := os.Symlink(filepath.Join(root, "examples"), filepath.Join(scratch, "examples")); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if err := os.Chdir(scratch); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	update := os.Getenv("UFM_README") == "update"
	for k := len(blocks) - 1; k >= 0; k-- { // from the end, so that updates keep line numbers valid
		b := blocks[k]
		var out, errb bytes.Buffer
		code := run(b.args, &out, &errb)
		if fmt.Sprint(code) != b.exit {
			t.Errorf("README: ufm %s: exit %d, the README says %s: %s", strings.Join(b.args, " "), code, b.exit, errb.String())
		}
		got := strings.TrimRight(out.String(), "\n")
		if update {
			lines = append(lines[:b.start], append(strings.Split(got, "\n"), lines[b.end:]...)...)
			continue
		}
		if normalizeOutput(got) != normalizeOutput(b.want) {
			t.Errorf("README: the output of ufm %s has drifted (make readme regenerates it); now:\n%s", strings.Join(b.args, " "), got)
		}
	}
	if update {
		if err := os.WriteFile(readme, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The README's example instance is examples/full-3x8.json, and it is in
// the full regime its name says.
func TestREADMEInstanceExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile("../../examples/full-3x8.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, append([]byte("```json\n"), file...)) {
		t.Fatal("the README's instance block is not examples/full-3x8.json")
	}
	code, out, errs := runCmd(t, "predict", "../../examples/full-3x8.json", "--json")
	if code != 0 || !strings.Contains(out, `"regime": "full"`) {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
}

// The README's worked example of a claim is the code in claims/contrib.go,
// verbatim.
func TestREADMEWorkedClaim(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../../claims/contrib.go")
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(readme, []byte("```go\nfunc biasShrinkClaim()"))
	if i < 0 {
		t.Fatal("the README has no worked claim")
	}
	block := readme[i+len("```go\n"):]
	block = block[:bytes.Index(block, []byte("```"))]
	if !bytes.Contains(src, block) {
		t.Fatal("the README's worked claim differs from claims/contrib.go")
	}
}
