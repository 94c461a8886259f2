package metrics

import "math"

// Residuals of a block of rows against two orthonormal bases by the tile
// kernel of syrk.go (issue 15). For rows x_r (r < R) and basis rows b_c
// (c < p: the top principal directions, then the row space of W) it forms
// z = B·x_r for the whole block as one product, then x_r − B_sᵀ z_s for
// each of the two sets s as another, and the squared norms of the
// residuals: the residual itself is formed, never 1 − ‖Px‖²/‖x‖², so
// exact collapse still shows as ~1e-30. The level-1 loop it replaces did
// 2p dot products and AXPYs per row.

// projSafe bounds the row norms for which the residual's squared norm is
// summed directly (no overflow, no loss to underflow); a block with a
// norm outside [1/projSafe, projSafe] takes the level-1 path with the
// scaled norm instead.
const projSafe = 0x1p300

// projector holds the basis packed for the two products.
type projector struct {
	d, p int
	sets [2]projSet
	// bp: the p basis vectors in panels of syrkPanel vectors,
	// bp[q·d·syrkPanel + j·syrkPanel + c] = b_{q·syrkPanel+c}[j].
	bp []float64
}

// projSet is one basis (rows c0 … c1−1 of B) packed negated by panels of
// coordinates: neg[pj·K·syrkPanel + c·syrkPanel + jj] = −b_{c0+c}[pj·syrkPanel + jj].
type projSet struct {
	c0, c1 int
	neg    []float64
}

// newProjector packs the p×d row-major basis whose rows [0, k1) and
// [k1, p) are the two sets.
func newProjector(basis []float64, p, k1, d int) *projector {
	pp, dp := paddedDim(p), paddedDim(d)
	P := &projector{d: d, p: p, bp: make([]float64, pp*d)}
	packCentered(P.bp, transposed(basis, p, d), nil, nil, d, p)
	for s, lim := range [2][2]int{{0, k1}, {k1, p}} {
		K := lim[1] - lim[0]
		set := projSet{c0: lim[0], c1: lim[1], neg: make([]float64, K*dp)}
		for c := 0; c < K; c++ {
			for j, v := range basis[(lim[0]+c)*d : (lim[0]+c+1)*d] {
				set.neg[(j/syrkPanel)*K*syrkPanel+c*syrkPanel+j%syrkPanel] = -v
			}
		}
		P.sets[s] = set
	}
	return P
}

// transposed returns the c×r transpose of the r×c row-major a.
func transposed(a []float64, r, c int) []float64 {
	t := make([]float64, r*c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			t[j*r+i] = a[i*c+j]
		}
	}
	return t
}

// projScratch is one worker's buffers.
type projScratch struct {
	xt, zt, zp, rt, ss []float64
}

func grow(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// residualSquares sets out[s][r] (s = 0, 1; r < R) to ‖x_r − B_sᵀB_s x_r‖²
// for the R×d row-major block x; a set with no basis vectors is skipped.
func (P *projector) residualSquares(x []float64, R int, w *projScratch, out [2][]float64) {
	d, p := P.d, P.p
	Rp, pp, dp := paddedDim(R), paddedDim(p), paddedDim(d)
	ng := Rp / syrkPanel
	// xt: the block in panels of syrkPanel samples, [g][j][jj].
	w.xt = grow(w.xt, d*Rp)
	for r := 0; r < R; r++ {
		g, jj := r/syrkPanel, r%syrkPanel
		dst := w.xt[g*d*syrkPanel+jj:]
		for j, v := range x[r*d : (r+1)*d] {
			dst[j*syrkPanel] = v
		}
	}
	// zt[c][r] = b_c·x_r.
	w.zt = grow(w.zt, pp*Rp)
	for c0 := 0; c0 < p; c0 += 4 {
		a := P.bp[(c0/syrkPanel)*d*syrkPanel+c0%syrkPanel:]
		for g := 0; g < ng; g++ {
			syrkTile(a, w.xt[g*d*syrkPanel:(g+1)*d*syrkPanel], d, w.zt[c0*Rp+g*syrkPanel:], Rp)
		}
	}
	for s, set := range P.sets {
		K := set.c1 - set.c0
		if K == 0 {
			continue
		}
		// zp: this set's z in panels of samples, [g][c][jj].
		w.zp = grow(w.zp, K*Rp)
		for c := 0; c < K; c++ {
			row := w.zt[(set.c0+c)*Rp : (set.c0+c+1)*Rp]
			for r, v := range row {
				w.zp[(r/syrkPanel)*K*syrkPanel+c*syrkPanel+r%syrkPanel] = v
			}
		}
		// rt[j][r] = x_r[j] − Σ_c b_c[j]·z_c[r].
		// (from xt, syrkPanel samples at a time).
		w.rt = grow(w.rt, dp*Rp)
		for g := 0; g < ng; g++ {
			src := w.xt[g*d*syrkPanel : (g+1)*d*syrkPanel]
			for j := 0; j < d; j++ {
				copy(w.rt[j*Rp+g*syrkPanel:j*Rp+(g+1)*syrkPanel], src[j*syrkPanel:(j+1)*syrkPanel])
			}
		}
		for j0 := 0; j0 < d; j0 += 4 {
			a := set.neg[(j0/syrkPanel)*K*syrkPanel+j0%syrkPanel:]
			for g := 0; g < ng; g++ {
				syrkTile(a, w.zp[g*K*syrkPanel:(g+1)*K*syrkPanel], K, w.rt[j0*Rp+g*syrkPanel:], Rp)
			}
		}
		w.ss = grow(w.ss, Rp)
		for j := 0; j < d; j++ {
			for r, v := range w.rt[j*Rp : j*Rp+R] {
				w.ss[r] += v * v
			}
		}
		copy(out[s], w.ss[:R])
	}
}

// normsSafe reports whether every norm lies in [1/projSafe, projSafe]
// (or vanishes, for rows that are skipped anyway below tol).
func normsSafe(norms []float64, tol float64) bool {
	for _, v := range norms {
		if v > projSafe || v > tol && v < 1/projSafe || math.IsNaN(v) {
			return false
		}
	}
	return true
}
