package client

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// TemplateQuery filters GET /item_templates.
type TemplateQuery struct {
	Scheme         string // by_classification[scheme]
	Classification string // by_classification[name]
	Like           string
	// NextPageAfter and PerPage page through the list (the CLI's --all
	// follows meta.next_page_exists); zero values are not sent.
	NextPageAfter string
	PerPage       int
}

// ListTemplates lists item templates (GET /item_templates).
func (c *Client) ListTemplates(ctx context.Context, auth *AuthData, q TemplateQuery) (*meeco.ItemTemplatesResponse, error) {
	v := url.Values{}
	if q.Scheme != "" {
		v.Set("by_classification[scheme]", q.Scheme)
	}
	if q.Classification != "" {
		v.Set("by_classification[name]", q.Classification)
	}
	if q.Like != "" {
		v.Set("like", q.Like)
	}
	if q.NextPageAfter != "" {
		v.Set("next_page_after", q.NextPageAfter)
	}
	if q.PerPage > 0 {
		v.Set("per_page", strconv.Itoa(q.PerPage))
	}
	var out meeco.ItemTemplatesResponse
	if _, err := c.call(ctx, auth, "list templates", Vault, HFull, "GET", meeco.VItemTemplates, v, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TemplateByName finds a template by name in the template list, with its
// slots (the CLI's templates:info). It matches meeco.NotFound when absent.
func (c *Client) TemplateByName(ctx context.Context, auth *AuthData, name string) (*meeco.ItemTemplate, []meeco.Slot, error) {
	list, err := c.ListTemplates(ctx, auth, TemplateQuery{})
	if err != nil {
		return nil, nil, err
	}
	for _, t := range list.ItemTemplates {
		if t.Name != name {
			continue
		}
		var slots []meeco.Slot
		for _, id := range t.SlotIDs {
			for _, s := range list.Slots {
				if s.ID == id {
					slots = append(slots, s)
				}
			}
		}
		return &t, slots, nil
	}
	return nil, nil, &Error{Op: "find template", Err: meeco.NewError(meeco.NotFound, "no template named %q", name)}
}

// CreateItem encrypts each slot value with the user's DEK and posts the
// item (POST /items), as the SDK's ItemService.create does; slots without
// a value are not sent. The response's slots are decrypted with the DEK.
func (c *Client) CreateItem(ctx context.Context, auth *AuthData, item NewItem) (*Item, error) {
	const op = "create item"
	type pending struct {
		name string
		pt   string
		out  string
	}
	var recs []pending
	var attrs []meeco.SlotAttributes
	for _, s := range item.Slots {
		if s.Value == "" {
			continue
		}
		t := c.cfg.Ledger.Start(ledger.CryptoAESEncrypt)
		out, err := cryppo.EncryptAES(auth.DEK, []byte(s.Value))
		t.Done(err)
		if err != nil {
			return nil, opError(op, err)
		}
		recs = append(recs, pending{s.Name, s.Value, out})
		attrs = append(attrs, meeco.SlotAttributes{Name: s.Name, Label: s.Label, SlotTypeName: s.Type, EncryptedValue: &out})
	}
	req := meeco.CreateItemRequest{
		TemplateName: item.Template,
		Item: meeco.NewItemAttributes{
			Label:                         item.Label,
			Name:                          item.Name,
			SlotsAttributes:               attrs,
			ClassificationNodesAttributes: item.ClassificationNodes,
		},
	}
	var out meeco.ItemResponse
	_, err := c.call(ctx, auth, op, Vault, HFull, "POST", meeco.VItems, nil, req, &out)
	// The encryptions happened before the POST; they are recorded once the
	// item id they belong to is known.
	itemRef := "new item"
	if err == nil {
		itemRef = "item " + out.Item.ID
	}
	for _, r := range recs {
		c.cfg.Ledger.EncryptData(auth.Actor(), "slot "+r.name+" of "+itemRef, auth.DEK, keyDEK, []byte(r.pt), r.out)
	}
	if err != nil {
		return nil, err
	}
	it, err := c.decryptItem(auth, out.Item, out.Slots, out.ClassificationNodes, auth.DEK, keyDEK)
	if err != nil {
		return nil, opError(op, err)
	}
	return it, nil
}

// GetItem reads and decrypts an item (ItemService.get): GET /items/{id};
// for a received item, GET /incoming_shares/{share_id} and the share DEK
// from the recipient keypair. Non-own slots with a hash are verified
// (*HashMismatchError).
func (c *Client) GetItem(ctx context.Context, auth *AuthData, id string) (*Item, error) {
	const op = "get item"
	var out meeco.ItemResponse
	if _, err := c.call(ctx, auth, op, Vault, HFull, "GET", Path(meeco.VItem, id), nil, nil, &out); err != nil {
		return nil, err
	}
	key, keyName := auth.DEK, keyDEK
	var share *meeco.Share
	if (!out.Item.Own || out.Item.ShareID != nil) && out.Item.ShareID != nil {
		var sr meeco.ShareResponse
		if _, err := c.call(ctx, auth, "get incoming share", Vault, HFull, "GET", Path(meeco.VIncomingShare, *out.Item.ShareID), nil, nil, &sr); err != nil {
			return nil, opError(op, err)
		}
		share = &sr.Share
		var err error
		if key, keyName, err = c.shareDEK(ctx, auth, share); err != nil {
			return nil, opError(op, err)
		}
	}
	it, err := c.decryptItem(auth, out.Item, out.Slots, out.ClassificationNodes, key, keyName)
	if err != nil {
		return nil, opError(op, err)
	}
	it.Share = share
	return it, nil
}

// shareDEK returns the key that decrypts a received item
// (ItemService.getShareDEK): the share's encrypted_dek RSA-decrypted with
// the recipient keypair (GET /keypairs/{keypair_external_id}), or the
// user's own DEK when the share carries none.
func (c *Client) shareDEK(ctx context.Context, auth *AuthData, share *meeco.Share) (cryppo.SymmetricKey, string, error) {
	if share.EncryptedDEK == nil || *share.EncryptedDEK == "" {
		return auth.DEK, keyDEK, nil
	}
	priv, _, err := c.fetchKeypair(ctx, auth, "get share keypair", share.KeypairExternalID)
	if err != nil {
		return cryppo.SymmetricKey{}, "", err
	}
	name := shareDEKName(share.ID)
	k, err := c.rsaDecryptKey(auth, name, priv, keypairName(share.KeypairExternalID), *share.EncryptedDEK)
	if err != nil {
		return cryppo.SymmetricKey{}, "", err
	}
	return k, name, nil
}

// decryptItem decrypts every slot of a response (SlotHelpers.decryptSlot)
// and keeps those listed in the item's slot_ids (DecryptedItem).
func (c *Client) decryptItem(auth *AuthData, item meeco.Item, slots []meeco.Slot, nodes []meeco.ClassificationNode, key cryppo.SymmetricKey, keyName string) (*Item, error) {
	it := &Item{Item: item, ClassificationNodes: nodes, KeyName: keyName}
	decrypted := make([]Slot, 0, len(slots))
	for _, s := range slots {
		d, err := c.decryptSlot(auth, item.ID, s, key, keyName)
		if err != nil {
			return nil, err
		}
		decrypted = append(decrypted, d)
	}
	for _, d := range decrypted {
		for _, id := range item.SlotIDs {
			if d.ID == id {
				it.Slots = append(it.Slots, d)
				break
			}
		}
	}
	return it, nil
}

// decryptSlot decrypts a slot's value and verification key, and checks the
// hash of a non-own slot.
func (c *Client) decryptSlot(auth *AuthData, itemID string, s meeco.Slot, key cryppo.SymmetricKey, keyName string) (Slot, error) {
	out := Slot{Slot: s}
	if s.EncryptedValue == nil {
		return out, nil
	}
	subject := "slot " + s.Name + " of item " + itemID
	v, err := c.decryptString(auth, subject, key, keyName, *s.EncryptedValue)
	if err != nil {
		return out, err
	}
	out.Value = v
	if s.EncryptedValueVerificationKey == nil {
		return out, nil
	}
	vvk, err := c.unwrapKey(auth, "verification key of "+subject, key, keyName, *s.EncryptedValueVerificationKey)
	if err != nil {
		return out, err
	}
	out.vvk = seal(vvk)
	if !s.Own && s.ValueVerificationHash != nil {
		t := c.cfg.Ledger.Start(ledger.CryptoHMAC)
		ok := cryppo.HMACSHA256Hex(vvk, v.Reveal()) == *s.ValueVerificationHash
		if ok {
			t.Done(nil)
		} else {
			t.Done(ErrHashMismatch)
		}
		c.cfg.Ledger.CheckHash(auth.Actor(), "hash of "+subject, vvk, "verification key of "+subject, v.Reveal(), *s.ValueVerificationHash, ok)
		if !ok {
			return out, &HashMismatchError{ItemID: itemID, SlotID: s.ID, SlotName: s.Name}
		}
	}
	return out, nil
}

// UpdateItem encrypts the changed slot values with the user's DEK and puts
// them (PUT /items/{id}), as ItemService.update does; the response is
// decrypted with the DEK.
func (c *Client) UpdateItem(ctx context.Context, auth *AuthData, u ItemUpdate) (*Item, error) {
	const op = "update item"
	var attrs []meeco.SlotAttributes
	for _, s := range u.Slots {
		a := meeco.SlotAttributes{Name: s.Name, Label: s.Label, SlotTypeName: s.Type, Destroy: s.Destroy}
		if s.ID != "" {
			id := s.ID
			a.ID = &id
		}
		if s.Value != nil && *s.Value != "" {
			subject := "slot " + s.Name + " of item " + u.ID
			out, err := c.encryptString(auth, subject, auth.DEK, keyDEK, *s.Value)
			if err != nil {
				return nil, opError(op, err)
			}
			a.EncryptedValue = &out
		}
		attrs = append(attrs, a)
	}
	req := meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{Label: u.Label, SlotsAttributes: attrs}}
	var out meeco.ItemResponse
	if _, err := c.call(ctx, auth, op, Vault, HFull, "PUT", Path(meeco.VItem, u.ID), nil, req, &out); err != nil {
		return nil, err
	}
	it, err := c.decryptItem(auth, out.Item, out.Slots, out.ClassificationNodes, auth.DEK, keyDEK)
	if err != nil {
		return nil, opError(op, err)
	}
	return it, nil
}

// ItemQuery filters GET /items; zero fields are not sent.
type ItemQuery struct {
	TemplateIDs     []string
	Name            string
	Scheme          string
	Classifications []string
	SharedWith      string
	OwnerID         string
	Own             *bool
	ItemIDs         []string
	NextPageAfter   string
	PerPage         int
	Order           string
}

func (q ItemQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("template_ids", strings.Join(q.TemplateIDs, ","))
	set("name", q.Name)
	set("classification_scheme_name", q.Scheme)
	switch len(q.Classifications) {
	case 0:
	case 1:
		set("classification_node_name", q.Classifications[0])
	default:
		set("classification_node_names", strings.Join(q.Classifications, ","))
	}
	set("shared_with", q.SharedWith)
	set("owner_id", q.OwnerID)
	if q.Own != nil {
		set("own", strconv.FormatBool(*q.Own))
	}
	set("item_ids", strings.Join(q.ItemIDs, ","))
	set("next_page_after", q.NextPageAfter)
	if q.PerPage > 0 {
		set("per_page", strconv.Itoa(q.PerPage))
	}
	set("order", q.Order)
	return v
}

// ListItems lists items (GET /items) without decrypting them: received
// items need their share's DEK, which GetItem fetches per item.
func (c *Client) ListItems(ctx context.Context, auth *AuthData, q ItemQuery) (*meeco.ItemsResponse, error) {
	var out meeco.ItemsResponse
	if _, err := c.call(ctx, auth, "list items", Vault, HFull, "GET", meeco.VItems, q.values(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteItem deletes an item (DELETE /items/{id}); for a received item this
// also deletes its share.
func (c *Client) DeleteItem(ctx context.Context, auth *AuthData, id string) error {
	_, err := c.call(ctx, auth, "delete item", Vault, HFull, "DELETE", Path(meeco.VItem, id), nil, nil, nil)
	return err
}

// RemoveSlot deletes a slot (DELETE /slots/{id}).
func (c *Client) RemoveSlot(ctx context.Context, auth *AuthData, id string) error {
	_, err := c.call(ctx, auth, "remove slot", Vault, HFull, "DELETE", Path(meeco.VSlot, id), nil, nil, nil)
	return err
}

// itemSlot finds a decrypted slot by id for error messages.
func slotNotFound(itemID, slotID string) error {
	return fmt.Errorf("%w: item %s has no slot %s", ErrSlotNotFound, itemID, slotID)
}
