package fakevault

import (
	"fmt"
	"slices"
	"strings"
)

// Fault is a realistic bug of a Vault or Keystore that the fake can be told
// to have, so that the suite can be shown to catch it: every fault names
// the requirements (internal/requirements) whose scenarios should fail
// against it. Faults are off unless asked for; each is checked at its one
// place in the code by a bit test, so the fault-free path costs nothing
// measurable (BenchmarkFaultFree).
type Fault uint8

// The faults, grouped by the endpoint family they break. Names and the
// rest of each fault's description are in the table behind Faults().
const (
	_ Fault = iota

	FaultSRPUsernameReissued
	FaultSRPRegisterOverwrites
	FaultSRPProofUnchecked
	FaultSRPChallengeReplay
	FaultSRPWrongSalt

	FaultSessionTokenOAEPSHA256
	FaultSessionTokenWrongKey
	FaultSessionTokenClear
	FaultSessionKeyPrefixMatch
	FaultVaultSessionNeverExpires
	FaultKeystoreSessionNeverExpires
	FaultVaultLogoutIgnored
	FaultTokensCrossService
	FaultAdmissionReusable

	FaultKEKOverwrite
	FaultKEKOfAnotherUser
	FaultDEKCrossUser
	FaultKeypairCrossUser
	FaultKeypairExternalIDAnyUser
	FaultKeypairPEMLF
	FaultWrappedKeyTruncated
	FaultDEKVersionByte
	FaultKEKArtifactsReordered

	FaultMeDropsPrivateDEK
	FaultMeLoginKeyLF

	FaultSlotValueUnpadded
	FaultSlotValueUnchecked
	FaultItemUpdateDropsNewSlot
	FaultItemUpdateIgnoresDestroy
	FaultItemUpdatePartial
	FaultItemUpdateValueIgnored
	FaultItemCrossUserRead
	FaultCopyEditable
	FaultTemplateSlotsReversed

	FaultInvitationReusable
	FaultInvitationNeverExpires
	FaultInvitationSelfAccept

	FaultConnectionKeyLF
	FaultConnectionDeleteOneSided
	FaultConnectionPeerIsSelf

	FaultShareDEKSwapped
	FaultShareDEKStdAlphabet
	FaultShareDropsVerificationHash
	FaultShareDropsVerificationKey
	FaultShareHashOptional
	FaultShareToStranger
	FaultSlotShareShowsAllSlots
	FaultShareKeypairIDSender
	FaultVerificationKeyReordered

	FaultIncomingShareAnyUser
	FaultOutgoingListsReceived
	FaultOnShareShowsOwner

	FaultAcceptanceDEKEarly
	FaultAcceptBySender
	FaultTermsDropped

	FaultOnShareUnpermitted
	FaultOnShareDepthUnbounded
	FaultOnShareNonOwnerHash
	FaultOnShareRevokeKeeps

	FaultShareNeverExpires
	FaultExpiredShareListed
	FaultShareExpiryDropped

	FaultShareDeleteKeepsCopy
	FaultItemDeleteKeepsShares
	FaultShareDeleteKeepsOnShares

	FaultRekeyKeepsOldDEK
	FaultRekeyDropsNewSlot
	FaultRekeyWidensSlotShare
	FaultRekeyByRecipient
	FaultItemSharesOmitOnShares
	FaultTaskNotQueued
	FaultTaskListShowsInProgress
	FaultTaskUpdateIgnored

	FaultPageCursorSkips
	FaultPagePerPageIgnored
	FaultPageNextOnLast

	FaultErrorShapeFlat
	FaultErrorEchoesInput
	FaultLoginFailure500
	FaultLogSecrets

	numFaults
)

// Severity classes what a fault costs its users.
type Severity string

// The severities.
const (
	// Security: someone reads, changes or keeps what they must not.
	Security Severity = "security"
	// Interop: Meeco's own clients, or other compliant ones, fail.
	Interop Severity = "interop"
	// DataLoss: data is silently lost or becomes unreadable.
	DataLoss Severity = "data-loss"
)

