package bigmat

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// FixedGuardBits is how many bits beyond the result's precision MulFixed
// keeps when it has to truncate an operand (plus half the bit length of the
// inner dimension); see MulFixed for the resulting error bound.
const FixedGuardBits = 18

// MulFixed sets z = a·b and returns z, like Mul, but computes each entry as
// a fixed-point dot product in integer arithmetic and rounds it once, about
// ten times faster than Mul at a few hundred bits. z may alias a or b; a
// non-empty z keeps its precision p, else p is a's precision.
//
// Row i of a is held as integers times 2^(e_i − 64·La) with 2^e_i above the
// row's largest magnitude, column j of b likewise with Lb words; the sum of
// the integer products is exact. When every row of a (column of b) spans at
// most 64·La (64·Lb) bits from its largest magnitude down to its lowest
// mantissa bit, with La, Lb ≤ ⌈(p + FixedGuardBits + ⌈log₂k⌉/2)/64⌉ and k
// the inner dimension, the operands are held exactly and every entry is the
// exact dot product correctly rounded to p bits. Otherwise an operand is
// truncated at that many words, and entry (i, j) is within
//
//	2^-p·|(a·b)_ij| + 2^-(p+14)·‖a_i‖₂·‖b_j‖₂
//
// of the exact product (a_i row i of a, b_j column j of b): for k ≥ 2 never
// more than the k·2^-p·‖a_i‖₂·‖b_j‖₂ that bounds a floating-point dot
// product. Operands with infinite entries, and words narrower than 64 bits,
// fall back to Mul.
//
// The rows of the result are shared out among GOMAXPROCS goroutines; each
// entry is computed the same way whatever the split, so the result does
// not depend on it.
func (z *Dense) MulFixed(a, b *Dense) *Dense {
	return z.mulFixed(a, b, false)
}

// MulFixedSym is MulFixed for a product that is symmetric in exact
// arithmetic (a = bᵀ, or a = bᵀ·D with D diagonal, or XᵀAX with A
// symmetric): it computes the entries on and above the diagonal, each as
// MulFixed would, and mirrors them, at about half the cost.
func (z *Dense) MulFixedSym(a, b *Dense) *Dense {
	if a.rows != b.cols {
		panic(fmt.Sprintf("bigmat: MulFixedSym of %d×%d by %d×%d is not square", a.rows, a.cols, b.rows, b.cols))
	}
	return z.mulFixed(a, b, true)
}

func (z *Dense) mulFixed(a, b *Dense, sym bool) *Dense {
	if a.cols != b.rows {
		panic(fmt.Sprintf("bigmat: MulFixed of %d×%d by %d×%d", a.rows, a.cols, b.rows, b.cols))
	}
	prec := a.prec
	if z.data != nil {
		prec = z.prec
	}
	k := a.cols
	maxLimbs := (int(prec) + FixedGuardBits + (bits.Len(uint(k))+1)/2 + 63) / 64
	fa, okA := toFixedRows(a, maxLimbs)
	fb, okB := toFixed(b, maxLimbs, true) // the columns of b
	if bits.UintSize != 64 || !okA || !okB {
		return z.Mul(a, b)
	}
	out := mulFixedRows(fa, fb, a.rows, b.cols, prec, sym)
	z.reuseAs(out.rows, out.cols, prec)
	z.data = out.data
	return z
}

// parallelWordProducts is the number of 64-bit word products (r·c·k·la·lb
// for an r×k by k×c product of la- and lb-word operands) per goroutine
// below which mulFixedRows stays on one goroutine: a few milliseconds of
// work. Splitting smaller products cost more CPU than it saved wall time
// on the 2-core benchmark machine (verify at n = 32, 50 digits: 1.5–1.65 s
// of CPU with two goroutines per 32×32×32 product against 1.1–1.3 s on
// one, the same wall time).
const parallelWordProducts = 1 << 21

