package metrics

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/bigmat"
)

// zeroTolCase: five uncentered features in R³ (d = 3, n = 2, M = 5) whose
// largest norm is √2·scale, and one of norm 1e-15·scale: below the default
// relative threshold 64·2^-52 ≈ 1.4e-14 (float64) and above an explicit
// 1e-17.
func zeroTolCase(scale float64) (h, w, y []float64) {
	h = []float64{
		1, 0, 0,
		0, 1, 0,
		-1, 1, 0,
		0, 0, 1,
		1e-15, 0, 0,
	}
	for i := range h {
		h[i] *= scale
	}
	w = []float64{1, 0, 0, 0, 1, 0}
	y = []float64{1, 0, 0, 1, -1, 1, 0, 0, 2, 3}
	return h, w, y
}

// TestZeroTolRelative: ZeroTol has one meaning, a threshold relative to the
// largest raw feature norm, whether it is left at its default or set.
// Setting it to its default value changes nothing, at any scale of the
// features; an explicit value counts the same vectors at scale 1e-20 and
// 1e+20 as at 1. (With the old absolute meaning, ZeroTol = 1e-12 at scale
// 1e-20 declared every feature zero.)
func TestZeroTolRelative(t *testing.T) {
	for _, scale := range []float64{1e-20, 1, 1e20} {
		h, w, y := zeroTolCase(scale)
		run := func(opt Options) *Result {
			t.Helper()
			opt.Uncentered = true
			return compute(t, 5, 3, 2, h, w, y, opt)
		}
		def, set := run(Options{}), run(Options{ZeroTol: DefaultZeroTol})
		if def.ZeroFeatures != 1 || set.ZeroFeatures != 1 || def.FeaturesCollapsed || set.FeaturesCollapsed {
			t.Errorf("scale %g: zero features %d (default) and %d (ZeroTol = DefaultZeroTol), want 1 and 1", scale, def.ZeroFeatures, set.ZeroFeatures)
		}
		if def.NRC1 != set.NRC1 || def.NRC2 != set.NRC2 {
			t.Errorf("scale %g: NRC1/NRC2 %g/%g (default) vs %g/%g (ZeroTol = DefaultZeroTol)", scale, def.NRC1, def.NRC2, set.NRC1, set.NRC2)
		}
		if tight := run(Options{ZeroTol: 1e-17}); tight.ZeroFeatures != 0 {
			t.Errorf("scale %g: ZeroTol 1e-17 counts %d zero features, want 0 (relative norm 7e-16)", scale, tight.ZeroFeatures)
		}

		// ComputeBig at 20 digits: the default is 10^-19, relative.
		const digits = 20
		prec := bigmat.Bits(digits)
		hb, wb, yb := toBig(5, 3, h, prec), toBig(2, 3, w, prec), toBig(5, 2, y, prec)
		runBig := func(opt Options) *BigResult {
			t.Helper()
			opt.Uncentered = true
			r, err := ComputeBig(hb, wb, yb, digits, opt)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		bdef, bset := runBig(Options{}), runBig(Options{ZeroTol: 1e-19})
		if bdef.ZeroFeatures != 0 || bset.ZeroFeatures != 0 || bdef.NRC1.Cmp(bset.NRC1) != 0 || bdef.NRC2.Cmp(bset.NRC2) != 0 {
			t.Errorf("scale %g (big): default and ZeroTol = 1e-19 differ: %d/%d zero features, NRC1 %v/%v", scale, bdef.ZeroFeatures, bset.ZeroFeatures, bdef.NRC1, bset.NRC1)
		}
		if loose := runBig(Options{ZeroTol: 1e-12}); loose.ZeroFeatures != 1 {
			t.Errorf("scale %g (big): ZeroTol 1e-12 counts %d zero features, want 1 (relative norm 7e-16)", scale, loose.ZeroFeatures)
		}
	}
}

// TestBadOptionsAndInputs: meaningless tolerances and missing matrices are
// errors (never a panic, never a default silently taken) in both paths.
func TestBadOptionsAndInputs(t *testing.T) {
	h, w, y := zeroTolCase(1)
	const digits = 20
	prec := bigmat.Bits(digits)
	hm, wm, ym := mustMatrix(t, 5, 3, h), mustMatrix(t, 2, 3, w), mustMatrix(t, 5, 2, y)
	hb, wb, yb := toBig(5, 3, h, prec), toBig(2, 3, w, prec), toBig(5, 2, y, prec)
	inf := toBig(5, 3, h, prec)
	inf.Set(2, 1, new(big.Float).SetInf(true))
	var nilMatrix *Matrix
	for _, tc := range []struct {
		name       string
		opt        Options
		h, w, y    Rows
		hB, wB, yB *bigmat.Dense
		digits     int
		want       string
	}{
		{"negative ZeroTol", Options{ZeroTol: -1e-12}, hm, wm, ym, hb, wb, yb, digits, "ZeroTol"},
		{"NaN ZeroTol", Options{ZeroTol: math.NaN()}, hm, wm, ym, hb, wb, yb, digits, "ZeroTol"},
		{"infinite ZeroTol", Options{ZeroTol: math.Inf(1)}, hm, wm, ym, hb, wb, yb, digits, "ZeroTol"},
		{"negative RankTol", Options{RankTol: -1}, hm, wm, ym, hb, wb, yb, digits, "RankTol"},
		{"NaN RankTol", Options{RankTol: math.NaN()}, hm, wm, ym, hb, wb, yb, digits, "RankTol"},
		{"nil features", Options{}, nil, wm, ym, nil, wb, yb, digits, "nil"},
		{"nil weights", Options{}, hm, nilMatrix, ym, hb, nil, yb, digits, "nil"},
		{"nil targets", Options{}, hm, wm, nil, hb, wb, nil, digits, "nil"},
		{"zero digits (big)", Options{}, hm, wm, ym, hb, wb, yb, 0, "digits"},
		{"infinite feature (big)", Options{}, hm, wm, ym, inf, wb, yb, digits, "non-finite"},
		{"shape mismatch", Options{}, hm, mustMatrix(t, 2, 2, w[:4]), ym, hb, toBig(2, 2, w[:4], prec), yb, digits, "feature dimensions differ"},
	} {
		err := noPanic(func() error { _, err := Compute(tc.h, tc.w, tc.y, tc.opt); return err })
		if tc.digits > 0 && !strings.Contains(tc.name, "(big)") && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Compute, %s: got %v, want an error mentioning %q", tc.name, err, tc.want)
		}
		err = noPanic(func() error { _, err := ComputeBig(tc.hB, tc.wB, tc.yB, tc.digits, tc.opt); return err })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ComputeBig, %s: got %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
}

func noPanic(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panicked: %v", r)
		}
	}()
	return f()
}