// FaultInfo describes a fault.
type FaultInfo struct {
	Fault Fault
	// Name is the kebab-case name of --fault and WithFaults' error messages.
	Name string
	// Area is the endpoint family the fault is in.
	Area string
	// Object is the crypto object the fault damages, "" if none.
	Object string
	// Breaks says in one line what goes wrong.
	Breaks string
	// Requirements are the catalogue IDs whose scenarios should catch it.
	Requirements []string
	Severity     Severity
}

func fi(f Fault, name, area, object string, sev Severity, breaks string, reqs ...string) FaultInfo {
	return FaultInfo{Fault: f, Name: name, Area: area, Object: object, Breaks: breaks, Requirements: reqs, Severity: sev}
}

// faultTable is indexed by Fault; index 0 is no fault.
var faultTable = [numFaults]FaultInfo{
	FaultSRPUsernameReissued: fi(FaultSRPUsernameReissued, "srp-username-reissued", "srp", "", Security,
		"POST /srp/username hands out the newest registered username again (the SDK then tolerates username_taken)", "SRP-USERNAME-01"),
	FaultSRPRegisterOverwrites: fi(FaultSRPRegisterOverwrites, "srp-register-overwrites", "srp", "SRP verifier", Security,
		"POST /srp/users for a registered username replaces its verifier: account takeover", "SRP-REGISTER-01"),
	FaultSRPProofUnchecked: fi(FaultSRPProofUnchecked, "srp-proof-unchecked", "srp", "", Security,
		"POST /srp/session opens a session whatever proof M1 is sent", "SRP-PROOF-01"),
	FaultSRPChallengeReplay: fi(FaultSRPChallengeReplay, "srp-challenge-replay", "srp", "", Security,
		"a successful SRP challenge is kept: the same A and M1 log in again", "SRP-REPLAY-01"),
	FaultSRPWrongSalt: fi(FaultSRPWrongSalt, "srp-wrong-salt", "srp", "SRP salt", DataLoss,
		"POST /srp/challenges answers with the salt reversed: nobody can log in", "SRP-SALT-01", "SRP-PROOF-01"),

	FaultSessionTokenOAEPSHA256: fi(FaultSessionTokenOAEPSHA256, "session-token-oaep-sha256", "sessions", "session token wrap", Interop,
		"the Vault session token is wrapped with RSA-OAEP SHA-256 instead of SHA-1", "SESSION-OAEP-01", "CRYPPO-OAEP-01"),
	FaultSessionTokenWrongKey: fi(FaultSessionTokenWrongKey, "session-token-wrong-key", "sessions", "session token wrap", Security,
		"the session token is encrypted to the previously registered user's login key", "SESSION-WRAP-01"),
	FaultSessionTokenClear: fi(FaultSessionTokenClear, "session-token-clear", "sessions", "session token wrap", Security,
		"encrypted_session_authentication_string carries the token in clear", "SESSION-WRAP-01"),
	FaultSessionKeyPrefixMatch: fi(FaultSessionKeyPrefixMatch, "session-key-prefix-match", "sessions", "login public key", Security,
		"POST /session finds the user by the first 64 characters of the PEM (a short index), which every RSA-4096 key shares", "SESSION-LOGIN-01", "USER-PEM-01"),
	FaultVaultSessionNeverExpires: fi(FaultVaultSessionNeverExpires, "vault-session-never-expires", "sessions", "", Security,
		"Vault tokens are accepted after their valid_for or the session length", "SESSION-EXPIRY-01"),
	FaultKeystoreSessionNeverExpires: fi(FaultKeystoreSessionNeverExpires, "keystore-session-never-expires", "sessions", "", Security,
		"Keystore tokens are accepted after their valid_till", "SESSION-EXPIRY-02"),
	FaultVaultLogoutIgnored: fi(FaultVaultLogoutIgnored, "vault-logout-ignored", "sessions", "", Security,
		"DELETE /vault/session answers 204 and the token keeps working", "SESSION-LOGOUT-01"),
	FaultTokensCrossService: fi(FaultTokensCrossService, "tokens-cross-service", "sessions", "", Security,
		"the Vault accepts Keystore tokens and the Keystore Vault tokens (one session table)", "SESSION-SCOPE-01"),
	FaultAdmissionReusable: fi(FaultAdmissionReusable, "admission-token-reusable", "sessions", "", Security,
		"POST /me does not consume the admission token: one Keystore login mints any number of Vault users", "USER-ME-01"),

	FaultKEKOverwrite: fi(FaultKEKOverwrite, "kek-overwrite", "keystore keys", "KEK wrap", DataLoss,
		"a second POST /key_encryption_key replaces the KEK every DEK and keypair is wrapped with", "KS-KEK-01"),
	FaultKEKOfAnotherUser: fi(FaultKEKOfAnotherUser, "kek-of-another-user", "keystore keys", "KEK wrap", Security,
		"GET /key_encryption_key returns the newest KEK of any user", "KS-ACCESS-04"),
	FaultDEKCrossUser: fi(FaultDEKCrossUser, "dek-cross-user", "keystore keys", "DEK wrap", Security,
		"GET /data_encryption_keys/{id} returns another user's wrapped DEK", "KS-ACCESS-01"),
	FaultKeypairCrossUser: fi(FaultKeypairCrossUser, "keypair-cross-user", "keystore keys", "wrapped private key", Security,
		"GET /keypairs/{id} returns another user's keypair", "KS-ACCESS-02"),
	FaultKeypairExternalIDAnyUser: fi(FaultKeypairExternalIDAnyUser, "keypair-external-id-any-user", "keystore keys", "wrapped private key", Security,
		"GET /keypairs/external_id/auth returns the newest auth keypair of any user", "KS-ACCESS-03", "KEYS-AUTHKP-01"),
	FaultKeypairPEMLF: fi(FaultKeypairPEMLF, "keypair-pem-lf", "keystore keys", "public key PEM", Interop,
		"keypairs come back with their public PEM normalised to LF line endings", "CRYPPO-PEM-01", "KS-STORE-01"),
	FaultWrappedKeyTruncated: fi(FaultWrappedKeyTruncated, "wrapped-key-truncated", "keystore keys", "wrapped private key", DataLoss,
		"encrypted_serialized_key is cut to 4096 characters (a varchar column): private keys are lost", "KS-STORE-01"),
	FaultDEKVersionByte: fi(FaultDEKVersionByte, "dek-version-byte", "keystore keys", "DEK wrap", Interop,
		"wrapped DEKs come back with artifact version byte 'K' instead of 'A' (Ruby cryppo refuses them)", "CRYPPO-VERSION-01", "CRYPPO-VERBATIM-01"),
	FaultKEKArtifactsReordered: fi(FaultKEKArtifactsReordered, "kek-artifacts-reordered", "keystore keys", "KEK wrap", Interop,
		"the KEK comes back re-serialized with its artifacts in the order ad, at, iv", "CRYPPO-VERBATIM-01", "KS-STORE-01"),

	FaultMeDropsPrivateDEK: fi(FaultMeDropsPrivateDEK, "me-drops-private-dek", "/me", "", DataLoss,
		"PUT /me ignores private_dek_external_id: the user loses the id of their DEK", "USER-ME-02", "KEYS-DEK-01"),
	FaultMeLoginKeyLF: fi(FaultMeLoginKeyLF, "me-login-key-lf", "/me", "login public key", Interop,
		"POST /me stores the login key with LF line endings, so the SDK's CRLF key never logs in again", "USER-PEM-01", "CRYPPO-PEM-01"),

	FaultSlotValueUnpadded: fi(FaultSlotValueUnpadded, "slot-value-unpadded", "items", "slot value", Interop,
		"slot values come back re-encoded as unpadded base64 (cryppo-js then fails to decrypt)", "CRYPPO-B64-01", "CRYPPO-VERBATIM-01", "ITEM-VALUE-01"),
	FaultSlotValueUnchecked: fi(FaultSlotValueUnchecked, "slot-value-unchecked", "items", "slot value", Interop,
		"any string is accepted as a slot's encrypted_value, plaintext included", "CRYPPO-STRATEGY-01"),
	FaultItemUpdateDropsNewSlot: fi(FaultItemUpdateDropsNewSlot, "item-update-drops-new-slot", "items", "", DataLoss,
		"PUT /items/{id} silently drops a slot attribute without an id instead of adding the slot", "ITEM-UPDATE-02"),
	FaultItemUpdateIgnoresDestroy: fi(FaultItemUpdateIgnoresDestroy, "item-update-ignores-destroy", "items", "", Security,
		"_destroy is ignored: a slot the owner removed stays, value and all", "ITEM-UPDATE-03"),
	FaultItemUpdatePartial: fi(FaultItemUpdatePartial, "item-update-partial", "items", "", DataLoss,
		"a PUT /items/{id} refused for a bad slot attribute keeps the changes made before it", "ERR-ATOMIC-01"),
	FaultItemUpdateValueIgnored: fi(FaultItemUpdateValueIgnored, "item-update-value-ignored", "items", "slot value", DataLoss,
		"PUT /items/{id} with a slot id keeps the old encrypted value", "ITEM-UPDATE-01"),
	FaultItemCrossUserRead: fi(FaultItemCrossUserRead, "item-cross-user-read", "items", "slot value", Security,
		"GET /items/{id} returns another user's item", "ACCESS-ITEM-01"),
	FaultCopyEditable: fi(FaultCopyEditable, "copy-editable", "items", "", Security,
		"a recipient can change the slots of a received copy", "ITEM-READONLY-01"),
	FaultTemplateSlotsReversed: fi(FaultTemplateSlotsReversed, "template-slots-reversed", "templates", "", Interop,
		"templates list their slots in reverse order, so CLI item configs fill the wrong slots", "ITEM-TEMPLATE-01"),

	FaultInvitationReusable: fi(FaultInvitationReusable, "invitation-reusable", "invitations", "", Security,
		"an accepted invitation's token connects any further user who has it", "INV-TOKEN-01"),
	FaultInvitationNeverExpires: fi(FaultInvitationNeverExpires, "invitation-never-expires", "invitations", "", Security,
		"expires_in is ignored: an invitation can be accepted after it expired", "INV-EXPIRY-01"),
	FaultInvitationSelfAccept: fi(FaultInvitationSelfAccept, "invitation-self-accept", "invitations", "", Interop,
		"the sender can accept their own invitation and is connected to themselves", "INV-SELF-01"),

	FaultConnectionKeyLF: fi(FaultConnectionKeyLF, "connection-key-lf", "connections", "connection public key", Interop,
		"connections return user_public_key with LF line endings, so the SDK cannot pair the two sides", "CONN-PEM-01", "CRYPPO-PEM-01"),
	FaultConnectionDeleteOneSided: fi(FaultConnectionDeleteOneSided, "connection-delete-one-sided", "connections", "", Security,
		"DELETE /connections/{id} removes only the caller's side: the other side still lists the connection", "CONN-DELETE-01"),
	FaultConnectionPeerIsSelf: fi(FaultConnectionPeerIsSelf, "connection-peer-is-self", "connections", "connection public key", Security,
		"the_other_user shows the caller's own key and keypair id: shares get encrypted to the sender", "CONN-CREATE-01"),

	FaultShareDEKSwapped: fi(FaultShareDEKSwapped, "share-dek-swapped", "shares", "share DEK wrap", Security,
		"a share returns the encrypted_dek of the previous share of the same item", "SHARE-DEK-02", "SHARE-DEK-01"),
	FaultShareDEKStdAlphabet: fi(FaultShareDEKStdAlphabet, "share-dek-std-alphabet", "shares", "share DEK wrap", Interop,
		"encrypted_dek comes back re-encoded in the standard base64 alphabet (Ruby cryppo refuses it)", "CRYPPO-B64-02", "CRYPPO-VERBATIM-01", "SHARE-DEK-01"),
	FaultShareDropsVerificationHash: fi(FaultShareDropsVerificationHash, "share-drops-verification-hash", "shares", "value verification hash", Security,
		"recipient copies lose value_verification_hash, so tampered values pass unnoticed", "SHARE-VERIFY-02"),
	FaultShareDropsVerificationKey: fi(FaultShareDropsVerificationKey, "share-drops-verification-key", "shares", "value verification key", DataLoss,
		"recipient copies lose encrypted_value_verification_key: they can never be on-shared", "SHARE-VERIFY-02"),
	FaultShareHashOptional: fi(FaultShareHashOptional, "share-hash-optional", "shares", "value verification hash", Security,
		"an owner's share without value_verification_hash is accepted", "SHARE-VERIFY-01"),
	FaultShareToStranger: fi(FaultShareToStranger, "share-to-stranger", "shares", "", Security,
		"items can be shared to users the sender is not connected to", "SHARE-RECIPIENT-01"),
	FaultSlotShareShowsAllSlots: fi(FaultSlotShareShowsAllSlots, "slot-share-shows-all-slots", "shares", "", Security,
		"a one-slot share gives the recipient every slot of the item", "SHARE-SLOT-01"),
	FaultShareKeypairIDSender: fi(FaultShareKeypairIDSender, "share-keypair-id-sender", "shares", "share DEK wrap", Interop,
		"a share stores the sender's connection keypair id, so the recipient cannot find its key", "SHARE-KEY-01"),
	FaultVerificationKeyReordered: fi(FaultVerificationKeyReordered, "verification-key-reordered", "shares", "value verification key", Interop,
		"verification keys come back re-serialized with their artifacts in the order ad, at, iv", "CRYPPO-VERBATIM-01"),

	FaultIncomingShareAnyUser: fi(FaultIncomingShareAnyUser, "incoming-share-any-user", "share lists", "share DEK wrap", Security,
		"GET /incoming_shares/{id} and its /item answer anyone who knows the id", "READ-ACCESS-01"),
	FaultOutgoingListsReceived: fi(FaultOutgoingListsReceived, "outgoing-lists-received", "share lists", "", Interop,
		"GET /outgoing_shares lists the caller's incoming shares too", "READ-LIST-01"),
	FaultOnShareShowsOwner: fi(FaultOnShareShowsOwner, "onshare-shows-owner", "share lists", "", Security,
		"a copy received through an on-share reveals the original owner's id", "READ-OWNER-01"),

	FaultAcceptanceDEKEarly: fi(FaultAcceptanceDEKEarly, "acceptance-dek-early", "accept", "share DEK wrap", Security,
		"a share waiting for acceptance already returns its encrypted_dek", "ACCEPT-DEK-01"),
	FaultAcceptBySender: fi(FaultAcceptBySender, "accept-by-sender", "accept", "", Security,
		"the sender can accept a share on the recipient's behalf", "ACCEPT-STATE-01"),
	FaultTermsDropped: fi(FaultTermsDropped, "terms-dropped", "accept", "", Interop,
		"a share's terms are not stored: the recipient accepts terms it never saw", "ACCEPT-TERMS-01"),

	FaultOnShareUnpermitted: fi(FaultOnShareUnpermitted, "onshare-unpermitted", "on-sharing", "", Security,
		"a received item can be on-shared although its share does not permit it", "ONSHARE-PERMIT-01"),
	FaultOnShareDepthUnbounded: fi(FaultOnShareDepthUnbounded, "onshare-depth-unbounded", "on-sharing", "", Security,
		"a non-owner's on-share keeps onsharing_permitted, so items travel beyond the second hop", "ONSHARE-DEPTH-01"),
	FaultOnShareNonOwnerHash: fi(FaultOnShareNonOwnerHash, "onshare-non-owner-hash", "on-sharing", "value verification hash", Security,
		"an on-sharer's own value_verification_hash is accepted and stored: it can vouch for forged values", "ONSHARE-HASH-01"),
	FaultOnShareRevokeKeeps: fi(FaultOnShareRevokeKeeps, "onshare-revoke-keeps", "on-sharing", "", Security,
		"withdrawing onsharing_permitted leaves the on-shares already made", "ONSHARE-REVOKE-01"),

	FaultShareNeverExpires: fi(FaultShareNeverExpires, "share-never-expires", "expiry", "", Security,
		"an expired share and its item stay readable by the recipient", "SHARE-EXPIRY-01"),
	FaultExpiredShareListed: fi(FaultExpiredShareListed, "expired-share-listed", "expiry", "", Security,
		"expired shares stay in the recipient's GET /incoming_shares", "SHARE-EXPIRY-02"),
	FaultShareExpiryDropped: fi(FaultShareExpiryDropped, "share-expiry-dropped", "expiry", "", Security,
		"expires_at is not stored: shares never expire and read back without it", "SHARE-EXPIRY-03", "SHARE-EXPIRY-01"),

	FaultShareDeleteKeepsCopy: fi(FaultShareDeleteKeepsCopy, "share-delete-keeps-copy", "deletion", "", Security,
		"deleting a share leaves the recipient's copy in GET /items, readable", "DELETE-SHARE-01"),
	FaultItemDeleteKeepsShares: fi(FaultItemDeleteKeepsShares, "item-delete-keeps-shares", "deletion", "", Security,
		"deleting an item leaves its shares and the recipients' copies", "DELETE-ITEM-01"),
	FaultShareDeleteKeepsOnShares: fi(FaultShareDeleteKeepsOnShares, "share-delete-keeps-onshares", "deletion", "", Security,
		"deleting a share leaves the on-shares made from its copy", "DELETE-CASCADE-01"),

	FaultRekeyKeepsOldDEK: fi(FaultRekeyKeepsOldDEK, "rekey-keeps-old-dek", "re-key", "share DEK wrap", DataLoss,
		"PUT /items/{id}/shares stores the new values but keeps the old encrypted_dek: recipients cannot decrypt", "REKEY-PUT-01"),
	FaultRekeyDropsNewSlot: fi(FaultRekeyDropsNewSlot, "rekey-drops-new-slot", "re-key", "", DataLoss,
		"re-keyed values for a slot added after sharing are dropped", "REKEY-PUT-02"),
	FaultRekeyWidensSlotShare: fi(FaultRekeyWidensSlotShare, "rekey-widens-slot-share", "re-key", "", Security,
		"re-keying stores values of every slot on a one-slot share", "REKEY-SCOPE-01"),
	FaultRekeyByRecipient: fi(FaultRekeyByRecipient, "rekey-by-recipient", "re-key", "share DEK wrap", Security,
		"a recipient can re-key (replace the values of) the shares of its copy's item", "REKEY-OWNER-01"),
	FaultItemSharesOmitOnShares: fi(FaultItemSharesOmitOnShares, "item-shares-omit-onshares", "re-key", "", DataLoss,
		"GET /items/{id}/shares leaves out on-shares, so re-keys never reach their recipients", "REKEY-LIST-01", "ONSHARE-ITEMID-01"),
	FaultTaskNotQueued: fi(FaultTaskNotQueued, "task-not-queued", "client tasks", "", DataLoss,
		"updating a shared item queues no update_item_shares task: recipients keep stale values", "TASK-QUEUE-01"),
	FaultTaskListShowsInProgress: fi(FaultTaskListShowsInProgress, "task-list-shows-in-progress", "client tasks", "", Interop,
		"change_state=true answers with the tasks already in_progress, which the SDK refuses to run", "TASK-LIST-01"),
	FaultTaskUpdateIgnored: fi(FaultTaskUpdateIgnored, "task-update-ignored", "client tasks", "", Interop,
		"PUT /client_task_queue answers 200 and changes no state", "TASK-UPDATE-01"),

	FaultPageCursorSkips: fi(FaultPageCursorSkips, "page-cursor-skips", "pagination", "", DataLoss,
		"next_page_after points one record too far: one record per page is never listed", "PAGE-CURSOR-01"),
	FaultPagePerPageIgnored: fi(FaultPagePerPageIgnored, "page-per-page-ignored", "pagination", "", Interop,
		"per_page is ignored: every list comes in one page", "PAGE-PERPAGE-01"),
	FaultPageNextOnLast: fi(FaultPageNextOnLast, "page-next-on-last", "pagination", "", Interop,
		"the last page still carries next_page_after and next_page_exists", "PAGE-END-01"),

	FaultErrorShapeFlat: fi(FaultErrorShapeFlat, "error-shape-flat", "errors", "", Interop,
		`errors come as {"error": ..., "message": ...} without the errors array`, "ERR-SHAPE-01"),
	FaultErrorEchoesInput: fi(FaultErrorEchoesInput, "error-echoes-input", "errors", "", Security,
		"validation errors quote the offending value, ciphertext and keys included", "ERR-LEAK-01"),
	FaultLoginFailure500: fi(FaultLoginFailure500, "login-failure-500", "errors", "", Interop,
		"a failed login answers 500 instead of 401", "ERR-STATUS-01"),
	FaultLogSecrets: fi(FaultLogSecrets, "log-secrets", "errors", "", Security,
		"the request log records the Authorization header and unredacted paths", "BLIND-LOG-01"),
}

