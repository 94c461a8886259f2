package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/nrc-ufm/ufm/conjecture"
	"github.com/nrc-ufm/ufm/instance"
	"github.com/nrc-ufm/ufm/proofs"
)

// maxMergeBytes caps one merge input. A search document embeds at most two
// instances (the counterexample and the instance it was shrunk from), and
// the claims' generators draw small ones: a real document is a few KB.
const maxMergeBytes = 16 << 20

// maxNotesIn caps the notes lists of one merge input (a search keeps 5).
const maxNotesIn = 5

// runMerge combines the --json outputs of the shards of one search: the
// trial counts add up, the counterexample with the smallest trial index
// wins (the one an unsharded search would report) and is written, after
// validation, into --out, and the documents must be the shards of the same
// search (claim, seed, budget, N, --outside, digits) covering each shard
// exactly once. Every input is validated like an instance file: size,
// types, unknown fields, trailing data, known claim, consistent counts.
func runMerge(args []string, stdout, stderr io.Writer) int {
	const synopsis = "ufm merge FILE... [--allow-partial] [--out DIR] [--json]"
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the merged JSON document")
	partial := fs.Bool("allow-partial", false, "merge even when some shards are missing (the result then covers only part of the budget)")
	outDir := fs.String("out", "counterexamples", "directory where the merged counterexample's instance file is written")
	pos, code, done := parseCommandLine(fs, args, stdout, stderr, synopsis)
	if done {
		return code
	}
	if len(pos) == 0 {
		return fail(stderr, "merge: no files (usage: %s)", synopsis)
	}
	var docs []*searchJSON
	var best *searchJSON // the document holding the earliest counterexample so far
	for _, p := range pos {
		d, err := readSearchDoc(p)
		if err != nil {
			return fail(stderr, "merge: %s: %v", termSafe(p), err)
		}
		// Keep one counterexample (two instances) in memory, not one per
		// input: the others can never win.
		if d.Counterexample != nil {
			if best == nil || d.Counterexample.Trial < best.Counterexample.Trial {
				if best != nil {
					best.Counterexample = nil
					best.FurtherCounterexamples++ // still a trial that failed
				}
				best = d
			} else {
				d.Counterexample = nil
				d.FurtherCounterexamples++
			}
		}
		docs = append(docs, d)
	}
	merged, err := mergeDocs(docs, pos, *partial)
	if err != nil {
		return fail(stderr, "merge: %v", err)
	}
	if ce := merged.Counterexample; ce != nil {
		if err := recheckCounterexample(merged); err != nil {
			return fail(stderr, "merge: %v", err)
		}
		if err := checkOutDir(*outDir); err != nil {
			return fail(stderr, "merge: %v", err)
		}
		path, err := writeCounterexample(*outDir, merged.Claim, merged.Seed, ce.Trial, ce.Instance)
		if err != nil {
			return fail(stderr, "merge: cannot write the counterexample: %v", err)
		}
		ce.File = path
	}
	return emitSearch(stdout, stderr, merged, *asJSON)
}

// readSearchDoc reads and validates one 'ufm search --json' document,
// decoding as it reads: a stream that is not JSON (/dev/zero) is refused
// at its first byte, and no more than maxMergeBytes are ever read.
func readSearchDoc(path string) (*searchJSON, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.New(pathErrText(err))
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, errors.New("is a directory")
	}
	lr := &io.LimitedReader{R: f, N: maxMergeBytes + 1}
	d, err := decodeSearchDoc(lr)
	if lr.N <= 0 {
		return nil, fmt.Errorf("larger than %d MiB: not a 'ufm search --json' document", maxMergeBytes>>20)
	}
	return d, err
}

// parseSearchDoc is readSearchDoc on bytes in memory.
func parseSearchDoc(data []byte) (*searchJSON, error) {
	return decodeSearchDoc(bytes.NewReader(data))
}

// decodeSearchDoc decodes one document strictly (no unknown field,
// nothing after the document) and validates it.
func decodeSearchDoc(r io.Reader) (*searchJSON, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var d searchJSON
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("not a 'ufm search --json' document: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("not a 'ufm search --json' document: data after the document")
	}
	if err := validateSearchDoc(&d); err != nil {
		return nil, err
	}
	return &d, nil
}

