package series

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	"github.com/nrc-ufm/ufm/metrics"
)

// DefaultMemoryBudget bounds the bytes held by epochs in flight (inputs in
// memory plus the covariance work space); see Settings.MemoryBudget.
const DefaultMemoryBudget = 1 << 30

// Settings configure Run.
type Settings struct {
	// Options are the metric conventions (centering, normalization,
	// divisor); the zero value is the seed paper's definitions.
	Options metrics.Options
	// C is c = λ_H·λ_W of the training run, for the column γ/c (0: not
	// known, the column is left empty).
	C float64
	// Workers bounds the epochs computed at once (0: GOMAXPROCS).
	Workers int
	// MemoryBudget bounds, in bytes, the estimated memory of the epochs
	// in flight (0: DefaultMemoryBudget). The first epoch runs alone and
	// its footprint F is measured: its arrays as held in memory (float32
	// stays float32) plus 8·(k+3)·d² bytes for the covariance work space
	// of metrics.Compute with k ≤ 4 workers. Every other epoch is charged
	// F scaled by the size of its files on disk relative to the first
	// epoch's, and starts only when the charges of the epochs in flight
	// stay within the budget (an epoch larger than the budget runs alone).
	MemoryBudget int64
	// Progress, if set, is called after each epoch that succeeds
	// (serialized), with the number done so far.
	Progress func(done, total int)
	// Context, if set, stops the run when done: no new epoch starts, the
	// epochs in flight finish, and the table holds the epochs done (in
	// epoch order) with Interrupted set.
	Context context.Context
}

// Row is one epoch's result.
type Row struct {
	Epoch   int
	Metrics *metrics.Result
	Fit     *metrics.FitResult
	HasBias bool
	Float32 bool // features stored as float32
	// GammaOverC is NRC3's optimal γ divided by Settings.C (0 when C = 0
	// or NRC3 is undefined; see GammaOverCValid).
	GammaOverC      float64
	GammaOverCValid bool
}

// Table is the result of Run: one row per epoch, in epoch order.
type Table struct {
	Dir       string
	C         float64
	Options   metrics.Options
	Rows      []Row
	Footprint int64 // measured bytes of the first epoch (see Settings.MemoryBudget)
	Parallel  int   // most epochs in flight at once
	// Interrupted is true when Settings.Context stopped the run; Planned
	// is the number of epochs in the directory.
	Interrupted bool
	Planned     int
}