// Faults returns every fault, in table order.
func Faults() []FaultInfo {
	out := make([]FaultInfo, 0, numFaults-1)
	for _, f := range faultTable[1:] {
		f.Requirements = slices.Clone(f.Requirements)
		out = append(out, f)
	}
	return out
}

// Info returns the fault's description.
func (f Fault) Info() FaultInfo {
	if f == 0 || f >= numFaults {
		return FaultInfo{Fault: f, Name: fmt.Sprintf("fault(%d)", int(f))}
	}
	return faultTable[f]
}

// String returns the fault's name.
func (f Fault) String() string { return f.Info().Name }

// ParseFault returns the fault of a name; an unknown name is an error that
// lists the known ones.
func ParseFault(name string) (Fault, error) {
	for _, fi := range faultTable[1:] {
		if fi.Name == name {
			return fi.Fault, nil
		}
	}
	names := make([]string, 0, numFaults-1)
	for _, fi := range faultTable[1:] {
		names = append(names, fi.Name)
	}
	return 0, fmt.Errorf("unknown fault %q; known faults: %s", clip(name, 64), strings.Join(names, ", "))
}

// ParseFaults returns the set of the named faults.
func ParseFaults(names ...string) (FaultSet, error) {
	var s FaultSet
	for _, n := range names {
		f, err := ParseFault(n)
		if err != nil {
			return FaultSet{}, err
		}
		s.Add(f)
	}
	return s, nil
}

