package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/cucumber/godog"
	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/hclscenario"
	"github.com/vaultcheck/vaultcheck/steps"
)

func init() { subcommands = append(subcommands, newRunCmd) }

// subscriptionKeyEnv names the environment variable that supplies
// --subscription-key, so the key need not appear in shell history or ps.
const subscriptionKeyEnv = "VAULTCHECK_SUBSCRIPTION_KEY"

// runInitializer registers the steps of each scenario; nil means the step
// library (steps.Initializer). Tests replace it with trivial steps.
var runInitializer func(steps.Config) func(*godog.ScenarioContext)

func newRunCmd() *cobra.Command {
	var (
		o          harness.Options
		vars       []string
		durations  string
		noProgress bool
		shards     int
		watch      bool
	)
	cmd := &cobra.Command{
		Use:   "run [PATH[:LINE]...]",
		Short: "Run the conformance features against the fake Vault or a live one",
		Long: `run executes Gherkin conformance features against a target Vault and Keystore.

Without PATH it runs the suite built into vaultcheck (features/*.feature and scenarios/*.hcl), so
it works from any folder. A PATH is a .feature or .hcl file, a folder searched for them, or
FILE.feature:LINE for the scenario containing that line. HCL scenarios are checked first and
compiled to Gherkin that runs through the same steps.

The target is "inproc" (default): a fresh fake Vault and Keystore on a loopback port for this run.
Or a base URL serving /vault and /keystore; --vault-url and --keystore-url override either. A URL
target must answer an HTTP request within a few seconds, or no scenario runs (exit 4).

Or docker:IMAGE[:TAG]: a local image (never pulled; build it first) run as a container for this
run, labelled vaultcheck.run=<run id>, and removed at the end, after a failure, the deadline or the
first Ctrl-C. vaultcheck sets VAULTCHECK_ADDR in the container to where it must listen (host:port)
and waits up to --docker-wait for /vault and /keystore to answer there; the container's log tail
is shown when it never does and under the summary when a scenario does not pass. On an engine
without a bridge network (dockerd --bridge=none) the container shares the host network and gets
a free loopback port; otherwise it listens on 0.0.0.0:8080, published on 127.0.0.1.
--docker-env NAME=VALUE (or NAME, passing this environment's value) and --docker-arg ARG (the
container's command after the image's entrypoint) are repeatable. vaultcheck serve honours
VAULTCHECK_ADDR, so the repository's Dockerfile makes such an image of the fake Vault.

Each request to the target times out after --request-timeout; --timeout bounds the whole run.
A target that does not answer (refused, reset, timed out), breaks (5xx, even where a 4xx refusal
is due) or answers a body that is not JSON where JSON is due is a target error: the step's status
is error, not failed, and the run exits 4. When the target then stops answering altogether, the
scenarios not yet started do not run.

Formats, several at once separated by commas; FORMAT:FILE writes that report to FILE (its folders
are created), and one format may write to the console:
  progress  a progress bar with the failures so far and an ETA on a terminal; rows of a character
            per step when not a terminal or with --no-progress (the default)
  pretty    each scenario with its steps and their file:line (runs scenarios one at a time)
  json      results.json: versioned (vaultcheck/results/v1, schema in results/schema/), every
            scenario with its stable id, status, steps, redacted exchanges and ledger summary
  html      one self-contained HTML report with filters by status, tag and requirement
  message   Cucumber Messages (NDJSON) for Cucumber's own tools
  junit     JUnit XML;  cucumber  Cucumber JSON;  events  godog's event stream
HCL scenarios are reported at their HCL file and line in every format. vaultcheck report renders
any of them again from a results.json.

--shard I/N runs one of N parts of the suite, partitioned by stable scenario id (round-robin, or
balanced by duration with --durations RESULTS.json); vaultcheck report merge joins the parts'
results.json into the results of the whole run. --shards N takes I from $JOB_COMPLETION_INDEX
(0-based), for a Kubernetes Indexed Job.

--tags takes a cucumber tag expression ("@smoke and not @slow", with and, or, not and parentheses)
or a godog filter ("@smoke&&~@slow", where , is or). Tags that select no scenario are an error.

--keys fast hands out pre-generated, publicly known RSA-4096 test keys (quick; use it only with a
throwaway vault); fresh generates every key (about a second of CPU each). The default is fast for
inproc and docker targets (they exist for the run only) and fresh for URL targets.

Before any scenario runs, one request to each service checks the subscription key: a target that
refuses it stops the run with exit 2 instead of failing every scenario.

--fail-fast stops at the first scenario that does not pass. The first Ctrl-C (or SIGTERM) stops the
run: scenarios in progress are cut short, the rest never start; a second one kills the process.
Scenarios that never ran are counted and named as not run, never as failed, in the summary and in
the JUnit report.

Undefined, ambiguous and pending steps fail the run (strict mode).

--watch runs the PATHs, then watches them: on every save of a .feature or .hcl file it vets the
file again and runs the scenarios that changed (all of an HCL file), with the same flags. A problem
is shown and the watch goes on; Ctrl-C stops it (exit 0).

Exit status:
  0  every scenario passed
  1  the target failed a scenario
  2  bad usage, unreadable or malformed input, a mistake in a scenario (an undefined step, a
     scenario error), or a subscription key the target refuses
  3  the harness broke, or the run was interrupted (results are incomplete)
  4  the target could not be exercised: it did not answer, broke (5xx) or sent a body that is
     not JSON, its container never answered, or the --timeout deadline passed
  5  a report could not be written (a FORMAT:FILE, or the console)
When several apply, the first of 3, 5, 4, 2, 1 wins: 3 and 5 mean vaultcheck's own account is
broken or lost; 4 means the verdicts are incomplete, so fix the target's environment before
reading failures; 2 and 1 are verdicts that stand as reported.`,
		Example: `  vaultcheck run
  vaultcheck run --tags '@smoke and not @slow' --concurrency 2
  vaultcheck run features/sharing.feature:17 --format pretty
  vaultcheck run scenarios/ my-scenario.hcl
  vaultcheck run --format progress,junit:out/junit.xml,json:out/results.json,html:out/report.html
  vaultcheck run --shard 2/3 --format json:out/shard-2.json
  vaultcheck run --seed -1                          # random order; the seed is printed
  vaultcheck run --watch features/                  # again on every save
  VAULTCHECK_SUBSCRIPTION_KEY=... vaultcheck run --target https://sandbox.example.com
  vaultcheck run --vault-url http://localhost:3000 --keystore-url http://localhost:3001
  docker build -t vaultcheck-fake . && vaultcheck run --target docker:vaultcheck-fake
  vaultcheck run --target docker:acme/vault:1.4 --docker-env DB_PASSWORD --docker-arg --verbose
  vaultcheck run --target https://vault.example.com --request-timeout 10s --timeout 15m`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("subscription-key") {
				o.SubscriptionKey = os.Getenv(subscriptionKeyEnv)
			}
			o.Paths = args
			o.Output = cmd.OutOrStdout()
			o.Log = cmd.ErrOrStderr()
			o.Initializer = runInitializer
			overrides, err := parseVars(vars)
			if err != nil {
				return err
			}
			o.Vars = overrides
			o.SourceLine = hclscenario.SourceLine
			if noProgress {
				o.Progress = harness.ProgressPlain
			}
			if shards > 0 {
				if o.Shard != "" {
					return usageErrorf("run: give --shard I/N or --shards N, not both")
				}
				if o.Shard, err = shardFromIndex("run", shards, os.Getenv(jobIndexEnv)); err != nil {
					return err
				}
			}
			if durations != "" {
				if o.Durations, err = readResults(durations); err != nil {
					return err
				}
			}

			// The first Ctrl-C (or SIGTERM from CI) cancels the scenarios'
			// context; restoring the default handling then lets a second
			// one kill a run that does not stop.
			// A console that goes away (vaultcheck run | head) must not
			// kill the process before it removes a docker target's
			// container: with SIGPIPE ignored the write fails instead, and
			// the run ends with exit 5 (the console report was lost).
			signal.Ignore(syscall.SIGPIPE)
			ctx, stop := interruptible(cmd)
			defer stop()
			go func() {
				<-ctx.Done()
				stop()
			}()

			if watch {
				return runWatch(ctx, o, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			code, err := harness.Run(ctx, o)
			switch {
			case code == harness.ExitPassed:
				return nil
			case err == nil:
				return silentExit(code)
			case errors.Is(err, harness.ErrSubscriptionKey):
				return &exitError{code: code, err: fmt.Errorf("run: %w\n  hint: give the target's key with --subscription-key or $%s", err, subscriptionKeyEnv)}
			case errors.Is(err, harness.ErrScenario) || errors.Is(err, harness.ErrHarness) || errors.Is(err, harness.ErrReport) ||
				errors.Is(err, harness.ErrUnexercised):
				return &exitError{code: code, err: err}
			}
			return &exitError{code: code, err: fmt.Errorf("run: %w", err)}
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Target, "target", harness.TargetInproc, `"inproc", the base URL of a server serving /vault and /keystore, or docker:IMAGE[:TAG]`)
	f.StringVar(&o.VaultURL, "vault-url", "", "Vault API URL (default TARGET/vault)")
	f.StringVar(&o.KeystoreURL, "keystore-url", "", "Keystore API URL (default TARGET/keystore)")
	f.StringVar(&o.SubscriptionKey, "subscription-key", "", "Meeco subscription key sent to the target (default $"+subscriptionKeyEnv+")")
	f.StringVar(&o.Format, "format", harness.DefaultFormat, "godog formats, comma-separated, FORMAT[:FILE]")
	f.StringVar(&o.Tags, "tags", "", `select scenarios by tags: "@a and not @b" or "@a&&~@b"`)
	f.IntVar(&o.Concurrency, "concurrency", 0, fmt.Sprintf("scenarios run at once; 0 = min(4, 2 x CPUs) = %d here", harness.DefaultConcurrency()))
	f.Int64Var(&o.Seed, "seed", 0, "scenario order within each feature: 0 file order, -1 random (printed), N that seed")
	f.BoolVar(&o.FailFast, "fail-fast", false, "stop at the first failing scenario (runs one scenario at a time)")
	f.StringArrayVar(&vars, "var", nil, "set an HCL scenario variable, NAME=VALUE (repeatable)")
	f.StringVar(&o.Shard, "shard", "", "run shard I of N (I/N): the scenarios partitioned by their stable ids; merge the results with report merge")
	f.IntVar(&shards, "shards", 0, "run shard $"+jobIndexEnv+" (0-based, as a Kubernetes Indexed Job sets it) of N")
	f.StringVar(&durations, "durations", "", "with --shard: balance the shards by the durations in this results.json of an earlier run")
	f.BoolVar(&noProgress, "no-progress", false, "show the progress format as rows of step characters, never as a progress bar")
	f.BoolVar(&watch, "watch", false, "run PATHs, then on every save vet and run again the scenarios that changed, until Ctrl-C")
	f.StringArrayVar(&o.DockerEnv, "docker-env", nil, "set NAME=VALUE (or pass NAME from this environment) in a docker target's container (repeatable)")
	f.StringArrayVar(&o.DockerArgs, "docker-arg", nil, "an argument of a docker target's command, after the image's entrypoint (repeatable)")
	f.DurationVar(&o.DockerWait, "docker-wait", harness.DefaultDockerWait, "how long a docker target's container may take to answer")
	f.DurationVar(&o.RequestTimeout, "request-timeout", harness.DefaultRequestTimeout, "time limit of each request to the target, its answer included")
	f.DurationVar(&o.Timeout, "timeout", 0, "deadline of the whole run, target start included (0 = none); exit 4 when it passes")
	f.StringVar(&o.Keys, "keys", "", `key source, "fast" or "fresh" (default fast for inproc and docker, fresh for URL targets)`)
	return cmd
}

// jobIndexEnv is the variable a Kubernetes Indexed Job sets to the
// 0-based index of each of its pods.
const jobIndexEnv = "JOB_COMPLETION_INDEX"

// shardFromIndex turns --shards N and a 0-based job index into I/N, so that
// an Indexed Job can run shards from an image without a shell.
func shardFromIndex(cmd string, n int, index string) (string, error) {
	if index == "" {
		return "", usageErrorf("%s: --shards %d takes the shard from $%s, which is not set (use --shard I/N outside an Indexed Job)", cmd, n, jobIndexEnv)
	}
	i, err := strconv.Atoi(index)
	if err != nil || i < 0 || i >= n {
		return "", usageErrorf("%s: $%s is %q, want 0 to %d for --shards %d", cmd, jobIndexEnv, index, n-1, n)
	}
	return fmt.Sprintf("%d/%d", i+1, n), nil
}
