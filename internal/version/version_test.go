package version

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

const rev = "6389ab2c1d2e7f0a9b8c7d6e5f4a3b2c1d0e9f8a"

func TestFromBuild(t *testing.T) {
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	tests := []struct {
		name                      string
		bi                        *debug.BuildInfo
		version, commit, modified string
		want                      Info
	}{
		{"no build info", nil, "", "", "", Info{Version: Devel}},
		{"local build", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: vcs("false")},
			"", "", "", Info{Version: Devel, Commit: rev, Go: "go1.26.8"}},
		{"uncommitted changes", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("true")},
			"", "", "", Info{Version: Devel, Commit: rev, Modified: true}},
		{"pseudo-version is not a release", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261207004300-6389ab2c1d2e+dirty"}},
			"", "", "", Info{Version: Devel}},
		{"go install of a tag", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}},
			"", "", "", Info{Version: "v1.2.0"}},
		{"release version at link time", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("false")},
			"v1.3.0", "", "", Info{Version: "v1.3.0", Commit: rev}},
		{"link-time commit without a VCS stamp", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			"", "abc123", "true", Info{Version: Devel, Commit: "abc123", Modified: true}},
		{"the VCS stamp wins over a link-time commit", &debug.BuildInfo{Settings: vcs("false")},
			"", "stale", "true", Info{Version: Devel, Commit: rev}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fromBuild(tt.bi, tt.version, tt.commit, tt.modified)
			want := tt.want
			if want.Go == "" {
				want.Go = runtime.Version()
			}
			want.Platform = runtime.GOOS + "/" + runtime.GOARCH
			if got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestString(t *testing.T) {
	for _, tt := range []struct {
		info Info
		want string
	}{
		{Info{Version: "v1.2.0", Commit: rev, Go: "go1.26.8", Platform: "linux/amd64"}, "v1.2.0, commit " + rev + ", go1.26.8 linux/amd64"},
		{Info{Version: Devel, Commit: rev, Modified: true, Go: "go1.26.8", Platform: "linux/amd64"}, "devel, commit " + rev + " (modified), go1.26.8 linux/amd64"},
		{Info{Version: Devel, Go: "go1.26.8", Platform: "darwin/arm64"}, "devel, unknown commit, go1.26.8 darwin/arm64"},
	} {
		if got := tt.info.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// TestLinkedBinary builds a program that prints Get() with a release
// version set at link time, and checks it reports that version, the
// toolchain, and the commit exactly when the toolchain stamped one (which
// it does in a git clone, not in a git worktree or with -buildvcs=false).
func TestLinkedBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	gocmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gocmd); err != nil {
		gocmd = "go"
	}
	bin := filepath.Join(t.TempDir(), "showversion")
	build := exec.Command(gocmd, "build", "-buildvcs=auto", "-o", bin,
		"-ldflags", "-X github.com/vaultcheck/vaultcheck/internal/version.Version=v9.8.7",
		"./testdata/showversion")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.TrimSpace(string(out))
	meta, err := exec.Command(gocmd, "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	wantCommit := "unknown commit"
	if m := regexp.MustCompile(`(?m)^\s*build\s+vcs\.revision=(\S+)$`).FindSubmatch(meta); m != nil {
		wantCommit = "commit " + string(m[1])
		if regexp.MustCompile(`(?m)^\s*build\s+vcs\.modified=true$`).Match(meta) {
			wantCommit += " (modified)"
		}
	}
	goVersion := regexp.MustCompile(`^\S+: (go\S+)`).FindSubmatch(meta)
	if goVersion == nil {
		t.Fatalf("go version -m printed no toolchain:\n%s", meta)
	}
	want := "v9.8.7, " + wantCommit + ", " + string(goVersion[1]) + " " + runtime.GOOS + "/" + runtime.GOARCH
	if got != want {
		t.Fatalf("the binary says %q, want %q", got, want)
	}
}
