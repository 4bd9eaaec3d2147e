package meeco

// AcceptanceState is a share's acceptance_required field.
type AcceptanceState string

// Acceptance states. A share created with acceptance_required starts in
// AcceptanceRequired and moves to Accepted by PUT /incoming_shares/{id}/accept.
const (
	AcceptanceNotRequired AcceptanceState = "acceptance_not_required"
	AcceptanceRequired    AcceptanceState = "acceptance_required"
	Accepted              AcceptanceState = "accepted"
	Rejected              AcceptanceState = "rejected"
)

// Valid reports whether s is one of the four states.
func (s AcceptanceState) Valid() bool {
	switch s {
	case AcceptanceNotRequired, AcceptanceRequired, Accepted, Rejected:
		return true
	}
	return false
}

// Readable reports whether a recipient may read the shared item in state s
// (the SDK's hasAccepted).
func (s AcceptanceState) Readable() bool { return s == AcceptanceNotRequired || s == Accepted }

// SlotType is a slot's slot_type_name.
type SlotType string

// Slot types (protocol.md §3.3; the last four are older ones the SDK still
// knows).
const (
	SlotKeyValue           SlotType = "key_value"
	SlotBool               SlotType = "bool"
	SlotDate               SlotType = "date"
	SlotDatetime           SlotType = "datetime"
	SlotImage              SlotType = "image"
	SlotURL                SlotType = "url"
	SlotPhoneNumber        SlotType = "phone_number"
	SlotEmail              SlotType = "email"
	SlotPassword           SlotType = "password"
	SlotAttachment         SlotType = "attachment"
	SlotAttachmentsFolder  SlotType = "attachments_folder"
	SlotClassificationNode SlotType = "classification_node"
	SlotColor              SlotType = "color"
	SlotNoteText           SlotType = "note_text"
	SlotSelect             SlotType = "select"
	SlotSelectMultiple     SlotType = "select_multiple"
)

// SlotTypes lists every slot type.
func SlotTypes() []SlotType {
	return []SlotType{SlotKeyValue, SlotBool, SlotDate, SlotDatetime, SlotImage, SlotURL,
		SlotPhoneNumber, SlotEmail, SlotPassword, SlotAttachment, SlotAttachmentsFolder,
		SlotClassificationNode, SlotColor, SlotNoteText, SlotSelect, SlotSelectMultiple}
}

// Valid reports whether t is a known slot type.
func (t SlotType) Valid() bool {
	for _, k := range SlotTypes() {
		if k == t {
			return true
		}
	}
	return false
}

// ClientTaskState is a client task's state.
type ClientTaskState string

// Client task states.
const (
	TaskTodo       ClientTaskState = "todo"
	TaskInProgress ClientTaskState = "in_progress"
	TaskDone       ClientTaskState = "done"
	TaskFailed     ClientTaskState = "failed"
)

// Valid reports whether s is a known state.
func (s ClientTaskState) Valid() bool {
	switch s {
	case TaskTodo, TaskInProgress, TaskDone, TaskFailed:
		return true
	}
	return false
}

// ClientTaskWorkType is a client task's work_type.
type ClientTaskWorkType string

// Work types.
const (
	WorkUpdateItemShares         ClientTaskWorkType = "update_item_shares"
	WorkSetupKeyDelegation       ClientTaskWorkType = "setup_key_delegation"
	WorkReencryptAccountOwnerKEK ClientTaskWorkType = "reencrypt_account_owner_kek"
)

// InvitationState is an invitation's state.
type InvitationState string

// Invitation states.
const (
	InvitationNew       InvitationState = "new"
	InvitationConnected InvitationState = "connected"
	InvitationAccepted  InvitationState = "accepted"
	InvitationRejected  InvitationState = "rejected"
	InvitationCancelled InvitationState = "cancelled"
	InvitationExpired   InvitationState = "expired"
)

// UserType is a Vault user's or connection side's user_type.
type UserType string

// User types.
const (
	UserHuman             UserType = "human"
	UserOrganizationAgent UserType = "organization_agent"
	UserServiceAgent      UserType = "service_agent"
)

// NullEnum is the literal string "null" the Vault sends for an unset
// connection_type or delegation_role (an OpenAPI enum member, not JSON null).
const NullEnum = "null"

// Share is a share record (protocol.md §3.3). EncryptedDEK is null while
// the recipient still has to accept the share.
type Share struct {
	ID                 string          `json:"id"`
	OwnerID            string          `json:"owner_id"`
	SenderID           string          `json:"sender_id"`
	RecipientID        string          `json:"recipient_id"`
	AcceptanceRequired AcceptanceState `json:"acceptance_required"`
	ItemID             string          `json:"item_id"`
	SlotID             *string         `json:"slot_id"`
	PublicKey          string          `json:"public_key"`
	OnsharingPermitted bool            `json:"onsharing_permitted"`
	KeypairExternalID  string          `json:"keypair_external_id"`
	EncryptedDEK       *string         `json:"encrypted_dek"`
	Terms              *string         `json:"terms"`
	CreatedAt          string          `json:"created_at"`
	ExpiresAt          *string         `json:"expires_at"`
}

