// Package plan reads load plans: HCL files of load blocks, each an
// executor with k6's option names, the scenarios its iterations run and
// its thresholds.
//
//	load "share_storm" {
//	  executor        = "constant-arrival-rate"
//	  rate            = 50
//	  duration        = "2m"
//	  preAllocatedVUs = 20
//	  scenarios       = ["share_storm.feature"]
//	  tags            = "@storm"
//	  thresholds      = ["http_req_duration{route:POST /vault/items/{id}/shares}:p(95)<250ms"]
//	}
//
// Every problem is reported as "file:line:col: message" before anything
// runs. Blocks run at the same time, each from its startTime.
package plan

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"

	"github.com/vaultcheck/vaultcheck/internal/load/executor"
	"github.com/vaultcheck/vaultcheck/internal/load/threshold"
)

// Fixture modes.
const (
	// FixtureVU sets each scenario up once per VU, before the clock
	// starts: its leading Given steps (the Background's included). Each
	// iteration runs the rest on a copy of the set-up state.
	FixtureVU = "vu"
	// FixtureIteration runs the whole scenario in every iteration, set-up
	// steps measured with the rest.
	FixtureIteration = "iteration"
)

// Load is one load block.
type Load struct {
	Name      string
	Executor  executor.Config
	StartTime time.Duration
	// Scenarios are paths (files, folders, FILE.feature:LINE) relative
	// to the plan's folder, or to the working folder on the command line.
	Scenarios []string
	// Tags selects scenarios, as run's --tags.
	Tags       string
	Fixture    string
	Thresholds []threshold.Threshold
	// Where is the block's file:line, for messages.
	Where string
}

// Plan is a parsed plan file.
type Plan struct {
	File  string
	Loads []Load
}

// Diagnostics is a list of file:line:col problems.
type Diagnostics []string

func (d Diagnostics) Error() string { return strings.Join(d, "\n") }

// optionTypes are the executor options a load block takes, by k6 name.
var optionTypes = map[string]string{
	"vus": "int", "iterations": "int", "startVUs": "int", "preAllocatedVUs": "int", "maxVUs": "int",
	"rate": "number", "startRate": "number",
	"duration": "duration", "maxDuration": "duration", "gracefulStop": "duration", "gracefulRampDown": "duration",
	"timeUnit": "duration",
}

var blockAttrs = []string{"executor", "startTime", "scenarios", "tags", "fixture", "thresholds"}

// Parse reads a plan from src. known checks threshold tag values.
func Parse(file string, src []byte, known threshold.TagValues) (*Plan, error) {
	p := hclparse.NewParser()
	f, diags := p.ParseHCL(src, file)
	var out Diagnostics
	addDiags := func(ds hcl.Diagnostics) {
		for _, d := range ds {
			if d.Severity != hcl.DiagError {
				continue
			}
			where := file
			if d.Subject != nil {
				where = fmt.Sprintf("%s:%d:%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
			}
			msg := d.Summary
			if d.Detail != "" {
				msg += ": " + d.Detail
			}
			out = append(out, where+": "+msg)
		}
	}
	if diags.HasErrors() {
		addDiags(diags)
		return nil, out
	}
	content, diags := f.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "load", LabelNames: []string{"name"}}}})
	addDiags(diags)
	plan := &Plan{File: file}
	at := func(r hcl.Range) string { return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column) }
	seen := map[string]string{}
	for _, b := range content.Blocks {
		name := b.Labels[0]
		if prev, dup := seen[name]; dup {
			out = append(out, fmt.Sprintf("%s: load %q is declared twice (first at %s)", at(b.LabelRanges[0]), name, prev))
			continue
		}
		seen[name] = at(b.DefRange)
		l, ds := decodeLoad(b, known, at)
		out = append(out, ds...)
		if l != nil {
			plan.Loads = append(plan.Loads, *l)
		}
	}
	if len(out) == 0 && len(plan.Loads) == 0 {
		out = append(out, file+":1:1: the plan has no load block")
	}
	if len(out) > 0 {
		return nil, out
	}
	return plan, nil
}

