package sweep

import (
	"fmt"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/verify"
)

// Check is a spot check run at chosen points of a sweep. Run gets the
// instance with that point's λ and the requested digits. An error is a
// failure of the check itself (reported as such, never as a verdict).
//
// SolverCheck is the built-in one. A certificate check (exact lower and
// upper bounds on L*, docs/theory.md §5) plugs in the same way:
//
//	sweep.Check{Name: "certificate", Run: func(in *instance.Instance, digits int) (sweep.Outcome, error) { … }}
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
}

// SolverCheck returns the check that minimizes the objective with package
// solver and compares it with the closed form (verify.Run).
func SolverCheck(settings solver.Settings) Check {
	return Check{Name: "solver", Run: func(in *instance.Instance, digits int) (Outcome, error) {
		r, err := verify.Run(in, digits, settings)
		if err != nil {
			return Outcome{}, err
		}
		o := Outcome{Status: string(r.Status), Detail: r.Reason, Failed: r.Status == verify.Disagree}
		if r.Worst != "" {
			worst := worstDigits(r.Agreement)
			o.Digits = &worst
		}
		return o, nil
	}}
}

func worstDigits(a verify.Agreement) int {
	w := -1
	for _, v := range []*int{a.MinLoss, a.WW, a.Bias, a.Predictions} {
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
