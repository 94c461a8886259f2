package theory

import "math"

func mathLog2(x float64) float64 { return math.Log2(x) }
