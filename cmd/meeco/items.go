package main

import (
	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/meecocli"
)

func (a *app) itemCmds() []*cobra.Command {
	return []*cobra.Command{a.itemsCreateConfig(), a.itemsCreate(), a.itemsGet(), a.itemsList()}
}

func (a *app) itemsCreateConfig() *cobra.Command {
	var tf templateFlags
	cmd := &cobra.Command{
		Use:   "items:create-config TEMPLATE_NAME",
		Short: "Scaffold an item config file from a template",
		Long: `items:create-config prints an Item config with the template's slots and empty values;
fill in spec.label and the values, then give the file to items:create.`,
		Example: `  meeco items:create-config vehicle -a .alice.yaml > .vehicle_config.yaml`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: a.runE(func(cmd *cobra.Command, argv []string) error {
			c, auth, err := a.authed()
			if err != nil {
				return err
			}
			list, found, _, err := templatesNamed(cmd.Context(), c, auth, argv[0], tf.query())
			if err != nil {
				return err
			}
			return a.print(meecocli.ItemConfigFile(&found[0], list.Slots))
		}),
	}
	tf.add(cmd)
	return cmd
}

func (a *app) itemsCreate() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "items:create -i ITEM_CONFIG",
		Short: "Create an item from an item config file",
		Long: `items:create encrypts each slot value with the user's data encryption key and creates
the item; slots left empty are not sent. It prints the item with its values decrypted.`,
		Example: `  meeco items:create -i .vehicle_config.yaml -a .alice.yaml > .item.yaml`,
		Args:    args(cobra.NoArgs),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			cfg, err := meecocli.ReadItemConfig(file)
			if err != nil {
				return err
			}
			c, auth, err := a.authed()
			if err != nil {
				return err
			}
			a.progress("Creating item")
			it, err := c.CreateItem(cmd.Context(), auth, client.NewItem{Template: cfg.TemplateName, Label: cfg.Label, Slots: cfg.Slots})
			if err != nil {
				return err
			}
			return a.printItem(it)
		}),
	}
	cmd.Flags().StringVarP(&file, "item", "i", "", "item config file (required)")
	_ = cmd.MarkFlagRequired("item")
	return cmd
}

func (a *app) printItem(it *client.Item) error {
	n, err := meecocli.ItemFile(it)
	if err != nil {
		return err
	}
	return a.print(n)
}

func (a *app) itemsGet() *cobra.Command {
	return &cobra.Command{
		Use:     "items:get ITEM_ID",
		Short:   "Get an item and decrypt its values",
		Example: `  meeco items:get 26a76712-4822-40c2-9172-8703228cdc6a -a .alice.yaml`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: a.runE(func(cmd *cobra.Command, argv []string) error {
			c, auth, err := a.authed()
			if err != nil {
				return err
			}
			a.progress("Fetching item details")
			it, err := c.GetItem(cmd.Context(), auth, argv[0])
			if err != nil {
				return err
			}
			return a.printItem(it)
		}),
	}
}

func (a *app) itemsList() *cobra.Command {
	var templateIDs, classifications []string
	var scheme, sharedWith string
	var all bool
	cmd := &cobra.Command{
		Use:   "items:list",
		Short: "List the items in the user's vault (values stay encrypted)",
		Example: `  meeco items:list -a .alice.yaml
  meeco items:list --classification vehicles -a .alice.yaml`,
		Args: args(cobra.NoArgs),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			c, auth, err := a.authed()
			if err != nil {
				return err
			}
			q := client.ItemQuery{TemplateIDs: templateIDs, Scheme: scheme, Classifications: classifications, SharedWith: sharedWith}
			list, err := c.ListItems(cmd.Context(), auth, q)
			if err != nil {
				return err
			}
			items := list.Items
			for list.Meta.NextPageExists && list.NextPageAfter != nil {
				if !all {
					a.progress("warning: some items were left out; use --all to fetch them all")
					break
				}
				q.NextPageAfter = *list.NextPageAfter
				if list, err = c.ListItems(cmd.Context(), auth, q); err != nil {
					return err
				}
				items = append(items, list.Items...)
			}
			if items == nil {
				items = []meeco.Item{}
			}
			n, err := meecocli.Kinded(meecocli.KindItems, items)
			if err != nil {
				return err
			}
			return a.print(n)
		}),
	}
	cmd.Flags().StringArrayVar(&templateIDs, "templateId", nil, "only items of this template id (repeatable)")
	cmd.Flags().StringVar(&scheme, "scheme", "", "only items of this classification scheme")
	cmd.Flags().StringArrayVar(&classifications, "classification", nil, "only items with this classification (repeatable)")
	cmd.Flags().StringVar(&sharedWith, "sharedWith", "", "only items shared with this user id")
	cmd.Flags().BoolVar(&all, "all", false, "fetch every page of results")
	return cmd
}
