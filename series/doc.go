// Package series follows neural regression collapse across a training
// run: for every epoch's dump of features, last-layer weights (and bias)
// and targets it computes NRC1–3 with NRC3's optimal γ, the explained-
// variance ratios of the top principal components, the training MSE and
// R² (package metrics), and writes a table (CSV, JSON) and plots (PNG,
// SVG) against the epoch.
//
// # Directory layout
//
// A run directory holds, for each epoch N (a decimal number, zero padding
// allowed but the same spelling for all files of one epoch):
//
//	epoch-N.features.npy   M×d  penultimate-layer features, a row per sample
//	epoch-N.weights.npy    n×d  last-layer weights (a 1-D array is the single row, n = 1)
//	epoch-N.bias.npy       n    last-layer bias (optional; absent means b = 0, noted)
//	epoch-N.targets.npy    M×n  targets of this epoch's rows (optional)
//	targets.npy            M×n  targets shared by every epoch without its own
//
// or, instead of an epoch's .npy files, one epoch-N.safetensors holding
// the tensors "features", "weights" and optionally "bias" and "targets"
// (F64, F32, BF16 or F16, widened exactly). Other files are ignored.
// Rows of features and targets must correspond: dump them in the same
// order every epoch (an unshuffled pass over the training set), or write
// epoch-N.targets.npy alongside.
//
// SafeTensors files are read with github.com/nlpodyssey/safetensors (a
// small, dependency-free reader of the format's header and byte views
// whose header validation — offsets, sizes, overlaps — we rely on
// instead of writing our own).
//
// # Streaming and memory
//
// Each epoch's files are read once; metrics.Compute then streams over the
// in-memory rows (float32 stays float32). Epochs run in parallel, at most
// Settings.Workers at a time and within Settings.MemoryBudget bytes (1 GiB
// by default): the first epoch runs alone and its footprint is measured,
// the others are charged that footprint scaled by their size on disk (see
// Settings.MemoryBudget).
//
// # Conventions
//
// The metrics follow docs/theory.md §4 by default (centered, row-
// normalized, divided by M); Settings.Options selects the variants that
// public scripts use, and table.json records which were used. With the
// defaults every epoch's values are those `ufm metrics` prints for the
// same files.
package series
