package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
)

// errHelp is returned by parseFlags after it printed the command's help.
var errHelp = errors.New("help requested")

// parseFlags parses args with fs, allowing flags before and after the
// positional arguments (ufm predict FILE --digits 60). Errors are returned
// as one line; -h/--help prints the flag summary to stdout.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, synopsis string) ([]string, error) {
	fs.SetOutput(io.Discard)
	if name := repeatedFlag(fs, args); name != "" {
		return nil, fmt.Errorf("%s: --%s is given more than once (usage: %s)", fs.Name(), name, synopsis)
	}
	var positional []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "usage: %s\n\nflags:\n", synopsis)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return nil, errHelp
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v (usage: %s)", fs.Name(), err, synopsis)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// repeatedFlag returns the name of a flag of fs that args set twice, or
// "": the flag package lets the last one win silently (QA session 21:
// "metrics --features A --features B" read B). Every flag of ufm takes one
// value. Arguments after "--" are not flags.
func repeatedFlag(fs *flag.FlagSet, args []string) string {
	seen := map[string]bool{}
	for _, a := range args {
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if fs.Lookup(name) == nil {
			continue
		}
		if seen[name] {
			return name
		}
		seen[name] = true
	}
	return ""
}

// parseCommandLine is parseFlags with the shared outcomes decided: after
// --help it is done with exit status 0, after a flag error it has printed
// one line and is done with exit status 2; otherwise it returns the
// positional arguments.
func parseCommandLine(fs *flag.FlagSet, args []string, stdout, stderr io.Writer, synopsis string) (pos []string, code int, done bool) {
	pos, err := parseFlags(fs, args, stdout, synopsis)
	if errors.Is(err, errHelp) {
		return nil, exitOK, true
	}
	if err != nil {
		return nil, fail(stderr, "%v", err), true
	}
	return pos, exitOK, false
}

// loadInstanceArg reads the instance named by the single positional
// argument, or the built-in default when allowDefault and none is given.
func loadInstanceArg(cmd string, positional []string, allowDefault bool) (*instance.Instance, error) {
	switch len(positional) {
	case 0:
		if allowDefault {
			return instance.Default(), nil
		}
		return nil, fmt.Errorf("%s: missing instance FILE", cmd)
	case 1:
		in, err := instance.Load(positional[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", positional[0], err)
		}
		return in, nil
	}
	return nil, fmt.Errorf("%s: expected one instance FILE, got %d arguments (%s)", cmd, len(positional), strings.Join(positional, " "))
}

// checkDigits validates the --digits flag of fs: when given it must be
// between 1 and instance.MaxDigits (0 is an error, not "default"); when
// absent its value 0 means the default.
func checkDigits(fs *flag.FlagSet, d int) error {
	if (flagSet(fs, "digits") && d < 1) || d < 0 || d > instance.MaxDigits {
		return fmt.Errorf("--digits must be between 1 and %d, got %d", instance.MaxDigits, d)
	}
	return nil
}

// minCheckDigits is the fewest --digits of the commands that check claims
// against the solver (proofs, search, conjecture): the solver is trusted
// to digits − verify.Margin (5), and below 10 the comparisons resolve
// nothing (QA session 22: `search --claim theorem --digits 5` counted every
// eigenvalue as 0 and reported a counterexample).
const minCheckDigits = 10

// checkCheckDigits is checkDigits for those commands.
func checkCheckDigits(fs *flag.FlagSet, d int) error {
	if flagSet(fs, "digits") && (d < minCheckDigits || d > instance.MaxDigits) {
		return fmt.Errorf("--digits must be between %d (the solver is trusted to digits − 5) and %d, got %d", minCheckDigits, instance.MaxDigits, d)
	}
	return checkDigits(fs, d)
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// maxStarts caps --starts of solve and verify.
const maxStarts = 10000

// checkSolverSize refuses, before any work, an instance beyond the
// solver's reach (solver.CheckSize), so that solve and verify answer at
// once with exit status 2.
func checkSolverSize(in *instance.Instance) error { return solver.CheckSize(in) }

// unfinishedJSON is what a solve or verify emits with --json when it stops
// without a result.
type unfinishedJSON struct {
	Name        string `json:"name"`
	Interrupted bool   `json:"interrupted"`
	Converged   bool   `json:"converged"`
	Status      string `json:"status"`
	Reason      string `json:"reason"`
}

// emitUnfinished reports a command that stopped without a result (one
// line on stderr, and a JSON document with --json) and returns
// exitInterrupted.
func emitUnfinished(stdout, stderr io.Writer, asJSON bool, cmd, name, reason string, wasInterrupted bool) int {
	fmt.Fprintln(stderr, termSafe(fmt.Sprintf("ufm: %s: %s: %s", cmd, name, reason)))
	if asJSON {
		status := "time-limit"
		if wasInterrupted {
			status = "interrupted"
		}
		writeJSON(stdout, stderr, unfinishedJSON{Name: name, Interrupted: wasInterrupted, Status: status, Reason: reason})
	}
	return exitInterrupted
}

// maxWorkers caps --workers of search, conjecture and proofs (each worker is a
// goroutine with its own working set).
const maxWorkers = 1024

// checkWorkers validates the --workers flag of fs: when given, between 1
// and maxWorkers; absent (0), GOMAXPROCS.
func checkWorkers(fs *flag.FlagSet, w int) error {
	if (flagSet(fs, "workers") && w < 1) || w < 0 || w > maxWorkers {
		return fmt.Errorf("--workers must be between 1 and %d, got %d", maxWorkers, w)
	}
	return nil
}
