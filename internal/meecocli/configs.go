package meecocli

import (
	"fmt"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
	"go.yaml.in/yaml/v3"
)

// The kinds of Meeco CLI files.
const (
	KindAuthentication = "Authentication"
	KindConnection     = "Connection"
	KindShare          = "Share"
	KindShares         = "Shares"
	KindItem           = "Item"
	KindItems          = "Items"
	KindTemplate       = "Template"
	KindTemplates      = "Templates"
	KindUserData       = "UserData"
)

// Service is one service of an environment file.
type Service struct {
	URL             string
	SubscriptionKey string
}

// Environment is a .environment.yaml: the Vault's and the Keystore's URLs
// and subscription keys. It has no kind.
type Environment struct {
	Vault    Service
	Keystore Service
}

// ReadEnvironment reads an environment file. Both url fields are required;
// subscription_key may be absent (sent empty, as the SDK does).
func ReadEnvironment(path string) (*Environment, error) {
	d, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	var env Environment
	for _, s := range []struct {
		key string
		out *Service
	}{{"vault", &env.Vault}, {"keystore", &env.Keystore}} {
		f := d.Field(s.key)
		if err := f.Map(); err != nil {
			return nil, err
		}
		if s.out.URL, err = f.Get("url").String(); err != nil {
			return nil, err
		}
		if s.out.SubscriptionKey, _, err = f.Get("subscription_key").OptString(); err != nil {
			return nil, err
		}
	}
	return &env, nil
}

// authKeys are the auth-file metadata fields every command needs, in the
// order they are checked.
var authKeys = []string{
	client.MetaSecret, client.MetaVaultAccessToken, client.MetaKeystoreAccessToken,
	client.MetaPassphraseDerivedKey, client.MetaKeyEncryptionKey, client.MetaDataEncryptionKey,
}

// AuthFromField imports the auth metadata held by f: the metadata of an
// Authentication file, or spec.from / spec.to of a connection or share
// config. The six fields of the SDK's AuthConfig are required; the keys must
// be padded URL-safe base64 of 32 bytes and the secret a Meeco secret.
// delegation_id is dropped, as Meeco's CLI drops it unless --delegationId
// is given (which this package does not support).
func AuthFromField(f Field) (*client.AuthData, error) {
	if err := f.Map(); err != nil {
		return nil, err
	}
	m := make(map[string]string, len(authKeys))
	for _, k := range authKeys {
		s, err := f.Get(k).String()
		if err != nil {
			return nil, err
		}
		m[k] = s
	}
	for _, k := range []string{client.MetaPassphraseDerivedKey, client.MetaKeyEncryptionKey, client.MetaDataEncryptionKey} {
		if _, err := cryppo.SymmetricKeyFromBase64(m[k]); err != nil {
			return nil, f.Get(k).Err(ErrInvalid, "not a padded URL-safe base64 32-byte key")
		}
	}
	if _, err := vaultkeys.ParseSecret(m[client.MetaSecret]); err != nil {
		// vaultkeys errors never quote the secret.
		return nil, f.Get(client.MetaSecret).Err(ErrInvalid, "not a Meeco secret (%v)", err)
	}
	auth, err := client.AuthDataFromMetadata(m)
	if err != nil {
		// Unreachable after the checks above; kept so that a stricter
		// client is reported rather than ignored. Its errors name fields only.
		return nil, f.Err(ErrInvalid, "%v", err)
	}
	auth.DelegationID = ""
	return auth, nil
}

// ReadAuth reads an Authentication file (the output of users:create or
// users:login).
func ReadAuth(path string) (*client.AuthData, error) {
	d, err := readKind(path, KindAuthentication)
	if err != nil {
		return nil, err
	}
	return AuthFromField(d.Field("metadata"))
}

// ReadSecret reads only metadata.secret of an Authentication file, which
// is all users:login needs: the tokens and keys in it may be stale.
func ReadSecret(path string) (vaultkeys.Secret, error) {
	d, err := readKind(path, KindAuthentication)
	if err != nil {
		return vaultkeys.Secret{}, err
	}
	md := d.Field("metadata")
	if err := md.Map(); err != nil {
		return vaultkeys.Secret{}, err
	}
	f := md.Get(client.MetaSecret)
	s, err := f.String()
	if err != nil {
		return vaultkeys.Secret{}, err
	}
	secret, err := vaultkeys.ParseSecret(s)
	if err != nil {
		return vaultkeys.Secret{}, f.Err(ErrInvalid, "not a Meeco secret (%v)", err)
	}
	return secret, nil
}

