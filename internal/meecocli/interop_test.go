package meecocli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"go.yaml.in/yaml/v3"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// interop extracts testdata/interop.txtar (files shaped as Meeco's CLI
// writes them) into a temporary directory.
func interop(t *testing.T) (dir string, files map[string]string) {
	t.Helper()
	ar, err := txtar.ParseFile("testdata/interop.txtar")
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	files = map[string]string{}
	for _, f := range ar.Files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o600); err != nil {
			t.Fatal(err)
		}
		files[f.Name] = string(f.Data)
	}
	return dir, files
}

func encode(t *testing.T, n *yaml.Node) string {
	t.Helper()
	var b bytes.Buffer
	if err := Encode(&b, n); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestInteropAuthFile reads an auth file as Meeco's CLI 3.x writes it and
// writes it back byte for byte.
func TestInteropAuthFile(t *testing.T) {
	dir, files := interop(t)
	auth, err := ReadAuth(filepath.Join(dir, "alice.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := auth.Secret.Reveal(), "1.M9znjHbD5Xi.HB2H1D-MqbSan-ZtfCos-7fUSC3-3MHKhS-49W3Q1-X8Abag-Jr"; got != want {
		t.Errorf("secret %q, want %q", got, want)
	}
	if got := auth.Username(); got != "M9znjHbD5Xi" {
		t.Errorf("username %q, want M9znjHbD5Xi", got)
	}
	if got, want := auth.DEK.Base64(), "c0OX5al5UMYBiG17yt4ZB9E49XGg0-S49L0FqE4nRfI="; got != want {
		t.Errorf("DEK %s, want %s", got, want)
	}
	if got, want := auth.VaultToken.Reveal(), "T9ZesZUtct2SlnlpJCQdG6BQpsZrCUaKYGB-OxvoQJk"; got != want {
		t.Errorf("vault token %q, want %q", got, want)
	}
	if got := encode(t, AuthFile(auth)); got != files["alice.yaml"] {
		t.Errorf("auth file written back differs:\n%s\nwant:\n%s", got, files["alice.yaml"])
	}

	// The older CLI's six-field file reads too, and is written in the
	// current shape.
	bob, err := ReadAuth(filepath.Join(dir, "bob_cli2.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got := encode(t, AuthFile(bob))
	for _, k := range []string{"delegation_id: null", `identity_network_access_token: ""`, `vc_access_token: ""`,
		"secret: 1.Qp4bXr2KwTz.9p4fuW-tb3c4y-qAi6eN-jp66pq-Nhs7n1-sEJfi2-LyqRwY-Cm"} {
		if !strings.Contains(got, "  "+k+"\n") {
			t.Errorf("rewritten older auth file lacks %q:\n%s", k, got)
		}
	}
	secret, err := ReadSecret(filepath.Join(dir, "bob_cli2.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !secret.Equal(bob.Secret) {
		t.Errorf("ReadSecret differs from ReadAuth's secret")
	}
}

// TestInteropConnectionFiles reads Meeco's connection config and created
// connection and writes the same shapes.
func TestInteropConnectionFiles(t *testing.T) {
	dir, files := interop(t)
	cfg, err := ReadConnectionConfig(filepath.Join(dir, "connection_config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.FromName != "Alice" || cfg.ToName != "Bob" {
		t.Errorf("names from %q to %q, want Alice, Bob", cfg.FromName, cfg.ToName)
	}
	if cfg.From.Username() != "M9znjHbD5Xi" || cfg.To.Username() != "Qp4bXr2KwTz" {
		t.Errorf("users %s -> %s, want M9znjHbD5Xi -> Qp4bXr2KwTz", cfg.From.Username(), cfg.To.Username())
	}
	// connections:create-config writes the file before the names are
	// edited: the same text with empty names.
	want := strings.Replace(strings.Replace(files["connection_config.yaml"], "fromName: Alice", `fromName: ""`, 1), "toName: Bob", `toName: ""`, 1)
	if got := encode(t, ConnectionConfigFile(cfg.From, cfg.To)); got != want {
		t.Errorf("connection config differs:\n%s\nwant:\n%s", got, want)
	}

	created, err := ReadCreatedConnection(filepath.Join(dir, "connection.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if created.FromUserConnectionID != "1d7f4c2a-93b8-4e61-a5d0-7c3e8b9f2a14" || created.ToUserConnectionID != "8a2e5d9c-4f1b-47a3-b6c8-e0d3f5a7b912" ||
		created.InvitationID != "6f0e3c1a-2b7d-4c55-9a8e-0d4b7c2e9f31" {
		t.Errorf("created connection %+v", created)
	}
	d, err := Parse("connection.yaml", []byte(files["connection.yaml"]))
	if err != nil {
		t.Fatal(err)
	}
	inv := created.InvitationID
	res := &client.ConnectResult{
		Invitation:     meeco.Invitation{ID: &inv},
		FromConnection: meeco.Connection{Own: meeco.OwnConnection{ID: created.FromUserConnectionID}},
		ToConnection:   meeco.Connection{Own: meeco.OwnConnection{ID: created.ToUserConnectionID}},
	}
	// The metadata keeps the config's key order (toName first here).
	if got := encode(t, CreatedConnectionFile(res, d.Field("metadata").Node())); got != files["connection.yaml"] {
		t.Errorf("created connection differs:\n%s\nwant:\n%s", got, files["connection.yaml"])
	}
}

// TestInteropShareConfig reads share configs in both of Meeco's layouts.
func TestInteropShareConfig(t *testing.T) {
	dir, files := interop(t)
	whole, err := ReadShareConfig(filepath.Join(dir, "share_config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if whole.SlotID != "" || whole.ItemID != "3c9e1f7a-5b2d-4a86-8e0f-b1d4c7a3e925" || whole.ConnectionID != "1d7f4c2a-93b8-4e61-a5d0-7c3e8b9f2a14" {
		t.Errorf("share config %+v", whole)
	}
	if whole.From.Username() != "M9znjHbD5Xi" || whole.From.KEK.Base64() != "lSzbolnSjZwdpdeWoOzGAiLhkMMCgrjNl9IzLlJ8JhY=" {
		t.Errorf("share config from-user not read")
	}
	slot, err := ReadShareConfig(filepath.Join(dir, "share_config_slot.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if slot.SlotID != "5e8b2d4f-1a9c-4f73-8d26-c4b0e7a1f358" {
		t.Errorf("slot id %q", slot.SlotID)
	}
	want := files["share_config_slot.yaml"] + "    loaded_delegations: {}\n"
	if got := encode(t, ShareConfigFile(slot.From, slot.ConnectionID, slot.ItemID, slot.SlotID)); got != want {
		t.Errorf("share config differs:\n%s\nwant:\n%s", got, want)
	}
}

// TestInteropItemFiles reads an item config filled in by yq and an item
// printed by items:create.
func TestInteropItemFiles(t *testing.T) {
	dir, _ := interop(t)
	cfg, err := ReadItemConfig(filepath.Join(dir, "item_config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TemplateName != "vehicle" || cfg.Label != "My Vehicle" || len(cfg.Slots) != 5 {
		t.Fatalf("item config %q %q with %d slots", cfg.TemplateName, cfg.Label, len(cfg.Slots))
	}
	for i, want := range []client.NewSlot{
		{Name: "model_make", Value: "20000101"},
		{Name: "licence_plate", Value: "ABC123"},
		{Name: "vin", Value: "VIN3322112223"},
		{Name: "type", Value: ""},
		{Name: "purchase_date", Value: "2000-01-01"},
	} {
		if cfg.Slots[i] != want {
			t.Errorf("slot %d = %+v, want %+v", i, cfg.Slots[i], want)
		}
	}

	_, err = ReadItemConfig(filepath.Join(dir, "item_config_old.yaml"))
	wantErr(t, err, ErrInvalid, "item_config_old.yaml:4: metadata.template: no longer supported, use template_name")

	it, err := ReadItemFile(filepath.Join(dir, "item.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if it.ID != "3c9e1f7a-5b2d-4a86-8e0f-b1d4c7a3e925" {
		t.Errorf("item id %q", it.ID)
	}
	if id, err := it.SlotID("vin"); err != nil || id != "5e8b2d4f-1a9c-4f73-8d26-c4b0e7a1f358" {
		t.Errorf("SlotID(vin) = %q, %v", id, err)
	}
	_, err = it.SlotID("colour")
	wantErr(t, err, ErrMissing, `item.yaml: spec.slots: no slot named "colour" on the item`)

	env, err := ReadEnvironment(filepath.Join(dir, "environment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if env.Vault.URL != "https://sandbox.meeco.me/vault" || env.Keystore.URL != "https://sandbox.meeco.me/keystore" ||
		env.Vault.SubscriptionKey != "environment_subscription_key" {
		t.Errorf("environment %+v", env)
	}
}
