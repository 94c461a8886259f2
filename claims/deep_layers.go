package claims

import (
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/metrics"
	"github.com/nrc-ufm/ufm/proofs"
	"github.com/nrc-ufm/ufm/solver"
	"github.com/nrc-ufm/ufm/theory"
)

// Collapse below the last layer (docs/theory.md §6.4): at the deep optimum,
// the features of layer l, H_l = W_l⋯W_1 H (H_0 = H), against the product
// of the weights above, P_l = W_{K−1}⋯W_{l+1}, computed with metrics.

// layerNRC is NRC1–3 of one layer.
type layerNRC struct {
	l                int
	nrc1, nrc2, nrc3 *big.Float // nil when undefined
	collapsed        bool       // every feature vector vanished
}

// deepLayerMetrics computes NRC1–3 for l = 0 … K−2 at the solver's point
// with metrics.ComputeBig at the given digits.
func deepLayerMetrics(in *instance.Instance, res *solver.Result, digits int) ([]layerNRC, error) {
	ws := res.Deep.Layers
	prec := res.Prec
	w0 := res.Deep.Widths[0]
	h := res.H.Slice(0, w0, 0, in.M())
	y := bigmat.New(in.M(), in.N(), prec)
	for i, row := range in.Targets {
		for k, v := range row {
			y.At(i, k).SetRat(v)
		}
	}
	opt := metrics.Options{Uncentered: in.Bias == instance.BiasNone}
	var out []layerNRC
	feat := h.Clone()
	for l := 0; l < len(ws); l++ {
		if l > 0 {
			feat = new(bigmat.Dense).Mul(ws[l-1], feat)
		}
		above := ws[len(ws)-1].Clone()
		for m := len(ws) - 2; m >= l; m-- {
			above = new(bigmat.Dense).Mul(above, ws[m])
		}
		r, err := metrics.ComputeBig(new(bigmat.Dense).T(feat), above, y, digits, opt)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", l, err)
		}
		out = append(out, layerNRC{l: l, nrc1: r.NRC1, nrc2: r.NRC2, nrc3: r.NRC3, collapsed: r.FeaturesCollapsed})
	}
	return out, nil
}

func deepLayerCollapseClaim() proofs.Claim {
	return proofs.Claim{
		Name:   "deep-layer-collapse",
		Source: "derived (docs/theory.md §6.4; Deep NRC, Rangamani & Unal 2026, in the seed paper's metric definitions)",
		Statement: "At a global minimizer of the deep UFM (K ≥ 3, all λ > 0), NRC1 = NRC2 = 0 at every layer: the features H_l = W_l⋯W_1H (l = 0 … K−2) lie in the " +
			"row space of the product of the weights above, P_l = W_{K−1}⋯W_{l+1}, which has dimension ≤ n. Checked with metrics (big floats) at the solver's point when it ends in a " +
			"global basin; NRC3 of each layer is reported, not claimed (see deep-nrc3-every-layer).",
		Hypotheses: "K ≥ 3, all λ > 0, bias free or none, at least one mode on",
		Method:     "solver point + metrics per layer",
		Expect:     proofs.Holds, Budget: 100, Trials: 8, Digits: 30,
		Generate:     deepGenerator("deep-layer-collapse", "deep-layer-collapse-outside", deepFamily{KMin: 3, KMax: 4, Mean: true}),
		InHypotheses: func(in *instance.Instance) (bool, string) { return deepHyps(in, 3) },
		Check: func(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
			return checkDeepLayers(in, cfg, false)
		},
	}
}

func deepNRC3Claim() proofs.Claim {
	return proofs.Claim{
		Name:   "deep-nrc3-every-layer",
		Source: "derived (docs/theory.md §6.4) — a control, expected false",
		Statement: "In the full regime (all n modes on, where for K = 2 NRC3(c) = 0), NRC3 (the seed paper's form, WWᵀ ∝ Σ^{1/2} − √γ I for some γ ∈ [0, σ_min]) vanishes at every layer " +
			"of a global minimizer of the deep UFM, with W the product of the weights above the layer. Expected to FAIL for K ≥ 3 (n = 3): the product Gram has eigenvalues " +
			"∝ s_j^{2(K−1−l)/K}, not affine in √σ_j. Refuted when a layer's NRC3, computed to the working digits, exceeds 10^-(digits/2).",
		Hypotheses: "K ≥ 3, all λ > 0, bias free or none, all n modes on",
		Method:     "solver point + metrics per layer",
		Expect:     proofs.Fails, Budget: 100, Trials: 8, Digits: 30,
		Generate: deepGenerator("deep-nrc3-every-layer", "deep-nrc3-outside", deepFamily{KMin: 3, KMax: 4, Full: true}),
		InHypotheses: func(in *instance.Instance) (bool, string) {
			ok, why := deepHyps(in, 3)
			if ok && deepActive(in) < in.N() {
				return false, "not the full regime (some mode is off)"
			}
			return ok, why
		},
		Check: func(in *instance.Instance, cfg proofs.CheckConfig) proofs.Outcome {
			return checkDeepLayers(in, cfg, true)
		},
	}
}

