# vaultcheck: build, run and test. `make run` and `make test` are the two
# commands the README promises work on a fresh machine.

GO       ?= go
BIN      := bin
PKGS     := ./...
FUZZTIME ?= 30s
BENCH    ?= .
COUNT    ?= 1
# Extra flags for every go test of make test: TESTFLAGS=-json to see where
# the time goes, TESTFLAGS=-v.
TESTFLAGS ?=

.PHONY: all build run test test-race-all vet test-short bench fuzz lint vectors docker-image certify-example clean

MODULE := github.com/vaultcheck/vaultcheck

# Where make test spends its time (go test -json, 2 cores, warm build cache;
# seconds per package, with -race / without):
#
#   cmd/vaultcheck   72 / 10.5   TestServeAndRunByURL 50 / 6.9 (the whole suite
#                                by URL), the vectors commands 16 / 2.9
#   . (root)         55 / 7.4    TestFeatures + TestScenarios: the whole suite
#   steps            30 / 4.2    TestNoSecretsInOutput 16 / 2.8
#   internal/vectors 24 / 1.9    pure crypto
#   vaultkeys        15 / 0.7    pure crypto
#   hclscenario      12 / 1.8    TestLineMutations 10 / 1.8
#   client, meeco    11 / 1.4 each;  cryppo 7.7 / 0.9;  harness 7.5 / 1.0
#   the rest         under 5 each
#
# Everything under -race took 2 min 34 s (24 s without), the same whole
# suite ran three times, and the race detector slowed pure crypto 7-20x.
# So make test runs each test once: with -race on the code that runs
# goroutines or shares state, without it on pure code and on the two
# whole-suite runs, whose concurrent parts the race run covers in smaller
# form (steps' TestNoSecretsInOutput runs every feature four scenarios at a
# time against the fake; the harness tests run godog concurrently over a
# loopback server; cmd/vaultcheck runs the @smoke scenarios through run and
# serve by URL, and an HCL scenario in process).
#
# After the split, same machine and cache: 1 min 11 s in all. With -race:
# steps 32, client 13.5, meeco 10.4, cmd/vaultcheck 5, fakevault 4.6,
# harness 2.5, keysource 2.4, redact 2.3; without: the root package 6.7,
# cmd/vaultcheck's split tests 6.5, vectors 2.2, the rest under 2 each.
# Measured again back to back (warm cache): before 3 min 18 s and 4 min 1 s
# of CPU, after 1 min 15 s and 1 min 53 s of CPU. A fresh clone (project
# packages compiled anew) while other jobs loaded the machine (load 5-12):
# before 5 min 17 s and 4 min 5 s of CPU, after 2 min 0 s to 6 min 15 s by
# the load and 2 min 3 s of CPU.

# Packages tested without the race detector: no goroutines or shared state
# of their own (Cryppo, SRP, the key hierarchy, vectors, the HCL compiler,
# wire types, YAML files), and the root package's whole-suite run.
PLAIN_PKGS := $(MODULE) \
	$(MODULE)/internal/cryppo $(MODULE)/internal/srp $(MODULE)/internal/vaultkeys \
	$(MODULE)/internal/vectors $(MODULE)/internal/testvectors $(MODULE)/internal/hclscenario \
	$(MODULE)/internal/meeco $(MODULE)/internal/meecocli $(MODULE)/internal/version

# cmd/vaultcheck is split by test: the whole suite against vaultcheck serve
# by URL (the root package's run again, with a subscription key), the suite
# whole and in three shard processes, a load as one process and as three
# shard processes (built binaries: the race detector would not see them),
# and the vectors commands (pure crypto) run without -race, the rest with it.
SPLIT_PKG         := $(MODULE)/cmd/vaultcheck
SPLIT_PLAIN_TESTS := ^(TestServeAndRunByURL|TestVectorsVerifySharedFiles|TestVectorsVerifyReportsFailures|TestVectorsGenerateRoundTrip|TestShardsAsProcessesMergeToOneRun|TestCertifyCommand|TestLoadShardsMerge)$$

