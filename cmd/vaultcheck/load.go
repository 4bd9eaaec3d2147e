package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/load"
	"github.com/vaultcheck/vaultcheck/internal/load/executor"
	"github.com/vaultcheck/vaultcheck/internal/load/live"
	"github.com/vaultcheck/vaultcheck/internal/load/plan"
	"github.com/vaultcheck/vaultcheck/internal/load/summary"
	"github.com/vaultcheck/vaultcheck/internal/load/threshold"
)

func init() { subcommands = append(subcommands, newLoadCmd) }

// loadFlags are the command-line form of one load block.
type loadFlags struct {
	planFile   string
	exec       executor.Config
	stages     []string
	tags       string
	fixture    string
	thresholds []string
	out        string
	shard      string
	shards     int
	target     harness.TargetOptions
	reqTimeout time.Duration
	keys       string
	keyCache   string
	noProgress bool
	vars       []string
}

func newLoadCmd() *cobra.Command {
	var f loadFlags
	cmd := &cobra.Command{
		Use:   "load [PATH...]",
		Short: "Run scenarios as a load test, with k6's executors and thresholds",
		Long: `load runs scenarios as virtual users (VUs) against a target, with every crypto step and
check of the conformance client on, and measures each HTTP route, step and client-side crypto
operation in HdrHistograms.

The load comes from a plan (--plan FILE.hcl, load blocks with k6's executor names and options) or
from flags: PATHs (.feature and .hcl files or folders; none: the built-in suite) filtered by
--tags, and --executor with its options. Executors, as in k6: constant-vus (--vus, --duration),
ramping-vus (--start-vus, --stage 30s:10 ...), per-vu-iterations (--vus, --iterations),
constant-arrival-rate (--rate, --time-unit, --duration, --pre-allocated-vus, --max-vus) and
ramping-arrival-rate (--start-rate, --stage, --pre-allocated-vus, --max-vus); --graceful-stop.

Fixtures: with --fixture vu (the default) each VU runs the leading Given steps of each scenario
once before the clock starts (not measured), and every iteration runs the rest on a copy of that
state; --fixture iteration runs the whole scenario each time.

Thresholds, as in k6, on the command line and in the plan:
  --threshold 'http_req_duration{route:POST /vault/items/{id}/shares}:p(95)<250ms'
  --threshold 'http_req_failed:rate<0.01;abortOnFail;delayAbortEval=10s'
The correctness counters (decrypt_failures, verification_hash_failures, unexpected_statuses,
cross_user_leaks) always carry a count==0 threshold.

--out json:FILE writes the summary (schema: internal/load/summary/schema.json) with the
histograms; --shard I/N runs part I of N of the load (1 <= I <= N, as run counts them: VUs and
rate split), --shards N takes I from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job), and
"vaultcheck load merge" combines the shards' summaries and checks the thresholds again.

Targets are those of run: inproc (a quiet fake Vault on a loopback port), a base URL, --vault-url
with --keystore-url, or docker:IMAGE (--docker-env, --docker-arg, --docker-wait).

Exit status: 0 every threshold passed; 1 a threshold failed or the target failed the VUs' set-up;
2 bad usage, a malformed plan or a mistake in a scenario; 3 vaultcheck broke or the run was
interrupted; 4 the target could not be exercised (it never answered, its container never started,
or the set-up met no answer, a 5xx or a body that is not JSON); 5 --out could not be written.
When several apply, the first of 3, 5, 4, 2, 1 wins.`,
		Example: `  vaultcheck load features/sharing.feature --executor constant-vus --vus 4 --duration 1m
  vaultcheck load --plan share_storm.hcl --out json:out/summary.json
  vaultcheck load --plan share_storm.hcl --shard 1/3 --out json:out/shard-1.json
  vaultcheck load merge out/shard-*.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("subscription-key") {
				f.target.SubscriptionKey = os.Getenv(subscriptionKeyEnv)
			}
			return runLoad(cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.planFile, "plan", "", "a load plan (HCL load blocks); PATHs and executor flags are then not allowed")
	fl.StringVar(&f.exec.Executor, "executor", executor.ConstantVUs, "k6 executor: "+strings.Join(executor.Names, ", "))
	fl.IntVar(&f.exec.VUs, "vus", 1, "VUs (constant-vus, per-vu-iterations)")
	fl.IntVar(&f.exec.Iterations, "iterations", 1, "iterations per VU (per-vu-iterations)")
	fl.DurationVar(&f.exec.Duration, "duration", 0, "duration (constant-vus, constant-arrival-rate)")
	fl.DurationVar(&f.exec.MaxDuration, "max-duration", executor.DefaultMaxDuration, "maxDuration (per-vu-iterations)")
	fl.IntVar(&f.exec.StartVUs, "start-vus", 1, "startVUs (ramping-vus)")
	fl.StringArrayVar(&f.stages, "stage", nil, "a stage DURATION:TARGET (ramping executors; repeatable)")
	fl.DurationVar(&f.exec.GracefulRampDown, "graceful-ramp-down", executor.DefaultGracefulStop, "gracefulRampDown (ramping-vus)")
	fl.Float64Var(&f.exec.Rate, "rate", 0, "iterations per time unit (constant-arrival-rate)")
	fl.Float64Var(&f.exec.StartRate, "start-rate", 0, "startRate (ramping-arrival-rate)")
	fl.DurationVar(&f.exec.TimeUnit, "time-unit", time.Second, "timeUnit of the rates")
	fl.IntVar(&f.exec.PreAllocatedVUs, "pre-allocated-vus", 0, "preAllocatedVUs (arrival-rate executors)")
	fl.IntVar(&f.exec.MaxVUs, "max-vus", 0, "maxVUs (arrival-rate executors; default preAllocatedVUs)")
	fl.DurationVar(&f.exec.GracefulStop, "graceful-stop", executor.DefaultGracefulStop, "gracefulStop")
	fl.StringVar(&f.tags, "tags", "", "select scenarios by tags, as run does")
	fl.StringVar(&f.fixture, "fixture", plan.FixtureVU, `"vu": leading Given steps once per VU, not measured; "iteration": every step every iteration`)
	fl.StringArrayVar(&f.thresholds, "threshold", nil, "a k6-style threshold (repeatable)")
	fl.StringVar(&f.out, "out", "", "json:FILE writes the summary with its histograms")
	fl.StringVar(&f.shard, "shard", "", "run part I of N of the load (1 <= I <= N), e.g. 1/3")
	fl.IntVar(&f.shards, "shards", 0, "run part $"+jobIndexEnv+" (0-based, as a Kubernetes Indexed Job sets it) of N")
	fl.StringVar(&f.target.Target, "target", harness.TargetInproc, `"inproc", the base URL of a server serving /vault and /keystore, or docker:IMAGE[:TAG]`)
	fl.StringVar(&f.target.VaultURL, "vault-url", "", "Vault API URL (with --keystore-url)")
	fl.StringVar(&f.target.KeystoreURL, "keystore-url", "", "Keystore API URL (with --vault-url)")
	fl.StringVar(&f.target.SubscriptionKey, "subscription-key", "", "Meeco subscription key (default $"+subscriptionKeyEnv+")")
	fl.StringArrayVar(&f.target.DockerEnv, "docker-env", nil, "set NAME=VALUE (or pass NAME from this environment) in a docker target's container (repeatable)")
	fl.StringArrayVar(&f.target.DockerArgs, "docker-arg", nil, "an argument of a docker target's command, after the image's entrypoint (repeatable)")
	fl.DurationVar(&f.target.DockerWait, "docker-wait", harness.DefaultDockerWait, "how long a docker target's container may take to answer")
	fl.DurationVar(&f.reqTimeout, "request-timeout", load.DefaultRequestTimeout, "time limit of each request to the target, its answer included")
	fl.StringVar(&f.keys, "keys", "", `"fast" (public test keys), "fresh" or "cache" (reused across runs); default fast for inproc, fresh otherwise`)
	fl.StringVar(&f.keyCache, "key-cache", "", "folder of --keys cache (default: the user's cache folder/vaultcheck)")
	fl.BoolVar(&f.noProgress, "no-progress", false, "print plain progress lines, not the live view")
	fl.StringArrayVar(&f.vars, "var", nil, "set an HCL scenario variable, NAME=VALUE (repeatable)")
	cmd.AddCommand(newLoadMergeCmd())
	return cmd
}

// executorFlags maps the command's flags to k6 option names.
var executorFlags = map[string]string{
	"vus": "vus", "iterations": "iterations", "duration": "duration", "max-duration": "maxDuration",
	"start-vus": "startVUs", "stage": "stages", "graceful-ramp-down": "gracefulRampDown", "rate": "rate",
	"start-rate": "startRate", "time-unit": "timeUnit", "pre-allocated-vus": "preAllocatedVUs", "max-vus": "maxVUs",
	"graceful-stop": "gracefulStop",
}

// loadGCPercent is the garbage collector's target of a load run when GOGC
// is not set.
const loadGCPercent = 400

func runLoad(cmd *cobra.Command, f loadFlags, args []string) error {
	known := load.KnownTags()
	var p *plan.Plan
	if f.planFile != "" {
		if len(args) > 0 {
			return usageErrorf("load: give a plan or scenario paths, not both")
		}
		for fl := range executorFlags {
			if cmd.Flags().Changed(fl) {
				return usageErrorf("load: --%s: the plan sets the executor's options", fl)
			}
		}
		src, err := os.ReadFile(f.planFile)
		if err != nil {
			return usageErrorf("load: %v", err)
		}
		if p, err = plan.Parse(f.planFile, src, known); err != nil {
			return usageErrorf("load: the plan has errors:\n%v", err)
		}
		p.ResolvePaths()
	} else {
		cfg := f.exec
		cfg.Set = map[string]bool{}
		for fl, opt := range executorFlags {
			if cmd.Flags().Changed(fl) {
				cfg.Set[opt] = true
			}
		}
		for _, s := range f.stages {
			d, t, ok := strings.Cut(s, ":")
			dur, err := time.ParseDuration(d)
			target, err2 := strconv.ParseFloat(t, 64)
			if !ok || err != nil || err2 != nil {
				return usageErrorf("load: --stage %q: want DURATION:TARGET, e.g. 30s:10", s)
			}
			cfg.Stages = append(cfg.Stages, executor.Stage{Duration: dur, Target: target})
		}
		cfg = cfg.WithDefaults()
		if errs := cfg.Validate(); len(errs) > 0 {
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Error())
			}
			return usageErrorf("load: %s: %s", cfg.Executor, strings.Join(msgs, "; "))
		}
		if f.fixture != plan.FixtureVU && f.fixture != plan.FixtureIteration {
			return usageErrorf("load: --fixture %q: want %q or %q", f.fixture, plan.FixtureVU, plan.FixtureIteration)
		}
		p = &plan.Plan{Loads: []plan.Load{{Name: "default", Executor: cfg, Scenarios: args, Tags: f.tags, Fixture: f.fixture, Where: "command line"}}}
	}
	var ths []threshold.Threshold
	for _, s := range f.thresholds {
		th, err := threshold.Parse(s, known)
		if err != nil {
			return usageErrorf("load: --threshold: %v", err)
		}
		ths = append(ths, th)
	}
	outFile, err := parseOut(f.out)
	if err != nil {
		return err
	}
	if f.shards > 0 {
		if f.shard != "" {
			return usageErrorf("load: give --shard I/N or --shards N, not both")
		}
		if f.shard, err = shardFromIndex("load", f.shards, os.Getenv(jobIndexEnv)); err != nil {
			return err
		}
	}
	seg, err := parseShard(f.shard)
	if err != nil {
		return err
	}
	vars, err := parseVars(f.vars)
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	tty := false
	if fd, ok := stderr.(interface{ Fd() uintptr }); ok && !f.noProgress {
		tty = term.IsTerminal(int(fd.Fd()))
	}
	if _, set := os.LookupEnv("GOGC"); !set {
		// The generator's heap is small and steady (a VU's set-up and one
		// iteration's garbage); collecting it a quarter as often leaves
		// the CPU to the load. GOGC in the environment wins.
		defer debug.SetGCPercent(debug.SetGCPercent(loadGCPercent))
	}
	ctx, stop := interruptible(cmd)
	defer stop()
	go func() { <-ctx.Done(); stop() }()

	sum, runErr := load.Run(ctx, load.Options{Plan: p, Thresholds: ths, Target: f.target, RequestTimeout: f.reqTimeout, Keys: f.keys,
		KeyCache: f.keyCache, Segment: seg, Vars: vars, Live: &live.View{W: stderr, TTY: tty}, Log: stderr})
	return finishLoad(cmd.OutOrStdout(), sum, runErr, outFile)
}

// finishLoad prints and writes the summary and picks the exit code.
func finishLoad(stdout io.Writer, sum *summary.Summary, runErr error, outFile string) error {
	var reportErr error
	if sum != nil {
		if outFile != "" {
			if err := sum.Write(outFile); err != nil {
				reportErr = fmt.Errorf("load: cannot write %s: %v", outFile, err)
			}
		}
		if err := sum.WriteTable(stdout); err != nil && reportErr == nil {
			reportErr = fmt.Errorf("load: cannot write the summary table: %v", err)
		}
	}
	// The first of 3, 5, 4, 2, 1 wins, as for every command.
	switch {
	case errors.Is(runErr, load.ErrHarness):
		return &exitError{code: exitHarness, err: fmt.Errorf("load: %w", runErr)}
	case reportErr != nil:
		return &exitError{code: exitReport, err: reportErr}
	case errors.Is(runErr, load.ErrUnexercised):
		return &exitError{code: exitUnexercised, err: fmt.Errorf("load: %w", runErr)}
	case errors.Is(runErr, load.ErrUsage) || errors.Is(runErr, load.ErrScenario):
		return &exitError{code: exitUsage, err: fmt.Errorf("load: %w", runErr)}
	case runErr != nil:
		return &exitError{code: exitFailed, err: fmt.Errorf("load: %w", runErr)}
	case !sum.Passed():
		return &exitError{code: exitFailed, err: errors.New("load: thresholds failed")}
	}
	return nil
}

func parseOut(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	kind, file, ok := strings.Cut(s, ":")
	if !ok || kind != "json" || file == "" {
		return "", usageErrorf("load: --out %q: want json:FILE", s)
	}
	return file, nil
}

// parseShard reads --shard I/N, counted from 1 as run counts shards.
func parseShard(s string) (executor.Segment, error) {
	if s == "" {
		return executor.Whole, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	seg := executor.Segment{Index: i - 1, Count: n}
	if !ok || err1 != nil || err2 != nil || seg.Validate() != nil {
		return seg, usageErrorf("load: --shard %q: want I/N with 1 <= I <= N, e.g. 1/3", s)
	}
	return seg, nil
}

func newLoadMergeCmd() *cobra.Command {
	var out string
	var extra []string
	cmd := &cobra.Command{
		Use:   "merge SUMMARY.json|FOLDER...",
		Short: "Merge the summaries of a sharded load run and check its thresholds again",
		Long: `merge combines the summaries that the shards of one run wrote (--shard I/N --out json:FILE):
counters add up, histograms merge exactly (so percentiles are those of the whole run, not averages
of the shards'), and every threshold of the run, plus any --threshold given here, is evaluated
again on the merged metrics. A FOLDER stands for every *.json file directly in it (a Kubernetes
Job's shared volume, say). Exit status as for load: 0 passed, 1 a threshold failed, 2 unreadable
or mismatched summaries, 5 --out could not be written.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			args, err := expandFolders(args)
			if err != nil {
				return err
			}
			var parts []*summary.Summary
			for _, a := range args {
				s, err := summary.Read(a)
				if err != nil {
					return usageErrorf("load merge: %v", err)
				}
				parts = append(parts, s)
			}
			m, err := summary.Merge(parts)
			if err != nil {
				return usageErrorf("load merge: %v", err)
			}
			known := load.KnownTags()
			var ths []threshold.Threshold
			for _, s := range append(m.Thresholds, extra...) {
				th, err := threshold.Parse(s, known)
				if err != nil {
					return usageErrorf("load merge: %v", err)
				}
				ths = append(ths, th)
			}
			if _, err := m.Evaluate(ths); err != nil {
				return &exitError{code: exitHarness, err: err}
			}
			outFile, err := parseOut(out)
			if err != nil {
				return err
			}
			return finishLoad(cmd.OutOrStdout(), m, nil, outFile)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "json:FILE writes the merged summary")
	cmd.Flags().StringArrayVar(&extra, "threshold", nil, "another threshold to check (repeatable)")
	return cmd
}
