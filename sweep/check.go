package sweep

import (
	"errors"
	"fmt"

	"github.com/nrc-ufm/ufm/certify"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/verify"
)

// Check is a spot check run at chosen points of a sweep. Run gets the
// instance with that point's λ and the requested digits. An error is a
// failure of the check itself (reported as such, never as a verdict).
//
// SolverCheck and CertificateCheck are the built-in ones; any other plugs
// in the same way:
//
//	sweep.Check{Name: "mine", Run: func(in *instance.Instance, digits int) (sweep.Outcome, error) { … }}
type Check struct {
	Name string
	Run  func(in *instance.Instance, digits int) (Outcome, error)
}

// Outcome is a check's verdict at one point.
type Outcome struct {
	// Status is the check's own word: "agree", "disagree", "unattained"
	// for SolverCheck (verify.Status).
	Status string
	// Digits is the number of decimal digits the check confirms (for
	// SolverCheck the worst agreement over the compared quantities);
	// nil when the check does not count digits.
	Digits *int
	// Detail is one sentence for people.
	Detail string
	// Failed marks a negative verdict (disagree, invalid certificate).
	Failed bool
	// Undecided marks a check that reached no verdict (the solver did not
	// converge or ran out of time: verify's unfinished; a cut-off the
	// theory could not resolve: unresolved). It is not an agreement.
	Undecided bool
}

// SolverCheck returns the check that minimizes the objective with package
// solver and compares it with the closed form (verify.Run).
func SolverCheck(settings solver.Settings) Check {
	return Check{Name: "solver", Run: func(in *instance.Instance, digits int) (Outcome, error) {
		r, err := verify.Run(in, digits, settings)
		if err != nil {
			return Outcome{}, err
		}
		o := Outcome{Status: string(r.Status), Detail: r.Reason, Failed: r.Status == verify.Disagree,
			Undecided: r.Status == verify.Unfinished || r.Status == verify.Unresolved}
		if r.Worst != "" {
			worst := worstDigits(r.Agreement)
			o.Digits = &worst
		}
		return o, nil
	}}
}

// worstDigits is the fewest digits of any quantity verify compared (it
// left out the training MSE and the shrinkages, so a check said "29
// digits" where verify's worst, the shrinkage, had 28: QA session 22).
func worstDigits(a verify.Agreement) int {
	w := -1
	for _, v := range []*int{a.MinLoss, a.WW, a.Bias, a.Predictions, a.TrainMSE, a.Shrinkage} {
		if v != nil && (w < 0 || *v < w) {
			w = *v
		}
	}
	return w
}

// runChecks runs every check at this point; a panic in a check is
// recovered and reported as that check's failure.
func (p *Point) runChecks(in *instance.Instance, digits int, checks []Check) {
	for _, c := range checks {
		p.Checks = append(p.Checks, runOne(c, in, digits))
	}
}

func runOne(c Check, in *instance.Instance, digits int) (res CheckResult) {
	res.Name = c.Name
	defer func() {
		if r := recover(); r != nil {
			res.Err = fmt.Sprintf("internal error (panic): %v", r)
		}
	}()
	o, err := c.Run(in, digits)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	res.Outcome = o
	return res
}

// CertificateCheck returns the check that builds and verifies an exact
// certificate of L* (package certify, docs/theory.md §5): rational lower
// and upper bounds checked with exact arithmetic, compared with the closed
// form's enclosure. Status is "proved" (Digits: the digits to which both
// intervals agree), "refuted" (the intervals are disjoint: Failed),
// "inconclusive" (they intersect but are wider than 10^-1) or "not
// certifiable" (with the reason in Detail; not a failure: e.g. no
// minimizer exists).
func CertificateCheck(settings solver.Settings) Check {
	return Check{Name: "certificate", Run: func(in *instance.Instance, digits int) (Outcome, error) {
		res, err := certify.Build(in, certify.Options{Digits: digits, Solver: settings})
		var cannot *certify.CannotError
		switch {
		case errors.As(err, &cannot):
			return Outcome{Status: "not certifiable", Detail: cannot.Reason}, nil
		case err != nil:
			return Outcome{}, err
		}
		r := res.Report
		lo, hi := certify.Decimal(r.Lower, 20, false), certify.Decimal(r.Upper, 20, true)
		switch {
		case r.Refuted:
			return Outcome{Status: "refuted", Failed: true, Detail: fmt.Sprintf("the closed form lies outside the proved [%s, %s]", lo, hi)}, nil
		case r.ProvedDigits > 0:
			d := r.ProvedDigits
			return Outcome{Status: "proved", Digits: &d, Detail: fmt.Sprintf("%s ≤ L* ≤ %s (%s bound), the closed form inside", lo, hi, r.Method)}, nil
		}
		return Outcome{Status: "inconclusive", Detail: fmt.Sprintf("%s ≤ L* ≤ %s: too wide to decide", lo, hi)}, nil
	}}
}
