package harness

import (
	"bytes"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// sourceWriter rewrites the "file:line" locations that godog's console
// formatters print for front-end features (HCL scenarios compiled to
// Gherkin) so that they point at the source file's lines instead of the
// generated Gherkin's. Report files (JUnit, cucumber) are written by godog
// itself and keep the generated lines.
type sourceWriter struct {
	mu    sync.Mutex // godog's formatters may write from several goroutines
	w     io.Writer
	buf   []byte
	locRe *regexp.Regexp
	lines map[string]func(line int) (int, bool)
}

// newSourceWriter wraps w for the front-end features of set, or returns
// nil when there are none or no way to map their lines.
func newSourceWriter(w io.Writer, set *featureSet, sourceLine SourceLineFunc) *sourceWriter {
	if sourceLine == nil {
		return nil
	}
	sw := &sourceWriter{w: w, lines: map[string]func(int) (int, bool){}}
	var names []string
	for _, f := range set.contents {
		if extOf(f.Name) == featureExt {
			continue
		}
		name, contents := f.Name, f.Contents
		sw.lines[name] = func(line int) (int, bool) {
			file, n, ok := sourceLine(contents, line)
			return n, ok && file == name
		}
		names = append(names, regexp.QuoteMeta(name))
	}
	if len(names) == 0 {
		return nil
	}
	sw.locRe = regexp.MustCompile(`(` + strings.Join(names, "|") + `):(\d+)\b`)
	return sw
}

func (s *sourceWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if _, err := s.w.Write(s.rewrite(s.buf[:i+1])); err != nil {
			return 0, err
		}
		s.buf = s.buf[i+1:]
	}
}

// Flush writes what is left of an unfinished last line.
func (s *sourceWriter) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.buf) == 0 {
		return nil
	}
	_, err := s.w.Write(s.rewrite(s.buf))
	s.buf = nil
	return err
}

func (s *sourceWriter) rewrite(line []byte) []byte {
	return s.locRe.ReplaceAllFunc(line, func(m []byte) []byte {
		sub := s.locRe.FindSubmatch(m)
		n, err := strconv.Atoi(string(sub[2]))
		if err != nil {
			return m
		}
		if src, ok := s.lines[string(sub[1])](n); ok {
			return []byte(string(sub[1]) + ":" + strconv.Itoa(src))
		}
		return m
	})
}
