package certify

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/ledger"
)

// The files of a bundle. Every one but EnvelopeFile is a subject of the
// signed Statement; nothing else may be in a bundle.
const (
	DeclarationFile = "declaration.hcl"
	ResultsFile     = "results.json"
	LedgerFile      = "ledger.json"
	RunFile         = "run.json"
	ProfilesFile    = "profiles.json"
	VerdictFile     = "verdict.json"
	SignerFile      = "signer.pub"
	EnvelopeFile    = "statement.dsse.json"
)

// bundleFiles lists the files a bundle must have, envelope last.
var bundleFiles = []string{DeclarationFile, ResultsFile, LedgerFile, RunFile, ProfilesFile, VerdictFile, SignerFile, EnvelopeFile}

// Schemas of the bundle's own JSON files.
const (
	LedgerSchema = "vaultcheck/certification-ledger/v1"
	RunSchema    = "vaultcheck/certification-run/v1"
)

// LedgerRecord is ledger.json: each scenario's crypto ledger with the key
// material to re-check it, by stable scenario id. The private keys are
// those of the run's throwaway test users, made for this run only.
type LedgerRecord struct {
	Schema    string                      `json:"schema"`
	Scenarios map[string]*ledger.Evidence `json:"scenarios"`
}

// ToolRecord is the vaultcheck build that made a bundle.
type ToolRecord struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
	// BinarySHA256 is the hex SHA-256 of the executable that ran
	// (os.Executable), "" when it could not be read.
	BinarySHA256 string `json:"binary_sha256"`
}

// RunRecord is run.json: everything about the run besides its results.
type RunRecord struct {
	Schema string     `json:"schema"`
	Tool   ToolRecord `json:"tool"`
	// Suite says what the scenarios were.
	Suite SuiteRecord `json:"suite"`
	// Vectors are the crypto vectors of Meeco's libraries built into this
	// vaultcheck, and its check against them before the run.
	Vectors VectorsRecord `json:"vectors"`
	// Options are every option of the run; none of them can soften a
	// verdict (see docs/certify.md).
	Options RunOptions `json:"options"`
	// Target is the identity of the system under test.
	Target   TargetIdentity `json:"target"`
	Started  time.Time      `json:"started"`
	Finished time.Time      `json:"finished"`
	// ExitCode is the run's exit code as vaultcheck run would give it.
	ExitCode int `json:"exit_code"`
}

// SuiteRecord identifies the scenarios of a run.
type SuiteRecord struct {
	// Embedded says the run used the suite built into vaultcheck.
	Embedded bool `json:"embedded"`
	// FilesDigest is "sha256:<hex>" over the suite's files as written
	// (features/*.feature, scenarios/*.hcl): each file's SHA-256 and
	// name, one a line, in name order.
	FilesDigest string `json:"files_digest"`
	Files       int    `json:"files"`
	// RanDigest is results.json's suite digest: of the Gherkin that ran.
	RanDigest string `json:"ran_digest"`
	// Scenarios is how many scenarios the suite has, and Enabled how
	// many the claimed profiles run.
	Scenarios int `json:"scenarios"`
	Enabled   int `json:"enabled"`
}

// VectorsRecord is the check of vaultcheck's crypto against the vectors.
type VectorsRecord struct {
	// Digest is "sha256:<hex>" over the vector files like FilesDigest.
	Digest string `json:"digest"`
	// Files are the vector files and their hex SHA-256.
	Files  map[string]string `json:"files"`
	Passed int               `json:"passed"`
	Failed int               `json:"failed"`
}

// RunOptions are the options of a certification run.
type RunOptions struct {
	// Keys is "fresh", or "fast" against the built-in fake only.
	Keys string `json:"keys"`
	// Blindness says the server-blindness canaries were checked after
	// every scenario (always "on").
	Blindness      string `json:"blindness"`
	Concurrency    int    `json:"concurrency"`
	RequestTimeout string `json:"request_timeout"`
	Timeout        string `json:"timeout,omitempty"`
	// SubscriptionKey says whether one was sent (never its value).
	SubscriptionKey bool `json:"subscription_key"`
	// DockerEnv are the names of the variables set in a docker target's
	// container (never their values); DockerArgs its command.
	DockerEnv  []string `json:"docker_env,omitempty"`
	DockerArgs []string `json:"docker_args,omitempty"`
}

// Bundle is a bundle's files by name.
type Bundle struct {
	Files map[string][]byte
}

// ErrBundle reports a bundle that cannot be read or written.
var ErrBundle = errors.New("bad bundle")

// maxBundleFile bounds one file of a bundle read back: results of the
// whole suite are a few megabytes.
const maxBundleFile = 256 << 20

