package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/nrc-ufm/ufm/certify/check"
)

type checkJSON struct {
	Valid        bool     `json:"valid"`
	Name         string   `json:"name"`
	Lower        string   `json:"lower"`
	Upper        string   `json:"upper"`
	Method       string   `json:"method"`
	ClosedForm   []string `json:"closed_form"` // [lower, upper]; null for bias regularized
	ProvedDigits int      `json:"proved_digits"`
	Enclosed     int      `json:"enclosed_digits"`
	Refuted      bool     `json:"refuted"`
	Reason       string   `json:"reason"`
}

// runCheck re-verifies a certificate with exact rational arithmetic only
// (package certify/check: no floats, no solver, no theory). Exit 0 valid,
// 1 invalid, 2 unreadable.
func runCheck(args []string, stdout, stderr io.Writer) int {
	const synopsis = "ufm check CERT.json [--json]"
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON document")
	pos, code, done := parseCommandLine(fs, args, stdout, stderr, synopsis)
	if done {
		return code
	}
	if len(pos) != 1 {
		return fail(stderr, "check: expected one certificate file (usage: %s)", synopsis)
	}
	data, err := readCapped(pos[0], check.MaxFileBytes)
	if err != nil {
		return fail(stderr, "check: %s: %v", termSafe(pos[0]), err)
	}
	cert, err := check.Parse(data)
	if err != nil {
		return fail(stderr, "check: %s: %s", termSafe(pos[0]), termSafe(err.Error()))
	}
	rep, err := check.Check(cert)
	var inv *check.InvalidError
	if errors.As(err, &inv) {
		if *asJSON {
			writeJSON(stdout, stderr, checkJSON{Name: cert.Name, Reason: inv.Problem})
		}
		fmt.Fprintln(stderr, termSafe(fmt.Sprintf("ufm: check: %s: %v", pos[0], err)))
		return exitFailure
	}
	if err != nil {
		fmt.Fprintln(stderr, termSafe(fmt.Sprintf("ufm: check: %s: internal error: %v", pos[0], err)))
		return exitFailure
	}
	doc := checkJSON{Valid: true, Name: rep.Name, Lower: rep.Lower.RatString(), Upper: rep.Upper.RatString(),
		Method: rep.Method, ProvedDigits: rep.ProvedDigits, Enclosed: rep.EnclosedDigits, Refuted: rep.Refuted, Reason: verdictText(rep)}
	if rep.CFLower != nil {
		doc.ClosedForm = []string{rep.CFLower.RatString(), rep.CFUpper.RatString()}
	}
	if *asJSON {
		return writeJSON(stdout, stderr, doc)
	}
	fmt.Fprintf(stdout, "ufm check: %s: VALID — lower ≤ L* ≤ upper (lower bound: %s); %s\n", termSafe(pos[0]), rep.Method, doc.Reason)
	return exitOK
}

func verdictText(rep *check.Report) string {
	switch {
	case rep.Refuted:
		return "the closed form of docs/theory.md §3 is refuted (its interval misses [lower, upper])"
	case rep.EnclosedDigits > 0:
		return fmt.Sprintf("L* enclosed to %d digits (bias regularized: no closed form to compare)", rep.EnclosedDigits)
	case rep.ProvedDigits > 0:
		return fmt.Sprintf("proved to %d digits (closed form and L* in intersecting intervals of relative width ≤ 10^-%d)", rep.ProvedDigits, rep.ProvedDigits)
	}
	return "bounds only"
}

// readCapped reads at most limit bytes of the file, refusing larger ones.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("file is larger than %d bytes", limit)
	}
	return data, nil
}
