package meeco

// Vault request and response bodies (protocol.md §3.2). Request structs name
// only the fields a server acts on: the SDK spreads whole template slots into
// slots_attributes (own, created_at, encrypted, …), and decoding must ignore
// those rather than fail.

// CreateMeRequest is the body of POST /me (no Authorization): the user's
// login public key and the one-time admission token from the Keystore.
type CreateMeRequest struct {
	PublicKey      string  `json:"public_key"`
	AdmissionToken string  `json:"admission_token"`
	LoginID        *string `json:"login_id,omitempty"`
}

// CreateMeResponse answers POST /me. The session token is RSA-OAEP
// encrypted to PublicKey (an Rsa4096 Cryppo string).
type CreateMeResponse struct {
	EncryptedSessionAuthenticationString string `json:"encrypted_session_authentication_string"`
	User                                 User   `json:"user"`
}

// UpdateMeUser holds the user fields PUT /me may change; nil means unchanged.
type UpdateMeUser struct {
	PrivateDEKExternalID *string `json:"private_dek_external_id,omitempty"`
	FullName             *string `json:"full_name,omitempty"`
	Email                *string `json:"email,omitempty"`
	Country              *string `json:"country,omitempty"`
	Timezone             *string `json:"timezone,omitempty"`
	DID                  *string `json:"did,omitempty"`
}

// UpdateMeRequest is the body of PUT /me.
type UpdateMeRequest struct {
	User UpdateMeUser `json:"user"`
}

// MeResponse answers GET and PUT /me.
type MeResponse struct {
	User User `json:"user"`
}

// VaultSessionRequest is the body of POST /session (no Authorization): the
// login public key exactly as registered at POST /me. ValidFor is seconds.
type VaultSessionRequest struct {
	PublicKey string `json:"public_key"`
	ValidFor  *int64 `json:"valid_for,omitempty"`
}

// VaultSession carries the encrypted Vault token.
type VaultSession struct {
	EncryptedSessionAuthenticationString string `json:"encrypted_session_authentication_string"`
}

// VaultSessionResponse answers POST /session.
type VaultSessionResponse struct {
	Session VaultSession `json:"session"`
}

// Attachment and Thumbnail are present in item responses as empty arrays;
// vaultcheck does not implement attachments, so their shape is left open.
type (
	Attachment = map[string]any
	Thumbnail  = map[string]any
)

// ItemTemplatesResponse answers GET /item_templates.
type ItemTemplatesResponse struct {
	ItemTemplates       []ItemTemplate       `json:"item_templates"`
	Slots               []Slot               `json:"slots"`
	ClassificationNodes []ClassificationNode `json:"classification_nodes"`
	Attachments         []Attachment         `json:"attachments"`
	Thumbnails          []Thumbnail          `json:"thumbnails"`
	Meta                Meta                 `json:"meta"`
	NextPageAfter       *string              `json:"next_page_after"`
}

// ItemTemplateResponse answers GET /item_templates/{id}.
type ItemTemplateResponse struct {
	ItemTemplate        ItemTemplate         `json:"item_template"`
	Slots               []Slot               `json:"slots"`
	ClassificationNodes []ClassificationNode `json:"classification_nodes"`
	Attachments         []Attachment         `json:"attachments"`
	Thumbnails          []Thumbnail          `json:"thumbnails"`
}

// SlotAttributes is one element of item.slots_attributes in POST and
// PUT /items. On PUT, ID selects the slot to change (a slot without ID is
// created) and Destroy removes it.
type SlotAttributes struct {
	ID                            *string  `json:"id,omitempty"`
	Name                          string   `json:"name,omitempty"`
	Label                         string   `json:"label,omitempty"`
	Description                   *string  `json:"description,omitempty"`
	SlotTypeName                  SlotType `json:"slot_type_name,omitempty"`
	Ordinal                       *int     `json:"ordinal,omitempty"`
	Required                      *bool    `json:"required,omitempty"`
	Visible                       *bool    `json:"visible,omitempty"`
	EncryptedValue                *string  `json:"encrypted_value,omitempty"`
	EncryptedValueVerificationKey *string  `json:"encrypted_value_verification_key,omitempty"`
	ValueVerificationHash         *string  `json:"value_verification_hash,omitempty"`
	Destroy                       bool     `json:"_destroy,omitempty"`
}

