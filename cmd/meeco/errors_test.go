package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
)

type result struct {
	code           int
	stdout, stderr string
}

// lastLine is the last line of stderr: the error, after any progress.
func (r result) lastLine() string {
	s := strings.TrimRight(r.stderr, "\n")
	return s[strings.LastIndex(s, "\n")+1:]
}

// runner runs the command line in-process in the current directory.
type runner struct {
	t    *testing.T
	keys keysource.Source
	vars map[string]string
}

func newRunner(t *testing.T) *runner {
	t.Helper()
	keys, err := keysource.NewFast(keysource.FastOptions{Seed: uint64(time.Now().UnixNano()) | 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { keys.Close() })
	return &runner{t: t, keys: keys, vars: map[string]string{}}
}

func (r *runner) run(stdin string, terminal bool, args ...string) result {
	r.t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, args, env{
		stdin:    strings.NewReader(stdin),
		terminal: terminal,
		stdout:   &out,
		stderr:   &errb,
		getenv:   func(k string) string { return r.vars[k] },
		keys:     r.keys,
	})
	return result{code, out.String(), errb.String()}
}

// Values of the files below that must never appear in a message.
var secrets = []string{
	"c0OX5al5UMYBiG17yt4ZB9E49XGg0-S49L0FqE4nRfI=", "lSzbolnSjZwdpdeWoOzGAiLhkMMCgrjNl9IzLlJ8JhY=",
	"0nmcNdrSbE8pWcHEYSx8C_M4GOoCYtumE3S38Nuoctw", "XurAvl9-ICstIGvb3omN5DUIJWshG-hyzOfBTyoLf0Q=",
	"HB2H1D-MqbSan-ZtfCos-7fUSC3-3MHKhS-49W3Q1-X8Abag-Jr", "T9ZesZUtct2SlnlpJCQdG6BQpsZrCUaKYGB-OxvoQJk",
	"supersecretpassword",
}

const authMeta = `data_encryption_key: c0OX5al5UMYBiG17yt4ZB9E49XGg0-S49L0FqE4nRfI=
key_encryption_key: lSzbolnSjZwdpdeWoOzGAiLhkMMCgrjNl9IzLlJ8JhY=
keystore_access_token: 0nmcNdrSbE8pWcHEYSx8C_M4GOoCYtumE3S38Nuoctw
passphrase_derived_key: XurAvl9-ICstIGvb3omN5DUIJWshG-hyzOfBTyoLf0Q=
secret: 1.M9znjHbD5Xi.HB2H1D-MqbSan-ZtfCos-7fUSC3-3MHKhS-49W3Q1-X8Abag-Jr
vault_access_token: T9ZesZUtct2SlnlpJCQdG6BQpsZrCUaKYGB-OxvoQJk
`

func ind(s, by string) string {
	return by + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+by) + "\n"
}

func without(s, line string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), line+":") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// errorFiles are the input files of the bad-input tests.
var errorFiles = map[string]string{
	"alice.yaml":        "kind: Authentication\nmetadata:\n" + ind(authMeta, "  ") + "spec: {}\n",
	"notoken.yaml":      "kind: Authentication\nmetadata:\n" + ind(without(authMeta, "vault_access_token"), "  ") + "spec: {}\n",
	"nosecret.yaml":     "kind: Authentication\nmetadata:\n" + ind(without(authMeta, "secret"), "  ") + "spec: {}\n",
	"share.yaml":        "kind: Share\nmetadata: {}\nspec:\n  item_id: i-1\n  connection_id: c-1\n  from:\n" + ind(authMeta, "    "),
	"share_noconn.yaml": "kind: Share\nmetadata: {}\nspec:\n  item_id: i-1\n  from:\n" + ind(authMeta, "    "),
	"conncfg.yaml": "kind: Connection\nmetadata:\n  fromName: Alice\n  toName: Bob\nspec:\n  from:\n" + ind(authMeta, "    ") +
		"  to:\n" + ind(authMeta, "    "),
	"conncfg_noto.yaml":   "kind: Connection\nmetadata:\n  fromName: Alice\nspec:\n  from:\n" + ind(authMeta, "    "),
	"connection.yaml":     "kind: Connection\nspec:\n  invitation_id: inv-1\n  from_user_connection_id: c-1\n  to_user_connection_id: c-2\nmetadata: {}\n",
	"item.yaml":           "kind: Item\nspec:\n  id: i-1\n  slots:\n    - id: s-1\n      name: vin\n      value: VIN1\n",
	"item_noid.yaml":      "kind: Item\nspec:\n  label: x\n",
	"itemcfg.yaml":        "kind: Item\nmetadata:\n  template_name: vehicle\nspec:\n  label: Car\n  slots:\n    - name: vin\n      value: VIN1\n",
	"itemcfg_notmpl.yaml": "kind: Item\nmetadata: {}\nspec:\n  label: Car\n",
}

