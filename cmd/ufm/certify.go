package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/nrc-ufm/ufm/certify"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/verify"
)

// certifiedJSON is the "certified" object of verify --certify --json.
type certifiedJSON struct {
	Lower        string `json:"lower,omitempty"` // exact "p/q"
	Upper        string `json:"upper,omitempty"`
	Method       string `json:"method,omitempty"`
	Verdict      string `json:"verdict"` // "proved to D digits", "refuted", "bounds" or "cannot certify"
	ProvedDigits int    `json:"proved_digits"`
	Reason       string `json:"reason,omitempty"`
}

type verifyCertifiedJSON struct {
	verifyJSON
	Certified certifiedJSON `json:"certified"`
}

// verifyCertified is ufm verify --certify: the verify report followed by
// the certified interval of L* (certify.Build at the same digits). A
// refuted closed form makes the exit status 1.
func verifyCertified(in *instance.Instance, rep *verify.Report, st solver.Settings, asJSON bool, code int, stdout, stderr io.Writer) int {
	dg := rep.Prediction.Digits
	res, err := certify.Build(in, certify.Options{Digits: dg, Solver: st})
	var cj certifiedJSON
	switch {
	case err != nil:
		cj = certifiedJSON{Verdict: "cannot certify", Reason: err.Error()}
	default:
		r := res.Report
		cj = certifiedJSON{Lower: r.Lower.RatString(), Upper: r.Upper.RatString(), Method: r.Method,
			Verdict: res.File.Verdict, ProvedDigits: r.ProvedDigits}
		if r.Refuted {
			code = exitFailure
		}
	}
	if asJSON {
		if c := writeJSON(stdout, stderr, verifyCertifiedJSON{newVerifyJSON(in, rep), cj}); c != exitOK {
			return c
		}
		return code
	}
	writeVerifyReport(stdout, in, rep)
	fmt.Fprintln(stdout)
	if err != nil {
		fmt.Fprintf(stdout, "Certified: no — %v\n", err)
		return code
	}
	r := res.Report
	fmt.Fprintf(stdout, "Certified (exact rational bounds, lower bound by %s; ufm certify --out writes the certificate):\n", r.Method)
	fmt.Fprintf(stdout, "  %s ≤ L* ≤ %s\n", certify.Decimal(r.Lower, dg, false), certify.Decimal(r.Upper, dg, true))
	switch {
	case r.Refuted:
		fmt.Fprintf(stdout, "  REFUTED: the closed form's interval [%s, %s] misses it\n", certify.Decimal(r.CFLower, dg, false), certify.Decimal(r.CFUpper, dg, true))
	case r.ProvedDigits > 0:
		fmt.Fprintf(stdout, "  proved to %d digits: the closed form lies in [%s, %s], which meets it\n", r.ProvedDigits, certify.Decimal(r.CFLower, dg, false), certify.Decimal(r.CFUpper, dg, true))
	default:
		fmt.Fprintf(stdout, "  bounds only: the intervals are wider than 10^-%d relative\n", dg)
	}
	return code
}

// certifyFailedJSON is what certify --json prints when no certificate was
// made: verdict "cannot certify" (the instance is outside what
// certificates cover) or "error" (the build failed), with the reason.
type certifyFailedJSON struct {
	Name    string `json:"name"`
	Verdict string `json:"verdict"`
	Reason  string `json:"reason"`
}

// certifyFailed reports a certify.Build error: one line on stderr, with
// --json a certifyFailedJSON document on stdout (QA session 21: exit 1
// with an empty stdout), and exit status 1.
func certifyFailed(stdout, stderr io.Writer, asJSON bool, name string, err error) int {
	fmt.Fprintln(stderr, termSafe(fmt.Sprintf("ufm: certify: %s: %v", name, err)))
	if asJSON {
		verdict := "error"
		var cannot *certify.CannotError
		if errors.As(err, &cannot) {
			verdict = "cannot certify"
		}
		writeJSON(stdout, stderr, certifyFailedJSON{Name: name, Verdict: verdict, Reason: err.Error()})
	}
	return exitFailure
}

