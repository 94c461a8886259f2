package check

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestIndependence enforces what makes the checker worth reading: its
// non-test files import only these standard packages (no math: no floats;
// nothing of ufm: no solver, no theory, no bigmat) and never name a
// floating-point type.
func TestIndependence(t *testing.T) {
	allowed := map[string]bool{"bytes": true, "encoding/json": true, "errors": true, "fmt": true,
		"io": true, "math/big": true, "regexp": true}
	floats := regexp.MustCompile(`big\.Float|float32|float64|ParseFloat|SetFloat64|\.Float64\(`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		checked++
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !allowed[path] {
				t.Errorf("%s imports %s: the checker may use only %v", f, path, allowed)
			}
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if loc := floats.FindIndex(src); loc != nil {
			t.Errorf("%s uses floating point (%q)", f, src[loc[0]:loc[1]])
		}
	}
	if checked < 3 {
		t.Errorf("only %d files checked: is the test running in the package directory?", checked)
	}
}