// TestBadInput runs every command with a missing file, a file of the wrong
// kind, a file missing a field, and a Vault on a closed loopback port, and
// checks the exit code and the message, which must never show a secret.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for name, content := range errorFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dead, err := deadURL()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(".environment.yaml", []byte(fakevault.EnvironmentYAML(dead, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	unreachVault := "meeco: cannot reach the Vault at " + dead + "/vault (.environment.yaml): "
	unreachKS := "meeco: cannot reach the Keystore at " + dead + "/keystore (.environment.yaml): "
	const noFile = "meeco: missing.yaml: cannot read: no such file or directory"
	a := []string{"-a", "alice.yaml"}
	r := newRunner(t)

	tests := []struct {
		name string
		args []string
		code int
		want string // the last line of stderr; a trailing space means "starts with"
	}{
		{"unknown command", []string{"users:delete"}, 2, `meeco: unknown command "users:delete" for "meeco"`},
		{"unknown flag", []string{"shares:list", "--bogus"}, 2, "meeco: unknown flag: --bogus"},

		{"users:create env missing", []string{"users:create", "-p", "pw", "-e", "missing.yaml"}, 2, noFile},
		{"users:create env wrong shape", []string{"users:create", "-p", "pw", "-e", "share.yaml"}, 2, "meeco: share.yaml: vault: missing"},
		{"users:create bad secret", []string{"users:create", "-p", "pw", "-s", "1.bob"}, 2,
			"meeco: -s/--secret: not a Meeco secret (vaultkeys: bad secret: want 3 dot-separated parts, got 2)"},
		{"users:create unreachable", []string{"users:create", "-p", "pw"}, 1, unreachKS},
		{"users:login auth missing", []string{"users:login", "-p", "pw", "-a", "missing.yaml"}, 2, noFile},
		{"users:login wrong kind", []string{"users:login", "-p", "pw", "-a", "share.yaml"}, 2, "meeco: share.yaml:1: kind: want Authentication, got Share"},
		{"users:login no secret", []string{"users:login", "-p", "pw", "-a", "nosecret.yaml"}, 2, "meeco: nosecret.yaml: metadata.secret: missing"},
		{"users:login unreachable", append([]string{"users:login", "-p", "pw"}, a...), 1, unreachKS},
		{"users:get missing", []string{"users:get", "-a", "missing.yaml"}, 2, noFile},
		{"users:get no token", []string{"users:get", "-a", "notoken.yaml"}, 2, "meeco: notoken.yaml: metadata.vault_access_token: missing"},
		{"users:get unreachable", append([]string{"users:get"}, a...), 1, unreachVault},
		{"users:logout wrong kind", []string{"users:logout", "-a", "item.yaml"}, 2, "meeco: item.yaml:1: kind: want Authentication, got Item"},
		{"users:logout unreachable", append([]string{"users:logout"}, a...), 1, unreachVault},

		{"templates:list default auth missing", []string{"templates:list"}, 2, "meeco: .user.yaml: cannot read: no such file or directory"},
		{"templates:list unreachable", append([]string{"templates:list"}, a...), 1, unreachVault},
		{"templates:info no name", append([]string{"templates:info"}, a...), 2, "meeco: accepts 1 arg(s), received 0"},
		{"templates:info wrong kind", []string{"templates:info", "vehicle", "-a", "conncfg.yaml"}, 2, "meeco: conncfg.yaml:1: kind: want Authentication, got Connection"},
		{"templates:info unreachable", append([]string{"templates:info", "vehicle"}, a...), 1, unreachVault},

		{"items:create-config missing", []string{"items:create-config", "vehicle", "-a", "missing.yaml"}, 2, noFile},
		{"items:create-config unreachable", append([]string{"items:create-config", "vehicle"}, a...), 1, unreachVault},
		{"items:create no -i", append([]string{"items:create"}, a...), 2, `meeco: required flag(s) "item" not set`},
		{"items:create missing", append([]string{"items:create", "-i", "missing.yaml"}, a...), 2, noFile},
		{"items:create wrong kind", append([]string{"items:create", "-i", "alice.yaml"}, a...), 2, "meeco: alice.yaml:1: kind: want Item, got Authentication"},
		{"items:create no template", append([]string{"items:create", "-i", "itemcfg_notmpl.yaml"}, a...), 2, "meeco: itemcfg_notmpl.yaml: metadata.template_name: missing"},
		{"items:create unreachable", append([]string{"items:create", "-i", "itemcfg.yaml"}, a...), 1, unreachVault},
		{"items:get no id", append([]string{"items:get"}, a...), 2, "meeco: accepts 1 arg(s), received 0"},
		{"items:get no token", []string{"items:get", "i-1", "-a", "notoken.yaml"}, 2, "meeco: notoken.yaml: metadata.vault_access_token: missing"},
		{"items:get unreachable", append([]string{"items:get", "i-1"}, a...), 1, unreachVault},
		{"items:list unreachable", append([]string{"items:list", "--all"}, a...), 1, unreachVault},

		{"connections:create-config from missing", []string{"connections:create-config", "--from", "missing.yaml", "--to", "alice.yaml"}, 2, noFile},
		{"connections:create-config to wrong kind", []string{"connections:create-config", "-f", "alice.yaml", "-t", "share.yaml"}, 2, "meeco: share.yaml:1: kind: want Authentication, got Share"},
		{"connections:create-config no secret", []string{"connections:create-config", "-f", "nosecret.yaml", "-t", "alice.yaml"}, 2, "meeco: nosecret.yaml: metadata.secret: missing"},
		{"connections:create-config no --to", []string{"connections:create-config", "-f", "alice.yaml"}, 2, `meeco: required flag(s) "to" not set`},
		{"connections:create missing", []string{"connections:create", "-c", "missing.yaml"}, 2, noFile},
		{"connections:create wrong kind", []string{"connections:create", "-c", "alice.yaml"}, 2, "meeco: alice.yaml:1: kind: want Connection, got Authentication"},
		{"connections:create no to", []string{"connections:create", "-c", "conncfg_noto.yaml"}, 2, "meeco: conncfg_noto.yaml: spec.to: missing"},
		{"connections:create created file", []string{"connections:create", "-c", "connection.yaml"}, 2,
			"meeco: connection.yaml: spec.from: missing: this is a created connection (the output of connections:create); connections:create wants the output of connections:create-config"},
		{"connections:create unreachable", []string{"connections:create", "-c", "conncfg.yaml"}, 1, unreachKS},
		{"connections:list unreachable", append([]string{"connections:list"}, a...), 1, unreachVault},

		{"shares:create-config item missing", []string{"shares:create-config", "-f", "alice.yaml", "-c", "connection.yaml", "-i", "missing.yaml"}, 2, noFile},
		{"shares:create-config connection wrong kind", []string{"shares:create-config", "-f", "alice.yaml", "-c", "alice.yaml", "-i", "item.yaml"}, 2,
			"meeco: alice.yaml:1: kind: want Connection, got Authentication"},
		{"shares:create-config config for connection", []string{"shares:create-config", "-f", "alice.yaml", "-c", "conncfg.yaml", "-i", "item.yaml"}, 2,
			"meeco: conncfg.yaml: spec.from_user_connection_id: missing: this is a connection config (the output of connections:create-config); give the output of connections:create"},
		{"shares:create-config item without id", []string{"shares:create-config", "-f", "alice.yaml", "-c", "connection.yaml", "-i", "item_noid.yaml"}, 2,
			"meeco: item_noid.yaml: spec.id: missing"},
		{"shares:create-config no such slot", []string{"shares:create-config", "-f", "alice.yaml", "-c", "connection.yaml", "-i", "item.yaml", "-s", "colour"}, 2,
			`meeco: item.yaml: spec.slots: no slot named "colour" on the item`},
		{"shares:create-config unreachable", []string{"shares:create-config", "-f", "alice.yaml", "-c", "connection.yaml", "-i", "item.yaml", "-s", "vin"}, 1, unreachVault},
		{"shares:create missing", []string{"shares:create", "-c", "missing.yaml"}, 2, noFile},
		{"shares:create wrong kind", []string{"shares:create", "-c", "connection.yaml"}, 2, "meeco: connection.yaml:1: kind: want Share, got Connection"},
		{"shares:create no connection id", []string{"shares:create", "-c", "share_noconn.yaml"}, 2, "meeco: share_noconn.yaml: spec.connection_id: missing"},
		{"shares:create past date", []string{"shares:create", "-c", "share.yaml", "-d", "2001-01-01"}, 2,
			`meeco: -d/--expiry_date "2001-01-01": the share expiry date must be in the future`},
		{"shares:create bad date", []string{"shares:create", "-c", "share.yaml", "-d", "31/12/2030"}, 2,
			`meeco: -d/--expiry_date "31/12/2030": want yyyy-MM-dd or an ISO 8601 time`},
		{"shares:create unreachable", []string{"shares:create", "-c", "share.yaml", "--terms", "t", "-d", "2099-01-01"}, 1, unreachVault},
		{"shares:list bad type", append([]string{"shares:list", "-t", "sideways"}, a...), 2, `meeco: -t/--type "sideways": want incoming or outgoing`},
		{"shares:list unreachable", append([]string{"shares:list", "-t", "outgoing"}, a...), 1, unreachVault},
		{"shares:get-incoming no id", append([]string{"shares:get-incoming"}, a...), 2, "meeco: accepts 1 arg(s), received 0"},
		{"shares:get-incoming missing", []string{"shares:get-incoming", "s-1", "-a", "missing.yaml"}, 2, noFile},
		{"shares:get-incoming unreachable", append([]string{"shares:get-incoming", "s-1"}, a...), 1, unreachVault},
		{"shares:accept wrong kind", []string{"shares:accept", "s-1", "-y", "-a", "share.yaml"}, 2, "meeco: share.yaml:1: kind: want Authentication, got Share"},
		{"shares:accept unreachable", append([]string{"shares:accept", "s-1", "-y"}, a...), 1, unreachVault},
		{"shares:delete no id", append([]string{"shares:delete"}, a...), 2, "meeco: accepts 1 arg(s), received 0"},
		{"shares:delete no token", []string{"shares:delete", "s-1", "-a", "notoken.yaml"}, 2, "meeco: notoken.yaml: metadata.vault_access_token: missing"},
		{"shares:delete unreachable", append([]string{"shares:delete", "s-1"}, a...), 1, unreachVault},
		{"shares:update missing", []string{"shares:update", "i-1", "-a", "missing.yaml"}, 2, noFile},
		{"shares:update unreachable", append([]string{"shares:update", "i-1"}, a...), 1, unreachVault},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := r.run("", false, tt.args...)
			if res.code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", res.code, tt.code, res.stderr)
			}
			got := res.lastLine()
			if prefix, ok := strings.CutSuffix(tt.want, " "); ok {
				if !strings.HasPrefix(got, prefix+" ") || !strings.Contains(got, "connection refused") {
					t.Errorf("stderr ends\n  %s\nwant\n  %s... connection refused", got, tt.want)
				}
			} else if got != tt.want {
				t.Errorf("stderr ends\n  %s\nwant\n  %s", got, tt.want)
			}
			if res.stdout != "" {
				t.Errorf("stdout on failure: %q", res.stdout)
			}
			for _, s := range secrets {
				if strings.Contains(res.stderr, s) {
					t.Errorf("stderr shows a secret: %s", res.stderr)
				}
			}
		})
	}
}