func runCertify(args []string, stdout, stderr io.Writer) int {
	const synopsis = "ufm certify FILE [--digits D] [--out CERT.json] [--seed S] [--time-limit T] [--json]"
	fs := flag.NewFlagSet("certify", flag.ContinueOnError)
	digits := fs.Int("digits", 0, "aim at bounds of relative width 10^-D (default: the instance's digits, else 50)")
	out := fs.String("out", "", "write the certificate to this file")
	seed := fs.Int64("seed", 1, "seed of the solver's random starts (nonzero)")
	timeLimit := fs.Duration("time-limit", solver.DefaultTimeLimit, "wall-clock budget of each solve (the command stops shortly after it)")
	asJSON := fs.Bool("json", false, "print the certificate (one JSON document) on stdout")
	pos, code, done := parseCommandLine(fs, args, stdout, stderr, synopsis)
	if done {
		return code
	}
	if err := checkDigits(fs, *digits); err != nil {
		return fail(stderr, "certify: %v", err)
	}
	if *seed == 0 {
		return fail(stderr, "certify: --seed must be nonzero")
	}
	if *timeLimit <= 0 {
		return fail(stderr, "certify: --time-limit must be positive, got %v", *timeLimit)
	}
	in, err := loadInstanceArg("certify", pos, false)
	if err != nil {
		return fail(stderr, "%v", err)
	}
	if *out != "" {
		if err := checkOutFile(*out); err != nil { // before any work (issue 10)
			return fail(stderr, "certify: --out: %v", err)
		}
	}
	var res *certify.Result
	ctx, stop := interruptContext(stderr, "stopping (no certificate)")
	defer stop()
	// Build may solve twice (D/2 + 20, then D + 10 digits), each within the limit.
	switch waitBounded(ctx, 2**timeLimit, stderr, "certify", func() {
		res, err = certify.Build(in, certify.Options{Digits: *digits, Solver: solver.Settings{Seed: *seed, TimeLimit: *timeLimit}})
	}) {
	case interrupted:
		return emitUnfinished(stdout, stderr, *asJSON, "certify", in.Name, "interrupted before the certificate was complete: no certificate", true)
	case overtime:
		emitUnfinished(stdout, stderr, *asJSON, "certify", in.Name, fmt.Sprintf("stopped at --time-limit %s: no certificate", *timeLimit), false)
		return exitFailure
	}
	if err != nil {
		return certifyFailed(stdout, stderr, *asJSON, in.Name, err)
	}
	doc, err := json.MarshalIndent(res.File, "", " ")
	if err != nil {
		fmt.Fprintf(stderr, "ufm: internal error encoding the certificate: %v\n", err)
		return exitFailure
	}
	doc = append(doc, '\n')
	if *out != "" {
		if err := writeFileAtomic(*out, doc); err != nil {
			return fail(stderr, "certify: %v", err)
		}
	}
	code = exitOK
	if res.Report.ProvedDigits == 0 && res.Report.EnclosedDigits == 0 {
		code = exitFailure
	}
	if *asJSON {
		stdout.Write(doc)
		return code
	}
	writeCertifyReport(stdout, res, *out)
	return code
}

func writeCertifyReport(w io.Writer, res *certify.Result, out string) {
	f, rep := res.File, res.Report
	dg := f.Digits
	in := f.Instance
	fmt.Fprintf(w, "ufm certify: %s  (n = %d, d = %d, M = %d, bias %s, %d digits)\n\n", termSafe(in.Name), len(in.Targets[0]), in.D, len(in.Targets), in.Bias, dg)
	how := "dual certificate Λ, (c/M)I − ΛΛᵀ ≻ 0 by exact LDLᵀ"
	if rep.Method == "mirsky" {
		how = "eigenvalue enclosures of Σ + Mirsky/von Neumann; see the note"
	}
	fmt.Fprintf(w, "  L* ≥ %s  (%s)\n", certify.Decimal(rep.Lower, dg, false), how)
	fmt.Fprintf(w, "  L* ≤ %s  (L at an explicit rational point, exact)\n", certify.Decimal(rep.Upper, dg, true))
	if res.Gap.Sign() == 0 {
		fmt.Fprintf(w, "  upper = lower: L* is this rational number exactly\n")
	} else {
		fmt.Fprintf(w, "  upper − lower %s\n", certify.PowerBound(res.Gap))
	}
	if rep.CFLower != nil {
		fmt.Fprintf(w, "  closed form (docs/theory.md §3) ∈ [%s, %s]\n", certify.Decimal(rep.CFLower, dg, false), certify.Decimal(rep.CFUpper, dg, true))
	} else {
		fmt.Fprintf(w, "  closed form: none (bias regularized: docs/theory.md claims none; the lower bound is the dual with the λ_b term)\n")
	}
	if f.TrainMSE != nil {
		lo, hi := certify.MustRat(f.TrainMSE.Lower), certify.MustRat(f.TrainMSE.Upper)
		fmt.Fprintf(w, "  training MSE of every global minimizer ∈ [%s, %s]\n", certify.Decimal(lo, max(dg/2, 6), false), certify.Decimal(hi, max(dg/2, 6), true))
	}
	for _, n := range f.Notes {
		fmt.Fprintf(w, "  note: %s\n", termSafe(n))
	}
	fmt.Fprintf(w, "  solver asked for %d digits; %.3f s in all\n", res.SolverDigits, res.Duration.Seconds())
	switch {
	case rep.Refuted:
		fmt.Fprintf(w, "\nVerdict: REFUTED — the closed form's interval and [lower, upper] are disjoint\n")
	case rep.EnclosedDigits > 0:
		fmt.Fprintf(w, "\nVerdict: ENCLOSED TO %d DIGITS — L* lies in an interval of relative width ≤ 10^-%d (no closed form to compare)\n", rep.EnclosedDigits, rep.EnclosedDigits)
	case rep.ProvedDigits > 0:
		fmt.Fprintf(w, "\nVerdict: PROVED TO %d DIGITS — L* and the closed form each lie in an interval of relative width ≤ 10^-%d, and the intervals meet\n", rep.ProvedDigits, rep.ProvedDigits)
	default:
		fmt.Fprintf(w, "\nVerdict: BOUNDS ONLY — the intervals are valid but wider than 10^-%d relative\n", dg)
	}
	if out != "" {
		o := termSafe(out)
		fmt.Fprintf(w, "Certificate written to %s (check it with: ufm check %s, or python3 scripts/check_certificate.py %s)\n", o, o, o)
	} else {
		fmt.Fprintf(w, "(--out FILE writes the certificate, --json prints it)\n")
	}
}
