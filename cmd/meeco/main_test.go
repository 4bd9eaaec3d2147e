package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"go.yaml.in/yaml/v3"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/meecocli"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestMain lets the scripts run this test binary as the meeco command, so
// that they test the real command line: arguments, stdin, files, exit
// status.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"meeco": func() { os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs testdata/script/*.txtar, each against its own fake
// Vault. $WORK/.environment.yaml points at it; $WORK/dead.environment.yaml
// at a closed loopback port.
func TestScripts(t *testing.T) {
	golden, err := filepath.Abs(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			srv := httptest.NewServer(fakevault.New(fakevault.Options{}))
			e.Defer(srv.Close)
			env := fakevault.EnvironmentYAML(srv.URL, "")
			if err := os.WriteFile(filepath.Join(e.WorkDir, ".environment.yaml"), []byte(env), 0o600); err != nil {
				return err
			}
			dead, err := deadURL()
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(e.WorkDir, "dead.environment.yaml"), []byte(fakevault.EnvironmentYAML(dead, "")), 0o600); err != nil {
				return err
			}
			e.Setenv("DEADURL", dead)
			// A race-enabled meeco sleeps a second at exit so that late
			// reports can print; the scripts run it a hundred times.
			e.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
			return nil
		},
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"yaml":     cmdYAML,
			"yamlenv":  cmdYAMLEnv,
			"yamlset":  cmdYAMLSet,
			"envsubst": cmdEnvsubst,
			"golden":   func(ts *testscript.TestScript, neg bool, args []string) { cmdGolden(ts, neg, args, golden) },
		},
	})
}

// deadURL returns the URL of a loopback port nothing listens on.
func deadURL() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", err
	}
	return "http://" + addr, nil
}

// pathStep matches one step of a path: a key, [N] or [key=value].
var pathStep = regexp.MustCompile(`^([^.\[]+)|^\[(\d+)\]|^\[([^=\]]+)=([^\]]*)\]|^\.`)

// walk finds the node at a path like item.slots[name=vin].value or
// shares[0].id.
func walk(n *yaml.Node, path string) (*yaml.Node, error) {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	rest := path
	for rest != "" {
		m := pathStep.FindStringSubmatch(rest)
		if m == nil {
			return nil, fmt.Errorf("bad path %q at %q", path, rest)
		}
		rest = rest[len(m[0]):]
		switch {
		case m[1] != "":
			n = mapValue(n, m[1])
		case m[2] != "":
			i, _ := strconv.Atoi(m[2])
			if n.Kind != yaml.SequenceNode || i >= len(n.Content) {
				n = nil
			} else {
				n = n.Content[i]
			}
		case m[3] != "":
			var found *yaml.Node
			if n.Kind == yaml.SequenceNode {
				for _, c := range n.Content {
					if v := mapValue(c, m[3]); v != nil && v.Value == m[4] {
						found = c
						break
					}
				}
			}
			n = found
		default:
			continue
		}
		if n == nil {
			return nil, fmt.Errorf("path %q: nothing at %q", path, strings.TrimSuffix(path, rest))
		}
	}
	return n, nil
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func readYAML(ts *testscript.TestScript, file string) *yaml.Node {
	var doc yaml.Node
	ts.Check(yaml.Unmarshal([]byte(ts.ReadFile(file)), &doc))
	return &doc
}

// yaml FILE PATH prints the scalar at PATH (as yq -r would).
func cmdYAML(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: yaml FILE PATH")
	}
	n, err := walk(readYAML(ts, args[0]), args[1])
	if neg {
		if err == nil {
			ts.Fatalf("%s: %s exists", args[0], args[1])
		}
		return
	}
	ts.Check(err)
	if n.Kind != yaml.ScalarNode {
		ts.Fatalf("%s: %s is not a scalar", args[0], args[1])
	}
	fmt.Fprintln(ts.Stdout(), n.Value)
}

// yamlenv VAR FILE PATH sets VAR to the scalar at PATH.
func cmdYAMLEnv(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: yamlenv VAR FILE PATH")
	}
	n, err := walk(readYAML(ts, args[1]), args[2])
	ts.Check(err)
	ts.Setenv(args[0], n.Value)
}