// Run computes NRC1–3, the optimal γ, the explained-variance ratios, the
// training MSE and R² of every epoch of the training run in dir. Each
// epoch's files are read once; epochs run in parallel within
// Settings.MemoryBudget. Any epoch's error stops the run and is returned
// naming the epoch (no partial table).
func Run(dir string, s Settings) (*Table, error) {
	l, err := Scan(dir)
	if err != nil {
		return nil, err
	}
	var shared *metrics.Matrix
	if l.Targets != "" {
		if shared, err = metrics.ReadNPYFile(l.Targets); err != nil {
			return nil, err
		}
	}
	t := &Table{Dir: dir, C: s.C, Options: s.Options, Rows: make([]Row, len(l.Epochs)), Planned: len(l.Epochs)}
	ctx := s.Context
	if ctx == nil {
		ctx = context.Background()
	}
	sizes := make([]int64, len(l.Epochs))
	for i, ep := range l.Epochs {
		sizes[i] = diskSize(ep)
	}
	budget := s.MemoryBudget
	if budget <= 0 {
		budget = DefaultMemoryBudget
	}
	workers := s.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &progress{fn: s.Progress, total: len(l.Epochs)}
	// The first epoch alone: measures the footprint.
	foot, err := t.one(0, l.Epochs[0], shared, s)
	if err != nil {
		return nil, err
	}
	p.step()
	t.Footprint, t.Parallel = foot, 1
	g := newGate(budget)
	var wg sync.WaitGroup
	errs := make([]error, len(l.Epochs))
	sem := make(chan struct{}, workers)
	started := len(l.Epochs)
	for i := 1; i < len(l.Epochs); i++ {
		if ctx.Err() != nil {
			started = i
			break
		}
		charge := foot
		if sizes[0] > 0 {
			charge = int64(float64(foot) * float64(sizes[i]) / float64(sizes[0]))
		}
		sem <- struct{}{}
		charge = g.acquire(charge)
		t.Parallel = max(t.Parallel, g.inFlight())
		wg.Add(1)
		go func(i int, charge int64) {
			defer wg.Done()
			defer func() { <-sem }()
			defer g.release(charge)
			if _, errs[i] = t.one(i, l.Epochs[i], shared, s); errs[i] == nil {
				p.step() // an epoch that failed is not done
			}
		}(i, charge)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if started < len(l.Epochs) {
		t.Rows = t.Rows[:started]
		t.Interrupted = true
	}
	return t, nil
}

// one computes row i; it returns the epoch's measured footprint.
func (t *Table) one(i int, ep Epoch, shared *metrics.Matrix, s Settings) (int64, error) {
	var a *arrays
	var err error
	if ep.SafeTensors != "" {
		a, err = loadSafeTensors(ep.SafeTensors, shared)
	} else {
		a, err = loadNPY(ep, shared)
	}
	if err != nil {
		return 0, fmt.Errorf("epoch %d: %v", ep.Number, err)
	}
	m, err := metrics.Compute(a.H, a.W, a.Y, s.Options)
	if err != nil {
		return 0, fmt.Errorf("epoch %d: %v", ep.Number, err)
	}
	f, err := metrics.Fit(a.H, a.W, a.Bias, a.Y)
	if err != nil {
		return 0, fmt.Errorf("epoch %d: %v", ep.Number, err)
	}
	r := Row{Epoch: ep.Number, Metrics: m, Fit: f, HasBias: a.Bias != nil, Float32: a.H.Float32()}
	if s.C > 0 && m.NRC3Undefined == "" {
		r.GammaOverC, r.GammaOverCValid = m.NRC3Gamma/s.C, true
	}
	t.Rows[i] = r
	_, d := a.H.Dims()
	foot := matrixBytes(a.H) + matrixBytes(a.W) + int64(8*len(a.Bias)) + 8*int64(4+3)*int64(d)*int64(d)
	if a.Y != shared {
		foot += matrixBytes(a.Y)
	}
	return foot, nil
}

func matrixBytes(m *metrics.Matrix) int64 {
	r, c := m.Dims()
	if m.Float32() {
		return 4 * int64(r) * int64(c)
	}
	return 8 * int64(r) * int64(c)
}

// diskSize is the total size of an epoch's files (0 if unknown).
func diskSize(ep Epoch) int64 {
	var n int64
	for _, f := range []string{ep.SafeTensors, ep.Features, ep.Weights, ep.Bias, ep.Targets} {
		if f == "" {
			continue
		}
		if st, err := os.Stat(f); err == nil {
			n += st.Size()
		}
	}
	return n
}

// gate is a counting semaphore over bytes.
type gate struct {
	mu        sync.Mutex
	cond      *sync.Cond
	free, cap int64
	n         int
}

func newGate(capacity int64) *gate {
	g := &gate{free: capacity, cap: capacity}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// acquire waits until n bytes are free (n is capped at the capacity, so a
// large epoch waits for an empty gate and runs alone) and returns the
// charge taken.
func (g *gate) acquire(n int64) int64 {
	n = min(max(n, 1), g.cap)
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.free < n {
		g.cond.Wait()
	}
	g.free -= n
	g.n++
	return n
}

func (g *gate) release(n int64) {
	g.mu.Lock()
	g.free += n
	g.n--
	g.mu.Unlock()
	g.cond.Broadcast()
}

func (g *gate) inFlight() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}

// progress serializes the Progress callback.
type progress struct {
	mu          sync.Mutex
	fn          func(done, total int)
	done, total int
}

func (p *progress) step() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if p.fn != nil {
		p.fn(p.done, p.total)
	}
}
