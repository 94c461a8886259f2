package metrics

// The covariance pass: C += XᵀX for blocks X of centered rows (issue 15).
//
// gonum's Dsyrk does a rank-1 update (an AXPY over the upper triangle)
// per row, so every row sweeps the whole d×d accumulator through memory:
// at d = 1024 that is memory-bound at about 4 GFLOP/s per core. Here a
// block of rows is first packed into panels of syrkPanel columns
// (P_p[r·syrkPanel + c] = X[r][syrkPanel·p + c], zero-padded past d), and
// each 4×syrkPanel tile of the upper triangle of C is accumulated in
// registers over all rows of the block before it is added to C once. On
// amd64 with AVX2 and FMA the tile kernel is assembly (syrk_amd64.s);
// elsewhere it is the Go loop syrkTileGo, which computes the same sums in
// the same order except that FMA rounds each product-add once.
//
// Accuracy is that of any inner-product accumulation: each entry of C
// receives one partial sum of at most blockRows products per block,
// summed in row order, then added to the running total; the error bound
// is that of Syrk's (d-independent) γ_M bound and in practice smaller, as
// the partial sums are short.

// syrkPanel is the number of columns in a packed panel and in a tile.
const syrkPanel = 12

// paddedDim returns d rounded up to a multiple of syrkPanel: the leading
// dimension of the accumulator syrkBlock updates.
func paddedDim(d int) int { return (d + syrkPanel - 1) / syrkPanel * syrkPanel }

// packCentered writes the rows×d row-major block x minus mean (nil: no
// shift) into panels (length rows·paddedDim(d)), and adds the column sums
// of the shifted block to dev (nil: not wanted).
func packCentered(panels, x, mean, dev []float64, rows, d int) {
	dp := paddedDim(d)
	clear(panels[:rows*dp])
	for r := 0; r < rows; r++ {
		row := x[r*d : (r+1)*d]
		for j, v := range row {
			if mean != nil {
				v -= mean[j]
			}
			p, c := j/syrkPanel, j%syrkPanel
			panels[p*rows*syrkPanel+r*syrkPanel+c] = v
			if dev != nil {
				dev[j] += v
			}
		}
	}
}

// syrkBlock adds the upper triangle (by 4×syrkPanel tiles; entries just
// below the diagonal in diagonal tiles are also written and must be
// ignored) of PᵀP to c, the dp×dp row-major accumulator (dp =
// paddedDim(d)), for the rows×dp packed block panels.
func syrkBlock(panels []float64, rows, d int, c []float64) {
	dp := paddedDim(d)
	if rows == 0 {
		return
	}
	np := dp / syrkPanel
	for pj := 0; pj < np; pj++ {
		b := panels[pj*rows*syrkPanel : (pj+1)*rows*syrkPanel]
		j0 := pj * syrkPanel
		// Tiles of 4 rows i0 ≤ j0 + syrkPanel − 1 (those meeting the
		// upper triangle of this panel's columns).
		for i0 := 0; i0 < j0+syrkPanel && i0 < d; i0 += 4 {
			pi, off := i0/syrkPanel, i0%syrkPanel
			a := panels[pi*rows*syrkPanel+off:]
			syrkTile(a, b, rows, c[i0*dp+j0:], dp)
		}
	}
}

// syrkTileGo is the portable tile kernel: for ii < 4 and jj < syrkPanel,
// c[ii·ldc + jj] += Σ_r a[r·syrkPanel + ii]·b[r·syrkPanel + jj].
func syrkTileGo(a, b []float64, rows int, c []float64, ldc int) {
	var acc [4][syrkPanel]float64
	for r := 0; r < rows; r++ {
		br := b[r*syrkPanel : (r+1)*syrkPanel]
		ar := a[r*syrkPanel : r*syrkPanel+4]
		for ii, av := range ar {
			for jj, bv := range br {
				acc[ii][jj] += av * bv
			}
		}
	}
	for ii := range acc {
		row := c[ii*ldc : ii*ldc+syrkPanel]
		for jj, v := range acc[ii] {
			row[jj] += v
		}
	}
}