// validateSearchDoc checks that d could have been written by 'ufm search'
// (or 'ufm merge'): a known claim and its registered expectation, counts
// that add up, shards within bounds, and a counterexample that is a valid
// instance at a trial of the covered shards.
func validateSearchDoc(d *searchJSON) error {
	claim, err := claimOfDoc(d)
	if err != nil {
		return err
	}
	if d.Expect != string(claim.Expect) {
		return fmt.Errorf("expect %q, but claim %s is registered as %q", termSafe(d.Expect), d.Claim, claim.Expect)
	}
	if err := checkShards(d); err != nil {
		return err
	}
	if err := checkCounts(d); err != nil {
		return err
	}
	if err := checkNumbers(d); err != nil {
		return err
	}
	if d.Counterexample != nil {
		return checkCounterexample(d)
	}
	return nil
}

// claimOfDoc returns the claim a search document is about. A document of
// 'ufm conjecture' names its claim by the conjecture, whose name may also
// be a registered claim's: the source decides.
func claimOfDoc(d *searchJSON) (*proofs.Claim, error) {
	if d.ConjectureSource != nil {
		c, err := conjecture.Parse("conjecture_source", []byte(*d.ConjectureSource))
		if err != nil {
			return nil, err
		}
		if c.Name != d.Claim {
			return nil, fmt.Errorf("claim %q, but conjecture_source is conjecture %q", termSafe(d.Claim), c.Name)
		}
		cl := c.Claim()
		return &cl, nil
	}
	claim, ok := registry().Lookup(d.Claim)
	if !ok {
		return nil, fmt.Errorf("unknown claim %q", termSafe(d.Claim))
	}
	return claim, nil
}

// recheckCounterexample runs the claim's check on the merged
// counterexample's instance, with the configuration its search gave that
// trial, and refuses a counterexample the check does not refute: merge
// read it from a file, and a file is not a proof (QA session 22: a shard
// edited by hand turned a held trial into a "counterexample" that replayed
// as holds, and merge announced that the claim was false).
func recheckCounterexample(d *searchJSON) error {
	claim, err := claimOfDoc(d)
	if err != nil {
		return err
	}
	ce := d.Counterexample
	in, err := instance.Parse(ce.Instance)
	if err != nil {
		return fmt.Errorf("counterexample: instance: %v", err)
	}
	out := proofs.CheckOne(claim, in, proofs.TrialConfig(claim, d.Seed, ce.Trial, d.Digits))
	if out.Verdict != proofs.Fails {
		return fmt.Errorf("counterexample of trial %d: the claim's check on its instance gives %s, not fails (%s): it refutes nothing", ce.Trial, out.Verdict, termSafe(out.Reason))
	}
	// What merge reports of it is its own re-check's, as the search
	// computes it, never the file's (QA session 24: a shard edited to
	// λ_H = 1, outside the claim's hypotheses λ_H = λ_W = 0, was reported
	// "inside_hypotheses": true with the original instance's reason).
	ce.Reason = out.Reason
	ce.InsideHypotheses, ce.HypothesisNote = claim.InHypotheses(in)
	return nil
}

func checkShards(d *searchJSON) error {
	if d.Shards < 1 || d.Shards > maxShards {
		return fmt.Errorf("shards %d: must be between 1 and %d", d.Shards, maxShards)
	}
	if len(d.ShardIndices) == 0 || len(d.ShardIndices) > d.Shards {
		return fmt.Errorf("shard_indices: %d entries for %d shards", len(d.ShardIndices), d.Shards)
	}
	seen := map[int]bool{}
	for _, k := range d.ShardIndices {
		if k < 0 || k >= d.Shards {
			return fmt.Errorf("shard_indices: shard %d outside 0…%d", k, d.Shards-1)
		}
		if seen[k] {
			return fmt.Errorf("shard_indices: shard %d twice", k)
		}
		seen[k] = true
	}
	return nil
}

