package conjecture

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// typ is the type of an expression: a number or a condition.
type typ int

const (
	tyNum typ = iota
	tyBool
)

func (t typ) String() string {
	if t == tyBool {
		return "a condition"
	}
	return "a number"
}

// side says who supplies a name's value.
type side int

const (
	sideInstance side = iota // exact instance data or ufm's theory side (spectrum of Σ)
	sideSolver               // the independent solver's optimum
	sideFunc                 // a function of its arguments
)

// nameInfo describes a predefined name.
type nameInfo struct {
	args int // number of arguments; -1: two or more (min, max)
	side side
	doc  string
}

// names are the predefined names of the expression language.
var names = map[string]nameInfo{
	"n":         {0, sideInstance, "target dimension"},
	"d":         {0, sideInstance, "feature dimension"},
	"M":         {0, sideInstance, "number of samples"},
	"c":         {0, sideInstance, "λ_H·λ_W"},
	"lambda_h":  {0, sideInstance, "λ_H"},
	"lambda_w":  {0, sideInstance, "λ_W"},
	"lambda_b":  {0, sideInstance, "λ_b (0 unless bias is regularized)"},
	"trace":     {0, sideInstance, "tr Σ"},
	"norm_ybar": {0, sideInstance, "‖ȳ‖"},
	"sigma":     {1, sideInstance, "sigma(j): j-th eigenvalue of Σ, descending, j = 1…n"},
	"ybar":      {1, sideInstance, "ybar(i): i-th entry of the target mean ȳ"},
	"cov":       {2, sideInstance, "cov(i, j): entry (i, j) of Σ"},
	"y":         {2, sideInstance, "y(k, i): entry k of target sample i"},
	"v":         {2, sideInstance, "v(k, j): entry k of the unit eigenvector of sigma(j) (first clearly nonzero entry positive)"},
	"min_loss":  {0, sideSolver, "L at the solver's optimum"},
	"train_mse": {0, sideSolver, "(1/M) Σ_i ‖W h_i + b − y_i‖² at the solver's optimum"},
	"bias":      {1, sideSolver, "bias(i): entry i of the solver's b*"},
	"ww":        {2, sideSolver, "ww(i, j): entry (i, j) of W*W*ᵀ"},
	"predictions": {2, sideSolver,
		"predictions(k, i): entry k of the prediction for sample i"},
	"rank":   {0, sideSolver, "rank of W*W*ᵀ at the solver's optimum"},
	"nrc1":   {0, sideSolver, "NRC1 of the solver's W*, H*"},
	"nrc2":   {0, sideSolver, "NRC2 of the solver's W*, H*"},
	"nrc3":   {0, sideSolver, "NRC3 of the solver's W*, H*"},
	"sum":    {4, sideFunc, "sum(j, lo, hi, expr)"},
	"min":    {-1, sideFunc, "min(a, b, …)"},
	"max":    {-1, sideFunc, "max(a, b, …)"},
	"pos":    {1, sideFunc, "pos(x) = max(x, 0)"},
	"abs":    {1, sideFunc, "abs(x)"},
	"sqrt":   {1, sideFunc, "sqrt(x)"},
	"log":    {1, sideFunc, "log(x), natural"},
	"exp":    {1, sideFunc, "exp(x)"},
	"pow":    {2, sideFunc, "pow(x, y)"},
	"if":     {3, sideFunc, "if(condition, a, b)"},
	"forall": {0, sideFunc, ""}, // reserved (a file key)
}

