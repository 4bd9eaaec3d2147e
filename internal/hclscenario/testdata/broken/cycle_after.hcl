user "alice" {}
user "bob" {}
connection "alice_bob" {
  from = user.alice
  to   = user.bob
}
item "car" {
  owner    = user.alice
  template = "vehicle"
  label    = "My Car"
  slots    = { vin = "5YJ3E1EA7KF317000", model_make = "Tesla" }
}
scenario "after in a circle" {
  share "s" {
    item  = item.car
    to    = user.bob
    after = expect.e
  }
  expect "e" {
    share = share.s
    hashes_verify = true
  }
}
