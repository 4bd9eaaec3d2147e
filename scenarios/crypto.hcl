# Every crypto step, checked: the HCL twin of features/crypto.feature.

user "alice" { pronoun = "she" }
user "bob" { pronoun = "he" }

connection "alice_bob" {
  from = user.alice
  to   = user.bob
}

item "car" {
  owner    = user.alice
  template = "vehicle"
  label    = "My Car"
  slots = {
    model_make = "Tesla Model 3"
    vin        = "5YJ3E1EA7KF317000"
  }
}

share "car_to_bob" {
  item = item.car
  to   = user.bob
}

scenario "Every encrypted field on the wire is a well-formed Cryppo string" {
  requirements = ["CRYPPO-B64-01", "CRYPPO-B64-02", "CRYPPO-ART-01", "CRYPPO-VERSION-01", "CRYPPO-OAEP-01", "CRYPPO-VERBATIM-01"]
  expect "formats" {
    canonical_cryppo   = true
    symmetric_format   = true
    wrapped_key_format = true
  }
}

scenario "Keys have the sizes and shapes Meeco uses" {
  requirements = ["KEYS-KEYPAIR-01", "KEYS-KEK-01", "KEYS-DEK-01", "CRYPPO-PEM-01"]
  expect "keys" {
    keypairs_rsa4096 = true
    key_sizes        = true
  }
  expect "pem" {
    user            = user.alice
    public_keys_pem = true
  }
}

scenario "Tampering is detected" {
  requirements = ["KEYS-KEK-01:neg", "CRYPPO-ART-01:neg"]
  expect "share" {
    share           = share.car_to_bob
    tamper_rejected = true
  }
  expect "kek" {
    user                = user.alice
    kek_tamper_rejected = true
  }
}

scenario "The crypto ledger re-verifies" {
  requirements = ["READ-ITEM-01", "SHARE-DEK-01"]
  expect "bob_reads" {
    share                    = share.car_to_bob
    values                   = { vin = "5YJ3E1EA7KF317000" }
    ledger_records_share_key = true
  }
  expect "ledger" {
    ledger_reverifies = true
  }
}
