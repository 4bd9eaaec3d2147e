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
# Parts of make test run at a time (see below).
TEST_JOBS ?= 3

.PHONY: all build run test test-race-all vet test-short bench fuzz lint vectors docker-image certify-example clean

MODULE := github.com/vaultcheck/vaultcheck

# make test runs every test once: with the race detector on the code that
# runs goroutines or shares state, without it on pure code (Cryppo, SRP,
# the key hierarchy: the detector slows them 7-20x) and on the tests that
# run a whole suite or certify one, whose concurrent parts the race run
# covers in smaller form. Its parts run TEST_JOBS (3) at a time: on two
# cores, while one part waits on a single long test, on a process or on a
# timeout, the others fill the cores. Each part's output is printed whole
# when it ends (TEST_JOBS=1: one after another, as they run).
#
# Measured with TESTFLAGS=-json on an idle 2-core machine. Warm build cache:
# before this layout, nine go test runs one after another, 6 min 1 s (7.7 min
# of CPU), the long poles steps under -race (85 s: every feature checked for
# secrets), certify under -race (61 s: certifications re-do every RSA
# operation), cmd/vaultcheck's process tests one by one (47 s). Now: 2 min
# 39 s three parts at a time (3 min 4 s two at a time), 5.0 min of CPU, so
# two cores need 2.5 min at least; the longest tests are certify on the
# embedded suite (20 s), the self-check (18 s), certify refusing two faults
# (17 s), the HTML report in Chromium (16 s) and the root package's whole
# suite (15 s). A fresh clone (empty build cache) took 5 min 32 s: compiling
# the dependencies twice, with and without -race, is 4 min of CPU (race 135
# s, plain 108 s, vet 12 s), the same again as the tests.

# Packages tested without the race detector: no goroutines or shared state
# of their own (Cryppo, SRP, the key hierarchy, vectors, the HCL compiler,
# wire types, YAML files), and the root package's whole-suite run.
PLAIN_PKGS := $(MODULE) \
	$(MODULE)/internal/cryppo $(MODULE)/internal/srp $(MODULE)/internal/vaultkeys \
	$(MODULE)/internal/vectors $(MODULE)/internal/testvectors $(MODULE)/internal/hclscenario \
	$(MODULE)/internal/meeco $(MODULE)/internal/meecocli $(MODULE)/internal/version

# Split packages: the tests named here run without -race, the rest of the
# package with it.
#   steps: every feature checked for secrets in its output, every target
#     fault of the fake turned into a target error (whole-suite runs).
#   cmd/vaultcheck: the suite by URL against vaultcheck serve, sharded runs
#     and load shards as processes (built binaries: the race detector would
#     not see them), certify on the embedded suite, the vectors commands.
#   harness: the whole suite, and a load, against the Dockerfile's image.
#   internal/certify: certifications and their offline verifications, which
#     re-do every crypto operation of a run (about 40 s with -race); the
#     parallel re-check of a ledger stays under -race (TestRecheckLedger*).
#   internal/load: a load against the fault of the fake made for each
#     correctness counter (the engine's concurrency stays under -race).
#   internal/selfcheck: the suite once per fault (TestSelfcheck skips itself
#     under -race; TestScheduler covers its scheduler there).
SPLITS := steps cmd/vaultcheck harness internal/certify internal/selfcheck internal/load
PLAIN_TESTS.steps              := ^(TestNoSecretsInOutput|TestTargetFaultsAreTargetErrors)$$
PLAIN_TESTS.cmd/vaultcheck     := ^(TestServeAndRunByURL|TestVectorsVerifySharedFiles|TestVectorsVerifyReportsFailures|TestVectorsGenerateRoundTrip|TestShardsAsProcessesMergeToOneRun|TestCertifyCommand|TestLoadShardsMerge)$$
PLAIN_TESTS.harness            := ^(TestDockerSuite|TestDockerLoad)$$
PLAIN_TESTS.internal/certify   := ^(TestCertifyRefuses(Faults|EveryFault)|TestKnownFailureAndUnexpectedPass|TestRunCutShort|TestCertifyAndVerify|TestTamperedBundles|TestForgedBundlesDoNotRederive)$$
PLAIN_TESTS.internal/load      := ^TestRunCorrectnessCounters$$
PLAIN_TESTS.internal/selfcheck := ^TestSelfcheck$$

# Every other package, new ones included, is tested with -race: the fake's
# store, the key source, the client, the ledger, the redacting transport,
# load, the meeco command.
RACE_PKGS = $(filter-out $(PLAIN_PKGS) $(addprefix $(MODULE)/,$(SPLITS)),$(shell $(GO) list $(PKGS)))

# The parts of make test, the longest first so that the parts running at
# a time finish together.
TEST_PARTS := test-race/steps test-race-pkgs test-plain/cmd/vaultcheck test-race/harness \
	test-plain/steps test-plain/internal/certify test-race/cmd/vaultcheck vet test-plain-pkgs \
	test-plain/internal/selfcheck test-plain/harness test-race/internal/selfcheck \
	test-plain/internal/load test-race/internal/load test-race/internal/certify
.PHONY: test-parts test-race-pkgs test-plain-pkgs $(filter-out vet,$(TEST_PARTS))

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

# Everything CI checks: go vet and every test once, in the parts above.
test:
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target test-parts

test-parts: $(TEST_PARTS)

test-race-pkgs:
	$(GO) test $(TESTFLAGS) -race -count=1 $(RACE_PKGS)

test-plain-pkgs:
	$(GO) test $(TESTFLAGS) -count=1 $(PLAIN_PKGS)

$(addprefix test-race/,$(SPLITS)): test-race/%:
	$(GO) test $(TESTFLAGS) -race -count=1 -skip '$(PLAIN_TESTS.$*)' ./$*

$(addprefix test-plain/,$(SPLITS)): test-plain/%:
	$(GO) test $(TESTFLAGS) -count=1 -timeout 30m -run '$(PLAIN_TESTS.$*)' ./$*

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
