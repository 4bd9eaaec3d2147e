package requirements

// The catalogue. Statements say what a black-box harness can observe;
// sources cite docs/protocol.md by section or Meeco's js-sdk by file.

const (
	vk  = Vault | Keystore
	all = Vault | Keystore | Client
)

func must(id string, a Area, who Party, source, statement string) Requirement {
	return Requirement{ID: id, Statement: statement, Source: source, Who: who, Area: a, Level: Must}
}

func should(id string, a Area, who Party, source, statement string) Requirement {
	return Requirement{ID: id, Statement: statement, Source: source, Who: who, Area: a, Level: Should}
}

var catalogue = []Requirement{
	// Users and the key hierarchy.
	must("USER-SECRET-01", AreaUsers, Client, "§2.1",
		"The secret key is 1.<username>.<base58 of 32 random bytes in dash-separated groups of 6>, with the username issued by POST /srp/username."),
	must("KEYS-DERIVE-01", AreaUsers, Client, "§2.2",
		"PBKDF2-HMAC-SHA256 (100000 iterations, 32 bytes) of the UTF-8 password gives the passphrase-derived key (salt: the secret key without dashes) and the SRP password (salt: that reversed, fed to SRP as UTF-8 of its Latin-1 string)."),
	must("KEYS-KEK-01", AreaUsers, Client, "§2.4, §3.4 user create step 4",
		"The KEK is 32 random bytes stored in the Keystore as an Aes256Gcm string under the passphrase-derived key."),
	must("KEYS-DEK-01", AreaUsers, Client, "§2.4, §3.4 user create step 7",
		"The private DEK is 32 random bytes stored in the Keystore under the KEK, its Keystore id saved as the Vault user's private_dek_external_id."),
	must("KEYS-KEYPAIR-01", AreaUsers, Client, "§1.5, §2.4",
		"Keypairs are RSA-4096 with e=65537; the private PEM is stored in the Keystore as an Aes256Gcm string under the KEK."),
	must("KEYS-AUTHKP-01", AreaUsers, Client|Keystore, "§2.4, §3.4 login",
		"The Vault login keypair carries external_identifiers [\"auth\"] and GET /keypairs/external_id/auth returns it to its owner."),
	must("USER-ME-01", AreaUsers, Vault, "§3.2, §3.4 user create step 6",
		"POST /me consumes a one-time admission token issued by the Keystore: an unknown or already used token is refused with 401."),
	must("USER-ME-02", AreaUsers, Vault, "§3.4 user create step 7 and login",
		"PUT /me stores private_dek_external_id and GET /me returns it unchanged."),
	must("USER-PEM-01", AreaUsers, Vault, "§3.4 login, §7",
		"The Vault keeps the login public key exactly as registered (CRLF PEM) and POST /session with that exact string logs its user in."),

	// SRP.
	must("SRP-USERNAME-01", AreaSRP, Keystore, "§2.1, §3.1",
		"POST /srp/username returns a username that is neither registered nor handed out to someone else."),
	must("SRP-REGISTER-01", AreaSRP, Keystore, "§3.0 (the SDK relies on username_taken), §3.4 user create step 1",
		"POST /srp/users for a registered username is refused with 400 username_taken and the first verifier stays in place."),
	must("SRP-GROUP-01", AreaSRP, Keystore|Client, "§2.3, RFC 5054 §2.5.4",
		"SRP uses jsrp's parameters: RFC 5054 2048-bit group, g=2, SHA-256, k=H(PAD(N)|PAD(g)); A and B travel as 512 lowercase hex characters, and the Keystore refuses an A ≡ 0 (mod N)."),
	must("SRP-SALT-01", AreaSRP, Keystore, "§2.3, §3.1",
		"POST /srp/challenges answers with the salt registered for the user, so that the right password yields a proof the Keystore accepts."),
	must("SRP-PROOF-01", AreaSRP, Keystore, "§2.3, §3.0",
		"The Keystore accepts only the proof M1 = H(A|B|K) of the exchange and answers any other with 401."),
	must("SRP-REPLAY-01", AreaSRP, Keystore, "§2.3 (SRP-6a: b is used once)",
		"A challenge is spent by its POST /srp/session: replaying the same A and M1 is refused with 401."),
	should("SRP-ENUM-01", AreaSRP, Keystore, "fakevault (UNCONFIRMED for Meeco's Keystore)",
		"An unknown username fails a login the way a wrong password does, so that usernames cannot be probed."),

	// Sessions.
	must("SESSION-WRAP-01", AreaSessions, Vault, "§2.4, §3.4 login",
		"The Vault session token is returned only as an Rsa4096 string encrypted to the public key of the login request, never in clear."),
	must("SESSION-OAEP-01", AreaSessions, Vault, "§1.5, §2.4",
		"The session token is wrapped with RSA-OAEP using SHA-1 for the hash and MGF1 (node-forge's RSA-OAEP), as the SDK decrypts it."),
	must("SESSION-LOGIN-01", AreaSessions, Vault, "§3.4 login",
		"POST /session with a public key nobody registered is refused with 401."),
	must("SESSION-EXPIRY-01", AreaSessions, Vault, "§3.2 valid_for, §6 (Vault v32)",
		"A Vault token past its life (valid_for, or the server's session length) is refused with 401."),
	must("SESSION-EXPIRY-02", AreaSessions, Keystore, "§3.1 valid_till",
		"A Keystore token past its valid_till is refused with 401."),
	must("SESSION-LOGOUT-01", AreaSessions, Vault, "§3.2 DELETE /session",
		"After DELETE /vault/session the token is refused with 401."),
	must("SESSION-LOGOUT-02", AreaSessions, Keystore, "§3.1 DELETE /session",
		"After DELETE /keystore/session the token is refused with 401."),
	must("SESSION-SCOPE-01", AreaSessions, vk, "§2.4, §3.0 (two services, two tokens)",
		"A Keystore token is not a Vault token nor the other way round: each service refuses the other's with 401."),

	// Keystore access.
	must("KS-ACCESS-01", AreaKeystore, Keystore, "§3.1",
		"GET /data_encryption_keys/{id} of another user's DEK answers 404."),
	must("KS-ACCESS-02", AreaKeystore, Keystore, "§3.1",
		"GET /keypairs/{id} of another user's keypair answers 404."),
	must("KS-ACCESS-03", AreaKeystore, Keystore, "§3.1, §3.4 login",
		"GET /keypairs/external_id/{id} searches only the caller's keypairs: never another user's auth keypair."),
	must("KS-ACCESS-04", AreaKeystore, Keystore, "§3.1",
		"GET /key_encryption_key returns the caller's own KEK, never another user's."),
	must("KS-KEK-01", AreaKeystore, Keystore, "§2.4 (one KEK per user), §3.1",
		"A user's KEK is never replaced: a second POST /key_encryption_key is refused and GET returns the first."),
	must("KS-STORE-01", AreaKeystore, Keystore, "§2.4, §3.1",
		"The Keystore returns every wrapped key (KEK, DEK, encrypted_serialized_key) and public key byte for byte as it was posted."),

	// Items.
	must("ITEM-VALUE-01", AreaItems, Vault, "§2.4, §3.2",
		"The Vault returns each slot's encrypted_value byte for byte as the owner stored it."),
	should("ITEM-TEMPLATE-01", AreaItems, Vault, "§3.2, §4 items:create-config",
		"An item template lists its slots in template order, and an item made from it has those slots, then the slots the request adds."),
	must("ITEM-UPDATE-01", AreaItems, Vault, "§3.2 PUT /items/{id}",
		"PUT /items/{id} with a slot's id replaces that slot's encrypted value."),
	must("ITEM-UPDATE-02", AreaItems, Vault, "§3.5",
		"PUT /items/{id} with a slot attribute without an id adds that slot to the item."),
	must("ITEM-UPDATE-03", AreaItems, Vault, "§4 items:update (_destroy), §3.2 DELETE /slots/{id}",
		"A slot destroyed with _destroy or DELETE /slots/{id} is gone from the item."),
	must("ITEM-OWN-01", AreaItems, Vault, "§3.3 Item",
		"An owner's item has own true and no original_id or share_id; a received copy has own false, original_id = share.item_id and share_id = the share."),
	must("ITEM-READONLY-01", AreaItems, Vault, "§3.5 roles, SDK share-service.ts updateSharedItem",
		"A recipient cannot change a received item: PUT /items/{id} on a copy is refused."),
	must("ITEM-DELETE-01", AreaItems, Vault, "§3.2 DELETE /items/{id}",
		"A deleted item and its slots answer 404 to their holder."),

	// Pagination.
	must("PAGE-CURSOR-01", AreaPagination, Vault, "§3.0 pagination, SDK util/paged.ts",
		"Following next_page_after from the first page returns every record of a list exactly once."),
	must("PAGE-PERPAGE-01", AreaPagination, Vault, "§3.0 pagination",
		"A page holds at most per_page records, and a list longer than per_page is cut into pages."),
	must("PAGE-END-01", AreaPagination, Vault, "§3.0 pagination, SDK util/paged.ts",
		"The page holding a list's last record has next_page_after null and meta.next_page_exists false."),

	// Connections.
	must("CONN-CREATE-01", AreaConnect, Vault, "§3.4 connect steps 2-4",
		"POST /connections makes one record per side: own holds that side's key, keypair id and name, the_other_user the peer's key, keypair id and user id."),
	must("CONN-PEM-01", AreaConnect, Vault, "§1.5, §3.4 connect step 4",
		"Connections return user_public_key byte for byte as posted (CRLF PEM): the SDK pairs the two sides by exact string comparison."),
	should("CONN-EXISTS-01", AreaConnect, Vault, "§3.5",
		"POST /connections between users already connected returns the existing connection with connection_existed_already true and makes none."),
	must("CONN-DELETE-01", AreaConnect, Vault, "§3.2 DELETE /connections/{id} (UNCONFIRMED: the other side's view)",
		"After either side deletes a connection, neither side lists it and neither can share over it."),
	must("CONN-ACCESS-01", AreaConnect, Vault, "§3.2",
		"GET /connections/{id} of another user's connection answers 404."),

	// Invitations.
	must("INV-TOKEN-01", AreaInvite, Vault, "§3.3 Invitation states",
		"An invitation connects once: its token is refused by POST /connections after it was used."),
	must("INV-EXPIRY-01", AreaInvite, Vault, "§3.2 expires_in, §3.3 state expired",
		"An invitation past its expiry cannot be accepted."),
	must("INV-SELF-01", AreaInvite, Vault, "§3.4 connect",
		"The sender of an invitation cannot accept it."),
	should("INV-VIEW-01", AreaInvite, Vault, "§3.3 Invitation",
		"Only the sender of an invitation sees its id and keypair_external_id."),
	must("INV-DELETE-01", AreaInvite, Vault, "§3.2 DELETE /invitations/{id}",
		"A withdrawn (deleted) invitation cannot be accepted."),

	// Sharing.
	must("SHARE-CREATE-01", AreaSharing, Vault, "§3.5",
		"POST /items/{id}/shares makes a share and a recipient copy whose slots carry exactly the slot values sent."),
	must("SHARE-DEK-01", AreaSharing, Vault, "§2.4, §3.4 share step 4",
		"A share keeps its encrypted_dek byte for byte and returns it to the recipient once the share is readable."),
	must("SHARE-DEK-02", AreaSharing, Vault, "§2.4",
		"Each share returns its own encrypted_dek, never the DEK of another share."),
	must("SHARE-KEY-01", AreaSharing, Vault, "§2.4, §3.5",
		"A share keeps the recipient connection's public_key and keypair_external_id, the id of the recipient's own Keystore keypair."),
	must("SHARE-VERIFY-01", AreaSharing, Vault, "§2.7, §3.5",
		"An owner's slot value without encrypted_value_verification_key or value_verification_hash is refused with 400."),
	must("SHARE-VERIFY-02", AreaSharing, Vault, "§2.7",
		"The recipient's copy carries each value's verification key and hash as the owner sent them."),
	must("SHARE-SLOT-01", AreaSharing, Vault, "§3.4 share, §3.5",
		"A share of one slot (slot_id) delivers that slot only: the recipient sees no other slot of the item."),
	must("SHARE-RECIPIENT-01", AreaSharing, Vault, "§3.5 (shares go to connections; UNCONFIRMED status)",
		"A share to a user the sender is not connected to is refused."),
	must("SHARE-TWICE-01", AreaSharing, Vault, "§3.5",
		"Sharing an item again to the same recipient makes no second copy; item_shared_via_another_share_id names the share holding it."),

	// Reading shares.
	must("READ-LIST-01", AreaReading, Vault, "§3.2",
		"GET /incoming_shares lists the shares addressed to the caller, and GET /outgoing_shares those the caller sent, and no others."),
	must("READ-ITEM-01", AreaReading, Vault, "§3.4 receive",
		"GET /incoming_shares/{id}/item returns the copy's slots encrypted under the DEK of the share in the same response."),
	must("READ-ACCESS-01", AreaReading, Vault, "§3.2",
		"A share not addressed to the caller answers 404 at /incoming_shares/{id} and its /item; one the caller did not send, 404 at /outgoing_shares/{id}."),
	should("READ-OWNER-01", AreaReading, Vault, "§6 (Vault v32: owner_id hidden on on-shares)",
		"A copy received through an on-share does not reveal the original owner's id."),

	// Acceptance and terms.
	must("ACCEPT-DEK-01", AreaAcceptance, Vault, "§3.5",
		"While a share waits for acceptance its encrypted_dek is null; it appears after PUT /incoming_shares/{id}/accept."),
	must("ACCEPT-STATE-01", AreaAcceptance, Vault, "§3.3 Share, §3.4 accept",
		"PUT /incoming_shares/{id}/accept by the recipient moves the share to accepted; nobody else can accept it."),
	must("ACCEPT-TERMS-01", AreaAcceptance, Vault, "§3.4 accept, §4 shares:create --terms",
		"A share's terms reach the recipient as the sender wrote them."),

	// On-sharing.
	must("ONSHARE-PERMIT-01", AreaOnSharing, Vault, "§3.5",
		"On-sharing a received item is refused with 403 unless its share has onsharing_permitted true."),
	must("ONSHARE-DEPTH-01", AreaOnSharing, Vault, "§3.5",
		"A non-owner's on-share never permits on-sharing, so a copy received through an on-share cannot be shared further."),
	must("ONSHARE-OWNERONLY-01", AreaOnSharing, Vault, "§3.5",
		"Only the item's owner may set onsharing_permitted true, at creation or with PUT /shares."),
	must("ONSHARE-HASH-01", AreaOnSharing, Vault, "§2.7, §3.5",
		"A non-owner's on-share with a value_verification_hash is refused with 400; the new copy keeps the owner's hash."),
	must("ONSHARE-REVOKE-01", AreaOnSharing, Vault, "§3.5",
		"Turning a share's onsharing_permitted from true to false deletes the on-shares made from it."),
	must("ONSHARE-ITEMID-01", AreaOnSharing, Vault, "§3.5",
		"An on-share's item_id is the owner's item id, so the owner lists it at GET /items/{id}/shares and re-keys it."),

	// Expiry.
	must("SHARE-EXPIRY-01", AreaExpiry, Vault, "§3.2 PostShare expires_at, §4 shares:create -d",
		"After its expires_at a share, its item and the copy it delivered answer 404 to the recipient, and GET /items no longer lists the copy."),
	must("SHARE-EXPIRY-02", AreaExpiry, Vault, "§3.2",
		"An expired share is no longer listed in the recipient's GET /incoming_shares."),
	must("SHARE-EXPIRY-03", AreaExpiry, Vault, "§3.3 Share",
		"A share's expires_at is kept and returned to sender and recipient as it was set."),
	should("SHARE-EXPIRY-04", AreaExpiry, Vault, "fakevault (UNCONFIRMED)",
		"An on-share cannot expire later than the share its item was received by."),

	// Deletion.
	must("DELETE-SHARE-01", AreaDeletion, Vault, "§3.5",
		"After the sender deletes a share, the recipient's share and copy answer 404 and the copy is gone from GET /items."),
	must("DELETE-SHARE-02", AreaDeletion, Vault, "§3.5",
		"The recipient may delete a share addressed to it; a user who is neither sender, owner nor recipient gets 404."),
	must("DELETE-ITEM-01", AreaDeletion, Vault, "§3.5",
		"Deleting an owner's item deletes every share of it, on-shares included, and every recipient's copy."),
	must("DELETE-ITEM-02", AreaDeletion, Vault, "§3.5",
		"Deleting a received item deletes the share that delivered it."),
	should("DELETE-CASCADE-01", AreaDeletion, Vault, "§3.5 (UNCONFIRMED: fakevault model)",
		"Deleting a share deletes the on-shares made from the copy it delivered."),

	// Re-keying and client tasks.
	must("REKEY-PUT-01", AreaRekey, Vault, "§3.2, §3.4 update shares",
		"PUT /items/{id}/shares replaces each named share's encrypted_dek and values: the recipient then reads the new values with the new DEK."),
	must("REKEY-PUT-02", AreaRekey, Vault, "§3.4 update shares",
		"A re-keyed value for a slot added after sharing adds that slot to the recipient's copy."),
	must("REKEY-SCOPE-01", AreaRekey, Vault, "§3.4 update shares (UNCONFIRMED: fakevault model)",
		"Re-keying a one-slot share never delivers another slot, even when the SDK sends values for every slot."),
	must("REKEY-OWNER-01", AreaRekey, Vault, "§3.4 update shares (GET /items/{id} must be own)",
		"Only the item's owner may PUT /items/{id}/shares."),
	must("REKEY-LIST-01", AreaRekey, Vault, "§3.4 update shares, §3.5",
		"GET /items/{id}/shares lists every share of the owner's item, on-shares included, with each share's public_key."),
	must("TASK-QUEUE-01", AreaRekey, Vault, "§3.5",
		"Changing the slots of a shared item queues an update_item_shares client task for the owner, target_id the item's id."),
	must("TASK-LIST-01", AreaRekey, Vault, "SDK client-task-queue-service.ts, CLI client-task-queue/run-batch.ts",
		"GET /client_task_queue?change_state=true answers with the tasks as they were (todo) and moves them to in_progress."),
	must("TASK-UPDATE-01", AreaRekey, Vault, "§3.2 PUT /client_task_queue",
		"PUT /client_task_queue (or client_tasks in PUT /items/{id}/shares) sets each task's state as asked."),

	// Access control.
	must("ACCESS-AUTH-01", AreaAccess, vk, "§3.0 auth headers",
		"Every authenticated route refuses a missing, malformed or unknown token with 401."),
	must("ACCESS-ITEM-01", AreaAccess, Vault, "§3.2",
		"Another user's item or slot answers 404 to GET, PUT and DELETE, and stays unchanged."),
	must("ACCESS-TASK-01", AreaAccess, Vault, "§3.2",
		"A user can neither list nor change another user's client tasks."),
	should("ACCESS-HIDE-01", AreaAccess, vk, "fakevault (UNCONFIRMED for Meeco's services)",
		"Objects of other users answer 404, not 403, so as not to reveal that they exist."),

	// Cryppo formats.
	must("CRYPPO-B64-01", AreaCryppo, all, "§1.2",
		"Every part of a Cryppo string is base64 with its = padding kept."),
	must("CRYPPO-B64-02", AreaCryppo, all, "§1.2",
		"Every part of a Cryppo string uses the URL-safe alphabet (- and _, never + or /)."),
	must("CRYPPO-ART-01", AreaCryppo, Client, "§1.3, §1.4",
		"AES artifacts are the version byte 'A' and a BSON document of iv (12 bytes), at (16-byte tag) and ad \"none\", in that order; \"none\" is also the GCM additional data."),
	must("CRYPPO-VERSION-01", AreaCryppo, all, "§1.3",
		"Artifact blocks start with version byte 'A' (encryption) or 'K' (derivation)."),
	must("CRYPPO-OAEP-01", AreaCryppo, Client|Vault, "§1.5",
		"Rsa4096 strings are RSA-OAEP with SHA-1 and MGF1-SHA-1, empty label, 512-byte ciphertext, artifacts QQUAAAAA."),
	must("CRYPPO-PEM-01", AreaCryppo, all, "§1.5",
		"Public keys are SPKI PEM, private keys PKCS#1 PEM, 64-character lines with CRLF endings, and travel unchanged."),
	must("CRYPPO-HMAC-01", AreaCryppo, Client, "§1.8",
		"value_verification_hash is the lowercase hex HMAC-SHA256 under the 64-byte verification key, over the bytes node-forge packs."),
	must("CRYPPO-VERBATIM-01", AreaCryppo, vk, "§3.0, §3.5",
		"The services return every Cryppo string byte for byte as they received it: they never re-encode one."),
	must("CRYPPO-STRATEGY-01", AreaCryppo, Vault, "§3.5 (the Vault validates encrypted_value)",
		"The Vault refuses with 400 an encrypted field that is not a Cryppo string of its strategy (Aes256Gcm values, Rsa encrypted_dek)."),

	// Server blindness.
	must("BLIND-PLAIN-01", AreaBlindness, Client, "§2.4",
		"No request carries a slot value, a connection name or a share DEK in clear: each is a Cryppo string."),
	must("BLIND-KEYS-01", AreaBlindness, Client, "§2.4, §2.5",
		"No request carries the password, the secret key, the passphrase-derived key, the KEK, a DEK or a private key in clear."),
	should("BLIND-LOG-01", AreaBlindness, vk, "§2.4 (the services hold only ciphertext); checkable on the fake",
		"The services keep no token, key or ciphertext in their logs."),

	// Error shape.
	must("ERR-SHAPE-01", AreaErrors, vk, "§3.0 errors",
		"Every error answer is {\"errors\":[{error, http_code, message, ...}]} with http_code equal to the status."),
	must("ERR-STATUS-01", AreaErrors, vk, "§3.0 errors",
		"A failed login answers 401 and a missing share or keypair 404, the statuses the SDK acts on."),
	should("ERR-ATOMIC-01", AreaErrors, vk, "house rule; §3.5 (one request, one change)",
		"A refused request changes nothing."),
	should("ERR-LEAK-01", AreaErrors, vk, "§2.4",
		"Error messages never quote a token, a key or a ciphertext from the request."),
}