// yamlset FILE PATH VALUE sets the string at PATH, as a person editing the
// file would.
func cmdYAMLSet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: yamlset FILE PATH VALUE")
	}
	doc := readYAML(ts, args[0])
	n, err := walk(doc, args[1])
	ts.Check(err)
	n.Kind, n.Tag, n.Value, n.Style, n.Content = yaml.ScalarNode, "!!str", args[2], 0, nil
	var b bytes.Buffer
	ts.Check(meecocli.Encode(&b, doc.Content[0]))
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b.Bytes(), 0o600))
}

// envsubst IN OUT copies IN to OUT with ${VAR} replaced by the script's
// environment.
func cmdEnvsubst(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envsubst IN OUT")
	}
	out := os.Expand(ts.ReadFile(args[0]), ts.Getenv)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(out), 0o600))
}

// The masks replace what changes from run to run, in this order.
var masks = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`"-----BEGIN PUBLIC KEY-----[^"]*"`), "$$PUBKEY"},
	{regexp.MustCompile(`\b(?:Aes256Gcm|Rsa4096)\.[A-Za-z0-9_=-]*\.[A-Za-z0-9_=-]+`), "$$CRYPPO"},
	{regexp.MustCompile(`"?\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z"?`), "$$TIME"},
	{regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), "$$ID"},
	{regexp.MustCompile(`(?m)^(\s*(?:- )?(?:data_encryption_key|key_encryption_key|passphrase_derived_key|value_verification_key): )[A-Za-z0-9_=-]{40,}$`), "${1}$$KEY"},
	{regexp.MustCompile(`(?m)^(\s*(?:- )?(?:keystore_access_token|vault_access_token): )\S+$`), "${1}$$TOKEN"},
	{regexp.MustCompile(`(?m)^(\s*(?:- )?secret: )1\.\S+$`), "${1}$$SECRET"},
	{regexp.MustCompile(`(?m)^(\s*(?:- )?value_verification_hash: )[0-9a-f]{64}$`), "${1}$$HASH"},
}

func mask(s string) string {
	for _, m := range masks {
		s = m.re.ReplaceAllString(s, m.repl)
	}
	return s
}

// golden FILE NAME compares FILE, masked, with testdata/golden/NAME.yaml
// (rewritten with -update; a missing golden file fails).
func cmdGolden(ts *testscript.TestScript, neg bool, args []string, dir string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: golden FILE NAME")
	}
	got := mask(ts.ReadFile(args[0]))
	path := filepath.Join(dir, args[1]+".yaml")
	if *update {
		ts.Check(os.MkdirAll(dir, 0o755))
		ts.Check(os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		ts.Fatalf("golden file %s: %v (run go test ./cmd/meeco -run TestScripts -update to create it)", path, err)
	}
	if got != string(want) {
		ts.Fatalf("%s differs from %s (masked; -update rewrites it):\n%s", args[0], path, lineDiff(string(want), got))
	}
}

// lineDiff shows the first differing lines with some context.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want: %q\n  got:  %q", i+1, wl, gl)
		}
	}
	return "(no difference)"
}

// TestScriptSeedsDistinct guards the scripts' fixed MEECO_TEST_KEYS seeds:
// the keys they hand out (up to two per command) must all differ, or two
// users or connections would share a keypair and the fake Vault would mix
// them up.
func TestScriptSeedsDistinct(t *testing.T) {
	scripts, err := filepath.Glob(filepath.Join("testdata", "script", "*.txtar"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	seedRE := regexp.MustCompile(`(?m)^env MEECO_TEST_KEYS=fast:(\d+)$`)
	for _, script := range scripts {
		data, err := os.ReadFile(script)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]string{}
		for _, m := range seedRE.FindAllStringSubmatch(string(data), -1) {
			seed, _ := strconv.ParseUint(m[1], 10, 64)
			src, err := keysource.NewFast(keysource.FastOptions{Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 2; i++ {
				k, err := src.Key(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				fp := k.Fingerprint()
				if other, dup := seen[fp]; dup {
					t.Errorf("%s: seed %d key %d is the same key as %s", script, seed, i, other)
				}
				seen[fp] = fmt.Sprintf("seed %d key %d", seed, i)
			}
			src.Close()
		}
		if len(seen) == 0 {
			t.Errorf("%s: no MEECO_TEST_KEYS seeds", script)
		}
	}
}
