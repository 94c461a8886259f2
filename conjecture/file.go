package conjecture

import (
	"bytes"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
)

// Conjecture is a parsed conjecture: for every instance of its family that
// satisfies Hypotheses (and, with ForAll, every index in its range),
// Quantity Relation Formula.
type Conjecture struct {
	File       string // file name for messages ("" when built in Go)
	Name       string
	Statement  string
	Expect     proofs.Verdict // Holds (default) or Fails: what the author expects
	Hypotheses string         // source text ("" for none)
	Quantity   string
	Relation   string // "==", "<=" or ">="
	Formula    string
	ForAll     string // source text of the forall clause ("" for none)
	Digits     int    // working digits (default 30)
	Budget     int    // default search trials (default 100)
	Family     Family
	// UsesSolver is true when the quantity or formula names a solver output.
	UsesSolver bool

	hyp, quantity, formula node
	forVar                 string
	forLo, forHi           node

	// fallbacks holds the instances Generate returned after maxDraws
	// draws without a member of the family meeting the hypotheses (keys
	// *instance.Instance) until Check takes them out: their trials are
	// inconclusive.
	fallbacks sync.Map
}

// Defaults of a conjecture file.
const (
	DefaultDigits = 30
	DefaultBudget = 100
	// MaxFileBytes bounds a conjecture file.
	MaxFileBytes = 1 << 20
)

var namePattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// keys of a conjecture file; exprKeys hold expressions.
var (
	topKeys    = []string{"name", "statement", "expect", "hypotheses", "quantity", "relation", "formula", "forall", "digits", "budget", "family"}
	familyKeys = []string{"n", "M", "d", "lambda", "lambda_h", "lambda_w", "lambda_b", "bias", "spectrum"}
)

// entry is one key of the file with its value segments.
type entry struct {
	key  string
	pos  Pos // of the key
	vpos Pos // of the value
	segs []segment
}

func (e *entry) text() string {
	var parts []string
	for _, s := range e.segs {
		if t := strings.TrimSpace(s.text); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " ")
}

// Parse reads a conjecture file. file names the file in error messages.
// Every error is an *Error with the line and column of the problem.
func Parse(file string, src []byte) (*Conjecture, error) {
	c, err := parse(bytes.TrimPrefix(src, []byte("\uFEFF"))) // a UTF-8 byte order mark is not part of the text

	if err != nil {
		if e, ok := err.(*Error); ok {
			e.File = file
		}
		return nil, err
	}
	c.File = file
	return c, nil
}

func parse(src []byte) (*Conjecture, error) {
	if len(src) > MaxFileBytes {
		return nil, errAt(Pos{1, 1}, "file too large (%d bytes, at most %d)", len(src), MaxFileBytes)
	}
	if !utf8.Valid(src) {
		return nil, errAt(firstInvalid(src), "the file is not valid UTF-8")
	}
	top, fam, end, err := split(src)
	if err != nil {
		return nil, err
	}
	c := &Conjecture{Relation: "==", Expect: proofs.Holds, Digits: DefaultDigits, Budget: DefaultBudget}
	for _, k := range []string{"name", "statement", "quantity", "formula"} {
		if top[k] == nil {
			return nil, errAt(end, "missing %q: a conjecture needs name, statement, quantity and formula (keys: %s)", k, strings.Join(topKeys, ", "))
		}
	}
	if err := c.setTexts(top); err != nil {
		return nil, err
	}
	if err := c.compile(top); err != nil {
		return nil, err
	}
	f, err := parseFamily(fam)
	if err != nil {
		return nil, err
	}
	c.Family = f
	return c, nil
}

func firstInvalid(src []byte) Pos {
	line, col := 1, 1
	for len(src) > 0 {
		r, n := utf8.DecodeRune(src)
		if r == utf8.RuneError && n <= 1 {
			break
		}
		if r == '\n' {
			line, col = line+1, 0
		}
		col++
		src = src[n:]
	}
	return Pos{line, col}
}

