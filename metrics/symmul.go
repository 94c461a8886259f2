package metrics

import (
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// packedSym is a symmetric d×d matrix packed once into panels of
// syrkPanel columns (the layout of packCentered), so that products C·X,
// which subspace iteration takes about a hundred times, run on the
// register-tile kernel of syrk.go: (C·X)[i][j] = Σ_r C[r][i]·X[r][j] is
// an inner product over r, the kernel's reduction, with C's column i
// (= row i) and X's column j. Each entry of the product is computed by
// one tile in a fixed order, so the result does not depend on the
// number of goroutines.
type packedSym struct {
	d, dp  int
	panels []float64
	// xp, out: scratch of mulTo, reused (mulTo is not safe for
	// concurrent use).
	xp, out []float64
}

func newPackedSym(C *mat.SymDense) *packedSym {
	d := C.SymmetricDim()
	dp := paddedDim(d)
	raw := C.RawSymmetric()
	full := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			v := raw.Data[i*raw.Stride+j]
			full[i*d+j], full[j*d+i] = v, v
		}
	}
	P := &packedSym{d: d, dp: dp, panels: make([]float64, d*dp)}
	packCentered(P.panels, full, nil, nil, d, d)
	return P
}

// mulTo sets dst (d×p) to C·X (X d×p).
func (P *packedSym) mulTo(dst, X *mat.Dense) {
	d, p := X.Dims()
	if r, c := dst.Dims(); d != P.d || r != d || c != p {
		panic("metrics: packedSym.mulTo: dimension mismatch")
	}
	pp := paddedDim(p)
	P.xp = grow(P.xp, d*pp)
	xp := P.xp
	raw := X.RawMatrix()
	for r := 0; r < d; r++ {
		for j := 0; j < p; j++ {
			xp[(j/syrkPanel)*d*syrkPanel+r*syrkPanel+j%syrkPanel] = raw.Data[r*raw.Stride+j]
		}
	}
	P.out = grow(P.out, P.dp*pp)
	out := P.out
	tiles := (d + 3) / 4
	workers := max(1, min(runtime.GOMAXPROCS(0), 4, tiles))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		t0, t1 := w*tiles/workers, (w+1)*tiles/workers
		wg.Go(func() { P.mulTiles(out, xp, pp, t0, t1) })
	}
	wg.Wait()
	for i := 0; i < d; i++ {
		copy(dst.RawRowView(i), out[i*pp:i*pp+p])
	}
}

// mulTiles computes the rows 4·t0 … 4·t1 − 1 of C·X into out (row stride
// pp) from the packed X (xp).
func (P *packedSym) mulTiles(out, xp []float64, pp, t0, t1 int) {
	d := P.d
	for t := t0; t < t1; t++ {
		i0 := 4 * t
		a := P.panels[(i0/syrkPanel)*d*syrkPanel+i0%syrkPanel:]
		for pj := 0; pj < pp/syrkPanel; pj++ {
			syrkTile(a, xp[pj*d*syrkPanel:(pj+1)*d*syrkPanel], d, out[i0*pp+pj*syrkPanel:], pp)
		}
	}
}
