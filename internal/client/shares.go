package client

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// ValueVerificationKeySize is the size of the per-slot HMAC key the owner
// makes for each share (value-verification.ts).
const ValueVerificationKeySize = 64

// ShareOptions are the options of Share, as the CLI's shares:create maps
// its flags: acceptance_required and onsharing_permitted are always sent.
type ShareOptions struct {
	// SlotID shares one slot only; SlotName does the same by name,
	// resolved on the decrypted item. Both empty share the whole item.
	SlotID   string
	SlotName string
	// Terms are shown to the recipient before accepting.
	Terms string
	// Acceptance is sent as acceptance_required; empty means
	// "acceptance_required" iff Terms is non-empty, as the CLI does.
	Acceptance meeco.AcceptanceState
	// OnsharingPermitted lets the recipient share the item on.
	OnsharingPermitted bool
	// ExpiresAt is sent as expires_at when non-zero.
	ExpiresAt time.Time
}

// ledgerRecs are ledger records of operations done before the request
// that gives them their names (a share id): each is called once with that
// name, or with a placeholder if the request failed.
type ledgerRecs []func(ref string)

func (r ledgerRecs) flush(ref string) {
	for _, f := range r {
		f(ref)
	}
}

// Shared is what Share did: the share records the Vault answered with,
// and the share the client sent (its encrypted DEK is the one the sender
// made, which the Vault hides from a recipient until the share is
// accepted).
type Shared struct {
	Shares []meeco.Share
	Sent   meeco.PostShare
}

// Share shares an item with the other side of a connection
// (ShareService.shareItem): GET /connections/{id}; get and decrypt the item
// (also a received one: an on-share); a fresh 32-byte share DEK; each slot
// with a value encrypted under it (own slots with a new 64-byte
// verification key and HMAC hash, received slots re-encrypted with their
// key and a null hash); the DEK RSA-OAEP-encrypted to the recipient
// connection key; POST /items/{id}/shares.
func (c *Client) Share(ctx context.Context, auth *AuthData, connectionID, itemID string, opts ShareOptions) (*Shared, error) {
	const op = "share item"
	conn, err := c.GetConnection(ctx, auth, connectionID)
	if err != nil {
		return nil, opError(op, err)
	}
	other := conn.TheOtherUser
	pub, err := cryppo.ParsePublicKeyPEM(other.UserPublicKey)
	if err != nil {
		return nil, opError(op, fmt.Errorf("%w: recipient public key of connection %s: %w", ErrBadResponse, connectionID, err))
	}
	item, err := c.GetItem(ctx, auth, itemID)
	if err != nil {
		return nil, opError(op, err)
	}

	dek := cryppo.GenerateSymmetricKey()
	actor := auth.Actor()
	recs := ledgerRecs{func(ref string) { c.cfg.Ledger.GenerateKey(actor, shareDEKName(ref), dek) }}

	slots := item.Slots
	slotID := opts.SlotID
	if slotID == "" && opts.SlotName != "" {
		s := item.Slot(opts.SlotName)
		if s == nil {
			return nil, opError(op, fmt.Errorf("%w: item %s has no slot named %q", ErrSlotNotFound, item.ID, opts.SlotName))
		}
		slotID = s.ID
	}
	if slotID != "" {
		s := item.SlotByID(slotID)
		if s == nil {
			return nil, opError(op, slotNotFound(item.ID, slotID))
		}
		slots = []Slot{*s}
	}
	var values []meeco.SlotValue
	for i := range slots {
		sv, r, err := c.shareSlotValue(auth, &slots[i], dek)
		if err != nil {
			return nil, opError(op, err)
		}
		recs = append(recs, r...)
		// Slots without a value are not sent (the SDK filters them).
		if sv.EncryptedValue != nil && *sv.EncryptedValue != "" {
			values = append(values, sv)
		}
	}
	t := c.cfg.Ledger.Start(ledger.CryptoRSAWrap)
	encDEK, err := cryppo.EncryptRSA(pub, dek.Bytes())
	t.Done(err)
	if err != nil {
		return nil, opError(op, err)
	}
	recipientKey := keypairName(other.UserKeypairExternalID) + " of user " + other.UserID
	recs = append(recs, func(ref string) {
		c.cfg.Ledger.WrapKeyRSA(actor, shareDEKName(ref), pub, recipientKey, dek.Bytes(), encDEK)
	})

	acceptance := opts.Acceptance
	if acceptance == "" {
		acceptance = meeco.AcceptanceNotRequired
		if opts.Terms != "" {
			acceptance = meeco.AcceptanceRequired
		}
	}
	onshare := opts.OnsharingPermitted
	ps := meeco.PostShare{
		RecipientID:        other.UserID,
		PublicKey:          other.UserPublicKey,
		KeypairExternalID:  other.UserKeypairExternalID,
		EncryptedDEK:       encDEK,
		OnsharingPermitted: &onshare,
		AcceptanceRequired: &acceptance,
		SlotValues:         values,
	}
	if values == nil {
		ps.SlotValues = []meeco.SlotValue{}
	}
	if slotID != "" {
		ps.SlotID = &slotID
	}
	if opts.Terms != "" {
		t := opts.Terms
		ps.Terms = &t
	}
	if !opts.ExpiresAt.IsZero() {
		ps.ExpiresAt = meeco.FormatTimePtr(opts.ExpiresAt)
	}
	var out meeco.SharesResponse
	_, err = c.call(ctx, auth, op, Vault, HFull, "POST", Path(meeco.VItemShares, item.ID), nil,
		meeco.CreateSharesRequest{Shares: []meeco.PostShare{ps}}, &out)
	if err != nil || len(out.Shares) == 0 {
		recs.flush("(not created) of item " + item.ID)
		if err == nil {
			err = opError(op, badResponse("POST %s: no share in the response", meeco.VItemShares))
		}
		return nil, err
	}
	recs.flush(out.Shares[0].ID)
	return &Shared{Shares: out.Shares, Sent: ps}, nil
}

