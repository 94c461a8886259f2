package series

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nlpodyssey/safetensors"
)

// FuzzSafeTensors: any bytes give arrays or an error, never a panic.
func FuzzSafeTensors(f *testing.F) {
	views := map[string]safetensors.TensorView{}
	for name, shape := range map[string][]uint64{TensorFeatures: {4, 3}, TensorWeights: {3}, TensorTargets: {4, 1}, TensorBias: {1}} {
		n := uint64(1)
		for _, v := range shape {
			n *= v
		}
		tv, err := safetensors.NewTensorView(safetensors.F32, shape, make([]byte, 4*n))
		if err != nil {
			f.Fatal(err)
		}
		views[name] = tv
	}
	good, err := safetensors.Serialize(views, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte("\x08\x00\x00\x00\x00\x00\x00\x00{}      "))
	if b, err := os.ReadFile(filepath.Join("testdata", "fuzz-seed.safetensors")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := parseSafeTensors(b, "fuzz", nil)
		if err == nil && (a.H == nil || a.W == nil || a.Y == nil) {
			t.Fatalf("no error but missing arrays: %+v", a)
		}
	})
}
