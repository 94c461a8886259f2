package solver

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

// TestIndependence enforces the rule that makes agreement with theory
// meaningful: no non-test file of package solver imports package theory,
// and none computes an eigendecomposition (the target covariance's
// spectrum is what the closed form is built from; the solver uses Cholesky
// only). It also refuses the closed form's tell-tale √c shrinkage.
func TestIndependence(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	forbidden := []struct {
		re   *regexp.Regexp
		what string
	}{
		{regexp.MustCompile(`SymEigen|SpectralFunction|SqrtPSD`), "an eigendecomposition"},
		{regexp.MustCompile(`\bC\(\)`), "c = λ_H·λ_W from the instance (regime decisions)"},
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		checked++
		fset := token.NewFileSet()
		ast, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "github.com/nrc-ufm/ufm/theory" || strings.HasPrefix(path, "github.com/nrc-ufm/ufm/theory/") {
				t.Errorf("%s imports %s: the solver must stay independent of the closed form", f, path)
			}
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Drop comments before the textual checks: the documentation may
		// name what the code must not do.
		code := stripComments(string(src))
		for _, fb := range forbidden {
			if loc := fb.re.FindStringIndex(code); loc != nil {
				t.Errorf("%s uses %s (%q)", f, fb.what, code[loc[0]:loc[1]])
			}
		}
	}
	if checked < 5 {
		t.Errorf("only %d source files checked: is the test running in the package directory?", checked)
	}
}

var commentRE = regexp.MustCompile(`(?s)//[^\n]*|/\*.*?\*/`)

func stripComments(s string) string { return commentRE.ReplaceAllString(s, "") }
