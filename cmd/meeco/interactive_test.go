package main

import (
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vaultcheck/vaultcheck/fakevault"
)

// must runs a command that has to succeed and writes its stdout to out
// (when not empty).
func (r *runner) must(out, stdin string, terminal bool, args ...string) result {
	r.t.Helper()
	res := r.run(stdin, terminal, args...)
	if res.code != 0 {
		r.t.Fatalf("meeco %s: exit %d\n%s", strings.Join(args, " "), res.code, res.stderr)
	}
	if out != "" {
		if err := os.WriteFile(out, []byte(res.stdout), 0o600); err != nil {
			r.t.Fatal(err)
		}
	}
	return res
}

func field(t *testing.T, file, path string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	n, err := walk(&doc, path)
	if err != nil {
		t.Fatal(err)
	}
	return n.Value
}

// TestInteractive drives Main's run in-process against a fake Vault for
// what a script cannot do: answer the terms prompt on a terminal, and read
// the password from stdin; then re-keys the shares (shares:update).
func TestInteractive(t *testing.T) {
	srv := fakevault.NewTestServer(t)
	t.Chdir(t.TempDir())
	if err := os.WriteFile(".environment.yaml", []byte(fakevault.EnvironmentYAML(srv.URL(), "")), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newRunner(t)
	r.must(".alice.yaml", "supersecretpassword\n", false, "users:create")
	r.must(".bob.yaml", "supersecretpassword\n", false, "users:create")
	r.must("", "", false, "users:login", "-p", "supersecretpassword", "-a", ".bob.yaml")

	if err := os.WriteFile("item_config.yaml", []byte(errorFiles["itemcfg.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	r.must(".item.yaml", "", false, "items:create", "-i", "item_config.yaml", "-a", ".alice.yaml")
	r.must(".connection_config.yaml", "", false, "connections:create-config", "--from", ".alice.yaml", "--to", ".bob.yaml")
	r.must(".connection.yaml", "", false, "connections:create", "-c", ".connection_config.yaml")
	r.must(".share_config.yaml", "", false, "shares:create-config", "--from", ".alice.yaml", "-c", ".connection.yaml", "-i", ".item.yaml")
	r.must(".share.yaml", "", false, "shares:create", "-c", ".share_config.yaml", "--terms", "Don't tell Mum!")
	share := field(t, ".share.yaml", "shares[0].id")

	// Declined on the terminal: not accepted, and the item stays locked.
	res := r.run("n\n", true, "shares:accept", share, "-a", ".bob.yaml")
	if res.code != 1 || !strings.Contains(res.stderr, "Share Terms: Don't tell Mum!\nDo you accept the terms? [y/n] ") ||
		res.lastLine() != "Do you accept the terms? [y/n] meeco: share terms not accepted" || res.stdout != "" {
		t.Errorf("declining: exit %d\nstdout %q\nstderr %q", res.code, res.stdout, res.stderr)
	}
	res = r.run("", false, "shares:get-incoming", share, "-a", ".bob.yaml")
	if res.code != 1 || !strings.Contains(res.stderr, "terms not accepted") {
		t.Errorf("reading a declined share: exit %d %q", res.code, res.stderr)
	}

	// Accepted on the terminal.
	res = r.must("accepted.yaml", "yes\n", true, "shares:accept", share, "-a", ".bob.yaml")
	if got := field(t, "accepted.yaml", "share.acceptance_required"); got != "accepted" {
		t.Errorf("acceptance_required %q after accepting", got)
	}
	r.must("shared.yaml", "", false, "shares:get-incoming", share, "-a", ".bob.yaml")
	if got := field(t, "shared.yaml", "item.slots[name=vin].value"); got != "VIN1" {
		t.Errorf("shared vin %q, want VIN1", got)
	}

	// shares:update re-keys the share; Bob still reads the item.
	item := field(t, ".item.yaml", "spec.id")
	r.must("updated.yaml", "", false, "shares:update", item, "-a", ".alice.yaml")
	if got := field(t, "updated.yaml", "shares[0].id"); got != share {
		t.Errorf("shares:update returned share %q, want %q", got, share)
	}
	r.must("shared_again.yaml", "", false, "shares:get-incoming", share, "-a", ".bob.yaml")
	if got := field(t, "shared_again.yaml", "item.slots[name=vin].value"); got != "VIN1" {
		t.Errorf("vin after shares:update %q, want VIN1", got)
	}
	// Bob cannot re-key Alice's item.
	res = r.run("", false, "shares:update", field(t, "shared.yaml", "item.id"), "-a", ".bob.yaml")
	if res.code != 1 || !strings.Contains(res.lastLine(), "only the item owner can update shares") {
		t.Errorf("shares:update by the recipient: exit %d %q", res.code, res.stderr)
	}
}
