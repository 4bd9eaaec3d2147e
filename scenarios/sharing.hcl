# Sharing an item, as Meeco's Connections and Sharing guide tells it: the
# HCL twin of features/sharing.feature.

description = <<-EOT
  Alice has a car in her Vault. She connects to Bob and shares the car: her client makes a fresh
  data encryption key for the share, re-encrypts the slots with it, and wraps the key with Bob's
  public key for the connection. Only Bob's connection private key opens it.
EOT

variable "password" {
  default     = "supersecretpassword"
  description = "Bob's password, as in the guide's meeco users:create -p."
}

# Outside any scenario: the Background of every scenario below.
user "alice" { pronoun = "she" }

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

scenario "Alice shares her car with Bob and Bob reads it" {
  tags         = ["smoke", "guide"]
  requirements = ["SHARE-CREATE-01", "SHARE-DEK-01", "READ-ITEM-01", "READ-LIST-01", "DELETE-SHARE-01"]

  user "bob" {
    password = var.password
    pronoun  = "he"
  }
  connection "alice_bob" {
    from = user.alice
    to   = user.bob
  }
  share "car_to_bob" {
    item = item.car
    to   = user.bob
  }
  expect "wrapped_for_bob" {
    share    = share.car_to_bob
    dek_form = "Rsa4096.<...>.QQUAAAAA"
    status   = "acceptance_not_required"
  }
  expect "bob_reads" {
    share = share.car_to_bob
    values = {
      model_make    = "Tesla Model 3"
      licence_plate = "ABC-123"
      vin           = "5YJ3E1EA7KF317000"
    }
  }
  expect "lists" {
    user            = user.bob
    incoming_shares = 1
  }
  expect "alice_lists" {
    user            = user.alice
    outgoing_shares = 1
  }
  delete "alice_deletes" {
    share = share.car_to_bob
    by    = user.alice
  }
  expect "gone" {
    gone = share.car_to_bob
  }
}

scenario "The shared key opens with Bob's connection key and no other key" {
  requirements = ["SHARE-KEY-01", "SHARE-DEK-01"]
  user "bob" { pronoun = "he" }
  user "carol" { pronoun = "she" }
  connection "alice_friends" {
    from = user.alice
    to   = [user.bob, user.carol]
  }
  share "car_to_bob" {
    item = item.car
    to   = user.bob
  }
  expect "crypto" {
    share                              = share.car_to_bob
    key_opens_only_for_recipient       = true
    values_decrypt_only_with_share_key = true
  }
}

scenario "Sharing one slot shares nothing else" {
  requirements = ["SHARE-SLOT-01"]
  user "bob" { pronoun = "he" }
  connection "alice_bob" {
    from = user.alice
    to   = user.bob
  }
  share "vin_to_bob" {
    item = item.car
    to   = user.bob
    slot = "vin"
  }
  expect "bob_reads_vin" {
    share         = share.vin_to_bob
    values        = { vin = "5YJ3E1EA7KF317000" }
    no_values_for = ["model_make", "licence_plate"]
  }
}

scenario "Every shared value carries a verification hash that Bob checks" {
  requirements = ["SHARE-VERIFY-02", "CRYPPO-HMAC-01", "CRYPPO-HMAC-01:neg"]
  user "bob" { pronoun = "he" }
  connection "alice_bob" {
    from = user.alice
    to   = user.bob
  }
  share "car_to_bob" {
    item = item.car
    to   = user.bob
  }
  expect "hashes" {
    share           = share.car_to_bob
    hashes_verify   = true
    tamper_rejected = true
  }
}
