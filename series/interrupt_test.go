package series

import (
	"context"
	"strings"
	"testing"
)

// TestInterrupted: cancelling after the first epoch leaves a table of that
// epoch, marked interrupted.
func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tab, err := Run(example, Settings{Context: ctx, Progress: func(done, total int) {
		if done == 1 {
			cancel()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !tab.Interrupted || tab.Planned != 5 || len(tab.Rows) != 1 || tab.Rows[0].Epoch != 1 {
		t.Fatalf("interrupted %v, %d of %d epochs", tab.Interrupted, len(tab.Rows), tab.Planned)
	}
	// Every picture's title says so (QA session 22: the plots of a partial
	// run looked complete).
	if got := tab.title("NRC"); !strings.Contains(got, "INTERRUPTED: 1 of 5 epochs") {
		t.Errorf("title %q does not say the run was interrupted", got)
	}
}
