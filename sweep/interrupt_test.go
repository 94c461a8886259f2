package sweep

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestInterrupted: a cancelled context stops the sweep; the table holds a
// prefix of the points, says so, and still writes and draws (a 2-D grid
// cut inside a row draws only the complete rows).
func TestInterrupted(t *testing.T) {
	in := load(t, "partial-3x5")
	h, _ := ParseAxis("lambda_h", "0.01:100:6", true)
	w, _ := ParseAxis("lambda_w", "0.01:100:5", true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := Settings{Digits: 20, Workers: 1, Context: ctx, Progress: func(done, total int) {
		if done == 8 {
			cancel()
		}
	}}
	tab, err := Run(in, h, w, s)
	if err != nil {
		t.Fatal(err)
	}
	if !tab.Interrupted || tab.Planned != 30 || len(tab.Points) < 8 || len(tab.Points) > 9 {
		t.Fatalf("interrupted %v, %d of %d points", tab.Interrupted, len(tab.Points), tab.Planned)
	}
	for k, p := range tab.Points {
		if p.Index != k || p.MinLoss.X == nil {
			t.Fatalf("point %d is not the evaluated prefix: %+v", k, p)
		}
	}
	var csvb, jsonb bytes.Buffer
	if err := tab.WriteCSV(&csvb); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(csvb.String(), "\n"); n != len(tab.Points)+1 {
		t.Errorf("CSV has %d lines", n)
	}
	if err := tab.WriteJSON(&jsonb); err != nil || !strings.Contains(jsonb.String(), `"interrupted": true`) {
		t.Errorf("JSON does not say interrupted (%v)", err)
	}
	if !testing.Short() {
		if _, err := tab.Plots(t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}
	// Cancelled before the start: nothing evaluated.
	cancel()
	tab, err = Run(in, h, w, Settings{Context: ctx})
	if err != nil || !tab.Interrupted || len(tab.Points) > 1 {
		t.Fatalf("pre-cancelled: %v, %d points", err, len(tab.Points))
	}
}
