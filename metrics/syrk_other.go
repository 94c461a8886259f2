//go:build !amd64 || purego

package metrics

var useSyrkAVX2 = false

func syrkTile(a, b []float64, rows int, c []float64, ldc int) {
	syrkTileGo(a, b, rows, c, ldc)
}
