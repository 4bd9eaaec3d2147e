// Package meeco is the wire contract of Meeco's Vault and Keystore APIs as
// vaultcheck speaks them: request and response bodies, models, route paths,
// and the one table of error kinds to HTTP statuses that the fake Vault
// writes and the client reads.
//
// Conventions, as the real services use them (protocol.md §3.0): JSON bodies
// with snake_case names; every object is wrapped in an envelope named after
// it ({"item": …}, {"shares": […]}); ids and times are strings, times in
// ISO-8601 UTC with milliseconds exactly as JavaScript's toISOString writes
// them (see FormatTime); fields the API leaves undefined are omitted, while
// fields it sends as null (share.encrypted_dek while acceptance is pending,
// item.share_id on an owner's item, …) are pointers without omitempty so
// that they stay present as null.
//
// Every encrypted field is an opaque Cryppo string; this package never
// interprets one.
package meeco
