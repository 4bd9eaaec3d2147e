package fakevault

import (
	"time"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/srp"
)

// The stored shapes. They hold what the real services hold and nothing
// more: SRP verifiers, opaque session tokens, public keys, and Cryppo
// strings the fake cannot open (wrapped keys, slot values, encrypted
// names). Every record carries seq, a store-wide counter, so that lists have
// a stable creation order independent of clock resolution.

// ksUser is a Keystore SRP user.
type ksUser struct {
	id, username         string
	saltHex, verifierHex string
	createdAt            time.Time
	seq                  uint64
	kek                  *wrappedKey // the one key encryption key, nil until posted
}

// ksChallenge is a pending SRP login: the server half computed at
// POST /srp/challenges, waiting for the proof at POST /srp/session.
type ksChallenge struct {
	srv      *srp.Server
	userID   string
	expires  time.Time
	seq      uint64
	username string
}

// session is a Keystore or Vault session. Logging out deletes it.
type session struct {
	id      string
	userID  string
	from    time.Time
	expires time.Time
}

// admission is a one-time Vault admission token issued by the Keystore.
type admission struct {
	ksUserID string
	expires  time.Time
}

// wrappedKey is a KEK or DEK as the Keystore stores it: a Cryppo string.
type wrappedKey struct {
	id, ksUserID, serialized string
	seq                      uint64
}

// keypair is a Keystore keypair: a public PEM and the KEK-wrapped private
// PEM.
type keypair struct {
	id, ksUserID           string
	publicKey, wrappedPriv string
	metadata               map[string]any
	externalIDs            []string
	seq                    uint64
}

// vUser is a Vault user. publicKey is the login key exactly as posted.
type vUser struct {
	id, ksUserID, publicKey string
	joinedAt                time.Time
	joined                  string // joinedAt as the API renders it, formatted once
	me                      []byte // the GET /me body, encoded at each change; nil: encode when asked
	seq                     uint64
	privateDEK              *string
	fullName, email         *string
	country, timezone, did  *string
}

// item is an item held by userID: an owner's item (own) or a recipient's
// copy (originalID, ownerID, shareID set).
type item struct {
	id, userID                string
	own                       bool
	name, label               string
	description               *string
	templateID, templateLabel *string
	createdAt, updatedAt      time.Time
	seq                       uint64
	slotIDs                   []string
	nodeIDs                   []string
	originalID                string // owner's item id; "" for own items
	ownerID                   string // owner's user id
	shareID                   string // share that delivered this copy
}

// slot is a slot of an item. For a copy, originalID is the owner's slot id
// and the value fields stay nil: one copy may be delivered by several
// shares, each under its own DEK, so a copy slot's values live on the
// shares (share.vals) and are rendered through the share being read.
type slot struct {
	id, itemID                 string
	own                        bool
	name, label                string
	description                *string
	slotType                   meeco.SlotType
	ordinal                    int
	required, visible          bool
	creator                    string
	createdAt, updatedAt       time.Time
	value, valueKey, valueHash *string
	originalID                 string
	ownerID                    string
	shareID                    string
}

// share is a share record. itemID is always the owner's item id (also for
// on-shares); copyID is the recipient's copy when this share holds it, or
// "" when another share of the same item to the same recipient, viaShareID,
// holds it. parentID is the share through which a non-owner sender held the
// item (on-shares only). grant limits the share to one owner slot ("" for
// every slot): slot_id for a slot share, and an on-share inherits its
// parent's. vals is what the share delivers, by owner slot id: the values
// it was sent (under its DEK), an entry with nil fields for a slot without
// a value.
type share struct {
	id                             string
	ownerID, senderID, recipientID string
	itemID, slotID                 string
	senderItemID                   string
	publicKey, keypairExternalID   string
	encryptedDEK                   string
	onsharing                      bool
	acceptance                     meeco.AcceptanceState
	terms                          *string
	createdAt                      time.Time
	expiresAt                      time.Time
	seq                            uint64
	copyID                         string
	viaShareID                     string
	parentID                       string
	reencrypted                    bool // the recipient re-encrypted its values with its own DEK
	grant                          string
	vals                           map[string]valueFields
}

// invitation is an invitation to connect.
type invitation struct {
	id, token, senderID  string
	state                meeco.InvitationState
	encryptedName        string
	publicKey, keypairID string
	multistep            bool
	senderData           map[string]any
	createdAt            time.Time
	expiresAt            time.Time
	seq                  uint64
}

// connection is one side's record of a connection; peerID is the other
// side's record.
type connection struct {
	id, userID, peerID   string
	encryptedName        string
	publicKey, keypairID string
	invitationID         string
	createdAt            time.Time
	seq                  uint64
}

// clientTask is a task queued for a user's client.
type clientTask struct {
	id, userID   string
	state        meeco.ClientTaskState
	workType     meeco.ClientTaskWorkType
	targetID     string
	report       map[string]any
	createdAt    time.Time
	transitionAt time.Time
	seq          uint64
}

// template is a seeded item template; its slots are templateSlot.
type template struct {
	id, name, label string
	description     *string
	ordinal         int
	nodeIDs         []string
	slots           []templateSlot
	updatedAt       time.Time
	seq             uint64
}

// templateSlot is a slot of a template.
type templateSlot struct {
	id, name, label string
	slotType        meeco.SlotType
	required        bool
}

// classNode is a classification node: a system one (userID "") or one a
// user created.
type classNode struct {
	id, userID, scheme, name, label string
	description                     *string
	ordinal                         int
	seq                             uint64
}
