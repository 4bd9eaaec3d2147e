package certify

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const goodDeclaration = `
product {
  name    = "Acme Vault"
  version = "1.4.2"
  vendor  = "Acme Ltd"
  contact = "conformance@acme.example"
}
profiles     = ["core", "extended"]
capabilities = ["SRP-ENUM-01"]

known_failure "READ-OWNER-01" {
  reason   = "owner ids of on-shares are shown until 1.5"
  tracking = "https://tracker.acme.example/VAULT-123"
}
`

func TestParseDeclaration(t *testing.T) {
	d, err := ParseDeclaration("vendor.hcl", []byte(goodDeclaration))
	if err != nil {
		t.Fatal(err)
	}
	want := Product{Name: "Acme Vault", Version: "1.4.2", Vendor: "Acme Ltd", Contact: "conformance@acme.example"}
	if d.Product != want {
		t.Errorf("product = %+v, want %+v", d.Product, want)
	}
	if !slices.Equal(d.Profiles, []string{"core", "extended"}) || !slices.Equal(d.Capabilities, []string{"SRP-ENUM-01"}) {
		t.Errorf("profiles %v, capabilities %v", d.Profiles, d.Capabilities)
	}
	kf, ok := d.Known("READ-OWNER-01")
	if !ok || kf.Tracking != "https://tracker.acme.example/VAULT-123" || !strings.HasPrefix(kf.Reason, "owner ids") {
		t.Errorf("known failure = %+v, %v", kf, ok)
	}
	if _, ok := d.Known("SRP-ENUM-01"); ok {
		t.Error("SRP-ENUM-01 is a capability, not a known failure")
	}
}

// TestDeclarationProblems checks that each mistake is reported at its
// file:line:col with what is wrong, all of them at once.
func TestDeclarationProblems(t *testing.T) {
	product := "product {\n  name = \"A\"\n  version = \"1\"\n  vendor = \"V\"\n  contact = \"a@b.example\"\n}\n"
	cases := []struct {
		name, src string
		want      []string // substrings of the problems, in order
		refused   bool
	}{
		{"syntax", "product {\n", []string{"vendor.hcl:1:"}, false},
		{"no product", `profiles = ["core"]`, []string{"Missing product block"}, false},
		{"no profiles", product, []string{`vendor.hcl:1:1: Missing required argument: The argument "profiles" is required`}, false},
		{"unknown profile", product + `profiles = ["core", "extnded"]`, []string{`vendor.hcl:7:21: Unknown profile: There is no profile "extnded"`, `Did you mean "extended"?`}, false},
		{"extended alone", product + `profiles = ["extended"]`, []string{`vendor.hcl:7:13: Profile needs another: Profile "extended" builds on "core"`}, false},
		{"empty claim", product + `profiles = []`, []string{"vendor.hcl:7:12: No profile claimed"}, false},
		{"duplicate profile", product + `profiles = ["core", "core"]`, []string{`vendor.hcl:7:21: Duplicate profile`}, false},
		{"unknown attribute", product + "profiles = [\"core\"]\nprofile = 1", []string{`vendor.hcl:8:1: Unsupported argument`}, false},
		{"bad contact", strings.Replace(product, "a@b.example", "call us", 1) + `profiles = ["core"]`, []string{"vendor.hcl:5:13: Invalid contact"}, false},
		{"empty name", strings.Replace(product, `"A"`, `" "`, 1) + `profiles = ["core"]`, []string{"vendor.hcl:2:10: Empty value"}, false},
		{"variables", strings.Replace(product, `"A"`, `var.name`, 1) + `profiles = ["core"]`, []string{"vendor.hcl:2:10: Invalid value"}, false},
		{"unknown requirement", product + "profiles = [\"core\"]\nknown_failure \"SRP-ENUM-1\" {\n  reason = \"r\"\n  tracking = \"https://t.example/1\"\n}",
			[]string{`vendor.hcl:8:15: Unknown requirement: The known failure "SRP-ENUM-1" names no requirement`, `Did you mean "SRP-ENUM-01"?`}, false},
		{"required known failure", product + "profiles = [\"core\"]\nknown_failure \"SHARE-DEK-01\" {\n  reason = \"r\"\n  tracking = \"https://t.example/1\"\n}",
			[]string{`vendor.hcl:8:15: Certification refused: SHARE-DEK-01 is a MUST of profile "core": a required check can be neither skipped nor declared a known failure`}, true},
		{"capability known failure", product + "profiles = [\"core\"]\ncapabilities = [\"SRP-ENUM-01\"]\nknown_failure \"SRP-ENUM-01\" {\n  reason = \"r\"\n  tracking = \"https://t.example/1\"\n}",
			[]string{`vendor.hcl:9:15: Certification refused: SRP-ENUM-01 is claimed as a capability`}, true},
		{"known failure outside claim", product + "profiles = [\"core\"]\nknown_failure \"SHARE-EXPIRY-04\" {\n  reason = \"r\"\n  tracking = \"https://t.example/1\"\n}",
			[]string{`vendor.hcl:8:15: Requirement outside the claim: SHARE-EXPIRY-04 belongs to profile "extended"`}, false},
		{"duplicate known failure", product + "profiles = [\"core\"]\nknown_failure \"SRP-ENUM-01\" {\n  reason = \"r\"\n  tracking = \"https://t.example/1\"\n}\nknown_failure \"SRP-ENUM-01\" {\n  reason = \"r\"\n  tracking = \"https://t.example/1\"\n}",
			[]string{`vendor.hcl:12:15: Duplicate known failure`}, false},
		{"bad tracking", product + "profiles = [\"core\"]\nknown_failure \"SRP-ENUM-01\" {\n  reason = \"r\"\n  tracking = \"VAULT-123\"\n}",
			[]string{`vendor.hcl:10:14: Invalid tracking link`}, false},
		{"no reason", product + "profiles = [\"core\"]\nknown_failure \"SRP-ENUM-01\" {\n  tracking = \"https://t.example/1\"\n}",
			[]string{`Missing required argument: The argument "reason" is required`}, false},
		{"capability MUST", product + "profiles = [\"core\"]\ncapabilities = [\"SHARE-DEK-01\"]",
			[]string{`vendor.hcl:8:17: Not an optional requirement: SHARE-DEK-01 is a MUST`}, false},
		{"capability outside claim", product + "profiles = [\"core\"]\ncapabilities = [\"SHARE-EXPIRY-04\"]",
			[]string{`vendor.hcl:8:17: Requirement outside the claim`}, false},
		{"several at once", strings.Replace(product, "a@b.example", "nobody", 1) + `profiles = ["kore"]`,
			[]string{"vendor.hcl:5:13: Invalid contact", `vendor.hcl:7:13: Unknown profile`, `Did you mean "core"?`}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseDeclaration("vendor.hcl", []byte(c.src))
			var de *DeclarationError
			if !errors.As(err, &de) || !errors.Is(err, ErrDeclaration) {
				t.Fatalf("err = %v, want a DeclarationError", err)
			}
			msg := err.Error()
			at := 0
			for _, w := range c.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("the problems do not say %q (in order):\n%s", w, msg)
				}
				at += i
			}
			if de.Refused != c.refused {
				t.Errorf("Refused = %v, want %v:\n%s", de.Refused, c.refused, msg)
			}
			for _, p := range de.Problems {
				if !strings.Contains(p, "\n") {
					t.Errorf("problem without its source line: %q", p)
				}
			}
		})
	}
}
