package hclscenario

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// maxFileSize bounds what file() reads: slot values are short, and a
// mistaken path to a large file should fail rather than fill memory.
const maxFileSize = 1 << 20

// functions returns the functions a scenario file may call. file() reads
// relative to the scenario file (inside fsys when it is set); env() reads
// through lookupEnv.
func functions(fsys fs.FS, dir string, lookupEnv func(string) (string, bool)) map[string]function.Function {
	return map[string]function.Function{
		"file":       fileFunc(fsys, dir),
		"env":        envFunc(lookupEnv),
		"lower":      stdlib.LowerFunc,
		"upper":      stdlib.UpperFunc,
		"title":      stdlib.TitleFunc,
		"format":     stdlib.FormatFunc,
		"join":       stdlib.JoinFunc,
		"trimspace":  stdlib.TrimSpaceFunc,
		"trimprefix": stdlib.TrimPrefixFunc,
		"trimsuffix": stdlib.TrimSuffixFunc,
		"replace":    stdlib.ReplaceFunc,
		"substr":     stdlib.SubstrFunc,
		"concat":     stdlib.ConcatFunc,
		"merge":      stdlib.MergeFunc,
	}
}

// functionNames lists the functions for the README, in a stable order.
var functionNames = []string{"file", "env", "lower", "upper", "title", "format", "join", "trimspace",
	"trimprefix", "trimsuffix", "replace", "substr", "concat", "merge"}

func fileFunc(fsys fs.FS, dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Reads a UTF-8 file, relative to the scenario file.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			var (
				data []byte
				err  error
			)
			if fsys != nil {
				p := path.Join(dir, name)
				if path.IsAbs(name) || !fs.ValidPath(p) {
					return cty.NilVal, function.NewArgErrorf(0, "%q leaves the scenarios' file system", name)
				}
				data, err = readLimited(func() (fs.File, error) { return fsys.Open(p) })
			} else {
				p := name
				if !filepath.IsAbs(p) {
					p = filepath.Join(dir, p)
				}
				data, err = readLimited(func() (fs.File, error) { return os.Open(p) })
			}
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(0, "cannot read %q: %v", name, unwrapPath(err))
			}
			if !utf8.Valid(data) {
				return cty.NilVal, function.NewArgErrorf(0, "%q is not UTF-8 text", name)
			}
			return cty.StringVal(string(data)), nil
		},
	})
}

func readLimited(open func() (fs.File, error)) ([]byte, error) {
	f, err := open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("larger than %d bytes", maxFileSize)
	}
	return data, nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

func envFunc(lookup func(string) (string, bool)) function.Function {
	return function.New(&function.Spec{
		Description: "Reads an environment variable; the optional second argument is the value when it is unset.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		VarParam:    &function.Parameter{Name: "default", Type: cty.String},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if len(args) > 2 {
				return cty.NilVal, function.NewArgErrorf(2, "env takes a name and at most one default")
			}
			name := args[0].AsString()
			// The value is never put in a message: it may be a secret.
			if v, ok := lookup(name); ok {
				return cty.StringVal(v), nil
			}
			if len(args) == 2 {
				return args[1], nil
			}
			return cty.NilVal, function.NewArgErrorf(0, "environment variable %s is not set (give a default: env(%q, \"...\"))", name, name)
		},
	})
}
