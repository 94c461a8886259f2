package sweep

import (
	"math"
	"time"

	"github.com/nrc-ufm/ufm/solver"
)

func solverSettings() solver.Settings { return solver.Settings{TimeLimit: 60 * time.Second} }

func pow(x, y float64) float64 { return math.Pow(x, y) }