// mulFixedRows returns the r×c matrix of the dot products of the rows of
// fa with the rows of fb, each rounded once to prec bits (from the
// diagonal on, mirrored, when sym). fa and fb are not modified.
func mulFixedRows(fa, fb *fixedRows, r, c int, prec uint, sym bool) *Dense {
	if fa.ints != nil || fb.ints != nil {
		fa, fb = fa.withInts(), fb.withInts()
	}
	out := New(r, c, prec)
	var wg *winograd
	if useWinograd(fa, fb) {
		wg = newWinograd(fa, fb)
	}
	workers := min(runtime.GOMAXPROCS(0), r, max(1, r*c*fa.cols*fa.limbs*fb.limbs/parallelWordProducts))
	if workers == 1 {
		acc := newFixedAcc(fa.limbs + fb.limbs)
		acc.wg = wg
		for i := 0; i < r; i++ {
			acc.row(out, fa, fb, i, sym)
		}
		return out
	}
	var next atomic.Int64
	var done sync.WaitGroup
	for range workers {
		done.Add(1)
		go func() {
			defer done.Done()
			acc := newFixedAcc(fa.limbs + fb.limbs)
			acc.wg = wg
			for i := int(next.Add(1) - 1); i < r; i = int(next.Add(1) - 1) {
				acc.row(out, fa, fb, i, sym)
			}
		}()
	}
	done.Wait()
	return out
}

// row computes row i of out = fa·fbᵀ (from the diagonal on, mirrored, when
// sym).
func (acc *fixedAcc) row(out *Dense, fa, fb *fixedRows, i int, sym bool) {
	if fa.zero[i] {
		return
	}
	k, c := fa.cols, out.cols
	j0 := 0
	if sym {
		j0 = i
	}
	for j := j0; j < c; j++ {
		if fb.zero[j] {
			continue
		}
		switch {
		case acc.wg != nil:
			acc.dotWinograd(fa, fb, i, j)
		case fa.ints != nil:
			acc.dotBig(fa, fb, i, j)
		default:
			acc.reset()
			acc.dot(fa.row(i), fa.sign[i*k:(i+1)*k], fa.limbs, fb.row(j), fb.sign[j*k:(j+1)*k], fb.limbs)
			acc.value(&acc.val)
		}
		e := &out.data[i*c+j]
		e.SetInt(&acc.val)
		e.SetMantExp(e, fa.exp[i]+fb.exp[j])
		if sym && j != i {
			out.data[j*c+i].Set(e)
		}
	}
}

// fixedRows holds the rows of a matrix in fixed point: entry (i, l) is
// (−1)^sign·(limbs, little-endian)·2^exp[i].
type fixedRows struct {
	cols  int
	limbs int
	words []uint64 // rows × cols × limbs
	sign  []uint8  // rows × cols, 1 for negative
	exp   []int
	zero  []bool // the row is all zeros
	// ints holds the same numbers as signed big.Ints (rows × cols) when
	// limbs exceed bigLimbs; words and sign are then not filled.
	ints []big.Int
}

// bigLimbs is the operand width (in words) above which the dot products
// use big.Int multiplication (assembly, Karatsuba from 40 words) instead
// of the word-by-word kernel.
const bigLimbs = 8

func (f *fixedRows) row(i int) []uint64 {
	n := f.cols * f.limbs
	return f.words[i*n : (i+1)*n]
}

// toFixedRows converts m row by row with the fewest words (at most
// maxLimbs) that hold every row exactly, truncating when maxLimbs do not
// suffice; false when m has an infinite entry.
func toFixedRows(m *Dense, maxLimbs int) (*fixedRows, bool) {
	return toFixed(m, maxLimbs, false)
}