// Item is an item as the Vault returns it. An owner's item has Own true and
// null OriginalID/ShareID; a recipient's copy has Own false, OriginalID the
// owner's item id and ShareID the share that created it.
type Item struct {
	ID                    string   `json:"id"`
	Own                   bool     `json:"own"`
	Name                  string   `json:"name"`
	Label                 string   `json:"label"`
	Description           *string  `json:"description"`
	CreatedAt             string   `json:"created_at"`
	UpdatedAt             string   `json:"updated_at"`
	ItemTemplateID        *string  `json:"item_template_id"`
	ItemTemplateLabel     *string  `json:"item_template_label"`
	Ordinal               int      `json:"ordinal"`
	Visible               bool     `json:"visible"`
	Image                 *string  `json:"image"`
	ItemImage             *string  `json:"item_image"`
	ClassificationNodeIDs []string `json:"classification_node_ids"`
	SlotIDs               []string `json:"slot_ids"`
	OriginalID            *string  `json:"original_id"`
	OwnerID               *string  `json:"owner_id"`
	ShareID               *string  `json:"share_id"`
}

// Slot is a slot of an item or of an item template. Template slots carry no
// values and a null ItemID.
type Slot struct {
	ID                            string   `json:"id"`
	Own                           bool     `json:"own"`
	ShareID                       *string  `json:"share_id"`
	Name                          string   `json:"name"`
	Label                         string   `json:"label"`
	Description                   *string  `json:"description"`
	Ordinal                       int      `json:"ordinal"`
	Visible                       bool     `json:"visible"`
	ClassificationNodeIDs         []string `json:"classification_node_ids"`
	AttachmentID                  *string  `json:"attachment_id"`
	AttachmentsFolderID           *string  `json:"attachments_folder_id"`
	ItemID                        *string  `json:"item_id"`
	Required                      bool     `json:"required"`
	CreatedAt                     string   `json:"created_at"`
	UpdatedAt                     string   `json:"updated_at"`
	SlotTypeName                  SlotType `json:"slot_type_name"`
	Creator                       string   `json:"creator"`
	EncryptedValue                *string  `json:"encrypted_value"`
	EncryptedValueVerificationKey *string  `json:"encrypted_value_verification_key"`
	ValueVerificationHash         *string  `json:"value_verification_hash"`
	OriginalID                    *string  `json:"original_id"`
	OwnerID                       *string  `json:"owner_id"`
}

// ItemTemplate is an item template.
type ItemTemplate struct {
	ID                    string   `json:"id"`
	Name                  string   `json:"name"`
	Label                 string   `json:"label"`
	Description           *string  `json:"description"`
	Ordinal               int      `json:"ordinal"`
	Visible               bool     `json:"visible"`
	UserID                *string  `json:"user_id"`
	UpdatedAt             string   `json:"updated_at"`
	Image                 *string  `json:"image"`
	BackgroundColor       *string  `json:"background_color"`
	ClassificationNodeIDs []string `json:"classification_node_ids"`
	SlotIDs               []string `json:"slot_ids"`
	ItemsCount            int      `json:"items_count"`
}

// ClassificationNode is a classification (a tag in a scheme such as
// "esafe").
type ClassificationNode struct {
	ID                   string  `json:"id"`
	Own                  bool    `json:"own"`
	Name                 string  `json:"name"`
	Label                string  `json:"label"`
	Description          *string `json:"description"`
	Ordinal              int     `json:"ordinal"`
	BackgroundColor      *string `json:"background_color"`
	Image                *string `json:"image"`
	Scheme               string  `json:"scheme"`
	ClassificationsCount int     `json:"classifications_count"`
}

// User is a Vault user.
type User struct {
	ID                     string   `json:"id"`
	FullName               *string  `json:"full_name"`
	Email                  *string  `json:"email"`
	Country                *string  `json:"country"`
	JoinedAt               string   `json:"joined_at"`
	OnboardedAt            *string  `json:"onboarded_at"`
	Timezone               *string  `json:"timezone"`
	PrivateDEKExternalID   *string  `json:"private_dek_external_id"`
	DID                    *string  `json:"did"`
	QueuedForDeletionAfter *string  `json:"queued_for_deletion_after"`
	AcceptedTerms          bool     `json:"accepted_terms"`
	BrokenAttachments      bool     `json:"broken_attachments_present"`
	UserType               UserType `json:"user_type"`
}

