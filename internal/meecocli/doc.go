// Package meecocli reads and writes the YAML files of Meeco's `meeco`
// command line (packages/cli of Meeco/js-sdk), so that files made by
// Meeco's CLI and by vaultcheck's cmd/meeco are interchangeable.
//
// Every file is a YAML document {kind, metadata, spec} (protocol.md §4).
// Reading is strict about what a command needs and lenient about the rest:
// a file must have the expected kind and the fields the command uses, and
// every problem is a *FileError that names the file, the line where known,
// and the field ("share.yaml: spec.connection_id: missing"), never a value,
// since these files hold tokens and keys. Unknown keys are ignored, as
// Meeco's CLI ignores them.
//
// Writing builds yaml.Node trees whose keys come in the order Meeco's CLI
// prints them: API records in the order the API sends their fields (the
// order of the internal/meeco structs), the auth file's metadata sorted
// alphabetically, and the SDK objects (AuthConfig, DecryptedItem, decrypted
// slots) in the order the SDK's JavaScript creates their properties. Encode
// prints them with two-space indentation and block sequences indented under
// their key, as the `yaml` npm package does.
package meecocli
