package main

import (
	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/meecocli"
)

func (a *app) connectionCmds() []*cobra.Command {
	return []*cobra.Command{a.connectionsCreateConfig(), a.connectionsCreate(), a.connectionsList()}
}

func (a *app) connectionsCreateConfig() *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "connections:create-config --from FROM_AUTH --to TO_AUTH",
		Short: "Scaffold a connection config file for two users",
		Long: `connections:create-config prints a Connection config holding both users' auth data.
Edit metadata.fromName (the name the to-user will see for the from-user) and
metadata.toName (the name the from-user will see for the to-user), then give the
file to connections:create.`,
		Example: `  meeco connections:create-config --from .alice.yaml --to .bob.yaml > .connection_config.yaml`,
		Args:    args(cobra.NoArgs),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			f, err := meecocli.ReadAuth(from)
			if err != nil {
				return err
			}
			t, err := meecocli.ReadAuth(to)
			if err != nil {
				return err
			}
			return a.print(meecocli.ConnectionConfigFile(f, t))
		}),
	}
	cmd.Flags().StringVarP(&from, "from", "f", "", "auth file of the 'from' user, who invites (required)")
	cmd.Flags().StringVarP(&to, "to", "t", "", "auth file of the 'to' user, who accepts (required)")
	_ = cmd.MarkFlagRequired("from")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

func (a *app) connectionsCreate() *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:   "connections:create -c CONNECTION_CONFIG",
		Short: "Connect two users (invite as one, accept as the other)",
		Long: `connections:create makes a keypair for each side, invites as the from-user and accepts
as the to-user, and prints the created connection: the invitation id and both users'
connection ids (shares:create-config reads it).`,
		Example: `  meeco connections:create -c .connection_config.yaml > .connection.yaml`,
		Args:    args(cobra.NoArgs),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			cfg, err := meecocli.ReadConnectionConfig(config)
			if err != nil {
				return err
			}
			c, err := a.newClient(2)
			if err != nil {
				return err
			}
			a.progress("Connecting users")
			res, err := c.Connect(cmd.Context(), cfg.From, cfg.To, client.ConnectOptions{FromName: cfg.FromName, ToName: cfg.ToName})
			if err != nil {
				return err
			}
			return a.print(meecocli.CreatedConnectionFile(res, cfg.Metadata))
		}),
	}
	cmd.Flags().StringVarP(&config, "config", "c", "", "connection config file (the edited output of connections:create-config; required)")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

func (a *app) connectionsList() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:     "connections:list",
		Short:   "List the user's connections with their names decrypted",
		Example: `  meeco connections:list -a .alice.yaml`,
		Args:    args(cobra.NoArgs),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			c, auth, err := a.authed()
			if err != nil {
				return err
			}
			a.progress("Fetching connections")
			conns, resp, err := c.ListConnections(cmd.Context(), auth, client.PageQuery{})
			if err != nil {
				return err
			}
			if !all {
				if resp.Meta.NextPageExists {
					a.progress("warning: some connections were left out; use --all to fetch them all")
				}
				n, err := meecocli.ConnectionsFile(conns, resp)
				if err != nil {
					return err
				}
				return a.print(n)
			}
			for resp.Meta.NextPageExists && resp.NextPageAfter != nil {
				var more []client.Connection
				if more, resp, err = c.ListConnections(cmd.Context(), auth, client.PageQuery{NextPageAfter: *resp.NextPageAfter}); err != nil {
					return err
				}
				conns = append(conns, more...)
			}
			n, err := meecocli.ConnectionsFile(conns, nil)
			if err != nil {
				return err
			}
			return a.print(n)
		}),
	}
	cmd.Flags().BoolVar(&all, "all", false, "fetch every page of results (prints a bare list, as Meeco's CLI does)")
	return cmd
}