func checkCounts(d *searchJSON) error {
	if d.Budget < 1 || d.Budget > unboundedBudget {
		return fmt.Errorf("budget %d: must be between 1 and %d", d.Budget, unboundedBudget)
	}
	planned := 0
	for _, k := range d.ShardIndices {
		planned += proofs.ShardTrials(d.Budget, k, d.Shards)
	}
	failed := 0
	if d.Counterexample != nil {
		failed = 1 + d.FurtherCounterexamples
	}
	switch {
	case d.Planned != planned:
		return fmt.Errorf("planned %d, but budget %d over shards %v of %d plans %d", d.Planned, d.Budget, d.ShardIndices, d.Shards, planned)
	case d.Trials < 0 || d.Held < 0 || d.Inconclusive < 0 || d.Errored < 0 || d.FurtherCounterexamples < 0:
		return errors.New("negative trial counts")
	case d.FurtherCounterexamples > 0 && d.Counterexample == nil:
		return errors.New("further_counterexamples without a counterexample")
	case d.Trials > d.Planned:
		return fmt.Errorf("trials %d exceed the %d planned", d.Trials, d.Planned)
	case d.Held+d.Inconclusive+d.Errored+failed != d.Trials:
		return fmt.Errorf("trials %d ≠ held %d + inconclusive %d + errored %d + counterexamples %d", d.Trials, d.Held, d.Inconclusive, d.Errored, failed)
	case d.Trials < d.Planned && d.Counterexample == nil && !d.TimeLimited && !d.Interrupted:
		return fmt.Errorf("trials %d < planned %d, yet neither time_limited nor interrupted nor a counterexample", d.Trials, d.Planned)
	case len(d.InconclusiveNotes) > maxNotesIn || len(d.ErrorNotes) > maxNotesIn:
		return fmt.Errorf("more than %d notes", maxNotesIn)
	case len(d.InconclusiveNotes) > d.Inconclusive || len(d.ErrorNotes) > d.Errored:
		return errors.New("more notes than inconclusive or errored trials")
	}
	for _, n := range append(append([]noteJSON{}, d.InconclusiveNotes...), d.ErrorNotes...) {
		if !trialCovered(d, n.Trial) {
			return fmt.Errorf("a note names trial %d, which is not a trial of the covered shards", n.Trial)
		}
	}
	return nil
}

func checkNumbers(d *searchJSON) error {
	for _, v := range []float64{d.Seconds, d.SecondsTotal, d.TimeLimit} {
		if v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return errors.New("seconds and time_limit_seconds must be ≥ 0")
		}
	}
	if d.Digits < 1 || d.Digits > instance.MaxDigits {
		return fmt.Errorf("digits %d: must be between 1 and %d", d.Digits, instance.MaxDigits)
	}
	if d.WorstResidual != nil {
		r := strings.TrimSuffix(*d.WorstResidual, " (exact)")
		// A residual is a relative tolerance: finite and ≥ 0 ("NaN" was
		// accepted and then lost in the merge; QA session 22).
		if v, err := strconv.ParseFloat(r, 64); err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("worst_residual %q is not a finite number ≥ 0", termSafe(*d.WorstResidual))
		}
	}
	return nil
}

// trialCovered reports whether trial is one of the trials of the shards d
// covers within its budget.
func trialCovered(d *searchJSON, trial int) bool {
	if trial < 0 || trial >= d.Budget {
		return false
	}
	for _, k := range d.ShardIndices {
		if trial%d.Shards == k {
			return true
		}
	}
	return false
}

func checkCounterexample(d *searchJSON) error {
	ce := d.Counterexample
	if !trialCovered(d, ce.Trial) {
		return fmt.Errorf("counterexample: trial %d is not a trial of the covered shards", ce.Trial)
	}
	if _, err := instance.Parse(ce.Instance); err != nil {
		return fmt.Errorf("counterexample: instance: %v", err)
	}
	if _, err := instance.Parse(ce.ShrunkFrom); err != nil {
		return fmt.Errorf("counterexample: shrunk_from: %v", err)
	}
	if ce.ShrinkSteps < 0 {
		return errors.New("counterexample: negative shrink_steps")
	}
	// The file a shard wrote lives on the shard's machine; merge writes its
	// own copy into --out and never repeats a path read from its input.
	ce.File = ""
	return nil
}

// sameSearch reports how d differs from first as shards of one search.
func sameSearch(first, d *searchJSON, name, firstName string) error {
	switch {
	case d.Claim != first.Claim:
		return fmt.Errorf("%s is a search of claim %s, %s of %s", name, d.Claim, firstName, first.Claim)
	case d.Seed != first.Seed:
		return fmt.Errorf("%s has seed %d, %s seed %d: not shards of one search", name, d.Seed, firstName, first.Seed)
	case d.Shards != first.Shards:
		return fmt.Errorf("%s has %d shards, %s has %d", name, d.Shards, firstName, first.Shards)
	case d.Budget != first.Budget:
		return fmt.Errorf("%s has budget %d, %s budget %d", name, d.Budget, firstName, first.Budget)
	case d.OutsideHyp != first.OutsideHyp:
		return fmt.Errorf("%s and %s differ in --outside", name, firstName)
	case d.Digits != first.Digits:
		return fmt.Errorf("%s has %d digits, %s has %d", name, d.Digits, firstName, first.Digits)
	}
	return nil
}

