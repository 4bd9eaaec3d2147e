package certify

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/vaultcheck/vaultcheck/internal/hclscenario"
	"github.com/vaultcheck/vaultcheck/internal/requirements"
)

// Declaration is what a vendor claims of its product, read from HCL:
//
//	product {
//	  name    = "Acme Vault"
//	  version = "1.4.2"
//	  vendor  = "Acme Ltd"
//	  contact = "conformance@acme.example"
//	}
//	profiles     = ["core", "extended"]
//	capabilities = ["SRP-ENUM-01"]     # SHOULDs claimed as met: then required
//	known_failure "READ-OWNER-01" {
//	  reason   = "owner ids of on-shares are shown until 1.5"
//	  tracking = "https://tracker.acme.example/VAULT-123"
//	}
type Declaration struct {
	// File is the declaration's file name as given; Source its bytes.
	File   string `json:"file"`
	Source []byte `json:"-"`

	Product Product `json:"product"`
	// Profiles are the claimed profiles, in the order written.
	Profiles []string `json:"profiles"`
	// Capabilities are optional (SHOULD) requirements of the claimed
	// profiles that the product claims to meet: they are required.
	Capabilities []string `json:"capabilities"`
	// KnownFailures are optional requirements the product is declared to
	// fail, each with a reason and where it is tracked.
	KnownFailures []KnownFailure `json:"known_failures"`
}

// Product names what is certified and who answers for it.
type Product struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Vendor  string `json:"vendor"`
	// Contact is an e-mail address or an http(s) URL.
	Contact string `json:"contact"`
}

// KnownFailure is an optional requirement the product fails, declared.
type KnownFailure struct {
	Requirement string `json:"requirement"`
	Reason      string `json:"reason"`
	// Tracking is the http(s) URL of the issue that tracks the fix.
	Tracking string `json:"tracking"`
}

// ErrDeclaration reports a declaration that cannot be used: its
// *DeclarationError lists every problem at its file:line:col.
var ErrDeclaration = errors.New("bad declaration")

// DeclarationError is every problem of a declaration, each in vaultcheck's
// diagnostic shape "<file>:<line>:<col>: <what>: <message>" with the
// source line under it.
type DeclarationError struct {
	Problems []string
	// Refused says some problem refuses certification outright (a required
	// check declared a known failure), rather than a mistake in the file.
	Refused bool
}

func (e *DeclarationError) Error() string {
	return fmt.Sprintf("%d problem%s in the declaration:\n%s", len(e.Problems), plural(len(e.Problems)), strings.Join(e.Problems, "\n"))
}

// Is makes a DeclarationError match ErrDeclaration.
func (e *DeclarationError) Is(target error) bool { return target == ErrDeclaration }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Summary of the diagnostic that refuses certification.
const refusedSummary = "Certification refused"

// ParseDeclaration reads a declaration. Every problem is reported together
// in a *DeclarationError (matching ErrDeclaration): HCL syntax, unknown or
// missing blocks and attributes, values of the wrong type, unknown
// profiles and requirement ids (with the closest one), and claims that
// contradict the profiles: a known failure of a required check refuses
// certification.
func ParseDeclaration(filename string, src []byte) (*Declaration, error) {
	p := &declParser{decl: &Declaration{File: filename, Source: src, Profiles: []string{}, Capabilities: []string{},
		KnownFailures: []KnownFailure{}}}
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	p.diags = diags
	if f != nil {
		p.files = map[string]*hcl.File{filename: f}
	}
	if !diags.HasErrors() {
		p.decode(f.Body)
	}
	if p.diags.HasErrors() {
		return nil, p.err()
	}
	return p.decl, nil
}

type declParser struct {
	decl  *Declaration
	files map[string]*hcl.File
	diags hcl.Diagnostics
}

func (p *declParser) errf(rng hcl.Range, summary, format string, args ...any) {
	r := rng
	p.diags = append(p.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: &r})
}

// err renders the diagnostics in position order.
func (p *declParser) err() error {
	e := &DeclarationError{}
	diags := slices.Clone(p.diags)
	slices.SortStableFunc(diags, func(a, b *hcl.Diagnostic) int {
		if a.Subject == nil || b.Subject == nil {
			return 0
		}
		if a.Subject.Start.Line != b.Subject.Start.Line {
			return a.Subject.Start.Line - b.Subject.Start.Line
		}
		return a.Subject.Start.Column - b.Subject.Start.Column
	})
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		var b strings.Builder
		if d.Subject != nil {
			fmt.Fprintf(&b, "%s:%d:%d: ", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		} else {
			b.WriteString(p.decl.File + ": ")
		}
		b.WriteString(d.Summary)
		if detail := strings.Join(strings.Fields(d.Detail), " "); detail != "" {
			b.WriteString(": " + detail)
		}
		if x := hclscenario.Excerpt(p.files, d.Subject); x != "" {
			b.WriteString("\n" + x)
		}
		e.Problems = append(e.Problems, b.String())
		if d.Summary == refusedSummary {
			e.Refused = true
		}
	}
	return e
}

var declSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "profiles", Required: true}, {Name: "capabilities"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "product"}, {Type: "known_failure", LabelNames: []string{"requirement"}}},
}

var productSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "name", Required: true}, {Name: "version", Required: true}, {Name: "vendor", Required: true}, {Name: "contact", Required: true},
}}

var knownFailureSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "reason", Required: true}, {Name: "tracking", Required: true},
}}

// idRef is a requirement id as written, with where.
type idRef struct {
	id  string
	rng hcl.Range
}

func (p *declParser) decode(body hcl.Body) {
	content, diags := body.Content(declSchema)
	p.diags = append(p.diags, diags...)
	d := p.decl

	var products []*hcl.Block
	for _, b := range content.Blocks {
		if b.Type == "product" {
			products = append(products, b)
		}
	}
	switch {
	case len(products) == 0:
		p.errf(body.MissingItemRange(), "Missing product block", "A declaration names its product: product { name, version, vendor, contact }.")
	case len(products) > 1:
		p.errf(products[1].DefRange, "Duplicate product block", "A declaration certifies one product; the first product block is at line %d.", products[0].DefRange.Start.Line)
	default:
		p.product(products[0])
	}

	var claimed []idRef
	if a := content.Attributes["profiles"]; a != nil {
		claimed = p.stringList(a)
		if len(claimed) == 0 && a.Expr != nil {
			p.errf(a.Expr.Range(), "No profile claimed", "Claim at least one of %s.", quoteList(ProfileNames()))
		}
	}
	seen := map[string]bool{}
	for _, c := range claimed {
		if _, ok := LookupProfile(c.id); !ok {
			p.errf(c.rng, "Unknown profile", "There is no profile %q; the profiles are %s.%s", c.id, quoteList(ProfileNames()), suggest(c.id, ProfileNames()))
			continue
		}
		if seen[c.id] {
			p.errf(c.rng, "Duplicate profile", "%q is claimed twice.", c.id)
			continue
		}
		seen[c.id] = true
		d.Profiles = append(d.Profiles, c.id)
	}
	for _, c := range claimed {
		prof, ok := LookupProfile(c.id)
		if !ok {
			continue
		}
		for _, need := range prof.Needs {
			if !seen[need] {
				p.errf(c.rng, "Profile needs another", "Profile %q builds on %q: claim both (profiles = [%q, %q]).", c.id, need, need, c.id)
			}
		}
	}

	if a := content.Attributes["capabilities"]; a != nil {
		caps := map[string]bool{}
		for _, c := range p.stringList(a) {
			r, ok := p.requirement(c, "capability")
			switch {
			case !ok:
			case caps[c.id]:
				p.errf(c.rng, "Duplicate capability", "%s is listed twice.", c.id)
			case r.Level == requirements.Must:
				p.errf(c.rng, "Not an optional requirement", "%s is a MUST: a claim of its profile requires it already; capabilities name SHOULDs the product meets.", c.id)
			case !seen[profileOf(r.Area)]:
				p.errf(c.rng, "Requirement outside the claim", "%s belongs to profile %q, which this declaration does not claim.", c.id, profileOf(r.Area))
			default:
				caps[c.id] = true
				d.Capabilities = append(d.Capabilities, c.id)
			}
		}
	}

	known := map[string]hcl.Range{}
	for _, b := range content.Blocks {
		if b.Type != "known_failure" {
			continue
		}
		ref := idRef{id: b.Labels[0], rng: b.LabelRanges[0]}
		kf := KnownFailure{Requirement: ref.id}
		r, ok := p.requirement(ref, "known failure")
		if ok {
			prof := profileOf(r.Area)
			switch {
			case known[ref.id] != (hcl.Range{}):
				p.errf(ref.rng, "Duplicate known failure", "%s is declared a known failure at line %d already.", ref.id, known[ref.id].Start.Line)
				ok = false
			case !seen[prof]:
				p.errf(ref.rng, "Requirement outside the claim", "%s belongs to profile %q, which this declaration does not claim: only its scenarios run.", ref.id, prof)
				ok = false
			case r.Level == requirements.Must:
				p.errf(ref.rng, refusedSummary, "%s is a MUST of profile %q: a required check can be neither skipped nor declared a known failure. Fix the product, or do not claim %q.", ref.id, prof, prof)
				ok = false
			case slices.Contains(d.Capabilities, ref.id):
				p.errf(ref.rng, refusedSummary, "%s is claimed as a capability, which makes it required: a required check cannot be declared a known failure.", ref.id)
				ok = false
			}
			known[ref.id] = b.DefRange
		}
		body, diags := b.Body.Content(knownFailureSchema)
		p.diags = append(p.diags, diags...)
		if a := body.Attributes["reason"]; a != nil {
			if s, good := p.text(a, true); good {
				kf.Reason = s
			}
		}
		if a := body.Attributes["tracking"]; a != nil {
			if s, good := p.text(a, false); good {
				if !isHTTPURL(s) {
					p.errf(a.Expr.Range(), "Invalid tracking link", "tracking is the http(s) URL of the issue that tracks the fix.")
				} else {
					kf.Tracking = s
				}
			}
		}
		if ok {
			d.KnownFailures = append(d.KnownFailures, kf)
		}
	}
	slices.SortFunc(d.KnownFailures, func(a, b KnownFailure) int { return strings.Compare(a.Requirement, b.Requirement) })
}

