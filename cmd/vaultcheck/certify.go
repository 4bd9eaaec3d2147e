package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/certify"
	"github.com/vaultcheck/vaultcheck/internal/requirements"
)

func init() { subcommands = append(subcommands, newCertifyCmd) }

// The names of what certify writes in its --out folder.
const (
	bundleDirName   = "bundle"
	bundleTarName   = "bundle.tar.gz"
	signerPubName   = "signer.pub"
	signerPrintName = "signer.fingerprint"
)

// refusedFlags are run's flags that would make a certification something
// less than one: certify accepts them only to say why not.
var refusedFlags = map[string]string{
	"tags":      "a certification runs every scenario of the claimed profiles: no tag filter",
	"fail-fast": "a certification runs every scenario: no fail-fast",
	"shard":     "a certification is one run: no shards",
	"shards":    "a certification is one run: no shards",
	"seed":      "a certification runs the scenarios in file order",
	"var":       "a certification runs the suite as written: no HCL variables",
	"format":    "a certification writes its bundle; render reports from its results.json with vaultcheck report",
}

func newCertifyCmd() *cobra.Command {
	var (
		o          certify.Options
		declPath   string
		out        string
		signingKey string
		refused    = map[string]*string{}
		refusedB   = map[string]*bool{}
	)
	cmd := &cobra.Command{
		Use:   "certify --declaration VENDOR.hcl --target URL|docker:IMAGE [--out DIR]",
		Short: "Certify a Vault against the profiles a declaration claims, into a signed evidence bundle",
		Long: `certify runs the conformance suite against a target as a certification: the vendor's declaration
(HCL: product, version, vendor contact, profiles claimed, optional capabilities, known failures)
says which profiles to run (vaultcheck certify profiles lists them), every scenario of those
profiles runs and the rest are disabled, and the verdict is derived from the run and the
declaration:

  - a required check (a MUST of a claimed profile, or a SHOULD claimed as a capability) must pass:
    it can be neither skipped nor declared a known failure;
  - an optional check (a SHOULD) that fails must be declared a known failure (with a reason and a
    tracking link); one declared a known failure that passes is an unexpected pass, which fails the
    certification until the declaration is updated;
  - a scenario that names no requirement belongs to every claim and must pass.

Honest runs only: fresh keys (--keys fast is refused against anything but the built-in fake
inproc), the server-blindness checks on, the whole suite built into vaultcheck, no tag filter, no
fail-fast, no shards. Before the run, vaultcheck checks its own crypto against the vectors of
Meeco's libraries built into it.

The bundle goes to DIR/bundle (and DIR/bundle.tar.gz, the same files in a tar whose bytes depend on
the files only): the declaration, results.json with every exchange redacted as in reports, the
crypto ledger of every scenario with the material to re-check it (ciphertexts, public keys, hashes
and the private keys of the run's throwaway test users), run.json (vaultcheck's version and binary
digest, the digests of the suite and the vectors, every option, the identity of the system under
test: URLs, TLS certificate chains and SPKI SHA-256, server headers, a docker image's id and
digests; start and end), the profiles, the verdict, and the signer's public key. Their SHA-256 and
the verdict are an in-toto Statement in a DSSE envelope signed with Ed25519: --signing-key FILE
(PKCS#8 PEM, as openssl genpkey -algorithm ed25519 writes it), or a fresh key whose public half and
fingerprint are printed and written to DIR/signer.pub and DIR/signer.fingerprint.

vaultcheck certify verify BUNDLE checks a bundle offline.

Exit status: 0 certified; 1 refused (the bundle says why); 2 bad usage or declaration (a required
check declared a known failure is refused here, before anything runs); 3 the harness broke or its
crypto self-test failed; 4 the target could not be exercised (refused; the bundle is written);
5 the bundle could not be written.`,
		Example: `  vaultcheck certify --declaration vendor.hcl --target https://vault.example.com --out cert
  vaultcheck certify --declaration vendor.hcl --target docker:acme/vault:1.4 --signing-key acme.pem
  vaultcheck certify verify cert/bundle.tar.gz --key acme.pub
  vaultcheck certify profiles`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("certify: it runs the suite built into vaultcheck and takes no paths (got %q)", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			for name, why := range refusedFlags {
				if cmd.Flags().Changed(name) {
					return usageErrorf("certify: --%s is not allowed: %s", name, why)
				}
			}
			if declPath == "" {
				return usageErrorf("certify: --declaration is required: the vendor's HCL declaration of what is claimed")
			}
			if o.Target == "" && (o.VaultURL == "" || o.KeystoreURL == "") {
				return usageErrorf("certify: --target is required: a URL serving /vault and /keystore, docker:IMAGE, or inproc (the built-in fake); or both --vault-url and --keystore-url")
			}
			if !cmd.Flags().Changed("subscription-key") {
				o.SubscriptionKey = os.Getenv(subscriptionKeyEnv)
			}
			src, err := os.ReadFile(declPath)
			if err != nil {
				return usageErrorf("certify: %v", err)
			}
			if o.Declaration, err = certify.ParseDeclaration(declPath, src); err != nil {
				return &exitError{code: exitUsage, err: fmt.Errorf("certify: %w", err)}
			}
			paths := certifyPaths(out)
			for _, p := range []string{paths.dir, paths.tar} {
				if _, err := os.Lstat(p); err == nil {
					return usageErrorf("certify: %s already exists: a bundle is never overwritten; choose another --out", p)
				}
			}
			if signingKey != "" {
				raw, err := os.ReadFile(signingKey)
				if err != nil {
					return usageErrorf("certify: --signing-key: %v", err)
				}
				if o.Signer, err = certify.LoadSigner(raw); err != nil {
					return usageErrorf("certify: --signing-key %s: %v", signingKey, err)
				}
			}
			o.Output, o.Log = cmd.OutOrStdout(), cmd.ErrOrStderr()

			signal.Ignore(syscall.SIGPIPE)
			ctx, stop := interruptible(cmd)
			defer stop()
			go func() {
				<-ctx.Done()
				stop()
			}()

			oc, err := certify.Run(ctx, o)
			if err != nil {
				return certifyError(err)
			}
			if err := writeBundle(oc, paths); err != nil {
				return &exitError{code: exitReport, err: fmt.Errorf("certify: %w", err)}
			}
			printOutcome(cmd.OutOrStdout(), o.Declaration, oc, paths)
			if oc.RunErr != nil && oc.ExitCode() != exitOK && oc.ExitCode() != exitFailed {
				return &exitError{code: oc.ExitCode(), err: oc.RunErr}
			}
			if code := oc.ExitCode(); code != exitOK {
				return silentExit(code)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&declPath, "declaration", "", "the vendor's declaration (HCL)")
	f.StringVar(&o.Target, "target", "", `the Vault to certify: a base URL serving /vault and /keystore, docker:IMAGE[:TAG], or "inproc"`)
	f.StringVar(&o.VaultURL, "vault-url", "", "Vault API URL (default TARGET/vault)")
	f.StringVar(&o.KeystoreURL, "keystore-url", "", "Keystore API URL (default TARGET/keystore)")
	f.StringVar(&out, "out", "certification", "folder for the bundle (DIR/bundle, DIR/bundle.tar.gz) and the signer's public key; must not hold a bundle yet")
	f.StringVar(&signingKey, "signing-key", "", "Ed25519 private key (PKCS#8 PEM) that signs the bundle (default: a fresh key, printed)")
	f.StringVar(&o.Keys, "keys", "", `"fresh" (the default); "fast" only against inproc`)
	f.StringVar(&o.SubscriptionKey, "subscription-key", "", "Meeco subscription key sent to the target (default $"+subscriptionKeyEnv+")")
	f.IntVar(&o.Concurrency, "concurrency", 0, "scenarios run at once (0 = the default of run)")
	f.DurationVar(&o.RequestTimeout, "request-timeout", harness.DefaultRequestTimeout, "time limit of each request to the target, its answer included")
	f.DurationVar(&o.Timeout, "timeout", 0, "deadline of the whole run, target start included (0 = none)")
	f.StringArrayVar(&o.DockerEnv, "docker-env", nil, "set NAME=VALUE (or pass NAME) in a docker target's container (repeatable; names are recorded, values never)")
	f.StringArrayVar(&o.DockerArgs, "docker-arg", nil, "an argument of a docker target's command (repeatable)")
	f.DurationVar(&o.DockerWait, "docker-wait", harness.DefaultDockerWait, "how long a docker target's container may take to answer")
	for name := range refusedFlags {
		switch name {
		case "fail-fast":
			refusedB[name] = f.Bool(name, false, "not allowed: "+refusedFlags[name])
		default:
			refused[name] = f.String(name, "", "not allowed: "+refusedFlags[name])
		}
		_ = f.MarkHidden(name)
	}
	cmd.AddCommand(newCertifyProfilesCmd(), newCertifyVerifyCmd())
	return cmd
}

// bundlePaths are where certify writes.
type bundlePaths struct{ dir, tar, pub, print string }

func certifyPaths(out string) bundlePaths {
	return bundlePaths{dir: filepath.Join(out, bundleDirName), tar: filepath.Join(out, bundleTarName),
		pub: filepath.Join(out, signerPubName), print: filepath.Join(out, signerPrintName)}
}

// certifyError gives an error of certify.Run its exit code.
func certifyError(err error) error {
	code := exitUsage
	switch {
	case errors.Is(err, certify.ErrSelfTest), errors.Is(err, harness.ErrHarness):
		code = exitHarness
	case errors.Is(err, harness.ErrUnexercised):
		code = harness.ExitUnexercised
	case errors.Is(err, certify.ErrBundle):
		code = exitReport
	}
	return &exitError{code: code, err: fmt.Errorf("certify: %w", err)}
}

// writeBundle writes the bundle folder, its tar.gz and the signer's public
// key beside them.
func writeBundle(oc *certify.Outcome, p bundlePaths) error {
	if err := oc.Bundle.WriteDir(p.dir); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := oc.Bundle.WriteTarGz(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(p.tar, buf.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(p.pub, certify.PublicKeyPEM(oc.Signer), 0o644); err != nil {
		return err
	}
	return os.WriteFile(p.print, []byte(certify.Fingerprint(oc.Signer)+"\n"), 0o644)
}

func printOutcome(w io.Writer, decl *certify.Declaration, oc *certify.Outcome, p bundlePaths) {
	v := oc.Verdict
	fmt.Fprintf(w, "\ncertification: %s: %s %s (%s), profiles %s\n", strings.ToUpper(v.Result), decl.Product.Name,
		decl.Product.Version, decl.Product.Vendor, strings.Join(v.Profiles, ", "))
	fmt.Fprintf(w, "requirements: %s\n", outcomeCounts(v.Totals))
	printReasons(w, v.Reasons)
	for _, r := range v.Requirements {
		if r.Outcome == certify.OutcomeKnownFailure {
			fmt.Fprintf(w, "  known failure: %s: %s (%s)\n", r.ID, r.KnownFailure.Reason, r.KnownFailure.Tracking)
		}
	}
	fmt.Fprintf(w, "bundle: %s (%d files) and %s\n", p.dir, len(oc.Bundle.Files), p.tar)
	fp := certify.Fingerprint(oc.Signer)
	if oc.FreshSigner {
		fmt.Fprintf(w, "signed with a fresh Ed25519 key %s; its private half is gone. Public key (also in %s):\n%s",
			fp, p.pub, certify.PublicKeyPEM(oc.Signer))
	} else {
		fmt.Fprintf(w, "signed with the key of --signing-key, %s (public key in %s)\n", fp, p.pub)
	}
	fmt.Fprintf(w, "verify: vaultcheck certify verify %s --key %s\n", p.tar, p.pub)
}

func outcomeCounts(t map[string]int) string {
	var parts []string
	for _, o := range []string{certify.OutcomePass, certify.OutcomeFail, certify.OutcomeKnownFailure, certify.OutcomeUnexpectedPass, certify.OutcomeUntested} {
		if t[o] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", t[o], o))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func newCertifyProfilesCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List the certification profiles and their requirements",
		Long: `profiles lists the profiles a declaration can claim: each is made of whole areas of the
requirement catalogue (internal/requirements/CATALOGUE.md); its MUSTs are required, its SHOULDs
optional unless the declaration claims them as capabilities. --format json prints the profiles as a
bundle records them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			switch format {
			case "json":
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(certify.CurrentProfiles())
			case "text":
			default:
				return usageErrorf("certify profiles: format %q, want text or json", format)
			}
			for _, p := range certify.Profiles() {
				reqs := p.Requirements()
				must := 0
				for _, r := range reqs {
					if r.Level == requirements.Must {
						must++
					}
				}
				fmt.Fprintf(w, "%s: %s\n", p.Name, p.Title)
				if len(p.Needs) > 0 {
					fmt.Fprintf(w, "  claimed together with: %s\n", strings.Join(p.Needs, ", "))
				}
				fmt.Fprintf(w, "  %d requirements: %d required (MUST), %d optional (SHOULD)\n", len(reqs), must, len(reqs)-must)
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				for _, r := range reqs {
					kind := "required"
					if r.Level != requirements.Must {
						kind = "optional"
					}
					fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.ID, kind, r.Area, r.Statement)
				}
				tw.Flush()
				fmt.Fprintln(w)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

func newCertifyVerifyCmd() *cobra.Command {
	var keyPath string
	cmd := &cobra.Command{
		Use:   "verify BUNDLE",
		Short: "Check a certification bundle offline: signature, digests, and the verdict derived again",
		Long: `verify checks a bundle (its folder, or its .tar.gz) with no network and no target: the DSSE
signature of its in-toto Statement, the SHA-256 of every file (a changed, missing or added file is
named), then it derives the verdict again from the signed files alone: the profiles and the suite
must be this vaultcheck's, every scenario's crypto ledger is re-checked from its recorded material
(every wrap, encryption and hash re-done, each share key opening with the recipient's key and no
other key of its scenario, every Cryppo string canonical) and must agree with the run's results,
and each requirement's status is computed again from the recorded steps and the declaration. The
verdict so derived must be the one recorded and signed.

Without --key the signature is checked with the key inside the bundle, which proves that nothing
changed since it was signed but not who signed: the signer is reported UNVERIFIED with its
fingerprint. Give --key with the vendor's published public key (PEM).

Exit status: 0 every check agrees and the product is certified; 1 every check agrees and the
certification was refused; 2 bad usage or an unreadable bundle; 6 bad signature; 7 a file does not
match its signed digest; 8 the verdict (or anything it rests on) does not derive again. The first of
6, 7, 8 wins.`,
		Example: `  vaultcheck certify verify certification/bundle.tar.gz --key acme.pub
  vaultcheck certify verify certification/bundle`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var vo certify.VerifyOptions
			if keyPath != "" {
				raw, err := os.ReadFile(keyPath)
				if err != nil {
					return usageErrorf("certify verify: --key: %v", err)
				}
				if vo.Key, err = certify.LoadPublicKey(raw); err != nil {
					return usageErrorf("certify verify: --key %s: %v", keyPath, err)
				}
			}
			b, err := certify.ReadBundle(args[0])
			if err != nil {
				return usageErrorf("certify verify: %v", err)
			}
			rep := certify.Verify(cmd.Context(), b, vo)
			printReport(cmd.OutOrStdout(), args[0], rep, vo.Key)
			if code := rep.ExitCode(); code != certify.VerifyCertified {
				return silentExit(code)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&keyPath, "key", "", "the signer's Ed25519 public key (PEM); without it the signer is unverified")
	return cmd
}

func printReport(w io.Writer, name string, rep *certify.Report, key ed25519.PublicKey) {
	fmt.Fprintf(w, "bundle: %s\n", name)
	for _, n := range rep.Notes {
		fmt.Fprintln(w, n)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "FAIL %s\n", p)
	}
	switch code := rep.ExitCode(); code {
	case certify.VerifyCertified, certify.VerifyRefused:
		v := rep.Rederived
		fmt.Fprintf(w, "result: %s: %s %s (%s), profiles %s; requirements: %s\n", strings.ToUpper(v.Result), rep.Product.Name,
			rep.Product.Version, rep.Product.Vendor, strings.Join(v.Profiles, ", "), outcomeCounts(v.Totals))
		printReasons(w, v.Reasons)
		if key == nil {
			fmt.Fprintf(w, "signer: UNVERIFIED (%s): check that fingerprint with the vendor, or give --key\n", rep.Signer)
		}
	case certify.VerifyBadSignature:
		fmt.Fprintln(w, "result: BAD SIGNATURE: the bundle is not what the signer signed")
	case certify.VerifyDigest:
		fmt.Fprintln(w, "result: DIGEST MISMATCH: files differ from what was signed")
	default:
		fmt.Fprintln(w, "result: VERDICT MISMATCH: the signed verdict does not follow from the signed evidence")
	}
}

// shownReasons is how many reasons of a refusal the console shows;
// verdict.json has them all.
const shownReasons = 20

func printReasons(w io.Writer, reasons []string) {
	for i, r := range reasons {
		if i == shownReasons {
			fmt.Fprintf(w, "  ... and %d more reasons (verdict.json lists every one)\n", len(reasons)-shownReasons)
			break
		}
		fmt.Fprintf(w, "  refused: %s\n", r)
	}
}