// split cuts the file into top-level entries and family entries.
func split(src []byte) (top, fam map[string]*entry, end Pos, err error) {
	top, fam = map[string]*entry{}, map[string]*entry{}
	var cur *entry
	inFamily := false
	lines := bytes.Split(src, []byte("\n"))
	for i, raw := range lines {
		line := strings.TrimSuffix(string(raw), "\r")
		ln := i + 1
		end = Pos{ln, utf8.RuneCountInString(line) + 1}
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		indent := utf8.RuneCountInString(line) - utf8.RuneCountInString(trimmed)
		if strings.ContainsRune(line[:len(line)-len(trimmed)], '\t') {
			return nil, nil, end, errAt(Pos{ln, 1}, "indent with spaces, not tabs")
		}
		if indent > 0 && inFamily && (cur == nil || cur.key == "family" || looksLikeKey(trimmed)) {
			e, err := keyLine(trimmed, Pos{ln, indent + 1}, familyKeys, "family key")
			if err != nil {
				return nil, nil, end, err
			}
			if prev := fam[e.key]; prev != nil {
				return nil, nil, end, errAt(e.pos, "family key %q given twice (first at %s)", e.key, prev.pos)
			}
			fam[e.key], cur = e, e
			continue
		}
		if indent > 0 {
			if cur == nil {
				return nil, nil, end, errAt(Pos{ln, indent + 1}, "indented line outside any key: expected 'key: value' at the start of the line")
			}
			if cur.key == "name" || cur.key == "expect" || cur.key == "relation" || cur.key == "digits" || cur.key == "budget" {
				return nil, nil, end, errAt(Pos{ln, indent + 1}, "%q takes a single-line value; expected a new key at the start of the line", cur.key)
			}
			cur.segs = append(cur.segs, segment{trimmed, Pos{ln, indent + 1}})
			continue
		}
		e, err := keyLine(line, Pos{ln, 1}, topKeys, "key")
		if err != nil {
			return nil, nil, end, err
		}
		if prev := top[e.key]; prev != nil {
			return nil, nil, end, errAt(e.pos, "key %q given twice (first at %s)", e.key, prev.pos)
		}
		top[e.key], cur = e, e
		inFamily = e.key == "family"
		if inFamily && e.text() != "" {
			return nil, nil, end, errAt(e.vpos, "family takes indented 'key: value' lines below it, not a value on its line")
		}
	}
	return top, fam, end, nil
}

var keyPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*\s*:`)

func looksLikeKey(s string) bool { return keyPattern.MatchString(s) }

// keyLine parses "key: value" starting at p.
func keyLine(s string, p Pos, known []string, what string) (*entry, error) {
	k, v, ok := strings.Cut(s, ":")
	key := strings.TrimSpace(k)
	if !ok || !looksLikeKey(s) {
		return nil, errAt(p, "expected '%s: value' (known: %s), found %q", what, strings.Join(known, ", "), firstWord(s))
	}
	found := false
	for _, kk := range known {
		found = found || kk == key
	}
	if !found {
		return nil, errAt(p, "unknown %s %q (known: %s)", what, key, strings.Join(known, ", "))
	}
	vcol := p.Col + utf8.RuneCountInString(k) + 1
	if t := strings.TrimLeft(v, " \t"); t != "" {
		vcol += utf8.RuneCountInString(v) - utf8.RuneCountInString(t)
	}
	vpos := Pos{p.Line, vcol}
	e := &entry{key: key, pos: p, vpos: vpos}
	e.segs = append(e.segs, segment{strings.TrimLeft(v, " \t"), vpos})
	return e, nil
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		if utf8.RuneCountInString(f[0]) > 20 {
			return string([]rune(f[0])[:20]) + "…"
		}
		return f[0]
	}
	return s
}

func (c *Conjecture) setTexts(top map[string]*entry) error {
	c.Name = top["name"].text()
	if !namePattern.MatchString(c.Name) {
		return errAt(top["name"].vpos, "name %q: use lower-case words joined by '-', e.g. training-mse-formula", c.Name)
	}
	c.Statement = top["statement"].text()
	if c.Statement == "" {
		return errAt(top["statement"].vpos, "statement is empty: say the conjecture in words")
	}
	if e := top["expect"]; e != nil {
		switch e.text() {
		case "holds":
			c.Expect = proofs.Holds
		case "fails":
			c.Expect = proofs.Fails
		default:
			return errAt(e.vpos, "expect must be holds or fails, found %q", e.text())
		}
	}
	if e := top["relation"]; e != nil {
		switch r := e.text(); r {
		case "==", "<=", ">=":
			c.Relation = r
		default:
			return errAt(e.vpos, "relation must be ==, <= or >=, found %q", r)
		}
	}
	var err error
	if c.Digits, err = intKey(top["digits"], c.Digits, 10, instance.MaxDigits); err != nil {
		return err
	}
	if c.Budget, err = intKey(top["budget"], c.Budget, 1, 1<<30); err != nil {
		return err
	}
	return nil
}

func intKey(e *entry, def, lo, hi int) (int, error) {
	if e == nil {
		return def, nil
	}
	v, err := strconv.Atoi(e.text())
	if err != nil || v < lo || v > hi {
		return 0, errAt(e.vpos, "%s must be a whole number between %d and %d, found %q", e.key, lo, hi, e.text())
	}
	return v, nil
}

// compile parses and checks the expressions.
func (c *Conjecture) compile(top map[string]*entry) error {
	ck := &checker{bound: map[string]bool{}}
	if e := top["forall"]; e != nil {
		if err := c.compileForAll(e, ck); err != nil {
			return err
		}
	}
	if e := top["hypotheses"]; e != nil {
		c.Hypotheses = e.text()
		hc := &checker{bound: map[string]bool{}, noSolver: "hypotheses may use instance quantities only (they select the instances before the solver runs)"}
		h, err := compileExpr(e, hc, tyBool)
		if err != nil {
			return err
		}
		c.hyp = h
	}
	var err error
	c.Quantity = top["quantity"].text()
	if c.quantity, err = compileExpr(top["quantity"], ck, tyNum); err != nil {
		return err
	}
	c.Formula = top["formula"].text()
	if c.formula, err = compileExpr(top["formula"], ck, tyNum); err != nil {
		return err
	}
	c.UsesSolver = ck.usesSolver
	return nil
}

func compileExpr(e *entry, ck *checker, want typ) (node, error) {
	n, err := parseExpr(e.segs)
	if err != nil {
		if pe, ok := err.(*Error); ok && strings.HasPrefix(pe.Msg, "expected an expression, found nothing") {
			pe.Pos, pe.Msg = e.vpos, fmt.Sprintf("%s is empty: expected an expression", e.key)
		}
		return nil, err
	}
	t, err := ck.check(n)
	if err != nil {
		return nil, err
	}
	if t != want {
		hint := ""
		if want == tyBool {
			hint = " (e.g. lambda_h > 0 && d >= n)"
		} else {
			hint = " (the relation goes in relation:, not in the expression)"
		}
		return nil, errAt(n.at(), "%s must be %s, but this is %s%s", e.key, want, t, hint)
	}
	return n, nil
}

// compileForAll parses "forall: i in LO..HI" and binds i for the quantity
// and the formula.
func (c *Conjecture) compileForAll(e *entry, ck *checker) error {
	c.ForAll = e.text()
	toks, err := lex(e.segs)
	if err != nil {
		return err
	}
	if len(toks) < 2 || toks[0].kind != tIdent || toks[1].kind != tIdent || toks[1].text != "in" {
		return errAt(toks[0].pos, "forall must read 'forall: i in 1..n', found %s", toks[0].describe())
	}
	dot := -1
	for i, t := range toks {
		if t.kind == tOp && t.text == ".." {
			dot = i
			break
		}
	}
	if dot < 0 {
		return errAt(toks[len(toks)-1].pos, "forall needs a range LO..HI, e.g. forall: i in 1..n")
	}
	if err := ck.bindable(toks[0].pos, toks[0].text); err != nil {
		return err
	}
	lo, err := subExpr(toks[2:dot], toks[dot].pos, "the lower bound of forall", ck)
	if err != nil {
		return err
	}
	hi, err := subExpr(toks[dot+1:], toks[len(toks)-1].pos, "the upper bound of forall", ck)
	if err != nil {
		return err
	}
	if l, ok := lo.(*numLit); ok {
		if h, ok := hi.(*numLit); ok && l.r.IsInt() && h.r.IsInt() {
			// Literal bounds: an empty or oversized range is a mistake
			// in the file, refused here rather than on every trial.
			count := new(big.Int).Sub(h.r.Num(), l.r.Num())
			if count.Sign() < 0 {
				return errAt(toks[dot].pos, "forall range %s..%s is empty", l.r.RatString(), h.r.RatString())
			}
			if count.Cmp(big.NewInt(MaxForallIndices-1)) > 0 {
				return errAt(toks[dot].pos, "forall range %s..%s has more than %d indices", l.r.RatString(), h.r.RatString(), MaxForallIndices)
			}
		}
	}
	c.forVar, c.forLo, c.forHi = toks[0].text, lo, hi
	ck.bound[c.forVar] = true
	return nil
}

// MaxForallIndices bounds the indices of one forall (each is a comparison
// kept for the report): a literal range beyond it is refused when the file
// is read, one whose bounds depend on the instance makes that trial
// inconclusive.
const MaxForallIndices = 100000

func subExpr(toks []token, end Pos, what string, ck *checker) (node, error) {
	if len(toks) == 0 || toks[0].kind == tEOF {
		return nil, errAt(end, "%s is missing", what)
	}
	if toks[len(toks)-1].kind != tEOF {
		toks = append(append([]token(nil), toks...), token{tEOF, "", end})
	}
	p := &parser{toks: toks}
	n, err := p.additive()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, errAt(t.pos, "expected the end of %s, found %s", what, t.describe())
	}
	return n, ck.want(n, tyNum, what)
}

// Spec is a conjecture written in Go: the same fields, in the same
// expression language, as a conjecture file. Hypotheses and ForAll may be
// empty; Relation defaults to "==", Expect to proofs.Holds, Digits to 30,
// Budget to 100, Family to the default family.
type Spec struct {
	Name, Statement             string
	Hypotheses, ForAll          string
	Quantity, Relation, Formula string
	Expect                      proofs.Verdict
	Digits, Budget              int
	Family                      Family
}

// New builds a conjecture from a Spec. It is parsed exactly as the
// equivalent file would be; positions in errors refer to the lines of
// that file (name: line 1, statement: 2, then the keys in the order of
// Spec that are set).
func New(s Spec) (*Conjecture, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nstatement: %s\n", s.Name, oneLine(s.Statement))
	for _, kv := range [][2]string{{"hypotheses", s.Hypotheses}, {"forall", s.ForAll}, {"quantity", s.Quantity}, {"relation", s.Relation}, {"formula", s.Formula}, {"expect", string(s.Expect)}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "%s: %s\n", kv[0], oneLine(kv[1]))
		}
	}
	if s.Digits != 0 {
		fmt.Fprintf(&b, "digits: %d\n", s.Digits)
	}
	if s.Budget != 0 {
		fmt.Fprintf(&b, "budget: %d\n", s.Budget)
	}
	c, err := Parse("", []byte(b.String()))
	if err != nil {
		return nil, err
	}
	c.Family = s.Family
	return c, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// ratRange parses "LO..HI" (rationals such as 1/10 or 1e-3) or a single value.
func ratRange(e *entry) (lo, hi *big.Rat, err error) {
	t := e.text()
	a, b, ok := strings.Cut(t, "..")
	if !ok {
		b = a
	}
	lo, ok1 := new(big.Rat).SetString(strings.TrimSpace(a))
	hi, ok2 := new(big.Rat).SetString(strings.TrimSpace(b))
	if !ok1 || !ok2 || len(t) > 100 {
		return nil, nil, errAt(e.vpos, "%s must be a range LO..HI of rationals (e.g. 1/100..10), found %q", e.key, t)
	}
	if lo.Sign() < 0 || lo.Cmp(hi) > 0 {
		return nil, nil, errAt(e.vpos, "%s range %q: need 0 ≤ LO ≤ HI", e.key, t)
	}
	return lo, hi, nil
}

// intRange parses "LO..HI" or a single whole number, within [min, max].
func intRange(e *entry, min, max int) (lo, hi int, err error) {
	t := e.text()
	a, b, ok := strings.Cut(t, "..")
	if !ok {
		b = a
	}
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || lo < min || hi > max || lo > hi {
		return 0, 0, errAt(e.vpos, "%s must be a range LO..HI of whole numbers with %d ≤ LO ≤ HI ≤ %d, found %q", e.key, min, max, t)
	}
	return lo, hi, nil
}