func (p *declParser) product(b *hcl.Block) {
	body, diags := b.Body.Content(productSchema)
	p.diags = append(p.diags, diags...)
	pr := &p.decl.Product
	for name, dst := range map[string]*string{"name": &pr.Name, "version": &pr.Version, "vendor": &pr.Vendor, "contact": &pr.Contact} {
		if a := body.Attributes[name]; a != nil {
			if s, ok := p.text(a, false); ok {
				*dst = s
			}
		}
	}
	if a := body.Attributes["contact"]; a != nil && pr.Contact != "" && !isHTTPURL(pr.Contact) {
		if addr, err := mail.ParseAddress(pr.Contact); err != nil || addr.Address != pr.Contact {
			p.errf(a.Expr.Range(), "Invalid contact", "contact is an e-mail address (conformance@acme.example) or an http(s) URL.")
			pr.Contact = ""
		}
	}
}

// value evaluates an attribute that must be a constant: a declaration has
// no variables and no functions.
func (p *declParser) value(a *hcl.Attribute) (cty.Value, bool) {
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		p.errf(a.Expr.Range(), "Invalid value", "%s must be written out: a declaration has no variables or functions.", a.Name)
		return cty.NilVal, false
	}
	if !v.IsWhollyKnown() || v.IsNull() {
		p.errf(a.Expr.Range(), "Invalid value", "%s must not be null.", a.Name)
		return cty.NilVal, false
	}
	return v, true
}

// text reads a one-line string that is not blank (multi allows line
// breaks).
func (p *declParser) text(a *hcl.Attribute, multi bool) (string, bool) {
	v, ok := p.value(a)
	if !ok {
		return "", false
	}
	sv, err := convert.Convert(v, cty.String)
	if err != nil || v.Type() != cty.String {
		p.errf(a.Expr.Range(), "Invalid value", "%s is a string, got %s.", a.Name, v.Type().FriendlyName())
		return "", false
	}
	s := strings.TrimSpace(sv.AsString())
	switch {
	case s == "":
		p.errf(a.Expr.Range(), "Empty value", "%s must not be empty.", a.Name)
		return "", false
	case !multi && strings.ContainsAny(s, "\r\n"):
		p.errf(a.Expr.Range(), "Invalid value", "%s is one line.", a.Name)
		return "", false
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0:
		p.errf(a.Expr.Range(), "Invalid value", "%s holds a control character.", a.Name)
		return "", false
	}
	return s, true
}

// stringList reads a list of strings, each with its own range when the
// list is written out.
func (p *declParser) stringList(a *hcl.Attribute) []idRef {
	exprs, diags := hcl.ExprList(a.Expr)
	if diags.HasErrors() {
		p.errf(a.Expr.Range(), "Invalid value", "%s is a list of strings: [\"a\", \"b\"].", a.Name)
		return nil
	}
	var out []idRef
	for _, x := range exprs {
		v, d := x.Value(nil)
		if d.HasErrors() || v.IsNull() || !v.IsWhollyKnown() || v.Type() != cty.String {
			p.errf(x.Range(), "Invalid value", "each element of %s is a string written out.", a.Name)
			continue
		}
		out = append(out, idRef{id: strings.TrimSpace(v.AsString()), rng: x.Range()})
	}
	return out
}

// requirement looks up a requirement id, with a did-you-mean for an
// unknown one.
func (p *declParser) requirement(ref idRef, what string) (requirements.Requirement, bool) {
	r, ok := requirements.Lookup(ref.id)
	if ok {
		return r, true
	}
	var ids []string
	for _, r := range requirements.All() {
		ids = append(ids, r.ID)
	}
	p.errf(ref.rng, "Unknown requirement", "The %s %q names no requirement of the catalogue (vaultcheck certify profiles lists them).%s", what, ref.id, suggest(ref.id, ids))
	return requirements.Requirement{}, false
}

// suggest returns ` Did you mean "x"?` for the candidate closest to name
// when it is close enough to be a typo.
func suggest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := levenshtein.Distance(strings.ToUpper(name), strings.ToUpper(c), nil); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(2, len(name)/3) || bestD >= len(name) {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Known reports whether the requirement id is declared a known failure.
func (d *Declaration) Known(id string) (KnownFailure, bool) {
	for _, k := range d.KnownFailures {
		if k.Requirement == id {
			return k, true
		}
	}
	return KnownFailure{}, false
}
