package conjecture

import "fmt"

// checker resolves names and types in an expression tree.
type checker struct {
	bound      map[string]bool // variables bound by sum or forall
	noSolver   string          // when non-empty, solver names are refused with this explanation
	usesSolver bool
}

// check returns the type of n, or an error naming the position and the
// operand at fault.
func (c *checker) check(n node) (typ, error) {
	switch n := n.(type) {
	case *numLit:
		return tyNum, nil
	case *ident:
		return c.ident(n)
	case *unary:
		return c.unary(n)
	case *binary:
		return c.binary(n)
	case *sumNode:
		return c.sum(n)
	case *call:
		return c.call(n)
	}
	return tyNum, fmt.Errorf("conjecture: unknown node %T", n)
}

func (c *checker) ident(n *ident) (typ, error) {
	if c.bound[n.name] {
		n.bound = true
		return tyNum, nil
	}
	info, ok := names[n.name]
	if !ok || info.doc == "" {
		return tyNum, errAt(n.p, "unknown name %q; known names: %s", n.name, knownNames())
	}
	if info.args != 0 {
		return tyNum, errAt(n.p, "%s needs arguments: %s", n.name, info.doc)
	}
	return tyNum, c.solverName(n.p, n.name, info)
}

func (c *checker) solverName(p Pos, name string, info nameInfo) error {
	if info.side != sideSolver {
		return nil
	}
	if c.noSolver != "" {
		return errAt(p, "%s is a solver output; %s", name, c.noSolver)
	}
	c.usesSolver = true
	return nil
}

func (c *checker) want(n node, want typ, what string) error {
	t, err := c.check(n)
	if err != nil {
		return err
	}
	if t != want {
		return errAt(n.at(), "%s is %s, expected %s", what, t, want)
	}
	return nil
}

func (c *checker) unary(n *unary) (typ, error) {
	if n.op == "!" {
		return tyBool, c.want(n.x, tyBool, "the operand of '!'")
	}
	return tyNum, c.want(n.x, tyNum, "the operand of unary '-'")
}

func (c *checker) binary(n *binary) (typ, error) {
	switch n.op {
	case "&&", "||":
		if err := c.want(n.x, tyBool, fmt.Sprintf("the left operand of '%s'", n.op)); err != nil {
			return tyBool, err
		}
		return tyBool, c.want(n.y, tyBool, fmt.Sprintf("the right operand of '%s'", n.op))
	}
	if err := c.want(n.x, tyNum, fmt.Sprintf("the left operand of '%s'", n.op)); err != nil {
		return tyNum, err
	}
	if err := c.want(n.y, tyNum, fmt.Sprintf("the right operand of '%s'", n.op)); err != nil {
		return tyNum, err
	}
	if isComparison(n.op) {
		return tyBool, nil
	}
	return tyNum, nil
}

func (c *checker) sum(n *sumNode) (typ, error) {
	if err := c.bindable(n.p, n.v); err != nil {
		return tyNum, err
	}
	if err := c.want(n.lo, tyNum, "the lower bound of sum"); err != nil {
		return tyNum, err
	}
	if err := c.want(n.hi, tyNum, "the upper bound of sum"); err != nil {
		return tyNum, err
	}
	c.bound[n.v] = true
	defer delete(c.bound, n.v)
	return tyNum, c.want(n.body, tyNum, "the summand of sum")
}

// bindable reports whether v may name a new bound variable.
func (c *checker) bindable(p Pos, v string) error {
	if _, ok := names[v]; ok {
		return errAt(p, "%q is a predefined name and cannot be a summation index; use e.g. j or k", v)
	}
	if c.bound[v] {
		return errAt(p, "index %q is already bound by an enclosing sum or forall", v)
	}
	return nil
}

func (c *checker) call(n *call) (typ, error) {
	if c.bound[n.name] {
		return tyNum, errAt(n.p, "%s is a summation index, not a function", n.name)
	}
	info, ok := names[n.name]
	if !ok || info.doc == "" {
		return tyNum, errAt(n.p, "unknown function %q; known names: %s", n.name, knownNames())
	}
	switch {
	case info.args == 0:
		return tyNum, errAt(n.p, "%s takes no arguments (%s)", n.name, info.doc)
	case info.args < 0 && len(n.args) < 2:
		return tyNum, errAt(n.p, "%s takes two or more arguments, got %d", n.name, len(n.args))
	case info.args > 0 && len(n.args) != info.args:
		return tyNum, errAt(n.p, "%s takes %d argument(s), got %d: %s", n.name, info.args, len(n.args), info.doc)
	}
	if err := c.solverName(n.p, n.name, info); err != nil {
		return tyNum, err
	}
	for i, a := range n.args {
		want := tyNum
		if n.name == "if" && i == 0 {
			want = tyBool
		}
		if err := c.want(a, want, fmt.Sprintf("argument %d of %s", i+1, n.name)); err != nil {
			return tyNum, err
		}
	}
	return tyNum, nil
}
