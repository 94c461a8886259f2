package main

import (
	"strings"

	"github.com/nrc-ufm/ufm/metrics"
)

// decimalIsotropy checks the float64 path's "Σ ∝ I" against the targets
// as written (issue 8 item 7). Text targets are rounded to float64, and a
// Σ that is exactly isotropic after rounding need not be so before it:
// (±(1 + 10⁻⁴⁰), ±1) reads as (±1, ±1), while the true NRC3 minimum is 0,
// not 2 − √2. So when the float64 result is flat and the targets are
// text, Σ of the decimals is formed exactly; if it is not ∝ I, NRC3 is
// not reported and the reason points to --digits. Cost: one more read of
// the targets, only in the flat case. When that read or the exact Σ
// fails, NRC3 is not reported either, with the reason.
func decimalIsotropy(r *metrics.Result, yPath string, center bool) {
	if !r.NRC3Flat {
		return
	}
	if kind, _ := fileKind(yPath); kind != "csv" {
		return // .npy values are the float64 values themselves
	}
	iso := false
	y, err := metrics.ReadCSVExactFile(yPath)
	if err == nil {
		iso, err = y.SigmaIsotropic(center)
	}
	if err == nil && iso {
		return
	}
	why := "Σ of the float64 roundings of the targets is ∝ I, but Σ of the decimals as written is not"
	if err != nil {
		why = "Σ of the float64 roundings of the targets is ∝ I, but whether Σ of the decimals is cannot be decided (" + err.Error() + ")"
	}
	r.NRC3Flat, r.NRC3, r.NRC3Gamma = false, 0, 0
	r.NRC3Undefined = why + ": NRC3 may be anywhere down to 0 near γ = σ_min; rerun with --digits"
	notes := r.Notes[:0]
	for _, n := range r.Notes {
		if !strings.HasPrefix(n, "Σ ∝ I") {
			notes = append(notes, n)
		}
	}
	r.Notes = append(notes, "NRC3 is not reported: "+r.NRC3Undefined)
}