// shareSlotValue is SlotHelpers.toEncryptedSlotValue: the slot's value and
// verification key encrypted under dek, with a fresh key and hash for an
// own slot, and a null hash for a received one. It returns the ledger
// records to make once the share id is known.
func (c *Client) shareSlotValue(auth *AuthData, s *Slot, dek cryppo.SymmetricKey) (meeco.SlotValue, ledgerRecs, error) {
	actor := auth.Actor()
	sv := meeco.SlotValue{SlotID: s.ID}
	var recs ledgerRecs
	value := s.Value.Reveal()
	hasValue := value != "" // JS truthiness of slot.value
	vvk := s.VerificationKey()
	var hash *string
	if s.Own {
		hash = s.ValueVerificationHash
		if hasValue {
			vvk = make([]byte, ValueVerificationKeySize)
			if _, err := rand.Read(vvk); err != nil {
				return sv, nil, err
			}
			t := c.cfg.Ledger.Start(ledger.CryptoHMAC)
			h := cryppo.HMACSHA256Hex(vvk, value)
			t.Done(nil)
			hash = &h
			key := append([]byte(nil), vvk...)
			recs = append(recs, func(ref string) {
				c.cfg.Ledger.GenerateBytes(actor, "verification key of slot "+s.Name+" for share "+ref, key)
				c.cfg.Ledger.Hash(actor, "hash of slot "+s.Name+" for share "+ref, key, "verification key of slot "+s.Name+" for share "+ref, value, h)
			})
		}
	} else {
		if hasValue && (s.ValueVerificationHash == nil || vvk == nil) {
			return sv, nil, fmt.Errorf("%w: slot %s (%s)", ErrMissingVerification, s.Name, s.ID)
		}
		// Only the owner may set the hash (API rule).
		hash = nil
	}
	if hasValue {
		t := c.cfg.Ledger.Start(ledger.CryptoAESEncrypt)
		out, err := cryppo.EncryptAES(dek, []byte(value))
		t.Done(err)
		if err != nil {
			return sv, nil, err
		}
		sv.EncryptedValue = &out
		recs = append(recs, func(ref string) {
			c.cfg.Ledger.EncryptData(actor, "slot "+s.Name+" for share "+ref, dek, shareDEKName(ref), []byte(value), out)
		})
	}
	if len(vvk) > 0 {
		t := c.cfg.Ledger.Start(ledger.CryptoAESEncrypt)
		out, err := cryppo.EncryptAES(dek, vvk)
		t.Done(err)
		if err != nil {
			return sv, nil, err
		}
		sv.EncryptedValueVerificationKey = &out
		key := append([]byte(nil), vvk...)
		recs = append(recs, func(ref string) {
			c.cfg.Ledger.WrapKey(actor, "verification key of slot "+s.Name+" for share "+ref, dek, shareDEKName(ref), key, out)
		})
	}
	sv.ValueVerificationHash = hash
	return sv, recs, nil
}

