package meecocli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func wantErr(t *testing.T, err, kind error, suffix string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", suffix)
	}
	if !errors.Is(err, kind) {
		t.Errorf("error %q is not %v", err, kind)
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Errorf("error %q is not a *FileError", err)
	}
	if !strings.HasSuffix(err.Error(), suffix) {
		t.Errorf("error\n  %s\nwant it to end with\n  %s", err, suffix)
	}
}

const (
	goodMeta = `  data_encryption_key: c0OX5al5UMYBiG17yt4ZB9E49XGg0-S49L0FqE4nRfI=
  key_encryption_key: lSzbolnSjZwdpdeWoOzGAiLhkMMCgrjNl9IzLlJ8JhY=
  keystore_access_token: 0nmcNdrSbE8pWcHEYSx8C_M4GOoCYtumE3S38Nuoctw
  passphrase_derived_key: XurAvl9-ICstIGvb3omN5DUIJWshG-hyzOfBTyoLf0Q=
  secret: 1.M9znjHbD5Xi.HB2H1D-MqbSan-ZtfCos-7fUSC3-3MHKhS-49W3Q1-X8Abag-Jr
  vault_access_token: T9ZesZUtct2SlnlpJCQdG6BQpsZrCUaKYGB-OxvoQJk
`
	goodAuth = "kind: Authentication\nmetadata:\n" + goodMeta + "spec: {}\n"
)

func indent(s, by string) string {
	lines := strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
	for i := range lines {
		lines[i] = by + lines[i]
	}
	return strings.Join(lines, "") + "\n"
}