// ConnectionConfig is the input of connections:create (the output of
// connections:create-config, edited): both users' auth data and the names
// they give each other.
type ConnectionConfig struct {
	From, To *client.AuthData
	// FromName is the name the to-user stores for the from-user, ToName the
	// name the from-user stores for the to-user; empty when not set.
	FromName, ToName string
	// Metadata is the file's metadata mapping, copied into the output of
	// connections:create as Meeco's CLI copies it; nil when absent.
	Metadata *yaml.Node
}

// ReadConnectionConfig reads a connection config.
func ReadConnectionConfig(path string) (*ConnectionConfig, error) {
	d, spec, err := readSpec(path, KindConnection)
	if err != nil {
		return nil, err
	}
	if !spec.Get("from").Present() && spec.Get("from_user_connection_id").Present() {
		return nil, spec.Get("from").Err(ErrMissing,
			"missing: this is a created connection (the output of connections:create); connections:create wants the output of connections:create-config")
	}
	var c ConnectionConfig
	if c.From, err = AuthFromField(spec.Get("from")); err != nil {
		return nil, err
	}
	if c.To, err = AuthFromField(spec.Get("to")); err != nil {
		return nil, err
	}
	md := d.Field("metadata")
	if md.Present() {
		if err := md.Map(); err != nil {
			return nil, err
		}
		c.Metadata = md.Node()
		if c.FromName, _, err = md.Get("fromName").OptString(); err != nil {
			return nil, err
		}
		if c.ToName, _, err = md.Get("toName").OptString(); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// CreatedConnection is the output of connections:create, read by
// shares:create-config.
type CreatedConnection struct {
	InvitationID         string
	FromUserConnectionID string
	ToUserConnectionID   string
}

// ReadCreatedConnection reads a created-connection file. Only
// spec.from_user_connection_id is required, as it is all Meeco's CLI uses.
func ReadCreatedConnection(path string) (*CreatedConnection, error) {
	_, spec, err := readSpec(path, KindConnection)
	if err != nil {
		return nil, err
	}
	var c CreatedConnection
	f := spec.Get("from_user_connection_id")
	if !f.Present() && spec.Get("from").Present() {
		return nil, f.Err(ErrMissing,
			"missing: this is a connection config (the output of connections:create-config); give the output of connections:create")
	}
	if c.FromUserConnectionID, err = f.String(); err != nil {
		return nil, err
	}
	if c.InvitationID, _, err = spec.Get("invitation_id").OptString(); err != nil {
		return nil, err
	}
	if c.ToUserConnectionID, _, err = spec.Get("to_user_connection_id").OptString(); err != nil {
		return nil, err
	}
	return &c, nil
}

// ShareConfig is the input of shares:create (the output of
// shares:create-config).
type ShareConfig struct {
	From         *client.AuthData
	ItemID       string
	SlotID       string // empty: share the whole item
	ConnectionID string
}

// ReadShareConfig reads a share config.
func ReadShareConfig(path string) (*ShareConfig, error) {
	_, spec, err := readSpec(path, KindShare)
	if err != nil {
		return nil, err
	}
	var c ShareConfig
	if c.ItemID, err = spec.Get("item_id").String(); err != nil {
		return nil, err
	}
	if c.ConnectionID, err = spec.Get("connection_id").String(); err != nil {
		return nil, err
	}
	if c.SlotID, _, err = spec.Get("slot_id").OptString(); err != nil {
		return nil, err
	}
	if c.From, err = AuthFromField(spec.Get("from")); err != nil {
		return nil, err
	}
	return &c, nil
}

// ItemConfig is the input of items:create (the output of
// items:create-config, filled in).
type ItemConfig struct {
	TemplateName string
	Label        string
	Slots        []client.NewSlot
}

// ReadItemConfig reads an item config. metadata.template_name is required
// (the old key metadata.template is refused, as Meeco's CLI refuses it);
// every slot needs a name or a label; a value may be any YAML scalar and
// is taken as written.
func ReadItemConfig(path string) (*ItemConfig, error) {
	d, err := readKind(path, KindItem)
	if err != nil {
		return nil, err
	}
	md := d.Field("metadata")
	if md.Get("template").Present() && !md.Get("template_name").Present() {
		return nil, md.Get("template").Err(ErrInvalid, "no longer supported, use template_name")
	}
	if err := md.Map(); err != nil {
		return nil, err
	}
	var c ItemConfig
	if c.TemplateName, err = md.Get("template_name").String(); err != nil {
		return nil, err
	}
	spec := d.Field("spec")
	if err := spec.Map(); err != nil {
		return nil, err
	}
	if c.Label, _, err = spec.Get("label").OptString(); err != nil {
		return nil, err
	}
	if !spec.Get("slots").Present() {
		return &c, nil
	}
	slots, err := spec.Get("slots").List()
	if err != nil {
		return nil, err
	}
	for _, sf := range slots {
		if err := sf.Map(); err != nil {
			return nil, err
		}
		var s client.NewSlot
		if s.Name, _, err = sf.Get("name").OptString(); err != nil {
			return nil, err
		}
		if s.Label, _, err = sf.Get("label").OptString(); err != nil {
			return nil, err
		}
		if s.Name == "" && s.Label == "" {
			return nil, sf.Err(ErrMissing, "needs a name or a label")
		}
		if s.Value, _, err = sf.Get("value").OptString(); err != nil {
			return nil, err
		}
		var typ string
		if typ, _, err = sf.Get("slot_type_name").OptString(); err != nil {
			return nil, err
		}
		s.Type = meeco.SlotType(typ)
		c.Slots = append(c.Slots, s)
	}
	return &c, nil
}

// ItemSlotRef is a slot of an item file: its id and name.
type ItemSlotRef struct {
	ID, Name string
}

// ItemRef is an item as items:create or items:get print it, read by
// shares:create-config: the item's id and its slots' ids and names.
type ItemRef struct {
	ID    string
	Slots []ItemSlotRef
	doc   *Doc
}

// ReadItemFile reads an item file.
func ReadItemFile(path string) (*ItemRef, error) {
	d, spec, err := readSpec(path, KindItem)
	if err != nil {
		return nil, err
	}
	it := &ItemRef{doc: d}
	if it.ID, err = spec.Get("id").String(); err != nil {
		return nil, err
	}
	if !spec.Get("slots").Present() {
		return it, nil
	}
	slots, err := spec.Get("slots").List()
	if err != nil {
		return nil, err
	}
	for _, sf := range slots {
		if err := sf.Map(); err != nil {
			return nil, err
		}
		var s ItemSlotRef
		if s.ID, _, err = sf.Get("id").OptString(); err != nil {
			return nil, err
		}
		if s.Name, _, err = sf.Get("name").OptString(); err != nil {
			return nil, err
		}
		it.Slots = append(it.Slots, s)
	}
	return it, nil
}

// SlotID returns the id of the slot named name, or a FileError naming the
// file when the item has no such slot (or the slot has no id).
func (it *ItemRef) SlotID(name string) (string, error) {
	for _, s := range it.Slots {
		if s.Name == name && s.ID != "" {
			return s.ID, nil
		}
	}
	return "", &FileError{File: it.doc.File, Field: "spec.slots", Err: ErrMissing,
		Detail: fmt.Sprintf("no slot named %q on the item", name)}
}

// readKind reads a config file and checks its kind.
func readKind(path, kind string) (*Doc, error) {
	d, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := d.ExpectKind(kind); err != nil {
		return nil, err
	}
	return d, nil
}

// readSpec reads a config file of a kind and returns its spec, which must
// be a map.
func readSpec(path, kind string) (*Doc, Field, error) {
	d, err := readKind(path, kind)
	if err != nil {
		return nil, Field{}, err
	}
	spec := d.Field("spec")
	if err := spec.Map(); err != nil {
		return nil, Field{}, err
	}
	return d, spec, nil
}