// WriteDir writes the bundle's files into dir, which must not exist yet:
// a bundle is evidence, never overwritten.
func (b *Bundle) WriteDir(dir string) error {
	if _, err := os.Lstat(dir); err == nil {
		return fmt.Errorf("%w: %s already exists: a bundle is never overwritten, choose another --out", ErrBundle, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%w: %v", ErrBundle, err)
	}
	for _, name := range sortedKeys(b.Files) {
		if err := os.WriteFile(filepath.Join(dir, name), b.Files[name], 0o644); err != nil {
			return fmt.Errorf("%w: %v", ErrBundle, err)
		}
	}
	return nil
}

// tarRoot is the folder every file of a bundle's tar.gz is in.
const tarRoot = "vaultcheck-certification"

// tarTime is the modification time of every entry: the same bundle
// directory packs to the same bytes.
var tarTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteTarGz writes the bundle as a gzip-compressed tar whose bytes depend
// on the files' names and contents only: entries in name order under
// vaultcheck-certification/, mode 0644, owner 0:0 without names, one fixed
// time, and a gzip header without name or time.
func (b *Bundle) WriteTarGz(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	zw.ModTime = time.Time{}
	zw.OS = 255 // unknown: the same on every platform
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: tarRoot + "/", Mode: 0o755, ModTime: tarTime, Format: tar.FormatUSTAR}); err != nil {
		return err
	}
	for _, name := range sortedKeys(b.Files) {
		body := b.Files[name]
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: tarRoot + "/" + name, Mode: 0o644, Size: int64(len(body)),
			ModTime: tarTime, Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(body); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// ReadBundle reads a bundle from a directory or a .tar.gz made by
// WriteTarGz. Subfolders, links and other file kinds are refused; every
// regular file is read, so that a file that should not be there is seen.
func ReadBundle(p string) (*Bundle, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	if fi.IsDir() {
		return readDir(p)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	defer f.Close()
	return readTarGz(f, p)
}

func readDir(dir string) (*Bundle, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	b := &Bundle{Files: map[string][]byte{}}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			return nil, fmt.Errorf("%w: %s: a bundle holds regular files only", ErrBundle, filepath.Join(dir, e.Name()))
		}
		body, err := readLimited(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		b.Files[e.Name()] = body
	}
	return b, nil
}

func readLimited(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, maxBundleFile+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBundle, name, err)
	}
	if len(body) > maxBundleFile {
		return nil, fmt.Errorf("%w: %s: larger than %d MiB", ErrBundle, name, maxBundleFile>>20)
	}
	return body, nil
}

func readTarGz(r io.Reader, name string) (*Bundle, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: not a bundle directory or .tar.gz: %v", ErrBundle, name, err)
	}
	tr := tar.NewReader(zr)
	b := &Bundle{Files: map[string][]byte{}}
	total := 0
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBundle, name, err)
		}
		clean := path.Clean(hdr.Name)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if clean != tarRoot {
				return nil, fmt.Errorf("%w: %s: folder %q: a bundle holds the files of %s/ only", ErrBundle, name, hdr.Name, tarRoot)
			}
			continue
		case tar.TypeReg:
		default:
			return nil, fmt.Errorf("%w: %s: %q is not a regular file", ErrBundle, name, hdr.Name)
		}
		dir, file := path.Split(clean)
		if dir != tarRoot+"/" || file == "" || strings.HasPrefix(file, ".") {
			return nil, fmt.Errorf("%w: %s: %q is not a file of %s/", ErrBundle, name, hdr.Name, tarRoot)
		}
		if _, dup := b.Files[file]; dup {
			return nil, fmt.Errorf("%w: %s: %q twice", ErrBundle, name, file)
		}
		if hdr.Size > maxBundleFile || total+int(hdr.Size) > 4*maxBundleFile {
			return nil, fmt.Errorf("%w: %s: %q is too large", ErrBundle, name, file)
		}
		body, err := io.ReadAll(io.LimitReader(tr, hdr.Size))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBundle, name, err)
		}
		total += len(body)
		b.Files[file] = body
	}
	if len(b.Files) == 0 {
		return nil, fmt.Errorf("%w: %s: no files", ErrBundle, name)
	}
	return b, nil
}

// marshal renders a bundle JSON file: indented, with a final newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unmarshalStrict decodes a bundle JSON file, refusing fields it does not
// know, so that nothing recorded goes unread.
func unmarshalStrict(name string, raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	if dec.More() {
		return fmt.Errorf("%s: more than one JSON value", name)
	}
	return nil
}

// FilesDigest is "sha256:<hex>" over the regular files of fsys that match
// one of the patterns: each file's hex SHA-256 and name, one a line, in
// name order (the shape of sha256sum's output).
func FilesDigest(fsys fs.FS, patterns ...string) (digest string, files map[string]string, err error) {
	files = map[string]string{}
	for _, pat := range patterns {
		names, err := fs.Glob(fsys, pat)
		if err != nil {
			return "", nil, err
		}
		for _, n := range names {
			body, err := fs.ReadFile(fsys, n)
			if err != nil {
				return "", nil, err
			}
			files[n] = sha256Hex(body)
		}
	}
	var b strings.Builder
	for _, n := range sortedKeys(files) {
		fmt.Fprintf(&b, "%s  %s\n", files[n], n)
	}
	return "sha256:" + sha256Hex([]byte(b.String())), files, nil
}