// TestNewMatrixColMajor: a column-major (Fortran order) matrix reads back
// row by row as the row-major matrix it stores, and gives the same metrics.
func TestNewMatrixColMajor(t *testing.T) {
	h, w, y := zeroTolCase(1)
	col := make([]float64, len(h))
	for i := 0; i < 5; i++ {
		for j := 0; j < 3; j++ {
			col[j*5+i] = h[i*3+j]
		}
	}
	hc, err := NewMatrixColMajor(5, 3, col)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float64, 15)
	if err := hc.Block(0, 5, got); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != h[i] {
			t.Fatalf("entry %d: %g, want %g", i, got[i], h[i])
		}
	}
	a := compute(t, 5, 3, 2, h, w, y, Options{})
	b, err := Compute(hc, mustMatrix(t, 2, 3, w), mustMatrix(t, 5, 2, y), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.NRC1 != b.NRC1 || a.NRC2 != b.NRC2 || a.NRC3 != b.NRC3 {
		t.Errorf("row-major %v/%v/%v, column-major %v/%v/%v", a.NRC1, a.NRC2, a.NRC3, b.NRC1, b.NRC2, b.NRC3)
	}
	if _, err := NewMatrixColMajor(2, 3, col[:5]); err == nil {
		t.Error("5 values accepted as 2×3")
	}
}
