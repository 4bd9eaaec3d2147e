package fakevault

import (
	"regexp"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/requirements"
)

// TestFaultTable checks every fault's description: a kebab-case name of its
// own, an area, what it breaks, a severity, and requirements that exist in
// the catalogue.
func TestFaultTable(t *testing.T) {
	kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)+$`)
	names := map[string]bool{}
	all := Faults()
	if len(all) < 50 {
		t.Fatalf("%d faults, want at least 50", len(all))
	}
	areas := map[string]int{}
	for i, f := range all {
		if f.Fault != Fault(i+1) || f.Fault.Info().Name != f.Name {
			t.Errorf("fault %d: table out of order (%s)", i+1, f.Name)
		}
		if !kebab.MatchString(f.Name) || names[f.Name] {
			t.Errorf("%q: want a unique kebab-case name", f.Name)
		}
		names[f.Name] = true
		if f.Area == "" || strings.TrimSpace(f.Breaks) == "" {
			t.Errorf("%s: area and what it breaks are required", f.Name)
		}
		areas[f.Area]++
		switch f.Severity {
		case Security, Interop, DataLoss:
		default:
			t.Errorf("%s: severity %q", f.Name, f.Severity)
		}
		if len(f.Requirements) == 0 {
			t.Errorf("%s: names no requirement", f.Name)
		}
		for _, id := range f.Requirements {
			if _, ok := requirements.Lookup(id); !ok {
				t.Errorf("%s: requirement %s is not in the catalogue", f.Name, id)
			}
		}
		got, err := ParseFault(f.Name)
		if err != nil || got != f.Fault {
			t.Errorf("ParseFault(%q) = %v, %v", f.Name, got, err)
		}
	}
	// Every endpoint family has faults.
	for _, a := range []string{"srp", "sessions", "keystore keys", "/me", "items", "templates", "invitations", "connections",
		"shares", "share lists", "accept", "on-sharing", "expiry", "deletion", "re-key", "client tasks", "pagination", "errors"} {
		if areas[a] == 0 {
			t.Errorf("no fault in %s", a)
		}
	}
}

func TestParseFaults(t *testing.T) {
	set, err := ParseFaults("share-dek-swapped", "log-secrets")
	if err != nil || !set.Has(FaultShareDEKSwapped) || !set.Has(FaultLogSecrets) || set.Has(FaultKEKOverwrite) {
		t.Fatalf("ParseFaults: %v %v", set, err)
	}
	if got := set.String(); got != "share-dek-swapped,log-secrets" {
		t.Fatalf("String() = %q", got)
	}
	_, err = ParseFaults("share-dek-swapped", "no-such-fault")
	if err == nil || !strings.Contains(err.Error(), `"no-such-fault"`) || !strings.Contains(err.Error(), "kek-overwrite") {
		t.Fatalf("unknown fault: err=%v, want the name and the known faults", err)
	}
	var empty FaultSet
	if !empty.Empty() || len(empty.List()) != 0 {
		t.Fatal("zero FaultSet is not empty")
	}
	empty.Add(0)
	empty.Add(numFaults)
	if !empty.Empty() {
		t.Fatal("Add accepted a fault outside the table")
	}
}

// TestOptionsMerge checks the two spellings of New's options and their mix.
func TestOptionsMerge(t *testing.T) {
	o := collect([]Option{Options{SubscriptionKey: "k", Faults: NewFaultSet(FaultLogSecrets)}, WithFaults(FaultKEKOverwrite), Options{MaxBodyBytes: 10}})
	if o.SubscriptionKey != "k" || o.MaxBodyBytes != 10 || !o.Faults.Has(FaultLogSecrets) || !o.Faults.Has(FaultKEKOverwrite) {
		t.Fatalf("merged options %+v", o)
	}
	if s := New(WithFaults(FaultTaskNotQueued)); !s.Store().has(FaultTaskNotQueued) || !s.faults.Has(FaultTaskNotQueued) {
		t.Fatal("New(WithFaults(...)) did not turn the fault on")
	}
	if s := New(); !s.faults.Empty() || !s.Store().f.Empty() {
		t.Fatal("faults on by default")
	}
}

// TestEachFaultChangesBehaviour runs, for every fault, a request sequence
// made for it against a clean fake and against one with the fault on, and
// fails if a client would see no difference: no fault is a no-op.
func TestEachFaultChangesBehaviour(t *testing.T) {
	for _, fi := range Faults() {
		t.Run(fi.Name, func(t *testing.T) {
			p := probes[fi.Fault]
			if p == nil {
				t.Fatalf("no probe for %s", fi.Name)
			}
			clean := p(newProbeEnv(t, FaultSet{}))
			faulty := p(newProbeEnv(t, NewFaultSet(fi.Fault)))
			if clean == faulty {
				t.Fatalf("clean and faulty fakes answer alike: %q", clean)
			}
			t.Logf("clean %q, faulty %q", clean, faulty)
		})
	}
}
