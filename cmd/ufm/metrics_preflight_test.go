package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nrc-ufm/ufm/internal/sysmem"
)

// TestMetricsShapesBeforeData: the caps and shape checks of metrics are
// decided from the .npy headers, before any data is read (QA session 24:
// a (2, 2^27) array was read whole, 2 GiB, before "d beyond 4096"; a
// (2^27, 4) one took 26 s and 4.2 GB before "sample counts differ"). Each
// offending file here carries a NaN in its data: reading the data first
// reports the NaN, deciding from the header reports the shape.
func TestMetricsShapesBeforeData(t *testing.T) {
	dir := t.TempDir()
	nanData := func(name string, rows, cols int) string {
		v := make([]float64, rows*cols)
		v[len(v)-1] = math.NaN()
		return writeNPYData(t, dir, name, rows, cols, v)
	}
	h := writeNPY(t, dir, "h.npy", 6, 3)
	w := writeNPY(t, dir, "w.npy", 2, 3)
	y := writeNPY(t, dir, "y.npy", 6, 2)
	for _, c := range []struct {
		name    string
		h, w, y string
		want    string
	}{
		{"d beyond 4096", nanData("wide.npy", 6, 5000), w, y, "beyond 4096"},
		{"sample counts", nanData("tall.npy", 7, 3), w, y, "sample counts differ"},
		{"feature dimensions", h, nanData("w4.npy", 2, 4), y, "feature dimensions differ"},
		{"target dimensions", h, w, nanData("y3.npy", 6, 3), "target dimensions differ"},
	} {
		code, out, errs := runCmd(t, "metrics", "--features", c.h, "--weights", c.w, "--targets", c.y, "--json")
		if code != exitUsage || out != "" || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", c.name, code, out, errs, c.want)
		}
	}
}

// TestMetricsInputsBeyondMemory: an array whose header announces more
// bytes than the machine has (a sparse 128 GiB file of shape (2^33, 4),
// float32) is refused from its header with one line, where reading it
// died with "fatal error: runtime: out of memory" and a runtime stack.
func TestMetricsInputsBeyondMemory(t *testing.T) {
	mem := sysmem.Physical()
	if mem == 0 || mem >= 1<<37 {
		t.Skipf("physical memory unknown or at least 128 GiB (%d bytes): the file would fit", mem)
	}
	dir := t.TempDir()
	header := "{'descr': '<f4', 'fortran_order': False, 'shape': (8589934592, 4), }"
	for (10+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	p := filepath.Join(dir, "huge.npy")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\x93NUMPY\x01\x00" + string([]byte{byte(len(header)), byte(len(header) >> 8)}) + header)
	if err := f.Truncate(int64(10+len(header)) + 1<<37); err != nil {
		f.Close()
		t.Skipf("cannot make a sparse 128 GiB file here: %v", err)
	}
	f.Close()
	w := writeNPY(t, dir, "w.npy", 2, 4)
	y := writeNPY(t, dir, "y.npy", 3, 2)
	code, out, errs := runCmd(t, "metrics", "--features", p, "--weights", w, "--targets", y)
	if code != exitUsage || out != "" || !strings.Contains(errs, "more than the") || strings.Count(errs, "\n") != 1 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// TestMetricsDigitsReadsTinyText: a text feature 1e-999 is below float64
// and refused without --digits ("use --digits"); with --digits it is read
// exactly. The --digits path took the shapes from a float64 reading first
// and refused it with the same advice (QA session 24).
func TestMetricsDigitsReadsTinyText(t *testing.T) {
	dir := filepath.Join("testdata", "metrics", "qa24")
	args := []string{"metrics", "--features", filepath.Join(dir, "features_underflow.csv"), "--weights", filepath.Join(dir, "W.csv"), "--targets", filepath.Join(dir, "Y.csv")}
	if code, _, errs := runCmd(t, args...); code != exitUsage || !strings.Contains(errs, "use --digits") {
		t.Errorf("float64 path: exit %d, %q", code, errs)
	}
	if code, out, errs := runCmd(t, append(args, "--digits", "20", "--json")...); code != exitOK || !strings.Contains(out, `"nrc1"`) {
		t.Errorf("--digits 20: exit %d, %q", code, errs)
	}
}
