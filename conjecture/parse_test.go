package conjecture

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMalformedFiles parses every file in testdata/bad: each must fail
// with an *Error at the line and column its first line names ("# want
// LINE:COL text"), with a message containing text.
func TestMalformedFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.conj")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("only %d malformed files", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := bytes.Cut(src, []byte("\n"))
			var line, col int
			var want string
			if _, err := fmt.Sscanf(string(first), "# want %d:%d", &line, &col); err != nil {
				t.Fatalf("first line %q: %v", first, err)
			}
			want = strings.SplitN(string(first), " ", 4)[3]
			_, err = Parse(path, src)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want an *Error", err)
			}
			if pe.Pos.Line != line || pe.Pos.Col != col || !strings.Contains(pe.Msg, want) {
				t.Errorf("got %v\nwant %s:%d:%d: …%s…", err, path, line, col, want)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("%s:%d:%d: ", path, line, col)) {
				t.Errorf("message %q does not start with FILE:LINE:COL", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("message spans lines: %q", err)
			}
		})
	}
}

// TestUnknownNameListsKnown checks that an unknown name lists the known ones.
func TestUnknownNameListsKnown(t *testing.T) {
	_, err := New(Spec{Name: "t", Statement: "s", Quantity: "n", Formula: "sigmaa(1)"})
	if err == nil || !strings.Contains(err.Error(), "sigma(…)") || !strings.Contains(err.Error(), "train_mse") {
		t.Fatalf("error %v does not list the known names", err)
	}
}

// TestParseGood parses the shipped examples.
func TestParseGood(t *testing.T) {
	files, _ := filepath.Glob("../examples/conjectures/*.conj")
	if len(files) < 5 {
		t.Fatalf("only %d examples", len(files))
	}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Parse(path, src)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		cl := c.Claim()
		if err := cl.Validate(); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}