// ClassificationNodeAttributes is one element of
// item.classification_nodes_attributes: an existing node by ID, or by
// scheme and name (created if absent). Destroy detaches it.
type ClassificationNodeAttributes struct {
	ID                       *string `json:"id,omitempty"`
	Name                     string  `json:"name,omitempty"`
	Label                    string  `json:"label,omitempty"`
	Scheme                   string  `json:"scheme,omitempty"`
	ClassificationSchemeName string  `json:"classification_scheme_name,omitempty"`
	Destroy                  bool    `json:"_destroy,omitempty"`
}

// NewItemAttributes is the item of POST /items.
type NewItemAttributes struct {
	Label                         string                         `json:"label"`
	Name                          string                         `json:"name,omitempty"`
	Description                   *string                        `json:"description,omitempty"`
	SlotsAttributes               []SlotAttributes               `json:"slots_attributes,omitempty"`
	ClassificationNodesAttributes []ClassificationNodeAttributes `json:"classification_nodes_attributes,omitempty"`
}

// CreateItemRequest is the body of POST /items.
type CreateItemRequest struct {
	TemplateName           string            `json:"template_name"`
	Item                   NewItemAttributes `json:"item"`
	SkipEmptyTemplateSlots *bool             `json:"skip_empty_template_slots,omitempty"`
}

// UpdateItemAttributes is the item of PUT /items/{id}; nil fields are left
// unchanged.
type UpdateItemAttributes struct {
	Label                         *string                        `json:"label,omitempty"`
	Name                          *string                        `json:"name,omitempty"`
	Description                   *string                        `json:"description,omitempty"`
	SlotsAttributes               []SlotAttributes               `json:"slots_attributes,omitempty"`
	ClassificationNodesAttributes []ClassificationNodeAttributes `json:"classification_nodes_attributes,omitempty"`
}

// UpdateItemRequest is the body of PUT /items/{id}.
type UpdateItemRequest struct {
	Item UpdateItemAttributes `json:"item"`
}

// ItemResponse answers POST, GET and PUT /items/{id} and
// POST /items/{id}/encrypt.
type ItemResponse struct {
	Item                Item                 `json:"item"`
	Slots               []Slot               `json:"slots"`
	ClassificationNodes []ClassificationNode `json:"classification_nodes"`
	Attachments         []Attachment         `json:"attachments"`
	Thumbnails          []Thumbnail          `json:"thumbnails"`
}

// ItemsResponse answers GET /items.
type ItemsResponse struct {
	Items               []Item               `json:"items"`
	Slots               []Slot               `json:"slots"`
	ClassificationNodes []ClassificationNode `json:"classification_nodes"`
	Attachments         []Attachment         `json:"attachments"`
	Thumbnails          []Thumbnail          `json:"thumbnails"`
	Meta                Meta                 `json:"meta"`
	NextPageAfter       *string              `json:"next_page_after"`
}

// SlotResponse answers GET /slots/{id}.
type SlotResponse struct {
	Slot Slot `json:"slot"`
}

// ClassificationNodesResponse answers GET /classification_nodes.
type ClassificationNodesResponse struct {
	ClassificationNodes []ClassificationNode `json:"classification_nodes"`
	Meta                Meta                 `json:"meta"`
	NextPageAfter       *string              `json:"next_page_after"`
}

// NewClassificationNode is the body's node of POST /classification_nodes.
type NewClassificationNode struct {
	ClassificationSchemeName string  `json:"classification_scheme_name"`
	Name                     string  `json:"name"`
	Label                    string  `json:"label"`
	Description              *string `json:"description,omitempty"`
}

// CreateClassificationNodeRequest is the body of POST /classification_nodes.
type CreateClassificationNodeRequest struct {
	ClassificationNode NewClassificationNode `json:"classification_node"`
}

// ClassificationNodeResponse answers POST /classification_nodes.
type ClassificationNodeResponse struct {
	ClassificationNode ClassificationNode `json:"classification_node"`
}

// PublicKeyRef names a connection-side keypair: the Keystore keypair id and
// its public key PEM.
type PublicKeyRef struct {
	KeypairExternalID string `json:"keypair_external_id"`
	PublicKey         string `json:"public_key"`
}

