user "alice" {}
user "bob" {}
user "carol" {}
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
scenario "reading after delete" {
  share "s" {
    item = item.car
    to   = user.bob
  }
  delete "d" {
    share = share.s
    by    = user.bob
  }
  expect "e" {
    share  = share.s
    values = { vin = "5YJ3E1EA7KF317000" }
  }
  delete "again" {
    share = share.s
    by    = user.carol
  }
}