// AcceptShare accepts an incoming share as the CLI's shares:accept does:
// GET /incoming_shares/{id} (whose terms a user would be shown), then
// PUT /incoming_shares/{id}/accept. It returns the accepted share.
func (c *Client) AcceptShare(ctx context.Context, auth *AuthData, shareID string) (*meeco.Share, error) {
	const op = "accept share"
	if _, err := c.GetIncomingShare(ctx, auth, shareID); err != nil {
		return nil, opError(op, err)
	}
	var out meeco.ShareResponse
	if _, err := c.call(ctx, auth, op, Vault, HFull, "PUT", Path(meeco.VIncomingShareAccept, shareID), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out.Share, nil
}

// SharedItem is the outcome of ReadShare.
type SharedItem struct {
	// Requested is the share that was asked for; Share the one whose item
	// was read (different when the item came via another share).
	Requested meeco.Share
	Share     meeco.Share
	// ViaShareID is item_shared_via_another_share_id of the first
	// response, "" when the item was not shared before.
	ViaShareID string
	Item       *Item
	// Response is the last GET /incoming_shares/{id}/item response.
	Response meeco.ShareWithItemResponse
}

// ReadShare reads an incoming share's item (ShareService.getSharedItem):
// GET /incoming_shares/{id}/item; refuse it unless accepted or not
// requiring acceptance (*ShareStateError); follow
// item_shared_via_another_share_id; get the share DEK from the keypair of
// share.keypair_external_id; decrypt and verify.
func (c *Client) ReadShare(ctx context.Context, auth *AuthData, shareID string) (*SharedItem, error) {
	const op = "read share"
	var first meeco.ShareWithItemResponse
	if _, err := c.call(ctx, auth, op, Vault, HFull, "GET", Path(meeco.VIncomingShareItem, shareID), nil, nil, &first); err != nil {
		return nil, err
	}
	res := &SharedItem{Requested: first.Share, Response: first}
	if !first.Share.AcceptanceRequired.Readable() {
		return res, &Error{Op: op, Err: &ShareStateError{ShareID: shareID, State: first.Share.AcceptanceRequired}}
	}
	if via := first.ItemSharedViaAnotherShareID; via != nil && *via != "" {
		res.ViaShareID = *via
		var second meeco.ShareWithItemResponse
		if _, err := c.call(ctx, auth, op, Vault, HFull, "GET", Path(meeco.VIncomingShareItem, *via), nil, nil, &second); err != nil {
			return res, err
		}
		res.Response = second
	}
	res.Share = res.Response.Share
	key, keyName, err := c.shareDEK(ctx, auth, &res.Share)
	if err != nil {
		return res, opError(op, err)
	}
	it, err := c.decryptItem(auth, res.Response.Item, res.Response.Slots, res.Response.ClassificationNodes, key, keyName)
	if err != nil {
		return res, opError(op, err)
	}
	share := res.Share
	it.Share = &share
	res.Item = it
	return res, nil
}

// ReadOutgoingShare reads an outgoing share and its (own) item as
// getSharedItem does for ShareType.Outgoing.
func (c *Client) ReadOutgoingShare(ctx context.Context, auth *AuthData, shareID string) (*meeco.Share, *Item, error) {
	const op = "read outgoing share"
	share, err := c.GetOutgoingShare(ctx, auth, shareID)
	if err != nil {
		return nil, nil, opError(op, err)
	}
	it, err := c.GetItem(ctx, auth, share.ItemID)
	if err != nil {
		return share, nil, opError(op, err)
	}
	return share, it, nil
}

// IncomingShareQuery filters GET /incoming_shares.
type IncomingShareQuery struct {
	AcceptanceRequired meeco.AcceptanceState
	ShareIDs           []string
	OwnConnectionID    string
	Order              string
	Page               PageQuery
}

// OutgoingShareQuery filters GET /outgoing_shares.
type OutgoingShareQuery struct {
	ItemIDs         []string
	OwnConnectionID string
	Order           string
	Page            PageQuery
}

// ListIncomingShares lists shares received (GET /incoming_shares).
func (c *Client) ListIncomingShares(ctx context.Context, auth *AuthData, q IncomingShareQuery) (*meeco.SharesListResponse, error) {
	v := q.Page.values()
	setNonEmpty(v, "order", q.Order)
	setNonEmpty(v, "own_connection_id", q.OwnConnectionID)
	setNonEmpty(v, "acceptance_required", string(q.AcceptanceRequired))
	setNonEmpty(v, "share_ids", strings.Join(q.ShareIDs, ","))
	var out meeco.SharesListResponse
	if _, err := c.call(ctx, auth, "list incoming shares", Vault, HFull, "GET", meeco.VIncomingShares, v, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListOutgoingShares lists shares sent (GET /outgoing_shares).
func (c *Client) ListOutgoingShares(ctx context.Context, auth *AuthData, q OutgoingShareQuery) (*meeco.SharesListResponse, error) {
	v := q.Page.values()
	setNonEmpty(v, "order", q.Order)
	setNonEmpty(v, "own_connection_id", q.OwnConnectionID)
	// The SDK passes item ids as an array, which the generated client
	// repeats (item_ids=a&item_ids=b); share_ids above it joins itself.
	for _, id := range q.ItemIDs {
		v.Add("item_ids", id)
	}
	var out meeco.SharesListResponse
	if _, err := c.call(ctx, auth, "list outgoing shares", Vault, HFull, "GET", meeco.VOutgoingShares, v, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func setNonEmpty(v url.Values, k, s string) {
	if s != "" {
		v.Set(k, s)
	}
}

// GetIncomingShare reads a received share (GET /incoming_shares/{id}).
func (c *Client) GetIncomingShare(ctx context.Context, auth *AuthData, id string) (*meeco.Share, error) {
	var out meeco.ShareResponse
	if _, err := c.call(ctx, auth, "get incoming share", Vault, HFull, "GET", Path(meeco.VIncomingShare, id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out.Share, nil
}

// GetOutgoingShare reads a sent share (GET /outgoing_shares/{id}).
func (c *Client) GetOutgoingShare(ctx context.Context, auth *AuthData, id string) (*meeco.Share, error) {
	var out meeco.ShareResponse
	if _, err := c.call(ctx, auth, "get outgoing share", Vault, HFull, "GET", Path(meeco.VOutgoingShare, id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out.Share, nil
}

// ItemShares lists the shares of an own item with their public keys
// (GET /items/{id}/shares).
func (c *Client) ItemShares(ctx context.Context, auth *AuthData, itemID string) ([]meeco.ItemShare, error) {
	var out meeco.ItemSharesResponse
	if _, err := c.call(ctx, auth, "list item shares", Vault, HFull, "GET", Path(meeco.VItemShares, itemID), nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Shares, nil
}

// DeleteShare deletes a share (DELETE /shares/{id}); the sender, the owner
// and the recipient may.
func (c *Client) DeleteShare(ctx context.Context, auth *AuthData, id string) error {
	_, err := c.call(ctx, auth, "delete share", Vault, HFull, "DELETE", Path(meeco.VShare, id), nil, nil, nil)
	return err
}

// UpdateSharesOptions are the variants of UpdateSharesWith.
type UpdateSharesOptions struct {
	// EverySlot sends, for every share, a value of every slot of the item,
	// as Meeco's SDK (createPutItemSharesRequestBody) does: a single-slot
	// share is then sent the values of slots it does not grant, which the
	// Vault must not deliver. Without it a single-slot share gets only its
	// own slot.
	EverySlot bool
}

// UpdateShares re-keys every share of an own item after it changed
// (ShareService.updateSharedItem, the update_item_shares client task):
// get the item (must be own), GET /items/{id}/shares, one new DEK for all
// shares RSA-encrypted to each share's public key, every slot re-encrypted
// per share with a fresh verification key and hash (slots without a value
// sent as {slot_id}), PUT /items/{id}/shares. A single-slot share gets
// only its own slot (the SDK sends all of them; see UpdateSharesWith).
func (c *Client) UpdateShares(ctx context.Context, auth *AuthData, itemID string) ([]meeco.Share, error) {
	return c.UpdateSharesWith(ctx, auth, itemID, UpdateSharesOptions{})
}

// UpdateSharesWith is UpdateShares with options.
func (c *Client) UpdateSharesWith(ctx context.Context, auth *AuthData, itemID string, o UpdateSharesOptions) ([]meeco.Share, error) {
	const op = "update shares"
	item, err := c.GetItem(ctx, auth, itemID)
	if err != nil {
		return nil, opError(op, err)
	}
	if !item.Own {
		return nil, &Error{Op: op, Err: fmt.Errorf("%w: item %s", ErrNotOwner, itemID)}
	}
	shares, err := c.ItemShares(ctx, auth, itemID)
	if err != nil {
		return nil, opError(op, err)
	}
	dek := cryppo.GenerateSymmetricKey()
	actor := auth.Actor()
	c.cfg.Ledger.GenerateKey(actor, "re-keyed share DEK for item "+itemID, dek)
	req := meeco.UpdateItemSharesRequest{ShareDEKs: []meeco.ShareDEK{}, SlotValues: []meeco.SlotValue{}}
	var recs ledgerRecs
	for _, sh := range shares {
		pub, err := cryppo.ParsePublicKeyPEM(sh.PublicKey)
		if err != nil {
			return nil, opError(op, fmt.Errorf("%w: public key of share %s: %w", ErrBadResponse, sh.ID, err))
		}
		t := c.cfg.Ledger.Start(ledger.CryptoRSAWrap)
		encDEK, err := cryppo.EncryptRSA(pub, dek.Bytes())
		t.Done(err)
		if err != nil {
			return nil, opError(op, err)
		}
		shareID := sh.ID
		c.cfg.Ledger.WrapKeyRSA(actor, shareDEKName(shareID)+" (re-key)", pub, "public key of share "+shareID, dek.Bytes(), encDEK)
		req.ShareDEKs = append(req.ShareDEKs, meeco.ShareDEK{ShareID: shareID, DEK: encDEK})
		for i := range item.Slots {
			// Deviation from the SDK, which sends every slot for every
			// share (EverySlot does): a single-slot share gets only its
			// slot, since the other values are not the recipient's to
			// receive. (The fake Vault accepts the SDK's extra values and
			// drops them.)
			if !o.EverySlot && sh.SlotID != nil && *sh.SlotID != "" && item.Slots[i].ID != *sh.SlotID {
				continue
			}
			sv, r, err := c.shareSlotValue(auth, &item.Slots[i], dek)
			if err != nil {
				return nil, opError(op, err)
			}
			for _, f := range r {
				f := f
				recs = append(recs, func(string) { f(shareID) })
			}
			sv.ShareID = shareID
			if sv.EncryptedValue != nil && *sv.EncryptedValue == "" {
				sv.EncryptedValue = nil
			}
			req.SlotValues = append(req.SlotValues, sv)
		}
	}
	recs.flush("")
	var out meeco.SharesResponse
	if _, err := c.call(ctx, auth, op, Vault, HFull, "PUT", Path(meeco.VItemShares, itemID), nil, req, &out); err != nil {
		return nil, err
	}
	return out.Shares, nil
}
