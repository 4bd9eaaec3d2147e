package main

import (
	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/meecocli"
	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
)

func (a *app) userCmds() []*cobra.Command {
	return []*cobra.Command{a.usersCreate(), a.usersLogin(), a.usersGet(), a.usersLogout()}
}

// parseSecret parses a -s value, naming the flag, never the value.
func parseSecret(s string) (vaultkeys.Secret, error) {
	secret, err := vaultkeys.ParseSecret(s)
	if err != nil {
		return vaultkeys.Secret{}, usagef("-s/--secret: not a Meeco secret (%v)", err)
	}
	return secret, nil
}

func (a *app) usersCreate() *cobra.Command {
	var password, secret string
	cmd := &cobra.Command{
		Use:   "users:create",
		Short: "Create a new user; prints the Authentication file for later commands",
		Long: `users:create registers a new user with the Keystore (SRP) and the Vault, with a fresh
secret, key encryption key, data encryption key and login keypair, and prints the
Authentication file that every later command reads (-a).`,
		Example: `  meeco users:create -p supersecretpassword > .alice.yaml`,
		Args:    args(cobra.NoArgs),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			pw, err := a.password(password)
			if err != nil {
				return err
			}
			var s vaultkeys.Secret
			if secret != "" {
				if s, err = parseSecret(secret); err != nil {
					return err
				}
			}
			c, err := a.newClient(1)
			if err != nil {
				return err
			}
			a.progress("Creating user")
			var auth *client.AuthData
			if secret != "" {
				auth, err = c.CreateUser(cmd.Context(), "", pw, s)
			} else {
				auth, err = c.Signup(cmd.Context(), "", pw)
			}
			if err != nil {
				return err
			}
			return a.print(meecocli.AuthFile(auth))
		}),
	}
	cmd.Flags().StringVarP(&password, "password", "p", "", "password for the new user (or give it on stdin, when stdin is not a terminal)")
	cmd.Flags().StringVarP(&secret, "secret", "s", "", "use this secret instead of a new one (for testing)")
	_ = cmd.Flags().MarkHidden("secret")
	cmd.Flags().Int("port", 5210, "accepted for compatibility; this build does not solve captchas")
	_ = cmd.Flags().MarkHidden("port")
	return cmd
}

func (a *app) usersLogin() *cobra.Command {
	var password, secret string
	cmd := &cobra.Command{
		Use:   "users:login",
		Short: "Log in again; prints an Authentication file with fresh tokens",
		Long: `users:login logs a user in with the password and the secret (from -s, or from the
Authentication file given with -a, whose tokens may have expired) and prints a new
Authentication file with fresh Vault and Keystore tokens.`,
		Example: `  meeco users:login -p supersecretpassword -a .alice.yaml > .alice_login.yaml
  meeco users:login -p supersecretpassword -s 1.xxxxxx.xxxx-xxxxx-xxxxxxx-xxxxx`,
		Args: args(cobra.NoArgs),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			s, err := a.secret(secret)
			if err != nil {
				return err
			}
			pw, err := a.password(password)
			if err != nil {
				return err
			}
			c, err := a.newClient(0)
			if err != nil {
				return err
			}
			a.progress("Logging in")
			auth, err := c.Login(cmd.Context(), "", pw, s)
			if err != nil {
				return err
			}
			return a.print(meecocli.AuthFile(auth))
		}),
	}
	cmd.Flags().StringVarP(&password, "password", "p", "", "the user's password (or give it on stdin, when stdin is not a terminal)")
	cmd.Flags().StringVarP(&secret, "secret", "s", "", "the user's secret (default: metadata.secret of the -a file)")
	return cmd
}

// secret returns the -s value or the secret of the -a file.
func (a *app) secret(flag string) (vaultkeys.Secret, error) {
	if flag != "" {
		return parseSecret(flag)
	}
	return meecocli.ReadSecret(a.authFile)
}

func (a *app) usersGet() *cobra.Command {
	var password, secret string
	cmd := &cobra.Command{
		Use:   "users:get",
		Short: "Show the Vault user: id, DEK id and user type",
		Long: `users:get reads the Vault user (GET /me) with the tokens of the -a file, or, given
-s (and -p), after logging in.`,
		Example: `  meeco users:get -a .alice.yaml
  meeco users:get -p supersecretpassword -s 1.xxxxxx.xxxx-xxxxx-xxxxxxx-xxxxx`,
		Args: args(cobra.NoArgs),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			var c *client.Client
			var auth *client.AuthData
			var err error
			if secret != "" {
				s, err := parseSecret(secret)
				if err != nil {
					return err
				}
				pw, err := a.password(password)
				if err != nil {
					return err
				}
				if c, err = a.newClient(0); err != nil {
					return err
				}
				if auth, err = c.Login(cmd.Context(), "", pw, s); err != nil {
					return err
				}
			} else if c, auth, err = a.authed(); err != nil {
				return err
			}
			me, err := c.GetMe(cmd.Context(), auth)
			if err != nil {
				return err
			}
			return a.print(meecocli.UserDataFile(me.User))
		}),
	}
	cmd.Flags().StringVarP(&password, "password", "p", "", "the user's password, with -s")
	cmd.Flags().StringVarP(&secret, "secret", "s", "", "log in with this secret instead of using the -a file")
	return cmd
}

func (a *app) usersLogout() *cobra.Command {
	return &cobra.Command{
		Use:     "users:logout",
		Short:   "End the -a user's Vault and Keystore sessions",
		Example: `  meeco users:logout -a .alice.yaml`,
		Args:    args(cobra.NoArgs),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			c, auth, err := a.authed()
			if err != nil {
				return err
			}
			a.progress("Logging out")
			return c.Logout(cmd.Context(), auth)
		}),
	}
}