// Connection is one user's record of a connection: Own is this side (its
// key, keypair id and the name it gave the peer), TheOtherUser the peer's.
type Connection struct {
	Own          OwnConnection      `json:"own"`
	TheOtherUser OtherConnectedUser `json:"the_other_user"`
}

// OwnConnection is the caller's side of a connection.
type OwnConnection struct {
	ID                     string         `json:"id"`
	EncryptedRecipientName *string        `json:"encrypted_recipient_name"`
	UserID                 string         `json:"user_id"`
	UserType               UserType       `json:"user_type"`
	UserPublicKey          string         `json:"user_public_key"`
	UserKeypairExternalID  string         `json:"user_keypair_external_id"`
	ConnectionType         string         `json:"connection_type"`
	DelegationRole         string         `json:"delegation_role"`
	DelegationToken        *string        `json:"delegation_token"`
	IntegrationData        map[string]any `json:"integration_data"`
	OrganizationMemberID   *string        `json:"organization_member_id"`
	DID                    *string        `json:"did"`
	CreatedAt              string         `json:"created_at"`
}

// OtherConnectedUser is the peer's side of a connection. ID is the peer's
// own connection record id.
type OtherConnectedUser struct {
	ID                    string         `json:"id"`
	UserID                string         `json:"user_id"`
	UserType              UserType       `json:"user_type"`
	UserPublicKey         string         `json:"user_public_key"`
	UserKeypairExternalID string         `json:"user_keypair_external_id"`
	ConnectionType        string         `json:"connection_type"`
	DelegationRole        string         `json:"delegation_role"`
	DelegationToken       *string        `json:"delegation_token"`
	IntegrationData       map[string]any `json:"integration_data"`
	OrganizationMemberID  *string        `json:"organization_member_id"`
	DID                   *string        `json:"did"`
}

// Invitation is an invitation to connect. ID and KeypairExternalID are null
// for anyone but the sender.
type Invitation struct {
	ID                     *string         `json:"id"`
	Token                  string          `json:"token"`
	State                  InvitationState `json:"state"`
	EncryptedRecipientName *string         `json:"encrypted_recipient_name"`
	EncryptedSenderName    *string         `json:"encrypted_sender_name"`
	SenderPublicKey        *string         `json:"sender_public_key"`
	UserPublicKey          string          `json:"user_public_key"`
	KeypairExternalID      *string         `json:"keypair_external_id"`
	Outgoing               bool            `json:"outgoing"`
	ExpireAt               *string         `json:"expire_at"`
	CreatedAt              string          `json:"created_at"`
	ConnectionType         string          `json:"connection_type"`
	DelegationRole         string          `json:"delegation_role"`
	DelegationToken        *string         `json:"delegation_token"`
	OrganizationID         *string         `json:"organization_id"`
	OrganizationMemberRole *string         `json:"organization_member_role"`
	ServiceID              *string         `json:"service_id"`
	SenderDID              *string         `json:"sender_did"`
	RecipientDID           *string         `json:"recipient_did"`
	SharesToBeCreated      []any           `json:"shares_to_be_created"`
	InvitedUserID          *string         `json:"invited_user_id"`
	IntegrationData        map[string]any  `json:"integration_data"`
	RecipientToSenderData  map[string]any  `json:"recipient_to_sender_data"`
	SenderToRecipientData  map[string]any  `json:"sender_to_recipient_data"`
	MultistepWorkflow      bool            `json:"multistep_workflow"`
	Message                *string         `json:"message"`
	UserName               *string         `json:"user_name"`
}

// ClientTask is a unit of work the Vault asks a client to do (re-keying the
// shares of an updated item).
type ClientTask struct {
	ID                    string             `json:"id"`
	State                 ClientTaskState    `json:"state"`
	WorkType              ClientTaskWorkType `json:"work_type"`
	TargetID              string             `json:"target_id"`
	AdditionalOptions     map[string]any     `json:"additional_options"`
	LastStateTransitionAt string             `json:"last_state_transition_at"`
	Report                map[string]any     `json:"report"`
	CreatedAt             string             `json:"created_at"`
}

// Meta is the CollectionReport of every list response. The SDK reads
// next_page_exists (and next_page_after beside it) to decide whether to
// fetch more; meta must be an object, never null.
type Meta struct {
	OrderBy        string  `json:"order_by"`
	Order          string  `json:"order"`
	PerPage        int     `json:"per_page"`
	CurrentCursor  *string `json:"current_cursor"`
	RecordsCount   int     `json:"records_count"`
	NextPageExists bool    `json:"next_page_exists"`
	Page           int     `json:"page"`
	PageCount      int     `json:"page_count"`
}

// CollectionReport is the OpenAPI name of Meta.
type CollectionReport = Meta
