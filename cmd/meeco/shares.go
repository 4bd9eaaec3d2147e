package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/meecocli"
)

func (a *app) shareCmds() []*cobra.Command {
	return []*cobra.Command{a.sharesCreateConfig(), a.sharesCreate(), a.sharesList(), a.sharesGetIncoming(),
		a.sharesAccept(), a.sharesDelete(), a.sharesUpdate()}
}

func (a *app) sharesCreateConfig() *cobra.Command {
	var from, connection, item, slotName string
	cmd := &cobra.Command{
		Use:   "shares:create-config --from FROM_AUTH -c CONNECTION -i ITEM [-s SLOT_NAME]",
		Short: "Scaffold a share config file for an item and a connection",
		Long: `shares:create-config checks that the from-user has the connection (the output of
connections:create) and prints a Share config for the item (the output of items:create
or items:get, which may be a received item: an on-share). With -s only that slot is
shared.`,
		Example: `  meeco shares:create-config --from .alice.yaml -c .connection.yaml -i .item.yaml > .share_config.yaml
  meeco shares:create-config --from .alice.yaml -c .connection.yaml -i .item.yaml -s vin > .share_vin_config.yaml`,
		Args: args(cobra.NoArgs),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			auth, err := meecocli.ReadAuth(from)
			if err != nil {
				return err
			}
			conn, err := meecocli.ReadCreatedConnection(connection)
			if err != nil {
				return err
			}
			it, err := meecocli.ReadItemFile(item)
			if err != nil {
				return err
			}
			var slotID string
			if slotName != "" {
				if slotID, err = it.SlotID(slotName); err != nil {
					return err
				}
			}
			c, err := a.newClient(0)
			if err != nil {
				return err
			}
			a.progress("Checking the connection")
			if _, err := c.GetConnection(cmd.Context(), auth, conn.FromUserConnectionID); err != nil {
				return err
			}
			return a.print(meecocli.ShareConfigFile(auth, conn.FromUserConnectionID, it.ID, slotID))
		}),
	}
	cmd.Flags().StringVarP(&from, "from", "f", "", "auth file of the sharing user (required)")
	cmd.Flags().StringVarP(&connection, "connection", "c", "", "created connection file (the output of connections:create; required)")
	cmd.Flags().StringVarP(&item, "item", "i", "", "item file (the output of items:create or items:get; required)")
	cmd.Flags().StringVarP(&slotName, "slotName", "s", "", "share only the slot with this name")
	for _, f := range []string{"from", "connection", "item"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

// parseExpiry reads -d as Meeco's CLI does: yyyy-MM-dd (midnight, local
// time) or an ISO 8601 time, which must lie in the future.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	layouts := []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"}
	for _, l := range layouts {
		loc := time.Local
		t, err := time.ParseInLocation(l, s, loc)
		if err != nil {
			continue
		}
		if !t.After(now) {
			return time.Time{}, usagef("-d/--expiry_date %q: the share expiry date must be in the future", s)
		}
		return t, nil
	}
	return time.Time{}, usagef("-d/--expiry_date %q: want yyyy-MM-dd or an ISO 8601 time", s)
}