// knownNames lists the predefined names for error messages.
func knownNames() string {
	var out []string
	for k, v := range names {
		if v.doc == "" {
			continue
		}
		if v.args != 0 {
			k += "(…)"
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// node is an expression tree node; pos is where it starts.
type node interface{ at() Pos }

type numLit struct {
	p Pos
	r *big.Rat
}

type ident struct {
	p     Pos
	name  string
	bound bool // a variable bound by sum or forall
}

type call struct {
	p    Pos
	name string
	args []node
}

type unary struct {
	p  Pos
	op string
	x  node
}

type binary struct {
	p    Pos
	op   string
	x, y node
}

type sumNode struct {
	p      Pos
	v      string
	lo, hi node
	body   node
}

func (n *numLit) at() Pos  { return n.p }
func (n *ident) at() Pos   { return n.p }
func (n *call) at() Pos    { return n.p }
func (n *unary) at() Pos   { return n.p }
func (n *binary) at() Pos  { return n.x.at() } // where the operand expression starts
func (n *sumNode) at() Pos { return n.p }

// maxDepth bounds the nesting of an expression.
const maxDepth = 200

type parser struct {
	toks  []token
	i     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isOp(s string) bool {
	t := p.peek()
	return t.kind == tOp && t.text == s
}

func (p *parser) expect(s, what string) (token, error) {
	t := p.peek()
	if t.kind != tOp || t.text != s {
		return t, errAt(t.pos, "expected %s, found %s", what, t.describe())
	}
	return p.next(), nil
}

// parseExpr parses a whole expression from the segments.
func parseExpr(segs []segment) (node, error) {
	toks, err := lex(segs)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tEOF {
		return nil, errAt(p.peek().pos, "expected an expression, found nothing")
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, errAt(t.pos, "expected an operator or the end of the expression, found %s", t.describe())
	}
	return n, nil
}

func (p *parser) binaryLevel(ops []string, sub func() (node, error)) (node, error) {
	x, err := sub()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		found := false
		for _, o := range ops {
			if t.kind == tOp && t.text == o {
				found = true
			}
		}
		if !found {
			return x, nil
		}
		p.next()
		y, err := sub()
		if err != nil {
			return nil, err
		}
		x = &binary{t.pos, t.text, x, y}
	}
}

func (p *parser) or() (node, error)  { return p.binaryLevel([]string{"||"}, p.and) }
func (p *parser) and() (node, error) { return p.binaryLevel([]string{"&&"}, p.not) }

func (p *parser) not() (node, error) {
	if p.isOp("!") {
		t := p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &unary{t.pos, "!", x}, nil
	}
	return p.comparison()
}

// comparison parses a single, non-chained comparison.
func (p *parser) comparison() (node, error) {
	x, err := p.additive()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind != tOp || !isComparison(t.text) {
		return x, nil
	}
	p.next()
	y, err := p.additive()
	if err != nil {
		return nil, err
	}
	if u := p.peek(); u.kind == tOp && isComparison(u.text) {
		return nil, errAt(u.pos, "comparisons do not chain: write a %s b && b %s c", t.text, u.text)
	}
	return &binary{t.pos, t.text, x, y}, nil
}

func isComparison(s string) bool {
	switch s {
	case "<", "<=", ">", ">=", "==", "!=":
		return true
	}
	return false
}

func (p *parser) additive() (node, error) { return p.binaryLevel([]string{"+", "-"}, p.term) }
func (p *parser) term() (node, error)     { return p.binaryLevel([]string{"*", "/"}, p.unaryMinus) }

func (p *parser) enter(at Pos) error {
	p.depth++
	if p.depth > maxDepth {
		return errAt(at, "expression nested too deeply (more than %d levels)", maxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) unaryMinus() (node, error) {
	if p.isOp("-") || p.isOp("+") {
		t := p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.unaryMinus()
		if err != nil {
			return nil, err
		}
		if t.text == "+" {
			return x, nil
		}
		return &unary{t.pos, "-", x}, nil
	}
	return p.power()
}

// power parses base ^ exponent, right-associative; -x^2 is -(x^2).
func (p *parser) power() (node, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	if !p.isOp("^") {
		return x, nil
	}
	t := p.next()
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	y, err := p.unaryMinus()
	if err != nil {
		return nil, err
	}
	return &binary{t.pos, "^", x, y}, nil
}

func (p *parser) primary() (node, error) {
	t := p.next()
	switch t.kind {
	case tNum:
		r, ok := new(big.Rat).SetString(t.text)
		if !ok {
			return nil, errAt(t.pos, "malformed number %q", t.text)
		}
		return &numLit{t.pos, r}, nil
	case tIdent:
		if !p.isOp("(") {
			return &ident{p: t.pos, name: t.text}, nil
		}
		return p.callArgs(t)
	case tOp:
		if t.text == "(" {
			if err := p.enter(t.pos); err != nil {
				return nil, err
			}
			defer p.leave()
			x, err := p.or()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect(")", "')' to close the '(' at "+t.pos.String()); err != nil {
				return nil, err
			}
			return x, nil
		}
	}
	return nil, errAt(t.pos, "expected a number, a name or '(', found %s", t.describe())
}

func (p *parser) callArgs(name token) (node, error) {
	open := p.next()
	if err := p.enter(open.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	c := &call{p: name.pos, name: name.text}
	if p.isOp(")") {
		p.next()
		return c, nil
	}
	for {
		a, err := p.or()
		if err != nil {
			return nil, err
		}
		c.args = append(c.args, a)
		if p.isOp(",") {
			p.next()
			continue
		}
		if _, err := p.expect(")", fmt.Sprintf("',' or ')' in the arguments of %s( at %s", name.text, open.pos)); err != nil {
			return nil, err
		}
		break
	}
	if c.name != "sum" {
		return c, nil
	}
	if len(c.args) != 4 {
		return nil, errAt(c.p, "sum takes 4 arguments, sum(j, lo, hi, expr), got %d", len(c.args))
	}
	v, ok := c.args[0].(*ident)
	if !ok {
		return nil, errAt(c.args[0].at(), "the first argument of sum must be the name of the summation index, e.g. sum(j, 1, n, sigma(j))")
	}
	return &sumNode{c.p, v.name, c.args[1], c.args[2], c.args[3]}, nil
}
