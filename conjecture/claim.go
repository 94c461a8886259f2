package conjecture

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
	"github.com/nrc-ufm/ufm/verify"
)

// maxDraws bounds the draws of the family per trial while looking for an
// instance that satisfies the hypotheses.
const maxDraws = 200

// Claim turns the conjecture into a proofs.Claim, so that proofs.Search
// runs it: deterministic trials, shards, shrinking, counterexample files.
func (c *Conjecture) Claim() proofs.Claim {
	hyp := c.Hypotheses
	if hyp == "" {
		hyp = "none"
	}
	method := "formula in ball arithmetic (big.Float)"
	if c.UsesSolver {
		method = "solver vs formula, ball arithmetic (big.Float)"
	}
	src := "conjecture file " + c.File
	if c.File == "" {
		src = "conjecture (Go)"
	}
	return proofs.Claim{
		Name: c.Name, Source: src, Method: method, Hypotheses: hyp,
		Statement: fmt.Sprintf("%s Checked: %s", c.Statement, c.Relationship()),
		Expect:    c.Expect, Budget: c.Budget, Trials: min(c.Budget, 20), Digits: c.Digits,
		Generate: c.Generate, InHypotheses: c.InHypotheses, Check: c.Check,
	}
}

// Relationship returns the checked relation in words.
func (c *Conjecture) Relationship() string {
	s := fmt.Sprintf("%s %s %s", c.Quantity, c.Relation, c.Formula)
	if c.ForAll != "" {
		s = "for " + c.ForAll + ": " + s
	}
	if c.Hypotheses != "" {
		s += " whenever " + c.Hypotheses
	}
	return s
}

// Generate draws an instance of the family that satisfies the hypotheses
// (with opts.Outside, one that does not). After maxDraws draws without
// one it returns the last member of the family drawn (else the last draw)
// and records it, so that Check reports the trial as inconclusive: no
// instance of the family met the hypotheses. (QA session 22: the last
// draw, outside the family — not a boundary instance of a "spectrum:
// boundary" family — was checked like any trial and refuted the
// conjecture.)
func (c *Conjecture) Generate(rng *rand.Rand, opts proofs.GenOptions) *instance.Instance {
	f := c.Family.withDefaults()
	var last, member *instance.Instance
	why := ""
	for try := 0; try < maxDraws; try++ {
		in, ok := f.draw(rng, c.Name, c.Digits)
		last = in
		if !ok {
			continue
		}
		member = in
		inside, reason := c.InHypotheses(in)
		if inside != opts.Outside {
			return in
		}
		why = reason
	}
	if member != nil {
		last = member
	}
	c.fallbacks.Store(last, why)
	return last
}

// InHypotheses evaluates the hypotheses on in at the conjecture's digits
// (an evaluation error, an undecided condition included, counts as
// outside, with the error as the reason).
func (c *Conjecture) InHypotheses(in *instance.Instance) (bool, string) {
	err := c.hypotheses(newEnv(in, c.Digits, 0, 0))
	switch {
	case undecided(err):
		return false, "hypotheses could not be evaluated: " + err.Error()
	case err != nil:
		return false, err.Error()
	}
	return true, ""
}

// hypotheses returns nil when the hypotheses hold in e; else the reason,
// an undecided error when the precision did not decide them (Check
// retries those at more digits).
func (c *Conjecture) hypotheses(e *env) error {
	if c.hyp == nil {
		return nil
	}
	ok, err := e.cond(c.hyp)
	switch {
	case undecided(err):
		return err
	case err != nil:
		return &evalErr{msg: "hypotheses could not be evaluated: " + err.Error()}
	case !ok:
		return &evalErr{msg: "hypotheses " + c.Hypotheses + " are false"}
	}
	return nil
}

// Comparison is the evaluation of the relation on one instance (at one
// index of forall).
type Comparison struct {
	Index    *int // the forall index, nil without forall
	Quantity string
	Formula  string
	q        value
	f        value
	Holds    bool
	// SharedDigits is the number of leading decimal digits on which the two
	// sides agree, relative to the larger in magnitude.
	SharedDigits int
	// Tolerance is the sum of the two radii: the sides count as equal when
	// they differ by at most this much (unless both are exact).
	Tolerance *big.Float
	// Relative is Tolerance relative to the larger side (0 when exact).
	Relative *big.Float
	Exact    bool
	text     func(value) string
}

// QuantityText and FormulaText format the two sides with the digits their
// radii justify.
func (cmp *Comparison) QuantityText() string { return cmp.text(cmp.q) }