// TestUsageWithoutFiles covers bad usage detected before any file is read.
func TestUsageWithoutFiles(t *testing.T) {
	t.Chdir(t.TempDir())
	r := newRunner(t)
	res := r.run("", true, "users:create")
	if res.code != 2 || res.lastLine() != "meeco: password required: give it with -p PASSWORD or on stdin (this build does not prompt)" {
		t.Errorf("users:create on a terminal without -p: %d %q", res.code, res.stderr)
	}
	res = r.run("\n", false, "users:login", "-s", "1.M9znjHbD5Xi.HB2H1D-MqbSan-ZtfCos-7fUSC3-3MHKhS-49W3Q1-X8Abag-Jr")
	if res.code != 2 || res.lastLine() != "meeco: password required: give it with -p PASSWORD or on stdin" {
		t.Errorf("users:login with an empty stdin: %d %q", res.code, res.stderr)
	}
	r.keys = nil
	r.vars[testKeysEnv] = "slow"
	if err := os.WriteFile(".environment.yaml", []byte(fakevault.EnvironmentYAML("http://127.0.0.1:9", "")), 0o600); err != nil {
		t.Fatal(err)
	}
	res = r.run("", false, "users:create", "-p", "pw")
	if res.code != 2 || res.lastLine() != `meeco: MEECO_TEST_KEYS="slow": want "fast" or "fast:SEED"` {
		t.Errorf("bad MEECO_TEST_KEYS: %d %q", res.code, res.stderr)
	}
	r.vars[testKeysEnv] = "fast:zero"
	res = r.run("", false, "users:create", "-p", "pw")
	if res.code != 2 || res.lastLine() != `meeco: MEECO_TEST_KEYS: seed "zero": want a positive integer` {
		t.Errorf("bad MEECO_TEST_KEYS seed: %d %q", res.code, res.stderr)
	}
	if err := os.WriteFile(".environment.yaml", []byte("vault:\n  url: ftp://x/vault\nkeystore:\n  url: http://x/keystore\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r.vars = map[string]string{}
	res = r.run("", false, "users:create", "-p", "pw")
	if res.code != 2 || res.lastLine() != "meeco: .environment.yaml: vault URL: want an absolute http(s) URL" {
		t.Errorf("bad vault URL: %d %q", res.code, res.stderr)
	}
}

func TestParseExpiry(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"2030-12-31", time.Date(2030, 12, 31, 0, 0, 0, 0, time.Local)},
		{"2030-12-31T10:20:30Z", time.Date(2030, 12, 31, 10, 20, 30, 0, time.UTC)},
		{"2030-12-31T10:20:30.5+02:00", time.Date(2030, 12, 31, 8, 20, 30, 5e8, time.UTC)},
		{"2030-12-31T10:20", time.Date(2030, 12, 31, 10, 20, 0, 0, time.Local)},
	} {
		got, err := parseExpiry(tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseExpiry(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"2020-01-01", "2025-06-01T11:00:00Z", "tomorrow", "2030-13-01", ""} {
		if _, err := parseExpiry(in, now); err == nil {
			t.Errorf("parseExpiry(%q): no error", in)
		}
	}
}

func TestReadLine(t *testing.T) {
	for in, want := range map[string]string{"pw\nrest": "pw", "pw\r\n": "pw", "pw": "pw", "": "", "\n": ""} {
		r := strings.NewReader(in)
		got, err := readLine(r)
		if err != nil || got != want {
			t.Errorf("readLine(%q) = %q, %v; want %q", in, got, err, want)
		}
		if in == "pw\nrest" && r.Len() != 4 {
			t.Errorf("readLine consumed past the line: %d bytes left", r.Len())
		}
	}
}
