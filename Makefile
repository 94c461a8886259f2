# ufm — see README.md. Every target works on a fresh clone with only Go.
GO      ?= go
BIN     ?= bin/ufm
PKGS    := ./...
# Packages with goroutines, run under the race detector by `make test`.
RACE_PKGS ?= ./bigmat/... ./internal/... ./verify/... ./solver/... ./proofs/... ./claims/... ./sweep/... ./series/... ./conjecture/... ./metrics/...

.PHONY: run test bench lint build install property proofs search fuzz readme clean pictures examples

## run: the main job on the built-in default instance (solve, predict, compare)
run:
	$(GO) run ./cmd/ufm verify

## test: the CI command — vet, then every test (race detector on the concurrent parts)
test:
	$(GO) vet $(PKGS)
	$(GO) test -count=1 $(PKGS)
	$(GO) test -count=1 -race -short $(RACE_PKGS)

## bench: benchmarks (eigendecomposition, solver, metrics)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x $(PKGS)

## lint: gofmt, go vet and staticcheck must all be silent
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@latest $(PKGS)

## property: many more gopter trials than `make test`
property:
	UFM_PROPERTY_TRIALS=500 $(GO) test -count=1 -run Property -v ./property/

## proofs: run every claim's check and print the table
proofs:
	$(GO) run ./cmd/ufm proofs

## search: counterexample search against CLAIM (default theorem) with the default budget
CLAIM ?= theorem
search:
	$(GO) run ./cmd/ufm search --claim $(CLAIM)

## fuzz: run each parser fuzzer for FUZZTIME (default 60s)
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./instance
	$(GO) test -run '^$$' -fuzz FuzzReadNPY -fuzztime $(FUZZTIME) ./metrics
	$(GO) test -run '^$$' -fuzz FuzzReadCSV -fuzztime $(FUZZTIME) ./metrics
	$(GO) test -run '^$$' -fuzz FuzzParseAxis -fuzztime $(FUZZTIME) ./sweep
	$(GO) test -run '^$$' -fuzz FuzzSafeTensors -fuzztime $(FUZZTIME) ./series
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./conjecture
	$(GO) test -run '^$$' -fuzz FuzzMerge -fuzztime $(FUZZTIME) ./cmd/ufm
	$(GO) test -run '^$$' -fuzz FuzzCommandLine -fuzztime $(FUZZTIME) ./cmd/ufm
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./certify/check

## readme: regenerate the README's output blocks marked <!-- check --> (make test fails when they drift)
readme:
	UFM_README=update $(GO) test -count=1 -run TestREADMEOutputs ./cmd/ufm

## pictures: regenerate the README's pictures under docs/ (ufm sweep and ufm series on shipped examples)
pictures:
	@tmp=$$(mktemp -d) && \
	$(GO) run ./cmd/ufm sweep examples/partial-3x5.json --lambda-h 0.001:1000:61 --log --digits 30 --check-every 20 --out $$tmp/sweep >/dev/null && \
	$(GO) run ./cmd/ufm sweep examples/partial-3x5.json --lambda-h 0.01:100:40 --lambda-w 0.01:100:40 --log --digits 20 --out $$tmp/grid >/dev/null && \
	$(GO) run ./cmd/ufm series examples/series --lambda-h 0.01 --lambda-w 0.01 --out $$tmp/series >/dev/null && \
	$(GO) run ./cmd/ufm sweep examples/deep-k3-3x8.json --lambda-h 0.02:16:61 --log --digits 20 --out $$tmp/deep >/dev/null && \
	for ext in png svg; do \
		cp $$tmp/sweep/loss.$$ext docs/sweep-example.$$ext && \
		cp $$tmp/sweep/rank.$$ext docs/sweep-rank.$$ext && \
		cp $$tmp/grid/regime.$$ext docs/sweep-regime.$$ext && \
		cp $$tmp/series/nrc.$$ext docs/series-nrc.$$ext && \
		cp $$tmp/deep/shrinkage.$$ext docs/sweep-deep.$$ext || exit 1; \
	done && rm -rf $$tmp && echo "docs/sweep-example, sweep-rank, sweep-regime, series-nrc, sweep-deep (.png, .svg) regenerated"

## examples: regenerate examples/series (gradient descent on the UFM, 5 checkpoints)
examples:
	UFM_WRITE_SERIES_EXAMPLE=1 $(GO) test -count=1 -run WriteSeriesExample ./series

## build: the binary at bin/ufm
build:
	$(GO) build -o $(BIN) ./cmd/ufm

## install: ufm into GOBIN (or GOPATH/bin)
install:
	$(GO) install ./cmd/ufm

clean:
	rm -rf bin
