package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	messages "github.com/cucumber/messages/go/v34"
	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/internal/gherkindoc"
	"github.com/vaultcheck/vaultcheck/internal/suite"
	"github.com/vaultcheck/vaultcheck/steps"
)

func init() { subcommands = append(subcommands, newStepsCmd) }

// searchShown is how many phrases a search shows unless --limit says.
const searchShown = 10

func newStepsCmd() *cobra.Command {
	var (
		search string
		in     []string
		limit  int
	)
	cmd := &cobra.Command{
		Use:   "steps [--search WORDS...]",
		Short: "Print the step catalog, or find step phrases by keyword",
		Long: `steps prints the step catalog: every step phrase features and scenarios can use, with its ID,
kind and what it does.

--search WORDS finds the phrases whose wording, ID or description hold the words (any case; share
also finds shares, shared and sharing; three letters or more also find longer words that start
with them), best first: those matching more of the words, then those matching them in the phrase
itself. For each it shows its kind, what it does and an example of its use: the real text of a step
that uses it, at its file:line, from the features built into vaultcheck, or from the features
under the --in paths.

Exit status: 0; 1 when a search finds nothing; 2 bad usage.`,
		Example: `  vaultcheck steps
  vaultcheck steps --search share key
  vaultcheck steps --search refused status --in features/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if search == "" {
				if len(args) > 0 || len(in) > 0 {
					return usageErrorf("steps: words and --in go with --search WORDS")
				}
				return steps.WriteCatalog(cmd.OutOrStdout())
			}
			query := strings.Join(append([]string{search}, args...), " ")
			examples, err := stepExamples(cmd.Context(), in)
			if err != nil {
				return err
			}
			n := writeSearch(cmd.OutOrStdout(), query, examples, limit)
			if n == 0 {
				return silentExit(exitFailed)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&search, "search", "", "find phrases by these words (the words after it count too)")
	cmd.Flags().StringArrayVar(&in, "in", nil, "take examples from the features under this path (repeatable; default: the built-in features)")
	cmd.Flags().IntVar(&limit, "limit", searchShown, "show at most this many phrases; 0 shows all")
	return cmd
}

// example is a step of a feature that uses a definition.
type example struct {
	file string
	line int64
	text string // keyword and text, as written (outline rows substituted)
}

// stepExamples finds, for each definition, the first step of the features
// (the built-in ones, or those under paths) that uses it.
func stepExamples(ctx context.Context, paths []string) (map[string]example, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	s, err := suite.Load(ctx, suite.Options{Paths: paths})
	switch {
	case errors.Is(err, suite.ErrBadPath) || errors.Is(err, suite.ErrNoScenarios):
		return nil, usageErrorf("steps --in: %v", err)
	case err != nil:
		return nil, &exitError{code: exitHarness, err: err}
	}
	out := map[string]example{}
	for _, f := range s.Files {
		if !f.Gherkin {
			continue // HCL scenarios are not written in phrases
		}
		for _, ft := range f.Features {
			keywords := map[string]string{}
			collectKeywords(ft, keywords)
			for _, p := range ft.Pickles {
				for _, st := range p.Steps {
					if len(st.AstNodeIds) == 0 {
						continue
					}
					hits := steps.Matching(st.Text)
					if len(hits) != 1 {
						continue
					}
					id := st.AstNodeIds[0]
					if _, have := out[hits[0].ID]; !have {
						out[hits[0].ID] = example{file: ft.URI, line: ft.Lines[id], text: keywords[id] + st.Text}
					}
				}
			}
		}
	}
	return out, nil
}

// collectKeywords maps each step's AST id to its keyword ("Given ").
func collectKeywords(ft *suite.Feature, into map[string]string) {
	if ft.Doc == nil {
		return
	}
	steps := func(list []*messages.Step) {
		for _, st := range list {
			into[st.Id] = st.Keyword
		}
	}
	gherkindoc.Walk(ft.Doc.Feature, steps, func(sc *messages.Scenario) { steps(sc.Steps) })
}

// writeSearch writes the phrases that match query, at most limit of them
// (0: all), and returns how many matched.
func writeSearch(w io.Writer, query string, examples map[string]example, limit int) int {
	hits := steps.Search(query)
	if len(hits) == 0 {
		fmt.Fprintf(w, "no step phrase matches %q; vaultcheck steps lists them all\n", query)
		return 0
	}
	for i, h := range hits {
		if limit > 0 && i == limit {
			fmt.Fprintf(w, "… and %d more (--limit 0 shows all)\n", len(hits)-limit)
			break
		}
		if i > 0 {
			fmt.Fprintln(w)
		}
		phrase := h.Phrase()
		if h.Table != nil {
			phrase += " | " + strings.Join(h.Table, " | ") + " |"
		}
		if h.DocString {
			phrase += ` """..."""`
		}
		fmt.Fprintf(w, "%s  (%s, %s)\n", phrase, h.Kind, h.ID)
		fmt.Fprintf(w, "    %s\n", h.Doc)
		if ex, ok := examples[h.ID]; ok {
			fmt.Fprintf(w, "    e.g. %s:%d: %s\n", ex.file, ex.line, ex.text)
		} else {
			fmt.Fprintf(w, "    no feature uses it yet\n")
		}
	}
	return len(hits)
}