// checkDeepLayers decides deep-layer-collapse (nrc3 false) or
// deep-nrc3-every-layer (nrc3 true) at the solver's point.
func checkDeepLayers(in *instance.Instance, cfg proofs.CheckConfig, nrc3 bool) proofs.Outcome {
	if ok, why := deepHyps(in, 3); !ok {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "outside the hypotheses: " + why}
	}
	p, err := theory.Predict(in, cfg.Digits)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: err.Error()}
	}
	if p.Rank == 0 {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "no mode is on: every layer's features vanish at the optimum"}
	}
	if nrc3 && p.Rank < in.N() {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: fmt.Sprintf("not the full regime (%d of %d modes on): NRC3 need not vanish even for K = 2", p.Rank, in.N())}
	}
	res, err := solver.Solve(in, solverSettings(cfg))
	if err != nil || res.Deep == nil || res.H == nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: fmt.Sprintf("solver failed: %v", err)}
	}
	if !res.Converged || !slices.Contains(p.DeepAlternatives(), res.Deep.Rank) {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: fmt.Sprintf("the solver did not end converged in a global basin (stop %s, %d modes on, global %v)", res.Stop, res.Deep.Rank, p.DeepAlternatives())}
	}
	layers, err := deepLayerMetrics(in, res, cfg.Digits)
	if err != nil {
		return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: "metrics failed: " + err.Error()}
	}
	tol := pow10Float(-(cfg.Digits - 10), 64)
	big3 := pow10Float(-cfg.Digits/2, 64)
	worst := new(big.Float)
	var parts []string
	for _, ly := range layers {
		if ly.collapsed {
			return proofs.Outcome{Verdict: proofs.Inconclusive, Reason: fmt.Sprintf("layer %d: the features collapsed to a point (metrics undefined)", ly.l)}
		}
		parts = append(parts, fmt.Sprintf("l=%d: NRC1 %s NRC2 %s NRC3 %s", ly.l, sci(ly.nrc1), sci(ly.nrc2), sci(ly.nrc3)))
		if nrc3 {
			if ly.nrc3 != nil && ly.nrc3.Cmp(big3) > 0 {
				return proofs.Outcome{Verdict: proofs.Fails, Residual: ly.nrc3, Points: len(layers),
					Reason: fmt.Sprintf("K = %d, %d modes on: NRC3 = %s at layer %d (> 10^-%d): %s", in.WeightLayers()+1, res.Deep.Rank, sci(ly.nrc3), ly.l, cfg.Digits/2, strings.Join(parts, "; "))}
			}
			continue
		}
		for _, v := range []*big.Float{ly.nrc1, ly.nrc2} {
			if v == nil {
				continue
			}
			if v.Cmp(worst) > 0 {
				worst.Set(v)
			}
			if v.Cmp(tol) > 0 {
				return proofs.Outcome{Verdict: proofs.Fails, Residual: worst, Points: len(layers), Reason: fmt.Sprintf("layer %d does not collapse: %s", ly.l, strings.Join(parts, "; "))}
			}
		}
	}
	if nrc3 {
		return proofs.Outcome{Verdict: proofs.Holds, Points: len(layers), Reason: fmt.Sprintf("NRC3 ≤ 10^-%d at every layer: %s", cfg.Digits/2, strings.Join(parts, "; "))}
	}
	return proofs.Outcome{Verdict: proofs.Holds, Residual: worst, Points: len(layers),
		Reason: fmt.Sprintf("K = %d, %d modes on: NRC1 = NRC2 = 0 to %s at every layer (%s)", in.WeightLayers()+1, res.Deep.Rank, sci(worst), strings.Join(parts, "; "))}
}
