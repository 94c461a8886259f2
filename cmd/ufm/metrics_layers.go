package main

import (
	"fmt"
	"io"
	"math/big"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/metrics"
)

// Per-layer metrics (issue 13, docs/theory.md §6): with features of L
// layers, --features H_0,…,H_{L−1} (M×d_l each) and the weights of every
// layer above the first features, --weights W_1,…,W_L (W_l is d_l×d_{l−1},
// W_L has n rows), layer l is measured against the product of the weights
// above it, P_l = W_L⋯W_{l+1} (n×d_l), with the seed paper's NRC1–3.

// layersJSON is 'ufm metrics --json' with several layers.
type layersJSON struct {
	Layers []layerJSON `json:"layers"`
}

type layerJSON struct {
	Layer    int    `json:"layer"`    // l: features H_l, weights above W_L⋯W_{l+1}
	Features string `json:"features"` // the file
	metricsJSON
}

// splitList splits a comma-separated flag value into paths.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// runLayerMetrics is runMetrics with several layers.
func runLayerMetrics(hList, wList []string, yPath string, digits int, opt metrics.Options, asJSON bool, stdout, stderr io.Writer) int {
	if len(wList) != len(hList) {
		return fail(stderr, "metrics: %d feature files need %d weight files W_1 … W_%d (one per layer above the first features; the last has n rows), got %d", len(hList), len(hList), len(hList), len(wList))
	}
	var doc layersJSON
	for l := range hList {
		lj, shown, rep, err := oneLayer(l, hList[l], wList[l:], yPath, digits, opt)
		if err != nil {
			return fail(stderr, "metrics: layer %d: %v", l, err)
		}
		doc.Layers = append(doc.Layers, lj)
		if !asJSON {
			fmt.Fprintf(stdout, "=== layer %d: features %s against W_%d⋯W_%d ===\n", l, hList[l], len(hList), l+1)
			show := func(x any) string {
				if s, ok := x.(string); ok {
					return s // bounded text (float64Shown)
				}
				return fmt.Sprintf("%.6g", x)
			}
			if digits > 0 {
				show = func(x any) string {
					f, _, err := big.ParseFloat(x.(string), 10, 256, big.ToNearestEven)
					if err != nil {
						return x.(string)
					}
					return f.Text('g', 6)
				}
			}
			writeMetricsReport(stdout, rep, shown, show, digits)
			fmt.Fprintln(stdout)
		}
	}
	if asJSON {
		return writeJSON(stdout, stderr, doc)
	}
	return exitOK
}

// oneLayer computes layer l's metrics: features from hPath against the
// product of the weight files above (wAbove[0] = W_{l+1} … last = W_L).
func oneLayer(l int, hPath string, wAbove []string, yPath string, digits int, opt metrics.Options) (layerJSON, metricsJSON, metrics.Report, error) {
	out := layerJSON{Layer: l, Features: hPath}
	if digits > 0 {
		prec := bigmat.Bits(workDigits(digits))
		h, err := loadBig(hPath, prec, false)
		if err != nil {
			return out, metricsJSON{}, metrics.Report{}, err
		}
		y, err := loadExact(yPath, false)
		if err != nil {
			return out, metricsJSON{}, metrics.Report{}, err
		}
		var p *bigmat.Dense
		for _, wp := range wAbove {
			w, err := loadBig(wp, prec, true)
			if err != nil {
				return out, metricsJSON{}, metrics.Report{}, err
			}
			if p == nil {
				p = w
				continue
			}
			pr, _ := p.Dims()
			if _, c := w.Dims(); pr != c {
				return out, metricsJSON{}, metrics.Report{}, fmt.Errorf("%s has %d columns but the layer below has %d rows", wp, c, pr)
			}
			p = new(bigmat.Dense).Mul(w, p)
		}
		pExact, err := metrics.ExactFromDense(p, "weights")
		if err != nil {
			return out, metricsJSON{}, metrics.Report{}, err
		}
		r, err := metrics.ComputeBigExact(h, pExact, y, workDigits(digits), opt)
		if err != nil {
			return out, metricsJSON{}, metrics.Report{}, err
		}
		out.metricsJSON = newBigMetricsJSON(r, digits)
		return out, out.metricsJSON, r.Report, nil
	}
	h, err := loadArray(hPath, false)
	if err != nil {
		return out, metricsJSON{}, metrics.Report{}, err
	}
	y, err := loadArray(yPath, false)
	if err != nil {
		return out, metricsJSON{}, metrics.Report{}, err
	}
	var p *mat.Dense
	for _, wp := range wAbove {
		wm, err := loadArray(wp, true)
		if err != nil {
			return out, metricsJSON{}, metrics.Report{}, err
		}
		r, c := wm.Dims()
		w := mat.NewDense(r, c, nil)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				w.Set(i, j, wm.At(i, j))
			}
		}
		if p != nil {
			if pr, _ := p.Dims(); pr != c {
				return out, metricsJSON{}, metrics.Report{}, fmt.Errorf("%s has %d columns but the layer below has %d rows", wp, c, pr)
			}
			var q mat.Dense
			q.Mul(w, p)
			p = &q
		} else {
			p = w
		}
	}
	pr, pc := p.Dims()
	pm, err := metrics.NewMatrix(pr, pc, mat.DenseCopyOf(p).RawMatrix().Data)
	if err != nil {
		return out, metricsJSON{}, metrics.Report{}, err
	}
	r, err := metrics.Compute(h, pm, y, opt)
	if err != nil {
		return out, metricsJSON{}, metrics.Report{}, err
	}
	decimalIsotropy(r, yPath, !opt.Uncentered) // metrics_iso.go
	out.metricsJSON = newMetricsJSON(r.Report, nil)
	out.float64Values(r)
	return out, out.float64Shown(r), r.Report, nil
}
