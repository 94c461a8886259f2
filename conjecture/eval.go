package conjecture

import (
	"fmt"
	"math/big"

	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/solver"
)

// num evaluates a number-typed expression, and refuses a value that left
// the range of the evaluation (checkRange).
func (e *env) num(n node) (value, error) {
	v, err := e.numNode(n)
	if err != nil {
		return value{}, err
	}
	if err := checkRange(n.at(), v); err != nil {
		return value{}, err
	}
	return v, nil
}

// numNode evaluates one node of a number-typed expression.
func (e *env) numNode(n node) (value, error) {
	switch n := n.(type) {
	case *numLit:
		return e.fromRat(n.r), nil
	case *ident:
		if n.bound {
			return e.fromRat(e.vars[n.name]), nil
		}
		if names[n.name].side == sideSolver {
			return e.solverName(n.p, n.name, nil)
		}
		return e.instanceName(n.name), nil
	case *unary:
		x, err := e.num(n.x)
		if err != nil {
			return value{}, err
		}
		return e.neg(x), nil
	case *binary:
		return e.arithmetic(n)
	case *sumNode:
		return e.sum(n)
	case *call:
		return e.call(n)
	}
	return value{}, fmt.Errorf("conjecture: %T is not a number", n)
}

func (e *env) arithmetic(n *binary) (value, error) {
	x, err := e.num(n.x)
	if err != nil {
		return value{}, err
	}
	y, err := e.num(n.y)
	if err != nil {
		return value{}, err
	}
	switch n.op {
	case "+":
		return e.add(x, y), nil
	case "-":
		return e.sub(x, y), nil
	case "*":
		return e.mul(x, y), nil
	case "/":
		return e.div(n.p, x, y)
	case "^":
		return e.pow(n.p, x, y)
	}
	return value{}, fmt.Errorf("conjecture: unknown operator %q", n.op)
}

// index evaluates an argument that must be a whole number.
func (e *env) index(n node, what string) (int, error) {
	v, err := e.num(n)
	if err != nil {
		return 0, err
	}
	k, ok := smallInt(v)
	switch {
	case !ok && v.exact != nil && v.exact.IsInt():
		// QA session 24: "must be a whole number, got 1000000000000".
		return 0, failAt(n.at(), "%s must lie within ±(2^31 − 1), got %s", what, e.text(v))
	case !ok:
		return 0, failAt(n.at(), "%s must be a whole number, got %s", what, e.text(v))
	}
	return k, nil
}

func (e *env) sum(n *sumNode) (value, error) {
	lo, err := e.index(n.lo, "the lower bound of sum")
	if err != nil {
		return value{}, err
	}
	hi, err := e.index(n.hi, "the upper bound of sum")
	if err != nil {
		return value{}, err
	}
	acc := e.fromInt(0)
	for j := lo; j <= hi; j++ {
		e.steps++
		if e.steps > maxSumSteps {
			return value{}, failAt(n.p, "more than %d summands in one evaluation", maxSumSteps)
		}
		e.vars[n.v] = new(big.Rat).SetInt64(int64(j))
		t, err := e.num(n.body)
		if err != nil {
			delete(e.vars, n.v)
			return value{}, err
		}
		acc = e.add(acc, t)
	}
	delete(e.vars, n.v)
	return acc, nil
}

func (e *env) call(n *call) (value, error) {
	info := names[n.name]
	if info.side == sideSolver {
		return e.solverName(n.p, n.name, n.args)
	}
	if n.name == "if" {
		c, err := e.cond(n.args[0])
		if err != nil {
			return value{}, err
		}
		if c {
			return e.num(n.args[1])
		}
		return e.num(n.args[2])
	}
	if info.side == sideInstance {
		return e.instanceCall(n)
	}
	args := make([]value, len(n.args))
	for i, a := range n.args {
		v, err := e.num(a)
		if err != nil {
			return value{}, err
		}
		args[i] = v
	}
	switch n.name {
	case "min", "max":
		out := args[0]
		for _, v := range args[1:] {
			out = e.minmax(out, v, n.name == "max")
		}
		return out, nil
	case "pos":
		return e.minmax(args[0], e.fromInt(0), true), nil
	case "abs":
		return e.abs(args[0]), nil
	case "sqrt":
		return e.sqrt(n.p, args[0])
	case "log":
		return e.log(n.p, args[0])
	case "exp":
		return e.exp(n.p, args[0])
	case "pow":
		return e.pow(n.p, args[0], args[1])
	}
	return value{}, fmt.Errorf("conjecture: unknown function %q", n.name)
}