// toFixed is toFixedRows of m, or of mᵀ (without forming it) when trans.
func toFixed(m *Dense, maxLimbs int, trans bool) (*fixedRows, bool) {
	r, c := m.rows, m.cols
	at := func(i, j int) *big.Float { return &m.data[i*m.cols+j] }
	if trans {
		r, c = c, r
		at = func(i, j int) *big.Float { return &m.data[j*m.cols+i] }
	}
	f := &fixedRows{cols: c, exp: make([]int, r), zero: make([]bool, r), sign: make([]uint8, r*c)}
	top := make([]int, r)
	span := 0
	for i := 0; i < r; i++ {
		hi, lo := math.MinInt, math.MaxInt
		for j := 0; j < c; j++ {
			x := at(i, j)
			if x.IsInf() {
				return nil, false
			}
			if x.Sign() == 0 {
				continue
			}
			e := x.MantExp(nil)
			hi = max(hi, e)
			lo = min(lo, e-int(x.MinPrec()))
		}
		if hi == math.MinInt {
			f.zero[i] = true
			continue
		}
		top[i] = hi
		span = max(span, hi-lo)
	}
	f.limbs = min(max((span+63)/64, 1), maxLimbs)
	if f.limbs > bigLimbs {
		f.ints = make([]big.Int, r*c)
	} else {
		f.words = make([]uint64, r*c*f.limbs)
	}
	var t big.Float
	var n big.Int
	for i := 0; i < r; i++ {
		if f.zero[i] {
			continue
		}
		f.exp[i] = top[i] - 64*f.limbs
		for j := 0; j < c; j++ {
			x := at(i, j)
			if x.Sign() == 0 {
				continue
			}
			if x.Sign() < 0 {
				f.sign[i*c+j] = 1
			}
			t.SetPrec(x.Prec()).SetMantExp(x, -f.exp[i])
			if f.ints != nil {
				t.Int(&f.ints[i*c+j]) // truncates toward zero
				continue
			}
			t.Int(&n)
			w := f.words[(i*c+j)*f.limbs : (i*c+j+1)*f.limbs]
			for l, word := range n.Bits() {
				w[l] = uint64(word)
			}
		}
	}
	return f, true
}

// fixedAcc accumulates a signed sum of products of fixed-point numbers in
// two unsigned multi-word integers (little-endian), one for the positive and
// one for the negative products, so that the inner loop never branches on
// signs. Two words beyond the widest product absorb the carries of up to
// 2^64 products.
type fixedAcc struct {
	acc    [2][]uint64
	words  [2][]big.Word
	pos    big.Int
	neg    big.Int
	val    big.Int
	s1, s2 big.Int
	wg     *winograd // set: dot products by dotWinograd
}

func newFixedAcc(cols int) *fixedAcc {
	a := &fixedAcc{}
	for s := range a.acc {
		a.acc[s] = make([]uint64, cols+2)
		a.words[s] = make([]big.Word, cols+2)
	}
	return a
}

func (a *fixedAcc) reset() {
	clear(a.acc[0])
	clear(a.acc[1])
}

// dot adds Σ_l x_l·y_l, x_l and y_l fixed-point numbers of la and lb words
// with signs sx[l], sy[l]. The inner loop runs over the longer operand.
func (a *fixedAcc) dot(x []uint64, sx []uint8, la int, y []uint64, sy []uint8, lb int) {
	if la > lb {
		x, sx, la, y, sy, lb = y, sy, lb, x, sx, la
	}
	for l := range sx {
		acc := a.acc[(sx[l]^sy[l])&1]
		xl := x[l*la : l*la+la]
		yl := y[l*lb : l*lb+lb]
		for u, xu := range xl {
			if xu == 0 {
				continue
			}
			var carry uint64
			switch lb {
			case 2:
				carry = mulAdd2((*[2]uint64)(acc[u:u+2]), (*[2]uint64)(yl), xu)
			case 3:
				carry = mulAdd3((*[3]uint64)(acc[u:u+3]), (*[3]uint64)(yl), xu)
			case 4:
				carry = mulAdd4((*[4]uint64)(acc[u:u+4]), (*[4]uint64)(yl), xu)
			case 5:
				carry = mulAdd5((*[5]uint64)(acc[u:u+5]), (*[5]uint64)(yl), xu)
			case 6:
				carry = mulAdd6((*[6]uint64)(acc[u:u+6]), (*[6]uint64)(yl), xu)
			case 7:
				carry = mulAdd7((*[7]uint64)(acc[u:u+7]), (*[7]uint64)(yl), xu)
			case 8:
				carry = mulAdd8((*[8]uint64)(acc[u:u+8]), (*[8]uint64)(yl), xu)
			default:
				carry = mulAddWords(acc[u:u+lb], yl, xu)
			}
			for p := u + lb; carry != 0; p++ {
				acc[p], carry = bits.Add64(acc[p], carry, 0)
			}
		}
	}
}