# The harness's whole suite against the Dockerfile's image (docker target)
# runs without -race too: 10 s plain, 92 s with -race on the loaded machine;
# its concurrent parts are the ones the harness's other tests race-check.
DOCKER_PKG         := $(MODULE)/harness
DOCKER_PLAIN_TESTS := ^TestDockerSuite$$

# The self-check (the whole suite once per fault of the fake Vault) runs
# without -race: TestSelfcheck skips itself under the race detector, and
# the race run covers the self-check's scheduler with a small suite
# (TestScheduler).
SELFCHECK_PKG  := $(MODULE)/internal/selfcheck
SELFCHECK_TEST := ^TestSelfcheck$$

# Certification: the certifications of the fake with a sample of faults run
# the whole suite once per fault (about 40 s plain, several minutes with
# -race), like the other whole-suite runs without the race detector; the
# certifications of the small fixture suite and the offline verifications
# run with it.
CERTIFY_PKG         := $(MODULE)/internal/certify
CERTIFY_PLAIN_TESTS := ^TestCertifyRefuses(Faults|EveryFault)$$

# Every other package, new ones included, is tested with -race: the fake's
# store, the harness, the key source, the steps, the client, the ledger, the
# redacting transport, the meeco command.
RACE_PKGS = $(filter-out $(PLAIN_PKGS) $(SPLIT_PKG) $(DOCKER_PKG) $(CERTIFY_PKG),$(shell $(GO) list $(PKGS)))

all: build

# --version of both binaries: VERSION names a release (make build
# VERSION=v1.2.0); the commit comes from Go's VCS stamp, or from git here
# where Go cannot see the repository (a git worktree).
VERSION  ?=
VPKG     := $(MODULE)/internal/version
LDFLAGS   = -X $(VPKG).Commit=$(shell git rev-parse HEAD 2>/dev/null) \
	-X $(VPKG).Modified=$(if $(shell git status --porcelain 2>/dev/null),true,false) \
	$(if $(VERSION),-X $(VPKG).Version=$(VERSION))

build:
	$(GO) build -buildvcs=auto -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

# The main job: the conformance suite against the built-in fake Vault.
run: build
	$(BIN)/vaultcheck run

# Everything CI checks: vet, then every test once, split as above.
test: vet
	$(GO) test $(TESTFLAGS) -race -count=1 $(RACE_PKGS)
	$(GO) test $(TESTFLAGS) -race -count=1 -skip '$(SPLIT_PLAIN_TESTS)' $(SPLIT_PKG)
	$(GO) test $(TESTFLAGS) -race -count=1 -skip '$(DOCKER_PLAIN_TESTS)' $(DOCKER_PKG)
	$(GO) test $(TESTFLAGS) -race -count=1 -skip '$(CERTIFY_PLAIN_TESTS)' $(CERTIFY_PKG)
	$(GO) test $(TESTFLAGS) -count=1 $(PLAIN_PKGS)
	$(GO) test $(TESTFLAGS) -count=1 -run '$(SPLIT_PLAIN_TESTS)' $(SPLIT_PKG)
	$(GO) test $(TESTFLAGS) -count=1 -run '$(DOCKER_PLAIN_TESTS)' $(DOCKER_PKG)
	$(GO) test $(TESTFLAGS) -count=1 -timeout 30m -run '$(SELFCHECK_TEST)' $(SELFCHECK_PKG)
	$(GO) test $(TESTFLAGS) -count=1 -run '$(CERTIFY_PLAIN_TESTS)' $(CERTIFY_PKG)

# Every test with the race detector, as make test did before the split
# (about 2.5 minutes on 2 idle cores).
test-race-all: vet
	$(GO) test -race -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

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

# The Dockerfile's image of vaultcheck serve: a static binary (scratch has no
# libc), then docker build; run the suite against it with
# bin/vaultcheck run --target docker:$(IMAGE).
IMAGE ?= vaultcheck-fake
docker-image:
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=auto -ldflags '$(LDFLAGS)' -o $(BIN)/docker/vaultcheck ./cmd/vaultcheck
	docker build -t $(IMAGE) .

# The certification walkthrough of docs/certify.md: certify vaultcheck serve
# by URL, verify, a declared known failure, an unexpected pass, tampering.
certify-example: build
	examples/certify/run.sh

clean:
	rm -rf $(BIN) out
