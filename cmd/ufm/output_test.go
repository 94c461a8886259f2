package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fakeTable is a table whose plots can fail after one picture is drawn
// (as a full disk would fail the second).
type fakeTable struct {
	csv      string
	failPlot bool
}

func (f fakeTable) WriteCSV(w io.Writer) error { _, err := io.WriteString(w, f.csv); return err }
func (f fakeTable) WriteJSON(w io.Writer) error {
	_, err := io.WriteString(w, `{"new":true}`)
	return err
}
func (f fakeTable) PictureNames() []string { return []string{"loss", "regime"} }

func (f fakeTable) Plots(dir string) ([]string, error) {
	p := filepath.Join(dir, "loss.svg")
	if err := os.WriteFile(p, []byte("<svg/>"), 0o644); err != nil {
		return nil, err
	}
	if f.failPlot {
		return []string{p}, errors.New("no space left on device")
	}
	return []string{p}, nil
}

// TestWriteTableAllOrNothing: a write that fails part way (the second
// picture) leaves the directory's earlier table as it was: the old
// table.csv, no table.json of a different run, no new picture and no
// staging directory. (Before, table.csv and table.json were replaced
// before the pictures were drawn.) A write that succeeds puts every file
// in place and removes the stale picture of the earlier run.
func TestWriteTableAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	old := map[string]string{"table.csv": "old csv\n", "regime.png": "old picture"}
	for name, body := range old {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := writeTable(fakeTable{csv: "new csv\n", failPlot: true}, dir, true); err == nil {
		t.Fatal("writeTable reported success although a picture failed")
	}
	if got := dirListing(t, dir); !slices.Equal(got, []string{"regime.png", "table.csv"}) {
		t.Errorf("after a failed write the directory holds %v, want only the earlier run's regime.png and table.csv", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "table.csv")); string(b) != old["table.csv"] {
		t.Errorf("a failed write replaced table.csv (now %q)", b)
	}

	files, err := writeTable(fakeTable{csv: "new csv\n"}, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"loss.svg", "table.csv", "table.json"}
	if got := dirListing(t, dir); !slices.Equal(got, want) {
		t.Errorf("after a successful write the directory holds %v, want %v (stale regime.png removed)", got, want)
	}
	for _, f := range files {
		if filepath.Dir(f) != dir {
			t.Errorf("returned path %s is not in %s", f, dir)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "table.csv")); string(b) != "new csv\n" {
		t.Errorf("table.csv = %q after a successful write", b)
	}
}

// dirListing returns the sorted names in dir (hidden ones included).
func dirListing(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}
