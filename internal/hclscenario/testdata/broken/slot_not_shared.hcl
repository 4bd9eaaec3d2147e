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
scenario "reading what was not shared" {
  share "s" {
    item = item.car
    to   = user.bob
    slot = "vin"
  }
  expect "e" {
    share  = share.s
    values = { model_make = "Tesla" }
  }
  expect "f" {
    share         = share.s
    no_values_for = ["vin"]
  }
}
