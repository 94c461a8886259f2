package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/nrc-ufm/ufm/proofs"
)

// runMerge combines the --json outputs of the shards of one search: the
// trial counts add up, the counterexample with the smallest trial index
// wins (the one an unsharded search would report), and the documents must
// be the shards of the same search (claim, seed, budget, N, --outside,
// digits) covering each shard exactly once.
func runMerge(args []string, stdout, stderr io.Writer) int {
	const synopsis = "ufm merge FILE... [--allow-partial] [--json]"
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the merged JSON document")
	partial := fs.Bool("allow-partial", false, "merge even when some shards are missing (the result then covers only part of the budget)")
	pos, code, done := parseCommandLine(fs, args, stdout, stderr, synopsis)
	if done {
		return code
	}
	if len(pos) == 0 {
		return fail(stderr, "merge: no files (usage: %s)", synopsis)
	}
	var docs []*searchJSON
	for _, p := range pos {
		data, err := os.ReadFile(p)
		if err != nil {
			return fail(stderr, "merge: %v", err)
		}
		var d searchJSON
		dec := json.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&d); err != nil {
			return fail(stderr, "merge: %s: not a 'ufm search --json' document: %v", p, err)
		}
		if d.Claim == "" || d.Shards < 1 || len(d.ShardIndices) == 0 {
			return fail(stderr, "merge: %s: not a 'ufm search --json' document (claim, shards or shard_indices missing)", p)
		}
		docs = append(docs, &d)
	}
	merged, err := mergeDocs(docs, pos, *partial)
	if err != nil {
		return fail(stderr, "merge: %v", err)
	}
	code = exitOK
	if merged.Counterexample != nil {
		code = exitFailure
	}
	if *asJSON {
		if c := writeJSON(stdout, stderr, merged); c != exitOK {
			return c
		}
		return code
	}
	writeSearchReport(stdout, merged)
	return code
}

func mergeDocs(docs []*searchJSON, names []string, allowPartial bool) (*searchJSON, error) {
	first := docs[0]
	out := &searchJSON{
		Claim: first.Claim, Seed: first.Seed, Shards: first.Shards, Budget: first.Budget,
		OutsideHyp: first.OutsideHyp, Digits: first.Digits, TimeLimit: first.TimeLimit,
		Expect: first.Expect, Deterministic: true, InconclusiveNotes: []noteJSON{},
	}
	seen := map[int]string{}
	var worst *string
	worstVal := -1.0
	for i, d := range docs {
		switch {
		case d.Claim != first.Claim:
			return nil, fmt.Errorf("%s is a search of claim %s, %s of %s", names[i], d.Claim, names[0], first.Claim)
		case d.Seed != first.Seed:
			return nil, fmt.Errorf("%s has seed %d, %s seed %d: not shards of one search", names[i], d.Seed, names[0], first.Seed)
		case d.Shards != first.Shards:
			return nil, fmt.Errorf("%s has %d shards, %s has %d", names[i], d.Shards, names[0], first.Shards)
		case d.Budget != first.Budget:
			return nil, fmt.Errorf("%s has budget %d, %s budget %d", names[i], d.Budget, names[0], first.Budget)
		case d.OutsideHyp != first.OutsideHyp:
			return nil, fmt.Errorf("%s and %s differ in --outside", names[i], names[0])
		case d.Digits != first.Digits:
			return nil, fmt.Errorf("%s has %d digits, %s has %d", names[i], d.Digits, names[0], first.Digits)
		}
		for _, k := range d.ShardIndices {
			if k < 0 || k >= first.Shards {
				return nil, fmt.Errorf("%s: shard %d outside 0…%d", names[i], k, first.Shards-1)
			}
			if prev, dup := seen[k]; dup {
				return nil, fmt.Errorf("shard %d/%d appears twice (%s and %s)", k, first.Shards, prev, names[i])
			}
			seen[k] = names[i]
			out.ShardIndices = append(out.ShardIndices, k)
		}
		out.Trials += d.Trials
		out.Planned += d.Planned
		out.Held += d.Held
		out.Inconclusive += d.Inconclusive
		out.InconclusiveNotes = append(out.InconclusiveNotes, d.InconclusiveNotes...)
		out.TimeLimited = out.TimeLimited || d.TimeLimited
		out.Deterministic = out.Deterministic && d.Deterministic
		out.SecondsTotal += d.SecondsTotal
		out.Seconds = max(out.Seconds, d.Seconds)
		if d.WorstResidual != nil {
			var v float64
			if _, err := fmt.Sscan(strings.TrimSuffix(*d.WorstResidual, " (exact)"), &v); err == nil && v > worstVal {
				worstVal, worst = v, d.WorstResidual
			}
		}
		if c := d.Counterexample; c != nil && (out.Counterexample == nil || c.Trial < out.Counterexample.Trial) {
			out.Counterexample = c
		}
	}
	sort.Ints(out.ShardIndices)
	out.WorstResidual = worst
	sort.Slice(out.InconclusiveNotes, func(i, j int) bool { return out.InconclusiveNotes[i].Trial < out.InconclusiveNotes[j].Trial })
	if len(out.InconclusiveNotes) > 5 {
		out.InconclusiveNotes = out.InconclusiveNotes[:5]
	}
	if len(seen) < first.Shards {
		var missing []string
		for k := 0; k < first.Shards; k++ {
			if _, ok := seen[k]; !ok {
				missing = append(missing, fmt.Sprint(k))
			}
		}
		if !allowPartial {
			return nil, fmt.Errorf("shards %s of %d are missing, so the files do not cover the search (--allow-partial merges them anyway)", strings.Join(missing, ", "), first.Shards)
		}
		parts := make([]string, len(out.ShardIndices))
		for i, k := range out.ShardIndices {
			parts[i] = fmt.Sprint(k)
		}
		out.Shard = fmt.Sprintf("%s/%d", strings.Join(parts, ","), first.Shards)
	} else {
		out.Shard = fmt.Sprintf("all/%d", first.Shards)
	}
	if out.Expect == "" {
		out.Expect = string(proofs.Holds)
	}
	return out, nil
}
