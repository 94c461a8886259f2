package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/nrc-ufm/ufm/proofs"
)

// proofRowJSON is one row of 'ufm proofs --json'.
type proofRowJSON struct {
	Claim         string  `json:"claim"`
	Method        string  `json:"method"`
	Trials        int     `json:"trials"`
	Held          int     `json:"held"`
	Inconclusive  int     `json:"inconclusive"`
	Errored       int     `json:"errored"` // trials whose check broke (verdict "error", exit status 3)
	Interrupted   bool    `json:"interrupted"`
	WorstResidual *string `json:"worst_residual"`
	Exact         bool    `json:"exact"`
	BoundLog10    float64 `json:"schwartz_zippel_log10"` // weakest shape; 0: not an identity check
	Shapes        int     `json:"shapes"`
	Verdict       string  `json:"verdict"`
	Expect        string  `json:"expect"`
	AsExpected    bool    `json:"as_expected"`
	Summary       string  `json:"summary"`
	Seconds       float64 `json:"seconds"`
}

type proofsJSON struct {
	Seed        uint64         `json:"seed"`
	Digits      int            `json:"digits"` // 0: each claim's own
	Claims      []proofRowJSON `json:"claims"`
	AsExpected  bool           `json:"as_expected"`
	Errored     bool           `json:"errored"`     // some claim's check broke
	Interrupted bool           `json:"interrupted"` // SIGINT/SIGTERM stopped the run: a partial table
	Seconds     float64        `json:"seconds"`
}

func runProofs(args []string, stdout, stderr io.Writer) int {
	const synopsis = "ufm proofs [--digits N] [--trials K] [--seed S] [--claim NAME,...] [--workers W] [--json]"
	fs := flag.NewFlagSet("proofs", flag.ContinueOnError)
	digits := fs.Int("digits", 0, "working digits of every check (default: each claim's own, 30–40)")
	trials := fs.Int("trials", 0, "trials per claim (default: each claim's own, 10–40)")
	seed := fs.Uint64("seed", 1, "seed of the trials")
	only := fs.String("claim", "", "comma-separated claims to run (default: all)")
	workers := fs.Int("workers", 0, "parallel trials (default: GOMAXPROCS)")
	asJSON := fs.Bool("json", false, "print one JSON document")
	pos, code, done := parseCommandLine(fs, args, stdout, stderr, synopsis)
	if done {
		return code
	}
	if len(pos) > 0 {
		return fail(stderr, "proofs: unexpected argument %q (usage: %s)", pos[0], synopsis)
	}
	if err := checkCheckDigits(fs, *digits); err != nil {
		return fail(stderr, "proofs: %v", err)
	}
	if flagSet(fs, "trials") && (*trials < 1 || *trials > maxProofTrials) {
		return fail(stderr, "proofs: --trials must be between 1 and %d, got %d", maxProofTrials, *trials)
	}
	if err := checkWorkers(fs, *workers); err != nil {
		return fail(stderr, "proofs: %v", err)
	}
	reg := registry()
	claims := reg.Claims()
	if *only != "" {
		claims = nil
		for _, name := range strings.Split(*only, ",") {
			c, ok := reg.Lookup(strings.TrimSpace(name))
			if !ok {
				return fail(stderr, "proofs: unknown claim %q (known: %s)", name, strings.Join(reg.Names(), ", "))
			}
			claims = append(claims, c)
		}
	}
	ctx, stop := interruptContext(stderr, "finishing the trials running, then printing the table so far")
	defer stop()
	rows := proofs.RunProofs(claims, proofs.ProofOptions{Digits: *digits, Trials: *trials, Seed: *seed, Workers: *workers, Progress: stderr, Context: ctx})
	doc := proofsJSON{Seed: *seed, Digits: *digits, AsExpected: true}
	for _, r := range rows {
		res := r.Result
		row := proofRowJSON{
			Claim: r.Claim.Name, Method: r.Claim.Method, Verdict: string(r.Verdict), Expect: string(r.Claim.Expect),
			AsExpected: r.Matches, Summary: r.Summary, Seconds: r.Elapsed.Seconds(),
		}
		if res != nil {
			row.Trials, row.Held, row.Inconclusive, row.Errored = res.Trials, res.Held, res.Inconclusive, res.Errored
			row.Exact, row.BoundLog10, row.Shapes = res.Exact, res.BoundLog10, res.Shapes
			if res.WorstResidual != nil {
				s := res.ResidualText()
				row.WorstResidual = &s
			}
		}
		row.Interrupted = r.Interrupted
		doc.Claims = append(doc.Claims, row)
		doc.AsExpected = doc.AsExpected && r.Matches
		doc.Errored = doc.Errored || r.Verdict == proofs.Error
		doc.Interrupted = doc.Interrupted || r.Interrupted
		doc.Seconds += r.Elapsed.Seconds()
	}
	code = exitOK
	switch {
	case doc.Errored:
		code = exitError
	case doc.Interrupted:
		code = exitInterrupted
	case !doc.AsExpected:
		code = exitFailure
	}
	if *asJSON {
		if c := writeJSON(stdout, stderr, doc); c != exitOK {
			return c
		}
		return code
	}
	writeProofsTable(stdout, doc)
	return code
}