// mulAdd4 is mulAddWords for 4 words.
func mulAdd4(z, y *[4]uint64, w uint64) uint64 {
	var c1, c2 uint64
	h0, l0 := bits.Mul64(w, y[0])
	z[0], c1 = bits.Add64(z[0], l0, 0)
	h1, l1 := bits.Mul64(w, y[1])
	l1, c2 = bits.Add64(l1, h0, c1)
	z[1], c1 = bits.Add64(z[1], l1, 0)
	h1 += c2
	h2, l2 := bits.Mul64(w, y[2])
	l2, c2 = bits.Add64(l2, h1, c1)
	z[2], c1 = bits.Add64(z[2], l2, 0)
	h2 += c2
	h3, l3 := bits.Mul64(w, y[3])
	l3, c2 = bits.Add64(l3, h2, c1)
	z[3], c1 = bits.Add64(z[3], l3, 0)
	return h3 + c2 + c1
}

// mulAdd5 is mulAddWords for 5 words.
func mulAdd5(z, y *[5]uint64, w uint64) uint64 {
	var c1, c2 uint64
	h0, l0 := bits.Mul64(w, y[0])
	z[0], c1 = bits.Add64(z[0], l0, 0)
	h1, l1 := bits.Mul64(w, y[1])
	l1, c2 = bits.Add64(l1, h0, c1)
	z[1], c1 = bits.Add64(z[1], l1, 0)
	h1 += c2
	h2, l2 := bits.Mul64(w, y[2])
	l2, c2 = bits.Add64(l2, h1, c1)
	z[2], c1 = bits.Add64(z[2], l2, 0)
	h2 += c2
	h3, l3 := bits.Mul64(w, y[3])
	l3, c2 = bits.Add64(l3, h2, c1)
	z[3], c1 = bits.Add64(z[3], l3, 0)
	h3 += c2
	h4, l4 := bits.Mul64(w, y[4])
	l4, c2 = bits.Add64(l4, h3, c1)
	z[4], c1 = bits.Add64(z[4], l4, 0)
	return h4 + c2 + c1
}

// mulAdd2 is mulAddWords for 2 words.
func mulAdd2(z, y *[2]uint64, w uint64) uint64 {
	var c1, c2 uint64
	h0, l0 := bits.Mul64(w, y[0])
	z[0], c1 = bits.Add64(z[0], l0, 0)
	h1, l1 := bits.Mul64(w, y[1])
	l1, c2 = bits.Add64(l1, h0, c1)
	z[1], c1 = bits.Add64(z[1], l1, 0)
	return h1 + c2 + c1
}

// mulAdd3 is mulAddWords for 3 words.
func mulAdd3(z, y *[3]uint64, w uint64) uint64 {
	var c1, c2 uint64
	h0, l0 := bits.Mul64(w, y[0])
	z[0], c1 = bits.Add64(z[0], l0, 0)
	h1, l1 := bits.Mul64(w, y[1])
	l1, c2 = bits.Add64(l1, h0, c1)
	z[1], c1 = bits.Add64(z[1], l1, 0)
	h1 += c2
	h2, l2 := bits.Mul64(w, y[2])
	l2, c2 = bits.Add64(l2, h1, c1)
	z[2], c1 = bits.Add64(z[2], l2, 0)
	return h2 + c2 + c1
}

// mulAdd6 is mulAddWords for 6 words.
func mulAdd6(z, y *[6]uint64, w uint64) uint64 {
	var c1, c2 uint64
	h0, l0 := bits.Mul64(w, y[0])
	z[0], c1 = bits.Add64(z[0], l0, 0)
	h1, l1 := bits.Mul64(w, y[1])
	l1, c2 = bits.Add64(l1, h0, c1)
	z[1], c1 = bits.Add64(z[1], l1, 0)
	h1 += c2
	h2, l2 := bits.Mul64(w, y[2])
	l2, c2 = bits.Add64(l2, h1, c1)
	z[2], c1 = bits.Add64(z[2], l2, 0)
	h2 += c2
	h3, l3 := bits.Mul64(w, y[3])
	l3, c2 = bits.Add64(l3, h2, c1)
	z[3], c1 = bits.Add64(z[3], l3, 0)
	h3 += c2
	h4, l4 := bits.Mul64(w, y[4])
	l4, c2 = bits.Add64(l4, h3, c1)
	z[4], c1 = bits.Add64(z[4], l4, 0)
	h4 += c2
	h5, l5 := bits.Mul64(w, y[5])
	l5, c2 = bits.Add64(l5, h4, c1)
	z[5], c1 = bits.Add64(z[5], l5, 0)
	return h5 + c2 + c1
}