// indices evaluates the whole-number arguments of an indexed quantity and
// checks them against their ranges.
func (e *env) indices(n *call, bounds ...int) ([]int, error) {
	out := make([]int, len(n.args))
	for i, a := range n.args {
		k, err := e.index(a, fmt.Sprintf("argument %d of %s", i+1, n.name))
		if err != nil {
			return nil, err
		}
		if k < 1 || k > bounds[i] {
			return nil, failAt(a.at(), "argument %d of %s is %d, outside 1…%d", i+1, n.name, k, bounds[i])
		}
		out[i] = k - 1
	}
	return out, nil
}

func (e *env) instanceCall(n *call) (value, error) {
	nn := e.in.N()
	switch n.name {
	case "sigma":
		k, err := e.indices(n, nn)
		if err != nil {
			return value{}, err
		}
		return e.sigma(n.p, k[0]+1)
	case "ybar":
		k, err := e.indices(n, nn)
		if err != nil {
			return value{}, err
		}
		return e.fromRat(e.in.Mean()[k[0]]), nil
	}
	if n.name == "y" {
		k, err := e.indices(n, nn, e.in.M())
		if err != nil {
			return value{}, err
		}
		return e.fromRat(e.in.Targets[k[1]][k[0]]), nil
	}
	k, err := e.indices(n, nn, nn) // cov or v
	if err != nil {
		return value{}, err
	}
	if n.name == "v" {
		return e.eigvec(n.p, k[0]+1, k[1]+1)
	}
	return e.fromRat(e.sigmaMatrix()[k[0]][k[1]]), nil
}

func (e *env) solverName(p Pos, name string, args []node) (value, error) {
	s, err := e.solve(p, name)
	if err != nil {
		return value{}, err
	}
	if s.res.Stop == solver.StopNotAPoint && !determinedOnSet(name, e.in) {
		// λ_H = λ_W = 0: the minimizers form a set and the solver returns
		// one of them. Only what every minimizer shares is a value of the
		// optimum (QA session 22: rank == 2 HELD on an instance whose
		// minimizers have rank 1 and rank 2).
		return value{}, failAt(p, "%s is not a value of the optimum: with λ_H = λ_W = 0 the minimizers form a set and the solver's is one of them (only min_loss, train_mse, and bias with bias none, are shared by all)", name)
	}
	if s.deepTie && name != "min_loss" {
		return value{}, failAt(p, "%s is not a value of the optimum: a mode of this deep instance sits exactly at its threshold, so the global minimizers share L* but not %s (theory.Prediction.DeepAlternatives)", name, name)
	}
	res := s.res
	c := &call{p: p, name: name, args: args}
	n, m := e.in.N(), e.in.M()
	switch name {
	case "min_loss":
		return e.inexact(e.newF().Set(res.MinLoss), s.lossR), nil
	case "train_mse":
		return s.mse, nil
	case "rank":
		if s.rankOK != nil {
			return value{}, s.rankOK
		}
		return e.fromInt(s.rank), nil
	case "bias":
		k, err := e.indices(c, n)
		if err != nil {
			return value{}, err
		}
		return e.inexact(e.newF().Set(res.B[k[0]]), s.biasR), nil
	case "ww":
		k, err := e.indices(c, n, n)
		if err != nil {
			return value{}, err
		}
		return e.inexact(e.newF().Set(res.WW.At(k[0], k[1])), s.wwR), nil
	case "predictions":
		k, err := e.indices(c, n, m)
		if err != nil {
			return value{}, err
		}
		return e.inexact(e.newF().Set(res.Predictions.At(k[0], k[1])), s.predR), nil
	}
	return e.nrc(p, name, s)
}

// determinedOnSet reports whether the solver name has one value on the
// whole set of minimizers when λ_H = λ_W = 0: L* and the training MSE
// (2L*), and the bias when it is fixed at 0 (bias none).
func determinedOnSet(name string, in *instance.Instance) bool {
	switch name {
	case "min_loss", "train_mse":
		return true
	case "bias":
		return in.Bias == instance.BiasNone
	}
	return false
}