// FormulaText formats the formula side.
func (cmp *Comparison) FormulaText() string { return cmp.text(cmp.f) }

// Evaluate evaluates the relation on in at digits working digits, seed
// seeding the solver's random starts and limit bounding each solve. It
// returns the comparisons (one per forall index, stopping at the first
// that fails). An error means the trial is inconclusive: the hypotheses
// are false, or an evaluation failed (a domain error, an index out of
// range, a solver that did not converge).
func (c *Conjecture) Evaluate(in *instance.Instance, digits int, seed uint64, limit time.Duration) ([]*Comparison, error) {
	if digits <= 0 {
		digits = c.Digits
	}
	e := newEnv(in, digits, seed, limit)
	// At the evaluation's digits, so that an undecided hypothesis is
	// retried with the rest (QA session 22: it stayed at the file's digits,
	// and --digits did not reach it).
	if err := c.hypotheses(e); err != nil {
		return nil, err
	}
	if c.forVar == "" {
		cmp, err := c.compareOnce(e, nil)
		if err != nil {
			return nil, err
		}
		return []*Comparison{cmp}, nil
	}
	lo, err := e.index(c.forLo, "the lower bound of forall")
	if err != nil {
		return nil, err
	}
	hi, err := e.index(c.forHi, "the upper bound of forall")
	if err != nil {
		return nil, err
	}
	switch {
	case hi < lo:
		// QA session 22: forall i in 2..n with n = 1 indexed an empty
		// list of comparisons (a panic). An empty range checks nothing:
		// the trial says so and counts as inconclusive, not as held.
		return nil, failAt(c.forLo.at(), "forall %s in %d..%d: the range is empty on this instance, nothing was compared", c.forVar, lo, hi)
	case hi-lo >= MaxForallIndices:
		return nil, failAt(c.forLo.at(), "forall %s in %d..%d: more than %d indices", c.forVar, lo, hi, MaxForallIndices)
	}
	var out []*Comparison
	for i := lo; i <= hi; i++ {
		e.vars[c.forVar] = new(big.Rat).SetInt64(int64(i))
		idx := i
		cmp, err := c.compareOnce(e, &idx)
		if err != nil {
			return nil, err
		}
		out = append(out, cmp)
		if !cmp.Holds {
			break
		}
	}
	return out, nil
}

func (c *Conjecture) compareOnce(e *env, idx *int) (*Comparison, error) {
	q, err := e.num(c.quantity)
	if err != nil {
		return nil, err
	}
	f, err := e.num(c.formula)
	if err != nil {
		return nil, err
	}
	cmp := &Comparison{Index: idx, Quantity: c.Quantity, Formula: c.Formula, q: q, f: f, text: e.text}
	// The relation is ==, <= or >=: two sides within their tolerance of
	// each other (sign 0, undecided) satisfy it, the documented tolerance
	// semantics of the statement (a condition is stricter: cond).
	sign, _ := e.compare(q, f)
	cmp.Holds = holdsRel(c.Relation, sign)
	cmp.Exact = q.exact != nil && f.exact != nil
	cmp.Tolerance = newRad().Add(q.rad, f.rad)
	big1 := maxRad(absRad(q.mid), absRad(f.mid))
	cmp.Relative = newRad()
	if !cmp.Exact && big1.Sign() > 0 {
		cmp.Relative.Quo(cmp.Tolerance, big1)
	} else if !cmp.Exact {
		cmp.Relative.Set(cmp.Tolerance)
	}
	if cmp.Exact {
		cmp.Tolerance.SetInt64(0)
	}
	cap := e.digits + 16
	if big1.Sign() == 0 {
		cmp.SharedDigits = cap
	} else {
		scale := new(big.Float)
		g, w := q.mid, f.mid
		if absRad(g).Cmp(absRad(w)) > 0 {
			g, w = w, g
		}
		cmp.SharedDigits = verify.Digits(g, w, scale, cap)
	}
	return cmp, nil
}

