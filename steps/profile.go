package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
)

// Vault users: admission tokens, the profile's DEK id, and the secret key
// as part of the login.

// CheckUsedAdmissionTokenRefused sends POST /me again with the admission
// token the user's registration consumed (and her own login key, so that
// a Vault that wrongly accepts makes no user another could log in as).
func (w *World) CheckUsedAdmissionTokenRefused(ctx context.Context, name string, status int) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	token := ""
	for _, r := range w.rawOf(u, "POST", meeco.VMe) {
		var req meeco.CreateMeRequest
		if ok2xx(r) && json.Unmarshal(r.Request, &req) == nil {
			token = req.AdmissionToken
		}
	}
	if token == "" {
		return scenarioErrorf("%s did not register in this scenario, so no admission token of hers is known", name)
	}
	return w.checkAdmission(ctx, u, token, status, fmt.Sprintf("a second Vault user with the admission token %s's registration used", name))
}

// CheckUnissuedAdmissionTokenRefused sends POST /me with an admission
// token the Keystore never issued (and the login key of the scenario's
// first user, which the Vault must not even look at).
func (w *World) CheckUnissuedAdmissionTokenRefused(ctx context.Context, status int) error {
	us := w.sortedUsers()
	if len(us) == 0 {
		return scenarioErrorf("no user is registered in this scenario, so no public key can go with the admission token")
	}
	return w.checkAdmission(ctx, us[0], "vc"+randomHex(20), status, "a Vault user with an admission token the Keystore never issued")
}

func (w *World) checkAdmission(ctx context.Context, u *user, token string, status int, what string) error {
	var out meeco.CreateMeResponse
	_, exs, err := w.call(ctx, u, client.Call{Op: "create vault user", Method: "POST", Path: meeco.VMe, Headers: client.HLogin,
		Body: meeco.CreateMeRequest{PublicKey: u.registered.LoginPublicKey, AdmissionToken: token}}, &out)
	if err == nil {
		return &TargetFailure{Msg: fmt.Sprintf("%s: want refused with status %d, got a new Vault user %s", what, status, out.User.ID), Exchanges: exs}
	}
	if st := statusOf(err); st != status {
		return &TargetFailure{Msg: fmt.Sprintf("%s: want refused with status %d, got %s", what, status, gotOf(err)), Exchanges: exs, Err: err}
	}
	return nil
}

// ChangeFullName updates the user's profile (PUT /me) with a full name
// and nothing else: an update that does not name the DEK must keep it.
func (w *World) ChangeFullName(ctx context.Context, name string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	full := name + " Example"
	return w.act(ctx, name+" changes their profile's full name", func() error {
		_, _, err := w.call(ctx, u, client.Call{Op: "update user", Method: "PUT", Path: meeco.VMe,
			Body: meeco.UpdateMeRequest{User: meeco.UpdateMeUser{FullName: &full}}}, nil)
		return err
	})
}

// CheckProfileNamesDEK checks that the user's profile still names the DEK
// she stored at registration.
func (w *World) CheckProfileNamesDEK(ctx context.Context, name string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	var me meeco.MeResponse
	_, exs, err := w.call(ctx, u, client.Call{Op: "get user", Method: "GET", Path: meeco.VMe}, &me)
	if err != nil {
		return w.fail(name+" reads their profile", err)
	}
	got := "none"
	if p := me.User.PrivateDEKExternalID; p != nil && *p != "" {
		if *p == u.registered.DEKID {
			return nil
		}
		got = *p
	}
	return &TargetFailure{Msg: fmt.Sprintf("%s's profile: want private_dek_external_id %s (the DEK she stored), got %s", name, u.registered.DEKID, got), Exchanges: exs}
}

// LoginWithAnotherSecret tries to log the user in with her password and a
// secret key of her username that is not hers: the secret key salts both
// derivations, so SRP must refuse the proof.
func (w *World) LoginWithAnotherSecret(ctx context.Context, name string) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	other, err := vaultkeys.GenerateSecret(u.auth.Username(), nil)
	if err != nil {
		return &HarnessError{Msg: "making a secret key", Err: err}
	}
	return w.act(ctx, name+" logs in with another secret key", func() error {
		_, err := w.client.Login(ctx, name, u.password, other)
		return err
	})
}

// parseSecret is the client's secret parser; a test swaps in a lax one to
// show the check fails with it.
var parseSecret = vaultkeys.ParseSecret

// CheckMalformedSecretsRefused alters the user's secret out of the shape
// "1.<username>.<base58 of 32 bytes in groups of six>" in the ways a
// copy-and-paste does (a part lost, a character outside base58, a group
// short or long) and checks that the client refuses each one before it
// sends anything.
func (w *World) CheckMalformedSecretsRefused(name string) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	s := u.registered.Secret.Reveal()
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return &HarnessError{Msg: name + "'s secret has no dot"}
	}
	head, key := s[:i+1], s[i+1:]
	variants := []struct{ what, v string }{
		{"without its version", strings.TrimPrefix(s, "1.")},
		{"without its username", "1." + key},
		{"with a character outside base58 (0)", head + "0" + key[1:]},
		{"with a character outside base58 (l)", head + "l" + key[1:]},
		{"with its secret key cut short", head + key[:len(key)-7]},
		{"with its secret key made longer", head + key + "-2222222"},
	}
	mark := w.log.Len()
	return verify(nil, func(g gomega.Gomega) {
		for _, v := range variants {
			_, err := parseSecret(v.v)
			g.Expect(errors.Is(err, vaultkeys.ErrBadSecret)).To(gomega.BeTrue(), "%s's secret %s: want the client to refuse it (%v), got %s", name, v.what, vaultkeys.ErrBadSecret, errText(err))
		}
		g.Expect(w.log.Len()).To(gomega.Equal(mark), "malformed secrets of %s: want nothing sent, got %d requests", name, w.log.Len()-mark)
	})
}
