package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cucumber/godog"
)

// ErrBadFormat reports a format list godog would reject or mishandle.
var ErrBadFormat = errors.New("bad format")

// DefaultFormat is the console format when none is given. "pretty" is
// avoided because its output is scrambled when scenarios run concurrently.
const DefaultFormat = "progress"

// formatSpec is one entry of a format list: a godog formatter name and the
// file it writes to ("" = the console, Options.Output).
type formatSpec struct {
	name string
	path string
}

// parseFormats validates a comma-separated godog format list such as
// "progress,junit:out/junit.xml,cucumber:out/cucumber.json". Every name must
// be a registered godog formatter; at most one entry may write to the
// console, since two formatters interleaving on one stream produce neither
// report; no two entries may write the same file. An empty list means
// DefaultFormat (godog itself exits 2 on an empty format).
func parseFormats(list string) ([]formatSpec, error) {
	if strings.TrimSpace(list) == "" {
		list = DefaultFormat
	}
	known := godog.AvailableFormatters()
	var names []string
	for n := range known {
		names = append(names, n)
	}
	slices.Sort(names)

	var specs []formatSpec
	console := ""
	files := map[string]bool{}
	for entry := range strings.SplitSeq(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			return nil, fmt.Errorf("%w %q: empty entry (a stray comma?)", ErrBadFormat, list)
		}
		name, path, hasPath := strings.Cut(entry, ":")
		name = strings.TrimSpace(name)
		if _, ok := known[name]; !ok {
			return nil, fmt.Errorf("%w %q: unknown formatter %q (known: %s)", ErrBadFormat, list, name, strings.Join(names, ", "))
		}
		if hasPath {
			path = strings.TrimSpace(path)
			if path == "" {
				return nil, fmt.Errorf("%w %q: %q names no file after \":\"", ErrBadFormat, list, entry)
			}
			clean := filepath.Clean(path)
			if files[clean] {
				return nil, fmt.Errorf("%w %q: two formatters write %s", ErrBadFormat, list, path)
			}
			files[clean] = true
		} else {
			if console != "" {
				return nil, fmt.Errorf("%w %q: both %q and %q write to the console; give one of them a file (%s:FILE)", ErrBadFormat, list, console, name, name)
			}
			console = name
		}
		specs = append(specs, formatSpec{name: name, path: path})
	}
	return specs, nil
}

// formatString renders specs back into godog's Options.Format.
func formatString(specs []formatSpec) string {
	parts := make([]string, len(specs))
	for i, s := range specs {
		parts[i] = s.name
		if s.path != "" {
			parts[i] += ":" + s.path
		}
	}
	return strings.Join(parts, ",")
}

// prepareFormatFiles creates the parent folders of every report file and
// checks each file can be created, so that a bad path is a clear usage error
// here instead of a line godog prints to os.Stderr.
func prepareFormatFiles(specs []formatSpec) error {
	for _, s := range specs {
		if s.path == "" {
			continue
		}
		if dir := filepath.Dir(s.path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("%w: %s report %s: %v", ErrBadFormat, s.name, s.path, err)
			}
		}
		f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("%w: %s report %s: %v", ErrBadFormat, s.name, s.path, err)
		}
		f.Close()
	}
	return nil
}

// hasFormat reports whether specs use the formatter name.
func hasFormat(specs []formatSpec, name string) bool {
	return slices.ContainsFunc(specs, func(s formatSpec) bool { return s.name == name })
}