// NewInvitation is the invitation of POST /invitations. MultistepWorkflow
// is a string ("false", "true", "1") as the SDK sends it.
type NewInvitation struct {
	EncryptedRecipientName string         `json:"encrypted_recipient_name"`
	MultistepWorkflow      string         `json:"multistep_workflow,omitempty"`
	SenderToRecipientData  map[string]any `json:"sender_to_recipient_data,omitempty"`
	DelegationToken        *string        `json:"delegation_token,omitempty"`
	DelegateRole           *string        `json:"delegate_role,omitempty"`
	SenderDID              *string        `json:"sender_did,omitempty"`
}

// CreateInvitationRequest is the body of POST /invitations. ExpiresIn is in
// seconds.
type CreateInvitationRequest struct {
	PublicKey  PublicKeyRef  `json:"public_key"`
	Invitation NewInvitation `json:"invitation"`
	ExpiresIn  *int64        `json:"expires_in,omitempty"`
}

// InvitationResponse answers POST /invitations and GET /invitations/{id}.
type InvitationResponse struct {
	Invitation         Invitation `json:"invitation"`
	ShareIntents       []any      `json:"share_intents,omitempty"`
	RecipientPublicKey *string    `json:"recipient_public_key,omitempty"`
}

// InvitationsResponse answers GET /invitations.
type InvitationsResponse struct {
	Invitations   []Invitation `json:"invitations"`
	Meta          Meta         `json:"meta"`
	NextPageAfter *string      `json:"next_page_after"`
}

// NewConnection is the connection of POST /connections.
type NewConnection struct {
	EncryptedRecipientName string  `json:"encrypted_recipient_name"`
	InvitationToken        string  `json:"invitation_token"`
	RecipientDID           *string `json:"recipient_did,omitempty"`
}

// CreateConnectionRequest is the body of POST /connections: the invitee's
// connection keypair and the invitation token.
type CreateConnectionRequest struct {
	PublicKey  PublicKeyRef  `json:"public_key"`
	Connection NewConnection `json:"connection"`
}

// CreateConnectionResponse answers POST /connections.
type CreateConnectionResponse struct {
	ConnectionExistedAlready bool         `json:"connection_existed_already"`
	Connection               Connection   `json:"connection"`
	CreatedSharesReport      []ShareBrief `json:"created_shares_report"`
}

// ShareBrief is an element of created_shares_report (shares created from
// share intents on connection; the fake never has any).
type ShareBrief struct {
	ID string `json:"id"`
}

// ConnectionResponse answers GET /connections/{id}.
type ConnectionResponse struct {
	Connection Connection `json:"connection"`
}

// ConnectionsResponse answers GET /connections.
type ConnectionsResponse struct {
	Connections   []Connection `json:"connections"`
	Meta          Meta         `json:"meta"`
	NextPageAfter *string      `json:"next_page_after"`
}

// SlotValue is the encrypted value of one slot for a share (POST shares) or
// a re-key (PUT shares, with ShareID). EncryptedValue may be null: a slot
// without a value is sent as {slot_id} only.
type SlotValue struct {
	ShareID                       string  `json:"share_id,omitempty"`
	SlotID                        string  `json:"slot_id"`
	EncryptedValue                *string `json:"encrypted_value,omitempty"`
	EncryptedValueVerificationKey *string `json:"encrypted_value_verification_key,omitempty"`
	ValueVerificationHash         *string `json:"value_verification_hash,omitempty"`
}

// PostShare is one share of POST /items/{id}/shares.
type PostShare struct {
	RecipientID        string           `json:"recipient_id"`
	PublicKey          string           `json:"public_key"`
	KeypairExternalID  string           `json:"keypair_external_id,omitempty"`
	EncryptedDEK       string           `json:"encrypted_dek"`
	SlotID             *string          `json:"slot_id,omitempty"`
	Terms              *string          `json:"terms,omitempty"`
	OnsharingPermitted *bool            `json:"onsharing_permitted,omitempty"`
	AcceptanceRequired *AcceptanceState `json:"acceptance_required,omitempty"`
	ExpiresAt          *string          `json:"expires_at,omitempty"`
	SlotValues         []SlotValue      `json:"slot_values"`
}