// TestReadErrors checks that each bad file is reported with the file, the
// line where known, the field and what is wrong, as its error kind, and
// without the values of the file.
func TestReadErrors(t *testing.T) {
	read := map[string]func(string) error{
		"auth":       func(p string) error { _, err := ReadAuth(p); return err },
		"secret":     func(p string) error { _, err := ReadSecret(p); return err },
		"env":        func(p string) error { _, err := ReadEnvironment(p); return err },
		"connconfig": func(p string) error { _, err := ReadConnectionConfig(p); return err },
		"connection": func(p string) error { _, err := ReadCreatedConnection(p); return err },
		"share":      func(p string) error { _, err := ReadShareConfig(p); return err },
		"itemconfig": func(p string) error { _, err := ReadItemConfig(p); return err },
		"item":       func(p string) error { _, err := ReadItemFile(p); return err },
	}
	tests := []struct {
		name, reader, content string
		kind                  error
		want                  string // suffix of the message after the directory
	}{
		{"malformed", "auth", "kind: Authentication\nmetadata:\n  a: b\n  secret: x: y\n", ErrMalformed,
			"f.yaml:4: malformed YAML: mapping values are not allowed in this context"},
		{"tabs", "auth", "kind: Authentication\nmetadata:\n\tsecret: x\n", ErrMalformed, "f.yaml:3: malformed YAML: found character that cannot start any token"},
		{"empty", "auth", "", ErrMalformed, "f.yaml: empty file, want a YAML mapping with kind, metadata and spec"},
		{"list", "auth", "- a\n- b\n", ErrMalformed, "f.yaml:1: want a YAML mapping with kind, metadata and spec, got a list"},
		{"wrong kind", "auth", "kind: Share\nmetadata: {}\nspec: {}\n", ErrWrongKind, "f.yaml:1: kind: want Authentication, got Share"},
		{"no kind", "auth", "metadata: {}\n", ErrWrongKind, "f.yaml: kind: missing, want Authentication"},
		{"kind not a string", "share", "kind: [Share]\n", ErrWrongKind, "f.yaml:1: kind: want Share, got a list"},
		{"no metadata", "auth", "kind: Authentication\nspec: {}\n", ErrMissing, "f.yaml: metadata: missing"},
		{"metadata a list", "auth", "kind: Authentication\nmetadata: [a]\n", ErrInvalid, "f.yaml:2: metadata: want a mapping, got a list"},
		{"missing token", "auth", strings.Replace(goodAuth, "  vault_access_token: T9ZesZUtct2SlnlpJCQdG6BQpsZrCUaKYGB-OxvoQJk\n", "", 1), ErrMissing,
			"f.yaml: metadata.vault_access_token: missing"},
		{"null secret", "auth", strings.Replace(goodAuth, "1.M9znjHbD5Xi.HB2H1D-MqbSan-ZtfCos-7fUSC3-3MHKhS-49W3Q1-X8Abag-Jr", "null", 1), ErrMissing,
			"f.yaml: metadata.secret: missing"},
		{"empty secret", "secret", strings.Replace(goodAuth, "1.M9znjHbD5Xi.HB2H1D-MqbSan-ZtfCos-7fUSC3-3MHKhS-49W3Q1-X8Abag-Jr", `""`, 1), ErrMissing,
			"f.yaml:7: metadata.secret: empty"},
		{"short key", "auth", strings.Replace(goodAuth, "c0OX5al5UMYBiG17yt4ZB9E49XGg0-S49L0FqE4nRfI=", "c0OX5al5UMYBiG17yt4Z", 1), ErrInvalid,
			"f.yaml:3: metadata.data_encryption_key: not a padded URL-safe base64 32-byte key"},
		{"key a mapping", "auth", strings.Replace(goodAuth, "c0OX5al5UMYBiG17yt4ZB9E49XGg0-S49L0FqE4nRfI=", "{a: b}", 1), ErrInvalid,
			"f.yaml:3: metadata.data_encryption_key: want a string, got a mapping"},
		{"bad secret", "auth", strings.Replace(goodAuth, "HB2H1D-MqbSan", "HB2H1D-Mq0San", 1), ErrInvalid,
			"f.yaml:7: metadata.secret: not a Meeco secret (vaultkeys: bad secret: secret key character 9 (dashes removed) is not base58)"},
		{"env no url", "env", "vault:\n  subscription_key: k\nkeystore:\n  url: http://x/keystore\n", ErrMissing, "f.yaml: vault.url: missing"},
		{"env no keystore", "env", "vault:\n  url: http://x/vault\n", ErrMissing, "f.yaml: keystore: missing"},
		{"env key a number", "env", "vault:\n  url: http://x/vault\n  subscription_key: [1]\nkeystore:\n  url: http://x/keystore\n", ErrInvalid,
			"f.yaml:3: vault.subscription_key: want a string, got a list"},
		{"connconfig given created", "connconfig", "kind: Connection\nspec:\n  from_user_connection_id: abc\n", ErrMissing,
			"f.yaml: spec.from: missing: this is a created connection (the output of connections:create); connections:create wants the output of connections:create-config"},
		{"connconfig no to", "connconfig", "kind: Connection\nmetadata: {fromName: A}\nspec:\n  from:\n" + indent(goodMeta, "  "), ErrMissing,
			"f.yaml: spec.to: missing"},
		{"connconfig bad from key", "connconfig", "kind: Connection\nspec:\n  from:\n" + indent(strings.Replace(goodMeta, "lSzbolnSjZwdpdeWoOzGAiLhkMMCgrjNl9IzLlJ8JhY=", "not-a-key", 1), "  "), ErrInvalid,
			"f.yaml:5: spec.from.key_encryption_key: not a padded URL-safe base64 32-byte key"},
		{"connconfig name a list", "connconfig", "kind: Connection\nmetadata:\n  fromName: [A]\nspec:\n  from:\n" + indent(goodMeta, "  ") + "  to:\n" + indent(goodMeta, "  "), ErrInvalid,
			"f.yaml:3: metadata.fromName: want a string, got a list"},
		{"connection given config", "connection", "kind: Connection\nspec:\n  from: {}\n", ErrMissing,
			"f.yaml: spec.from_user_connection_id: missing: this is a connection config (the output of connections:create-config); give the output of connections:create"},
		{"connection no id", "connection", "kind: Connection\nspec:\n  invitation_id: x\n", ErrMissing, "f.yaml: spec.from_user_connection_id: missing"},
		{"connection wrong kind", "connection", "kind: Authentication\nspec: {}\n", ErrWrongKind, "f.yaml:1: kind: want Connection, got Authentication"},
		{"share no connection", "share", "kind: Share\nmetadata: {}\nspec:\n  item_id: i\n", ErrMissing, "f.yaml: spec.connection_id: missing"},
		{"share item a map", "share", "kind: Share\nspec:\n  item_id: {id: i}\n", ErrInvalid, "f.yaml:3: spec.item_id: want a string, got a mapping"},
		{"share no from", "share", "kind: Share\nspec:\n  item_id: i\n  connection_id: c\n", ErrMissing, "f.yaml: spec.from: missing"},
		{"share no spec", "share", "kind: Share\nmetadata: {}\n", ErrMissing, "f.yaml: spec: missing"},
		{"itemconfig no template", "itemconfig", "kind: Item\nmetadata: {}\nspec: {label: x}\n", ErrMissing, "f.yaml: metadata.template_name: missing"},
		{"itemconfig slot without name", "itemconfig", "kind: Item\nmetadata: {template_name: vehicle}\nspec:\n  slots:\n    - value: x\n", ErrMissing,
			"f.yaml:5: spec.slots[0]: needs a name or a label"},
		{"itemconfig slots a map", "itemconfig", "kind: Item\nmetadata: {template_name: vehicle}\nspec:\n  slots: {vin: x}\n", ErrInvalid,
			"f.yaml:4: spec.slots: want a list, got a mapping"},
		{"itemconfig value a list", "itemconfig", "kind: Item\nmetadata: {template_name: vehicle}\nspec:\n  slots:\n    - name: vin\n      value: [1, 2]\n", ErrInvalid,
			"f.yaml:6: spec.slots[0].value: want a string, got a list"},
		{"item no id", "item", "kind: Item\nspec:\n  label: x\n", ErrMissing, "f.yaml: spec.id: missing"},
		{"item is a share", "item", "kind: Share\nspec:\n  id: x\n", ErrWrongKind, "f.yaml:1: kind: want Item, got Share"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "f.yaml")
			if err := os.WriteFile(p, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			err := read[tt.reader](p)
			wantErr(t, err, tt.kind, tt.want)
			if err == nil {
				return
			}
			for _, secret := range []string{"c0OX5al5", "lSzbolnS", "0nmcNdrS", "XurAvl9", "HB2H1D", "T9ZesZUt", "Mq0San", "not-a-key"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows a value of the file (%s): %s", secret, err)
				}
			}
		})
	}
}

func TestReadMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".alice.yaml")
	_, err := ReadAuth(p)
	wantErr(t, err, ErrRead, ".alice.yaml: cannot read: no such file or directory")
	if strings.Count(err.Error(), ".alice.yaml") != 1 {
		t.Errorf("path repeated in %q", err)
	}
	if err := os.Mkdir(p, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err = ReadShareConfig(p)
	wantErr(t, err, ErrRead, ".alice.yaml: cannot read: is a directory")
}

// TestAliases follows YAML anchors, which hand-edited files may use.
func TestAliases(t *testing.T) {
	src := "kind: Connection\nmetadata: {fromName: A, toName: B}\nspec:\n  from: &alice\n" + indent(goodMeta, "  ") + "  to: *alice\n"
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := ReadConnectionConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.To.Username() != c.From.Username() || c.To.Username() != "M9znjHbD5Xi" {
		t.Errorf("alias not followed: %s, %s", c.From.Username(), c.To.Username())
	}
}
