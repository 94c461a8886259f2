package proofs

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/nrc-ufm/ufm/instance"
)

// Verdict is what a check concludes about one instance, or a run about a
// claim.
type Verdict string

const (
	Holds        Verdict = "holds"        // the claim holds on the instance (or every instance of a run)
	Fails        Verdict = "fails"        // the instance refutes the claim
	Inconclusive Verdict = "inconclusive" // the check could not decide (e.g. the solver did not converge)
	// Error: the check itself broke (a panic, an internal error, a
	// numerical breakdown it could not recover from). It is never a
	// verdict about the claim: a run with an Error trial reports Error,
	// whatever the other trials said.
	Error Verdict = "error"
)

// valid reports whether v is one of the four verdicts.
func (v Verdict) valid() bool {
	return v == Holds || v == Fails || v == Inconclusive || v == Error
}

// Outcome is the result of checking a claim on one instance.
type Outcome struct {
	Verdict Verdict
	// Reason is one sentence: what was checked and, on failure, what broke.
	Reason string
	// Residual is the worst residual of the quantities the check expects
	// to vanish, relative to their natural scale (documented per claim):
	// exactly 0 for exact identities that held, nil when the check has no
	// residual (a purely discrete decision).
	Residual *big.Float
	// Points counts the random points or sub-checks evaluated.
	Points int
	// Exact is true when every decision was made in exact rational
	// arithmetic.
	Exact bool
	// BoundLog10 is log10 of the probability that a false identity passed
	// all Points random points (Schwartz–Zippel); 0 when not applicable.
	BoundLog10 float64
}

// GenOptions steer a claim's instance generator.
type GenOptions struct {
	// Outside asks the generator to leave the claim's hypotheses on purpose
	// (for instance a zero λ, d < n, or a repeated eigenvalue), so that a
	// search shows which hypothesis the claim needs.
	Outside bool
}

// CheckConfig is the configuration of one check.
type CheckConfig struct {
	// Digits is the working accuracy (significant decimal digits) of
	// high-precision checks and of the solver.
	Digits int
	// Seed seeds the random points of exact identity checks and the
	// solver's random starts: a check is a deterministic function of the
	// instance and the config.
	Seed uint64
	// Points is the number of random points per identity check (default 3).
	Points int
	// SolverTime bounds each solver call (default 30 s).
	SolverTime time.Duration
}

func (c CheckConfig) withDefaults(claim *Claim) CheckConfig {
	if c.Digits <= 0 {
		c.Digits = claim.Digits
		if c.Digits <= 0 {
			c.Digits = 30
		}
	}
	if c.Points <= 0 {
		c.Points = 3
	}
	if c.SolverTime <= 0 {
		c.SolverTime = 30 * time.Second
	}
	return c
}

// Rand returns the check's random source, a deterministic function of Seed.
func (c CheckConfig) Rand() *rand.Rand {
	return rand.New(rand.NewPCG(c.Seed, 0x9e3779b97f4a7c15))
}

// Claim is one statement the tool can check and search counterexamples to.
//
// Generate draws an instance of the claim's hypotheses (or, with
// GenOptions.Outside, deliberately outside them); InHypotheses decides
// whether an instance satisfies the hypotheses; Check decides the claim on
// one instance. Check must be a deterministic function of its arguments and
// safe for concurrent use: the search runs trials in parallel and shrinks a
// failure by re-checking smaller instances with the same config.
type Claim struct {
	Name       string // lower-case words joined by '-', unique in a registry
	Source     string // paper section or "derived"
	Statement  string // the claim in one paragraph, docs/theory.md notation
	Hypotheses string // when the claim is supposed to hold
	Method     string // how Check decides, in a few words (table column)
	// Expect is the verdict the claim is registered with: Holds for a
	// theorem, Fails for a claim kept as a control (known to be false) or
	// stated more strongly than it holds. `ufm proofs` exits 0 when every
	// claim's verdict matches its Expect.
	Expect Verdict
	// Budget is the default number of search trials; Trials the default
	// number of `ufm proofs` trials; Digits the default working digits.
	Budget, Trials, Digits int

	Generate     func(rng *rand.Rand, opts GenOptions) *instance.Instance
	InHypotheses func(in *instance.Instance) (ok bool, why string)
	Check        func(in *instance.Instance, cfg CheckConfig) Outcome
}

var namePattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Hyp is one hypothesis for Hypotheses: Violated says whether in breaks it,
// Why names it.
type Hyp struct {
	Violated bool
	Why      string
}

// Hypotheses builds an InHypotheses result from a list of hypotheses: ok
// when none is violated, else the names of all violated ones joined by
// "; " (shrinking an outside counterexample keeps exactly this set).
func Hypotheses(hs ...Hyp) (bool, string) {
	var why []string
	for _, h := range hs {
		if h.Violated {
			why = append(why, h.Why)
		}
	}
	return len(why) == 0, strings.Join(why, "; ")
}

// Validate reports what is missing or malformed in c.
func (c *Claim) Validate() error {
	switch {
	case !namePattern.MatchString(c.Name):
		return fmt.Errorf("claim name %q: use lower-case words joined by '-'", c.Name)
	case c.Source == "" || c.Statement == "" || c.Hypotheses == "" || c.Method == "":
		return fmt.Errorf("claim %s: Source, Statement, Hypotheses and Method are all required", c.Name)
	case c.Generate == nil || c.Check == nil || c.InHypotheses == nil:
		return fmt.Errorf("claim %s: Generate, InHypotheses and Check are all required", c.Name)
	case c.Expect != Holds && c.Expect != Fails:
		return fmt.Errorf("claim %s: Expect must be Holds or Fails", c.Name)
	}
	return nil
}

// Registry is a set of claims by name. The zero value is not usable; use
// NewRegistry. A Registry is safe for concurrent use.
type Registry struct {
	mu     sync.RWMutex
	byName map[string]*Claim
	order  []*Claim // registration order
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{byName: map[string]*Claim{}} }

// ErrDuplicate is returned by Register for a name already taken.
var ErrDuplicate = errors.New("a claim of that name is already registered")

// Register adds c (a copy of it) after validating it, filling the default
// budgets (Budget 200, Trials 10, Digits 30) when they are zero.
func (r *Registry) Register(c Claim) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.Budget <= 0 {
		c.Budget = 200
	}
	if c.Trials <= 0 {
		c.Trials = 10
	}
	if c.Digits <= 0 {
		c.Digits = 30
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byName[c.Name]; ok {
		return fmt.Errorf("claim %s: %w", c.Name, ErrDuplicate)
	}
	r.byName[c.Name] = &c
	r.order = append(r.order, &c)
	return nil
}

// MustRegister is Register that panics on error (for package-level
// registration of built-in claims).
func (r *Registry) MustRegister(c Claim) {
	if err := r.Register(c); err != nil {
		panic(err)
	}
}

// Lookup returns the claim of that name.
func (r *Registry) Lookup(name string) (*Claim, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.byName[name]
	return c, ok
}

// Claims returns every claim in registration order.
func (r *Registry) Claims() []*Claim {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]*Claim(nil), r.order...)
}

// Names returns the names of Claims().
func (r *Registry) Names() []string {
	var out []string
	for _, c := range r.Claims() {
		out = append(out, c.Name)
	}
	return out
}

// CheckOne runs claim's check on in with cfg's defaults filled. A panic
// inside the check, or an outcome whose Verdict is not one of the four,
// becomes an Error outcome whose Reason says what happened: a bug in a
// check must neither crash a search of hours nor pass for a verdict. A nil
// claim or check, and an instance that fails instance.Validate (a custom
// generator's bug, or a hand-built instance), are Error outcomes too; the
// check never sees them.
func CheckOne(claim *Claim, in *instance.Instance, cfg CheckConfig) (out Outcome) {
	if claim == nil || claim.Check == nil {
		return Outcome{Verdict: Error, Reason: "no claim or no check to run"}
	}
	if err := in.Validate(); err != nil {
		return Outcome{Verdict: Error, Reason: "invalid instance: " + err.Error()}
	}
	cfg = cfg.withDefaults(claim)
	defer func() {
		if r := recover(); r != nil {
			out = Outcome{Verdict: Error, Reason: fmt.Sprintf("the check panicked: %v", r)}
		}
	}()
	out = claim.Check(in, cfg)
	if !out.Verdict.valid() {
		return Outcome{Verdict: Error, Reason: fmt.Sprintf("the check returned the unknown verdict %q (%s)", out.Verdict, out.Reason)}
	}
	return out
}
