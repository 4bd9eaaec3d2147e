package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/results"
)

func init() { subcommands = append(subcommands, newReportCmd) }

func newReportCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "report RESULTS.json",
		Short: "Render the reports of a run from its results.json",
		Long: `report reads a results.json written by vaultcheck run --format json:FILE (or by report merge)
and writes any report of it: the same reports the run would have written.

Formats, comma-separated, FORMAT[:FILE] (one may write to the console):
  json      results.json itself (vaultcheck/results/v1, schema in results/schema/)
  junit     JUnit XML
  cucumber  Cucumber JSON
  message   Cucumber Messages (NDJSON), for Cucumber's own report tools
  html      one self-contained HTML page
  summary   the console summary (the default)

The file is checked against its schema first; a file that does not match is an error (exit 2).
report exits with the code the results imply (0 passed, 1 failed, 2 scenario errors, 3 harness
error or interrupted, 4 the target could not be exercised), or 5 when a report cannot be written.`,
		Example: `  vaultcheck report out/results.json --format html:out/report.html,junit:out/junit.xml
  vaultcheck report merge shard-*.json --format json:out/results.json,html:out/report.html`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, err := readResults(args[0])
			if err != nil {
				return err
			}
			return writeReports(cmd, doc, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "summary", "reports, comma-separated, FORMAT[:FILE]: "+strings.Join(results.FormatNames(), ", "))
	cmd.AddCommand(newReportMergeCmd())
	return cmd
}

func newReportMergeCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "merge SHARD.json|FOLDER...",
		Short: "Merge the results of the shards of one run into the results of the whole run",
		Long: `merge joins the results.json of every shard of one run (vaultcheck run --shard I/N) into the
results the run would have written unsharded, and renders them like report. It refuses shards of
different suites, vaultcheck builds or partitions, a shard missing or given twice, and scenarios
that do not add up to the run's. The merged results record each shard's index, times and exit code.
A FOLDER stands for every *.json file directly in it (a Kubernetes Job's shared volume, say).`,
		Example: `  vaultcheck report merge out/shard-1.json out/shard-2.json out/shard-3.json \
      --format json:out/results.json,junit:out/junit.xml,html:out/report.html`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := expandFolders(args)
			if err != nil {
				return err
			}
			var docs []*results.Document
			for _, a := range files {
				doc, err := readResults(a)
				if err != nil {
					return err
				}
				docs = append(docs, doc)
			}
			doc, err := results.Merge(docs...)
			if err != nil {
				return usageErrorf("report merge: %v", err)
			}
			return writeReports(cmd, doc, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "summary", "reports, comma-separated, FORMAT[:FILE]: "+strings.Join(results.FormatNames(), ", "))
	return cmd
}

// expandFolders replaces each folder of args by the *.json files directly
// in it, in name order.
func expandFolders(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil || !fi.IsDir() {
			out = append(out, a) // readResults reports what is wrong with it
			continue
		}
		found, err := filepath.Glob(filepath.Join(a, "*.json"))
		if err != nil {
			return nil, usageErrorf("%s: %v", a, err)
		}
		if len(found) == 0 {
			return nil, usageErrorf("%s: no *.json results in the folder", a)
		}
		out = append(out, found...)
	}
	return out, nil
}

// readResults reads and checks one results file.
func readResults(name string) (*results.Document, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, usageErrorf("%s: %v", name, unwrapPath(err))
	}
	defer f.Close()
	doc, err := results.Read(f, name)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return doc, nil
}

type reportSpec struct{ name, path string }

// parseReportFormats reads FORMAT[:FILE],... for report.
func parseReportFormats(list string) ([]reportSpec, error) {
	var specs []reportSpec
	console := ""
	files := map[string]bool{}
	for entry := range strings.SplitSeq(list, ",") {
		entry = strings.TrimSpace(entry)
		name, path, hasPath := strings.Cut(entry, ":")
		name, path = strings.TrimSpace(name), strings.TrimSpace(path)
		if _, ok := results.Formats[name]; !ok {
			return nil, fmt.Errorf("--format %q: unknown format %q (known: %s)", list, name, strings.Join(results.FormatNames(), ", "))
		}
		switch {
		case hasPath && path == "":
			return nil, fmt.Errorf("--format %q: %q names no file after \":\"", list, entry)
		case hasPath && files[filepath.Clean(path)]:
			return nil, fmt.Errorf("--format %q: two formats write %s", list, path)
		case !hasPath && console != "":
			return nil, fmt.Errorf("--format %q: both %q and %q write to the console; give one of them a file (%s:FILE)", list, console, name, name)
		case !hasPath:
			console = name
		default:
			files[filepath.Clean(path)] = true
		}
		specs = append(specs, reportSpec{name: name, path: path})
	}
	return specs, nil
}

// writeReports renders doc in every format of list and exits with the
// code doc implies, or 5 when a report could not be written.
func writeReports(cmd *cobra.Command, doc *results.Document, list string) error {
	specs, err := parseReportFormats(list)
	if err != nil {
		return usageErrorf("%v", err)
	}
	var failed []error
	for _, s := range specs {
		var b bytes.Buffer
		if err := results.Formats[s.name](&b, doc); err != nil {
			failed = append(failed, fmt.Errorf("cannot write report %s: %v", orConsole(s.path), err))
			continue
		}
		if s.path == "" {
			if _, err := cmd.OutOrStdout().Write(b.Bytes()); err != nil {
				failed = append(failed, fmt.Errorf("cannot write report to the console: %v", err))
			}
			continue
		}
		if err := writeFileAtomic(s.path, b.Bytes()); err != nil {
			failed = append(failed, fmt.Errorf("cannot write report %s: %v", s.path, err))
		}
	}
	if len(failed) > 0 {
		return &exitError{code: exitReport, err: errors.Join(failed...)}
	}
	if code := doc.ExitCode(); code != exitOK {
		return silentExit(code)
	}
	return nil
}

func orConsole(path string) string {
	if path == "" {
		return "to the console"
	}
	return path
}

// writeFileAtomic writes data to path through a temporary file in the
// same folder, so that a report is either whole or the previous one.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return unwrapPath(err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return unwrapPath(err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return unwrapPath(err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return unwrapPath(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return unwrapPath(err)
	}
	return nil
}

// unwrapPath drops the operation and path of an *os.PathError, which the
// messages name already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