// Check decides the conjecture on one instance (proofs.Claim.Check).
//
// When the relation held but only loosely — some comparison's relative
// tolerance above 10^-(digits/2), typically a solver quantity much smaller
// than the targets' scale, whose certified digits are relative to that
// scale — the instance is evaluated again at twice the digits (at most
// MaxEscalatedDigits), and that evaluation decides. So is a trial that a
// comparison or the rank left undecided (two sides within their tolerance:
// a near tie); undecided at MaxEscalatedDigits, it is inconclusive.
func (c *Conjecture) Check(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
	if why, fallback := c.fallbacks.LoadAndDelete(in); fallback {
		reason := fmt.Sprintf("no instance of the family met the hypotheses in %d draws", maxDraws)
		if w, _ := why.(string); w != "" {
			// QA session 24: an undecided hypothesis read as unmet.
			reason += " (the last draw: " + w + ")"
		}
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: reason}
	}
	digits := cfg.Digits
	cmps, err := c.Evaluate(in, digits, cfg.Seed, cfg.SolverTime)
	for (err == nil && loose(cmps, digits) || undecided(err)) && 2*digits <= MaxEscalatedDigits {
		digits *= 2
		cmps, err = c.Evaluate(in, digits, cfg.Seed, cfg.SolverTime)
	}
	if err != nil {
		return proofs.Outcome{Verdict: verdictOf(err), Reason: err.Error()}
	}
	last := cmps[len(cmps)-1]
	if !last.Holds {
		return proofs.Outcome{Verdict: proofs.Fails, Points: len(cmps), Reason: c.failReason(last)}
	}
	// Residual: the worst relative tolerance over the comparisons whose
	// sides are not both within the tolerance of 0; nil when every
	// comparison is of that kind (it then held only absolutely, and the
	// reason says so with AbsoluteOnly as its prefix).
	var worst *big.Float
	exact := true
	for _, cmp := range cmps {
		exact = exact && cmp.Exact
		if cmp.nearZero() {
			continue
		}
		if worst == nil || cmp.Relative.Cmp(worst) > 0 {
			worst = cmp.Relative
		}
	}
	reason := fmt.Sprintf("%s %s %s: %s vs %s", c.Quantity, c.Relation, c.Formula, last.QuantityText(), last.FormulaText())
	if len(cmps) > 1 {
		reason = fmt.Sprintf("%s for %d indices (last: %s)", c.Relation, len(cmps), reason)
	}
	if worst == nil && !exact {
		reason = fmt.Sprintf("%sboth sides are 0 within ±%s; %s", AbsoluteOnly, floatText(last.Tolerance, 'e', 1), reason)
	}
	return proofs.Outcome{Verdict: proofs.Holds, Residual: worst, Exact: exact, Points: len(cmps), Reason: reason}
}

// AbsoluteOnly prefixes the reason of a trial that held only in the
// absolute sense: both sides within the tolerance of 0, so no relative
// digits were compared.
const AbsoluteOnly = "held absolutely only: "

// nearZero reports whether both sides lie within the tolerance of 0.
func (cmp *Comparison) nearZero() bool {
	if cmp.Exact {
		return false
	}
	return absRad(cmp.q.mid).Cmp(cmp.Tolerance) <= 0 && absRad(cmp.f.mid).Cmp(cmp.Tolerance) <= 0
}

func (c *Conjecture) failReason(cmp *Comparison) string {
	at := ""
	if cmp.Index != nil {
		at = fmt.Sprintf(" at %s = %d", c.forVar, *cmp.Index)
	}
	tol := "both sides exact"
	if !cmp.Exact {
		tol = fmt.Sprintf("tolerance ±%s (relative %s), from the working precision and the solver's certified digits", floatText(cmp.Tolerance, 'e', 1), floatText(cmp.Relative, 'e', 1))
	}
	return fmt.Sprintf("%s %s %s is false%s: quantity %s = %s, formula = %s; they share %d digits (%s)",
		c.Quantity, c.Relation, c.Formula, at, c.Quantity, cmp.QuantityText(), cmp.FormulaText(), cmp.SharedDigits, tol)
}

// MaxEscalatedDigits bounds the working digits Check raises to.
const MaxEscalatedDigits = 240

// loose reports whether every comparison held and one of them only with a
// relative tolerance above 10^-(digits/2).
func loose(cmps []*Comparison, digits int) bool {
	limit := pow10Rad(-digits / 2)
	out := false
	for _, cmp := range cmps {
		if !cmp.Holds {
			return false
		}
		if !cmp.nearZero() && cmp.Relative.Cmp(limit) > 0 {
			out = true
		}
	}
	return out
}

// undecided reports whether err is an evaluation that the precision left
// undecided (undecidedAt).
func undecided(err error) bool {
	var ee *evalErr
	return errors.As(err, &ee) && ee.undecided
}

// verdictOf classifies an evaluation error: a numerical breakdown (the
// solver or an eigendecomposition failed) or an internal error is
// proofs.Error; a domain error, a solver that did not converge or an
// instance outside the hypotheses is proofs.Inconclusive.
func verdictOf(err error) proofs.Verdict {
	var ee *evalErr
	if errors.As(err, &ee) && !ee.broke {
		return proofs.Inconclusive
	}
	return proofs.Error
}
