package main

import (
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/nrc-ufm/ufm/bigmat"
	"github.com/nrc-ufm/ufm/instance"
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
		GlobalModesOn: p.DeepAlternatives(), FeatureGram: theory.ListText(d.FeatureGramSpectrum, p.Justified.WW),
	}
	for _, m := range d.Modes {
		// σ_j and t_j carry the eigenvalues' justified digits; s_j, s₊ and
		// the gain those of the shrinkage s_j/t_j (theory.Prediction.Justified).
		js, jk := p.Justified.Sigma, p.Justified.Shrinkage
		mj := deepModeJSON{Sigma: theory.ScalarText(m.Sigma, js), T: theory.ScalarText(m.T, js), Status: string(m.Status), S: theory.ScalarText(m.S, jk)}
		if m.S.Sign() == 0 {
			mj.S = "0"
		}
		if m.SPlus != nil {
			s := theory.ScalarText(m.SPlus, jk)
			mj.SPlus = &s
		}
		if m.Gain != nil {
			s := gainText(m.Gain, m.T, p.M, jk)
			mj.Gain = &s
		}
		out.Modes = append(out.Modes, mj)
	}
	// The Gram invariants carry the digits justified for W W ᵀ.
	for _, s := range d.LayerGramSpectra {
		out.LayerGramSpectra = append(out.LayerGramSpectra, theory.ListText(s, p.Justified.WW))
	}
	// The product Grams are determined exactly when W*W*ᵀ is (the last is
	// W*W*ᵀ itself); otherwise they are one representative's, null like
	// ww (QA session 24: printed with 50 digits at a tie at the width cap).
	if p.WWUnique || p.DeterminedAtCount() {
		for _, g := range d.ProductGrams {
			out.ProductGrams = append(out.ProductGrams, theory.MatrixText(g, p.Justified.WW))
		}
	}
	return out
}

// gainText is a mode's gain g(0) − g(s₊) = [s(2t − s) − K·Mκ·u²]/(2M)
// with the digits it keeps: its terms are of order t²/M and cancel near the
// threshold, where the gain tends to 0, so with t and s right to jk digits
// the gain is right to about jk + ⌊log10(gain/(t²/M))⌋ of its own ("" when
// none is left; an exact 0 at the threshold prints "0"). QA session 21:
// gains near the threshold printed with all 50 digits, the last ~10 wrong.
func gainText(gain, t *big.Float, m, jk int) string {
	if gain.Sign() == 0 {
		return "0"
	}
	scale := new(big.Float).SetPrec(t.Prec()).Mul(t, t)
	scale.Quo(scale, new(big.Float).SetInt64(int64(m)))
	k := jk
	if scale.Sign() > 0 {
		k = min(jk, digitsBelow(gain, scale, jk))
	}
	if k < 1 {
		return ""
	}
	return theory.ScalarText(gain, k)
}

// writeDeepPredictReport is the human report of predict for a deep or
// mean-convention instance.
func writeDeepPredictReport(w io.Writer, p *theory.Prediction) {
	d, dg := p.Deep, p.Digits
	fmt.Fprintf(w, "ufm predict: %s  (deep UFM: K − 1 = %d weight layers, data term %s; n = %d, d = %d, M = %d, bias %s, %d digits)\n\n",
		p.Name, d.K-1, d.DataTerm, p.N, p.D, p.M, p.Bias, dg)
	if d.DataTerm == instance.DataMean {
		fmt.Fprintf(w, "c = λ_H·Π λ_l = %s; the equivalent sum problem (every λ times n) has c = n^%d·c = %s\n", d.CInstance.RatString(), d.K, d.CEff.RatString())
	} else {
		fmt.Fprintf(w, "c = λ_H·Π λ_l = %s\n", d.CEff.RatString())
	}
	cName := "c"
	if d.DataTerm == instance.DataMean {
		cName = "n^K·c"
	}
	fmt.Fprintf(w, "Threshold (docs/theory.md §6.3): mode j is on iff σ_j^%d > τ = (K−1)^(2K−2) %s/(K−2)^(K−2) = %s\n", d.K-1, cName, d.Tau.RatString())
	fmt.Fprintf(w, "  σ* = τ^(1/%d) = %s,  t* = √(Mσ*) = %s,  κ = %s\n", d.K-1, bigmat.Text(d.SigmaStar, dg), bigmat.Text(d.TStar, dg), bigmat.Text(d.Kappa, dg))
	fmt.Fprintf(w, "  exact (inertia of Σ^%d − τI): %d above, %d exactly at the threshold; width cap min(d_0 … d_K−2, n) = %d\n\n", d.K-1, d.Above, d.AtThresh, d.Cap)
	fmt.Fprintln(w, "Modes (σ_j eigenvalue of Σ, t_j = √(Mσ_j), s_j singular value of W_K−1⋯W_1H*):")
	for j, m := range d.Modes {
		fmt.Fprintf(w, "  j = %-2d %-10s σ = %s\n", j+1, m.Status, theory.ScalarText(m.Sigma, min(20, p.Justified.Sigma)))
		sText := theory.ScalarText(m.S, p.Justified.Shrinkage)
		if m.S.Sign() == 0 {
			sText = "0"
		}
		fmt.Fprintf(w, "         s = %s", sText)
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
	writeRows(w, theory.MatrixText(p.WW, min(matrixDigits, p.Justified.WW)), matrixDigits)
	for l, s := range d.LayerGramSpectra {
		fmt.Fprintf(w, "  eigenvalues of W_%d W_%dᵀ: %s\n", l+1, l+1, strings.Join(theory.ListText(s, min(15, p.Justified.WW)), ", "))
	}
	switch {
	case d.AtCountUnique:
		fmt.Fprintf(w, "  (the global minimizer with %d mode(s) on; not unique across the mode counts %v: see notes)\n", d.On, p.DeepAlternatives())
	case !p.WWUnique:
		fmt.Fprintln(w, "  (not unique: see notes)")
	}
	bs := make([]string, len(p.B))
	for k, b := range p.B {
		bs[k] = theory.ScalarText(b, p.Justified.Bias)
		if b.Sign() == 0 {
			bs[k] = "0"
		}
	}
	fmt.Fprintf(w, "\nOptimal bias b* = %s\n", strings.Join(bs, ", "))
	fmt.Fprintf(w, "Minimal loss L* = %s\n", theory.ScalarText(p.MinLoss, p.Justified.MinLoss))
	if p.MinLossExact != nil {
		fmt.Fprintf(w, "  exactly %s\n", p.MinLossExact.RatString())
	}
	fmt.Fprintf(w, "Training MSE (1/M)Σ‖ŷ_i − y_i‖² = %s\n", theory.ScalarText(p.TrainMSE, p.Justified.TrainMSE))
	for _, warn := range p.Warnings {
		fmt.Fprintf(w, "Warning: %s\n", warn)
	}
	if len(p.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, n := range p.Notes {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
}
