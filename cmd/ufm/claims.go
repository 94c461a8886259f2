package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/nrc-ufm/ufm/proofs"
)

// claimJSON is one entry of 'ufm claims --json'.
type claimJSON struct {
	Name       string `json:"name"`
	Source     string `json:"source"`
	Statement  string `json:"statement"`
	Hypotheses string `json:"hypotheses"`
	Method     string `json:"method"`
	Expect     string `json:"expect"`
	Budget     int    `json:"budget"`
	Trials     int    `json:"trials"`
	Digits     int    `json:"digits"`
}

func runClaims(args []string, stdout, stderr io.Writer) int {
	const synopsis = "ufm claims [NAME...] [--json]"
	fs := flag.NewFlagSet("claims", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON document")
	pos, code, done := parseCommandLine(fs, args, stdout, stderr, synopsis)
	if done {
		return code
	}
	reg := registry()
	claims := reg.Claims()
	if len(pos) > 0 {
		claims = nil
		for _, name := range pos {
			c, ok := reg.Lookup(name)
			if !ok {
				return fail(stderr, "claims: unknown claim %q (known: %s)", name, strings.Join(reg.Names(), ", "))
			}
			claims = append(claims, c)
		}
	}
	if *asJSON {
		out := []claimJSON{}
		for _, c := range claims {
			out = append(out, claimJSON{c.Name, c.Source, c.Statement, c.Hypotheses, c.Method, string(c.Expect), c.Budget, c.Trials, c.Digits})
		}
		return writeJSON(stdout, stderr, out)
	}
	fmt.Fprintf(stdout, "%d claims (ufm proofs checks them all; ufm search --claim NAME hunts for counterexamples):\n", len(claims))
	for _, c := range claims {
		expect := "expected to hold"
		if c.Expect == proofs.Fails {
			expect = "expected to be REFUTED (kept as stated, or as a control)"
		}
		fmt.Fprintf(stdout, "\n%s — %s\n", c.Name, expect)
		fmt.Fprintf(stdout, "  source:     %s\n", c.Source)
		fmt.Fprintf(stdout, "  hypotheses: %s\n", c.Hypotheses)
		fmt.Fprintf(stdout, "  method:     %s (search budget %d trials, proofs %d trials, %d digits)\n", c.Method, c.Budget, c.Trials, c.Digits)
		if len(pos) > 0 {
			fmt.Fprintf(stdout, "  statement:  %s\n", wrap(c.Statement, 90, "              "))
		}
	}
	if len(pos) == 0 {
		fmt.Fprintln(stdout, "\n'ufm claims NAME' prints a claim's full statement.")
	}
	return exitOK
}

// wrap breaks s into lines of at most width runes, indenting continuation
// lines with indent.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	line := 0
	for i, w := range strings.Fields(s) {
		n := len([]rune(w))
		if i > 0 {
			if line+1+n > width {
				b.WriteString("\n" + indent)
				line = 0
			} else {
				b.WriteString(" ")
				line++
			}
		}
		b.WriteString(w)
		line += n
	}
	return b.String()
}
