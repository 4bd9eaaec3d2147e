# On-sharing a received item: the HCL twin of features/onsharing.feature.

description = <<-EOT
  The owner of an item may allow its recipient to share it on. Bob re-encrypts the values he holds
  under a fresh key for Jane; the Vault records Alice as owner and Bob as sender, and refuses an
  on-share of an on-share.
EOT

user "alice" { pronoun = "she" }
user "bob" { pronoun = "he" }
user "jane" { pronoun = "she" }

connection "alice_bob" {
  from = user.alice
  to   = user.bob
}
connection "bob_jane" {
  from = user.bob
  to   = user.jane
}

item "car" {
  owner    = user.alice
  template = "vehicle"
  label    = "My Car"
  slots = {
    licence_plate = "ABC-123"
    vin           = "5YJ3E1EA7KF317000"
  }
}

scenario "Alice allows on-sharing, Bob shares the car with Jane" {
  requirements = ["ONSHARE-PERMIT-01", "SHARE-VERIFY-02"]
  share "car_to_bob" {
    item      = item.car
    to        = user.bob
    onsharing = true
  }
  share "car_to_jane" {
    from_share = share.car_to_bob
    to         = user.jane
  }
  expect "jane_reads" {
    share = share.car_to_jane
    values = {
      licence_plate = "ABC-123"
      vin           = "5YJ3E1EA7KF317000"
    }
    owner_and_sender = true
    hashes_verify    = true
  }
}

scenario "Without permission Bob cannot share it on" {
  requirements = ["ONSHARE-PERMIT-01:neg"]
  share "car_to_bob" {
    item = item.car
    to   = user.bob
  }
  share "car_to_jane" {
    from_share = share.car_to_bob
    to         = user.jane
    refused    = true
  }
}

scenario "Jane cannot share it further" {
  requirements = ["ONSHARE-DEPTH-01:neg"]
  connection "jane_alice" {
    from = user.jane
    to   = user.alice
  }
  share "car_to_bob" {
    item      = item.car
    to        = user.bob
    onsharing = true
  }
  share "car_to_jane" {
    from_share = share.car_to_bob
    to         = user.jane
  }
  share "back_to_alice" {
    from_share = share.car_to_jane
    to         = user.alice
    refused    = true
  }
}
