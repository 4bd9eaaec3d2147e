// Package version says which build of vaultcheck is running: its release
// version, the commit it was built from and the Go toolchain that built it,
// for the --version flag of vaultcheck and meeco.
//
// The commit and whether the work tree had uncommitted changes come from
// the build information the Go toolchain stamps into binaries built inside
// a git checkout (vcs.revision, vcs.modified). Builds where Go cannot see
// the repository (a git worktree, -buildvcs=false) may have them set at
// link time instead, as the Makefile does:
//
//	go build -ldflags "-X github.com/vaultcheck/vaultcheck/internal/version.Version=v1.2.0 \
//	  -X github.com/vaultcheck/vaultcheck/internal/version.Commit=$(git rev-parse HEAD)"
package version

import (
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"
)

// Version, Commit and Modified are set at link time with -ldflags -X.
// Version names a release ("v1.2.0"); Commit and Modified ("true") are a
// fallback for builds without VCS information. All are empty otherwise.
var (
	Version  string
	Commit   string
	Modified string
)

// Devel is the version of a build that is not a release.
const Devel = "devel"

// Info describes one build.
type Info struct {
	// Version is the release version, or Devel.
	Version string
	// Commit is the full git commit hash the build came from; empty when
	// unknown.
	Commit string
	// Modified reports that the work tree had uncommitted changes.
	Modified bool
	// Go is the toolchain version, such as "go1.26.8".
	Go string
	// Platform is GOOS/GOARCH.
	Platform string
}

// Get returns the running binary's build information.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return fromBuild(bi, Version, Commit, Modified)
}

// pseudoVersionRe matches the versions Go makes up for untagged commits
// (v0.0.0-20261207004300-6389ab2c1d2e), which say less than the commit.
var pseudoVersionRe = regexp.MustCompile(`-(?:\d+\.)?\d{14}-[0-9a-f]{12}(?:\+|$)`)

// fromBuild combines the toolchain's build information (nil when there is
// none) with the values set at link time; the toolchain's VCS stamp wins
// over a link-time commit because it cannot be stale.
func fromBuild(bi *debug.BuildInfo, version, commit, modified string) Info {
	info := Info{Version: version, Commit: commit, Modified: modified == "true",
		Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi == nil {
		if info.Version == "" {
			info.Version = Devel
		}
		return info
	}
	if bi.GoVersion != "" {
		info.Go = bi.GoVersion
	}
	if info.Version == "" {
		// go install module@v1.2.0 records the module version; a local
		// build records "(devel)" or a pseudo-version.
		if v := bi.Main.Version; v != "" && v != "(devel)" && !pseudoVersionRe.MatchString(v) {
			info.Version = v
		} else {
			info.Version = Devel
		}
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev, ok := settings["vcs.revision"]; ok {
		info.Commit, info.Modified = rev, settings["vcs.modified"] == "true"
	}
	return info
}

// String renders the build on one line:
//
//	v1.2.0, commit 6389ab2c1d2e7f0a9b8c7d6e5f4a3b2c1d0e9f8a (modified), go1.26.8 linux/amd64
func (i Info) String() string {
	commit := "unknown commit"
	if i.Commit != "" {
		commit = "commit " + i.Commit
		if i.Modified {
			commit += " (modified)"
		}
	}
	return fmt.Sprintf("%s, %s, %s %s", i.Version, commit, i.Go, i.Platform)
}
