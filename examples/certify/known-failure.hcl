# The same product, declaring that it fails one optional requirement: a copy
# received through an on-share shows the original owner's id (READ-OWNER-01,
# a SHOULD of core). Certified against `vaultcheck serve --fault
# onshare-shows-owner`, which has that bug; refused as an unexpected pass
# against a fake without it, until the declaration is updated.
#
# A known failure needs a reason and a tracking link, and only optional
# requirements can be declared: a MUST declared here refuses the
# certification before anything runs.
product {
  name    = "vaultcheck serve"
  version = "devel"
  vendor  = "vaultcheck"
  contact = "https://github.com/vaultcheck/vaultcheck"
}

profiles = ["core", "extended"]

known_failure "READ-OWNER-01" {
  reason   = "on-shared copies carry owner_id until the Vault v32 change is adopted"
  tracking = "https://github.com/vaultcheck/vaultcheck/issues/12"
}
