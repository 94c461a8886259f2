//go:build amd64 && !purego

package metrics

import "golang.org/x/sys/cpu"

// useSyrkAVX2 selects the assembly tile kernel (AVX2 and FMA, with the
// operating system saving the YMM registers, as x/sys/cpu checks).
var useSyrkAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// syrkTileAVX2 is syrkTileGo in AVX2/FMA assembly (syrk_amd64.s). a and b
// must hold rows·syrkPanel values from their start (a's last row needs
// only 4), c four rows of syrkPanel values at stride ldc.
//
//go:noescape
func syrkTileAVX2(a, b *float64, rows int, c *float64, ldc int)

func syrkTile(a, b []float64, rows int, c []float64, ldc int) {
	if useSyrkAVX2 {
		// Bounds the assembly relies on, checked once per tile.
		_ = a[(rows-1)*syrkPanel+3]
		_ = b[rows*syrkPanel-1]
		_ = c[3*ldc+syrkPanel-1]
		syrkTileAVX2(&a[0], &b[0], rows, &c[0], ldc)
		return
	}
	syrkTileGo(a, b, rows, c, ldc)
}
