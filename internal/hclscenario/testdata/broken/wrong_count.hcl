user "alice" {}
user "bob" {}
user "jane" {}
connection "c" {
  from = user.alice
  to   = [user.bob, user.jane]
}
item "car" {
  owner    = user.alice
  template = "vehicle"
  slots    = { vin = "V" }
}
share "car_to_bob" {
  item = item.car
  to   = user.bob
}
scenario "counts that a correct Vault would not give" {
  share "car_to_jane" {
    item = item.car
    to   = user.jane
  }
  expect "alice" {
    user            = user.alice
    outgoing_shares = 1
  }
  expect "bob" {
    user            = user.bob
    incoming_shares = 0
  }
  delete "d" {
    share = share.car_to_bob
    by    = user.bob
  }
  expect "bob_after" {
    user            = user.bob
    incoming_shares = 1
  }
}
