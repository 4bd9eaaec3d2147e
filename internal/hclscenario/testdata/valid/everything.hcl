# Every block and attribute of the language at least once; the default
# pronoun (they) on purpose.
description = "Every attribute of the language, compiled."
tags        = ["all", "@language"]

variable "password" {
  default     = "supersecretpassword"
  description = "A password for Dana."
}

user "alice" {
  pronoun = "she"
}
user "bob" {}
user "dana" {
  name     = "Dana"
  password = var.password
}
user "guest" {
  count   = 2
  pronoun = "he"
}

connection "alice_bob" {
  from   = user.alice
  to     = user.bob
  invite = true
}

item "car" {
  owner    = user.alice
  template = "vehicle"
  label    = "My Car"
  slots = {
    model_make    = "Tesla Model 3"
    licence_plate = "ABC-123"
    vin           = "5YJ3E1EA7KF317000"
  }
}

share "insured" {
  item      = item.car
  to        = user.bob
  slot      = "vin"
  terms     = "Use only to insure the car"
  onsharing = true
}

accept "bob_agrees" {
  share = share.insured
  user  = user.bob
}

scenario "Everything a share can go through" {
  description = <<-EOT
    Bob received the VIN with terms and accepted them in the Background.
    He passes it on to Dana; then Alice changes the car and re-keys.
  EOT
  tags = ["share"]

  connection "bob_dana" {
    from = user.bob
    to   = [user.dana]
  }
  connection "dana_alice" {
    from = user.dana
    to   = user.alice
  }
  share "vin_to_dana" {
    from_share = share.insured
    to         = user.dana
  }
  share "dana_further" {
    from_share = share.vin_to_dana
    to         = user.alice
    refused    = true
  }
  expect "dana_reads" {
    share                    = share.vin_to_dana
    values                   = { vin = "5YJ3E1EA7KF317000" }
    owner_and_sender         = true
    no_values_for            = ["model_make", "licence_plate"]
    ledger_records_share_key = true
  }
  expect "bob_reads" {
    user        = user.bob
    share       = share.insured
    status      = "accepted"
    terms_shown = true
    dek_form    = "Rsa4096.<...>.QQUAAAAA"
  }
  update "new_vin" {
    item  = item.car
    slots = { vin = "1HGCM82633A004352" }
  }
  expect "task" {
    item                  = item.car
    rekey_task            = true
    stored_encrypted      = true
    no_plaintext_in_vault = true
  }
  update "rekey" {
    item  = item.car
    rekey = true
  }
  expect "rekeyed" {
    share                              = share.insured
    key_opens_only_for_recipient       = true
    values_decrypt_only_with_share_key = true
    hashes_verify                      = true
    tamper_rejected                    = true
  }
  expect "alice_sees" {
    user   = user.alice
    item   = item.car
    values = { vin = "1HGCM82633A004352" }
  }
  delete "dana_drops" {
    share = share.vin_to_dana
    by    = user.dana
  }
  expect "gone" {
    user  = user.dana
    gone  = share.vin_to_dana
    after = delete.dana_drops
  }
}

scenario "Everything a user can be checked for" {
  item "van" {
    owner    = user.guest[0]
    template = "vehicle"
    label    = "Van"
    slots    = { vin = "V" }
  }
  connection "guests" {
    from = user.guest[0]
    to   = user.guest[1]
  }
  share "van_with_terms" {
    item  = item.van
    to    = user.guest[1]
    terms = "Look only"
  }
  expect "locked" {
    share                 = share.van_with_terms
    locked_until_accepted = true
    status                = "acceptance_required"
  }
  expect "outsiders" {
    user            = [user.bob, user.dana]
    cannot_read     = share.van_with_terms
    cannot_delete   = share.van_with_terms
    cannot_update   = item.van
  }
  expect "counts" {
    user            = user.bob
    incoming_shares = 1
    outgoing_shares = 0
  }
  expect "dana_counts" {
    user            = user.dana
    incoming_shares = 0
    outgoing_shares = 0
  }
  expect "no_deleting_the_van" {
    user          = user.alice
    cannot_delete = item.van
    connections   = 1
  }
  delete "bob_leaves" {
    connection = connection.alice_bob
    by         = user.bob
  }
  expect "crypto" {
    canonical_cryppo    = true
    keypairs_rsa4096    = true
    public_keys_pem     = true
    kek_tamper_rejected = true
    symmetric_format    = true
    wrapped_key_format  = true
    key_sizes           = true
    ledger_reverifies   = true
  }
  expect "one_slot" {
    share         = share.insured
    no_values_for = ["model_make"]
  }
}