// nrc returns NRC1–3 with radius 10^-(digits − Margin): the metrics are
// computed from W*, H* that are themselves trusted to that many digits.
func (e *env) nrc(p Pos, name string, s *solverSide) (value, error) {
	r, err := e.nrcs(s)
	if err != nil {
		return value{}, brokeAt(p, "%s: %v", name, err)
	}
	v := map[string]*big.Float{"nrc1": r.NRC1, "nrc2": r.NRC2, "nrc3": r.NRC3}[name]
	if v == nil {
		return value{}, failAt(p, "%s is undefined for the solver's optimum (the features collapsed to a point, or Σ is degenerate)", name)
	}
	return e.inexact(e.newF().Set(v), s.unit), nil
}

// cond evaluates a condition. Comparisons of two exact rationals, and of
// sigma(j) with an exact rational, are decided exactly; two balls that do
// not overlap are decided by their order. Two balls that overlap decide
// nothing: the condition is undecided at this precision and the trial
// inconclusive (an undecided error, which Check retries at more digits).
// QA session 22: counting overlap as equality made if(sigma(2) − c > 0,
// 1, 0) worth 0 with σ_2 − c = 10⁻⁵⁰, reported as an exact counterexample
// to a tautology.
func (e *env) cond(n node) (bool, error) {
	switch n := n.(type) {
	case *unary:
		c, err := e.cond(n.x)
		return !c, err
	case *binary:
		switch n.op {
		case "&&", "||":
			return e.logical(n)
		}
		x, err := e.num(n.x)
		if err != nil {
			return false, err
		}
		y, err := e.num(n.y)
		if err != nil {
			return false, err
		}
		sign, decided := e.compare(x, y)
		if !decided {
			return false, undecidedAt(n.p, "the condition's two sides, %s and %s, are within their tolerance of each other: %s is not decided at this precision", e.text(x), e.text(y), n.op)
		}
		return holdsRel(n.op, sign), nil
	}
	return false, fmt.Errorf("conjecture: %T is not a condition", n)
}

// logical evaluates a && b and a || b. An undecided left side does not
// decide the whole when the right side does (false && _ is false, true ||
// _ is true); any other error of either side is the result.
func (e *env) logical(n *binary) (bool, error) {
	or := n.op == "||"
	x, err := e.cond(n.x)
	switch {
	case err == nil && x == or:
		return x, nil // decided by the left side
	case err == nil:
		return e.cond(n.y)
	case !undecided(err):
		return false, err
	}
	y, errY := e.cond(n.y)
	if errY == nil && y == or {
		return y, nil // decided by the right side whatever the left
	}
	return false, err
}

// compare returns the sign of x − y and whether it is decided: always for
// two exact rationals and for sigma(j) against an exact rational (by
// inertia); for two balls when they do not overlap. Overlapping balls give
// (0, false): equal within the tolerance, which is not equality.
func (e *env) compare(x, y value) (int, bool) {
	switch {
	case x.exact != nil && y.exact != nil:
		return x.exact.Cmp(y.exact), true
	case x.sigma > 0 && y.exact != nil:
		return e.compareSigma(x.sigma, y.exact), true
	case y.sigma > 0 && x.exact != nil:
		return -e.compareSigma(y.sigma, x.exact), true
	}
	d := e.newF().Sub(x.mid, y.mid)
	r := newRad().Add(x.rad, y.rad)
	r.Add(r, e.ulp(d))
	if absRad(d).Cmp(r) <= 0 {
		return 0, false
	}
	return d.Sign(), true
}

func holdsRel(op string, sign int) bool {
	switch op {
	case "<":
		return sign < 0
	case "<=":
		return sign <= 0
	case ">":
		return sign > 0
	case ">=":
		return sign >= 0
	case "==":
		return sign == 0
	}
	return sign != 0 // !=
}

// minmax returns the smaller (max false) or the larger of x and y. When
// compare decides the order, the result is that operand itself (with its
// exactness); when the balls overlap it is the ball around the smaller
// (larger) mid with the larger radius, since |min(a, b) − min(a', b')| ≤
// max(|a − a'|, |b − b'|).
func (e *env) minmax(x, y value, max bool) value {
	sign, _ := e.compare(x, y) // overlap: sign 0, handled below
	switch {
	case sign < 0 && !max || sign > 0 && max:
		return x
	case sign != 0:
		return y
	case x.exact != nil && y.exact != nil:
		return x
	}
	pick := x
	if c := x.mid.Cmp(y.mid); (c < 0) == max {
		pick = y
	}
	r := x.rad
	if y.rad.Cmp(r) > 0 {
		r = y.rad
	}
	return value{mid: pick.mid, rad: r}
}
