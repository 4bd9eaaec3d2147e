package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/meecocli"
)

func (a *app) templateCmds() []*cobra.Command {
	return []*cobra.Command{a.templatesList(), a.templatesInfo()}
}

// templateFlags are the classification filters of the template commands.
type templateFlags struct {
	scheme, name string
}

func (f *templateFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.scheme, "classificationScheme", "s", "", "scope templates to a classification scheme")
	cmd.Flags().StringVarP(&f.name, "classificationName", "n", "", "scope templates to a classification name")
}

func (f *templateFlags) query() client.TemplateQuery {
	return client.TemplateQuery{Scheme: f.scheme, Classification: f.name}
}

func (a *app) templatesList() *cobra.Command {
	var tf templateFlags
	var label string
	var all bool
	cmd := &cobra.Command{
		Use:     "templates:list",
		Short:   "List the names of the item templates",
		Example: `  meeco templates:list -a .alice.yaml`,
		Args:    args(cobra.NoArgs),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			c, auth, err := a.authed()
			if err != nil {
				return err
			}
			q := tf.query()
			q.Like = label
			a.progress("Fetching available templates")
			list, err := c.ListTemplates(cmd.Context(), auth, q)
			if err != nil {
				return err
			}
			templates := list.ItemTemplates
			for list.Meta.NextPageExists && list.NextPageAfter != nil {
				if !all {
					a.progress("warning: some templates were left out; use --all to fetch them all")
					break
				}
				q.NextPageAfter = *list.NextPageAfter
				if list, err = c.ListTemplates(cmd.Context(), auth, q); err != nil {
					return err
				}
				templates = append(templates, list.ItemTemplates...)
			}
			return a.print(meecocli.TemplateNames(templates))
		}),
	}
	tf.add(cmd)
	cmd.Flags().StringVarP(&label, "label", "l", "", "search label text")
	cmd.Flags().BoolVar(&all, "all", false, "fetch every page of results")
	return cmd
}

// templatesNamed returns the templates called name with their slots (those
// in slot_ids, in slot_ids order), as Meeco's CLI matches them in one page
// of GET /item_templates.
func templatesNamed(ctx context.Context, c *client.Client, auth *client.AuthData, name string, q client.TemplateQuery) (*meeco.ItemTemplatesResponse, []meeco.ItemTemplate, [][]meeco.Slot, error) {
	list, err := c.ListTemplates(ctx, auth, q)
	if err != nil {
		return nil, nil, nil, err
	}
	var found []meeco.ItemTemplate
	var slots [][]meeco.Slot
	for _, t := range list.ItemTemplates {
		if t.Name != name {
			continue
		}
		var ss []meeco.Slot
		for _, id := range t.SlotIDs {
			if i := slices.IndexFunc(list.Slots, func(s meeco.Slot) bool { return s.ID == id }); i >= 0 {
				ss = append(ss, list.Slots[i])
			}
		}
		found = append(found, t)
		slots = append(slots, ss)
	}
	if len(found) == 0 {
		return nil, nil, nil, fmt.Errorf("template %q not found (see meeco templates:list)", name)
	}
	return list, found, slots, nil
}

func (a *app) templatesInfo() *cobra.Command {
	var tf templateFlags
	cmd := &cobra.Command{
		Use:     "templates:info TEMPLATE_NAME",
		Short:   "Show an item template and its slots",
		Example: `  meeco templates:info vehicle -a .alice.yaml`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: a.runE(func(cmd *cobra.Command, argv []string) error {
			c, auth, err := a.authed()
			if err != nil {
				return err
			}
			a.progress("Fetching template %q", argv[0])
			_, found, slots, err := templatesNamed(cmd.Context(), c, auth, argv[0], tf.query())
			if err != nil {
				return err
			}
			n, err := meecocli.TemplateFile(found, slots)
			if err != nil {
				return err
			}
			return a.print(n)
		}),
	}
	tf.add(cmd)
	return cmd
}
