package meeco

// Route prefixes. Both services live under one base URL in vaultcheck (the
// sandbox uses https://sandbox.meeco.me/vault and …/keystore the same way);
// every path constant below is relative to its service's prefix.
const (
	VaultPrefix    = "/vault"
	KeystorePrefix = "/keystore"
)

// Keystore paths. {name} marks a path parameter, as in http.ServeMux
// patterns.
const (
	KSSRPUsername             = "/srp/username"
	KSSRPUsers                = "/srp/users"
	KSSRPChallenges           = "/srp/challenges"
	KSSRPSession              = "/srp/session"
	KSExternalAdmissionTokens = "/external_admission_tokens"
	KSKeyEncryptionKey        = "/key_encryption_key"
	KSDataEncryptionKeys      = "/data_encryption_keys"
	KSDataEncryptionKey       = "/data_encryption_keys/{id}"
	KSKeypairs                = "/keypairs"
	KSKeypair                 = "/keypairs/{id}"
	KSKeypairByExternalID     = "/keypairs/external_id/{external_id}"
	KSSession                 = "/session"
)

// Vault paths.
const (
	VMe                  = "/me"
	VSession             = "/session"
	VItemTemplates       = "/item_templates"
	VItemTemplate        = "/item_templates/{id}"
	VItems               = "/items"
	VItem                = "/items/{id}"
	VItemShares          = "/items/{id}/shares"
	VItemEncrypt         = "/items/{id}/encrypt"
	VSlot                = "/slots/{id}"
	VClassificationNodes = "/classification_nodes"
	VInvitations         = "/invitations"
	VInvitation          = "/invitations/{id}"
	VConnections         = "/connections"
	VConnection          = "/connections/{id}"
	VIncomingShares      = "/incoming_shares"
	VIncomingShare       = "/incoming_shares/{id}"
	VIncomingShareItem   = "/incoming_shares/{id}/item"
	VIncomingShareAccept = "/incoming_shares/{id}/accept"
	VOutgoingShares      = "/outgoing_shares"
	VOutgoingShare       = "/outgoing_shares/{id}"
	VShares              = "/shares"
	VShare               = "/shares/{id}"
	VClientTaskQueue     = "/client_task_queue"
)

// Request headers.
const (
	HeaderAuthorization   = "Authorization"
	HeaderSubscriptionKey = "Meeco-Subscription-Key"
	HeaderDelegationID    = "Meeco-Delegation-Id"
	HeaderOrganisationID  = "Meeco-Organisation-Id"
)

// DefaultPerPage is the page size when per_page is not given.
const DefaultPerPage = 200

// KeypairAuthExternalID is the external identifier of a user's Vault login
// keypair in the Keystore (GET /keypairs/external_id/auth).
const KeypairAuthExternalID = "auth"
