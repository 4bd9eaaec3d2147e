package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// testVersion is stamped into the binary the end-to-end tests build, as a
// release build would stamp its tag.
const testVersion = "v0.9.9-qa.test"

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// TestMain removes the binary the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// vaultcheckBinary builds vaultcheck once for the tests that run it as a
// QA engineer does: a process of its own, in a folder of their choosing,
// without Go on PATH.
func vaultcheckBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the vaultcheck binary")
	}
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "vaultcheck-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "vaultcheck")
		out, err := exec.Command("go", "build", "-ldflags", "-X github.com/vaultcheck/vaultcheck/internal/version.Version="+testVersion, "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = &buildError{err: err, out: string(out)}
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

// result is what a run of the binary did.
type result struct {
	code           int
	stdout, stderr string
}

// runBinary runs the binary in dir with an environment that has nothing
// on PATH (no Go, no node) and no HOME configuration.
func runBinary(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(vaultcheckBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + t.TempDir(), "HOME=" + t.TempDir(), "NO_COLOR=1"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	t.Logf("(in %s) vaultcheck %s -> %d\nstdout:\n%s\nstderr:\n%s", dir, strings.Join(args, " "), code, out.String(), errb.String())
	return result{code, out.String(), errb.String()}
}