func decodeLoad(b *hcl.Block, known threshold.TagValues, at func(hcl.Range) string) (*Load, Diagnostics) {
	var out Diagnostics
	attrs, diags := b.Body.JustAttributes()
	for _, d := range diags {
		where := at(b.DefRange)
		if d.Subject != nil {
			where = at(*d.Subject)
		}
		out = append(out, where+": "+d.Summary+": "+d.Detail)
	}
	l := &Load{Name: b.Labels[0], Fixture: FixtureVU, Where: at(b.DefRange)}
	cfg := executor.Config{Set: map[string]bool{}}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range attrs {
			if !yield(n) {
				return
			}
		}
	})
	fieldAt := map[string]string{}
	for _, n := range names {
		a := attrs[n]
		fieldAt[n] = at(a.Expr.Range())
		v, ds := a.Expr.Value(nil)
		if ds.HasErrors() {
			out = append(out, fmt.Sprintf("%s: %s: %s", at(a.Expr.Range()), n, ds[0].Summary))
			continue
		}
		bad := func(format string, args ...any) {
			out = append(out, fmt.Sprintf("%s: %s: %s", at(a.Expr.Range()), n, fmt.Sprintf(format, args...)))
		}
		switch n {
		case "executor":
			var s string
			if gocty.FromCtyValue(v, &s) != nil {
				bad("want a string, e.g. %q", executor.ConstantVUs)
				continue
			}
			cfg.Executor = s
		case "startTime":
			d, err := durationOf(v)
			if err != nil {
				bad("%v", err)
			}
			l.StartTime = d
		case "scenarios":
			s, ok := stringsOf(v)
			if !ok || len(s) == 0 {
				bad("want a list of scenario paths, e.g. [\"share_storm.feature\"]")
				continue
			}
			l.Scenarios = s
		case "tags":
			if gocty.FromCtyValue(v, &l.Tags) != nil {
				bad("want a tag expression string")
			}
		case "fixture":
			if gocty.FromCtyValue(v, &l.Fixture) != nil || (l.Fixture != FixtureVU && l.Fixture != FixtureIteration) {
				bad("want %q (set up once per VU, not measured) or %q (every iteration runs the whole scenario)", FixtureVU, FixtureIteration)
			}
		case "thresholds":
			s, ok := stringsOf(v)
			if !ok {
				bad("want a list of threshold strings")
				continue
			}
			for _, src := range s {
				th, err := threshold.Parse(src, known)
				if err != nil {
					bad("%v", err)
					continue
				}
				l.Thresholds = append(l.Thresholds, th)
			}
		case "stages":
			st, err := stagesOf(v)
			if err != nil {
				bad("%v", err)
				continue
			}
			cfg.Stages, cfg.Set["stages"] = st, true
		default:
			typ, ok := optionTypes[n]
			if !ok {
				bad("unknown option%s (options: %s)", suggest(n), strings.Join(append(slices.Clone(blockAttrs), optionNames()...), ", "))
				continue
			}
			cfg.Set[n] = true
			if err := setOption(&cfg, n, typ, v); err != nil {
				bad("%v", err)
			}
		}
	}
	if cfg.Executor == "" {
		out = append(out, fmt.Sprintf("%s: load %q: executor is required (one of %s)", at(b.DefRange), l.Name, strings.Join(executor.Names, ", ")))
	}
	if l.Scenarios == nil && l.Tags == "" {
		out = append(out, fmt.Sprintf("%s: load %q: name its scenarios (scenarios = [...]) or select them by tags", at(b.DefRange), l.Name))
	}
	if len(out) > 0 {
		return nil, out
	}
	cfg = cfg.WithDefaults()
	for _, err := range cfg.Validate() {
		where := at(b.DefRange)
		if fe, ok := err.(*executor.FieldError); ok && fieldAt[fe.Field] != "" {
			where = fieldAt[fe.Field]
		}
		out = append(out, fmt.Sprintf("%s: load %q: %v", where, l.Name, err))
	}
	l.Executor = cfg
	return l, out
}

func optionNames() []string {
	n := slices.Sorted(func(yield func(string) bool) {
		for k := range optionTypes {
			if !yield(k) {
				return
			}
		}
	})
	return append(n, "stages")
}