func (a *app) sharesCreate() *cobra.Command {
	var config, terms, expiry string
	var onshare bool
	cmd := &cobra.Command{
		Use:   "shares:create -c SHARE_CONFIG [--onshare] [--terms TERMS] [-d EXPIRY_DATE]",
		Short: "Share an item with a connection",
		Long: `shares:create encrypts the item's values under a new share key, encrypts that key to
the recipient's connection key and creates the share. With --terms the recipient must
accept the terms (shares:accept) before reading; --onshare lets the recipient share it on.`,
		Example: `  meeco shares:create -c .share_config.yaml > .share.yaml
  meeco shares:create -c .share_config.yaml --terms "Don't tell Mum!" -d 2030-12-31`,
		// Meeco's command takes one unused argument, which scripts rely on
		// ("--onshare true"); it is accepted and reported.
		Args: args(cobra.MaximumNArgs(1)),
		RunE: a.runE(func(cmd *cobra.Command, argv []string) error {
			if len(argv) == 1 {
				a.progress("warning: ignoring argument %q (shares:create takes none; --onshare needs no value)", argv[0])
			}
			var exp time.Time
			if expiry != "" {
				var err error
				if exp, err = parseExpiry(expiry, time.Now()); err != nil {
					return err
				}
			}
			cfg, err := meecocli.ReadShareConfig(config)
			if err != nil {
				return err
			}
			c, err := a.newClient(0)
			if err != nil {
				return err
			}
			a.progress("Sharing item")
			shared, err := c.Share(cmd.Context(), cfg.From, cfg.ConnectionID, cfg.ItemID, client.ShareOptions{
				SlotID: cfg.SlotID, Terms: terms, OnsharingPermitted: onshare, ExpiresAt: exp,
			})
			if err != nil {
				return err
			}
			return a.printValue(meeco.SharesResponse{Shares: shared.Shares})
		}),
	}
	cmd.Flags().StringVarP(&config, "config", "c", "", "share config file (the output of shares:create-config; required)")
	cmd.Flags().BoolVar(&onshare, "onshare", false, "allow the recipient to share the item again")
	cmd.Flags().StringVar(&terms, "terms", "", "terms the recipient must accept before reading the item")
	cmd.Flags().StringVarP(&expiry, "expiry_date", "d", "", "share expiry date, yyyy-MM-dd or ISO 8601")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

// printValue prints an API value as it is (Meeco's CLI prints some
// responses without a kind).
func (a *app) printValue(v any) error {
	n, err := meecocli.ToNode(v)
	if err != nil {
		return err
	}
	return a.print(n)
}

func (a *app) sharesList() *cobra.Command {
	var typ string
	var all bool
	cmd := &cobra.Command{
		Use:   "shares:list [-t incoming|outgoing]",
		Short: "List the shares the user received or sent",
		Example: `  meeco shares:list -a .bob.yaml
  meeco shares:list -t outgoing -a .alice.yaml`,
		Args: args(cobra.NoArgs),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			if typ != "incoming" && typ != "outgoing" {
				return usagef("-t/--type %q: want incoming or outgoing", typ)
			}
			c, auth, err := a.authed()
			if err != nil {
				return err
			}
			page := func(after string) (*meeco.SharesListResponse, error) {
				if typ == "outgoing" {
					return c.ListOutgoingShares(cmd.Context(), auth, client.OutgoingShareQuery{Page: client.PageQuery{NextPageAfter: after}})
				}
				return c.ListIncomingShares(cmd.Context(), auth, client.IncomingShareQuery{Page: client.PageQuery{NextPageAfter: after}})
			}
			a.progress("Fetching %s shares", typ)
			list, err := page("")
			if err != nil {
				return err
			}
			shares := list.Shares
			for list.Meta.NextPageExists && list.NextPageAfter != nil {
				if !all {
					a.progress("warning: some shares were left out; use --all to fetch them all")
					break
				}
				if list, err = page(*list.NextPageAfter); err != nil {
					return err
				}
				shares = append(shares, list.Shares...)
			}
			if shares == nil {
				shares = []meeco.Share{}
			}
			n, err := meecocli.Kinded(meecocli.KindShares, shares)
			if err != nil {
				return err
			}
			return a.print(n)
		}),
	}
	cmd.Flags().StringVarP(&typ, "type", "t", "incoming", "incoming (items shared with you) or outgoing (items you shared)")
	cmd.Flags().BoolVar(&all, "all", false, "fetch every page of results")
	return cmd
}

func (a *app) sharesGetIncoming() *cobra.Command {
	return &cobra.Command{
		Use:   "shares:get-incoming SHARE_ID",
		Short: "Read an incoming share with its item decrypted",
		Long: `shares:get-incoming reads a share the user received and decrypts the shared item with
the share key (the item's values are checked against the sharer's verification hashes).`,
		Example: `  meeco shares:get-incoming -a .bob.yaml 0f894916-852a-4682-bd49-0783ab58e1c0`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: a.runE(func(cmd *cobra.Command, argv []string) error {
			c, auth, err := a.authed()
			if err != nil {
				return err
			}
			a.progress("Fetching shared item")
			si, err := c.ReadShare(cmd.Context(), auth, argv[0])
			if err != nil {
				return err
			}
			if si.ViaShareID != "" {
				a.progress("Item was already shared via another share; read it with share %s", si.Share.ID)
			}
			n, err := meecocli.SharedItemFile(si)
			if err != nil {
				return err
			}
			return a.print(n)
		}),
	}
}

