// Command ufm checks the Unconstrained Feature Model theory of Neural
// Regression Collapse to many digits. See the README for the commands.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses shared by every command (docs/formats.md).
const (
	exitOK      = 0
	exitFailure = 1 // did not converge, disagree, counterexample found
	exitUsage   = 2 // bad input or usage
	// exitError: a check broke (a panic or internal error in proofs or
	// search): the run's result is not a verdict.
	exitError = 3
	// exitInterrupted: SIGINT or SIGTERM stopped a long command, which
	// printed what it had done ("interrupted": true in its JSON).
	exitInterrupted = 130
)

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"predict", "closed form of docs/theory.md §3 for an instance file", runPredict},
		{"solve", "independent high-precision minimization of L", runSolve},
		{"verify", "solve, predict and compare invariants (default instance if no file)", runVerify},
		{"metrics", "NRC1–3 of a network's features, weights and targets (.npy or .csv)", runMetrics},
		{"claims", "list the claims that proofs and search know", runClaims},
		{"proofs", "run every claim's check and print a table", runProofs},
		{"search", "counterexample search against a claim", runSearch},
		{"merge", "combine the JSON outputs of sharded searches", runMerge},
		{"certify", "exact rational bounds on L* with a checkable certificate", runCertify},
		{"check", "re-verify a certificate with exact arithmetic (exit 0 valid, 1 invalid, 2 unreadable)", runCheck},
		{"sweep", "closed form over a grid of λ_H (and λ_W): table and plots", runSweep},
		{"series", "NRC, γ, explained variance, MSE and R² across a training run's epochs", runSeries},
		{"conjecture", "counterexample search against a conjecture file (no Go needed)", runConjecture},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: ufm COMMAND [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'ufm COMMAND --help' for a command's flags. Exit status: 0 success,")
	fmt.Fprintln(w, "1 did not converge / disagree / counterexample, 2 bad input or usage,")
	fmt.Fprintln(w, "3 a check broke (proofs, search), 130 interrupted (partial result printed).")
}

// shortUsage is what bare 'ufm' prints: two lines, on stderr.
func shortUsage(w io.Writer) {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	fmt.Fprintf(w, "usage: ufm COMMAND [arguments]   (commands: %s)\n", strings.Join(names, ", "))
	fmt.Fprintln(w, "Run 'ufm --help' for what each command does and the exit statuses.")
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		shortUsage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "ufm: unknown command %q (run 'ufm --help' for the list)\n", args[0])
	return exitUsage
}

// fail prints one line "ufm: ..." on stderr and returns exitUsage.
func fail(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintln(stderr, termSafe(fmt.Sprintf("ufm: "+format, a...)))
	return exitUsage
}