// FaultSet is a set of faults: a bitset, so that asking whether a fault is
// on costs one load and one test.
type FaultSet struct{ bits [2]uint64 }

// NewFaultSet returns the set of fs.
func NewFaultSet(fs ...Fault) FaultSet {
	var s FaultSet
	for _, f := range fs {
		s.Add(f)
	}
	return s
}

// Has reports whether f is in the set.
func (s FaultSet) Has(f Fault) bool { return s.bits[f>>6]&(1<<(f&63)) != 0 }

// Add puts f in the set. Values outside the table are ignored.
func (s *FaultSet) Add(f Fault) {
	if f > 0 && f < numFaults {
		s.bits[f>>6] |= 1 << (f & 63)
	}
}

// Union returns the faults of s and o.
func (s FaultSet) Union(o FaultSet) FaultSet {
	return FaultSet{bits: [2]uint64{s.bits[0] | o.bits[0], s.bits[1] | o.bits[1]}}
}

// Empty reports whether no fault is on.
func (s FaultSet) Empty() bool { return s.bits == [2]uint64{} }

// List returns the faults in the set, in table order.
func (s FaultSet) List() []Fault {
	var out []Fault
	for f := Fault(1); f < numFaults; f++ {
		if s.Has(f) {
			out = append(out, f)
		}
	}
	return out
}

// String lists the faults' names, comma-separated.
func (s FaultSet) String() string {
	var names []string
	for _, f := range s.List() {
		names = append(names, f.String())
	}
	return strings.Join(names, ",")
}
