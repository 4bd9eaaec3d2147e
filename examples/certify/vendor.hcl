# The declaration of vaultcheck's own fake Vault (vaultcheck serve), claiming
# both profiles. A vendor writes one like it for their product:
#   vaultcheck certify --declaration vendor.hcl --target https://vault.example.com
product {
  name    = "vaultcheck serve"
  version = "devel"
  vendor  = "vaultcheck"
  contact = "https://github.com/vaultcheck/vaultcheck"
}

# core: users and keys, SRP, sessions, the Keystore, items, connections and
# invitations, sharing and reading shares, deletion, access control, the
# Cryppo formats, server blindness, the error shape. extended: on-sharing,
# acceptance and terms, expiry, re-keying and client tasks, pagination.
# vaultcheck certify profiles lists every requirement of each.
profiles = ["core", "extended"]

# SHOULDs the product claims to meet: they become required.
capabilities = ["ACCESS-HIDE-01"]
