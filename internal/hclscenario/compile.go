package hclscenario

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/vaultcheck/vaultcheck/steps"
)

// writer builds Gherkin text line by line and remembers, for each line,
// the HCL range it comes from.
type writer struct {
	b    strings.Builder
	line int
	src  map[int]hcl.Range
}

func (w *writer) put(text string, src *hcl.Range) {
	w.line++
	w.b.WriteString(text)
	w.b.WriteByte('\n')
	if src != nil {
		w.src[w.line] = *src
	}
}

// compileFile writes the Gherkin feature of a checked file: the blocks
// outside scenarios as its Background, then one Scenario per scenario.
func compileFile(f *srcFile, bg []step, scenarios [][]step) (string, map[int]hcl.Range) {
	w := &writer{src: map[int]hcl.Range{}}
	w.put("# Compiled by vaultcheck from "+f.name+"; edit that file, not this text.", nil)
	if len(f.tags) > 0 {
		w.put(tagLine(f.tags), nil)
	}
	start := hcl.Range{Filename: f.name, Start: hcl.InitialPos, End: hcl.InitialPos}
	w.put("Feature: "+f.name, &start)
	writeDescription(w, "  ", f.description)
	if len(bg) > 0 {
		w.put("", nil)
		w.put("  Background:", nil)
		writeSteps(w, f.name, bg, true)
	}
	for i, sc := range f.scenarios {
		w.put("", nil)
		w.put(fmt.Sprintf("  # %s:%d", f.name, sc.def.Start.Line), nil)
		if len(sc.tags) > 0 {
			w.put("  "+tagLine(sc.tags), nil)
		}
		def := sc.def
		w.put("  Scenario: "+sc.name, &def)
		if sc.description != "" {
			writeDescription(w, "    ", sc.description)
			w.put("", nil)
		}
		writeSteps(w, f.name, scenarios[i], false)
	}
	return w.b.String(), w.src
}

func tagLine(tags []string) string {
	var t []string
	for _, x := range tags {
		t = append(t, "@"+x)
	}
	return strings.Join(t, " ")
}

func writeDescription(w *writer, indent, text string) {
	if text == "" {
		return
	}
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			w.put("", nil)
			continue
		}
		w.put(indent+l, nil)
	}
}

// writeSteps writes steps with Given/When/Then, "And" when the keyword
// repeats, and a "# file:line" comment before the steps of each block, so
// that the text itself says where every step comes from (SourceLine).
func writeSteps(w *writer, file string, steps []step, background bool) {
	prevKw := ""
	var prevBlock *block
	for _, s := range steps {
		if s.block != prevBlock {
			w.put(fmt.Sprintf("    # %s:%d", file, s.block.def.Start.Line), nil)
			prevBlock = s.block
		}
		kw := s.kw
		if background {
			kw = "Given"
		}
		shown := kw
		if kw == prevKw {
			shown = "And"
		}
		prevKw = kw
		src := s.src
		w.put("    "+shown+" "+s.text, &src)
		writeTable(w, s)
	}
}

// writeTable writes a step's data table, each row under the step and
// mapped to the HCL it comes from.
func writeTable(w *writer, s step) {
	for i, line := range steps.TableLines(s.table) {
		src := &s.src
		if i > 0 && i-1 < len(s.rowSrc) {
			src = &s.rowSrc[i-1]
		}
		w.put("      "+line, src)
	}
}
