# Access control: the HCL twin of features/access_control.feature (the
# token scenarios have no HCL form: they are about requests, not about who
# holds what).

description = <<-EOT
  A Vault must never let a user read or change what is not theirs. Carol has no connection to Alice
  or Bob: she must not see Alice's item or the share to Bob.
EOT

user "alice" { pronoun = "she" }
user "bob" { pronoun = "he" }
user "carol" { pronoun = "she" }

connection "alice_bob" {
  from = user.alice
  to   = user.bob
}

item "car" {
  owner    = user.alice
  template = "vehicle"
  label    = "My Car"
  slots    = { vin = "5YJ3E1EA7KF317000" }
}

share "car_to_bob" {
  item = item.car
  to   = user.bob
}

scenario "A stranger cannot read the share" {
  requirements = ["READ-ACCESS-01:neg", "DELETE-SHARE-02:neg", "ACCESS-ITEM-01:neg"]
  expect "carol_locked_out" {
    user            = user.carol
    cannot_read     = share.car_to_bob
    cannot_delete   = share.car_to_bob
    incoming_shares = 0
  }
  expect "carol_cannot_read_the_item" {
    user        = user.carol
    cannot_read = item.car
  }
}

scenario "Bob can read the share but not Alice's own item" {
  requirements = ["READ-ITEM-01", "ACCESS-ITEM-01:neg"]
  expect "bob_reads_the_share" {
    share  = share.car_to_bob
    values = { vin = "5YJ3E1EA7KF317000" }
  }
  expect "but_not_the_item" {
    user        = user.bob
    cannot_read = item.car
  }
  expect "nor_change_it" {
    user          = user.bob
    cannot_update = item.car
  }
}
