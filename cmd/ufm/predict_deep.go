package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/theory"
)

// deepPredictJSON is the "deep" object of predict --json for deep and
// mean-convention instances (docs/theory.md §6).
type deepPredictJSON struct {
	K                int            `json:"k"`
	Layers           int            `json:"layers"`
	DataTerm         string         `json:"data_term"`
	CEffective       string         `json:"c_effective"` // λ_H Π λ_l of the equivalent sum problem, exact
	Tau              string         `json:"tau"`         // exact: mode on iff σ^{K−1} > τ
	SigmaStar        string         `json:"sigma_star"`
	TStar            string         `json:"t_star"`
	Kappa            string         `json:"kappa"`
	Cap              int            `json:"width_cap"`
	Above            int            `json:"modes_above"`
	AtThreshold      int            `json:"modes_at_threshold"`
	On               int            `json:"modes_on"`
	GlobalModesOn    []int          `json:"global_modes_on"`
	Modes            []deepModeJSON `json:"modes"`
	LayerGramSpectra [][]string     `json:"layer_gram_spectra"` // W_l W_lᵀ, l = 1 … K−1
	FeatureGram      []string       `json:"feature_gram_spectrum"`
	ProductGrams     [][][]string   `json:"product_grams"` // (W_{K−1}⋯W_l)(…)ᵀ
}

type deepModeJSON struct {
	Sigma  string  `json:"sigma"`
	T      string  `json:"t"`
	Status string  `json:"status"`
	S      string  `json:"s"`
	SPlus  *string `json:"s_plus"`
	Gain   *string `json:"gain"`
}

func newDeepPredictJSON(p *theory.Prediction) *deepPredictJSON {
	d := p.Deep
	if d == nil {
		return nil
	}
	dg := p.Digits
	out := &deepPredictJSON{
		K: d.K, Layers: d.K - 1, DataTerm: d.DataTerm.String(), CEffective: d.CEff.RatString(),
		Tau: d.Tau.RatString(), SigmaStar: bigmat.Text(d.SigmaStar, dg), TStar: bigmat.Text(d.TStar, dg),
		Kappa: bigmat.Text(d.Kappa, dg), Cap: d.Cap, Above: d.Above, AtThreshold: d.AtThresh, On: d.On,
		GlobalModesOn: p.DeepAlternatives(), FeatureGram: bigmat.Texts(d.FeatureGramSpectrum, dg),
	}
	for _, m := range d.Modes {
		mj := deepModeJSON{Sigma: bigmat.Text(m.Sigma, dg), T: bigmat.Text(m.T, dg), Status: string(m.Status), S: bigmat.Text(m.S, dg)}
		if m.SPlus != nil {
			s := bigmat.Text(m.SPlus, dg)
			mj.SPlus = &s
		}
		if m.Gain != nil {
			s := bigmat.Text(m.Gain, dg)
			mj.Gain = &s
		}
		out.Modes = append(out.Modes, mj)
	}
	for _, s := range d.LayerGramSpectra {
		out.LayerGramSpectra = append(out.LayerGramSpectra, bigmat.Texts(s, dg))
	}
	for _, g := range d.ProductGrams {
		out.ProductGrams = append(out.ProductGrams, g.Rows(dg))
	}
	return out
}

// writeDeepPredictReport is the human report of predict for a deep or
// mean-convention instance.
func writeDeepPredictReport(w io.Writer, p *theory.Prediction) {
	d, dg := p.Deep, p.Digits
	fmt.Fprintf(w, "ufm predict: %s  (deep UFM: K − 1 = %d weight layers, data term %s; n = %d, d = %d, M = %d, bias %s, %d digits)\n\n",
		p.Name, d.K-1, d.DataTerm, p.N, p.D, p.M, p.Bias, dg)
	fmt.Fprintf(w, "c = λ_H·Π λ_l = %s (of the equivalent sum problem)\n", d.CEff.RatString())
	fmt.Fprintf(w, "Threshold (docs/theory.md §6.3): mode j is on iff σ_j^%d > τ = (K−1)^(2K−2) c/(K−2)^(K−2) = %s\n", d.K-1, d.Tau.RatString())
	fmt.Fprintf(w, "  σ* = τ^(1/%d) = %s,  t* = √(Mσ*) = %s,  κ = %s\n", d.K-1, bigmat.Text(d.SigmaStar, dg), bigmat.Text(d.TStar, dg), bigmat.Text(d.Kappa, dg))
	fmt.Fprintf(w, "  exact (inertia of Σ^%d − τI): %d above, %d exactly at the threshold; width cap min(d_0 … d_K−2, n) = %d\n\n", d.K-1, d.Above, d.AtThresh, d.Cap)
	fmt.Fprintln(w, "Modes (σ_j eigenvalue of Σ, t_j = √(Mσ_j), s_j singular value of W_K−1⋯W_1H*):")
	for j, m := range d.Modes {
		fmt.Fprintf(w, "  j = %-2d %-10s σ = %s\n", j+1, m.Status, bigmat.Text(m.Sigma, 20))
		fmt.Fprintf(w, "         s = %s", bigmat.Text(m.S, dg))
		if m.SPlus != nil && j >= d.On {
			fmt.Fprintf(w, "  (s₊ = %s if switched on)", bigmat.Text(m.SPlus, 20))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nRegime: %s, %d of %d modes on", p.Regime, d.On, p.N)
	if alts := p.DeepAlternatives(); len(alts) > 1 {
		fmt.Fprintf(w, " (global minimizers have %v on: modes at the threshold)", alts)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "\nW_K−1 W_K−1ᵀ (%d digits shown; --json for all and for every layer):\n", matrixDigits)
	writeMatrix(w, p.WW, matrixDigits)
	for l, s := range d.LayerGramSpectra {
		fmt.Fprintf(w, "  eigenvalues of W_%d W_%dᵀ: %s\n", l+1, l+1, strings.Join(bigmat.Texts(s, 15), ", "))
	}
	fmt.Fprintf(w, "\nOptimal bias b* = %s\n", strings.Join(bigmat.Texts(p.B, dg), ", "))
	fmt.Fprintf(w, "Minimal loss L* = %s\n", bigmat.Text(p.MinLoss, dg))
	if p.MinLossExact != nil {
		fmt.Fprintf(w, "  exactly %s\n", p.MinLossExact.RatString())
	}
	fmt.Fprintf(w, "Training MSE (1/M)Σ‖ŷ_i − y_i‖² = %s\n", bigmat.Text(p.TrainMSE, dg))
	if len(p.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, n := range p.Notes {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
}
