package fakevault

import (
	"encoding/json"
	"fmt"
	"slices"
)

// StoredString is one string the fake holds in its store, named by where
// it is: the kind of record and its id, the field, and the users the
// record belongs to (Keystore or Vault user ids; "" for seeded records).
// The server-blindness check of the harness reads them to find secrets the
// services must never see in clear.
type StoredString struct {
	Kind, ID, Field string
	Value           string
	Owners          []string
}

// Where names the place of a string without its value:
// "vault slot 3f2…: encrypted_value".
func (s StoredString) Where() string { return fmt.Sprintf("%s %s: %s", s.Kind, s.ID, s.Field) }

// VisitStore calls visit for every string the store holds in a record
// that belongs to one of owners (every record when owners is nil): users,
// SRP salts and verifiers, KEKs, DEKs, keypairs, items and slots, shares
// and the values they deliver, invitations, connections, client tasks and
// classification nodes. Session tables are left out: a service must know
// its own tokens. It holds the store's read lock while it runs, so visit
// must not call the server. Read-only: it changes nothing.
func (s *Server) VisitStore(owners []string, visit func(StoredString)) { s.store.visit(owners, visit) }

func (s *Store) visit(owners []string, visit func(StoredString)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	mine := func(ids ...string) bool {
		if owners == nil {
			return true
		}
		for _, id := range ids {
			if id != "" && slices.Contains(owners, id) {
				return true
			}
		}
		return false
	}
	emit := func(kind, id string, ownerIDs []string, fields ...string) {
		for i := 0; i+1 < len(fields); i += 2 {
			if fields[i+1] != "" {
				visit(StoredString{Kind: kind, ID: id, Field: fields[i], Value: fields[i+1], Owners: ownerIDs})
			}
		}
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	for _, u := range s.ksUsers {
		if mine(u.id) {
			emit("keystore user", u.id, []string{u.id}, "username", u.username, "salt", u.saltHex, "verifier", u.verifierHex)
		}
	}
	for _, k := range s.deks {
		if mine(k.ksUserID) {
			emit("keystore data_encryption_key", k.id, []string{k.ksUserID}, "serialized_data_encryption_key", k.serialized)
		}
	}
	for _, u := range s.ksUsers {
		if u.kek != nil && mine(u.id) {
			emit("keystore key_encryption_key", u.kek.id, []string{u.id}, "serialized_key_encryption_key", u.kek.serialized)
		}
	}
	for _, k := range s.keypairs {
		if mine(k.ksUserID) {
			emit("keystore keypair", k.id, []string{k.ksUserID}, "public_key", k.publicKey, "encrypted_serialized_key", k.wrappedPriv,
				"metadata", jsonText(k.metadata))
			for _, x := range k.externalIDs {
				emit("keystore keypair", k.id, []string{k.ksUserID}, "external_identifiers", x)
			}
		}
	}
	for _, u := range s.users {
		if mine(u.id, u.ksUserID) {
			emit("vault user", u.id, []string{u.id}, "public_key", u.publicKey, "private_dek_external_id", str(u.privateDEK),
				"full_name", str(u.fullName), "email", str(u.email), "country_code", str(u.country), "timezone", str(u.timezone), "did", str(u.did))
		}
	}
	for _, it := range s.items {
		if mine(it.userID, it.ownerID) {
			emit("vault item", it.id, []string{it.userID}, "name", it.name, "label", it.label, "description", str(it.description))
		}
	}
	for _, sl := range s.slots {
		it := s.items[sl.itemID]
		if it == nil || !mine(it.userID, sl.ownerID) {
			continue
		}
		emit("vault slot", sl.id, []string{it.userID}, "name", sl.name, "label", sl.label, "description", str(sl.description),
			"encrypted_value", str(sl.value), "encrypted_value_verification_key", str(sl.valueKey), "value_verification_hash", str(sl.valueHash))
	}
	for _, sh := range s.shares {
		if !mine(sh.ownerID, sh.senderID, sh.recipientID) {
			continue
		}
		who := []string{sh.senderID, sh.recipientID}
		emit("vault share", sh.id, who, "public_key", sh.publicKey, "keypair_external_id", sh.keypairExternalID,
			"encrypted_dek", sh.encryptedDEK, "terms", str(sh.terms))
		for slotID, v := range sh.vals {
			emit("vault share", sh.id, who, "value of slot "+slotID, str(v.value), "verification key of slot "+slotID, str(v.key),
				"hash of slot "+slotID, str(v.hash))
		}
	}
	for _, inv := range s.invites {
		if mine(inv.senderID) {
			emit("vault invitation", inv.id, []string{inv.senderID}, "encrypted_recipient_name", inv.encryptedName,
				"public_key", inv.publicKey, "keypair_external_id", inv.keypairID, "sender_data", jsonText(inv.senderData))
		}
	}
	for _, c := range s.conns {
		if mine(c.userID) {
			emit("vault connection", c.id, []string{c.userID}, "encrypted_recipient_name", c.encryptedName,
				"public_key", c.publicKey, "keypair_external_id", c.keypairID)
		}
	}
	for _, t := range s.tasks {
		if mine(t.userID) {
			emit("vault client task", t.id, []string{t.userID}, "target_id", t.targetID, "report", jsonText(t.report))
		}
	}
	for _, n := range s.nodes {
		if n.userID != "" && mine(n.userID) {
			emit("vault classification node", n.id, []string{n.userID}, "name", n.name, "label", n.label, "description", str(n.description))
		}
	}
}

// jsonText renders a free-form map as the JSON a client sent, "" for none.
func jsonText(m map[string]any) string {
	if len(m) == 0 {
		return ""
	}
	b, err := json.Marshal(m)
	if err != nil {
		return ""
	}
	return string(b)
}