// mulAdd7 is mulAddWords for 7 words.
func mulAdd7(z, y *[7]uint64, w uint64) uint64 {
	var c1, c2 uint64
	h0, l0 := bits.Mul64(w, y[0])
	z[0], c1 = bits.Add64(z[0], l0, 0)
	h1, l1 := bits.Mul64(w, y[1])
	l1, c2 = bits.Add64(l1, h0, c1)
	z[1], c1 = bits.Add64(z[1], l1, 0)
	h1 += c2
	h2, l2 := bits.Mul64(w, y[2])
	l2, c2 = bits.Add64(l2, h1, c1)
	z[2], c1 = bits.Add64(z[2], l2, 0)
	h2 += c2
	h3, l3 := bits.Mul64(w, y[3])
	l3, c2 = bits.Add64(l3, h2, c1)
	z[3], c1 = bits.Add64(z[3], l3, 0)
	h3 += c2
	h4, l4 := bits.Mul64(w, y[4])
	l4, c2 = bits.Add64(l4, h3, c1)
	z[4], c1 = bits.Add64(z[4], l4, 0)
	h4 += c2
	h5, l5 := bits.Mul64(w, y[5])
	l5, c2 = bits.Add64(l5, h4, c1)
	z[5], c1 = bits.Add64(z[5], l5, 0)
	h5 += c2
	h6, l6 := bits.Mul64(w, y[6])
	l6, c2 = bits.Add64(l6, h5, c1)
	z[6], c1 = bits.Add64(z[6], l6, 0)
	return h6 + c2 + c1
}

// mulAdd8 is mulAddWords for 8 words.
func mulAdd8(z, y *[8]uint64, w uint64) uint64 {
	var c1, c2 uint64
	h0, l0 := bits.Mul64(w, y[0])
	z[0], c1 = bits.Add64(z[0], l0, 0)
	h1, l1 := bits.Mul64(w, y[1])
	l1, c2 = bits.Add64(l1, h0, c1)
	z[1], c1 = bits.Add64(z[1], l1, 0)
	h1 += c2
	h2, l2 := bits.Mul64(w, y[2])
	l2, c2 = bits.Add64(l2, h1, c1)
	z[2], c1 = bits.Add64(z[2], l2, 0)
	h2 += c2
	h3, l3 := bits.Mul64(w, y[3])
	l3, c2 = bits.Add64(l3, h2, c1)
	z[3], c1 = bits.Add64(z[3], l3, 0)
	h3 += c2
	h4, l4 := bits.Mul64(w, y[4])
	l4, c2 = bits.Add64(l4, h3, c1)
	z[4], c1 = bits.Add64(z[4], l4, 0)
	h4 += c2
	h5, l5 := bits.Mul64(w, y[5])
	l5, c2 = bits.Add64(l5, h4, c1)
	z[5], c1 = bits.Add64(z[5], l5, 0)
	h5 += c2
	h6, l6 := bits.Mul64(w, y[6])
	l6, c2 = bits.Add64(l6, h5, c1)
	z[6], c1 = bits.Add64(z[6], l6, 0)
	h6 += c2
	h7, l7 := bits.Mul64(w, y[7])
	l7, c2 = bits.Add64(l7, h6, c1)
	z[7], c1 = bits.Add64(z[7], l7, 0)
	return h7 + c2 + c1
}

// mulAddWords adds y·w to z (len(z) = len(y)) and returns the carry out.
func mulAddWords(z, y []uint64, w uint64) uint64 {
	z = z[:len(y)]
	var carry uint64
	for v, yv := range y {
		ph, pl := bits.Mul64(w, yv)
		var c1, c2 uint64
		pl, c1 = bits.Add64(pl, carry, 0)
		z[v], c2 = bits.Add64(z[v], pl, 0)
		carry = ph + c1 + c2
	}
	return carry
}

// dotBig sets acc.val to the dot product of row i of fa and row j of fb
// with big.Int arithmetic (either may be held in words).
func (acc *fixedAcc) dotBig(fa, fb *fixedRows, i, j int) {
	k := fa.cols
	acc.val.SetInt64(0)
	x, y := fa.ints[i*k:(i+1)*k], fb.ints[j*k:(j+1)*k]
	for l := range x {
		if x[l].Sign() == 0 || y[l].Sign() == 0 {
			continue
		}
		acc.pos.Mul(&x[l], &y[l])
		acc.val.Add(&acc.val, &acc.pos)
	}
}

