package certify

import (
	"context"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/results"
)

const fullDeclaration = `product {
  name    = "vaultcheck serve"
  version = "faulty"
  vendor  = "vaultcheck"
  contact = "https://vaultcheck.example/conformance"
}
profiles = ["core", "extended"]
`

// certifyFault certifies the fake with one fault against the embedded
// suite and both profiles, and checks that the certification is refused
// because something failed, naming the fault's requirements wherever the
// suite has scenarios for them; the bundle must verify as refused.
func certifyFault(t *testing.T, fi fakevault.FaultInfo) {
	t.Helper()
	d, err := ParseDeclaration("vendor.hcl", []byte(fullDeclaration))
	if err != nil {
		t.Fatal(err)
	}
	oc, err := Run(context.Background(), Options{Declaration: d, Target: harness.TargetInproc, Keys: "fast",
		Handler: fakevault.New(fakevault.WithFaults(fi.Fault)), Log: io.Discard})
	if err != nil {
		t.Fatalf("certify: %v", err)
	}
	v := oc.Verdict
	if v.Result != Refused || oc.ExitCode() == 0 {
		t.Fatalf("fault %s: certified", fi.Name)
	}
	failed := slices.ContainsFunc(v.Reasons, func(r string) bool {
		return strings.Contains(r, ") failed in scenario") || strings.Contains(r, "failed; it names no requirement") ||
			strings.Contains(r, "ended in an error")
	})
	if !failed {
		t.Errorf("fault %s: no reason says that something failed: %q", fi.Name, v.Reasons)
	}
	doc, err := results.Parse(oc.Bundle.Files[ResultsFile], ResultsFile)
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, sc := range doc.Scenarios {
		for _, r := range sc.Requirements {
			checked[r.ID] = true
		}
	}
	var named []string
	for _, id := range fi.Requirements {
		if !checked[id] {
			continue // the suite has no scenario for it (yet)
		}
		i := slices.IndexFunc(v.Requirements, func(r RequirementVerdict) bool { return r.ID == id })
		if i >= 0 && v.Requirements[i].Outcome == OutcomeFail {
			named = append(named, id)
		}
	}
	tagged := slices.ContainsFunc(fi.Requirements, func(id string) bool { return checked[id] })
	if tagged && len(named) == 0 {
		t.Errorf("fault %s breaks %v, which the suite checks, and the verdict fails none of them: %q", fi.Name, fi.Requirements, v.Reasons)
	}
	t.Logf("fault %s: refused, failing %v of %v; %d reasons", fi.Name, named, fi.Requirements, len(v.Reasons))
	if rep := Verify(context.Background(), oc.Bundle, VerifyOptions{}); rep.ExitCode() != VerifyRefused {
		t.Errorf("fault %s: verify exits %d, want %d (refused, consistent): %v", fi.Name, rep.ExitCode(), VerifyRefused, rep.Problems)
	}
}

// TestCertifyRefusesFaults certifies the fake with a sample of faults
// against the whole embedded suite.
func TestCertifyRefusesFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite once per fault")
	}
	// A Vault fault (a share's crypto) and a Keystore fault (SRP): the
	// self-check proves that every fault fails the suite; this shows that
	// a failing suite refuses the certification and that verify agrees.
	// VAULTCHECK_CERTIFY_ALL_FAULTS=1 certifies once per fault (below).
	for _, f := range []fakevault.Fault{fakevault.FaultShareDEKSwapped, fakevault.FaultSRPWrongSalt} {
		fi := faultInfo(t, f)
		t.Run(fi.Name, func(t *testing.T) { certifyFault(t, fi) })
	}
}

// TestCertifyRefusesEveryFault does the same for every fault of the fake:
// about 20 seconds each on two cores, so it runs only when asked
// (VAULTCHECK_CERTIFY_ALL_FAULTS=1); vaultcheck selfcheck proves the kills
// in less time.
func TestCertifyRefusesEveryFault(t *testing.T) {
	if os.Getenv("VAULTCHECK_CERTIFY_ALL_FAULTS") == "" {
		t.Skip("set VAULTCHECK_CERTIFY_ALL_FAULTS=1 to certify the fake once per fault (about 25 minutes)")
	}
	for _, fi := range fakevault.Faults() {
		t.Run(fi.Name, func(t *testing.T) { certifyFault(t, fi) })
	}
}

func faultInfo(t *testing.T, f fakevault.Fault) fakevault.FaultInfo {
	t.Helper()
	for _, fi := range fakevault.Faults() {
		if fi.Fault == f {
			return fi
		}
	}
	t.Fatalf("no fault %v", f)
	return fakevault.FaultInfo{}
}