// maxProofTrials caps 'ufm proofs --trials'.
const maxProofTrials = 100000

func writeProofsTable(w io.Writer, doc proofsJSON) {
	headers := []string{"claim", "method", "trials", "worst residual", "bound", "verdict"}
	var table [][]string
	for _, r := range doc.Claims {
		res := "—"
		if r.WorstResidual != nil {
			res = *r.WorstResidual
		}
		bound := "—"
		if r.BoundLog10 != 0 {
			bound = fmt.Sprintf("≤ 1e%.0f (%d shapes)", r.BoundLog10, r.Shapes)
		}
		trials := fmt.Sprint(r.Trials)
		if r.Inconclusive > 0 {
			trials = fmt.Sprintf("%d (%d inconcl.)", r.Trials, r.Inconclusive)
		}
		verdict := map[string]string{"holds": "holds", "fails": "REFUTED", "inconclusive": "inconclusive", "error": "ERROR (the check broke)"}[r.Verdict]
		if r.Errored > 0 {
			trials = fmt.Sprintf("%s (%d error)", trials, r.Errored)
		}
		if r.Interrupted && r.Trials == 0 {
			verdict = "not run (INTERRUPTED)"
		} else if r.Interrupted {
			verdict += " (INTERRUPTED)"
		} else if r.Verdict == string(proofs.Error) {
			// an error is never "as expected" nor "unexpected": it is no verdict
		} else if r.Expect == string(proofs.Fails) && r.AsExpected {
			verdict += " (expected)"
		} else if !r.AsExpected {
			verdict += " (UNEXPECTED)"
		}
		table = append(table, []string{r.Claim, r.Method, trials, res, bound, verdict})
	}
	widths := make([]int, len(headers))
	for j, h := range headers {
		widths[j] = len([]rune(h))
		for _, row := range table {
			widths[j] = max(widths[j], len([]rune(row[j])))
		}
	}
	line := func(cells []string) {
		for j, c := range cells {
			if j > 0 {
				fmt.Fprint(w, "  ")
			}
			if j == len(cells)-1 {
				fmt.Fprint(w, c)
			} else {
				fmt.Fprint(w, padRight(c, widths[j]))
			}
		}
		fmt.Fprintln(w)
	}
	line(headers)
	sep := make([]string, len(headers))
	for j := range sep {
		sep[j] = strings.Repeat("-", widths[j])
	}
	line(sep)
	for _, row := range table {
		line(row)
	}
	fmt.Fprintln(w)
	for _, r := range doc.Claims {
		fmt.Fprintf(w, "%s: %s\n", r.Claim, wrap(termSafe(r.Summary), 100, "    "))
	}
	fmt.Fprintln(w)
	switch {
	case doc.Errored:
		fmt.Fprintf(w, "Some check BROKE (%.1f s): the rows marked ERROR are not verdicts (exit status 3).\n", doc.Seconds)
	case doc.Interrupted:
		fmt.Fprintf(w, "INTERRUPTED (%.1f s): the table is partial.\n", doc.Seconds)
	case doc.AsExpected:
		fmt.Fprintf(w, "Every claim behaved as registered (%.1f s). 'bound': Schwartz–Zippel probability that a false identity passed every random point, for the weakest of the shapes (n, d, M, bias) checked.\n", doc.Seconds)
	default:
		fmt.Fprintf(w, "Some claim did NOT behave as registered (%.1f s): see the rows marked UNEXPECTED; 'ufm search --claim NAME' shrinks and writes a counterexample.\n", doc.Seconds)
	}
}
