package bigmat_test

import (
	"fmt"
	"math/big"

	"github.com/nrc-ufm/ufm/bigmat"
)

// The eigenvalues of [[1,1],[1,0]] are the golden ratio φ = (1+√5)/2 and
// 1−φ = (1−√5)/2. At 40 requested digits both agree with the closed form far
// beyond the 40th digit.
func Example_symEigen() {
	prec := bigmat.Bits(40)
	a := bigmat.FromFloat64(2, 2, prec, []float64{1, 1, 1, 0})
	var e bigmat.SymEigen
	if err := e.Factorize(a); err != nil {
		panic(err)
	}
	five := new(big.Float).SetPrec(prec).SetInt64(5)
	sqrt5 := new(big.Float).SetPrec(prec).Sqrt(five)
	phi := new(big.Float).SetPrec(prec).SetInt64(1)
	phi.Add(phi, sqrt5).Quo(phi, big.NewFloat(2))

	tol := new(big.Float).SetMantExp(big.NewFloat(1), -int(prec)+8)
	diff := new(big.Float).Sub(e.Values[0], phi)
	fmt.Println("φ  =", e.Values[0].Text('f', 40))
	fmt.Println("|λ₁ − (1+√5)/2| ≤ 2^(−prec+8):", diff.Abs(diff).Cmp(tol) <= 0)
	fmt.Println("1−φ =", e.Values[1].Text('f', 40))
	// Output:
	// φ  = 1.6180339887498948482045868343656381177203
	// |λ₁ − (1+√5)/2| ≤ 2^(−prec+8): true
	// 1−φ = -0.6180339887498948482045868343656381177203
}

// Eigenvectors of [[2,1],[1,2]] are (1,1)/√2 for 3 and (1,−1)/√2 for 1,
// up to sign. The signs below are those the Jacobi rotation produces.
func ExampleSymEigen_Factorize() {
	prec := bigmat.Bits(30)
	a := bigmat.FromFloat64(2, 2, prec, []float64{2, 1, 1, 2})
	var e bigmat.SymEigen
	if err := e.Factorize(a); err != nil {
		panic(err)
	}
	for j, l := range e.Values {
		fmt.Printf("λ=%s v=(%s, %s)\n", l.Text('f', 20),
			e.Vectors.At(0, j).Text('f', 20), e.Vectors.At(1, j).Text('f', 20))
	}
	// Output:
	// λ=3.00000000000000000000 v=(0.70710678118654752440, 0.70710678118654752440)
	// λ=1.00000000000000000000 v=(0.70710678118654752440, -0.70710678118654752440)
}

// A spectral function: exp of a symmetric matrix. For [[0,1],[1,0]] the
// result is [[cosh 1, sinh 1],[sinh 1, cosh 1]].
func ExampleSymEigen_SpectralFunction() {
	prec := bigmat.Bits(25)
	a := bigmat.FromFloat64(2, 2, prec, []float64{0, 1, 1, 0})
	var e bigmat.SymEigen
	if err := e.Factorize(a); err != nil {
		panic(err)
	}
	// exp by its Taylor series, enough terms for |λ| = 1 at this precision.
	exp := func(l *big.Float) *big.Float {
		sum := new(big.Float).SetPrec(prec).SetInt64(1)
		term := new(big.Float).SetPrec(prec).SetInt64(1)
		for k := int64(1); k < 80; k++ {
			term.Mul(term, l)
			term.Quo(term, new(big.Float).SetInt64(k))
			sum.Add(sum, term)
		}
		return sum
	}
	m := e.SpectralFunction(exp)
	fmt.Println(m.At(0, 0).Text('f', 25), m.At(0, 1).Text('f', 25))
	fmt.Println(m.At(1, 0).Text('f', 25), m.At(1, 1).Text('f', 25))
	// Output:
	// 1.5430806348152437784779056 1.1752011936438014568823819
	// 1.1752011936438014568823819 1.5430806348152437784779056
}

// The PSD square root of the rank-one matrix [[1,2],[2,4]] = v vᵀ with
// v = (1,2) is v vᵀ/‖v‖ = [[1,2],[2,4]]/√5.
func ExampleSqrtPSD() {
	prec := bigmat.Bits(30)
	a := bigmat.FromFloat64(2, 2, prec, []float64{1, 2, 2, 4})
	s, err := bigmat.SqrtPSD(a)
	if err != nil {
		panic(err)
	}
	for i := 0; i < 2; i++ {
		fmt.Println(s.At(i, 0).Text('f', 25), s.At(i, 1).Text('f', 25))
	}
	// Output:
	// 0.4472135954999579392818347 0.8944271909999158785636695
	// 0.8944271909999158785636695 1.7888543819998317571273389
}

// Solving a symmetric positive definite system and its determinant.
func ExampleCholesky() {
	prec := bigmat.Bits(30)
	a := bigmat.FromFloat64(3, 3, prec, []float64{4, 2, -2, 2, 10, 1, -2, 1, 6})
	b := bigmat.FromFloat64(3, 1, prec, []float64{1, 0, 0})
	var ch bigmat.Cholesky
	if err := ch.Factorize(a); err != nil {
		panic(err)
	}
	x := ch.SolveTo(new(bigmat.Dense), b)
	fmt.Println("det =", ch.Det().Text('f', 20))
	for i := 0; i < 3; i++ {
		fmt.Println(x.At(i, 0).Text('f', 20))
	}
	// det = 4·(60−1) − 2·(12+2) − 2·(2+20) = 164; x = first column of A⁻¹.
	// Output:
	// det = 164.00000000000000000000
	// 0.35975609756097560976
	// -0.08536585365853658537
	// 0.13414634146341463415
}

// Inverse of a matrix that needs a row exchange.
func ExampleInverse() {
	prec := bigmat.Bits(20)
	a := bigmat.FromFloat64(2, 2, prec, []float64{0, 2, 4, 0})
	inv, err := bigmat.Inverse(a)
	if err != nil {
		panic(err)
	}
	fmt.Print(inv)
	_, err = bigmat.Inverse(bigmat.FromFloat64(2, 2, prec, []float64{1, 2, 2, 4}))
	fmt.Println(err)
	// Output:
	// [0 0.25]
	// [0.5 0]
	// bigmat: matrix is singular
}

func ExampleBits() {
	fmt.Println(bigmat.Bits(50), bigmat.Bits(100), bigmat.Bits(300))
	// Output: 220 386 1050
}