// addDoc adds the counts of d into out.
func addDoc(out, d *searchJSON) {
	out.Trials += d.Trials
	out.Planned += d.Planned
	out.Held += d.Held
	out.Inconclusive += d.Inconclusive
	out.Errored += d.Errored
	out.FurtherCounterexamples += d.FurtherCounterexamples
	out.InconclusiveNotes = append(out.InconclusiveNotes, d.InconclusiveNotes...)
	out.ErrorNotes = append(out.ErrorNotes, d.ErrorNotes...)
	out.TimeLimited = out.TimeLimited || d.TimeLimited
	out.Interrupted = out.Interrupted || d.Interrupted
	out.Deterministic = out.Deterministic && d.Deterministic && !d.Interrupted
	out.SecondsTotal += d.SecondsTotal
	out.Seconds = max(out.Seconds, d.Seconds)
	if c := d.Counterexample; c != nil && (out.Counterexample == nil || c.Trial < out.Counterexample.Trial) {
		out.Counterexample = c
	}
}

// worstOf returns the larger of two residual texts (nil: none).
func worstOf(a, b *string) *string {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	va, _ := strconv.ParseFloat(strings.TrimSuffix(*a, " (exact)"), 64)
	vb, _ := strconv.ParseFloat(strings.TrimSuffix(*b, " (exact)"), 64)
	if vb > va {
		return b
	}
	return a
}

func sortNotes(notes []noteJSON) []noteJSON {
	sort.Slice(notes, func(i, j int) bool { return notes[i].Trial < notes[j].Trial })
	if len(notes) > maxNotesIn {
		notes = notes[:maxNotesIn]
	}
	return notes
}

func mergeDocs(docs []*searchJSON, names []string, allowPartial bool) (*searchJSON, error) {
	first := docs[0]
	out := &searchJSON{
		Claim: first.Claim, Seed: first.Seed, Shards: first.Shards, Budget: first.Budget,
		OutsideHyp: first.OutsideHyp, Digits: first.Digits, TimeLimit: first.TimeLimit,
		Expect: first.Expect, Deterministic: true, InconclusiveNotes: []noteJSON{}, ErrorNotes: []noteJSON{},
		ConjectureSource: first.ConjectureSource,
	}
	seen := map[int]string{}
	for i, d := range docs {
		if err := sameSearch(first, d, names[i], names[0]); err != nil {
			return nil, err
		}
		if (first.ConjectureSource == nil) != (d.ConjectureSource == nil) {
			return nil, fmt.Errorf("%s and %s: one is a search of a conjecture file, the other of a registered claim", names[0], names[i])
		}
		if first.ConjectureSource != nil && *first.ConjectureSource != *d.ConjectureSource {
			return nil, fmt.Errorf("%s and %s come from different conjecture files (conjecture_source differs)", names[0], names[i])
		}
		for _, k := range d.ShardIndices {
			if prev, dup := seen[k]; dup {
				return nil, fmt.Errorf("shard %d/%d appears twice (%s and %s)", k, first.Shards, prev, names[i])
			}
			seen[k] = names[i]
			out.ShardIndices = append(out.ShardIndices, k)
		}
		addDoc(out, d)
		out.WorstResidual = worstOf(out.WorstResidual, d.WorstResidual)
	}
	sort.Ints(out.ShardIndices)
	out.InconclusiveNotes = sortNotes(out.InconclusiveNotes)
	out.ErrorNotes = sortNotes(out.ErrorNotes)
	if len(seen) == first.Shards {
		out.Shard = fmt.Sprintf("all/%d", first.Shards)
		return out, nil
	}
	if !allowPartial {
		return nil, fmt.Errorf("%s (of %d) missing, so the files do not cover the search (--allow-partial merges them anyway)", missingShards(seen, first.Shards), first.Shards)
	}
	out.Shard = fmt.Sprintf("%s/%d", intList(out.ShardIndices, 20), first.Shards)
	return out, nil
}

// missingShards names the first few shards of 0…n−1 not in seen, and how
// many more there are, without listing them all (n can be 10⁶).
func missingShards(seen map[int]string, n int) string {
	var first []int
	for k := 0; k < n && len(first) < 10; k++ {
		if _, ok := seen[k]; !ok {
			first = append(first, k)
		}
	}
	missing := n - len(seen)
	s := "shard"
	if missing > 1 {
		s += "s"
	}
	s += " " + intList(first, 10)
	if missing > len(first) {
		s += fmt.Sprintf(" and %d more", missing-len(first))
	}
	return s
}

// intList joins up to max integers with commas, then "…".
func intList(ks []int, max int) string {
	var parts []string
	for i, k := range ks {
		if i == max {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, strconv.Itoa(k))
	}
	return strings.Join(parts, ",")
}