// errNotAccepted reports terms the user declined.
var errNotAccepted = errors.New("share terms not accepted")

func (a *app) sharesAccept() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "shares:accept SHARE_ID [-y]",
		Short: "Accept the terms of an incoming share",
		Long: `shares:accept shows the terms of an incoming share and, once confirmed (or with -y),
accepts them, so that shares:get-incoming can decrypt the item. Without -y it asks on
the terminal; when stdin is not a terminal it refuses rather than guess.`,
		Example: `  meeco shares:accept -a .bob.yaml 0f894916-852a-4682-bd49-0783ab58e1c0
  meeco shares:accept -y -a .bob.yaml 0f894916-852a-4682-bd49-0783ab58e1c0`,
		Args: args(cobra.ExactArgs(1)),
		RunE: a.runE(func(cmd *cobra.Command, argv []string) error {
			id := argv[0]
			c, auth, err := a.authed()
			if err != nil {
				return err
			}
			share, err := c.GetIncomingShare(cmd.Context(), auth, id)
			if err != nil {
				return err
			}
			if share.AcceptanceRequired == meeco.AcceptanceRequired {
				terms := ""
				if share.Terms != nil {
					terms = *share.Terms
				}
				a.progress("Share Terms: %s", terms)
				if !yes {
					if !a.env.terminal {
						return usagef("share %s has terms to accept and stdin is not a terminal: read them above and run again with -y to accept them", id)
					}
					fmt.Fprint(a.env.stderr, "Do you accept the terms? [y/n] ")
					answer, err := readLine(a.env.stdin)
					if err != nil {
						return err
					}
					switch strings.ToLower(strings.TrimSpace(answer)) {
					case "y", "yes":
					default:
						return errNotAccepted
					}
				}
			}
			a.progress("Accepting share")
			accepted, err := c.AcceptShare(cmd.Context(), auth, id)
			if err != nil {
				return err
			}
			return a.printValue(meeco.ShareResponse{Share: *accepted})
		}),
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "accept the terms without asking")
	return cmd
}

func (a *app) sharesDelete() *cobra.Command {
	return &cobra.Command{
		Use:     "shares:delete SHARE_ID",
		Short:   "Delete a share (as its sender or its recipient)",
		Example: `  meeco shares:delete -a .alice.yaml 0f894916-852a-4682-bd49-0783ab58e1c0`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: a.runE(func(cmd *cobra.Command, argv []string) error {
			c, auth, err := a.authed()
			if err != nil {
				return err
			}
			if err := c.DeleteShare(cmd.Context(), auth, argv[0]); err != nil {
				return err
			}
			// Meeco's CLI prints this on stdout; scripts may look for it.
			_, err = fmt.Fprintln(a.env.stdout, "Share successfully deleted")
			return err
		}),
	}
}

func (a *app) sharesUpdate() *cobra.Command {
	return &cobra.Command{
		Use:   "shares:update ITEM_ID",
		Short: "Re-encrypt every share of an item after it changed",
		Long: `shares:update re-encrypts the owner's item under one new share key for all its shares,
encrypted to each recipient's key, so that recipients see the item's current values.`,
		Example: `  meeco shares:update -a .alice.yaml 26a76712-4822-40c2-9172-8703228cdc6a`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: a.runE(func(cmd *cobra.Command, argv []string) error {
			c, auth, err := a.authed()
			if err != nil {
				return err
			}
			a.progress("Updating shares")
			shares, err := c.UpdateShares(cmd.Context(), auth, argv[0])
			if err != nil {
				return err
			}
			if shares == nil {
				shares = []meeco.Share{}
			}
			return a.printValue(meeco.SharesResponse{Shares: shares})
		}),
	}
}
