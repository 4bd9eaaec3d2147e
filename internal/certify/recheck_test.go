package certify

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
)

var (
	testKeysOnce sync.Once
	testKeys     []*cryppo.PrivateKey
)

// rsaKeys returns three small RSA keys, made once: the re-check does not
// care about their size, and 4096-bit ones take a second each.
func rsaKeys(t testing.TB) []*cryppo.PrivateKey {
	t.Helper()
	testKeysOnce.Do(func() {
		for range 3 {
			k, err := cryppo.GeneratePrivateKey(1024)
			if err != nil {
				panic(err)
			}
			testKeys = append(testKeys, k)
		}
	})
	return testKeys
}

func aes(t testing.TB, k cryppo.SymmetricKey, pt []byte) string {
	t.Helper()
	s, err := cryppo.EncryptAES(k, pt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rsaWrap(t testing.TB, k *cryppo.PrivateKey, pt []byte) string {
	t.Helper()
	s, err := cryppo.EncryptRSA(k.Public(), pt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sharingLedger records what a scenario of Alice sharing a value with Bob
// records: keys made and wrapped, a value encrypted, hashed and read by
// Bob with the share DEK wrapped to his key, and refusals by Carol.
func sharingLedger(t testing.TB) *ledger.Ledger {
	keys := rsaKeys(t)
	alice, bob, carol := keys[0], keys[1], keys[2]
	l := ledger.New()
	pdk, kek, dek := cryppo.GenerateSymmetricKey(), cryppo.GenerateSymmetricKey(), cryppo.GenerateSymmetricKey()
	l.DeriveKey("Alice", "PDK", pdk.Bytes(), "salt: secret key")
	l.GenerateKey("Alice", "KEK", kek)
	l.WrapKey("Alice", "KEK", pdk, "PDK", kek.Bytes(), aes(t, pdk, kek.Bytes()))
	l.GenerateKey("Alice", "DEK", dek)
	l.WrapKey("Alice", "DEK", kek, "KEK", dek.Bytes(), aes(t, kek, dek.Bytes()))
	for name, k := range map[string]*cryppo.PrivateKey{"Alice": alice, "Bob": bob, "Carol": carol} {
		l.GenerateKeypair(name, "keypair auth", k)
		l.WrapPrivateKey(name, "private key of keypair auth", kek, "KEK", k, aes(t, kek, []byte(k.PEM())))
	}
	ct := aes(t, dek, []byte("5YJ3E1EA7KF317000"))
	l.EncryptData("Alice", "slot vin of item 1", dek, "DEK", []byte("5YJ3E1EA7KF317000"), ct)
	l.EncryptData("Alice", "slot note of item 1", dek, "DEK", nil, "")

	share := cryppo.GenerateSymmetricKey()
	l.GenerateKey("Alice", "share DEK for share s", share)
	vvk := make([]byte, 64)
	for i := range vvk {
		vvk[i] = byte(i * 7)
	}
	l.GenerateBytes("Alice", "verification key of slot vin for share s", vvk)
	hash := cryppo.HMACSHA256Hex(vvk, "5YJ3E1EA7KF317000")
	l.Hash("Alice", "hash of slot vin for share s", vvk, "verification key of slot vin for share s", "5YJ3E1EA7KF317000", hash)
	shareCT := aes(t, share, []byte("5YJ3E1EA7KF317000"))
	l.EncryptData("Alice", "slot vin for share s", share, "share DEK for share s", []byte("5YJ3E1EA7KF317000"), shareCT)
	wrapped := rsaWrap(t, bob, share.Bytes())
	l.WrapKeyRSA("Alice", "share DEK for share s", bob.Public(), "Bob's connection key", share.Bytes(), wrapped)
	l.UnwrapKeyRSA("Bob", "share DEK for share s", bob, "Bob's connection key", wrapped, share.Bytes())
	l.DecryptData("Bob", "slot vin for share s", share, "share DEK for share s", shareCT, []byte("5YJ3E1EA7KF317000"))
	l.CheckHash("Bob", "hash of slot vin for share s", vvk, "verification key", "5YJ3E1EA7KF317000", hash, true)
	token := rsaWrap(t, alice, []byte("session-token"))
	l.DecryptRSA("Alice", "vault session token", alice, "keypair auth", token, []byte("session-token"))

	_, err := cryppo.DecryptRSA(carol, wrapped)
	l.RefusedRSA("Carol", "Bob's share DEK", carol, "Carol's keypair", wrapped, err)
	other := cryppo.GenerateSymmetricKey()
	_, err = cryppo.DecryptAES(other, shareCT)
	l.RefusedAES("Carol", "Bob's vin", other, "a key of Carol's", shareCT, err)
	if errs := l.Verify(); len(errs) > 0 {
		t.Fatalf("the ledger itself does not verify: %v", errs)
	}
	return l
}

// roundTrip passes evidence through JSON, as a bundle does.
func roundTrip(t *testing.T, ev *ledger.Evidence) *ledger.Evidence {
	t.Helper()
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var out ledger.Evidence
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func TestRecheckLedger(t *testing.T) {
	l := sharingLedger(t)
	c := RecheckLedger(roundTrip(t, l.Evidence()))
	if !c.Clean() {
		t.Fatalf("a good ledger does not re-check: %+v", c)
	}
	if c.Entries != l.Len() || c.Checked+c.NotCheckable != c.Entries {
		t.Errorf("entries %d checked %d not checkable %d, want %d in all", c.Entries, c.Checked, c.NotCheckable, l.Len())
	}
	// Only the PDK's derivation has nothing to re-do it with.
	if c.NotCheckable != 1 {
		t.Errorf("not checkable = %d, want 1 (the derivation)", c.NotCheckable)
	}
	if c.ShareKeys != 1 || c.Exclusive != 1 {
		t.Errorf("share keys %d exclusive %d, want 1 and 1", c.ShareKeys, c.Exclusive)
	}
	if c.Canonical == 0 {
		t.Error("no Cryppo string was checked for canonical form")
	}
}

// TestRecheckLedgerCatches makes one thing wrong in the evidence at a time
// and checks the offline re-check names it.
func TestRecheckLedgerCatches(t *testing.T) {
	keys := rsaKeys(t)
	find := func(ev *ledger.Evidence, op ledger.Op, subject string) *ledger.EvidenceEntry {
		for i := range ev.Entries {
			if ev.Entries[i].Op == op && ev.Entries[i].Subject == subject {
				return &ev.Entries[i]
			}
		}
		t.Fatalf("no %s %s", op, subject)
		return nil
	}
	cases := []struct {
		name  string
		edit  func(ev *ledger.Evidence)
		check func(c *LedgerCheck) bool
		says  string
	}{
		{"a ciphertext changed", func(ev *ledger.Evidence) {
			e := find(ev, ledger.OpEncrypt, "slot vin of item 1")
			e.Output = find(ev, ledger.OpWrap, "DEK").Output // another valid string: it decrypts to something else
		}, func(c *LedgerCheck) bool { return len(c.Errors) > 0 }, "encrypt slot vin of item 1 by Alice"},
		{"a digest changed", func(ev *ledger.Evidence) {
			find(ev, ledger.OpDecrypt, "slot vin for share s").Digest = "d:0000000000000000"
		}, func(c *LedgerCheck) bool { return len(c.Errors) > 0 }, "decrypts to d:"},
		{"a key filed under another fingerprint", func(ev *ledger.Evidence) {
			for fp := range ev.SymmetricKeys {
				ev.SymmetricKeys[fp] = cryppo.GenerateSymmetricKey().Base64()
				break
			}
		}, func(c *LedgerCheck) bool { return len(c.Errors) > 0 }, "symmetric key filed under"},
		{"a hash changed", func(ev *ledger.Evidence) {
			find(ev, ledger.OpHash, "hash of slot vin for share s").Output = strings.Repeat("0", 64)
		}, func(c *LedgerCheck) bool { return len(c.Errors) > 0 }, "the hash recomputes to another value"},
		{"a check that matched recorded as a mismatch", func(ev *ledger.Evidence) {
			find(ev, ledger.OpCheck, "hash of slot vin for share s").Note = "MISMATCH"
		}, func(c *LedgerCheck) bool { return len(c.Errors) > 0 }, "the hash check gives true, recorded false"},
		{"a refusal that succeeds", func(ev *ledger.Evidence) {
			e := find(ev, ledger.OpRefuse, "Bob's vin")
			e.Key = find(ev, ledger.OpEncrypt, "slot vin for share s").Key // the right key after all
		}, func(c *LedgerCheck) bool { return len(c.Errors) > 0 }, "the decryption that was refused succeeds"},
		{"a share key wrapped to someone else", func(ev *ledger.Evidence) {
			// The ledger says Bob's key; the wrap is to Carol's.
			e := find(ev, ledger.OpWrap, "share DEK for share s")
			share := find(ev, ledger.OpGenerate, "share DEK for share s").Output
			raw, _ := cryppo.DecodeBase64(ev.SymmetricKeys[share])
			e.Output = rsaWrap(t, keys[2], raw)
		}, func(c *LedgerCheck) bool { return len(c.Errors) > 0 && len(c.OtherKeys) == 1 }, "opens instead with keypair auth of Carol"},
		{"a string not written as Meeco's libraries write it", func(ev *ledger.Evidence) {
			e := find(ev, ledger.OpEncrypt, "slot vin of item 1")
			e.Output = strings.NewReplacer("-", "+", "_", "/").Replace(e.Output) + "" // standard alphabet
			if !strings.ContainsAny(e.Output, "+/") {
				e.Output = strings.TrimRight(e.Output, "=") // or no padding
			}
		}, func(c *LedgerCheck) bool { return len(c.NonCanonical) == 1 }, "slot vin of item 1"},
		{"a private key that is another one", func(ev *ledger.Evidence) {
			for fp := range ev.PrivateKeys {
				if fp != keys[0].Fingerprint() {
					ev.PrivateKeys[fp] = keys[0].PEM()
					break
				}
			}
		}, func(c *LedgerCheck) bool { return len(c.Errors) > 0 }, "private key filed under"},
		{"no salt", func(ev *ledger.Evidence) { ev.Salt = "zz" }, func(c *LedgerCheck) bool { return len(c.Errors) > 0 }, "the digest salt is not hex"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev := roundTrip(t, sharingLedger(t).Evidence())
			tc.edit(ev)
			c := RecheckLedger(ev)
			if !tc.check(c) || c.Clean() {
				t.Fatalf("not caught: %+v", c)
			}
			if all := strings.Join(c.problems(), "\n"); !strings.Contains(all, tc.says) {
				t.Errorf("the problems do not say %q:\n%s", tc.says, all)
			}
		})
	}
}

// TestRecheckLedgerNeverShowsSecrets checks that what the re-check says
// of a broken ledger names keys by fingerprint and values by digest only.
func TestRecheckLedgerNeverShowsSecrets(t *testing.T) {
	ev := roundTrip(t, sharingLedger(t).Evidence())
	for i := range ev.Entries {
		if ev.Entries[i].Digest != "" {
			ev.Entries[i].Digest += "0"
		}
		if ev.Entries[i].Op == ledger.OpHash || ev.Entries[i].Op == ledger.OpCheck {
			ev.Entries[i].Output = strings.Repeat("1", 64)
		}
	}
	c := RecheckLedger(ev)
	all := strings.Join(c.problems(), "\n")
	if len(c.Errors) < 5 {
		t.Fatalf("want many errors, got %v", c.Errors)
	}
	for _, secret := range []string{"5YJ3E1EA7KF317000", "session-token"} {
		if strings.Contains(all, secret) {
			t.Errorf("the problems show %q", secret)
		}
	}
	for _, b64 := range ev.SymmetricKeys {
		if strings.Contains(all, b64) {
			t.Error("the problems show a key")
		}
	}
}

func TestNonCanonical(t *testing.T) {
	k := cryppo.GenerateSymmetricKey()
	good := aes(t, k, []byte("value"))
	// A legacy YAML string from Meeco's vectors: read by the libraries,
	// never written; it is what it is, as long as its base64 is.
	legacy := "Aes256Gcm.YjFDXdjfsqYM9pgd6U_OllLYtH07.LS0tCml2OiAhYmluYXJ5IHwtCiAgcjJVRFB5MkI3QUg3RytuWAphdDogIWJpbmFyeSB8LQogICtKTTh2a2dpaER5WURBZUQvczNRa3c9PQphZDogbm9uZQo="
	for _, s := range []string{good, legacy, rsaWrap(t, rsaKeys(t)[0], []byte("k"))} {
		if why := nonCanonical(s); why != "" {
			t.Errorf("%s: %s", ledger.Shorten(s), why)
		}
	}
	for name, s := range map[string]string{
		"unpadded":           strings.TrimRight(good, "="),
		"legacy unpadded":    strings.TrimRight(legacy, "="),
		"standard alphabet":  strings.Replace(legacy, "_", "/", 1),
		"not Cryppo":         "Aes256Gcm.",
		"unknown strategy":   "Aes128Ofb." + strings.SplitN(good, ".", 2)[1],
		"artifacts replaced": strings.SplitN(good, ".", 3)[0] + "." + strings.SplitN(good, ".", 3)[1] + "." + strings.SplitN(legacy, ".", 3)[2] + "x",
	} {
		if nonCanonical(s) == "" {
			t.Errorf("%s: taken as canonical", name)
		}
	}
}
