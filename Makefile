# vaultcheck: build, run and test. `make run` and `make test` are the two
# commands the README promises work on a fresh machine.

GO       ?= go
BIN      := bin
PKGS     := ./...
FUZZTIME ?= 30s
BENCH    ?= .
COUNT    ?= 1

.PHONY: all build run test test-short bench fuzz lint vectors clean

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/...

# The main job: the conformance suite against the built-in fake Vault.
run: build
	$(BIN)/vaultcheck run

# Everything CI checks: vet, then every test with the race detector.
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)

test-short:
	$(GO) test -short $(PKGS)

# Benchmarks; compare runs with benchstat (go run golang.org/x/perf/cmd/benchstat old.txt new.txt).
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(COUNT) $(PKGS)

# Runs every fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$pkg || exit 1; \
	  done; \
	done

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet $(PKGS)

# Verifies every case of the in-repo copies of Meeco's vectors.
vectors: build
	$(BIN)/vaultcheck vectors verify testdata/vectors/*.json

clean:
	rm -rf $(BIN) out