// withInts returns f if f.ints is set, else a copy of f with ints set from
// the words and signs (f is not modified: prepared operands are shared).
func (f *fixedRows) withInts() *fixedRows {
	if f.ints != nil {
		return f
	}
	g := *f
	g.fillInts()
	return &g
}

// fillInts sets f.ints from the words and signs, if not already set.
func (f *fixedRows) fillInts() {
	if f.ints != nil {
		return
	}
	f.ints = make([]big.Int, len(f.sign))
	for e := range f.ints {
		w := f.words[e*f.limbs : (e+1)*f.limbs]
		ws := make([]big.Word, len(w))
		for i, x := range w {
			ws[i] = big.Word(x)
		}
		f.ints[e].SetBits(ws)
		if f.sign[e] != 0 {
			f.ints[e].Neg(&f.ints[e])
		}
	}
}

// value sets v to the accumulated sum (positive minus negative).
func (a *fixedAcc) value(v *big.Int) {
	for s, n := range []*big.Int{&a.pos, &a.neg} {
		w := a.words[s]
		for p, x := range a.acc[s] {
			w[p] = big.Word(x)
		}
		n.SetBits(w) // shares w until the next call
	}
	v.Sub(&a.pos, &a.neg)
}

// Winograd's inner product (S. Winograd, "A new algorithm for inner
// product", IEEE Trans. Computers C-17, 1968): for integer vectors x, y of
// even length,
//
//	Σ_l x_l y_l = Σ_l (x_2l + y_2l+1)(x_2l+1 + y_2l) − ξ(x) − ξ(y),
//	ξ(v) = Σ_l v_2l v_2l+1,
//
// exactly. In a matrix product ξ is computed once per row of a and column
// of b, so each entry costs k/2 multiplications instead of k, of operands
// one bit longer. The dot products stay exact integers: the result is the
// same as dotBig's to the last bit. It pays where multiplications dominate
// additions, with operands of similar width (winogradMinLimbs).
type winograd struct {
	xa, xb []big.Int // ξ of each row of fa and of fb
}

// winogradMinLimbs: Winograd's form is used when both operands are held in
// big.Ints (above bigLimbs) of at least this many words and neither is
// more than a third wider than the other.
const winogradMinLimbs = 12

func useWinograd(fa, fb *fixedRows) bool {
	lo, hi := min(fa.limbs, fb.limbs), max(fa.limbs, fb.limbs)
	return fa.ints != nil && fb.ints != nil && fa.cols >= 2 && lo >= winogradMinLimbs && 3*hi <= 4*lo
}

func newWinograd(fa, fb *fixedRows) *winograd {
	return &winograd{xa: fa.xis(), xb: fb.xis()}
}

// xis returns ξ of every row of f (which holds ints).
func (f *fixedRows) xis() []big.Int {
	k := f.cols
	out := make([]big.Int, len(f.exp))
	var t big.Int
	for i := range out {
		if f.zero[i] {
			continue
		}
		x := f.ints[i*k : (i+1)*k]
		for l := 0; l+1 < k; l += 2 {
			out[i].Add(&out[i], t.Mul(&x[l], &x[l+1]))
		}
	}
	return out
}

// dotWinograd sets acc.val to the dot product of row i of fa and row j of
// fb by Winograd's form (acc.wg holds ξ).
func (acc *fixedAcc) dotWinograd(fa, fb *fixedRows, i, j int) {
	k := fa.cols
	x, y := fa.ints[i*k:(i+1)*k], fb.ints[j*k:(j+1)*k]
	v := &acc.val
	v.Add(&acc.wg.xa[i], &acc.wg.xb[j])
	v.Neg(v)
	for l := 0; l+1 < k; l += 2 {
		acc.s1.Add(&x[l], &y[l+1])
		acc.s2.Add(&x[l+1], &y[l])
		v.Add(v, acc.pos.Mul(&acc.s1, &acc.s2))
	}
	if k%2 == 1 {
		v.Add(v, acc.pos.Mul(&x[k-1], &y[k-1]))
	}
}
