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
scenario "wrong kinds" {
  share "s" {
    item = user.alice
    to   = item.car
  }
  expect "e" {
    user = share.s
    incoming_shares = 1
  }
}