// CreateSharesRequest is the body of POST /items/{id}/shares.
type CreateSharesRequest struct {
	Shares []PostShare `json:"shares"`
}

// SharesResponse answers POST and PUT /items/{id}/shares.
type SharesResponse struct {
	Shares []Share `json:"shares"`
}

// ItemShare is an element of GET /items/{id}/shares: what the owner needs to
// re-key a share.
type ItemShare struct {
	ID        string  `json:"id"`
	PublicKey string  `json:"public_key"`
	ItemID    string  `json:"item_id"`
	SlotID    *string `json:"slot_id"`
}

// ItemSharesResponse answers GET /items/{id}/shares.
type ItemSharesResponse struct {
	Shares []ItemShare `json:"shares"`
}

// ShareDEK is a share's new encrypted DEK in a re-key.
type ShareDEK struct {
	ShareID string `json:"share_id"`
	DEK     string `json:"dek"`
}

// ClientTaskUpdate sets a client task's state (and report).
type ClientTaskUpdate struct {
	ID     string          `json:"id"`
	State  ClientTaskState `json:"state"`
	Report map[string]any  `json:"report,omitempty"`
}

// UpdateItemSharesRequest is the body of PUT /items/{id}/shares.
type UpdateItemSharesRequest struct {
	ShareDEKs   []ShareDEK         `json:"share_deks"`
	SlotValues  []SlotValue        `json:"slot_values"`
	ClientTasks []ClientTaskUpdate `json:"client_tasks,omitempty"`
}

// SharesListResponse answers GET /incoming_shares and GET /outgoing_shares.
type SharesListResponse struct {
	Shares        []Share `json:"shares"`
	Meta          Meta    `json:"meta"`
	NextPageAfter *string `json:"next_page_after"`
}

// ShareResponse answers GET /incoming_shares/{id}, GET /outgoing_shares/{id}
// and PUT /incoming_shares/{id}/accept.
type ShareResponse struct {
	Share Share `json:"share"`
}

// ShareWithItemResponse answers GET /incoming_shares/{id}/item.
// ItemSharedViaAnotherShareID is set when the item reached the recipient
// through an earlier share.
type ShareWithItemResponse struct {
	Share                       Share                `json:"share"`
	Item                        Item                 `json:"item"`
	Slots                       []Slot               `json:"slots"`
	ClassificationNodes         []ClassificationNode `json:"classification_nodes"`
	Attachments                 []Attachment         `json:"attachments"`
	Thumbnails                  []Thumbnail          `json:"thumbnails"`
	ItemSharedViaAnotherShareID *string              `json:"item_shared_via_another_share_id"`
}

// EncryptSlot is one slot of POST /items/{id}/encrypt: a received slot
// re-encrypted by the recipient under their own DEK.
type EncryptSlot struct {
	ID                            string  `json:"id"`
	EncryptedValue                *string `json:"encrypted_value"`
	EncryptedValueVerificationKey *string `json:"encrypted_value_verification_key,omitempty"`
}

// EncryptItemRequest is the body of POST /items/{id}/encrypt.
type EncryptItemRequest struct {
	Slots []EncryptSlot `json:"slots"`
}

// ClientTasksResponse answers GET and PUT /client_task_queue.
type ClientTasksResponse struct {
	ClientTasks   []ClientTask `json:"client_tasks"`
	Meta          Meta         `json:"meta"`
	NextPageAfter *string      `json:"next_page_after"`
}

// UpdateClientTasksRequest is the body of PUT /client_task_queue.
type UpdateClientTasksRequest struct {
	ClientTasks []ClientTaskUpdate `json:"client_tasks"`
}

// ReconfigureShare changes one share in PUT /shares: its expiry (an empty
// string clears it) and whether the recipient may on-share.
type ReconfigureShare struct {
	ShareID            string  `json:"share_id"`
	ExpiresAt          *string `json:"expires_at,omitempty"`
	OnsharingPermitted *bool   `json:"onsharing_permitted,omitempty"`
}

// ReconfigureSharesRequest is the body of PUT /shares.
type ReconfigureSharesRequest struct {
	Shares []ReconfigureShare `json:"shares"`
}