// suggest hints the k6 name for a snake_case or misspelt option.
func suggest(n string) string {
	flat := strings.ToLower(strings.ReplaceAll(n, "_", ""))
	names := append(optionNames(), blockAttrs...)
	for _, k := range names {
		if strings.ToLower(k) == flat {
			return fmt.Sprintf("; did you mean %q? (options keep k6's names)", k)
		}
	}
	best, bestD := "", 3 // a typo: at most two edits
	for _, k := range names {
		if d := levenshtein.Distance(flat, strings.ToLower(k), nil); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return ""
}

func setOption(cfg *executor.Config, n, typ string, v cty.Value) error {
	switch typ {
	case "int":
		var i int
		if err := gocty.FromCtyValue(v, &i); err != nil {
			return fmt.Errorf("want a whole number")
		}
		switch n {
		case "vus":
			cfg.VUs = i
		case "iterations":
			cfg.Iterations = i
		case "startVUs":
			cfg.StartVUs = i
		case "preAllocatedVUs":
			cfg.PreAllocatedVUs = i
		case "maxVUs":
			cfg.MaxVUs = i
		}
	case "number":
		var f float64
		if err := gocty.FromCtyValue(v, &f); err != nil {
			return fmt.Errorf("want a number")
		}
		if n == "rate" {
			cfg.Rate = f
		} else {
			cfg.StartRate = f
		}
	case "duration":
		d, err := durationOf(v)
		if err != nil {
			return err
		}
		switch n {
		case "duration":
			cfg.Duration = d
		case "maxDuration":
			cfg.MaxDuration = d
		case "gracefulStop":
			cfg.GracefulStop = d
		case "gracefulRampDown":
			cfg.GracefulRampDown = d
		case "timeUnit":
			cfg.TimeUnit = d
		}
	}
	return nil
}

// stringsOf reads a list (or tuple) of strings.
func stringsOf(v cty.Value) ([]string, bool) {
	lv, err := convert.Convert(v, cty.List(cty.String))
	if err != nil || lv.IsNull() {
		return nil, false
	}
	var s []string
	if gocty.FromCtyValue(lv, &s) != nil {
		return nil, false
	}
	return s, true
}

func durationOf(v cty.Value) (time.Duration, error) {
	var s string
	if gocty.FromCtyValue(v, &s) != nil {
		return 0, fmt.Errorf("want a duration string such as \"30s\" or \"2m\"")
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("want a duration such as \"30s\" or \"2m\", got %q", s)
	}
	return d, nil
}

func stagesOf(v cty.Value) ([]executor.Stage, error) {
	if !v.Type().IsTupleType() && !v.Type().IsListType() {
		return nil, fmt.Errorf("want a list of { duration = \"30s\", target = 10 }")
	}
	var out []executor.Stage
	for i, it := 0, v.ElementIterator(); it.Next(); i++ {
		_, e := it.Element()
		if !e.Type().IsObjectType() || !e.Type().HasAttribute("duration") || !e.Type().HasAttribute("target") {
			return nil, fmt.Errorf("stage %d: want { duration = \"30s\", target = 10 }", i+1)
		}
		for name := range e.Type().AttributeTypes() {
			if name != "duration" && name != "target" {
				return nil, fmt.Errorf("stage %d: unknown attribute %q (duration, target)", i+1, name)
			}
		}
		d, err := durationOf(e.GetAttr("duration"))
		if err != nil {
			return nil, fmt.Errorf("stage %d: %v", i+1, err)
		}
		var t float64
		if gocty.FromCtyValue(e.GetAttr("target"), &t) != nil {
			return nil, fmt.Errorf("stage %d: target: want a number", i+1)
		}
		out = append(out, executor.Stage{Duration: d, Target: t})
	}
	return out, nil
}

// ResolvePaths makes the scenario paths of every block relative to the
// plan's folder.
func (p *Plan) ResolvePaths() {
	dir := filepath.Dir(p.File)
	for i := range p.Loads {
		for j, s := range p.Loads[i].Scenarios {
			if !filepath.IsAbs(s) {
				p.Loads[i].Scenarios[j] = filepath.Join(dir, s)
			}
		}
	}
}
